package constructs_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
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

// fullApi registers an API exercising every route and authorizer kind, CORS
// and a usage plan, and exports the values the tests compare against.
func fullApi(p *project) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
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
				{Method: "GET", Path: "/health", Function: items, Public: true},
				{Method: "ANY", Path: "/files/{proxy+}", Function: items, Public: true, RequiredQuery: []string{"v"}},
				{Method: "GET", Path: "/", Function: items, Public: true},
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
			typLogGroup: 1, typDeployment: 1, typStage: 1, typMethodSettings: 1,
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

				wantInputs(t, s.find(typPermission, name),
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
				"metricsEnabled": true, "loggingLevel": "OFF", "dataTraceEnabled": false,
				"throttlingRateLimit": 50, "throttlingBurstLimit": 100,
			}},
		)
		if got, want := s.output("url"), "https://"+restApiID+".execute-api."+testRegion+".amazonaws.com/prod"; got != want {
			t.Errorf("URL: got %q; want %q", got, want)
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
		wantInputs(t, dep, check{"restApi", restApiID}, check{"triggers.corsOrigin", corsOrigin})
		if h, _ := in(dep, "triggers.routes").(string); !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(h) {
			t.Errorf("triggers.routes: got %q; want a SHA-256 of the routes", h)
		}
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
			if h, _ := params["method.response.header.Access-Control-Allow-Headers"].(string); !strings.Contains(h, "Authorization") || !strings.Contains(h, "X-Api-Key") {
				t.Errorf("%s Allow-Headers %q: want Authorization and X-Api-Key", name, h)
			}
		}
		for _, rt := range []string{"DEFAULT_4XX", "DEFAULT_5XX"} {
			r := s.find(typGatewayResponse, "api-"+rt)
			wantInputs(t, r, check{"responseType", rt}, check{"restApiId", restApiID})
			params, _ := in(r, "responseParameters").(map[string]any)
			if got := params["gatewayresponse.header.Access-Control-Allow-Origin"]; got != "'"+corsOrigin+"'" {
				t.Errorf("%s Allow-Origin: got %#v; want %q", rt, got, "'"+corsOrigin+"'")
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
		fn, err := constructs.NewFunction(ctx, "health", p.fnArgs())
		if err != nil {
			return nil, err
		}
		api, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			Routes: []constructs.Route{{Method: "GET", Path: "/health", Function: fn, Public: true}},
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"restApiId": api.RestApi.ID()}, nil
	})
	comp := s.find(typApiComponent, "api")
	want := sorted([]string{
		typRestApi + " api", typApiResource + " api/health",
		typMethod + " api-GET-/health", typIntegration + " api-GET-/health", typPermission + " api-GET-/health",
		typLogGroup + " api-access", typDeployment + " api", typStage + " api", typMethodSettings + " api",
	})
	if got := s.childSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children without CORS, usage plan or validation:\ngot  %q\nwant %q", got, want)
	}
	wantInputs(t, s.find(typStage, "api"), check{"stageName", "v1"})
	wantInputs(t, s.find(typMethodSettings, "api"),
		check{"settings.throttlingRateLimit", 100},
		check{"settings.throttlingBurstLimit", 200},
	)
	wantInputs(t, s.find(typLogGroup, "api-access"), check{"retentionInDays", 30})
	wantInputs(t, s.find(typDeployment, "api"), check{"triggers.corsOrigin", nil})
}

func TestApiManageAccountLogRole(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "health", p.fnArgs())
		if err != nil {
			return nil, err
		}
		api, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			Routes:               []constructs.Route{{Method: "GET", Path: "/health", Function: fn, Public: true}},
			ManageAccountLogRole: true,
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"restApiId": api.RestApi.ID()}, nil
	})
	role := s.find(typRole, "api-cloudwatch")
	wantInputs(t, role, check{"managedPolicyArns", []string{apiGatewayPushToLogs}})
	trust := policyInput(t, role, "assumeRolePolicy")
	if len(trust.Statement) != 1 || !reflect.DeepEqual(trust.Statement[0].Principal, map[string]any{"Service": []any{apiGatewayServiceName}}) {
		t.Errorf("assume-role policy: got %+v; want API Gateway only", trust.Statement)
	}
	account := s.find(typApiGatewayAccount, "api")
	if !dependsOn(account, role) {
		t.Errorf("account dependencies %q: want the role", account.Dependencies)
	}
	if !dependsOn(s.find(typStage, "api"), account) {
		t.Errorf("stage does not wait for the account's CloudWatch role; access logging would fail")
	}
	wantInputs(t, s.find(typMethodSettings, "api"), check{"settings.loggingLevel", "ERROR"})
}

// TestApiRedeploysWhenRoutesChange checks the deployment trigger follows
// the route table, and only it.
func TestApiRedeploysWhenRoutesChange(t *testing.T) {
	trigger := func(routes func(fn *constructs.Function) []constructs.Route) string {
		p := newProject(t)
		s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
			if err != nil {
				return nil, err
			}
			_, err = constructs.NewApi(ctx, "api", &constructs.ApiArgs{Routes: routes(fn)})
			return nil, err
		})
		h, _ := in(s.find(typDeployment, "api"), "triggers.routes").(string)
		return h
	}
	base := trigger(func(fn *constructs.Function) []constructs.Route {
		return []constructs.Route{{Method: "GET", Path: "/a", Function: fn, Public: true}}
	})
	same := trigger(func(fn *constructs.Function) []constructs.Route {
		return []constructs.Route{{Method: "GET", Path: "/a", Function: fn, Public: true}}
	})
	if base != same {
		t.Errorf("same routes: trigger %q then %q; want equal", base, same)
	}
	for name, routes := range map[string]func(fn *constructs.Function) []constructs.Route{
		"path": func(fn *constructs.Function) []constructs.Route {
			return []constructs.Route{{Method: "GET", Path: "/b", Function: fn, Public: true}}
		},
		"method": func(fn *constructs.Function) []constructs.Route {
			return []constructs.Route{{Method: "POST", Path: "/a", Function: fn, Public: true}}
		},
		"authorization": func(fn *constructs.Function) []constructs.Route {
			return []constructs.Route{{Method: "GET", Path: "/a", Function: fn, Authorizer: constructs.AuthorizerIAM}}
		},
		"schema": func(fn *constructs.Function) []constructs.Route {
			return []constructs.Route{{Method: "GET", Path: "/a", Function: fn, Public: true, BodySchema: `{}`}}
		},
	} {
		if got := trigger(routes); got == base {
			t.Errorf("changed %s: trigger unchanged %q; want a new deployment", name, got)
		}
	}
}

// TestApiRedeploysWhenRouteFunctionChanges guards a fixed bug: the deployment
// trigger hashes method, path and auth but not the function a route
// invokes, so pointing a route at another function updates the integration
// in place and the stage keeps serving the old deployment's integration.
func TestApiRedeploysWhenRouteFunctionChanges(t *testing.T) {
	trigger := func(target string) string {
		p := newProject(t)
		s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			fns := map[string]*constructs.Function{}
			for _, n := range []string{"a", "b"} {
				fn, err := constructs.NewFunction(ctx, n, p.fnArgs())
				if err != nil {
					return nil, err
				}
				fns[n] = fn
			}
			_, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{
				Routes: []constructs.Route{{Method: "GET", Path: "/x", Function: fns[target], Public: true}},
			})
			return nil, err
		})
		triggers, err := json.Marshal(in(s.find(typDeployment, "api"), "triggers"))
		if err != nil {
			t.Fatal(err)
		}
		return string(triggers)
	}
	if a, b := trigger("a"), trigger("b"); a == b {
		t.Errorf("route moved from function a to b: deployment triggers unchanged (%s); want a redeploy", a)
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
		_, err = constructs.NewApi(ctx, "api", &constructs.ApiArgs{
			Routes:     []constructs.Route{{Method: "ANY", Path: "/files", Function: fn, Public: true}},
			CORSOrigin: pulumi.String(corsOrigin),
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
	}
	setup := func(ctx *pulumi.Context, p *project) (env, error) {
		var e env
		var err error
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
					Authorizers: map[string]constructs.Authorizer{
						"saml": {Kind: "saml", Function: e.fn},
						"cog":  {Kind: constructs.AuthorizerCognito},
					},
					Routes: []constructs.Route{
						{Method: "GET", Path: "items", Function: e.fn, Public: true},
						{Method: "GET", Path: "/items/", Function: e.fn, Public: true},
						{Method: "GET", Path: "/a b", Function: e.fn, Public: true},
						{Method: "GET", Path: "/{proxy+}/x", Function: e.fn, Public: true},
						{Method: "GET", Path: "/items", Function: e.fn, Public: true},
						{Method: "GET", Path: "/items", Function: e.fn, Public: true},
						{Method: "POST", Path: "/items", Function: e.fn},
						{Method: "PUT", Path: "/items", Function: e.fn, Public: true, Authorizer: "iam"},
						{Method: "DELETE", Path: "/items", Function: e.fn, Authorizer: "ghost"},
						{Method: "PATCH", Path: "/items", Function: e.slow, Public: true},
						{Method: "GET", Path: "/keys", Function: e.fn, Public: true, APIKeyRequired: true},
						{Method: "POST", Path: "/orders", Function: e.fn, Public: true, BodySchema: `{"type": "object"`},
						{Method: "FETCH", Path: "/orders", Function: e.fn, Public: true},
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
					Routes: []constructs.Route{
						{Method: "GET", Path: "/a/{id}/b/{id}", Function: e.fn, Public: true},
						{Method: "GET", Path: "/c", Authorizer: "iam", Scopes: []string{"read"}},
						{Method: "GET", Path: "/d", Function: e.fn, Public: true, RequiredQuery: []string{"bad param"}},
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
	})
}

// TestApiValidateSettings checks the exported settings check patterns use
// before they create functions: it reports settings and ignores routes.
func TestApiValidateSettings(t *testing.T) {
	err := constructs.ApiArgs{StageName: "bad-stage"}.ValidateSettings("api")
	checkValidationError(t, err, `api "api"`, [][]string{{"StageName", `"bad-stage"`}})
	if err := (constructs.ApiArgs{}).ValidateSettings("api"); err != nil {
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
					Routes:    []constructs.Route{{Method: "GET", Path: "/a", Function: e.fn, Public: true, APIKeyRequired: true}},
					UsagePlan: &constructs.UsagePlan{Keys: []string{"partner", "partner"}},
				})
				return err
			},
			scope:    `api "api"`,
			problems: [][]string{{"UsagePlan.Keys[1]", `"partner"`}},
		},
		{
			name: "colliding body models",
			build: func(ctx *pulumi.Context, _ *project, e env) error {
				_, err := constructs.NewApi(ctx, "api", &constructs.ApiArgs{Routes: []constructs.Route{
					{Method: "POST", Path: "/items/{id}", Function: e.fn, Public: true, BodySchema: `{}`},
					{Method: "POST", Path: "/items/id", Function: e.fn, Public: true, BodySchema: `{}`},
				}})
				return err
			},
			scope:    `api "api"`,
			problems: [][]string{{"Routes[1]", "PostItemsIdBody"}},
		},
	})
}
