package stacks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kumo-iac/kumo/constructs"
)

// Namespace is the Pulumi config namespace of kumo's keys (the project name).
const Namespace = "kumo"

// Pattern names.
const (
	PatternWebApp = "webapp"
	// PatternAPIGatewayAccount manages API Gateway's region-wide CloudWatch
	// Logs role; deploy it in exactly one stack per account and region.
	PatternAPIGatewayAccount = "apigateway-account"
)

// Patterns kumo can compose; later patterns join this list.
var Patterns = []string{PatternWebApp, PatternAPIGatewayAccount}

// retiredKeys are keys kumo no longer reads, with what replaced them.
var retiredKeys = map[string]string{
	"apiGatewayAccountLogRole": "API Gateway's region-wide log role is one setting per account and region, so no web app stack manages it any more: deploy the apigateway-account pattern in one stack of its own (see Pulumi.shared-eu-west-1.yaml) and set kumo:apiGatewayLogRoleStack to that stack's name",
}

// Config is a stack's validated configuration.
type Config struct {
	// Region is the AWS region (aws:region).
	Region string
	// Patterns are the enabled patterns.
	Patterns []string
	// MemoryMB, TimeoutSeconds and LogRetentionDays size every API function.
	MemoryMB         int
	TimeoutSeconds   int
	LogRetentionDays int
	// APIRateLimit and APIBurstLimit throttle the API stage.
	APIRateLimit  int
	APIBurstLimit int
	// MFA is the user pool's MFA setting.
	MFA constructs.MFA
	// DeletionProtection protects stateful resources.
	DeletionProtection bool
	// DomainNames and CertificateArn put the site on custom domains.
	DomainNames    []string
	CertificateArn string
	// APIGatewayLogRoleStack names the stack managing API Gateway's
	// region-wide log role; APILogs turns the API's logs on.
	APIGatewayLogRoleStack string
	APILogs                bool
	// ItemsReservedConcurrency caps the items function (0 = kill switch).
	ItemsReservedConcurrency *int
	// DeploymentPreference is how new versions reach traffic by default.
	DeploymentPreference constructs.DeploymentPreference
	// DeploymentPreferenceOverrides are per-function preferences.
	DeploymentPreferenceOverrides map[string]constructs.DeploymentPreference
	// DurationAlarmP99Ms adds a p99 duration rollback alarm (0 = none).
	DurationAlarmP99Ms int
	// SmokeTest adds the items function's pre-traffic hook.
	SmokeTest bool
	// LambdaConcurrencyQuota is the account's concurrency quota, which
	// bounds reserved concurrency.
	LambdaConcurrencyQuota int
}

// DefaultLambdaConcurrencyQuota is Lambda's default concurrent executions
// quota per account and region; minUnreservedConcurrency is what Lambda
// keeps for functions without a reservation ("UnreservedConcurrentExecution
// below its minimum value of [100]").
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
const (
	DefaultLambdaConcurrencyQuota = 1000
	minUnreservedConcurrency      = 100
)

// Unreserved is the itemsReservedConcurrency value that reserves nothing;
// Lambda's own API uses the same -1 convention.
const Unreserved = -1

// Key documents one config key; Keys is the single list that parsing, the
// Pulumi.yaml declarations and the README reference are checked against.
type Key struct {
	Name        string // without namespace
	Type        string // Pulumi project config type: string, integer, boolean, array
	Default     string // the default value as YAML; Pulumi.yaml declares the same
	Description string
	set         func(c *Config, raw string) error
}

// Keys are every kumo config key.
var Keys = []Key{
	{"patterns", "array", `["webapp"]`, "Patterns to deploy; one of: webapp, apigateway-account.", func(c *Config, raw string) error {
		return parseStrings(raw, &c.Patterns)
	}},
	{"memoryMB", "integer", "256", "Memory of each API function, 128–10240 MB (more memory also buys more CPU).", func(c *Config, raw string) error {
		return parseInt(raw, &c.MemoryMB)
	}},
	{"timeoutSeconds", "integer", "10", "Timeout of each API function, 1–29 s (API Gateway gives up after 29 s).", func(c *Config, raw string) error {
		return parseInt(raw, &c.TimeoutSeconds)
	}},
	{"logRetentionDays", "integer", "30", "Retention of function and API access logs; a CloudWatch Logs value (1, 3, 5, 7, 14, 30, 60, 90, …, 3653).", func(c *Config, raw string) error {
		return parseInt(raw, &c.LogRetentionDays)
	}},
	{"apiRateLimit", "integer", "100", "Steady-state requests per second the API stage accepts before throttling (429).", func(c *Config, raw string) error {
		return parseInt(raw, &c.APIRateLimit)
	}},
	{"apiBurstLimit", "integer", "200", "Burst of requests the API stage accepts above the rate limit.", func(c *Config, raw string) error {
		return parseInt(raw, &c.APIBurstLimit)
	}},
	{"mfa", "string", "OPTIONAL", "Cognito MFA with authenticator apps: OFF, OPTIONAL or ON.", func(c *Config, raw string) error {
		c.MFA = constructs.MFA(raw)
		return nil
	}},
	{"deletionProtection", "boolean", "false", "Protect the table and user pool from deletion and keep non-empty buckets (turn on for production).", func(c *Config, raw string) error {
		return parseBool(raw, &c.DeletionProtection)
	}},
	{"domainNames", "array", "[]", "Custom domains for the static site; needs certificateArn.", func(c *Config, raw string) error {
		return parseStrings(raw, &c.DomainNames)
	}},
	{"certificateArn", "string", `""`, "ACM certificate in us-east-1 covering domainNames; enforces TLS 1.2+ for viewers.", func(c *Config, raw string) error {
		c.CertificateArn = raw
		return nil
	}},
	{"apiGatewayLogRoleStack", "string", `""`, "The stack (name in this project, or org/project/stack) running the apigateway-account pattern, which manages API Gateway's region-wide CloudWatch Logs role that the web app's API logs need.", func(c *Config, raw string) error {
		c.APIGatewayLogRoleStack = strings.TrimSpace(raw)
		return nil
	}},
	{"apiLogs", "boolean", "true", "Write API access and execution logs; needs apiGatewayLogRoleStack (or the apigateway-account pattern in the same stack).", func(c *Config, raw string) error {
		return parseBool(raw, &c.APILogs)
	}},
	{"itemsReservedConcurrency", "integer", "-1", "Reserved concurrency of the items function; -1 leaves it unreserved, 0 is the kill switch that stops it.", func(c *Config, raw string) error {
		var n int
		if err := parseInt(raw, &n); err != nil {
			return err
		}
		if n == Unreserved {
			c.ItemsReservedConcurrency = nil
			return nil
		}
		c.ItemsReservedConcurrency = &n
		return nil
	}},
	{"deploymentPreference", "string", "Canary10Percent5Minutes", "How CodeDeploy shifts traffic to each new function version: AllAtOnce, Canary<P>Percent<M>Minutes or Linear<P>PercentEvery<M>Minutes (built-in or custom).", func(c *Config, raw string) error {
		c.DeploymentPreference = constructs.DeploymentPreference(raw)
		return nil
	}},
	{"deploymentPreferenceOverrides", "array", "[]", "Per-function preferences as function=preference, e.g. health=AllAtOnce; functions: items, health.", func(c *Config, raw string) error {
		var pairs []string
		if err := parseStrings(raw, &pairs); err != nil {
			return err
		}
		c.DeploymentPreferenceOverrides = map[string]constructs.DeploymentPreference{}
		var bad []string
		for _, p := range pairs {
			fn, pref, ok := strings.Cut(p, "=")
			fn, pref = strings.TrimSpace(fn), strings.TrimSpace(pref)
			switch _, dup := c.DeploymentPreferenceOverrides[fn]; {
			case !ok || fn == "" || pref == "":
				bad = append(bad, fmt.Sprintf("entry %s is not function=preference", quote(p)))
			case dup:
				bad = append(bad, fmt.Sprintf("function %s is listed twice; give each function one preference", quote(fn)))
			default:
				c.DeploymentPreferenceOverrides[fn] = constructs.DeploymentPreference(pref)
			}
		}
		if len(bad) > 0 {
			return errors.New(strings.Join(bad, "; "))
		}
		return nil
	}},
	{"durationAlarmP99Ms", "integer", "0", "Roll a deployment back when the alias's p99 duration exceeds this many ms; 0 adds no duration alarm.", func(c *Config, raw string) error {
		return parseInt(raw, &c.DurationAlarmP99Ms)
	}},
	{"lambdaConcurrencyQuota", "integer", "1000", "The account's Lambda concurrent executions quota in this region (Service Quotas L-B99A9384); reserved concurrency may use all of it but the 100 Lambda keeps unreserved.", func(c *Config, raw string) error {
		return parseInt(raw, &c.LambdaConcurrencyQuota)
	}},
	{"smokeTest", "boolean", "false", "Run a pre-traffic hook that lists items through each new items version before it gets traffic.", func(c *Config, raw string) error {
		return parseBool(raw, &c.SmokeTest)
	}},
}

// defaultConfig holds the documented defaults; constructs apply the same
// values for zero fields, but stating them here makes synth output and
// validation messages show real numbers.
func defaultConfig() Config {
	return Config{
		Region:           "",
		Patterns:         []string{"webapp"},
		MemoryMB:         constructs.DefaultMemoryMB,
		TimeoutSeconds:   constructs.DefaultTimeoutSeconds,
		LogRetentionDays: constructs.DefaultLogRetentionDays,
		APIRateLimit:     int(constructs.DefaultThrottleRateLimit),
		APIBurstLimit:    constructs.DefaultThrottleBurstLimit,
		MFA:              constructs.DefaultMFA,
		DomainNames:      []string{},
		APILogs:          true,

		LambdaConcurrencyQuota: DefaultLambdaConcurrencyQuota,

		DeploymentPreference:          constructs.DefaultDeploymentPreference,
		DeploymentPreferenceOverrides: map[string]constructs.DeploymentPreference{},
	}
}
