package synth

import (
	"fmt"
	"strings"
	"testing"
)

const (
	tKMSKey   = "aws:kms/key:Key"
	tKMSAlias = "aws:kms/alias:Alias"
)

// keyPolicy is a key policy with the root statement kumo's Key writes,
// plus extra statements (JSON objects).
func keyPolicy(extra ...string) string {
	sts := append([]string{`{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}`}, extra...)
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
}

func TestKMSRealityRules(t *testing.T) {
	key := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) {
			f.add(tKMSKey, "k", inputs(map[string]any{"deletionWindowInDays": int64(30), "enableKeyRotation": true, "policy": keyPolicy()}, mods...))
		}
	}
	alias := func(name string, in map[string]any) func(f *fixture) {
		return func(f *fixture) { f.add(tKMSAlias, name, in) }
	}
	serviceOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"kms:GenerateDataKey*","Resource":"*"}]}`
	runRealityCases(t, specTypes(kmsSpecs), []realityCase{
		{"key AWS accepts", key(), nil},
		{"key with KMS's default policy", key(set("policy", nil)), nil},
		{"deletion window of 6 days", key(set("deletionWindowInDays", int64(6))), []want{{tKMSKey, "deletionWindowInDays", "between 7 and 30", "API_ScheduleKeyDeletion"}}},
		{"deletion window of 31 days", key(set("deletionWindowInDays", int64(31))), []want{{tKMSKey, "deletionWindowInDays", "between 7 and 30", "API_ScheduleKeyDeletion"}}},
		{"description over 8192 characters", key(set("description", strings.Repeat("d", 8193))), []want{{tKMSKey, "description", "at most 8192", "API_CreateKey"}}},
		{"key policy over 32 KB", key(set("policy", keyPolicy(fmt.Sprintf(`{"Sid":"%s","Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:Decrypt","Resource":"*"}`, strings.Repeat("s", 32768))))),
			[]want{{tKMSKey, "policy", "at most 32768 bytes", "key-policy-overview"}}},
		{"key policy statement without a principal", key(set("policy", keyPolicy(`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}`))),
			[]want{{tKMSKey, "policy", "naming a Principal", "key-policy-overview"}}},
		{"key policy not JSON", key(set("policy", "{")), []want{{tKMSKey, "policy", "JSON", "key-policy-overview"}}},
		{"key policy that locks the account out", key(set("policy", serviceOnly)), []want{{tKMSKey, "policy", "lock-out", "BypassPolicyLockoutSafetyCheck"}}},
		{"lock-out check bypassed on purpose", key(set("policy", serviceOnly), set("bypassPolicyLockoutSafetyCheck", true)), nil},
		{"rotation of an asymmetric key", key(set("customerMasterKeySpec", "RSA_2048"), set("keyUsage", "SIGN_VERIFY")),
			[]want{{tKMSKey, "enableKeyRotation", "only for symmetric", "API_EnableKeyRotation"}}},
		{"rotation period of 30 days", key(set("rotationPeriodInDays", int64(30))), []want{{tKMSKey, "rotationPeriodInDays", "between 90 and 2560", "API_EnableKeyRotation"}}},
		{"unknown key usage", key(set("keyUsage", "ENCRYPT")), []want{{tKMSKey, "keyUsage", "must be one of", "API_CreateKey"}}},

		{"alias AWS accepts", alias("a", map[string]any{"name": "alias/lake/prod", "targetKeyId": "k"}), nil},
		{"alias autonamed with alias/ in front", alias("lake-key", map[string]any{"targetKeyId": "k"}), nil},
		{"alias without alias/", alias("a", map[string]any{"name": "lake", "targetKeyId": "k"}), []want{{tKMSAlias, "name", "does not match", "API_CreateAlias"}}},
		{"alias in the reserved alias/aws/", alias("a", map[string]any{"name": "alias/aws/s3", "targetKeyId": "k"}), []want{{tKMSAlias, "name", "reserved", "API_CreateAlias"}}},
		{"alias with a period", alias("a", map[string]any{"name": "alias/lake.prod", "targetKeyId": "k"}), []want{{tKMSAlias, "name", "does not match", "API_CreateAlias"}}},
		{"alias over 256 characters", alias("a", map[string]any{"name": "alias/" + strings.Repeat("a", 251), "targetKeyId": "k"}), []want{{tKMSAlias, "name", "at most 256", "API_CreateAlias"}}},
		{"alias autonamed from a resource name with a period", alias("lake.key", map[string]any{"targetKeyId": "k"}), []want{{tKMSAlias, "name", "does not match", "API_CreateAlias"}}},
		{"alias autonamed from a resource name too long", alias(strings.Repeat("a", 231), map[string]any{"targetKeyId": "k"}), []want{{tKMSAlias, "name", "must fit in 238", "aws_kms_alias"}}},
		{"alias without a target key", alias("a", map[string]any{"name": "alias/lake"}), []want{{tKMSAlias, "targetKeyId", "required", "API_CreateAlias"}}},
		{"two aliases with one name", func(f *fixture) {
			f.add(tKMSAlias, "a", map[string]any{"name": "alias/lake", "targetKeyId": "k"})
			f.add(tKMSAlias, "b", map[string]any{"name": "alias/lake", "targetKeyId": "k"})
		}, []want{{tKMSAlias, "name", "must be unique", "API_CreateAlias"}, {tKMSAlias, "name", "must be unique", "API_CreateAlias"}}},
	})
}

// The provider names an autonamed alias alias/<name>-<7 random>.
func TestKMSAliasAutoname(t *testing.T) {
	f := &fixture{}
	f.add(tKMSAlias, "lake-key", map[string]any{"targetKeyId": "k"})
	got := f.rs[0].Physical("name")
	if !strings.HasPrefix(got, "alias/lake-key-") || len(got) != len("alias/lake-key-")+7 {
		t.Errorf("autonamed alias: got %q; want alias/lake-key- and 7 random characters", got)
	}
}
