package constructs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
)

// AuthorizerKind is how an authorizer checks callers.
type AuthorizerKind string

// Authorizer kinds. IAM (SigV4) needs no authorizer: routes name
// AuthorizerIAM instead.
const (
	// AuthorizerCognito validates Cognito user pool tokens.
	AuthorizerCognito AuthorizerKind = "cognito"
	// AuthorizerToken is a Lambda TOKEN authorizer: it gets one header's
	// bearer token (e.g. to validate it against an OIDC issuer).
	AuthorizerToken AuthorizerKind = "token"
	// AuthorizerRequest is a Lambda REQUEST authorizer: it gets headers,
	// query string, path and stage variables.
	AuthorizerRequest AuthorizerKind = "request"
)

// AuthorizerIAM is the Route.Authorizer value for AWS SigV4 (IAM) auth.
const AuthorizerIAM = "iam"

// Defaults of an Api. defaultCORSAllowHeaders are the request headers a
// browser on the CORS origin may send: besides the auth headers, If-Match,
// which APIs with optimistic locking (the web app's items API) require on
// writes.
const (
	DefaultStageName           = "v1"
	DefaultThrottleRateLimit   = 100.0
	DefaultThrottleBurstLimit  = 200
	DefaultAuthorizerTTL       = 300
	DefaultAuthorizerIdentity  = "method.request.header.Authorization"
	defaultCORSAllowHeaders    = "Content-Type,Authorization,X-Api-Key,X-Amz-Date,X-Amz-Security-Token,If-Match"
	apiGatewayCloudWatchPolicy = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
)

// Authorizer configures one authorizer of an Api.
type Authorizer struct {
	// Kind is "cognito", "token" or "request".
	Kind AuthorizerKind
	// UserPool is the pool whose tokens a cognito authorizer accepts.
	UserPool *UserPool
	// Function decides for token and request authorizers; API Gateway
	// invokes its alias.
	Function *Function
	// IdentitySource is where the identity comes from; for request
	// authorizers a comma-separated list (e.g.
	// "method.request.header.Authorization,context.stage").
	// Default: "method.request.header.Authorization".
	IdentitySource string
	// ResultTTLSeconds caches decisions, 0–3600 (0 disables caching).
	// Default: 300.
	ResultTTLSeconds *int
}

// Route maps a method and path to a function.
type Route struct {
	// Method is GET, POST, PUT, PATCH, DELETE, HEAD or ANY.
	Method string
	// Path starts with "/"; segments are literal or {param}; a final
	// {proxy+} matches the rest.
	Path string
	// Function handles the route; API Gateway invokes its alias.
	Function *Function
	// Authorizer names an entry of ApiArgs.Authorizers, or "iam".
	// Default: ApiArgs.DefaultAuthorizer.
	Authorizer string
	// Public opens the route to anyone. It is the only way to get a route
	// without authorization, and excludes Authorizer.
	Public bool
	// PublicReason says why a Public route is open to anyone (a health
	// check for uptime monitors, say); required with Public. kumo check
	// records it as the suppression of AwsSolutions-APIG4 and
	// AwsSolutions-COG4 on the route's method.
	PublicReason string
	// NotCognitoReason says why a route with an IAM, token or request
	// authorizer does not use a Cognito user pool (tokens from another
	// OIDC issuer, callers signing with IAM). kumo check records it as the
	// suppression of AwsSolutions-COG4 on the route's method. Default: "",
	// no suppression.
	NotCognitoReason string
	// Scopes are OAuth scopes a cognito authorizer requires. Default: none
	// (an ID token is accepted).
	Scopes []string
	// APIKeyRequired requires an API key of ApiArgs.UsagePlan. Default: false.
	APIKeyRequired bool
	// BodySchema is a JSON schema (draft 4) API Gateway validates request
	// bodies against before invoking the function. Default: none.
	BodySchema string
	// RequiredQuery are query string parameters that must be present. Default: none.
	RequiredQuery []string
}

// UsagePlan meters clients that present API keys.
type UsagePlan struct {
	// Name tells the plans of ApiArgs.UsagePlans apart and names their
	// child resources: letters, digits, '.', '_', '~' or '-'. Required
	// there; unused on ApiArgs.UsagePlan.
	Name string
	// Keys names one API key per client. API Gateway generates each key's
	// value; kumo never sets, outputs or logs it.
	Keys []string
	// QuotaPerDay is each key's daily request quota. Default: no quota.
	QuotaPerDay int
	// RateLimit and BurstLimit throttle each key. Default: the stage's.
	RateLimit  float64
	BurstLimit int
}

// ApiArgs configure an Api.
type ApiArgs struct {
	// Description of the API. Default: none.
	Description string
	// Routes of the API. At least one.
	Routes []Route
	// Authorizers by name, referenced from routes. Default: none.
	Authorizers map[string]Authorizer
	// DefaultAuthorizer applies to routes that are not Public and name no
	// authorizer. Default: none (every such route must name one).
	DefaultAuthorizer string
	// StageName is the deployment stage. Default: "v1".
	StageName string
	// ThrottleRateLimit is the stage's steady-state requests per second.
	// Default: 100.
	ThrottleRateLimit float64
	// ThrottleBurstLimit is the stage's burst. Default: 200.
	ThrottleBurstLimit int
	// CORSOrigin is the one browser origin allowed to call the API (e.g.
	// the static site's). Default: none, no CORS.
	CORSOrigin pulumi.StringInput
	// LogRetentionDays of the access log group. Default: 30.
	LogRetentionDays int
	// UsagePlan creates API keys and a usage plan. Default: none.
	UsagePlan *UsagePlan
	// UsagePlans are further plans, each with its own keys, quota and
	// throttle: one plan per client gives each client its own limits (a
	// plan's quota and limits apply to each of its keys). Key names are
	// unique across all plans. Default: none.
	UsagePlans []UsagePlan
	// AccountLogRole is API Gateway's region-wide CloudWatch Logs role,
	// which access and execution logs need; the stage is created after it.
	// Get it from NewApiGatewayAccount (same program) or
	// AccountLogRoleFromStack (the stack that manages it). Required unless
	// DisableLogs is set.
	AccountLogRole *AccountLogRole
	// DisableLogs turns off access and execution logs, for an account and
	// region where nothing manages API Gateway's log role. Default: false.
	DisableLogs bool
}

// Api is an API Gateway REST API (regional endpoint) whose routes invoke
// function aliases, with JSON access logs, X-Ray, metrics and throttling.
type Api struct {
	pulumi.ResourceState

	// RestApi is the underlying API, an escape hatch.
	RestApi *apigateway.RestApi
	// Stage is the deployed stage.
	Stage *apigateway.Stage
	// AccessLogs is the access log group (nil with DisableLogs).
	AccessLogs *cloudwatch.LogGroup
	// ExecutionLogs is the stage's execution log group (nil with DisableLogs).
	ExecutionLogs *cloudwatch.LogGroup
	// URL is the stage's invoke URL.
	URL pulumi.StringOutput
	// ExecutionArn is the API's execute-api ARN, for IAM policies.
	ExecutionArn pulumi.StringOutput
	// APIKeys are the usage plans' keys by name.
	APIKeys map[string]*apigateway.ApiKey
}

var (
	httpMethods  = []string{"ANY", "DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"}
	literalSeg   = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)
	paramSeg     = regexp.MustCompile(`^\{[A-Za-z_][A-Za-z0-9_]*\+?\}$`)
	modelNameBad = regexp.MustCompile(`[^A-Za-z0-9]`)
	stageName    = lazyRegexp(`^[A-Za-z0-9_]{1,128}$`)
	queryParam   = lazyRegexp(`^[A-Za-z0-9._-]{1,128}$`)
)

func (a ApiArgs) withDefaults() ApiArgs {
	a.StageName = orDefault(a.StageName, DefaultStageName)
	a.ThrottleRateLimit = orDefault(a.ThrottleRateLimit, DefaultThrottleRateLimit)
	a.ThrottleBurstLimit = orDefault(a.ThrottleBurstLimit, DefaultThrottleBurstLimit)
	a.LogRetentionDays = orDefault(a.LogRetentionDays, DefaultLogRetentionDays)
	return a
}

func (a ApiArgs) validate() *multierror.Error {
	return multierror.Append(a.validateSettings(), a.validateRoutes())
}

// ValidateSettings checks everything but the routes (applying defaults
// first), so a pattern can report bad stack config before it creates the
// functions its routes need.
func (a ApiArgs) ValidateSettings(name string) error {
	return invalid(fmt.Sprintf("api %q", name), a.withDefaults().validateSettings())
}

func (a ApiArgs) validateSettings() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	if !stageName().MatchString(a.StageName) {
		add("StageName: %q must be 1–128 letters, digits or '_'", a.StageName)
	}
	if a.ThrottleRateLimit <= 0 {
		add("ThrottleRateLimit: %v must be positive", a.ThrottleRateLimit)
	}
	if a.ThrottleBurstLimit <= 0 {
		add("ThrottleBurstLimit: %d must be positive", a.ThrottleBurstLimit)
	}
	if err := validateLogRetention("LogRetentionDays", a.LogRetentionDays); err != nil {
		errs = multierror.Append(errs, err)
	}
	switch {
	case a.AccountLogRole == nil && !a.DisableLogs:
		add("AccountLogRole: nil; API Gateway writes access and execution logs only once its region-wide CloudWatch Logs role is set, which exactly one stack per account and region manages: pass AccountLogRoleFromStack (the stack running the apigateway-account pattern) or NewApiGatewayAccount(...).LogRole(), or set DisableLogs")
	case a.AccountLogRole != nil && a.DisableLogs:
		add("AccountLogRole: set together with DisableLogs; logs are either on (with the role) or off")
	}
	for _, name := range slices.Sorted(maps.Keys(a.Authorizers)) {
		au := a.Authorizers[name]
		field := fmt.Sprintf("Authorizers[%q]", name)
		if name == AuthorizerIAM || !literalSeg.MatchString(name) {
			add("%s: name must be letters, digits, '.', '_', '~' or '-' and not %q", field, AuthorizerIAM)
		}
		switch au.Kind {
		case AuthorizerCognito:
			if au.UserPool == nil {
				add("%s.UserPool: nil; a cognito authorizer needs the user pool whose tokens it accepts", field)
			}
			if au.Function != nil {
				add("%s.Function: set on a cognito authorizer; only token and request authorizers run a function", field)
			}
		case AuthorizerToken, AuthorizerRequest:
			if au.Function == nil {
				add("%s.Function: nil; a %s authorizer needs the function that decides", field, au.Kind)
			}
			if au.UserPool != nil {
				add("%s.UserPool: set on a %s authorizer; only cognito authorizers use a user pool", field, au.Kind)
			}
		default:
			add("%s.Kind: %q is not an authorizer kind; use %q, %q or %q (and Route.Authorizer %q for IAM)", field, au.Kind,
				AuthorizerCognito, AuthorizerToken, AuthorizerRequest, AuthorizerIAM)
		}
		if au.ResultTTLSeconds != nil && (*au.ResultTTLSeconds < 0 || *au.ResultTTLSeconds > 3600) {
			add("%s.ResultTTLSeconds: %d is outside 0–3600", field, *au.ResultTTLSeconds)
		}
	}
	if a.DefaultAuthorizer != "" && a.DefaultAuthorizer != AuthorizerIAM {
		if _, ok := a.Authorizers[a.DefaultAuthorizer]; !ok {
			add("DefaultAuthorizer: %q is not declared in Authorizers (%s) nor %q", a.DefaultAuthorizer, strings.Join(slices.Sorted(maps.Keys(a.Authorizers)), ", "), AuthorizerIAM)
		}
	}
	keys := map[string]bool{}
	if a.UsagePlan != nil {
		errs = multierror.Append(errs, validatePlan("UsagePlan", *a.UsagePlan, keys))
	}
	plans := map[string]bool{}
	for i, up := range a.UsagePlans {
		field := fmt.Sprintf("UsagePlans[%d]", i)
		switch {
		case !literalSeg.MatchString(up.Name):
			add("%s.Name: %q must be letters, digits, '.', '_', '~' or '-'", field, up.Name)
		case plans[up.Name]:
			add("%s.Name: %q is a duplicate; plan names are unique", field, up.Name)
		}
		plans[up.Name] = true
		errs = multierror.Append(errs, validatePlan(field, up, keys))
	}
	return errs
}

// validatePlan checks one usage plan; keys holds the key names seen in
// earlier plans, as each key becomes a child resource named after it.
func validatePlan(field string, up UsagePlan, keys map[string]bool) *multierror.Error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	for i, k := range up.Keys {
		if !literalSeg.MatchString(k) {
			add("%s.Keys[%d]: %q must be letters, digits, '.', '_', '~' or '-'", field, i, k)
		}
		if keys[k] {
			add("%s.Keys[%d]: %q is a duplicate; key names are unique", field, i, k)
		}
		keys[k] = true
	}
	if up.QuotaPerDay < 0 || up.RateLimit < 0 || up.BurstLimit < 0 {
		add("%s: quota and limits must not be negative", field)
	}
	return errs
}

// hasKeys reports whether any usage plan hands out API keys.
func (a ApiArgs) hasKeys() bool {
	if a.UsagePlan != nil && len(a.UsagePlan.Keys) > 0 {
		return true
	}
	for _, up := range a.UsagePlans {
		if len(up.Keys) > 0 {
			return true
		}
	}
	return false
}

func (a ApiArgs) validateRoutes() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	if len(a.Routes) == 0 {
		add("Routes: empty; declare at least one route")
	}
	seen := map[string]int{}
	models := map[string]int{}
	usesKeys := false
	for i, r := range a.Routes {
		field := fmt.Sprintf("Routes[%d] (%s %s)", i, r.Method, r.Path)
		if !slices.Contains(httpMethods, r.Method) {
			add("%s.Method: %q is not supported; use one of %s", field, r.Method, strings.Join(httpMethods, ", "))
		}
		if err := validatePath(r.Path); err != nil {
			add("%s.Path: %v", field, err)
		}
		key := r.Method + " " + r.Path
		if j, dup := seen[key]; dup {
			add("%s: duplicate of Routes[%d]; each method and path may be declared once", field, j)
		} else {
			seen[key] = i
		}
		if r.Function == nil {
			add("%s.Function: nil; every route needs a function", field)
		} else if t := r.Function.TimeoutSeconds(); t > MaxAPITimeoutSeconds {
			add("%s.Function: timeout %d s is above API Gateway's %d s integration limit; lower the function's TimeoutSeconds", field, t, MaxAPITimeoutSeconds)
		}
		auth := orDefault(r.Authorizer, a.DefaultAuthorizer)
		switch {
		case r.Public && r.Authorizer != "":
			add("%s: Public and Authorizer %q are both set; a public route has no authorizer", field, r.Authorizer)
		case r.Public && len(strings.TrimSpace(r.PublicReason)) < check.MinReason:
			add("%s.PublicReason: %q; a Public route needs the reason it is open to anyone, at least %d characters (kumo check shows it to reviewers)", field, r.PublicReason, check.MinReason)
		case r.Public:
		case auth == "":
			add("%s.Authorizer: empty; name an authorizer, %q, or declare the route Public", field, AuthorizerIAM)
		case auth == AuthorizerIAM:
		default:
			if _, ok := a.Authorizers[auth]; !ok {
				add("%s.Authorizer: %q is not declared in Authorizers", field, auth)
			}
		}
		if r.NotCognitoReason != "" && (r.Public || auth == "" || (auth != AuthorizerIAM && a.Authorizers[auth].Kind == AuthorizerCognito)) {
			add("%s.NotCognitoReason: set on a route that is public or has a cognito authorizer; it explains IAM, token and request authorizers only", field)
		} else if r.NotCognitoReason != "" && len(strings.TrimSpace(r.NotCognitoReason)) < check.MinReason {
			add("%s.NotCognitoReason: %q; give the reason in at least %d characters (kumo check shows it to reviewers)", field, r.NotCognitoReason, check.MinReason)
		}
		if len(r.Scopes) > 0 && (r.Public || a.Authorizers[auth].Kind != AuthorizerCognito) {
			add("%s.Scopes: set on a route without a cognito authorizer", field)
		}
		if r.BodySchema != "" && !json.Valid([]byte(r.BodySchema)) {
			add("%s.BodySchema: not valid JSON", field)
		}
		if r.BodySchema != "" {
			if j, clash := models[modelName(r)]; clash {
				add("%s.BodySchema: its model name %q clashes with Routes[%d]'s; API Gateway model names are unique per API, so rename a path segment", field, modelName(r), j)
			} else {
				models[modelName(r)] = i
			}
		}
		for _, q := range r.RequiredQuery {
			if !queryParam().MatchString(q) {
				add("%s.RequiredQuery: %q is not a valid parameter name", field, q)
			}
		}
		usesKeys = usesKeys || r.APIKeyRequired
	}
	if usesKeys && !a.hasKeys() {
		add("UsagePlan: routes require API keys but no UsagePlan or UsagePlans with Keys is set")
	}
	return errs
}

// validatePath checks an API path such as /items/{id}.
func validatePath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q must start with '/'", p)
	}
	if p == "/" {
		return nil
	}
	if strings.HasSuffix(p, "/") {
		return fmt.Errorf("%q must not end with '/'", p)
	}
	segs := strings.Split(p[1:], "/")
	params := map[string]bool{}
	for i, s := range segs {
		switch {
		case literalSeg.MatchString(s):
		case paramSeg.MatchString(s):
			name := strings.Trim(s, "{}+")
			if params[name] {
				return fmt.Errorf("%q repeats parameter {%s}", p, name)
			}
			params[name] = true
			if strings.HasSuffix(s, "+}") && i != len(segs)-1 {
				return fmt.Errorf("%q has greedy %s before the last segment", p, s)
			}
		default:
			return fmt.Errorf("%q has malformed segment %q; use letters, digits, '.', '_', '~', '-' or {param}", p, s)
		}
	}
	return nil
}

// NewApi registers the REST API, its resources, methods, integrations,
// authorizers, permissions, deployment and stage.
func NewApi(ctx *pulumi.Context, name string, args *ApiArgs, opts ...pulumi.ResourceOption) (*Api, error) {
	if args == nil {
		args = &ApiArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("api %q", name), a.validate()); err != nil {
		return nil, err
	}
	api := &Api{APIKeys: map[string]*apigateway.ApiKey{}}
	if err := ctx.RegisterComponentResource("kumo:constructs:Api", name, api, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(api)
	var err error
	if api.RestApi, err = apigateway.NewRestApi(ctx, name, &apigateway.RestApiArgs{
		Description:           pulumi.String(a.Description),
		EndpointConfiguration: &apigateway.RestApiEndpointConfigurationArgs{Types: pulumi.String("REGIONAL")},
		ApiKeySource:          pulumi.String("HEADER"),
	}, parent); err != nil {
		return nil, err
	}
	api.ExecutionArn = api.RestApi.ExecutionArn
	b := &apiBuilder{ctx: ctx, name: name, args: a, api: api, parent: parent, resources: map[string]pulumi.StringInput{"/": api.RestApi.RootResourceId}}
	if err := b.build(); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(api, pulumi.Map{"url": api.URL, "restApiId": api.RestApi.ID()}); err != nil {
		return nil, err
	}
	return api, nil
}

// apiBuilder carries the state of one NewApi call.
type apiBuilder struct {
	ctx         *pulumi.Context
	name        string
	args        ApiArgs
	api         *Api
	parent      pulumi.ResourceOption
	resources   map[string]pulumi.StringInput // path → resource ID
	authorizers map[string]*apigateway.Authorizer
	validator   *apigateway.RequestValidator
	deployDeps  []pulumi.Resource
}

func (b *apiBuilder) build() error {
	if err := b.buildResources(); err != nil {
		return err
	}
	if err := b.buildAuthorizers(); err != nil {
		return err
	}
	for _, r := range b.args.Routes {
		if err := b.buildRoute(r); err != nil {
			return err
		}
	}
	if b.args.CORSOrigin != nil {
		if err := b.buildCORS(); err != nil {
			return err
		}
	}
	return b.buildStage()
}

// buildResources creates one API resource per distinct path prefix.
func (b *apiBuilder) buildResources() error {
	var paths []string
	for _, r := range b.args.Routes {
		segs := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
		for i := range segs {
			if p := "/" + strings.Join(segs[:i+1], "/"); p != "/" && !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
	}
	// Sorted, a parent always comes before its children.
	sort.Strings(paths)
	for _, p := range paths {
		cut := strings.LastIndex(p, "/")
		parentPath := orDefault(p[:cut], "/")
		res, err := apigateway.NewResource(b.ctx, b.name+p, &apigateway.ResourceArgs{
			RestApi:  b.api.RestApi.ID(),
			ParentId: b.resources[parentPath],
			PathPart: pulumi.String(p[cut+1:]),
		}, b.parent)
		if err != nil {
			return err
		}
		b.resources[p] = res.ID()
	}
	return nil
}

func (b *apiBuilder) buildAuthorizers() error {
	b.authorizers = map[string]*apigateway.Authorizer{}
	for _, name := range slices.Sorted(maps.Keys(b.args.Authorizers)) {
		au := b.args.Authorizers[name]
		ttl := DefaultAuthorizerTTL
		if au.ResultTTLSeconds != nil {
			ttl = *au.ResultTTLSeconds
		}
		args := &apigateway.AuthorizerArgs{
			Name:                         pulumi.String(name),
			RestApi:                      b.api.RestApi.ID(),
			IdentitySource:               pulumi.String(orDefault(au.IdentitySource, DefaultAuthorizerIdentity)),
			AuthorizerResultTtlInSeconds: pulumi.Int(ttl),
		}
		switch au.Kind {
		case AuthorizerCognito:
			args.Type = pulumi.String("COGNITO_USER_POOLS")
			args.ProviderArns = pulumi.StringArray{au.UserPool.Arn}
		case AuthorizerToken:
			args.Type = pulumi.String("TOKEN")
			args.AuthorizerUri = au.Function.InvokeArn
		case AuthorizerRequest:
			args.Type = pulumi.String("REQUEST")
			args.AuthorizerUri = au.Function.InvokeArn
		}
		authz, err := apigateway.NewAuthorizer(b.ctx, b.name+"-"+name, args, b.parent)
		if err != nil {
			return err
		}
		b.authorizers[name] = authz
		if au.Function != nil {
			if _, err := au.Function.allowInvoke(b.name+"-authorizer-"+name, "apigateway.amazonaws.com",
				pulumi.Sprintf("%s/authorizers/%s", b.api.RestApi.ExecutionArn, authz.ID()), b.parent); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *apiBuilder) buildRoute(r Route) error {
	id := b.name + "-" + r.Method + "-" + r.Path
	m := &apigateway.MethodArgs{
		RestApi:        b.api.RestApi.ID(),
		ResourceId:     b.resources[r.Path],
		HttpMethod:     pulumi.String(r.Method),
		ApiKeyRequired: pulumi.Bool(r.APIKeyRequired),
		Authorization:  pulumi.String("NONE"),
	}
	if auth := orDefault(r.Authorizer, b.args.DefaultAuthorizer); !r.Public {
		if auth == AuthorizerIAM {
			m.Authorization = pulumi.String("AWS_IAM")
		} else {
			m.AuthorizerId = b.authorizers[auth].ID()
			m.Authorization = pulumi.String("CUSTOM")
			if b.args.Authorizers[auth].Kind == AuthorizerCognito {
				m.Authorization = pulumi.String("COGNITO_USER_POOLS")
				if len(r.Scopes) > 0 {
					m.AuthorizationScopes = pulumi.ToStringArray(r.Scopes)
				}
			}
		}
	}
	params := pulumi.BoolMap{}
	for _, seg := range strings.Split(r.Path, "/") {
		if paramSeg.MatchString(seg) {
			params["method.request.path."+strings.Trim(seg, "{}+")] = pulumi.Bool(true)
		}
	}
	for _, q := range r.RequiredQuery {
		params["method.request.querystring."+q] = pulumi.Bool(true)
	}
	if len(params) > 0 {
		m.RequestParameters = params
	}
	if r.BodySchema != "" || len(r.RequiredQuery) > 0 {
		v, err := b.requestValidator()
		if err != nil {
			return err
		}
		m.RequestValidatorId = v.ID()
	}
	if r.BodySchema != "" {
		model, err := apigateway.NewModel(b.ctx, id, &apigateway.ModelArgs{
			RestApi:     b.api.RestApi.ID(),
			Name:        pulumi.String(modelName(r)),
			ContentType: pulumi.String("application/json"),
			Schema:      pulumi.String(r.BodySchema),
		}, b.parent)
		if err != nil {
			return err
		}
		m.RequestModels = pulumi.StringMap{"application/json": model.Name}
	}
	method, err := apigateway.NewMethod(b.ctx, id, m, b.parent)
	if err != nil {
		return err
	}
	if r.Public {
		if err := check.Suppress(b.ctx, method, check.Suppression{Rule: "AwsSolutions-APIG4", Reason: r.PublicReason},
			check.Suppression{Rule: "AwsSolutions-COG4", Reason: r.PublicReason}); err != nil {
			return err
		}
	}
	if r.NotCognitoReason != "" {
		if err := check.Suppress(b.ctx, method, check.Suppression{Rule: "AwsSolutions-COG4", Reason: r.NotCognitoReason}); err != nil {
			return err
		}
	}
	integration, err := apigateway.NewIntegration(b.ctx, id, &apigateway.IntegrationArgs{
		RestApi:               b.api.RestApi.ID(),
		ResourceId:            b.resources[r.Path],
		HttpMethod:            method.HttpMethod,
		Type:                  pulumi.String("AWS_PROXY"),
		IntegrationHttpMethod: pulumi.String("POST"),
		// The alias, never the bare function: canaries must see every request.
		Uri: r.Function.InvokeArn,
	}, b.parent)
	if err != nil {
		return err
	}
	if _, err := r.Function.allowInvoke(id, "apigateway.amazonaws.com",
		pulumi.Sprintf("%s/*/%s%s", b.api.RestApi.ExecutionArn, permissionMethod(r.Method), permissionPath(r.Path)), b.parent); err != nil {
		return err
	}
	b.deployDeps = append(b.deployDeps, method, integration)
	return nil
}

func (b *apiBuilder) requestValidator() (*apigateway.RequestValidator, error) {
	if b.validator != nil {
		return b.validator, nil
	}
	var err error
	b.validator, err = apigateway.NewRequestValidator(b.ctx, b.name, &apigateway.RequestValidatorArgs{
		RestApi:                   b.api.RestApi.ID(),
		Name:                      pulumi.String("body-and-parameters"),
		ValidateRequestBody:       pulumi.Bool(true),
		ValidateRequestParameters: pulumi.Bool(true),
	}, b.parent)
	return b.validator, err
}

// corsPreflightReason is why a CORS preflight method has no authorization.
const corsPreflightReason = "a CORS preflight: browsers send OPTIONS without credentials, so it cannot be authorized; its MOCK integration only returns the CORS headers and reaches no function"

// buildCORS answers preflight requests on every path with routes, and adds
// the allowed origin to API Gateway's own error responses, so a browser can
// read a 401 instead of reporting an opaque CORS failure.
func (b *apiBuilder) buildCORS() error {
	origin := pulumi.Sprintf("'%s'", b.args.CORSOrigin)
	methodsByPath := map[string][]string{}
	for _, r := range b.args.Routes {
		// ANY is API Gateway's wildcard, not an HTTP method browsers know.
		add := []string{r.Method}
		if r.Method == "ANY" {
			add = []string{"DELETE", "GET", "HEAD", "PATCH", "POST", "PUT"}
		}
		for _, m := range add {
			if !slices.Contains(methodsByPath[r.Path], m) {
				methodsByPath[r.Path] = append(methodsByPath[r.Path], m)
			}
		}
	}
	for _, p := range slices.Sorted(maps.Keys(methodsByPath)) {
		methods := append(methodsByPath[p], "OPTIONS")
		sort.Strings(methods)
		id := b.name + "-OPTIONS-" + p
		method, err := apigateway.NewMethod(b.ctx, id, &apigateway.MethodArgs{
			RestApi: b.api.RestApi.ID(), ResourceId: b.resources[p], HttpMethod: pulumi.String("OPTIONS"),
			Authorization: pulumi.String("NONE"),
		}, b.parent)
		if err != nil {
			return err
		}
		// COG4 exempts preflights itself; APIG4 only those answering 204.
		if err := check.Suppress(b.ctx, method, check.Suppression{Rule: "AwsSolutions-APIG4", Reason: corsPreflightReason}); err != nil {
			return err
		}
		integration, err := apigateway.NewIntegration(b.ctx, id, &apigateway.IntegrationArgs{
			RestApi: b.api.RestApi.ID(), ResourceId: b.resources[p], HttpMethod: method.HttpMethod,
			Type:             pulumi.String("MOCK"),
			RequestTemplates: pulumi.StringMap{"application/json": pulumi.String(`{"statusCode": 200}`)},
		}, b.parent)
		if err != nil {
			return err
		}
		headers := []string{"Access-Control-Allow-Headers", "Access-Control-Allow-Methods", "Access-Control-Allow-Origin", "Access-Control-Max-Age"}
		declared := pulumi.BoolMap{}
		for _, h := range headers {
			declared["method.response.header."+h] = pulumi.Bool(true)
		}
		mr, err := apigateway.NewMethodResponse(b.ctx, id, &apigateway.MethodResponseArgs{
			RestApi: b.api.RestApi.ID(), ResourceId: b.resources[p], HttpMethod: method.HttpMethod,
			StatusCode: pulumi.String("200"), ResponseParameters: declared,
		}, b.parent)
		if err != nil {
			return err
		}
		ir, err := apigateway.NewIntegrationResponse(b.ctx, id, &apigateway.IntegrationResponseArgs{
			RestApi: b.api.RestApi.ID(), ResourceId: b.resources[p], HttpMethod: method.HttpMethod,
			StatusCode: mr.StatusCode,
			ResponseParameters: pulumi.StringMap{
				"method.response.header.Access-Control-Allow-Headers": pulumi.String("'" + defaultCORSAllowHeaders + "'"),
				"method.response.header.Access-Control-Allow-Methods": pulumi.String("'" + strings.Join(methods, ",") + "'"),
				"method.response.header.Access-Control-Allow-Origin":  origin,
				"method.response.header.Access-Control-Max-Age":       pulumi.String("'600'"),
			},
		}, b.parent, pulumi.DependsOn([]pulumi.Resource{integration}))
		if err != nil {
			return err
		}
		b.deployDeps = append(b.deployDeps, method, integration, mr, ir)
	}
	for _, rt := range []string{"DEFAULT_4XX", "DEFAULT_5XX"} {
		resp, err := apigateway.NewResponse(b.ctx, b.name+"-"+rt, &apigateway.ResponseArgs{
			RestApiId:    b.api.RestApi.ID(),
			ResponseType: pulumi.String(rt),
			ResponseParameters: pulumi.StringMap{
				"gatewayresponse.header.Access-Control-Allow-Origin":  origin,
				"gatewayresponse.header.Access-Control-Allow-Headers": pulumi.String("'" + defaultCORSAllowHeaders + "'"),
			},
		}, b.parent)
		if err != nil {
			return err
		}
		b.deployDeps = append(b.deployDeps, resp)
	}
	return nil
}

func (b *apiBuilder) buildStage() error {
	a := b.args
	var stageDeps []pulumi.Resource
	var accessLogs *apigateway.StageAccessLogSettingsArgs
	if !a.DisableLogs {
		stageDeps = append(stageDeps, a.AccountLogRole.After)
		var err error
		if b.api.AccessLogs, err = cloudwatch.NewLogGroup(b.ctx, b.name+"-access", &cloudwatch.LogGroupArgs{
			NamePrefix:      pulumi.Sprintf("/aws/apigateway/%s-access-", b.name),
			RetentionInDays: pulumi.Int(a.LogRetentionDays),
		}, b.parent); err != nil {
			return err
		}
		accessLogs = &apigateway.StageAccessLogSettingsArgs{
			DestinationArn: b.api.AccessLogs.Arn,
			Format:         pulumi.String(accessLogFormat),
		}
	}
	deployment, err := apigateway.NewDeployment(b.ctx, b.name, &apigateway.DeploymentArgs{
		RestApi:     b.api.RestApi.ID(),
		Description: pulumi.String("Managed by kumo; replaced whenever the deployed API changes."),
		Triggers:    b.deploymentTriggers(),
	}, b.parent, pulumi.DependsOn(b.deployDeps))
	if err != nil {
		return err
	}
	if b.api.Stage, err = apigateway.NewStage(b.ctx, b.name, &apigateway.StageArgs{
		RestApi:            b.api.RestApi.ID(),
		Deployment:         deployment.ID(),
		StageName:          pulumi.String(a.StageName),
		XrayTracingEnabled: pulumi.Bool(true),
		AccessLogSettings:  accessLogs,
	}, b.parent, pulumi.DependsOn(stageDeps)); err != nil {
		return err
	}
	b.api.URL = b.api.Stage.InvokeUrl
	logging := "OFF"
	var settingsDeps []pulumi.Resource
	if !a.DisableLogs {
		logging = "ERROR"
		// API Gateway writes execution logs to a group it names after the
		// API and stage, creating it with no retention if it is missing.
		// kumo creates it first, with the stack's retention, so it is owned,
		// expires and goes away with the stack; execution logging is turned
		// on only after it exists (created later, it would already exist).
		// https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
		execLogs, err := cloudwatch.NewLogGroup(b.ctx, b.name+"-execution", &cloudwatch.LogGroupArgs{
			Name:            pulumi.Sprintf("API-Gateway-Execution-Logs_%s/%s", b.api.RestApi.ID(), b.api.Stage.StageName),
			RetentionInDays: pulumi.Int(a.LogRetentionDays),
			// Records which role API Gateway logs with, and makes the
			// region check of a referenced log role part of the deployment.
			Tags: pulumi.StringMap{"kumo:api-gateway-log-role": a.AccountLogRole.RoleArn},
		}, b.parent)
		if err != nil {
			return err
		}
		b.api.ExecutionLogs = execLogs
		settingsDeps = append(settingsDeps, execLogs)
	}
	if _, err := apigateway.NewMethodSettings(b.ctx, b.name, &apigateway.MethodSettingsArgs{
		RestApi:    b.api.RestApi.ID(),
		StageName:  b.api.Stage.StageName,
		MethodPath: pulumi.String("*/*"),
		Settings: &apigateway.MethodSettingsSettingsArgs{
			MetricsEnabled:       pulumi.Bool(true),
			LoggingLevel:         pulumi.String(logging),
			DataTraceEnabled:     pulumi.Bool(false), // request bodies may hold personal data
			ThrottlingRateLimit:  pulumi.Float64(a.ThrottleRateLimit),
			ThrottlingBurstLimit: pulumi.Int(a.ThrottleBurstLimit),
		},
	}, b.parent, pulumi.DependsOn(settingsDeps)); err != nil {
		return err
	}
	return b.buildUsagePlans()
}

func (b *apiBuilder) buildUsagePlans() error {
	if up := b.args.UsagePlan; up != nil {
		if err := b.buildUsagePlan(b.name, fmt.Sprintf("kumo usage plan of %s", b.name), *up); err != nil {
			return err
		}
	}
	for _, up := range b.args.UsagePlans {
		if err := b.buildUsagePlan(b.name+"-"+up.Name, fmt.Sprintf("kumo usage plan %s of %s", up.Name, b.name), up); err != nil {
			return err
		}
	}
	return nil
}

func (b *apiBuilder) buildUsagePlan(id, description string, up UsagePlan) error {
	args := &apigateway.UsagePlanArgs{
		Description: pulumi.String(description),
		ApiStages:   apigateway.UsagePlanApiStageArray{&apigateway.UsagePlanApiStageArgs{ApiId: b.api.RestApi.ID(), Stage: b.api.Stage.StageName}},
		ThrottleSettings: &apigateway.UsagePlanThrottleSettingsArgs{
			RateLimit:  pulumi.Float64(orDefault(up.RateLimit, b.args.ThrottleRateLimit)),
			BurstLimit: pulumi.Int(orDefault(up.BurstLimit, b.args.ThrottleBurstLimit)),
		},
	}
	if up.QuotaPerDay > 0 {
		args.QuotaSettings = &apigateway.UsagePlanQuotaSettingsArgs{Limit: pulumi.Int(up.QuotaPerDay), Period: pulumi.String("DAY")}
	}
	plan, err := apigateway.NewUsagePlan(b.ctx, id, args, b.parent)
	if err != nil {
		return err
	}
	for _, k := range up.Keys {
		// No Value: API Gateway generates it, so it is in no program,
		// stack file or plan; read it with
		// aws apigateway get-api-key --api-key <id> --include-value.
		key, err := apigateway.NewApiKey(b.ctx, b.name+"-"+k, &apigateway.ApiKeyArgs{
			Description: pulumi.Sprintf("API key %s of %s", k, b.name),
			Enabled:     pulumi.Bool(true),
		}, b.parent)
		if err != nil {
			return err
		}
		if _, err := apigateway.NewUsagePlanKey(b.ctx, b.name+"-"+k, &apigateway.UsagePlanKeyArgs{
			KeyId: key.ID(), KeyType: pulumi.String("API_KEY"), UsagePlanId: plan.ID(),
		}, b.parent); err != nil {
			return err
		}
		b.api.APIKeys[k] = key
	}
	return nil
}

// accessLogFormat is one JSON object per request; encoding/json sorts the
// keys so the format string never changes between runs.
var accessLogFormat = func() string {
	fields := map[string]string{
		"requestId": "$context.requestId", "extendedRequestId": "$context.extendedRequestId",
		"ip": "$context.identity.sourceIp", "userAgent": "$context.identity.userAgent",
		"caller": "$context.identity.caller", "user": "$context.identity.user",
		"requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
		"resourcePath": "$context.resourcePath", "path": "$context.path", "status": "$context.status",
		"protocol": "$context.protocol", "responseLength": "$context.responseLength",
		"responseLatency": "$context.responseLatency", "integrationLatency": "$context.integration.latency",
		"integrationStatus": "$context.integration.status", "errorMessage": "$context.error.message",
		"authorizerError": "$context.authorizer.error", "principalId": "$context.authorizer.principalId",
		"xrayTraceId": "$context.xrayTraceId",
	}
	out, _ := json.Marshal(fields)
	return string(out)
}()

// deploymentTriggers change whenever anything that is part of the deployed
// API changes, which replaces the deployment and so redeploys the stage: a
// deployment is a snapshot, and API Gateway serves the old one until a new
// one is made. That covers routes and their methods, authorizers (kind,
// identity source, cache TTL and the pool or function they use), request
// models and validators, CORS preflights and the gateway responses, and
// which function each route invokes. Function code changes do not count:
// routes invoke stable aliases.
func (b *apiBuilder) deploymentTriggers() pulumi.StringMap {
	a := b.args
	type routeKey struct {
		Method, Path, Authorizer, BodySchema, Model string
		Public, APIKeyRequired, Validated           bool
		Scopes, RequiredQuery                       []string
	}
	type authorizerKey struct {
		Kind, IdentitySource string
		TTL                  int
	}
	routes := make([]routeKey, len(a.Routes))
	for i, r := range a.Routes {
		k := routeKey{Method: r.Method, Path: r.Path, Authorizer: orDefault(r.Authorizer, a.DefaultAuthorizer),
			BodySchema: r.BodySchema, Public: r.Public, APIKeyRequired: r.APIKeyRequired,
			Validated: r.BodySchema != "" || len(r.RequiredQuery) > 0, Scopes: r.Scopes, RequiredQuery: r.RequiredQuery}
		if r.BodySchema != "" {
			k.Model = modelName(r)
		}
		routes[i] = k
	}
	authorizers := map[string]authorizerKey{}
	var refs []any // outputs the deployed API points at
	for _, n := range slices.Sorted(maps.Keys(a.Authorizers)) {
		au := a.Authorizers[n]
		ttl := DefaultAuthorizerTTL
		if au.ResultTTLSeconds != nil {
			ttl = *au.ResultTTLSeconds
		}
		authorizers[n] = authorizerKey{string(au.Kind), orDefault(au.IdentitySource, DefaultAuthorizerIdentity), ttl}
		switch {
		case au.UserPool != nil:
			refs = append(refs, au.UserPool.Arn)
		case au.Function != nil:
			refs = append(refs, au.Function.InvokeArn)
		}
	}
	for _, r := range a.Routes {
		refs = append(refs, r.Function.InvokeArn)
	}
	cors := ""
	if a.CORSOrigin != nil {
		refs = append(refs, a.CORSOrigin)
		// The preflight and gateway-response settings buildCORS writes.
		cors = strings.Join([]string{defaultCORSAllowHeaders, "600", "DEFAULT_4XX", "DEFAULT_5XX"}, "|")
	}
	static, _ := json.Marshal(struct {
		Routes      []routeKey
		Authorizers map[string]authorizerKey
		CORS        string
		Validator   string
	}{routes, authorizers, cors, "body-and-parameters"})
	sum := sha256.Sum256(static)
	return pulumi.StringMap{
		"api": pulumi.String(hex.EncodeToString(sum[:])),
		"references": pulumi.All(refs...).ApplyT(func(vs []any) string {
			h := sha256.New()
			for _, v := range vs {
				fmt.Fprintln(h, v)
			}
			return hex.EncodeToString(h.Sum(nil))
		}).(pulumi.StringOutput),
	}
}

// permissionMethod and permissionPath build the execute-api ARN suffix a
// Lambda permission is scoped to: path parameters become wildcards.
func permissionMethod(m string) string {
	if m == "ANY" {
		return "*"
	}
	return m
}

func permissionPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if paramSeg.MatchString(s) {
			segs[i] = "*"
		}
	}
	return strings.Join(segs, "/")
}

// modelName turns POST /items/{id} into "PostItemsIdBody": model names
// must be alphanumeric and unique within the API.
func modelName(r Route) string {
	var b strings.Builder
	b.WriteString(titleCase(strings.ToLower(r.Method)))
	for _, seg := range strings.Split(r.Path, "/") {
		if seg = modelNameBad.ReplaceAllString(seg, ""); seg != "" {
			b.WriteString(strings.ToUpper(seg[:1]) + seg[1:])
		}
	}
	return b.String() + "Body"
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
