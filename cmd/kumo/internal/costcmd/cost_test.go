package costcmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/synth"
)

// project writes a project with a dev stack in us-east-1 and the given
// extra files, and returns its directory.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{
		"Pulumi.yaml":     "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml": "config:\n  aws:region: us-east-1\n",
	}
	for k, v := range files {
		all[k] = v
	}
	for name, content := range all {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// queueProgram registers one SQS queue and one Lambda function, nothing
// invoking it, by their type tokens (so this test need not link
// pulumi-aws), their kumo check findings suppressed.
func queueProgram(string) synth.Program {
	return func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
		suppress := func(r pulumi.Resource, rules ...string) error {
			var ss []check.Suppression
			for _, rule := range rules {
				ss = append(ss, check.Suppression{Rule: rule, Reason: "a test fixture exercising kumo cost, never deployed"})
			}
			return check.Suppress(ctx, r, ss...)
		}
		var queue pulumi.CustomResourceState
		if err := ctx.RegisterResource("aws:sqs/queue:Queue", "jobs", pulumi.Map{}, &queue); err != nil {
			return nil, err
		}
		if err := suppress(&queue, "AwsSolutions-SQS3", "AwsSolutions-SQS4", "Serverless-SQSRedrivePolicy"); err != nil {
			return nil, err
		}
		var fn pulumi.CustomResourceState
		if err := ctx.RegisterResource("aws:lambda/function:Function", "worker", pulumi.Map{"memorySize": pulumi.Int(128),
			"architectures": pulumi.StringArray{pulumi.String("arm64")}, "timeout": pulumi.Int(10), "runtime": pulumi.String("provided.al2023"),
			"handler": pulumi.String("bootstrap"), "role": pulumi.String("arn:aws:iam::123456789012:role/worker")}, &fn); err != nil {
			return nil, err
		}
		return nil, suppress(&fn, "Serverless-LambdaDLQ", "Kumo-LogRetention", "Serverless-LambdaTracing")
	}
}

func run(t *testing.T, dir string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ios, _, out, errOut := cli.Test()
	f := &cli.Factory{IO: ios, Getwd: func() (string, error) { return dir, nil }, Program: queueProgram}
	cmd := NewCmdCost(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func exitCode(err error) cli.ExitCode {
	var e *cli.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return cli.ExitError
	}
	return cli.ExitOK
}

// TestCostText: the stack is synthesized and priced; the text shows the
// total, the queue's line and where its numbers came from.
func TestCostText(t *testing.T) {
	dir := project(t, nil)
	out, _, err := run(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"kumo cost: stack dev (project shop), us-east-1",
		"Total $0.00 a month",
		"aws:sqs/queue:Queue jobs",
		"requests, per use: 0 messages × 3 (send, receive, delete) = 0 requests × $0.40/1M",
		"Prices: kumo's table kumo-price-table/v1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestCostJSON: --json prints the kumo-cost/v1 contract.
func TestCostJSON(t *testing.T) {
	dir := project(t, map[string]string{"Pulumi.dev.usage.yaml": "defaults:\n  itemKB: 2\n"})
	out, _, err := run(t, dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema, Stack, Region string
		Resources             []struct{ Type, Name string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if doc.Schema != "kumo-cost/v1" || doc.Stack != "dev" || doc.Region != "us-east-1" || len(doc.Resources) != 2 || doc.Resources[0].Name != "worker" || doc.Resources[1].Name != "jobs" {
		t.Errorf("got %+v; want the dev stack's function and queue in us-east-1", doc)
	}
}

// TestCostUsageFiles: the stack's usage file is read when present, --usage
// overrides it, and a bad or missing file fails with the bad-input or usage
// exit code before anything is printed on stdout.
func TestCostUsageFiles(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		args  []string
		code  cli.ExitCode
		want  string
	}{
		// Nothing invokes the function: only the file's 1,000,000
		// invocations price its requests (× $0.20/1M).
		{"stack usage file", map[string]string{"Pulumi.dev.usage.yaml": "functions:\n  worker:\n    invocationsPerMonth: 1000000\n"}, nil, cli.ExitOK,
			"requests, per use: 1,000,000 requests × $0.20/1M"},
		{"bad stack usage file", map[string]string{"Pulumi.dev.usage.yaml": "webapp:\n  payloadKB: -3\n"}, nil, cli.ExitInvalidConfig,
			"Pulumi.dev.usage.yaml: line 2: webapp.payloadKB = -3: a number ≥ 0 (KB)"},
		{"--usage overrides it", map[string]string{"Pulumi.dev.usage.yaml": "webapp:\n  payloadKB: -3\n", "traffic.yaml": "functions:\n  worker:\n    invocationsPerMonth: 2000000\n"},
			[]string{"--usage", "traffic.yaml"}, cli.ExitOK, "requests, per use: 2,000,000 requests × $0.20/1M"},
		{"bad --usage file", map[string]string{"traffic.yaml": "webap: {}\n"}, []string{"--usage", "traffic.yaml"}, cli.ExitInvalidConfig,
			"traffic.yaml: line 1: webap: unknown section"},
		{"missing --usage file", nil, []string{"--usage", "nope.yaml"}, cli.ExitUsage, "--usage nope.yaml: no such file"},
		{"a function the stack lacks", map[string]string{"Pulumi.dev.usage.yaml": "functions:\n  api:\n    avgDurationMs: 50\n"}, nil, cli.ExitInvalidConfig,
			"functions.api: no Lambda function of the stack has this name; functions: worker"},
		{"every problem at once", map[string]string{"Pulumi.dev.usage.yaml": "webapp:\n  payloadKB: -3\nfunctions:\n  api:\n    avgDurationMs: 50\n"}, nil, cli.ExitInvalidConfig,
			"Pulumi.dev.usage.yaml: line 2: webapp.payloadKB = -3: a number ≥ 0 (KB); line 4: functions.api: no Lambda function of the stack has this name; functions: worker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := project(t, tt.files)
			out, _, err := run(t, dir, tt.args...)
			if got := exitCode(err); got != tt.code {
				t.Fatalf("exit %d (%v); want %d", got, err, tt.code)
			}
			if tt.code != cli.ExitOK {
				if out != "" {
					t.Errorf("stdout %q; want nothing", out)
				}
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("error %q; want it to contain %q", err, tt.want)
				}
			}
			if tt.code == cli.ExitOK && !strings.Contains(out, tt.want) {
				t.Errorf("stdout %q; want the estimate, with %q", out, tt.want)
			}
		})
	}
}

func TestCostFlags(t *testing.T) {
	ios, _, _, _ := cli.Test()
	var got *Options
	cmd := NewCmdCost(&cli.Factory{IO: ios}, func(o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--stack", "prod", "--usage", "u.yaml", "--json", "--dir", "x"})
	cmd.SetOut(&bytes.Buffer{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Stack != "prod" || got.Usage != "u.yaml" || !got.JSON || got.Dir != "x" {
		t.Errorf("options %+v; want stack prod, usage u.yaml, json, dir x", got)
	}
	cmd = NewCmdCost(&cli.Factory{IO: ios}, func(*Options) error { return nil })
	cmd.SetArgs([]string{"--stack", "a/b"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); exitCode(err) != cli.ExitUsage {
		t.Errorf("a bad --stack: got %v; want a usage error", err)
	}
}
