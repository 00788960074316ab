package lake_test

import (
	"bytes"
	"context"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	"github.com/kumo-iac/kumo/constructs/lake"
	kumocheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

const (
	typSearchComponent = "kumo:constructs:SearchDomain"
	typSearchDomain    = "aws:opensearch/domain:Domain"
	typDomainPolicy    = "aws:opensearch/domainPolicy:DomainPolicy"
	typLogPolicy       = "aws:cloudwatch/logResourcePolicy:LogResourcePolicy"
	testKeyArn         = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

var (
	searchRead      = []string{"es:ESHttpGet", "es:ESHttpHead"}
	searchReadWrite = []string{"es:ESHttpDelete", "es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPatch", "es:ESHttpPost", "es:ESHttpPut"}
)

// synthSearch synthesizes a SearchDomain "catalog" with args and, unless
// grant is nil, a function "fn" granted by it.
func synthSearch(t *testing.T, args *lake.SearchDomainArgs, grant func(*lake.SearchDomain, *constructs.Function) error) *synthtest.Stack {
	t.Helper()
	p := synthtest.NewProject(t)
	return p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		d, err := lake.NewSearchDomain(ctx, "catalog", args)
		if err != nil {
			return nil, err
		}
		out := pulumi.Map{"name": d.Name, "arn": d.Arn, "endpoint": d.Endpoint}
		if grant != nil {
			fn, err := constructs.NewFunction(ctx, "fn", p.FnArgs())
			if err != nil {
				return nil, err
			}
			if err := grant(d, fn); err != nil {
				return nil, err
			}
			out["roleArn"], out["roleName"] = fn.Role.Arn, fn.Role.Name
		}
		return out, nil
	})
}

func readWrite(d *lake.SearchDomain, fn *constructs.Function) error {
	return d.GrantReadWrite(fn)
}

func TestSearchDomainDefaults(t *testing.T) {
	s := synthSearch(t, nil, readWrite)
	comp := s.Find(typSearchComponent, "catalog")
	if got, want := s.ChildSet(comp.URN), []string{
		typLogGroup + " catalog-application",
		typLogGroup + " catalog-index-slow",
		typLogGroup + " catalog-search-slow",
		typLogPolicy + " catalog",
		typSearchDomain + " catalog",
		typDomainPolicy + " catalog",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	domain := s.Find(typSearchDomain, "catalog")
	name, _ := domain.Inputs["domainName"].(string)
	if !regexp.MustCompile(`^catalog-test-[0-9a-f]{6}$`).MatchString(name) {
		t.Errorf("domainName: got %q; want catalog-test- and six hex digits (construct name, stack, hash)", name)
	}
	synthtest.WantInputs(t, domain,
		synthtest.Check{"engineVersion", "OpenSearch_2.17"},
		synthtest.Check{"clusterConfig", map[string]any{"instanceType": "t3.small.search", "instanceCount": 1}},
		synthtest.Check{"ebsOptions", map[string]any{"ebsEnabled": true, "volumeSize": 10, "volumeType": "gp3"}},
		synthtest.Check{"encryptAtRest", map[string]any{"enabled": true}},
		synthtest.Check{"nodeToNodeEncryption.enabled", true},
		synthtest.Check{"domainEndpointOptions", map[string]any{"enforceHttps": true, "tlsSecurityPolicy": "Policy-Min-TLS-1-2-PFS-2023-10"}},
		synthtest.Check{"vpcOptions", nil},
		synthtest.Check{"accessPolicies", nil},
	)
	// Each log type goes to its own group, with retention, and the domain
	// is created after the policy that lets OpenSearch write to them.
	var groupArns []string
	for i, lt := range []struct{ logType, group string }{
		{"SEARCH_SLOW_LOGS", "search-slow"}, {"INDEX_SLOW_LOGS", "index-slow"}, {"ES_APPLICATION_LOGS", "application"},
	} {
		g := s.Find(typLogGroup, "catalog-"+lt.group)
		synthtest.WantInputs(t, g, synthtest.Check{"name", "/aws/opensearch/" + name + "/" + lt.group}, synthtest.Check{"retentionInDays", 30})
		arn := g.State["arn"].(string)
		groupArns = append(groupArns, arn+":*")
		synthtest.WantInputs(t, domain, synthtest.Check{"logPublishingOptions." + string(rune('0'+i)), map[string]any{"logType": lt.logType, "cloudwatchLogGroupArn": arn}})
	}
	logPolicy := s.Find(typLogPolicy, "catalog")
	if !synthtest.DependsOn(domain, logPolicy) {
		t.Errorf("domain dependencies %q; want the log resource policy %s", domain.Dependencies, logPolicy.URN)
	}
	synthtest.WantInputs(t, logPolicy, synthtest.Check{"policyName", "kumo-opensearch-" + name})
	lp := synthtest.PolicyInput(t, logPolicy, "policyDocument")
	if len(lp.Statement) != 1 {
		t.Fatalf("log resource policy statements: got %d; want 1", len(lp.Statement))
	}
	st := lp.Statement[0]
	if !reflect.DeepEqual(st.Principal, map[string]any{"Service": []any{"es.amazonaws.com"}}) ||
		!reflect.DeepEqual(st.Action, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) || !reflect.DeepEqual(st.Resource, groupArns) {
		t.Errorf("log resource policy: got %+v; want es.amazonaws.com writing streams of exactly %q", st, groupArns)
	}
	if got := s.Output("endpoint"); !strings.HasPrefix(got, "https://search-"+name+"-") {
		t.Errorf("Endpoint: got %q; want the https:// URL of the public endpoint", got)
	}
	if got, want := s.Output("arn"), "arn:aws:es:"+synthtest.Region+":"+synthtest.Account+":domain/"+name; got != want {
		t.Errorf("Arn: got %q; want %q", got, want)
	}
}

// The derived name is a valid domain name for any construct name, and the
// same program and stack always derive the same one.
func TestSearchDomainNames(t *testing.T) {
	names := map[string]string{}
	for _, n := range []string{"catalog", "Orders_Search.Index", "9lives", strings.Repeat("very-long-name", 5)} {
		p := synthtest.NewProject(t)
		s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			_, err := lake.NewSearchDomain(ctx, n, nil)
			return nil, err
		})
		got := s.Find(typSearchDomain, n).Inputs["domainName"].(string)
		if !regexp.MustCompile(`^[a-z][a-z0-9-]{2,27}$`).MatchString(got) {
			t.Errorf("construct %q: domainName %q is not 3–28 lower-case letters, digits or '-' starting with a letter", n, got)
		}
		if other, dup := names[got]; dup {
			t.Errorf("constructs %q and %q: both named %q", n, other, got)
		}
		names[got] = n
	}
	if got := names; len(got) != 4 {
		t.Errorf("names: %v", got)
	}

	// Another stack of the same program gets another name; the same stack
	// the same one.
	p := synthtest.NewProject(t)
	p.Write("Pulumi.prod.yaml", "config:\n  aws:region: "+synthtest.Region+"\n")
	name := func(stackName string) string {
		res, err := synth.Run(context.Background(), synth.Request{Root: p.Dir, Stack: stackName},
			func(ctx *pulumi.Context, _ map[string]string) (pulumi.Map, error) {
				_, err := lake.NewSearchDomain(ctx, "catalog", nil)
				return nil, err
			})
		if err != nil {
			t.Fatalf("synth %s: %v", stackName, err)
		}
		return (&synthtest.Stack{T: t, Result: res}).Find(typSearchDomain, "catalog").Inputs["domainName"].(string)
	}
	test, prod, again := name("test"), name("prod"), name("test")
	if test == prod || !strings.HasPrefix(prod, "catalog-prod-") {
		t.Errorf("stacks test and prod: got %q and %q; want distinct names naming the stack", test, prod)
	}
	if test != again {
		t.Errorf("same program and stack: got %q, then %q; want the same name", test, again)
	}
}

func TestSearchDomainOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   lake.SearchDomainArgs
		checks []synthtest.Check
	}{
		{
			name: "production-sized: zone awareness, dedicated masters, larger volumes",
			args: lake.SearchDomainArgs{InstanceType: "r7g.large.search", InstanceCount: 4, DedicatedMasterType: "m7g.large.search", VolumeGB: 200},
			checks: []synthtest.Check{
				{"clusterConfig", map[string]any{
					"instanceType": "r7g.large.search", "instanceCount": 4,
					"zoneAwarenessEnabled": true, "zoneAwarenessConfig": map[string]any{"availabilityZoneCount": 2},
					"dedicatedMasterEnabled": true, "dedicatedMasterType": "m7g.large.search", "dedicatedMasterCount": 3,
				}},
				{"ebsOptions.volumeSize", 200},
			},
		},
		{
			name:   "five dedicated masters",
			args:   lake.SearchDomainArgs{DedicatedMasterType: "m7g.large.search", DedicatedMasterCount: 5},
			checks: []synthtest.Check{{"clusterConfig.dedicatedMasterCount", 5}},
		},
		{
			name: "in a VPC",
			args: lake.SearchDomainArgs{InstanceCount: 2, VPC: &lake.SearchVPC{SubnetIds: []string{"subnet-a", "subnet-b"}, SecurityGroupIds: []string{"sg-1"}}},
			checks: []synthtest.Check{{"vpcOptions", map[string]any{"subnetIds": []any{"subnet-a", "subnet-b"}, "securityGroupIds": []any{"sg-1"}}},
				{"clusterConfig.zoneAwarenessEnabled", true}},
		},
		{
			name:   "customer managed key",
			args:   lake.SearchDomainArgs{KMSKeyArn: pulumi.String(testKeyArn)},
			checks: []synthtest.Check{{"encryptAtRest", map[string]any{"enabled": true, "kmsKeyId": testKeyArn}}},
		},
		{
			name:   "explicit name and version",
			args:   lake.SearchDomainArgs{DomainName: "orders-search", EngineVersion: "OpenSearch_2.19"},
			checks: []synthtest.Check{{"domainName", "orders-search"}, {"engineVersion", "OpenSearch_2.19"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			s := synthSearch(t, &args, nil)
			synthtest.WantInputs(t, s.Find(typSearchDomain, "catalog"), tc.checks...)
		})
	}
	s := synthSearch(t, &lake.SearchDomainArgs{VPC: &lake.SearchVPC{SubnetIds: []string{"subnet-a"}}}, nil)
	if got := s.Output("endpoint"); !strings.HasPrefix(got, "https://vpc-") {
		t.Errorf("Endpoint in a VPC: got %q; want the VPC endpoint", got)
	}
}

// accessPolicy is the domain's access policy document.
func accessPolicy(t *testing.T, s *synthtest.Stack) synthtest.Policy {
	t.Helper()
	dp := s.Find(typDomainPolicy, "catalog")
	if got, want := dp.Inputs["domainName"], s.Output("name"); got != want {
		t.Errorf("domain policy domainName: got %#v; want the domain %q", got, want)
	}
	if dp.Parent != s.Find(typSearchComponent, "catalog").URN {
		t.Errorf("domain policy parent: got %q; want the SearchDomain", dp.Parent)
	}
	return synthtest.PolicyInput(t, dp, "accessPolicies")
}

func TestSearchDomainGrants(t *testing.T) {
	domainPaths := func(s *synthtest.Stack) []string { return []string{s.Output("arn") + "/*"} }
	for _, tc := range []struct {
		access  string
		grant   func(*lake.SearchDomain, *constructs.Function) error
		sid     string
		actions []string
	}{
		{"read", func(d *lake.SearchDomain, fn *constructs.Function) error { return d.GrantRead(fn) }, "Read", searchRead},
		{"readwrite", readWrite, "ReadWrite", searchReadWrite},
	} {
		t.Run(tc.access, func(t *testing.T) {
			s := synthSearch(t, nil, tc.grant)
			synthtest.CheckGrantPolicy(t, s, "fn-search-catalog-"+tc.access, []synthtest.WantStatement{{"Search" + tc.sid, tc.actions, domainPaths}})
			doc := accessPolicy(t, s)
			if len(doc.Statement) != 1 {
				t.Fatalf("access policy: got %q; want one statement", doc.Sids())
			}
			st := doc.Statement[0]
			if st.Sid != "Granted"+tc.sid || st.Effect != "Allow" || !reflect.DeepEqual(st.Action, tc.actions) ||
				!reflect.DeepEqual(st.Resource, domainPaths(s)) ||
				!reflect.DeepEqual(st.Principal, map[string]any{"AWS": []any{s.Output("roleArn")}}) {
				t.Errorf("access policy statement: got %+v; want %s allowing exactly the function's role %s on the domain's paths", st, tc.actions, s.Output("roleArn"))
			}
		})
	}
}

// One call grants readers and writers: the access policy admits exactly
// those roles, each at its level.
func TestSearchDomainGrantMixed(t *testing.T) {
	p := synthtest.NewProject(t)
	s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		d, err := lake.NewSearchDomain(ctx, "catalog", nil)
		if err != nil {
			return nil, err
		}
		api, err := constructs.NewFunction(ctx, "api", p.FnArgs())
		if err != nil {
			return nil, err
		}
		indexer, err := constructs.NewFunction(ctx, "indexer", p.FnArgs())
		if err != nil {
			return nil, err
		}
		if err := d.Grant(lake.SearchGrants{Read: []constructs.Grantee{api}, ReadWrite: []constructs.Grantee{indexer}}); err != nil {
			return nil, err
		}
		return pulumi.Map{"name": d.Name, "arn": d.Arn, "api": api.Role.Arn, "indexer": indexer.Role.Arn}, nil
	})
	doc := accessPolicy(t, s)
	got := map[string]any{}
	for _, st := range doc.Statement {
		got[st.Sid] = []any{st.Principal, st.Action}
	}
	want := map[string]any{
		"GrantedRead":      []any{map[string]any{"AWS": []any{s.Output("api")}}, searchRead},
		"GrantedReadWrite": []any{map[string]any{"AWS": []any{s.Output("indexer")}}, searchReadWrite},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("access policy: got %v; want %v", got, want)
	}
	if !s.Has(typRolePolicy, "api-search-catalog-read") || !s.Has(typRolePolicy, "indexer-search-catalog-readwrite") ||
		s.Has(typRolePolicy, "api-search-catalog-readwrite") || s.Has(typRolePolicy, "indexer-search-catalog-read") {
		t.Errorf("role policies: want api read and indexer read-write only\n%s", s.List())
	}
}

func TestSearchDomainGrantMisuse(t *testing.T) {
	const scope = `search domain "catalog"`
	for _, tc := range []struct {
		name     string
		grant    func(d *lake.SearchDomain, a, b *constructs.Function) error
		problems [][]string
		policies int
	}{
		{"a second grant call", func(d *lake.SearchDomain, a, b *constructs.Function) error {
			if err := d.GrantRead(a); err != nil {
				return err
			}
			return d.GrantReadWrite(b)
		}, [][]string{{"Grant", "called again", "one access policy", "SearchGrants{Read"}}, 1},
		{"no grantees", func(d *lake.SearchDomain, _, _ *constructs.Function) error { return d.GrantRead() },
			[][]string{{"Grant", "no grantees", "Read or ReadWrite"}}, 0},
		{"one role at two levels", func(d *lake.SearchDomain, a, _ *constructs.Function) error {
			return d.Grant(lake.SearchGrants{Read: []constructs.Grantee{a}, ReadWrite: []constructs.Grantee{a}})
		}, [][]string{{"Read[0]", "also in ReadWrite", "once"}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := synthtest.NewProject(t)
			var grantErr error
			s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				d, err := lake.NewSearchDomain(ctx, "catalog", nil)
				if err != nil {
					return nil, err
				}
				a, err := constructs.NewFunction(ctx, "a", p.FnArgs())
				if err != nil {
					return nil, err
				}
				b, err := constructs.NewFunction(ctx, "b", p.FnArgs())
				if err != nil {
					return nil, err
				}
				grantErr = tc.grant(d, a, b)
				return nil, nil
			})
			synthtest.CheckValidationError(t, grantErr, scope, tc.problems)
			if got := len(s.OfType(typDomainPolicy)); got != tc.policies {
				t.Errorf("domain policies: got %d; want %d", got, tc.policies)
			}
			if s.Has(typRolePolicy, "b-search-catalog-readwrite") {
				t.Errorf("the refused grant still extended a role:\n%s", s.List())
			}
		})
	}
}

func TestSearchDomainBadInputs(t *testing.T) {
	newDomain := func(args lake.SearchDomainArgs) func(*pulumi.Context, *synthtest.Project, struct{}) error {
		return func(ctx *pulumi.Context, _ *synthtest.Project, _ struct{}) error {
			_, err := lake.NewSearchDomain(ctx, "catalog", &args)
			return err
		}
	}
	const scope = `search domain "catalog"`
	synthtest.RunBadInputs(t, nil, []synthtest.BadInput[struct{}]{
		{
			Name:  "domain name", // CreateDomain: [a-z][a-z0-9\-]+, 3–28
			Build: newDomain(lake.SearchDomainArgs{DomainName: "Orders"}), Scope: scope,
			Problems: [][]string{{"DomainName", `"Orders"`, "3–28 lower-case"}},
		},
		{
			Name:  "domain name over 28 characters",
			Build: newDomain(lake.SearchDomainArgs{DomainName: strings.Repeat("d", 29)}), Scope: scope,
			Problems: [][]string{{"DomainName", "3–28"}},
		},
		{
			Name:  "engine version",
			Build: newDomain(lake.SearchDomainArgs{EngineVersion: "Elasticsearch_7.10"}), Scope: scope,
			Problems: [][]string{{"EngineVersion", `"Elasticsearch_7.10"`, "OpenSearch_X.Y"}},
		},
		{
			Name:  "instance types",
			Build: newDomain(lake.SearchDomainArgs{InstanceType: "t3.small", DedicatedMasterType: "m5.large.elasticsearch"}), Scope: scope,
			Problems: [][]string{{"InstanceType", `"t3.small"`, ".search"}, {"DedicatedMasterType", `"m5.large.elasticsearch"`, ".search"}},
		},
		{
			Name:  "odd node count over two zones",
			Build: newDomain(lake.SearchDomainArgs{InstanceCount: 3, InstanceType: "m7g.large.search"}), Scope: scope,
			Problems: [][]string{{"InstanceCount", "3", "even", "2 or 4"}},
		},
		{
			Name:  "negative node count",
			Build: newDomain(lake.SearchDomainArgs{InstanceCount: -1}), Scope: scope,
			Problems: [][]string{{"InstanceCount", "-1", "at least 1"}},
		},
		{
			Name:  "master count without type",
			Build: newDomain(lake.SearchDomainArgs{DedicatedMasterCount: 3}), Scope: scope,
			Problems: [][]string{{"DedicatedMasterCount", "3", "without DedicatedMasterType"}},
		},
		{
			Name:  "four masters",
			Build: newDomain(lake.SearchDomainArgs{DedicatedMasterType: "m7g.large.search", DedicatedMasterCount: 4}), Scope: scope,
			Problems: [][]string{{"DedicatedMasterCount", "4", "3 or 5"}},
		},
		{
			Name:  "volume below 10 GB",
			Build: newDomain(lake.SearchDomainArgs{VolumeGB: 5}), Scope: scope,
			Problems: [][]string{{"VolumeGB", "5", "below 10"}},
		},
		{
			Name:  "volume above the t3.small limit",
			Build: newDomain(lake.SearchDomainArgs{VolumeGB: 101}), Scope: scope,
			Problems: [][]string{{"VolumeGB", "101", "above 100", "t3.small.search"}},
		},
		{
			Name: "VPC subnets",
			Build: newDomain(lake.SearchDomainArgs{InstanceCount: 2, VPC: &lake.SearchVPC{
				SubnetIds: []string{""}, SecurityGroupIds: []string{""}}}), Scope: scope,
			Problems: [][]string{
				{"VPC.SubnetIds", "1 subnets", "2 Availability Zone", "exactly 2"},
				{"VPC.SubnetIds[0]", "empty"},
				{"VPC.SecurityGroupIds[0]", "empty"},
			},
		},
		{
			Name:  "log retention",
			Build: newDomain(lake.SearchDomainArgs{LogRetentionDays: 10}), Scope: scope,
			Problems: [][]string{{"LogRetentionDays", "10", "14, 30"}},
		},
	})
}

// checkReport runs kumo check on a synth result and fails on any
// error-level finding.
func checkClean(t *testing.T, p *synthtest.Project, s *synthtest.Stack) *kumocheck.Report {
	t.Helper()
	rep, err := kumocheck.Run(s.Result, p.Dir, nil)
	if err != nil {
		t.Fatalf("kumo check: %v", err)
	}
	for _, f := range rep.Findings {
		if f.Level == kumocheck.Error {
			t.Errorf("kumo check error %s on %s: %s", f.ID(), f.URN, f.Message)
		}
	}
	return rep
}

// suppressedOn returns rule → reason of the findings suppressed on the
// resource of typ named name.
func suppressedOn(rep *kumocheck.Report, typ, name string) map[string]string {
	out := map[string]string{}
	for _, f := range rep.Suppressed {
		if f.Type == typ && f.Name == name {
			out[f.ID()] = f.Suppression.Reason
		}
	}
	return out
}

func TestSearchDomainPassesKumoCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		args *lake.SearchDomainArgs
		// suppressed are the rules the domain's args cannot meet, and a
		// word of each reason.
		suppressed map[string]string
	}{
		{"dev-sized default", nil, map[string]string{
			"AwsSolutions-OS1": "SearchDomainArgs.VPC", "AwsSolutions-OS3": "IAM identity",
			"AwsSolutions-OS4": "DedicatedMasterType", "AwsSolutions-OS7": "InstanceCount",
		}},
		{"production-sized", &lake.SearchDomainArgs{
			InstanceType: "r7g.large.search", InstanceCount: 2, DedicatedMasterType: "m7g.large.search",
			VPC: &lake.SearchVPC{SubnetIds: []string{"subnet-a", "subnet-b"}},
		}, map[string]string{"AwsSolutions-OS3": "IAM identity"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := synthtest.NewProject(t)
			s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				d, err := lake.NewSearchDomain(ctx, "catalog", tc.args)
				if err != nil {
					return nil, err
				}
				fn, err := constructs.NewFunction(ctx, "fn", p.CheckedFnArgs())
				if err != nil {
					return nil, err
				}
				return nil, d.GrantReadWrite(fn)
			})
			rep := checkClean(t, p, s)
			got := suppressedOn(rep, typSearchDomain, "catalog")
			if !reflect.DeepEqual(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(tc.suppressed))) {
				t.Errorf("suppressed on the domain: got %v; want exactly %v", got, tc.suppressed)
			}
			for rule, word := range tc.suppressed {
				if !strings.Contains(got[rule], word) {
					t.Errorf("%s reason: got %q; want it to mention %q", rule, got[rule], word)
				}
			}
			if len(rep.Unused) > 0 {
				t.Errorf("unused suppressions: %+v", rep.Unused)
			}
		})
	}
}

// analyticsStack registers the three search and query constructs wired the way
// the data lake pattern would: a crawled catalog, a workgroup querying it,
// and a search domain an indexer writes and an API reads.
func analyticsStack(p *synthtest.Project) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		raw, err := lakeBucket(ctx, "raw")
		if err != nil {
			return nil, err
		}
		results, err := lakeBucket(ctx, "results")
		if err != nil {
			return nil, err
		}
		catalog, err := lake.NewGlueCatalog(ctx, "lake", &lake.GlueCatalogArgs{
			Targets:  []lake.CrawlerTarget{{Bucket: raw, Prefix: "sales/"}, {Bucket: raw, Prefix: "returns/"}},
			Schedule: "cron(0 2 * * ? *)",
		})
		if err != nil {
			return nil, err
		}
		wg, err := lake.NewWorkgroup(ctx, "analysts", &lake.WorkgroupArgs{ResultsBucket: results})
		if err != nil {
			return nil, err
		}
		search, err := lake.NewSearchDomain(ctx, "catalog", nil)
		if err != nil {
			return nil, err
		}
		api, err := constructs.NewFunction(ctx, "api", p.CheckedFnArgs())
		if err != nil {
			return nil, err
		}
		indexer, err := constructs.NewFunction(ctx, "indexer", p.CheckedFnArgs())
		if err != nil {
			return nil, err
		}
		for _, grant := range []func() error{
			func() error { return wg.GrantQuery(api) },
			func() error { return catalog.GrantRead(api) },
			func() error { return raw.GrantRead(api) },
			func() error {
				return search.Grant(lake.SearchGrants{Read: []constructs.Grantee{api}, ReadWrite: []constructs.Grantee{indexer}})
			},
		} {
			if err := grant(); err != nil {
				return nil, err
			}
		}
		return pulumi.Map{"endpoint": search.Endpoint, "workgroup": wg.Name, "database": catalog.DatabaseName}, nil
	}
}

// The search and query constructs synthesize byte-identical output in two
// runs and two checkouts, and together pass kumo check.
func TestSearchAndQueryDeterministicAndChecked(t *testing.T) {
	var outs [][]byte
	a, b := synthtest.NewProject(t), synthtest.NewProject(t)
	for i, p := range []*synthtest.Project{a, a, b} {
		s := p.Synth(analyticsStack(p))
		out, err := s.JSON()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
		if i == 0 {
			checkClean(t, p, s)
		}
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("second run in the same project differs from the first:\n%s", synthtest.FirstDiff(outs[0], outs[1]))
	}
	if !bytes.Equal(outs[0], outs[2]) {
		t.Errorf("run in another checkout differs:\n%s", synthtest.FirstDiff(outs[0], outs[2]))
	}
}
