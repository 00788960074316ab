package root

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/internal/validation"
)

func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Pulumi.yaml":     "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n",
		// The engine refuses a project without a runtime.
		"bad-project/Pulumi.yaml":     "name: shop\n",
		"bad-project/Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// errUnruledType makes programReturning register a GameLift fleet, a type
// the reality layer has no rules for.
var errUnruledType = errors.New("register a GameLift fleet")

// awsResource registers any AWS type by its token, so that these tests need
// neither the constructs nor the provider SDK (linking it into this test
// binary would cost seconds on every run).
type awsResource struct {
	pulumi.CustomResourceState
	Arn pulumi.StringOutput `pulumi:"arn"`
}

// errUnsuppressed makes programReturning leave its queue's kumo check
// findings (no dead-letter queue, no TLS-only policy) unsuppressed.
var errUnsuppressed = errors.New("leave the queue's findings unsuppressed")

func programReturning(err error) func(string) synth.Program {
	return func(string) synth.Program {
		return func(ctx *pulumi.Context, raw map[string]string) (pulumi.Map, error) {
			if err == errUnruledType {
				var fleet awsResource
				if err := ctx.RegisterResource("aws:gamelift/fleet:Fleet", "alerts", pulumi.Map{}, &fleet); err != nil {
					return nil, err
				}
				return pulumi.Map{"fleetArn": fleet.Arn}, nil
			}
			if err != nil && err != errUnsuppressed {
				return nil, err
			}
			var queue awsResource
			if qerr := ctx.RegisterResource("aws:sqs/queue:Queue", "alerts", pulumi.Map{}, &queue); qerr != nil {
				return nil, qerr
			}
			if err != errUnsuppressed {
				var ss []check.Suppression
				for _, r := range []string{"AwsSolutions-SQS3", "AwsSolutions-SQS4", "Serverless-SQSRedrivePolicy"} {
					ss = append(ss, check.Suppression{Rule: r, Reason: "a test fixture exercising exit codes, never deployed"})
				}
				if err := check.Suppress(ctx, &queue, ss...); err != nil {
					return nil, err
				}
			}
			return pulumi.Map{"queueArn": queue.Arn}, nil
		}
	}
}

func TestRunExitCodes(t *testing.T) {
	invalid := &validation.Error{Scope: "stack config", Problems: []error{
		errors.New("memoryMB: 64 is below the minimum 128; set shop:memoryMB to at least 128"),
	}}
	tests := []struct {
		name       string
		args       string
		programErr error
		want       cli.ExitCode
		wantStdout string
		wantStderr []string
	}{
		{name: "success", args: "synth", want: cli.ExitOK,
			wantStdout: "queueArn: arn:aws:sqs:eu-west-1:123456789012:alerts-"},
		// The reality layer: what AWS would refuse (here: a type kumo has
		// no rules for, so cannot vouch for) fails synth with exit 1.
		{name: "reality violation", args: "synth --out synth.json", programErr: errUnruledType, want: cli.ExitError,
			wantStderr: []string{"aws:gamelift/fleet:Fleet", "kumo synth has no reality rules for this resource type"}},
		// kumo check's error findings fail synth with exit 4.
		{name: "check finds errors", args: "synth --out synth.json", programErr: errUnsuppressed, want: cli.ExitCheckFailed,
			wantStderr: []string{"AwsSolutions-SQS4  aws:sqs/queue:Queue alerts", "kumo: kumo check: 3 unsuppressed error finding(s)"}},
		// What the engine refuses before the program runs is invalid config.
		{name: "engine refuses the project", args: "synth --dir bad-project", want: cli.ExitInvalidConfig,
			wantStderr: []string{"project is missing a 'runtime' attribute"}},
		{name: "validation error", args: "synth --out synth.json", programErr: invalid, want: cli.ExitInvalidConfig,
			wantStderr: []string{"kumo: synth stack dev: invalid stack config: 1 problem:\n  * memoryMB: 64 is below the minimum 128"}},
		{name: "wrapped validation error", args: "synth", programErr: errors.Join(errors.New("x"), invalid), want: cli.ExitInvalidConfig,
			wantStderr: []string{"kumo: synth stack dev: x\ninvalid stack config"}},
		{name: "other program error", args: "synth", programErr: errors.New("boom"), want: cli.ExitError,
			wantStderr: []string{"kumo: synth stack dev: boom\n"}},
		{name: "unknown stack", args: "synth --stack prod", want: cli.ExitError,
			wantStderr: []string{`kumo: stack "prod" not found`, "existing stacks: dev"}},
		{name: "unknown flag", args: "synth --bogus", want: cli.ExitUsage,
			wantStderr: []string{"kumo: unknown flag: --bogus\n", "Run 'kumo synth --help' for usage.\n"}},
		{name: "missing flag value", args: "synth --stack", want: cli.ExitUsage,
			wantStderr: []string{"kumo: flag needs an argument: --stack\n"}},
		{name: "unknown command", args: "deploy", want: cli.ExitUsage,
			wantStderr: []string{`kumo: unknown command "deploy" for "kumo"`}},
		{name: "--out onto the stack config", args: "synth --json --out Pulumi.dev.yaml", want: cli.ExitUsage,
			wantStderr: []string{"kumo: refusing to write --out Pulumi.dev.yaml: it is a Pulumi stack config file", "pass --force", "Run 'kumo synth --help' for usage.\n"}},
		{name: "stray argument", args: "synth prod", want: cli.ExitUsage,
			wantStderr: []string{`kumo: unexpected argument "prod"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := project(t)
			// A previous synth output, which --out may replace; failed
			// runs must not.
			existing := filepath.Join(dir, "synth.json")
			const previous = "stack dev (project shop): 1 resource\nprevious\n"
			if err := os.WriteFile(existing, []byte(previous), 0o644); err != nil {
				t.Fatal(err)
			}
			ios, _, out, errOut := cli.Test()
			f := &cli.Factory{
				IO:      ios,
				Getwd:   func() (string, error) { return dir, nil },
				Program: programReturning(tt.programErr),
			}
			got := run(context.Background(), f, strings.Fields(tt.args))
			if got != tt.want {
				t.Errorf("exit code = %d; want %d (stderr %q)", got, tt.want, errOut)
			}
			if !strings.Contains(out.String(), tt.wantStdout) {
				t.Errorf("stdout = %q; want it to contain %q", out, tt.wantStdout)
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr = %q; want it to contain %q", errOut, w)
				}
			}
			if tt.want == cli.ExitOK && errOut.Len() != 0 {
				t.Errorf("stderr = %q; want empty on success", errOut)
			}
			if b, _ := os.ReadFile(existing); string(b) != previous {
				t.Errorf("synth.json = %q; want it untouched", b)
			}
		})
	}
}

type brokenStdout struct{}

func (brokenStdout) Write([]byte) (int, error) {
	return 0, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}
}

// TestRunStdoutFailure: output that could not be written is a failure with
// a diagnostic, not a silent success.
func TestRunStdoutFailure(t *testing.T) {
	ios, _, _, errOut := cli.Test()
	ios.Out = brokenStdout{}
	dir := project(t)
	f := &cli.Factory{IO: ios, Getwd: func() (string, error) { return dir, nil }, Program: programReturning(nil)}
	if got := run(context.Background(), f, []string{"synth", "--json"}); got != cli.ExitError {
		t.Errorf("exit code = %d; want %d", got, cli.ExitError)
	}
	if want := "kumo: write output: stdout: broken pipe\n"; errOut.String() != want {
		t.Errorf("stderr = %q; want %q", errOut, want)
	}
}

// TestRealFactoryRunsTheProjectsProgram: the real CLI has no in-process
// program; kumo synth builds and runs the project's own (Pulumi.yaml's main).
func TestRealFactoryRunsTheProjectsProgram(t *testing.T) {
	f := newFactory()
	if f.IO == nil || f.Getwd == nil || f.Program != nil {
		t.Fatalf("newFactory() = %+v; want streams, Getwd and no in-process program", f)
	}
}
