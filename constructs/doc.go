// Package constructs holds kumo's building blocks: Pulumi component resources
// (functions served through an alias, APIs, static sites, tables, buckets,
// user pools) that are secure by default, validate every argument before they
// register anything, and connect to each other through grants rather than
// hand-written IAM policies. Patterns compose them into reference
// architectures; the secure defaults they share live in defaults.go.
//
// The data-pattern constructs live in packages of their own beside this one,
// so that a program links only the AWS provider SDK packages it uses:
// constructs/streaming (Kinesis streams, Firehose, IoT rules),
// constructs/workflow (Step Functions), constructs/lake (Glue, Athena,
// OpenSearch, CloudTrail) and constructs/cicd.
package constructs
