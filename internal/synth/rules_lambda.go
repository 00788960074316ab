package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/rollout"
)

// Sources of the Lambda rules.
const (
	srcLambdaCreateFunction = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"
	srcLambdaVpcConfig      = "https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html"
	srcLambdaVpcPermissions = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions"
	srcLambdaAddPermission  = "https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html"
	srcLambdaCreateAlias    = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html"
	srcLambdaEventInvoke    = "https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionEventInvokeConfig.html"
	srcLambdaRuntimes       = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
	// The provider autonames statementId with tfbridge.AutoName("statementId",
	// 100, "-") and validates it with validPolicyStatementID
	// (^[0-9A-Za-z_-]+$): pulumi-aws provider/resources.go,
	// terraform-provider-aws internal/service/lambda/permission.go.
	srcProviderStatementID = "pulumi-aws provider/resources.go aws_lambda_permission statement_id AutoName(100, \"-\"); terraform-provider-aws internal/service/lambda/permission.go validPolicyStatementID"
	// pulumi-aws v6 autonames every other top-level name with
	// prov.SetAutonaming(255, "-") (provider/resources.go).
	srcProviderAutonaming = "pulumi-aws provider/resources.go prov.SetAutonaming(255, \"-\")"
)

// lambdaNameRule is CreateFunction's FunctionName for a bare name: "If you
// specify only the function name, it is limited to 64 characters".
var lambdaNameRule = StringRule{
	Pattern: regexp.MustCompile(`^[a-zA-Z0-9_-]+$`), Min: 1, Max: 64,
	Desc: "a function name is 1–64 letters, digits, '-' or '_'", Source: srcLambdaCreateFunction,
}

// lambdaAliasRule is CreateAlias's Name: (?!^[0-9]+$)([a-zA-Z0-9-_]+), 1–128.
var lambdaAliasRule = StringRule{
	Pattern: regexp.MustCompile(`^[a-zA-Z0-9_-]*[a-zA-Z_-][a-zA-Z0-9_-]*$`), Min: 1, Max: 128,
	Desc: "an alias is 1–128 letters, digits, '-' or '_', and not only digits", Source: srcLambdaCreateAlias,
}

// lambdaQualifierRule is AddPermission's and PutFunctionEventInvokeConfig's
// Qualifier: a version or alias, [a-zA-Z0-9$_-]+, 1–128.
var lambdaQualifierRule = StringRule{
	Pattern: regexp.MustCompile(`^[a-zA-Z0-9$_-]+$`), Min: 1, Max: 128,
	Desc: "a qualifier is a version number, $LATEST or an alias name", Source: srcLambdaAddPermission,
}

// LambdaRuntimes returns the runtimes Lambda accepts for new functions (the
// reality rule below), for kumo check's latest-runtime rule.
func LambdaRuntimes() []string { return slices.Clone(lambdaRuntimes) }

// lambdaRuntimes are the runtimes CreateFunction accepts for new functions
// (deprecated ones refuse creation). See the runtimes table.
var lambdaRuntimes = []string{
	"nodejs18.x", "nodejs20.x", "nodejs22.x",
	"python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
	"java8.al2", "java11", "java17", "java21",
	"dotnet8", "ruby3.2", "ruby3.3", "ruby3.4",
	"provided.al2", "provided.al2023",
}

var lambdaSpecs = map[string]Spec{
	"aws:lambda/function:Function": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming}, Rule: lambdaNameRule}},
		Checks: []Check{
			required(srcLambdaCreateFunction, "role"),
			// A Zip package needs a runtime and handler (image packages do not).
			{Rule: "a .zip deployment package needs runtime and handler", Source: srcLambdaCreateFunction,
				Find: func(r *Resource, _ *Stack) []Finding {
					if pt, _ := r.String("packageType"); pt == "Image" {
						return nil
					}
					var fs []Finding
					for _, p := range []string{"runtime", "handler"} {
						if _, ok := r.Value(p); !ok {
							fs = append(fs, Finding{Property: p})
						}
					}
					return fs
				}},
			oneOf(srcLambdaRuntimes, "runtime", lambdaRuntimes...),
			matches("handler", StringRule{Pattern: regexp.MustCompile(`^[^\s]+$`), Max: 128,
				Desc: "a handler is at most 128 characters without white space", Source: srcLambdaCreateFunction}),
			intRange(srcLambdaCreateFunction, "memorySize", 128, 10240),
			intRange(srcLambdaCreateFunction, "timeout", 1, 900),
			// VpcConfig: "SubnetIds ... Maximum number of 16 items",
			// "SecurityGroupIds ... Maximum number of 5 items"
			// (https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html).
			{Rule: "a VPC function has at most 16 subnets and 5 security groups", Source: srcLambdaVpcConfig,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, l := range []struct {
						prop string
						max  int
					}{{"vpcConfig.subnetIds", 16}, {"vpcConfig.securityGroupIds", 5}} {
						if v := values(r, l.prop+"[]"); len(v) > l.max {
							fs = append(fs, Finding{Property: l.prop, Value: len(v)})
						}
					}
					return fs
				}},
			// CreateFunction refuses a VPC function whose role may not
			// create network interfaces: "The provided execution role does
			// not have permissions to call CreateNetworkInterface on EC2"
			// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions).
			{Rule: "a VPC function is created after its role may create network interfaces", Source: srcLambdaVpcPermissions,
				Find: func(r *Resource, s *Stack) []Finding {
					if len(values(r, "vpcConfig.subnetIds[]")) == 0 {
						return nil
					}
					role, _ := r.String("role")
					if role == "" || Unknown(role) || roleAllowsBefore(r, s, roleName(role), "ec2:CreateNetworkInterface") {
						return nil
					}
					return []Finding{{Property: "role", Value: role}}
				}},
			oneOf(srcLambdaCreateFunction, "architectures[]", "x86_64", "arm64"),
			{Rule: "at most one architecture", Source: srcLambdaCreateFunction,
				Find: func(r *Resource, _ *Stack) []Finding {
					if a := values(r, "architectures[]"); len(a) > 1 {
						return []Finding{{Property: "architectures", Value: a}}
					}
					return nil
				}},
			matches("description", StringRule{Max: 256, Desc: "a description is at most 256 characters", Source: srcLambdaCreateFunction}),
			matches("role", StringRule{Pattern: regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`),
				Desc: "role is an IAM role ARN", Source: srcLambdaCreateFunction}),
			oneOf(srcLambdaCreateFunction, "tracingConfig.mode", "Active", "PassThrough"),
			oneOf(srcLambdaCreateFunction, "loggingConfig.logFormat", "JSON", "Text"),
			// ReservedConcurrentExecutions is 0 or more; the provider's -1 means unreserved.
			intRange(srcLambdaCreateFunction, "reservedConcurrentExecutions", -1, 1<<31-1),
			{Rule: "environment variable names start with a letter and hold only letters, digits and '_'", Source: srcLambdaCreateFunction,
				Find: func(r *Resource, _ *Stack) []Finding {
					vars, _ := r.Value("environment.variables")
					m, _ := vars.(map[string]any)
					var fs []Finding
					for k := range m {
						if !envName.MatchString(k) {
							fs = append(fs, Finding{Property: "environment.variables", Value: k})
						}
					}
					return fs
				}},
			{Rule: "environment variables may total at most 4 KB", Source: srcLambdaCreateFunction,
				Find: func(r *Resource, _ *Stack) []Finding {
					vars, _ := r.Value("environment.variables")
					if m, ok := vars.(map[string]any); ok {
						b, _ := json.Marshal(m)
						if len(b) > 4096 {
							return []Finding{{Property: "environment.variables", Value: fmt.Sprintf("%d bytes", len(b))}}
						}
					}
					return nil
				}},
		},
	},

	"aws:lambda/alias:Alias": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming}, Rule: lambdaAliasRule}},
		Checks: []Check{
			required(srcLambdaCreateAlias, "functionName", "functionVersion"),
			matches("functionVersion", StringRule{Pattern: regexp.MustCompile(`^(\$LATEST|[0-9]+)$`), Min: 1, Max: 1024,
				Desc: "functionVersion is $LATEST or a version number", Source: srcLambdaCreateAlias}),
		},
	},

	"aws:lambda/permission:Permission": {
		Names: []Name{{Prop: "statementId", PrefixProp: "statementIdPrefix",
			Auto: &Autoname{Max: 100, Sep: "-", Source: srcProviderStatementID},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[a-zA-Z0-9_-]+$`), Min: 1, Max: 100,
				Desc: "a statement ID is 1–100 letters, digits, '-' or '_'", Source: srcLambdaAddPermission}}},
		Checks: []Check{
			required(srcLambdaAddPermission, "action", "function", "principal"),
			matches("action", StringRule{Pattern: regexp.MustCompile(`^(lambda:[*]|lambda:[a-zA-Z]+|[*])$`),
				Desc: "action is lambda:<Operation>, lambda:* or *", Source: srcLambdaAddPermission}),
			matches("qualifier", lambdaQualifierRule),
			matches("sourceArn", StringRule{Pattern: regexp.MustCompile(`^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$`),
				Desc: "sourceArn is an ARN", Source: srcLambdaAddPermission}),
			aliasExistsFirst(srcLambdaAddPermission, "function"),
			// S3 and EventBridge permissions: Principal "Pattern: [^\s]+",
			// SourceAccount "Pattern: \d{12}".
			matches("principal", StringRule{Pattern: regexp.MustCompile(`^[^\s]+$`), Min: 1,
				Desc: "principal is a service (s3.amazonaws.com, events.amazonaws.com), an account ID or an ARN, without white space", Source: srcLambdaAddPermission}),
			matches("sourceAccount", StringRule{Pattern: regexp.MustCompile(`^\d{12}$`),
				Desc: "sourceAccount is a 12-digit account ID", Source: srcLambdaAddPermission}),
		},
	},

	"aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
		Checks: []Check{
			required(srcLambdaEventInvoke, "functionName"),
			intRange(srcLambdaEventInvoke, "maximumRetryAttempts", 0, 2),
			intRange(srcLambdaEventInvoke, "maximumEventAgeInSeconds", 60, 21600),
			matches("qualifier", lambdaQualifierRule),
			aliasExistsFirst(srcLambdaEventInvoke, "functionName"),
		},
	},

	// kumo's own provider: its Check runs rollout.Inputs.Validate, so synth
	// runs the very same code.
	"kumo:index:Release": {
		Checks: []Check{{
			Rule:   "kumo's release provider refuses these inputs",
			Source: "internal/rollout/inputs.go (Inputs.Validate, run by the provider's Check)",
			Find: func(r *Resource, _ *Stack) []Finding {
				b, err := json.Marshal(r.Inputs)
				if err != nil {
					return []Finding{{Property: "(inputs)", Value: err.Error()}}
				}
				var in rollout.Inputs
				if err := json.Unmarshal(b, &in); err != nil {
					return []Finding{{Property: "(inputs)", Value: err.Error()}}
				}
				err = in.WithDefaults().Validate()
				var verr *rollout.ValidationError
				if errors.As(err, &verr) {
					var fs []Finding
					for _, p := range verr.Problems {
						fs = append(fs, Finding{Property: "(inputs)", Value: p.Error()})
					}
					return fs
				}
				if err != nil {
					return []Finding{{Property: "(inputs)", Value: err.Error()}}
				}
				return nil
			},
		}},
	},
}

var (
	envName       = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]*$`)
	versionNumber = regexp.MustCompile(`^[0-9]+$`)
)

// aliasExistsFirst: a qualifier naming an alias needs the alias to exist
// when the call is made ("ResourceNotFoundException … Alias not found"), so
// the resource must be ordered after whatever creates it in this stack: an
// aws:lambda/alias:Alias or a kumo:index:Release of that function and name.
func aliasExistsFirst(source, fnProp string) Check {
	return Check{
		Rule:   "the qualifier names an alias that must exist first: depend on the resource that creates it",
		Source: source,
		Find: func(r *Resource, s *Stack) []Finding {
			q, ok := r.String("qualifier")
			if !ok || q == "$LATEST" || versionNumber.MatchString(q) {
				return nil
			}
			fn, ok := r.String(fnProp)
			if !ok {
				return nil
			}
			fnName := lambdaFunctionName(fn)
			for _, c := range aliasCreators(s, fnName, q) {
				if s.DependsOn(r, c) {
					return nil
				}
			}
			return []Finding{{Property: "qualifier", Value: q}}
		},
	}
}

// aliasCreators are the resources of the stack that create alias q of the
// function named fn.
func aliasCreators(s *Stack, fn, q string) []*Resource {
	aliases := s.index("function alias", "aws:lambda/alias:Alias", func(a *Resource) (string, bool) {
		f, _ := a.String("functionName")
		return lambdaFunctionName(f) + "\x00" + a.Physical("name"), true
	})
	releases := s.index("function alias", "kumo:index:Release", func(rel *Resource) (string, bool) {
		f, _ := rel.String("functionName")
		alias, _ := rel.String("aliasName")
		if alias == "" {
			alias = "live"
		}
		return lambdaFunctionName(f) + "\x00" + alias, true
	})
	key := fn + "\x00" + q
	return append(slices.Clip(aliases[key]), releases[key]...)
}

// lambdaFunctionName reduces a name, ARN or qualified ARN to the name.
func lambdaFunctionName(fn string) string {
	arn := lambdaFunctionArn(fn, "", "")
	if _, name, ok := strings.Cut(arn, ":function:"); ok {
		return name
	}
	return fn
}

// Sources of the event source mapping rules.
const (
	srcLambdaCreateESM = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html"
	// terraform-provider-aws internal/service/lambda/event_source_mapping.go
	// validates maximum_record_age_in_seconds as -1 or 60–604800 and
	// maximum_retry_attempts as -1–10000.
	srcTFLambdaESM = "terraform-provider-aws internal/service/lambda/event_source_mapping.go; " + srcLambdaCreateESM
	// CreateEventSourceMapping checks the execution role: "Cannot access
	// stream …. Please ensure the role can perform the GetRecords,
	// GetShardIterator, DescribeStream, and ListStreams Actions on your
	// stream in IAM" (InvalidParameterValueException), and likewise for
	// SQS (ReceiveMessage) and the on-failure destination (SendMessage,
	// Publish). A policy attached in the same deployment must come first
	// (serverless/serverless#3997).
	srcLambdaESMRole = srcLambdaCreateESM + " (InvalidParameterValueException: Cannot access stream … Please ensure the role can perform …); https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-eventsourcemapping.html#events-dynamodb-permissions; serverless/serverless#3997"
)

const tEventSourceMapping = "aws:lambda/eventSourceMapping:EventSourceMapping"

// esmSource is the kind of source a mapping reads, from its eventSourceArn
// (self-managed Kafka has none): "dynamodb", "kinesis", "sqs", "mq",
// "kafka", "docdb", or "" when synth cannot tell.
func esmSource(r *Resource) string {
	if _, ok := r.Value("selfManagedEventSource"); ok {
		return "kafka"
	}
	arn, _ := r.String("eventSourceArn")
	switch svc := arnService(arn); svc {
	case "rds":
		return "docdb"
	case "dynamodb", "kinesis", "sqs", "mq", "kafka":
		return svc
	}
	return ""
}

// esmOnly are the settings CreateEventSourceMapping takes for some kinds of
// source only: "(Kinesis and DynamoDB Streams only)" and "(Kinesis,
// DynamoDB Streams, Amazon MSK, and self-managed Kafka only)".
var esmOnly = []struct {
	prop    string
	sources []string
}{
	{"bisectBatchOnFunctionError", []string{"kinesis", "dynamodb"}},
	{"parallelizationFactor", []string{"kinesis", "dynamodb"}},
	{"tumblingWindowInSeconds", []string{"kinesis", "dynamodb"}},
	{"destinationConfig", []string{"kinesis", "dynamodb", "kafka"}},
	{"maximumRetryAttempts", []string{"kinesis", "dynamodb", "kafka"}},
	{"maximumRecordAgeInSeconds", []string{"kinesis", "dynamodb", "kafka"}},
	{"startingPosition", []string{"kinesis", "dynamodb", "kafka", "docdb"}},
}

// esmReadAction is the action CreateEventSourceMapping checks the role for,
// per source.
var esmReadAction = map[string]string{"dynamodb": "dynamodb:GetRecords", "kinesis": "kinesis:GetRecords", "sqs": "sqs:ReceiveMessage"}

// esmSendAction is the action it checks for an on-failure destination.
var esmSendAction = map[string]string{"sqs": "sqs:SendMessage", "sns": "sns:Publish"}

var lambdaEventSourceSpecs = map[string]Spec{
	tEventSourceMapping: {
		Checks: []Check{
			required(srcLambdaCreateESM, "functionName"),
			intRange(srcLambdaCreateESM, "batchSize", 1, 10000),
			intRange(srcLambdaCreateESM, "maximumBatchingWindowInSeconds", 0, 300),
			intRange(srcTFLambdaESM, "maximumRetryAttempts", -1, 10000),
			intRange(srcLambdaCreateESM, "parallelizationFactor", 1, 10),
			intRange(srcLambdaCreateESM, "tumblingWindowInSeconds", 0, 900),
			{Rule: "maximumRecordAgeInSeconds is -1 (until the record expires) or 60–604800", Source: srcTFLambdaESM,
				Find: func(r *Resource, _ *Stack) []Finding {
					v, ok := r.Value("maximumRecordAgeInSeconds")
					n, isInt := asInt(v)
					if ok && isInt && n != -1 && (n < 60 || n > 604800) {
						return []Finding{{Property: "maximumRecordAgeInSeconds", Value: v}}
					}
					return nil
				}},
			oneOf(srcLambdaCreateESM, "startingPosition", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"),
			oneOf(srcLambdaCreateESM, "functionResponseTypes[]", "ReportBatchItemFailures"),
			{Rule: "a Kinesis or DynamoDB stream source needs startingPosition, and a DynamoDB stream takes TRIM_HORIZON or LATEST only", Source: srcLambdaCreateESM,
				Find: func(r *Resource, _ *Stack) []Finding {
					src := esmSource(r)
					if src != "kinesis" && src != "dynamodb" {
						return nil
					}
					pos, set := r.Value("startingPosition")
					switch {
					case !set:
						return []Finding{{Property: "startingPosition"}}
					case src == "dynamodb" && pos == "AT_TIMESTAMP":
						return []Finding{{Property: "startingPosition", Value: pos}}
					}
					return nil
				}},
			{Rule: "bisectBatchOnFunctionError, parallelizationFactor and tumblingWindowInSeconds are for Kinesis and DynamoDB streams only; destinationConfig, maximumRetryAttempts and maximumRecordAgeInSeconds for streams and Kafka only; startingPosition not for SQS or Amazon MQ",
				Source: srcLambdaCreateESM,
				Find: func(r *Resource, _ *Stack) []Finding {
					src := esmSource(r)
					if src == "" {
						return nil
					}
					var fs []Finding
					for _, o := range esmOnly {
						if _, set := r.Value(o.prop); set && !slices.Contains(o.sources, src) {
							fs = append(fs, Finding{Property: o.prop, Value: "(set for a " + src + " source)"})
						}
					}
					return fs
				}},
			{Rule: "an SQS source with batchSize above 10 needs maximumBatchingWindowInSeconds of at least 1", Source: srcLambdaCreateESM,
				Find: func(r *Resource, _ *Stack) []Finding {
					if esmSource(r) != "sqs" {
						return nil
					}
					b, _ := r.Value("batchSize")
					w, _ := r.Value("maximumBatchingWindowInSeconds")
					bn, _ := asInt(b)
					wn, _ := asInt(w)
					if bn > 10 && wn < 1 {
						return []Finding{{Property: "maximumBatchingWindowInSeconds", Value: w}}
					}
					return nil
				}},
			{Rule: "a filter pattern is JSON text of at most 4096 characters", Source: srcLambdaCreateESM + " (Filter.Pattern); https://docs.aws.amazon.com/lambda/latest/api/API_Filter.html",
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, v := range values(r, "filterCriteria.filters[].pattern") {
						p, ok := v.(string)
						if ok && !isPlaceholder(p) && (!json.Valid([]byte(p)) || len([]rune(p)) > 4096) {
							fs = append(fs, Finding{Property: "filterCriteria.filters[].pattern", Value: p})
						}
					}
					return fs
				}},
			esmAliasExistsFirst(),
			esmRoleAllowsFirst(),
			esmStartingPositionTimestamp(),
		},
	},
}

// esmAliasExistsFirst: a functionName that is an alias ARN needs the alias
// to exist when the mapping is created ("ResourceNotFoundException …
// Function not found"), as aliasExistsFirst for a qualifier input.
func esmAliasExistsFirst() Check {
	return Check{
		Rule:   "the function alias the mapping invokes must exist first: depend on the resource that creates it",
		Source: srcLambdaCreateESM,
		Find: func(r *Resource, s *Stack) []Finding {
			fn, ok := r.String("functionName")
			if !ok {
				return nil
			}
			name, q := lambdaFunctionName(fn), lambdaQualifier(fn)
			if q == "" || q == "$LATEST" || versionNumber.MatchString(q) {
				return nil
			}
			for _, c := range aliasCreators(s, name, q) {
				if s.DependsOn(r, c) {
					return nil
				}
			}
			return []Finding{{Property: "functionName", Value: fn}}
		},
	}
}

// lambdaQualifier is the qualifier of a qualified function ARN
// (…:function:name:qualifier) or partial name (name:qualifier), "" for an
// unqualified one.
func lambdaQualifier(fn string) string {
	rest := fn
	if _, after, ok := strings.Cut(fn, ":function:"); ok {
		rest = after
	} else if strings.HasPrefix(fn, "arn:") {
		return ""
	}
	if _, q, ok := strings.Cut(rest, ":"); ok {
		return q
	}
	return ""
}

// esmRoleAllowsFirst: when the stack manages the function's execution role,
// the mapping must be created after a policy that lets the role read the
// source and send to the on-failure destination.
func esmRoleAllowsFirst() Check {
	return Check{
		Rule:   "the function's execution role must allow reading the event source (and sending to the on-failure destination) before the mapping is created: depend on the role policy that grants it",
		Source: srcLambdaESMRole,
		Find: func(r *Resource, s *Stack) []Finding {
			fn, ok := r.String("functionName")
			if !ok {
				return nil
			}
			role := ""
			for _, f := range s.named("aws:lambda/function:Function", "name", lambdaFunctionName(fn)) {
				if arn, ok := f.String("role"); ok {
					role = roleName(arn)
				}
			}
			if role == "" {
				return nil // not a function of this stack
			}
			var fs []Finding
			if action := esmReadAction[esmSource(r)]; action != "" {
				if !roleAllowsBefore(r, s, role, action) {
					src, _ := r.String("eventSourceArn")
					fs = append(fs, Finding{Property: "eventSourceArn", Value: fmt.Sprintf("%s (no %s for role %s before the mapping)", src, action, role)})
				}
			}
			dest, _ := r.String("destinationConfig.onFailure.destinationArn")
			if action := esmSendAction[arnService(dest)]; action != "" && !roleAllowsBefore(r, s, role, action) {
				fs = append(fs, Finding{Property: "destinationConfig.onFailure.destinationArn", Value: fmt.Sprintf("%s (no %s for role %s before the mapping)", dest, action, role)})
			}
			return fs
		},
	}
}

// roleAllowsBefore reports whether role (a name) allows action by the time r
// is created: an inline policy of the role resource, or an
// aws:iam/rolePolicy allowing it, or any aws:iam/rolePolicyAttachment of
// the role (a managed policy synth cannot read), that r depends on. A role
// the stack does not manage, with no policies in it, is not checked.
func roleAllowsBefore(r *Resource, s *Stack, role, action string) bool {
	byRole := func(typ string) []*Resource {
		return s.index("role", typ, func(p *Resource) (string, bool) {
			n, _ := p.String("role")
			return roleName(n), true
		})[role]
	}
	roles := s.named("aws:iam/role:Role", "name", role)
	policies := byRole("aws:iam/rolePolicy:RolePolicy")
	attachments := byRole("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
	if len(roles) == 0 && len(policies) == 0 && len(attachments) == 0 {
		return true
	}
	for _, role := range roles {
		for _, v := range values(role, "inlinePolicies[].policy") {
			if doc, ok := v.(string); ok && policyAllowsAction(doc, action) {
				return true
			}
		}
	}
	for _, p := range policies {
		doc, ok := p.String("policy")
		if (!ok || policyAllowsAction(doc, action)) && s.DependsOn(r, p) {
			return true
		}
	}
	for _, a := range attachments {
		if s.DependsOn(r, a) {
			return true
		}
	}
	return false
}

// policyAllowsAction reports whether a policy document has an Allow
// statement whose actions match action (IAM's * and ? wildcards anywhere,
// case-insensitive; Statement a list or a single object). Resources and
// conditions are not weighed.
func policyAllowsAction(doc, action string) bool {
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if json.Unmarshal([]byte(doc), &p) != nil {
		return false
	}
	var sts []map[string]any
	if json.Unmarshal(p.Statement, &sts) != nil {
		var one map[string]any
		if json.Unmarshal(p.Statement, &one) != nil {
			return false
		}
		sts = []map[string]any{one}
	}
	for _, st := range sts {
		if st["Effect"] != "Allow" {
			continue
		}
		var actions []string
		switch a := st["Action"].(type) {
		case string:
			actions = []string{a}
		case []any:
			for _, x := range a {
				if s, ok := x.(string); ok {
					actions = append(actions, s)
				}
			}
		}
		for _, a := range actions {
			if ok, _ := path.Match(strings.ToLower(a), strings.ToLower(action)); ok {
				return true
			}
		}
	}
	return false
}
