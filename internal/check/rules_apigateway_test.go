package check

import (
	"testing"
)

// restAPIWithID registers a REST API with the ID the provider gives it:
// what the stage, method settings and validators name it by.
func restAPIWithID(g *graph, name, id string) string {
	u := g.add(typeRestAPI, name, nil)
	g.get(u).ID = id
	return u
}

// restAPIStage registers stage "v1" of API api with more inputs.
func restAPIStage(g *graph, name, api string, more map[string]any) string {
	in := map[string]any{"restApi": api, "stageName": "v1", "deployment": "dep123"}
	for k, v := range more {
		in[k] = v
	}
	return g.add(typeRestAPIStage, name, in)
}

// restAPISettings registers method settings of stage v1 of api.
func restAPISettings(g *graph, name, api, path string, settings map[string]any) string {
	return g.add(typeRestAPIMethodSettings, name, map[string]any{"restApi": api, "stageName": "v1", "methodPath": path, "settings": settings})
}

const restAPIJSONFormat = `{"requestId":"$context.requestId","status":"$context.status"}`

func TestAPIGatewayRules(t *testing.T) {
	logs := map[string]any{"accessLogSettings": map[string]any{
		"destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/api-access", "format": restAPIJSONFormat}}
	for _, id := range []string{"AwsSolutions-APIG1", "Serverless-APIGWAccessLogging"} {
		ruleCase(t, id,
			func(t *testing.T) {
				var g graph
				g.passes(t, id, restAPIStage(&g, "api", "abc", logs))
				g.passes(t, id, restAPIStage(&g, "later", "def", map[string]any{"accessLogSettings": map[string]any{
					"destinationArn": "[unknown]", "format": "$context.requestId"}}))
			},
			func(t *testing.T) {
				var g graph
				g.fires(t, id, restAPIStage(&g, "api", "abc", nil))
				g.fires(t, id, restAPIStage(&g, "noformat", "def", map[string]any{"accessLogSettings": map[string]any{"destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:x"}}))
			})
	}

	ruleCase(t, "AwsSolutions-APIG2",
		func(t *testing.T) {
			var g graph
			api := restAPIWithID(&g, "api", "abc")
			g.add(typeRestAPIValidator, "api-params", map[string]any{"restApi": "abc", "validateRequestParameters": true})
			g.add(typeRestAPIValidator, "api", map[string]any{"restApi": "abc", "validateRequestBody": true, "validateRequestParameters": true})
			g.passes(t, "AwsSolutions-APIG2", api)
		},
		func(t *testing.T) {
			var g graph
			api := restAPIWithID(&g, "api", "abc")
			other := restAPIWithID(&g, "other", "def")
			g.add(typeRestAPIValidator, "api", map[string]any{"restApi": "abc", "validateRequestBody": true, "validateRequestParameters": false})
			g.add(typeRestAPIValidator, "other-api", map[string]any{"restApi": "zzz", "validateRequestBody": true, "validateRequestParameters": true})
			g.fires(t, "AwsSolutions-APIG2", api)
			g.fires(t, "AwsSolutions-APIG2", other)
		})

	ruleCase(t, "AwsSolutions-APIG3",
		func(t *testing.T) {
			var g graph
			s := restAPIStage(&g, "api", "abc", nil)
			g.add(typeRestAPIWAFAssociation, "api", map[string]any{"resourceArn": "arn:aws:apigateway:us-east-1::/restapis/abc/stages/v1",
				"webAclArn": "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api/1"})
			g.passes(t, "AwsSolutions-APIG3", s)
		},
		func(t *testing.T) {
			var g graph
			s := restAPIStage(&g, "api", "abc", nil)
			// Another stage of the same API is protected, not this one.
			g.add(typeRestAPIWAFAssociation, "api", map[string]any{"resourceArn": "arn:aws:apigateway:us-east-1::/restapis/abc/stages/v10"})
			g.add(typeRestAPIWAFAssociation, "odd", map[string]any{"resourceArn": int64(7)})
			g.fires(t, "AwsSolutions-APIG3", s)
		})

	ruleCase(t, "AwsSolutions-APIG4",
		func(t *testing.T) {
			var g graph
			for _, auth := range []string{"AWS_IAM", "COGNITO_USER_POOLS", "CUSTOM"} {
				g.passes(t, "AwsSolutions-APIG4", g.add(typeRestAPIMethod, "GET-"+auth, map[string]any{
					"restApi": "abc", "resourceId": "r1", "httpMethod": "GET", "authorization": auth}))
			}
			// A CORS preflight: every response a 204 declaring Access-Control-Allow-*.
			pre := g.add(typeRestAPIMethod, "OPTIONS", map[string]any{"restApi": "abc", "resourceId": "r1", "httpMethod": "OPTIONS", "authorization": "NONE"})
			g.add(typeRestAPIMethodResponse, "OPTIONS", map[string]any{"restApi": "abc", "resourceId": "r1", "httpMethod": "OPTIONS", "statusCode": "204",
				"responseParameters": map[string]any{"method.response.header.Access-Control-Allow-Origin": true}})
			g.passes(t, "AwsSolutions-APIG4", pre)
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-APIG4", g.add(typeRestAPIMethod, "open", map[string]any{"restApi": "abc", "resourceId": "r1", "httpMethod": "GET", "authorization": "NONE"}))
			g.fires(t, "AwsSolutions-APIG4", g.add(typeRestAPIMethod, "unset", map[string]any{"restApi": "abc", "resourceId": "r1", "httpMethod": "POST"}))
			g.fires(t, "AwsSolutions-APIG4", g.add(typeRestAPIMethod, "later", map[string]any{"restApi": "abc", "resourceId": "r1", "httpMethod": "PUT", "authorization": "[unknown]"}))
			// A preflight answering 200 is not exempt (cdk-nag wants 204s only).
			pre := g.add(typeRestAPIMethod, "OPTIONS", map[string]any{"restApi": "abc", "resourceId": "r2", "httpMethod": "OPTIONS", "authorization": "NONE"})
			g.add(typeRestAPIMethodResponse, "OPTIONS", map[string]any{"restApi": "abc", "resourceId": "r2", "httpMethod": "OPTIONS", "statusCode": "200",
				"responseParameters": map[string]any{"method.response.header.Access-Control-Allow-Origin": true}})
			g.fires(t, "AwsSolutions-APIG4", pre)
			// Nor is one without responses, or with a 204 declaring no CORS header.
			g.fires(t, "AwsSolutions-APIG4", g.add(typeRestAPIMethod, "OPTIONS-bare", map[string]any{"restApi": "abc", "resourceId": "r3", "httpMethod": "OPTIONS", "authorization": "NONE"}))
			nocors := g.add(typeRestAPIMethod, "OPTIONS-nocors", map[string]any{"restApi": "abc", "resourceId": "r4", "httpMethod": "OPTIONS", "authorization": "NONE"})
			g.add(typeRestAPIMethodResponse, "OPTIONS-nocors", map[string]any{"restApi": "abc", "resourceId": "r4", "httpMethod": "OPTIONS", "statusCode": "204",
				"responseParameters": map[string]any{"method.response.header.Access-Control-Allow-Origin": false}})
			g.fires(t, "AwsSolutions-APIG4", nocors)
		})

	ruleCase(t, "AwsSolutions-APIG6",
		func(t *testing.T) {
			var g graph
			s := restAPIStage(&g, "api", "abc", nil)
			restAPISettings(&g, "api-items", "abc", "items/GET", map[string]any{"loggingLevel": "OFF"})
			restAPISettings(&g, "api", "abc", "*/*", map[string]any{"loggingLevel": "ERROR"})
			g.passes(t, "AwsSolutions-APIG6", s)
		},
		func(t *testing.T) {
			var g graph
			off := restAPIStage(&g, "off", "abc", nil)
			restAPISettings(&g, "off", "abc", "*/*", map[string]any{"loggingLevel": "OFF"})
			// INFO on one method is not logging for all of them.
			one := restAPIStage(&g, "one", "def", nil)
			restAPISettings(&g, "one", "def", "items/GET", map[string]any{"loggingLevel": "INFO"})
			none := restAPIStage(&g, "none", "ghi", nil)
			g.fires(t, "AwsSolutions-APIG6", off)
			g.fires(t, "AwsSolutions-APIG6", one)
			g.fires(t, "AwsSolutions-APIG6", none)
		})

	ruleCase(t, "Serverless-APIGWDefaultThrottling",
		func(t *testing.T) {
			var g graph
			s := restAPIStage(&g, "api", "abc", nil)
			restAPISettings(&g, "api", "abc", "*/*", map[string]any{"throttlingRateLimit": 100.5, "throttlingBurstLimit": int64(200)})
			later := restAPIStage(&g, "later", "def", nil)
			restAPISettings(&g, "later", "def", "*/*", map[string]any{"throttlingRateLimit": "[unknown]", "throttlingBurstLimit": "[unknown]"})
			g.passes(t, "Serverless-APIGWDefaultThrottling", s)
			g.passes(t, "Serverless-APIGWDefaultThrottling", later)
		},
		func(t *testing.T) {
			var g graph
			off := restAPIStage(&g, "off", "abc", nil)
			restAPISettings(&g, "off", "abc", "*/*", map[string]any{"throttlingRateLimit": int64(-1), "throttlingBurstLimit": int64(-1)})
			half := restAPIStage(&g, "half", "def", nil)
			restAPISettings(&g, "half", "def", "*/*", map[string]any{"throttlingRateLimit": int64(100)})
			none := restAPIStage(&g, "none", "ghi", nil)
			g.fires(t, "Serverless-APIGWDefaultThrottling", off)
			g.fires(t, "Serverless-APIGWDefaultThrottling", half)
			g.fires(t, "Serverless-APIGWDefaultThrottling", none)
		})

	ruleCase(t, "Serverless-APIGWStructuredLogging",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-APIGWStructuredLogging", restAPIStage(&g, "json", "abc", logs))
			g.passes(t, "Serverless-APIGWStructuredLogging", restAPIStage(&g, "nologs", "def", nil)) // APIG1's business
		},
		func(t *testing.T) {
			var g graph
			clf := restAPIStage(&g, "clf", "abc", map[string]any{"accessLogSettings": map[string]any{"destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:x",
				"format": "$context.identity.sourceIp $context.requestTime \"$context.httpMethod\" $context.status"}})
			unquoted := restAPIStage(&g, "unquoted", "def", map[string]any{"accessLogSettings": map[string]any{"destinationArn": "arn:aws:logs:us-east-1:123456789012:log-group:x",
				"format": `{"status": $context.status}`}})
			g.fires(t, "Serverless-APIGWStructuredLogging", clf)
			g.fires(t, "Serverless-APIGWStructuredLogging", unquoted)
		})

	ruleCase(t, "Serverless-APIGWXrayEnabled",
		func(t *testing.T) {
			var g graph
			g.passes(t, "Serverless-APIGWXrayEnabled", restAPIStage(&g, "api", "abc", map[string]any{"xrayTracingEnabled": true}))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "Serverless-APIGWXrayEnabled", restAPIStage(&g, "unset", "abc", nil))
			g.fires(t, "Serverless-APIGWXrayEnabled", restAPIStage(&g, "off", "def", map[string]any{"xrayTracingEnabled": false}))
			g.fires(t, "Serverless-APIGWXrayEnabled", restAPIStage(&g, "string", "ghi", map[string]any{"xrayTracingEnabled": "true"}))
		})
}
