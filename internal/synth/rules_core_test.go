package synth

import (
	"fmt"
	"strings"
	"testing"
)

// Tests of the Lambda, IAM, CloudWatch, DynamoDB, SQS and cross-service
// ordering rules: each refused case is a value AWS or the provider refuses.

const (
	tFunction     = "aws:lambda/function:Function"
	tAlias        = "aws:lambda/alias:Alias"
	tPermission   = "aws:lambda/permission:Permission"
	tEventInvoke  = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
	tRelease      = "kumo:index:Release"
	tRole         = "aws:iam/role:Role"
	tRolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	tLogGroup     = "aws:cloudwatch/logGroup:LogGroup"
	tAlarm        = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tTable        = "aws:dynamodb/table:Table"
	tQueue        = "aws:sqs/queue:Queue"
	tStackRefType = "pulumi:pulumi:StackReference"
)

const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func fnInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"role": "arn:aws:iam::123456789012:role/fn-1234567", "runtime": "provided.al2023", "handler": "bootstrap",
		"architectures": []any{"arm64"}, "memorySize": int64(256), "timeout": int64(10),
		"tracingConfig": map[string]any{"mode": "Active"}, "loggingConfig": map[string]any{"logFormat": "JSON"},
	}, mods...)
}

func releaseInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"functionName": "fn-1234567", "aliasName": "live", "fingerprint": "abc",
		"applicationName": "kumo-dev", "deploymentGroupName": "fn"}, mods...)
}

func permInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"action": "lambda:InvokeFunction", "function": "fn-1234567", "principal": "apigateway.amazonaws.com",
		"qualifier": "live", "sourceArn": "arn:aws:execute-api:eu-west-1:123456789012:abc/*/GET/items"}, mods...)
}

func TestLambdaRealityRules(t *testing.T) {
	types := specTypes(lambdaSpecs)
	fn := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) { f.add(tFunction, "fn", fnInputs(mods...)) }
	}
	withRelease := func(f *fixture) string { return f.add(tRelease, "fn", releaseInputs()) }
	runRealityCases(t, types, []realityCase{
		{"function AWS accepts", fn(), nil},
		{"name over 64 characters", fn(set("name", strings.Repeat("f", 65))), []want{{tFunction, "name", "at most 64", "API_CreateFunction"}}},
		{"name with a slash", fn(set("name", "web/items")), []want{{tFunction, "name", "does not match", "API_CreateFunction"}}},
		{"deprecated runtime", fn(set("runtime", "go1.x")), []want{{tFunction, "runtime", "must be one of", "lambda-runtimes"}}},
		{"memory below 128 MB", fn(set("memorySize", int64(64))), []want{{tFunction, "memorySize", "between 128 and 10240", "API_CreateFunction"}}},
		{"timeout over 900 s", fn(set("timeout", int64(901))), []want{{tFunction, "timeout", "between 1 and 900", "API_CreateFunction"}}},
		{"two architectures", fn(set("architectures", []any{"arm64", "x86_64"})), []want{{tFunction, "architectures", "at most one", "API_CreateFunction"}}},
		{"unknown architecture", fn(set("architectures", []any{"arm"})), []want{{tFunction, "architectures[]", "x86_64, arm64", "API_CreateFunction"}}},
		{"no role", fn(set("role", nil)), []want{{tFunction, "role", "required", "API_CreateFunction"}}},
		{"zip without handler", fn(set("handler", nil)), []want{{tFunction, "handler", "runtime and handler", "API_CreateFunction"}}},
		{"env var starting with a digit", fn(set("environment", map[string]any{"variables": map[string]any{"1BAD": "x"}})),
			[]want{{tFunction, "environment.variables", "start with a letter", "API_CreateFunction"}}},
		{"env vars over 4 KB", fn(set("environment", map[string]any{"variables": map[string]any{"BIG": strings.Repeat("x", 4100)}})),
			[]want{{tFunction, "environment.variables", "4 KB", "API_CreateFunction"}}},
		{"alias that is only digits", func(f *fixture) {
			f.add(tAlias, "a", map[string]any{"name": "123", "functionName": "fn", "functionVersion": "1"})
		}, []want{{tAlias, "name", "does not match", "API_CreateAlias"}}},
		// The first release's fault: the provider autonames the statement ID
		// from the resource name, and AddPermission refuses '/', '{' and '}'.
		{"statement ID autonamed from a route path", func(f *fixture) {
			rel := withRelease(f)
			f.add(tPermission, "web-api-GET-/items/{id}", permInputs(), rel)
		}, []want{{tPermission, "statementId", "does not match ^[a-zA-Z0-9_-]+$", "API_AddPermission"}}},
		{"statement ID autonamed from a safe name", func(f *fixture) {
			rel := withRelease(f)
			f.add(tPermission, "web-api-GET-items-id-1a2b3c4d", permInputs(), rel)
		}, nil},
		{"resource name too long to autoname a statement ID", func(f *fixture) {
			rel := withRelease(f)
			f.add(tPermission, strings.Repeat("p", 93), permInputs(), rel)
		}, []want{{tPermission, "statementId", "must fit in 100 characters", "AutoName(100"}}},
		{"permission on an alias nothing creates first", func(f *fixture) {
			withRelease(f)
			f.add(tPermission, "p", permInputs())
		}, []want{{tPermission, "qualifier", "must exist first", "API_AddPermission"}}},
		{"permission on a version needs no alias", func(f *fixture) {
			f.add(tPermission, "p", permInputs(set("qualifier", "7")))
		}, nil},
		{"bad action", func(f *fixture) {
			f.add(tPermission, "p", permInputs(set("qualifier", nil), set("action", "InvokeFunction")))
		}, []want{{tPermission, "action", "lambda:<Operation>", "API_AddPermission"}}},
		{"async retries above 2", func(f *fixture) {
			rel := withRelease(f)
			f.add(tEventInvoke, "e", map[string]any{"functionName": "fn-1234567", "qualifier": "live", "maximumRetryAttempts": int64(3)}, rel)
		}, []want{{tEventInvoke, "maximumRetryAttempts", "between 0 and 2", "API_PutFunctionEventInvokeConfig"}}},
		{"VPC function with 17 subnets and 6 security groups", fn(set("vpcConfig", map[string]any{
			"subnetIds": func() []any {
				var l []any
				for i := 0; i < 17; i++ {
					l = append(l, fmt.Sprintf("subnet-%08x", i))
				}
				return l
			}(),
			"securityGroupIds": []any{"sg-00000001", "sg-00000002", "sg-00000003", "sg-00000004", "sg-00000005", "sg-00000006"},
		})), []want{{tFunction, "vpcConfig.subnetIds", "at most 16", "API_VpcConfig"}, {tFunction, "vpcConfig.securityGroupIds", "at most 16 subnets and 5", "API_VpcConfig"}}},
		// The role's only policy allows logs, not network interfaces.
		{"VPC function whose role may not create network interfaces", func(f *fixture) {
			p := f.add(tRolePolicy, "fn-logs", map[string]any{"role": "fn-1234567",
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}`})
			f.add(tFunction, "fn", fnInputs(set("vpcConfig", map[string]any{"subnetIds": []any{"subnet-0a1b2c3d"}, "securityGroupIds": []any{"sg-0123abcd"}})), p)
		}, []want{{tFunction, "role", "may create network interfaces", "configuration-vpc"}}},
		{"VPC function after a policy allowing network interfaces", func(f *fixture) {
			p := f.add(tRolePolicy, "fn-vpc", map[string]any{"role": "fn-1234567",
				"policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:CreateNetworkInterface","ec2:DescribeNetworkInterfaces","ec2:DeleteNetworkInterface"],"Resource":"*"}]}`})
			f.add(tFunction, "fn", fnInputs(set("vpcConfig", map[string]any{"subnetIds": []any{"subnet-0a1b2c3d"}, "securityGroupIds": []any{"sg-0123abcd"}})), p)
		}, nil},
		{"release inputs the provider refuses", func(f *fixture) {
			f.add(tRelease, "r", releaseInputs(set("functionName", "arn:aws:lambda:eu-west-1:1:function:x"), set("deploymentConfigName", "CodeDeployDefault.LambdaSometimes")))
		}, []want{{tRelease, "(inputs)", "release provider", "Inputs.Validate"}, {tRelease, "(inputs)", "release provider", "Inputs.Validate"}}},
	})
}

func TestIAMRealityRules(t *testing.T) {
	role := func(mods ...mod) map[string]any { return inputs(map[string]any{"assumeRolePolicy": trust}, mods...) }
	policy := func(n int) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("b", n) + `/*"}]}`
	}
	runRealityCases(t, specTypes(iamSpecs), []realityCase{
		{"role AWS accepts", func(f *fixture) { f.add(tRole, "r", role()) }, nil},
		{"role name over 64", func(f *fixture) { f.add(tRole, "r", role(set("name", strings.Repeat("r", 65)))) }, []want{{tRole, "name", "at most 64", "API_CreateRole"}}},
		{"autonamed role name over 64", func(f *fixture) { f.add(tRole, strings.Repeat("r", 60), role()) }, []want{{tRole, "name", "at most 64", "API_CreateRole"}}},
		{"path without slashes", func(f *fixture) { f.add(tRole, "r", role(set("path", "service"))) }, []want{{tRole, "path", "starts and ends with '/'", "API_CreateRole"}}},
		{"trust policy not JSON", func(f *fixture) { f.add(tRole, "r", role(set("assumeRolePolicy", "{"))) }, []want{{tRole, "assumeRolePolicy", "policy document", "API_CreateRole"}}},
		{"session over 12 hours", func(f *fixture) { f.add(tRole, "r", role(set("maxSessionDuration", int64(50000)))) }, []want{{tRole, "maxSessionDuration", "between 3600 and 43200", "API_CreateRole"}}},
		{"inline policies over 10,240 characters together", func(f *fixture) {
			f.add(tRole, "r", role(set("name", "fn-role")))
			f.add(tRolePolicy, "a", map[string]any{"role": "fn-role", "policy": policy(6000)})
			f.add(tRolePolicy, "b", map[string]any{"role": "fn-role", "policy": policy(6000)})
		}, []want{{tRole, "(inline policies)", "10240", "reference_iam-quotas"}}},
		{"policy name with a space", func(f *fixture) {
			f.add(tRolePolicy, "a", map[string]any{"name": "my policy", "role": "fn-role", "policy": policy(1)})
		}, []want{{tRolePolicy, "name", "does not match", "API_PutRolePolicy"}}},
		{"policy without statements", func(f *fixture) {
			f.add(tRolePolicy, "a", map[string]any{"role": "fn-role", "policy": `{"Version":"2012-10-17","Statement":[]}`})
		}, []want{{tRolePolicy, "policy", "Version and Statement", "API_PutRolePolicy"}}},
	})
}

func TestCloudWatchRealityRules(t *testing.T) {
	alarm := func(mods ...mod) map[string]any {
		return inputs(map[string]any{"name": "a", "comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": int64(1),
			"metricName": "Errors", "namespace": "AWS/Lambda", "period": int64(60), "statistic": "Sum", "threshold": int64(0)}, mods...)
	}
	runRealityCases(t, specTypes(cloudwatchSpecs), []realityCase{
		{"log group with a prefix", func(f *fixture) {
			f.add(tLogGroup, "g", map[string]any{"namePrefix": "/aws/lambda/fn-", "retentionInDays": int64(30)})
		}, nil},
		{"retention AWS does not offer", func(f *fixture) {
			f.add(tLogGroup, "g", map[string]any{"name": "/g", "retentionInDays": int64(8)})
		}, []want{{tLogGroup, "retentionInDays", "one of", "API_PutRetentionPolicy"}}},
		{"log group name with a space", func(f *fixture) {
			f.add(tLogGroup, "g", map[string]any{"name": "/aws/my group"})
		}, []want{{tLogGroup, "name", "does not match", "API_CreateLogGroup"}}},
		{"alarm AWS accepts", func(f *fixture) { f.add(tAlarm, "a", alarm()) }, nil},
		{"p99 alarm", func(f *fixture) { f.add(tAlarm, "a", alarm(set("statistic", nil), set("extendedStatistic", "p99"))) }, nil},
		{"both statistic and extendedStatistic", func(f *fixture) { f.add(tAlarm, "a", alarm(set("extendedStatistic", "p99"))) },
			[]want{{tAlarm, "statistic", "exactly one", "API_PutMetricAlarm"}}},
		{"period of 45 s", func(f *fixture) { f.add(tAlarm, "a", alarm(set("period", int64(45)))) }, []want{{tAlarm, "period", "multiple of 60", "API_PutMetricAlarm"}}},
		{"unknown operator", func(f *fixture) { f.add(tAlarm, "a", alarm(set("comparisonOperator", "Above"))) }, []want{{tAlarm, "comparisonOperator", "must be one of", "API_PutMetricAlarm"}}},
		{"evaluation over a day at a 1-minute period", func(f *fixture) { f.add(tAlarm, "a", alarm(set("evaluationPeriods", int64(1441)))) },
			[]want{{tAlarm, "evaluationPeriods", "at most 1 day", "API_PutMetricAlarm"}}},
		{"evaluation over 7 days at a 1-hour period", func(f *fixture) {
			f.add(tAlarm, "a", alarm(set("period", int64(3600)), set("evaluationPeriods", int64(169))))
		},
			[]want{{tAlarm, "evaluationPeriods", "at most 7 days", "API_PutMetricAlarm"}}},
		{"six alarm actions", func(f *fixture) {
			f.add(tAlarm, "a", alarm(set("alarmActions", []any{"arn:aws:sns:eu-west-1:123456789012:a", "arn:aws:sns:eu-west-1:123456789012:b",
				"arn:aws:sns:eu-west-1:123456789012:c", "arn:aws:sns:eu-west-1:123456789012:d", "arn:aws:sns:eu-west-1:123456789012:e", "arn:aws:sns:eu-west-1:123456789012:f"})))
		}, []want{{tAlarm, "alarmActions", "at most 5 actions", "API_PutMetricAlarm"}}},
		{"more datapoints than periods", func(f *fixture) { f.add(tAlarm, "a", alarm(set("datapointsToAlarm", int64(3)))) },
			[]want{{tAlarm, "datapointsToAlarm", "1 to evaluationPeriods", "API_PutMetricAlarm"}}},
	})
}

func TestDynamoDBAndSQSRealityRules(t *testing.T) {
	table := func(mods ...mod) map[string]any {
		return inputs(map[string]any{"attributes": []any{map[string]any{"name": "id", "type": "S"}}, "billingMode": "PAY_PER_REQUEST", "hashKey": "id"}, mods...)
	}
	runRealityCases(t, append(specTypes(dynamodbSpecs), specTypes(sqsSpecs)...), []realityCase{
		{"table AWS accepts", func(f *fixture) { f.add(tTable, "t", table()) }, nil},
		{"name of two characters", func(f *fixture) { f.add(tTable, "t", table(set("name", "ab"))) }, []want{{tTable, "name", "at least 3", "API_CreateTable"}}},
		{"attribute that is no key", func(f *fixture) {
			f.add(tTable, "t", table(set("attributes", []any{map[string]any{"name": "id", "type": "S"}, map[string]any{"name": "owner", "type": "S"}})))
		}, []want{{tTable, "attributes", "key attributes", "API_CreateTable"}}},
		{"provisioned without capacity", func(f *fixture) { f.add(tTable, "t", table(set("billingMode", "PROVISIONED"))) },
			[]want{{tTable, "readCapacity", "PROVISIONED", "API_CreateTable"}, {tTable, "writeCapacity", "PROVISIONED", "API_CreateTable"}}},
		{"stream without a view type", func(f *fixture) { f.add(tTable, "t", table(set("streamEnabled", true))) },
			[]want{{tTable, "streamViewType", "streamViewType", "API_CreateTable"}}},
		{"queue AWS accepts", func(f *fixture) { f.add(tQueue, "q", map[string]any{"messageRetentionSeconds": int64(1209600)}) }, nil},
		{"FIFO queue autonamed with .fifo", func(f *fixture) { f.add(tQueue, "q", map[string]any{"fifoQueue": true}) }, nil},
		{"FIFO queue named without .fifo", func(f *fixture) { f.add(tQueue, "q", map[string]any{"fifoQueue": true, "name": "orders"}) },
			[]want{{tQueue, "name", "ends in .fifo", "API_CreateQueue"}}},
		{"retention over 14 days", func(f *fixture) { f.add(tQueue, "q", map[string]any{"messageRetentionSeconds": int64(1209601)}) },
			[]want{{tQueue, "messageRetentionSeconds", "between 60 and 1209600", "API_CreateQueue"}}},
	})
}

func TestOrderingRealityRules(t *testing.T) {
	stage := map[string]any{"restApi": "api1", "deployment": "dep1", "stageName": "v1",
		"accessLogSettings": map[string]any{"destinationArn": "arn:aws:logs:eu-west-1:123456789012:log-group:/a", "format": "{}"}}
	settings := map[string]any{"restApi": "api1", "stageName": "v1", "methodPath": "*/*", "settings": map[string]any{"loggingLevel": "ERROR"}}
	scope := []string{"aws:apigateway/stage:Stage", "aws:apigateway/methodSettings:MethodSettings"}
	only := func(vs []want) []want { return vs }
	runRealityCases(t, scope, []realityCase{
		{"stage with access logs and no account role", func(f *fixture) {
			f.add("aws:apigateway/stage:Stage", "s", inputs(stage))
		}, only([]want{{"aws:apigateway/stage:Stage", "accessLogSettings", "account CloudWatch Logs role", "set-up-logging"}})},
		{"stage after the account setting", func(f *fixture) {
			acct := f.add("aws:apigateway/account:Account", "acct", map[string]any{"cloudwatchRoleArn": "arn:aws:iam::123456789012:role/r"})
			f.add("aws:apigateway/stage:Stage", "s", inputs(stage), acct)
		}, nil},
		{"stage after a stack reference to the stack that manages it", func(f *fixture) {
			f.add("aws:apigateway/stage:Stage", "s", inputs(stage), "urn:pulumi:test::kumo::"+tStackRefType+"::log-role")
		}, nil},
		{"stage without access logs", func(f *fixture) {
			f.add("aws:apigateway/stage:Stage", "s", inputs(stage, set("accessLogSettings", nil)))
		}, nil},
		{"execution logging before its log group", func(f *fixture) {
			f.add(tLogGroup, "exec", map[string]any{"name": "API-Gateway-Execution-Logs_api1/v1"})
			f.add("aws:apigateway/methodSettings:MethodSettings", "m", inputs(settings))
		}, []want{{"aws:apigateway/methodSettings:MethodSettings", "settings.loggingLevel", "log group exists", "set-up-logging"}}},
		{"execution logging after its log group", func(f *fixture) {
			g := f.add(tLogGroup, "exec", map[string]any{"name": "API-Gateway-Execution-Logs_api1/v1"})
			f.add("aws:apigateway/methodSettings:MethodSettings", "m", inputs(settings), g)
		}, nil},
		{"execution logging off", func(f *fixture) {
			f.add("aws:apigateway/methodSettings:MethodSettings", "m", inputs(settings, set("settings.loggingLevel", "OFF")))
		}, nil},
	})
}

// TestTypesWithoutRulesFail: kumo cannot vouch for a type it has no rules
// for, so emitting one fails synth (once per type).
func TestTypesWithoutRulesFail(t *testing.T) {
	f := &fixture{}
	f.add("aws:ec2/vpc:Vpc", "a", map[string]any{})
	f.add("aws:ec2/vpc:Vpc", "b", map[string]any{})
	f.add("random:index/randomId:RandomId", "r", map[string]any{})
	vs := f.check()
	if len(vs) != 1 || vs[0].Type != "aws:ec2/vpc:Vpc" || vs[0].Property != "(type)" || !strings.Contains(vs[0].Rule, "no reality rules") {
		t.Fatalf("got %v; want one (type) violation for aws:sns/topic:Topic and none for other packages", list(vs))
	}
}

func TestCognitoSessionValidityRule(t *testing.T) {
	client := func(v int64) func(f *fixture) {
		return func(f *fixture) {
			f.add("aws:cognito/userPoolClient:UserPoolClient", "c", map[string]any{"userPoolId": "eu-west-1_abc", "authSessionValidity": v})
		}
	}
	runRealityCases(t, []string{"aws:cognito/userPoolClient:UserPoolClient"}, []realityCase{
		{"15 minutes", client(15), nil},
		{"an hour", client(60), []want{{"aws:cognito/userPoolClient:UserPoolClient", "authSessionValidity", "between 3 and 15", "API_CreateUserPoolClient"}}},
	})
}

// TestNamesAWSKeepsUnique: two resources of one stack with a name AWS keeps
// unique collide at deploy; within a parent, only siblings collide.
func TestNamesAWSKeepsUnique(t *testing.T) {
	app := "aws:codedeploy/application:Application"
	group := "aws:codedeploy/deploymentGroup:DeploymentGroup"
	runRealityCases(t, []string{app, tRole, group}, []realityCase{
		{"two applications named alike", func(f *fixture) {
			f.add(app, "a", map[string]any{"name": "kumo-dev", "computePlatform": "Lambda"})
			f.add(app, "b", map[string]any{"name": "kumo-dev", "computePlatform": "Lambda"})
		}, []want{{app, "name", "must be unique in the account and region", "API_CreateApplication"}, {app, "name", "must be unique", "API_CreateApplication"}}},
		{"two roles with one explicit name", func(f *fixture) {
			f.add(tRole, "a", map[string]any{"name": "deployer", "assumeRolePolicy": trust})
			f.add(tRole, "b", map[string]any{"name": "deployer", "assumeRolePolicy": trust})
		}, []want{{tRole, "name", "must be unique", "API_CreateRole"}, {tRole, "name", "must be unique", "API_CreateRole"}}},
		{"autonamed roles do not collide", func(f *fixture) {
			f.add(tRole, "a", map[string]any{"assumeRolePolicy": trust})
			f.add(tRole, "b", map[string]any{"assumeRolePolicy": trust})
		}, nil},
		// CodeDeploy names are per region: one program's application in each
		// of two regions (per-region providers) does not collide, while IAM
		// names are global and do.
		{"one application name in two regions", func(f *fixture) {
			f.add(app, "a", map[string]any{"name": "kumo-prod", "computePlatform": "Lambda"})
			f.add(app, "b", map[string]any{"name": "kumo-prod", "computePlatform": "Lambda"})
			f.rs[len(f.rs)-1].region = "eu-central-1"
		}, nil},
		{"one role name in two regions", func(f *fixture) {
			f.add(tRole, "a", map[string]any{"name": "deployer", "assumeRolePolicy": trust})
			f.add(tRole, "b", map[string]any{"name": "deployer", "assumeRolePolicy": trust})
			f.rs[len(f.rs)-1].region = "eu-central-1"
		}, []want{{tRole, "name", "must be unique", "API_CreateRole"}, {tRole, "name", "must be unique", "API_CreateRole"}}},
		{"same group name in two applications", func(f *fixture) {
			in := func(a string) map[string]any {
				return map[string]any{"appName": a, "deploymentGroupName": "web-items", "serviceRoleArn": "arn:aws:iam::123456789012:role/r"}
			}
			f.add(group, "a", in("app-a"))
			f.add(group, "b", in("app-b"))
		}, nil},
	})
}
