package webapp_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	kcheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/internal/patterntest"
	"github.com/kumo-iac/kumo/patterns/webapp"
)

const (
	ssmParameter      = "aws:ssm/parameter:Parameter"
	eventRule         = "aws:cloudwatch/eventRule:EventRule"
	eventTarget       = "aws:cloudwatch/eventTarget:EventTarget"
	eventInvokeConfig = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
	testZone          = "Z0123456789ABCDEFGHIJ"
	secondary         = "eu-central-1"
	record            = "aws:route53/record:Record"
	domainName        = "aws:apigateway/domainName:DomainName"
	basePathMap       = "aws:apigateway/basePathMapping:BasePathMapping"
	certificate       = "aws:acm/certificate:Certificate"
	certValidate      = "aws:acm/certificateValidation:CertificateValidation"
	healthCheck       = "aws:route53/healthCheck:HealthCheck"
	authorizer        = "aws:apigateway/authorizer:Authorizer"
	tableReplica      = "aws:dynamodb/tableReplica:TableReplica"
)

// twoRegions registers the web app in eu-west-1 and eu-central-1 as a
// stack does: releases in the primary, a smoke test of each region's items
// releases, and each region's API Gateway log role from a stack of that
// region (here an ApiGatewayAccount under the region's own provider).
func twoRegions(mode webapp.MultiRegionMode) func(ctx *pulumi.Context) error {
	return func(ctx *pulumi.Context) error {
		acct, err := constructs.NewApiGatewayAccount(ctx, "apigw", &constructs.ApiGatewayAccountArgs{})
		if err != nil {
			return err
		}
		prov, err := aws.NewProvider(ctx, "shared-"+secondary, &aws.ProviderArgs{Region: pulumi.String(secondary)})
		if err != nil {
			return err
		}
		acct2, err := constructs.NewApiGatewayAccount(ctx, "apigw-"+secondary, &constructs.ApiGatewayAccountArgs{}, pulumi.Provider(prov))
		if err != nil {
			return err
		}
		rel, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
		if err != nil {
			return err
		}
		w, err := webapp.New(ctx, "web", &webapp.Args{Root: root, Releases: rel, AccountLogRole: acct.LogRole(),
			SecondaryAccountLogRole: acct2.LogRole(), SecondaryRegion: secondary, MultiRegionMode: mode,
			APIDomainName: "api.example.com", HostedZoneID: testZone, SmokeTest: true, DeletionProtection: true})
		if err != nil {
			return err
		}
		ctx.Export("apiUrl", w.ApiURL)
		ctx.Export("poolId", w.Users.ID)
		ctx.Export("clientId", w.Users.ClientID)
		ctx.Export("hc-eu-west-1", w.HealthChecks["eu-west-1"].ID)
		ctx.Export("hc-"+secondary, w.HealthChecks[secondary].ID)
		return nil
	}
}

func TestWebAppTwoRegionsActivePassive(t *testing.T) {
	tpl := assertions.Synth(t, twoRegions(""), dev)

	// Each region's share is created in that region.
	for _, tc := range []struct {
		typ, name, region string
	}{
		{function, "web-items", "eu-west-1"}, {function, "web-health", "eu-west-1"}, {function, "web-authorizer", "eu-west-1"},
		{function, "web-eu-central-1-items", secondary}, {function, "web-eu-central-1-health", secondary}, {function, "web-eu-central-1-authorizer", secondary},
		{"aws:apigateway/restApi:RestApi", "web-api", "eu-west-1"}, {"aws:apigateway/restApi:RestApi", "web-eu-central-1-api", secondary},
		{stage, "web-eu-central-1-api", secondary}, {authorizer, "web-eu-central-1-api-token", secondary},
		{"aws:codedeploy/application:Application", "releases", "eu-west-1"}, {"aws:codedeploy/application:Application", "web-eu-central-1-releases", secondary},
		{"aws:cloudwatch/metricAlarm:MetricAlarm", "web-items-errors", "eu-west-1"}, {"aws:cloudwatch/metricAlarm:MetricAlarm", "web-eu-central-1-items-errors", secondary},
		{"aws:cloudwatch/metricAlarm:MetricAlarm", "web-eu-central-1-authorizer-failures", secondary},
		{domainName, "web-domain", "eu-west-1"}, {domainName, "web-eu-central-1-domain", secondary},
		{certificate, "web-domain", "eu-west-1"}, {certificate, "web-eu-central-1-domain", secondary},
		{"aws:dynamodb/table:Table", "web-items", "eu-west-1"}, {tableReplica, "web-items-" + secondary, secondary},
		{"aws:cognito/userPool:UserPool", "web-users", "eu-west-1"},
	} {
		if r := tpl.Resource(tc.typ, tc.name); r.Region != tc.region {
			t.Errorf("%s: got region %q; want %q", r, r.Region, tc.region)
		}
	}

	// Releases: each function's canary acts in its own region.
	for _, tc := range []struct{ name, region string }{
		{"web-items", "eu-west-1"}, {"web-health", "eu-west-1"}, {"web-authorizer", "eu-west-1"},
		{"web-eu-central-1-items", secondary}, {"web-eu-central-1-health", secondary}, {"web-eu-central-1-authorizer", secondary},
	} {
		tpl.Resource("kumo:index:Release", tc.name).HasProperties(assertions.M{"region": tc.region})
	}
	tpl.ResourceCountIs("kumo:index:Release", 6)

	// One global table and its replica, a resource of its own (the table's
	// replicas block stays empty), each with PITR, encryption and deletion
	// protection; both regions' items functions use its name (the local
	// copy).
	table := tpl.Resource("aws:dynamodb/table:Table", "web-items")
	tpl.ResourceCountIs("aws:dynamodb/table:Table", 1)
	table.HasProperties(assertions.M{
		"replicas":                  assertions.Absent(),
		"pointInTimeRecovery":       assertions.M{"enabled": true},
		"serverSideEncryption":      assertions.M{"enabled": true},
		"streamViewType":            "NEW_AND_OLD_IMAGES",
		"deletionProtectionEnabled": true,
	})
	replica := tpl.Resource(tableReplica, "web-items-"+secondary)
	tpl.ResourceCountIs(tableReplica, 1)
	replica.HasProperties(assertions.M{"globalTableArn": table.Attr("arn"), "pointInTimeRecovery": true,
		"deletionProtectionEnabled": true, "kmsKeyArn": assertions.Absent()})
	replica.DependsOn(table)
	for _, fn := range []string{"web-items", "web-eu-central-1-items"} {
		tpl.Resource(function, fn).HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"TABLE_NAME": table.Attr("name"), "AUTH_MODE": "token"}}})
	}
	// Each region's items function may read and write its own region's
	// copy only: the exact resources leave the other region's out.
	for _, tc := range []struct {
		fn, region string
		copy       string
	}{
		{"web-items", "eu-west-1", table.Attr("arn").Value().(string)},
		{"web-eu-central-1-items", secondary, replica.Attr("arn").Value().(string)},
	} {
		if !strings.Contains(tc.copy, ":"+tc.region+":") {
			t.Errorf("%s: the copy's ARN %q is not in %s", tc.fn, tc.copy, tc.region)
		}
		tpl.Resource(rolePolicy, tc.fn+"-table-web-items-readwrite-"+tc.region).HasProperties(assertions.M{
			"policy": assertions.SerializedJSON(assertions.M{"Statement": []any{assertions.M{"Resource": []any{tc.copy, tc.copy + "/index/*"}}}}),
		})
	}
	if got := tpl.FindResources(rolePolicy, assertions.M{"policy": assertions.StringLike(`dynamodb:PutItem`)}); len(got) != 2 {
		t.Errorf("policies that write the table: got %v; want the two regional ones", got)
	}

	// Both regions check the pool's ID tokens (not its access tokens) with
	// kumo's TOKEN authorizer, each with its own region's key snapshot.
	issuer := fmt.Sprintf("https://cognito-idp.eu-west-1.amazonaws.com/%s", tpl.Output("poolId"))
	for _, tc := range []struct{ fn, snapshot string }{
		{"web-authorizer", "/kumo/kumo/dev/web/authorizer-keys"},
		{"web-eu-central-1-authorizer", "/kumo/kumo/dev/web-eu-central-1/authorizer-keys"},
	} {
		tpl.Resource(function, tc.fn).HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.Exact(assertions.M{
			"ISSUER": issuer, "AUDIENCE": tpl.Output("clientId"), "JWKS_URL": issuer + "/.well-known/jwks.json",
			"TOKEN_USE": "id", "KEYS_SNAPSHOT_PARAMETER": tc.snapshot})}})
	}
	for _, api := range []string{"web-api", "web-eu-central-1-api"} {
		tpl.Resource(authorizer, api+"-token").HasProperties(assertions.M{"type": "TOKEN"})
		tpl.Resource(method, api+"-GET-/items").HasProperties(assertions.M{"authorization": "CUSTOM"})
		tpl.Resource(method, api+"-GET-/health").HasProperties(assertions.M{"authorization": "NONE"})
	}
	tpl.ResourceCountIs("aws:apigateway/authorizer:Authorizer", 2)

	// Custom domains: regional, TLS 1.2, the stage mapped at the root.
	for _, d := range []string{"web-domain", "web-eu-central-1-domain"} {
		tpl.Resource(domainName, d).HasProperties(assertions.M{"domainName": "api.example.com", "securityPolicy": "TLS_1_2",
			"endpointConfiguration": assertions.M{"types": "REGIONAL"}})
		tpl.Resource(basePathMap, d).HasProperties(assertions.M{"domainName": "api.example.com", "stageName": "v1", "basePath": assertions.Absent()})
	}
	// ACM's validation record is written once, by the primary, and the
	// secondary's validation waits for it.
	validation := tpl.Resource(record, "web-domain-validation")
	if got := len(tpl.FindResources(record, assertions.M{"type": "CNAME"})); got != 1 {
		t.Errorf("validation records: got %d; want 1", got)
	}
	sv := tpl.Resource(certValidate, "web-eu-central-1-domain")
	sv.HasProperties(assertions.M{"validationRecordFqdns": []any{validation.Attr("fqdn")}})
	sv.DependsOn(validation)

	// Health checks on each region's /health, and failover records.
	for _, tc := range []struct{ region, role string }{{"eu-west-1", "PRIMARY"}, {secondary, "SECONDARY"}} {
		tpl.Resource(healthCheck, "web-health-"+tc.region).HasProperties(assertions.M{"type": "HTTPS", "resourcePath": "/v1/health",
			"fqdn": assertions.StringLike(`\.execute-api\.` + tc.region + `\.amazonaws\.com$`)})
		tpl.Resource(record, "web-dns-"+tc.region).HasProperties(assertions.M{"name": "api.example.com", "type": "A", "zoneId": testZone,
			"setIdentifier": tc.region, "healthCheckId": tpl.Output("hc-" + tc.region),
			"failoverRoutingPolicies": []any{assertions.M{"type": tc.role}}})
	}
	tpl.ResourceCountIs(healthCheck, 2)

	// The site calls the custom domain.
	if got, want := tpl.Output("apiUrl"), "https://api.example.com/"; got != want {
		t.Errorf("apiUrl: got %v; want %q", got, want)
	}
	tpl.Resource("aws:s3/bucketObjectv2:BucketObjectv2", "web-site/config.json").HasProperties(assertions.M{
		"content": assertions.SerializedJSON(assertions.M{"apiUrl": "https://api.example.com/", "region": "eu-west-1"}),
	})
}

func TestWebAppTwoRegionsActiveActive(t *testing.T) {
	tpl := assertions.Synth(t, twoRegions(webapp.ActiveActive), dev)
	for _, region := range []string{"eu-west-1", secondary} {
		tpl.Resource(record, "web-dns-"+region).HasProperties(assertions.M{"setIdentifier": region, "healthCheckId": tpl.Output("hc-" + region),
			"latencyRoutingPolicies": []any{assertions.M{"region": region}}, "failoverRoutingPolicies": assertions.Absent()})
	}
}

// One region with a custom domain: the domain and its certificate, no
// routing, and config.json on the domain.
func TestWebAppCustomDomainOneRegion(t *testing.T) {
	tpl := assertions.Synth(t, program(webapp.Args{APIDomainName: "api.example.com", HostedZoneID: testZone}), dev)
	tpl.Resource(domainName, "web-domain").HasProperties(assertions.M{"securityPolicy": "TLS_1_2", "endpointConfiguration": assertions.M{"types": "REGIONAL"}})
	tpl.Resource(basePathMap, "web-domain")
	tpl.Resource(record, "web-domain-validation")
	tpl.ResourceCountIs(record, 1)
	tpl.ResourceCountIs(healthCheck, 0)
	tpl.Resource(method, "web-api-GET-/items").HasProperties(assertions.M{"authorization": "COGNITO_USER_POOLS"})
	tpl.Resource("aws:s3/bucketObjectv2:BucketObjectv2", "web-site/config.json").HasProperties(assertions.M{
		"content": assertions.SerializedJSON(assertions.M{"apiUrl": "https://api.example.com/"}),
	})
}

// The config keys: each bad value named with what is allowed.
func TestWebAppRegionConfig(t *testing.T) {
	env := patterns.Env{Root: root, Region: "eu-west-1", AccountLogRole: &constructs.AccountLogRole{}}
	cfg := func(edit func(*webapp.Config)) *webapp.Config {
		c := webapp.DefaultConfig()
		c.APIDomainName, c.HostedZoneID, c.SecondaryRegion, c.SecondaryLogRole = "api.example.com", testZone, secondary, "shared-"+secondary
		c.SmokeTest = true
		edit(&c)
		return &c
	}
	tests := []struct {
		name string
		cfg  *webapp.Config
		want []string
	}{
		{"two regions", cfg(func(*webapp.Config) {}), nil},
		{"active-active", cfg(func(c *webapp.Config) { c.MultiRegionMode = "active-active" }), nil},
		{"one region with a domain", cfg(func(c *webapp.Config) { c.SecondaryRegion, c.SecondaryLogRole = "", "" }), nil},
		{"one region with a domain and no zone", cfg(func(c *webapp.Config) { c.SecondaryRegion, c.SecondaryLogRole, c.HostedZoneID = "", "", "" }), nil},
		{"secondary without domain or zone", cfg(func(c *webapp.Config) { c.APIDomainName, c.HostedZoneID = "", "" }), []string{
			"kumo:webapp.apiDomainName: not set, but kumo:webapp.secondaryRegion is",
			"kumo:webapp.hostedZoneId: not set, but kumo:webapp.secondaryRegion is",
		}},
		{"same region twice", cfg(func(c *webapp.Config) { c.SecondaryRegion = "eu-west-1" }),
			[]string{`kumo:webapp.secondaryRegion: "eu-west-1" is the stack's aws:region too`}},
		{"bad region", cfg(func(c *webapp.Config) { c.SecondaryRegion = "eu-centrl-1" }),
			[]string{`kumo:webapp.secondaryRegion: "eu-centrl-1" is not an AWS region`}},
		{"bad mode", cfg(func(c *webapp.Config) { c.MultiRegionMode = "failover" }),
			[]string{`kumo:webapp.multiRegionMode: "failover" is not a mode; use active-passive (failover) or active-active (latency)`}},
		{"active-active in one region", cfg(func(c *webapp.Config) {
			c.SecondaryRegion, c.SecondaryLogRole, c.MultiRegionMode = "", "", "active-active"
		}),
			[]string{"kumo:webapp.multiRegionMode: active-active, but kumo:webapp.secondaryRegion is empty"}},
		{"bad domain name", cfg(func(c *webapp.Config) { c.APIDomainName = "api..example.com" }),
			[]string{`kumo:webapp.apiDomainName: "api..example.com" has an empty label`}},
		{"wildcard domain", cfg(func(c *webapp.Config) { c.APIDomainName = "*.example.com" }),
			[]string{`kumo:webapp.apiDomainName: "*.example.com" is a wildcard`}},
		{"zone id with its path", cfg(func(c *webapp.Config) { c.HostedZoneID = "/hostedzone/Z0123456789ABCDEFGHIJ" }),
			[]string{`kumo:webapp.hostedZoneId: "/hostedzone/Z0123456789ABCDEFGHIJ" is not a Route 53 hosted zone ID`}},
		{"zone id in lower case", cfg(func(c *webapp.Config) { c.HostedZoneID = "z0123abc" }),
			[]string{`kumo:webapp.hostedZoneId: "z0123abc" is not a Route 53 hosted zone ID`}},
		{"zone without domain", cfg(func(c *webapp.Config) { c.SecondaryRegion, c.SecondaryLogRole, c.APIDomainName = "", "", "" }),
			[]string{"kumo:webapp.hostedZoneId: set, but kumo:webapp.apiDomainName is empty"}},
		{"secondary without its log role stack", cfg(func(c *webapp.Config) { c.SecondaryLogRole = "" }),
			[]string{"kumo:webapp.secondaryApiGatewayLogRoleStack: not set, but kumo:webapp.secondaryRegion and kumo:webapp.apiLogs are"}},
		{"log role stack without logs", cfg(func(c *webapp.Config) { c.APILogs = false }),
			[]string{"kumo:webapp.secondaryApiGatewayLogRoleStack: set, but kumo:webapp.apiLogs is false"}},
		{"API clients in two regions", cfg(func(c *webapp.Config) { c.APIClients = []string{"acme"} }),
			[]string{"kumo:webapp.apiClients: set with kumo:webapp.secondaryRegion; API keys are regional"}},
		{"active-passive without a smoke test", cfg(func(c *webapp.Config) { c.SmokeTest = false }),
			[]string{"kumo:webapp.smokeTest: false, but kumo:webapp.secondaryRegion is set in active-passive mode; the passive region gets no traffic"}},
		{"active-active without a smoke test", cfg(func(c *webapp.Config) { c.MultiRegionMode, c.SmokeTest = "active-active", false }), nil},
		{"smoke test in two regions with a token authorizer", cfg(func(c *webapp.Config) {
			c.ItemsAuthorizer, c.TokenIssuer, c.TokenAudience = "token", "https://idp.example.com/", "api"
		}), nil},
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

// TestSecondaryProviderKeepsTheStacksAWSSettings: the secondary region's
// explicit provider carries the stack's aws: settings (profile, assumed
// role, allowed accounts, endpoints) and changes only the region; without
// them it would deploy with the machine's default credentials, possibly
// into another account.
func TestSecondaryProviderKeepsTheStacksAWSSettings(t *testing.T) {
	opts := dev
	opts.Config = map[string]string{}
	for k, v := range dev.Config {
		opts.Config[k] = v
	}
	opts.Config["aws:profile"] = "deploy"
	opts.Config["aws:assumeRole"] = `{"roleArn":"arn:aws:iam::123456789012:role/kumo-deploy","sessionName":"kumo"}`
	opts.Config["aws:allowedAccountIds"] = `["123456789012"]`
	opts.Config["aws:endpoints"] = `[{"dynamodb":"http://localhost:8000","lambda":"http://localhost:9001"}]`
	opts.Config["aws:defaultTags"] = `{"tags":{"team":"web","cost-center":"42"}}`
	opts.Config["aws:ignoreTags"] = `{"keyPrefixes":["aws:"]}`
	opts.Config["aws:httpsProxy"] = "http://proxy.internal:3128"
	opts.Config["aws:maxRetries"] = "7"
	opts.Config["aws:skipRequestingAccountId"] = "true"
	tpl := assertions.Synth(t, twoRegions(""), opts)
	prov := tpl.Resource("pulumi:providers:aws", "web-"+secondary)
	for path, want := range map[string]any{
		"region":                  secondary,
		"profile":                 "deploy",
		"assumeRole.roleArn":      "arn:aws:iam::123456789012:role/kumo-deploy",
		"assumeRole.sessionName":  "kumo",
		"allowedAccountIds":       []any{"123456789012"},
		"endpoints":               []any{map[string]any{"dynamodb": "http://localhost:8000", "lambda": "http://localhost:9001"}},
		"defaultTags.tags":        map[string]any{"cost-center": "42", "team": "web"},
		"ignoreTags.keyPrefixes":  []any{"aws:"},
		"httpsProxy":              "http://proxy.internal:3128",
		"maxRetries":              7,
		"skipRequestingAccountId": true,
	} {
		if got := prov.Input(path); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("secondary provider %s: got %v; want %v", path, got, want)
		}
	}
}

// TestTwoRegionsKeepTheAdmins: with the pool's tokens checked by kumo's
// authorizer in both regions, the pool's admins group still makes admins:
// both regions' items functions trust the groups the authorizer passes on.
func TestTwoRegionsKeepTheAdmins(t *testing.T) {
	tpl := assertions.Synth(t, twoRegions(""), dev)
	for _, name := range []string{"web-items", "web-" + secondary + "-items"} {
		fn := tpl.Resource(function, name)
		if got := fmt.Sprint(fn.Input("environment.variables.ADMIN_GROUPS")); got != "true" {
			t.Errorf("%s: ADMIN_GROUPS %s; want true", name, got)
		}
	}
}

// TestSecondaryIntegrationsStayInTheirRegion: the secondary API invokes the
// secondary functions' aliases (its integrations' and authorizer's URIs
// name eu-central-1), never the primary's.
func TestSecondaryIntegrationsStayInTheirRegion(t *testing.T) {
	tpl := assertions.Synth(t, twoRegions(""), dev)
	for _, r := range []*assertions.Resource{
		tpl.Resource("aws:apigateway/integration:Integration", "web-"+secondary+"-api-GET-/items"),
		tpl.Resource(authorizer, "web-"+secondary+"-api-token"),
	} {
		uri := fmt.Sprint(r.Input("uri"))
		if r.Input("uri") == nil {
			uri = fmt.Sprint(r.Input("authorizerUri"))
		}
		if !strings.HasPrefix(uri, "arn:aws:apigateway:"+secondary+":lambda:") || !strings.Contains(uri, ":lambda:"+secondary+":") {
			t.Errorf("%s invokes %s; want the %s alias through %s's API Gateway", r, uri, secondary, secondary)
		}
	}
}

// TestTwoRegionsSmokeTestEachRegion: each region's items releases run that
// region's smoke test before traffic, built for the items routes' TOKEN
// authorizer; each region's health function reads the table by name (its
// local replica) with GetItem alone, on exactly its own region's copy and
// only the probe's key: no other policy of its role names the table.
func TestTwoRegionsSmokeTestEachRegion(t *testing.T) {
	tpl := assertions.Synth(t, twoRegions(""), dev)
	table := tpl.Resource("aws:dynamodb/table:Table", "web-items")
	for _, tc := range []struct{ prefix, region string }{{"web", "eu-west-1"}, {"web-" + secondary, secondary}} {
		smoke := tpl.Resource(function, tc.prefix+"-smoketest")
		if smoke.Region != tc.region {
			t.Errorf("%s: got region %q; want %q", smoke, smoke.Region, tc.region)
		}
		smoke.HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.Exact(assertions.M{"AUTH_MODE": "token"})}})
		hook := fmt.Sprint(tpl.Resource("kumo:index:Release", tc.prefix+"-items").Input("preTrafficHook"))
		if !strings.Contains(hook, ":lambda:"+tc.region+":") || !strings.Contains(hook, ":function:"+tc.prefix+"-smoketest-") || !strings.HasSuffix(hook, ":live") {
			t.Errorf("release %s-items preTrafficHook %s; want the live alias of %s-smoketest in %s", tc.prefix, hook, tc.prefix, tc.region)
		}
		health := tpl.Resource(function, tc.prefix+"-health")
		health.HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"TABLE_NAME": table.Attr("name")}}})
		copyArn := table.Attr("arn")
		if tc.region == secondary {
			copyArn = tpl.Resource(tableReplica, "web-items-"+secondary).Attr("arn")
		}
		grant := tpl.Resource(rolePolicy, tc.prefix+"-health-table-web-items-getitem-"+tc.region)
		grant.HasProperties(assertions.M{"policy": assertions.SerializedJSON(assertions.Exact(assertions.M{
			"Version": "2012-10-17",
			"Statement": []any{assertions.M{"Sid": "TableGetItem", "Effect": "Allow", "Action": []any{"dynamodb:GetItem"},
				"Resource":  []any{copyArn},
				"Condition": assertions.M{"ForAllValues:StringEquals": assertions.M{"dynamodb:LeadingKeys": []any{"kumo:health-probe"}}}}},
		}))})
		policies := tpl.FindResources(rolePolicy, assertions.M{"role": grant.Input("role")})
		if len(policies) < 2 {
			t.Errorf("%s's role: got policies %v; want the probe's grant and the logs' at least", health, policies)
		}
		for _, p := range policies {
			if p != grant && strings.Contains(fmt.Sprint(p.Input("policy")), "dynamodb") {
				t.Errorf("%s: %s also grants DynamoDB: %s; want the probe's grant alone", health, p, p.Input("policy"))
			}
		}
	}
}

// The passive region's authorizer sees no traffic before a failover: each
// region's authorizer releases run that region's authzcheck, which has the
// new version refresh its keys and write that region's snapshot.
func TestTwoRegionsAuthorizerCheckEachRegion(t *testing.T) {
	tpl := assertions.Synth(t, twoRegions(""), dev)
	for _, tc := range []struct{ prefix, region string }{{"web", "eu-west-1"}, {"web-" + secondary, secondary}} {
		checkAuthorizerHook(t, tpl, tc.prefix, tc.region)
	}
	tpl.ResourceCountIs(function, 10) // per region: items, health, authorizer, smoke test, authorizer check
}

// In active-passive the passive region's canaries see no traffic, so a
// release there is tested only by the smoke test: Releases without it are
// refused; active-active, or no releases, need none.
func TestTwoRegionsActivePassiveNeedsTheSmokeTest(t *testing.T) {
	const refusal = "SmokeTest: false with SecondaryRegion eu-central-1 in active-passive mode and Releases; the passive region gets no traffic"
	tests := []struct {
		name      string
		mode      webapp.MultiRegionMode
		releases  bool
		smokeTest bool
		refused   bool
	}{
		{"active-passive, releases, no smoke test", "", true, false, true},
		{"active-passive named, releases, no smoke test", webapp.ActivePassive, true, false, true},
		{"active-passive with the smoke test", webapp.ActivePassive, true, true, false},
		{"active-active without the smoke test", webapp.ActiveActive, true, false, false},
		{"active-passive without releases", webapp.ActivePassive, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := webapp.Args{Root: root, Region: "eu-west-1", AccountLogRole: &constructs.AccountLogRole{}, SecondaryAccountLogRole: &constructs.AccountLogRole{},
				SecondaryRegion: secondary, MultiRegionMode: tt.mode, APIDomainName: "api.example.com", HostedZoneID: testZone, SmokeTest: tt.smokeTest}
			if tt.releases {
				a.Releases = &constructs.Releases{}
			}
			err := a.Validate("web")
			switch got := err != nil && strings.Contains(err.Error(), refusal); {
			case got != tt.refused:
				t.Errorf("got %v; want refused %t (%q)", err, tt.refused, refusal)
			case !tt.refused && err != nil:
				t.Errorf("got %v; want no problem", err)
			}
		})
	}
}

// TestKeySnapshotInEachRegion: each region's authorizer has its own key
// snapshot parameter in its own region, may read and write exactly that
// parameter, and is invoked by a refresh schedule of its region, with 0
// async retries and the reason kumo check records.
func TestKeySnapshotInEachRegion(t *testing.T) {
	tpl := assertions.Synth(t, twoRegions(""), dev)
	tpl.ResourceCountIs(ssmParameter, 2)
	tpl.ResourceCountIs(eventRule, 2)
	for _, tc := range []struct{ prefix, region string }{{"web", "eu-west-1"}, {"web-" + secondary, secondary}} {
		name := "/kumo/kumo/dev/" + tc.prefix + "/authorizer-keys"
		p := tpl.Resource(ssmParameter, tc.prefix+"-authorizer-keys")
		p.HasProperties(assertions.M{"name": name, "type": "String", "tier": "Intelligent-Tiering",
			"insecureValue": assertions.SerializedJSON(assertions.M{"note": assertions.AnyValue()})})
		arn := "arn:aws:ssm:" + tc.region + ":123456789012:parameter" + name
		if p.Region != tc.region || p.Attr("arn").Value() != arn {
			t.Errorf("%s: got region %q, ARN %v; want %q, %q", p, p.Region, p.Attr("arn").Value(), tc.region, arn)
		}

		// The grant: both actions on this region's parameter, nothing else.
		grants := patterntest.Grants(t, tpl, tc.prefix+"-authorizer")
		for _, action := range []string{"ssm:GetParameter", "ssm:PutParameter"} {
			if got := patterntest.ResourcesOf(grants, action); !slices.Equal(got, []string{arn}) {
				t.Errorf("%s-authorizer %s: got %q; want only %s", tc.prefix, action, got, arn)
			}
		}

		// The schedule invokes this region's authorizer alias with kumo's
		// refresh event.
		aliasArn := fmt.Sprint(tpl.Resource(function, tc.prefix+"-authorizer").Attr("arn").Value()) + ":live"
		rule := tpl.Resource(eventRule, tc.prefix+"-authorizer-refresh")
		rule.HasProperties(assertions.M{"scheduleExpression": "rate(15 minutes)"})
		target := tpl.Resource(eventTarget, tc.prefix+"-authorizer-refresh")
		target.HasProperties(assertions.M{"arn": aliasArn, "input": `{"kumo":"refresh-keys"}`,
			"retryPolicy": assertions.M{"maximumEventAgeInSeconds": 900}})
		if rule.Region != tc.region || target.Region != tc.region {
			t.Errorf("%s: got the schedule in %q/%q; want %q", tc.prefix, rule.Region, target.Region, tc.region)
		}
		tpl.Resource(eventInvokeConfig, tc.prefix+"-authorizer").HasProperties(assertions.M{"maximumRetryAttempts": 0})
	}
}

// TestKeySnapshotSettingsFrozen: the snapshot parameter's description,
// tier and type are exactly these, in both regions. Changing any of them
// is not a harmless edit: the provider then puts the value Pulumi's state
// holds, the placeholder (the value's changes are ignored), and every cold
// start that cannot reach the issuer finds no keys until the next refresh
// tick (pulumi-aws#2524; terraform-provider-aws resourceParameterUpdate).
func TestKeySnapshotSettingsFrozen(t *testing.T) {
	tpl := assertions.Synth(t, twoRegions(""), dev)
	for _, prefix := range []string{"web", "web-" + secondary} {
		tpl.Resource(ssmParameter, prefix+"-authorizer-keys").HasProperties(assertions.M{
			"description": "Public signing keys of the web app's token issuer, written by its authorizer for cold starts while the issuer is unreachable",
			"tier":        "Intelligent-Tiering",
			"type":        "String",
		})
	}
}

// TestKeySnapshotSuppressionsAreRecorded: kumo check finds nothing wrong
// with the authorizers, their snapshots and schedules (the shipped stack
// suppresses the rest, for the site and the pool, in its own file), and
// accepts the authorizer's missing dead-letter queue for the reason that
// its schedule's ticks are not retried.
func TestKeySnapshotSuppressionsAreRecorded(t *testing.T) {
	res := patterntest.SynthResult(t, dev, func(ctx *pulumi.Context) (pulumi.Map, error) { return nil, twoRegions("")(ctx) })
	rep, err := kcheck.Run(res, root, nil)
	if err != nil {
		t.Fatalf("kumo check: %v", err)
	}
	for _, f := range rep.Findings {
		if f.Level == kcheck.Error && strings.Contains(f.Name, "authorizer") {
			t.Errorf("kumo check: %s on %s %s: %s", f.ID(), f.Type, f.Name, f.Message)
		}
	}
	for _, fn := range []string{"web-authorizer", "web-" + secondary + "-authorizer"} {
		for _, rule := range []string{"Serverless-LambdaDLQ", "Serverless-LambdaAsyncFailureDestination"} {
			found := false
			for _, f := range rep.Suppressed {
				if f.Rule == rule && f.Name == fn && f.Suppression != nil {
					found = true
					if !strings.Contains(f.Suppression.Reason, "refresh schedule") {
						t.Errorf("%s %s: suppressed for %q; want the schedule's reason", fn, rule, f.Suppression.Reason)
					}
				}
			}
			if !found {
				t.Errorf("%s %s: got no suppression; want one with the schedule's reason", fn, rule)
			}
		}
	}
}
