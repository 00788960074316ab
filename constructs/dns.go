package constructs

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/awsregions"
)

// HealthCheckType is the protocol a Route 53 health check speaks.
type HealthCheckType string

// Health check types kumo offers (CreateHealthCheck's endpoint checks).
const (
	HealthCheckHTTPS HealthCheckType = "HTTPS"
	HealthCheckHTTP  HealthCheckType = "HTTP"
	HealthCheckTCP   HealthCheckType = "TCP"
)

// Defaults of a HealthCheck. Route 53 checks from about 15 locations, so
// a 30-second interval already probes every 2 seconds on average; with 3
// failures a region is declared unhealthy in about 90 seconds
// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html).
const (
	DefaultHealthCheckPath             = "/health"
	DefaultHealthCheckPort             = 443
	DefaultHealthCheckFailureThreshold = 3
	DefaultHealthCheckIntervalSeconds  = 30
)

// HealthCheckArgs configure a HealthCheck. Set Api or FQDN.
type HealthCheckArgs struct {
	// Api is checked on its own execute-api endpoint, Path under its stage
	// (https://<id>.execute-api.<region>.amazonaws.com/<stage>/health), so
	// the check exercises the region's API and functions: an alias record's
	// EvaluateTargetHealth alone fails "only when the API Gateway service is
	// unavailable in the Region"
	// (https://docs.aws.amazon.com/apigateway/latest/developerguide/dns-failover.html).
	// Not the custom domain's d-….execute-api endpoint: API Gateway picks a
	// custom domain by the request's host name, and Route 53 sends the
	// endpoint's own. Default: nil (check FQDN).
	Api *Api
	// FQDN is the host name to check, for endpoints that are not a kumo Api.
	// Default: nil (check Api).
	FQDN pulumi.StringInput
	// Path is the request path, starting with "/", at most 255 characters
	// with Api's stage. Default: "/health".
	Path string
	// Port is the TCP port, 1–65535. Default: 443.
	Port int
	// Type is HTTPS, HTTP or TCP. Default: HTTPS.
	Type HealthCheckType
	// FailureThreshold is how many consecutive failures make the endpoint
	// unhealthy, 1–10. Default: 3.
	FailureThreshold int
	// RequestIntervalSeconds is 10 (fast, billed extra) or 30. Default: 30.
	RequestIntervalSeconds int
}

// HealthCheck is a Route 53 health check of an API's health endpoint.
type HealthCheck struct {
	pulumi.ResourceState

	// HealthCheck is the underlying resource, an escape hatch.
	HealthCheck *route53.HealthCheck
	// ID is the health check's ID, what records name.
	ID pulumi.StringOutput
}

func (a HealthCheckArgs) withDefaults() HealthCheckArgs {
	a.Path = orDefault(a.Path, DefaultHealthCheckPath)
	a.Port = orDefault(a.Port, DefaultHealthCheckPort)
	a.Type = orDefault(a.Type, HealthCheckHTTPS)
	a.FailureThreshold = orDefault(a.FailureThreshold, DefaultHealthCheckFailureThreshold)
	a.RequestIntervalSeconds = orDefault(a.RequestIntervalSeconds, DefaultHealthCheckIntervalSeconds)
	return a
}

// Limits from CreateHealthCheck's HealthCheckConfig
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html):
// ResourcePath at most 255 characters, Port 1–65535, FailureThreshold
// 1–10, RequestInterval 10 or 30.
func (a HealthCheckArgs) validate() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	if (a.Api == nil) == (a.FQDN == nil) {
		add("Api, FQDN: set exactly one (Api set: %v, FQDN set: %v); Api checks the API's own execute-api endpoint", a.Api != nil, a.FQDN != nil)
	}
	switch a.Type {
	case HealthCheckHTTPS, HealthCheckHTTP, HealthCheckTCP:
	default:
		add("Type: %q is not a health check type; use HTTPS, HTTP or TCP", a.Type)
	}
	if a.Type != HealthCheckTCP && (!strings.HasPrefix(a.Path, "/") || len(a.Path) > 255-130) {
		// 130 leaves room for "/<stage>" (stage names are at most 128).
		add("Path: %q must start with '/' and be at most 125 characters (Route 53 takes 255 with the stage)", a.Path)
	}
	if a.Port < 1 || a.Port > 65535 {
		add("Port: %d must be 1–65535", a.Port)
	}
	if a.FailureThreshold < 1 || a.FailureThreshold > 10 {
		add("FailureThreshold: %d must be 1–10", a.FailureThreshold)
	}
	if a.RequestIntervalSeconds != 10 && a.RequestIntervalSeconds != 30 {
		add("RequestIntervalSeconds: %d must be 10 or 30", a.RequestIntervalSeconds)
	}
	return errs
}

// NewHealthCheck registers a Route 53 health check. Health checks are
// global: the provider's region does not matter.
func NewHealthCheck(ctx *pulumi.Context, name string, args *HealthCheckArgs, opts ...pulumi.ResourceOption) (*HealthCheck, error) {
	if args == nil {
		args = &HealthCheckArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("health check %q", name), a.validate()); err != nil {
		return nil, err
	}
	h := &HealthCheck{}
	if err := ctx.RegisterComponentResource("kumo:constructs:HealthCheck", name, h, opts...); err != nil {
		return nil, err
	}
	fqdn, path := pulumi.StringOutput{}, pulumi.String(a.Path).ToStringOutput()
	if a.Api != nil {
		// The invoke URL is https://<host>/<stage>.
		parts := a.Api.URL.ApplyT(func(u string) ([]string, error) {
			p, err := url.Parse(u)
			if err != nil {
				return nil, fmt.Errorf("health check %q: api url %q: %w", name, u, err)
			}
			return []string{p.Host, strings.TrimSuffix(p.Path, "/") + a.Path}, nil
		}).(pulumi.StringArrayOutput)
		fqdn, path = parts.Index(pulumi.Int(0)), parts.Index(pulumi.Int(1))
	} else {
		fqdn = a.FQDN.ToStringOutput()
	}
	hArgs := &route53.HealthCheckArgs{
		Type:             pulumi.String(string(a.Type)),
		Fqdn:             fqdn,
		Port:             pulumi.Int(a.Port),
		FailureThreshold: pulumi.Int(a.FailureThreshold),
		RequestInterval:  pulumi.Int(a.RequestIntervalSeconds),
		Tags:             pulumi.StringMap{"Name": pulumi.String(name)},
	}
	if a.Type != HealthCheckTCP {
		hArgs.ResourcePath = path
	}
	if a.Type == HealthCheckHTTPS {
		// SNI, so the endpoint presents the certificate for the host.
		hArgs.EnableSni = pulumi.Bool(true)
	}
	var err error
	if h.HealthCheck, err = route53.NewHealthCheck(ctx, name, hArgs, pulumi.Parent(h)); err != nil {
		return nil, err
	}
	h.ID = h.HealthCheck.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(h, pulumi.Map{"id": h.ID}); err != nil {
		return nil, err
	}
	return h, nil
}

// RoutingMode is how Route 53 chooses among regions.
type RoutingMode string

// Routing modes. Failover is active-passive: the first target serves while
// its health check passes, the second otherwise. Latency and weighted are
// active-active: every healthy target serves, the one nearest the caller
// or in proportion to its weight.
const (
	RoutingFailover RoutingMode = "failover"
	RoutingLatency  RoutingMode = "latency"
	RoutingWeighted RoutingMode = "weighted"
)

// DNSTarget is one region serving a DNSRouting name.
type DNSTarget struct {
	// Region is the target's AWS region: the record's set identifier, and
	// the latency record's region. Required.
	Region string
	// Domain is the region's custom domain; the record aliases its regional
	// endpoint. Its DomainName must be the routed name. Required.
	Domain *ApiDomain
	// HealthCheck takes the target out of DNS answers while it fails.
	// Required for the failover primary (Route 53 fails over only on a
	// failing health check). Default: nil (always answered).
	HealthCheck *HealthCheck
	// Weight is the target's share with RoutingWeighted, 0–255; a target
	// of weight 0 serves only when no target of a higher weight is healthy,
	// and with every weight 0 Route 53 spreads traffic evenly
	// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-policy-weighted.html).
	// Default: 0.
	Weight int
}

// DNSRoutingArgs configure a DNSRouting.
type DNSRoutingArgs struct {
	// HostedZoneID is the Route 53 public hosted zone holding Name.
	// Required.
	HostedZoneID string
	// Name is the routed domain, e.g. "api.example.com". Required.
	Name string
	// Mode is failover, latency or weighted. Default: failover.
	Mode RoutingMode
	// Targets are the regions. Failover takes exactly two, primary first;
	// latency and weighted one per region. Required.
	Targets []DNSTarget
}

// DNSRouting is one name served by several regions: an alias A record per
// region to its ApiDomain's regional endpoint, with the mode's routing
// policy and the region's health check. One constructor for the three
// modes, because they differ only in the policy block of the same records:
// a stack switches between active-passive and active-active by changing
// Mode, and targets are listed the same way for all three.
type DNSRouting struct {
	pulumi.ResourceState

	// Records are the alias records, by region.
	Records map[string]*route53.Record
}

func (a DNSRoutingArgs) withDefaults() DNSRoutingArgs {
	a.Mode = orDefault(a.Mode, RoutingFailover)
	return a
}

// Limits from ChangeResourceRecordSets' ResourceRecordSet
// (https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html):
// Weight 0–255, Failover PRIMARY or SECONDARY, one record per set
// identifier.
func (a DNSRoutingArgs) validate() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	if !hostedZoneID().MatchString(a.HostedZoneID) {
		add("HostedZoneID: %q is not a Route 53 hosted zone ID (Z followed by up to 31 upper-case letters and digits)", a.HostedZoneID)
	}
	if why := hostNameProblem(a.Name); why != "" {
		add("Name: %q %s", a.Name, why)
	}
	switch a.Mode {
	case RoutingFailover:
		if len(a.Targets) != 2 {
			add("Targets: %d targets with mode failover; give exactly two, the primary first", len(a.Targets))
		}
	case RoutingLatency, RoutingWeighted:
		if len(a.Targets) == 0 {
			add("Targets: none; give one per region")
		}
	default:
		add("Mode: %q is not a routing mode; use failover, latency or weighted", a.Mode)
	}
	seen := map[string]int{}
	for i, t := range a.Targets {
		field := fmt.Sprintf("Targets[%d]", i)
		if !awsregions.Known(t.Region) {
			add("%s.Region: %q is not an AWS region (%s)", field, t.Region, awsregions.Source)
		} else if j, dup := seen[t.Region]; dup {
			add("%s.Region: %q is also Targets[%d]'s; one target per region", field, t.Region, j)
		} else {
			seen[t.Region] = i
		}
		if t.Domain == nil {
			add("%s.Domain: nil; pass the region's ApiDomain", field)
		} else if !strings.EqualFold(t.Domain.domainName, strings.TrimSuffix(a.Name, ".")) {
			// API Gateway routes by the Host header: a name the domain does
			// not carry gets 403 Forbidden.
			add("%s.Domain: serves %q, not the routed name %q; API Gateway answers only for its own domain name", field, t.Domain.domainName, a.Name)
		}
		if t.Domain != nil && t.Domain.region != "" && t.Region != "" && t.Domain.region != t.Region {
			// A latency record names the region its target is in; a wrong one
			// sends callers to a far endpoint.
			add("%s.Region: %q, but its Domain is in %q; route each region to its own domain", field, t.Region, t.Domain.region)
		}
		switch {
		case a.Mode == RoutingFailover && i == 0 && t.HealthCheck == nil:
			add("%s.HealthCheck: nil on the failover primary; Route 53 fails over only when the primary's health check fails", field)
		case a.Mode != RoutingFailover && t.HealthCheck == nil:
			// Active-active: without a health check Route 53 keeps
			// answering with a region that is down.
			add("%s.HealthCheck: nil with mode %s; every active target needs one, or Route 53 keeps sending callers to a region that is down", field, a.Mode)
		}
		if a.Mode == RoutingWeighted && (t.Weight < 0 || t.Weight > 255) {
			add("%s.Weight: %d must be 0–255", field, t.Weight)
		}
		if a.Mode != RoutingWeighted && t.Weight != 0 {
			add("%s.Weight: %d is set with mode %s; weights are for mode weighted", field, t.Weight, a.Mode)
		}
	}
	return errs
}

// NewDNSRouting registers the routed name's records.
func NewDNSRouting(ctx *pulumi.Context, name string, args *DNSRoutingArgs, opts ...pulumi.ResourceOption) (*DNSRouting, error) {
	if args == nil {
		args = &DNSRoutingArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("dns routing %q", name), a.validate()); err != nil {
		return nil, err
	}
	r := &DNSRouting{Records: map[string]*route53.Record{}}
	if err := ctx.RegisterComponentResource("kumo:constructs:DNSRouting", name, r, opts...); err != nil {
		return nil, err
	}
	outs := pulumi.Map{}
	for i, t := range a.Targets {
		rArgs := &route53.RecordArgs{
			ZoneId:        pulumi.String(a.HostedZoneID),
			Name:          pulumi.String(strings.ToLower(strings.TrimSuffix(a.Name, "."))),
			Type:          pulumi.String("A"),
			SetIdentifier: pulumi.String(t.Region),
			Aliases: route53.RecordAliasArray{&route53.RecordAliasArgs{
				Name:                 t.Domain.RegionalDomainName,
				ZoneId:               t.Domain.RegionalZoneID,
				EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}
		if t.HealthCheck != nil {
			rArgs.HealthCheckId = t.HealthCheck.ID
		}
		switch a.Mode {
		case RoutingFailover:
			role := "PRIMARY"
			if i == 1 {
				role = "SECONDARY"
			}
			rArgs.FailoverRoutingPolicies = route53.RecordFailoverRoutingPolicyArray{&route53.RecordFailoverRoutingPolicyArgs{Type: pulumi.String(role)}}
		case RoutingLatency:
			rArgs.LatencyRoutingPolicies = route53.RecordLatencyRoutingPolicyArray{&route53.RecordLatencyRoutingPolicyArgs{Region: pulumi.String(t.Region)}}
		case RoutingWeighted:
			rArgs.WeightedRoutingPolicies = route53.RecordWeightedRoutingPolicyArray{&route53.RecordWeightedRoutingPolicyArgs{Weight: pulumi.Int(t.Weight)}}
		}
		rec, err := route53.NewRecord(ctx, name+"-"+t.Region, rArgs, pulumi.Parent(r))
		if err != nil {
			return nil, err
		}
		r.Records[t.Region] = rec
		outs[t.Region] = rec.Fqdn
	}
	if err := ctx.RegisterResourceOutputs(r, outs); err != nil {
		return nil, err
	}
	return r, nil
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a DNSRoutingArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("dns routing %q", name), a.withDefaults().validate())
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a HealthCheckArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("health check %q", name), a.withDefaults().validate())
}
