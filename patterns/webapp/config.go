package webapp

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/awsregions"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

// Name is the pattern's entry in kumo:patterns and its config section.
const Name = "webapp"

// Unreserved is the itemsReservedConcurrency value that reserves nothing;
// Lambda's own API uses the same -1 convention.
const Unreserved = -1

// Config is the web app's section of a stack file (kumo:webapp). Each
// field's default is what DefaultConfig gives it; the tags name and document
// the keys (the README's table and Pulumi.yaml are checked against them).
type Config struct {
	MemoryMB         int            `config:"memoryMB" doc:"Memory of each API function, 128–10240 MB (more memory also buys more CPU)."`
	TimeoutSeconds   int            `config:"timeoutSeconds" doc:"Timeout of each API function, 1–29 s (API Gateway gives up after 29 s)."`
	LogRetentionDays int            `config:"logRetentionDays" doc:"Retention of function and API logs; a CloudWatch Logs value (1, 3, 5, 7, 14, 30, 60, 90, …, 3653)."`
	APIRateLimit     int            `config:"apiRateLimit" doc:"Steady-state requests per second the API stage accepts before throttling (429)."`
	APIBurstLimit    int            `config:"apiBurstLimit" doc:"Burst of requests the API stage accepts above the rate limit."`
	MFA              constructs.MFA `config:"mfa" doc:"Cognito MFA with authenticator apps: OFF, OPTIONAL or ON."`
	Protect          bool           `config:"deletionProtection" doc:"Protect the table and user pool from deletion and keep non-empty buckets (turn on for production)."`
	DomainNames      []string       `config:"domainNames" doc:"Custom domains for the static site; needs certificateArn."`
	CertificateArn   string         `config:"certificateArn" doc:"ACM certificate in us-east-1 covering domainNames; enforces TLS 1.2+ for viewers."`
	APILogs          bool           `config:"apiLogs" doc:"Write API access and execution logs; needs kumo:apiGatewayLogRoleStack (or the apigateway-account pattern in the same stack)."`
	ItemsConcurrency int            `config:"itemsReservedConcurrency" doc:"Reserved concurrency of the items function; -1 leaves it unreserved, 0 is the kill switch that stops it."`
	Overrides        []string       `config:"deploymentPreferenceOverrides" doc:"Per-function preferences as function=preference, e.g. health=AllAtOnce; functions: items, health, authorizer (itemsAuthorizer token or request)."`
	DurationP99Ms    int            `config:"durationAlarmP99Ms" doc:"Roll a deployment back when the alias's p99 duration exceeds this many ms; 0 adds no duration alarm."`
	SmokeTest        bool           `config:"smokeTest" doc:"Run pre-traffic hooks in every region: each new items version lists items, and each new Lambda authorizer version refreshes its keys, before it gets traffic. Required with secondaryRegion in active-passive mode."`
	ItemsAuthorizer  string         `config:"itemsAuthorizer" doc:"Who may call the items routes: cognito (the user pool's tokens), token or request (a bearer JWT from tokenIssuer, checked by a Lambda TOKEN or REQUEST authorizer), or iam (SigV4-signed calls; the IAM principal owns its items)."`
	TokenIssuer      string         `config:"tokenIssuer" doc:"OIDC issuer URL (https) whose JWTs the token or request authorizer accepts; a token's iss must equal it. Required for token and request."`
	TokenAudience    string         `config:"tokenAudience" doc:"Audience the tokens must carry in aud (an API identifier or client ID). Required for token and request."`
	TokenJwksURL     string         `config:"tokenJwksUrl" doc:"The issuer's JWKS URL (https); empty reads jwks_uri from the issuer's /.well-known/openid-configuration."`
	TokenScopes      []string       `config:"tokenRequiredScopes" doc:"OAuth scopes every token must carry (scope or scp claim)."`
	TokenAdminScope  string         `config:"tokenAdminScope" doc:"Scope that makes a token's caller an admin of the items (sees and manages everyone's); empty: no admins."`
	RequestSources   []string       `config:"requestIdentitySources" doc:"Identity sources of the request authorizer: method.request.header.X, method.request.querystring.X, stageVariables.X or context.X; a request lacking one gets 401 without calling the authorizer; the token is read from the first header or query string listed."`
	APIDomainName    string         `config:"apiDomainName" doc:"Custom domain of the API, e.g. api.example.com: a regional API Gateway domain with TLS 1.2 and an ACM certificate in each region, the stage at its root; the site's config.json then uses it. Empty: the execute-api URL."`
	HostedZoneID     string         `config:"hostedZoneId" doc:"Route 53 public hosted zone holding apiDomainName (Z…); kumo writes the certificate's validation record into it once, and the routing records with secondaryRegion. Empty: add the validation record the stack outputs yourself."`
	SecondaryRegion  string         `config:"secondaryRegion" doc:"A second region serving the API (its own API, functions, releases, alarms, custom domain and a replica of the items table), routed by Route 53 with health checks on /health; needs apiDomainName and hostedZoneId. The user pool stays in the primary region: in its outage sign-in fails, issued ID tokens work until they expire (1 h). Empty: one region."`
	MultiRegionMode  string         `config:"multiRegionMode" doc:"With secondaryRegion: active-passive (failover records: the primary while its health check passes) or active-active (latency records, each region while healthy)."`
	SecondaryLogRole string         `config:"secondaryApiGatewayLogRoleStack" doc:"With secondaryRegion and apiLogs: the stack running the apigateway-account pattern in secondaryRegion (API Gateway's log role is per region), e.g. shared-eu-central-1."`
	APIClients       []string       `config:"apiClients" doc:"API clients as name=quotaPerDay:N,rate:R,burst:B (parts optional; rate and burst default to the stage's): one API key and usage plan each, and the items routes then need x-api-key. Outputs hold only key IDs; read a key with aws apigateway get-api-key --api-key <id> --include-value."`
}

// DefaultConfig is the web app's documented defaults.
func DefaultConfig() Config {
	return Config{
		MemoryMB:         constructs.DefaultMemoryMB,
		TimeoutSeconds:   constructs.DefaultTimeoutSeconds,
		LogRetentionDays: constructs.DefaultLogRetentionDays,
		APIRateLimit:     int(constructs.DefaultThrottleRateLimit),
		APIBurstLimit:    constructs.DefaultThrottleBurstLimit,
		MFA:              constructs.DefaultMFA,
		DomainNames:      []string{},
		APILogs:          true,
		ItemsConcurrency: Unreserved,
		Overrides:        []string{},
		ItemsAuthorizer:  string(items.AuthCognito),
		TokenScopes:      []string{},
		RequestSources:   []string{constructs.DefaultAuthorizerIdentity},
		APIClients:       []string{},
		MultiRegionMode:  string(ActivePassive),
	}
}

// Pattern plugs the web app into a stack.
type Pattern struct{}

var _ patterns.Pattern = Pattern{}

func (Pattern) Name() string { return Name }

func (Pattern) Description() string {
	return "Static site on CloudFront, a Cognito-protected API Gateway REST API on Lambda, and a DynamoDB table (ARC401 P1)."
}

func (Pattern) NewConfig() any { c := DefaultConfig(); return &c }

// Validate checks the section, then the args it gives the constructs, with
// the fields that failed (and fields checked against them) back at their
// defaults so no problem is reported twice.
func (Pattern) Validate(cfg any, env patterns.Env) []error {
	c := *cfg.(*Config)
	p := &patterns.Problems{Secret: env.Secret}
	c.validate(p, env)
	for _, group := range [][]string{{"domainNames", "certificateArn"}, {"timeoutSeconds", "durationAlarmP99Ms"}, authKeys, regionKeys, {"smokeTest", "secondaryRegion"}} {
		for _, k := range group {
			if p.Has(patterns.KeyName(Name, k)) {
				for _, other := range group {
					p.Mark(patterns.KeyName(Name, other))
				}
				break
			}
		}
	}
	checked := c.withDefaultsWhere(p)
	args := checked.Args(env)
	// Releases and the log role are created only after validation.
	args.Releases = &constructs.Releases{}
	if !args.DisableAPILogs && args.AccountLogRole == nil {
		args.AccountLogRole = &constructs.AccountLogRole{}
	}
	if !args.DisableAPILogs && args.SecondaryRegion != "" && args.SecondaryAccountLogRole == nil {
		args.SecondaryAccountLogRole = &constructs.AccountLogRole{}
	}
	if err := args.Validate("web"); err != nil {
		p.Errs = append(p.Errs, err)
	}
	return p.Errs
}

// Deploy registers the web app.
func (Pattern) Deploy(ctx *pulumi.Context, cfg any, env patterns.Env) (pulumi.Map, error) {
	c := cfg.(*Config)
	args := c.Args(env)
	if c.SecondaryRegion != "" && c.APILogs && c.SecondaryLogRole != "" {
		var err error
		if args.SecondaryAccountLogRole, err = constructs.AccountLogRoleFromStack(ctx, "api-gateway-log-role-"+c.SecondaryRegion, c.SecondaryLogRole, c.SecondaryRegion); err != nil {
			return nil, err
		}
	}
	app, err := New(ctx, "web", args)
	if err != nil {
		return nil, err
	}
	out := pulumi.Map{
		"siteUrl":          app.SiteURL,
		"apiUrl":           app.ApiURL,
		"itemsTable":       app.Table.Name,
		"userPoolId":       app.Users.ID,
		"userPoolClientId": app.Users.ClientID,
	}
	if len(app.Api.APIKeys) > 0 {
		// Key IDs only: a key's value is read with
		// aws apigateway get-api-key --api-key <id> --include-value.
		ids := pulumi.StringMap{}
		for name, k := range app.Api.APIKeys {
			ids[name] = k.ID().ToStringOutput()
		}
		out["apiKeyIds"] = ids
	}
	if app.Domain != nil && c.HostedZoneID == "" {
		// Whoever runs the zone adds these for the certificate to issue.
		out["apiDomainValidationRecords"] = app.Domain.ValidationRecords
	}
	if app.Secondary != nil {
		out["secondaryApiUrl"] = app.Secondary.Api.URL
	}
	return out, nil
}

// Args are the pattern's args for a config in env.
func (c Config) Args(env patterns.Env) *Args {
	a := &Args{
		Root:               env.Root,
		MemoryMB:           c.MemoryMB,
		TimeoutSeconds:     c.TimeoutSeconds,
		LogRetentionDays:   c.LogRetentionDays,
		ThrottleRateLimit:  float64(c.APIRateLimit),
		ThrottleBurstLimit: c.APIBurstLimit,
		MFA:                c.MFA,
		DeletionProtection: c.Protect,
		DomainNames:        c.DomainNames,
		CertificateArn:     c.CertificateArn,
		Releases:           env.Releases,
		AccountLogRole:     env.AccountLogRole,
		DisableAPILogs:     !c.APILogs,
		DurationP99AlarmMs: c.DurationP99Ms,
		SmokeTest:          c.SmokeTest,
		Region:             env.Region,
		APIDomainName:      c.APIDomainName,
		HostedZoneID:       c.HostedZoneID,
		SecondaryRegion:    c.SecondaryRegion,
		MultiRegionMode:    MultiRegionMode(c.MultiRegionMode),
	}
	if !c.APILogs {
		a.AccountLogRole = nil
	}
	if c.ItemsConcurrency != Unreserved {
		n := c.ItemsConcurrency
		a.ItemsReservedConcurrency = &n
	}
	a.ItemsAuthorizer = items.AuthMode(c.ItemsAuthorizer)
	if a.ItemsAuthorizer == items.AuthToken || a.ItemsAuthorizer == items.AuthRequest {
		a.Token = &TokenAuth{Issuer: c.TokenIssuer, Audience: c.TokenAudience, JWKSURL: c.TokenJwksURL,
			RequiredScopes: c.TokenScopes, AdminScope: c.TokenAdminScope}
	}
	if a.ItemsAuthorizer == items.AuthRequest {
		a.RequestIdentitySources = c.RequestSources
	}
	for _, cl := range c.APIClients {
		if client, problems := parseClient(cl); len(problems) == 0 {
			a.APIClients = append(a.APIClients, client)
		}
	}
	a.DeploymentPreferences = map[string]constructs.DeploymentPreference{}
	for fn, pref := range c.overrides() {
		a.DeploymentPreferences[fn] = pref
	}
	return a
}

// overrides parses deploymentPreferenceOverrides, skipping bad entries
// (validate reports them).
func (c Config) overrides() map[string]constructs.DeploymentPreference {
	out := map[string]constructs.DeploymentPreference{}
	for _, o := range c.Overrides {
		fn, pref, ok := strings.Cut(o, "=")
		fn, pref = strings.TrimSpace(fn), strings.TrimSpace(pref)
		if _, dup := out[fn]; ok && fn != "" && pref != "" && !dup {
			out[fn] = constructs.DeploymentPreference(pref)
		}
	}
	return out
}

// withDefaultsWhere returns c with each field whose key has a problem set
// back to its default.
func (c Config) withDefaultsWhere(p *patterns.Problems) Config {
	d := DefaultConfig()
	reset := func(key string, field, def any) {
		if p.Has(patterns.KeyName(Name, key)) {
			copyValue(field, def)
		}
	}
	reset("memoryMB", &c.MemoryMB, d.MemoryMB)
	reset("timeoutSeconds", &c.TimeoutSeconds, d.TimeoutSeconds)
	reset("logRetentionDays", &c.LogRetentionDays, d.LogRetentionDays)
	reset("apiRateLimit", &c.APIRateLimit, d.APIRateLimit)
	reset("apiBurstLimit", &c.APIBurstLimit, d.APIBurstLimit)
	reset("mfa", &c.MFA, d.MFA)
	reset("domainNames", &c.DomainNames, d.DomainNames)
	reset("certificateArn", &c.CertificateArn, d.CertificateArn)
	reset("itemsReservedConcurrency", &c.ItemsConcurrency, d.ItemsConcurrency)
	reset("deploymentPreferenceOverrides", &c.Overrides, d.Overrides)
	reset("durationAlarmP99Ms", &c.DurationP99Ms, d.DurationP99Ms)
	reset("itemsAuthorizer", &c.ItemsAuthorizer, d.ItemsAuthorizer)
	reset("tokenIssuer", &c.TokenIssuer, d.TokenIssuer)
	reset("tokenAudience", &c.TokenAudience, d.TokenAudience)
	reset("tokenJwksUrl", &c.TokenJwksURL, d.TokenJwksURL)
	reset("tokenRequiredScopes", &c.TokenScopes, d.TokenScopes)
	reset("tokenAdminScope", &c.TokenAdminScope, d.TokenAdminScope)
	reset("requestIdentitySources", &c.RequestSources, d.RequestSources)
	reset("apiClients", &c.APIClients, d.APIClients)
	reset("smokeTest", &c.SmokeTest, d.SmokeTest)
	reset("apiDomainName", &c.APIDomainName, d.APIDomainName)
	reset("hostedZoneId", &c.HostedZoneID, d.HostedZoneID)
	reset("secondaryRegion", &c.SecondaryRegion, d.SecondaryRegion)
	reset("multiRegionMode", &c.MultiRegionMode, d.MultiRegionMode)
	reset("secondaryApiGatewayLogRoleStack", &c.SecondaryLogRole, d.SecondaryLogRole)
	return c
}

func copyValue(dst, src any) {
	switch d := dst.(type) {
	case *int:
		*d = src.(int)
	case *string:
		*d = src.(string)
	case *constructs.MFA:
		*d = src.(constructs.MFA)
	case *[]string:
		*d = src.([]string)
	case *bool:
		*d = src.(bool)
	}
}

// minUnreservedConcurrency is what Lambda keeps for functions without a
// reservation ("UnreservedConcurrentExecution below its minimum value of
// [100]"). https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
const minUnreservedConcurrency = 100

// validate checks ranges and relations between keys, naming them.
func (c Config) validate(p *patterns.Problems, env patterns.Env) {
	k := func(name string) string { return patterns.KeyName(Name, name) }
	if c.MemoryMB < constructs.MinMemoryMB || c.MemoryMB > constructs.MaxMemoryMB {
		p.Add(k("memoryMB"), "%s is outside %d–%d MB", p.Val(k("memoryMB"), c.MemoryMB), constructs.MinMemoryMB, constructs.MaxMemoryMB)
	}
	if c.TimeoutSeconds < 1 || c.TimeoutSeconds > constructs.MaxAPITimeoutSeconds {
		p.Add(k("timeoutSeconds"), "%s is outside 1–%d s (the functions sit behind API Gateway, whose integration limit is %d s)",
			p.Val(k("timeoutSeconds"), c.TimeoutSeconds), constructs.MaxAPITimeoutSeconds, constructs.MaxAPITimeoutSeconds)
	}
	if !slices.Contains(constructs.ValidLogRetentionDays, c.LogRetentionDays) {
		p.Add(k("logRetentionDays"), "%s is not a CloudWatch Logs retention; use one of %v", p.Val(k("logRetentionDays"), c.LogRetentionDays), constructs.ValidLogRetentionDays)
	}
	if c.APIRateLimit < 1 {
		p.Add(k("apiRateLimit"), "%s must be at least 1 request per second", p.Val(k("apiRateLimit"), c.APIRateLimit))
	}
	if c.APIBurstLimit < 1 {
		p.Add(k("apiBurstLimit"), "%s must be at least 1", p.Val(k("apiBurstLimit"), c.APIBurstLimit))
	}
	if c.MFA != constructs.MFAOff && c.MFA != constructs.MFAOptional && c.MFA != constructs.MFARequired {
		p.Add(k("mfa"), "%s is not an MFA setting; use OFF, OPTIONAL or ON", p.Val(k("mfa"), string(c.MFA)))
	}
	c.validateOverrides(p)
	c.validateDomains(p)
	c.validateAuth(p)
	c.validateClients(p)
	c.validateRegions(p, env)
	switch {
	case c.DurationP99Ms < 0:
		p.Add(k("durationAlarmP99Ms"), "%s must not be negative; use 0 for no duration alarm", p.Val(k("durationAlarmP99Ms"), c.DurationP99Ms))
	case c.DurationP99Ms >= c.TimeoutSeconds*1000 && !p.Has(k("timeoutSeconds")):
		// Lambda stops an invocation at its timeout, so its duration never
		// exceeds it: such an alarm could never roll anything back.
		p.Add(k("durationAlarmP99Ms"), "%s ms can never be exceeded: the functions time out at %s s (%s); use a smaller value",
			p.Val(k("durationAlarmP99Ms"), c.DurationP99Ms), p.Val(k("timeoutSeconds"), c.TimeoutSeconds), k("timeoutSeconds"))
	}
	limit, n := env.LambdaConcurrencyQuota-minUnreservedConcurrency, c.ItemsConcurrency
	switch {
	case n < Unreserved:
		p.Add(k("itemsReservedConcurrency"), "%s is negative; use 0 to stop the function or %d for unreserved", p.Val(k("itemsReservedConcurrency"), n), Unreserved)
	case env.LambdaConcurrencyQuota > 0 && n > limit:
		p.Add(k("itemsReservedConcurrency"), "%s exceeds what the account can reserve: %d (%s:lambdaConcurrencyQuota %d less the %d Lambda keeps unreserved); lower it, or raise the quota and set %s:lambdaConcurrencyQuota",
			p.Val(k("itemsReservedConcurrency"), n), limit, patterns.Namespace, env.LambdaConcurrencyQuota, minUnreservedConcurrency, patterns.Namespace)
	}
	if c.APILogs && env.AccountLogRole == nil {
		p.Add(k("apiLogs"), "true, but nothing manages API Gateway's region-wide CloudWatch Logs role for this stack: set %s:apiGatewayLogRoleStack to the stack running the apigateway-account pattern (e.g. shared-%s), add apigateway-account to %s:patterns, or set apiLogs: false",
			patterns.Namespace, orRegion(env.Region), patterns.Namespace)
	}
}

func (c Config) validateOverrides(p *patterns.Problems) {
	key := patterns.KeyName(Name, "deploymentPreferenceOverrides")
	seen := map[string]bool{}
	for _, o := range c.Overrides {
		fn, pref, ok := strings.Cut(o, "=")
		fn, pref = strings.TrimSpace(fn), strings.TrimSpace(pref)
		switch {
		case !ok || fn == "" || pref == "":
			p.Add(key, "entry %s is not function=preference", p.Val(key, o))
		case seen[fn]:
			p.Add(key, "function %s is listed twice; give each function one preference", p.Val(key, fn))
		case !slices.Contains(Functions, fn):
			p.Add(key, "%s is not a function; use one of %s", p.Val(key, fn), strings.Join(Functions, ", "))
		case fn == "authorizer" && c.ItemsAuthorizer != string(items.AuthToken) && c.ItemsAuthorizer != string(items.AuthRequest) && c.SecondaryRegion == "":
			p.Add(key, "%s is deployed only when %s is token or request, not %s", p.Val(key, fn), patterns.KeyName(Name, "itemsAuthorizer"), patterns.Quote(c.ItemsAuthorizer))
		default:
			if err := constructs.DeploymentPreference(pref).Validate(); err != nil {
				p.Add(key, "%s", p.Redact(key, fmt.Errorf("%s: %w", fn, err), "is not a deployment preference"))
			}
		}
		seen[fn] = true
	}
}

// acmCertificate is an ACM certificate ARN; CloudFront takes certificates
// only from us-east-1.
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
var acmCertificate = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[0-9a-f-]+$`)

// dnsLabel is one label of a host name (RFC 1123), lower case as CloudFront
// alternate domain names are compared.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

func (c Config) validateDomains(p *patterns.Problems) {
	k := func(name string) string { return patterns.KeyName(Name, name) }
	seen := map[string]bool{}
	for _, d := range c.DomainNames {
		if problem := domainProblem(d); problem != "" {
			p.Add(k("domainNames"), "%s %s", p.Val(k("domainNames"), d), problem)
			continue
		}
		if seen[d] {
			p.Add(k("domainNames"), "%s is listed twice; list each domain once", p.Val(k("domainNames"), d))
		}
		seen[d] = true
	}
	switch {
	case len(c.DomainNames) > 0 && c.CertificateArn == "":
		p.Add(k("certificateArn"), "not set, but %s is; CloudFront serves custom domains only with an ACM certificate in us-east-1 covering them", k("domainNames"))
	case c.CertificateArn != "" && c.CertificateArn != patterns.SecretPlaceholder:
		m := acmCertificate.FindStringSubmatch(c.CertificateArn)
		switch {
		case m == nil:
			p.Add(k("certificateArn"), "%s is not an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>)", p.Val(k("certificateArn"), c.CertificateArn))
		case m[1] != "us-east-1":
			p.Add(k("certificateArn"), "%s is in %s; CloudFront takes certificates only from us-east-1", p.Val(k("certificateArn"), c.CertificateArn), m[1])
		case len(c.DomainNames) == 0:
			p.Add(k("certificateArn"), "set, but %s is empty; list the domains the certificate covers", k("domainNames"))
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
			return fmt.Sprintf("has the label %s; labels are lower-case letters, digits and '-', not starting or ending with '-'", patterns.Quote(l))
		}
	}
	return ""
}

func orRegion(r string) string {
	if r == "" {
		return "<region>"
	}
	return r
}

// authKeys are the keys of the items routes' authorizer: a problem with one
// puts them all back to their defaults (cognito), so the args checks that
// follow do not report it again.
var authKeys = []string{"itemsAuthorizer", "tokenIssuer", "tokenAudience", "tokenJwksUrl", "tokenRequiredScopes", "tokenAdminScope", "requestIdentitySources"}

func (c Config) validateAuth(p *patterns.Problems) {
	k := func(name string) string { return patterns.KeyName(Name, name) }
	mode := items.AuthMode(c.ItemsAuthorizer)
	if !slices.Contains(items.AuthModes, mode) {
		p.Add(k("itemsAuthorizer"), "%s is not an authorizer; use cognito, token, request or iam", p.Val(k("itemsAuthorizer"), c.ItemsAuthorizer))
		return
	}
	usesToken := mode == items.AuthToken || mode == items.AuthRequest
	if !usesToken {
		// Settings that would do nothing are mistakes worth naming: a
		// stack meant to check tokens would otherwise deploy Cognito.
		for _, key := range []struct {
			name string
			set  bool
		}{
			{"tokenIssuer", c.TokenIssuer != ""}, {"tokenAudience", c.TokenAudience != ""}, {"tokenJwksUrl", c.TokenJwksURL != ""},
			{"tokenRequiredScopes", len(c.TokenScopes) > 0}, {"tokenAdminScope", c.TokenAdminScope != ""},
		} {
			if key.set {
				p.Add(k(key.name), "set, but %s is %s; it applies only to token and request", k("itemsAuthorizer"), mode)
			}
		}
	}
	if mode != items.AuthRequest && !slices.Equal(c.RequestSources, DefaultConfig().RequestSources) {
		p.Add(k("requestIdentitySources"), "set, but %s is %s; it applies only to request", k("itemsAuthorizer"), mode)
	}
	if !usesToken {
		return
	}
	switch {
	case c.TokenIssuer == "":
		p.Add(k("tokenIssuer"), "not set, but %s is %s; set it to the OIDC issuer URL exactly as tokens carry it in iss (e.g. https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123)", k("itemsAuthorizer"), mode)
	default:
		if msg := httpsURLProblem(c.TokenIssuer); msg != "" {
			p.Add(k("tokenIssuer"), "%s %s", p.Val(k("tokenIssuer"), c.TokenIssuer), msg)
		}
	}
	if strings.TrimSpace(c.TokenAudience) == "" {
		p.Add(k("tokenAudience"), "not set, but %s is %s; set it to the aud tokens must carry (an API identifier or client ID)", k("itemsAuthorizer"), mode)
	}
	if c.TokenJwksURL != "" {
		if msg := httpsURLProblem(c.TokenJwksURL); msg != "" {
			p.Add(k("tokenJwksUrl"), "%s %s; or leave it empty to use the issuer's discovery document", p.Val(k("tokenJwksUrl"), c.TokenJwksURL), msg)
		}
	}
	for _, s := range c.TokenScopes {
		if !validScope(s) {
			p.Add(k("tokenRequiredScopes"), "%s is not a scope: scopes are printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)", p.Val(k("tokenRequiredScopes"), s))
		}
	}
	if c.TokenAdminScope != "" && !validScope(c.TokenAdminScope) {
		p.Add(k("tokenAdminScope"), "%s is not a scope: scopes are printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)", p.Val(k("tokenAdminScope"), c.TokenAdminScope))
	}
	if mode == items.AuthRequest {
		if len(c.RequestSources) == 0 {
			p.Add(k("requestIdentitySources"), "empty; list at least one, e.g. method.request.header.Authorization")
		}
		// kumo's authorizer reads the token from the first header or query
		// string parameter among the sources; stage variables and context
		// only gate when API Gateway calls it.
		if len(c.RequestSources) > 0 && !slices.ContainsFunc(c.RequestSources, func(src string) bool {
			return strings.HasPrefix(src, "method.request.header.") || strings.HasPrefix(src, "method.request.querystring.")
		}) {
			p.Add(k("requestIdentitySources"), "%v names no header or query string parameter; kumo's authorizer reads the token from the first one listed (e.g. method.request.header.Authorization or method.request.querystring.access_token), so list one", c.RequestSources)
		}
		seen := map[string]bool{}
		for _, src := range c.RequestSources {
			if msg := identitySourceProblem(src); msg != "" {
				p.Add(k("requestIdentitySources"), "%s %s", p.Val(k("requestIdentitySources"), src), msg)
			} else if seen[src] {
				p.Add(k("requestIdentitySources"), "%s is listed twice; list each source once", p.Val(k("requestIdentitySources"), src))
			}
			seen[src] = true
		}
	}
}

// regionKeys are the keys of the custom domain and the second region: a
// problem with one puts them all back to their defaults (one region, no
// domain), so the args checks that follow do not report it again.
var regionKeys = []string{"apiDomainName", "hostedZoneId", "secondaryRegion", "multiRegionMode", "secondaryApiGatewayLogRoleStack"}

func (c Config) validateRegions(p *patterns.Problems, env patterns.Env) {
	k := func(name string) string { return patterns.KeyName(Name, name) }
	if c.APIDomainName != "" {
		if why := apiDomainProblem(c.APIDomainName); why != "" {
			p.Add(k("apiDomainName"), "%s %s", p.Val(k("apiDomainName"), c.APIDomainName), why)
		}
	}
	switch {
	case c.HostedZoneID != "" && !hostedZoneID.MatchString(c.HostedZoneID):
		p.Add(k("hostedZoneId"), "%s is not a Route 53 hosted zone ID: Z followed by up to 31 upper-case letters and digits (e.g. Z0123456789ABCDEFGHIJ; not /hostedzone/…)", p.Val(k("hostedZoneId"), c.HostedZoneID))
	case c.HostedZoneID != "" && c.APIDomainName == "":
		p.Add(k("hostedZoneId"), "set, but %s is empty; the zone holds the API's custom domain, so set both", k("apiDomainName"))
	}
	mode := MultiRegionMode(c.MultiRegionMode)
	if mode != ActivePassive && mode != ActiveActive {
		p.Add(k("multiRegionMode"), "%s is not a mode; use %s (failover) or %s (latency)", p.Val(k("multiRegionMode"), c.MultiRegionMode), ActivePassive, ActiveActive)
	} else if mode == ActiveActive && c.SecondaryRegion == "" {
		p.Add(k("multiRegionMode"), "%s, but %s is empty; the mode routes between two regions", mode, k("secondaryRegion"))
	}
	if c.SecondaryRegion == "" {
		if c.SecondaryLogRole != "" {
			p.Add(k("secondaryApiGatewayLogRoleStack"), "set, but %s is empty; it is the second region's log role stack", k("secondaryRegion"))
		}
		return
	}
	switch {
	case !awsregions.Known(c.SecondaryRegion):
		hint := ""
		if cl := awsregions.Closest(c.SecondaryRegion); cl != "" {
			hint = fmt.Sprintf("; did you mean %q?", cl)
		}
		p.Add(k("secondaryRegion"), "%s is not an AWS region (%s)%s", p.Val(k("secondaryRegion"), c.SecondaryRegion), awsregions.Source, hint)
	case c.SecondaryRegion == env.Region:
		p.Add(k("secondaryRegion"), "%s is the stack's aws:region too; name another region, or leave it empty for one region", p.Val(k("secondaryRegion"), c.SecondaryRegion))
	}
	for _, need := range []struct{ key, val string }{{"apiDomainName", c.APIDomainName}, {"hostedZoneId", c.HostedZoneID}} {
		if need.val == "" {
			p.Add(k(need.key), "not set, but %s is; clients reach both regions through one name, whose records kumo writes into the hosted zone", k("secondaryRegion"))
		}
	}
	switch {
	case c.APILogs && c.SecondaryLogRole == "":
		p.Add(k("secondaryApiGatewayLogRoleStack"), "not set, but %s and %s are; API Gateway's log role is one setting per region: set it to the stack running the apigateway-account pattern in %s (e.g. shared-%s), or set apiLogs: false",
			k("secondaryRegion"), k("apiLogs"), c.SecondaryRegion, c.SecondaryRegion)
	case !c.APILogs && c.SecondaryLogRole != "":
		p.Add(k("secondaryApiGatewayLogRoleStack"), "set, but %s is false; the APIs write no logs", k("apiLogs"))
	}
	if len(c.APIClients) > 0 {
		p.Add(k("apiClients"), "set with %s; API keys are regional, so a client's key would be refused by the other region after a failover: serve API clients from a one-region stack", k("secondaryRegion"))
	}
	if mode == ActivePassive && !c.SmokeTest {
		// Every kumo stack releases its functions through CodeDeploy, and
		// the passive region's releases would be judged by alarms on no
		// traffic.
		p.Add(k("smokeTest"), "false, but %s is set in %s mode; the passive region gets no traffic, so its canary alarms pass whatever a new version does: set smokeTest: true, whose pre-traffic hook has each new items version in each region answer a request before it gets traffic", k("secondaryRegion"), ActivePassive)
	}
}

func (c Config) validateClients(p *patterns.Problems) {
	key := patterns.KeyName(Name, "apiClients")
	seen := map[string]bool{}
	for _, cl := range c.APIClients {
		client, problems := parseClient(cl)
		for _, msg := range problems {
			p.Add(key, "entry %s: %s", p.Val(key, cl), msg)
		}
		if len(problems) == 0 && seen[client.Name] {
			p.Add(key, "client %s is listed twice; client names are unique", p.Val(key, client.Name))
		}
		seen[client.Name] = true
	}
}

// clientName is an API client's name; it names the client's API key and
// usage plan.
var clientName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// parseClient reads name=quotaPerDay:N,rate:R,burst:B, reporting every
// problem of the entry.
func parseClient(s string) (APIClient, []string) {
	var problems []string
	name, rest, _ := strings.Cut(s, "=")
	c := APIClient{Name: strings.TrimSpace(name)}
	if !clientName.MatchString(c.Name) {
		problems = append(problems, fmt.Sprintf("name %s must be 1–64 letters, digits, '_' or '-'", patterns.Quote(c.Name)))
	}
	if strings.TrimSpace(rest) == "" {
		return c, problems
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(part, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || v == "" {
			problems = append(problems, fmt.Sprintf("part %s is not key:value; use quotaPerDay:N, rate:R or burst:B", patterns.Quote(part)))
			continue
		}
		if seen[k] {
			problems = append(problems, fmt.Sprintf("%s is given twice", k))
			continue
		}
		seen[k] = true
		if msg := c.setLimit(k, v); msg != "" {
			problems = append(problems, msg)
		}
	}
	return c, problems
}

// setLimit sets one limit of c, or says what is wrong with it. API
// Gateway's QuotaSettings.limit and ThrottleSettings.burstLimit are
// integers, rateLimit a double
// (https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html,
// https://docs.aws.amazon.com/apigateway/latest/api/API_ThrottleSettings.html).
func (c *APIClient) setLimit(k, v string) string {
	switch k {
	case "quotaPerDay":
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 1 {
			return fmt.Sprintf("quotaPerDay %s must be a whole number of requests from 1 to %d", patterns.Quote(v), math.MaxInt32)
		}
		c.QuotaPerDay = int(n)
	case "rate":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Sprintf("rate %s must be a positive number of requests per second", patterns.Quote(v))
		}
		c.RateLimit = f
	case "burst":
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 1 {
			return fmt.Sprintf("burst %s must be a whole number of requests from 1 to %d", patterns.Quote(v), math.MaxInt32)
		}
		c.BurstLimit = int(n)
	default:
		return fmt.Sprintf("%s is not a limit; use quotaPerDay, rate or burst", patterns.Quote(k))
	}
	return ""
}

// httpsURLProblem says what is wrong with u as the issuer's or JWKS URL,
// or "": the authorizer fetches signing keys from it, and keys fetched over
// plain HTTP could be swapped in transit (authz.ConfigFromEnv checks the
// same at cold start; authz is not imported here, to keep its JWT
// libraries out of the Pulumi program).
func httpsURLProblem(u string) string {
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return "is not a URL"
	case p.Scheme != "https":
		return "must be an https URL"
	case p.Host == "":
		return "has no host"
	case p.RawQuery != "" || p.Fragment != "":
		return "must have no query or fragment"
	}
	return ""
}

// validScope is RFC 6749 §3.3's scope-token: 1*( %x21 / %x23-5B / %x5D-7E ).
func validScope(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x21 || ch > 0x7e || ch == '"' || ch == '\\' {
			return false
		}
	}
	return true
}

// Identity source forms of a REQUEST authorizer
// (https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html,
// identitySource): a header or query string parameter of the method
// request, a stage variable, or a $context variable. Header names are
// RFC 9110 tokens; stage variable names are letters, digits and '_'
// (https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html,
// variables).
var identitySources = []struct {
	prefix string
	name   *regexp.Regexp
}{
	{"method.request.header.", regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$")},
	{"method.request.querystring.", regexp.MustCompile(`^[A-Za-z0-9._~-]{1,128}$`)},
	{"stageVariables.", regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)},
	{"context.", regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$`)},
}

// identitySourceProblem says what is wrong with src, or "".
func identitySourceProblem(src string) string {
	for _, f := range identitySources {
		if name, ok := strings.CutPrefix(src, f.prefix); ok {
			if !f.name.MatchString(name) {
				return fmt.Sprintf("has a bad name after %s", f.prefix)
			}
			return ""
		}
	}
	return "is not method.request.header.X, method.request.querystring.X, stageVariables.X or context.X"
}
