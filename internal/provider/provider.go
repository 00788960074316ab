// Package provider is kumo's Pulumi resource provider: the plugin
// (pulumi-resource-kumo) that puts a function's release inside `pulumi up`.
// Its one resource, kumo:index:Release, owns a Lambda function's alias:
// creating it publishes the first version and points the alias at it, and
// updating it publishes a version and shifts the alias to it through a
// CodeDeploy deployment, streaming the deployment's progress to the Pulumi
// log. The release logic itself lives in package rollout; this package maps
// it onto the provider protocol and builds the AWS clients.
package provider

import (
	"context"
	"fmt"
	"os"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
)

// Name is the provider's package name: resource tokens start with "kumo:"
// and the engine looks for the plugin binary pulumi-resource-kumo.
const Name = "kumo"

// Version is the provider's version, reported to the engine. Release builds
// set it with -ldflags "-X github.com/kumo-iac/kumo/internal/provider.Version=1.2.3".
var Version = "0.1.0"

// PollIntervalEnv names the environment variable that overrides how often a
// release polls CodeDeploy, Lambda and the deployment group, as a Go
// duration ("2s"). Default: rollout.DefaultPollInterval (10s), which shows
// every traffic step of a canary while staying far below the APIs' rate
// limits; tests against a fake endpoint set it much lower.
const PollIntervalEnv = "KUMO_POLL_INTERVAL"

// New returns the kumo provider.
func New() (p.Provider, error) {
	prov, err := infer.NewProviderBuilder().
		WithDisplayName("kumo").
		WithNamespace("kumo-iac").
		WithDescription("kumo releases Lambda functions inside `pulumi up`: a version per change, shifted to the function's alias by a CodeDeploy canary, linear or all-at-once deployment with alarms, hooks and rollback.").
		WithRepository("https://github.com/kumo-iac/kumo").
		WithResources(infer.Resource(&Release{})).
		Build()
	if err != nil {
		return p.Provider{}, fmt.Errorf("build the kumo provider: %w", err)
	}
	return prov, nil
}

// Run serves the provider to the Pulumi engine that started the plugin,
// until the engine stops it.
func Run(ctx context.Context) error {
	prov, err := New()
	if err != nil {
		return err
	}
	return prov.Run(ctx, Name, Version)
}

// pollInterval reads PollIntervalEnv; zero means the engine's default.
func pollInterval() (time.Duration, error) {
	v := os.Getenv(PollIntervalEnv)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q is not a positive Go duration such as 10s or 500ms; unset it for the default of 10s", PollIntervalEnv, v)
	}
	return d, nil
}
