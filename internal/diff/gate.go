package diff

import (
	"cmp"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/cost"
)

// The gate's categories: what `kumo diff --fail-on` may name.
const (
	// GateDataLoss fails on a replacement or deletion of a resource that
	// holds data, an update that deletes some of it (Report's DataLoss),
	// and an update that removes its deletion protection
	// (ProtectionRemoved).
	GateDataLoss = "data-loss"
	// GateReplace fails on any replacement.
	GateReplace = "replace"
	// GateDelete fails on any deletion.
	GateDelete = "delete"
	// GateIAMWidening fails on an IAM statement added or broadened.
	GateIAMWidening = "iam-widening"
	// GatePublic fails on a change that makes something reachable by more
	// callers.
	GatePublic = "public"
	// GateAny fails on any change at all, code-only ones included.
	GateAny = "any"
	// GateCost fails when a stack's estimated monthly cost grows by more
	// than GateLimits.MaxCostIncrease, when the change adds or grows a
	// cost kumo has no price for (its increase cannot be bounded), and
	// when the cost change is unavailable: a gate that cannot measure
	// fails rather than pass what it did not see.
	GateCost = "cost"
)

// GateCategories are the categories Gate knows, sorted.
var GateCategories = []string{GateAny, GateCost, GateDataLoss, GateDelete, GateIAMWidening, GatePublic, GateReplace}

// GateLimits are the thresholds of the gate's measured categories.
type GateLimits struct {
	// MaxCostIncrease is the monthly increase, in US dollars, the cost
	// category lets through per stack. Default (nil): $0, any increase
	// fails.
	MaxCostIncrease *big.Rat
}

// Violation is one change the gate fails on.
type Violation struct {
	Category string `json:"category"`
	// Stack is project/stack.
	Stack string `json:"stack"`
	// URN, Type and Name are the resource's; URN and Type are empty for a
	// function whose only change is its code, which the report knows by
	// name only.
	URN  string `json:"urn,omitempty"`
	Type string `json:"type,omitempty"`
	Name string `json:"name"`
	// Reason says why the change falls in Category.
	Reason string `json:"reason"`
}

// String is the line the CLI prints for v.
func (v Violation) String() string {
	return fmt.Sprintf("%s: %s: %s: %s", v.Stack, v.Category, resourceLabel(v.Type, v.Name), v.Reason)
}

// Gate returns the changes in r that fall in a failOn category and that no
// allow entry allows, sorted by stack, category, URN and name. The CLI
// exits non-zero when any remain.
//
// An allow entry is `[category=]pattern`. The pattern allows a resource
// when it matches the resource's URN, its name or its type: `web-items`,
// `aws:dynamodb/table:Table` or
// `urn:pulumi:dev::shop::aws:dynamodb/table:Table::web-items`. In a
// pattern `*` matches any run of characters (":" and "/" included) and `?`
// any one character; every other character stands for itself, so
// `web-*`, `aws:iam/*` and `urn:pulumi:dev::*` are globs. With a category
// (`replace=aws:lambda/function:Function`) the entry allows only that
// category's violations; without one, every category's.
//
// An unknown category, in failOn or before an allow entry's "=", is an
// error that names it and the known ones; so is an empty entry.
//
// The cost category's limit is GateLimits' default ($0): GateWith sets it.
func Gate(r Report, failOn []string, allow []string) ([]Violation, error) {
	return GateWith(r, failOn, allow, GateLimits{})
}

// GateWith is Gate with limits for the measured categories. An allow entry
// that matches a resource takes that resource's cost change out of the
// increase the cost category measures (and its missing prices out of the
// unbounded ones): `--allow cost=lake-*` accepts what the lake's
// resources add.
func GateWith(r Report, failOn []string, allow []string, l GateLimits) ([]Violation, error) {
	cats, err := gateCategories(failOn)
	if err != nil {
		return nil, err
	}
	rules, err := parseAllow(allow)
	if err != nil {
		return nil, err
	}
	if l.MaxCostIncrease != nil && l.MaxCostIncrease.Sign() < 0 {
		return nil, fmt.Errorf("max cost increase %s: want an amount of US dollars ≥ 0", l.MaxCostIncrease.FloatString(2))
	}
	var out []Violation
	for _, s := range r.Stacks {
		vs := stackViolations(s, cats)
		if cats[GateCost] {
			vs = append(vs, costViolations(s, rules, l)...)
		}
		for _, v := range vs {
			if !allowed(rules, v) {
				out = append(out, v)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.Stack, b.Stack), cmp.Compare(a.Category, b.Category),
			cmp.Compare(a.URN, b.URN), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Reason, b.Reason))
	})
	return out, nil
}

func unknownCategory(what, c string) error {
	return fmt.Errorf("%s: unknown category %q; allowed: %s", what, c, strings.Join(GateCategories, ", "))
}

func gateCategories(failOn []string) (map[string]bool, error) {
	cats := map[string]bool{}
	for i, c := range failOn {
		c = strings.TrimSpace(c)
		if c == "" {
			return nil, fmt.Errorf("fail-on entry %d is empty; allowed: %s", i+1, strings.Join(GateCategories, ", "))
		}
		if !slices.Contains(GateCategories, c) {
			return nil, unknownCategory("fail-on", c)
		}
		cats[c] = true
	}
	return cats, nil
}

type allowRule struct {
	category string // "" for every category
	pattern  string
}

func parseAllow(allow []string) ([]allowRule, error) {
	rules := make([]allowRule, 0, len(allow))
	for i, a := range allow {
		a = strings.TrimSpace(a)
		if a == "" {
			return nil, fmt.Errorf("allow entry %d is empty; want [category=]pattern, e.g. %q or %q",
				i+1, "web-*", "replace=aws:lambda/function:Function")
		}
		rule := allowRule{pattern: a}
		// A prefix of lower-case letters and hyphens before "=" is a
		// category: no type or URN starts so, and a name that does is
		// better written as a glob than silently misread.
		if c, p, ok := strings.Cut(a, "="); ok && isCategoryWord(c) {
			if !slices.Contains(GateCategories, c) {
				return nil, unknownCategory(fmt.Sprintf("allow entry %q", a), c)
			}
			if p == "" {
				return nil, fmt.Errorf("allow entry %q has no pattern after %q; want [category=]pattern", a, c+"=")
			}
			rule = allowRule{category: c, pattern: p}
		}
		rules = append(rules, rule)
	}
	return rules, nil
}

func isCategoryWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && r != '-' {
			return false
		}
	}
	return true
}

func allowed(rules []allowRule, v Violation) bool {
	for _, r := range rules {
		if r.category != "" && r.category != v.Category {
			continue
		}
		for _, s := range []string{v.URN, v.Name, v.Type} {
			if s != "" && globMatch(r.pattern, s) {
				return true
			}
		}
	}
	return false
}

// globMatch reports whether s matches pattern, where `*` is any run of
// runes and `?` one rune. Unlike path.Match, `*` crosses "/" and ":",
// which types (aws:iam/role:Role) and URNs are full of.
func globMatch(pattern, s string) bool {
	p, t := []rune(pattern), []rune(s)
	pi, ti := 0, 0
	star, mark := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			// Let the last star take one more rune and retry from there.
			mark++
			pi, ti = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// stackViolations lists every change of s in the given categories.
func stackViolations(s StackReport, cats map[string]bool) []Violation {
	stack := stackLabel(s)
	var out []Violation
	add := func(cat, urn, typ, name, reason string) {
		if urn != "" && (typ == "" || name == "") {
			t, n := urnTypeName(urn)
			typ, name = cmp.Or(typ, t), cmp.Or(name, n)
		}
		out = append(out, Violation{Category: cat, Stack: stack, URN: urn, Type: typ, Name: name, Reason: reason})
	}
	if cats[GateDataLoss] {
		for _, d := range s.DataLoss {
			reason := opVerb(d.Op) + " loses " + d.Holds
			if d.Reason != "" {
				reason += ": " + d.Reason
			}
			if d.Protected != "" {
				reason += " (protected: " + d.Protected + ")"
			}
			add(GateDataLoss, d.URN, d.Type, d.Name, reason)
		}
		// Turning protection off is how a later change gets to lose the
		// data: the gate that guards data loss stops it too.
		for _, d := range s.ProtectionRemoved {
			add(GateDataLoss, d.URN, d.Type, d.Name, "protection removed from "+d.Holds+": "+d.Protected)
		}
	}
	if cats[GateIAMWidening] {
		for _, c := range s.IAM {
			add(GateIAMWidening, c.URN, "", iamAttached(c), iamReason(c))
		}
	}
	if cats[GatePublic] {
		for _, p := range s.Public {
			add(GatePublic, p.URN, p.Type, "", fmt.Sprintf("%s: %s → %s", p.What, p.Before, p.After))
		}
	}
	for _, g := range s.Groups {
		for _, c := range g.Changes {
			switch {
			case c.Op == OpSame:
				continue
			case c.Op == OpReplace && cats[GateReplace]:
				add(GateReplace, c.URN, c.Type, c.Name, gateReplaceReason(c))
			case c.Op == OpDelete && cats[GateDelete]:
				add(GateDelete, c.URN, c.Type, c.Name, "deleted")
			}
			if cats[GateAny] {
				reason := opVerb(c.Op)
				if c.Op == OpReplace {
					reason = gateReplaceReason(c)
				}
				add(GateAny, c.URN, c.Type, c.Name, reason)
			}
		}
		if cats[GateAny] {
			for _, fn := range g.CodeOnly {
				add(GateAny, "", "", fn, "code changed")
			}
		}
	}
	return out
}

func gateReplaceReason(c Change) string {
	if len(c.ReplaceReasons) == 0 {
		return "replaced"
	}
	return "replaced: " + strings.Join(c.ReplaceReasons, ", ") + " changed"
}

// iamReason is one statement in a line: "added: Allow s3:GetObject,
// s3:PutObject on arn:aws:s3:::b/* to * if {...}".
func iamReason(c IAMChange) string {
	var b strings.Builder
	b.WriteString(cmp.Or(c.Kind, "added"))
	b.WriteString(":")
	for _, part := range []string{c.Effect, strings.Join(c.Actions, ", ")} {
		if part != "" {
			b.WriteString(" ")
			b.WriteString(part)
		}
	}
	if len(c.Resources) > 0 {
		b.WriteString(" on ")
		b.WriteString(strings.Join(c.Resources, ", "))
	}
	if c.Principal != "" {
		b.WriteString(" to ")
		b.WriteString(c.Principal)
	}
	if c.Condition != "" {
		b.WriteString(" if ")
		b.WriteString(c.Condition)
	}
	return b.String()
}

// costSubject names a stack's monthly cost in a violation: it is no
// resource, so no pattern that names one allows it.
const costSubject = "monthly cost"

// costViolations are a stack's cost changes past the limit. The increase
// measured leaves out the resources an allow entry matches.
func costViolations(s StackReport, rules []allowRule, l GateLimits) []Violation {
	stack := stackLabel(s)
	c := s.Cost
	if c == nil || !c.Available {
		reason := "the cost change was not priced"
		if c != nil {
			reason = c.Reason
		}
		return []Violation{{Category: GateCost, Stack: stack, Name: costSubject, Reason: "cost change unavailable: " + reason}}
	}
	exempt := func(urn, typ, name string) bool {
		return allowed(rules, Violation{Category: GateCost, URN: urn, Type: typ, Name: name})
	}
	var out []Violation
	gated := new(big.Rat)
	var largest []string
	for _, r := range c.Resources {
		if exempt(r.URN, r.Type, r.Name) {
			continue
		}
		gated.Add(gated, r.Delta.Rat())
		if r.Delta.Cmp(cost.Money{}) > 0 && len(largest) < 3 {
			largest = append(largest, r.Name+" "+signedMoney(r.Delta))
		}
	}
	limit := l.MaxCostIncrease
	if limit == nil {
		limit = new(big.Rat)
	}
	if gated.Cmp(limit) > 0 {
		reason := fmt.Sprintf("%s a month (%s → %s) is more than the %s allowed",
			signedMoney(cost.MoneyOf(gated)), c.Before.Total, c.After.Total, cost.MoneyOf(limit))
		if len(largest) > 0 {
			reason += "; largest: " + strings.Join(largest, ", ")
		}
		out = append(out, Violation{Category: GateCost, Stack: stack, Name: costSubject, Reason: reason})
	}
	for _, u := range c.Unpriced {
		grows := u.Change == cost.UnpricedAdded ||
			(u.Change == cost.UnpricedChanged && !(u.QuantityBefore != "" && u.QuantityAfter != "" && lessDecimal(u.QuantityAfter, u.QuantityBefore)))
		if !grows || exempt(u.URN, u.Type, u.Name) {
			continue
		}
		reason := "no price for " + costUnpricedWhat(u) + ": the increase cannot be measured (" + u.Reason + ")"
		if u.Key == "" {
			// No key: kumo cost has no pricing rule for the type at all,
			// which u.Reason already says in full.
			reason = u.Reason + " (" + strings.TrimPrefix(costUnpricedWhat(u), "no pricing rule ") + "): the increase cannot be measured"
		}
		out = append(out, Violation{Category: GateCost, Stack: stack, URN: u.URN, Type: u.Type, Name: u.Name, Reason: reason})
	}
	return out
}

// lessDecimal compares two decimal strings of the model.
func lessDecimal(a, b string) bool {
	x, okA := new(big.Rat).SetString(a)
	y, okB := new(big.Rat).SetString(b)
	return okA && okB && x.Cmp(y) < 0
}
