package synth

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	tDomain       = "aws:opensearch/domain:Domain"
	tDomainPolicy = "aws:opensearch/domainPolicy:DomainPolicy"
	tLogPolicy    = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
)

const osLogArn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/opensearch/catalog-dev-3f9a1c/"

// esLogPolicy lets es.amazonaws.com write to the streams of the given log
// group ARNs.
func esLogPolicy(principal string, arns ...string) string {
	var res []string
	for _, a := range arns {
		res = append(res, `"`+a+`:*"`)
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["` + principal +
		`"]},"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":[` + strings.Join(res, ",") + `]}]}`
}

// domainInputs are the SearchDomain construct's domain inputs.
func domainInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"domainName":    "catalog-dev-3f9a1c",
		"engineVersion": "OpenSearch_2.17",
		"clusterConfig": map[string]any{"instanceType": "t3.small.search", "instanceCount": int64(1)},
		"ebsOptions":    map[string]any{"ebsEnabled": true, "volumeSize": int64(10), "volumeType": "gp3"},
		"encryptAtRest": map[string]any{"enabled": true}, "nodeToNodeEncryption": map[string]any{"enabled": true},
		"domainEndpointOptions": map[string]any{"enforceHttps": true, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"},
		"logPublishingOptions": []any{
			map[string]any{"logType": "SEARCH_SLOW_LOGS", "cloudwatchLogGroupArn": osLogArn + "search-slow"},
			map[string]any{"logType": "INDEX_SLOW_LOGS", "cloudwatchLogGroupArn": osLogArn + "index-slow"},
		},
	}, mods...)
}

// searchStack registers the SearchDomain construct's resources, ordered as
// AWS needs; m changes the inputs of one type.
func searchStack(f *fixture, m map[string][]mod) (domain, policy string) {
	policy = f.add(tLogPolicy, "catalog", inputs(map[string]any{"policyName": "kumo-opensearch-catalog-dev-3f9a1c",
		"policyDocument": esLogPolicy("es.amazonaws.com", osLogArn+"search-slow", osLogArn+"index-slow")}, m[tLogPolicy]...))
	domain = f.add(tDomain, "catalog", domainInputs(m[tDomain]...), policy)
	f.add(tDomainPolicy, "catalog", inputs(map[string]any{"domainName": "catalog-dev-3f9a1c",
		"accessPolicies": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:role/fn-1234567"]},"Action":["es:ESHttpGet"],"Resource":["arn:aws:es:eu-west-1:123456789012:domain/catalog-dev-3f9a1c/*"]}]}`},
		m[tDomainPolicy]...), domain)
	return domain, policy
}

func TestOpenSearchRealityRules(t *testing.T) {
	types := append(specTypes(opensearchSpecs), specTypes(logResourcePolicySpecs)...)
	c := func(name string, m map[string][]mod, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { searchStack(f, m) }, want: ws}
	}
	domain := func(ms ...mod) map[string][]mod { return map[string][]mod{tDomain: ms} }
	alone := func(name, resName string, ms []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			f.add(tDomain, resName, domainInputs(append([]mod{set("logPublishingOptions", nil)}, ms...)...))
		}}
	}
	cases := []realityCase{
		c("accepted: the SearchDomain construct's resources", nil),
		// The provider autonames domains to 255 characters; CreateDomain
		// takes 28.
		alone("domain autonamed from a 21-character resource name", strings.Repeat("d", 21), []mod{set("domainName", nil)},
			want{tDomain, "domainName", "at most 28", "API_CreateDomain"}),
		alone("accepted: domain autonamed from a 20-character resource name", strings.Repeat("d", 20), []mod{set("domainName", nil)}),
		alone("domain autonamed from a resource name with upper case", "Catalog", []mod{set("domainName", nil)},
			want{tDomain, "domainName", "does not match", "API_CreateDomain"}),
		c("domain name starting with a digit", domain(set("domainName", "1catalog")),
			want{tDomain, "domainName", "does not match", "API_CreateDomain"}),
		c("domain name of two characters", domain(set("domainName", "ab")),
			want{tDomain, "domainName", "at least 3", "API_CreateDomain"}),
		c("engine version without the engine", domain(set("engineVersion", "2.17")),
			want{tDomain, "engineVersion", "OpenSearch_X.Y", "API_CreateDomain"}),
		c("Elasticsearch instance type on an OpenSearch domain", domain(set("clusterConfig.instanceType", "t3.small.elasticsearch")),
			want{tDomain, "clusterConfig.instanceType", "ends in .search", "API_ClusterConfig"}),
		c("dedicated master type without .search", domain(set("clusterConfig.dedicatedMasterEnabled", true),
			set("clusterConfig.dedicatedMasterType", "m5.large"), set("clusterConfig.dedicatedMasterCount", int64(3))),
			want{tDomain, "clusterConfig.dedicatedMasterType", "ends in .search", "API_ClusterConfig"}),
		c("three nodes over two zones", domain(set("clusterConfig.instanceCount", int64(3)), set("clusterConfig.zoneAwarenessEnabled", true)),
			want{tDomain, "clusterConfig.instanceCount", "multiple of the Availability Zone count", "managedomains-multiaz"}),
		c("accepted: six nodes over three zones", domain(set("clusterConfig.instanceCount", int64(6)), set("clusterConfig.zoneAwarenessEnabled", true),
			set("clusterConfig.zoneAwarenessConfig", map[string]any{"availabilityZoneCount": int64(3)}))),
		c("four zones", domain(set("clusterConfig.instanceCount", int64(4)), set("clusterConfig.zoneAwarenessEnabled", true),
			set("clusterConfig.zoneAwarenessConfig", map[string]any{"availabilityZoneCount": int64(4)})),
			want{tDomain, "clusterConfig.zoneAwarenessConfig.availabilityZoneCount", "between 2 and 3", "API_ClusterConfig"}),
		c("two subnets for a single-zone domain", domain(set("vpcOptions", map[string]any{"subnetIds": []any{"subnet-a", "subnet-b"}})),
			want{tDomain, "vpcOptions.subnetIds", "one subnet per Availability Zone", "vpc.html"}),
		c("accepted: two subnets for a two-zone domain", domain(set("vpcOptions", map[string]any{"subnetIds": []any{"subnet-a", "subnet-b"}}),
			set("clusterConfig.instanceCount", int64(2)), set("clusterConfig.zoneAwarenessEnabled", true))),
		c("volume type gp4", domain(set("ebsOptions.volumeType", "gp4")),
			want{tDomain, "ebsOptions.volumeType", "must be one of", "API_EBSOptions"}),
		c("volume of 5 GiB", domain(set("ebsOptions.volumeSize", int64(5))),
			want{tDomain, "ebsOptions.volumeSize", "at least 10 GiB", "limits.html"}),
		c("volume of 150 GiB on t3.small.search", domain(set("ebsOptions.volumeSize", int64(150))),
			want{tDomain, "ebsOptions.volumeSize", "t3.small.search", "limits.html"}),
		c("accepted: volume of 150 GiB on m7g.large.search", domain(set("ebsOptions.volumeSize", int64(150)),
			set("clusterConfig.instanceType", "m7g.large.search"))),
		c("TLS policy that does not exist", domain(set("domainEndpointOptions.tlsSecurityPolicy", "Policy-Min-TLS-1-3")),
			want{tDomain, "domainEndpointOptions.tlsSecurityPolicy", "must be one of", "API_DomainEndpointOptions"}),
		c("log type that does not exist", domain(set("logPublishingOptions[0].logType", "SLOW_LOGS")),
			want{tDomain, "logPublishingOptions[].logType", "INDEX_SLOW_LOGS", "API_LogPublishingOption"},
		),
		c("audit logs without fine-grained access control", domain(set("logPublishingOptions[1].logType", "AUDIT_LOGS")),
			want{tDomain, "logPublishingOptions", "fine-grained access control", "audit-logs"}),

		// The ordering need: the log resource policy first.
		{name: "log publishing without a log resource policy", build: func(f *fixture) {
			f.add(tDomain, "catalog", domainInputs())
		}, want: []want{
			{tDomain, "logPublishingOptions", "resource policy", "createdomain-configure-slow-logs"},
			{tDomain, "logPublishingOptions", "resource policy", "issue 6606"},
		}},
		{name: "log resource policy not created before the domain", build: func(f *fixture) {
			d, _ := searchStack(f, nil)
			f.setDeps(d)
		}, want: []want{
			{tDomain, "logPublishingOptions", "created first", "createdomain-configure-slow-logs"},
			{tDomain, "logPublishingOptions", "created first", "createdomain-configure-slow-logs"},
		}},
		c("log resource policy for another service", map[string][]mod{tLogPolicy: {set("policyDocument",
			esLogPolicy("delivery.logs.amazonaws.com", osLogArn+"search-slow", osLogArn+"index-slow"))}},
			want{tDomain, "logPublishingOptions", "es.amazonaws.com", "createdomain-configure-slow-logs"},
			want{tDomain, "logPublishingOptions", "es.amazonaws.com", "createdomain-configure-slow-logs"}),
		c("log resource policy missing one log group", map[string][]mod{tLogPolicy: {set("policyDocument",
			esLogPolicy("es.amazonaws.com", osLogArn+"search-slow"))}},
			want{tDomain, "logPublishingOptions", "es.amazonaws.com", "createdomain-configure-slow-logs"}),
		{name: "accepted: disabled log publishing needs no policy", build: func(f *fixture) {
			f.add(tDomain, "catalog", domainInputs(set("logPublishingOptions[0].enabled", false), set("logPublishingOptions[1].enabled", false)))
		}},
		{name: "two domains of one name", build: func(f *fixture) {
			f.add(tDomain, "a", domainInputs(set("logPublishingOptions", nil)))
			f.add(tDomain, "b", domainInputs(set("logPublishingOptions", nil)))
		}, want: []want{
			{tDomain, "domainName", "must be unique", "API_CreateDomain"},
			{tDomain, "domainName", "must be unique", "API_CreateDomain"},
		}},

		// The access policy.
		c("access policy that is not JSON", map[string][]mod{tDomainPolicy: {set("accessPolicies", "{")}},
			want{tDomainPolicy, "accessPolicies", "JSON", "API_CreateDomain"}),
		c("access policy without its domain name", map[string][]mod{tDomainPolicy: {set("domainName", nil)}},
			want{tDomainPolicy, "domainName", "required", "API_UpdateDomainConfig"}),
		{name: "two access policies for one domain", build: func(f *fixture) {
			d, _ := searchStack(f, nil)
			f.add(tDomainPolicy, "second", map[string]any{"domainName": "catalog-dev-3f9a1c",
				"accessPolicies": `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"es:*"}]}`}, d)
		}, want: []want{
			{tDomainPolicy, "domainName", "one access policy", "API_UpdateDomainConfig"},
			{tDomainPolicy, "domainName", "one access policy", "API_UpdateDomainConfig"},
		}},
		c("access policy on the domain and in a domain policy", domain(set("accessPolicies", `{"Version":"2012-10-17","Statement":[]}`)),
			want{tDomainPolicy, "domainName", "one access policy", "API_UpdateDomainConfig"}),
		{name: "access policy before its domain", build: func(f *fixture) {
			searchStack(f, nil)
			f.setDeps(urnOf(tDomainPolicy, "catalog"))
		}, want: []want{{tDomainPolicy, "domainName", "must exist first", "API_UpdateDomainConfig"}}},

		// The CloudWatch Logs resource policy.
		c("log resource policy without a name", map[string][]mod{tLogPolicy: {set("policyName", nil)}},
			want{tLogPolicy, "policyName", "required", "API_PutResourcePolicy"}),
		c("log resource policy over 5120 characters", map[string][]mod{tLogPolicy: {set("policyDocument",
			esLogPolicy("es.amazonaws.com", osLogArn+"search-slow", osLogArn+"index-slow", osLogArn+strings.Repeat("x", 5000)))}},
			want{tLogPolicy, "policyDocument", "at most 5120", "bp-cwl"}),
		{name: "eleven log resource policies", build: func(f *fixture) {
			for i := range 11 {
				f.add(tLogPolicy, fmt.Sprintf("p%02d", i), map[string]any{"policyName": fmt.Sprintf("p%02d", i),
					"policyDocument": esLogPolicy("es.amazonaws.com", osLogArn+"x")})
			}
		}, want: []want{{tLogPolicy, "(count)", "at most 10", "API_PutResourcePolicy"}}},
		{name: "two log resource policies of one name", build: func(f *fixture) {
			for _, n := range []string{"a", "b"} {
				f.add(tLogPolicy, n, map[string]any{"policyName": "same", "policyDocument": esLogPolicy("es.amazonaws.com", osLogArn+"x")})
			}
		}, want: []want{
			{tLogPolicy, "policyName", "must be unique", "API_PutResourcePolicy"},
			{tLogPolicy, "policyName", "must be unique", "API_PutResourcePolicy"},
		}},
	}
	runRealityCases(t, types, cases)
}

// mockState registers one resource with a fresh monitor and returns its ID
// and state as strings.
func mockState(t *testing.T, typ, name string, in map[string]any) (string, map[string]string) {
	t.Helper()
	m := newMonitor("shop", "dev", "eu-west-1", t.TempDir())
	id, state, err := m.NewResource(pulumi.MockResourceArgs{
		TypeToken: typ, Name: name, Inputs: resource.NewPropertyMapFromMap(in), Custom: true,
		RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: typ, Name: name, Custom: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{"id": id}
	for k, v := range state {
		if v.IsString() {
			out[string(k)] = v.StringValue()
		}
	}
	return id, out
}

// wantState checks state values against whole-value patterns.
func wantState(t *testing.T, state map[string]string, want map[string]string) {
	t.Helper()
	for k, pattern := range want {
		if got := state[k]; !regexp.MustCompile(`^` + pattern + `$`).MatchString(got) {
			t.Errorf("%s = %q; want match for %s", k, got, pattern)
		}
	}
}

func TestOpenSearchMockOutputs(t *testing.T) {
	_, public := mockState(t, tDomain, "catalog", map[string]any{"domainName": "catalog-dev-3f9a1c"})
	wantState(t, public, map[string]string{
		"id":                `arn:aws:es:eu-west-1:123456789012:domain/catalog-dev-3f9a1c`,
		"arn":               `arn:aws:es:eu-west-1:123456789012:domain/catalog-dev-3f9a1c`,
		"domainId":          `123456789012/catalog-dev-3f9a1c`,
		"endpoint":          `search-catalog-dev-3f9a1c-[a-z0-9]{26}\.eu-west-1\.es\.amazonaws\.com`,
		"dashboardEndpoint": `search-catalog-dev-3f9a1c-[a-z0-9]{26}\.eu-west-1\.es\.amazonaws\.com/_dashboards`,
	})
	_, vpc := mockState(t, tDomain, "catalog", map[string]any{"domainName": "catalog-dev-3f9a1c",
		"vpcOptions": map[string]any{"subnetIds": []any{"subnet-a"}}})
	wantState(t, vpc, map[string]string{"endpoint": `vpc-catalog-dev-3f9a1c-[a-z0-9]{26}\.eu-west-1\.es\.amazonaws\.com`})
	_, auto := mockState(t, tDomain, "catalog", nil)
	wantState(t, auto, map[string]string{"domainName": `catalog-[0-9a-f]{7}`})
	_, pol := mockState(t, tDomainPolicy, "catalog", map[string]any{"domainName": "catalog-dev-3f9a1c", "accessPolicies": "{}"})
	wantState(t, pol, map[string]string{"id": `esd-policy-catalog-dev-3f9a1c`})
	_, lp := mockState(t, tLogPolicy, "catalog", map[string]any{"policyName": "kumo-opensearch-x", "policyDocument": "{}"})
	wantState(t, lp, map[string]string{"id": `kumo-opensearch-x`})
}
