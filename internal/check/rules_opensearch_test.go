package check

import (
	"testing"
)

// secureDomain is an OpenSearch domain's inputs that pass every
// AwsSolutions-OS rule.
func secureDomain() map[string]any {
	return map[string]any{
		"domainName":           "search",
		"engineVersion":        "OpenSearch_2.13",
		"vpcOptions":           map[string]any{"subnetIds": []any{"subnet-1", "subnet-2"}},
		"nodeToNodeEncryption": map[string]any{"enabled": true},
		"encryptAtRest":        map[string]any{"enabled": true},
		"clusterConfig":        map[string]any{"dedicatedMasterEnabled": true, "zoneAwarenessEnabled": true},
		"accessPolicies": iamDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"es:ESHttp*",` +
			`"Resource":"arn:aws:es:us-east-1:123456789012:domain/search/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/16"]}}}`),
		"logPublishingOptions": []any{
			map[string]any{"logType": "INDEX_SLOW_LOGS", "cloudwatchLogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:i"},
			map[string]any{"logType": "SEARCH_SLOW_LOGS", "cloudwatchLogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:s", "enabled": true},
		},
	}
}

// without returns secureDomain with the top-level input key replaced by v
// (deleted for nil).
func without(key string, v any) map[string]any {
	in := secureDomain()
	if v == nil {
		delete(in, key)
	} else {
		in[key] = v
	}
	return in
}

func TestOpenSearchRules(t *testing.T) {
	for _, rule := range []string{"AwsSolutions-OS1", "AwsSolutions-OS2", "AwsSolutions-OS3", "AwsSolutions-OS4",
		"AwsSolutions-OS5", "AwsSolutions-OS7", "AwsSolutions-OS8", "AwsSolutions-OS9"} {
		t.Run("secure/"+rule, func(t *testing.T) {
			var g graph
			g.passes(t, rule, g.add(typeOpenSearchDomain, "search", secureDomain()))
			g.passes(t, rule, g.add(typeElasticsearchDomain, "legacy", secureDomain()))
		})
	}

	ruleCase(t, "AwsSolutions-OS1",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-OS1", g.add(typeOpenSearchDomain, "later", without("vpcOptions", map[string]any{"subnetIds": unknownValue})))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-OS1", g.add(typeOpenSearchDomain, "public", without("vpcOptions", nil)))
			g.fires(t, "AwsSolutions-OS1", g.add(typeElasticsearchDomain, "empty", without("vpcOptions", map[string]any{"subnetIds": []any{}})))
		})

	ruleCase(t, "AwsSolutions-OS2",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-OS2", g.add(typeOpenSearchDomain, "search", secureDomain()))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-OS2", g.add(typeOpenSearchDomain, "bare", without("nodeToNodeEncryption", nil)))
			g.fires(t, "AwsSolutions-OS2", g.add(typeOpenSearchDomain, "unknown", without("nodeToNodeEncryption", map[string]any{"enabled": unknownValue})))
		})

	ruleCase(t, "AwsSolutions-OS3",
		func(t *testing.T) {
			var g graph
			// The policy may come from a domain policy resource naming the
			// domain instead of the domain's own input.
			d := g.add(typeOpenSearchDomain, "search", without("accessPolicies", nil))
			g.add(typeOpenSearchDomainPolicy, "search", map[string]any{"domainName": "search", "accessPolicies": iamDoc(
				`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"es:ESHttpGet","Condition":{"IpAddress":{"aws:sourceIp":"192.0.2.0/24"}}}`,
				`{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"es:ESHttpDelete"}`)})
			g.passes(t, "AwsSolutions-OS3", d)
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-OS3", g.add(typeOpenSearchDomain, "nopolicy", without("accessPolicies", nil)))
			g.fires(t, "AwsSolutions-OS3", g.add(typeOpenSearchDomain, "open", without("accessPolicies",
				iamDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"es:*"}`))))
			g.fires(t, "AwsSolutions-OS3", g.add(typeOpenSearchDomain, "unknown", without("accessPolicies", unknownValue)))
			// A legacy domain is read with its legacy domain policy.
			es := g.add(typeElasticsearchDomain, "legacy", without("accessPolicies", nil))
			g.add(typeElasticsearchDomainPolicy, "legacy", map[string]any{"domainName": "search", "accessPolicies": iamDoc(
				`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"es:*"}`)})
			g.fires(t, "AwsSolutions-OS3", es)
		})

	ruleCase(t, "AwsSolutions-OS4",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-OS4", g.add(typeElasticsearchDomain, "legacy", secureDomain()))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-OS4", g.add(typeOpenSearchDomain, "bare", without("clusterConfig", nil)))
			g.fires(t, "AwsSolutions-OS4", g.add(typeOpenSearchDomain, "off", without("clusterConfig", map[string]any{"dedicatedMasterEnabled": false, "zoneAwarenessEnabled": true})))
		})

	ruleCase(t, "AwsSolutions-OS5",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-OS5", g.add(typeOpenSearchDomain, "search", without("accessPolicies",
				iamDoc(`{"Effect":"Deny","Principal":"*","Action":"es:*"}`, `{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"es:*"}`))))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-OS5", g.add(typeOpenSearchDomain, "anon", without("accessPolicies",
				iamDoc(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"es:*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8"]}}}`))))
			g.fires(t, "AwsSolutions-OS5", g.add(typeOpenSearchDomain, "nopolicy", without("accessPolicies", nil)))
		})

	ruleCase(t, "AwsSolutions-OS7",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-OS7", g.add(typeOpenSearchDomain, "search", secureDomain()))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-OS7", g.add(typeOpenSearchDomain, "single", without("clusterConfig", map[string]any{"dedicatedMasterEnabled": true})))
		})

	ruleCase(t, "AwsSolutions-OS8",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-OS8", g.add(typeOpenSearchDomain, "search", secureDomain()))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-OS8", g.add(typeOpenSearchDomain, "bare", without("encryptAtRest", nil)))
			g.fires(t, "AwsSolutions-OS8", g.add(typeElasticsearchDomain, "off", without("encryptAtRest", map[string]any{"enabled": false})))
		})

	ruleCase(t, "AwsSolutions-OS9",
		func(t *testing.T) {
			var g graph
			// enabled defaults to true in pulumi-aws: an entry without it publishes.
			g.passes(t, "AwsSolutions-OS9", g.add(typeOpenSearchDomain, "search", secureDomain()))
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-OS9", g.add(typeOpenSearchDomain, "bare", without("logPublishingOptions", nil)),
				"LogExport::INDEX_SLOW_LOGS", "LogExport::SEARCH_SLOW_LOGS")
			off := g.add(typeOpenSearchDomain, "off", without("logPublishingOptions", []any{
				map[string]any{"logType": "INDEX_SLOW_LOGS", "cloudwatchLogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:i"},
				map[string]any{"logType": "SEARCH_SLOW_LOGS", "cloudwatchLogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:s", "enabled": false},
			}))
			g.fires(t, "AwsSolutions-OS9", off, "LogExport::SEARCH_SLOW_LOGS")
			if fs := g.findings(t, "AwsSolutions-OS9", off); len(fs) != 1 {
				t.Errorf("OS9 on a domain publishing index slow logs: %v; want only the search slow logs finding", fs)
			}
		})
}
