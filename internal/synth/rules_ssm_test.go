package synth

import (
	"strings"
	"testing"
)

// Tests of the Parameter Store rules: each refused case is a value AWS or
// the provider refuses.

func parameterInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"name": "/kumo/shop/prod/web/authorizer-keys", "type": "String", "tier": "Intelligent-Tiering",
		"insecureValue": `{"note":"written by the authorizer"}`}, mods...)
}

func TestSSMRealityRules(t *testing.T) {
	param := func(mods ...mod) func(f *fixture) {
		return func(f *fixture) { f.add(tSSMParameter, "keys", parameterInputs(mods...)) }
	}
	// in puts the parameter in region, as an explicit provider would.
	in := func(region string, mods ...mod) func(f *fixture) {
		return func(f *fixture) {
			param(mods...)(f)
			f.rs[len(f.rs)-1].region = region
		}
	}
	name := func(n string) mod { return set("name", n) }
	levels := func(n int) string {
		var b strings.Builder
		for i := 1; i < n; i++ {
			b.WriteString("/L")
			b.WriteString(strings.Repeat("x", i%3+1))
		}
		return b.String() + "/parameter-name"
	}
	// The longest name that fits in eu-west-1: 1011 characters with
	// "arn:aws:ssm:eu-west-1:123456789012:parameter/" (45).
	longest := "/" + strings.Repeat("a", ssmNameWithARNMax-len("arn:aws:ssm:eu-west-1:123456789012:parameter/"))
	runRealityCases(t, []string{tSSMParameter}, []realityCase{
		{"parameter AWS accepts", param(), nil},
		{"accepted: a flat name", param(name("authorizer-keys")), nil},
		{"accepted: an autonamed parameter", param(set("name", nil)), nil},
		{"accepted: fifteen levels", param(name(levels(15))), nil},
		{"accepted: a SecureString with a secret value", param(set("type", "SecureString"), set("insecureValue", nil), set("value", "[secret]")), nil},
		{"accepted: 8192 bytes in Intelligent-Tiering", param(set("insecureValue", strings.Repeat("k", 8192))), nil},
		{"accepted: the longest name in eu-west-1", in("eu-west-1", name(longest)), nil},

		// Names PutParameter refuses.
		{"a space in the name", param(name("/kumo/my keys")), []want{{tSSMParameter, "name", "no spaces", "API_PutParameter"}}},
		{"a colon in the name", param(name("/kumo/keys:v1")), []want{{tSSMParameter, "name", "letters, digits", "API_PutParameter"}}},
		{"prefixed with aws", param(name("awsTestParameter")), []want{{tSSMParameter, "name", "not prefixed with aws or ssm", "sysman-parameter-name-constraints"}}},
		{"prefixed with SSM", param(name("SSM-testparameter")), []want{{tSSMParameter, "name", "not prefixed with aws or ssm", "sysman-parameter-name-constraints"}}},
		{"a hierarchy under /aws", param(name("/aws/testparam1")), []want{{tSSMParameter, "name", "not prefixed with aws or ssm", "sysman-parameter-name-constraints"}}},
		{"a hierarchy without its leading slash", param(name("kumo/shop/keys")), []want{{tSSMParameter, "name", "leading /", "sysman-parameter-name-constraints"}}},
		{"seventeen levels", param(name(levels(17))), []want{{tSSMParameter, "name", "15 levels", "sysman-parameter-name-constraints"}}},
		{"a name of 2049 characters", param(name("/" + strings.Repeat("a", 2048))), []want{
			{tSSMParameter, "name", "at most 2048", "API_PutParameter"},
			{tSSMParameter, "name", "at most 1011", "API_PutParameter"},
		}},
		{"one character too long with the ARN in eu-west-1", in("eu-west-1", name(longest+"a")), []want{{tSSMParameter, "name", "at most 1011", "API_PutParameter"}}},
		{"two parameters with one name", func(f *fixture) {
			param()(f)
			f.add(tSSMParameter, "keys-again", parameterInputs())
		}, []want{{tSSMParameter, "name", "must be unique", "API_PutParameter"}, {tSSMParameter, "name", "must be unique", "API_PutParameter"}}},
		// Unique per region: one name in each of two regions is two parameters.
		{"accepted: one name in two regions", func(f *fixture) {
			param()(f)
			in("eu-central-1")(f)
			f.rs[len(f.rs)-1].Name, f.rs[len(f.rs)-1].URN = "keys-eu-central-1", urnOf(tSSMParameter, "keys-eu-central-1")
		}, nil},

		// Types, tiers and values.
		{"no type", param(set("type", nil)), []want{{tSSMParameter, "type", "required", "API_PutParameter"}}},
		{"type string in lower case", param(set("type", "string")), []want{{tSSMParameter, "type", "String, StringList, SecureString", "API_PutParameter"}}},
		{"tier Premium", param(set("tier", "Premium")), []want{{tSSMParameter, "tier", "Standard, Advanced, Intelligent-Tiering", "parameter-store-advanced-parameters"}}},
		{"data type json", param(set("dataType", "json")), []want{{tSSMParameter, "dataType", "text, aws:ec2:image, aws:ssm:integration", "ssm/parameter.go"}}},
		{"no value", param(set("insecureValue", nil)), []want{{tSSMParameter, "value", "exactly one of value and insecureValue", "ssm/parameter.go"}}},
		{"value and insecureValue", param(set("value", "[secret]")), []want{{tSSMParameter, "insecureValue", "exactly one of value and insecureValue", "ssm/parameter.go"}}},
		{"insecureValue on a SecureString", param(set("type", "SecureString")), []want{{tSSMParameter, "insecureValue", "not for a SecureString", "ssm/parameter.go"}}},
		{"4097 bytes in the Standard tier", param(set("tier", "Standard"), set("insecureValue", strings.Repeat("k", 4097))),
			[]want{{tSSMParameter, "insecureValue", "at most 4096 bytes in the Standard tier", "parameter-store-advanced-parameters"}}},
		{"4097 bytes in the region's default tier", param(set("tier", nil), set("insecureValue", strings.Repeat("k", 4097))),
			[]want{{tSSMParameter, "insecureValue", "at most 4096 bytes in the Standard tier", "parameter-store-advanced-parameters"}}},
		{"8193 bytes in Intelligent-Tiering", param(set("insecureValue", strings.Repeat("k", 8193))),
			[]want{{tSSMParameter, "insecureValue", "8192 in Advanced or Intelligent-Tiering", "parameter-store-advanced-parameters"}}},
		// Bytes, not characters: 2049 two-byte characters are 4098 bytes.
		{"4098 bytes of 2049 characters in the Standard tier", param(set("tier", "Standard"), set("insecureValue", strings.Repeat("é", 2049))),
			[]want{{tSSMParameter, "insecureValue", "at most 4096 bytes", "parameter-store-advanced-parameters"}}},
		{"a description of 1025 characters", param(set("description", strings.Repeat("d", 1025))),
			[]want{{tSSMParameter, "description", "at most 1024 characters", "API_PutParameter"}}},
		{"an allowed pattern of 1025 characters", param(set("allowedPattern", strings.Repeat("p", 1025))),
			[]want{{tSSMParameter, "allowedPattern", "at most 1024 characters", "API_PutParameter"}}},
	})
}
