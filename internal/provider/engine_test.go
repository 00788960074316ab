package provider_test

// This file runs kumo's release through the real Pulumi engine: the Pulumi
// CLI, the pulumi-resource-kumo plugin, and an inline Automation API
// program whose only resource is a kumo:index:Release, against the fake AWS
// endpoint of package fakeaws. Nothing builds the plugin beforehand: the
// program builds it from this module with plugin.Ensure, as every kumo
// program does through constructs.NewReleases, into the empty directory the
// project's plugins.providers names, and the engine starts it from there.
// It shares the provider's test binary rather than linking one of its own.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/fakeaws"
	"github.com/kumo-iac/kumo/internal/plugin"
	"github.com/kumo-iac/kumo/internal/provider"
	"github.com/kumo-iac/kumo/internal/pulumicli"
)

// release is the program's view of a kumo:index:Release.
type release struct {
	pulumi.CustomResourceState

	Version          pulumi.StringOutput `pulumi:"version"`
	PublishedVersion pulumi.StringOutput `pulumi:"publishedVersion"`
	AliasArn         pulumi.StringOutput `pulumi:"aliasArn"`
	LastDeploymentID pulumi.StringOutput `pulumi:"lastDeploymentId"`
}

// program ensures the provider plugin of the project in dir, recording
// what plugin.Ensure did in ensured, then releases function "items" with
// the fingerprint fp returns.
func program(dir string, ensured *[]plugin.Result, fp func() string) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		// The Automation API does not tell inline programs their project
		// directory; `pulumi up` does (ctx.RootDirectory).
		res, err := plugin.Ensure(plugin.WithProjectDir(ctx, dir))
		if err != nil {
			return err
		}
		*ensured = append(*ensured, *res)
		var rel release
		if err := ctx.RegisterResource("kumo:index:Release", "items", pulumi.Map{
			"functionName":         pulumi.String("items"),
			"aliasName":            pulumi.String("live"),
			"fingerprint":          pulumi.String(fp()),
			"deploymentConfigName": pulumi.String("Canary10Percent5Minutes"),
			"applicationName":      pulumi.String("kumo-engine-test"),
			"deploymentGroupName":  pulumi.String("items"),
		}, &rel); err != nil {
			return err
		}
		ctx.Export("version", rel.Version)
		ctx.Export("publishedVersion", rel.PublishedVersion)
		ctx.Export("aliasArn", rel.AliasArn)
		ctx.Export("lastDeploymentId", rel.LastDeploymentID)
		return nil
	}
}

// recordedRelease returns the outputs of the release as the stack's state
// records them.
func recordedRelease(ctx context.Context, t *testing.T, stack auto.Stack) map[string]any {
	t.Helper()
	exported, err := stack.Export(ctx)
	if err != nil {
		t.Fatalf("export the stack: %v", err)
	}
	var dep apitype.DeploymentV3
	if err := json.Unmarshal(exported.Deployment, &dep); err != nil {
		t.Fatalf("parse the exported stack: %v", err)
	}
	for _, r := range dep.Resources {
		if r.Type == "kumo:index:Release" {
			return r.Outputs
		}
	}
	return nil
}

// outputs reads the stack's outputs with `pulumi stack output`. After a
// successful up, use outputValues(res.Outputs) instead: Stack.Up has just
// read them the same way, and every CLI run costs a tenth of a second or
// more.
func outputs(ctx context.Context, t *testing.T, stack auto.Stack) map[string]string {
	t.Helper()
	out, err := stack.Outputs(ctx)
	if err != nil {
		t.Fatalf("stack outputs: %v", err)
	}
	return outputValues(out)
}

func outputValues(out auto.OutputMap) map[string]string {
	m := map[string]string{}
	for k, v := range out {
		m[k] = fmt.Sprint(v.Value)
	}
	return m
}

// mutations renders the fake's mutating calls since the last reset.
func mutations(fake *fakeaws.Server) []string {
	var ops []string
	for _, r := range fake.Mutations() {
		ops = append(ops, r.Op)
	}
	return ops
}

// logWriter collects an operation's progress stream.
type logWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// stream returns the progress stream of one operation, which goes to the
// test log when the test fails (or runs with -v).
func stream(t *testing.T, op string) *logWriter {
	w := &logWriter{}
	t.Cleanup(func() {
		if t.Failed() || testing.Verbose() {
			t.Logf("--- pulumi %s output:\n%s", op, w.String())
		}
	})
	return w
}

func TestReleaseThroughThePulumiEngine(t *testing.T) {
	cli := pulumicli.Find(t, "the engine test")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	// The Automation API runs the CLI as <Root>/bin/pulumi. The project's
	// plugin directory exists but is empty, as in a fresh checkout of a
	// project that commits it: the engine refuses a plugins.providers path
	// that is not a directory before the program runs.
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	projectDir := filepath.Join(root, "project")
	plugins := filepath.Join(projectDir, "bin")
	for _, d := range []string{bin, plugins} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(cli, filepath.Join(bin, "pulumi")); err != nil {
		t.Fatal(err)
	}
	pulumiCmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root, SkipVersionCheck: true})
	if err != nil {
		t.Fatalf("use the Pulumi CLI %s: %v", cli, err)
	}
	// The engine loads the plugin from the directory plugins.providers
	// names, relative to the project as in kumo's Pulumi.yaml, and ignores
	// any pulumi-resource-kumo on PATH.
	project := workspace.Project{
		Name:    "kumo-engine-test",
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Plugins: &workspace.Plugins{Providers: []workspace.PluginOptions{{Name: provider.Name, Path: "./bin"}}},
	}
	exe := filepath.Join(plugins, plugin.Binary())
	if _, err := os.Stat(exe); !os.IsNotExist(err) {
		t.Fatalf("plugin %s exists before the first run (%v); want the program to build it", exe, err)
	}

	// The stack's secrets provider is AWS KMS, stood in for by kms, not
	// the passphrase provider: that one derives its key with a million
	// PBKDF2 rounds in every CLI run (about 0.16 s of CPU each, and the
	// test runs the CLI about 35 times), and nothing here is secret.
	kms := &pulumicli.FakeKMS{}
	kmsServer := httptest.NewServer(kms)
	defer kmsServer.Close()
	secretsProvider := "awskms://alias/kumo-engine-test?awssdk=v2&region=eu-west-1&endpoint=" + url.QueryEscape(kmsServer.URL)

	fake := fakeaws.New()
	endpoint := fake.Start()
	defer fake.Close()
	fake.SetFunction("items", "sha-1", "config-1")

	backend := filepath.Join(root, "state")
	home := filepath.Join(root, "home")
	for _, d := range []string{backend, home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	noAWSFiles := filepath.Join(root, "no-aws-config")
	engineEnv := map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + backend,
		"PULUMI_SKIP_UPDATE_CHECK":                    "1",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "true",
		"PULUMI_HOME":                                 home,
		// The plugin inherits the CLI's environment: only the fake, with
		// static credentials and no shared AWS files, is reachable.
		"AWS_ENDPOINT_URL":                    endpoint,
		"AWS_ENDPOINT_URL_LAMBDA":             endpoint,
		"AWS_ENDPOINT_URL_CODEDEPLOY":         endpoint,
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false",
		"AWS_ACCESS_KEY_ID":                   "AKIDFAKE",
		"AWS_SECRET_ACCESS_KEY":               "secret",
		"AWS_SESSION_TOKEN":                   "",
		"AWS_REGION":                          "eu-west-1",
		"AWS_PROFILE":                         "",
		"AWS_CONFIG_FILE":                     noAWSFiles,
		"AWS_SHARED_CREDENTIALS_FILE":         noAWSFiles,
		// The fake moves a deployment one step per status poll, so a longer
		// interval between polls would only add sleep.
		provider.PollIntervalEnv: "1ms",
	}

	fingerprint := "fp-1"
	var ensured []plugin.Result
	stack, err := auto.NewStackInlineSource(ctx, "engine", project.Name.String(),
		program(projectDir, &ensured, func() string { return fingerprint }),
		auto.Pulumi(pulumiCmd), auto.Project(project), auto.WorkDir(projectDir), auto.PulumiHome(home), auto.EnvVars(engineEnv),
		auto.SecretsProvider(secretsProvider))
	if err != nil {
		t.Fatalf("create the stack: %v", err)
	}
	// kumo's project config shares the provider's "kumo" namespace, and the
	// engine hands every key of a provider's namespace to the provider as
	// its configuration: the plugin must accept the stack keys kumo reads.
	// kumo:patterns[0] makes a list, as a stack file's kumo:patterns is.
	// One `pulumi config set-all` sets them all.
	if err := stack.SetAllConfigWithOptions(ctx, auto.ConfigMap{
		"kumo:memoryMB":               {Value: "512"},
		"kumo:mfa":                    {Value: "ON"},
		"kumo:apiGatewayLogRoleStack": {Value: "shared-eu-west-1"},
		"kumo:patterns[0]":            {Value: "webapp"},
	}, &auto.ConfigOptions{Path: true}); err != nil {
		t.Fatal(err)
	}

	// preview: plans the first release and touches nothing.
	preview := stream(t, "preview (create)")
	if _, err := stack.Preview(ctx, optpreview.ProgressStreams(preview)); err != nil {
		t.Fatalf("preview: %v", err)
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("preview made %d AWS calls (%+v); want none", len(reqs), reqs)
	}
	if kms.Decrypts.Load() == 0 {
		t.Fatalf("the CLI never decrypted the stack's data key with the stand-in KMS; is %s its secrets provider?", secretsProvider)
	}
	if want := "create: alias live of function items on a newly published version"; !strings.Contains(preview.String(), want) {
		t.Errorf("preview output lacks the plan %q", want)
	}
	// The program built the plugin the engine then started (there is no
	// other copy), and said so.
	if len(ensured) != 1 || !ensured[0].Built || ensured[0].Path != exe {
		t.Fatalf("plugin.Ensure in the first preview = %+v; want one build of %s", ensured, exe)
	}
	const builtMsg = "built the kumo provider plugin bin/" + "pulumi-resource-kumo"
	if !strings.Contains(preview.String(), builtMsg) {
		t.Errorf("first preview output lacks %q", builtMsg)
	}
	firstBuild, err := os.Stat(exe)
	if err != nil {
		t.Fatalf("the plugin the first preview built: %v", err)
	}

	// up: publishes version 1 and creates the alias on it.
	up1 := stream(t, "up (create)")
	res, err := stack.Up(ctx, optup.ProgressStreams(up1))
	if err != nil {
		t.Fatalf("first up: %v", err)
	}
	if got := outputValues(res.Outputs); got["version"] != "1" || got["aliasArn"] != "arn:aws:lambda:eu-west-1:123456789012:function:items:live" {
		t.Errorf("outputs after the first up = %v; want version 1 and the alias ARN", got)
	}
	if got, want := mutations(fake), []string{"PublishVersion", "CreateAlias"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("first up made %v; want %v", got, want)
	}
	if a, _ := fake.Alias("items", "live"); a.Version != "1" {
		t.Errorf("alias after the first up = %+v; want version 1", a)
	}

	// change: a configuration-only change of the function and its new
	// fingerprint. The preview shows the planned shift and touches nothing.
	if err := fake.UpdateFunction("items", ""); err != nil {
		t.Fatal(err)
	}
	fingerprint = "fp-2"
	fake.ResetRequests()
	preview2 := stream(t, "preview (change)")
	if _, err := stack.Preview(ctx, optpreview.ProgressStreams(preview2)); err != nil {
		t.Fatalf("preview of the change: %v", err)
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("preview of the change made %d AWS calls (%+v); want none", len(reqs), reqs)
	}
	if want := "publish-and-shift: alias live of function items, version 1 → 2 with CodeDeployDefault.LambdaCanary10Percent5Minutes"; !strings.Contains(preview2.String(), want) {
		t.Errorf("preview output lacks the planned shift %q", want)
	}

	// up: publishes version 2 and runs a canary, its progress in the output.
	up2 := stream(t, "up (canary)")
	res, err = stack.Up(ctx, optup.ProgressStreams(up2))
	if err != nil {
		t.Fatalf("up with the change: %v", err)
	}
	deps := fake.Deployments()
	if len(deps) != 1 || deps[0].Status != fakeaws.StatusSucceeded || deps[0].CurrentVersion != "1" || deps[0].TargetVersion != "2" {
		t.Fatalf("deployments = %+v; want one succeeded canary 1 → 2", deps)
	}
	canary := deps[0].ID
	for _, want := range []string{
		"published version 2 of function items",
		"created deployment " + canary + ": alias live of function items, version 1 → 2 with CodeDeployDefault.LambdaCanary10Percent5Minutes",
		"deployment " + canary + " InProgress: 10% of traffic on version 2 (alias live), 90% on version 1",
		"deployment " + canary + " Succeeded: 100% of traffic on version 2 (alias live), 0% on version 1",
	} {
		if !strings.Contains(up2.String(), want) {
			t.Errorf("up output lacks the progress line %q", want)
		}
	}
	if got := outputValues(res.Outputs); got["version"] != "2" || got["lastDeploymentId"] != canary {
		t.Errorf("outputs after the canary = %v; want version 2 and lastDeploymentId %s", got, canary)
	}

	// An alarm during the next canary: CodeDeploy rolls back, the up fails
	// saying so, and the state stays on version 2.
	if err := fake.UpdateFunction("items", "sha-3"); err != nil {
		t.Fatal(err)
	}
	fingerprint = "fp-3"
	fake.FailWithAlarm("items-errors")
	up3 := stream(t, "up (alarm)")
	_, err = stack.Up(ctx, optup.ProgressStreams(up3))
	if err == nil {
		t.Fatal("up during an alarm succeeded; want it to fail")
	}
	for _, want := range []string{"ALARM_ACTIVE", "Activated alarms: items-errors", "CodeDeploy rolled back: alias live serves version 2", "version 3 stays published"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("failed up's error lacks %q:\n%v", want, err)
		}
	}
	if got := recordedRelease(ctx, t, stack); got["version"] != "2" || got["fingerprint"] != "fp-2" {
		t.Errorf("recorded release after the rollback: version %v, fingerprint %v; want 2 and fp-2 (the old state)", got["version"], got["fingerprint"])
	}
	if got := outputs(ctx, t, stack); got["version"] != "2" {
		t.Errorf("stack output version after the rollback = %s; want 2", got["version"])
	}
	if a, _ := fake.Alias("items", "live"); a.Version != "2" || a.Weights != nil {
		t.Errorf("alias after the rollback = %+v; want all traffic on version 2", a)
	}

	// The alarm clears; the next up retries and releases version 3.
	fake.ClearFailures()
	up4 := stream(t, "up (retry)")
	res, err = stack.Up(ctx, optup.ProgressStreams(up4))
	if err != nil {
		t.Fatalf("retry after the alarm cleared: %v", err)
	}
	if got := outputValues(res.Outputs); got["version"] != "3" {
		t.Errorf("outputs after the retry = %v; want version 3", got)
	}
	if got := fake.Versions("items"); fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("published versions = %v; want [1 2 3] (the retry publishes nothing new)", got)
	}

	// refresh: picks up the alias moved outside Pulumi.
	if err := fake.SetAlias("items", "live", "2", nil); err != nil {
		t.Fatal(err)
	}
	refresh := stream(t, "refresh")
	if _, err := stack.Refresh(ctx, optrefresh.ProgressStreams(refresh)); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if got := recordedRelease(ctx, t, stack); got["version"] != "2" || got["publishedVersion"] != "3" {
		t.Errorf("recorded release after the refresh: version %v, publishedVersion %v; want 2 and 3", got["version"], got["publishedVersion"])
	}
	fake.ResetRequests()
	preview3 := stream(t, "preview (drift)")
	if _, err := stack.Preview(ctx, optpreview.ProgressStreams(preview3)); err != nil {
		t.Fatalf("preview after the refresh: %v", err)
	}
	if want := "publish-and-shift: alias live of function items, version 2 → 3"; !strings.Contains(preview3.String(), want) {
		t.Errorf("preview after the refresh lacks the repair %q", want)
	}
	if reqs := fake.Requests(); len(reqs) != 0 {
		t.Errorf("preview after the refresh made %d AWS calls; want none", len(reqs))
	}

	// The alias deleted outside Pulumi, then a refresh: the release is kept,
	// and the next up recreates the alias on the recorded version 2 and
	// shifts to 3 through CodeDeploy instead of putting all traffic on 3.
	fake.DeleteAlias("items", "live")
	refresh2 := stream(t, "refresh (alias deleted)")
	if _, err := stack.Refresh(ctx, optrefresh.ProgressStreams(refresh2)); err != nil {
		t.Fatalf("refresh after the alias was deleted: %v", err)
	}
	if got := recordedRelease(ctx, t, stack); got["version"] != "2" {
		t.Fatalf("recorded release after the alias was deleted and refreshed: %v; want it kept on version 2", got)
	}
	before := len(fake.Deployments())
	up5 := stream(t, "up (alias deleted)")
	if _, err := stack.Up(ctx, optup.ProgressStreams(up5)); err != nil {
		t.Fatalf("up after the alias was deleted: %v", err)
	}
	deps = fake.Deployments()
	if len(deps) != before+1 || deps[len(deps)-1].CurrentVersion != "2" || deps[len(deps)-1].TargetVersion != "3" ||
		deps[len(deps)-1].Status != fakeaws.StatusSucceeded {
		t.Fatalf("deployments after the alias was deleted = %+v; want a new succeeded deployment 2 → 3", deps)
	}
	if a, _ := fake.Alias("items", "live"); a.Version != "3" {
		t.Errorf("alias after the repair = %+v; want version 3", a)
	}

	// destroy: deletes the alias; the versions stay.
	fake.ResetRequests()
	destroy := stream(t, "destroy")
	if _, err := stack.Destroy(ctx, optdestroy.ProgressStreams(destroy)); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if a, ok := fake.Alias("items", "live"); ok {
		t.Errorf("alias after destroy = %+v; want it deleted", a)
	}
	if got := mutations(fake); fmt.Sprint(got) != "[DeleteAlias]" {
		t.Errorf("destroy made %v; want [DeleteAlias]", got)
	}

	// Only the first run built the plugin: every later run found it current
	// and left the very file the first build renamed into place.
	var builds int
	for _, r := range ensured {
		if r.Built {
			builds++
		}
		if r.Path != exe {
			t.Errorf("plugin.Ensure reported %+v; want the plugin at %s", r, exe)
		}
	}
	if builds != 1 || len(ensured) < 8 {
		t.Errorf("plugin.Ensure ran %d times and built %d times (%+v); want one build in the first of at least 8 runs", len(ensured), builds, ensured)
	}
	for op, w := range map[string]*logWriter{"up (create)": up1, "preview (change)": preview2, "up (canary)": up2, "up (retry)": up4, "up (alias deleted)": up5} {
		if strings.Contains(w.String(), builtMsg) {
			t.Errorf("%s output says the plugin was built again", op)
		}
	}
	if last, err := os.Stat(exe); err != nil || !os.SameFile(firstBuild, last) {
		t.Errorf("the plugin at %s was replaced after the first build (%v)", exe, err)
	}
}
