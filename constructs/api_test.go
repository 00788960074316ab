package constructs_test

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/synth"
)

const (
	typApiComponent       = "kumo:constructs:Api"
	typRestApi            = "aws:apigateway/restApi:RestApi"
	typApiResource        = "aws:apigateway/resource:Resource"
	typMethod             = "aws:apigateway/method:Method"
	typIntegration        = "aws:apigateway/integration:Integration"
	typMethodResponse     = "aws:apigateway/methodResponse:MethodResponse"
	typIntegrationResp    = "aws:apigateway/integrationResponse:IntegrationResponse"
	typGatewayResponse    = "aws:apigateway/response:Response"
	typAuthorizer         = "aws:apigateway/authorizer:Authorizer"
	typModel              = "aws:apigateway/model:Model"
	typRequestValidator   = "aws:apigateway/requestValidator:RequestValidator"
	typDeployment         = "aws:apigateway/deployment:Deployment"
	typStage              = "aws:apigateway/stage:Stage"
	typMethodSettings     = "aws:apigateway/methodSettings:MethodSettings"
	typUsagePlan          = "aws:apigateway/usagePlan:UsagePlan"
	typApiKey             = "aws:apigateway/apiKey:ApiKey"
	typUsagePlanKey       = "aws:apigateway/usagePlanKey:UsagePlanKey"
	typApiGatewayAccount  = "aws:apigateway/account:Account"
	corsOrigin            = "https://shop.example.com"
	itemSchema            = `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object","required":["name"]}`
	apiGatewayPushToLogs  = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
	apiGatewayServiceName = "apigateway.amazonaws.com"
)

// accountLogRole registers the region's API Gateway account setting in the
// program, as the stack that manages it does, so Apis keep their access and
// execution logs on as in production.
func accountLogRole(ctx *pulumi.Context) (*constructs.AccountLogRole, error) {
	acct, err := constructs.NewApiGatewayAccount(ctx, "apigw", &constructs.ApiGatewayAccountArgs{})
	if err != nil {
		return nil, err
	}
	return acct.LogRole(), nil
}

// fullApi registers an API exercising every route and authorizer kind, CORS
// and a usage plan, and exports the values the tests compare against.
func fullApi(p *project) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		logRole, err := accountLogRole(ctx)
		if err != nil {
			return nil, err
		}
		items, err := constructs.NewFunction(ctx, "items", p.fnArgs())
		if err != nil {
			return nil, err
		}
		tokenFn, err := constructs.NewFunction(ctx, "tokenauth", p.fnArgs())
		if err != nil {
			return nil, err
		}
		requestFn, err := constructs.NewFunction(ctx, "requestauth", p.fnArgs())
		if err != nil {
			return nil, err
		}
		pool, err := constructs.NewUserPool(ctx, "users", nil)
		if err != nil {
			return nil, err
		}
		zero := 0
		api, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			Description: "shop API",
			Routes: []constructs.Route{
				{Method: "GET", Path: "/items", Function: items, Authorizer: "users", Scopes: []string{"items/read"}},
				{Method: "POST", Path: "/items", Function: items, BodySchema: itemSchema, APIKeyRequired: true},
				{Method: "GET", Path: "/items/{id}", Function: items, Authorizer: "token"},
				{Method: "DELETE", Path: "/items/{id}", Function: items, Authorizer: constructs.AuthorizerIAM},
				{Method: "PUT", Path: "/items/{id}", Function: items, Authorizer: "request"},
				{Method: "GET", Path: "/health", Function: items, Public: true, PublicReason: "open on purpose for this test"},
				{Method: "ANY", Path: "/files/{proxy+}", Function: items, Public: true, PublicReason: "open on purpose for this test", RequiredQuery: []string{"v"}},
				{Method: "GET", Path: "/", Function: items, Public: true, PublicReason: "open on purpose for this test"},
			},
			Authorizers: map[string]constructs.Authorizer{
				"users":   {Kind: constructs.AuthorizerCognito, UserPool: pool},
				"token":   {Kind: constructs.AuthorizerToken, Function: tokenFn},
				"request": {Kind: constructs.AuthorizerRequest, Function: requestFn, IdentitySource: "method.request.header.X-Tenant,context.stage", ResultTTLSeconds: &zero},
			},
			DefaultAuthorizer:  "users",
			StageName:          "prod",
			ThrottleRateLimit:  50,
			ThrottleBurstLimit: 100,
			LogRetentionDays:   90,
			CORSOrigin:         pulumi.String(corsOrigin),
			UsagePlan:          &constructs.UsagePlan{Keys: []string{"partner", "mobile"}, QuotaPerDay: 10000, RateLimit: 10, BurstLimit: 20},
			AccountLogRole:     logRole,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{
			"url":              api.URL,
			"executionArn":     api.ExecutionArn,
			"restApiId":        api.RestApi.ID(),
			"rootResourceId":   api.RestApi.RootResourceId,
			"accessLogArn":     api.AccessLogs.Arn,
			"logRoleArn":       logRole.RoleArn,
			"itemsName":        items.FunctionName,
			"itemsInvokeArn":   items.InvokeArn,
			"tokenName":        tokenFn.FunctionName,
			"tokenInvokeArn":   tokenFn.InvokeArn,
			"requestName":      requestFn.FunctionName,
			"requestInvokeArn": requestFn.InvokeArn,
			"poolArn":          pool.Arn,
		}, nil
	}
}

func TestApi(t *testing.T) {
	p := newProject(t)
	s := p.synth(fullApi(p))
	comp := s.find(typApiComponent, "api")
	restApiID, execArn := s.output("restApiId"), s.output("executionArn")

	t.Run("child tree", func(t *testing.T) {
		counts := map[string]int{}
		for _, r := range s.children(comp.URN) {
			counts[r.Type]++
		}
		want := map[string]int{
			typRestApi: 1, typApiResource: 5, typAuthorizer: 3,
			typMethod: 8 + 5, typIntegration: 8 + 5, // routes plus one CORS preflight per path
			typPermission: 8 + 2, // routes plus the two Lambda authorizers
			typModel:      1, typRequestValidator: 1,
			typMethodResponse: 5, typIntegrationResp: 5, typGatewayResponse: 2,
			typLogGroup:   2, // access and execution logs
			typDeployment: 1, typStage: 1, typMethodSettings: 1,
			typUsagePlan: 1, typApiKey: 2, typUsagePlanKey: 2,
		}
		if !reflect.DeepEqual(counts, want) {
			t.Errorf("children of the Api component by type:\ngot  %v\nwant %v", counts, want)
		}
		wantInputs(t, s.find(typRestApi, "api"),
			check{"endpointConfiguration.types", "REGIONAL"},
			check{"apiKeySource", "HEADER"},
			check{"description", "shop API"},
		)
	})

	t.Run("resources", func(t *testing.T) {
		for _, tc := range []struct{ path, part, parent string }{
			{"/items", "items", ""},
			{"/items/{id}", "{id}", "/items"},
			{"/health", "health", ""},
			{"/files", "files", ""},
			{"/files/{proxy+}", "{proxy+}", "/files"},
		} {
			r := s.find(typApiResource, "api"+tc.path)
			wantInputs(t, r, check{"pathPart", tc.part}, check{"restApi", restApiID})
			if tc.parent == "" {
				wantInputs(t, r, check{"parentId", s.output("rootResourceId")})
			} else if !dependsOn(r, s.find(typApiResource, "api"+tc.parent)) {
				t.Errorf("resource %s: dependencies %q; want its parent %s", tc.path, r.Dependencies, tc.parent)
			}
		}
		wantInputs(t, s.find(typMethod, "api-GET-/"), check{"resourceId", s.output("rootResourceId")})
	})

	// authorizerIDs are the ids methods reference, by authorizer name; the
	// authorizer permissions must be scoped to the same ids.
	authorizerIDs := map[string]string{}
	t.Run("routes", func(t *testing.T) {
		for _, tc := range []struct {
			method, path  string
			authorization string
			authorizer    string
			scopes        []string
			apiKey        bool
			sourceArn     string // after the execution ARN
		}{
			{"GET", "/items", "COGNITO_USER_POOLS", "users", []string{"items/read"}, false, "/*/GET/items"},
			{"POST", "/items", "COGNITO_USER_POOLS", "users", nil, true, "/*/POST/items"},
			{"GET", "/items/{id}", "CUSTOM", "token", nil, false, "/*/GET/items/*"},
			{"DELETE", "/items/{id}", "AWS_IAM", "", nil, false, "/*/DELETE/items/*"},
			{"PUT", "/items/{id}", "CUSTOM", "request", nil, false, "/*/PUT/items/*"},
			{"GET", "/health", "NONE", "", nil, false, "/*/GET/health"},
			{"ANY", "/files/{proxy+}", "NONE", "", nil, false, "/*/*/files/*"},
			{"GET", "/", "NONE", "", nil, false, "/*/GET/"},
		} {
			name := "api-" + tc.method + "-" + tc.path
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				m := s.find(typMethod, name)
				wantInputs(t, m,
					check{"httpMethod", tc.method},
					check{"authorization", tc.authorization},
					check{"apiKeyRequired", tc.apiKey},
					check{"restApi", restApiID},
				)
				if tc.scopes != nil {
					wantInputs(t, m, check{"authorizationScopes", tc.scopes})
				} else {
					wantInputs(t, m, check{"authorizationScopes", nil})
				}
				id, _ := in(m, "authorizerId").(string)
				switch {
				case tc.authorizer == "" && id != "":
					t.Errorf("authorizerId: got %q; want none", id)
				case tc.authorizer != "":
					if id == "" || !dependsOn(m, s.find(typAuthorizer, "api-"+tc.authorizer)) {
						t.Errorf("authorizerId %q (dependencies %q): want the id of authorizer %s", id, m.Dependencies, tc.authorizer)
					}
					if prev, ok := authorizerIDs[tc.authorizer]; ok && prev != id {
						t.Errorf("authorizerId: got %q; want %q as on the other routes of %s", id, prev, tc.authorizer)
					}
					authorizerIDs[tc.authorizer] = id
				}

				integ := s.find(typIntegration, name)
				wantInputs(t, integ,
					check{"type", "AWS_PROXY"},
					check{"integrationHttpMethod", "POST"},
					check{"httpMethod", tc.method},
					check{"uri", s.output("itemsInvokeArn")},
				)
				if uri, _ := in(integ, "uri").(string); !strings.HasSuffix(uri, ":function:"+s.output("itemsName")+":live/invocations") {
					t.Errorf("integration uri %q: want the alias's invoke ARN (…:live/invocations)", uri)
				}

				wantInputs(t, permissionFor(s, execArn+tc.sourceArn),
					check{"action", "lambda:InvokeFunction"},
					check{"function", s.output("itemsName")},
					check{"qualifier", "live"},
					check{"principal", apiGatewayServiceName},
					check{"sourceArn", execArn + tc.sourceArn},
				)
			})
		}
	})

	t.Run("authorizers", func(t *testing.T) {
		wantInputs(t, s.find(typAuthorizer, "api-users"),
			check{"name", "users"},
			check{"type", "COGNITO_USER_POOLS"},
			check{"providerArns", []string{s.output("poolArn")}},
			check{"identitySource", "method.request.header.Authorization"},
			check{"authorizerResultTtlInSeconds", 300},
			check{"authorizerUri", nil},
		)
		if s.has(typPermission, "api-authorizer-users") {
			t.Errorf("a cognito authorizer got a Lambda permission; it runs no function")
		}
		for _, tc := range []struct {
			name, typ, fn, identity string
			ttl                     int
		}{
			{"token", "TOKEN", "token", "method.request.header.Authorization", 300},
			{"request", "REQUEST", "request", "method.request.header.X-Tenant,context.stage", 0},
		} {
			a := s.find(typAuthorizer, "api-"+tc.name)
			wantInputs(t, a,
				check{"name", tc.name},
				check{"type", tc.typ},
				check{"authorizerUri", s.output(tc.fn + "InvokeArn")},
				check{"identitySource", tc.identity},
				check{"authorizerResultTtlInSeconds", tc.ttl},
				check{"providerArns", nil},
			)
			if uri, _ := in(a, "authorizerUri").(string); !strings.Contains(uri, ":live/invocations") {
				t.Errorf("%s authorizerUri %q: want the alias's invoke ARN", tc.name, uri)
			}
			id := authorizerIDs[tc.name]
			if id == "" {
				t.Fatalf("no route references authorizer %s", tc.name)
			}
			wantInputs(t, s.find(typPermission, "api-authorizer-"+tc.name),
				check{"action", "lambda:InvokeFunction"},
				check{"function", s.output(tc.fn + "Name")},
				check{"qualifier", "live"},
				check{"principal", apiGatewayServiceName},
				check{"sourceArn", execArn + "/authorizers/" + id},
			)
		}
	})

	t.Run("request validation", func(t *testing.T) {
		validators := s.ofType(typRequestValidator)
		if len(validators) != 1 {
			t.Fatalf("request validators: got %d; want one shared by the API", len(validators))
		}
		wantInputs(t, validators[0],
			check{"validateRequestBody", true},
			check{"validateRequestParameters", true},
			check{"restApi", restApiID},
		)
		model := s.find(typModel, "api-POST-/items")
		wantInputs(t, model,
			check{"name", "PostItemsBody"},
			check{"contentType", "application/json"},
			check{"schema", itemSchema},
			check{"restApi", restApiID},
		)
		post := s.find(typMethod, "api-POST-/items")
		wantInputs(t, post, check{"requestModels", map[string]any{"application/json": "PostItemsBody"}})
		if id, _ := in(post, "requestValidatorId").(string); id == "" || !dependsOn(post, validators[0]) {
			t.Errorf("POST /items requestValidatorId %q: want the validator", id)
		}
		files := s.find(typMethod, "api-ANY-/files/{proxy+}")
		wantInputs(t, files, check{"requestParameters", map[string]any{
			"method.request.path.proxy": true, "method.request.querystring.v": true,
		}})
		if id, _ := in(files, "requestValidatorId").(string); id == "" {
			t.Errorf("ANY /files/{proxy+} requestValidatorId: got none; want the validator for its required query")
		}
		get := s.find(typMethod, "api-GET-/items/{id}")
		wantInputs(t, get,
			check{"requestParameters", map[string]any{"method.request.path.id": true}},
			check{"requestValidatorId", nil},
			check{"requestModels", nil},
		)
	})

	t.Run("stage", func(t *testing.T) {
		stage := s.find(typStage, "api")
		wantInputs(t, stage,
			check{"stageName", "prod"},
			check{"restApi", restApiID},
			check{"xrayTracingEnabled", true},
			check{"accessLogSettings.destinationArn", s.output("accessLogArn")},
		)
		if !dependsOn(stage, s.find(typDeployment, "api")) {
			t.Errorf("stage dependencies %q: want the deployment", stage.Dependencies)
		}
		if !dependsOn(stage, s.find(typApiGatewayAccount, "apigw")) {
			t.Errorf("stage dependencies %q: want the account setting that names the log role; CreateStage with access logs fails before it", stage.Dependencies)
		}
		format, _ := in(stage, "accessLogSettings.format").(string)
		var fields map[string]string
		if err := json.Unmarshal([]byte(format), &fields); err != nil {
			t.Fatalf("access log format is not a JSON object: %v\n%s", err, format)
		}
		for k, v := range map[string]string{"requestId": "$context.requestId", "status": "$context.status", "ip": "$context.identity.sourceIp"} {
			if fields[k] != v {
				t.Errorf("access log field %s: got %q; want %q", k, fields[k], v)
			}
		}
		wantInputs(t, s.find(typLogGroup, "api-access"),
			check{"retentionInDays", 90},
			check{"namePrefix", "/aws/apigateway/api-access-"},
		)
		wantInputs(t, s.find(typMethodSettings, "api"),
			check{"restApi", restApiID},
			check{"stageName", "prod"},
			check{"methodPath", "*/*"},
			check{"settings", map[string]any{
				"metricsEnabled": true, "loggingLevel": "ERROR", "dataTraceEnabled": false,
				"throttlingRateLimit": 50, "throttlingBurstLimit": 100,
			}},
		)
		if got, want := s.output("url"), "https://"+restApiID+".execute-api."+testRegion+".amazonaws.com/prod"; got != want {
			t.Errorf("URL: got %q; want %q", got, want)
		}
	})

	t.Run("execution logs", func(t *testing.T) {
		logs := s.find(typLogGroup, "api-execution")
		wantInputs(t, logs,
			check{"name", "API-Gateway-Execution-Logs_" + restApiID + "/prod"},
			check{"retentionInDays", 90},
			check{"tags", map[string]any{"kumo:api-gateway-log-role": s.output("logRoleArn")}},
		)
		if logs.Parent != comp.URN {
			t.Errorf("execution log group parent: got %q; want the Api component", logs.Parent)
		}
		if !dependsOn(s.find(typMethodSettings, "api"), logs) {
			t.Errorf("method settings do not wait for the execution log group; API Gateway would create it first, without retention")
		}
	})

	t.Run("deployment waits for every method and integration", func(t *testing.T) {
		dep := s.find(typDeployment, "api")
		for _, typ := range []string{typMethod, typIntegration, typMethodResponse, typIntegrationResp, typGatewayResponse} {
			for _, r := range s.ofType(typ) {
				if !dependsOn(dep, r) {
					t.Errorf("deployment does not depend on %s %s", typ, r.Name)
				}
			}
		}
		wantInputs(t, dep, check{"restApi", restApiID})
		wantTriggerHashes(t, dep)
	})

	t.Run("CORS", func(t *testing.T) {
		for path, methods := range map[string]string{
			"/":               "GET,OPTIONS",
			"/items":          "GET,OPTIONS,POST",
			"/items/{id}":     "DELETE,GET,OPTIONS,PUT",
			"/health":         "GET,OPTIONS",
			"/files/{proxy+}": "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT",
		} {
			name := "api-OPTIONS-" + path
			wantInputs(t, s.find(typMethod, name),
				check{"httpMethod", "OPTIONS"},
				check{"authorization", "NONE"},
				check{"authorizerId", nil},
			)
			wantInputs(t, s.find(typIntegration, name),
				check{"type", "MOCK"},
				check{"requestTemplates", map[string]any{"application/json": `{"statusCode": 200}`}},
				check{"uri", nil},
			)
			wantInputs(t, s.find(typMethodResponse, name),
				check{"statusCode", "200"},
				check{"responseParameters", map[string]any{
					"method.response.header.Access-Control-Allow-Headers": true,
					"method.response.header.Access-Control-Allow-Methods": true,
					"method.response.header.Access-Control-Allow-Origin":  true,
					"method.response.header.Access-Control-Max-Age":       true,
				}},
			)
			wantInputs(t, s.find(typIntegrationResp, name), check{"statusCode", "200"})
			params, _ := in(s.find(typIntegrationResp, name), "responseParameters").(map[string]any)
			for k, want := range map[string]string{
				"method.response.header.Access-Control-Allow-Origin":  "'" + corsOrigin + "'",
				"method.response.header.Access-Control-Allow-Methods": "'" + methods + "'",
				"method.response.header.Access-Control-Max-Age":       "'600'",
			} {
				if params[k] != want {
					t.Errorf("%s %s: got %#v; want %q", name, k, params[k], want)
				}
			}
			if h, _ := params["method.response.header.Access-Control-Allow-Headers"].(string); !hasHeaders(h, "Authorization", "X-Api-Key", "If-Match") {
				t.Errorf("%s Allow-Headers %q: want Authorization, X-Api-Key and If-Match", name, h)
			}
		}
		for _, rt := range []string{"DEFAULT_4XX", "DEFAULT_5XX"} {
			r := s.find(typGatewayResponse, "api-"+rt)
			wantInputs(t, r, check{"responseType", rt}, check{"restApiId", restApiID})
			params, _ := in(r, "responseParameters").(map[string]any)
			if got := params["gatewayresponse.header.Access-Control-Allow-Origin"]; got != "'"+corsOrigin+"'" {
				t.Errorf("%s Allow-Origin: got %#v; want %q", rt, got, "'"+corsOrigin+"'")
			}
			if h, _ := params["gatewayresponse.header.Access-Control-Allow-Headers"].(string); !hasHeaders(h, "Authorization", "If-Match") {
				t.Errorf("%s Allow-Headers %q: want Authorization and If-Match", rt, h)
			}
		}
	})

	t.Run("usage plan", func(t *testing.T) {
		plan := s.find(typUsagePlan, "api")
		wantInputs(t, plan,
			check{"apiStages", []any{map[string]any{"apiId": restApiID, "stage": "prod"}}},
			check{"throttleSettings", map[string]any{"rateLimit": 10, "burstLimit": 20}},
			check{"quotaSettings", map[string]any{"limit": 10000, "period": "DAY"}},
		)
		for _, key := range []string{"partner", "mobile"} {
			k := s.find(typApiKey, "api-"+key)
			wantInputs(t, k, check{"enabled", true}, check{"value", nil})
			upk := s.find(typUsagePlanKey, "api-"+key)
			wantInputs(t, upk, check{"keyType", "API_KEY"})
			if !dependsOn(upk, k) || !dependsOn(upk, plan) {
				t.Errorf("usage plan key %s dependencies %q: want its API key and the plan", key, upk.Dependencies)
			}
		}
	})
}

func TestApiMinimal(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		logRole, err := accountLogRole(ctx)
		if err != nil {
			return nil, err
		}
		fn, err := constructs.NewFunction(ctx, "health", p.fnArgs())
		if err != nil {
			return nil, err
		}
		api, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			Routes:         []constructs.Route{{Method: "GET", Path: "/health", Function: fn, Public: true, PublicReason: "open on purpose for this test"}},
			AccountLogRole: logRole,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"restApiId": api.RestApi.ID(), "executionArn": api.ExecutionArn}, nil
	})
	comp := s.find(typApiComponent, "api")
	perm := permissionFor(s, s.output("executionArn")+"/*/GET/health")
	want := sorted([]string{
		typRestApi + " api", typApiResource + " api/health",
		typMethod + " api-GET-/health", typIntegration + " api-GET-/health", typPermission + " " + perm.Name,
		typLogGroup + " api-access", typLogGroup + " api-execution",
		typDeployment + " api", typStage + " api", typMethodSettings + " api",
	})
	if got := s.childSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children without CORS, usage plan or validation:\ngot  %q\nwant %q", got, want)
	}
	wantInputs(t, s.find(typStage, "api"), check{"stageName", "v1"})
	wantInputs(t, s.find(typMethodSettings, "api"),
		check{"settings.throttlingRateLimit", 100},
		check{"settings.throttlingBurstLimit", 200},
		check{"settings.loggingLevel", "ERROR"},
	)
	wantInputs(t, s.find(typLogGroup, "api-access"), check{"retentionInDays", 30})
	wantInputs(t, s.find(typLogGroup, "api-execution"),
		check{"retentionInDays", 30},
		check{"name", "API-Gateway-Execution-Logs_" + s.output("restApiId") + "/v1"},
	)
	wantTriggerHashes(t, s.find(typDeployment, "api"))
}

// One usage plan per client: each plan has its own quota and throttle
// (the stage's where a limit is unset), its key, and the key in the plan;
// no key has a value kumo chose.
func TestApiUsagePlansPerClient(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		api, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			Routes:             []constructs.Route{{Method: "GET", Path: "/a", Function: fn, Authorizer: constructs.AuthorizerIAM, APIKeyRequired: true}},
			ThrottleRateLimit:  50,
			ThrottleBurstLimit: 70,
			UsagePlans: []constructs.UsagePlan{
				{Name: "acme", Keys: []string{"acme"}, QuotaPerDay: 1000, RateLimit: 5, BurstLimit: 10},
				{Name: "globex", Keys: []string{"globex"}},
			},
			DisableLogs: true,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"restApiId": api.RestApi.ID()}, nil
	})
	tests := []struct {
		client   string
		throttle map[string]any
		quota    any
	}{
		{"acme", map[string]any{"rateLimit": 5, "burstLimit": 10}, map[string]any{"limit": 1000, "period": "DAY"}},
		{"globex", map[string]any{"rateLimit": 50, "burstLimit": 70}, nil},
	}
	for _, tt := range tests {
		plan := s.find(typUsagePlan, "api-"+tt.client)
		wantInputs(t, plan,
			check{"apiStages", []any{map[string]any{"apiId": s.output("restApiId"), "stage": "v1"}}},
			check{"throttleSettings", tt.throttle},
			check{"quotaSettings", tt.quota},
		)
		key := s.find(typApiKey, "api-"+tt.client)
		wantInputs(t, key, check{"enabled", true}, check{"value", nil})
		upk := s.find(typUsagePlanKey, "api-"+tt.client)
		if !dependsOn(upk, key) || !dependsOn(upk, plan) {
			t.Errorf("usage plan key %s dependencies %q: want its API key and its own plan", tt.client, upk.Dependencies)
		}
	}
	wantInputs(t, s.find(typMethod, "api-GET-/a"), check{"apiKeyRequired", true})
}

// permissionFor returns the one Lambda permission scoped to sourceArn.
func permissionFor(s *stack, sourceArn string) synth.Resource {
	s.t.Helper()
	var found []synth.Resource
	for _, r := range s.ofType(typPermission) {
		if in(r, "sourceArn") == sourceArn {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		s.t.Fatalf("permissions with sourceArn %s: got %d; want 1\nregistered:\n%s", sourceArn, len(found), s.list())
	}
	return found[0]
}

// wantTriggerHashes checks the deployment's triggers are exactly the two
// SHA-256 hashes deploymentTriggers writes.
func wantTriggerHashes(t *testing.T, dep synth.Resource) {
	t.Helper()
	triggers, _ := in(dep, "triggers").(map[string]any)
	if len(triggers) != 2 {
		t.Errorf("triggers: got %v; want exactly api and references", triggers)
	}
	for _, k := range []string{"api", "references"} {
		if h, _ := triggers[k].(string); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) {
			t.Errorf("triggers.%s: got %#v; want a SHA-256", k, triggers[k])
		}
	}
}

func TestApiGatewayAccount(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		acct, err := constructs.NewApiGatewayAccount(ctx, "apigw", &constructs.ApiGatewayAccountArgs{})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"roleArn": acct.Role.Arn, "logRoleArn": acct.LogRole().RoleArn}, nil
	})
	comp := s.find("kumo:constructs:ApiGatewayAccount", "apigw")
	if got, want := s.childSet(comp.URN), []string{typApiGatewayAccount + " apigw", typRole + " apigw"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children:\ngot  %q\nwant %q", got, want)
	}
	role := s.find(typRole, "apigw")
	wantInputs(t, role, check{"managedPolicyArns", []string{apiGatewayPushToLogs}})
	trust := policyInput(t, role, "assumeRolePolicy")
	if len(trust.Statement) != 1 || !reflect.DeepEqual(trust.Statement[0].Principal, map[string]any{"Service": []any{apiGatewayServiceName}}) ||
		!reflect.DeepEqual(trust.Statement[0].Action, []string{"sts:AssumeRole"}) {
		t.Errorf("assume-role policy: got %+v; want sts:AssumeRole by API Gateway only", trust.Statement)
	}
	account := s.find(typApiGatewayAccount, "apigw")
	wantInputs(t, account, check{"cloudwatchRoleArn", s.output("roleArn")})
	if !dependsOn(account, role) {
		t.Errorf("account dependencies %q: want the role", account.Dependencies)
	}
	if got, want := s.output("logRoleArn"), s.output("roleArn"); got != want {
		t.Errorf("LogRole().RoleArn: got %q; want the role's ARN %q", got, want)
	}
}

func TestApiDisableLogs(t *testing.T) {
	p := newProject(t)
	var api *constructs.Api
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "health", p.fnArgs())
		if err != nil {
			return nil, err
		}
		api, err = constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			Routes:      []constructs.Route{{Method: "GET", Path: "/health", Function: fn, Public: true, PublicReason: "open on purpose for this test"}},
			DisableLogs: true,
		})
		return nil, err
	})
	if api.AccessLogs != nil || api.ExecutionLogs != nil {
		t.Errorf("AccessLogs %v, ExecutionLogs %v: want both nil with DisableLogs", api.AccessLogs, api.ExecutionLogs)
	}
	comp := s.find(typApiComponent, "api")
	for _, r := range s.children(comp.URN) {
		if r.Type == typLogGroup {
			t.Errorf("log group %s registered with DisableLogs; want none", r.Name)
		}
	}
	if s.has(typApiGatewayAccount, "api") || len(s.ofType(typApiGatewayAccount)) != 0 {
		t.Errorf("an account setting was registered with DisableLogs; want none")
	}
	wantInputs(t, s.find(typStage, "api"), check{"accessLogSettings", nil})
	wantInputs(t, s.find(typMethodSettings, "api"), check{"settings.loggingLevel", "OFF"})
}

// TestApiAccountLogRoleFromStack resolves the log role through a
// StackReference to another stack of the project, which synth synthesizes
// with the same program.
func TestApiAccountLogRoleFromStack(t *testing.T) {
	// program is the project's program: stack "shared" manages the account
	// setting (exporting the role unless noRole), every other stack
	// references it.
	program := func(p *project, noRole bool) func(ctx *pulumi.Context) (pulumi.Map, error) {
		return func(ctx *pulumi.Context) (pulumi.Map, error) {
			if ctx.Stack() == "shared" {
				outs := pulumi.Map{constructs.OutputRegion: pulumi.String(config.Get(ctx, "aws:region"))}
				if !noRole {
					acct, err := constructs.NewApiGatewayAccount(ctx, "apigw", &constructs.ApiGatewayAccountArgs{})
					if err != nil {
						return nil, err
					}
					outs[constructs.OutputAPIGatewayRoleArn] = acct.Role.Arn
				}
				return outs, nil
			}
			logRole, err := constructs.AccountLogRoleFromStack(ctx, "apigw", "shared", testRegion)
			if err != nil {
				return nil, err
			}
			fn, err := constructs.NewFunction(ctx, "health", p.fnArgs())
			if err != nil {
				return nil, err
			}
			_, err = constructs.NewApi(ctx, "api", &constructs.ApiArgs{
				Routes:         []constructs.Route{{Method: "GET", Path: "/health", Function: fn, Public: true, PublicReason: "open on purpose for this test"}},
				AccountLogRole: logRole,
			})
			return nil, err
		}
	}
	sharedStack := func(p *project, region string) {
		p.write("Pulumi.shared.yaml", "config:\n  aws:region: "+region+"\n")
	}

	t.Run("same region", func(t *testing.T) {
		p := newProject(t)
		sharedStack(p, testRegion)
		s := p.synth(program(p, false))
		stage := s.find(typStage, "api")
		var refs []string
		for _, d := range stage.Dependencies {
			if strings.Contains(d, "::pulumi:pulumi:StackReference::") {
				refs = append(refs, d)
			}
		}
		if len(refs) != 1 {
			t.Errorf("stage dependencies %q: want one StackReference to the stack that manages the log role", stage.Dependencies)
		}
		if len(s.ofType(typApiGatewayAccount)) != 0 {
			t.Errorf("the referencing stack registered an account setting; only the referenced stack may")
		}
		shared, err := synth.Run(context.Background(), synth.Request{Root: p.dir, Stack: "shared"},
			func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) { return program(p, false)(ctx) })
		if err != nil {
			t.Fatalf("synth shared: %v", err)
		}
		roleArn, _ := shared.Outputs[constructs.OutputAPIGatewayRoleArn].(string)
		if roleArn == "" {
			t.Fatalf("shared stack outputs %v: want %s", shared.Outputs, constructs.OutputAPIGatewayRoleArn)
		}
		wantInputs(t, s.find(typLogGroup, "api-execution"), check{"tags", map[string]any{"kumo:api-gateway-log-role": roleArn}})
		wantInputs(t, s.find(typMethodSettings, "api"), check{"settings.loggingLevel", "ERROR"})
	})

	for _, tc := range []struct {
		name    string
		setup   func(p *project)
		noRole  bool
		wantErr []string
	}{
		{"another region", func(p *project) { sharedStack(p, "us-east-1") }, false,
			[]string{"organization/kumo/shared", `manages API Gateway's log role in region "us-east-1"`, `"` + testRegion + `"`}},
		{"no role output", func(p *project) { sharedStack(p, testRegion) }, true,
			[]string{"organization/kumo/shared", "exports no apiGatewayCloudWatchRoleArn"}},
		{"missing stack", func(p *project) {}, false,
			[]string{"organization/kumo/shared"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			tc.setup(p)
			_, err := p.run(program(p, tc.noRole))
			if err == nil {
				t.Fatalf("synth: got no error; want one containing %q", tc.wantErr)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("synth error: got %q; want it to contain %q", err, want)
				}
			}
		})
	}
}

// TestApiRedeployTriggers checks the deployment is replaced (its triggers
// change) whenever anything the deployed API snapshot holds changes, and
// only then: function code reaches the API through a stable alias.
func TestApiRedeployTriggers(t *testing.T) {
	type env struct {
		a, b, auth    *constructs.Function
		users, others *constructs.UserPool
	}
	// triggers synthesizes the base API, changed by change, and returns the
	// deployment's triggers. code is the archive function a is built from.
	triggers := func(t *testing.T, code, codeSHA string, change func(e env, a *constructs.ApiArgs)) map[string]any {
		t.Helper()
		p := newProject(t)
		p.write("code2.zip", "another deployment package")
		s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			var e env
			var err error
			aArgs := p.fnArgs()
			aArgs.Code, aArgs.CodeSHA256 = pulumi.NewFileArchive(p.path(code)), codeSHA
			if e.a, err = constructs.NewFunction(ctx, "a", aArgs); err != nil {
				return nil, err
			}
			if e.b, err = constructs.NewFunction(ctx, "b", p.fnArgs()); err != nil {
				return nil, err
			}
			if e.auth, err = constructs.NewFunction(ctx, "auth", p.fnArgs()); err != nil {
				return nil, err
			}
			if e.users, err = constructs.NewUserPool(ctx, "users", nil); err != nil {
				return nil, err
			}
			if e.others, err = constructs.NewUserPool(ctx, "others", nil); err != nil {
				return nil, err
			}
			args := constructs.ApiArgs{
				Routes: []constructs.Route{
					{Method: "GET", Path: "/a", Function: e.a, Authorizer: "users"},
					{Method: "POST", Path: "/b", Function: e.a, Public: true, PublicReason: "open on purpose for this test", BodySchema: `{"type":"object"}`},
					{Method: "GET", Path: "/c", Function: e.a, Public: true, PublicReason: "open on purpose for this test", RequiredQuery: []string{"q"}},
					{Method: "GET", Path: "/t", Function: e.a, Authorizer: "token"},
				},
				Authorizers: map[string]constructs.Authorizer{
					"users": {Kind: constructs.AuthorizerCognito, UserPool: e.users},
					"token": {Kind: constructs.AuthorizerToken, Function: e.auth},
				},
				CORSOrigin:  pulumi.String("https://a.example.com"),
				DisableLogs: true,
			}
			if change != nil {
				change(e, &args)
			}
			_, err = constructs.NewApi(ctx, "api", &args)
			return nil, err
		})
		dep := s.find(typDeployment, "api")
		wantTriggerHashes(t, dep)
		got, _ := in(dep, "triggers").(map[string]any)
		return got
	}
	base := triggers(t, "code.zip", testCodeSHA, nil)

	t.Run("identical program", func(t *testing.T) {
		if got := triggers(t, "code.zip", testCodeSHA, nil); !reflect.DeepEqual(got, base) {
			t.Errorf("triggers: got %v; want %v (no change, no redeploy)", got, base)
		}
	})
	t.Run("function code change", func(t *testing.T) {
		if got := triggers(t, "code2.zip", "YW5vdGhlci1jb2RlLXNoYQ==", nil); !reflect.DeepEqual(got, base) {
			t.Errorf("triggers: got %v; want %v (routes invoke the alias, so new code needs no redeploy)", got, base)
		}
	})

	ttl := 60
	for _, tc := range []struct {
		name   string
		change func(e env, a *constructs.ApiArgs)
	}{
		{"route path", func(e env, a *constructs.ApiArgs) { a.Routes[0].Path = "/x" }},
		{"authorizer identity source", func(e env, a *constructs.ApiArgs) {
			au := a.Authorizers["token"]
			au.IdentitySource = "method.request.header.X-Token"
			a.Authorizers["token"] = au
		}},
		{"authorizer TTL", func(e env, a *constructs.ApiArgs) {
			au := a.Authorizers["token"]
			au.ResultTTLSeconds = &ttl
			a.Authorizers["token"] = au
		}},
		{"new authorizer", func(e env, a *constructs.ApiArgs) {
			a.Authorizers["tenant"] = constructs.Authorizer{Kind: constructs.AuthorizerRequest, Function: e.auth, IdentitySource: "method.request.header.X-Tenant"}
		}},
		{"body schema", func(e env, a *constructs.ApiArgs) { a.Routes[1].BodySchema = `{"type":"array"}` }},
		{"required query", func(e env, a *constructs.ApiArgs) { a.Routes[2].RequiredQuery = []string{"q", "r"} }},
		{"CORS origin", func(e env, a *constructs.ApiArgs) { a.CORSOrigin = pulumi.String("https://b.example.com") }},
		{"route function", func(e env, a *constructs.ApiArgs) { a.Routes[0].Function = e.b }},
		{"cognito user pool", func(e env, a *constructs.ApiArgs) {
			a.Authorizers["users"] = constructs.Authorizer{Kind: constructs.AuthorizerCognito, UserPool: e.others}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := triggers(t, "code.zip", testCodeSHA, tc.change); reflect.DeepEqual(got, base) {
				t.Errorf("triggers: got %v, unchanged; want new ones so the stage serves the change", got)
			}
		})
	}
}

// TestApiPermissionNames checks every Lambda permission's resource name is
// one the provider can autoname a StatementId from (AddPermission accepts
// [A-Za-z0-9_-]{1,100}; the provider appends "-" and 7 characters), and that
// routes whose paths differ only in characters a StatementId cannot hold get
// distinct names.
func TestApiPermissionNames(t *testing.T) {
	long := "/" + strings.Repeat("segment", 14) // past 92 characters as a resource name
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		auth, err := constructs.NewFunction(ctx, "auth", p.fnArgs())
		if err != nil {
			return nil, err
		}
		_, err = constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			Routes: []constructs.Route{
				{Method: "GET", Path: "/items/{id}", Function: fn, Public: true, PublicReason: "open on purpose for this test"},
				{Method: "GET", Path: "/items/id", Function: fn, Public: true, PublicReason: "open on purpose for this test"},
				{Method: "GET", Path: "/a.b", Function: fn, Public: true, PublicReason: "open on purpose for this test"},
				{Method: "GET", Path: "/a_b", Function: fn, Public: true, PublicReason: "open on purpose for this test"},
				{Method: "GET", Path: long, Function: fn, Public: true, PublicReason: "open on purpose for this test"},
				{Method: "GET", Path: "/secret", Function: fn, Authorizer: "my.auth"},
			},
			Authorizers: map[string]constructs.Authorizer{"my.auth": {Kind: constructs.AuthorizerToken, Function: auth}},
			DisableLogs: true,
		})
		return nil, err
	})
	if len("api-GET-"+long) <= 92 {
		t.Fatalf("long route name is %d characters; want more than 92", len("api-GET-"+long))
	}
	valid := regexp.MustCompile(`^[A-Za-z0-9_-]{1,92}$`)
	perms := s.ofType(typPermission)
	if len(perms) != 7 {
		t.Errorf("permissions: got %d; want 7 (six routes and the authorizer)\n%s", len(perms), s.list())
	}
	seen := map[string]bool{}
	for _, r := range perms {
		if !valid.MatchString(r.Name) {
			t.Errorf("permission name %q (%d characters): want it to match %s", r.Name, len(r.Name), valid)
		}
		if seen[r.Name] {
			t.Errorf("permission name %q used twice", r.Name)
		}
		seen[r.Name] = true
	}
	execArn := "arn:aws:execute-api:" + testRegion + ":" + testAccount + ":"
	for _, suffix := range []string{"/*/GET/items/*", "/*/GET/items/id", "/*/GET/a.b", "/*/GET/a_b", "/*/GET" + long} {
		found := 0
		for _, r := range perms {
			if arn, _ := in(r, "sourceArn").(string); strings.HasPrefix(arn, execArn) && strings.HasSuffix(arn, suffix) {
				found++
			}
		}
		if found != 1 {
			t.Errorf("permissions for %s: got %d; want 1", suffix, found)
		}
	}
	authz := 0
	for _, r := range perms {
		if arn, _ := in(r, "sourceArn").(string); strings.Contains(arn, "/authorizers/") {
			authz++
		}
	}
	if authz != 1 {
		t.Errorf("permissions for authorizer my.auth: got %d; want 1", authz)
	}
}

// TestApiCORSWithAnyMethod guards a fixed bug: for an ANY route the preflight
// answers Access-Control-Allow-Methods 'ANY,OPTIONS', and "ANY" is not an
// HTTP method, so browsers refuse cross-origin PUT, PATCH and DELETE.
func TestApiCORSWithAnyMethod(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		logRole, err := accountLogRole(ctx)
		if err != nil {
			return nil, err
		}
		_, err = constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			Routes:         []constructs.Route{{Method: "ANY", Path: "/files", Function: fn, Public: true, PublicReason: "open on purpose for this test"}},
			CORSOrigin:     pulumi.String(corsOrigin),
			AccountLogRole: logRole,
		})
		return nil, err
	})
	got, _ := in(s.find(typIntegrationResp, "api-OPTIONS-/files"), "responseParameters").(map[string]any)
	methods, _ := got["method.response.header.Access-Control-Allow-Methods"].(string)
	for _, m := range []string{"DELETE", "GET", "PATCH", "POST", "PUT"} {
		if !strings.Contains(methods, m) {
			t.Errorf("Access-Control-Allow-Methods %s: want it to list %s", methods, m)
		}
	}
	if strings.Contains(methods, "ANY") {
		t.Errorf("Access-Control-Allow-Methods %s: ANY is not an HTTP method", methods)
	}
}

func TestApiBadInputs(t *testing.T) {
	type env struct {
		fn, slow *constructs.Function
		pool     *constructs.UserPool
		logRole  *constructs.AccountLogRole
	}
	setup := func(ctx *pulumi.Context, p *project) (env, error) {
		var e env
		var err error
		if e.logRole, err = accountLogRole(ctx); err != nil {
			return e, err
		}
		if e.fn, err = constructs.NewFunction(ctx, "fn", p.fnArgs()); err != nil {
			return e, err
		}
		slow := p.fnArgs()
		slow.TimeoutSeconds = 60
		if e.slow, err = constructs.NewFunction(ctx, "slow", slow); err != nil {
			return e, err
		}
		e.pool, err = constructs.NewUserPool(ctx, "users", nil)
		return e, err
	}
	newApi := func(args func(e env) constructs.ApiArgs) func(*pulumi.Context, *project, env) error {
		return func(ctx *pulumi.Context, _ *project, e env) error {
			a := args(e)
			_, err := constructs.NewApi(ctx, "api", &a)
			return err
		}
	}
	const scope = `api "api"`
	ttl := 4000
	runBadInputs(t, setup, []badInput[env]{
		{
			name: "every route problem at once",
			build: newApi(func(e env) constructs.ApiArgs {
				return constructs.ApiArgs{
					AccountLogRole: e.logRole,
					Authorizers: map[string]constructs.Authorizer{
						"saml": {Kind: "saml", Function: e.fn},
						"cog":  {Kind: constructs.AuthorizerCognito},
					},
					Routes: []constructs.Route{
						{Method: "GET", Path: "items", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"},
						{Method: "GET", Path: "/items/", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"},
						{Method: "GET", Path: "/a b", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"},
						{Method: "GET", Path: "/{proxy+}/x", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"},
						{Method: "GET", Path: "/items", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"},
						{Method: "GET", Path: "/items", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"},
						{Method: "POST", Path: "/items", Function: e.fn},
						{Method: "PUT", Path: "/items", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", Authorizer: "iam"},
						{Method: "DELETE", Path: "/items", Function: e.fn, Authorizer: "ghost"},
						{Method: "PATCH", Path: "/items", Function: e.slow, Public: true, PublicReason: "open on purpose for this test"},
						{Method: "GET", Path: "/keys", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", APIKeyRequired: true},
						{Method: "POST", Path: "/orders", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", BodySchema: `{"type": "object"`},
						{Method: "FETCH", Path: "/orders", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"},
					},
				}
			}),
			scope: scope,
			problems: [][]string{
				{`Authorizers["cog"].UserPool`, "nil", "user pool"},
				{`Authorizers["saml"].Kind`, `"saml"`, `"cognito", "token" or "request"`, `"iam"`},
				{"Routes[0] (GET items).Path", `"items"`, "must start with '/'"},
				{"Routes[1] (GET /items/).Path", `"/items/"`, "must not end with '/'"},
				{"Routes[2] (GET /a b).Path", `"a b"`, "malformed segment"},
				{"Routes[3] (GET /{proxy+}/x).Path", "greedy {proxy+}", "last segment"},
				{"Routes[5] (GET /items)", "duplicate of Routes[4]"},
				{"Routes[6] (POST /items).Authorizer", "empty", `"iam"`, "Public"},
				{"Routes[7] (PUT /items)", "Public and Authorizer", `"iam"`},
				{"Routes[8] (DELETE /items).Authorizer", `"ghost"`, "not declared"},
				{"Routes[9] (PATCH /items).Function", "timeout 60 s", "29 s"},
				{"Routes[11] (POST /orders).BodySchema", "not valid JSON"},
				{"Routes[12] (FETCH /orders).Method", `"FETCH"`, "ANY, DELETE, GET, HEAD, PATCH, POST, PUT"},
				{"UsagePlan", "API keys", "no UsagePlan"},
			},
		},
		{
			name: "more route problems",
			build: newApi(func(e env) constructs.ApiArgs {
				return constructs.ApiArgs{
					AccountLogRole: e.logRole,
					Routes: []constructs.Route{
						{Method: "GET", Path: "/a/{id}/b/{id}", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"},
						{Method: "GET", Path: "/c", Authorizer: "iam", Scopes: []string{"read"}},
						{Method: "GET", Path: "/d", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", RequiredQuery: []string{"bad param"}},
					},
				}
			}),
			scope: scope,
			problems: [][]string{
				{"Routes[0]", "repeats parameter {id}"},
				{"Routes[1] (GET /c).Function", "nil"},
				{"Routes[1] (GET /c).Scopes", "without a cognito authorizer"},
				{"Routes[2] (GET /d).RequiredQuery", `"bad param"`},
			},
		},
		{
			name: "settings",
			build: newApi(func(e env) constructs.ApiArgs {
				return constructs.ApiArgs{
					AccountLogRole:     e.logRole,
					StageName:          "v-1",
					ThrottleRateLimit:  -1,
					ThrottleBurstLimit: -1,
					LogRetentionDays:   8,
					Authorizers: map[string]constructs.Authorizer{
						"both": {Kind: constructs.AuthorizerCognito, UserPool: e.pool, Function: e.fn},
						"iam":  {Kind: constructs.AuthorizerToken, Function: e.fn},
						"req":  {Kind: constructs.AuthorizerRequest, Function: e.fn, UserPool: e.pool},
						"tok":  {Kind: constructs.AuthorizerToken, ResultTTLSeconds: &ttl},
					},
					DefaultAuthorizer: "nobody",
					UsagePlan:         &constructs.UsagePlan{Keys: []string{"bad key"}, QuotaPerDay: -1},
				}
			}),
			scope: scope,
			problems: [][]string{
				{"StageName", `"v-1"`, "letters, digits or '_'"},
				{"ThrottleRateLimit", "-1", "positive"},
				{"ThrottleBurstLimit", "-1", "positive"},
				{"LogRetentionDays", "8", "1, 3, 5"},
				{`Authorizers["both"].Function`, "cognito"},
				{`Authorizers["iam"]`, `not "iam"`},
				{`Authorizers["req"].UserPool`, "request"},
				{`Authorizers["tok"].Function`, "nil", "token"},
				{`Authorizers["tok"].ResultTTLSeconds`, "4000", "0–3600"},
				{"DefaultAuthorizer", `"nobody"`, "both, iam, req, tok"},
				{"UsagePlan.Keys[0]", `"bad key"`},
				{"UsagePlan", "must not be negative"},
				{"Routes: empty"},
			},
		},
		{
			name: "no account log role",
			build: newApi(func(e env) constructs.ApiArgs {
				return constructs.ApiArgs{Routes: []constructs.Route{{Method: "GET", Path: "/a", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"}}}
			}),
			scope:    scope,
			problems: [][]string{{"AccountLogRole", "nil", "NewApiGatewayAccount", "AccountLogRoleFromStack", "DisableLogs"}},
		},
		{
			name: "account log role with logs disabled",
			build: newApi(func(e env) constructs.ApiArgs {
				return constructs.ApiArgs{
					Routes:         []constructs.Route{{Method: "GET", Path: "/a", Function: e.fn, Public: true, PublicReason: "open on purpose for this test"}},
					AccountLogRole: e.logRole,
					DisableLogs:    true,
				}
			}),
			scope:    scope,
			problems: [][]string{{"AccountLogRole", "DisableLogs"}},
		},
	})
}

// TestApiValidateSettings checks the exported settings check patterns use
// before they create functions: it reports settings and ignores routes.
func TestApiValidateSettings(t *testing.T) {
	err := constructs.ApiArgs{StageName: "bad-stage", DisableLogs: true}.ValidateSettings("api")
	checkValidationError(t, err, `api "api"`, [][]string{{"StageName", `"bad-stage"`}})
	err = constructs.ApiArgs{}.ValidateSettings("api")
	checkValidationError(t, err, `api "api"`, [][]string{{"AccountLogRole", "nil"}})
	if err := (constructs.ApiArgs{DisableLogs: true}).ValidateSettings("api"); err != nil {
		t.Errorf("ValidateSettings of defaults: got %v; want nil (routes are not checked)", err)
	}
}

// TestApiRejectsClashingNames documents two validation gaps: duplicate
// usage plan keys register two resources with one name (the engine fails
// with a duplicate URN part-way through), and model names derived from
// different paths can collide (API Gateway rejects the second model).
func TestApiRejectsClashingNames(t *testing.T) {
	type env struct{ fn *constructs.Function }
	setup := func(ctx *pulumi.Context, p *project) (env, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		return env{fn}, err
	}
	runBadInputs(t, setup, []badInput[env]{
		{
			name: "duplicate usage plan keys",
			build: func(ctx *pulumi.Context, _ *project, e env) error {
				_, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
					Routes:      []constructs.Route{{Method: "GET", Path: "/a", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", APIKeyRequired: true}},
					UsagePlan:   &constructs.UsagePlan{Keys: []string{"partner", "partner"}},
					DisableLogs: true,
				})
				return err
			},
			scope:    `api "api"`,
			problems: [][]string{{"UsagePlan.Keys[1]", `"partner"`}},
		},
		{
			name: "per-client usage plans",
			build: func(ctx *pulumi.Context, _ *project, e env) error {
				_, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
					Routes:    []constructs.Route{{Method: "GET", Path: "/a", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", APIKeyRequired: true}},
					UsagePlan: &constructs.UsagePlan{Keys: []string{"acme"}},
					UsagePlans: []constructs.UsagePlan{
						{Name: "acme", Keys: []string{"acme"}},
						{Name: "acme", Keys: []string{"b"}},
						{Name: "", Keys: []string{"c"}, RateLimit: -1},
					},
					DisableLogs: true,
				})
				return err
			},
			scope: `api "api"`,
			problems: [][]string{
				{"UsagePlans[0].Keys[0]", `"acme"`, "duplicate"},
				{"UsagePlans[1].Name", `"acme"`, "duplicate"},
				{"UsagePlans[2].Name", `""`},
				{"UsagePlans[2]", "must not be negative"},
			},
		},
		{
			name: "COG4 reasons only where Cognito is not used",
			build: func(ctx *pulumi.Context, _ *project, e env) error {
				_, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
					Routes: []constructs.Route{
						{Method: "GET", Path: "/a", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", NotCognitoReason: "callers sign with IAM roles"},
						{Method: "GET", Path: "/b", Function: e.fn, Authorizer: constructs.AuthorizerIAM, NotCognitoReason: "iam"},
						{Method: "GET", Path: "/c", Function: e.fn, Authorizer: constructs.AuthorizerIAM, NotCognitoReason: "callers are services signing with IAM roles"},
					},
					DisableLogs: true,
				})
				return err
			},
			scope: `api "api"`,
			problems: [][]string{
				{"Routes[0] (GET /a).NotCognitoReason", "public"},
				{"Routes[1] (GET /b).NotCognitoReason", `"iam"`, "at least"},
			},
		},
		{
			name: "keys required, plans without keys",
			build: func(ctx *pulumi.Context, _ *project, e env) error {
				_, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
					Routes:      []constructs.Route{{Method: "GET", Path: "/a", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", APIKeyRequired: true}},
					UsagePlans:  []constructs.UsagePlan{{Name: "empty"}},
					DisableLogs: true,
				})
				return err
			},
			scope:    `api "api"`,
			problems: [][]string{{"UsagePlan", "routes require API keys", "UsagePlans"}},
		},
		{
			name: "colliding body models",
			build: func(ctx *pulumi.Context, _ *project, e env) error {
				_, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{DisableLogs: true, Routes: []constructs.Route{
					{Method: "POST", Path: "/items/{id}", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", BodySchema: `{}`},
					{Method: "POST", Path: "/items/id", Function: e.fn, Public: true, PublicReason: "open on purpose for this test", BodySchema: `{}`},
				}})
				return err
			},
			scope:    `api "api"`,
			problems: [][]string{{"Routes[1]", "PostItemsIdBody"}},
		},
	})
}

// hasHeaders reports whether the quoted, comma-separated header list of a
// mapping expression ('A,B') names each of want, as a whole name.
func hasHeaders(list string, want ...string) bool {
	names := strings.Split(strings.Trim(list, "'"), ",")
	for _, w := range want {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(strings.TrimSpace(n), w) }) {
			return false
		}
	}
	return true
}
