package webapp_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/webapp"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

const (
	authorizerType = "aws:apigateway/authorizer:Authorizer"
	apiKeyType     = "aws:apigateway/apiKey:ApiKey"
	usagePlanType  = "aws:apigateway/usagePlan:UsagePlan"
	planKeyType    = "aws:apigateway/usagePlanKey:UsagePlanKey"

	metricAlarmType  = "aws:cloudwatch/metricAlarm:MetricAlarm"
	metricFilterType = "aws:cloudwatch/logMetricFilter:LogMetricFilter"
)

var itemRoutes = []string{"GET-/items", "POST-/items", "GET-/items/{id}", "PUT-/items/{id}", "DELETE-/items/{id}"}

var oidc = &webapp.TokenAuth{Issuer: "https://idp.example.com/", Audience: "api://items", JWKSURL: "https://idp.example.com/jwks.json",
	RequiredScopes: []string{"items:read", "items:write"}, AdminScope: "items:admin"}

// For each itemsAuthorizer: the items methods' authorization and
// authorizer, the authorizer (type, TTL, identity source, the function it
// invokes and that function's environment), and what the items function
// is told about its callers. Health stays public in every mode.
func TestWebAppItemsAuthorizers(t *testing.T) {
	tests := []struct {
		name          string
		args          webapp.Args
		authorization string
		authorizer    string // child name of the authorizer, "" for none
		authType      string
		identity      string
		itemsEnv      assertions.M
	}{
		{name: "cognito (default)", args: webapp.Args{}, authorization: "COGNITO_USER_POOLS", authorizer: "web-api-users", authType: "COGNITO_USER_POOLS",
			identity: constructs.DefaultAuthorizerIdentity, itemsEnv: assertions.M{"AUTH_MODE": assertions.Absent(), "ADMIN_SCOPE": assertions.Absent()}},
		{name: "token", args: webapp.Args{ItemsAuthorizer: items.AuthToken, Token: oidc}, authorization: "CUSTOM", authorizer: "web-api-token", authType: "TOKEN",
			identity: constructs.DefaultAuthorizerIdentity, itemsEnv: assertions.M{"AUTH_MODE": "token", "ADMIN_SCOPE": "items:admin"}},
		{name: "request", args: webapp.Args{ItemsAuthorizer: items.AuthRequest, Token: oidc,
			RequestIdentitySources: []string{"method.request.header.Authorization", "stageVariables.authScheme"}},
			authorization: "CUSTOM", authorizer: "web-api-request", authType: "REQUEST",
			identity: "method.request.header.Authorization,stageVariables.authScheme", itemsEnv: assertions.M{"AUTH_MODE": "request", "ADMIN_SCOPE": "items:admin"}},
		{name: "iam", args: webapp.Args{ItemsAuthorizer: items.AuthIAM}, authorization: "AWS_IAM",
			itemsEnv: assertions.M{"AUTH_MODE": "iam", "ADMIN_SCOPE": assertions.Absent()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := assertions.Synth(t, program(tt.args), dev)
			tpl.Resource(method, "web-api-GET-/health").HasProperties(assertions.M{"authorization": "NONE"})
			// A key snapshot and its refresh schedule come with a Lambda
			// authorizer, in one region too (an issuer's outage at a cold
			// start); a stack without one is unchanged.
			lambdaAuth := tt.authType == "TOKEN" || tt.authType == "REQUEST"
			snapshots := map[bool]int{true: 1}[lambdaAuth]
			tpl.ResourceCountIs(ssmParameter, snapshots)
			tpl.ResourceCountIs(eventRule, snapshots)
			for _, p := range tpl.FindResources(rolePolicy, assertions.M{}) {
				if strings.Contains(fmt.Sprint(p.Inputs["policy"]), "ssm:") && !lambdaAuth {
					t.Errorf("%s: got %s with ssm actions; want none without a Lambda authorizer", tt.name, p)
				}
			}
			tpl.Resource(function, "web-items").HasProperties(assertions.M{"environment": assertions.M{"variables": tt.itemsEnv}})
			// The user pool stays for the site's sign-in in every mode.
			tpl.ResourceCountIs("aws:cognito/userPool:UserPool", 1)
			if tt.authorizer == "" {
				tpl.ResourceCountIs(authorizerType, 0)
				for _, r := range itemRoutes {
					tpl.Resource(method, "web-api-"+r).HasProperties(assertions.M{"authorization": tt.authorization, "authorizerId": assertions.Absent()})
				}
				if _, ok := tpl.Lookup(function, "web-authorizer"); ok {
					t.Errorf("got an authorizer function with %s; want none", tt.name)
				}
				return
			}
			tpl.ResourceCountIs(authorizerType, 1) // no Cognito authorizer beside a Lambda one
			au := tpl.Resource(authorizerType, tt.authorizer)
			au.HasProperties(assertions.M{"type": tt.authType, "identitySource": tt.identity})
			for _, r := range itemRoutes {
				tpl.Resource(method, "web-api-"+r).HasProperties(assertions.M{"authorization": tt.authorization, "authorizerId": au.ID})
			}
			if tt.authType == "COGNITO_USER_POOLS" {
				if _, ok := tpl.Lookup(function, "web-authorizer"); ok {
					t.Errorf("got an authorizer function with cognito; want none")
				}
				return
			}
			// It outlasts a cold fetch of the issuer's keys (about 13.2 s)
			// and a read and write of the key snapshot (2 s each).
			tpl.Resource(function, "web-authorizer").HasProperties(assertions.M{"timeout": 20})
			alias := tpl.Resource(alias, "web-authorizer")
			au.HasProperties(assertions.M{"authorizerResultTtlInSeconds": 0, "authorizerUri": alias.Attr("invokeArn")})
			tpl.Resource(function, "web-authorizer").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.Exact(assertions.M{
				"ISSUER": oidc.Issuer, "AUDIENCE": oidc.Audience, "JWKS_URL": oidc.JWKSURL, "REQUIRED_SCOPES": "items:read items:write",
				"KEYS_SNAPSHOT_PARAMETER": "/kumo/kumo/dev/web/authorizer-keys",
			})}})
			tpl.Resource(ssmParameter, "web-authorizer-keys").HasProperties(assertions.M{"name": "/kumo/kumo/dev/web/authorizer-keys"})
			// Its own role and log group, and API Gateway may invoke its
			// alias only as this API's authorizer.
			tpl.Resource("aws:iam/role:Role", "web-authorizer")
			tpl.Resource(logGroup, "web-authorizer")
			tpl.HasResourceProperties(permission, assertions.M{"function": alias.Attr("functionName"), "qualifier": "live",
				"sourceArn": assertions.StringLike(`/authorizers/` + au.ID + `$`)})
		})
	}
}

// A request authorizer reads the token from the first header or query
// string among its identity sources: the function is told which; stage
// variables only gate the call.
func TestWebAppRequestTokenSource(t *testing.T) {
	for _, tt := range []struct {
		sources []string
		want    any
	}{
		{[]string{"method.request.querystring.access_token", "stageVariables.scheme"}, "querystring:access_token"},
		{[]string{"stageVariables.scheme", "method.request.header.X-Id-Token"}, "header:X-Id-Token"},
		{[]string{"method.request.header.Authorization", "method.request.querystring.access_token"}, assertions.Absent()},
	} {
		tpl := assertions.Synth(t, program(webapp.Args{ItemsAuthorizer: items.AuthRequest, Token: oidc, RequestIdentitySources: tt.sources}), dev)
		tpl.Resource(function, "web-authorizer").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"TOKEN_SOURCE": tt.want}}})
		tpl.Resource(authorizerType, "web-api-request").HasProperties(assertions.M{"identitySource": strings.Join(tt.sources, ",")})
	}
}

// With releases, the authorizer is rolled out like the other functions:
// a CodeDeploy deployment group with the stack's preference or its own.
func TestWebAppAuthorizerIsReleased(t *testing.T) {
	tpl := assertions.Synth(t, func(ctx *pulumi.Context) error {
		rel, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
		if err != nil {
			return err
		}
		return program(webapp.Args{ItemsAuthorizer: items.AuthToken, Token: oidc, Releases: rel,
			DeploymentPreferences: map[string]constructs.DeploymentPreference{"authorizer": "AllAtOnce"}})(ctx)
	}, dev)
	tpl.Resource("aws:codedeploy/deploymentGroup:DeploymentGroup", "web-authorizer").HasProperties(assertions.M{
		"deploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce"})
	tpl.Resource("aws:codedeploy/deploymentGroup:DeploymentGroup", "web-items").HasProperties(assertions.M{
		"deploymentConfigName": assertions.Not("CodeDeployDefault.LambdaAllAtOnce")})
}

// A token or request authorizer refuses a token by returning an error, which
// Lambda counts in Errors: its release is gated by an alarm on its logged
// failures instead, while the items function, whose errors are failures,
// keeps its errors alarm.
func TestWebAppAuthorizerReleaseIgnoresRefusals(t *testing.T) {
	const group = "aws:codedeploy/deploymentGroup:DeploymentGroup"
	for _, mode := range []items.AuthMode{items.AuthToken, items.AuthRequest} {
		t.Run(string(mode), func(t *testing.T) {
			tpl := assertions.Synth(t, func(ctx *pulumi.Context) error {
				rel, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
				if err != nil {
					return err
				}
				return program(webapp.Args{ItemsAuthorizer: mode, Token: oidc, Releases: rel})(ctx)
			}, dev)
			tpl.Resource(group, "web-authorizer").HasProperties(assertions.M{"alarmConfiguration": assertions.M{
				"alarms": assertions.Exact([]any{"kumo-dev-web-authorizer-failures", "kumo-dev-web-authorizer-throttles"})}})
			tpl.Resource(group, "web-items").HasProperties(assertions.M{"alarmConfiguration": assertions.M{
				"alarms": assertions.Exact([]any{"kumo-dev-web-items-errors", "kumo-dev-web-items-throttles"})}})
			if _, ok := tpl.Lookup(metricAlarmType, "web-authorizer-errors"); ok {
				t.Error("got an errors alarm on the authorizer; every refused token would fire it")
			}
			logs := tpl.Resource(logGroup, "web-authorizer")
			filter := tpl.Resource(metricFilterType, "web-authorizer-failures")
			filter.HasProperties(assertions.M{"logGroupName": logs.Attr("name"), "pattern": constructs.DefaultFailurePattern,
				"metricTransformation": assertions.M{"name": "web-authorizer-failures", "namespace": "kumo/kumo/dev", "value": "1", "defaultValue": "0"}})
			tpl.Resource(metricAlarmType, "web-authorizer-failures").HasProperties(assertions.M{
				"namespace": "kumo/kumo/dev", "metricName": "web-authorizer-failures", "statistic": "Sum", "threshold": 0,
				"alarmDescription": assertions.StringLike(`returning Unauthorized`)})
			tpl.ResourceCountIs(metricFilterType, 1)
		})
	}
}

// The smoke test builds its request for the items routes' authorizer: it
// gets the items function's AUTH_MODE (none for cognito, the default).
func TestWebAppSmokeTestFollowsTheAuthMode(t *testing.T) {
	for _, tt := range []struct {
		mode items.AuthMode
		env  any
	}{
		{"", assertions.Absent()},
		{items.AuthToken, assertions.Exact(assertions.M{"variables": assertions.M{"AUTH_MODE": "token"}})},
		{items.AuthRequest, assertions.Exact(assertions.M{"variables": assertions.M{"AUTH_MODE": "request"}})},
		{items.AuthIAM, assertions.Exact(assertions.M{"variables": assertions.M{"AUTH_MODE": "iam"}})},
	} {
		t.Run(string(orCognito(tt.mode)), func(t *testing.T) {
			var token *webapp.TokenAuth
			if tt.mode == items.AuthToken || tt.mode == items.AuthRequest {
				token = oidc
			}
			tpl := assertions.Synth(t, func(ctx *pulumi.Context) error {
				rel, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
				if err != nil {
					return err
				}
				return program(webapp.Args{ItemsAuthorizer: tt.mode, Token: token, Releases: rel, SmokeTest: true})(ctx)
			}, dev)
			tpl.Resource(function, "web-smoketest").HasProperties(assertions.M{"environment": tt.env})
			var itemsMode any = assertions.Absent()
			if tt.mode != "" {
				itemsMode = string(tt.mode)
			}
			tpl.Resource(function, "web-items").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"AUTH_MODE": itemsMode}}})
		})
	}
}

func orCognito(m items.AuthMode) items.AuthMode {
	if m == "" {
		return items.AuthCognito
	}
	return m
}

// One key and one plan per client, the key in its own plan, API keys
// required on the items routes (not on health), and no key value set or
// shown anywhere: outputs carry key IDs only.
func TestWebAppAPIClients(t *testing.T) {
	args := webapp.Args{APIClients: []webapp.APIClient{{Name: "acme", QuotaPerDay: 5000, RateLimit: 2.5, BurstLimit: 5}, {Name: "globex"}}}
	tpl := assertions.Synth(t, program(args), dev)
	tpl.ResourceCountIs(apiKeyType, 2)
	tpl.ResourceCountIs(usagePlanType, 2)
	tpl.ResourceCountIs(planKeyType, 2)
	plans := []struct {
		client   string
		throttle assertions.M
		quota    any
	}{
		{"acme", assertions.M{"rateLimit": 2.5, "burstLimit": 5}, assertions.M{"limit": 5000, "period": "DAY"}},
		{"globex", assertions.M{"rateLimit": constructs.DefaultThrottleRateLimit, "burstLimit": constructs.DefaultThrottleBurstLimit}, assertions.Absent()},
	}
	for _, p := range plans {
		plan := tpl.Resource(usagePlanType, "web-api-"+p.client)
		plan.HasProperties(assertions.M{"throttleSettings": p.throttle, "quotaSettings": p.quota,
			"apiStages": []any{assertions.M{"apiId": tpl.Resource("aws:apigateway/restApi:RestApi", "web-api").ID, "stage": "v1"}}})
		key := tpl.Resource(apiKeyType, "web-api-"+p.client)
		key.HasProperties(assertions.M{"value": assertions.Absent(), "enabled": true})
		tpl.Resource(planKeyType, "web-api-"+p.client).HasProperties(assertions.M{"keyId": key.ID, "usagePlanId": plan.ID, "keyType": "API_KEY"})
	}
	for _, r := range itemRoutes {
		tpl.Resource(method, "web-api-"+r).HasProperties(assertions.M{"apiKeyRequired": true})
	}
	tpl.Resource(method, "web-api-GET-/health").HasProperties(assertions.M{"apiKeyRequired": false})
	// The mocks make up a value for each key, as API Gateway would, and
	// mark it secret as the provider does: it shows only masked.
	for _, k := range tpl.FindResources(apiKeyType, assertions.M{}) {
		if v := fmt.Sprint(k.Attr("value").Value()); v != "[secret]" {
			t.Errorf("API key %s's value: got %q in the synth output; want it masked as [secret]", k.Name, v)
		}
	}
}

// Without clients nothing requires an API key, and no key exists.
func TestWebAppWithoutClientsNeedsNoKeys(t *testing.T) {
	tpl := assertions.Synth(t, program(webapp.Args{}), dev)
	tpl.ResourceCountIs(apiKeyType, 0)
	tpl.ResourceCountIs(usagePlanType, 0)
	tpl.AllResourcesProperties(method, assertions.M{"apiKeyRequired": assertions.Not(true)})
}

// The pattern's config: every bad key is named with its value and what is
// allowed, all at once; and a good section becomes the args above.
func TestWebAppAuthConfig(t *testing.T) {
	env := patterns.Env{Root: root, Region: "eu-west-1", AccountLogRole: &constructs.AccountLogRole{}}
	cfg := func(edit func(*webapp.Config)) *webapp.Config {
		c := webapp.DefaultConfig()
		edit(&c)
		return &c
	}
	tests := []struct {
		name string
		cfg  *webapp.Config
		want []string // one problem each, in order
	}{
		{"defaults", cfg(func(*webapp.Config) {}), nil},
		{"token, complete", cfg(func(c *webapp.Config) {
			c.ItemsAuthorizer, c.TokenIssuer, c.TokenAudience, c.TokenScopes, c.TokenAdminScope = "token", "https://idp.example.com/", "api", []string{"items:read"}, "items:admin"
			c.APIClients = []string{"acme=quotaPerDay:1000,rate:5,burst:10", "globex", "initech=rate:0.5"}
			c.Overrides = []string{"authorizer=AllAtOnce"}
		}), nil},
		{"request with stage variables", cfg(func(c *webapp.Config) {
			c.ItemsAuthorizer, c.TokenIssuer, c.TokenAudience = "request", "https://idp.example.com/", "api"
			c.RequestSources = []string{"method.request.header.Authorization", "stageVariables.scheme", "context.identity.sourceIp", "method.request.querystring.tenant"}
		}), nil},
		{"unknown authorizer", cfg(func(c *webapp.Config) { c.ItemsAuthorizer = "oauth" }),
			[]string{`kumo:webapp.itemsAuthorizer: "oauth" is not an authorizer; use cognito, token, request or iam`}},
		{"token without issuer or audience", cfg(func(c *webapp.Config) { c.ItemsAuthorizer = "token" }),
			[]string{"kumo:webapp.tokenIssuer: not set, but kumo:webapp.itemsAuthorizer is token", "kumo:webapp.tokenAudience: not set, but kumo:webapp.itemsAuthorizer is token"}},
		{"bad token settings", cfg(func(c *webapp.Config) {
			c.ItemsAuthorizer, c.TokenIssuer, c.TokenAudience, c.TokenJwksURL = "token", "http://idp.example.com", "api", "https://idp.example.com/jwks?x=1"
			c.TokenScopes, c.TokenAdminScope = []string{"items read"}, `ad"min`
		}), []string{
			`kumo:webapp.tokenIssuer: "http://idp.example.com" must be an https URL`,
			`kumo:webapp.tokenJwksUrl: "https://idp.example.com/jwks?x=1" must have no query or fragment`,
			`kumo:webapp.tokenRequiredScopes: "items read" is not a scope`,
			`kumo:webapp.tokenAdminScope: "ad\"min" is not a scope`,
		}},
		{"token settings without a token authorizer", cfg(func(c *webapp.Config) {
			c.ItemsAuthorizer, c.TokenIssuer, c.TokenAdminScope = "iam", "https://idp.example.com/", "items:admin"
			c.RequestSources = []string{"stageVariables.scheme"}
		}), []string{
			"kumo:webapp.tokenIssuer: set, but kumo:webapp.itemsAuthorizer is iam; it applies only to token and request",
			"kumo:webapp.tokenAdminScope: set, but kumo:webapp.itemsAuthorizer is iam",
			"kumo:webapp.requestIdentitySources: set, but kumo:webapp.itemsAuthorizer is iam; it applies only to request",
		}},
		{"bad identity sources", cfg(func(c *webapp.Config) {
			c.ItemsAuthorizer, c.TokenIssuer, c.TokenAudience = "request", "https://idp.example.com/", "api"
			c.RequestSources = []string{"header.Authorization", "stageVariables.auth-scheme", "method.request.header.Authorization", "method.request.header.Authorization"}
		}), []string{
			`kumo:webapp.requestIdentitySources: "header.Authorization" is not method.request.header.X, method.request.querystring.X, stageVariables.X or context.X`,
			`kumo:webapp.requestIdentitySources: "stageVariables.auth-scheme" has a bad name after stageVariables.`,
			`kumo:webapp.requestIdentitySources: "method.request.header.Authorization" is listed twice`,
		}},
		{"identity sources without a token location", cfg(func(c *webapp.Config) {
			c.ItemsAuthorizer, c.TokenIssuer, c.TokenAudience = "request", "https://idp.example.com/", "api"
			c.RequestSources = []string{"stageVariables.scheme", "context.stage"}
		}), []string{"kumo:webapp.requestIdentitySources: [stageVariables.scheme context.stage] names no header or query string parameter"}},
		{"smoke test with a token authorizer", cfg(func(c *webapp.Config) {
			c.ItemsAuthorizer, c.TokenIssuer, c.TokenAudience, c.SmokeTest = "token", "https://idp.example.com/", "api", true
		}), nil},
		{"smoke test with IAM", cfg(func(c *webapp.Config) { c.ItemsAuthorizer, c.SmokeTest = "iam", true }), nil},
		{"empty identity sources", cfg(func(c *webapp.Config) {
			c.ItemsAuthorizer, c.TokenIssuer, c.TokenAudience, c.RequestSources = "request", "https://idp.example.com/", "api", []string{}
		}), []string{"kumo:webapp.requestIdentitySources: empty"}},
		{"bad clients", cfg(func(c *webapp.Config) {
			c.APIClients = []string{"acme", "acme=rate:3", "bad name", "x=quotaPerDay:0,rate:-1,burst:1.5", "y=tier:gold", "z=rate", "w=rate:1,rate:2"}
		}), []string{
			`kumo:webapp.apiClients: client "acme" is listed twice; client names are unique`,
			`kumo:webapp.apiClients: entry "bad name": name "bad name" must be 1–64 letters, digits, '_' or '-'`,
			`kumo:webapp.apiClients: entry "x=quotaPerDay:0,rate:-1,burst:1.5": quotaPerDay "0" must be a whole number of requests from 1 to 2147483647`,
			`kumo:webapp.apiClients: entry "x=quotaPerDay:0,rate:-1,burst:1.5": rate "-1" must be a positive number of requests per second`,
			`kumo:webapp.apiClients: entry "x=quotaPerDay:0,rate:-1,burst:1.5": burst "1.5" must be a whole number`,
			`kumo:webapp.apiClients: entry "y=tier:gold": "tier" is not a limit; use quotaPerDay, rate or burst`,
			`kumo:webapp.apiClients: entry "z=rate": part "rate" is not key:value`,
			`kumo:webapp.apiClients: entry "w=rate:1,rate:2": rate is given twice`,
		}},
		{"authorizer preference without the authorizer", cfg(func(c *webapp.Config) { c.Overrides = []string{"authorizer=AllAtOnce"} }),
			[]string{`kumo:webapp.deploymentPreferenceOverrides: "authorizer" is deployed only when kumo:webapp.itemsAuthorizer is token or request, not "cognito"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := webapp.Pattern{}.Validate(tt.cfg, env)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d problems:\n%s\nwant %d:\n%s", len(got), strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d: got %s; want it to start with %s", i, got[i], w)
				}
			}
		})
	}
}

// A good section reaches the args New gets.
func TestWebAppAuthConfigArgs(t *testing.T) {
	c := webapp.DefaultConfig()
	c.ItemsAuthorizer, c.TokenIssuer, c.TokenAudience, c.TokenAdminScope = "request", "https://idp.example.com/", "api", "items:admin"
	c.RequestSources = []string{"method.request.header.Authorization", "stageVariables.scheme"}
	c.APIClients = []string{"acme=quotaPerDay:1000,rate:5,burst:10", "globex"}
	a := c.Args(patterns.Env{Root: root})
	got, _ := json.Marshal(struct {
		Mode    items.AuthMode
		Token   *webapp.TokenAuth
		Sources []string
		Clients []webapp.APIClient
	}{a.ItemsAuthorizer, a.Token, a.RequestIdentitySources, a.APIClients})
	want := `{"Mode":"request","Token":{"Issuer":"https://idp.example.com/","Audience":"api","JWKSURL":"","RequiredScopes":[],"AdminScope":"items:admin"},` +
		`"Sources":["method.request.header.Authorization","stageVariables.scheme"],` +
		`"Clients":[{"Name":"acme","QuotaPerDay":1000,"RateLimit":5,"BurstLimit":10},{"Name":"globex","QuotaPerDay":0,"RateLimit":0,"BurstLimit":0}]}`
	if string(got) != want {
		t.Errorf("got %s; want %s", got, want)
	}
	if d := webapp.DefaultConfig().Args(patterns.Env{Root: root}); d.ItemsAuthorizer != items.AuthCognito || d.Token != nil || len(d.APIClients) != 0 || !slices.Equal(d.RequestIdentitySources, nil) {
		t.Errorf("defaults: got %+v; want cognito, no token, no clients", d)
	}
}

// With the smoke test on, a Lambda authorizer's releases get their own
// pre-traffic hook, functions/authzcheck, which invokes the new version
// with the refresh event: CodeDeploy may invoke the hook's alias, and the
// hook may invoke the authorizer's versions and report to the
// authorizer's deployment group. Without the smoke test, or without a
// Lambda authorizer, there is none.
func TestWebAppAuthorizerCheck(t *testing.T) {
	for _, tt := range []struct {
		name  string
		mode  items.AuthMode
		smoke bool
		want  bool
	}{
		{"token, smoke test", items.AuthToken, true, true},
		{"request, smoke test", items.AuthRequest, true, true},
		{"token, no smoke test", items.AuthToken, false, false},
		{"cognito, smoke test", items.AuthCognito, true, false},
		{"iam, smoke test", items.AuthIAM, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var token *webapp.TokenAuth
			if tt.mode == items.AuthToken || tt.mode == items.AuthRequest {
				token = oidc
			}
			tpl := assertions.Synth(t, func(ctx *pulumi.Context) error {
				rel, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
				if err != nil {
					return err
				}
				return program(webapp.Args{ItemsAuthorizer: tt.mode, Token: token, Releases: rel, SmokeTest: tt.smoke})(ctx)
			}, dev)
			check, ok := tpl.Lookup(function, "web-authzcheck")
			if ok != tt.want {
				t.Fatalf("web-authzcheck: got %t; want %t", ok, tt.want)
			}
			if !tt.want {
				if rel, ok := tpl.Lookup(release, "web-authorizer"); ok && rel.Input("preTrafficHook") != nil {
					t.Errorf("release web-authorizer: got preTrafficHook %v; want none", rel.Input("preTrafficHook"))
				}
				return
			}
			checkAuthorizerHook(t, tpl, "web", "eu-west-1")
			check.HasProperties(assertions.M{"timeout": 60, "environment": assertions.Absent()})
		})
	}
}

const release = "kumo:index:Release"

// checkAuthorizerHook: the authorizer's release of prefix runs the live
// alias of prefix-authzcheck, a function of region, which may invoke the
// authorizer's versions (and nothing else of Lambda's).
func checkAuthorizerHook(t *testing.T, tpl *assertions.Template, prefix, region string) {
	t.Helper()
	check := tpl.Resource(function, prefix+"-authzcheck")
	if check.Region != region {
		t.Errorf("%s: got region %q; want %q", check, check.Region, region)
	}
	hook := fmt.Sprint(tpl.Resource(release, prefix+"-authorizer").Input("preTrafficHook"))
	if !strings.Contains(hook, ":lambda:"+region+":") || !strings.Contains(hook, ":function:"+prefix+"-authzcheck-") || !strings.HasSuffix(hook, ":live") {
		t.Errorf("release %s-authorizer preTrafficHook %s; want the live alias of %s-authzcheck in %s", prefix, hook, prefix, region)
	}
	authz := tpl.Resource(function, prefix+"-authorizer")
	versions := fmt.Sprint(authz.Attr("arn").Value()) + ":*"
	var invokes []string
	for _, p := range tpl.FindResources(rolePolicy, assertions.M{"role": tpl.Resource("aws:iam/role:Role", prefix+"-authzcheck").Attr("name")}) {
		var doc struct {
			Statement []struct {
				Action   []string
				Resource []string
			}
		}
		if err := json.Unmarshal([]byte(fmt.Sprint(p.Input("policy"))), &doc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, s := range doc.Statement {
			if slices.Contains(s.Action, "lambda:InvokeFunction") {
				invokes = append(invokes, s.Resource...)
			}
		}
	}
	if !slices.Equal(invokes, []string{versions}) {
		t.Errorf("%s-authzcheck may invoke %v; want exactly the authorizer's versions %s", prefix, invokes, versions)
	}
}
