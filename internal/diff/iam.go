package diff

import (
	"encoding/json"
	"maps"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/kumo-iac/kumo/internal/iampolicy"
)

// policyProp is where a type keeps a policy document and how to name what
// the document is attached to.
type policyProp struct {
	prop     string
	attached func(c *Change, in map[string]any) string
}

func named(kind, key string) func(c *Change, in map[string]any) string {
	return func(c *Change, in map[string]any) string {
		if v := str(in, key); v != "" && v != Unknown {
			return kind + " " + v
		}
		return kind + " " + c.Name
	}
}

// policyProps are the policy-bearing properties cdk diff's security table
// covers, in pulumi-aws's split of them over resources.
var policyProps = map[string][]policyProp{
	"aws:iam/rolePolicy:RolePolicy":                      {{"policy", named("role", "role")}},
	"aws:iam/policy:Policy":                              {{"policy", named("policy", "name")}},
	"aws:iam/role:Role":                                  {{"assumeRolePolicy", named("trust policy of role", "name")}},
	"aws:s3/bucketPolicy:BucketPolicy":                   {{"policy", named("bucket", "bucket")}},
	"aws:sqs/queuePolicy:QueuePolicy":                    {{"policy", named("queue", "queueUrl")}},
	"aws:sns/topicPolicy:TopicPolicy":                    {{"policy", named("topic", "arn")}},
	"aws:sns/topic:Topic":                                {{"policy", named("topic", "name")}},
	"aws:kms/key:Key":                                    {{"policy", named("key", "")}},
	"aws:opensearch/domainPolicy:DomainPolicy":           {{"accessPolicies", named("domain", "domainName")}},
	"aws:opensearch/domain:Domain":                       {{"accessPolicies", named("domain", "domainName")}},
	"aws:cloudwatch/logResourcePolicy:LogResourcePolicy": {{"policyDocument", named("log resource policy", "policyName")}},
}

// iamWidening lists every statement a change adds or broadens, every Deny
// it drops, and every policy it makes unknowable offline, in URN order.
func iamWidening(ix *stackIndex) []IAMChange {
	out := []IAMChange{}
	roles := rolePolicies(ix)
	for i := range ix.changes {
		c := &ix.changes[i]
		if c.Op == OpSame {
			continue
		}
		if c.Op == OpDelete && ix.dependencyGone(c) {
			// The policy goes with what it guards (or grants to).
			continue
		}
		switch c.Type {
		case "aws:iam/rolePolicy:RolePolicy":
			if r, ok := roles[str(inputs(c), "role")]; ok && !containsUnknown(c.New["policy"]) {
				if r.first == c {
					out = append(out, compareDocs(c, "role "+str(inputs(c), "role"), r.old, r.new)...)
				}
				continue
			}
		case "aws:lambda/permission:Permission":
			out = append(out, compareDocs(c, "function "+fmtValue(inputs(c)["function"]), permissionDoc(c.Old), permissionDoc(c.New))...)
			continue
		case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
			out = append(out, attachments(c, named("role", "role")(c, inputs(c)), []any{c.Old["policyArn"]}, []any{c.New["policyArn"]})...)
			continue
		case "aws:iam/role:Role":
			in := inputs(c)
			role := named("role", "name")(c, in)
			out = append(out, inlinePolicies(c, role)...)
			old, _ := c.Old["managedPolicyArns"].([]any)
			nw, _ := c.New["managedPolicyArns"].([]any)
			out = append(out, attachments(c, role, old, nw)...)
		}
		props, ok := policyProps[c.Type]
		if !ok {
			// A type kumo does not know that still carries a policy.
			if _, has := inputs(c)["policy"]; has {
				props = []policyProp{{"policy", named(c.Type, "name")}}
			}
		}
		for _, p := range props {
			out = append(out, compareDocs(c, p.attached(c, inputs(c)), c.Old[p.prop], c.New[p.prop])...)
		}
	}
	return out
}

// roleDocs are the statements of every inline policy of one role before
// and after, with the first changed policy that reports them.
type roleDocs struct {
	first    *Change
	old, new map[string]any
}

// rolePolicies gathers, per role, the statements of all its role policies
// before and after the change. A role's permissions are the union of its
// policies, so a grant that moves to a policy of another name (a read grant
// becoming a read-write one: one policy deleted, one created) widens the
// role only by what it gains, not by everything the new policy says.
// Policies whose new document is known only after deploy are left to
// compareDocs, which reports them as unknown.
func rolePolicies(ix *stackIndex) map[string]*roleDocs {
	out := map[string]*roleDocs{}
	changed := map[string]bool{}
	for i := range ix.changes {
		c := &ix.changes[i]
		if c.Type != "aws:iam/rolePolicy:RolePolicy" {
			continue
		}
		role := str(inputs(c), "role")
		if role == "" || role == Unknown {
			continue
		}
		r := out[role]
		if r == nil {
			r = &roleDocs{old: map[string]any{"Statement": []any{}}, new: map[string]any{"Statement": []any{}}}
			out[role] = r
		}
		if c.Op != OpSame && !(c.Op == OpDelete && ix.dependencyGone(c)) && !containsUnknown(c.New["policy"]) {
			changed[role] = true
			// The report points at a policy that stays, if any.
			if r.first == nil || (r.first.Op == OpDelete && c.Op != OpDelete) {
				r.first = c
			}
		}
		if c.Op != OpCreate {
			appendStatements(r.old, c.Old["policy"])
		}
		if c.Op != OpDelete {
			appendStatements(r.new, c.New["policy"])
		}
	}
	for role := range out {
		if !changed[role] {
			delete(out, role)
		}
	}
	return out
}

// appendStatements adds the statements of the policy document v to doc.
func appendStatements(doc map[string]any, v any) {
	var d map[string]any
	switch v := v.(type) {
	case string:
		if json.Unmarshal([]byte(v), &d) != nil {
			return
		}
	case map[string]any:
		d = v
	}
	switch st := d["Statement"].(type) {
	case []any:
		doc["Statement"] = append(doc["Statement"].([]any), st...)
	case map[string]any:
		doc["Statement"] = append(doc["Statement"].([]any), st)
	}
}

// inlinePolicies compares a role's inline policies, matched by name.
func inlinePolicies(c *Change, role string) []IAMChange {
	byName := func(m map[string]any) map[string]any {
		out := map[string]any{}
		l, _ := m["inlinePolicies"].([]any)
		for _, e := range l {
			if p, ok := e.(map[string]any); ok {
				out[str(p, "name")] = p["policy"]
			}
		}
		return out
	}
	old, nw := byName(c.Old), byName(c.New)
	var out []IAMChange
	for _, name := range slices.Sorted(maps.Keys(nw)) {
		out = append(out, compareDocs(c, role+" inline policy "+name, old[name], nw[name])...)
	}
	for _, name := range slices.Sorted(maps.Keys(old)) {
		if _, kept := nw[name]; !kept {
			out = append(out, compareDocs(c, role+" inline policy "+name, old[name], nil)...)
		}
	}
	return out
}

// attachments reports managed policies newly attached: each grants all
// its statements, which the synth cannot see, so the ARN stands for them.
func attachments(c *Change, attached string, old, nw []any) []IAMChange {
	var out []IAMChange
	for _, a := range nw {
		arn, ok := a.(string)
		if !ok || slices.Contains(old, a) {
			continue
		}
		kind := "added"
		if arn == Unknown {
			kind = "unknown"
		}
		out = append(out, IAMChange{URN: c.URN, Kind: kind, Effect: "Allow", Actions: []string{"managed policy " + fmtValue(arn)}, Resources: []string{}, Attached: attached})
	}
	return out
}

// permissionDoc turns a Lambda permission's inputs into the resource-policy
// statement Lambda adds for it (AddPermission: Principal, SourceArn as
// ArnLike AWS:SourceArn, SourceAccount as StringEquals AWS:SourceAccount,
// PrincipalOrgID as aws:PrincipalOrgID;
// https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html).
// A fixed Sid makes old and new compare as one statement.
func permissionDoc(in map[string]any) any {
	if in == nil {
		return nil
	}
	st := map[string]any{"Sid": "permission", "Effect": "Allow", "Action": in["action"]}
	res := fmtValue(in["function"])
	if q := str(in, "qualifier"); q != "" {
		res += ":" + q
	}
	st["Resource"] = res
	switch p := in["principal"].(type) {
	case string:
		switch {
		case p == "*":
			st["Principal"] = "*"
		case strings.HasSuffix(p, ".amazonaws.com") || strings.HasSuffix(p, ".amazonaws.com.cn"):
			st["Principal"] = map[string]any{"Service": p}
		default:
			st["Principal"] = map[string]any{"AWS": p}
		}
	}
	cond := map[string]any{}
	add := func(op, key string, v any) {
		if v == nil {
			return
		}
		m, _ := cond[op].(map[string]any)
		if m == nil {
			m = map[string]any{}
			cond[op] = m
		}
		m[key] = v
	}
	add("ArnLike", "AWS:SourceArn", in["sourceArn"])
	add("StringEquals", "AWS:SourceAccount", in["sourceAccount"])
	add("StringEquals", "aws:PrincipalOrgID", in["principalOrgId"])
	add("StringEquals", "lambda:FunctionUrlAuthType", in["functionUrlAuthType"])
	if len(cond) > 0 {
		st["Condition"] = cond
	}
	return map[string]any{"Statement": []any{st}}
}

// compareDocs compares one policy document before and after, cdk diff
// style: Allow statements added or broadened, Deny statements removed or
// narrowed.
func compareDocs(c *Change, attached string, old, nw any) []IAMChange {
	if nw != nil && containsUnknown(nw) && !equalValue(old, nw) {
		return []IAMChange{{URN: c.URN, Kind: "unknown", Actions: []string{}, Resources: []string{}, Attached: attached}}
	}
	oldSts, _ := iampolicy.Parse(old)
	newSts, _ := iampolicy.Parse(nw)
	var out []IAMChange
	oldByKey := byKey(oldSts)
	cover := newCoverIndex(oldSts)
	newByKey := byKey(newSts)
	for _, st := range newSts {
		if !strings.EqualFold(st.Effect, "Allow") {
			continue
		}
		prev, matched := oldByKey[stmtKey(st)]
		var lost map[string]any
		lostNot := false
		if matched {
			lost = lostConditions(prev.Condition, st.Condition)
			lostNot = len(notCovered(prev.NotAction, st.NotAction, true)) > 0 || len(notCovered(prev.NotResource, st.NotResource, false)) > 0
		}
		actions, resources, all := cover.gained(st)
		if len(actions)+len(resources) == 0 && len(lost) == 0 && !lostNot {
			continue
		}
		kind := "broadened"
		if all && !matched {
			kind = "added"
		}
		// Show what grew; a dimension that did not grow shows the
		// statement's own list for context.
		if len(actions) == 0 {
			actions = st.Action
		}
		if len(resources) == 0 {
			resources = st.Resource
		}
		ch := statementChange(c.URN, kind, attached, st, actions, resources, iampolicy.Principals(st.Principal), st.Condition)
		if len(lost) > 0 {
			ch.Condition = "lost " + compactJSON(lost)
		}
		out = append(out, ch)
	}
	// A Deny that goes away, or denies less, allows again what it forbade.
	for _, st := range oldSts {
		if !strings.EqualFold(st.Effect, "Deny") {
			continue
		}
		now, ok := newByKey[stmtKey(st)]
		if !ok || !strings.EqualFold(now.Effect, "Deny") {
			out = append(out, statementChange(c.URN, "removed", attached, st, st.Action, st.Resource, iampolicy.Principals(st.Principal), st.Condition))
			continue
		}
		actions := notCovered(st.Action, now.Action, true)
		resources := notCovered(st.Resource, now.Resource, false)
		if len(actions)+len(resources) > 0 {
			if len(actions) == 0 {
				actions = st.Action
			}
			if len(resources) == 0 {
				resources = st.Resource
			}
			out = append(out, statementChange(c.URN, "removed", attached, st, actions, resources, iampolicy.Principals(st.Principal), st.Condition))
		}
	}
	return out
}

// coverGroup is the old Allow statements that share principals and
// conditions, indexed for coverage checks: exact (action, resource) pairs
// in a set, statements with a wildcard kept to match one by one.
type coverGroup struct {
	principals []string
	condition  map[string]any
	exact      map[string]bool
	wild       []iampolicy.Statement
}

// coverIndex indexes a document's Allow statements once, so judging every
// statement of a role with many policies stays linear.
type coverIndex struct {
	groups []*coverGroup
	all    []iampolicy.Statement
}

// orAny stands an empty Action or Resource list for "the policy's own":
// a resource policy's statements (trust policies, bucket policies) may
// name no Resource.
func orAny(l []string) []string {
	if len(l) == 0 {
		return []string{""}
	}
	return l
}

func pairKey(action, resource string) string { return strings.ToLower(action) + "\x00" + resource }

func newCoverIndex(old []iampolicy.Statement) *coverIndex {
	ix := &coverIndex{all: old}
	byKey := map[string]*coverGroup{}
	for _, o := range old {
		if !strings.EqualFold(o.Effect, "Allow") || len(o.NotAction)+len(o.NotResource) > 0 {
			continue
		}
		principals := iampolicy.Principals(o.Principal)
		k := strings.Join(principals, ",") + "|" + compactJSON(o.Condition)
		g := byKey[k]
		if g == nil {
			g = &coverGroup{principals: principals, condition: o.Condition, exact: map[string]bool{}}
			byKey[k] = g
			ix.groups = append(ix.groups, g)
		}
		if strings.ContainsAny(strings.Join(o.Action, "")+strings.Join(o.Resource, ""), "*?") {
			g.wild = append(g.wild, o)
			continue
		}
		for _, a := range orAny(o.Action) {
			for _, r := range orAny(o.Resource) {
				g.exact[pairKey(a, r)] = true
			}
		}
	}
	return ix
}

// gained is what the Allow statement st allows that no statement of the
// old document did: the actions and resources of every (action, resource)
// pair no old Allow statement covers for the same principals under no
// more conditions. all is set when no pair was covered (a statement that
// is new in every respect). Judging pairs, not statements, keeps a grant
// that moved between statements or policies (read → read-write) to what
// it really adds.
func (ix *coverIndex) gained(st iampolicy.Statement) (actions, resources []string, all bool) {
	if len(st.NotAction) > 0 || len(st.NotResource) > 0 {
		// Complements cannot be judged pair by pair: show the statement.
		for _, o := range ix.all {
			if reflect.DeepEqual(o, st) {
				return nil, nil, false
			}
		}
		return st.Action, st.Resource, true
	}
	principals := iampolicy.Principals(st.Principal)
	var groups []*coverGroup
	for _, g := range ix.groups {
		if len(notCovered(principals, g.principals, false)) == 0 && len(lostConditions(g.condition, st.Condition)) == 0 {
			groups = append(groups, g)
		}
	}
	covered := func(a, r string) bool {
		for _, g := range groups {
			if g.exact[pairKey(a, r)] {
				return true
			}
			for _, o := range g.wild {
				if len(notCovered([]string{a}, orAny(o.Action), true)) == 0 && len(notCovered([]string{r}, orAny(o.Resource), false)) == 0 {
					return true
				}
			}
		}
		return false
	}
	ga, gr := map[string]bool{}, map[string]bool{}
	pairs, uncovered := 0, 0
	for _, a := range orAny(st.Action) {
		for _, r := range orAny(st.Resource) {
			pairs++
			if covered(a, r) {
				continue
			}
			uncovered++
			ga[a], gr[r] = true, true
		}
	}
	if uncovered == 0 {
		return nil, nil, false
	}
	delete(ga, "")
	delete(gr, "")
	// The statement is reported even when only its principals grew: then
	// every pair is uncovered, and its actions stand for what is gained.
	return slices.Sorted(maps.Keys(ga)), slices.Sorted(maps.Keys(gr)), uncovered == pairs
}

func statementChange(urn, kind, attached string, st iampolicy.Statement, actions, resources, principals []string, cond map[string]any) IAMChange {
	ch := IAMChange{
		URN: urn, Kind: kind, Effect: st.Effect, Attached: attached,
		Actions: sortedCopy(actions), Resources: sortedCopy(resources),
		Principal: strings.Join(principals, ", "),
	}
	if len(st.NotAction) > 0 {
		ch.Actions = append(ch.Actions, "NotAction: "+strings.Join(sortedCopy(st.NotAction), ", "))
	}
	if len(st.NotResource) > 0 {
		ch.Resources = append(ch.Resources, "NotResource: "+strings.Join(sortedCopy(st.NotResource), ", "))
	}
	if len(cond) > 0 {
		ch.Condition = compactJSON(cond)
	}
	return ch
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return slices.Compact(out)
}

// stmtKey matches a statement across versions: by Sid, or, without one,
// by effect, principals and resources (so a statement that gains actions
// is broadened, and one on new resources is added).
func stmtKey(st iampolicy.Statement) string {
	if st.Sid != "" {
		return "sid:" + st.Sid
	}
	return "effect:" + strings.ToLower(st.Effect) + "|" + strings.Join(iampolicy.Principals(st.Principal), ",") + "|" + strings.Join(sortedCopy(st.Resource), ",")
}

// byKey merges statements that share a key, so duplicates compare as one.
func byKey(sts []iampolicy.Statement) map[string]iampolicy.Statement {
	out := map[string]iampolicy.Statement{}
	for _, st := range sts {
		k := stmtKey(st)
		prev, ok := out[k]
		if !ok {
			out[k] = st
			continue
		}
		prev.Action = append(slices.Clone(prev.Action), st.Action...)
		prev.Resource = append(slices.Clone(prev.Resource), st.Resource...)
		out[k] = prev
	}
	return out
}

// notCovered returns the entries of now that no pattern of before covers.
// IAM matches actions case-insensitively and both actions and resources
// with * and ? wildcards.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
func notCovered(now, before []string, fold bool) []string {
	var out []string
	for _, n := range now {
		covered := false
		for _, b := range before {
			if b == "*" || wildcardMatch(b, n, fold) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, n)
		}
	}
	return out
}

func wildcardMatch(pattern, s string, fold bool) bool {
	if pattern == s || fold && strings.EqualFold(pattern, s) {
		return true
	}
	if !strings.ContainsAny(pattern, "*?") {
		return false
	}
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	// path.Match's * stops at '/', IAM's does not: match with '/' swapped
	// for a byte neither side uses.
	const sep = "\x00"
	pattern = strings.ReplaceAll(strings.ReplaceAll(pattern, "[", "\\["), "/", sep)
	ok, err := path.Match(pattern, strings.ReplaceAll(s, "/", sep))
	return err == nil && ok
}

// lostConditions returns the condition operators and keys of before that
// now lacks, or that now allows more values for.
func lostConditions(before, now map[string]any) map[string]any {
	lost := map[string]any{}
	for op, keys := range before {
		bk, _ := keys.(map[string]any)
		nk, _ := now[op].(map[string]any)
		for k, bv := range bk {
			nv, ok := nk[k]
			if !ok || len(notCovered(iampolicy.Strings(nv), iampolicy.Strings(bv), false)) > 0 {
				m, _ := lost[op].(map[string]any)
				if m == nil {
					m = map[string]any{}
					lost[op] = m
				}
				m[k] = bv
			}
		}
	}
	return lost
}

func compactJSON(v any) string {
	b, err := json.Marshal(v) // map keys sorted
	if err != nil {
		return fmtValue(v)
	}
	return string(b)
}

// containsUnknown reports whether a value is, or holds, the unknown marker.
func containsUnknown(v any) bool {
	switch v := v.(type) {
	case string:
		return v == Unknown
	case map[string]any:
		for _, e := range v {
			if containsUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if containsUnknown(e) {
				return true
			}
		}
	}
	return false
}
