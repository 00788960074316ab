package canarycmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/awsclient"
	"github.com/kumo-iac/kumo/internal/canarystatus"
	"github.com/kumo-iac/kumo/internal/synth"
)

// errNoCredentials is the first line users see when the SDK's credential
// chain finds nothing usable; it names every way to fix that.
const errNoCredentials = "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run aws sso login"

// StatusOptions are the inputs of one `kumo canary status` run.
type StatusOptions struct {
	IO    *cli.IOStreams
	Getwd func() (string, error)
	// AWSConfig loads the SDK config for a region. Default: the SDK's
	// default chain (config.LoadDefaultConfig) within Limits.
	AWSConfig func(ctx context.Context, region string) (aws.Config, error)
	// Limits bound every AWS call — the clients', whatever AWSConfig
	// returns, and by default the credential providers' too — so an
	// endpoint that never answers fails the command within a minute
	// instead of hanging. Default: awsclient.DefaultLimits().
	Limits awsclient.Limits
	// Clients builds the AWS clients from the loaded config. Default:
	// canarystatus.NewClients.
	Clients func(aws.Config) canarystatus.Clients
	// Context cancels the run; it is the command's context.
	Context context.Context

	// Stack selects Pulumi.<Stack>.yaml, whose aws:region is the region
	// read. Default: dev.
	Stack string
	// Dir is the project directory. Default: the nearest directory at or
	// above the working directory that holds Pulumi.yaml.
	Dir string
	// Function limits the report to one function, by logical or physical
	// name. Default: every function of the stack.
	Function string
	// Limit is how many of the newest deployments to show per function.
	// Default: canarystatus.DefaultLimit.
	Limit int
	// JSON prints the status JSON contract instead of the tables.
	JSON bool
}

// NewCmdStatus returns the status command. runF replaces the run in tests
// that only check flag parsing; nil reads the status from AWS.
func NewCmdStatus(f *cli.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Getwd: f.Getwd, AWSConfig: f.AWSConfig, Clients: canarystatus.NewClients,
		Limits: awsclient.DefaultLimits()}
	if opts.AWSConfig == nil {
		// Reads opts.Limits when called, so limits set after this apply.
		opts.AWSConfig = func(ctx context.Context, region string) (aws.Config, error) {
			return awsclient.Load(ctx, region, awsclient.Settings{}, opts.Limits)
		}
	}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what each function's alias serves and its recent deployments",
		Long: `For every function of a deployed stack, show the version its alias serves,
the traffic weights of a canary in flight (e.g. version 8 at 10%), and the
newest CodeDeploy deployments of its deployment group: status, deployment
config, times, error and rollback.

Functions are found by the tags kumo puts on them (kumo:project, kumo:stack,
kumo:function), so neither Pulumi state nor the pulumi CLI is needed. The
CodeDeploy application is <project>-<stack> and each function's deployment
group is named after the function; a function whose group does not exist yet
shows "no deployments yet".

The region is the stack's aws:region config. It wins over AWS_REGION and the
profile's region, which are used only when the stack sets none. Credentials
come from the AWS SDK's usual chain: AWS_PROFILE, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, SSO, or an instance role. Only read calls are made:
tag:GetResources, lambda:GetAlias, codedeploy:ListDeployments and
codedeploy:BatchGetDeployments. Each gives up after at most 45 s (three
attempts), naming the endpoint that did not answer.`,
		Example: `  kumo canary status
  kumo canary status --stack prod --function web-items --limit 10
  kumo canary status --json | jq '.functions[] | {name, alias}'`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cli.CheckStack(opts.Stack); err != nil {
				return err
			}
			if opts.Limit < 1 || opts.Limit > canarystatus.MaxLimit {
				return cli.UsageErrorf("invalid --limit %d: use 1–%d", opts.Limit, canarystatus.MaxLimit)
			}
			opts.Context = cmd.Context()
			if runF != nil {
				return runF(opts)
			}
			return runStatus(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Stack, "stack", "s", "dev", "Stack whose Pulumi.<stack>.yaml config (and aws:region) to use")
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "Project `directory` holding Pulumi.yaml (default: found from the working directory upwards)")
	cmd.Flags().StringVar(&opts.Function, "function", "", "Show only the function with this logical or physical `name`")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", canarystatus.DefaultLimit, fmt.Sprintf("Number of newest deployments to show per function (1–%d)", canarystatus.MaxLimit))
	cli.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

func runStatus(opts *StatusOptions) error {
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	cwd, err := opts.Getwd()
	if err != nil {
		return fmt.Errorf("working directory: %w", err)
	}
	root, err := cli.ProjectRoot(cwd, opts.Dir)
	if err != nil {
		return err
	}
	project, raw, _, err := synth.LoadConfig(root, opts.Stack)
	if err != nil {
		return err
	}
	region := raw["aws:region"]

	cfg, err := opts.AWSConfig(ctx, region)
	if err != nil {
		return fmt.Errorf("load AWS config: %w", err)
	}
	// Also a config loaded elsewhere (a Factory's) gets bounded calls.
	opts.Limits.Apply(&cfg)
	// The stack's region wins over the environment's: the stack was deployed
	// there, and reading another region would report it as empty.
	if region != "" {
		cfg.Region = region
	}
	if cfg.Region == "" {
		return fmt.Errorf("no AWS region: stack %s sets no aws:region; run `pulumi config set aws:region <region> --stack %s` or set AWS_REGION", opts.Stack, opts.Stack)
	}
	if err := checkCredentials(ctx, cfg); err != nil {
		return err
	}

	report, err := canarystatus.Status(ctx, opts.Clients(cfg), canarystatus.Query{
		Project:  project,
		Stack:    opts.Stack,
		Region:   cfg.Region,
		Function: opts.Function,
		Limit:    opts.Limit,
	})
	if err != nil {
		return fmt.Errorf("canary status of stack %s: %w", opts.Stack, err)
	}

	out, err := cli.Render(opts.JSON, report, report.WriteText)
	if err != nil {
		return err
	}
	return opts.IO.WriteOutput(out)
}

// checkCredentials resolves credentials once up front, so a missing login
// is one clear message instead of the first API call's signing error.
func checkCredentials(ctx context.Context, cfg aws.Config) error {
	var err error
	if cfg.Credentials == nil {
		err = errors.New("no credentials provider configured")
	} else {
		_, err = cfg.Credentials.Retrieve(ctx)
	}
	var timeout *awsclient.TimeoutError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &timeout):
		// The credentials exist but their endpoint (STS, SSO) did not
		// answer: "no credentials found" would send the user the wrong way.
		return &cli.Error{Code: cli.ExitError, Err: fmt.Errorf("resolve AWS credentials: %w", err)}
	}
	return &cli.Error{Code: cli.ExitError, Err: fmt.Errorf(errNoCredentials+"\n  cause: %w", err)}
}
