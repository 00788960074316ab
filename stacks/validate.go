package stacks

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/go-multierror"
	"gopkg.in/yaml.v3"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/awsregions"
	"github.com/kumo-iac/kumo/patterns/webapp"
)

// secretPlaceholder is what an encrypted value that could not be decrypted
// arrives as (internal/synth); its checks are skipped and synth says so.
const secretPlaceholder = "[secret]"

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

// readNamespaces are the config namespaces a kumo stack may use: kumo's
// own, the AWS provider's and the engine's.
var readNamespaces = []string{Namespace, "aws", "pulumi"}

// problems collects config problems, each naming its key, so that a key
// with a problem can be kept out of the pattern-level checks that follow.
type problems struct {
	errs []error
	keys map[string]bool
	// secret reports keys whose values must never appear in a message.
	secret func(key string) bool
}

// val shows key's value v in a message: "[secret]" for a secret key,
// quoted and cut for a string, as it is for a number.
func (p *problems) val(key string, v any) string {
	if p.secret != nil && p.secret(key) {
		return secretPlaceholder
	}
	if s, ok := v.(string); ok {
		return quote(s)
	}
	return fmt.Sprint(v)
}

// redact returns err's text, or, for a secret key whose value err may
// quote, the generic reason.
func (p *problems) redact(key string, err error, generic string) string {
	if p.secret != nil && p.secret(key) {
		return secretPlaceholder + " " + generic
	}
	return err.Error()
}

func (p *problems) add(key, format string, v ...any) {
	if p.keys == nil {
		p.keys = map[string]bool{}
	}
	p.keys[key] = true
	p.errs = append(p.errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, v...)))
}

// LoadConfig parses and validates raw stack config ("namespace:key" →
// value as Pulumi passes it). Every problem is reported at once, naming the
// key, the bad value and what is allowed.
func LoadConfig(raw map[string]string) (Config, error) {
	return ParseConfig(raw, nil)
}

// ParseConfig is LoadConfig for config some of whose keys are secret:
// their values never appear in a message.
func ParseConfig(raw map[string]string, secret func(key string) bool) (Config, error) {
	c, p := parse(raw, secret)
	return c, constructs.Invalid("stack config", toMulti(p.errs))
}

// parse reads every key, then checks values and relations between keys.
func parse(raw map[string]string, secret func(key string) bool) (Config, *problems) {
	if secret == nil {
		secret = func(string) bool { return false }
	}
	show := func(key string) string {
		if secret(key) {
			return secretPlaceholder
		}
		return quote(raw[key])
	}
	c := defaultConfig()
	p := &problems{secret: secret}
	known := map[string]Key{}
	for _, k := range Keys {
		known[Namespace+":"+k.Name] = k
	}
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		ns, key, _ := strings.Cut(name, ":")
		switch {
		case raw[name] == secretPlaceholder:
			// Encrypted and not decryptable here: synth reports the skip.
		case ns == "aws":
			if !slices.Contains(awsKeys, key) {
				p.add(name, "is not a setting of the AWS provider%s; it would be ignored", closest(key, awsKeys, "aws:"))
			}
		case ns == "pulumi":
		case ns != Namespace:
			p.add(name, "namespace %q is not read by this stack (kumo reads %s: and aws: keys)%s; remove it or fix the namespace",
				ns, Namespace, closest(key, keyNamesBare(), Namespace+":"))
		default:
			k, ok := known[name]
			if why, retired := retiredKeys[key]; retired {
				p.add(name, "no longer supported; %s", why)
				continue
			}
			if !ok {
				p.add(name, "unknown config key%s; known keys: %s", closest(key, keyNamesBare(), Namespace+":"), strings.Join(keyNames(), ", "))
				continue
			}
			if err := k.set(&c, raw[name]); err != nil {
				p.add(name, "%s %v", show(name), err)
			}
		}
	}
	c.Region = raw["aws:region"]
	switch {
	case c.Region == "":
		p.add("aws:region", "not set; run `pulumi config set aws:region <region>` (e.g. eu-west-1)")
	case c.Region == secretPlaceholder:
	case !awsregions.Known(c.Region):
		hint := " such as eu-west-1"
		if r := awsregions.Closest(c.Region); r != "" {
			hint = fmt.Sprintf("; did you mean %s?", r)
		}
		p.add("aws:region", "%s is not an AWS region the AWS SDK knows (%s)%s", quote(c.Region), awsregions.Source, hint)
	}
	c.validate(p, raw)
	return c, p
}

// validate checks ranges and relations with config key names, so a user
// sees which line of their stack file to change.
func (c Config) validate(p *problems, raw map[string]string) {
	k := func(name string) string { return Namespace + ":" + name }
	given := func(name string) bool { _, ok := raw[k(name)]; return ok && raw[k(name)] != secretPlaceholder }
	if len(c.Patterns) == 0 {
		p.add(k("patterns"), "empty; enable at least one of %s", strings.Join(Patterns, ", "))
	}
	seen := map[string]bool{}
	for _, pat := range c.Patterns {
		switch {
		case strings.TrimSpace(pat) == "":
			p.add(k("patterns"), "has an empty entry; use one of %s", strings.Join(Patterns, ", "))
		case seen[pat]:
			p.add(k("patterns"), "%s is listed twice; list each pattern once", p.val(k("patterns"), pat))
		case !slices.Contains(Patterns, pat):
			p.add(k("patterns"), "%s is not a pattern; use one of %s", p.val(k("patterns"), pat), strings.Join(Patterns, ", "))
		}
		seen[pat] = true
	}
	if given("memoryMB") && (c.MemoryMB < constructs.MinMemoryMB || c.MemoryMB > constructs.MaxMemoryMB) {
		p.add(k("memoryMB"), "%s is outside %d–%d MB", p.val(k("memoryMB"), c.MemoryMB), constructs.MinMemoryMB, constructs.MaxMemoryMB)
	}
	if given("timeoutSeconds") && (c.TimeoutSeconds < 1 || c.TimeoutSeconds > constructs.MaxAPITimeoutSeconds) {
		p.add(k("timeoutSeconds"), "%s is outside 1–%d s (the functions sit behind API Gateway, whose integration limit is %d s)",
			p.val(k("timeoutSeconds"), c.TimeoutSeconds), constructs.MaxAPITimeoutSeconds, constructs.MaxAPITimeoutSeconds)
	}
	if given("logRetentionDays") && !slices.Contains(constructs.ValidLogRetentionDays, c.LogRetentionDays) {
		p.add(k("logRetentionDays"), "%s is not a CloudWatch Logs retention; use one of %v", p.val(k("logRetentionDays"), c.LogRetentionDays), constructs.ValidLogRetentionDays)
	}
	if given("apiRateLimit") && c.APIRateLimit < 1 {
		p.add(k("apiRateLimit"), "%s must be at least 1 request per second", p.val(k("apiRateLimit"), c.APIRateLimit))
	}
	if given("apiBurstLimit") && c.APIBurstLimit < 1 {
		p.add(k("apiBurstLimit"), "%s must be at least 1", p.val(k("apiBurstLimit"), c.APIBurstLimit))
	}
	if given("mfa") && c.MFA != constructs.MFAOff && c.MFA != constructs.MFAOptional && c.MFA != constructs.MFARequired {
		p.add(k("mfa"), "%s is not an MFA setting; use OFF, OPTIONAL or ON", p.val(k("mfa"), string(c.MFA)))
	}
	if given("deploymentPreference") {
		if err := c.DeploymentPreference.Validate(); err != nil {
			p.add(k("deploymentPreference"), "%s", p.redact(k("deploymentPreference"), err, "is not a deployment preference; use AllAtOnce, Canary<P>Percent<M>Minutes or Linear<P>PercentEvery<M>Minutes"))
		}
	}
	for _, fn := range slices.Sorted(maps.Keys(c.DeploymentPreferenceOverrides)) {
		if !slices.Contains(webapp.Functions, fn) {
			p.add(k("deploymentPreferenceOverrides"), "%s is not a function; use one of %s", p.val(k("deploymentPreferenceOverrides"), fn), strings.Join(webapp.Functions, ", "))
		}
		if err := c.DeploymentPreferenceOverrides[fn].Validate(); err != nil {
			p.add(k("deploymentPreferenceOverrides"), "%s", p.redact(k("deploymentPreferenceOverrides"), fmt.Errorf("%s: %w", fn, err), "is not a deployment preference"))
		}
	}
	c.validateDomains(p, given)
	withWebApp, account := slices.Contains(c.Patterns, PatternWebApp), slices.Contains(c.Patterns, PatternAPIGatewayAccount)
	switch {
	case withWebApp && c.APILogs && !account && c.APIGatewayLogRoleStack == "":
		p.add(k("apiGatewayLogRoleStack"), "not set; the web app's API logs need API Gateway's region-wide CloudWatch Logs role, which one stack per account and region manages with the %s pattern: set this key to that stack's name (e.g. shared-%s), add %s to %s, or set %s: false",
			PatternAPIGatewayAccount, orRegion(c.Region), PatternAPIGatewayAccount, k("patterns"), k("apiLogs"))
	case account && c.APIGatewayLogRoleStack != "":
		p.add(k("apiGatewayLogRoleStack"), "%s is set, but this stack runs the %s pattern itself; remove the key", p.val(k("apiGatewayLogRoleStack"), c.APIGatewayLogRoleStack), PatternAPIGatewayAccount)
	case !withWebApp && c.APIGatewayLogRoleStack != "" && !p.keys[k("patterns")]:
		p.add(k("apiGatewayLogRoleStack"), "%s is set, but only the %s pattern has an API; remove the key", p.val(k("apiGatewayLogRoleStack"), c.APIGatewayLogRoleStack), PatternWebApp)
	}
	switch {
	case c.DurationAlarmP99Ms < 0:
		p.add(k("durationAlarmP99Ms"), "%s must not be negative; use 0 for no duration alarm", p.val(k("durationAlarmP99Ms"), c.DurationAlarmP99Ms))
	case c.DurationAlarmP99Ms >= c.TimeoutSeconds*1000 && !p.keys[k("timeoutSeconds")]:
		// Lambda stops an invocation at its timeout, so its duration never
		// exceeds it: such an alarm could never roll anything back.
		p.add(k("durationAlarmP99Ms"), "%s ms can never be exceeded: the functions time out at %s s (%s); use a smaller value",
			p.val(k("durationAlarmP99Ms"), c.DurationAlarmP99Ms), p.val(k("timeoutSeconds"), c.TimeoutSeconds), k("timeoutSeconds"))
	}
	if given("lambdaConcurrencyQuota") && c.LambdaConcurrencyQuota < DefaultLambdaConcurrencyQuota {
		p.add(k("lambdaConcurrencyQuota"), "%s is below Lambda's default quota of %d; use the value Service Quotas shows for L-B99A9384",
			p.val(k("lambdaConcurrencyQuota"), c.LambdaConcurrencyQuota), DefaultLambdaConcurrencyQuota)
	}
	if n := c.ItemsReservedConcurrency; n != nil {
		switch limit := c.LambdaConcurrencyQuota - minUnreservedConcurrency; {
		case *n < 0:
			p.add(k("itemsReservedConcurrency"), "%s is negative; use 0 to stop the function or %d for unreserved", p.val(k("itemsReservedConcurrency"), *n), Unreserved)
		case *n > limit && !p.keys[k("lambdaConcurrencyQuota")]:
			p.add(k("itemsReservedConcurrency"), "%s exceeds what the account can reserve: %s (%s %s less the %d Lambda keeps unreserved); lower it, or raise the quota and set %s",
				p.val(k("itemsReservedConcurrency"), *n), p.val(k("lambdaConcurrencyQuota"), limit), k("lambdaConcurrencyQuota"),
				p.val(k("lambdaConcurrencyQuota"), c.LambdaConcurrencyQuota), minUnreservedConcurrency, k("lambdaConcurrencyQuota"))
		}
	}
}

// acmCertificate is an ACM certificate ARN; CloudFront takes certificates
// only from us-east-1.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
var acmCertificate = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[0-9a-f-]+$`)

// dnsLabel is one label of a host name (RFC 1123), lower case as CloudFront
// alternate domain names are compared.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

func (c Config) validateDomains(p *problems, given func(string) bool) {
	k := func(name string) string { return Namespace + ":" + name }
	seen := map[string]bool{}
	for _, d := range c.DomainNames {
		if problem := domainProblem(d); problem != "" {
			p.add(k("domainNames"), "%s %s", p.val(k("domainNames"), d), problem)
			continue
		}
		if seen[strings.ToLower(d)] {
			p.add(k("domainNames"), "%s is listed twice; list each domain once", p.val(k("domainNames"), d))
		}
		seen[strings.ToLower(d)] = true
	}
	switch {
	case len(c.DomainNames) > 0 && c.CertificateArn == "":
		p.add(k("certificateArn"), "not set, but %s is; CloudFront serves custom domains only with an ACM certificate in us-east-1 covering them", k("domainNames"))
	case c.CertificateArn != "" && given("certificateArn"):
		m := acmCertificate.FindStringSubmatch(c.CertificateArn)
		switch {
		case m == nil:
			p.add(k("certificateArn"), "%s is not an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>)", p.val(k("certificateArn"), c.CertificateArn))
		case m[1] != "us-east-1":
			p.add(k("certificateArn"), "%s is in %s; CloudFront takes certificates only from us-east-1", p.val(k("certificateArn"), c.CertificateArn), m[1])
		case len(c.DomainNames) == 0:
			p.add(k("certificateArn"), "set, but %s is empty; list the domains the certificate covers", k("domainNames"))
		}
	}
}

// domainProblem says what is wrong with a host name, or "".
func domainProblem(d string) string {
	if len(d) > 253 {
		return fmt.Sprintf("is %d characters; a domain name has at most 253", len(d))
	}
	name := strings.TrimPrefix(d, "*.") // CloudFront allows one leading wildcard label
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return "is not a fully qualified domain name such as app.example.com"
	}
	for _, l := range labels {
		switch {
		case len(l) > 63:
			return fmt.Sprintf("has a label of %d characters; a DNS label has at most 63", len(l))
		case l == "":
			return "has an empty label (two dots, or a dot at either end)"
		case !dnsLabel.MatchString(l):
			return fmt.Sprintf("has the label %s; labels are lower-case letters, digits and '-', not starting or ending with '-'", quote(l))
		}
	}
	return ""
}

// quote shows a value in a message: quoted, control characters escaped, and
// cut to 60 characters so a huge value cannot drown the report.
func quote(s string) string {
	const limit = 60
	if utf8.RuneCountInString(s) <= limit {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:limit])) + fmt.Sprintf("… (%d characters)", len(r))
}

// closest suggests the nearest of names for a misspelt key, "" when none is
// near: about one edit in three characters, so memorySize finds memoryMB but
// unrelated keys suggest nothing.
func closest(key string, names []string, prefix string) string {
	best, bestDist := "", max(3, len(prefix+key)/3)+1
	for _, n := range names {
		if d := levenshtein.Distance(strings.ToLower(prefix+key), strings.ToLower(prefix+n), nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %s%s?)", prefix, best)
}

func orRegion(r string) string {
	if r == "" {
		return "<region>"
	}
	return r
}

func keyNames() []string {
	out := keyNamesBare()
	for i := range out {
		out[i] = Namespace + ":" + out[i]
	}
	return out
}

func keyNamesBare() []string {
	out := make([]string, len(Keys))
	for i, k := range Keys {
		out[i] = k.Name
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

// parseBool takes what YAML and the engine pass for a boolean, true or
// false, and nothing else: strconv.ParseBool's 1, T or FALSE in a stack file
// are more likely mistakes than intent.
func parseBool(raw string, out *bool) error {
	switch strings.TrimSpace(raw) {
	case "true":
		*out = true
	case "false":
		*out = false
	default:
		return fmt.Errorf("is not a boolean; use true or false")
	}
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

// rawDefault is a key's default as the engine would pass it: strings as
// they are, everything else JSON.
func rawDefault(k Key) string {
	var v any
	if err := yaml.Unmarshal([]byte(k.Default), &v); err != nil {
		return k.Default
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func toMulti(errs []error) *multierror.Error {
	if len(errs) == 0 {
		return nil
	}
	return &multierror.Error{Errors: errs}
}

// coupledKeys are keys checked against each other by the patterns: when
// one has a problem, all fall back to their defaults for the pattern checks.
var coupledKeys = [][]string{{"domainNames", "certificateArn"}, {"timeoutSeconds", "durationAlarmP99Ms"}}

// validateAll checks the stack config and, in the same pass, the args of
// every enabled pattern, before any resource exists, so a stack file shows
// every problem at once. A key that failed its own check is given its
// default for the pattern checks, so no problem is reported twice.
func validateAll(raw map[string]string, secret func(string) bool, root string) (Config, error) {
	cfg, p := parse(raw, secret)
	for _, group := range coupledKeys {
		for _, k := range group {
			if p.keys[Namespace+":"+k] {
				for _, other := range group {
					p.keys[Namespace+":"+other] = true
				}
				break
			}
		}
	}
	checked := cfg
	for _, k := range Keys {
		if p.keys[Namespace+":"+k.Name] {
			_ = k.set(&checked, rawDefault(k))
		}
	}
	errs := p.errs
	if slices.Contains(checked.Patterns, PatternWebApp) {
		args := checked.webappArgs(root)
		// Releases and the log role are created only after validation, so
		// it sees stand-ins.
		args.Releases = &constructs.Releases{}
		if !args.DisableAPILogs {
			args.AccountLogRole = &constructs.AccountLogRole{}
		}
		if err := args.Validate("web"); err != nil {
			errs = append(errs, err)
		}
	}
	return cfg, constructs.Invalid("stack config", toMulti(errs))
}
