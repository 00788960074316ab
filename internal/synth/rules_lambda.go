package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/rollout"
)

// Sources of the Lambda rules.
const (
	srcLambdaCreateFunction = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"
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
