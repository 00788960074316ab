package synth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Sources of the KMS rules.
const (
	srcKMSCreateKey   = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html"
	srcKMSCreateAlias = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html"
	srcKMSDeletion    = "https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html"
	srcKMSRotation    = "https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html"
	// "A key policy document can include only … up to 32 kilobytes (32,768
	// bytes)", and every statement names a principal.
	srcKMSPolicyFormat = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html"
	// CreateKey's lockout safety check: MalformedPolicyDocumentException
	// unless the policy lets the caller make a later PutKeyPolicy request
	// (BypassPolicyLockoutSafetyCheck skips it).
	srcKMSLockout = srcKMSCreateKey + " (Policy, BypassPolicyLockoutSafetyCheck); https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
	// pulumi-aws autonames an alias AutoNameWithCustomOptions("name",
	// {Separator "-", Maxlen 238, Randlen 7}) and then prepends "alias/"
	// (PostTransform), so an autonamed alias is alias/<name>-<7 random>.
	srcProviderKMSAlias = "pulumi-aws provider resource overrides aws_kms_alias name AutoNameWithCustomOptions(Maxlen 238, Randlen 7, PostTransform \"alias/\"+name)"
)

// kmsKeyPolicyMax is the size of a key policy in bytes.
const kmsKeyPolicyMax = 32768

var kmsSpecs = map[string]Spec{
	"aws:kms/key:Key": {
		Checks: []Check{
			// PendingWindowInDays: "If you include a value, it must be
			// between 7 and 30, inclusive."
			intRange(srcKMSDeletion, "deletionWindowInDays", 7, 30),
			matches("description", StringRule{Max: 8192, Desc: "a key description is at most 8192 characters", Source: srcKMSCreateKey}),
			oneOf(srcKMSCreateKey, "keyUsage", "ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"),
			oneOf(srcKMSCreateKey, "customerMasterKeySpec", "SYMMETRIC_DEFAULT", "RSA_2048", "RSA_3072", "RSA_4096",
				"ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "HMAC_224", "HMAC_256", "HMAC_384",
				"HMAC_512", "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87"),
			// RotationPeriodInDays: "between 90 and 2560".
			intRange(srcKMSRotation, "rotationPeriodInDays", 90, 2560),
			{Rule: "automatic rotation is only for symmetric encryption keys (customerMasterKeySpec SYMMETRIC_DEFAULT)", Source: srcKMSRotation,
				Find: func(r *Resource, _ *Stack) []Finding {
					on, _ := r.Value("enableKeyRotation")
					spec, ok := r.String("customerMasterKeySpec")
					if on == true && ok && spec != "SYMMETRIC_DEFAULT" {
						return []Finding{{Property: "enableKeyRotation", Value: spec}}
					}
					return nil
				}},
			{Rule: fmt.Sprintf("a key policy is JSON with a Statement, each statement naming a Principal, at most %d bytes", kmsKeyPolicyMax), Source: srcKMSPolicyFormat,
				Find: func(r *Resource, _ *Stack) []Finding {
					doc, ok := r.String("policy")
					if !ok {
						return nil
					}
					if len(doc) > kmsKeyPolicyMax {
						return []Finding{{Property: "policy", Value: fmt.Sprintf("%d bytes", len(doc))}}
					}
					sts, err := rpStatements(doc)
					if err != nil {
						return []Finding{{Property: "policy", Value: err.Error()}}
					}
					for i, st := range sts {
						if st.Principal == nil {
							return []Finding{{Property: "policy", Value: fmt.Sprintf("statement %d (%s) has no Principal", i, st.Sid)}}
						}
					}
					return nil
				}},
			{Rule: "the key policy must let an IAM principal (the account root, or the caller) call kms:PutKeyPolicy later, or KMS refuses it as a lock-out (set bypassPolicyLockoutSafetyCheck only if that is meant)", Source: srcKMSLockout,
				Find: func(r *Resource, _ *Stack) []Finding {
					doc, ok := r.String("policy")
					if !ok {
						return nil // KMS's default key policy lets the account administer the key
					}
					if bypass, _ := r.Value("bypassPolicyLockoutSafetyCheck"); bypass == true {
						return nil
					}
					sts, err := rpStatements(doc)
					if err != nil {
						return nil // reported above
					}
					for _, st := range sts {
						if st.Effect == "Allow" && st.hasAWSPrincipal() && st.allows("kms:PutKeyPolicy") {
							return nil
						}
					}
					return []Finding{{Property: "policy", Value: "no Allow statement gives an AWS principal kms:PutKeyPolicy"}}
				}},
		},
	},

	"aws:kms/alias:Alias": {
		Names: []Name{{Prop: "name", PrefixProp: "namePrefix",
			Auto: &Autoname{Max: 238, Sep: "-", Prefix: "alias/", Source: srcProviderKMSAlias},
			// AliasName: "Pattern: ^[a-zA-Z0-9/_-]+$", 1–256, beginning alias/.
			Rule: StringRule{Pattern: regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]+$`), Min: 1, Max: 256,
				Desc: "an alias name is alias/ followed by letters, digits, '/', '_' or '-', 256 characters in all", Source: srcKMSCreateAlias}}},
		Checks: []Check{
			required(srcKMSCreateAlias, "targetKeyId"),
			// "The AliasName value must be string of 1-256 characters … It
			// cannot begin with alias/aws/. The alias/aws/ prefix is reserved
			// for AWS managed keys."
			{Rule: "alias/aws/ is reserved for AWS managed keys", Source: srcKMSCreateAlias,
				Find: func(r *Resource, _ *Stack) []Finding {
					if n := r.Physical("name"); strings.HasPrefix(n, "alias/aws/") {
						return []Finding{{Property: "name", Value: n}}
					}
					return nil
				}},
		},
	},
}

// rpStatement is one statement of a resource policy as AWS reads it:
// Action and each principal list may be a string or a list.
type rpStatement struct {
	Sid       string          `json:"Sid"`
	Effect    string          `json:"Effect"`
	Principal json.RawMessage `json:"Principal"`
	Action    rpStrings       `json:"Action"`
	Resource  rpStrings       `json:"Resource"`
	Condition json.RawMessage `json:"Condition"`
}

type rpStrings []string

func (s *rpStrings) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// rpStatements reads a policy document's statements (a single
// statement object is allowed too).
func rpStatements(doc string) ([]rpStatement, error) {
	var p struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	var sts []rpStatement
	if err := json.Unmarshal(p.Statement, &sts); err != nil {
		var one rpStatement
		if err1 := json.Unmarshal(p.Statement, &one); err1 != nil {
			return nil, fmt.Errorf("no Statement list: %v", err)
		}
		sts = []rpStatement{one}
	}
	if len(sts) == 0 {
		return nil, fmt.Errorf("no Statement")
	}
	return sts, nil
}

// principals returns the principals of kind ("AWS", "Service") the
// statement names; "*" stands for any principal.
func (st rpStatement) principals(kind string) []string {
	var all string
	if json.Unmarshal(st.Principal, &all) == nil {
		return []string{all}
	}
	var m map[string]rpStrings
	if json.Unmarshal(st.Principal, &m) != nil {
		return nil
	}
	return m[kind]
}

func (st rpStatement) hasAWSPrincipal() bool { return len(st.principals("AWS")) > 0 }

// names reports whether the statement names the service principal.
func (st rpStatement) names(service string) bool {
	for _, p := range st.principals("Service") {
		if p == service || p == "*" {
			return true
		}
	}
	return false
}

// allows reports whether an Action of the statement covers action.
func (st rpStatement) allows(action string) bool {
	for _, a := range st.Action {
		if rpGlob(strings.ToLower(a), strings.ToLower(action)) {
			return true
		}
	}
	return false
}

// rpGlob matches IAM's * and ? wildcards.
func rpGlob(pattern, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}
