package canarycmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	tagtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/awsclient"
	"github.com/kumo-iac/kumo/internal/awsclient/awsclienttest"
	"github.com/kumo-iac/kumo/internal/canarystatus"
)

// newProject writes a project with stacks in two regions and one without a
// region, and returns its directory.
func newProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Pulumi.yaml":          "name: shop\nruntime: go\n",
		"Pulumi.dev.yaml":      "config:\n  aws:region: eu-central-1\n",
		"Pulumi.staging.yaml":  "config:\n  aws:region: us-west-2\n",
		"Pulumi.noregion.yaml": "config:\n  shop:memoryMB: 256\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "site"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fakeAWS is the three clients at once, answering for one deployed function
// mid-canary and one never released.
type fakeAWS struct {
	calls []string
}

func (f *fakeAWS) GetResources(_ context.Context, in *resourcegroupstaggingapi.GetResourcesInput, _ ...func(*resourcegroupstaggingapi.Options)) (*resourcegroupstaggingapi.GetResourcesOutput, error) {
	f.calls = append(f.calls, "GetResources "+aws.ToString(in.TagFilters[1].Key)+"="+in.TagFilters[1].Values[0])
	tags := func(name string) []tagtypes.Tag {
		return []tagtypes.Tag{
			{Key: aws.String("kumo:project"), Value: aws.String("shop")},
			{Key: aws.String("kumo:stack"), Value: aws.String("dev")},
			{Key: aws.String("kumo:function"), Value: aws.String(name)},
		}
	}
	return &resourcegroupstaggingapi.GetResourcesOutput{ResourceTagMappingList: []tagtypes.ResourceTagMapping{
		{ResourceARN: aws.String("arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-web-items-3e96e17"), Tags: tags("web-items")},
		{ResourceARN: aws.String("arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-jobs-77aa"), Tags: tags("jobs")},
	}}, nil
}

func (f *fakeAWS) GetAlias(_ context.Context, in *lambda.GetAliasInput, _ ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	if aws.ToString(in.FunctionName) != "shop-dev-web-items-3e96e17" {
		return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("Alias not found")}
	}
	return &lambda.GetAliasOutput{
		Name: aws.String("live"), FunctionVersion: aws.String("7"),
		RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"8": 0.1}},
	}, nil
}

func (f *fakeAWS) ListDeployments(_ context.Context, in *codedeploy.ListDeploymentsInput, _ ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error) {
	if aws.ToString(in.DeploymentGroupName) != "web-items" {
		return nil, &cdtypes.DeploymentGroupDoesNotExistException{Message: aws.String("No Deployment Group found")}
	}
	return &codedeploy.ListDeploymentsOutput{Deployments: []string{"d-CANARY8"}}, nil
}

func (f *fakeAWS) BatchGetDeployments(context.Context, *codedeploy.BatchGetDeploymentsInput, ...func(*codedeploy.Options)) (*codedeploy.BatchGetDeploymentsOutput, error) {
	created := time.Date(2026, 11, 21, 10, 2, 11, 0, time.UTC)
	return &codedeploy.BatchGetDeploymentsOutput{DeploymentsInfo: []cdtypes.DeploymentInfo{{
		DeploymentId: aws.String("d-CANARY8"), Status: cdtypes.DeploymentStatusInProgress,
		DeploymentConfigName: aws.String("CodeDeployDefault.LambdaCanary10Percent5Minutes"),
		Creator:              cdtypes.DeploymentCreatorUser, CreateTime: &created,
	}}}, nil
}

// harness runs `kumo canary status` in a project with the AWS config it is
// given and the fake clients.
type harness struct {
	f           *cli.Factory
	out, errOut *bytes.Buffer
	aws         *fakeAWS
	// loadedFor records the regions AWSConfig was asked for.
	loadedFor []string
	// clientsCfg is the config the clients were built from.
	clientsCfg *aws.Config
}

func newHarness(cwd string, cfg aws.Config) *harness {
	ios, _, out, errOut := cli.Test()
	h := &harness{out: out, errOut: errOut, aws: &fakeAWS{}}
	h.f = &cli.Factory{
		IO:    ios,
		Getwd: func() (string, error) { return cwd, nil },
		AWSConfig: func(_ context.Context, region string) (aws.Config, error) {
			h.loadedFor = append(h.loadedFor, region)
			return cfg, nil
		},
	}
	return h
}

func (h *harness) run(args string) error {
	cmd := NewCmdStatus(h.f, func(o *StatusOptions) error {
		o.Clients = func(cfg aws.Config) canarystatus.Clients {
			h.clientsCfg = &cfg
			return canarystatus.Clients{Tagging: h.aws, Lambda: h.aws, CodeDeploy: h.aws}
		}
		return runStatus(o)
	})
	cmd.SetArgs(strings.Fields(args))
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

// signedIn is a config whose credentials resolve, in the environment's
// region (as if AWS_REGION were set).
func signedIn(region string) aws.Config {
	return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
}

func TestNewCmdStatusFlags(t *testing.T) {
	tests := []struct {
		args    string
		want    StatusOptions
		wantErr string
	}{
		{args: "", want: StatusOptions{Stack: "dev", Limit: 5}},
		{args: "--stack prod --json --function web-items --limit 25 --dir infra",
			want: StatusOptions{Stack: "prod", JSON: true, Function: "web-items", Limit: 25, Dir: "infra"}},
		{args: "-s staging -L 1", want: StatusOptions{Stack: "staging", Limit: 1}},
		{args: "--limit 0", wantErr: "invalid --limit 0: use 1–25"},
		{args: "--limit 26", wantErr: "invalid --limit 26: use 1–25"},
		{args: "--stack ../etc", wantErr: `invalid --stack "../etc"`},
		{args: "extra", wantErr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			h := newHarness(t.TempDir(), signedIn(""))
			var got *StatusOptions
			cmd := NewCmdStatus(h.f, func(o *StatusOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(h.out)
			cmd.SetErr(h.errOut)
			err := cmd.Execute()
			if tt.wantErr != "" {
				var cerr *cli.Error
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &cerr) || cerr.Code != cli.ExitUsage {
					t.Fatalf("error = %v; want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			gotFlags := StatusOptions{Stack: got.Stack, JSON: got.JSON, Function: got.Function, Limit: got.Limit, Dir: got.Dir}
			if !reflect.DeepEqual(gotFlags, tt.want) {
				t.Errorf("options = %+v; want %+v", gotFlags, tt.want)
			}
			if got.AWSConfig == nil || got.Clients == nil || got.IO != h.f.IO {
				t.Errorf("options miss the factory's dependencies: %+v", got)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	root := newProject(t)
	h := newHarness(filepath.Join(root, "site"), signedIn("")) // project found by walking up
	if err := h.run(""); err != nil {
		t.Fatal(err)
	}
	want := `stack dev (project shop, eu-central-1): 2 functions

jobs  (shop-dev-jobs-77aa)  no live alias
  no deployments yet: deployment group shop-dev/jobs does not exist

web-items  (shop-dev-web-items-3e96e17)  live → version 7  canary: version 8 at 10%
  d-CANARY8  InProgress  CodeDeployDefault.LambdaCanary10Percent5Minutes  2026-11-21 10:02:11Z  —  —
`
	if got := h.out.String(); got != want {
		t.Errorf("stdout =\n%s\nwant\n%s", got, want)
	}
	if h.errOut.Len() != 0 {
		t.Errorf("stderr = %q; want empty", h.errOut)
	}
	if want := []string{"GetResources kumo:stack=dev"}; !reflect.DeepEqual(h.aws.calls, want) {
		t.Errorf("calls = %v; want %v", h.aws.calls, want)
	}
}

func TestStatusJSON(t *testing.T) {
	h := newHarness(newProject(t), signedIn(""))
	if err := h.run("--json --function web-items --limit 1"); err != nil {
		t.Fatal(err)
	}
	want := `{
  "project": "shop",
  "stack": "dev",
  "region": "eu-central-1",
  "functions": [
    {
      "name": "web-items",
      "functionName": "shop-dev-web-items-3e96e17",
      "functionArn": "arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-web-items-3e96e17",
      "aliasName": "live",
      "alias": {
        "name": "live",
        "version": "7",
        "routing": [
          {
            "version": "8",
            "weight": 0.1
          }
        ]
      },
      "application": "shop-dev",
      "deploymentGroup": "web-items",
      "deploymentGroupFound": true,
      "deployments": [
        {
          "id": "d-CANARY8",
          "status": "InProgress",
          "deploymentConfig": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
          "creator": "user",
          "createdAt": "2026-11-21T10:02:11Z",
          "completedAt": null,
          "error": null,
          "rollback": null
        }
      ]
    }
  ]
}
`
	if got := h.out.String(); got != want {
		t.Errorf("stdout =\n%s\nwant\n%s", got, want)
	}
}

func TestStatusRegion(t *testing.T) {
	tests := []struct {
		name, stack, envRegion string
		wantRegion             string
		wantErr                string
	}{
		{name: "stack region", stack: "staging", wantRegion: "us-west-2"},
		{name: "stack region wins over the environment", stack: "dev", envRegion: "us-east-1", wantRegion: "eu-central-1"},
		{name: "environment when the stack sets none", stack: "noregion", envRegion: "us-east-1", wantRegion: "us-east-1"},
		{name: "no region anywhere", stack: "noregion",
			wantErr: "no AWS region: stack noregion sets no aws:region; run `pulumi config set aws:region <region> --stack noregion` or set AWS_REGION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(newProject(t), signedIn(tt.envRegion))
			err := h.run("--stack " + tt.stack)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v; want %q", err, tt.wantErr)
				}
				if h.clientsCfg != nil {
					t.Error("clients were built; want none without a region")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.clientsCfg == nil || h.clientsCfg.Region != tt.wantRegion {
				t.Errorf("clients built for %+v; want region %s", h.clientsCfg, tt.wantRegion)
			}
			if !strings.HasPrefix(h.out.String(), "stack "+tt.stack+" (project shop, "+tt.wantRegion+")") {
				t.Errorf("stdout = %q; want the header to name %s", h.out, tt.wantRegion)
			}
		})
	}
	// The loader is asked for the stack's region, so profile-specific
	// settings for it (endpoints, retries) apply.
	h := newHarness(newProject(t), signedIn(""))
	if err := h.run("--stack staging"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"us-west-2"}; !reflect.DeepEqual(h.loadedFor, want) {
		t.Errorf("AWSConfig asked for %v; want %v", h.loadedFor, want)
	}
}

func TestStatusNoCredentials(t *testing.T) {
	cause := errors.New("failed to refresh cached credentials, no EC2 IMDS role found")
	tests := []struct {
		name  string
		creds aws.CredentialsProvider
	}{
		{"provider fails", aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, cause
		})},
		{"no provider", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(newProject(t), aws.Config{Region: "eu-central-1", Credentials: tt.creds})
			err := h.run("")
			var cerr *cli.Error
			if !errors.As(err, &cerr) || cerr.Code != cli.ExitError {
				t.Fatalf("error = %#v; want a *cli.Error with exit code %d", err, cli.ExitError)
			}
			first, _, _ := strings.Cut(err.Error(), "\n")
			if want := "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login"; first != want {
				t.Errorf("message = %q; want first line %q", err, want)
			}
			if tt.creds != nil && !errors.Is(err, cause) {
				t.Errorf("error %v does not wrap the provider's error", err)
			}
			if h.clientsCfg != nil || len(h.aws.calls) != 0 || h.out.Len() != 0 {
				t.Errorf("AWS was called (%v) or output written (%q); want neither", h.aws.calls, h.out)
			}
		})
	}
}

func TestStatusErrors(t *testing.T) {
	tests := []struct {
		name, args string
		wantErr    string
	}{
		{"unknown stack", "--stack prod", `stack "prod" not found: no Pulumi.prod.yaml in `},
		{"unknown stack lists stacks", "--stack prod", "(existing stacks: dev, noregion, staging)"},
		{"unknown function", "--function nope", `canary status of stack dev: function "nope" not found in stack dev (functions: jobs, web-items)`},
		{"not a project", "--dir site", "no Pulumi.yaml in "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(newProject(t), signedIn(""))
			err := h.run(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v; want one containing %q", err, tt.wantErr)
			}
			var cerr *cli.Error
			if errors.As(err, &cerr) {
				t.Errorf("error has exit code %d; want the default (1)", cerr.Code)
			}
			if h.out.Len() != 0 {
				t.Errorf("stdout = %q; want nothing on failure", h.out)
			}
			if tt.name != "unknown function" && len(h.loadedFor) != 0 {
				t.Errorf("AWS config loaded for %v; want the project checked first", h.loadedFor)
			}
		})
	}
}

func TestStatusAWSConfigError(t *testing.T) {
	h := newHarness(newProject(t), aws.Config{})
	h.f.AWSConfig = func(context.Context, string) (aws.Config, error) {
		return aws.Config{}, errors.New("failed to get shared config profile, nope")
	}
	err := h.run("")
	if want := "load AWS config: failed to get shared config profile, nope"; err == nil || err.Error() != want {
		t.Errorf("error = %v; want %q", err, want)
	}
}

// TestStatusAgainstAHungEndpointFailsFast is issue 6's hang: an endpoint
// that accepts the connection and never answers. With the real SDK clients
// and small limits the command fails in about a second, saying which call
// to which endpoint got no answer and what to check.
func TestStatusAgainstAHungEndpointFailsFast(t *testing.T) {
	hung := awsclienttest.Hang(t)
	cfg := signedIn("")
	cfg.BaseEndpoint = aws.String(hung)
	h := newHarness(newProject(t), cfg)
	cmd := NewCmdStatus(h.f, func(o *StatusOptions) error {
		o.Limits = awsclient.Limits{ResponseHeaderTimeout: 200 * time.Millisecond, MaxAttempts: 3,
			MaxBackoff: 20 * time.Millisecond, CallTimeout: time.Second}
		return runStatus(o) // the real clients, not the harness's fakes
	})
	cmd.SetArgs(nil)
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true

	start := time.Now()
	err := cmd.Execute()
	took := time.Since(start)
	if err == nil {
		t.Fatal("kumo canary status against a hung endpoint succeeded")
	}
	if took > 5*time.Second {
		t.Errorf("kumo canary status failed after %s; want about a second with these limits", took)
	}
	for _, want := range []string{
		"canary status of stack dev", "Resource Groups Tagging API: GetResources", // the operation
		"no answer from " + hung, "after 3 attempts", // the endpoint, and that it was retried
		"reachable from here (network, VPN, HTTPS_PROXY)", "AWS_ENDPOINT_URL", // what to check
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if h.out.Len() != 0 {
		t.Errorf("stdout = %q; want nothing", h.out)
	}
}

// TestStatusUsesTheProductionLimits checks that the command, as the kumo
// binary builds it, bounds its calls by awsclient.DefaultLimits, whose
// worst case the awsclient tests keep within a minute.
func TestStatusUsesTheProductionLimits(t *testing.T) {
	ios, _, _, _ := cli.Test()
	var got *StatusOptions
	cmd := NewCmdStatus(&cli.Factory{IO: ios, Getwd: os.Getwd}, func(o *StatusOptions) error { got = o; return nil })
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Limits != awsclient.DefaultLimits() {
		t.Errorf("Limits = %+v; want awsclient.DefaultLimits() %+v", got.Limits, awsclient.DefaultLimits())
	}
	if total := got.Limits.Total(); total > time.Minute {
		t.Errorf("a hung call fails after up to %s; want at most a minute", total)
	}
}

// TestStatusCredentialsTimeout: credentials whose endpoint does not answer
// are reported as a timeout, not as missing credentials.
func TestStatusCredentialsTimeout(t *testing.T) {
	timeout := &awsclient.TimeoutError{Endpoint: "https://sts.eu-central-1.amazonaws.com", Attempts: 3,
		Elapsed: 45 * time.Second, Err: errors.New("context deadline exceeded")}
	h := newHarness(newProject(t), aws.Config{Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, fmt.Errorf("operation error STS: AssumeRole, %w", timeout)
	})})
	err := h.run("")
	var cerr *cli.Error
	if !errors.As(err, &cerr) || cerr.Code != cli.ExitError {
		t.Fatalf("error = %#v; want a *cli.Error with exit code %d", err, cli.ExitError)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "resolve AWS credentials: operation error STS: AssumeRole, no answer from https://sts.") ||
		strings.Contains(msg, "no AWS credentials found") {
		t.Errorf("error = %q; want the STS timeout, not missing credentials", msg)
	}
}
