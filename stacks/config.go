package stacks

import (
	"fmt"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/datalake"
	"github.com/kumo-iac/kumo/patterns/ops"
	"github.com/kumo-iac/kumo/patterns/pipeline"
	"github.com/kumo-iac/kumo/patterns/streams"
	"github.com/kumo-iac/kumo/patterns/webapp"
)

// Namespace is the Pulumi config namespace of kumo's keys (the project name).
const Namespace = patterns.Namespace

// registered are the patterns a stack can enable, each configured by its own
// section (kumo:<name>). Adding a pattern is its package and one line here.
var registered = []patterns.Pattern{
	webapp.Pattern{},
	datalake.Pattern{},
	streams.Pattern{},
	ops.Pattern{},
	pipeline.Pattern{},
}

// PatternAPIGatewayAccount manages API Gateway's region-wide CloudWatch Logs
// role; deploy it in exactly one stack per account and region. It is part
// of the stack rather than a pattern: other patterns' APIs depend on it.
const PatternAPIGatewayAccount = "apigateway-account"

// PatternNames are every name kumo:patterns accepts.
func PatternNames() []string {
	names := []string{}
	for _, p := range registered {
		names = append(names, p.Name())
	}
	return append(names, PatternAPIGatewayAccount)
}

func pattern(name string) patterns.Pattern {
	for _, p := range registered {
		if p.Name() == name {
			return p
		}
	}
	return nil
}

// Config is a stack's validated configuration.
type Config struct {
	// Region is the AWS region (aws:region).
	Region string
	// Patterns are the enabled patterns, as listed.
	Patterns []string
	// DeploymentPreference is how new versions reach traffic by default.
	DeploymentPreference constructs.DeploymentPreference
	// APIGatewayLogRoleStack names the stack managing API Gateway's
	// region-wide log role.
	APIGatewayLogRoleStack string
	// LambdaConcurrencyQuota is the account's concurrency quota, which
	// bounds reserved concurrency.
	LambdaConcurrencyQuota int
	// Sections are the enabled registered patterns' decoded configs, by name.
	Sections map[string]any
}

// DefaultLambdaConcurrencyQuota is Lambda's default concurrent executions
// quota per account and region.
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
const DefaultLambdaConcurrencyQuota = 1000

// Key documents one stack-level config key; Keys is the single list that
// parsing, the Pulumi.yaml declarations and the README reference are
// checked against. Patterns' keys are documented by their config types.
type Key struct {
	Name        string // without namespace
	Type        string // Pulumi project config type: string, integer, boolean, array
	Default     string // the default value as YAML; Pulumi.yaml declares the same
	Description string
	set         func(c *Config, raw string) error
}

// Keys are the stack-level kumo config keys.
var Keys = []Key{
	{"patterns", "array", `["webapp"]`, "Patterns to deploy: webapp, datalake, streamprocessing, opsautomation, pipeline and apigateway-account; each is configured by its own section, kumo:<pattern>.", func(c *Config, raw string) error {
		return parseStrings(raw, &c.Patterns)
	}},
	{"deploymentPreference", "string", "Canary10Percent5Minutes", "How CodeDeploy shifts traffic to each new function version: AllAtOnce, Canary<P>Percent<M>Minutes or Linear<P>PercentEvery<M>Minutes (built-in or custom).", func(c *Config, raw string) error {
		c.DeploymentPreference = constructs.DeploymentPreference(raw)
		return nil
	}},
	{"apiGatewayLogRoleStack", "string", `""`, "The stack (name in this project, or org/project/stack) running the apigateway-account pattern, which manages API Gateway's region-wide CloudWatch Logs role that APIs' logs need.", func(c *Config, raw string) error {
		c.APIGatewayLogRoleStack = raw
		return nil
	}},
	{"suppressions", "", "[]", "kumo check suppressions for this stack: a list of objects {rule, resource (a URN or <type>::<name>), finding (for granular rules such as AwsSolutions-IAM5), reason}; untyped in Pulumi.yaml, whose types cannot describe objects. kumo check and kumo synth read them and report one that matches nothing.", func(c *Config, raw string) error {
		return nil
	}},
	{"lambdaConcurrencyQuota", "integer", "1000", "The account's Lambda concurrent executions quota in this region (Service Quotas L-B99A9384); reserved concurrency may use all of it but the 100 Lambda keeps unreserved.", func(c *Config, raw string) error {
		return parseInt(raw, &c.LambdaConcurrencyQuota)
	}},
}

// defaultConfig holds the documented stack-level defaults.
func defaultConfig() Config {
	return Config{
		Patterns:               []string{webapp.Name},
		DeploymentPreference:   constructs.DefaultDeploymentPreference,
		LambdaConcurrencyQuota: DefaultLambdaConcurrencyQuota,
		Sections:               map[string]any{},
	}
}

// movedKeys are the keys of the web app that were stack-level before each
// pattern had its section; a stack file still using one is told where it went.
var movedKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range patterns.Keys(webapp.Pattern{}.NewConfig()) {
		m[k.Name] = fmt.Sprintf("it is now a key of the web app's section: write %s: with %s: under it (or pulumi config set --path %s <value>)",
			patterns.SectionName(webapp.Name), k.Name, patterns.KeyName(webapp.Name, k.Name))
	}
	m["apiGatewayAccountLogRole"] = "API Gateway's region-wide log role is one setting per account and region, so no web app stack manages it any more: deploy the apigateway-account pattern in one stack of its own (see Pulumi.shared-eu-west-1.yaml) and set kumo:apiGatewayLogRoleStack to that stack's name"
	return m
}()
