package streaming

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iot"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/lazyregexp"
	"github.com/kumo-iac/kumo/internal/pipelinerules"
)

// SQLVersion is the version of the AWS IoT SQL rules engine a rule's SQL
// is read with.
type SQLVersion string

// SQL versions AWS IoT supports
// (https://docs.aws.amazon.com/iot/latest/developerguide/iot-rule-sql-version.html).
const (
	// SQLVersion20160323 is the version AWS recommends (nested object
	// queries, array fixes).
	SQLVersion20160323 SQLVersion = "2016-03-23"
	// SQLVersion20151008 is the original version.
	SQLVersion20151008 SQLVersion = "2015-10-08"
	// SQLVersionBeta is the newest beta, which may change under the rule.
	SQLVersionBeta SQLVersion = "beta"
)

var sqlVersions = []SQLVersion{SQLVersion20160323, SQLVersion20151008, SQLVersionBeta}

// TopicRuleArgs configure a TopicRule.
type TopicRuleArgs struct {
	// SQL selects the messages the rule acts on and what of them it
	// passes on: SELECT <fields> FROM '<topic filter>' [WHERE <condition>],
	// e.g. "SELECT *, topic(2) AS device FROM 'sensors/+/telemetry' WHERE
	// type = 'temperature'". '+' matches one topic level, '#' all the
	// remaining ones. Required.
	SQL string
	// SQLVersion is the rules engine version SQL is read with.
	// Default: "2016-03-23".
	SQLVersion SQLVersion
	// Description is shown in the AWS IoT console. Default: none.
	Description string
	// Kinesis is the stream the rule puts each selected message into, as
	// one record. Required.
	Kinesis *Stream
	// PartitionKey is the record's partition key, a substitution template
	// over the message: records of one key stay in order in one shard.
	// Default: "${newuuid()}", spread evenly over the shards, in no order;
	// "${topic(2)}" keeps each device's messages in order (and on one
	// shard).
	PartitionKey string
	// ErrorAction is where AWS IoT sends a description of each message
	// the Kinesis action failed to deliver (the error, the rule, the
	// topic, the message base64-encoded). Required: without one, failures
	// leave no trace but a CloudWatch metric.
	ErrorAction TopicRuleErrorAction
	// RuleName is the rule's name, also its Basic Ingest topic
	// ($aws/rules/<RuleName>): 1–128 letters, digits or '_'. Default:
	// "<project>_<stack>_<name>", every other character replaced by '_'
	// (the provider would autoname it from the resource name, keeping its
	// '-', which AWS IoT refuses).
	RuleName string
	// Enabled is the rule's kill switch: false stops it acting on messages
	// and changes nothing else; messages published meanwhile are not
	// replayed. Default: true.
	Enabled *bool
}

// TopicRuleErrorAction is a TopicRule's error action: one of Stream and
// Bucket.
type TopicRuleErrorAction struct {
	// Stream receives the failure descriptions as records (partition key
	// ${newuuid()}). Not the rule's Kinesis stream, whose failures it is
	// for. Default: nil.
	Stream *Stream
	// Bucket receives each failure description as an object under Prefix,
	// named by the time and a UUID. Default: nil.
	Bucket *constructs.Bucket
	// Prefix is the key prefix of those objects, Bucket only. Default:
	// "iot-errors/<RuleName>/".
	Prefix string
}

// TopicRule is an AWS IoT rule putting the messages its SQL selects into a
// Kinesis stream, with an error action for what it fails to deliver and its
// own role, which only iot.amazonaws.com may assume for this account and
// which may only put records into the rule's stream (and its failures into
// the error stream or under the error prefix).
type TopicRule struct {
	pulumi.ResourceState

	// Rule is the underlying topic rule, an escape hatch.
	Rule *iot.TopicRule
	// Role is the role AWS IoT assumes for the rule's actions.
	Role *iam.Role
	// Name is the rule name.
	Name pulumi.StringOutput
	// Arn is the rule ARN.
	Arn pulumi.StringOutput
}

var (
	// CreateTopicRule's ruleName: ^[a-zA-Z0-9_]+$, 1–128
	// (https://docs.aws.amazon.com/iot/latest/apireference/API_CreateTopicRule.html).
	topicRuleName   = lazyregexp.New(`^[a-zA-Z0-9_]{1,128}$`)
	topicRuleUnsafe = lazyregexp.New(`[^a-zA-Z0-9_]`)
	// topicRuleLogicalName keeps room for the provider's 8-character
	// suffix of the rule's role within IAM's 64-character role name.
	topicRuleLogicalName = lazyregexp.New(`^[a-zA-Z0-9_.-]{1,56}$`)
)

// errorObjectKey names each failure object under the prefix: the time it
// failed (epoch milliseconds, so keys sort by time) and a UUID.
const errorObjectKey = "${timestamp()}-${newuuid()}.json"

func (a TopicRuleArgs) withDefaults(ctx *pulumi.Context, name string) TopicRuleArgs {
	a.SQLVersion = cmp.Or(a.SQLVersion, DefaultTopicRuleSQLVersion)
	a.PartitionKey = cmp.Or(a.PartitionKey, DefaultTopicRulePartitionKey)
	a.RuleName = cmp.Or(a.RuleName, topicRuleUnsafe().ReplaceAllString(strings.Join([]string{ctx.Project(), ctx.Stack(), name}, "_"), "_"))
	if a.Enabled == nil {
		on := true
		a.Enabled = &on
	}
	if a.ErrorAction.Bucket != nil {
		a.ErrorAction.Prefix = cmp.Or(a.ErrorAction.Prefix, DefaultTopicRuleErrorPrefix+a.RuleName+"/")
	}
	return a
}

// validate reports every problem (defaults applied).
func (a TopicRuleArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !topicRuleLogicalName().MatchString(name) {
		add("name: %q must be 1–56 letters, digits, '_', '.' or '-' (the rule's role is named after it, within IAM's 64 characters with the provider's 8)", name)
	}
	for _, p := range pipelinerules.IoTSQLProblems(a.SQL, true) {
		add("SQL: %q %s", a.SQL, p.Msg)
	}
	if !slices.Contains(sqlVersions, a.SQLVersion) {
		add("SQLVersion: %q is not an AWS IoT SQL version; use %s", a.SQLVersion, quotedValues(sqlVersions))
	}
	if a.Kinesis == nil {
		add("Kinesis: nil; set the Stream the rule puts the selected messages into")
	}
	if !substitutionsClosed(a.PartitionKey) {
		add("PartitionKey: %q opens a substitution template with ${ and does not close it with }", a.PartitionKey)
	}
	if !topicRuleName().MatchString(a.RuleName) {
		add("RuleName: %q must be 1–128 letters, digits or '_' (AWS IoT refuses '-' and '.'); set RuleName, or shorten the project, stack or construct name", a.RuleName)
	}
	e := a.ErrorAction
	switch {
	case e.Stream == nil && e.Bucket == nil:
		add("ErrorAction: neither Stream nor Bucket is set; without an error action the messages the rule fails to deliver leave no trace, so set one")
	case e.Stream != nil && e.Bucket != nil:
		add("ErrorAction: both Stream %q and Bucket %q are set; an IoT rule has one error action, so set one of them", e.Stream.name, core.BucketName(e.Bucket))
	case e.Stream != nil && e.Stream == a.Kinesis:
		add("ErrorAction.Stream: stream %q is also the rule's Kinesis stream, so what fails there would fail again; send failures to another Stream or a Bucket", e.Stream.name)
	}
	if e.Bucket == nil && e.Prefix != "" {
		add("ErrorAction.Prefix: %q is set without ErrorAction.Bucket", e.Prefix)
	}
	if e.Bucket != nil && (!core.KeyPrefixValid(e.Prefix) || len(e.Prefix) > 900) {
		add("ErrorAction.Prefix: %q must be a key prefix of at most 900 characters without a leading '/', empty segments, wildcards or templates, e.g. \"iot-errors/\"", e.Prefix)
	}
	return errs
}

// substitutionsClosed reports whether every ${ of a substitution template
// is closed by a }.
func substitutionsClosed(s string) bool {
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return true
		}
		j := strings.Index(s[i+2:], "}")
		if j < 0 {
			return false
		}
		s = s[i+2+j+1:]
	}
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything (the default RuleName
// needs the project and stack, hence ctx).
func (a TopicRuleArgs) Validate(ctx *pulumi.Context, name string) error {
	return constructs.Invalid(fmt.Sprintf("topic rule %q", name), a.withDefaults(ctx, name).validate(name))
}

// NewTopicRule registers a topic rule, its role and the role's grants.
func NewTopicRule(ctx *pulumi.Context, name string, args *TopicRuleArgs, opts ...pulumi.ResourceOption) (*TopicRule, error) {
	if args == nil {
		args = &TopicRuleArgs{}
	}
	a := args.withDefaults(ctx, name)
	if err := constructs.Invalid(fmt.Sprintf("topic rule %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	r := &TopicRule{}
	if err := ctx.RegisterComponentResource("kumo:constructs:TopicRule", name, r, opts...); err != nil {
		return nil, err
	}
	// The confused deputy condition IoT documents for rule roles
	// (https://docs.aws.amazon.com/iot/latest/developerguide/cross-service-confused-deputy-prevention.html).
	role, err := constructs.NewServiceRole(ctx, name, r, "iot.amazonaws.com",
		fmt.Sprintf("Role of kumo topic rule %s; permissions come only from grants.", name))
	if err != nil {
		return nil, err
	}
	r.Role = role.Role()
	if err := a.Kinesis.grantPutRecord(role); err != nil {
		return nil, err
	}
	errorAction := &iot.TopicRuleErrorActionArgs{}
	switch e := a.ErrorAction; {
	case e.Stream != nil:
		if err := e.Stream.grantPutRecord(role); err != nil {
			return nil, err
		}
		errorAction.Kinesis = &iot.TopicRuleErrorActionKinesisArgs{
			StreamName:   e.Stream.Name,
			PartitionKey: pulumi.String(DefaultTopicRulePartitionKey),
			RoleArn:      r.Role.Arn,
		}
	default:
		// PutObject under the prefix only, with the bucket's key when it
		// has one ("s3:PutObject",
		// https://docs.aws.amazon.com/iot/latest/developerguide/s3-rule-action.html).
		if err := core.BucketGrant(e.Bucket, role, "iot-errors-"+name, []constructs.Statement{{
			Sid:       "BucketPutErrors",
			Actions:   []string{"s3:PutObject"},
			Resources: []pulumi.StringInput{core.Suffix("/"+e.Prefix+"*", e.Bucket.Arn)},
		}}, []string{"kms:GenerateDataKey"}); err != nil {
			return nil, err
		}
		errorAction.S3 = &iot.TopicRuleErrorActionS3Args{
			BucketName: e.Bucket.Name,
			Key:        pulumi.String(e.Prefix + errorObjectKey),
			RoleArn:    r.Role.Arn,
		}
	}
	rArgs := &iot.TopicRuleArgs{
		Name:       pulumi.String(a.RuleName),
		Enabled:    pulumi.Bool(*a.Enabled),
		Sql:        pulumi.String(a.SQL),
		SqlVersion: pulumi.String(string(a.SQLVersion)),
		Kineses: iot.TopicRuleKinesisArray{&iot.TopicRuleKinesisArgs{
			StreamName:   a.Kinesis.Name,
			PartitionKey: pulumi.String(a.PartitionKey),
			RoleArn:      r.Role.Arn,
		}},
		ErrorAction: errorAction,
	}
	if a.Description != "" {
		rArgs.Description = pulumi.String(a.Description)
	}
	// CreateTopicRule is refused until IoT can assume the role; the rule
	// also waits for the role's policies, so that no message arriving
	// right after it exists fails both its action and its error action.
	if r.Rule, err = iot.NewTopicRule(ctx, name, rArgs, pulumi.Parent(r), pulumi.DependsOn(role.Policies())); err != nil {
		return nil, err
	}
	r.Name, r.Arn = r.Rule.Name, r.Rule.Arn
	if err := ctx.RegisterResourceOutputs(r, pulumi.Map{"name": r.Name, "arn": r.Arn, "roleArn": r.Role.Arn}); err != nil {
		return nil, err
	}
	return r, nil
}
