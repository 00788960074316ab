// Package lake holds the constructs a data lake is catalogued, queried,
// searched and audited with: a Glue Data Catalog database and its crawler
// (GlueCatalog), an Athena workgroup (Workgroup), an OpenSearch domain
// (SearchDomain) and a CloudTrail trail of the lake buckets' data events
// (Trail). They are constructs like package constructs' (the same
// constructor shape, validation before anything is registered, grants,
// kumo:constructs:… type tokens), in a package of their own so that
// programs without them do not link the Glue, Athena, OpenSearch and
// CloudTrail SDK packages; the data lake pattern is the one that uses them
// together.
package lake
