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
	"github.com/kumo-iac/kumo/patterns"
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
// one *constructs.ValidationError before anything is registered. Patterns
// are composed through patterns.Pattern alone, in the order listed.
func Build(ctx *pulumi.Context, raw map[string]string, opts Options) (pulumi.Map, error) {
	cfg, err := validateAll(raw, ctx.IsConfigSecret, opts.Root)
	if err != nil {
		return nil, err
	}
	outputs := pulumi.Map{"region": pulumi.String(cfg.Region)}
	env := patterns.Env{Root: opts.Root, Region: cfg.Region, LambdaConcurrencyQuota: cfg.LambdaConcurrencyQuota, Secret: secretOf(ctx.IsConfigSecret)}
	if slices.Contains(cfg.Patterns, PatternAPIGatewayAccount) {
		account, err := constructs.NewApiGatewayAccount(ctx, PatternAPIGatewayAccount, &constructs.ApiGatewayAccountArgs{})
		if err != nil {
			return nil, err
		}
		outputs[constructs.OutputAPIGatewayRoleArn] = account.Role.Arn
		env.AccountLogRole = account.LogRole()
	}
	var enabled []patterns.Pattern
	for _, name := range cfg.enabled() {
		if p := pattern(name); p != nil {
			enabled = append(enabled, p)
		}
	}
	if len(enabled) == 0 {
		return outputs, nil
	}
	if env.AccountLogRole == nil && cfg.APIGatewayLogRoleStack != "" {
		if env.AccountLogRole, err = constructs.AccountLogRoleFromStack(ctx, "api-gateway-log-role", cfg.APIGatewayLogRoleStack, cfg.Region); err != nil {
			return nil, err
		}
	}
	if env.Releases, err = constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{DefaultPreference: cfg.DeploymentPreference}); err != nil {
		return nil, err
	}
	outputs["codeDeployApplication"] = env.Releases.Application.Name
	for _, p := range enabled {
		outs, err := p.Deploy(ctx, cfg.Sections[p.Name()], env)
		if err != nil {
			return nil, err
		}
		for k, v := range outs {
			if _, clash := outputs[k]; clash {
				return nil, fmt.Errorf("pattern %s exports %q, which another pattern or the stack already exports", p.Name(), k)
			}
			outputs[k] = v
		}
	}
	return outputs, nil
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
