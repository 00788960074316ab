package buildspec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kumo-iac/kumo/internal/kumocli"
	"github.com/kumo-iac/kumo/internal/pulumicli"
)

// The run tests execute the generated commands with bash, as CodeBuild
// would, as far as this machine allows. What they cannot run is replaced, and
// only that (each replacement must match exactly one command, so a changed
// generator fails here rather than silently running less):
//
//   - the Go toolchain install (marker "golang.org/toolchain@"): it downloads
//     a toolchain from the module proxy, and switching to it would rebuild
//     everything with an empty build cache. GOTOOLCHAIN=local runs this
//     machine's go instead. TestPinnedInstallLines checks the line's shape.
//   - the Pulumi CLI install (marker "get.pulumi.com"): no internet. The
//     real CLI built from the module proxy (KUMO_PULUMI_CLI, as .ci/run
//     builds it) is put where the tarball would be, $KUMO_TOOLS/pulumi.
//     TestPinnedInstallLines checks the sha256sum line.
//
// And the environment differs in these variables only: GOTOOLCHAIN (above),
// GOMODCACHE and GOCACHE (this machine's warm caches instead of CodeBuild's
// cache paths), KUMO_TOOLS (a temporary directory), and CODEBUILD_SRC_DIR,
// which CodeBuild sets to the source directory.

var root, _ = filepath.Abs("../../..")

// substitutions are the replaced install commands (see above).
func substitutions(pulumiCLI string) map[string]string {
	return map[string]string{
		"golang.org/toolchain@": `echo "test: the pinned Go toolchain is not downloaded here; running $(go version)"`,
		"get.pulumi.com": block(
			`mkdir -p "$KUMO_TOOLS/pulumi"`,
			`ln -sf `+q(pulumiCLI)+` "$KUMO_TOOLS/pulumi/pulumi"`,
			`export PATH="$KUMO_TOOLS/pulumi:$PATH"`,
			`pulumi version`,
		),
	}
}

// runCommands runs cmds in one bash, in order, so a directory change or an
// export carries over as in buildspec 0.2, under strict mode throughout
// (stricter than CodeBuild, which checks each command's exit status).
// Commands holding a key of subst are replaced by its value; every key must
// match exactly one command.
func runCommands(ctx context.Context, t *testing.T, cmds []string, subst map[string]string, env map[string]string) (stdout, stderr string, err error) {
	t.Helper()
	used := map[string]int{}
	script := []string{"set -euo pipefail"}
	for _, c := range cmds {
		for marker, repl := range subst {
			if strings.Contains(c, marker) {
				used[marker]++
				c = repl
			}
		}
		script = append(script, c)
	}
	for marker := range subst {
		if used[marker] != 1 {
			t.Fatalf("substitution %q: matched %d commands; want exactly 1", marker, used[marker])
		}
	}
	cmd := exec.CommandContext(ctx, "bash", "-c", strings.Join(script, "\n"))
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = environ(env)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return out.String(), errOut.String(), err
}

// environ is this process's environment with env laid over it.
func environ(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := env[k]; !ok {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// specEnv is the spec's variables with this machine's replacements.
func specEnv(t *testing.T, s Spec, src string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for k, v := range s.Env.Variables {
		env[k] = v
	}
	env["GOTOOLCHAIN"] = "local"
	env["GOMODCACHE"] = goEnv(t, "GOMODCACHE")
	env["GOCACHE"] = goEnv(t, "GOCACHE")
	env[ToolsEnv] = t.TempDir()
	env["CODEBUILD_SRC_DIR"] = src
	return env
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

// TestRunnerFailsOnTypo: the runner reports a mistyped command, so the run
// tests below can fail.
func TestRunnerFailsOnTypo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, cmds := range [][]string{
		{"true", "kumo-synht --stack dev", "echo after"},
		{"set -euo pipefail\nfalse\necho after"},
		{"set -euo pipefail\necho $UNSET_IN_THIS_TEST"},
	} {
		out, _, err := runCommands(ctx, t, cmds, nil, nil)
		if err == nil || strings.Contains(out, "after") {
			t.Errorf("%q: got err %v, output %q; want a failure that stops the build", cmds, err, out)
		}
	}
}

// TestBuildRuns runs the Build spec's commands for real in a new kumo app
// (kumo init, against this checkout): the kumo CLI install, go vet, go test
// and kumo synth and check of its stack.
func TestBuildRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("creates, tests and synthesizes a kumo app")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	work := t.TempDir()
	kumo, err := kumocli.Build(root)
	if err != nil {
		t.Fatal(err)
	}
	execIn(ctx, t, work, kumo, "init", "--replace", root, "app")
	app := filepath.Join(work, "app")
	// The app's bundle and program cache is the repository's (as in
	// test/init_test.go): entries are keyed by their sources.
	if err := os.MkdirAll(filepath.Join(root, ".kumo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, ".kumo"), filepath.Join(app, ".kumo")); err != nil {
		t.Fatal(err)
	}

	spec := Build(DefaultToolchain(), Project{}, []string{"dev"})
	if _, err := spec.YAML(); err != nil {
		t.Fatal(err)
	}
	env := specEnv(t, spec, app)
	subst := substitutions("")
	delete(subst, "get.pulumi.com") // Build installs no Pulumi CLI
	start := time.Now()
	stdout, stderr, err := runCommands(ctx, t, spec.Commands(), subst, env)
	t.Logf("Build's commands ran in %s", time.Since(start).Round(10*time.Millisecond))
	if err != nil {
		t.Fatalf("Build's commands: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	if !strings.Contains(stdout, "ok  \tapp") {
		t.Errorf("go test ./... output: got\n%s\nwant the app's packages passing", stdout)
	}
	if !strings.Contains(stdout, "0 errors") {
		t.Errorf("kumo check output: got\n%s\nwant its report", stdout)
	}
	b, err := os.ReadFile(filepath.Join(app, SynthDir, "dev.json"))
	if err != nil {
		t.Fatalf("Build's synth document: %v", err)
	}
	var doc struct {
		Project   string `json:"project"`
		Stack     string `json:"stack"`
		Resources []any  `json:"resources"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s/dev.json is not kumo synth's JSON: %v", SynthDir, err)
	}
	if doc.Project != "app" || doc.Stack != "dev" || len(doc.Resources) == 0 {
		t.Errorf("synth document: got project %q, stack %q, %d resources; want app, dev and the app's resources", doc.Project, doc.Stack, len(doc.Resources))
	}
	if kb, err := os.Stat(filepath.Join(env[ToolsEnv], "bin", "kumo")); err != nil || kb.Size() == 0 {
		t.Errorf("the kumo CLI in $KUMO_TOOLS/bin: %v; want the install phase to build it from the replaced checkout", err)
	}
}

func execIn(ctx context.Context, t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestDeployStepsRun runs the Deploy spec's commands up to `pulumi up` with
// the real Pulumi CLI: login to a file:// backend, stack selection with
// --create and the awskms:// secrets provider (a fake KMS), and the config
// read from the stack file; then a secret config value round-trips through
// that secrets provider.
func TestDeployStepsRun(t *testing.T) {
	cli := pulumicli.Find(t, "the deploy steps")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	kms := &pulumicli.FakeKMS{}
	srv := httptest.NewServer(kms)
	defer srv.Close()

	work := t.TempDir()
	project := filepath.Join(work, "src")
	state := filepath.Join(work, "state")
	for _, d := range []string{project, state, filepath.Join(work, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"Pulumi.yaml":     "name: buildspec-test\nruntime: go\nmain: .\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n  buildspec-test:greeting: hello from the stack file\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(project, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	secrets := "awskms://alias/kumo-buildspec-test?awssdk=v2&region=eu-west-1&endpoint=" + url.QueryEscape(srv.URL)
	spec := Deploy(DefaultToolchain(), Project{}, Backend{Kind: "s3", URL: "file://" + state, SecretsProvider: secrets}, "dev", "$KUMO_DEPLOY_ROLE_ARN")
	if _, err := spec.YAML(); err != nil {
		t.Fatal(err)
	}

	// Everything before `pulumi up`, which is the last command: it would
	// need AWS.
	cmds := spec.Commands()
	up := -1
	for i, c := range cmds {
		if strings.Contains(c, "pulumi up") {
			up = i
		}
	}
	if up != len(cmds)-1 {
		t.Fatalf("pulumi up: got command %d of %d; want the last, so that stopping before it skips nothing else", up+1, len(cmds))
	}
	const secret = "s3cr3t value, 'quoted'"
	steps := append(cmds[:up:up],
		`pulumi config set --secret --stack dev apiToken `+q(secret),
		`echo "config-get=$(pulumi config get --stack dev apiToken)"`,
		`echo "role=$(pulumi config get --path --stack dev aws:assumeRole.roleArn)"`,
		`echo "stacks:"`,
		`pulumi stack ls --json`,
	)

	env := specEnv(t, spec, project)
	noAWS := filepath.Join(work, "no-aws-files")
	for k, v := range map[string]string{
		"PULUMI_HOME": filepath.Join(work, "home"),
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_CONFIG_PASSPHRASE":                    "",
		"PULUMI_ACCESS_TOKEN":                         "",
		"PULUMI_BACKEND_URL":                          "",
		// The secrets provider's AWS SDK reaches only the fake.
		"AWS_ACCESS_KEY_ID":           "AKIDFAKE",
		"AWS_SECRET_ACCESS_KEY":       "secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "eu-west-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             noAWS,
		"AWS_SHARED_CREDENTIALS_FILE": noAWS,
		"KUMO_DEPLOY_ROLE_ARN":        prodRole,
	} {
		env[k] = v
	}
	stdout, stderr, err := runCommands(ctx, t, steps, substitutions(cli), env)
	if err != nil {
		t.Fatalf("Deploy's steps: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}

	if !strings.Contains(stdout, "greeting") || !strings.Contains(stdout, "hello from the stack file") {
		t.Errorf("pulumi config --stack dev: got\n%s\nwant the stack file's greeting", stdout)
	}
	if want := "config-get=" + secret + "\n"; !strings.Contains(stdout, want) {
		t.Errorf("secret round trip: got\n%s\nwant %q", stdout, want)
	}
	// The deploy role reaches the AWS provider and kumo's releases through
	// the stack's aws:assumeRole, from the project's environment.
	if want := "role=" + prodRole + "\n"; !strings.Contains(stdout, want) {
		t.Errorf("deploy role: got\n%s\nwant %q", stdout, want)
	}
	stackFile, err := os.ReadFile(filepath.Join(project, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"secretsprovider: " + secrets, "encryptedkey: ", "buildspec-test:apiToken:\n    secure: "} {
		if !strings.Contains(string(stackFile), want) {
			t.Errorf("Pulumi.dev.yaml: got\n%s\nwant it to hold %q", stackFile, want)
		}
	}
	if strings.Contains(string(stackFile), "s3cr3t") {
		t.Errorf("Pulumi.dev.yaml holds the secret in plain text:\n%s", stackFile)
	}
	var stacks []struct{ Name string }
	if _, ls, ok := strings.Cut(stdout, "stacks:\n"); !ok || json.Unmarshal([]byte(ls), &stacks) != nil || len(stacks) != 1 || stacks[0].Name != "dev" {
		t.Errorf("pulumi stack ls --json: got\n%s\nwant the one stack dev in the file:// backend", stdout)
	}
	if kms.Encrypts.Load() == 0 || kms.Decrypts.Load() == 0 {
		t.Errorf("fake KMS: got %d encrypts, %d decrypts; want the CLI to encrypt the stack's data key and decrypt it to read the secret", kms.Encrypts.Load(), kms.Decrypts.Load())
	}

	// The next run starts from a fresh checkout, whose stack file holds
	// no secretsprovider or encryptedkey (nobody committed the first run's):
	// the stack exists, so --secrets-provider no longer applies, and the
	// steps must still reach the stack's awskms:// provider, not ask for a
	// passphrase.
	again := filepath.Join(work, "src2")
	if err := os.MkdirAll(again, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(again, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env["CODEBUILD_SRC_DIR"] = again
	decrypts := kms.Decrypts.Load()
	stdout, stderr, err = runCommands(ctx, t, steps, substitutions(cli), env)
	if err != nil {
		t.Fatalf("Deploy's steps, second run from a fresh checkout: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	if want := "config-get=" + secret + "\n"; !strings.Contains(stdout, want) {
		t.Errorf("second run's secret round trip: got\n%s\nwant %q", stdout, want)
	}
	if kms.Decrypts.Load() == decrypts {
		t.Error("second run: the fake KMS decrypted nothing; want the stack's data key decrypted through its awskms:// provider")
	}
}

// TestUpdateDecides runs Update's build command with stand-ins for the
// pulumi and aws CLIs: an unchanged definition updates nothing and passes; a
// changed or never-recorded one runs pulumi up with the new hash, starts a
// new execution and fails this one as superseded.
func TestUpdateDecides(t *testing.T) {
	spec := Update(DefaultToolchain(), Project{}, s3Backend, "pipeline", "kumo-app", "")
	decide := findCommand(t, spec, "start-pipeline-execution")
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, SynthDir), 0o755); err != nil {
		t.Fatal(err)
	}
	doc := `{"project":"app","stack":"pipeline","resources":[],"outputs":{}}`
	if err := os.WriteFile(filepath.Join(src, SynthDir, "pipeline.json"), []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("sha256sum", filepath.Join(src, SynthDir, "pipeline.json")).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields(string(out))[0]

	bin := t.TempDir()
	fakes := map[string]string{
		"pulumi": `#!/usr/bin/env bash
echo "pulumi $* hash=${` + DefinitionHashEnv + `:-}" >> "$FAKE_LOG"
if [ "$1 $2 $3" = "stack output --json" ]; then
  if [ -n "$FAKE_BROKEN" ]; then echo "error: AccessDenied: not authorized to perform s3:GetObject" >&2; exit 255; fi
  if [ -n "$FAKE_DEPLOYED" ]; then printf '{"definitionHash": "%s", "pipelineName": "kumo-app"}\n' "$FAKE_DEPLOYED"; exit 0; fi
  echo '{"pipelineName": "kumo-app"}'; exit 0
fi
`,
		"aws": `#!/usr/bin/env bash
echo "aws $*" >> "$FAKE_LOG"
`,
	}
	for name, body := range fakes {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		deployed  string
		wantFail  bool
		wantCalls []string
	}{
		{"unchanged", want, false, []string{"pulumi stack output --json --stack pipeline hash="}},
		{"changed", "0000", true, []string{
			"pulumi stack output --json --stack pipeline hash=",
			"pulumi up --yes --non-interactive --stack pipeline hash=" + want,
			"aws codepipeline start-pipeline-execution --name kumo-app --cli-connect-timeout 10 --cli-read-timeout 30",
		}},
		{"state unreadable", "", true, []string{"pulumi stack output --json --stack pipeline hash="}},
		{"never recorded", "", true, []string{
			"pulumi stack output --json --stack pipeline hash=",
			"pulumi up --yes --non-interactive --stack pipeline hash=" + want,
			"aws codepipeline start-pipeline-execution --name kumo-app --cli-connect-timeout 10 --cli-read-timeout 30",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			log := filepath.Join(t.TempDir(), "calls")
			_, stderr, err := runCommands(ctx, t, []string{decide}, nil, map[string]string{
				"PATH":              bin + ":" + os.Getenv("PATH"),
				"CODEBUILD_SRC_DIR": src,
				"FAKE_LOG":          log,
				"FAKE_DEPLOYED":     tt.deployed,
				"FAKE_BROKEN":       map[bool]string{true: "1"}[tt.name == "state unreadable"],
			})
			if (err != nil) != tt.wantFail {
				t.Errorf("got err %v; want failure %v\n%s", err, tt.wantFail, stderr)
			}
			if tt.wantFail && tt.name != "state unreadable" && !strings.Contains(stderr, "superseded") {
				t.Errorf("stderr: got %q; want it to say this execution is superseded", stderr)
			}
			calls, _ := os.ReadFile(log)
			if got := strings.Split(strings.TrimSpace(string(calls)), "\n"); strings.Join(got, "\n") != strings.Join(tt.wantCalls, "\n") {
				t.Errorf("calls: got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.wantCalls, "\n"))
			}
		})
	}
}

// TestCheckRunsAsTheStageRole runs a smoke test's command as Check makes
// it run with a deploy role: the AWS profile it writes assumes the role
// with the container's credentials, and is the command's default.
func TestCheckRunsAsTheStageRole(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	spec := Check(DefaultToolchain(), Project{}, "prod", `echo "profile=$AWS_PROFILE stack=$KUMO_STACK"; cat "$AWS_CONFIG_FILE"`, "$KUMO_DEPLOY_ROLE_ARN")
	if _, err := spec.YAML(); err != nil {
		t.Fatal(err)
	}
	cmds := spec.Phases.Build.Commands
	stdout, stderr, err := runCommands(ctx, t, cmds, nil, map[string]string{
		ToolsEnv: t.TempDir(), "CODEBUILD_BUILD_NUMBER": "42", "KUMO_DEPLOY_ROLE_ARN": prodRole, StackEnv: "prod",
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	want := "profile=kumo-stage stack=prod\n[profile kumo-stage]\nrole_arn = " + prodRole + "\ncredential_source = EcsContainer\nrole_session_name = kumo-check-42\n"
	if stdout != want {
		t.Errorf("got\n%s\nwant\n%s", stdout, want)
	}
}
