// Package test holds kumo's end-to-end tests: the whole stack program run
// through the offline synth, compared with reviewed golden files.
package test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/internal/testinputs"
	"github.com/kumo-iac/kumo/stacks"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current synth output")

var root, _ = filepath.Abs("..")

func synthStack(t *testing.T, stack string) *synth.Result {
	t.Helper()
	res, err := synth.Run(context.Background(), synth.Request{Root: root, Stack: stack},
		func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
			return stacks.Build(ctx, raw, stacks.Options{Root: root})
		})
	if err != nil {
		t.Fatalf("synth %s: %v", stack, err)
	}
	return res
}

// normalizeBundles replaces what depends on the Go toolchain that compiled
// the handlers (zip bytes, their hash, the cache file name) with stable
// placeholders, so the golden file reviews infrastructure, not compiler
// versions. TestBundlesAreReproducible covers the bundles themselves.
func normalizeBundles(t *testing.T, res *synth.Result, out []byte) []byte {
	t.Helper()
	pairs := []string{}
	for _, r := range res.Resources {
		if r.Type != "aws:lambda/function:Function" {
			continue
		}
		archive := r.Inputs["code"].(map[string]any)["archive"].(map[string]any)
		for placeholder, v := range map[string]any{
			"path": archive["path"], "sha256": archive["sha256"], "sourceCodeHash": r.Inputs["sourceCodeHash"],
		} {
			s, _ := v.(string)
			if s == "" {
				t.Fatalf("function %s has no %s", r.Name, placeholder)
			}
			pairs = append(pairs, s, fmt.Sprintf("<bundle %s %s>", r.Name, placeholder))
		}
	}
	if len(pairs) == 0 {
		return out
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(out)))
}

// shippedStacks are the stack files in the project root.
func shippedStacks(t *testing.T) []string {
	t.Helper()
	files, err := testinputs.Glob(root, "Pulumi.*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped stack files (%v)", err)
	}
	var out []string
	for _, f := range files {
		// Pulumi.<stack>.usage.yaml is kumo cost's usage profile.
		if stack, ok := synth.StackOfFile(filepath.Base(f)); ok {
			out = append(out, stack)
		}
	}
	return out
}

func TestGoldenSynth(t *testing.T) {
	for _, stack := range shippedStacks(t) {
		t.Run(stack, func(t *testing.T) {
			res := synthStack(t, stack)
			out, err := res.JSON()
			if err != nil {
				t.Fatal(err)
			}
			matchGolden(t, stack+".golden.json", "synth --stack "+stack, normalizeBundles(t, res, out))
		})
	}
}

func TestSynthIsDeterministic(t *testing.T) {
	a, err := synthStack(t, "dev").JSON()
	if err != nil {
		t.Fatal(err)
	}
	b, err := synthStack(t, "dev").JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("two synths of dev differ:\n%s", firstDiff(string(a), string(b)))
	}
}

// TestEveryInvocationGoesThroughAnAlias is the property the canary promise
// rests on: nothing may point at $LATEST or a bare function.
func TestEveryInvocationGoesThroughAnAlias(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		res := synthStack(t, stack)
		functions := map[string]bool{}
		for _, r := range res.Resources {
			if r.Type == "aws:lambda/function:Function" {
				functions[r.Name] = true
			}
		}
		for _, r := range res.Resources {
			switch r.Type {
			case "aws:lambda/permission:Permission":
				if r.Inputs["qualifier"] != "live" {
					t.Errorf("%s: permission %s has qualifier %v; want live", stack, r.Name, r.Inputs["qualifier"])
				}
			case "aws:apigateway/integration:Integration", "aws:apigateway/authorizer:Authorizer":
				for _, key := range []string{"uri", "authorizerUri"} {
					if uri, ok := r.Inputs[key].(string); ok && strings.Contains(uri, ":lambda:") && !strings.HasSuffix(uri, ":live/invocations") {
						t.Errorf("%s: %s %s %s = %q; want the live alias", stack, r.Type, r.Name, key, uri)
					}
				}
			}
		}
		if len(functions) == 0 {
			t.Errorf("%s: no functions synthesized", stack)
		}
	}
}

func TestSecureDefaultsInProd(t *testing.T) {
	res := synthStack(t, "prod")
	byType := map[string][]synth.Resource{}
	for _, r := range res.Resources {
		byType[r.Type] = append(byType[r.Type], r)
	}
	check := func(typ, key string, want any) {
		t.Helper()
		if len(byType[typ]) == 0 {
			t.Errorf("no %s", typ)
		}
		for _, r := range byType[typ] {
			if got := fmt.Sprint(dig(r.Inputs, key)); got != fmt.Sprint(want) {
				t.Errorf("%s %s: %s = %v; want %v", typ, r.Name, key, got, want)
			}
		}
	}
	check("aws:dynamodb/table:Table", "pointInTimeRecovery.enabled", true)
	check("aws:dynamodb/table:Table", "serverSideEncryption.enabled", true)
	check("aws:dynamodb/table:Table", "deletionProtectionEnabled", true)
	check("aws:dynamodb/table:Table", "billingMode", "PAY_PER_REQUEST")
	check("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "blockPublicPolicy", true)
	check("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "restrictPublicBuckets", true)
	check("aws:s3/bucketVersioningV2:BucketVersioningV2", "versioningConfiguration.status", "Enabled")
	check("aws:lambda/function:Function", "tracingConfig.mode", "Active")
	for _, r := range byType["aws:lambda/function:Function"] {
		// kumo:webapp memoryMB sizes the API functions (the smoke-test hook
		// keeps the default); kumo:datalake sizes the catalog's functions
		// and, apart, the MapReduce's.
		want := "512"
		switch r.Name {
		case "web-smoketest":
			want = "256"
		case "lake-splitter", "lake-mapper", "lake-reducer":
			want = "1769"
		}
		if got := fmt.Sprint(r.Inputs["memorySize"]); got != want {
			t.Errorf("function %s: memorySize = %s; want %s", r.Name, got, want)
		}
	}
	check("aws:cloudwatch/logGroup:LogGroup", "retentionInDays", 365)
	check("aws:cognito/userPool:UserPool", "mfaConfiguration", "ON")
	check("aws:cognito/userPool:UserPool", "deletionProtection", "ACTIVE")
	check("aws:apigateway/stage:Stage", "xrayTracingEnabled", true)
	// Canary releases: every API function rolls out through CodeDeploy with
	// automatic rollback on failure, alarm and stop.
	check("aws:codedeploy/deploymentGroup:DeploymentGroup", "deploymentStyle.deploymentType", "BLUE_GREEN")
	check("aws:codedeploy/deploymentGroup:DeploymentGroup", "autoRollbackConfiguration.enabled", true)
	check("aws:codedeploy/deploymentGroup:DeploymentGroup", "alarmConfiguration.enabled", true)
	check("aws:codedeploy/application:Application", "computePlatform", "Lambda")
	if got := len(byType["kumo:index:Release"]); got != 21 {
		t.Errorf("got %d releases; want 21 (items, health, the data lake's five, stream processing's seven and operations automation's seven)", got)
	}
	for _, r := range byType["kumo:index:Release"] {
		want := "CodeDeployDefault.LambdaCanary10Percent5Minutes"
		if r.Name == "web-health" {
			want = "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"
		}
		if got := r.Inputs["deploymentConfigName"]; got != want {
			t.Errorf("release %s: deploymentConfigName %v; want %s", r.Name, got, want)
		}
		if hook := fmt.Sprint(r.Inputs["preTrafficHook"]); r.Name == "web-items" && !regexp.MustCompile(`:function:web-smoketest-[0-9a-f]{7}:live$`).MatchString(hook) {
			t.Errorf("release web-items preTrafficHook %v; want the smoke test's live alias", r.Inputs["preTrafficHook"])
		}
	}
	check("aws:apigateway/methodSettings:MethodSettings", "settings.throttlingRateLimit", 50)
	check("aws:cloudfront/distribution:Distribution", "defaultCacheBehavior.viewerProtocolPolicy", "redirect-to-https")
	for _, r := range byType["aws:s3/bucketPolicy:BucketPolicy"] {
		if p, _ := r.Inputs["policy"].(string); !strings.Contains(p, `"aws:SecureTransport":["false"]`) {
			t.Errorf("bucket policy %s is not TLS-only: %s", r.Name, p)
		}
	}
}

// TestAPIGatewayLogRoleHasOneOwner: API Gateway's log role is one setting
// per account and region, so exactly one shipped stack manages it, and the
// web app stacks order their stages after a reference to that stack.
func TestAPIGatewayLogRoleHasOneOwner(t *testing.T) {
	// The setting is one per account and region, so one stack per region
	// manages it (prod-multiregion's secondary region has its own).
	owners := map[string][]string{}
	for _, stack := range shippedStacks(t) {
		res := synthStack(t, stack)
		for _, r := range res.Resources {
			switch r.Type {
			case "aws:apigateway/account:Account":
				owners[r.Region()] = append(owners[r.Region()], stack)
			case "aws:apigateway/stage:Stage":
				found := false
				for _, d := range r.Dependencies {
					if strings.Contains(d, "pulumi:pulumi:StackReference::") {
						found = true
					}
				}
				if !found {
					t.Errorf("%s: the API stage %s does not depend on a StackReference to the log role's stack: %v", stack, r.Name, r.Dependencies)
				}
			}
		}
	}
	if len(owners) == 0 {
		t.Error("stacks managing aws:apigateway/account: none; want one per region")
	}
	for region, stacks := range owners {
		if len(stacks) != 1 {
			t.Errorf("stacks managing aws:apigateway/account in %s: %v; want exactly one", region, stacks)
		}
	}
}

// TestCloudFrontLogsWaitForACLs: standard logging needs the log bucket's
// ACLs, enabled by its ownership controls; a distribution created first is
// refused.
func TestCloudFrontLogsWaitForACLs(t *testing.T) {
	res := synthStack(t, "prod")
	var dist, ownership *synth.Resource
	for i, r := range res.Resources {
		switch {
		case r.Type == "aws:cloudfront/distribution:Distribution":
			dist = &res.Resources[i]
		case r.Type == "aws:s3/bucketOwnershipControls:BucketOwnershipControls" && dig(r.Inputs, "rule.objectOwnership") == "BucketOwnerPreferred":
			ownership = &res.Resources[i]
		}
	}
	if dist == nil || ownership == nil {
		t.Fatalf("distribution %v, log bucket ownership controls %v; want both", dist != nil, ownership != nil)
	}
	if !strings.Contains(strings.Join(dist.Dependencies, " "), ownership.URN) {
		t.Errorf("distribution depends on %v; want the log bucket's ownership controls %s", dist.Dependencies, ownership.URN)
	}
}

func dig(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// matchGolden compares got with testdata/name, or rewrites it under
// -update; what names the output in the failure message.
func matchGolden(t *testing.T, name, what string, got []byte) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run `go test ./test/ -update` to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s; if the change is intended, run `go test ./test/ -update` and review the diff.\n%s",
			what, golden, firstDiff(string(want), string(got)))
	}
}

// firstDiff shows the first differing line with a little context.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d:\n  want: %s\n  got:  %s", i+1, wl, gl)
		}
	}
	return "(no line differs; trailing bytes differ)"
}
