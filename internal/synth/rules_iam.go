package synth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Sources of the IAM rules.
const (
	srcIAMCreateRole    = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html"
	srcIAMPutRolePolicy = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html"
	srcIAMCreatePolicy  = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html"
	srcIAMQuotas        = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"
	srcIAMGrammar       = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html"
)

// iamNameChars is the character class of IAM role and policy names.
var iamNameChars = regexp.MustCompile(`^[\w+=,.@-]+$`)

// Quotas on policy sizes (characters, white space not counted).
const (
	// inlineRolePoliciesMax is the aggregate size of all inline policies of
	// one role: "Role policy size cannot exceed 10,240 characters".
	inlineRolePoliciesMax = 10240
	// managedPolicyMax is one managed policy's size.
	managedPolicyMax = 6144
	// assumeRolePolicyMax is the default quota of a role trust policy.
	assumeRolePolicyMax = 2048
)

var iamSpecs = map[string]Spec{
	"aws:iam/role:Role": {
		Names: iamName(64, "a role name", srcIAMCreateRole),
		Checks: []Check{
			required(srcIAMCreateRole, "assumeRolePolicy"),
			policyDocument(srcIAMCreateRole, "assumeRolePolicy", assumeRolePolicyMax),
			matches("path", StringRule{Pattern: regexp.MustCompile(`^(/|/[\x{21}-\x{7E}]+/)$`), Min: 1, Max: 512,
				Desc: "a path starts and ends with '/'", Source: srcIAMCreateRole}),
			matches("description", StringRule{Pattern: regexp.MustCompile(`^[\x{09}\x{0A}\x{0D}\x{20}-\x{7E}\x{A1}-\x{FF}]*$`), Max: 1000,
				Desc: "a description is at most 1000 printable Latin-1 characters", Source: srcIAMCreateRole}),
			intRange(srcIAMCreateRole, "maxSessionDuration", 3600, 43200),
			{Rule: fmt.Sprintf("all inline policies of a role together are at most %d characters (white space not counted)", inlineRolePoliciesMax),
				Source: srcIAMQuotas, Find: inlineQuota},
		},
	},

	"aws:iam/rolePolicy:RolePolicy": {
		Names: iamName(128, "a policy name", srcIAMPutRolePolicy),
		Checks: []Check{
			required(srcIAMPutRolePolicy, "role", "policy"),
			policyDocument(srcIAMPutRolePolicy, "policy", inlineRolePoliciesMax),
		},
	},

	"aws:iam/policy:Policy": {
		Names: iamName(128, "a policy name", srcIAMCreatePolicy),
		Checks: []Check{
			required(srcIAMCreatePolicy, "policy"),
			policyDocument(srcIAMCreatePolicy, "policy", managedPolicyMax),
		},
	},
}

// iamName is the name (or namePrefix) of an IAM role or policy: 1–max of
// the IAM name characters, autonamed by the provider when unset.
func iamName(max int, what, source string) []Name {
	return []Name{{Prop: "name", PrefixProp: "namePrefix",
		Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
		Rule: StringRule{Pattern: iamNameChars, Min: 1, Max: max,
			Desc: fmt.Sprintf("%s is 1–%d letters, digits or +=,.@_-", what, max), Source: source}}}
}

// policyDocument: a set policy is JSON with a Version of 2012-10-17 or
// 2008-10-17 and at least one Statement, and fits its quota.
func policyDocument(source, prop string, max int) Check {
	return Check{
		Rule:   fmt.Sprintf("a policy document is JSON with Version and Statement, at most %d characters without white space", max),
		Source: source + "; " + srcIAMGrammar + "; " + srcIAMQuotas,
		Find: func(r *Resource, _ *Stack) []Finding {
			doc, ok := r.String(prop)
			if !ok {
				return nil
			}
			if problem := policyProblem(doc, max); problem != "" {
				return []Finding{{Property: prop, Value: problem}}
			}
			return nil
		},
	}
}

func policyProblem(doc string, max int) string {
	var p struct {
		Version   string          `json:"Version"`
		Statement json.RawMessage `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return "not JSON: " + err.Error()
	}
	if p.Version != "2012-10-17" && p.Version != "2008-10-17" {
		return fmt.Sprintf("Version %q is not 2012-10-17", p.Version)
	}
	if s := strings.TrimSpace(string(p.Statement)); s == "" || s == "[]" || s == "null" {
		return "no Statement"
	}
	if n := policySize(doc); n > max {
		return fmt.Sprintf("%d characters without white space, more than %d", n, max)
	}
	return ""
}

// policySize counts characters as IAM does for quotas: white space is not
// counted.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// inlineQuota adds up the inline policies attached to a role.
func inlineQuota(role *Resource, s *Stack) []Finding {
	name := role.Physical("name")
	if name == "" {
		return nil
	}
	total := 0
	for _, p := range s.index("role", "aws:iam/rolePolicy:RolePolicy", func(p *Resource) (string, bool) {
		r, _ := p.String("role")
		return roleName(r), true
	})[name] {
		if doc, ok := p.String("policy"); ok {
			total += policySize(doc)
		}
	}
	if total > inlineRolePoliciesMax {
		return []Finding{{Property: "(inline policies)", Value: fmt.Sprintf("%d characters", total)}}
	}
	return nil
}
