// Package webapp is kumo's web application reference pattern (ARC401 P1): a
// static front end on a private bucket behind CloudFront, an API Gateway REST
// API whose routes invoke function aliases, an items API on DynamoDB behind
// Cognito, and one public health route.
package webapp

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/bundle"
	"github.com/kumo-iac/kumo/constructs/param"
	"github.com/kumo-iac/kumo/internal/awsregions"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/webapp/authz/kumoevent"
	"github.com/kumo-iac/kumo/patterns/webapp/healthprobe"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

// Where the pattern's own code lives: in the kumo module, wherever Root's
// go.mod finds it (Root itself in kumo's repository, the module cache, a
// replace directory). Handlers are built by import path from Root's module,
// so its go.mod and go.sum pin the version deployed.
const (
	kumoModule = "github.com/kumo-iac/kumo"
	// DefaultSiteDir is the site's directory inside the kumo module.
	DefaultSiteDir  = "patterns/webapp/site"
	itemsPackage    = kumoModule + "/patterns/webapp/functions/items"
	healthPackage   = kumoModule + "/patterns/webapp/functions/health"
	smokePackage    = kumoModule + "/patterns/webapp/functions/smoketest"
	authzPackage    = kumoModule + "/patterns/webapp/functions/authorizer"
	authzCheckPkg   = kumoModule + "/patterns/webapp/functions/authzcheck"
	cognitoAuthName = "users"
)

// Args configure the web app. Zero values mean the documented defaults.
type Args struct {
	// Root is the project root (holding go.mod); the pattern's handlers are
	// built from its module and a relative SiteDir resolves against it.
	// Default: ".".
	Root string
	// SiteDir holds the static front end. Default: DefaultSiteDir in the
	// kumo module Root's go.mod requires.
	SiteDir string
	// MemoryMB of the API functions. Default: 256.
	MemoryMB int
	// TimeoutSeconds of the API functions, at most 29 (API Gateway's
	// limit). Default: 10.
	TimeoutSeconds int
	// LogRetentionDays of function and access logs. Default: 30.
	LogRetentionDays int
	// ThrottleRateLimit is the API's requests per second. Default: 100.
	ThrottleRateLimit float64
	// ThrottleBurstLimit is the API's burst. Default: 200.
	ThrottleBurstLimit int
	// MFA of the user pool: OFF, OPTIONAL or ON. Default: OPTIONAL.
	MFA constructs.MFA
	// DeletionProtection protects the table and the user pool, and keeps
	// buckets holding objects from being deleted. Default: false.
	DeletionProtection bool
	// DomainNames and CertificateArn put the site on custom domains.
	// Default: the cloudfront.net domain.
	DomainNames    []string
	CertificateArn string
	// AccountLogRole is API Gateway's region-wide CloudWatch Logs role,
	// which the API's access and execution logs need (see
	// constructs.AccountLogRoleFromStack). Required unless DisableAPILogs.
	AccountLogRole *constructs.AccountLogRole
	// DisableAPILogs turns the API's access and execution logs off.
	// Default: false.
	DisableAPILogs bool
	// ItemsReservedConcurrency caps the items function; 0 is the kill
	// switch that stops it. Default: nil, unreserved.
	ItemsReservedConcurrency *int

	// Releases rolls every new version of the functions out through
	// CodeDeploy with alarms and rollback. Default: nil, aliases move at once.
	Releases *constructs.Releases
	// DeploymentPreferences override the Releases default per function,
	// keyed "items" or "health". Default: none.
	DeploymentPreferences map[string]constructs.DeploymentPreference
	// DurationP99AlarmMs adds a p99 duration alarm that rolls back a
	// deployment of either function. Default: 0, none.
	DurationP99AlarmMs int
	// SmokeTest runs a pre-traffic hook that lists items through each new
	// items version before it gets traffic, in each region; needs
	// Releases, and is required with Releases in active-passive (the
	// passive region's canaries see no traffic). Default: false.
	SmokeTest bool

	// ItemsAuthorizer protects the items routes: cognito (the user pool's
	// tokens), token or request (functions/authorizer checks a bearer JWT
	// against Token's issuer, as a TOKEN or REQUEST authorizer) or iam
	// (SigV4). The user pool stays in every mode: the site signs in with
	// it. Default: cognito.
	ItemsAuthorizer items.AuthMode
	// Token configures the token and request authorizers; required with
	// them, refused with the others. Default: nil.
	Token *TokenAuth
	// RequestIdentitySources are the request authorizer's identity
	// sources; a request lacking one gets 401 before the authorizer runs.
	// Default: method.request.header.Authorization.
	RequestIdentitySources []string
	// APIClients get one API key and usage plan each, and the items
	// routes then require an API key. Default: none, no keys.
	APIClients []APIClient

	// Region is the primary region, where the table, the user pool, the
	// site and the first API are. Default: the stack's aws:region.
	Region string
	// APIDomainName serves the API on a custom domain (e.g.
	// "api.example.com"): a REGIONAL API Gateway domain name with TLS 1.2
	// and its ACM certificate in each region, the stage mapped at its root,
	// and the site's config.json pointing at it. Default: "" (the
	// execute-api URL).
	APIDomainName string
	// HostedZoneID is the Route 53 public hosted zone holding APIDomainName:
	// kumo writes the certificate's DNS validation record (once, for every
	// region) and, with SecondaryRegion, the routing records into it.
	// Default: "" (with APIDomainName in one region, someone adds the
	// validation record the stack outputs).
	HostedZoneID string
	// SecondaryRegion serves the API from a second region too: its own
	// API, functions, releases, alarms and custom domain, a replica of the
	// items table, Route 53 health checks of both regions and records that
	// route APIDomainName between them. The user pool stays in Region (see
	// New on sign-in during an outage). Needs APIDomainName and
	// HostedZoneID. Default: "" (one region).
	SecondaryRegion string
	// MultiRegionMode is how Route 53 routes between the regions:
	// active-passive (failover records: Region while its health check
	// passes, SecondaryRegion otherwise) or active-active (latency records,
	// each region while healthy). Default: active-passive.
	MultiRegionMode MultiRegionMode
	// SecondaryAccountLogRole is API Gateway's CloudWatch Logs role in
	// SecondaryRegion (the account setting is per region, and kumo manages
	// it in a stack of its own: constructs.AccountLogRoleFromStack with a
	// stack in SecondaryRegion). Required with SecondaryRegion unless
	// DisableAPILogs.
	SecondaryAccountLogRole *constructs.AccountLogRole
}

// MultiRegionMode is how a two-region web app shares its traffic.
type MultiRegionMode string

// The multi-region modes.
const (
	ActivePassive MultiRegionMode = "active-passive"
	ActiveActive  MultiRegionMode = "active-active"
)

// routing is the DNS routing mode of m.
func (m MultiRegionMode) routing() constructs.RoutingMode {
	if m == ActiveActive {
		// Latency, not weighted: each caller goes to the nearer healthy
		// region, and no weight has to be chosen.
		return constructs.RoutingLatency
	}
	return constructs.RoutingFailover
}

// TokenAuth is what the token and request authorizers check tokens against.
type TokenAuth struct {
	// Issuer is the OIDC issuer URL, https; a token's iss must equal it.
	Issuer string
	// Audience must be one of a token's aud values.
	Audience string
	// JWKSURL is where the issuer's keys are, https. Default: the jwks_uri
	// of the issuer's discovery document.
	JWKSURL string
	// RequiredScopes must all be in every token. Default: none.
	RequiredScopes []string
	// AdminScope makes a token's caller an admin of the items. Default:
	// "", no admins.
	AdminScope string
}

// APIClient is one client of the API with its own key and usage plan.
type APIClient struct {
	// Name names the client's API key and usage plan: 1–64 letters,
	// digits, '_' or '-'.
	Name string
	// QuotaPerDay is the client's daily request quota. Default: 0, none.
	QuotaPerDay int
	// RateLimit and BurstLimit throttle the client. Default: the stage's.
	RateLimit  float64
	BurstLimit int
}

// Functions the pattern deploys, by the names DeploymentPreferences use;
// authorizer only with a token or request ItemsAuthorizer.
var Functions = []string{"items", "health", "authorizer"}

// WebApp is the composed pattern; its parts are exposed for escape hatches.
type WebApp struct {
	pulumi.ResourceState

	Site   *constructs.StaticSite
	Api    *constructs.Api
	Table  *constructs.Table
	Users  *constructs.UserPool
	Items  *constructs.Function
	Health *constructs.Function
	// SmokeTest is the items function's pre-traffic hook, or nil.
	SmokeTest *constructs.Function
	// Authorizer is the token or request authorizer's function, or nil.
	Authorizer *constructs.Function
	// AuthorizerCheck is the authorizer's pre-traffic hook (SmokeTest with
	// a Lambda authorizer), or nil.
	AuthorizerCheck *constructs.Function

	// Domain is the primary region's custom API domain, or nil.
	Domain *constructs.ApiDomain
	// Secondary is the second region's share, or nil.
	Secondary *Region
	// HealthChecks check each region's /health, by region; nil in one
	// region.
	HealthChecks map[string]*constructs.HealthCheck
	// Routing holds APIDomainName's records across the regions, or nil.
	Routing *constructs.DNSRouting

	// SiteURL is where users open the app.
	SiteURL pulumi.StringOutput
	// ApiURL is the API's base URL: the custom domain's when APIDomainName
	// is set, else the API stage's.
	ApiURL pulumi.StringOutput
}

// Region is the second region's share of the web app, a component
// registered with that region's provider so every child is created there.
type Region struct {
	pulumi.ResourceState

	// Name is the AWS region.
	Name string
	// Provider is the region's explicit AWS provider.
	Provider *aws.Provider
	// Releases is the region's CodeDeploy application: releases are
	// regional, like the functions they shift.
	Releases   *constructs.Releases
	Api        *constructs.Api
	Items      *constructs.Function
	Health     *constructs.Function
	Authorizer *constructs.Function
	SmokeTest  *constructs.Function
	// AuthorizerCheck is the region's authorizer's pre-traffic hook, or nil.
	AuthorizerCheck *constructs.Function
	Domain          *constructs.ApiDomain
}

// parts are the construct args the pattern derives from its own args, built
// once so validation and construction use exactly the same values.
type parts struct {
	smoke  *constructs.FunctionArgs
	authz  *constructs.FunctionArgs
	table  constructs.TableArgs
	users  constructs.UserPoolArgs
	items  constructs.FunctionArgs
	health constructs.FunctionArgs
	api    constructs.ApiArgs
	site   constructs.StaticSiteArgs

	siteErr error // finding the default SiteDir

	// authzCheck is the authorizer's pre-traffic hook, with SmokeTest.
	authzCheck *constructs.FunctionArgs
}

func (a Args) parts() parts {
	root := a.Root
	if root == "" {
		root = "."
	}
	siteDir, siteErr := a.SiteDir, error(nil)
	switch {
	case siteDir == "":
		siteDir, siteErr = defaultSiteDir(root)
	case !filepath.IsAbs(siteDir):
		siteDir = filepath.Join(root, siteDir)
	}
	fn := func(pkg, desc string) constructs.FunctionArgs {
		return constructs.FunctionArgs{
			Root: root, GoPackage: pkg, Description: desc,
			MemoryMB: a.MemoryMB, TimeoutSeconds: a.TimeoutSeconds, LogRetentionDays: a.LogRetentionDays,
		}
	}
	p := parts{
		// The design the items API's Store needs: items by id, and each
		// owner's items newest first through an index, so a user's list is
		// a Query rather than a Scan of everyone's.
		table: constructs.TableArgs{
			DeletionProtection: a.DeletionProtection,
			PartitionKey:       items.IDAttribute,
			GlobalSecondaryIndexes: []constructs.GlobalSecondaryIndex{{
				Name: items.OwnerIndex, PartitionKey: items.OwnerAttribute, SortKey: items.CreatedAtAttribute,
			}},
		},
		users: constructs.UserPoolArgs{MFA: a.MFA, DeletionProtection: a.DeletionProtection,
			Groups: []constructs.Group{{Name: items.AdminGroup, Description: "Administrators of the web app: they see and manage every user's items", Precedence: 1}}},
		items:  fn(itemsPackage, "Items API of the kumo web app"),
		health: fn(healthPackage, "Public health check of the kumo web app"),
		api: constructs.ApiArgs{
			Description:        "kumo web app API",
			ThrottleRateLimit:  a.ThrottleRateLimit,
			ThrottleBurstLimit: a.ThrottleBurstLimit,
			LogRetentionDays:   a.LogRetentionDays,
			AccountLogRole:     a.AccountLogRole,
			DisableLogs:        a.DisableAPILogs,
		},
		site: constructs.StaticSiteArgs{
			SourceDir: siteDir, SPA: true, DomainNames: a.DomainNames, CertificateArn: a.CertificateArn,
			ForceDestroy: !a.DeletionProtection,
		},
	}
	p.siteErr = siteErr
	p.items.ReservedConcurrency = a.ItemsReservedConcurrency
	fns := map[string]*constructs.FunctionArgs{"items": &p.items, "health": &p.health}
	if mode := a.itemsMode(); (mode == items.AuthToken || mode == items.AuthRequest) && (a.Token != nil || a.poolTokens()) {
		// API Gateway waits for the authorizer like for any integration.
		f := fn(authzPackage, fmt.Sprintf("%s authorizer of the kumo web app's items API", strings.ToUpper(string(mode))))
		// A cold start may fetch the issuer's discovery document and its
		// keys, each up to three 2 s attempts 200 and 400 ms apart (about
		// 13.2 s in all, authz's fetch budget): the function must outlast
		// that to answer the clean "keys unavailable" error rather than
		// time out. API Gateway waits up to 29 s.
		f.TimeoutSeconds = max(f.TimeoutSeconds, authorizerTimeoutSeconds)
		p.authz = &f
		fns["authorizer"] = p.authz
	}
	if p.authz != nil && a.Releases != nil {
		// functions/authorizer logs "token not checked" (and a bad
		// configuration) at level ERROR through slog's JSON handler, and
		// only a refusal returns Unauthorized.
		p.authz.ExpectedErrors = &constructs.ExpectedErrors{
			Reason: "an authorizer refuses a token by returning Unauthorized, which API Gateway turns into 401 and Lambda counts as a function error; " +
				"its real failures (issuer keys unavailable, bad configuration) are logged at level ERROR",
		}
	}
	for _, c := range a.APIClients {
		p.api.UsagePlans = append(p.api.UsagePlans, constructs.UsagePlan{Name: c.Name, Keys: []string{c.Name},
			QuotaPerDay: c.QuotaPerDay, RateLimit: c.RateLimit, BurstLimit: c.BurstLimit})
	}
	for name, fa := range fns {
		fa.Releases = a.Releases
		fa.DeploymentPreference = a.DeploymentPreferences[name]
		fa.DurationP99AlarmMs = a.DurationP99AlarmMs
	}
	if a.SmokeTest {
		// The hook is not behind the API: it may take longer, and it is
		// released at once (it tests releases; nothing tests it).
		p.smoke = &constructs.FunctionArgs{Root: root, GoPackage: smokePackage, TimeoutSeconds: 60,
			Description: "Pre-traffic smoke test of the kumo web app's items function", LogRetentionDays: a.LogRetentionDays}
		if p.authz != nil {
			// The authorizer's releases get theirs too: in a passive
			// region nothing else invokes a new version before a failover.
			// It outlasts the authorizer's own timeout and the hook's
			// margin.
			p.authzCheck = &constructs.FunctionArgs{Root: root, GoPackage: authzCheckPkg, TimeoutSeconds: 60,
				Description: "Pre-traffic check of the kumo web app's authorizer: it must refresh its keys and their snapshot", LogRetentionDays: a.LogRetentionDays}
		}
	}
	return p
}

// poolTokens reports whether the items routes check the user pool's ID
// tokens with kumo's TOKEN authorizer rather than a Cognito authorizer: in
// two regions, for the pool lives in one. A Cognito authorizer names its
// pool by ARN, and API Gateway documents pools of another account
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-cross-account-cognito-authorizer.html)
// but not of another region, so kumo does not rely on it; its own
// authorizer checks the pool's tokens the same way in both regions.
func (a *Args) poolTokens() bool {
	return a.SecondaryRegion != "" && orCognito(a.ItemsAuthorizer) == items.AuthCognito
}

// itemsMode is the authorizer the items routes get: ItemsAuthorizer, but
// token when poolTokens.
func (a *Args) itemsMode() items.AuthMode {
	if a.poolTokens() {
		return items.AuthToken
	}
	return orCognito(a.ItemsAuthorizer)
}

// defaultSiteDir is DefaultSiteDir in the kumo module root requires. In
// kumo's repository that is under root, and stays written against root.
func defaultSiteDir(root string) (string, error) {
	dir, err := bundle.ModuleDir(context.Background(), root, kumoModule)
	if err != nil {
		return filepath.Join(root, DefaultSiteDir), fmt.Errorf("SiteDir: finding the kumo module's site: %w", err)
	}
	if abs, err := filepath.Abs(root); err == nil && abs == dir {
		return filepath.Join(root, DefaultSiteDir), nil
	}
	return filepath.Join(dir, filepath.FromSlash(DefaultSiteDir)), nil
}

// validate reports every problem in the args, through the same checks the
// constructs run, before anything is registered.
func (p parts) validate(name string, a *Args) error {
	var errs *multierror.Error
	add := func(err error) {
		if err != nil {
			errs = multierror.Append(errs, err)
		}
	}
	add(p.siteErr)
	add(p.table.Validate(name + "-items"))
	add(p.users.Validate(name + "-users"))
	add(p.items.Validate(name + "-items"))
	add(p.health.Validate(name + "-health"))
	add(p.api.ValidateSettings(name + "-api"))
	seen := map[string]bool{}
	for i, c := range a.APIClients {
		if c.Name == "" || !clientName.MatchString(c.Name) {
			add(fmt.Errorf("APIClients[%d].Name: %q must be 1–64 letters, digits, '_' or '-'", i, c.Name))
		} else if seen[c.Name] {
			add(fmt.Errorf("APIClients[%d].Name: %q is a duplicate; client names are unique", i, c.Name))
		}
		seen[c.Name] = true
		if c.QuotaPerDay < 0 || c.RateLimit < 0 || c.BurstLimit < 0 {
			add(fmt.Errorf("APIClients[%d] (%s): quota, rate and burst must not be negative; 0 means none (quota) or the stage's (rate, burst)", i, c.Name))
		}
	}
	add(p.site.Validate(name + "-site"))
	if p.smoke != nil {
		add(p.smoke.Validate(name + "-smoketest"))
		if p.items.Releases == nil {
			add(fmt.Errorf("SmokeTest: set without Releases; a pre-traffic hook runs inside a CodeDeploy deployment"))
		}
	}
	// Both functions sit behind API Gateway, which gives up after 29 s.
	if t := p.items.TimeoutSeconds; t > constructs.MaxAPITimeoutSeconds {
		add(fmt.Errorf("TimeoutSeconds: %d s is above API Gateway's %d s integration limit for API-fronted functions", t, constructs.MaxAPITimeoutSeconds))
	}
	for _, fn := range slices.Sorted(maps.Keys(a.DeploymentPreferences)) {
		switch {
		case !slices.Contains(Functions, fn):
			add(fmt.Errorf("DeploymentPreferences: %q is not a function of the web app; use one of %s", fn, strings.Join(Functions, ", ")))
		case fn == "authorizer" && p.authz == nil:
			add(fmt.Errorf("DeploymentPreferences: %q is deployed only with ItemsAuthorizer token or request, not %s", fn, orCognito(a.ItemsAuthorizer)))
		}
	}
	add(a.validateAuth())
	add(a.validateRegions())
	if p.authz != nil {
		add(p.authz.Validate(name + "-authorizer"))
	}
	if p.authzCheck != nil {
		add(p.authzCheck.Validate(name + "-authzcheck"))
	}
	return constructs.Invalid(fmt.Sprintf("web app %q", name), errs)
}

// validateAuth checks ItemsAuthorizer and the settings that go with it.
func (a *Args) validateAuth() error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	mode := orCognito(a.ItemsAuthorizer)
	if !slices.Contains(items.AuthModes, mode) {
		add("ItemsAuthorizer: %q is not an authorizer; use cognito, token, request or iam", a.ItemsAuthorizer)
		return errs.ErrorOrNil()
	}
	usesToken := mode == items.AuthToken || mode == items.AuthRequest
	switch {
	case usesToken && a.Token == nil:
		add("Token: nil, but ItemsAuthorizer is %s; set the issuer and audience tokens are checked against", mode)
	case !usesToken && a.Token != nil:
		add("Token: set, but ItemsAuthorizer is %s; it applies only to token and request", mode)
	case usesToken:
		t := a.Token
		if msg := httpsURLProblem(t.Issuer); msg != "" {
			add("Token.Issuer: %q %s", t.Issuer, msg)
		}
		if strings.TrimSpace(t.Audience) == "" {
			add("Token.Audience: empty; set it to the aud tokens must carry")
		}
		if t.JWKSURL != "" {
			if msg := httpsURLProblem(t.JWKSURL); msg != "" {
				add("Token.JWKSURL: %q %s", t.JWKSURL, msg)
			}
		}
		for _, s := range append(slices.Clone(t.RequiredScopes), t.AdminScope) {
			if s != "" && !validScope(s) {
				add("Token: scope %q is not a scope: printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)", s)
			}
		}
	}
	if mode != items.AuthRequest && len(a.RequestIdentitySources) > 0 {
		add("RequestIdentitySources: set, but ItemsAuthorizer is %s; they apply only to request", mode)
	}
	for i, src := range a.RequestIdentitySources {
		if msg := identitySourceProblem(src); msg != "" {
			add("RequestIdentitySources[%d]: %q %s", i, src, msg)
		}
	}
	return errs.ErrorOrNil()
}

// validateRegions checks the custom domain and the second region.
func (a *Args) validateRegions() error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	if a.APIDomainName != "" {
		if why := apiDomainProblem(a.APIDomainName); why != "" {
			add("APIDomainName: %q %s", a.APIDomainName, why)
		}
	}
	switch {
	case a.HostedZoneID != "" && !hostedZoneID.MatchString(a.HostedZoneID):
		add("HostedZoneID: %q is not a Route 53 hosted zone ID (Z followed by up to 31 upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ)", a.HostedZoneID)
	case a.HostedZoneID != "" && a.APIDomainName == "":
		add("HostedZoneID: %q is set without APIDomainName; the zone holds the API's custom domain, so set both or neither", a.HostedZoneID)
	}
	switch a.MultiRegionMode {
	case "", ActivePassive:
	case ActiveActive:
		if a.SecondaryRegion == "" {
			add("MultiRegionMode: %q without SecondaryRegion; it routes between two regions", a.MultiRegionMode)
		}
	default:
		add("MultiRegionMode: %q is not a mode; use %s or %s", a.MultiRegionMode, ActivePassive, ActiveActive)
	}
	if a.SecondaryRegion == "" {
		if a.SecondaryAccountLogRole != nil {
			add("SecondaryAccountLogRole: set without SecondaryRegion; it is the second region's API Gateway log role")
		}
		return errs.ErrorOrNil()
	}
	switch {
	case !awsregions.Known(a.SecondaryRegion):
		hint := ""
		if c := awsregions.Closest(a.SecondaryRegion); c != "" {
			hint = fmt.Sprintf("; did you mean %q?", c)
		}
		add("SecondaryRegion: %q is not an AWS region (%s)%s", a.SecondaryRegion, awsregions.Source, hint)
	case a.SecondaryRegion == a.Region:
		add("SecondaryRegion: %q is the primary region too; name another region, or leave it empty for one region", a.SecondaryRegion)
	}
	if a.APIDomainName == "" || a.HostedZoneID == "" {
		add("SecondaryRegion: %q needs APIDomainName and HostedZoneID (got %q, %q): clients reach both regions through one name, whose records kumo writes into the zone", a.SecondaryRegion, a.APIDomainName, a.HostedZoneID)
	}
	switch {
	case !a.DisableAPILogs && a.SecondaryAccountLogRole == nil:
		add("SecondaryAccountLogRole: nil with SecondaryRegion %s; API Gateway's log role is set per region, so pass the one of %s (constructs.AccountLogRoleFromStack) or set DisableAPILogs", a.SecondaryRegion, a.SecondaryRegion)
	case a.DisableAPILogs && a.SecondaryAccountLogRole != nil:
		add("SecondaryAccountLogRole: set with DisableAPILogs; the API has no logs to write")
	}
	if len(a.APIClients) > 0 {
		// API Gateway generates each key's value in its region, so a client's
		// key would be refused by the other region after a failover.
		add("APIClients: %d clients with SecondaryRegion; API keys are regional, and a client's key would be refused by the other region, so serve API clients from one region", len(a.APIClients))
	}
	if (a.MultiRegionMode == "" || a.MultiRegionMode == ActivePassive) && a.Releases != nil && !a.SmokeTest {
		add("SmokeTest: false with SecondaryRegion %s in %s mode and Releases; the passive region gets no traffic, so its canary alarms pass whatever a new version does: set SmokeTest, whose pre-traffic hook has each new items version in each region answer a request before it gets traffic", a.SecondaryRegion, ActivePassive)
	}
	return errs.ErrorOrNil()
}

// hostedZoneID is a Route 53 hosted zone ID
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html, Id max 32).
var hostedZoneID = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)

// apiDomainProblem says what is wrong with an API custom domain, or "":
// domainProblem's rules, without CloudFront's wildcard (a regional API
// domain serves one name).
func apiDomainProblem(d string) string {
	if strings.HasPrefix(d, "*.") {
		return "is a wildcard; the API's custom domain is one name, such as api.example.com"
	}
	return domainProblem(d)
}

func orCognito(m items.AuthMode) items.AuthMode {
	if m == "" {
		return items.AuthCognito
	}
	return m
}

// Validate reports every problem New would report for these args, without
// registering anything.
func (a *Args) Validate(name string) error { return a.parts().validate(name, a) }

// itemSchema is what API Gateway checks before the items function runs; the
// function validates again, with field-level messages.
const itemSchema = `{"$schema":"http://json-schema.org/draft-04/schema#","type":"object",` +
	`"required":["name"],"additionalProperties":false,"properties":{` +
	`"name":{"type":"string","minLength":1,"maxLength":200},` +
	`"description":{"type":"string","maxLength":2000},"done":{"type":"boolean"}}}`

// hookReason is why a pre-traffic hook needs no dead-letter queue.
const hookReason = "the pre-traffic hook: CodeDeploy waits for its verdict, and a hook that fails or times out fails the deployment, which rolls back"

// apiOnlyReason is why the API's functions need no dead-letter queue.
const apiOnlyReason = "invoked only synchronously, by API Gateway: a failure returns to the caller as a 5xx and nothing is queued for retry"

// New registers the web app.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*WebApp, error) {
	if args == nil {
		args = &Args{}
	}
	if args.Region == "" {
		a := *args
		a.Region = region(ctx)
		args = &a
	}
	p := args.parts()
	if err := p.validate(name, args); err != nil {
		return nil, err
	}
	w := &WebApp{}
	if err := ctx.RegisterComponentResource("kumo:patterns:WebApp", name, w, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(w)
	var err error
	var secondary *aws.Provider
	if args.SecondaryRegion != "" {
		// The secondary region's provider comes before the table, whose
		// replica there is registered with it: a global table whose
		// replica has the table's name, PITR, encryption and deletion
		// protection. validateRegions has checked the replica's region.
		provArgs, err := secondaryProviderArgs(ctx, args.SecondaryRegion)
		if err != nil {
			return nil, err
		}
		if secondary, err = aws.NewProvider(ctx, name+"-"+args.SecondaryRegion, provArgs, parent); err != nil {
			return nil, err
		}
		p.table.Replicas = []constructs.TableReplica{{Region: args.SecondaryRegion, Provider: secondary}}
	}
	if w.Table, err = constructs.NewTable(ctx, name+"-items", &p.table, parent); err != nil {
		return nil, err
	}
	if w.Users, err = constructs.NewUserPool(ctx, name+"-users", &p.users, parent); err != nil {
		return nil, err
	}
	// The site comes first: the items function and the API allow its
	// origin, and its config.json then points back at the API.
	if w.Site, err = constructs.NewStaticSite(ctx, name+"-site", &p.site, parent); err != nil {
		return nil, err
	}
	primary := args.Region
	r, err := p.deployRegion(ctx, w, args, name, args.Releases, args.AccountLogRole, parent)
	if err != nil {
		return nil, err
	}
	// With two regions, each region's items function writes its own
	// region's copy of the table only, never the other region's replica.
	// In one region the table is the only copy: the whole-table grant is
	// the same statement, under the policy name deployed stacks have.
	if args.SecondaryRegion == "" {
		err = w.Table.GrantReadWrite(r.items)
	} else {
		err = w.Table.GrantReadWriteIn(r.items, primary)
	}
	if err != nil {
		return nil, err
	}
	if err := grantProbe(w.Table, r.health, primary); err != nil {
		return nil, err
	}
	w.Api, w.Items, w.Health, w.Authorizer, w.SmokeTest, w.AuthorizerCheck = r.api, r.items, r.health, r.authz, r.smoke, r.authzCheck
	w.SiteURL, w.ApiURL = w.Site.URL, w.Api.URL
	if args.APIDomainName != "" {
		if w.Domain, err = constructs.NewApiDomain(ctx, name+"-domain", &constructs.ApiDomainArgs{
			DomainName: args.APIDomainName, Api: w.Api, HostedZoneID: args.HostedZoneID, Region: primary,
		}, parent); err != nil {
			return nil, err
		}
		w.ApiURL = w.Domain.URL
	}
	if args.SecondaryRegion != "" {
		if err := w.deploySecondary(ctx, name, args, p, primary, secondary); err != nil {
			return nil, err
		}
	}
	if err := w.Site.AddFile("config.json", siteConfig(ctx, w)); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(w, pulumi.Map{"siteUrl": w.SiteURL, "apiUrl": w.ApiURL}); err != nil {
		return nil, err
	}
	return w, nil
}

// regional are one region's functions and API.
type regional struct {
	api                                     *constructs.Api
	items, health, authz, smoke, authzCheck *constructs.Function
}

// deployRegion registers one region's functions and API, named after
// prefix, with opts (the parent, whose provider decides the region).
// Environments are built here, per region, so the regions share no maps.
func (p parts) deployRegion(ctx *pulumi.Context, w *WebApp, args *Args, prefix string,
	releases *constructs.Releases, logRole *constructs.AccountLogRole, opts ...pulumi.ResourceOption) (regional, error) {
	var r regional
	itemsArgs, healthArgs, apiArgs := p.items, p.health, p.api
	itemsArgs.Releases, healthArgs.Releases, apiArgs.AccountLogRole = releases, releases, logRole
	itemsArgs.Environment = map[string]pulumi.StringInput{"TABLE_NAME": w.Table.Name, "ALLOWED_ORIGIN": w.Site.Origin}
	mode := args.itemsMode()
	if mode != items.AuthCognito {
		// Unset means cognito, so the default stacks' functions are
		// unchanged.
		itemsArgs.Environment["AUTH_MODE"] = pulumi.String(string(mode))
	}
	if args.Token != nil && args.Token.AdminScope != "" {
		itemsArgs.Environment["ADMIN_SCOPE"] = pulumi.String(args.Token.AdminScope)
	}
	if args.poolTokens() {
		// The pool's admins group stays the admins in both regions: the
		// authorizer passes a pool token's cognito:groups on.
		itemsArgs.Environment["ADMIN_GROUPS"] = pulumi.String("true")
	}
	var err error
	if p.authz != nil {
		authzArgs := *p.authz
		authzArgs.Releases = releases
		if t := args.Token; t != nil {
			env := map[string]pulumi.StringInput{"ISSUER": pulumi.String(t.Issuer), "AUDIENCE": pulumi.String(t.Audience)}
			if t.JWKSURL != "" {
				env["JWKS_URL"] = pulumi.String(t.JWKSURL)
			}
			if len(t.RequiredScopes) > 0 {
				env["REQUIRED_SCOPES"] = pulumi.String(strings.Join(t.RequiredScopes, " "))
			}
			if src := tokenSource(args.RequestIdentitySources); src != "" {
				env["TOKEN_SOURCE"] = pulumi.String(src)
			}
			authzArgs.Environment = env
		} else {
			// The pool's ID tokens: Cognito's issuer is the pool's URL in
			// its region, and an ID token's aud is the app client
			// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html).
			// The site sends its ID token, which functions/authorizer takes
			// bare or as Bearer. token_use "id" refuses the pool's access
			// tokens, which the same keys sign. The key set's URL is the
			// pool's own
			// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html):
			// a cold start skips discovery, and reaches its key snapshot
			// sooner when the primary region is down.
			authzArgs.Environment = map[string]pulumi.StringInput{
				"ISSUER":    pulumi.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", args.Region, w.Users.ID),
				"AUDIENCE":  w.Users.ClientID,
				"JWKS_URL":  pulumi.Sprintf("https://cognito-idp.%s.amazonaws.com/%s/.well-known/jwks.json", args.Region, w.Users.ID),
				"TOKEN_USE": pulumi.String("id"),
			}
		}
		// The region's key snapshot: a cold start that cannot reach the
		// issuer (the primary region down, for the secondary) checks tokens
		// with the keys last fetched, which a schedule keeps fresh.
		keys, err := param.New(ctx, prefix+"-authorizer-keys", &param.Args{
			Name:        keysParameterName(ctx, prefix),
			Description: keysDescription, Tier: keysTier,
			Value: keysPlaceholder, WrittenAtRunTime: true,
		}, opts...)
		if err != nil {
			return r, err
		}
		authzArgs.Environment["KEYS_SNAPSHOT_PARAMETER"] = keys.Name
		// A missed refresh tick is not worth a retry: the next one, a
		// refresh interval later, does the same work.
		authzArgs.AsyncRetryAttempts = new(int)
		if p.authzCheck != nil {
			// Each new version refreshes the keys and writes the snapshot
			// before it takes traffic, in every region.
			checkArgs := *p.authzCheck
			if r.authzCheck, err = constructs.NewFunction(ctx, prefix+"-authzcheck", &checkArgs, opts...); err != nil {
				return r, err
			}
			authzArgs.PreTrafficHook = r.authzCheck
		}
		if r.authz, err = constructs.NewFunction(ctx, prefix+"-authorizer", &authzArgs, opts...); err != nil {
			return r, err
		}
		if err := keys.GrantReadWrite(r.authz); err != nil {
			return r, err
		}
		if _, err := constructs.NewSchedule(ctx, prefix+"-authorizer-refresh", &constructs.ScheduleArgs{
			Expression: keysRefreshSchedule, Function: r.authz, Input: keysRefreshEvent,
			Description: "Refreshes the web app authorizer's signing keys and their snapshot",
			// A tick older than the next is worthless.
			MaximumEventAgeSeconds: keysRefreshSeconds,
		}, opts...); err != nil {
			return r, err
		}
		if err := scheduledAndAPI(ctx, r.authz); err != nil {
			return r, err
		}
	}
	// The health function reads the region's table (its local replica in
	// two regions, which has the table's name), so a region whose table
	// fails answers 503 and its Route 53 health check fails.
	healthArgs.Environment = map[string]pulumi.StringInput{"TABLE_NAME": w.Table.Name, "ALLOWED_ORIGIN": w.Site.Origin}
	if p.smoke != nil {
		smokeArgs := *p.smoke
		if mode != items.AuthCognito {
			// The hook puts its caller where the items function's
			// authorizer does (unset: cognito, as for the items function).
			smokeArgs.Environment = map[string]pulumi.StringInput{"AUTH_MODE": pulumi.String(string(mode))}
		}
		if r.smoke, err = constructs.NewFunction(ctx, prefix+"-smoketest", &smokeArgs, opts...); err != nil {
			return r, err
		}
		itemsArgs.PreTrafficHook = r.smoke
	}
	if r.items, err = constructs.NewFunction(ctx, prefix+"-items", &itemsArgs, opts...); err != nil {
		return r, err
	}
	if r.health, err = constructs.NewFunction(ctx, prefix+"-health", &healthArgs, opts...); err != nil {
		return r, err
	}
	// No function of the web app but the authorizer (above) is invoked
	// asynchronously: the API calls items and health and waits for the
	// answer, and CodeDeploy's hook call is watched by the deployment
	// itself. A dead-letter queue or failure destination would never
	// receive anything.
	for _, f := range []struct {
		fn     *constructs.Function
		reason string
	}{
		{r.items, apiOnlyReason}, {r.health, apiOnlyReason},
		{r.smoke, hookReason}, {r.authzCheck, hookReason},
	} {
		if f.fn == nil {
			continue
		}
		if err := patterns.NoAsyncInvocations(ctx, f.fn, f.reason); err != nil {
			return r, err
		}
	}
	apiArgs.CORSOrigin = w.Site.Origin
	apiArgs.Authorizers, apiArgs.DefaultAuthorizer = authorizers(mode, r.authz, w.Users, args.RequestIdentitySources)
	keys := len(args.APIClients) > 0
	notCognito := notCognitoReasons[mode]
	if args.poolTokens() {
		notCognito = poolTokensReason
	}
	apiArgs.Routes = []constructs.Route{
		{Method: "GET", Path: "/health", Function: r.health, Public: true,
			PublicReason: "a health probe for Route 53 and uptime monitors: it returns only the status, function name and version, no user data, and reads the table at most once per container every few seconds"},
		{Method: "GET", Path: "/items", Function: r.items, APIKeyRequired: keys, NotCognitoReason: notCognito},
		{Method: "POST", Path: "/items", Function: r.items, BodySchema: itemSchema, APIKeyRequired: keys, NotCognitoReason: notCognito},
		{Method: "GET", Path: "/items/{id}", Function: r.items, APIKeyRequired: keys, NotCognitoReason: notCognito},
		{Method: "PUT", Path: "/items/{id}", Function: r.items, BodySchema: itemSchema, APIKeyRequired: keys, NotCognitoReason: notCognito},
		{Method: "DELETE", Path: "/items/{id}", Function: r.items, APIKeyRequired: keys, NotCognitoReason: notCognito},
	}
	if r.api, err = constructs.NewApi(ctx, prefix+"-api", &apiArgs, opts...); err != nil {
		return r, err
	}
	return r, nil
}

// grantProbe lets the health function of region read its own region's
// copy of the table, and only the probe's key: not the page token key or
// anyone's items, and not the other region's copy, whose failure must not
// fail this region's health check.
func grantProbe(table *constructs.Table, health *constructs.Function, region string) error {
	return table.GrantGetItemIn(health, region, healthprobe.ID)
}

// region is the stack's AWS region (aws:region).
func region(ctx *pulumi.Context) string {
	r, _ := ctx.GetConfig("aws:region")
	return r
}

// deploySecondary registers the second region with its explicit provider
// prov (made in New, before the table's replica needs it): a component
// under it holding the region's releases, functions, API and custom
// domain, a health check of each region's /health, and the records routing
// APIDomainName between the regions.
//
// What fails over: the API, its functions and the items (the table's
// replica takes writes in both regions; DynamoDB replicates within about a
// second, last writer wins). What does not: the user pool and the site's
// sign-in, which stay in the primary region; in a primary outage sign-in
// and token refresh fail, while ID tokens already issued keep working in
// the secondary until they expire (1 hour by default) as long as its
// authorizer has the pool's keys cached. The site itself is on CloudFront,
// which is global.
func (w *WebApp) deploySecondary(ctx *pulumi.Context, name string, args *Args, p parts, primary string, prov *aws.Provider) error {
	parent := pulumi.Parent(w)
	sec := &Region{Name: args.SecondaryRegion, Provider: prov}
	rn := name + "-" + sec.Name
	var err error
	// The provider on the component is inherited by every child, so the
	// constructs below need no region of their own.
	if err := ctx.RegisterComponentResource("kumo:patterns:WebAppRegion", rn, sec, parent, pulumi.Provider(sec.Provider)); err != nil {
		return err
	}
	sp := pulumi.Parent(sec)
	if args.Releases != nil {
		if sec.Releases, err = constructs.NewReleases(ctx, rn+"-releases", &constructs.ReleasesArgs{
			DefaultPreference: args.Releases.DefaultPreference(), Region: sec.Name,
		}, sp); err != nil {
			return err
		}
	}
	r, err := p.deployRegion(ctx, w, args, rn, sec.Releases, args.SecondaryAccountLogRole, sp)
	if err != nil {
		return err
	}
	if err := w.Table.GrantReadWriteIn(r.items, sec.Name); err != nil {
		return err
	}
	if err := grantProbe(w.Table, r.health, sec.Name); err != nil {
		return err
	}
	sec.Api, sec.Items, sec.Health, sec.Authorizer, sec.SmokeTest, sec.AuthorizerCheck = r.api, r.items, r.health, r.authz, r.smoke, r.authzCheck
	if sec.Domain, err = constructs.NewApiDomain(ctx, rn+"-domain", &constructs.ApiDomainArgs{
		DomainName: args.APIDomainName, Api: sec.Api, Region: sec.Name, ValidationFrom: w.Domain,
	}, sp); err != nil {
		return err
	}
	if err := ctx.RegisterResourceOutputs(sec, pulumi.Map{"apiUrl": sec.Api.URL}); err != nil {
		return err
	}
	w.Secondary = sec
	// Each region's own execute-api /health, which runs the region's API
	// and health function: about 90 s of failures (3 checks 30 s apart)
	// take a region out of DNS, and callers follow within the records'
	// alias TTL (60 s), so a failover completes in about 2–3 minutes
	// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
	w.HealthChecks = map[string]*constructs.HealthCheck{}
	var targets []constructs.DNSTarget
	for _, t := range []struct {
		region string
		api    *constructs.Api
		domain *constructs.ApiDomain
	}{{primary, w.Api, w.Domain}, {sec.Name, sec.Api, sec.Domain}} {
		hc, err := constructs.NewHealthCheck(ctx, name+"-health-"+t.region, &constructs.HealthCheckArgs{Api: t.api}, parent)
		if err != nil {
			return err
		}
		w.HealthChecks[t.region] = hc
		targets = append(targets, constructs.DNSTarget{Region: t.region, Domain: t.domain, HealthCheck: hc})
	}
	w.Routing, err = constructs.NewDNSRouting(ctx, name+"-dns", &constructs.DNSRoutingArgs{
		HostedZoneID: args.HostedZoneID, Name: args.APIDomainName, Mode: args.MultiRegionMode.routing(), Targets: targets,
	}, parent)
	return err
}

// poolTokensReason is why two regions' items routes use no Cognito
// authorizer; kumo check records it against AwsSolutions-COG4.
const poolTokensReason = "two regions: the user pool is in the primary region, and both regions check its ID tokens with the web app's Lambda TOKEN authorizer (signature against the pool's JWKS, iss the pool, aud the web client, exp)"

// notCognitoReasons are why the items routes use no Cognito authorizer, by
// mode; kumo check records them against AwsSolutions-COG4.
var notCognitoReasons = map[items.AuthMode]string{
	items.AuthToken:   "itemsAuthorizer token: callers bring JWTs from the configured OIDC issuer, checked by the web app's Lambda TOKEN authorizer (signature against the issuer's JWKS, iss, aud, exp, scopes)",
	items.AuthRequest: "itemsAuthorizer request: callers bring JWTs from the configured OIDC issuer, checked by the web app's Lambda REQUEST authorizer (signature against the issuer's JWKS, iss, aud, exp, scopes)",
	items.AuthIAM:     "itemsAuthorizer iam: callers are AWS principals signing with SigV4, which API Gateway verifies against IAM",
}

// authorizers are the API's authorizers and the items routes' default for
// mode. Lambda authorizers cache nothing (TTL 0): functions/authorizer
// allows exactly the method ARN called, and API Gateway would apply a
// cached policy to the same token's calls of other routes, denying them.
func authorizers(mode items.AuthMode, fn *constructs.Function, users *constructs.UserPool, sources []string) (map[string]constructs.Authorizer, string) {
	noCache := 0
	switch mode {
	case items.AuthToken:
		return map[string]constructs.Authorizer{"token": {Kind: constructs.AuthorizerToken, Function: fn,
			IdentitySource: constructs.DefaultAuthorizerIdentity, ResultTTLSeconds: &noCache}}, "token"
	case items.AuthRequest:
		if len(sources) == 0 {
			sources = []string{constructs.DefaultAuthorizerIdentity}
		}
		return map[string]constructs.Authorizer{"request": {Kind: constructs.AuthorizerRequest, Function: fn,
			IdentitySource: strings.Join(sources, ","), ResultTTLSeconds: &noCache}}, "request"
	case items.AuthIAM:
		return nil, constructs.AuthorizerIAM
	}
	return map[string]constructs.Authorizer{cognitoAuthName: {Kind: constructs.AuthorizerCognito, UserPool: users}}, cognitoAuthName
}

// siteConfig is the front end's /config.json: where the API and the user
// pool are. None of it is secret; browsers need all of it.
func siteConfig(ctx *pulumi.Context, w *WebApp) pulumi.StringOutput {
	region := region(ctx)
	return pulumi.All(w.ApiURL, w.Users.ID, w.Users.ClientID).ApplyT(func(v []any) (string, error) {
		b, err := json.MarshalIndent(map[string]string{
			"apiUrl": v[0].(string), "region": region, "userPoolId": v[1].(string), "userPoolClientId": v[2].(string),
		}, "", "  ")
		return string(b) + "\n", err
	}).(pulumi.StringOutput)
}

// authorizerTimeoutSeconds outlasts every path of the authorizer
// (authz.Budgets); the longest is the refresh event's, authz.RefreshBudget
// (15.2 s: the issuer's discovery document and keys with full retries,
// then the snapshot's write). A cold start with the snapshot takes at most
// authz.ColdStartBudget, 3.5 s.
const authorizerTimeoutSeconds = 20

// tokenSource is where a request authorizer reads the token: the first
// header or query string parameter among the identity sources, as
// functions/authorizer's TOKEN_SOURCE takes it; "" for the default, the
// Authorization header (and for TOKEN authorizers, which get the token
// from API Gateway).
func tokenSource(sources []string) string {
	for _, src := range sources {
		if name, ok := strings.CutPrefix(src, "method.request.header."); ok {
			if strings.EqualFold(name, "Authorization") {
				return ""
			}
			return "header:" + name
		}
		if name, ok := strings.CutPrefix(src, "method.request.querystring."); ok {
			return "querystring:" + name
		}
	}
	return ""
}

// The authorizer's key snapshot and its refresh.
const (
	// keysPlaceholder is the snapshot parameter's value until the
	// authorizer's first successful fetch; authz refuses it (no version).
	keysPlaceholder = `{"note":"the web app's authorizer writes its token issuer's public signing keys here after its first successful fetch"}`
	// keysDescription and keysTier must never change. Any change to the
	// parameter but its value and tags makes the provider call
	// PutParameter with the value in Pulumi's state, which the ignored
	// value leaves at the placeholder: the snapshot would be gone until
	// the next tick (terraform-provider-aws resourceParameterUpdate,
	// https://github.com/pulumi/pulumi-aws/issues/2524).
	// TestKeySnapshotSettingsFrozen holds them.
	keysDescription = "Public signing keys of the web app's token issuer, written by its authorizer for cold starts while the issuer is unreachable"
	keysTier        = param.IntelligentTiering
	// keysRefreshSchedule matches authz.DefaultRefreshInterval. Every tick
	// rewrites the snapshot, so while the issuer answers a snapshot is at
	// most one tick (about 15 minutes) older than the keys it served.
	keysRefreshSchedule = "rate(15 minutes)"
	keysRefreshSeconds  = 15 * 60
	// keysRefreshEvent is what functions/authorizer answers by refreshing,
	// and what its release hook (functions/authzcheck) sends too.
	keysRefreshEvent = kumoevent.Refresh
)

// keysParameterName is the region's key snapshot parameter: under the
// project and stack, so that stacks in one account and region do not share
// one, and named after the region's share of the web app (prefix).
func keysParameterName(ctx *pulumi.Context, prefix string) string {
	return fmt.Sprintf("%s%s/%s/%s/authorizer-keys", param.Prefix, ctx.Project(), ctx.Stack(), prefix)
}

// scheduledReason is why the authorizer, which its refresh schedule
// invokes asynchronously, has neither retries nor a dead-letter queue.
const scheduledReason = "invoked synchronously by API Gateway, and asynchronously only by its key refresh schedule: a failed tick is not retried " +
	"(0 retries), because the next tick 15 minutes later does the same work, and the failure is logged at level ERROR (which the function's failures alarm counts when releases are on)"

// scheduledAndAPI records scheduledReason for kumo check, as
// patterns.NoAsyncInvocations does for the functions nothing invokes
// asynchronously.
func scheduledAndAPI(ctx *pulumi.Context, fn *constructs.Function) error {
	if err := check.Suppress(ctx, fn.Lambda, check.Suppression{Rule: "Serverless-LambdaDLQ", Reason: scheduledReason}); err != nil {
		return err
	}
	return check.Suppress(ctx, fn.EventInvokeConfig, check.Suppression{Rule: "Serverless-LambdaAsyncFailureDestination", Reason: scheduledReason})
}
