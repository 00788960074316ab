package check

import (
	"encoding/json"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// OpenSearch rules, over aws:opensearch/domain:Domain and the legacy
// aws:elasticsearch/domain:Domain, as cdk-nag reads both
// AWS::OpenSearchService::Domain and AWS::Elasticsearch::Domain. Both
// pulumi types spell the inputs alike (clusterConfig, encryptAtRest,
// nodeToNodeEncryption, vpcOptions, logPublishingOptions). The access
// policy is the domain's accessPolicies or a domain policy resource naming
// the domain (domainName), each a JSON string.

const (
	typeOpenSearchDomain          = "aws:opensearch/domain:Domain"
	typeOpenSearchDomainPolicy    = "aws:opensearch/domainPolicy:DomainPolicy"
	typeElasticsearchDomain       = "aws:elasticsearch/domain:Domain"
	typeElasticsearchDomainPolicy = "aws:elasticsearch/domainPolicy:DomainPolicy"
)

var openSearchTypes = []string{typeOpenSearchDomain, typeElasticsearchDomain}

func init() {
	register(
		// cdk-nag: src/rules/opensearch/OpenSearchInVPCOnly.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/opensearch/OpenSearchInVPCOnly.ts):
		// VPCOptions.SubnetIds defined and non-empty; an unresolved list
		// passes, as an unknown one does here.
		Rule{
			ID: "AwsSolutions-OS1", Level: Error, Types: openSearchTypes,
			What: "The OpenSearch Service domain is not provisioned inside a VPC.",
			Why:  "Provisioning the domain within a VPC enables better flexibility and control over the clusters access and security as this feature keeps all traffic between the VPC and OpenSearch domains within the AWS network instead of going over the public Internet.",
			Fix:  "Set vpcOptions.subnetIds (and securityGroupIds) to subnets of your VPC.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "vpcOptions.subnetIds") {
					return nil
				}
				return hit("vpcOptions.subnetIds is not set: the domain has a public endpoint")
			},
		},
		// cdk-nag: src/rules/opensearch/OpenSearchNodeToNodeEncryption.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/opensearch/OpenSearchNodeToNodeEncryption.ts):
		// NodeToNodeEncryptionOptions.Enabled === true (resolveIfPrimitive:
		// unknown is a finding).
		Rule{
			ID: "AwsSolutions-OS2", Level: Error, Types: openSearchTypes,
			What: "The OpenSearch Service domain does not have node-to-node encryption enabled.",
			Why:  "Enabling the node-to-node encryption feature adds an extra layer of data protection on top of the existing ES security features such as HTTPS client to cluster encryption and data-at-rest encryption.",
			Fix:  "Set nodeToNodeEncryption.enabled to true.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				return openSearchTrue(r, "nodeToNodeEncryption.enabled")
			},
		},
		// cdk-nag: src/rules/opensearch/OpenSearchAllowlistedIPs.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/opensearch/OpenSearchAllowlistedIPs.ts):
		// an access policy with statements must exist, and every Allow
		// statement needs a non-empty Condition.IpAddress["aws:sourceIp"].
		// cdk-nag matches the key case-sensitively, so AWS's own spelling
		// aws:SourceIp fails there; IAM condition keys are case-insensitive,
		// and kumo matches them so.
		Rule{
			ID: "AwsSolutions-OS3", Level: Error, Types: openSearchTypes,
			What: "The OpenSearch Service domain does not only grant access via allowlisted IP addresses.",
			Why:  "Using allowlisted IP addresses helps protect the domain against unauthorized access.",
			Fix:  "Give every Allow statement of the domain's access policy (accessPolicies, or an aws:opensearch/domainPolicy) a Condition {\"IpAddress\": {\"aws:SourceIp\": [...]}} listing the networks that may reach it.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				sts, problem := openSearchPolicy(r, g)
				if problem != "" {
					return hit("%s", problem)
				}
				for _, st := range sts {
					if st.Effect == "Allow" && !openSearchIPAllowlist(st) {
						return hit("an Allow statement%s of the access policy has no IpAddress aws:SourceIp condition", sidOf(st))
					}
				}
				return nil
			},
		},
		// cdk-nag: src/rules/opensearch/OpenSearchDedicatedMasterNode.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/opensearch/OpenSearchDedicatedMasterNode.ts):
		// ClusterConfig.DedicatedMasterEnabled truthy (resolveIfPrimitive).
		Rule{
			ID: "AwsSolutions-OS4", Level: Error, Types: openSearchTypes,
			What: "The OpenSearch Service domain does not use dedicated master nodes.",
			Why:  "Using dedicated master nodes helps improve environmental stability by offloading all the management tasks from the data nodes.",
			Fix:  "Set clusterConfig.dedicatedMasterEnabled to true, with dedicatedMasterType and dedicatedMasterCount (3).",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				return openSearchTrue(r, "clusterConfig.dedicatedMasterEnabled")
			},
		},
		// cdk-nag: src/rules/opensearch/OpenSearchNoUnsignedOrAnonymousAccess.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/opensearch/OpenSearchNoUnsignedOrAnonymousAccess.ts):
		// an access policy with statements must exist, and no Allow
		// statement's Principal, as JSON, may contain "*".
		Rule{
			ID: "AwsSolutions-OS5", Level: Error, Types: openSearchTypes,
			What: "The OpenSearch Service domain allows for unsigned requests or anonymous access.",
			Why:  "Restricting public access helps prevent unauthorized access and prevents any unsigned requests to be made to the resources.",
			Fix:  "Name the IAM principals (role ARNs) allowed in the domain's access policy instead of \"*\".",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				sts, problem := openSearchPolicy(r, g)
				if problem != "" {
					return hit("%s", problem)
				}
				for _, st := range sts {
					if st.Effect != "Allow" || st.Principal == nil {
						continue
					}
					if b, err := json.Marshal(st.Principal); err == nil && strings.Contains(string(b), "*") {
						return hit("an Allow statement%s of the access policy has a wildcard principal %s", sidOf(st), b)
					}
				}
				return nil
			},
		},
		// cdk-nag: src/rules/opensearch/OpenSearchZoneAwareness.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/opensearch/OpenSearchZoneAwareness.ts):
		// ClusterConfig.ZoneAwarenessEnabled truthy (resolveIfPrimitive).
		Rule{
			ID: "AwsSolutions-OS7", Level: Error, Types: openSearchTypes,
			What: "The OpenSearch Service domain does not have Zone Awareness enabled.",
			Why:  "Enabling cross-zone replication (Zone Awareness) increases the availability of the OpenSearch Service domain by allocating the nodes and replicate the data across two AZs in the same region in order to prevent data loss and minimize downtime in the event of node or AZ failure.",
			Fix:  "Set clusterConfig.zoneAwarenessEnabled to true, with zoneAwarenessConfig.availabilityZoneCount and an even instanceCount.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				return openSearchTrue(r, "clusterConfig.zoneAwarenessEnabled")
			},
		},
		// cdk-nag: src/rules/opensearch/OpenSearchEncryptedAtRest.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/opensearch/OpenSearchEncryptedAtRest.ts):
		// EncryptionAtRestOptions.Enabled === true (resolveIfPrimitive).
		Rule{
			ID: "AwsSolutions-OS8", Level: Error, Types: openSearchTypes,
			What: "The OpenSearch Service domain does not have encryption at rest enabled.",
			Why:  "Encrypting data-at-rest protects data confidentiality and prevents unauthorized users from accessing sensitive information.",
			Fix:  "Set encryptAtRest.enabled to true (kmsKeyId defaults to the aws/es key).",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				return openSearchTrue(r, "encryptAtRest.enabled")
			},
		},
		// cdk-nag: src/rules/opensearch/OpenSearchSlowLogsToCloudWatch.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/opensearch/OpenSearchSlowLogsToCloudWatch.ts):
		// granular, "LogExport::<log>" for each of SEARCH_SLOW_LOGS and
		// INDEX_SLOW_LOGS not published with a truthy Enabled. CloudFormation
		// keys LogPublishingOptions by log type; pulumi takes a list of
		// {logType, cloudwatchLogGroupArn, enabled}, and its enabled defaults
		// to true, so an entry without it publishes (CloudFormation's Enabled
		// has no default, which is why cdk-nag fails it there).
		Rule{
			ID: "AwsSolutions-OS9", Level: Error, Types: openSearchTypes, Granular: true,
			What: "The OpenSearch Service domain does not minimally publish SEARCH_SLOW_LOGS and INDEX_SLOW_LOGS to CloudWatch Logs.",
			Why:  "These logs enable operators to gain full insight into the performance of these operations.This is a granular rule that returns individual findings that can be suppressed with 'appliesTo'. The findings are in the format 'LogExport::<log>' for exported logs. Example: appliesTo: ['LogExport::SEARCH_SLOW_LOGS'].",
			Fix:  "Add logPublishingOptions entries {logType: \"SEARCH_SLOW_LOGS\"} and {logType: \"INDEX_SLOW_LOGS\"}, each with the cloudwatchLogGroupArn of an aws:cloudwatch/logGroup whose resource policy lets es.amazonaws.com write to it.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				var hits []Hit
				for _, log := range []string{"INDEX_SLOW_LOGS", "SEARCH_SLOW_LOGS"} {
					if msg := openSearchLogPublished(r, log); msg != "" {
						hits = append(hits, Hit{Detail: "LogExport::" + log, Message: msg})
					}
				}
				return hits
			},
		},
	)
}

// openSearchTrue is a finding unless the input at path is true; cdk-nag
// reads these with resolveIfPrimitive, so a value synth cannot know is a
// finding too (a violation in cdk-nag v3).
func openSearchTrue(r *synth.Resource, path string) []Hit {
	if boolIs(r, path, true) {
		return nil
	}
	return hit("%s is %s; want true", path, shownInput(r, path, "not set (false)"))
}

// openSearchLogPublished says why log type log is not published, "" when
// it is.
func openSearchLogPublished(r *synth.Resource, log string) string {
	v, ok := r.Value("logPublishingOptions")
	if ok && synth.Unknown(v) {
		return "logPublishingOptions is not known until deploy"
	}
	for _, o := range list(r, "logPublishingOptions") {
		if t, _ := field(o, "logType"); t != log {
			continue
		}
		en, ok := field(o, "enabled")
		switch {
		case !ok || en == true:
			return ""
		case synth.Unknown(en):
			return "logPublishingOptions " + log + " enabled is not known until deploy"
		}
		return "logPublishingOptions " + log + " is disabled"
	}
	return "logPublishingOptions has no " + log + " entry"
}

// openSearchPolicy returns the statements of domain r's access policies,
// or why there are none kumo can read.
func openSearchPolicy(r *synth.Resource, g *synth.Stack) ([]Statement, string) {
	policyType := typeOpenSearchDomainPolicy
	if r.Type == typeElasticsearchDomain {
		policyType = typeElasticsearchDomainPolicy
	}
	var docs []any
	if v, ok := r.Value("accessPolicies"); ok {
		docs = append(docs, v)
	}
	seen := map[*synth.Resource]bool{}
	for _, k := range refKeysOf(r, "domainName") {
		for _, p := range refLookup(g, policyType, "domainName", k) {
			if v, ok := p.Value("accessPolicies"); ok && !seen[p] {
				seen[p] = true
				docs = append(docs, v)
			}
		}
	}
	if len(docs) == 0 {
		return nil, "the domain has no access policy (accessPolicies or a " + policyType + ")"
	}
	var out []Statement
	for _, d := range docs {
		sts, ok := policy(d)
		if !ok {
			return nil, "the domain's access policy is not a policy kumo can read (unknown until deploy, secret or not JSON)"
		}
		out = append(out, sts...)
	}
	if len(out) == 0 {
		return nil, "the domain's access policy has no statements"
	}
	return out, ""
}

// openSearchIPAllowlist reports whether a statement is conditioned on a
// non-empty IpAddress aws:SourceIp list (the key in any case, as IAM
// matches condition keys).
func openSearchIPAllowlist(st Statement) bool {
	ip, _ := st.Condition["IpAddress"].(map[string]any)
	for k, v := range ip {
		if strings.EqualFold(k, "aws:SourceIp") && len(strings1(v)) > 0 {
			return true
		}
	}
	return false
}

// sidOf names a statement by its Sid for messages, "" without one.
func sidOf(st Statement) string {
	if st.Sid == "" {
		return ""
	}
	return " (" + st.Sid + ")"
}
