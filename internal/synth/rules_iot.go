package synth

import (
	"fmt"
	"regexp"

	"github.com/kumo-iac/kumo/internal/pipelinerules"
)

// Sources of the AWS IoT topic rule rules.
const (
	srcIoTCreateTopicRule = "https://docs.aws.amazon.com/iot/latest/apireference/API_CreateTopicRule.html"
	// TopicRulePayload: sql required, "actions … Maximum number of 10
	// items", errorAction one Action.
	srcIoTPayload = "https://docs.aws.amazon.com/iot/latest/apireference/API_TopicRulePayload.html"
	// "AWS IoT currently supports the following SQL versions: 2016-03-23
	// …, 2015-10-08 …, beta".
	srcIoTSQLVersions   = "https://docs.aws.amazon.com/iot/latest/developerguide/iot-rule-sql-version.html"
	srcIoTKinesisAction = "https://docs.aws.amazon.com/iot/latest/apireference/API_KinesisAction.html"
	srcIoTS3Action      = "https://docs.aws.amazon.com/iot/latest/apireference/API_S3Action.html"
	// pulumi-aws autonames the rule with "_" and no length limit of its
	// own, so CreateTopicRule's 128 characters apply; a resource name with
	// '-' autonames to a rule name the API refuses.
	srcProviderIoTRuleName = "pulumi-aws provider/resources.go aws_iot_topic_rule name tfbridge.AutoNameWithCustomOptions(\"name\", AutoNameOptions{Separator: \"_\"}) (no Maxlen: the API's 128 applies)"
	// The provider requires enabled, sql and sql_version, and takes
	// exactly one action in error_action (topicRuleErrorActionExactlyOneOf).
	srcTFIoTTopicRule = "terraform-provider-aws internal/service/iot/topic_rule.go (enabled, sql, sql_version Required; error_action ExactlyOneOf)"
	// CreateTopicRule is refused ("InvalidRequestException … sts:AssumeRole")
	// until IoT can assume the roles its actions name; the provider retries
	// on it while IAM propagates. That IoT also checks the role's
	// permissions at creation is not documented: the rule only fails its
	// actions (and an error action under the same role) for the messages
	// that arrive before the role's policies exist, so those go nowhere.
	srcIoTRoleOrdering = "terraform-provider-aws internal/service/iot/topic_rule.go resourceTopicRuleCreate (RetryWhenIsA InvalidRequestException while IAM propagates); https://docs.aws.amazon.com/iot/latest/developerguide/iot-create-role.html"
)

const tIoTTopicRule = "aws:iot/topicRule:TopicRule"

// iotActionLists are the TopicRule inputs holding actions (one list per
// action type, as pulumi-aws names them), and iotErrorActions the keys of
// errorAction, which holds exactly one.
var (
	iotActionLists = []string{"cloudwatchAlarms", "cloudwatchLogs", "cloudwatchMetrics", "dynamodbs", "dynamodbv2s",
		"elasticsearch", "firehoses", "https", "iotAnalytics", "iotEvents", "kafkas", "kineses", "lambdas",
		"republishes", "s3", "sns", "sqs", "stepFunctions", "timestreams"}
	iotErrorActions = []string{"cloudwatchAlarm", "cloudwatchLogs", "cloudwatchMetric", "dynamodb", "dynamodbv2",
		"elasticsearch", "firehose", "http", "iotAnalytics", "iotEvents", "kafka", "kinesis", "lambda",
		"republish", "s3", "sns", "sqs", "stepFunctions", "timestream"}
)

// iotRoleArn is the IAM role an action names, which IoT assumes.
var iotRoleArn = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:iam::\d{12}:role/[a-zA-Z_0-9+=,.@\-_/]+$`)

var iotSpecs = map[string]Spec{
	tIoTTopicRule: {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 128, Sep: "_", Source: srcProviderIoTRuleName},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[a-zA-Z0-9_]+$`), Min: 1, Max: 128,
				Desc: "a rule name is 1–128 letters, digits or '_' (no '-')", Source: srcIoTCreateTopicRule}}},
		Checks: []Check{
			required(srcTFIoTTopicRule, "enabled", "sql", "sqlVersion"),
			oneOf(srcIoTSQLVersions, "sqlVersion", "2015-10-08", "2016-03-23", "beta"),
			{Rule: "sql is SELECT <fields> [FROM '<topic filter>'] [WHERE <condition>] with a valid MQTT topic filter",
				Source: pipelinerules.SrcIoTSQL + "; " + pipelinerules.SrcIoTFrom + "; " + pipelinerules.SrcMQTTTopicFilters + "; " + pipelinerules.SrcIoTTopicQuotas,
				Find: func(r *Resource, _ *Stack) []Finding {
					sql, ok := r.String("sql")
					if !ok {
						return nil
					}
					var fs []Finding
					for _, p := range pipelinerules.IoTSQLProblems(sql, false) {
						fs = append(fs, Finding{Property: "sql", Value: p.Msg})
					}
					return fs
				}},
			{Rule: "a rule has at most 10 actions", Source: srcIoTPayload,
				Find: func(r *Resource, _ *Stack) []Finding {
					n := 0
					for _, l := range iotActionLists {
						n += len(values(r, l+"[]"))
					}
					if n > 10 {
						return []Finding{{Property: "(actions)", Value: fmt.Sprintf("%d actions", n)}}
					}
					return nil
				}},
			{Rule: "errorAction holds exactly one action", Source: srcTFIoTTopicRule + "; " + srcIoTPayload,
				Find: func(r *Resource, _ *Stack) []Finding {
					if _, set := r.Value("errorAction"); !set {
						return nil
					}
					var kinds []string
					for _, k := range iotErrorActions {
						if _, set := r.Value("errorAction." + k); set {
							kinds = append(kinds, k)
						}
					}
					if len(kinds) != 1 {
						return []Finding{{Property: "errorAction", Value: fmt.Sprintf("%d actions %v", len(kinds), kinds)}}
					}
					return nil
				}},
			iotActionRequired(srcIoTKinesisAction, "kineses", "kinesis", "roleArn", "streamName"),
			iotActionRequired(srcIoTS3Action, "s3", "s3", "bucketName", "key", "roleArn"),
			matches("kineses[].streamName", kinesisStreamName),
			matches("errorAction.kinesis.streamName", kinesisStreamName),
			{Rule: "an action's roleArn is an IAM role ARN IoT can assume", Source: srcIoTKinesisAction + "; " + srcIoTRoleOrdering,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, ra := range iotRoleArns(r) {
						if !isPlaceholder(ra.arn) && !iotRoleArn.MatchString(ra.arn) {
							fs = append(fs, Finding{Property: ra.prop, Value: ra.arn})
						}
					}
					return fs
				}},
			{Rule: "the rule is created after the inline policies of the roles its actions name: depend on them", Source: srcIoTRoleOrdering,
				Find: func(r *Resource, s *Stack) []Finding {
					var fs []Finding
					seen := map[string]bool{}
					for _, ra := range iotRoleArns(r) {
						if isPlaceholder(ra.arn) || seen[ra.arn] {
							continue
						}
						seen[ra.arn] = true
						fs = append(fs, afterRoleArnPolicies(r, s, ra.prop, ra.arn, nil)...)
					}
					return fs
				}},
		},
	},
}

// iotActionRequired: each action of one type, in its list and as the error
// action, sets the properties the API requires.
func iotActionRequired(source, list, errorKey string, props ...string) Check {
	return Check{
		Rule:   "required by the API",
		Source: source,
		Find: func(r *Resource, _ *Stack) []Finding {
			var fs []Finding
			check := func(at string, a any) {
				m, _ := a.(map[string]any)
				for _, p := range props {
					if v, ok := Field(m, p); !ok || v == "" {
						fs = append(fs, Finding{Property: at + "." + p})
					}
				}
			}
			for _, a := range values(r, list+"[]") {
				check(list+"[]", a)
			}
			if a, set := r.Value("errorAction." + errorKey); set {
				check("errorAction."+errorKey, a)
			}
			return fs
		},
	}
}

// iotRole is a role ARN an action names, and where.
type iotRole struct{ prop, arn string }

// iotRoleArns lists the known role ARNs of the rule's actions and its error
// action, in input order.
func iotRoleArns(r *Resource) []iotRole {
	var out []iotRole
	for _, l := range iotActionLists {
		for _, v := range values(r, l+"[].roleArn") {
			if s, ok := v.(string); ok {
				out = append(out, iotRole{l + "[].roleArn", s})
			}
		}
	}
	for _, k := range iotErrorActions {
		if s, ok := r.String("errorAction." + k + ".roleArn"); ok {
			out = append(out, iotRole{"errorAction." + k + ".roleArn", s})
		}
	}
	return out
}
