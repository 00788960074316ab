package synth

import (
	"fmt"
	"regexp"
	"strings"
)

// Sources of the Systems Manager Parameter Store rules.
const (
	// PutParameter: Name "can't be prefixed with aws or ssm
	// (case-insensitive)", only a-zA-Z0-9_.- and / between hierarchy
	// levels, "a maximum depth of fifteen levels", a leading / for a name in
	// a hierarchy; "The reported maximum length of 2048 characters … The
	// maximum length for a parameter name that you specify is 1011
	// characters. This count … includes the characters in the ARN that
	// precede the name"; Value "Standard parameters have a value limit of 4
	// KB. Advanced parameters have a value limit of 8 KB"; Type String |
	// StringList | SecureString; Tier Standard | Advanced |
	// Intelligent-Tiering; Description at most 1024 characters.
	srcSSMPutParameter = "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html"
	// The user guide's examples of refused names: awsTestParameter,
	// SSM-testparameter and /aws/testparam1 (the prefix rule holds for the
	// first level of a hierarchy too), and of a hierarchy too deep:
	// /Level-1/L2/…/L16/parameter-name.
	srcSSMNameConstraints = "https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html; " + srcSSMPutParameter
	// Intelligent-Tiering stores a parameter as Standard, or as Advanced
	// when its value is over 4 KB: "up to 8 KB".
	srcSSMTiers = "https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html; " + srcSSMPutParameter
	// terraform-provider-aws internal/service/ssm/parameter.go: name
	// Required, StringLenBetween(1, 2048); value, insecure_value ExactlyOneOf;
	// "cannot set type = SecureString and insecure_value"; data_type
	// StringInSlice(aws:ec2:image, aws:ssm:integration, text); description
	// and allowed_pattern StringLenBetween(0, 1024).
	srcTFSSMParameter = "terraform-provider-aws internal/service/ssm/parameter.go (schema ExactlyOneOf value/insecure_value, StringInSlice, StringLenBetween; resourceParameterRead SecureString with insecure_value)"
)

// Parameter Store's limits.
const (
	ssmNameMax           = 2048 // the API's reported length of the name field
	ssmNameWithARNMax    = 1011 // what a caller may use, the ARN's prefix included
	ssmHierarchyMax      = 15
	ssmStandardValueMax  = 4096
	ssmAdvancedValueMax  = 8192
	ssmDescriptionMax    = 1024
	ssmAllowedPatternMax = 1024
)

// ssmNameChars are the characters of a parameter name: a-zA-Z0-9_.- and /
// between hierarchy levels.
var ssmNameChars = regexp.MustCompile(`^[a-zA-Z0-9_./-]+$`)

// ssmNameProblem says why AWS refuses a parameter name beyond its
// characters and length (checked by the Name rule), or "".
func ssmNameProblem(n string) string {
	first := strings.ToLower(strings.TrimPrefix(n, "/"))
	switch {
	case strings.HasPrefix(first, "aws") || strings.HasPrefix(first, "ssm"):
		return `starts with "aws" or "ssm" (case-insensitive, also as the first level of a hierarchy): those prefixes are reserved`
	case strings.Contains(n, "/") && !strings.HasPrefix(n, "/"):
		return "has a hierarchy (a /) but no leading /: a name in a hierarchy is fully qualified, /level/…/name"
	case strings.Count(strings.TrimPrefix(n, "/"), "/")+1 > ssmHierarchyMax:
		return fmt.Sprintf("has %d levels; a hierarchy is at most %d deep", strings.Count(strings.TrimPrefix(n, "/"), "/")+1, ssmHierarchyMax)
	}
	return ""
}

// ssmValueMax is the largest value tier takes: Standard (the default tier
// of a region that has not changed it) 4 KB, Advanced and Intelligent-Tiering
// 8 KB.
func ssmValueMax(tier string) int {
	if tier == "Advanced" || tier == "Intelligent-Tiering" {
		return ssmAdvancedValueMax
	}
	return ssmStandardValueMax
}

const tSSMParameter = "aws:ssm/parameter:Parameter"

var ssmSpecs = map[string]Spec{
	tSSMParameter: {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: ssmNameChars, Min: 1, Max: ssmNameMax,
				Desc: "a parameter name is 1–2048 letters, digits, '_', '.', '-' and '/' between hierarchy levels, no spaces", Source: srcSSMPutParameter}}},
		Checks: []Check{
			{Rule: "a parameter name is not prefixed with aws or ssm, has a leading / when it is in a hierarchy, and is at most 15 levels deep",
				Source: srcSSMNameConstraints,
				Find: func(r *Resource, _ *Stack) []Finding {
					n := r.Physical("name")
					if n == "" || isPlaceholder(n) {
						return nil
					}
					if why := ssmNameProblem(n); why != "" {
						return []Finding{{Property: "name", Value: n + " (" + why + ")"}}
					}
					return nil
				}},
			{Rule: fmt.Sprintf("a parameter name, with the part of its ARN before it (arn:aws:ssm:<region>:<account>:parameter/), is at most %d characters", ssmNameWithARNMax),
				Source: srcSSMPutParameter,
				Find: func(r *Resource, _ *Stack) []Finding {
					n := r.Physical("name")
					if n == "" || isPlaceholder(n) {
						return nil
					}
					prefix := "arn:aws:ssm:" + r.Region() + ":123456789012:parameter/"
					if l := len(prefix) + len(strings.TrimPrefix(n, "/")); l > ssmNameWithARNMax {
						return []Finding{{Property: "name", Value: fmt.Sprintf("%s (%d characters with %s)", n, l, prefix)}}
					}
					return nil
				}},
			required(srcSSMPutParameter, "type"),
			oneOf(srcSSMPutParameter, "type", "String", "StringList", "SecureString"),
			oneOf(srcSSMTiers, "tier", "Standard", "Advanced", "Intelligent-Tiering"),
			oneOf(srcTFSSMParameter, "dataType", "text", "aws:ec2:image", "aws:ssm:integration"),
			matches("description", StringRule{Max: ssmDescriptionMax, Desc: "a parameter description is at most 1024 characters", Source: srcSSMPutParameter}),
			matches("allowedPattern", StringRule{Max: ssmAllowedPatternMax, Desc: "an allowed pattern is at most 1024 characters", Source: srcSSMPutParameter}),
			{Rule: "exactly one of value and insecureValue is set: PutParameter needs a value", Source: srcTFSSMParameter + "; " + srcSSMPutParameter,
				Find: func(r *Resource, _ *Stack) []Finding {
					_, secret := r.Value("value")
					_, plain := r.Value("insecureValue")
					switch {
					case !secret && !plain:
						return []Finding{{Property: "value"}}
					case secret && plain:
						return []Finding{{Property: "insecureValue", Value: "(set with value)"}}
					}
					return nil
				}},
			{Rule: "insecureValue is not for a SecureString parameter", Source: srcTFSSMParameter,
				Find: func(r *Resource, _ *Stack) []Finding {
					typ, _ := r.String("type")
					if _, plain := r.Value("insecureValue"); plain && typ == "SecureString" {
						return []Finding{{Property: "insecureValue", Value: "(set with type SecureString)"}}
					}
					return nil
				}},
			{Rule: fmt.Sprintf("a value is at most %d bytes in the Standard tier (the default) and %d in Advanced or Intelligent-Tiering", ssmStandardValueMax, ssmAdvancedValueMax),
				Source: srcSSMTiers,
				Find: func(r *Resource, _ *Stack) []Finding {
					tier, _ := r.String("tier")
					var fs []Finding
					for _, p := range []string{"value", "insecureValue"} {
						v, ok := r.String(p)
						if !ok || isPlaceholder(v) {
							continue
						}
						if max := ssmValueMax(tier); len(v) > max {
							fs = append(fs, Finding{Property: p, Value: fmt.Sprintf("%d bytes in tier %q, at most %d", len(v), tier, max)})
						}
					}
					return fs
				}},
		},
	},
}
