package constructs_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	kumocheck "github.com/kumo-iac/kumo/internal/check"
)

const (
	typApiDomain       = "kumo:constructs:ApiDomain"
	typDNSRouting      = "kumo:constructs:DNSRouting"
	typHealthCheckComp = "kumo:constructs:HealthCheck"
	typCertificate     = "aws:acm/certificate:Certificate"
	typCertValidation  = "aws:acm/certificateValidation:CertificateValidation"
	typDomainName      = "aws:apigateway/domainName:DomainName"
	typBasePathMapping = "aws:apigateway/basePathMapping:BasePathMapping"
	typRecord          = "aws:route53/record:Record"
	typHealthCheck     = "aws:route53/healthCheck:HealthCheck"
	testZone           = "Z0123456789ABCDEFGHIJ"
	testCertArnEU      = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
)

// regionalApi registers an Api with a public /health route, in the
// region of the providers in opts (the stack's without any).
func regionalApi(ctx *pulumi.Context, p *project, suffix string, opts ...pulumi.ResourceOption) (*constructs.Api, error) {
	acct, err := constructs.NewApiGatewayAccount(ctx, "apigw"+suffix, &constructs.ApiGatewayAccountArgs{}, opts...)
	if err != nil {
		return nil, err
	}
	fn, err := constructs.NewFunction(ctx, "items"+suffix, p.fnArgs(), opts...)
	if err != nil {
		return nil, err
	}
	return constructs.NewApi(ctx, "api"+suffix, &constructs.ApiArgs{
		Routes: []constructs.Route{
			{Method: "GET", Path: "/items", Function: fn, Authorizer: constructs.AuthorizerIAM},
			{Method: "GET", Path: "/health", Function: fn, Public: true, PublicReason: "Route 53 health checks call it unauthenticated"},
		},
		AccountLogRole: acct.LogRole(),
	}, opts...)
}

func TestApiDomainWithHostedZone(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		api, err := regionalApi(ctx, p, "")
		if err != nil {
			return nil, err
		}
		d, err := constructs.NewApiDomain(ctx, "api", &constructs.ApiDomainArgs{DomainName: "API.example.com", Api: api, BasePath: "items", HostedZoneID: testZone})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"url": d.URL, "regional": d.RegionalDomainName, "zone": d.RegionalZoneID, "restApiId": api.RestApi.ID(),
			"validation": d.ValidationRecords}, nil
	})
	comp := s.find(typApiDomain, "api")
	want := []string{typCertificate + " api", typCertValidation + " api", typBasePathMapping + " api", typDomainName + " api", typRecord + " api-validation"}
	slices.Sort(want)
	if got := s.childSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	cert := s.find(typCertificate, "api")
	wantInputs(t, cert, check{"domainName", "api.example.com"}, check{"validationMethod", "DNS"})
	certArn := stateString(t, cert, "arn")
	rec := s.find(typRecord, "api-validation")
	dvo := cert.State["domainValidationOptions"].([]any)[0].(map[string]any)
	wantInputs(t, rec, check{"zoneId", testZone}, check{"name", dvo["resourceRecordName"]}, check{"type", "CNAME"},
		check{"records", []any{dvo["resourceRecordValue"]}}, check{"ttl", 60})
	val := s.find(typCertValidation, "api")
	wantInputs(t, val, check{"certificateArn", certArn}, check{"validationRecordFqdns", []any{stateString(t, rec, "fqdn")}})
	dom := s.find(typDomainName, "api")
	wantInputs(t, dom, check{"domainName", "api.example.com"}, check{"endpointConfiguration.types", "REGIONAL"},
		check{"securityPolicy", "TLS_1_2"}, check{"regionalCertificateArn", certArn})
	// The domain waits for the validation, which waits for the record.
	if !slices.Contains(dom.Dependencies, val.URN) {
		t.Errorf("domain dependencies: got %q; want the certificate validation %s", dom.Dependencies, val.URN)
	}
	if !slices.Contains(val.Dependencies, rec.URN) {
		t.Errorf("validation dependencies: got %q; want the validation record %s", val.Dependencies, rec.URN)
	}
	mapping := s.find(typBasePathMapping, "api")
	wantInputs(t, mapping, check{"domainName", "api.example.com"}, check{"restApi", s.output("restApiId")}, check{"stageName", "v1"}, check{"basePath", "items"})
	if stage := s.find("aws:apigateway/stage:Stage", "api"); !slices.Contains(mapping.Dependencies, stage.URN) {
		t.Errorf("mapping dependencies: got %q; want the stage %s", mapping.Dependencies, stage.URN)
	}
	if got, want := s.output("url"), "https://api.example.com/items/"; got != want {
		t.Errorf("URL: got %q; want %q", got, want)
	}
	if got := s.output("regional"); !strings.HasPrefix(got, "d-") || !strings.HasSuffix(got, ".execute-api."+testRegion+".amazonaws.com") {
		t.Errorf("RegionalDomainName: got %q; want d-….execute-api.%s.amazonaws.com", got, testRegion)
	}
	// API Gateway's hosted zone in eu-west-1 (general/latest/gr/apigateway.html).
	if got, want := s.output("zone"), "ZLY8HYME6SFDD"; got != want {
		t.Errorf("RegionalZoneID: got %q; want %q", got, want)
	}
}

func TestApiDomainWithCertificateArn(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		api, err := regionalApi(ctx, p, "")
		if err != nil {
			return nil, err
		}
		d, err := constructs.NewApiDomain(ctx, "api", &constructs.ApiDomainArgs{DomainName: "api.example.com", Api: api, CertificateArn: testCertArnEU, Region: testRegion})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"url": d.URL}, nil
	})
	comp := s.find(typApiDomain, "api")
	if got, want := s.childSet(comp.URN), []string{typBasePathMapping + " api", typDomainName + " api"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q (no certificate of kumo's)", got, want)
	}
	wantInputs(t, s.find(typDomainName, "api"), check{"regionalCertificateArn", testCertArnEU})
	wantInputs(t, s.find(typBasePathMapping, "api"), check{"basePath", nil})
	if got, want := s.output("url"), "https://api.example.com/"; got != want {
		t.Errorf("URL: got %q; want %q", got, want)
	}
}

// Without a hosted zone kumo requests the certificate and waits for its
// validation, whose record the stack outputs for whoever runs the zone.
func TestApiDomainWithoutHostedZone(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		api, err := regionalApi(ctx, p, "")
		if err != nil {
			return nil, err
		}
		d, err := constructs.NewApiDomain(ctx, "api", &constructs.ApiDomainArgs{DomainName: "api.example.com", Api: api})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"validation": d.ValidationRecords}, nil
	})
	if s.has(typRecord, "api-validation") {
		t.Errorf("validation record: got one without HostedZoneID; want none")
	}
	wantInputs(t, s.find(typCertValidation, "api"), check{"validationRecordFqdns", nil})
	recs, _ := s.Outputs["validation"].([]any)
	if len(recs) != 1 || !strings.Contains(recs[0].(string), ".api.example.com. CNAME _") || !strings.HasSuffix(recs[0].(string), ".acm-validations.aws.") {
		t.Errorf("ValidationRecords: got %#v; want one \"_….api.example.com. CNAME _….acm-validations.aws.\"", s.Outputs["validation"])
	}
}

func TestApiDomainBadInputs(t *testing.T) {
	p := newProject(t)
	_, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := constructs.NewApiDomain(ctx, "api", &constructs.ApiDomainArgs{
			DomainName:     "-api.example.com",
			BasePath:       "v1/items",
			HostedZoneID:   "/hostedzone/Z123",
			CertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
			Region:         "eu-west-1",
		})
		return nil, err
	})
	checkValidationError(t, err, `api domain "api"`, [][]string{
		{"DomainName", `"-api.example.com"`, `label "-api"`},
		{"Api", "nil"},
		{"BasePath", `"v1/items"`, "one path segment"},
		{"HostedZoneID", `"/hostedzone/Z123"`, "hosted zone ID"},
		{"CertificateArn", "us-east-1", "needs a certificate in eu-west-1"},
		{"HostedZoneID", "set with CertificateArn"},
	})
	for _, tc := range []struct {
		name string
		args constructs.ApiDomainArgs
		want []string
	}{
		{"domain of 254 characters", constructs.ApiDomainArgs{DomainName: strings.Repeat("a.", 126) + "io"}, []string{"DomainName", "254 characters", "at most 253"}},
		{"label of 64 characters", constructs.ApiDomainArgs{DomainName: strings.Repeat("a", 64) + ".example.com"}, []string{"DomainName", "labels are 1–63"}},
		{"one label", constructs.ApiDomainArgs{DomainName: "localhost"}, []string{"DomainName", "one label"}},
		{"certificate ARN of IAM", constructs.ApiDomainArgs{DomainName: "api.example.com", CertificateArn: "arn:aws:iam::123456789012:server-certificate/x"}, []string{"CertificateArn", "not an ACM certificate ARN"}},
		{"region mars-1", constructs.ApiDomainArgs{DomainName: "api.example.com", Region: "mars-1"}, []string{"Region", `"mars-1"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.args.Validate("api")
			if err == nil {
				t.Fatalf("Validate: got nil; want a problem containing %q", tc.want)
			}
			for _, sub := range tc.want {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("Validate: got %q; want it to contain %q", err, sub)
				}
			}
		})
	}
}

// multiRegion is the multi-region shape issue 16 asks for: one program,
// an explicit provider per region, each region an Api on the same custom
// domain with its health check, and failover (or latency) records.
func multiRegion(p *project, mode constructs.RoutingMode, mutate ...func([]constructs.DNSTarget)) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		out := pulumi.Map{}
		var targets []constructs.DNSTarget
		for _, region := range []string{"eu-west-1", "us-east-1"} {
			prov, err := aws.NewProvider(ctx, region, &aws.ProviderArgs{Region: pulumi.String(region)})
			if err != nil {
				return nil, err
			}
			opt := pulumi.Provider(prov)
			api, err := regionalApi(ctx, p, "-"+region, opt)
			if err != nil {
				return nil, err
			}
			d, err := constructs.NewApiDomain(ctx, "api-"+region, &constructs.ApiDomainArgs{DomainName: "api.example.com", Api: api, HostedZoneID: testZone, Region: region}, opt)
			if err != nil {
				return nil, err
			}
			hc, err := constructs.NewHealthCheck(ctx, "api-"+region, &constructs.HealthCheckArgs{Api: api}, opt)
			if err != nil {
				return nil, err
			}
			targets = append(targets, constructs.DNSTarget{Region: region, Domain: d, HealthCheck: hc})
			out["regional-"+region] = d.RegionalDomainName
			out["zone-"+region] = d.RegionalZoneID
			out["api-"+region] = api.URL
			out["hc-"+region] = hc.ID
		}
		for _, m := range mutate {
			m(targets)
		}
		if _, err := constructs.NewDNSRouting(ctx, "api", &constructs.DNSRoutingArgs{HostedZoneID: testZone, Name: "api.example.com", Mode: mode, Targets: targets}); err != nil {
			return nil, err
		}
		return out, nil
	}
}

func TestDNSRoutingFailoverAcrossRegions(t *testing.T) {
	p := newProject(t)
	s := p.synth(multiRegion(p, constructs.RoutingFailover))
	comp := s.find(typDNSRouting, "api")
	if got, want := s.childSet(comp.URN), []string{typRecord + " api-eu-west-1", typRecord + " api-us-east-1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	for _, tc := range []struct{ region, zone, role string }{
		{"eu-west-1", "ZLY8HYME6SFDD", "PRIMARY"},
		{"us-east-1", "Z1UJRXOUMOOFQ8", "SECONDARY"},
	} {
		regional := s.output("regional-" + tc.region)
		if !strings.HasSuffix(regional, ".execute-api."+tc.region+".amazonaws.com") {
			t.Errorf("%s RegionalDomainName: got %q; want one in %s (the provider's region)", tc.region, regional, tc.region)
		}
		if got := s.output("zone-" + tc.region); got != tc.zone {
			t.Errorf("%s RegionalZoneID: got %q; want %q", tc.region, got, tc.zone)
		}
		if cert := stateString(t, s.find(typCertificate, "api-"+tc.region), "arn"); !strings.HasPrefix(cert, "arn:aws:acm:"+tc.region+":") {
			t.Errorf("%s certificate: got %q; want an ARN in %s", tc.region, cert, tc.region)
		}
		wantInputs(t, s.find(typRecord, "api-"+tc.region),
			check{"zoneId", testZone}, check{"name", "api.example.com"}, check{"type", "A"}, check{"setIdentifier", tc.region},
			check{"aliases", []any{map[string]any{"name": regional, "zoneId": tc.zone, "evaluateTargetHealth": true}}},
			check{"failoverRoutingPolicies", []any{map[string]any{"type": tc.role}}},
			check{"healthCheckId", s.output("hc-" + tc.region)}, check{"ttl", nil})
		// The health check calls the region's own execute-api endpoint.
		apiURL := s.output("api-" + tc.region)
		host := strings.TrimPrefix(apiURL[:strings.LastIndex(apiURL, "/")], "https://")
		wantInputs(t, s.find(typHealthCheck, "api-"+tc.region),
			check{"type", "HTTPS"}, check{"fqdn", host}, check{"resourcePath", "/v1/health"}, check{"port", 443},
			check{"failureThreshold", 3}, check{"requestInterval", 30}, check{"enableSni", true})
		if !strings.HasSuffix(host, ".execute-api."+tc.region+".amazonaws.com") {
			t.Errorf("%s health check host: got %q; want the API's execute-api host in %s", tc.region, host, tc.region)
		}
	}
	// kumo check passes on the routing, domains and health checks (the
	// test's bare Apis and functions have findings of their own, which are
	// theirs: the web-app pattern gives them validators and DLQs).
	rep, err := kumocheck.Run(s.Result, p.dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range s.Resources {
		if strings.Contains(r.URN, typApiDomain+"$") || strings.Contains(r.URN, typDNSRouting+"$") || strings.Contains(r.URN, typHealthCheckComp+"$") {
			checked++
			for _, f := range rep.Findings {
				if f.URN == r.URN && f.Level == kumocheck.Error {
					t.Errorf("kumo check error: %s on %s: %s", f.ID(), f.URN, f.Message)
				}
			}
		}
	}
	if checked != 14 {
		t.Errorf("resources of the domains, health checks and routing: got %d; want 14 (5 per domain, 1 per health check, 2 records)", checked)
	}
}

func TestDNSRoutingLatencyAndWeighted(t *testing.T) {
	p := newProject(t)
	s := p.synth(multiRegion(p, constructs.RoutingLatency))
	for _, region := range []string{"eu-west-1", "us-east-1"} {
		wantInputs(t, s.find(typRecord, "api-"+region),
			check{"latencyRoutingPolicies", []any{map[string]any{"region": region}}}, check{"failoverRoutingPolicies", nil}, check{"setIdentifier", region})
	}
}

func TestDNSRoutingBadInputs(t *testing.T) {
	p := newProject(t)
	var other *constructs.ApiDomain
	_, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		api, err := regionalApi(ctx, p, "")
		if err != nil {
			return nil, err
		}
		if other, err = constructs.NewApiDomain(ctx, "www", &constructs.ApiDomainArgs{DomainName: "www.example.com", Api: api, HostedZoneID: testZone}); err != nil {
			return nil, err
		}
		_, err = constructs.NewDNSRouting(ctx, "api", &constructs.DNSRoutingArgs{
			HostedZoneID: "zone-1",
			Name:         "api.example.com",
			Targets: []constructs.DNSTarget{
				{Region: "eu-west-1", Domain: other, Weight: 5},
				{Region: "eu-west-1"},
				{Region: "eu-fake-1", Domain: other},
			},
		})
		return nil, err
	})
	checkValidationError(t, err, `dns routing "api"`, [][]string{
		{"HostedZoneID", `"zone-1"`},
		{"Targets", "3 targets", "exactly two"},
		{"Targets[0].Domain", `"www.example.com"`, `"api.example.com"`},
		{"Targets[0].HealthCheck", "failover primary"},
		{"Targets[0].Weight", "5", "mode weighted"},
		{"Targets[1].Region", "also Targets[0]"},
		{"Targets[1].Domain", "nil"},
		{"Targets[2].Region", `"eu-fake-1"`},
		{"Targets[2].Domain", `"www.example.com"`},
	})
	for _, tc := range []struct {
		name string
		args constructs.DNSRoutingArgs
		want []string
	}{
		{"mode geo", constructs.DNSRoutingArgs{HostedZoneID: testZone, Name: "api.example.com", Mode: "geo"}, []string{"Mode", `"geo"`}},
		{"weight 256", constructs.DNSRoutingArgs{HostedZoneID: testZone, Name: "api.example.com", Mode: constructs.RoutingWeighted,
			Targets: []constructs.DNSTarget{{Region: "eu-west-1", Weight: 256}}}, []string{"Targets[0].Weight", "256", "0–255"}},
		{"latency with no targets", constructs.DNSRoutingArgs{HostedZoneID: testZone, Name: "api.example.com", Mode: constructs.RoutingLatency}, []string{"Targets", "none"}},
		{"latency target without a health check", constructs.DNSRoutingArgs{HostedZoneID: testZone, Name: "api.example.com", Mode: constructs.RoutingLatency,
			Targets: []constructs.DNSTarget{{Region: "eu-west-1"}}}, []string{"Targets[0].HealthCheck", "mode latency", "every active target needs one"}},
		{"weighted target without a health check", constructs.DNSRoutingArgs{HostedZoneID: testZone, Name: "api.example.com", Mode: constructs.RoutingWeighted,
			Targets: []constructs.DNSTarget{{Region: "eu-west-1", Weight: 1}}}, []string{"Targets[0].HealthCheck", "mode weighted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.args.Validate("api")
			if err == nil {
				t.Fatalf("Validate: got nil; want a problem containing %q", tc.want)
			}
			for _, sub := range tc.want {
				if !strings.Contains(err.Error(), sub) {
					t.Errorf("Validate: got %q; want it to contain %q", err, sub)
				}
			}
		})
	}
}

func TestHealthCheckBadInputs(t *testing.T) {
	err := constructs.HealthCheckArgs{Path: "health", Port: 70000, Type: "ICMP", FailureThreshold: 11, RequestIntervalSeconds: 20}.Validate("api")
	checkValidationError(t, err, `health check "api"`, [][]string{
		{"Api, FQDN", "exactly one"},
		{"Type", `"ICMP"`},
		{"Path", `"health"`, "start with '/'"},
		{"Port", "70000", "1–65535"},
		{"FailureThreshold", "11", "1–10"},
		{"RequestIntervalSeconds", "20", "10 or 30"},
	})
}

func TestHealthCheckOfFQDN(t *testing.T) {
	s := newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := constructs.NewHealthCheck(ctx, "site", &constructs.HealthCheckArgs{FQDN: pulumi.String("www.example.com"), Type: constructs.HealthCheckHTTP, Port: 80, RequestIntervalSeconds: 10})
		return nil, err
	})
	wantInputs(t, s.find(typHealthCheck, "site"), check{"type", "HTTP"}, check{"fqdn", "www.example.com"}, check{"resourcePath", "/health"},
		check{"port", 80}, check{"requestInterval", 10}, check{"enableSni", nil})
}

// TestDNSRoutingRegionOfTheDomain: a latency record names the region its
// target is in; routing a region to another region's domain is refused.
func TestDNSRoutingRegionOfTheDomain(t *testing.T) {
	p := newProject(t)
	_, err := p.run(multiRegion(p, constructs.RoutingLatency, func(ts []constructs.DNSTarget) {
		ts[0].Region, ts[1].Region = ts[1].Region, ts[0].Region
	}))
	if err == nil || !strings.Contains(err.Error(), `Targets[0].Region: "us-east-1", but its Domain is in "eu-west-1"`) {
		t.Errorf("swapped regions: got %v; want the mismatch named", err)
	}
}

// Two regions' certificates for one name share ACM's one validation record:
// the primary writes it, the secondary's validation waits for it.
func TestApiDomainValidationFrom(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		var primary *constructs.ApiDomain
		for _, region := range []string{"eu-west-1", "eu-central-1"} {
			prov, err := aws.NewProvider(ctx, region, &aws.ProviderArgs{Region: pulumi.String(region)})
			if err != nil {
				return nil, err
			}
			opt := pulumi.Provider(prov)
			api, err := regionalApi(ctx, p, "-"+region, opt)
			if err != nil {
				return nil, err
			}
			args := &constructs.ApiDomainArgs{DomainName: "api.example.com", Api: api, Region: region, HostedZoneID: testZone}
			if primary != nil {
				args.HostedZoneID, args.ValidationFrom = "", primary
			}
			d, err := constructs.NewApiDomain(ctx, "api-"+region, args, opt)
			if err != nil {
				return nil, err
			}
			if primary == nil {
				primary = d
			}
		}
		return pulumi.Map{}, nil
	})
	if got := s.ofType(typRecord); len(got) != 1 || got[0].Name != "api-eu-west-1-validation" {
		t.Fatalf("validation records: got %q; want one, api-eu-west-1-validation", urns(got))
	}
	rec := s.find(typRecord, "api-eu-west-1-validation")
	val := s.find(typCertValidation, "api-eu-central-1")
	wantInputs(t, val, check{"validationRecordFqdns", []any{stateString(t, rec, "fqdn")}})
	if !dependsOn(val, rec) {
		t.Errorf("secondary validation dependencies: got %q; want the primary's record %s", val.Dependencies, rec.URN)
	}
	if cert := s.find(typCertificate, "api-eu-central-1"); cert.Region() != "eu-central-1" {
		t.Errorf("secondary certificate: got region %q; want eu-central-1", cert.Region())
	}
}

func TestApiDomainValidationFromBadInputs(t *testing.T) {
	p := newProject(t)
	_, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
		api, err := regionalApi(ctx, p, "")
		if err != nil {
			return nil, err
		}
		noRecord, err := constructs.NewApiDomain(ctx, "api", &constructs.ApiDomainArgs{DomainName: "api.example.com", Api: api})
		if err != nil {
			return nil, err
		}
		www, err := constructs.NewApiDomain(ctx, "www", &constructs.ApiDomainArgs{DomainName: "www.example.com", Api: api, HostedZoneID: testZone})
		if err != nil {
			return nil, err
		}
		if _, err := constructs.NewApiDomain(ctx, "other-name", &constructs.ApiDomainArgs{DomainName: "api.example.com", Api: api, ValidationFrom: www, HostedZoneID: testZone}); err == nil {
			return nil, fmt.Errorf("other-name: got no error; want ValidationFrom and HostedZoneID refused")
		} else {
			checkValidationError(t, err, `api domain "other-name"`, [][]string{
				{"ValidationFrom", `"www.example.com"`, `not "api.example.com"`},
				{"HostedZoneID", "set with ValidationFrom"},
			})
		}
		_, err = constructs.NewApiDomain(ctx, "no-record", &constructs.ApiDomainArgs{DomainName: "api.example.com", Api: api, ValidationFrom: noRecord})
		return nil, err
	})
	checkValidationError(t, err, `api domain "no-record"`, [][]string{{"ValidationFrom", `"api.example.com"`, "writes no validation record"}})
}
