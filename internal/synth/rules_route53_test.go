package synth

import (
	"strings"
	"testing"
)

// Tests of the Route 53 rules: each refused case is a value Route 53 or the
// provider refuses.

const (
	testZoneID        = "Z0123456789ABCDEFGHIJ"
	testHealthCheckID = "0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
)

func aliasRecordInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"zoneId": testZoneID, "name": "api.example.com", "type": "A",
		"aliases": []any{map[string]any{"name": "d-abc123.execute-api.eu-west-1.amazonaws.com", "zoneId": "ZLY8HYME6SFDD", "evaluateTargetHealth": true}},
	}, mods...)
}

func failoverRecord(id, role string, mods ...mod) map[string]any {
	return aliasRecordInputs(append([]mod{set("setIdentifier", id), set("healthCheckId", testHealthCheckID),
		set("failoverRoutingPolicies", []any{map[string]any{"type": role}})}, mods...)...)
}

func healthCheckInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"type": "HTTPS", "fqdn": "d-abc123.execute-api.eu-west-1.amazonaws.com", "port": int64(443),
		"resourcePath": "/v1/health", "requestInterval": int64(30), "failureThreshold": int64(3)}, mods...)
}

func TestRoute53RecordRealityRules(t *testing.T) {
	record := func(name string, in map[string]any) func(f *fixture) {
		return func(f *fixture) { f.add(tRoute53Record, name, in) }
	}
	pair := func(a, b map[string]any) func(f *fixture) {
		return func(f *fixture) { f.add(tRoute53Record, "primary", a); f.add(tRoute53Record, "secondary", b) }
	}
	runRealityCases(t, []string{tRoute53Record}, []realityCase{
		{"accepted: a simple alias record", record("api", aliasRecordInputs()), nil},
		{"accepted: a failover pair", pair(failoverRecord("eu-west-1", "PRIMARY"), failoverRecord("us-east-1", "SECONDARY")), nil},
		{"accepted: a CNAME with a TTL", record("cname", aliasRecordInputs(set("aliases", nil), set("type", "CNAME"), set("records", []any{"x.example.com"}), set("ttl", int64(300)))), nil},
		{"accepted: weights 0 and 255", pair(
			aliasRecordInputs(set("setIdentifier", "a"), set("weightedRoutingPolicies", []any{map[string]any{"weight": int64(0)}})),
			aliasRecordInputs(set("setIdentifier", "b"), set("weightedRoutingPolicies", []any{map[string]any{"weight": int64(255)}}))), nil},

		// ChangeResourceRecordSets refusals.
		{"no zone", record("api", aliasRecordInputs(set("zoneId", nil))), []want{{tRoute53Record, "zoneId", "required", "API_ChangeResourceRecordSets"}}},
		{"record type ALIAS", record("api", aliasRecordInputs(set("type", "ALIAS"))), []want{{tRoute53Record, "type", "one of", "API_ResourceRecordSet"}}},
		{"alias with a TTL", record("api", aliasRecordInputs(set("ttl", int64(60)))), []want{{tRoute53Record, "ttl", "no ttl", "API_ResourceRecordSet"}}},
		{"records without a TTL", record("api", aliasRecordInputs(set("aliases", nil), set("records", []any{"192.0.2.1"}))), []want{{tRoute53Record, "ttl", "needs one", "record.go"}}},
		{"both alias and records", record("api", aliasRecordInputs(set("records", []any{"192.0.2.1"}))), []want{{tRoute53Record, "records", "exactly one", "ExactlyOneOf"}}},
		{"alias zone ID of 33 characters", record("api", aliasRecordInputs(set("aliases", []any{map[string]any{"name": "x.example.com", "zoneId": strings.Repeat("Z", 33), "evaluateTargetHealth": false}}))),
			[]want{{tRoute53Record, "aliases[].zoneId", "1–32", "API_AliasTarget"}}},
		{"failover without a set identifier", record("api", failoverRecord("x", "PRIMARY", set("setIdentifier", nil))),
			[]want{{tRoute53Record, "setIdentifier", "needs a setIdentifier", "RequiredWith"}}},
		{"set identifier of 129 characters", record("api", failoverRecord(strings.Repeat("a", 129), "PRIMARY")),
			[]want{{tRoute53Record, "setIdentifier", "1–128", "API_ResourceRecordSet"}}},
		{"set identifier on a simple record", record("api", aliasRecordInputs(set("setIdentifier", "x"))),
			[]want{{tRoute53Record, "setIdentifier", "needs a setIdentifier", "API_ResourceRecordSet"}}},
		{"failover and latency on one record", record("api", failoverRecord("x", "PRIMARY", set("latencyRoutingPolicies", []any{map[string]any{"region": "eu-west-1"}}))),
			[]want{{tRoute53Record, "latencyRoutingPolicies", "at most one routing policy", "ConflictsWith"}}},
		{"failover type TERTIARY", record("api", failoverRecord("x", "TERTIARY")),
			[]want{{tRoute53Record, "failoverRoutingPolicies[].type", "PRIMARY, SECONDARY", "API_ResourceRecordSet"}}},
		{"weight 256", record("api", aliasRecordInputs(set("setIdentifier", "a"), set("weightedRoutingPolicies", []any{map[string]any{"weight": int64(256)}}))),
			[]want{{tRoute53Record, "weightedRoutingPolicies[].weight", "between 0 and 255", "API_ResourceRecordSet"}}},
		{"latency region eu-west-9", record("api", aliasRecordInputs(set("setIdentifier", "a"), set("latencyRoutingPolicies", []any{map[string]any{"region": "eu-west-9"}}))),
			[]want{{tRoute53Record, "latencyRoutingPolicies.region", "AWS region", "API_ResourceRecordSet"}}},
		{"health check ID that is a name", record("api", failoverRecord("x", "PRIMARY", set("healthCheckId", "api-health"))),
			[]want{{tRoute53Record, "healthCheckId", "UUID", "API_ResourceRecordSet"}}},

		// One record set per zone, name and type.
		{"two primaries", pair(failoverRecord("a", "PRIMARY"), failoverRecord("b", "PRIMARY")),
			[]want{{tRoute53Record, "failoverRoutingPolicies", "one PRIMARY and one SECONDARY", "dns-failover-configuring"},
				{tRoute53Record, "failoverRoutingPolicies", "one PRIMARY and one SECONDARY", "dns-failover-configuring"}}},
		{"one set identifier twice", pair(failoverRecord("a", "PRIMARY"), failoverRecord("a", "SECONDARY")),
			[]want{{tRoute53Record, "setIdentifier", "its own setIdentifier", "already exists"}, {tRoute53Record, "setIdentifier", "its own setIdentifier", "already exists"}}},
		{"failover next to a simple record", pair(failoverRecord("a", "PRIMARY"), aliasRecordInputs(set("name", "API.example.com."))),
			[]want{{tRoute53Record, "name", "same routing policy", "dns-failover-configuring"}, {tRoute53Record, "name", "same routing policy", "dns-failover-configuring"}}},
		{"accepted: same name in another zone", pair(aliasRecordInputs(), aliasRecordInputs(set("zoneId", "Z9876543210"))), nil},
		// ACM asks for one validation record per name in every region: an
		// UPSERT (allowOverwrite true) may repeat it, false may not.
		{"accepted: one record twice with allowOverwrite", pair(aliasRecordInputs(set("allowOverwrite", true)), aliasRecordInputs(set("allowOverwrite", true))), nil},
		{"one record twice with allowOverwrite false", pair(aliasRecordInputs(set("allowOverwrite", false)), aliasRecordInputs(set("allowOverwrite", false))),
			[]want{{tRoute53Record, "setIdentifier", "its own setIdentifier", "already exists"}, {tRoute53Record, "setIdentifier", "its own setIdentifier", "already exists"}}},
	})
}

func TestRoute53HealthCheckRealityRules(t *testing.T) {
	hc := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) { f.add(tRoute53HealthCheck, "api", healthCheckInputs(mods...)) }
	}
	runRealityCases(t, []string{tRoute53HealthCheck}, []realityCase{
		{"accepted: HTTPS on /v1/health every 30 s", hc(), nil},
		{"accepted: fast interval, threshold 1 and 10", hc(set("requestInterval", int64(10)), set("failureThreshold", int64(10))), nil},
		{"no type", hc(set("type", nil)), []want{{tRoute53HealthCheck, "type", "required", "API_HealthCheckConfig"}}},
		{"type HTTP2", hc(set("type", "HTTP2")), []want{{tRoute53HealthCheck, "type", "one of", "API_HealthCheckConfig"}}},
		{"port 0", hc(set("port", int64(0))), []want{{tRoute53HealthCheck, "port", "between 1 and 65535", "IsPortNumber"}}},
		{"request interval 20", hc(set("requestInterval", int64(20))), []want{{tRoute53HealthCheck, "requestInterval", "10 or 30", "IntInSlice"}}},
		{"failure threshold 11", hc(set("failureThreshold", int64(11))), []want{{tRoute53HealthCheck, "failureThreshold", "between 1 and 10", "IntBetween(1, 10)"}}},
		{"failure threshold 0", hc(set("failureThreshold", int64(0))), []want{{tRoute53HealthCheck, "failureThreshold", "between 1 and 10", "IntBetween(1, 10)"}}},
		{"resource path of 256 characters", hc(set("resourcePath", "/"+strings.Repeat("a", 255))), []want{{tRoute53HealthCheck, "resourcePath", "at most 255", "StringLenBetween(0, 255)"}}},
		{"HTTPS check with no endpoint", hc(set("fqdn", nil)), []want{{tRoute53HealthCheck, "fqdn", "fqdn or ipAddress", "API_HealthCheckConfig"}}},
		{"string match without a search string", hc(set("type", "HTTPS_STR_MATCH")), []want{{tRoute53HealthCheck, "searchString", "searchString", "API_HealthCheckConfig"}}},
	})
}
