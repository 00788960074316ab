package synth

import (
	"strings"
	"testing"
)

const tWorkgroup = "aws:athena/workgroup:Workgroup"

// workgroupInputs are the Workgroup construct's workgroup (autonamed).
func workgroupInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"state": "ENABLED", "forceDestroy": false,
		"configuration": map[string]any{
			"enforceWorkgroupConfiguration": true, "publishCloudwatchMetricsEnabled": true,
			"bytesScannedCutoffPerQuery": int64(10737418240),
			"engineVersion":              map[string]any{"selectedEngineVersion": "AUTO"},
			"resultConfiguration": map[string]any{
				"outputLocation":          "s3://lake-results-1234567/athena/",
				"encryptionConfiguration": map[string]any{"encryptionOption": "SSE_S3"},
			},
		},
	}, mods...)
}

func TestAthenaRealityRules(t *testing.T) {
	wg := func(name string, ms []mod, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { f.add(tWorkgroup, "analysts", workgroupInputs(ms...)) }, want: ws}
	}
	const enc = "configuration.resultConfiguration.encryptionConfiguration"
	cases := []realityCase{
		wg("accepted: the Workgroup construct's workgroup", nil),
		wg("accepted: SSE_KMS with a key", []mod{set(enc, map[string]any{"encryptionOption": "SSE_KMS", "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/k"})}),
		wg("accepted: the smallest cutoff, 10 MiB", []mod{set("configuration.bytesScannedCutoffPerQuery", int64(10485760))}),
		wg("name with a space", []mod{set("name", "data analysts")},
			want{tWorkgroup, "name", "does not match", "API_CreateWorkGroup"}),
		wg("name over 128 characters", []mod{set("name", strings.Repeat("w", 129))},
			want{tWorkgroup, "name", "at most 128", "API_CreateWorkGroup"}),
		// Autonamed to 255 by the provider; Athena takes 128.
		{name: "autonamed from a 121-character resource name", build: func(f *fixture) {
			f.add(tWorkgroup, strings.Repeat("w", 121), workgroupInputs())
		}, want: []want{{tWorkgroup, "name", "at most 128", "API_CreateWorkGroup"}}},
		wg("cutoff of 10 MB (decimal)", []mod{set("configuration.bytesScannedCutoffPerQuery", int64(10000000))},
			want{tWorkgroup, "configuration.bytesScannedCutoffPerQuery", "between 10485760", "Must be at least 10485760"}),
		wg("encryption option SSE-S3 spelled with a hyphen", []mod{set(enc+".encryptionOption", "SSE-S3")},
			want{tWorkgroup, enc + ".encryptionOption", "SSE_S3, SSE_KMS, CSE_KMS", "API_EncryptionConfiguration"}),
		wg("SSE_KMS without a key", []mod{set(enc+".encryptionOption", "SSE_KMS")},
			want{tWorkgroup, enc + ".kmsKeyArn", "names its key", "API_EncryptionConfiguration"}),
		wg("results location without s3://", []mod{set("configuration.resultConfiguration.outputLocation", "lake-results/athena/")},
			want{tWorkgroup, "configuration.resultConfiguration.outputLocation", "s3:// URL", "API_ResultConfiguration"}),
		wg("engine version 3 as a number", []mod{set("configuration.engineVersion.selectedEngineVersion", "3")},
			want{tWorkgroup, "configuration.engineVersion.selectedEngineVersion", "Athena engine version 3", "API_EngineVersion"}),
		wg("state PAUSED", []mod{set("state", "PAUSED")},
			want{tWorkgroup, "state", "ENABLED, DISABLED", "API_CreateWorkGroup"}),
		{name: "two workgroups of one name", build: func(f *fixture) {
			f.add(tWorkgroup, "a", workgroupInputs(set("name", "analysts")))
			f.add(tWorkgroup, "b", workgroupInputs(set("name", "analysts")))
		}, want: []want{{tWorkgroup, "name", "must be unique", "API_CreateWorkGroup"}, {tWorkgroup, "name", "must be unique", "API_CreateWorkGroup"}}},
	}
	runRealityCases(t, specTypes(athenaSpecs), cases)
}

func TestAthenaMockOutputs(t *testing.T) {
	_, w := mockState(t, tWorkgroup, "analysts", nil)
	wantState(t, w, map[string]string{
		"id": `analysts-[0-9a-f]{7}`, "name": `analysts-[0-9a-f]{7}`,
		"arn": `arn:aws:athena:eu-west-1:123456789012:workgroup/analysts-[0-9a-f]{7}`,
	})
}
