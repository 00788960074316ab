package synth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/awsregions"
)

// Sources of the Route 53 rules.
const (
	// ChangeResourceRecordSets and its ResourceRecordSet: Name "Maximum
	// length of 1024"; Type's values; SetIdentifier "Length Constraints:
	// Minimum length of 1. Maximum length of 128", needed by "resource
	// record sets that have a routing policy other than simple"; Weight
	// "Valid Range: Minimum value of 0. Maximum value of 255"; Failover
	// "Valid Values: PRIMARY | SECONDARY"; TTL: "If you're creating or
	// updating an alias resource record set, omit TTL"; HealthCheckId
	// "Maximum length of 64".
	srcR53ChangeRRSets = "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html"
	srcR53RRSet        = "https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html"
	// AliasTarget: HostedZoneId "Maximum length of 32", DNSName "Maximum
	// length of 1024".
	srcR53AliasTarget = "https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html"
	// terraform-provider-aws internal/service/route53/record.go: alias
	// ExactlyOneOf records and ConflictsWith ttl; every routing policy
	// ConflictsWith the others and is RequiredWith set_identifier.
	srcTFR53Record = "terraform-provider-aws internal/service/route53/record.go (alias ExactlyOneOf records, ConflictsWith ttl; routing policies ConflictsWith each other, RequiredWith set_identifier)"
	// Records of one name and type are one "RRSet": CREATE of an existing
	// one fails ("Tried to create resource record set … but it already
	// exists"), and a failover set has one PRIMARY and one SECONDARY
	// ("Failover: … you can't create two PRIMARY").
	srcR53FailoverConfig = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-configuring.html; " + srcR53ChangeRRSets + " (InvalidChangeBatch: Tried to create resource record set … but it already exists)"
	// CreateHealthCheck's HealthCheckConfig: Type's values; Port "Valid
	// Range: Minimum value of 1. Maximum value of 65535"; ResourcePath and
	// SearchString "Maximum length of 255"; FullyQualifiedDomainName
	// "Maximum length of 255"; RequestInterval "Valid Range: Minimum value
	// of 10. Maximum value of 30" (10 or 30: terraform IntInSlice{10, 30});
	// FailureThreshold "Valid Range: Minimum value of 1. Maximum value of
	// 10"; an endpoint check needs IPAddress or FullyQualifiedDomainName.
	srcR53HealthCheckConfig = "https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html"
	srcTFR53HealthCheck     = "terraform-provider-aws internal/service/route53/health_check.go (request_interval IntInSlice{10, 30}, failure_threshold IntBetween(1, 10), resource_path StringLenBetween(0, 255), port IsPortNumber); " + srcR53HealthCheckConfig
)

var r53RecordTypes = []string{"A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "SSHFP", "SVCB", "TLSA", "TXT"}

// r53Policies are the routing policy inputs of a record; a record has at
// most one, and then a setIdentifier.
var r53Policies = []string{"cidrRoutingPolicy", "failoverRoutingPolicies", "geolocationRoutingPolicies",
	"geoproximityRoutingPolicy", "latencyRoutingPolicies", "multivalueAnswerRoutingPolicy", "weightedRoutingPolicies"}

// r53Policy is the routing policy a record sets ("" for simple routing).
func r53Policy(r *Resource) string {
	for _, p := range r53Policies {
		if p == "multivalueAnswerRoutingPolicy" {
			if v, _ := r.Value(p); v == true {
				return p
			}
			continue
		}
		if nonEmpty(r, p) {
			return p
		}
	}
	return ""
}

// healthCheckID is the shape of a Route 53 health check ID (a UUID).
var healthCheckID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// rrsetKey identifies a record's RRSet and set member: zone, lower-case
// name without the final dot, type and set identifier.
func rrsetKey(r *Resource) (string, bool) {
	zone, ok1 := r.String("zoneId")
	name, ok2 := r.String("name")
	typ, ok3 := r.String("type")
	if !ok1 || !ok2 || !ok3 {
		return "", false
	}
	return zone + " " + strings.ToLower(strings.TrimSuffix(name, ".")) + " " + typ, true
}

var route53Specs = map[string]Spec{
	tRoute53Record: {
		Checks: []Check{
			required(srcR53ChangeRRSets, "name", "type", "zoneId"),
			oneOf(srcR53RRSet, "type", r53RecordTypes...),
			matches("name", StringRule{Min: 1, Max: 1024, Desc: "a record name is 1–1024 characters", Source: srcR53RRSet}),
			{Rule: "a record is an alias or has records, exactly one of them", Source: srcTFR53Record,
				Find: func(r *Resource, _ *Stack) []Finding {
					if alias, recs := nonEmpty(r, "aliases"), nonEmpty(r, "records"); alias == recs {
						return []Finding{{Property: "records", Value: fmt.Sprintf("aliases set %v, records set %v", alias, recs)}}
					}
					return nil
				}},
			{Rule: "an alias record takes no ttl (the alias target's TTL applies); a record with records needs one", Source: srcR53RRSet + "; " + srcTFR53Record,
				Find: func(r *Resource, _ *Stack) []Finding {
					ttl, hasTTL := r.Value("ttl")
					if nonEmpty(r, "aliases") && hasTTL {
						return []Finding{{Property: "ttl", Value: ttl}}
					}
					if nonEmpty(r, "records") && !nonEmpty(r, "aliases") && !hasTTL {
						return []Finding{{Property: "ttl"}}
					}
					return nil
				}},
			{Rule: "a record has at most one alias target", Source: srcTFR53Record + " (alias MaxItems 1)",
				Find: func(r *Resource, _ *Stack) []Finding {
					if a := values(r, "aliases[]"); len(a) > 1 {
						return []Finding{{Property: "aliases", Value: fmt.Sprintf("%d targets", len(a))}}
					}
					return nil
				}},
			requiredEach(srcR53AliasTarget, "aliases", "name", "zoneId"),
			matches("aliases[].name", StringRule{Min: 1, Max: 1024, Desc: "an alias target's DNS name is 1–1024 characters", Source: srcR53AliasTarget}),
			matches("aliases[].zoneId", StringRule{Min: 1, Max: 32, Desc: "an alias target's hosted zone ID is 1–32 characters", Source: srcR53AliasTarget}),
			matches("setIdentifier", StringRule{Min: 1, Max: 128, Desc: "a set identifier is 1–128 characters", Source: srcR53RRSet}),
			{Rule: "a record has at most one routing policy, and a routing policy needs a setIdentifier (only simple records go without)", Source: srcTFR53Record + "; " + srcR53RRSet,
				Find: func(r *Resource, _ *Stack) []Finding {
					var set []string
					for _, p := range r53Policies {
						if v, _ := r.Value(p); (p == "multivalueAnswerRoutingPolicy" && v == true) || (p != "multivalueAnswerRoutingPolicy" && nonEmpty(r, p)) {
							set = append(set, p)
						}
					}
					if len(set) > 1 {
						return []Finding{{Property: set[1], Value: strings.Join(set, ", ")}}
					}
					_, hasID := r.Value("setIdentifier")
					if len(set) == 1 && !hasID {
						return []Finding{{Property: "setIdentifier", Value: "(not set, with " + set[0] + ")"}}
					}
					if len(set) == 0 && hasID {
						id, _ := r.Value("setIdentifier")
						return []Finding{{Property: "setIdentifier", Value: fmt.Sprint(id) + " (without a routing policy)"}}
					}
					return nil
				}},
			oneOf(srcR53RRSet, "failoverRoutingPolicies[].type", "PRIMARY", "SECONDARY"),
			intRange(srcR53RRSet, "weightedRoutingPolicies[].weight", 0, 255),
			requiredEach(srcR53RRSet, "weightedRoutingPolicies", "weight"),
			requiredEach(srcR53RRSet, "latencyRoutingPolicies", "region"),
			requiredEach(srcR53RRSet, "failoverRoutingPolicies", "type"),
			{Rule: "a latency record's region is an AWS region", Source: srcR53RRSet + " (Region); " + awsregions.Source,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, v := range values(r, "latencyRoutingPolicies[].region") {
						if s, ok := v.(string); ok && !isPlaceholder(s) && !awsregions.Known(s) {
							fs = append(fs, Finding{Property: "latencyRoutingPolicies.region", Value: s})
						}
					}
					return fs
				}},
			{Rule: "healthCheckId is a Route 53 health check ID (a UUID, at most 64 characters)", Source: srcR53RRSet,
				Find: func(r *Resource, _ *Stack) []Finding {
					if id, ok := r.String("healthCheckId"); ok && !healthCheckID.MatchString(id) {
						return []Finding{{Property: "healthCheckId", Value: id}}
					}
					return nil
				}},
			{Rule: "records of one zone, name and type form one record set: each needs its own setIdentifier, all use the same routing policy, and a failover set has one PRIMARY and one SECONDARY",
				Source: srcR53FailoverConfig,
				Find: func(r *Resource, s *Stack) []Finding {
					key, ok := rrsetKey(r)
					if !ok {
						return nil
					}
					same := s.index("rrset", tRoute53Record, rrsetKey)[key]
					id, _ := r.String("setIdentifier")
					failover := ""
					if v := values(r, "failoverRoutingPolicies[].type"); len(v) > 0 {
						failover, _ = v[0].(string)
					}
					for _, o := range same {
						if o == r {
							continue
						}
						oid, _ := o.String("setIdentifier")
						ov, _ := o.Value("allowOverwrite")
						upsert := ov == true
						switch {
						case oid == id && upsert:
							// allowOverwrite UPSERTs: ACM asks for the same
							// validation record in every region.
						case oid == id:
							return []Finding{{Property: "setIdentifier", Value: fmt.Sprintf("%q (also %s)", id, o.URN)}}
						case r53Policy(o) != r53Policy(r):
							return []Finding{{Property: "name", Value: fmt.Sprintf("%s routes by %s, %s by %s", key, orSimple(r53Policy(r)), o.URN, orSimple(r53Policy(o)))}}
						}
						if v := values(o, "failoverRoutingPolicies[].type"); failover != "" && len(v) > 0 && v[0] == failover {
							return []Finding{{Property: "failoverRoutingPolicies", Value: fmt.Sprintf("%s (also %s)", failover, o.URN)}}
						}
					}
					return nil
				}},
		},
	},
	tRoute53HealthCheck: {
		Checks: []Check{
			required(srcR53HealthCheckConfig, "type"),
			oneOf(srcR53HealthCheckConfig, "type", "HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP", "CALCULATED", "CLOUDWATCH_METRIC", "RECOVERY_CONTROL"),
			intRange(srcTFR53HealthCheck, "port", 1, 65535),
			intRange(srcTFR53HealthCheck, "failureThreshold", 1, 10),
			{Rule: "requestInterval is 10 or 30 seconds", Source: srcTFR53HealthCheck,
				Find: func(r *Resource, _ *Stack) []Finding {
					if v, ok := r.Value("requestInterval"); ok {
						if n, _ := asInt(v); n != 10 && n != 30 {
							return []Finding{{Property: "requestInterval", Value: v}}
						}
					}
					return nil
				}},
			matches("resourcePath", StringRule{Max: 255, Desc: "a health check's resource path is at most 255 characters", Source: srcTFR53HealthCheck}),
			matches("fqdn", StringRule{Max: 255, Desc: "a health check's domain name is at most 255 characters", Source: srcTFR53HealthCheck}),
			matches("searchString", StringRule{Max: 255, Desc: "a health check's search string is at most 255 characters", Source: srcTFR53HealthCheck}),
			{Rule: "an endpoint health check (HTTP, HTTPS, TCP and the string matches) needs fqdn or ipAddress", Source: srcR53HealthCheckConfig,
				Find: func(r *Resource, _ *Stack) []Finding {
					t, _ := r.String("type")
					if slices.Contains([]string{"HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"}, t) && !nonEmpty(r, "fqdn") && !nonEmpty(r, "ipAddress") {
						return []Finding{{Property: "fqdn", Value: "(neither fqdn nor ipAddress set, type " + t + ")"}}
					}
					return nil
				}},
			{Rule: "a string-match health check needs searchString", Source: srcR53HealthCheckConfig,
				Find: func(r *Resource, _ *Stack) []Finding {
					if t, _ := r.String("type"); strings.HasSuffix(t, "_STR_MATCH") && !nonEmpty(r, "searchString") {
						return []Finding{{Property: "searchString"}}
					}
					return nil
				}},
		},
	},
}

// requiredEach: every element of the list input list sets each of props.
func requiredEach(source, list string, props ...string) Check {
	return Check{
		Rule:   "required by the API",
		Source: source,
		Find: func(r *Resource, _ *Stack) []Finding {
			var fs []Finding
			for _, e := range values(r, list+"[]") {
				for _, p := range props {
					if v, ok := Field(e, p); !ok || v == "" {
						fs = append(fs, Finding{Property: list + "." + p})
					}
				}
			}
			return fs
		},
	}
}

func orSimple(policy string) string {
	if policy == "" {
		return "simple routing"
	}
	return policy
}

const (
	tRoute53Record      = "aws:route53/record:Record"
	tRoute53HealthCheck = "aws:route53/healthCheck:HealthCheck"
)
