package stacks

import (
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/synth"
)

func TestLoadConfigDefaults(t *testing.T) {
	got, err := LoadConfig(map[string]string{"aws:region": "eu-west-1", "kumo:apiGatewayLogRoleStack": "shared"})
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	want := defaultConfig()
	want.Region = "eu-west-1"
	want.APIGatewayLogRoleStack = "shared"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v; want %+v", got, want)
	}
}

func TestLoadConfigParsesEveryType(t *testing.T) {
	raw := map[string]string{
		"aws:region":                         "us-east-2",
		"aws:profile":                        "ignored-other-namespace",
		"kumo:patterns":                      `["webapp"]`,
		"kumo:memoryMB":                      "512",
		"kumo:timeoutSeconds":                "20",
		"kumo:logRetentionDays":              "365",
		"kumo:apiRateLimit":                  "50",
		"kumo:apiBurstLimit":                 "75",
		"kumo:mfa":                           "ON",
		"kumo:deletionProtection":            "true",
		"kumo:domainNames":                   `["app.example.com"]`,
		"kumo:certificateArn":                "arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0b0a-0908-0706-050403020100",
		"kumo:apiGatewayLogRoleStack":        "shared-us-east-2",
		"kumo:apiLogs":                       "true",
		"kumo:itemsReservedConcurrency":      "0",
		"kumo:deploymentPreference":          "Linear20PercentEvery4Minutes",
		"kumo:deploymentPreferenceOverrides": `["health=AllAtOnce", " items = Canary10Percent30Minutes "]`,
		"kumo:durationAlarmP99Ms":            "2500",
		"kumo:smokeTest":                     "true",
	}
	got, err := LoadConfig(raw)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	zero := 0
	want := Config{
		Region: "us-east-2", Patterns: []string{"webapp"}, MemoryMB: 512, TimeoutSeconds: 20, LogRetentionDays: 365,
		APIRateLimit: 50, APIBurstLimit: 75, MFA: constructs.MFARequired, DeletionProtection: true,
		DomainNames: []string{"app.example.com"}, CertificateArn: raw["kumo:certificateArn"],
		APIGatewayLogRoleStack: "shared-us-east-2", APILogs: true, ItemsReservedConcurrency: &zero,
		DeploymentPreference: "Linear20PercentEvery4Minutes",
		DeploymentPreferenceOverrides: map[string]constructs.DeploymentPreference{
			"health": constructs.AllAtOnce, "items": constructs.Canary10Percent30Minutes},
		DurationAlarmP99Ms: 2500, SmokeTest: true, LambdaConcurrencyQuota: 1000,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v; want %+v", got, want)
	}
}

func TestLoadConfigReportsEveryProblemAtOnce(t *testing.T) {
	raw := map[string]string{
		"aws:region":                         "Europe",
		"kumo:memoryMB":                      "64",
		"kumo:timeoutSeconds":                "60",
		"kumo:logRetentionDays":              "8",
		"kumo:apiRateLimit":                  "fast",
		"kumo:apiBurstLimit":                 "0",
		"kumo:mfa":                           "SMS",
		"kumo:deletionProtection":            "yes please",
		"kumo:patterns":                      `["webapp","datalake"]`,
		"kumo:domainNames":                   "app.example.com",
		"kumo:memorySize":                    "256",
		"kumo:itemsReservedConcurrency":      "-2",
		"kumo:apiGatewayAccountLogRole":      "true",
		"kumo:deploymentPreference":          "Canary150Percent5Minutes",
		"kumo:deploymentPreferenceOverrides": `["search=AllAtOnce", "items=Sometimes"]`,
		"kumo:durationAlarmP99Ms":            "-3",
	}
	_, err := LoadConfig(raw)
	var ve *constructs.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v; want a *constructs.ValidationError", err)
	}
	want := []string{
		`aws:region: "Europe" is not an AWS region`,
		`kumo:memoryMB: 64 is outside 128–10240 MB`,
		`kumo:timeoutSeconds: 60 is outside 1–29 s`,
		`kumo:logRetentionDays: 8 is not a CloudWatch Logs retention`,
		`kumo:apiRateLimit: "fast" is not a whole number`,
		`kumo:apiBurstLimit: 0 must be at least 1`,
		`kumo:mfa: "SMS" is not an MFA setting; use OFF, OPTIONAL or ON`,
		`kumo:deletionProtection: "yes please" is not a boolean`,
		`kumo:patterns: "datalake" is not a pattern; use one of webapp, apigateway-account`,
		`kumo:domainNames: "app.example.com" is not a list of strings`,
		`kumo:memorySize: unknown config key (did you mean kumo:memoryMB?)`,
		`kumo:itemsReservedConcurrency: -2 is negative; use 0 to stop the function or -1 for unreserved`,
		`kumo:apiGatewayAccountLogRole: no longer supported; API Gateway's region-wide log role is one setting per account and region`,
		`kumo:apiGatewayLogRoleStack: not set; the web app's API logs need API Gateway's region-wide CloudWatch Logs role`,
		`kumo:deploymentPreference: "Canary150Percent5Minutes" shifts 150 %; use 1–99`,
		`kumo:deploymentPreferenceOverrides: items: "Sometimes" is not a deployment preference`,
		`kumo:deploymentPreferenceOverrides: "search" is not a function; use one of items, health`,
		`kumo:durationAlarmP99Ms: -3 must not be negative`,
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("got %d problems; want %d:\n%v", len(ve.Problems), len(want), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

// TestAPIGatewayLogRoleOwnership: exactly one place manages API Gateway's
// region-wide log role, and a web app with logs must say which.
func TestAPIGatewayLogRoleOwnership(t *testing.T) {
	cases := []struct {
		name    string
		raw     map[string]string
		wantErr string
	}{
		{"web app referencing the shared stack", map[string]string{"kumo:apiGatewayLogRoleStack": "shared-eu-west-1"}, ""},
		{"web app without logs", map[string]string{"kumo:apiLogs": "false"}, ""},
		{"web app managing the role itself", map[string]string{"kumo:patterns": `["webapp","apigateway-account"]`}, ""},
		{"the shared stack", map[string]string{"kumo:patterns": `["apigateway-account"]`}, ""},
		{"web app with logs and nothing managing the role", map[string]string{},
			`kumo:apiGatewayLogRoleStack: not set; the web app's API logs need API Gateway's region-wide CloudWatch Logs role, which one stack per account and region manages with the apigateway-account pattern: set this key to that stack's name (e.g. shared-eu-west-1), add apigateway-account to kumo:patterns, or set kumo:apiLogs: false`},
		{"both ways at once", map[string]string{"kumo:patterns": `["webapp","apigateway-account"]`, "kumo:apiGatewayLogRoleStack": "shared"},
			`kumo:apiGatewayLogRoleStack: "shared" is set, but this stack runs the apigateway-account pattern itself`},
		{"reference without a web app", map[string]string{"kumo:patterns": `["apigateway-account"]`, "kumo:apiGatewayLogRoleStack": "x"},
			`kumo:apiGatewayLogRoleStack: "x" is set, but this stack runs the apigateway-account pattern itself`},
		{"the retired key", map[string]string{"kumo:apiGatewayAccountLogRole": "true", "kumo:apiGatewayLogRoleStack": "shared"},
			`kumo:apiGatewayAccountLogRole: no longer supported`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := map[string]string{"aws:region": "eu-west-1"}
			for k, v := range c.raw {
				raw[k] = v
			}
			_, err := LoadConfig(raw)
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("got %v; want no error", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("got %v; want an error containing %q", err, c.wantErr)
			}
		})
	}
}

func TestLoadConfigRequiresRegion(t *testing.T) {
	_, err := LoadConfig(map[string]string{})
	if err == nil || !strings.Contains(err.Error(), "aws:region: not set") {
		t.Errorf("got %v; want a missing aws:region error", err)
	}
}

// TestPulumiYAMLDeclaresEveryKey keeps the project file, which `pulumi
// config` and the engine read, in step with the keys the program parses.
func TestPulumiYAMLDeclaresEveryKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var project struct {
		Name   string `yaml:"name"`
		Main   string `yaml:"main"`
		Config map[string]struct {
			Type        string `yaml:"type"`
			Description string `yaml:"description"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &project); err != nil {
		t.Fatal(err)
	}
	if project.Name != Namespace {
		t.Errorf("project name %q; want %q (the config namespace)", project.Name, Namespace)
	}
	if _, err := os.Stat(filepath.Join("..", project.Main, "main.go")); err != nil {
		t.Errorf("main %q: %v", project.Main, err)
	}
	for _, k := range Keys {
		decl, ok := project.Config[k.Name]
		switch {
		case !ok:
			t.Errorf("Pulumi.yaml does not declare %s", k.Name)
		case decl.Type != k.Type:
			t.Errorf("%s: Pulumi.yaml type %q; want %q", k.Name, decl.Type, k.Type)
		case decl.Description != k.Description+" Default: "+k.Default+".":
			t.Errorf("%s: Pulumi.yaml description %q; want %q", k.Name, decl.Description, k.Description+" Default: "+k.Default+".")
		}
		delete(project.Config, k.Name)
	}
	for name := range project.Config {
		t.Errorf("Pulumi.yaml declares %s, which kumo does not read", name)
	}
}

// TestStackFilesAreValid checks the shipped example stacks parse cleanly.
func TestStackFilesAreValid(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "Pulumi.*.yaml"))
	for _, file := range files {
		stack := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(file), "Pulumi."), ".yaml")
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Config map[string]any `yaml:"config"`
		}
		if err := yaml.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		raw := map[string]string{}
		for k, v := range f.Config {
			switch v := v.(type) {
			case string:
				raw[k] = v
			case []any:
				var items []string
				for _, i := range v {
					items = append(items, `"`+i.(string)+`"`)
				}
				raw[k] = "[" + strings.Join(items, ",") + "]"
			default:
				raw[k] = strings.TrimSpace(yamlScalar(t, v))
			}
		}
		if _, err := LoadConfig(raw); err != nil {
			t.Errorf("Pulumi.%s.yaml: %v", stack, err)
		}
	}
}

func yamlScalar(t *testing.T, v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestREADMEDocumentsEveryKey keeps the README's config reference in step.
func TestREADMEDocumentsEveryKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys {
		row := "| `" + Namespace + ":" + k.Name + "` | " + k.Type + " | " + k.Default + " | " + k.Description + " |"
		if !strings.Contains(string(b), row) {
			t.Errorf("README lacks the row\n%s", row)
		}
	}
}

// TestShippedStacksPassEngineValidation runs the Pulumi engine's own config
// validation (what `pulumi up` checks before the program starts) over every
// shipped stack file: a declared key without a default would make the engine
// demand it from every stack.
func TestShippedStacksPassEngineValidation(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "Pulumi.*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d shipped stack files; want at least dev and prod", len(files))
	}
	for _, f := range files {
		stack := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")
		if err := synth.ValidateWithEngine("..", stack); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

// TestEngineValidationRefusesKeyWithoutDefault proves the check above can
// fail: the engine's message for the fault kumo's first release shipped.
func TestEngineValidationRefusesKeyWithoutDefault(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Pulumi.yaml", "name: kumo\nruntime: go\nconfig:\n  memoryMB:\n    type: integer\n  certificateArn:\n    type: string\n    default: \"\"\n")
	write("Pulumi.prod.yaml", "config:\n  aws:region: eu-west-1\n")
	err := synth.ValidateWithEngine(dir, "prod")
	if err == nil || !strings.Contains(err.Error(), "Stack 'prod' is missing configuration value 'memoryMB'") {
		t.Fatalf("got %v; want the engine's missing configuration value error for memoryMB", err)
	}
	write("Pulumi.prod.yaml", "config:\n  aws:region: eu-west-1\n  kumo:memoryMB: lots\n")
	if err := synth.ValidateWithEngine(dir, "prod"); err == nil || !strings.Contains(err.Error(), "must be of type 'integer'") {
		t.Fatalf("got %v; want the engine's type error for memoryMB", err)
	}
}

// TestPulumiYAMLDefaultsAreTheGoDefaults keeps one source of truth: each
// key's Pulumi.yaml default is its documented default, and parsing all of
// them gives exactly the config kumo uses when nothing is set.
func TestPulumiYAMLDefaultsAreTheGoDefaults(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var project struct {
		Config map[string]struct {
			Default yaml.Node `yaml:"default"`
		} `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &project); err != nil {
		t.Fatal(err)
	}
	raw := map[string]string{"aws:region": "eu-west-1", "kumo:apiGatewayLogRoleStack": "shared"}
	for _, k := range Keys {
		if k.Name == "apiGatewayLogRoleStack" {
			continue // the one key every web app stack must set
		}
		node := project.Config[k.Name].Default
		if node.Kind == 0 {
			t.Errorf("%s: Pulumi.yaml declares no default (the engine would require it in every stack)", k.Name)
			continue
		}
		var got, want any
		if err := node.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal([]byte(k.Default), &want); err != nil {
			t.Fatalf("%s: Keys default %q is not YAML: %v", k.Name, k.Default, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Pulumi.yaml default %#v; Keys default %#v", k.Name, got, want)
		}
		if s, ok := got.(string); ok {
			raw[Namespace+":"+k.Name] = s
		} else {
			enc, _ := json.Marshal(got)
			raw[Namespace+":"+k.Name] = string(enc)
		}
	}
	fromDefaults, err := LoadConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	unset, err := LoadConfig(map[string]string{"aws:region": "eu-west-1", "kumo:apiGatewayLogRoleStack": "shared"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromDefaults, unset) {
		t.Errorf("config from Pulumi.yaml defaults\n%+v\ndiffers from kumo's Go defaults\n%+v", fromDefaults, unset)
	}
}

// TestValidateAllReportsEveryProblemOnce: config problems and pattern-level
// problems come in one report, before any resource exists, and a key that
// failed its own check is not reported again by the pattern.
func TestValidateAllReportsEveryProblemOnce(t *testing.T) {
	raw := map[string]string{
		"aws:region": "eu-west-1", "kumo:apiGatewayLogRoleStack": "shared",
		"kumo:memoryMB": "64", "kumo:domainNames": `["app.example.com"]`,
	}
	_, err := validateAll(raw, nil, "..")
	var ve *constructs.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v; want a *constructs.ValidationError", err)
	}
	want := []string{
		"kumo:memoryMB: 64 is outside 128–10240 MB",
		"kumo:certificateArn: not set, but kumo:domainNames is",
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("got %d problems; want %d:\n%v", len(ve.Problems), len(want), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

// TestBadConfigEachGetsOneClearError: each case is one mistake a user made
// (all were seen in an adversarial run); each gets exactly one error naming
// the key, the value and what is allowed.
func TestBadConfigEachGetsOneClearError(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	cases := []struct {
		name string
		raw  map[string]string
		want []string
	}{
		{"pattern listed twice", map[string]string{"kumo:patterns": `["webapp","webapp"]`},
			[]string{`kumo:patterns: "webapp" is listed twice`}},
		{"empty pattern entry", map[string]string{"kumo:patterns": `["webapp",""]`},
			[]string{`kumo:patterns: has an empty entry`}},
		{"override named twice", map[string]string{"kumo:deploymentPreferenceOverrides": `["items=AllAtOnce","items=Canary10Percent5Minutes"]`},
			[]string{`function "items" is listed twice`}},
		{"two malformed overrides", map[string]string{"kumo:deploymentPreferenceOverrides": `["items","health:AllAtOnce"]`},
			[]string{`entry "items" is not function=preference`, `entry "health:AllAtOnce" is not function=preference`}},
		{"namespace typo", map[string]string{"kumoo:memoryMB": "512"},
			[]string{`kumoo:memoryMB: namespace "kumoo" is not read by this stack`, "did you mean kumo:memoryMB?"}},
		{"another project's namespace", map[string]string{"shop:memoryMB": "512"},
			[]string{`shop:memoryMB: namespace "shop" is not read by this stack`}},
		{"AWS provider typo", map[string]string{"aws:regoin": "eu-west-1"},
			[]string{`aws:regoin: is not a setting of the AWS provider (did you mean aws:region?)`}},
		{"boolean as 1", map[string]string{"kumo:deletionProtection": "1"},
			[]string{`kumo:deletionProtection: "1" is not a boolean; use true or false`}},
		{"boolean as T", map[string]string{"kumo:smokeTest": "T"},
			[]string{`kumo:smokeTest: "T" is not a boolean; use true or false`}},
		{"made-up region", map[string]string{"aws:region": "mars-1"},
			[]string{`aws:region: "mars-1" is not an AWS region the AWS SDK knows`}},
		{"region-shaped fake", map[string]string{"aws:region": "xx-fake-9"},
			[]string{`aws:region: "xx-fake-9" is not an AWS region the AWS SDK knows`}},
		{"misspelt region", map[string]string{"aws:region": "eu-wset-1"},
			[]string{`did you mean eu-west-1?`}},
		{"duplicate domain", map[string]string{"kumo:domainNames": `["app.example.com","app.example.com"]`, "kumo:certificateArn": testCert},
			[]string{`kumo:domainNames: "app.example.com" is listed twice`}},
		{"70-character DNS label", map[string]string{"kumo:domainNames": `["` + strings.Repeat("a", 70) + `.example.com"]`, "kumo:certificateArn": testCert},
			[]string{`kumo:domainNames:`, `has a label of 70 characters; a DNS label has at most 63`}},
		{"certificate outside us-east-1", map[string]string{"kumo:domainNames": `["app.example.com"]`, "kumo:certificateArn": strings.Replace(testCert, "us-east-1", "eu-west-1", 1)},
			[]string{`kumo:certificateArn:`, "CloudFront takes certificates only from us-east-1"}},
		{"p99 alarm above the timeout", map[string]string{"kumo:durationAlarmP99Ms": "15000"},
			[]string{`kumo:durationAlarmP99Ms: 15000 ms can never be exceeded: the functions time out at 10 s`}},
		{"concurrency beyond the account", map[string]string{"kumo:itemsReservedConcurrency": "950"},
			[]string{`kumo:itemsReservedConcurrency: 950 exceeds what the account can reserve: 900`}},
		{"a 100 KB bad value", map[string]string{"kumo:mfa": long},
			[]string{`kumo:mfa: "` + strings.Repeat("x", 60) + `"… (100000 characters) is not an MFA setting`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := map[string]string{"aws:region": "eu-west-1", "kumo:apiGatewayLogRoleStack": "shared"}
			maps.Copy(raw, c.raw)
			_, err := validateAll(raw, nil, "..")
			var ve *constructs.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v; want a *constructs.ValidationError", err)
			}
			if len(ve.Problems) != 1 {
				t.Errorf("got %d problems; want exactly 1:\n%v", len(ve.Problems), err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if len(err.Error()) > 2000 {
				t.Errorf("error is %d bytes long; echoed values must be cut", len(err.Error()))
			}
		})
	}
}

// TestSecretValuesNeverShown: a bad value of a secret key is reported
// without the value.
func TestSecretValuesNeverShown(t *testing.T) {
	raw := map[string]string{"aws:region": "eu-west-1", "kumo:apiGatewayLogRoleStack": "shared", "kumo:memoryMB": "hunter2"}
	_, err := ParseConfig(raw, func(k string) bool { return k == "kumo:memoryMB" })
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "kumo:memoryMB: [secret] is not a whole number") {
		t.Fatalf("got %v; want the problem without the value", err)
	}
	// An encrypted value synth could not decrypt arrives as the
	// placeholder: its checks are skipped (synth says so), not failed.
	raw["kumo:memoryMB"] = secretPlaceholder
	if _, err := ParseConfig(raw, func(k string) bool { return k == "kumo:memoryMB" }); err != nil {
		t.Fatalf("got %v; want the undecryptable value's checks skipped", err)
	}
}

// TestAWSKeysAreTheProvidersKeys keeps awsKeys equal to the config keys of
// the pulumi-aws SDK this module builds with.
func TestAWSKeysAreTheProvidersKeys(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pulumi/pulumi-aws/sdk/v6").Output()
	if err != nil {
		t.Fatalf("locate pulumi-aws: %v", err)
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "go", "aws", "config", "config.go"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range regexp.MustCompile(`"aws:([A-Za-z0-9]+)"`).FindAllStringSubmatch(string(src), -1) {
		if !slices.Contains(got, m[1]) {
			got = append(got, m[1])
		}
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(awsKeys)); !slices.Equal(got, want) {
		t.Errorf("pulumi-aws config keys %v\ndiffer from awsKeys %v", got, want)
	}
}

const testCert = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"

// TestSecretValuesNeverShownInRangeChecks: a decrypted secret that breaks a
// range is reported by key only.
func TestSecretValuesNeverShownInRangeChecks(t *testing.T) {
	raw := map[string]string{"aws:region": "eu-west-1", "kumo:apiGatewayLogRoleStack": "shared",
		"kumo:memoryMB": "64", "kumo:certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/abc", "kumo:domainNames": `["app.example.com"]`}
	secret := func(k string) bool { return k == "kumo:memoryMB" || k == "kumo:certificateArn" }
	_, err := ParseConfig(raw, secret)
	if err == nil {
		t.Fatal("want errors")
	}
	for _, leaked := range []string{"64 ", "certificate/abc"} {
		if strings.Contains(err.Error(), leaked) {
			t.Errorf("error shows the secret %q:\n%v", leaked, err)
		}
	}
	for _, w := range []string{"kumo:memoryMB: [secret] is outside 128–10240 MB", "kumo:certificateArn: [secret] is in eu-west-1"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}
