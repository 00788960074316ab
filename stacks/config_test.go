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
	"github.com/kumo-iac/kumo/internal/testinputs"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/webapp"
)

const testCert = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"

// base is a valid web app stack; cases change it.
func base() map[string]string {
	return map[string]string{"aws:region": "eu-west-1", "kumo:apiGatewayLogRoleStack": "shared"}
}

func with(raw map[string]string, kv ...string) map[string]string {
	out := maps.Clone(raw)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func webConfig(t *testing.T, c Config) webapp.Config {
	t.Helper()
	w, ok := c.Sections[webapp.Name].(*webapp.Config)
	if !ok {
		t.Fatalf("no web app section in %+v", c)
	}
	return *w
}

func TestLoadConfigDefaults(t *testing.T) {
	got, err := LoadConfig(base())
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if got.Region != "eu-west-1" || !slices.Equal(got.Patterns, []string{"webapp"}) || got.DeploymentPreference != constructs.DefaultDeploymentPreference ||
		got.LambdaConcurrencyQuota != DefaultLambdaConcurrencyQuota || got.APIGatewayLogRoleStack != "shared" {
		t.Errorf("stack-level config %+v; want the defaults", got)
	}
	if w := webConfig(t, got); !reflect.DeepEqual(w, webapp.DefaultConfig()) {
		t.Errorf("web app section %+v; want its defaults %+v", w, webapp.DefaultConfig())
	}
}

// TestLoadConfigParsesEveryType: stack-level keys and every key of the web
// app's section, each with a non-default value.
func TestLoadConfigParsesEveryType(t *testing.T) {
	raw := with(base(),
		"aws:region", "us-east-2",
		"kumo:patterns", `["webapp","datalake"]`,
		"kumo:deploymentPreference", "Linear20PercentEvery4Minutes",
		"kumo:lambdaConcurrencyQuota", "5000",
		"kumo:webapp", `{"memoryMB":512,"timeoutSeconds":20,"logRetentionDays":365,"apiRateLimit":50,"apiBurstLimit":75,"mfa":"ON",`+
			`"deletionProtection":true,"domainNames":["app.example.com"],"certificateArn":"`+testCert+`","apiLogs":true,`+
			`"itemsReservedConcurrency":0,"deploymentPreferenceOverrides":["health=AllAtOnce"],"durationAlarmP99Ms":2500,"smokeTest":true,`+
			`"itemsAuthorizer":"request","tokenIssuer":"https://idp.example.com/","tokenAudience":"api","tokenJwksUrl":"https://idp.example.com/jwks",`+
			`"tokenRequiredScopes":["items:read"],"tokenAdminScope":"items:admin","requestIdentitySources":["stageVariables.scheme"],"apiClients":["acme=rate:5"],`+
			`"apiDomainName":"api.example.com","hostedZoneId":"Z0123456789ABCDEFGHIJ","secondaryRegion":"us-west-2","multiRegionMode":"active-active",`+
			`"secondaryApiGatewayLogRoleStack":"shared-us-west-2"}`)
	got, err := LoadConfig(raw)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if got.Region != "us-east-2" || !slices.Equal(got.Patterns, []string{"webapp", "datalake"}) ||
		got.DeploymentPreference != "Linear20PercentEvery4Minutes" || got.LambdaConcurrencyQuota != 5000 {
		t.Errorf("stack-level config %+v", got)
	}
	want := webapp.Config{MemoryMB: 512, TimeoutSeconds: 20, LogRetentionDays: 365, APIRateLimit: 50, APIBurstLimit: 75, MFA: constructs.MFARequired,
		Protect: true, DomainNames: []string{"app.example.com"}, CertificateArn: testCert, APILogs: true, ItemsConcurrency: 0,
		Overrides: []string{"health=AllAtOnce"}, DurationP99Ms: 2500, SmokeTest: true,
		ItemsAuthorizer: "request", TokenIssuer: "https://idp.example.com/", TokenAudience: "api", TokenJwksURL: "https://idp.example.com/jwks",
		TokenScopes: []string{"items:read"}, TokenAdminScope: "items:admin", RequestSources: []string{"stageVariables.scheme"}, APIClients: []string{"acme=rate:5"},
		APIDomainName: "api.example.com", HostedZoneID: "Z0123456789ABCDEFGHIJ", SecondaryRegion: "us-west-2", MultiRegionMode: "active-active",
		SecondaryLogRole: "shared-us-west-2"}
	if w := webConfig(t, got); !reflect.DeepEqual(w, want) {
		t.Errorf("web app section\n%+v\nwant\n%+v", w, want)
	}
}

func TestLoadConfigRequiresRegion(t *testing.T) {
	_, err := LoadConfig(map[string]string{})
	if err == nil || !strings.Contains(err.Error(), "aws:region: not set") {
		t.Fatalf("got %v; want aws:region: not set", err)
	}
}

// TestValidateAllReportsEveryProblemOnce: stack-level problems, section
// problems and pattern-level problems come in one report, before any
// resource exists, and a key that failed its own check is not reported
// again by the pattern's constructs.
func TestValidateAllReportsEveryProblemOnce(t *testing.T) {
	raw := with(base(), "aws:region", "Europe", "kumo:patterns", `["webapp","webapp"]`, "kumo:memorySize", "256",
		"kumo:webapp", `{"memoryMB":64,"domainNames":["app.example.com"],"mfa":"SMS","deletionProtection":"yes please","color":"red"}`)
	_, err := validateAll(raw, nil, "..")
	var ve *constructs.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %v; want a *constructs.ValidationError", err)
	}
	want := []string{
		`aws:region: "Europe" is not an AWS region the AWS SDK knows`,
		`kumo:patterns: "webapp" is listed twice`,
		`kumo:memorySize: unknown config key (did you mean kumo:webapp.memoryMB?)`,
		`kumo:webapp.color: unknown key of the webapp section`,
		`kumo:webapp.deletionProtection: "yes please" is not a boolean; use true or false`,
		`kumo:webapp.memoryMB: 64 is outside 128–10240 MB`,
		`kumo:webapp.mfa: "SMS" is not an MFA setting; use OFF, OPTIONAL or ON`,
		`kumo:webapp.certificateArn: not set, but kumo:webapp.domainNames is`,
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
	web := func(section string) []string { return []string{"kumo:webapp", section} }
	cases := []struct {
		name string
		kv   []string
		want []string
	}{
		{"pattern listed twice", []string{"kumo:patterns", `["webapp","webapp"]`}, []string{`kumo:patterns: "webapp" is listed twice`}},
		{"empty pattern entry", []string{"kumo:patterns", `["webapp",""]`}, []string{`kumo:patterns: has an empty entry`}},
		{"override named twice", web(`{"deploymentPreferenceOverrides":["items=AllAtOnce","items=Canary10Percent5Minutes"]}`),
			[]string{`function "items" is listed twice`}},
		{"namespace typo", []string{"kumoo:patterns", `["webapp"]`}, []string{`kumoo:patterns: namespace "kumoo" is not read by this stack`, "did you mean kumo:patterns?"}},
		{"another project's namespace", []string{"shop:memoryMB", "512"}, []string{`shop:memoryMB: namespace "shop" is not read by this stack`}},
		{"a web app key at stack level", []string{"kumo:memoryMB", "512"}, []string{`kumo:memoryMB: no longer a stack-level key`, "kumo:webapp.memoryMB"}},
		{"AWS provider typo", []string{"aws:regoin", "eu-west-1"}, []string{`aws:regoin: is not a setting of the AWS provider (did you mean aws:region?)`}},
		{"section key typo", web(`{"memorySize":512}`), []string{`kumo:webapp.memorySize: unknown key of the webapp section (did you mean kumo:webapp.memoryMB?)`}},
		{"section that is not a section", web(`"big"`), []string{`kumo:webapp: is not a section of keys`}},
		{"boolean as 1", web(`{"deletionProtection":1}`), []string{`kumo:webapp.deletionProtection: "1" is not a boolean; use true or false`}},
		{"boolean as a string", web(`{"smokeTest":"T"}`), []string{`kumo:webapp.smokeTest: "T" is not a boolean`}},
		{"made-up region", []string{"aws:region", "mars-1"}, []string{`aws:region: "mars-1" is not an AWS region the AWS SDK knows`}},
		{"region-shaped fake", []string{"aws:region", "xx-fake-9"}, []string{`aws:region: "xx-fake-9" is not an AWS region the AWS SDK knows`}},
		{"misspelt region", []string{"aws:region", "eu-wset-1"}, []string{`did you mean eu-west-1?`}},
		{"duplicate domain", web(`{"domainNames":["app.example.com","app.example.com"],"certificateArn":"` + testCert + `"}`),
			[]string{`kumo:webapp.domainNames: "app.example.com" is listed twice`}},
		{"70-character DNS label", web(`{"domainNames":["` + strings.Repeat("a", 70) + `.example.com"],"certificateArn":"` + testCert + `"}`),
			[]string{`kumo:webapp.domainNames:`, `has a label of 70 characters; a DNS label has at most 63`}},
		{"certificate outside us-east-1", web(`{"domainNames":["app.example.com"],"certificateArn":"` + strings.Replace(testCert, "us-east-1", "eu-west-1", 1) + `"}`),
			[]string{`kumo:webapp.certificateArn:`, "CloudFront takes certificates only from us-east-1"}},
		{"p99 alarm above the timeout", web(`{"durationAlarmP99Ms":15000}`),
			[]string{`kumo:webapp.durationAlarmP99Ms: 15000 ms can never be exceeded: the functions time out at 10 s`}},
		{"concurrency beyond the account", web(`{"itemsReservedConcurrency":950}`),
			[]string{`kumo:webapp.itemsReservedConcurrency: 950 exceeds what the account can reserve: 900`}},
		{"a 100 KB bad value", web(`{"mfa":"` + long + `"}`),
			[]string{`kumo:webapp.mfa: "` + strings.Repeat("x", 60) + `"… (100000 characters) is not an MFA setting`}},
		{"section of a pattern not listed", []string{"kumo:patterns", `["apigateway-account"]`, "kumo:apiGatewayLogRoleStack", "", "kumo:webapp", `{"memoryMB":512}`},
			[]string{`kumo:webapp: is set, but kumo:patterns does not list webapp`}},
		{"API logs and no log role", []string{"kumo:apiGatewayLogRoleStack", ""},
			[]string{`kumo:webapp.apiLogs: true, but nothing manages API Gateway's region-wide CloudWatch Logs role for this stack`}},
		{"the retired key", []string{"kumo:apiGatewayAccountLogRole", "true"}, []string{`kumo:apiGatewayAccountLogRole: no longer a stack-level key`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := validateAll(with(base(), c.kv...), nil, "..")
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

// TestAPIGatewayLogRoleOwnership: exactly one place manages API Gateway's
// region-wide log role, and a web app with logs must say which.
func TestAPIGatewayLogRoleOwnership(t *testing.T) {
	cases := []struct {
		name    string
		kv      []string
		wantErr string
	}{
		{"web app referencing the shared stack", nil, ""},
		{"web app without logs", []string{"kumo:apiGatewayLogRoleStack", "", "kumo:webapp", `{"apiLogs":false}`}, ""},
		{"web app managing the role itself", []string{"kumo:apiGatewayLogRoleStack", "", "kumo:patterns", `["webapp","apigateway-account"]`}, ""},
		{"the shared stack", []string{"kumo:apiGatewayLogRoleStack", "", "kumo:patterns", `["apigateway-account"]`}, ""},
		{"both ways at once", []string{"kumo:patterns", `["webapp","apigateway-account"]`},
			`kumo:apiGatewayLogRoleStack: "shared" is set, but this stack runs the apigateway-account pattern itself`},
		{"reference without an API", []string{"kumo:patterns", `["datalake"]`},
			`kumo:apiGatewayLogRoleStack: "shared" is set, but no enabled pattern has an API`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := validateAll(with(base(), c.kv...), nil, "..")
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("got %v; want no error", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("got %v; want an error containing %q", err, c.wantErr)
			}
		})
	}
}

// TestSecretValuesNeverShown: a bad value of a secret key, or of any key in
// a section holding a secret, is reported without the value.
func TestSecretValuesNeverShown(t *testing.T) {
	raw := with(base(), "kumo:lambdaConcurrencyQuota", "hunter2",
		"kumo:webapp", `{"memoryMB":64,"certificateArn":"arn:aws:acm:eu-west-1:123456789012:certificate/abc","domainNames":["app.example.com"]}`)
	secret := func(k string) bool { return k == "kumo:lambdaConcurrencyQuota" || k == "kumo:webapp" }
	_, err := validateAll(raw, secret, "..")
	if err == nil {
		t.Fatal("want errors")
	}
	for _, leaked := range []string{"hunter2", "64 ", "certificate/abc"} {
		if strings.Contains(err.Error(), leaked) {
			t.Errorf("error shows the secret %q:\n%v", leaked, err)
		}
	}
	for _, w := range []string{"kumo:lambdaConcurrencyQuota: [secret] is not a whole number", "kumo:webapp.memoryMB: [secret] is outside 128–10240 MB",
		"kumo:webapp.certificateArn: [secret] is in eu-west-1"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
	// An encrypted value synth could not decrypt arrives as the
	// placeholder: its checks are skipped (synth says so), not failed.
	if _, err := validateAll(with(base(), "kumo:webapp", patterns.SecretPlaceholder), secret, ".."); err != nil {
		t.Fatalf("got %v; want the undecryptable section's checks skipped", err)
	}
}

// TestSecondaryProviderCarriesEveryKey: the web app's secondary region
// provider carries every aws: setting but the region, so a second region
// deploys like the first (same account and role, same tags and transport).
func TestSecondaryProviderCarriesEveryKey(t *testing.T) {
	var want []string
	for _, k := range awsKeys {
		if k != "region" {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	if got := webapp.SecondaryProviderKeys(); !slices.Equal(got, want) {
		t.Errorf("the secondary provider carries %v\nwant every aws: key but region: %v", got, want)
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

// projectFile is Pulumi.yaml's config declarations.
type projectFile struct {
	Name   string `yaml:"name"`
	Main   string `yaml:"main"`
	Config map[string]struct {
		Type        string    `yaml:"type"`
		Description string    `yaml:"description"`
		Default     yaml.Node `yaml:"default"`
	} `yaml:"config"`
}

func readProject(t *testing.T) projectFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var p projectFile
	if err := yaml.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPulumiYAMLDeclaresEveryKey keeps the project file, which `pulumi
// config` and the engine read, in step with what the program parses: every
// stack-level key with its type, description and default, and one section
// per registered pattern, defaulting to {}.
func TestPulumiYAMLDeclaresEveryKey(t *testing.T) {
	project := readProject(t)
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
			continue
		case decl.Type != k.Type:
			t.Errorf("%s: Pulumi.yaml type %q; want %q", k.Name, decl.Type, k.Type)
		case decl.Description != k.Description+" Default: "+k.Default+".":
			t.Errorf("%s: Pulumi.yaml description %q; want %q", k.Name, decl.Description, k.Description+" Default: "+k.Default+".")
		}
		var got, want any
		if err := decl.Default.Decode(&got); err != nil || yaml.Unmarshal([]byte(k.Default), &want) != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Pulumi.yaml default %#v; Keys default %q", k.Name, got, k.Default)
		}
		delete(project.Config, k.Name)
	}
	for _, p := range registered {
		decl, ok := project.Config[p.Name()]
		if !ok {
			t.Errorf("Pulumi.yaml does not declare the %s section", p.Name())
			continue
		}
		var got map[string]any
		if err := decl.Default.Decode(&got); err != nil || got == nil || len(got) != 0 {
			t.Errorf("%s section: default %v; want {}", p.Name(), got)
		}
		if want := "The " + sectionTitle(p) + " section: " + p.Description() + " Default: {}."; decl.Description != want {
			t.Errorf("%s section: description %q; want %q", p.Name(), decl.Description, want)
		}
		delete(project.Config, p.Name())
	}
	for name := range project.Config {
		t.Errorf("Pulumi.yaml declares %s, which kumo does not read", name)
	}
}

func sectionTitle(p patterns.Pattern) string {
	switch p.Name() {
	case webapp.Name:
		return "web app's"
	case "datalake":
		return "data lake's"
	case "streamprocessing":
		return "stream processing pattern's"
	case "opsautomation":
		return "operations automation pattern's"
	}
	return p.Name()
}

// TestREADMEDocumentsEveryKey keeps the README's config reference in step:
// a row per stack-level key, and a row per key of each pattern's section,
// from its config type.
func TestREADMEDocumentsEveryKey(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys {
		typ := k.Type
		if typ == "" {
			typ = "list of objects"
		}
		row := "| `" + Namespace + ":" + k.Name + "` | " + typ + " | " + k.Default + " | " + k.Description + " |"
		if !strings.Contains(string(b), row) {
			t.Errorf("README lacks the row\n%s", row)
		}
	}
	for _, p := range registered {
		for _, k := range patterns.Keys(p.NewConfig()) {
			row := "| `" + k.Name + "` | " + k.Type + " | " + k.Default + " | " + k.Description + " |"
			if !strings.Contains(string(b), row) {
				t.Errorf("README lacks the %s row\n%s", p.Name(), row)
			}
		}
	}
}

// TestStackFilesAreValid checks every shipped stack file parses and
// validates cleanly, as the engine hands it to the program.
func TestStackFilesAreValid(t *testing.T) {
	files, _ := testinputs.Glob("..", "Pulumi.*.yaml")
	for _, file := range files {
		stack, ok := synth.StackOfFile(filepath.Base(file))
		if !ok {
			continue // a usage profile for kumo cost
		}
		sc, err := synth.LoadStackConfig("..", stack)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := validateAll(sc.Raw, nil, ".."); err != nil {
			t.Errorf("%s: %v", filepath.Base(file), err)
		}
	}
}

// TestShippedStacksPassEngineValidation runs the Pulumi engine's own config
// validation (what `pulumi up` checks before the program starts) over every
// shipped stack file: a declared key without a default would make the engine
// demand it from every stack.
func TestShippedStacksPassEngineValidation(t *testing.T) {
	files, err := testinputs.Glob("..", "Pulumi.*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 2 {
		t.Fatalf("found %d shipped stack files; want at least dev and prod", len(files))
	}
	for _, f := range files {
		stack, ok := synth.StackOfFile(filepath.Base(f))
		if !ok {
			continue // a usage profile for kumo cost
		}
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

// TestShippedStacksListAllFourPatterns: dev and prod list the four ARC401
// patterns; those kumo does not have yet are skipped.
func TestShippedStacksListAllFourPatterns(t *testing.T) {
	for _, stack := range []string{"dev", "prod"} {
		sc, err := synth.LoadStackConfig("..", stack)
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		if err := json.Unmarshal([]byte(sc.Raw["kumo:patterns"]), &listed); err != nil {
			t.Fatal(err)
		}
		if want := []string{"webapp", "datalake", "streamprocessing", "opsautomation"}; !slices.Equal(listed, want) {
			t.Errorf("%s lists %v; want %v", stack, listed, want)
		}
	}
}
