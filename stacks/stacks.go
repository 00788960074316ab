// Package stacks composes kumo's patterns into one Pulumi program per
// environment, driven by typed, validated stack config.
package stacks

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns/webapp"
)

// Options carry what the entry point knows beyond config.
type Options struct {
	// Root is the project directory (the one holding Pulumi.yaml). Relative
	// paths (site directory, handler packages) resolve against it.
	Root string
}

// Build registers the stack's resources from raw config and returns the
// stack outputs. raw maps "namespace:key" to the value as Pulumi passes it:
// strings as-is, every other type JSON-encoded. Bad config is reported as
// one *constructs.ValidationError before anything is registered.
func Build(ctx *pulumi.Context, raw map[string]string, opts Options) (pulumi.Map, error) {
	cfg, err := validateAll(raw, ctx.IsConfigSecret, opts.Root)
	if err != nil {
		return nil, err
	}
	withWebApp := slices.Contains(cfg.Patterns, PatternWebApp)
	webArgs := cfg.webappArgs(opts.Root)
	outputs := pulumi.Map{"region": pulumi.String(cfg.Region)}
	var logRole *constructs.AccountLogRole
	if slices.Contains(cfg.Patterns, PatternAPIGatewayAccount) {
		account, err := constructs.NewApiGatewayAccount(ctx, PatternAPIGatewayAccount, &constructs.ApiGatewayAccountArgs{})
		if err != nil {
			return nil, err
		}
		outputs[constructs.OutputAPIGatewayRoleArn] = account.Role.Arn
		logRole = account.LogRole()
	}
	if !withWebApp {
		return outputs, nil
	}
	if cfg.APILogs && logRole == nil {
		if logRole, err = constructs.AccountLogRoleFromStack(ctx, "api-gateway-log-role", cfg.APIGatewayLogRoleStack, cfg.Region); err != nil {
			return nil, err
		}
	}
	releases, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{DefaultPreference: cfg.DeploymentPreference})
	if err != nil {
		return nil, err
	}
	outputs["codeDeployApplication"] = releases.Application.Name
	webArgs.Releases = releases
	webArgs.AccountLogRole = logRole
	app, err := webapp.New(ctx, "web", webArgs)
	if err != nil {
		return nil, err
	}
	outputs["siteUrl"] = app.SiteURL
	outputs["apiUrl"] = app.ApiURL
	outputs["itemsTable"] = app.Table.Name
	outputs["userPoolId"] = app.Users.ID
	outputs["userPoolClientId"] = app.Users.ClientID
	return outputs, nil
}

func (c Config) webappArgs(root string) *webapp.Args {
	return &webapp.Args{
		Root:                     root,
		MemoryMB:                 c.MemoryMB,
		TimeoutSeconds:           c.TimeoutSeconds,
		LogRetentionDays:         c.LogRetentionDays,
		ThrottleRateLimit:        float64(c.APIRateLimit),
		ThrottleBurstLimit:       c.APIBurstLimit,
		MFA:                      c.MFA,
		DeletionProtection:       c.DeletionProtection,
		DomainNames:              c.DomainNames,
		CertificateArn:           c.CertificateArn,
		DisableAPILogs:           !c.APILogs,
		ItemsReservedConcurrency: c.ItemsReservedConcurrency,
		DeploymentPreferences:    c.DeploymentPreferenceOverrides,
		DurationP99AlarmMs:       c.DurationAlarmP99Ms,
		SmokeTest:                c.SmokeTest,
	}
}

// Run is the program `pulumi up` executes. The engine runs it in the
// program's directory (cmd/stack), so paths resolve against the project
// root the engine reports, where Pulumi.yaml and go.mod live.
func Run(ctx *pulumi.Context) error {
	raw, err := rawConfig(ctx)
	if err != nil {
		return err
	}
	root, err := projectRoot(ctx)
	if err != nil {
		return err
	}
	outputs, err := Build(ctx, raw, Options{Root: root})
	if err != nil {
		return err
	}
	for k, v := range outputs {
		ctx.Export(k, v)
	}
	return nil
}

// rawConfig reads every config value the engine passed. The SDK exposes
// single keys only, but unknown keys must be reported, so the full map comes
// from the documented PULUMI_CONFIG variable; known keys are then read
// through the context too, in case an engine passes config another way.
func rawConfig(ctx *pulumi.Context) (map[string]string, error) {
	raw := map[string]string{}
	if env := os.Getenv(pulumi.EnvConfig); env != "" {
		if err := json.Unmarshal([]byte(env), &raw); err != nil {
			return nil, fmt.Errorf("read %s: %w", pulumi.EnvConfig, err)
		}
	}
	for _, k := range append(keyNames(), "aws:region") {
		if v, ok := ctx.GetConfig(k); ok {
			raw[k] = v
		}
	}
	return raw, nil
}

// projectRoot is the engine-reported root directory, or, for engines too old
// to report it, the nearest directory above the working one with Pulumi.yaml.
func projectRoot(ctx *pulumi.Context) (string, error) {
	if dir := ctx.RootDirectory(); dir != "" {
		return dir, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no Pulumi.yaml in %s or above it; run pulumi from the kumo project", dir)
		}
	}
}
