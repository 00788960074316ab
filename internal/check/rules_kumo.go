package check

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// kumo's own rules: the promises kumo's constructs keep by design, checked
// on whatever a program builds, plain pulumi-aws resources included. They
// have no cdk-nag counterpart.

const (
	typeInvokeIntegration        = "aws:apigateway/integration:Integration"
	typeInvokeAuthorizer         = "aws:apigateway/authorizer:Authorizer"
	typeInvokeEventTarget        = "aws:cloudwatch/eventTarget:EventTarget"
	typeInvokeTopicSubscription  = "aws:sns/topicSubscription:TopicSubscription"
	typeInvokeBucketNotification = "aws:s3/bucketNotification:BucketNotification"
	typeCodeDeployApp            = "aws:codedeploy/application:Application"
	typeCodeDeployGroup          = "aws:codedeploy/deploymentGroup:DeploymentGroup"
	typeCodeDeployConfig         = "aws:codedeploy/deploymentConfig:DeploymentConfig"
)

// kumoInvokePrincipals are the services whose Lambda permissions let an
// event source invoke a function: API Gateway, S3, SNS and EventBridge.
var kumoInvokePrincipals = []string{"apigateway.amazonaws.com", "s3.amazonaws.com", "sns.amazonaws.com", "events.amazonaws.com"}

func init() {
	register(
		Rule{
			ID: "Kumo-EventSourceInvokesAlias", Level: Error,
			Types: []string{typeLambdaEventSourceMapping, typeLambdaPermission, typeInvokeIntegration, typeInvokeAuthorizer,
				typeInvokeEventTarget, typeInvokeTopicSubscription, typeInvokeBucketNotification, typeSfnStateMachine, typeFirehoseDeliveryStream},
			What: "An event source invokes a Lambda function other than through an alias.",
			Why: "Canary and linear releases shift an alias's traffic from one version to the next and roll back when alarms fire. " +
				"An event source mapping, API Gateway integration or authorizer, EventBridge target, SNS subscription, S3 notification, " +
				"Step Functions task, Firehose transform or invoke permission that names the unqualified function, $LATEST or a fixed version bypasses the alias: its traffic " +
				"never reaches the canary, or always reaches untested code, and a rollback does not cover it.",
			Fix: "Point the event source at the alias ARN (arn:aws:lambda:<region>:<account>:function:<name>:<alias>), and give " +
				"permissions the alias as qualifier. kumo's Function hands out only its alias (AliasArn, InvokeArn) and qualifies " +
				"the permissions it creates; do not use fn.Lambda.Arn, InvokeArn or QualifiedArn of the underlying function.",
			Check: checkKumoInvokesAlias,
		},
		Rule{
			ID: "Kumo-CanaryHasRollbackAlarms", Level: Error, Types: []string{typeCodeDeployGroup},
			What: "A Lambda deployment group shifts traffic gradually but no alarm rolls it back.",
			Why: "A canary or linear deployment exists to catch a bad version on a slice of traffic. Without enabled alarms and " +
				"automatic rollback on them (DEPLOYMENT_STOP_ON_ALARM), CodeDeploy shifts all traffic to the bad version once the " +
				"wait is over: the canary only delays the outage.",
			Fix: "Set alarmConfiguration.enabled true with at least one alarm on the alias (errors, throttles), and " +
				"autoRollbackConfiguration.enabled true with events including DEPLOYMENT_STOP_ON_ALARM. kumo's Function with " +
				"Releases does both, with errors and throttles alarms on the alias and any Alarms you add.",
			Check: checkKumoCanaryAlarms,
		},
		Rule{
			ID: "Kumo-LogRetention", Level: Warning, Types: []string{typeLambdaFunction},
			What: "A Lambda function's log group is not in the stack with a retention period.",
			Why: "Lambda creates a function's log group on first use when it does not exist, with no retention: its logs are " +
				"kept, and billed, forever, and the group outlives the stack. A log group the stack owns, with retention, " +
				"expires old logs and goes away with the stack.",
			Fix: "Create an aws:cloudwatch/logGroup:LogGroup named /aws/lambda/<function name> with retentionInDays, or set " +
				"loggingConfig.logGroup to one the stack creates with retentionInDays. kumo's Function does (LogRetentionDays, default 30).",
			Check: checkKumoLogRetention,
		},
	)
}

// checkKumoInvokesAlias checks each Lambda target an event source names.
func checkKumoInvokesAlias(r *synth.Resource, _ *synth.Stack) []Hit {
	switch r.Type {
	case typeLambdaEventSourceMapping:
		return kumoAliasHits("functionName", r, "")
	case typeLambdaPermission:
		principal, _ := r.String("principal")
		if !slices.Contains(kumoInvokePrincipals, principal) {
			return nil
		}
		if a, ok := r.String("action"); ok && a != "lambda:InvokeFunction" && a != "lambda:*" && a != "*" {
			return nil
		}
		return kumoAliasHits("function", r, "qualifier")
	case typeInvokeIntegration:
		return kumoURIHits("uri", r)
	case typeInvokeAuthorizer:
		return kumoURIHits("authorizerUri", r)
	case typeInvokeEventTarget:
		if arn, _ := r.String("arn"); kumoIsFunctionArn(arn) {
			return kumoAliasHits("arn", r, "")
		}
	case typeInvokeTopicSubscription:
		if p, _ := r.String("protocol"); p == "lambda" {
			return kumoAliasHits("endpoint", r, "")
		}
	case typeInvokeBucketNotification:
		var hits []Hit
		for i := range list(r, "lambdaFunctions") {
			hits = append(hits, kumoAliasHits(fmt.Sprintf("lambdaFunctions.%d.lambdaFunctionArn", i), r, "")...)
		}
		return hits
	case typeSfnStateMachine:
		return kumoStateMachineHits(r)
	case typeFirehoseDeliveryStream:
		var hits []Hit
		for i, p := range list(r, "extendedS3Configuration.processingConfiguration.processors") {
			if m, _ := p.(map[string]any); m["type"] != "Lambda" {
				continue
			}
			for j, param := range kumoList(p, "parameters") {
				if m, _ := param.(map[string]any); m["parameterName"] == "LambdaArn" {
					hits = append(hits, kumoAliasHits(fmt.Sprintf("extendedS3Configuration.processingConfiguration.processors.%d.parameters.%d.parameterValue", i, j), r, "")...)
				}
			}
		}
		return hits
	}
	return nil
}

// kumoStateMachineHits checks every Task of a state machine's definition,
// in Map and Parallel states too, that invokes a Lambda function: through
// the lambda:invoke integration (Parameters.FunctionName) or by the
// function's ARN as Resource (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html).
func kumoStateMachineHits(r *synth.Resource) []Hit {
	def, ok := r.String("definition")
	if !ok || synth.Unknown(def) {
		return nil // SF rules and the reality layer report a missing or unknown definition
	}
	var doc map[string]any
	if json.Unmarshal([]byte(def), &doc) != nil {
		return nil // the reality layer refuses a definition that is not JSON
	}
	var hits []Hit
	var walk func(states any, path string)
	walk = func(states any, path string) {
		m, _ := states.(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(m)) {
			st, _ := m[name].(map[string]any)
			at := path + "." + name
			if res, _ := st["Resource"].(string); st["Type"] == "Task" {
				ref, prop := "", ""
				switch {
				case strings.HasPrefix(res, "arn:aws:states:::lambda:invoke"):
					params, _ := st["Parameters"].(map[string]any)
					ref, _ = params["FunctionName"].(string) // a FunctionName.$ path is chosen at run time
					prop = at + ".Parameters.FunctionName"
				case kumoIsFunctionArn(res):
					ref, prop = res, at+".Resource"
				}
				if ref != "" {
					if fn, qualifier, ok := kumoSplitFunction(ref); ok {
						if why := kumoNotAlias(fn, qualifier); why != "" {
							hits = append(hits, hit("definition%s is %q: %s, so its invocations bypass the alias and its releases", prop, ref, why)...)
						}
					}
				}
			}
			for _, sub := range []string{"ItemProcessor", "Iterator"} {
				if p, ok := st[sub].(map[string]any); ok {
					walk(p["States"], at+"."+sub)
				}
			}
			for i, b := range kumoList(st, "Branches") {
				if bm, ok := b.(map[string]any); ok {
					walk(bm["States"], fmt.Sprintf("%s.Branches.%d", at, i))
				}
			}
		}
	}
	walk(doc["States"], "")
	return hits
}

// kumoList is the list at key of an object v, or nil.
func kumoList(v any, key string) []any {
	m, _ := v.(map[string]any)
	l, _ := m[key].([]any)
	return l
}

// kumoAliasHits reports the function reference at prop (with the
// qualifier at qualifierProp, if any) unless it names an alias.
func kumoAliasHits(prop string, r *synth.Resource, qualifierProp string) []Hit {
	v, ok := kumoValue(r, prop)
	if !ok {
		return nil // the provider requires it; synth reports it missing
	}
	ref, isStr := v.(string)
	switch {
	case !isStr:
		return hit("%s is %v, not a function name or ARN", prop, v)
	case synth.Unknown(ref):
		return hit("%s is not known until deploy, so it cannot be checked to name an alias", prop)
	case strings.Contains(ref, "${stageVariables."):
		return nil // the stage decides; nothing to check before deploy
	}
	fn, qualifier, ok := kumoSplitFunction(ref)
	if !ok {
		return hit("%s is %q, not a function name or ARN", prop, ref)
	}
	where := fmt.Sprintf("%s is %q", prop, ref)
	if qualifierProp != "" {
		if q, set := r.Value(qualifierProp); set {
			qs, isStr := q.(string)
			switch {
			case !isStr:
				return hit("%s is %v, not an alias name", qualifierProp, q)
			case synth.Unknown(qs):
				return hit("%s is not known until deploy, so it cannot be checked to name an alias", qualifierProp)
			}
			qualifier = qs
			where += fmt.Sprintf(" with %s %q", qualifierProp, qs)
		}
	}
	if why := kumoNotAlias(fn, qualifier); why != "" {
		return hit("%s: %s, so its invocations bypass the alias and its releases", where, why)
	}
	return nil
}

// kumoURIHits checks an API Gateway integration or authorizer URI that
// invokes a Lambda function
// (arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function>/invocations).
func kumoURIHits(prop string, r *synth.Resource) []Hit {
	uri, ok := r.String(prop)
	if !ok || !strings.Contains(uri, ":lambda:path/") {
		return nil
	}
	_, rest, ok := strings.Cut(uri, "/functions/")
	if !ok {
		return nil
	}
	target, _, _ := strings.Cut(rest, "/invocations")
	if strings.Contains(target, "${stageVariables.") {
		return nil
	}
	fn, qualifier, ok := kumoSplitFunction(target)
	if !ok {
		return hit("%s is %q, which names no function", prop, uri)
	}
	if why := kumoNotAlias(fn, qualifier); why != "" {
		return hit("%s invokes %q: %s, so its requests bypass the alias and its releases", prop, target, why)
	}
	return nil
}

// kumoValue reads prop, where a number part indexes a list
// ("lambdaFunctions.0.lambdaFunctionArn").
func kumoValue(r *synth.Resource, prop string) (any, bool) {
	var cur any = r.Inputs
	for _, part := range strings.Split(prop, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[part]
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
		if cur == nil {
			return nil, false
		}
	}
	return cur, true
}

// kumoIsFunctionArn reports whether arn is a Lambda function's ARN.
func kumoIsFunctionArn(arn string) bool {
	parts := strings.Split(arn, ":")
	return len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function"
}

// kumoSplitFunction splits a function reference, in any form Lambda takes
// (name, name:qualifier, ARN, qualified ARN, partial ARN
// <account>:function:<name>[:<qualifier>]), into name and qualifier.
func kumoSplitFunction(ref string) (fn, qualifier string, ok bool) {
	if strings.HasPrefix(ref, "arn:") {
		if !kumoIsFunctionArn(ref) {
			return "", "", false
		}
		parts := strings.Split(ref, ":")
		return parts[6], strings.Join(parts[7:], ":"), parts[6] != ""
	}
	if _, rest, found := strings.Cut(ref, ":function:"); found {
		ref = rest
	}
	fn, qualifier, _ = strings.Cut(ref, ":")
	return fn, qualifier, fn != ""
}

// kumoNotAlias says why function fn with qualifier is not an alias, ""
// when it is one.
func kumoNotAlias(fn, qualifier string) string {
	switch {
	case qualifier == "":
		return fmt.Sprintf("the unqualified function %q", fn)
	case qualifier == "$LATEST":
		return fmt.Sprintf("$LATEST of function %q", fn)
	case strings.Trim(qualifier, "0123456789") == "":
		return fmt.Sprintf("the fixed version %s of function %q", qualifier, fn)
	}
	return ""
}

// checkKumoCanaryAlarms checks a deployment group of the Lambda compute
// platform with a canary or linear configuration for alarms that roll it
// back.
func checkKumoCanaryAlarms(r *synth.Resource, g *synth.Stack) []Hit {
	if !set(r, "deploymentConfigName") {
		return nil // CodeDeploy's default shifts all traffic at once
	}
	cfg, known := r.String("deploymentConfigName")
	isLambda, gradual := false, !known // an unknown configuration may be gradual
	if strings.HasPrefix(cfg, "CodeDeployDefault.Lambda") {
		isLambda = true
		gradual = strings.HasPrefix(cfg, "CodeDeployDefault.LambdaCanary") || strings.HasPrefix(cfg, "CodeDeployDefault.LambdaLinear")
	} else if known {
		// A custom configuration: gradual when one of the stack's says so;
		// one the stack does not create cannot be read, and is left alone.
		for _, c := range g.Named(typeCodeDeployConfig, "deploymentConfigName", cfg) {
			platform, _ := c.String("computePlatform")
			isLambda = isLambda || platform == "Lambda"
			t, _ := c.String("trafficRoutingConfig.type")
			gradual = gradual || t == "TimeBasedCanary" || t == "TimeBasedLinear"
		}
	}
	if app, ok := r.String("appName"); ok && !isLambda {
		for _, a := range g.Named(typeCodeDeployApp, "name", app) {
			platform, _ := a.String("computePlatform")
			isLambda = isLambda || platform == "Lambda"
		}
	}
	if !isLambda || !gradual {
		return nil
	}
	var problems []string
	if !kumoNotFalse(r, "alarmConfiguration.enabled") {
		problems = append(problems, "alarmConfiguration.enabled is not true")
	}
	if v, ok := r.Value("alarmConfiguration.alarms"); !ok || kumoEmptyList(v) {
		problems = append(problems, "alarmConfiguration.alarms names no alarm")
	}
	if !kumoNotFalse(r, "autoRollbackConfiguration.enabled") {
		problems = append(problems, "autoRollbackConfiguration.enabled is not true")
	}
	if v, ok := r.Value("autoRollbackConfiguration.events"); !ok || (!synth.Unknown(v) && !slices.Contains(strings1(v), "DEPLOYMENT_STOP_ON_ALARM")) {
		problems = append(problems, "autoRollbackConfiguration.events does not include DEPLOYMENT_STOP_ON_ALARM")
	}
	if len(problems) == 0 {
		return nil
	}
	return hit("deployment group %q (%s): %s", r.Physical("deploymentGroupName"), kumoConfigLabel(cfg, known), strings.Join(problems, "; "))
}

func kumoConfigLabel(cfg string, known bool) string {
	if !known {
		return "deploymentConfigName not known until deploy"
	}
	return "deploymentConfigName " + fmt.Sprintf("%q", cfg)
}

// kumoNotFalse reports whether the flag at path is set and not false:
// true, or unknown until deploy.
func kumoNotFalse(r *synth.Resource, path string) bool {
	v, ok := r.Value(path)
	return ok && (v == true || synth.Unknown(v))
}

// kumoEmptyList reports whether v is a list without elements.
func kumoEmptyList(v any) bool {
	l, isList := v.([]any)
	return isList && len(l) == 0
}

// checkKumoLogRetention looks for the function's log group: the one
// loggingConfig.logGroup names, else Lambda's default /aws/lambda/<name>.
func checkKumoLogRetention(r *synth.Resource, g *synth.Stack) []Hit {
	var prop, want string
	if v, ok := r.Value("loggingConfig.logGroup"); ok {
		s, isStr := v.(string)
		switch {
		case !isStr:
			return hit("loggingConfig.logGroup is %v, not a log group name", v)
		case synth.Unknown(s):
			return hit("loggingConfig.logGroup is not known until deploy, so its retention cannot be checked")
		}
		prop, want = "loggingConfig.logGroup", s
	} else {
		name := r.Physical("name")
		if name == "" || synth.Unknown(name) {
			return hit("the function's name is not known until deploy, so its log group /aws/lambda/<name> cannot be found")
		}
		prop, want = "the default log group", "/aws/lambda/"+name
	}
	groups := g.Named(typeLogsLogGroup, "name", want)
	if len(groups) == 0 {
		return hit("%s %q is not created by the stack: Lambda creates it on first use, keeping logs forever", prop, want)
	}
	var problems []string
	for _, lg := range groups {
		p := logsRetentionProblem(lg)
		if p == "" {
			return nil
		}
		problems = append(problems, p)
	}
	return hit("%s %q: %s", prop, want, strings.Join(problems, "; "))
}
