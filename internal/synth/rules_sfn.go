package synth

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	"github.com/kumo-iac/kumo/internal/pipelinerules"
)

// Sources of the Step Functions rules.
const (
	// CreateStateMachine: name 1–80 without white space, brackets,
	// wildcards, special or control characters, and "To enable logging
	// with CloudWatch Logs, the name should only contain 0-9, A-Z, a-z, -
	// and _"; definition 1–1,048,576 characters; type STANDARD or EXPRESS;
	// roleArn required.
	srcSFNCreate = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html"
	// LoggingConfiguration: level ALL, ERROR, FATAL or OFF; destinations
	// "Limited to size 1. Required, if your log level is not set to OFF";
	// a log group ARN that "must end with :*".
	srcSFNLogging     = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_LoggingConfiguration.html"
	srcSFNLogGroupArn = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_CloudWatchLogsLogGroup.html"
	// EncryptionConfiguration: type AWS_OWNED_KEY or
	// CUSTOMER_MANAGED_KMS_KEY (which needs kmsKeyId);
	// kmsDataKeyReusePeriodSeconds 60–900.
	srcSFNEncryption = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_EncryptionConfiguration.html"
	// With logging on, CreateStateMachine checks that the role may deliver
	// logs and fails with AccessDeniedException "The state machine IAM Role
	// is not authorized to access the Log Destination" when it may not
	// (aws-samples/serverless-patterns#102, aws/aws-cdk#26432): the role's
	// policy with logs:CreateLogDelivery must exist first.
	srcSFNLogOrdering = "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-iam-policy; github.com/aws-samples/serverless-patterns/pull/102; github.com/aws/aws-cdk/issues/26432"
)

// MaxDefinitionLength is CreateStateMachine's limit on the definition.
const maxDefinitionLength = 1048576

var (
	// sfnName excludes what CreateStateMachine's name must not contain.
	sfnName = regexp.MustCompile("^[^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\x00-\\x1f\\x7f-\\x9f]+$")
	// sfnLoggedName is the name of a state machine that logs.
	sfnLoggedName = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)
	// sfnLogGroupArn is a log group ARN ending in ":*".
	sfnLogGroupArn = regexp.MustCompile(`^arn:[a-z-]+:logs:[a-z0-9-]+:\d{12}:log-group:[.\-_/#A-Za-z0-9]+:\*$`)
)

var sfnSpecs = map[string]Spec{
	"aws:sfn/stateMachine:StateMachine": {
		Names: []Name{{Prop: "name", PrefixProp: "namePrefix",
			Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: sfnName, Min: 1, Max: 80,
				Desc: "a state machine name is 1–80 characters without white space, brackets, wildcards, \"#%\\^|~`$&,;:/ or control characters", Source: srcSFNCreate}}},
		Checks: []Check{
			required(srcSFNCreate, "roleArn", "definition"),
			oneOf(srcSFNCreate, "type", "STANDARD", "EXPRESS"),
			{Rule: "a state machine that logs to CloudWatch Logs has a name of only 0-9, A-Z, a-z, '-' and '_'", Source: srcSFNCreate,
				Find: func(r *Resource, _ *Stack) []Finding {
					n := r.Physical("name")
					// A name the API refuses anyway is reported once, by the name rule.
					if !sfnLogs(r) || n == "" || isPlaceholder(n) || !sfnName.MatchString(n) || sfnLoggedName.MatchString(n) {
						return nil
					}
					return []Finding{{Property: "name", Value: n}}
				}},
			{Rule: "the definition is a valid Amazon States Language document of at most 1,048,576 characters", Source: pipelinerules.SrcASL + "; " + pipelinerules.SrcASLTransitions + "; " + srcSFNCreate,
				Find: func(r *Resource, _ *Stack) []Finding {
					doc, ok := r.String("definition")
					if !ok {
						return nil
					}
					if len(doc) > maxDefinitionLength {
						return []Finding{{Property: "definition", Value: "(" + strconv.Itoa(len(doc)) + " characters)"}}
					}
					var def any
					if err := json.Unmarshal([]byte(doc), &def); err != nil {
						return []Finding{{Property: "definition", Value: "not JSON: " + err.Error()}}
					}
					var fs []Finding
					for _, p := range pipelinerules.ValidateDefinition(def) {
						fs = append(fs, Finding{Property: "definition", Value: p.String()})
					}
					return fs
				}},
			oneOf(srcSFNLogging, "loggingConfiguration.level", "ALL", "ERROR", "FATAL", "OFF"),
			{Rule: "a log level other than OFF needs a log destination", Source: srcSFNLogging,
				Find: func(r *Resource, _ *Stack) []Finding {
					if !sfnLogs(r) {
						return nil
					}
					if _, ok := r.Value("loggingConfiguration.logDestination"); !ok {
						return []Finding{{Property: "loggingConfiguration.logDestination"}}
					}
					return nil
				}},
			matches("loggingConfiguration.logDestination", StringRule{Pattern: sfnLogGroupArn, Min: 1, Max: 256,
				Desc: "the log destination is a CloudWatch Logs log group ARN ending in \":*\"", Source: srcSFNLogGroupArn}),
			oneOf(srcSFNEncryption, "encryptionConfiguration.type", "AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"),
			intRange(srcSFNEncryption, "encryptionConfiguration.kmsDataKeyReusePeriodSeconds", 60, 900),
			{Rule: "encryption type CUSTOMER_MANAGED_KMS_KEY needs kmsKeyId", Source: srcSFNEncryption,
				Find: func(r *Resource, _ *Stack) []Finding {
					if t, _ := r.String("encryptionConfiguration.type"); t == "CUSTOMER_MANAGED_KMS_KEY" {
						if _, ok := r.Value("encryptionConfiguration.kmsKeyId"); !ok {
							return []Finding{{Property: "encryptionConfiguration.kmsKeyId"}}
						}
					}
					return nil
				}},
			{Rule: "a state machine that logs is created after the inline policy that lets its role deliver logs (logs:CreateLogDelivery): depend on it", Source: srcSFNLogOrdering,
				Find: func(r *Resource, s *Stack) []Finding {
					if !sfnLogs(r) {
						return nil
					}
					if fs := afterRolePolicies(r, s, "roleArn", func(doc string) bool { return policyAllows(doc, "logs:CreateLogDelivery") }); fs != nil {
						return fs
					}
					return roleLacksPolicy(r, s, "roleArn", "logs:CreateLogDelivery")
				}},
		},
	},
}

// sfnLogs reports whether a state machine's logging is on.
func sfnLogs(r *Resource) bool {
	level, ok := r.String("loggingConfiguration.level")
	return ok && strings.ToUpper(level) != "OFF"
}

// roleLacksPolicy reports a role of this stack, named by the ARN at prop,
// that no inline policy lets do action and that has no managed policy
// attached (whose content synth cannot see).
func roleLacksPolicy(r *Resource, s *Stack, prop, action string) []Finding {
	arn, ok := r.String(prop)
	if !ok {
		return nil
	}
	name := roleName(arn)
	if len(s.named("aws:iam/role:Role", "name", name)) == 0 {
		return nil // not this stack's role
	}
	for _, p := range s.index("role", "aws:iam/rolePolicy:RolePolicy", func(p *Resource) (string, bool) {
		role, _ := p.String("role")
		return roleName(role), true
	})[name] {
		if doc, _ := p.String("policy"); policyAllows(doc, action) {
			return nil
		}
	}
	if len(s.index("role", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", func(p *Resource) (string, bool) {
		role, _ := p.String("role")
		return roleName(role), true
	})[name]) > 0 {
		return nil
	}
	return []Finding{{Property: prop, Value: "(no policy of role " + name + " allows " + action + ")"}}
}
