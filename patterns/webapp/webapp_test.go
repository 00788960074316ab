package webapp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/patterns/webapp"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

var root, _ = filepath.Abs(filepath.Join("..", ".."))

// synthesize runs the pattern against mocks with the dev stack's region.
// Unless args turn the API's logs off, the program also registers the
// region's API Gateway account setting and hands its log role to the
// pattern, as the stack that manages it would.
func synthesize(t *testing.T, args webapp.Args) (*synth.Result, error) {
	t.Helper()
	args.Root = root
	return synth.Run(context.Background(), synth.Request{Root: root, Stack: "dev"},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
			args := args
			if !args.DisableAPILogs {
				acct, err := constructs.NewApiGatewayAccount(ctx, "apigw", &constructs.ApiGatewayAccountArgs{})
				if err != nil {
					return nil, err
				}
				args.AccountLogRole = acct.LogRole()
			}
			w, err := webapp.New(ctx, "web", &args)
			if err != nil {
				return nil, err
			}
			return pulumi.Map{"siteUrl": w.SiteURL, "apiUrl": w.ApiURL}, nil
		})
}

func byTypeName(res *synth.Result) map[string]synth.Resource {
	m := map[string]synth.Resource{}
	for _, r := range res.Resources {
		m[r.Type+" "+r.Name] = r
	}
	return m
}

func TestWebAppWiresEverythingThroughAliases(t *testing.T) {
	res, err := synthesize(t, webapp.Args{})
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	rs := byTypeName(res)
	aliases := map[string]bool{}
	for _, r := range res.Resources {
		if r.Type == "aws:lambda/alias:Alias" {
			if got := r.Inputs["name"]; got != "live" {
				t.Errorf("alias %s name %v; want live", r.Name, got)
			}
			aliases[r.Name] = true
		}
	}
	if len(aliases) != 2 {
		t.Errorf("got %d aliases; want 2 (items, health)", len(aliases))
	}

	integrations, permissions := 0, 0
	for _, r := range res.Resources {
		switch r.Type {
		case "aws:apigateway/integration:Integration":
			if r.Inputs["type"] != "AWS_PROXY" {
				continue
			}
			integrations++
			if uri, _ := r.Inputs["uri"].(string); !strings.HasSuffix(uri, ":live/invocations") {
				t.Errorf("integration %s uri %q; want the live alias's invoke ARN", r.Name, uri)
			}
		case "aws:lambda/permission:Permission":
			permissions++
			if r.Inputs["qualifier"] != "live" {
				t.Errorf("permission %s qualifier %v; want live", r.Name, r.Inputs["qualifier"])
			}
		}
	}
	if integrations != 6 || permissions != 6 {
		t.Errorf("got %d Lambda integrations and %d permissions; want 6 and 6", integrations, permissions)
	}

	wantAuth := map[string]string{
		"web-api-GET-/health": "NONE", "web-api-GET-/items": "COGNITO_USER_POOLS", "web-api-POST-/items": "COGNITO_USER_POOLS",
		"web-api-GET-/items/{id}": "COGNITO_USER_POOLS", "web-api-PUT-/items/{id}": "COGNITO_USER_POOLS",
		"web-api-DELETE-/items/{id}": "COGNITO_USER_POOLS",
	}
	for name, want := range wantAuth {
		m, ok := rs["aws:apigateway/method:Method "+name]
		if !ok {
			t.Errorf("no method %s", name)
			continue
		}
		if got := m.Inputs["authorization"]; got != want {
			t.Errorf("method %s authorization %v; want %s", name, got, want)
		}
	}

	fn := rs["aws:lambda/function:Function web-items"]
	env := fn.Inputs["environment"].(map[string]any)["variables"].(map[string]any)
	if env["TABLE_NAME"] == nil || !strings.HasPrefix(env["TABLE_NAME"].(string), "web-items-") {
		t.Errorf("items TABLE_NAME %v; want the table's physical name", env["TABLE_NAME"])
	}
	if origin, _ := env["ALLOWED_ORIGIN"].(string); !strings.HasPrefix(origin, "https://") || !strings.HasSuffix(origin, ".cloudfront.net") {
		t.Errorf("items ALLOWED_ORIGIN %q; want the site's https origin", origin)
	}
	grant := rs["aws:iam/rolePolicy:RolePolicy web-items-table-web-items-readwrite"]
	if doc, _ := grant.Inputs["policy"].(string); !strings.Contains(doc, ":table/"+env["TABLE_NAME"].(string)+`"`) {
		t.Errorf("items grant %q; want it scoped to table %v", doc, env["TABLE_NAME"])
	}
	if doc, _ := grant.Inputs["policy"].(string); !strings.Contains(doc, ":table/"+env["TABLE_NAME"].(string)+`/index/*"`) {
		t.Errorf("items grant %q; want it to cover the table's indexes, which users' lists query", doc)
	}
	table := rs["aws:dynamodb/table:Table web-items"].Inputs
	wantIndex := map[string]any{"name": items.OwnerIndex, "hashKey": items.OwnerAttribute, "rangeKey": items.CreatedAtAttribute, "projectionType": "ALL"}
	if got, _ := table["globalSecondaryIndexes"].([]any); len(got) != 1 || !maps.Equal(got[0].(map[string]any), wantIndex) {
		t.Errorf("table indexes %v; want just %v, which the items API queries", table["globalSecondaryIndexes"], wantIndex)
	}
	if got := table["hashKey"]; got != items.IDAttribute {
		t.Errorf("table hash key %v; want %s", got, items.IDAttribute)
	}
	groups := 0
	for _, r := range res.Resources {
		if r.Type == "aws:cognito/userGroup:UserGroup" {
			groups++
			if got := r.Inputs["name"]; got != items.AdminGroup {
				t.Errorf("user pool group %v; want %q, the group the items API makes admins", got, items.AdminGroup)
			}
		}
	}
	if groups != 1 {
		t.Errorf("got %d user pool groups; want 1, %q", groups, items.AdminGroup)
	}
	if _, ok := rs["aws:iam/rolePolicy:RolePolicy web-health-table-web-items-readwrite"]; ok {
		t.Error("health function was granted the table; it needs no access")
	}

	cfg := rs["aws:s3/bucketObjectv2:BucketObjectv2 web-site/config.json"]
	var siteConfig map[string]string
	if err := json.Unmarshal([]byte(cfg.Inputs["content"].(string)), &siteConfig); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	if siteConfig["apiUrl"] != res.Outputs["apiUrl"] || siteConfig["region"] != "eu-west-1" ||
		!strings.HasPrefix(siteConfig["userPoolId"], "eu-west-1_") || siteConfig["userPoolClientId"] == "" {
		t.Errorf("config.json %v; want the API URL %v, region and user pool", siteConfig, res.Outputs["apiUrl"])
	}
}

func TestWebAppArgsReachConstructs(t *testing.T) {
	res, err := synthesize(t, webapp.Args{MemoryMB: 1024, TimeoutSeconds: 20, LogRetentionDays: 365, MFA: constructs.MFARequired,
		DeletionProtection: true, ThrottleRateLimit: 5, ThrottleBurstLimit: 9})
	if err != nil {
		t.Fatalf("synth: %v", err)
	}
	rs := byTypeName(res)
	fn := rs["aws:lambda/function:Function web-items"].Inputs
	if num(fn["memorySize"]) != "1024" || num(fn["timeout"]) != "20" {
		t.Errorf("items memory %v timeout %v; want 1024 and 20", fn["memorySize"], fn["timeout"])
	}
	if got := num(rs["aws:cloudwatch/logGroup:LogGroup web-items"].Inputs["retentionInDays"]); got != "365" {
		t.Errorf("log retention %v; want 365", got)
	}
	if got := rs["aws:dynamodb/table:Table web-items"].Inputs["deletionProtectionEnabled"]; got != true {
		t.Errorf("table deletion protection %v; want true", got)
	}
	pool := rs["aws:cognito/userPool:UserPool web-users"].Inputs
	if pool["mfaConfiguration"] != "ON" || pool["deletionProtection"] != "ACTIVE" {
		t.Errorf("user pool mfa %v protection %v; want ON and ACTIVE", pool["mfaConfiguration"], pool["deletionProtection"])
	}
	settings := rs["aws:apigateway/methodSettings:MethodSettings web-api"].Inputs["settings"].(map[string]any)
	if num(settings["throttlingRateLimit"]) != "5" || num(settings["throttlingBurstLimit"]) != "9" {
		t.Errorf("throttling %v; want rate 5 burst 9", settings)
	}
	for _, g := range []string{"web-api-access", "web-api-execution"} {
		if got := num(rs["aws:cloudwatch/logGroup:LogGroup "+g].Inputs["retentionInDays"]); got != "365" {
			t.Errorf("API log group %s retention %v; want 365", g, got)
		}
	}
}

// TestWebAppAPILogs checks the API's logs follow AccountLogRole and
// DisableAPILogs.
func TestWebAppAPILogs(t *testing.T) {
	t.Run("with the account log role", func(t *testing.T) {
		res, err := synthesize(t, webapp.Args{})
		if err != nil {
			t.Fatalf("synth: %v", err)
		}
		rs := byTypeName(res)
		account, ok := rs["aws:apigateway/account:Account apigw"]
		if !ok {
			t.Fatalf("no account setting registered")
		}
		stage := rs["aws:apigateway/stage:Stage web-api"]
		if !slices.Contains(stage.Dependencies, account.URN) {
			t.Errorf("stage dependencies %q: want the account setting %s", stage.Dependencies, account.URN)
		}
		if stage.Inputs["accessLogSettings"] == nil {
			t.Errorf("stage accessLogSettings: got none; want access logs")
		}
		execLogs, ok := rs["aws:cloudwatch/logGroup:LogGroup web-api-execution"]
		if !ok {
			t.Fatalf("no execution log group")
		}
		settings := rs["aws:apigateway/methodSettings:MethodSettings web-api"]
		if level := settings.Inputs["settings"].(map[string]any)["loggingLevel"]; level != "ERROR" {
			t.Errorf("loggingLevel %v; want ERROR", level)
		}
		if !slices.Contains(settings.Dependencies, execLogs.URN) {
			t.Errorf("method settings dependencies %q: want the execution log group", settings.Dependencies)
		}
	})

	t.Run("disabled", func(t *testing.T) {
		res, err := synthesize(t, webapp.Args{DisableAPILogs: true})
		if err != nil {
			t.Fatalf("synth: %v", err)
		}
		rs := byTypeName(res)
		for _, g := range []string{"web-api-access", "web-api-execution"} {
			if _, ok := rs["aws:cloudwatch/logGroup:LogGroup "+g]; ok {
				t.Errorf("log group %s registered with DisableAPILogs; want none", g)
			}
		}
		if got := rs["aws:apigateway/stage:Stage web-api"].Inputs["accessLogSettings"]; got != nil {
			t.Errorf("stage accessLogSettings %v; want none", got)
		}
		if level := rs["aws:apigateway/methodSettings:MethodSettings web-api"].Inputs["settings"].(map[string]any)["loggingLevel"]; level != "OFF" {
			t.Errorf("loggingLevel %v; want OFF", level)
		}
	})

	t.Run("role and disabled", func(t *testing.T) {
		_, err := synth.Run(context.Background(), synth.Request{Root: root, Stack: "dev"},
			func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
				acct, err := constructs.NewApiGatewayAccount(ctx, "apigw", &constructs.ApiGatewayAccountArgs{})
				if err != nil {
					return nil, err
				}
				_, err = webapp.New(ctx, "web", &webapp.Args{Root: root, AccountLogRole: acct.LogRole(), DisableAPILogs: true})
				return nil, err
			})
		var ve *constructs.ValidationError
		if !errors.As(err, &ve) || !strings.Contains(err.Error(), "AccountLogRole") || !strings.Contains(err.Error(), "DisableLogs") {
			t.Errorf("got %v; want a *constructs.ValidationError naming AccountLogRole and DisableLogs", err)
		}
	})
}

// num renders a synth number for comparison, whatever its Go type.
func num(v any) string { return fmt.Sprint(v) }

func TestWebAppBadArgsRegisterNothing(t *testing.T) {
	res, err := synth.Run(context.Background(), synth.Request{Root: root, Stack: "dev"},
		func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
			_, err := webapp.New(ctx, "web", &webapp.Args{Root: root, MemoryMB: 64, TimeoutSeconds: 60, LogRetentionDays: 8,
				MFA: "SMS", SiteDir: "does/not/exist", DomainNames: []string{"app.example.com"}})
			return nil, err
		})
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
	if res == nil || len(res.Resources) != 0 {
		t.Errorf("bad args registered %v; want nothing", res)
	}
}
