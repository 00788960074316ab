package webapp_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns/webapp"
	"github.com/kumo-iac/kumo/patterns/webapp/healthprobe"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

var root, _ = filepath.Abs(filepath.Join("..", ".."))

// Resource types the tests look at.
const (
	alias       = "aws:lambda/alias:Alias"
	function    = "aws:lambda/function:Function"
	integration = "aws:apigateway/integration:Integration"
	method      = "aws:apigateway/method:Method"
	permission  = "aws:lambda/permission:Permission"
	rolePolicy  = "aws:iam/rolePolicy:RolePolicy"
	logGroup    = "aws:cloudwatch/logGroup:LogGroup"
	stage       = "aws:apigateway/stage:Stage"
	settings    = "aws:apigateway/methodSettings:MethodSettings"
)

// dev synthesizes like the dev stack: project kumo, region eu-west-1.
var dev = assertions.Options{Project: "kumo", Stack: "dev", Dir: root, Config: map[string]string{"aws:region": "eu-west-1"}}

// program registers the pattern. Unless args turn the API's logs off, it
// also registers the region's API Gateway account setting and hands its log
// role to the pattern, as the stack that manages it would.
func program(args webapp.Args) func(ctx *pulumi.Context) error {
	args.Root = root
	return func(ctx *pulumi.Context) error {
		args := args
		if !args.DisableAPILogs {
			acct, err := constructs.NewApiGatewayAccount(ctx, "apigw", &constructs.ApiGatewayAccountArgs{})
			if err != nil {
				return err
			}
			args.AccountLogRole = acct.LogRole()
		}
		w, err := webapp.New(ctx, "web", &args)
		if err != nil {
			return err
		}
		ctx.Export("siteUrl", w.SiteURL)
		ctx.Export("apiUrl", w.ApiURL)
		return nil
	}
}

func TestWebAppWiresEverythingThroughAliases(t *testing.T) {
	tpl := assertions.Synth(t, program(webapp.Args{}), dev)
	itemsAlias, healthAlias := tpl.Resource(alias, "web-items"), tpl.Resource(alias, "web-health")
	tpl.ResourceCountIs(alias, 2)
	tpl.AllResourcesProperties(alias, assertions.M{"name": "live"})

	// Every Lambda route invokes its function's alias, never the bare
	// function, and only the health route is public.
	routes := []struct {
		route, authorization string
		alias                *assertions.Resource
	}{
		{"GET-/health", "NONE", healthAlias},
		{"GET-/items", "COGNITO_USER_POOLS", itemsAlias},
		{"POST-/items", "COGNITO_USER_POOLS", itemsAlias},
		{"GET-/items/{id}", "COGNITO_USER_POOLS", itemsAlias},
		{"PUT-/items/{id}", "COGNITO_USER_POOLS", itemsAlias},
		{"DELETE-/items/{id}", "COGNITO_USER_POOLS", itemsAlias},
	}
	for _, r := range routes {
		tpl.Resource(integration, "web-api-"+r.route).HasProperties(assertions.M{"type": "AWS_PROXY", "uri": r.alias.Attr("invokeArn")})
		tpl.Resource(method, "web-api-"+r.route).HasProperties(assertions.M{"authorization": r.authorization})
	}
	if got := len(tpl.FindResources(integration, assertions.M{"type": "AWS_PROXY"})); got != len(routes) {
		t.Errorf("Lambda integrations: got %d; want %d, one per route", got, len(routes))
	}
	tpl.ResourceCountIs(permission, len(routes))
	tpl.AllResourcesProperties(permission, assertions.M{"qualifier": "live", "principal": "apigateway.amazonaws.com"})

	// The items function finds the table and the site's origin; its grant
	// covers the table and the indexes users' lists query. The health
	// function reads the same table, with GetItem alone on the table
	// itself.
	table := tpl.Resource("aws:dynamodb/table:Table", "web-items")
	tableArn := fmt.Sprint(table.Attr("arn").Value())
	site := tpl.Resource("aws:cloudfront/distribution:Distribution", "web-site")
	tpl.Resource(function, "web-items").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{
		"TABLE_NAME":     table.Attr("name"),
		"ALLOWED_ORIGIN": "https://" + fmt.Sprint(site.Attr("domainName").Value()),
	}}})
	tpl.HasResourceProperties(rolePolicy, assertions.M{
		"role": tpl.Resource("aws:iam/role:Role", "web-items").Attr("name"),
		"policy": assertions.SerializedJSON(assertions.M{"Statement": assertions.ArrayWith(
			assertions.M{"Resource": assertions.ArrayWith(tableArn, tableArn+"/index/*")})}),
	})
	tpl.Resource(function, "web-health").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{
		"TABLE_NAME": table.Attr("name"),
	}}})
	healthRole := tpl.Resource("aws:iam/role:Role", "web-health")
	grants := tpl.FindResources(rolePolicy, assertions.M{"role": healthRole.Attr("name"), "policy": assertions.StringLike(`dynamodb:`)})
	if len(grants) != 1 {
		t.Fatalf("health function's role: got %d policies with DynamoDB access; want 1, the GetItem grant", len(grants))
	}
	grants[0].HasProperties(assertions.M{"policy": assertions.SerializedJSON(assertions.M{"Statement": []any{assertions.Exact(assertions.M{
		"Sid": "TableGetItem", "Effect": "Allow", "Action": []any{"dynamodb:GetItem"}, "Resource": []any{tableArn},
		// The probe's key alone, not the page token key or anyone's items.
		"Condition": assertions.M{"ForAllValues:StringEquals": assertions.M{"dynamodb:LeadingKeys": []any{"kumo:health-probe"}}},
	})}})})

	// The table and user pool are what the items API expects.
	table.HasProperties(assertions.M{
		"hashKey": items.IDAttribute,
		"globalSecondaryIndexes": []any{assertions.Exact(assertions.M{"name": items.OwnerIndex,
			"hashKey": items.OwnerAttribute, "rangeKey": items.CreatedAtAttribute, "projectionType": "ALL"})},
	})
	tpl.ResourceCountIs("aws:cognito/userGroup:UserGroup", 1)
	tpl.HasResourceProperties("aws:cognito/userGroup:UserGroup", assertions.M{"name": items.AdminGroup})

	// The site's config.json tells the page where the API and user pool are.
	tpl.Resource("aws:s3/bucketObjectv2:BucketObjectv2", "web-site/config.json").HasProperties(assertions.M{
		"content": assertions.SerializedJSON(assertions.M{
			"apiUrl":           tpl.Output("apiUrl"),
			"region":           "eu-west-1",
			"userPoolId":       tpl.Resource("aws:cognito/userPool:UserPool", "web-users").ID,
			"userPoolClientId": tpl.Resource("aws:cognito/userPoolClient:UserPoolClient", "web-users-web").ID,
		}),
	})
}

func TestWebAppArgsReachConstructs(t *testing.T) {
	tpl := assertions.Synth(t, program(webapp.Args{MemoryMB: 1024, TimeoutSeconds: 20, LogRetentionDays: 365, MFA: constructs.MFARequired,
		DeletionProtection: true, ThrottleRateLimit: 5, ThrottleBurstLimit: 9}), dev)
	tpl.Resource(function, "web-items").HasProperties(assertions.M{"memorySize": 1024, "timeout": 20})
	for _, g := range []string{"web-items", "web-api-access", "web-api-execution"} {
		tpl.Resource(logGroup, g).HasProperties(assertions.M{"retentionInDays": 365})
	}
	tpl.Resource("aws:dynamodb/table:Table", "web-items").HasProperties(assertions.M{"deletionProtectionEnabled": true})
	tpl.Resource("aws:cognito/userPool:UserPool", "web-users").HasProperties(assertions.M{"mfaConfiguration": "ON", "deletionProtection": "ACTIVE"})
	tpl.Resource(settings, "web-api").HasProperties(assertions.M{"settings": assertions.M{"throttlingRateLimit": 5, "throttlingBurstLimit": 9}})
}

// TestWebAppAPILogs checks the API's logs follow AccountLogRole and
// DisableAPILogs.
func TestWebAppAPILogs(t *testing.T) {
	t.Run("with the account log role", func(t *testing.T) {
		tpl := assertions.Synth(t, program(webapp.Args{}), dev)
		st := tpl.Resource(stage, "web-api")
		st.DependsOn(tpl.Resource("aws:apigateway/account:Account", "apigw"))
		st.HasProperties(assertions.M{"accessLogSettings": assertions.AnyValue()})
		ms := tpl.Resource(settings, "web-api")
		ms.HasProperties(assertions.M{"settings": assertions.M{"loggingLevel": "ERROR"}})
		ms.DependsOn(tpl.Resource(logGroup, "web-api-execution"))
	})

	t.Run("disabled", func(t *testing.T) {
		tpl := assertions.Synth(t, program(webapp.Args{DisableAPILogs: true}), dev)
		for _, g := range []string{"web-api-access", "web-api-execution"} {
			if _, ok := tpl.Lookup(logGroup, g); ok {
				t.Errorf("log group %s: got one with DisableAPILogs; want none", g)
			}
		}
		tpl.Resource(stage, "web-api").HasProperties(assertions.M{"accessLogSettings": assertions.Absent()})
		tpl.Resource(settings, "web-api").HasProperties(assertions.M{"settings": assertions.M{"loggingLevel": "OFF"}})
	})

	t.Run("role and disabled", func(t *testing.T) {
		_, err := assertions.TrySynth(t, func(ctx *pulumi.Context) error {
			acct, err := constructs.NewApiGatewayAccount(ctx, "apigw", &constructs.ApiGatewayAccountArgs{})
			if err != nil {
				return err
			}
			_, err = webapp.New(ctx, "web", &webapp.Args{Root: root, AccountLogRole: acct.LogRole(), DisableAPILogs: true})
			return err
		}, dev)
		var ve *constructs.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "AccountLogRole") || !strings.Contains(err.Error(), "DisableLogs") {
			t.Errorf("got %v; want a *constructs.ValidationError naming AccountLogRole and DisableLogs", err)
		}
	})
}

func TestWebAppBadArgsRegisterNothing(t *testing.T) {
	tpl, err := assertions.TrySynth(t, func(ctx *pulumi.Context) error {
		_, err := webapp.New(ctx, "web", &webapp.Args{Root: root, MemoryMB: 64, TimeoutSeconds: 60, LogRetentionDays: 8,
			MFA: "SMS", SiteDir: "does/not/exist", DomainNames: []string{"app.example.com"}})
		return err
	}, dev)
	var ve *constructs.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v; want a *constructs.ValidationError", err)
	}
	for _, want := range []string{"AccountLogRole: nil", "MemoryMB: 64 is outside 128–10240", "TimeoutSeconds: 60 s is above API Gateway's 29 s",
		"LogRetentionDays: 8", `MFA: "SMS"`, `SourceDir: "`, "CertificateArn: empty while DomainNames"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if tpl == nil {
		t.Fatal("template: got nil; want the empty stack the program ran in")
	}
	tpl.ResourceCountIs("", 0)
}

// TestHealthProbeGrant: the health function's role may read exactly the
// key the function reads (healthprobe.ID, shared by both), or every probe
// would be AccessDenied and each region's health check would fail.
func TestHealthProbeGrant(t *testing.T) {
	probe := healthprobe.ID
	tpl := assertions.Synth(t, program(webapp.Args{}), dev)
	health := tpl.Resource("aws:iam/role:Role", "web-health")
	grants := tpl.FindResources(rolePolicy, assertions.M{"role": health.Attr("name"), "policy": assertions.StringLike(`dynamodb:GetItem`)})
	if len(grants) != 1 {
		t.Fatalf("health function's role: got %d GetItem grants; want 1", len(grants))
	}
	grants[0].HasProperties(assertions.M{"policy": assertions.SerializedJSON(assertions.M{"Statement": []any{assertions.M{
		"Condition": assertions.M{"ForAllValues:StringEquals": assertions.M{"dynamodb:LeadingKeys": []any{probe}}}}}})})
}
