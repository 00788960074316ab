package check

import (
	"testing"
)

// lambdaTrust is the trust policy of a role Lambda assumes.
const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func TestLambdaRules(t *testing.T) {
	for _, id := range []string{"AwsSolutions-L1", "Serverless-LambdaLatestVersion"} {
		ruleCase(t, id,
			func(t *testing.T) {
				var g graph
				latest := []string{"nodejs22.x", "python3.13", "java21", "dotnet8", "ruby3.4"}
				for _, rt := range latest {
					g.passes(t, id, g.add(typeLambdaFunction, rt, map[string]any{"runtime": rt}))
				}
				g.passes(t, id, g.add(typeLambdaFunction, "go", map[string]any{"runtime": "provided.al2023"}))
				g.passes(t, id, g.add(typeLambdaFunction, "old-provided", map[string]any{"runtime": "provided.al2"}))
				g.passes(t, id, g.add(typeLambdaFunction, "image", map[string]any{"packageType": "Image"}))
			},
			func(t *testing.T) {
				var g graph
				for _, rt := range []string{"nodejs20.x", "python3.9", "python3.12", "java8.al2", "java17", "ruby3.3", "go1.x", "dotnetcore3.1", "Python3.13"} {
					g.fires(t, id, g.add(typeLambdaFunction, "fn-"+rt, map[string]any{"runtime": rt}))
				}
				g.fires(t, id, g.add(typeLambdaFunction, "unknown", map[string]any{"runtime": "[unknown]"}))
				g.fires(t, id, g.add(typeLambdaFunction, "odd", map[string]any{"runtime": int64(3)}))
			})
	}

	ruleCase(t, "Serverless-LambdaAsyncFailureDestination",
		func(t *testing.T) {
			var g graph
			c := g.add(typeLambdaEventInvokeConfig, "fn", map[string]any{"functionName": "fn",
				"destinationConfig": map[string]any{"onFailure": map[string]any{"destination": "arn:aws:sqs:us-east-1:123456789012:failed"}}})
			u := g.add(typeLambdaEventInvokeConfig, "later", map[string]any{"functionName": "fn",
				"destinationConfig": map[string]any{"onFailure": map[string]any{"destination": "[unknown]"}}})
			g.passes(t, "Serverless-LambdaAsyncFailureDestination", c)
			g.passes(t, "Serverless-LambdaAsyncFailureDestination", u)
			// A function without an event invoke config is not checked.
			g.passes(t, "Serverless-LambdaAsyncFailureDestination", g.add(typeLambdaFunction, "bare", nil))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "Serverless-LambdaAsyncFailureDestination", g.add(typeLambdaEventInvokeConfig, "fn",
				map[string]any{"functionName": "fn", "qualifier": "live", "maximumRetryAttempts": int64(2)}))
			g.fires(t, "Serverless-LambdaAsyncFailureDestination", g.add(typeLambdaEventInvokeConfig, "success-only",
				map[string]any{"functionName": "fn", "destinationConfig": map[string]any{"onSuccess": map[string]any{"destination": "arn:aws:sqs:us-east-1:123456789012:ok"}}}))
		})

	ruleCase(t, "Serverless-LambdaDefaultMemorySize",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-LambdaDefaultMemorySize", g.add(typeLambdaFunction, "fn", map[string]any{"memorySize": int64(256)}))
			g.passes(t, "Serverless-LambdaDefaultMemorySize", g.add(typeLambdaFunction, "later", map[string]any{"memorySize": "[unknown]"}))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "Serverless-LambdaDefaultMemorySize", g.add(typeLambdaFunction, "fn", nil))
			g.fires(t, "Serverless-LambdaDefaultMemorySize", g.add(typeLambdaFunction, "zero", map[string]any{"memorySize": int64(0)}))
		})

	ruleCase(t, "Serverless-LambdaDefaultTimeout",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-LambdaDefaultTimeout", g.add(typeLambdaFunction, "fn", map[string]any{"timeout": int64(10)}))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "Serverless-LambdaDefaultTimeout", g.add(typeLambdaFunction, "fn", map[string]any{"memorySize": int64(256)}))
		})

	ruleCase(t, "Serverless-LambdaDLQ",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-LambdaDLQ", g.add(typeLambdaFunction, "fn",
				map[string]any{"deadLetterConfig": map[string]any{"targetArn": "arn:aws:sqs:us-east-1:123456789012:fn-dlq"}}))
			g.passes(t, "Serverless-LambdaDLQ", g.add(typeLambdaFunction, "later",
				map[string]any{"deadLetterConfig": map[string]any{"targetArn": "[unknown]"}}))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "Serverless-LambdaDLQ", g.add(typeLambdaFunction, "fn", nil))
			g.fires(t, "Serverless-LambdaDLQ", g.add(typeLambdaFunction, "empty", map[string]any{"deadLetterConfig": map[string]any{}}))
		})

	ruleCase(t, "Serverless-LambdaEventSourceMappingDestination",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-LambdaEventSourceMappingDestination", g.add(typeLambdaEventSourceMapping, "stream", map[string]any{
				"functionName":      "fn",
				"eventSourceArn":    "arn:aws:kinesis:us-east-1:123456789012:stream/orders",
				"destinationConfig": map[string]any{"onFailure": map[string]any{"destinationArn": "arn:aws:sqs:us-east-1:123456789012:failed"}}}))
			// SQS sources take no destination (their queue's redrive policy is the DLQ).
			g.passes(t, "Serverless-LambdaEventSourceMappingDestination", g.add(typeLambdaEventSourceMapping, "queue", map[string]any{
				"functionName": "fn", "eventSourceArn": "arn:aws:sqs:us-east-1:123456789012:jobs"}))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "Serverless-LambdaEventSourceMappingDestination", g.add(typeLambdaEventSourceMapping, "table", map[string]any{
				"functionName": "fn", "eventSourceArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-01-01T00:00:00.000"}))
			g.fires(t, "Serverless-LambdaEventSourceMappingDestination", g.add(typeLambdaEventSourceMapping, "kafka", map[string]any{
				"functionName": "fn", "selfManagedEventSource": map[string]any{"endpoints": map[string]any{"KAFKA_BOOTSTRAP_SERVERS": "b:9092"}}}))
			// pulumi names it destinationArn, CloudFormation Destination.
			g.fires(t, "Serverless-LambdaEventSourceMappingDestination", g.add(typeLambdaEventSourceMapping, "cfn-name", map[string]any{
				"functionName": "fn", "eventSourceArn": "arn:aws:kinesis:us-east-1:123456789012:stream/orders",
				"destinationConfig": map[string]any{"onFailure": map[string]any{"destination": "arn:aws:sqs:us-east-1:123456789012:failed"}}}))
		})

	ruleCase(t, "Serverless-LambdaTracing",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-LambdaTracing", g.add(typeLambdaFunction, "fn", map[string]any{"tracingConfig": map[string]any{"mode": "Active"}}))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "Serverless-LambdaTracing", g.add(typeLambdaFunction, "unset", nil))
			g.fires(t, "Serverless-LambdaTracing", g.add(typeLambdaFunction, "pass", map[string]any{"tracingConfig": map[string]any{"mode": "PassThrough"}}))
			g.fires(t, "Serverless-LambdaTracing", g.add(typeLambdaFunction, "later", map[string]any{"tracingConfig": map[string]any{"mode": "[unknown]"}}))
			g.fires(t, "Serverless-LambdaTracing", g.add(typeLambdaFunction, "odd", map[string]any{"tracingConfig": map[string]any{"mode": map[string]any{}}}))
		})

	ruleCase(t, "Serverless-LambdaStarPermissions",
		func(t *testing.T) {
			var g graph
			scoped := g.add(typeLambdaIAMRole, "fn", map[string]any{"assumeRolePolicy": lambdaTrust, "inlinePolicies": []any{
				map[string]any{"name": "table", "policy": `{"Statement":[{"Effect":"Allow","Action":["dynamodb:Get*","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/t"}]}`},
				map[string]any{"name": "deny", "policy": `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`},
				map[string]any{"name": "later", "policy": "[unknown]"},
			}})
			// Not a Lambda role: not this rule's business.
			other := g.add(typeLambdaIAMRole, "ci", map[string]any{
				"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":["codebuild.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`,
				"inlinePolicies":   []any{map[string]any{"name": "all", "policy": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`}}})
			// cdk-nag checks inline policies only; a separate RolePolicy is IAM5's.
			bare := g.add(typeLambdaIAMRole, "bare", map[string]any{"assumeRolePolicy": lambdaTrust})
			g.passes(t, "Serverless-LambdaStarPermissions", scoped)
			g.passes(t, "Serverless-LambdaStarPermissions", other)
			g.passes(t, "Serverless-LambdaStarPermissions", bare)
		},
		func(t *testing.T) {
			var g graph
			for name, doc := range map[string]string{
				"service": `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`,
				"all":     `{"Statement":[{"Effect":"Allow","Action":["*"],"Resource":"arn:aws:s3:::b"}]}`,
				"any":     `{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*","*"]}}`,
			} {
				g.fires(t, "Serverless-LambdaStarPermissions", g.add(typeLambdaIAMRole, name, map[string]any{
					"assumeRolePolicy": `{"Statement":[{"Effect":"Allow","Principal":{"Service":["edgelambda.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}]}`,
					"inlinePolicies":   []any{map[string]any{"name": name, "policy": doc}}}))
			}
		})
}

func TestLambdaLatestRuntime(t *testing.T) {
	for _, c := range []struct{ runtime, family, latest string }{
		{"nodejs18.x", "nodejs", "nodejs22.x"},
		{"python3.9", "python", "python3.13"},
		{"java8.al2", "java", "java21"},
		{"dotnet8", "dotnet", "dotnet8"},
		{"ruby3.2", "ruby", "ruby3.4"},
		// provided runtimes carry no version (the rule does not apply to them).
		{"provided.al2023", "provided", "provided.al2"},
		{"go1.x", "go", ""},
		{"", "", ""},
	} {
		family, latest := lambdaLatestRuntime(c.runtime)
		if family != c.family || latest != c.latest {
			t.Errorf("lambdaLatestRuntime(%q) = %q, %q; want %q, %q", c.runtime, family, latest, c.family, c.latest)
		}
	}
	for _, c := range []struct {
		a, b string
		want int
	}{{"3.13", "3.9", 1}, {"22.x", "20.x", 1}, {"8", "21", -1}, {"3.4", "3.4", 0}, {"0", "11", -1}} {
		if got := lambdaVersionCompare(c.a, c.b); got != c.want {
			t.Errorf("lambdaVersionCompare(%q, %q) = %d; want %d", c.a, c.b, got, c.want)
		}
	}
}
