package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/awsregions"
	"github.com/kumo-iac/kumo/patterns"
)

// awsKeys are the config keys of the pulumi-aws v6 provider (its Go SDK's
// config package); a test keeps the list equal to the SDK's. Any other
// aws: key is a typo the provider would ignore.
var awsKeys = []string{
	"accessKey", "allowedAccountIds", "assumeRole", "assumeRoleWithWebIdentity", "customCaBundle", "defaultTags",
	"ec2MetadataServiceEndpoint", "ec2MetadataServiceEndpointMode", "endpoints", "forbiddenAccountIds", "httpProxy",
	"httpsProxy", "ignoreTags", "insecure", "maxRetries", "noProxy", "profile", "region", "retryMode",
	"s3UsEast1RegionalEndpoint", "s3UsePathStyle", "secretKey", "sharedConfigFiles", "sharedCredentialsFiles",
	"skipCredentialsValidation", "skipMetadataApiCheck", "skipRegionValidation", "skipRequestingAccountId", "stsRegion",
	"token", "tokenBucketRateLimiterCapacity", "useDualstackEndpoint", "useFipsEndpoint",
}

// LoadConfig parses and validates raw stack config ("namespace:key" →
// value as Pulumi passes it), sections of enabled patterns included. Every
// problem is reported at once, naming the key, the bad value and what is
// allowed.
func LoadConfig(raw map[string]string) (Config, error) {
	return ParseConfig(raw, nil)
}

// ParseConfig is LoadConfig for config some of whose keys are secret:
// their values never appear in a message.
func ParseConfig(raw map[string]string, secret func(key string) bool) (Config, error) {
	c, p := parse(raw, secret)
	return c, constructs.Invalid("stack config", toMulti(p.Errs))
}

// secretOf extends a key-level secret test to the keys of sections: a
// section holding a secret hides all its values.
func secretOf(secret func(string) bool) func(string) bool {
	if secret == nil {
		return func(string) bool { return false }
	}
	return func(key string) bool {
		section, _, _ := strings.Cut(key, ".")
		return secret(key) || secret(section)
	}
}

// parse reads every key, decodes the sections of enabled patterns, then
// checks values and relations between stack-level keys.
func parse(raw map[string]string, secret func(key string) bool) (Config, *patterns.Problems) {
	secret = secretOf(secret)
	c := defaultConfig()
	p := &patterns.Problems{Secret: secret}
	known := map[string]Key{}
	for _, k := range Keys {
		known[Namespace+":"+k.Name] = k
	}
	sections := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		ns, key, _ := strings.Cut(name, ":")
		switch {
		case raw[name] == patterns.SecretPlaceholder:
			// Encrypted and not decryptable here: synth reports the skip.
		case ns == "aws":
			if !slices.Contains(awsKeys, key) {
				p.Add(name, "is not a setting of the AWS provider%s; it would be ignored", patterns.Closest(key, awsKeys, "aws:"))
			}
		case ns == "pulumi":
		case ns != Namespace:
			p.Add(name, "namespace %q is not read by this stack (kumo reads %s: and aws: keys)%s; remove it or fix the namespace",
				ns, Namespace, patterns.Closest(key, configNames(), Namespace+":"))
		case pattern(key) != nil:
			sections[key] = raw[name]
		default:
			if why, moved := movedKeys[key]; moved {
				p.Add(name, "no longer a stack-level key; %s", why)
				continue
			}
			k, ok := known[name]
			if !ok {
				p.Add(name, "unknown config key%s; known keys: %s", suggest(key), strings.Join(keyNames(), ", "))
				continue
			}
			if err := k.set(&c, raw[name]); err != nil {
				p.Add(name, "%s %v", p.Val(name, raw[name]), err)
			}
		}
	}
	c.Region = raw["aws:region"]
	switch {
	case c.Region == "":
		p.Add("aws:region", "not set; run `pulumi config set aws:region <region>` (e.g. eu-west-1)")
	case c.Region == patterns.SecretPlaceholder:
	case !awsregions.Known(c.Region):
		hint := " such as eu-west-1"
		if r := awsregions.Closest(c.Region); r != "" {
			hint = fmt.Sprintf("; did you mean %s?", r)
		}
		p.Add("aws:region", "%s is not an AWS region the AWS SDK knows (%s)%s", patterns.Quote(c.Region), awsregions.Source, hint)
	}
	c.validate(p)
	// Each enabled pattern's section, on top of its defaults; a section of
	// a pattern the stack does not enable is a mistake too.
	for _, name := range slices.Sorted(maps.Keys(sections)) {
		// Pulumi.yaml declares every section with the default {}, which the
		// engine passes to every stack.
		if !slices.Contains(c.Patterns, name) && strings.TrimSpace(sections[name]) != "{}" {
			p.Add(patterns.SectionName(name), "is set, but %s does not list %s; add it there or remove the section", Namespace+":patterns", name)
		}
	}
	for _, name := range c.enabled() {
		pat := pattern(name)
		if pat == nil || c.Sections[name] != nil {
			continue
		}
		cfg := pat.NewConfig()
		if s, ok := sections[name]; ok {
			patterns.Decode(name, s, cfg, p)
		}
		c.Sections[name] = cfg
	}
	return c, p
}

// validate checks the stack-level keys, naming them.
func (c Config) validate(p *patterns.Problems) {
	k := func(name string) string { return Namespace + ":" + name }
	if len(c.Patterns) == 0 {
		p.Add(k("patterns"), "empty; enable at least one of %s", strings.Join(PatternNames(), ", "))
	}
	seen := map[string]bool{}
	for _, pat := range c.Patterns {
		switch {
		case strings.TrimSpace(pat) == "":
			p.Add(k("patterns"), "has an empty entry; use one of %s", strings.Join(PatternNames(), ", "))
		case seen[pat]:
			p.Add(k("patterns"), "%s is listed twice; list each pattern once", p.Val(k("patterns"), pat))
		case !slices.Contains(PatternNames(), pat):
			p.Add(k("patterns"), "%s is not a pattern; use one of %s", p.Val(k("patterns"), pat), strings.Join(PatternNames(), ", "))
		}
		seen[pat] = true
	}
	if err := c.DeploymentPreference.Validate(); err != nil {
		p.Add(k("deploymentPreference"), "%s", p.Redact(k("deploymentPreference"), err, "is not a deployment preference; use AllAtOnce, Canary<P>Percent<M>Minutes or Linear<P>PercentEvery<M>Minutes"))
	}
	if c.LambdaConcurrencyQuota < DefaultLambdaConcurrencyQuota {
		p.Add(k("lambdaConcurrencyQuota"), "%s is below Lambda's default quota of %d; use the value Service Quotas shows for L-B99A9384",
			p.Val(k("lambdaConcurrencyQuota"), c.LambdaConcurrencyQuota), DefaultLambdaConcurrencyQuota)
	}
	account := slices.Contains(c.Patterns, PatternAPIGatewayAccount)
	switch {
	case account && c.APIGatewayLogRoleStack != "":
		p.Add(k("apiGatewayLogRoleStack"), "%s is set, but this stack runs the %s pattern itself; remove the key", p.Val(k("apiGatewayLogRoleStack"), c.APIGatewayLogRoleStack), PatternAPIGatewayAccount)
	case c.APIGatewayLogRoleStack != "" && !c.hasAPI():
		p.Add(k("apiGatewayLogRoleStack"), "%s is set, but no enabled pattern has an API; remove the key", p.Val(k("apiGatewayLogRoleStack"), c.APIGatewayLogRoleStack))
	}
}

// enabled are the listed patterns, each once, in order.
func (c Config) enabled() []string {
	var out []string
	for _, p := range c.Patterns {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// hasAPI reports whether an enabled pattern deploys an API (today: the web
// app), which is what a log role reference is for.
func (c Config) hasAPI() bool { return slices.Contains(c.Patterns, "webapp") }

// env is what the patterns get during validation: stand-ins for what is
// created only afterwards.
func (c Config) env(root string, secret func(string) bool) patterns.Env {
	env := patterns.Env{Root: root, Region: c.Region, LambdaConcurrencyQuota: c.LambdaConcurrencyQuota, Secret: secretOf(secret)}
	if c.APIGatewayLogRoleStack != "" || slices.Contains(c.Patterns, PatternAPIGatewayAccount) {
		env.AccountLogRole = &constructs.AccountLogRole{}
	}
	return env
}

// validateAll checks the stack config and, in the same pass, every enabled
// pattern's section and the args it implies, before any resource exists, so
// a stack file shows every problem at once.
func validateAll(raw map[string]string, secret func(string) bool, root string) (Config, error) {
	cfg, p := parse(raw, secret)
	errs := p.Errs
	env := cfg.env(root, secret)
	for _, name := range cfg.enabled() {
		if pat := pattern(name); pat != nil && cfg.Sections[name] != nil {
			errs = append(errs, pat.Validate(cfg.Sections[name], env)...)
		}
	}
	return cfg, constructs.Invalid("stack config", toMulti(errs))
}

func toMulti(errs []error) *multierror.Error {
	if len(errs) == 0 {
		return nil
	}
	return &multierror.Error{Errors: errs}
}

// configNames are the names a kumo: key may have: stack-level keys and the
// registered patterns' sections.
func configNames() []string {
	names := make([]string, 0, len(Keys)+len(registered))
	for _, k := range Keys {
		names = append(names, k.Name)
	}
	for _, p := range registered {
		names = append(names, p.Name())
	}
	return names
}

// suggest names what a misspelt kumo: key may have meant: a stack-level
// key or section, or a key of a section (kumo:webapp.memoryMB), or "".
func suggest(key string) string {
	if hint := patterns.Closest(key, configNames(), Namespace+":"); hint != "" {
		return hint
	}
	for _, p := range registered {
		var names []string
		for _, k := range patterns.Keys(p.NewConfig()) {
			names = append(names, k.Name)
		}
		if hint := patterns.Closest(key, names, patterns.KeyName(p.Name(), "")); hint != "" {
			return hint
		}
	}
	return ""
}

func keyNames() []string {
	out := configNames()
	for i := range out {
		out[i] = Namespace + ":" + out[i]
	}
	return out
}

func parseInt(raw string, out *int) error {
	n, err := strconv.Atoi(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("is not a whole number")
	}
	*out = n
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
