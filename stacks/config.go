package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns/webapp"
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
}

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
		for _, p := range pairs {
			fn, pref, ok := strings.Cut(p, "=")
			if !ok {
				return fmt.Errorf("has entry %q without '='; write function=preference", p)
			}
			c.DeploymentPreferenceOverrides[strings.TrimSpace(fn)] = constructs.DeploymentPreference(strings.TrimSpace(pref))
		}
		return nil
	}},
	{"durationAlarmP99Ms", "integer", "0", "Roll a deployment back when the alias's p99 duration exceeds this many ms; 0 adds no duration alarm.", func(c *Config, raw string) error {
		return parseInt(raw, &c.DurationAlarmP99Ms)
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

		DeploymentPreference:          constructs.DefaultDeploymentPreference,
		DeploymentPreferenceOverrides: map[string]constructs.DeploymentPreference{},
	}
}

var regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)

// LoadConfig parses and validates raw stack config ("namespace:key" →
// value as Pulumi passes it). Every problem is reported at once, naming the
// key, the bad value and what is allowed.
func LoadConfig(raw map[string]string) (Config, error) {
	c := defaultConfig()
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }

	c.Region = raw["aws:region"]
	if c.Region == "" {
		add("aws:region: not set; run `pulumi config set aws:region <region>` (e.g. eu-west-1)")
	} else if !regionName.MatchString(c.Region) {
		add("aws:region: %q is not an AWS region name such as eu-west-1", c.Region)
	}
	known := map[string]Key{}
	for _, k := range Keys {
		known[Namespace+":"+k.Name] = k
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !strings.HasPrefix(name, Namespace+":") {
			continue // other providers' and Pulumi's own keys
		}
		k, ok := known[name]
		if why, retired := retiredKeys[strings.TrimPrefix(name, Namespace+":")]; retired {
			add("%s: no longer supported; %s", name, why)
			continue
		}
		if !ok {
			add("%s: unknown config key%s; known keys: %s", name, suggest(name), strings.Join(keyNames(), ", "))
			continue
		}
		if err := k.set(&c, raw[name]); err != nil {
			add("%s: %q %v", name, raw[name], err)
		}
	}
	errs = multierror.Append(errs, c.validate())
	return c, constructs.Invalid("stack config", errs)
}

// validate checks ranges with config key names, so a user sees which line
// of their stack file to change.
func (c Config) validate() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	k := func(name string) string { return Namespace + ":" + name }
	if len(c.Patterns) == 0 {
		add("%s: empty; enable at least one of %s", k("patterns"), strings.Join(Patterns, ", "))
	}
	for _, p := range c.Patterns {
		if !slices.Contains(Patterns, p) {
			add("%s: %q is not a pattern; use one of %s", k("patterns"), p, strings.Join(Patterns, ", "))
		}
	}
	if c.MemoryMB < constructs.MinMemoryMB || c.MemoryMB > constructs.MaxMemoryMB {
		add("%s: %d is outside %d–%d MB", k("memoryMB"), c.MemoryMB, constructs.MinMemoryMB, constructs.MaxMemoryMB)
	}
	if c.TimeoutSeconds < 1 || c.TimeoutSeconds > constructs.MaxAPITimeoutSeconds {
		add("%s: %d is outside 1–%d s (the functions sit behind API Gateway, whose integration limit is %d s)", k("timeoutSeconds"),
			c.TimeoutSeconds, constructs.MaxAPITimeoutSeconds, constructs.MaxAPITimeoutSeconds)
	}
	if !slices.Contains(constructs.ValidLogRetentionDays, c.LogRetentionDays) {
		add("%s: %d is not a CloudWatch Logs retention; use one of %v", k("logRetentionDays"), c.LogRetentionDays, constructs.ValidLogRetentionDays)
	}
	if c.APIRateLimit < 1 {
		add("%s: %d must be at least 1 request per second", k("apiRateLimit"), c.APIRateLimit)
	}
	if c.APIBurstLimit < 1 {
		add("%s: %d must be at least 1", k("apiBurstLimit"), c.APIBurstLimit)
	}
	if c.MFA != constructs.MFAOff && c.MFA != constructs.MFAOptional && c.MFA != constructs.MFARequired {
		add("%s: %q is not an MFA setting; use OFF, OPTIONAL or ON", k("mfa"), c.MFA)
	}
	if err := c.DeploymentPreference.Validate(); err != nil {
		add("%s: %v", k("deploymentPreference"), err)
	}
	for _, fn := range slices.Sorted(maps.Keys(c.DeploymentPreferenceOverrides)) {
		if !slices.Contains(webapp.Functions, fn) {
			add("%s: %q is not a function; use one of %s", k("deploymentPreferenceOverrides"), fn, strings.Join(webapp.Functions, ", "))
		}
		if err := c.DeploymentPreferenceOverrides[fn].Validate(); err != nil {
			add("%s: %s: %v", k("deploymentPreferenceOverrides"), fn, err)
		}
	}
	webapp, account := slices.Contains(c.Patterns, PatternWebApp), slices.Contains(c.Patterns, PatternAPIGatewayAccount)
	switch {
	case webapp && c.APILogs && !account && c.APIGatewayLogRoleStack == "":
		add("%s: not set; the web app's API logs need API Gateway's region-wide CloudWatch Logs role, which one stack per account and region manages with the %s pattern: set this key to that stack's name (e.g. shared-%s), add %s to %s, or set %s: false",
			k("apiGatewayLogRoleStack"), PatternAPIGatewayAccount, orRegion(c.Region), PatternAPIGatewayAccount, k("patterns"), k("apiLogs"))
	case account && c.APIGatewayLogRoleStack != "":
		add("%s: %q is set, but this stack runs the %s pattern itself; remove the key", k("apiGatewayLogRoleStack"), c.APIGatewayLogRoleStack, PatternAPIGatewayAccount)
	case !webapp && c.APIGatewayLogRoleStack != "":
		add("%s: %q is set, but only the %s pattern has an API; remove the key", k("apiGatewayLogRoleStack"), c.APIGatewayLogRoleStack, PatternWebApp)
	}
	if c.DurationAlarmP99Ms < 0 {
		add("%s: %d must not be negative; use 0 for no duration alarm", k("durationAlarmP99Ms"), c.DurationAlarmP99Ms)
	}
	if c.ItemsReservedConcurrency != nil && *c.ItemsReservedConcurrency < 0 {
		add("%s: %d is negative; use 0 to stop the function or %d for unreserved", k("itemsReservedConcurrency"), *c.ItemsReservedConcurrency, Unreserved)
	}
	return errs
}

func orRegion(r string) string {
	if r == "" {
		return "<region>"
	}
	return r
}

func keyNames() []string {
	out := make([]string, len(Keys))
	for i, k := range Keys {
		out[i] = Namespace + ":" + k.Name
	}
	return out
}

// suggest names the known key closest to a misspelt one.
func suggest(name string) string {
	// Allow about one edit in three characters, so memorySize finds memoryMB
	// but unrelated keys suggest nothing.
	best, bestDist := "", max(3, len(name)/3)+1
	for _, k := range keyNames() {
		if d := editDistance(strings.ToLower(name), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func parseInt(raw string, out *int) error {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("is not a whole number")
	}
	*out = n
	return nil
}

func parseBool(raw string, out *bool) error {
	b, err := strconv.ParseBool(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("is not a boolean; use true or false")
	}
	*out = b
	return nil
}

func parseStrings(raw string, out *[]string) error {
	var v []string
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return fmt.Errorf("is not a list of strings; in the stack file write a YAML list")
	}
	*out = v
	return nil
}
