package constructs

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/internal/annotate"
)

// Statement is one typed IAM policy statement. Resources and condition values
// may be outputs of other resources (ARNs), so a document is rendered as an
// output; nothing is assembled by concatenating JSON strings.
type Statement struct {
	// Sid names the statement; it shows up in IAM's policy simulator.
	Sid string
	// Effect is "Allow" or "Deny". Default: "Allow".
	Effect string
	// Principal is only for resource policies: a map such as
	// {"Service": ["cloudfront.amazonaws.com"]}, or AnyPrincipal.
	Principal any
	// Actions the statement allows or denies.
	Actions []string
	// Resources the actions apply to, usually ARNs of other resources.
	Resources []pulumi.StringInput
	// Conditions the statement applies under.
	Conditions []Condition
	// WildcardReason says why the Resources with a "*" need it (no
	// narrower resource exists): kumo check then accepts exactly those
	// resources' AwsSolutions-IAM5 findings, with this reason. Not part of
	// the policy.
	WildcardReason string
}

// AnyPrincipal is the "*" principal used by deny statements in resource policies.
const AnyPrincipal = "*"

// Condition is one IAM condition, e.g. {Test: "Bool", Variable:
// "aws:SecureTransport", Values: ["false"]}.
type Condition struct {
	Test     string
	Variable string
	Values   []pulumi.StringInput
}

type policyDocument struct {
	Version   string          `json:"Version"`
	Statement []statementJSON `json:"Statement"`
}

type statementJSON struct {
	Sid       string                         `json:"Sid,omitempty"`
	Effect    string                         `json:"Effect"`
	Principal any                            `json:"Principal,omitempty"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource,omitempty"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

// policyJSON renders statements into an IAM policy document once every
// referenced output is known.
func policyJSON(statements ...Statement) pulumi.StringOutput {
	// Flatten every input into one list so a single All resolves them; the
	// walk below consumes them in the same order.
	var inputs []any
	for _, s := range statements {
		for _, r := range s.Resources {
			inputs = append(inputs, r)
		}
		for _, c := range s.Conditions {
			for _, v := range c.Values {
				inputs = append(inputs, v)
			}
		}
	}
	return pulumi.All(inputs...).ApplyT(func(vals []any) (string, error) {
		next := 0
		take := func() string {
			v := vals[next].(string)
			next++
			return v
		}
		doc := policyDocument{Version: "2012-10-17"}
		for _, s := range statements {
			out := statementJSON{
				Sid:       s.Sid,
				Effect:    orDefault(s.Effect, "Allow"),
				Principal: s.Principal,
				Action:    append([]string(nil), s.Actions...),
			}
			sort.Strings(out.Action)
			for range s.Resources {
				out.Resource = append(out.Resource, take())
			}
			for _, c := range s.Conditions {
				if out.Condition == nil {
					out.Condition = map[string]map[string][]string{}
				}
				if out.Condition[c.Test] == nil {
					out.Condition[c.Test] = map[string][]string{}
				}
				for range c.Values {
					out.Condition[c.Test][c.Variable] = append(out.Condition[c.Test][c.Variable], take())
				}
			}
			doc.Statement = append(doc.Statement, out)
		}
		b, err := json.Marshal(doc)
		return string(b), err
	}).(pulumi.StringOutput)
}

// policyJSONStatic renders statements whose resources and conditions are
// all plain strings, for documents built inside an Apply.
func policyJSONStatic(statements ...Statement) (string, error) {
	doc := policyDocument{Version: "2012-10-17"}
	for _, s := range statements {
		out := statementJSON{Sid: s.Sid, Effect: orDefault(s.Effect, "Allow"), Principal: s.Principal, Action: append([]string(nil), s.Actions...)}
		sort.Strings(out.Action)
		for _, r := range s.Resources {
			v, ok := r.(pulumi.String)
			if !ok {
				return "", fmt.Errorf("statement %q: resource %v is not a plain string", s.Sid, r)
			}
			out.Resource = append(out.Resource, string(v))
		}
		if len(s.Conditions) > 0 {
			return "", fmt.Errorf("statement %q: conditions are not supported in a static policy", s.Sid)
		}
		doc.Statement = append(doc.Statement, out)
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

// assumeRolePolicy lets one AWS service assume a role.
func assumeRolePolicy(service string) pulumi.StringOutput {
	return policyJSON(Statement{
		Effect:    "Allow",
		Principal: map[string][]string{"Service": {service}},
		Actions:   []string{"sts:AssumeRole"},
	})
}

// tlsOnlyStatement denies any request that does not use TLS: the resource
// policy every bucket, queue and topic carries.
func tlsOnlyStatement(actionPrefix string, resources ...pulumi.StringInput) Statement {
	return Statement{
		Sid:        "DenyInsecureTransport",
		Effect:     "Deny",
		Principal:  AnyPrincipal,
		Actions:    []string{actionPrefix + ":*"},
		Resources:  resources,
		Conditions: []Condition{{Test: "Bool", Variable: "aws:SecureTransport", Values: []pulumi.StringInput{pulumi.String("false")}}},
	}
}

// justifyWildcards records, for kumo check, why each resource with a "*"
// in statements that give a WildcardReason needs it: one suppression of
// AwsSolutions-IAM5 per such resource, on the policy that holds it. It is
// one apply per policy, and none outside kumo synth, where nothing reads
// them: a stack of a thousand functions has thousands of these.
func justifyWildcards(ctx *pulumi.Context, policy pulumi.Resource, statements []Statement) error {
	if !annotate.Active(ctx) {
		return nil
	}
	inputs := []any{policy.URN()}
	var reasons []string
	for _, st := range statements {
		if st.WildcardReason == "" {
			continue
		}
		for _, r := range st.Resources {
			inputs = append(inputs, r)
			reasons = append(reasons, st.WildcardReason)
		}
	}
	if len(reasons) == 0 {
		return nil
	}
	pulumi.All(inputs...).ApplyT(func(vals []any) error {
		urn, _ := vals[0].(pulumi.URN)
		for i, v := range vals[1:] {
			if s, ok := v.(string); ok && strings.Contains(s, "*") {
				b, err := json.Marshal(check.Recorded{Rule: "AwsSolutions-IAM5", Finding: "Resource::" + s, Reason: reasons[i]})
				if err != nil {
					return err
				}
				annotate.AddToURN(ctx, string(urn), check.AnnotationKey, string(b))
			}
		}
		return nil
	})
	return nil
}

// Grantee is anything with its own IAM role that grants can extend. Grants
// are methods on the resource being accessed (table.GrantReadWrite(fn)), so
// every statement is scoped to that resource's ARN.
//
// Its methods are unexported, so only kumo's constructs are Grantees: the
// construct packages beside this one (constructs/streaming, …) embed one
// of this package's, and reach addToRolePolicy through internal/bridge.
type Grantee interface {
	// addToRolePolicy attaches statements to the grantee's role as one inline
	// policy; grant names the policy and makes repeated grants idempotent.
	addToRolePolicy(grant string, statements ...Statement) error
	// iamRole is the role itself, for resource policies that must name it
	// (a search domain's access policy), or nil when it has none yet.
	iamRole() *iam.Role
}

// iamRole implements Grantee.
func (f *Function) iamRole() *iam.Role { return f.Role }

// grantRole returns the IAM role a grantee's grants extend, for resource
// policies that must name it.
func grantRole(g Grantee) (*iam.Role, bool) {
	if g == nil {
		return nil, false
	}
	r := g.iamRole()
	return r, r != nil
}

// suffix appends s to each input, e.g. "/*" for the objects of a bucket.
func suffix(s string, in pulumi.StringInput) pulumi.StringInput {
	return pulumi.Sprintf("%s%s", in, s)
}

// justifyActions records, for kumo check, why each wildcard action of a
// policy is needed: one accepted AwsSolutions-IAM5 finding per action.
func justifyActions(ctx *pulumi.Context, policy pulumi.Resource, actions []string, reason string) error {
	if !annotate.Active(ctx) {
		return nil
	}
	policy.URN().ApplyT(func(urn pulumi.URN) error {
		for _, a := range actions {
			if !strings.Contains(a, "*") {
				continue
			}
			b, err := json.Marshal(check.Recorded{Rule: "AwsSolutions-IAM5", Finding: "Action::" + a, Reason: reason})
			if err != nil {
				return err
			}
			annotate.AddToURN(ctx, string(urn), check.AnnotationKey, string(b))
		}
		return nil
	})
	return nil
}
