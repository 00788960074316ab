package check

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/synth"
)

const (
	kumoFnArn    = "arn:aws:lambda:us-east-1:123456789012:function:orders-1a2b3c4"
	kumoAliasArn = kumoFnArn + ":live"
)

// kumoInvokeURI is API Gateway's integration URI for a function target.
func kumoInvokeURI(target string) string {
	return "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + target + "/invocations"
}

// kumoDefinition is a state machine whose first task invokes first and
// whose Map state's task invokes mapper, through the lambda:invoke
// integration.
func kumoDefinition(first, mapper string) string {
	return `{"StartAt":"Split","States":{` +
		`"Split":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"` + first + `","Payload.$":"$"},"Next":"Map"},` +
		`"Map":{"Type":"Map","ItemsPath":"$.chunks","ItemProcessor":{"StartAt":"M","States":{` +
		`"M":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"` + mapper + `"},"End":true}}},"End":true}}}`
}

// kumoFirehose is a delivery stream whose Lambda transform is fn.
func kumoFirehose(fn string) map[string]any {
	return map[string]any{"destination": "extended_s3", "extendedS3Configuration": map[string]any{
		"processingConfiguration": map[string]any{"enabled": true, "processors": []any{
			map[string]any{"type": "AppendDelimiterToRecord"},
			map[string]any{"type": "Lambda", "parameters": []any{
				map[string]any{"parameterName": "BufferSizeInMBs", "parameterValue": "1"},
				map[string]any{"parameterName": "LambdaArn", "parameterValue": fn},
			}},
		}},
	}}
}

func TestKumoRules(t *testing.T) {
	const rule = "Kumo-EventSourceInvokesAlias"
	ruleCase(t, rule,
		func(t *testing.T) {
			var g graph
			for _, u := range []string{
				g.add(typeLambdaEventSourceMapping, "queue", map[string]any{"functionName": kumoAliasArn, "eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs"}),
				g.add(typeLambdaEventSourceMapping, "by-name", map[string]any{"functionName": "orders:live"}),
				g.add(typeLambdaEventSourceMapping, "partial", map[string]any{"functionName": "123456789012:function:orders:live"}),
				g.add(typeLambdaPermission, "api", map[string]any{"action": "lambda:InvokeFunction", "function": "orders", "qualifier": "live", "principal": "apigateway.amazonaws.com"}),
				g.add(typeLambdaPermission, "s3", map[string]any{"action": "lambda:InvokeFunction", "function": kumoAliasArn, "principal": "s3.amazonaws.com"}),
				// Other principals and actions are not event sources.
				g.add(typeLambdaPermission, "account", map[string]any{"action": "lambda:InvokeFunction", "function": "orders", "principal": "arn:aws:iam::123456789012:root"}),
				g.add(typeLambdaPermission, "url", map[string]any{"action": "lambda:InvokeFunctionUrl", "function": "orders", "principal": "apigateway.amazonaws.com"}),
				g.add(typeInvokeIntegration, "route", map[string]any{"type": "AWS_PROXY", "uri": kumoInvokeURI(kumoAliasArn)}),
				g.add(typeInvokeIntegration, "http", map[string]any{"type": "HTTP_PROXY", "uri": "https://example.com/{proxy}"}),
				g.add(typeInvokeIntegration, "staged", map[string]any{"type": "AWS_PROXY", "uri": kumoInvokeURI(kumoFnArn + ":${stageVariables.alias}")}),
				g.add(typeInvokeAuthorizer, "token", map[string]any{"type": "TOKEN", "authorizerUri": kumoInvokeURI(kumoAliasArn)}),
				g.add(typeInvokeAuthorizer, "cognito", map[string]any{"type": "COGNITO_USER_POOLS"}),
				g.add(typeInvokeEventTarget, "rule", map[string]any{"rule": "nightly", "arn": kumoAliasArn}),
				g.add(typeInvokeEventTarget, "queue", map[string]any{"rule": "nightly", "arn": "arn:aws:sqs:us-east-1:123456789012:jobs"}),
				g.add(typeInvokeTopicSubscription, "fn", map[string]any{"protocol": "lambda", "endpoint": kumoAliasArn}),
				g.add(typeInvokeTopicSubscription, "mail", map[string]any{"protocol": "email", "endpoint": "ops@example.com"}),
				g.add(typeInvokeBucketNotification, "uploads", map[string]any{"bucket": "uploads", "lambdaFunctions": []any{
					map[string]any{"lambdaFunctionArn": kumoAliasArn, "events": []any{"s3:ObjectCreated:*"}}}}),
				g.add(typeSfnStateMachine, "job", map[string]any{"definition": kumoDefinition(kumoAliasArn, kumoAliasArn)}),
				// A FunctionName.$ path is chosen at run time: nothing to check.
				g.add(typeSfnStateMachine, "dynamic", map[string]any{"definition": `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$.fn"},"End":true}}}`}),
				g.add(typeFirehoseDeliveryStream, "ingest", kumoFirehose(kumoAliasArn)),
			} {
				g.passes(t, rule, u)
			}
		},
		func(t *testing.T) {
			var g graph
			for _, u := range []string{
				g.add(typeLambdaEventSourceMapping, "name", map[string]any{"functionName": "orders"}),
				g.add(typeLambdaEventSourceMapping, "arn", map[string]any{"functionName": kumoFnArn}),
				g.add(typeLambdaEventSourceMapping, "version", map[string]any{"functionName": kumoFnArn + ":3"}),
				g.add(typeLambdaEventSourceMapping, "latest", map[string]any{"functionName": kumoFnArn + ":$LATEST"}),
				g.add(typeLambdaEventSourceMapping, "later", map[string]any{"functionName": "[unknown]"}),
				g.add(typeLambdaEventSourceMapping, "odd", map[string]any{"functionName": int64(1)}),
				g.add(typeLambdaPermission, "api", map[string]any{"action": "lambda:InvokeFunction", "function": "orders", "principal": "apigateway.amazonaws.com"}),
				// The qualifier, not the ARN, decides.
				g.add(typeLambdaPermission, "sns", map[string]any{"action": "lambda:InvokeFunction", "function": kumoAliasArn, "qualifier": "$LATEST", "principal": "sns.amazonaws.com"}),
				g.add(typeLambdaPermission, "events", map[string]any{"action": "lambda:*", "function": kumoFnArn, "principal": "events.amazonaws.com"}),
				g.add(typeInvokeIntegration, "route", map[string]any{"type": "AWS_PROXY", "uri": kumoInvokeURI(kumoFnArn)}),
				g.add(typeInvokeAuthorizer, "token", map[string]any{"type": "TOKEN", "authorizerUri": kumoInvokeURI(kumoFnArn + ":1")}),
				g.add(typeInvokeEventTarget, "rule", map[string]any{"rule": "nightly", "arn": kumoFnArn}),
				g.add(typeInvokeTopicSubscription, "fn", map[string]any{"protocol": "lambda", "endpoint": kumoFnArn}),
				g.add(typeInvokeBucketNotification, "uploads", map[string]any{"bucket": "uploads", "lambdaFunctions": []any{
					map[string]any{"lambdaFunctionArn": kumoAliasArn}, map[string]any{"lambdaFunctionArn": kumoFnArn}}}),
				// The bare function as a Map's task, and a fixed version as a
				// legacy Resource ARN.
				g.add(typeSfnStateMachine, "map-task", map[string]any{"definition": kumoDefinition(kumoAliasArn, kumoFnArn)}),
				g.add(typeSfnStateMachine, "resource", map[string]any{"definition": `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"` + kumoFnArn + `:2","End":true}}}`}),
				g.add(typeFirehoseDeliveryStream, "ingest", kumoFirehose(kumoFnArn)),
			} {
				g.fires(t, rule, u)
			}
		})

	// kumoGroup is a Lambda deployment group with the given extra inputs.
	kumoGroup := func(g *graph, name, config string, more map[string]any) string {
		in := map[string]any{"appName": "app", "deploymentGroupName": name, "deploymentConfigName": config, "serviceRoleArn": "arn:aws:iam::123456789012:role/cd"}
		for k, v := range more {
			in[k] = v
		}
		return g.add(typeCodeDeployGroup, name, in)
	}
	guarded := map[string]any{
		"alarmConfiguration":        map[string]any{"enabled": true, "alarms": []any{"fn-errors"}},
		"autoRollbackConfiguration": map[string]any{"enabled": true, "events": []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"}},
	}
	ruleCase(t, "Kumo-CanaryHasRollbackAlarms",
		func(t *testing.T) {
			var g graph
			g.add(typeCodeDeployApp, "app", map[string]any{"name": "app", "computePlatform": "Lambda"})
			g.passes(t, "Kumo-CanaryHasRollbackAlarms", kumoGroup(&g, "canary", "CodeDeployDefault.LambdaCanary10Percent5Minutes", guarded))
			// All at once has nothing to roll back part-way.
			g.passes(t, "Kumo-CanaryHasRollbackAlarms", kumoGroup(&g, "once", "CodeDeployDefault.LambdaAllAtOnce", nil))
			g.passes(t, "Kumo-CanaryHasRollbackAlarms", kumoGroup(&g, "default", "", nil))
			// Server deployments are not Lambda releases.
			g.add(typeCodeDeployApp, "ec2", map[string]any{"name": "ec2", "computePlatform": "Server"})
			g.passes(t, "Kumo-CanaryHasRollbackAlarms", g.add(typeCodeDeployGroup, "ec2", map[string]any{"appName": "ec2", "deploymentGroupName": "ec2", "deploymentConfigName": "CodeDeployDefault.OneAtATime"}))
			g.passes(t, "Kumo-CanaryHasRollbackAlarms", kumoGroup(&g, "later", "CodeDeployDefault.LambdaLinear10PercentEvery1Minute", map[string]any{
				"alarmConfiguration":        map[string]any{"enabled": "[unknown]", "alarms": "[unknown]"},
				"autoRollbackConfiguration": map[string]any{"enabled": true, "events": "[unknown]"},
			}))
		},
		func(t *testing.T) {
			var g graph
			g.add(typeCodeDeployApp, "app", map[string]any{"name": "app", "computePlatform": "Lambda"})
			g.fires(t, "Kumo-CanaryHasRollbackAlarms", kumoGroup(&g, "bare", "CodeDeployDefault.LambdaCanary10Percent5Minutes", nil))
			g.fires(t, "Kumo-CanaryHasRollbackAlarms", kumoGroup(&g, "no-alarms", "CodeDeployDefault.LambdaLinear10PercentEvery1Minute", map[string]any{
				"alarmConfiguration":        map[string]any{"enabled": true, "alarms": []any{}},
				"autoRollbackConfiguration": guarded["autoRollbackConfiguration"],
			}))
			g.fires(t, "Kumo-CanaryHasRollbackAlarms", kumoGroup(&g, "no-stop", "CodeDeployDefault.LambdaCanary10Percent5Minutes", map[string]any{
				"alarmConfiguration":        guarded["alarmConfiguration"],
				"autoRollbackConfiguration": map[string]any{"enabled": true, "events": []any{"DEPLOYMENT_FAILURE"}},
			}))
			g.fires(t, "Kumo-CanaryHasRollbackAlarms", kumoGroup(&g, "disabled", "CodeDeployDefault.LambdaCanary10Percent5Minutes", map[string]any{
				"alarmConfiguration":        map[string]any{"enabled": false, "alarms": []any{"fn-errors"}},
				"autoRollbackConfiguration": guarded["autoRollbackConfiguration"],
			}))
			// A custom canary configuration of the stack, named as the provider names it.
			cfg := g.add(typeCodeDeployConfig, "canary20", map[string]any{"deploymentConfigName": "app-Canary20Percent5Minutes", "computePlatform": "Lambda",
				"trafficRoutingConfig": map[string]any{"type": "TimeBasedCanary"}})
			g.fires(t, "Kumo-CanaryHasRollbackAlarms", kumoGroup(&g, "custom", g.physical(cfg, "deploymentConfigName"), nil))
		})

	ruleCase(t, "Kumo-LogRetention",
		func(t *testing.T) {
			var g graph
			fn := g.add(typeLambdaFunction, "orders", nil)
			g.add(typeLogsLogGroup, "orders", map[string]any{"name": "/aws/lambda/" + g.physical(fn, "name"), "retentionInDays": int64(30)})
			// kumo's Function: a prefixed group, named in loggingConfig.
			lg := g.add(typeLogsLogGroup, "api", map[string]any{"namePrefix": "/aws/lambda/api-", "retentionInDays": int64(14)})
			api := g.add(typeLambdaFunction, "api", map[string]any{"loggingConfig": map[string]any{"logFormat": "JSON", "logGroup": g.physical(lg, "name")}})
			g.passes(t, "Kumo-LogRetention", fn)
			g.passes(t, "Kumo-LogRetention", api)
		},
		func(t *testing.T) {
			var g graph
			missing := g.add(typeLambdaFunction, "missing", nil)
			forever := g.add(typeLambdaFunction, "forever", nil)
			g.add(typeLogsLogGroup, "forever", map[string]any{"name": "/aws/lambda/" + g.physical(forever, "name")})
			zero := g.add(typeLambdaFunction, "zero", map[string]any{"loggingConfig": map[string]any{"logGroup": "shared"}})
			g.add(typeLogsLogGroup, "shared", map[string]any{"name": "shared", "retentionInDays": int64(0)})
			// A group for the default name does not count when loggingConfig names another.
			elsewhere := g.add(typeLambdaFunction, "elsewhere", map[string]any{"loggingConfig": map[string]any{"logGroup": "nowhere"}})
			g.add(typeLogsLogGroup, "elsewhere", map[string]any{"name": "/aws/lambda/" + g.physical(elsewhere, "name"), "retentionInDays": int64(30)})
			for _, u := range []string{missing, forever, zero, elsewhere} {
				g.fires(t, "Kumo-LogRetention", u)
			}
		})
}

func TestKumoSplitFunction(t *testing.T) {
	for _, c := range []struct{ ref, fn, q string }{
		{"orders", "orders", ""},
		{"orders:live", "orders", "live"},
		{kumoFnArn, "orders-1a2b3c4", ""},
		{kumoAliasArn, "orders-1a2b3c4", "live"},
		{"123456789012:function:orders:7", "orders", "7"},
	} {
		fn, q, ok := kumoSplitFunction(c.ref)
		if !ok || fn != c.fn || q != c.q {
			t.Errorf("kumoSplitFunction(%q) = %q, %q, %v; want %q, %q, true", c.ref, fn, q, ok, c.fn, c.q)
		}
	}
	if _, _, ok := kumoSplitFunction("arn:aws:sqs:us-east-1:123456789012:jobs"); ok {
		t.Error("an SQS ARN read as a function")
	}
}

// TestKumoConstructsKeepKumoRules synthesizes kumo's own constructs — a
// function released by canary with a pre-traffic hook, and an API whose
// routes and token authorizer invoke functions — and checks that they
// keep every Kumo-* promise: these rules hold by design.
func TestKumoConstructsKeepKumoRules(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Pulumi.yaml":      "name: kumo\nruntime: go\n",
		"Pulumi.test.yaml": "config:\n  aws:region: eu-west-1\n",
		"code.zip":         "prebuilt deployment package",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code := func() *constructs.FunctionArgs {
		return &constructs.FunctionArgs{Code: pulumi.NewFileArchive(filepath.Join(dir, "code.zip")), CodeSHA256: "dGVzdC1jb2RlLXNoYTI1Ng=="}
	}
	res, err := synth.Run(context.Background(), synth.Request{Root: dir, Stack: "test"}, func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
		rel, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{DefaultPreference: "Canary20Percent5Minutes"})
		if err != nil {
			return nil, err
		}
		hook, err := constructs.NewFunction(ctx, "hook", code())
		if err != nil {
			return nil, err
		}
		fnArgs := code()
		fnArgs.Releases, fnArgs.PreTrafficHook, fnArgs.DeadLetterQueue = rel, hook, true
		fn, err := constructs.NewFunction(ctx, "orders", fnArgs)
		if err != nil {
			return nil, err
		}
		authz, err := constructs.NewFunction(ctx, "authz", code())
		if err != nil {
			return nil, err
		}
		acct, err := constructs.NewApiGatewayAccount(ctx, "apigw", &constructs.ApiGatewayAccountArgs{})
		if err != nil {
			return nil, err
		}
		_, err = constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			AccountLogRole: acct.LogRole(),
			Authorizers:    map[string]constructs.Authorizer{"token": {Kind: constructs.AuthorizerToken, Function: authz}},
			Routes: []constructs.Route{
				{Method: "GET", Path: "/orders/{id}", Function: fn, Authorizer: "token"},
				{Method: "POST", Path: "/orders", Function: fn, Authorizer: "iam", BodySchema: `{"type":"object"}`},
			},
			CORSOrigin: pulumi.String("https://example.com"),
		})
		return nil, err
	})
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	rep, err := Run(res, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]int{}
	for _, r := range res.Resources {
		checked[r.Type]++
	}
	for _, typ := range []string{typeLambdaPermission, typeInvokeIntegration, typeInvokeAuthorizer, typeCodeDeployGroup, typeLambdaFunction} {
		if checked[typ] == 0 {
			t.Errorf("the stack has no %s; the test no longer covers what it claims", typ)
		}
	}
	var mine []string
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.Rule, "Kumo-") {
			t.Errorf("%s on %s: %s", f.Rule, f.URN, f.Message)
		}
		if slices.ContainsFunc(Rules(), func(r Rule) bool { return r.ID == f.Rule && kumoOwnRuleFile(r.ID) }) {
			mine = append(mine, f.Rule+" "+f.Type+"::"+f.Name+": "+f.Message)
		}
	}
	// What the cdk-nag rules of this pack say about kumo's constructs, for
	// review (go test -v).
	for _, m := range mine {
		t.Log(m)
	}
}

// kumoOwnRuleFile reports whether a rule comes from the Lambda, API
// Gateway, Logs or kumo rule files.
func kumoOwnRuleFile(id string) bool {
	return strings.HasPrefix(id, "Kumo-") || strings.HasPrefix(id, "AwsSolutions-L1") || strings.HasPrefix(id, "AwsSolutions-APIG") ||
		strings.HasPrefix(id, "Serverless-Lambda") || strings.HasPrefix(id, "Serverless-APIGW") || id == "Serverless-CloudWatchLogGroupRetentionPeriod"
}

// TestOwnRulesSurviveOddInputs feeds the Lambda, API Gateway, Logs and
// kumo rules inputs of every wrong shape, at the top and nested: a rule
// may report them, never panic.
func TestOwnRulesSurviveOddInputs(t *testing.T) {
	props := []string{"runtime", "packageType", "destinationConfig", "onFailure", "destination", "destinationArn", "memorySize",
		"timeout", "deadLetterConfig", "targetArn", "tracingConfig", "mode", "assumeRolePolicy", "inlinePolicies", "policy",
		"functionName", "eventSourceArn", "selfManagedEventSource", "accessLogSettings", "format", "restApi", "stageName",
		"httpMethod", "resourceId", "authorization", "methodPath", "settings", "loggingLevel", "throttlingBurstLimit",
		"throttlingRateLimit", "statusCode", "responseParameters", "resourceArn", "xrayTracingEnabled", "validateRequestBody",
		"validateRequestParameters", "retentionInDays", "name", "namePrefix", "loggingConfig", "logGroup", "function", "qualifier",
		"principal", "action", "uri", "authorizerUri", "arn", "protocol", "endpoint", "lambdaFunctions", "lambdaFunctionArn",
		"deploymentConfigName", "appName", "computePlatform", "trafficRoutingConfig", "type", "alarmConfiguration", "alarms",
		"enabled", "autoRollbackConfiguration", "events"}
	odd := []any{int64(1), 2.5, true, false, "", "[unknown]", "[secret]", "arn:", "arn:aws:lambda:::function", "-1",
		[]any{}, []any{nil, int64(3), "x", map[string]any{}}, map[string]any{}, map[string]any{"Statement": "x"}}
	nested := func(v any) map[string]any {
		m := map[string]any{}
		for _, p := range props {
			m[p] = v
		}
		return m
	}
	var rules []Rule
	var types []string
	for _, r := range Rules() {
		if kumoOwnRuleFile(r.ID) {
			rules = append(rules, r)
			types = append(types, r.Types...)
		}
	}
	slices.Sort(types)
	types = slices.Compact(types)
	var g graph
	for _, v := range odd {
		for _, shape := range []any{v, nested(v), []any{nested(v)}, map[string]any{"x": nested(v)}} {
			for _, typ := range types {
				g.add(typ, fmt.Sprintf("odd%d", len(g.rs)), nested(shape))
			}
		}
	}
	st := synth.NewStack(g.rs)
	for _, rule := range rules {
		for _, typ := range rule.Types {
			for _, r := range st.Resources(typ) {
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Errorf("%s panicked on %s %v: %v", rule.ID, r.Name, r.Inputs, p)
						}
					}()
					rule.Check(r, st)
				}()
			}
		}
	}
}
