package synth

import (
	"fmt"
	"strings"
	"testing"
)

// Tests of the ACM rules, and of the custom domain rules that follow a
// certificate: each refused case is a value ACM, API Gateway or the
// provider refuses.

const (
	testCertArnEU = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	testCertArnUS = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	testDVOName   = "_0123456789abcdef0123456789abcdef.api.example.com"
)

func certInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"domainName": "api.example.com", "validationMethod": "DNS"}, mods...)
}

// setRegion sets where a fixture resource's provider deploys it.
func (f *fixture) setRegion(urn, region string) {
	for i := range f.rs {
		if f.rs[i].URN == urn {
			f.rs[i].region = region
			return
		}
	}
	panic("no resource " + urn)
}

// setState sets what the mock provider answered for a fixture resource.
func (f *fixture) setState(urn string, state map[string]any) {
	for i := range f.rs {
		if f.rs[i].URN == urn {
			f.rs[i].State = state
			return
		}
	}
	panic("no resource " + urn)
}

func TestACMRealityRules(t *testing.T) {
	cert := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) { f.add(tACMCertificate, "api", certInputs(mods...)) }
	}
	sans := func(n int) []any {
		var out []any
		for i := range n {
			out = append(out, fmt.Sprintf("n%d.example.com", i))
		}
		return out
	}
	runRealityCases(t, []string{tACMCertificate}, []realityCase{
		{"accepted: one name, DNS validation", cert(), nil},
		{"accepted: a wildcard and 100 alternative names", cert(set("domainName", "*.example.com"), set("subjectAlternativeNames", sans(100))), nil},
		{"no domain name", cert(set("domainName", nil)), []want{{tACMCertificate, "domainName", "needs domainName", "API_RequestCertificate"}}},
		{"domain name of 254 characters", cert(set("domainName", strings.Repeat("a.", 126)+"io")),
			[]want{{tACMCertificate, "domainName", "1–253", "API_RequestCertificate"}}},
		{"label of 64 characters", cert(set("domainName", strings.Repeat("a", 64)+".example.com")),
			[]want{{tACMCertificate, "domainName", "1–63", "API_RequestCertificate"}}},
		{"label starting with '-'", cert(set("domainName", "-api.example.com")), []want{{tACMCertificate, "domainName", "1–63", "API_RequestCertificate"}}},
		{"single label", cert(set("domainName", "localhost")), []want{{tACMCertificate, "domainName", "two", "API_RequestCertificate"}}},
		{"alternative name with an underscore", cert(set("subjectAlternativeNames", []any{"my_api.example.com"})),
			[]want{{tACMCertificate, "subjectAlternativeNames", "1–63", "API_RequestCertificate"}}},
		{"101 alternative names", cert(set("subjectAlternativeNames", sans(101))),
			[]want{{tACMCertificate, "subjectAlternativeNames", "at most 100", "acm-limits"}}},
		{"validation by carrier pigeon", cert(set("validationMethod", "PIGEON")), []want{{tACMCertificate, "validationMethod", "DNS, EMAIL", "API_RequestCertificate"}}},
		{"key algorithm RSA_512", cert(set("keyAlgorithm", "RSA_512")), []want{{tACMCertificate, "keyAlgorithm", "RSA_2048", "API_RequestCertificate"}}},
	})
}

func TestACMValidationRealityRules(t *testing.T) {
	stack := func(deps bool, arn string) func(f *fixture) {
		return func(f *fixture) {
			c := f.add(tACMCertificate, "api", certInputs())
			rec := f.add(tRoute53Record, "api-validation", map[string]any{"zoneId": testZoneID, "name": testDVOName + ".", "type": "CNAME",
				"records": []any{"_x.acm-validations.aws."}, "ttl": int64(60)}, c)
			var d []string
			if deps {
				d = []string{c, rec}
			}
			f.add(tACMCertificateValidation, "api", map[string]any{"certificateArn": arn, "validationRecordFqdns": []any{testDVOName}}, d...)
		}
	}
	runRealityCases(t, []string{tACMCertificateValidation}, []realityCase{
		{"accepted: the validation after its record", stack(true, testCertArnEU), nil},
		{"validation before its record", stack(false, testCertArnEU),
			[]want{{tACMCertificateValidation, "validationRecordFqdns", "depend on the aws:route53/record", "certificate_validation.go"}}},
		{"certificate ARN of another service", stack(true, "arn:aws:iam::123456789012:server-certificate/api"),
			[]want{{tACMCertificateValidation, "certificateArn", "ACM certificate ARN", "API_RequestCertificate"}}},
		{"no certificate ARN", func(f *fixture) { f.add(tACMCertificateValidation, "api", map[string]any{}) },
			[]want{{tACMCertificateValidation, "certificateArn", "required", "certificate_validation.go"}}},
	})
}

func apigDomainInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"domainName": "api.example.com", "securityPolicy": "TLS_1_2",
		"endpointConfiguration": map[string]any{"types": "REGIONAL"}, "regionalCertificateArn": testCertArnEU}, mods...)
}

func TestAPIGatewayDomainRealityRules(t *testing.T) {
	domain := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) { f.setRegion(f.add(tAPIGDomainName, "api", apigDomainInputs(mods...)), "eu-west-1") }
	}
	// validated registers a certificate, its validation, and the domain
	// depending on the validation when ordered is true.
	validated := func(ordered, validation bool) func(f *fixture) {
		return func(f *fixture) {
			c := f.add(tACMCertificate, "api", certInputs())
			f.setState(c, map[string]any{"arn": testCertArnEU})
			deps := []string{c}
			if validation {
				v := f.add(tACMCertificateValidation, "api", map[string]any{"certificateArn": testCertArnEU}, c)
				if ordered {
					deps = append(deps, v)
				}
			}
			f.setRegion(f.add(tAPIGDomainName, "api", apigDomainInputs(), deps...), "eu-west-1")
		}
	}
	runRealityCases(t, []string{tAPIGDomainName}, []realityCase{
		{"accepted: a regional domain with a certificate of its region", domain(), nil},
		{"accepted: the domain after the certificate's validation", validated(true, true), nil},
		{"accepted: an edge domain with a us-east-1 certificate", domain(set("endpointConfiguration.types", "EDGE"), set("regionalCertificateArn", nil), set("certificateArn", testCertArnUS)), nil},
		{"domain name with a space", domain(set("domainName", "api example.com")), []want{{tAPIGDomainName, "domainName", "1–63", "API_CreateDomainName"}}},
		{"endpoint type GLOBAL", domain(set("endpointConfiguration.types", "GLOBAL")), []want{{tAPIGDomainName, "endpointConfiguration.types", "REGIONAL", "API_EndpointConfiguration"}}},
		{"security policy TLS_1_1", domain(set("securityPolicy", "TLS_1_1")), []want{{tAPIGDomainName, "securityPolicy", "TLS_1_0, TLS_1_2", "API_CreateDomainName"}}},
		{"regional domain without a regional certificate", domain(set("regionalCertificateArn", nil)),
			[]want{{tAPIGDomainName, "regionalCertificateArn", "REGIONAL domain takes regionalCertificateArn", "domain_name.go"}}},
		{"regional domain with the edge certificate", domain(set("regionalCertificateArn", nil), set("certificateArn", testCertArnUS)),
			[]want{{tAPIGDomainName, "regionalCertificateArn", "REGIONAL domain takes regionalCertificateArn", "domain_name.go"}}},
		{"regional domain with a certificate of another region", domain(set("regionalCertificateArn", testCertArnUS)),
			[]want{{tAPIGDomainName, "regionalCertificateArn", "in the domain's region", "apigateway-regional-api-custom-domain-create"}}},
		{"edge domain with a certificate outside us-east-1", domain(set("endpointConfiguration.types", "EDGE"), set("regionalCertificateArn", nil), set("certificateArn", testCertArnEU)),
			[]want{{tAPIGDomainName, "certificateArn", "us-east-1", "how-to-edge-optimized-custom-domain-name"}}},
		{"domain before the certificate's validation", validated(false, true),
			[]want{{tAPIGDomainName, "regionalCertificateArn", "waits for its certificate's validation", "acm.CertificateValidation"}}},
		{"certificate that nothing validates", validated(false, false),
			[]want{{tAPIGDomainName, "regionalCertificateArn", "waits for its certificate's validation", "acm.CertificateValidation"}}},
	})
}

func TestAPIGatewayBasePathMappingRealityRules(t *testing.T) {
	const api = "a1b2c3d4e5"
	mapping := func(name, basePath string, ordered bool) func(f *fixture) {
		return func(f *fixture) {
			st := f.add("aws:apigateway/stage:Stage", "api", map[string]any{"restApi": api, "stageName": "v1", "deployment": "dep"})
			var deps []string
			if ordered {
				deps = []string{st}
			}
			f.add(tAPIGBasePathMapping, name, map[string]any{"domainName": "api.example.com", "restApi": api, "stageName": "v1", "basePath": basePath}, deps...)
		}
	}
	runRealityCases(t, []string{tAPIGBasePathMapping}, []realityCase{
		{"accepted: the root", mapping("api", "", true), nil},
		{"accepted: one segment", mapping("api", "items", true), nil},
		{"two segments", mapping("api", "v1/items", true), []want{{tAPIGBasePathMapping, "basePath", "one path segment", "API_CreateBasePathMapping"}}},
		{"leading slash", mapping("api", "/items", true), []want{{tAPIGBasePathMapping, "basePath", "one path segment", "API_CreateBasePathMapping"}}},
		{"mapping before the stage", mapping("api", "", false), []want{{tAPIGBasePathMapping, "stageName", "depend on the aws:apigateway/stage", "API_CreateBasePathMapping"}}},
		{"one base path twice", func(f *fixture) {
			mapping("api", "items", true)(f)
			st := urnOf("aws:apigateway/stage:Stage", "api")
			f.add(tAPIGBasePathMapping, "again", map[string]any{"domainName": "api.example.com", "restApi": api, "stageName": "v1", "basePath": "items"}, st)
		}, []want{{tAPIGBasePathMapping, "basePath", "each base path once", "Base path already exists"}, {tAPIGBasePathMapping, "basePath", "each base path once", "Base path already exists"}}},
		{"no domain", func(f *fixture) { f.add(tAPIGBasePathMapping, "api", map[string]any{"restApi": api}) },
			[]want{{tAPIGBasePathMapping, "domainName", "required", "API_CreateBasePathMapping"}}},
	})
}
