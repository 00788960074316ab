package check

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// Lambda rules: cdk-nag's AwsSolutions-L1 and its Serverless Lambda rules.
// pulumi-aws v6 keeps a function's async invoke settings in an
// aws:lambda/functionEventInvokeConfig of their own, and its inline role
// policies in the role's inlinePolicies (each a JSON string).

const (
	typeLambdaFunction           = "aws:lambda/function:Function"
	typeLambdaEventInvokeConfig  = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
	typeLambdaEventSourceMapping = "aws:lambda/eventSourceMapping:EventSourceMapping"
	typeLambdaPermission         = "aws:lambda/permission:Permission"
	typeLambdaIAMRole            = "aws:iam/role:Role"
)

// lambdaRuntimes are the runtimes Lambda accepts for new functions: the
// reality layer's list, so "latest" moves when a runtime is added there. It
// plays the part of aws-cdk-lib's Runtime.ALL in cdk-nag's
// LambdaLatestVersion: the latest of a family is the one with the highest
// version here.
var lambdaRuntimes = synth.LambdaRuntimes()

// lambdaRuntimeParts is cdk-nag's parse of a runtime into family and
// version: /^([a-z]+)(\d+(\.?\d+|\.x)?)?.*$/.
var lambdaRuntimeParts = regexp.MustCompile(`^([a-z]+)(\d+(\.?\d+|\.x)?)?.*$`)

// lambdaLatestRuntime returns the latest runtime of the family runtime
// belongs to, as cdk-nag picks it: among the known runtimes whose name
// starts with the family, the highest version (compared numerically).
// family is "" when runtime does not parse; latest is "" when no known
// runtime is of the family.
func lambdaLatestRuntime(runtime string) (family, latest string) {
	m := lambdaRuntimeParts.FindStringSubmatch(runtime)
	if m == nil {
		return "", ""
	}
	family = m[1]
	bestVersion := ""
	for _, rt := range lambdaRuntimes {
		if !strings.HasPrefix(rt, family) {
			continue
		}
		v := lambdaRuntimeParts.FindStringSubmatch(rt)[2]
		if v == "" {
			v = "0"
		}
		if latest == "" || lambdaVersionCompare(v, bestVersion) > 0 {
			latest, bestVersion = rt, v
		}
	}
	return family, latest
}

// lambdaVersionCompare compares version strings as JavaScript's
// localeCompare(b, undefined, {numeric: true}) does for them: runs of
// digits compare as numbers, everything else character by character.
func lambdaVersionCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := lambdaDigitRun(a), lambdaDigitRun(b)
		if da > 0 && db > 0 {
			na, _ := strconv.ParseUint(a[:da], 10, 64)
			nb, _ := strconv.ParseUint(b[:db], 10, 64)
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return strings.Compare(a[:1], b[:1])
		}
		a, b = a[1:], b[1:]
	}
	return strings.Compare(a, b)
}

// lambdaDigitRun is the length of the run of ASCII digits s starts with.
func lambdaDigitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// checkLambdaLatestRuntime is cdk-nag's LambdaLatestVersion, behind both
// AwsSolutions-L1 and Serverless-LambdaLatestVersion (cdk-nag
// src/rules/lambda/LambdaLatestVersion.ts). Image functions have no
// runtime, and provided.* runtimes have no version to be behind on: both
// are not applicable. A runtime synth cannot read fails, as cdk-nag's
// resolveIfPrimitive makes the rule fail on an unresolved one.
func checkLambdaLatestRuntime(r *synth.Resource, _ *synth.Stack) []Hit {
	if pt, _ := str(r, "packageType"); pt == "Image" {
		return nil
	}
	v, ok := r.Value("runtime")
	if !ok {
		return nil
	}
	runtime, isStr := v.(string)
	switch {
	case !isStr:
		return hit("runtime is %v, not a runtime name", v)
	case synth.Unknown(runtime):
		return hit("runtime is not known until deploy, so it cannot be checked to be the latest of its family")
	}
	family, latest := lambdaLatestRuntime(runtime)
	switch {
	case family == "provided":
		return nil
	case family == "":
		return hit("runtime %q is not a Lambda runtime name", runtime)
	case latest == "":
		return hit("runtime %q is of no runtime family Lambda still accepts for new functions (nodejs, python, java, dotnet, ruby, provided)", runtime)
	case runtime != latest:
		return hit("runtime is %q; the latest %s runtime is %q", runtime, family, latest)
	}
	return nil
}

// lambdaLatestFix is the fix of both latest-runtime rules.
const lambdaLatestFix = "Set runtime to the latest version of its family (nodejs22.x, python3.13, java21, dotnet8, ruby3.4) and test the handler on it. " +
	"kumo's Function builds Go handlers for provided.al2023, which this rule does not apply to."

func init() {
	register(
		Rule{
			// cdk-nag src/rules/lambda/LambdaLatestVersion.ts
			ID: "AwsSolutions-L1", Level: Error, Types: []string{typeLambdaFunction},
			What:  "The non-container Lambda function is not configured to use the latest runtime version.",
			Why:   "Use the latest available runtime for the targeted language to avoid technical debt. Runtimes specific to a language or framework version are deprecated when the version reaches end of life. This rule only applies to non-container Lambda functions.",
			Fix:   lambdaLatestFix,
			Check: checkLambdaLatestRuntime,
		},
		Rule{
			// cdk-nag src/rules/lambda/LambdaLatestVersion.ts
			ID: "Serverless-LambdaLatestVersion", Level: Error, Types: []string{typeLambdaFunction},
			What:  "The Lambda function does not use the latest runtime version.",
			Why:   "Using the latest runtime version ensures that your Lambda function has access to the most recent features, performance improvements, and security updates. It is important to regularly update your Lambda functions to use the latest runtime versions to maintain optimal performance and security.",
			Fix:   lambdaLatestFix,
			Check: checkLambdaLatestRuntime,
		},
		Rule{
			// cdk-nag src/rules/lambda/LambdaAsyncFailureDestination.ts: only
			// event invoke configs are checked; a function without one passes.
			ID: "Serverless-LambdaAsyncFailureDestination", Level: Error, Types: []string{typeLambdaEventInvokeConfig},
			What: "The Lambda function does not have a configured failure destination for asynchronous invocations.",
			Why:  "When a Lambda function is invoked asynchronously (e.g., by S3, SNS, or EventBridge), it's important to configure a failure destination. This allows you to capture and handle events that fail processing, improving the reliability and observability of your serverless applications.",
			Fix: "Set destinationConfig.onFailure.destination on the aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig to an SQS queue, SNS topic, S3 bucket, function or event bus ARN, and grant the function's role permission to send to it. " +
				"kumo's Function creates this config (for its retry attempts) without a destination; its DeadLetterQueue option catches the same failed events in a dead-letter queue instead.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "destinationConfig.onFailure.destination") {
					return nil
				}
				fn, _ := str(r, "functionName")
				return hit("destinationConfig.onFailure.destination is not set (function %q)", fn)
			},
		},
		Rule{
			// cdk-nag src/rules/lambda/LambdaDefaultMemorySize.ts
			ID: "Serverless-LambdaDefaultMemorySize", Level: Error, Types: []string{typeLambdaFunction},
			What: "The Lambda function does not have an explicit memory value configured.",
			Why:  "Lambda allocates CPU power in proportion to the amount of memory configured. By default, your functions have 128 MB of memory allocated. You can increase that value up to 10 GB. With more CPU resources, your Lambda function's duration might decrease.  You can use tools such as AWS Lambda Power Tuning to test your function at different memory settings to find the one that matches your cost and performance requirements the best.",
			Fix:  "Set memorySize (128–10240 MB) to what the handler needs, measured (e.g. with AWS Lambda Power Tuning). kumo's Function always sets it: MemoryMB, default 256.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "memorySize") {
					return nil
				}
				return hit("memorySize of function %q is not set (Lambda's default is 128 MB)", r.Physical("name"))
			},
		},
		Rule{
			// cdk-nag src/rules/lambda/LambdaDefaultTimeout.ts
			ID: "Serverless-LambdaDefaultTimeout", Level: Error, Types: []string{typeLambdaFunction},
			What: "The Lambda function does not have an explicitly defined timeout value.",
			Why:  "Lambda functions have a default timeout of 3 seconds. If your timeout value is too short, Lambda might terminate invocations prematurely. On the other side, setting the timeout much higher than the average execution may cause functions to execute for longer upon code malfunction, resulting in higher costs and possibly reaching concurrency limits depending on how such functions are invoked. You can also use AWS Lambda Power Tuning to test your function at different timeout settings to find the one that matches your cost and performance requirements the best.",
			Fix:  "Set timeout (1–900 seconds) a little above the handler's longest expected run. kumo's Function always sets it: TimeoutSeconds, default 10.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "timeout") {
					return nil
				}
				return hit("timeout of function %q is not set (Lambda's default is 3 seconds)", r.Physical("name"))
			},
		},
		Rule{
			// cdk-nag src/rules/lambda/LambdaDLQ.ts
			ID: "Serverless-LambdaDLQ", Level: Error, Types: []string{typeLambdaFunction},
			What: "The Lambda function does not have a dead letter target configured.",
			Why:  "When a Lambda function has the DeadLetterConfig property set, failed messages can be temporarily stored for review in an SQS queue or an SNS topic.",
			Fix:  "Set deadLetterConfig.targetArn to an SQS queue or SNS topic the function's role may send to. kumo's Function does with DeadLetterQueue: true (an encrypted, TLS-only queue keeping failed events 14 days).",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if set(r, "deadLetterConfig.targetArn") {
					return nil
				}
				return hit("deadLetterConfig.targetArn of function %q is not set", r.Physical("name"))
			},
		},
		Rule{
			// cdk-nag src/rules/lambda/LambdaEventSourceMappingDestination.ts
			// (CloudFormation's Destination is pulumi's destinationArn).
			ID: "Serverless-LambdaEventSourceMappingDestination", Level: Error, Types: []string{typeLambdaEventSourceMapping},
			What: "The Lambda Event Source Mapping does not have a destination configured for failed invocations.",
			Why:  "Configuring a destination for failed invocations in Lambda Event Source Mappings allows you to capture and process events that fail to be processed by your Lambda function. This helps in monitoring, debugging, and implementing retry mechanisms for failed events, improving the reliability and observability of your serverless applications.",
			Fix: "Set destinationConfig.onFailure.destinationArn to an SQS queue, SNS topic or S3 bucket that receives the records that failed. " +
				"SQS, Amazon MQ and DocumentDB sources take no destination and are not checked: give an SQS queue a redrive policy (dead-letter queue) instead.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "destinationConfig.onFailure.destinationArn") {
					return nil
				}
				src, _ := str(r, "eventSourceArn")
				if lambdaNoDestinationSource(src) {
					return nil
				}
				fn, _ := str(r, "functionName")
				switch {
				case src != "":
					src = fmt.Sprintf("%q", src)
				case set(r, "selfManagedEventSource"):
					src = "a self-managed Kafka cluster"
				default:
					src = "its event source"
				}
				return hit("destinationConfig.onFailure.destinationArn is not set (mapping of %s to function %q)", src, fn)
			},
		},
		Rule{
			// cdk-nag src/rules/lambda/LambdaTracing.ts
			ID: "Serverless-LambdaTracing", Level: Warning, Types: []string{typeLambdaFunction},
			What: "The Lambda function does not have tracing set to Tracing.ACTIVE.",
			Why:  "When a Lambda function has ACTIVE tracing, Lambda automatically samples invocation requests, based on the sampling algorithm specified by X-Ray.",
			Fix:  "Set tracingConfig.mode to \"Active\" and allow the role xray:PutTraceSegments and xray:PutTelemetryRecords. kumo's Function does both.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				v, ok := r.Value("tracingConfig.mode")
				switch {
				case !ok:
					return hit("tracingConfig.mode of function %q is not set (Lambda's default is PassThrough)", r.Physical("name"))
				case synth.Unknown(v):
					return hit("tracingConfig.mode of function %q is not known until deploy, so it cannot be checked to be \"Active\"", r.Physical("name"))
				case v != "Active":
					return hit("tracingConfig.mode of function %q is %q; want \"Active\"", r.Physical("name"), fmt.Sprint(v))
				}
				return nil
			},
		},
		Rule{
			// cdk-nag src/rules/lambda/LambdaStarPermissions.ts: roles Lambda
			// assumes, their inline policies only (a separate
			// aws:iam/rolePolicy or policy attachment is AwsSolutions-IAM5's).
			ID: "Serverless-LambdaStarPermissions", Level: Warning, Types: []string{typeLambdaIAMRole},
			What: "The Lambda IAM role uses wildcard permissions.",
			Why:  "You should follow least-privileged access and only allow the access needed to perform a given operation. If your Lambda function needs a broad range of permissions, you should know ahead of time which permissions you will need, have evaluated the risks of using broad permissions and can suppress this rule.",
			Fix: "In the role's inlinePolicies, name each action (s3:GetObject, not s3:* or *) and each resource ARN (not \"*\"). " +
				"kumo's grants (table.GrantReadWrite(fn), bucket.GrantRead(fn)) add statements scoped to the resource's ARN.",
			Check: checkLambdaStarPermissions,
		},
	)
}

// lambdaNoDestinationSource reports whether an event source ARN names a
// source whose mappings take no on-failure destination: CreateEventSourceMapping
// accepts DestinationConfig only for Kinesis, DynamoDB Streams, Amazon MSK
// and self-managed Kafka
// (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
// DocumentDB's ARNs are rds ones.
func lambdaNoDestinationSource(arn string) bool {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 3 || parts[0] != "arn" {
		return false
	}
	return slices.Contains([]string{"sqs", "mq", "rds"}, parts[2])
}

// checkLambdaStarPermissions flags a role Lambda assumes whose inline
// policies allow "*" or "<service>:*" actions, or the resource "*".
func checkLambdaStarPermissions(r *synth.Resource, _ *synth.Stack) []Hit {
	v, _ := r.Value("assumeRolePolicy")
	trust, ok := policy(v)
	if !ok || !slices.ContainsFunc(trust, func(st Statement) bool {
		services, _ := field(st.Principal, "Service")
		return slices.Contains(strings1(services), "lambda.amazonaws.com")
	}) {
		return nil
	}
	var hits []Hit
	for i, p := range list(r, "inlinePolicies") {
		name, _ := field(p, "name")
		if name == nil {
			name = fmt.Sprintf("inlinePolicies[%d]", i)
		}
		doc, _ := field(p, "policy")
		sts, ok := policy(doc)
		if !ok {
			continue
		}
		for _, st := range sts {
			if st.Effect != "Allow" {
				continue
			}
			for _, a := range st.Action {
				if a == "*" || strings.HasSuffix(a, ":*") {
					hits = append(hits, Hit{Message: fmt.Sprintf("inline policy %v allows action %q", name, a)})
				}
			}
			if slices.Contains(st.Resource, "*") {
				hits = append(hits, Hit{Message: fmt.Sprintf("inline policy %v allows resource \"*\" (actions %s)", name, strings.Join(st.Action, ", "))})
			}
		}
	}
	return hits
}
