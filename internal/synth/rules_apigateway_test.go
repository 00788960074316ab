package synth

import (
	"strings"
	"testing"
)

const (
	tRestAPI       = "aws:apigateway/restApi:RestApi"
	tAPIResource   = "aws:apigateway/resource:Resource"
	tModel         = "aws:apigateway/model:Model"
	tValidator     = "aws:apigateway/requestValidator:RequestValidator"
	tAuthorizer    = "aws:apigateway/authorizer:Authorizer"
	tMethod        = "aws:apigateway/method:Method"
	tMethodResp    = "aws:apigateway/methodResponse:MethodResponse"
	tIntegration   = "aws:apigateway/integration:Integration"
	tIntegResp     = "aws:apigateway/integrationResponse:IntegrationResponse"
	tGatewayResp   = "aws:apigateway/response:Response"
	tDeployment    = "aws:apigateway/deployment:Deployment"
	tStage         = "aws:apigateway/stage:Stage"
	tMethodSetting = "aws:apigateway/methodSettings:MethodSettings"
	tAPIKey        = "aws:apigateway/apiKey:ApiKey"
	tUsagePlan     = "aws:apigateway/usagePlan:UsagePlan"
	tUsagePlanKey  = "aws:apigateway/usagePlanKey:UsagePlanKey"
	tAPIGAccount   = "aws:apigateway/account:Account"
)

// apiMods change the inputs of one type of apiStack's resources.
type apiMods map[string][]mod

const lambdaURI = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:items:live/invocations"

// apiStack registers a REST API with every resource type kumo's Api
// construct emits, inputs and order as AWS accepts them; m changes inputs.
func apiStack(f *fixture, m apiMods) {
	key := map[string]any{"restApi": "api1", "resourceId": "res1", "httpMethod": "GET"}
	with := func(base map[string]any, typ string) map[string]any { return inputs(base, m[typ]...) }
	merge := func(extra map[string]any) map[string]any {
		out := deepCopy(key).(map[string]any)
		for k, v := range extra {
			out[k] = v
		}
		return out
	}

	f.add(tAPIGAccount, "acct", with(map[string]any{"cloudwatchRoleArn": "arn:aws:iam::123456789012:role/apigw-logs"}, tAPIGAccount))
	api := f.add(tRestAPI, "api", with(map[string]any{"endpointConfiguration": map[string]any{"types": "REGIONAL"}, "apiKeySource": "HEADER"}, tRestAPI))
	res := f.add(tAPIResource, "items", with(map[string]any{"restApi": "api1", "parentId": "root1", "pathPart": "items"}, tAPIResource), api)
	model := f.add(tModel, "body", with(map[string]any{"restApi": "api1", "name": "ItemsBody", "contentType": "application/json", "schema": `{"type":"object"}`}, tModel), api)
	val := f.add(tValidator, "v", with(map[string]any{"restApi": "api1", "name": "body-and-parameters"}, tValidator), api)
	authz := f.add(tAuthorizer, "users", with(map[string]any{"restApi": "api1", "name": "users", "type": "COGNITO_USER_POOLS",
		"providerArns": []any{"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_abc"}, "authorizerResultTtlInSeconds": int64(300)}, tAuthorizer), api)
	meth := f.add(tMethod, "get", with(merge(map[string]any{"authorization": "COGNITO_USER_POOLS", "authorizerId": "authz1",
		"requestModels": map[string]any{"application/json": "ItemsBody"}, "requestValidatorId": "val1"}), tMethod), api, res, authz, model, val)
	integ := f.add(tIntegration, "get", with(merge(map[string]any{"type": "AWS_PROXY", "integrationHttpMethod": "POST", "uri": lambdaURI}), tIntegration), api, res, meth)
	mr := f.add(tMethodResp, "get", with(merge(map[string]any{"statusCode": "200",
		"responseParameters": map[string]any{"method.response.header.Access-Control-Allow-Origin": true}}), tMethodResp), meth)
	ir := f.add(tIntegResp, "get", with(merge(map[string]any{"statusCode": "200",
		"responseParameters": map[string]any{"method.response.header.Access-Control-Allow-Origin": "'https://example.com'"}}), tIntegResp), integ, mr)
	gw := f.add(tGatewayResp, "4xx", with(map[string]any{"restApiId": "api1", "responseType": "DEFAULT_4XX"}, tGatewayResp), api)
	dep := f.add(tDeployment, "dep", with(map[string]any{"restApi": "api1"}, tDeployment), api, meth, integ, mr, ir, gw)
	stage := f.add(tStage, "v1", with(map[string]any{"restApi": "api1", "deployment": "dep1", "stageName": "v1"}, tStage), api, dep)
	// The execution log group kumo declares for the stage (a rule of the
	// lead's ordering checks on MethodSettings).
	logs := f.add("aws:cloudwatch/logGroup:LogGroup", "exec", map[string]any{"name": "API-Gateway-Execution-Logs_api1/v1"})
	f.add(tMethodSetting, "v1", with(map[string]any{"restApi": "api1", "stageName": "v1", "methodPath": "*/*",
		"settings": map[string]any{"loggingLevel": "ERROR", "metricsEnabled": true}}, tMethodSetting), api, stage, logs)
	plan := f.add(tUsagePlan, "plan", with(map[string]any{"apiStages": []any{map[string]any{"apiId": "api1", "stage": "v1"}},
		"quotaSettings": map[string]any{"limit": int64(1000), "period": "DAY"}}, tUsagePlan), api, stage)
	k := f.add(tAPIKey, "partner", with(map[string]any{"enabled": true}, tAPIKey))
	f.add(tUsagePlanKey, "partner", with(map[string]any{"keyId": "key1", "keyType": "API_KEY", "usagePlanId": "plan1"}, tUsagePlanKey), plan, k)
}

func TestAPIGatewayRealityRules(t *testing.T) {
	rule := func(path string, v any) mod { return set(path, v) }
	apiCase := func(name string, m apiMods, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { apiStack(f, m) }, want: ws}
	}
	// ordering builds the accepted API, then replaces one resource's dependencies.
	ordering := func(name, typ, resName string, deps []string, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			apiStack(f, nil)
			f.setDeps(urnOf(typ, resName), deps...)
		}}
	}
	api, res := urnOf(tRestAPI, "api"), urnOf(tAPIResource, "items")
	meth, integ := urnOf(tMethod, "get"), urnOf(tIntegration, "get")
	mr := urnOf(tMethodResp, "get")

	cases := []realityCase{
		apiCase("accepted: the Api construct's shape", nil),

		// RestApi
		apiCase("rest api endpoint type", apiMods{tRestAPI: {rule("endpointConfiguration.types", "GLOBAL")}},
			want{tRestAPI, "endpointConfiguration.types", "must be one of EDGE, REGIONAL, PRIVATE", "API_EndpointConfiguration"}),
		apiCase("rest api endpoint types as a list", apiMods{tRestAPI: {rule("endpointConfiguration.types", []any{"REGIONAL", "LOCAL"})}},
			want{tRestAPI, "endpointConfiguration.types", "must be one of", "API_EndpointConfiguration"}),
		apiCase("rest api key source", apiMods{tRestAPI: {rule("apiKeySource", "QUERY")}},
			want{tRestAPI, "apiKeySource", "HEADER, AUTHORIZER", "API_CreateRestApi"}),
		{name: "rest api autoname too long", build: func(f *fixture) {
			f.add(tRestAPI, strings.Repeat("a", 250), map[string]any{})
		}, want: []want{{tRestAPI, "name", "shorten the resource name", "SetAutonaming(255"}}},

		// Resource
		apiCase("resource without pathPart", apiMods{tAPIResource: {rule("pathPart", nil)}},
			want{tAPIResource, "pathPart", "required", "API_CreateResource"}),

		// Model
		apiCase("model name with a hyphen", apiMods{tModel: {rule("name", "items-body")}},
			want{tModel, "name", "must be alphanumeric", "API_CreateModel"}),
		apiCase("model autonamed with the provider's '-'", apiMods{tModel: {rule("name", nil)}},
			want{tModel, "name", "must be alphanumeric", "API_CreateModel"}),
		apiCase("model without contentType", apiMods{tModel: {rule("contentType", nil)}},
			want{tModel, "contentType", "required", "API_CreateModel"}),
		apiCase("model schema not JSON", apiMods{tModel: {rule("schema", "{type: object")}},
			want{tModel, "schema", "must be JSON", "StringIsJSON"}),

		// RequestValidator
		apiCase("validator without restApi", apiMods{tValidator: {rule("restApi", nil)}},
			want{tValidator, "restApi", "required", "API_CreateRequestValidator"}),

		// Authorizer
		apiCase("authorizer type", apiMods{tAuthorizer: {rule("type", "JWT")}},
			want{tAuthorizer, "type", "TOKEN, REQUEST, COGNITO_USER_POOLS", "API_CreateAuthorizer"}),
		apiCase("authorizer TTL over an hour", apiMods{tAuthorizer: {rule("authorizerResultTtlInSeconds", int64(3601))}},
			want{tAuthorizer, "authorizerResultTtlInSeconds", "between 0 and 3600", "API_CreateAuthorizer"}),
		apiCase("cognito authorizer without providerArns", apiMods{tAuthorizer: {rule("providerArns", []any{})}},
			want{tAuthorizer, "providerArns", "needs providerArns", "validateAuthorizerType"}),
		apiCase("token authorizer (the default type) without authorizerUri", apiMods{tAuthorizer: {rule("type", nil), rule("providerArns", nil)}},
			want{tAuthorizer, "authorizerUri", "needs authorizerUri", "validateAuthorizerType"}),
		apiCase("authorizer without restApi", apiMods{tAuthorizer: {rule("restApi", nil)}},
			want{tAuthorizer, "restApi", "required", "API_CreateAuthorizer"}),

		// Method
		apiCase("method HTTP verb", apiMods{tMethod: {rule("httpMethod", "FETCH")}, tIntegration: {rule("httpMethod", "FETCH")},
			tMethodResp: {rule("httpMethod", "FETCH")}, tIntegResp: {rule("httpMethod", "FETCH")}},
			want{tMethod, "httpMethod", "ANY, DELETE, GET", "validHTTPMethod"},
			want{tIntegration, "httpMethod", "ANY, DELETE, GET", "validHTTPMethod"}),
		apiCase("method authorization", apiMods{tMethod: {rule("authorization", "JWT")}},
			want{tMethod, "authorization", "NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS", "API_PutMethod"}),
		apiCase("cognito method without authorizerId", apiMods{tMethod: {rule("authorizerId", nil)}},
			want{tMethod, "authorizerId", "CUSTOM or COGNITO_USER_POOLS", "API_PutMethod"}),
		apiCase("method without authorization", apiMods{tMethod: {rule("authorization", nil), rule("authorizerId", nil)}},
			want{tMethod, "authorization", "required", "API_PutMethod"}),

		// Integration
		apiCase("integration type", apiMods{tIntegration: {rule("type", "LAMBDA")}},
			want{tIntegration, "type", "HTTP, AWS, MOCK, HTTP_PROXY, AWS_PROXY", "integration.go"}),
		apiCase("integration connection type", apiMods{tIntegration: {rule("connectionType", "PRIVATE")}},
			want{tIntegration, "connectionType", "INTERNET, VPC_LINK", "integration.go"}),
		apiCase("integration passthrough behavior", apiMods{tIntegration: {rule("passthroughBehavior", "ALWAYS")}},
			want{tIntegration, "passthroughBehavior", "WHEN_NO_MATCH", "integration.go"}),
		apiCase("integration content handling", apiMods{tIntegration: {rule("contentHandling", "CONVERT_TO_JSON")}},
			want{tIntegration, "contentHandling", "CONVERT_TO_BINARY", "integration.go"}),
		apiCase("integration HTTP method verb", apiMods{tIntegration: {rule("type", "HTTP"), rule("uri", "https://example.com/items"), rule("integrationHttpMethod", "INVOKE")}},
			want{tIntegration, "integrationHttpMethod", "ANY, DELETE", "validHTTPMethod"}),
		apiCase("proxy integration without integrationHttpMethod", apiMods{tIntegration: {rule("integrationHttpMethod", nil)}},
			want{tIntegration, "integrationHttpMethod", "required unless type is MOCK", "aws-properties-apigateway-method-integration"}),
		apiCase("lambda integration with GET", apiMods{tIntegration: {rule("integrationHttpMethod", "GET")}},
			want{tIntegration, "integrationHttpMethod", "Lambda integration must use integrationHttpMethod POST", "aws-properties-apigateway-method-integration"}),
		apiCase("proxy integration without uri", apiMods{tIntegration: {rule("uri", nil)}},
			want{tIntegration, "uri", "uri is required unless type is MOCK", "api_gateway_integration"}),
		apiCase("accepted: mock integration without uri or integrationHttpMethod",
			apiMods{tIntegration: {rule("type", "MOCK"), rule("uri", nil), rule("integrationHttpMethod", nil)}}),
		ordering("integration not ordered after its method", tIntegration, "get", []string{api, res},
			want{tIntegration, "httpMethod", "the method of the same REST API", "Invalid Method identifier specified"}),

		// MethodResponse
		apiCase("method response without statusCode", apiMods{tMethodResp: {rule("statusCode", nil)}, tIntegResp: {rule("responseParameters", nil)}},
			want{tMethodResp, "statusCode", "required", "API_PutMethodResponse"}),
		ordering("method response not ordered after its method", tMethodResp, "get", []string{api},
			want{tMethodResp, "httpMethod", "the method of the same REST API", "Invalid Method identifier specified"}),

		// IntegrationResponse
		apiCase("integration response content handling", apiMods{tIntegResp: {rule("contentHandling", "CONVERT")}},
			want{tIntegResp, "contentHandling", "CONVERT_TO_BINARY, CONVERT_TO_TEXT", "API_PutIntegrationResponse"}),
		ordering("integration response not ordered after its integration", tIntegResp, "get", []string{mr},
			want{tIntegResp, "httpMethod", "the integration of the same REST API", "No integration defined for method"}),
		ordering("integration response not ordered after its method response", tIntegResp, "get", []string{integ},
			want{tIntegResp, "statusCode", "the method response of the same status code must exist first", "Invalid mapping expression specified"}),
		apiCase("integration response maps a header the method response does not declare",
			apiMods{tIntegResp: {rule("responseParameters", map[string]any{"method.response.header.X-Request-Id": "integration.response.header.X-Request-Id"})}},
			want{tIntegResp, "responseParameters", "declare every method.response.header", "aws-solutions-constructs/issues/1130"}),

		// Response (gateway response)
		apiCase("gateway response type", apiMods{tGatewayResp: {rule("responseType", "DEFAULT_3XX")}},
			want{tGatewayResp, "responseType", "DEFAULT_4XX, DEFAULT_5XX", "API_GatewayResponse"}),
		apiCase("gateway response status code", apiMods{tGatewayResp: {rule("statusCode", "600")}},
			want{tGatewayResp, "statusCode", `[1-5]\d\d`, "API_GatewayResponse"}),

		// Deployment
		ordering("deployment ordered after no method", tDeployment, "dep", []string{api},
			want{tDeployment, "restApi", "The REST API doesn't contain any methods", "aws-resource-apigateway-deployment"},
			want{tDeployment, "restApi", "No integration defined for method", "serverless/issues/11748"}),
		ordering("deployment ordered after the method but not its integration", tDeployment, "dep", []string{api, meth},
			want{tDeployment, "restApi", "No integration defined for method", "serverless/issues/11748"}),
		{name: "deployment with a method that has no integration at all", want: []want{
			{tDeployment, "restApi", "No integration defined for method", "moto/issues/9466"}},
			build: func(f *fixture) {
				apiStack(f, nil)
				m := f.add(tMethod, "post", map[string]any{"restApi": "api1", "resourceId": "res1", "httpMethod": "POST", "authorization": "NONE"},
					api, res)
				f.setDeps(urnOf(tDeployment, "dep"), api, meth, integ, m)
			}},
		apiCase("deployment stage name", apiMods{tDeployment: {rule("stageName", "v1.0")}},
			want{tDeployment, "stageName", "1–128 letters, digits", "API_CreateStage"}),
		{name: "accepted: a deployment of an OpenAPI body needs no Method resources", build: func(f *fixture) {
			a := f.add(tRestAPI, "spec", map[string]any{"body": `{"openapi":"3.0.1"}`})
			f.add(tDeployment, "spec", map[string]any{"restApi": "api9"}, a)
		}},

		// Stage
		apiCase("stage name with a dot", apiMods{tStage: {rule("stageName", "v1.0")}},
			want{tStage, "stageName", "does not match", "API_CreateStage"}),
		apiCase("stage name longer than 128", apiMods{tStage: {rule("stageName", strings.Repeat("s", 129))}},
			want{tStage, "stageName", "129 characters, at most 128", "API_CreateStage"}),
		apiCase("stage without stageName", apiMods{tStage: {rule("stageName", nil)}},
			want{tStage, "stageName", "required", "API_CreateStage"}),
		apiCase("stage without deployment", apiMods{tStage: {rule("deployment", nil)}},
			want{tStage, "deployment", "required", "API_CreateStage"}),
		apiCase("stage cache cluster size", apiMods{tStage: {rule("cacheClusterSize", "1")}},
			want{tStage, "cacheClusterSize", "0.5, 1.6", "API_Stage"}),
		apiCase("stage variable name", apiMods{tStage: {rule("variables", map[string]any{"table-name": "items"})}},
			want{tStage, "variables.table-name", "stage variable names", "API_CreateStage"}),
		apiCase("stage variable value", apiMods{tStage: {rule("variables", map[string]any{"greeting": "hello world"})}},
			want{tStage, "variables.greeting", "values match", "API_CreateStage"}),

		// MethodSettings
		apiCase("method settings logging level", apiMods{tMethodSetting: {rule("settings.loggingLevel", "DEBUG")}},
			want{tMethodSetting, "settings.loggingLevel", "OFF, ERROR, INFO", "API_MethodSetting"}),
		apiCase("method settings cache TTL", apiMods{tMethodSetting: {rule("settings.cacheTtlInSeconds", int64(7200))}},
			want{tMethodSetting, "settings.cacheTtlInSeconds", "between 0 and 3600", "api-gateway-caching"}),
		apiCase("method settings without methodPath", apiMods{tMethodSetting: {rule("methodPath", nil)}},
			want{tMethodSetting, "methodPath", "required", "API_UpdateStage"}),
		ordering("method settings not ordered after the stage", tMethodSetting, "v1", []string{api, urnOf("aws:cloudwatch/logGroup:LogGroup", "exec")},
			want{tMethodSetting, "stageName", "must exist first", "API_UpdateStage"}),

		// ApiKey
		apiCase("api key value too short", apiMods{tAPIKey: {rule("value", "short")}},
			want{tAPIKey, "value", "20–128 characters", "api_key.go"}),
		apiCase("accepted: api key value given as a secret", apiMods{tAPIKey: {rule("value", secretPlaceholder)}}),

		// UsagePlan
		apiCase("usage plan quota period", apiMods{tUsagePlan: {rule("quotaSettings.period", "YEAR")}},
			want{tUsagePlan, "quotaSettings.period", "DAY, WEEK, MONTH", "API_QuotaSettings"}),
		apiCase("usage plan quota offset for DAY", apiMods{tUsagePlan: {rule("quotaSettings.offset", int64(1))}},
			want{tUsagePlan, "quotaSettings.offset", "0 for DAY", "validUsagePlanQuotaSettings"}),
		apiCase("usage plan quota offset for WEEK", apiMods{tUsagePlan: {rule("quotaSettings.period", "WEEK"), rule("quotaSettings.offset", int64(7))}},
			want{tUsagePlan, "quotaSettings.offset", "0–6 for WEEK", "validUsagePlanQuotaSettings"}),
		apiCase("accepted: usage plan quota offset for MONTH", apiMods{tUsagePlan: {rule("quotaSettings.period", "MONTH"), rule("quotaSettings.offset", int64(27))}}),
		ordering("usage plan not ordered after its stage", tUsagePlan, "plan", []string{api},
			want{tUsagePlan, "apiStages", "stage must exist first", "aws-cdk/issues/6169"}),

		// UsagePlanKey
		apiCase("usage plan key without keyType", apiMods{tUsagePlanKey: {rule("keyType", nil)}},
			want{tUsagePlanKey, "keyType", "required", "API_CreateUsagePlanKey"}),
	}
	runRealityCases(t, specTypes(apigatewaySpecs), cases)
}
