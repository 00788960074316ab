package synth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Sources of the OpenSearch rules, and of the CloudWatch Logs resource
// policy a domain's log publishing needs.
const (
	srcOSCreateDomain     = "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_CreateDomain.html"
	srcOSClusterConfig    = "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_ClusterConfig.html"
	srcOSEBSOptions       = "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_EBSOptions.html"
	srcOSEBSLimits        = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/limits.html#ebsresource"
	srcOSEndpointOptions  = "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DomainEndpointOptions.html"
	srcOSLogPublishing    = "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_LogPublishingOption.html"
	srcOSSlowLogs         = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/createdomain-configure-slow-logs.html"
	srcOSAuditLogs        = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/audit-logs.html"
	srcOSMultiAZ          = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-multiaz.html"
	srcOSVPC              = "https://docs.aws.amazon.com/opensearch-service/latest/developerguide/vpc.html"
	srcOSUpdateConfig     = "https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_UpdateDomainConfig.html"
	srcLogsPutResourcePol = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html"
	// pulumi-aws autonames domainName with tfbridge.AutoName("domainName",
	// 255, "-") (provider/resources.go aws_opensearch_domain) although
	// CreateDomain and the Terraform provider's own validation
	// (internal/service/opensearch/domain.go, ^[a-z][0-9a-z\-]{2,27}$)
	// take 28 characters: an autonamed domain fits only for a resource name
	// of at most 20 lower-case characters.
	srcProviderOSDomainName = "pulumi-aws provider/resources.go aws_opensearch_domain domain_name tfbridge.AutoName(\"domainName\", 255, \"-\"); terraform-provider-aws internal/service/opensearch/domain.go domain_name ^[a-z][0-9a-z\\-]{2,27}$"
	// The ordering need: CreateDomain fails with "ValidationException: The
	// Resource Access Policy specified for the CloudWatch Logs log group …
	// does not grant sufficient permissions for Amazon OpenSearch Service to
	// create a log stream" (hashicorp/terraform-provider-aws#6606).
	srcOSLogPolicyFirst = srcOSSlowLogs + "; hashicorp/terraform-provider-aws issue 6606 (ValidationException: The Resource Access Policy specified for the CloudWatch Logs log group … does not grant sufficient permissions)"
	// pulumi-aws v6.83 cloudwatch.LogResourcePolicyArgs.PolicyDocument:
	// "Maximum length of 5120 characters"; the Step Functions guide: "CloudWatch
	// Logs resource policies are limited to 5120 characters".
	srcLogsPolicySize = srcLogsPutResourcePol + "; pulumi-aws v6.83 cloudwatch.LogResourcePolicyArgs PolicyDocument (Maximum length of 5120 characters); https://docs.aws.amazon.com/step-functions/latest/dg/bp-cwl.html"
)

// OpenSearch's limits and enumerations.
var (
	// CreateDomain EngineVersion: "String of format Elasticsearch_X.Y or
	// OpenSearch_X.Y".
	osEngineVersion = regexp.MustCompile(`^(OpenSearch_[0-9]{1,2}\.[0-9]{1,2}|Elasticsearch_[0-9]\.[0-9]{1,2})$`)
	// ClusterConfig InstanceType and DedicatedMasterType: every
	// OpenSearchPartitionInstanceType value ends in ".search" (the
	// provider's docs: "instanceType argument values end in search for
	// OpenSearch vs. elasticsearch for Elasticsearch").
	osInstanceType = regexp.MustCompile(`^[a-z][a-z0-9]*\.[a-z0-9]+\.search$`)
	// osVolumeMaxGB are the largest EBS volumes of the small instance types
	// (EBS volume size quotas); every type takes at least 10 GiB.
	osVolumeMaxGB = map[string]int64{"t3.small.search": 100, "t3.medium.search": 200}
	// DomainEndpointOptions TLSSecurityPolicy: the API reference's three
	// values, and the FIPS policy AWS SDKs added in 2024-08.
	osTLSPolicies = []string{"Policy-Min-TLS-1-0-2019-07", "Policy-Min-TLS-1-2-2019-07",
		"Policy-Min-TLS-1-2-PFS-2023-10", "Policy-Min-TLS-1-2-RFC9151-FIPS-2024-08"}
	osLogTypes = []string{"INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS", "ES_APPLICATION_LOGS", "AUDIT_LOGS"}
)

const (
	osMinVolumeGB = 10
	// CreateDomain AccessPolicies: "Maximum length of 102400".
	osAccessPolicyMax = 102400
	// logsPolicyMax is a CloudWatch Logs resource policy's size.
	logsPolicyMax = 5120
	// logsPoliciesPerRegion: "An account can have up to 10 resource
	// policies per AWS Region" (PutResourcePolicy).
	logsPoliciesPerRegion = 10
)

var opensearchSpecs = map[string]Spec{
	"aws:opensearch/domain:Domain": {
		Names: []Name{{Prop: "domainName",
			Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderOSDomainName},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[a-z][a-z0-9-]+$`), Min: 3, Max: 28,
				Desc: "a domain name is 3–28 lower-case letters, digits or '-', starting with a letter", Source: srcOSCreateDomain}}},
		Checks: []Check{
			matches("engineVersion", StringRule{Pattern: osEngineVersion, Min: 14, Max: 18,
				Desc: "engineVersion is OpenSearch_X.Y or Elasticsearch_X.Y", Source: srcOSCreateDomain}),
			matches("clusterConfig.instanceType", StringRule{Pattern: osInstanceType,
				Desc: "an OpenSearch instance type ends in .search, e.g. t3.small.search", Source: srcOSClusterConfig}),
			matches("clusterConfig.dedicatedMasterType", StringRule{Pattern: osInstanceType,
				Desc: "an OpenSearch instance type ends in .search, e.g. m7g.large.search", Source: srcOSClusterConfig}),
			intRange(srcOSClusterConfig, "clusterConfig.instanceCount", 1, 1002),
			// The provider takes availability_zone_count 2 or 3
			// (validation.IntInSlice([]int{2, 3})), as the API does.
			intRange(srcOSClusterConfig, "clusterConfig.zoneAwarenessConfig.availabilityZoneCount", 2, 3),
			{Rule: "with zone awareness, the number of data nodes is a multiple of the Availability Zone count (2 unless zoneAwarenessConfig says 3)", Source: srcOSMultiAZ,
				Find: func(r *Resource, _ *Stack) []Finding {
					if on, _ := r.Value("clusterConfig.zoneAwarenessEnabled"); on != true {
						return nil
					}
					v, ok := r.Value("clusterConfig.instanceCount")
					n, isInt := asInt(v)
					if !ok || !isInt {
						return nil
					}
					if zones := osZones(r); n%zones != 0 {
						return []Finding{{Property: "clusterConfig.instanceCount", Value: fmt.Sprintf("%d nodes in %d zones", n, zones)}}
					}
					return nil
				}},
			{Rule: "a VPC domain has exactly one subnet per Availability Zone it spans (one without zone awareness)", Source: srcOSVPC,
				Find: func(r *Resource, _ *Stack) []Finding {
					v, ok := r.Value("vpcOptions.subnetIds")
					list, isList := v.([]any)
					if !ok || !isList {
						return nil
					}
					zones := int64(1)
					if on, _ := r.Value("clusterConfig.zoneAwarenessEnabled"); on == true {
						zones = osZones(r)
					}
					if int64(len(list)) != zones {
						return []Finding{{Property: "vpcOptions.subnetIds", Value: fmt.Sprintf("%d subnets for %d zone(s)", len(list), zones)}}
					}
					return nil
				}},
			oneOf(srcOSEBSOptions, "ebsOptions.volumeType", "standard", "gp2", "io1", "gp3"),
			{Rule: fmt.Sprintf("an EBS volume is at least %d GiB, and at most the instance type's largest (100 GiB on t3.small.search, 200 on t3.medium.search)", osMinVolumeGB), Source: srcOSEBSLimits,
				Find: func(r *Resource, _ *Stack) []Finding {
					v, ok := r.Value("ebsOptions.volumeSize")
					n, isInt := asInt(v)
					if !ok || !isInt {
						return nil
					}
					typ, _ := r.String("clusterConfig.instanceType")
					if max, known := osVolumeMaxGB[typ]; n < osMinVolumeGB || known && n > max {
						return []Finding{{Property: "ebsOptions.volumeSize", Value: fmt.Sprintf("%d GiB on %s", n, typ)}}
					}
					return nil
				}},
			oneOf(srcOSEndpointOptions, "domainEndpointOptions.tlsSecurityPolicy", osTLSPolicies...),
			oneOf(srcOSLogPublishing, "logPublishingOptions[].logType", osLogTypes...),
			{Rule: "audit logs (AUDIT_LOGS) need fine-grained access control: advancedSecurityOptions.enabled", Source: srcOSAuditLogs,
				Find: func(r *Resource, _ *Stack) []Finding {
					for _, t := range values(r, "logPublishingOptions[].logType") {
						if t == "AUDIT_LOGS" {
							if on, _ := r.Value("advancedSecurityOptions.enabled"); on != true {
								return []Finding{{Property: "logPublishingOptions", Value: "AUDIT_LOGS"}}
							}
						}
					}
					return nil
				}},
			osLogPolicyFirst(),
			analyticsUnique("aws:opensearch/domain:Domain", "domainName", "", srcOSCreateDomain),
		},
	},

	"aws:opensearch/domainPolicy:DomainPolicy": {
		Checks: []Check{
			required(srcOSUpdateConfig, "domainName", "accessPolicies"),
			policyDocument(srcOSCreateDomain, "accessPolicies", osAccessPolicyMax),
			{Rule: "a domain has one access policy: another aws:opensearch/domainPolicy, or the domain's own accessPolicies, names the same domain, and each update overwrites the other", Source: srcOSUpdateConfig,
				Find: func(r *Resource, s *Stack) []Finding {
					name, ok := r.String("domainName")
					if !ok {
						return nil
					}
					policies := s.index("domainName", "aws:opensearch/domainPolicy:DomainPolicy", func(p *Resource) (string, bool) {
						return p.String("domainName")
					})[name]
					if len(policies) > 1 {
						return []Finding{{Property: "domainName", Value: fmt.Sprintf("%s (also %s)", name, other(policies, r).URN)}}
					}
					for _, d := range s.named("aws:opensearch/domain:Domain", "domainName", name) {
						if _, set := d.Value("accessPolicies"); set {
							return []Finding{{Property: "domainName", Value: fmt.Sprintf("%s (accessPolicies also set on %s)", name, d.URN)}}
						}
					}
					return nil
				}},
			{Rule: "the domain the policy names must exist first: depend on the aws:opensearch/domain of this stack that creates it", Source: srcOSUpdateConfig,
				Find: func(r *Resource, s *Stack) []Finding {
					name, ok := r.String("domainName")
					if !ok {
						return nil
					}
					if domains := s.named("aws:opensearch/domain:Domain", "domainName", name); len(domains) > 0 {
						return afterAny(r, s, domains, "domainName", name)
					}
					return nil
				}},
		},
	},
}

// osZones is the Availability Zone count of a zone-aware domain.
func osZones(r *Resource) int64 {
	if v, ok := r.Value("clusterConfig.zoneAwarenessConfig.availabilityZoneCount"); ok {
		if n, isInt := asInt(v); isInt && n > 0 {
			return n
		}
	}
	return 2
}

// osLogPolicyFirst: each log group a domain publishes to must be writable
// by es.amazonaws.com through a CloudWatch Logs resource policy the domain
// is created after.
func osLogPolicyFirst() Check {
	return Check{
		Rule:   "a domain publishing logs needs a CloudWatch Logs resource policy that lets es.amazonaws.com create log streams and put events in the log group, created first: depend on the aws:cloudwatch/logResourcePolicy",
		Source: srcOSLogPolicyFirst,
		Find: func(r *Resource, s *Stack) []Finding {
			var fs []Finding
			for _, o := range values(r, "logPublishingOptions[]") {
				opt, _ := o.(map[string]any)
				if on, set := opt["enabled"]; set && on == false {
					continue
				}
				arn, _ := opt["cloudwatchLogGroupArn"].(string)
				covered := false
				for _, p := range s.Resources("aws:cloudwatch/logResourcePolicy:LogResourcePolicy") {
					if s.DependsOn(r, p) && logPolicyLetsServiceWrite(p, "es.amazonaws.com", arn) {
						covered = true
						break
					}
				}
				if !covered {
					t, _ := opt["logType"].(string)
					fs = append(fs, Finding{Property: "logPublishingOptions", Value: t + " → " + arn})
				}
			}
			return fs
		},
	}
}

// logPolicyLetsServiceWrite reports whether resource policy p allows
// service to create log streams in and put events to logGroupArn (any log
// group when the ARN is not known yet). A document synth cannot read
// counts as allowing it.
func logPolicyLetsServiceWrite(p *Resource, service, logGroupArn string) bool {
	doc, ok := p.String("policyDocument")
	if !ok {
		_, set := p.Value("policyDocument")
		return set
	}
	var d struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if json.Unmarshal([]byte(doc), &d) != nil {
		return false
	}
	var sts []map[string]any
	if json.Unmarshal(d.Statement, &sts) != nil {
		var one map[string]any
		if json.Unmarshal(d.Statement, &one) != nil {
			return false
		}
		sts = []map[string]any{one}
	}
	stream := logGroupArn + ":log-stream:x"
	for _, st := range sts {
		if st["Effect"] != "Allow" {
			continue
		}
		principal, _ := st["Principal"].(map[string]any)
		if !slices.Contains(jsonStrings(principal["Service"]), service) {
			continue
		}
		actions := jsonStrings(st["Action"])
		allows := func(action string) bool {
			return slices.ContainsFunc(actions, func(a string) bool { return a == "*" || a == "logs:*" || a == action })
		}
		if !allows("logs:CreateLogStream") || !allows("logs:PutLogEvents") {
			continue
		}
		if logGroupArn == "" || isPlaceholder(logGroupArn) {
			return true
		}
		for _, res := range jsonStrings(st["Resource"]) {
			if arnGlob(res).MatchString(stream) {
				return true
			}
		}
	}
	return false
}

// jsonStrings reads a policy element that is a string or a list of them.
func jsonStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// arnGlob turns a policy Resource with '*' and '?' wildcards into a regexp.
func arnGlob(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// logResourcePolicySpecs are CloudWatch Logs' account-level resource
// policies, which kumo emits only for OpenSearch log publishing so far.
var logResourcePolicySpecs = map[string]Spec{
	"aws:cloudwatch/logResourcePolicy:LogResourcePolicy": {
		// The provider does not autoname policyName (it is no "name"
		// property), and PutResourcePolicy requires it.
		Names: []Name{{Prop: "policyName", Required: true,
			Rule: StringRule{Min: 1, Desc: "a resource policy needs a name", Source: srcLogsPutResourcePol}}},
		Checks: []Check{
			required(srcLogsPutResourcePol, "policyDocument"),
			{Rule: fmt.Sprintf("a resource policy is JSON with Version and Statement, at most %d characters", logsPolicyMax), Source: srcLogsPolicySize,
				Find: func(r *Resource, _ *Stack) []Finding {
					doc, ok := r.String("policyDocument")
					if !ok {
						return nil
					}
					if problem := policyProblem(doc, logsPolicyMax); problem != "" {
						return []Finding{{Property: "policyDocument", Value: problem}}
					}
					if n := len([]rune(doc)); n > logsPolicyMax {
						return []Finding{{Property: "policyDocument", Value: fmt.Sprintf("%d characters", n)}}
					}
					return nil
				}},
			{Rule: fmt.Sprintf("an account has at most %d CloudWatch Logs resource policies per region; this stack alone creates more", logsPoliciesPerRegion), Source: srcLogsPutResourcePol,
				Find: func(r *Resource, s *Stack) []Finding {
					all := s.Resources(r.Type)
					if len(all) > logsPoliciesPerRegion && all[len(all)-1] == r {
						return []Finding{{Property: "(count)", Value: len(all)}}
					}
					return nil
				}},
			analyticsUnique("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "policyName", "", srcLogsPutResourcePol),
		},
	},
}

// analyticsUnique is rules_unique.go's check for the search and query
// types: a physical name prop AWS keeps unique in the account and region,
// or within the value of input within; the second create of a duplicate
// fails (ResourceAlreadyExistsException, AlreadyExistsException).
func analyticsUnique(typ, prop, within, source string) Check {
	scope := "in the account and region"
	if within != "" {
		scope = "within its " + within
	}
	return Check{
		Rule:   fmt.Sprintf("%s must be unique %s; another resource of this stack has the same one, and the second create would fail", prop, scope),
		Source: source,
		Find: func(r *Resource, s *Stack) []Finding {
			name := r.Physical(prop)
			if name == "" || isPlaceholder(name) {
				return nil
			}
			key := func(x *Resource) (string, bool) {
				p := ""
				if within != "" {
					p, _ = x.String(within)
				}
				return p + "\x00" + x.Physical(prop), true
			}
			k, _ := key(r)
			if same := s.index("analytics unique "+prop+" "+within, typ, key)[k]; len(same) > 1 {
				return []Finding{{Property: prop, Value: fmt.Sprintf("%s (also %s)", name, other(same, r).URN)}}
			}
			return nil
		},
	}
}
