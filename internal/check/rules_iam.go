package check

import (
	"slices"
	"strconv"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// IAM rules. cdk-nag reads a role's managed policies and inline policies
// from the role itself (AWS::IAM::Role ManagedPolicyArns and Policies) and
// an AWS::IAM::Policy's document from the policy. pulumi-aws v6 keeps most
// of them in resources of their own: attachments name the role, user or
// group (by name, or ARN) they attach a policy to, and inline policies are
// aws:iam/rolePolicy, userPolicy and groupPolicy resources.

const (
	typeIamRole                      = "aws:iam/role:Role"
	typeIamUser                      = "aws:iam/user:User"
	typeIamGroup                     = "aws:iam/group:Group"
	typeIamPolicy                    = "aws:iam/policy:Policy"
	typeIamRolePolicy                = "aws:iam/rolePolicy:RolePolicy"
	typeIamUserPolicy                = "aws:iam/userPolicy:UserPolicy"
	typeIamGroupPolicy               = "aws:iam/groupPolicy:GroupPolicy"
	typeIamRolePolicyAttachment      = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	typeIamUserPolicyAttachment      = "aws:iam/userPolicyAttachment:UserPolicyAttachment"
	typeIamGroupPolicyAttachment     = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
	typeIamPolicyAttachment          = "aws:iam/policyAttachment:PolicyAttachment"
	typeIamRolePolicyAttachmentsExcl = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
	typeIamUserPolicyAttachmentsExcl = "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive"
	typeIamGroupPolicyAttachmentsExc = "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive"
)

// iamAttachment is a pulumi resource attaching managed policies to one IAM
// identity: the property naming the identity, the identity's type and the
// property holding the policy ARN (or ARNs).
type iamAttachment struct {
	typ, identityProp, identityType, arnProp string
}

var iamAttachments = []iamAttachment{
	{typeIamRolePolicyAttachment, "role", typeIamRole, "policyArn"},
	{typeIamUserPolicyAttachment, "user", typeIamUser, "policyArn"},
	{typeIamGroupPolicyAttachment, "group", typeIamGroup, "policyArn"},
	{typeIamRolePolicyAttachmentsExcl, "roleName", typeIamRole, "policyArns"},
	{typeIamUserPolicyAttachmentsExcl, "userName", typeIamUser, "policyArns"},
	{typeIamGroupPolicyAttachmentsExc, "groupName", typeIamGroup, "policyArns"},
}

func init() {
	iam4Types := []string{typeIamRole, typeIamUser, typeIamGroup, typeIamPolicyAttachment}
	for _, a := range iamAttachments {
		iam4Types = append(iam4Types, a.typ)
	}
	register(
		// cdk-nag: src/rules/iam/IAMNoManagedPolicies.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/iam/IAMNoManagedPolicies.ts):
		// every ManagedPolicyArns entry containing ":iam::aws:" is a finding
		// "Policy::<arn>". cdk-nag reports on the role, user or group; so does
		// kumo for pulumi's attachments of an identity in this stack. An
		// attachment to an identity kumo cannot find here (created elsewhere,
		// or named by a value synth cannot know), and aws:iam/policyAttachment
		// (which attaches to many), report on the attachment itself.
		Rule{
			ID: "AwsSolutions-IAM4", Level: Error, Types: iam4Types, Granular: true,
			What:  "The IAM user, role, or group uses AWS managed policies.",
			Why:   "An AWS managed policy is a standalone policy that is created and administered by AWS. Currently, many AWS managed policies do not restrict resource scope. Replace AWS managed policies with system specific (customer) managed policies.This is a granular rule that returns individual findings that can be suppressed with 'appliesTo'. The findings are in the format 'Policy::<policy>' for AWS managed policies. Example: appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/foo'].",
			Fix:   "Grant what the identity needs with kumo's grants (bucket.GrantRead(fn), table.GrantReadWrite(fn), ...), which add statements scoped to the resource's ARN, or write an aws:iam/rolePolicy with exactly the actions and resources needed. Where AWS documents the managed policy as the way to set a service up (API Gateway's CloudWatch role), suppress the finding (finding \"Policy::<arn>\") with that reason.",
			Check: checkIAM4,
		},
		// cdk-nag: src/rules/iam/IAMNoWildcardPermissions.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/iam/IAMNoWildcardPermissions.ts):
		// in every Allow statement of an inline or managed policy, each Action
		// containing "*" is a finding "Action::<action>" and each Resource
		// containing "*" one "Resource::<resource>"; Deny statements,
		// NotAction, NotResource and conditions are not read. A resource
		// scoped inside one resource ("arn:aws:s3:::b/*") is a finding too:
		// the suppression says why the wildcard is needed, and its detail
		// keeps it to that one resource.
		Rule{
			ID: "AwsSolutions-IAM5", Level: Error, Granular: true,
			Types: []string{typeIamRole, typeIamRolePolicy, typeIamUserPolicy, typeIamGroupPolicy, typeIamPolicy},
			What:  "The IAM entity contains wildcard permissions and does not have a cdk-nag rule suppression with evidence for those permission.",
			Why:   "Metadata explaining the evidence (e.g. via supporting links) for wildcard permissions allows for transparency to operators. This is a granular rule that returns individual findings that can be suppressed with 'appliesTo'. The findings are in the format 'Action::<action>' for policy actions and 'Resource::<resource>' for resources. Example: appliesTo: ['Action::s3:*'].",
			Fix:   "Name the exact actions and resource ARNs (kumo's grants do: bucket.GrantRead(fn) allows s3:GetObject on the bucket's objects only). Where a wildcard is what AWS requires (X-Ray's PutTraceSegments has no resource-level permissions) or is scoped inside one resource (a bucket's objects, a log group's streams), suppress that finding (e.g. finding \"Resource::*\") with the evidence as the reason.",
			Check: checkIAM5,
		},
	)
}

// checkIAM4 finds the AWS managed policies attached to r (an identity) or
// by r (an attachment).
func checkIAM4(r *synth.Resource, g *synth.Stack) []Hit {
	// sources maps a managed policy ARN to where it is attached.
	sources := map[string][]string{}
	add := func(arn, from string) {
		if strings.Contains(arn, ":iam::aws:") && !slices.Contains(sources[arn], from) {
			sources[arn] = append(sources[arn], from)
		}
	}
	switch r.Type {
	case typeIamRole, typeIamUser, typeIamGroup:
		for _, arn := range knownStrings(list(r, "managedPolicyArns")) {
			add(arn, "managedPolicyArns")
		}
		for _, a := range iamAttachments {
			if a.identityType != r.Type {
				continue
			}
			for _, at := range iamAttachedTo(g, a, r) {
				for _, arn := range iamAttachmentArns(at, a.arnProp) {
					add(arn, at.Type+" "+at.Name)
				}
			}
		}
	case typeIamPolicyAttachment:
		if arn, ok := r.String("policyArn"); ok {
			add(arn, "policyArn")
		}
	default:
		i := slices.IndexFunc(iamAttachments, func(a iamAttachment) bool { return a.typ == r.Type })
		if i < 0 {
			return nil
		}
		a := iamAttachments[i]
		if iamIdentityInStack(g, a, r) {
			return nil // reported on the identity
		}
		for _, arn := range iamAttachmentArns(r, a.arnProp) {
			add(arn, a.arnProp)
		}
	}
	var hits []Hit
	for arn, from := range sources {
		slices.Sort(from)
		hits = append(hits, Hit{Detail: "Policy::" + arn,
			Message: "AWS managed policy " + arn + " is attached (" + strings.Join(from, ", ") + ")"})
	}
	slices.SortFunc(hits, func(a, b Hit) int { return strings.Compare(a.Detail, b.Detail) })
	return hits
}

// iamAttachmentArns returns the known policy ARNs of an attachment.
func iamAttachmentArns(r *synth.Resource, prop string) []string {
	if prop == "policyArns" {
		return knownStrings(list(r, prop))
	}
	if arn, ok := r.String(prop); ok {
		return []string{arn}
	}
	return nil
}

// iamIdentityName is the name an attachment's identity input gives: IAM
// takes a name there, and ARNs end in path and name.
func iamIdentityName(s string) string {
	if i := strings.LastIndex(s, "/"); strings.HasPrefix(s, "arn:") && i >= 0 {
		return s[i+1:]
	}
	return s
}

// iamAttachedTo returns the attachments of kind a naming identity r.
func iamAttachedTo(g *synth.Stack, a iamAttachment, r *synth.Resource) []*synth.Resource {
	idx := g.Index("iam attachment "+a.identityProp, a.typ, func(at *synth.Resource) (string, bool) {
		s, ok := at.String(a.identityProp)
		return iamIdentityName(s), ok && s != ""
	})
	var out []*synth.Resource
	for _, k := range refKeysOf(r, "name") {
		for _, at := range idx[k] {
			if !slices.Contains(out, at) {
				out = append(out, at)
			}
		}
	}
	return out
}

// iamIdentityInStack reports whether attachment r names an identity of this
// stack (which then carries the finding).
func iamIdentityInStack(g *synth.Stack, a iamAttachment, r *synth.Resource) bool {
	s, ok := r.String(a.identityProp)
	if !ok || s == "" {
		return false
	}
	return len(refLookup(g, a.identityType, "name", iamIdentityName(s))) > 0
}

// checkIAM5 finds the wildcard actions and resources a policy allows.
func checkIAM5(r *synth.Resource, _ *synth.Stack) []Hit {
	type doc struct {
		path string
		v    any
	}
	var docs []doc
	if r.Type == typeIamRole {
		for i, p := range list(r, "inlinePolicies") {
			if v, ok := field(p, "policy"); ok {
				docs = append(docs, doc{"inlinePolicies[" + strconv.Itoa(i) + "].policy", v})
			}
		}
	} else if v, ok := r.Value("policy"); ok {
		docs = append(docs, doc{"policy", v})
	}
	seen := map[string]bool{}
	var hits []Hit
	found := func(detail, msg string) {
		if !seen[detail] {
			seen[detail] = true
			hits = append(hits, Hit{Detail: detail, Message: msg})
		}
	}
	for _, d := range docs {
		sts, ok := policy(d.v)
		if !ok {
			// A document synth cannot read could hold any wildcard; it is a
			// finding of its own, suppressible by name, never a silent pass.
			found("Document::"+d.path, d.path+" is not a policy document kumo can read (unknown until deploy, secret or not JSON), so it cannot be checked for wildcards")
			continue
		}
		for _, st := range sts {
			if st.Effect != "Allow" {
				continue
			}
			for _, a := range st.Action {
				if strings.Contains(a, "*") {
					found("Action::"+a, d.path+" allows wildcard action "+a)
				}
			}
			for _, res := range st.Resource {
				if strings.Contains(res, "*") {
					found("Resource::"+res, d.path+" allows on wildcard resource "+res)
				}
			}
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int { return strings.Compare(a.Detail, b.Detail) })
	return hits
}

// Reference helpers shared by this package's IAM, Glue and OpenSearch
// rules, for types synth has no naming rules for (their Physical names are
// empty): a reference renders as the target's name input or its ID.

// refKeysOf returns what a reference to r may render as: the physical name
// (or name input) of each prop, and its ID.
func refKeysOf(r *synth.Resource, props ...string) []string {
	var keys []string
	addKey := func(k string) {
		if k != "" && !synth.Unknown(k) && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for _, p := range props {
		addKey(r.Physical(p))
		if s, ok := r.String(p); ok {
			addKey(s)
		}
	}
	addKey(r.ID)
	return keys
}

// refLookup returns the resources of type typ that a reference rendered
// as key names: by physical name (or name input) prop, or by ID. Each way
// is indexed once per stack.
func refLookup(g *synth.Stack, typ, prop, key string) []*synth.Resource {
	if key == "" || synth.Unknown(key) {
		return nil
	}
	var out []*synth.Resource
	for _, idx := range []map[string][]*synth.Resource{
		g.Index("ref physical "+prop, typ, func(r *synth.Resource) (string, bool) { return r.Physical(prop), r.Physical(prop) != "" }),
		g.Index("ref input "+prop, typ, func(r *synth.Resource) (string, bool) { return r.String(prop) }),
		g.Index("ref id", typ, func(r *synth.Resource) (string, bool) { return r.ID, r.ID != "" }),
	} {
		for _, r := range idx[key] {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// knownStrings returns the known strings of a rendered list.
func knownStrings(l []any) []string {
	var out []string
	for _, v := range l {
		if s, ok := v.(string); ok && s != "" && !synth.Unknown(s) {
			out = append(out, s)
		}
	}
	return out
}
