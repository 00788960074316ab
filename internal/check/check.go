// Package check is kumo check: a rule pack over the synth graph that proves
// kumo's secure defaults on a user's own program, plain pulumi-aws resources
// and escape hatches included. Rules carry cdk-nag's IDs (AwsSolutions-*,
// Serverless-*) where cdk-nag has one, so findings map to what CDK users
// know, and Kumo-* IDs for kumo's own promises. Suppressions name the exact
// rule and resource (and, for granular rules such as IAM wildcards, the
// exact finding), need a reason, and are reported when they match nothing.
package check

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/agext/levenshtein"

	pubcheck "github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/internal/synth"
)

// Level is how a finding counts: errors fail kumo check and kumo synth,
// warnings are printed.
type Level string

const (
	Error   Level = "error"
	Warning Level = "warning"
)

// Rule is one check over the synth graph.
type Rule struct {
	// ID is cdk-nag's ID where cdk-nag has the rule ("AwsSolutions-S1",
	// "Serverless-LambdaTracing"), else "Kumo-<Name>".
	ID    string
	Level Level
	// Types are the resource types the rule looks at; findings are
	// reported on them.
	Types []string
	// What is the one line a finding says: what is wrong.
	What string
	// Why explains the risk.
	Why string
	// Fix says how to fix it in a kumo program.
	Fix string
	// Granular rules report one finding per offending item (an IAM action,
	// a managed policy), named by Hit.Detail; their suppressions must name
	// the item.
	Granular bool
	// Check returns what is wrong with r, nothing when it passes.
	Check func(r *synth.Resource, g *synth.Stack) []Hit
}

// Hit is one thing a rule found wrong with a resource.
type Hit struct {
	// Detail names the offending item for a granular rule, in cdk-nag's
	// form ("Action::s3:*", "Resource::*", "Policy::arn:aws:iam::aws:policy/X").
	Detail string
	// Message says what exactly is wrong, e.g. "timeout is not set".
	Message string
}

// Finding is a rule a resource breaks.
type Finding struct {
	Rule    string `json:"rule"`
	Level   Level  `json:"level"`
	URN     string `json:"urn"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Detail  string `json:"detail,omitempty"`
	Message string `json:"message"`
	// Construct is the nearest kumo construct or pattern holding the
	// resource (its URN), if any.
	Construct string `json:"construct,omitempty"`
	// Site is where the program created the resource, when synth saw it.
	Site *synth.Site `json:"site,omitempty"`
	// Suppression is what suppressed the finding, for suppressed ones.
	Suppression *Suppression `json:"suppression,omitempty"`
}

// ID is the finding's full ID: the rule's, with the detail of a granular
// rule in brackets as cdk-nag writes it ("AwsSolutions-IAM5[Action::s3:*]").
func (f Finding) ID() string {
	if f.Detail == "" {
		return f.Rule
	}
	return f.Rule + "[" + f.Detail + "]"
}

// Suppression accepts one finding: a rule on one resource (and, for a
// granular rule, one detail), with the reason.
type Suppression struct {
	Rule string `json:"rule"`
	// Resource is the resource's URN, or "<type>::<name>" when that names
	// exactly one resource.
	Resource string `json:"resource"`
	Finding  string `json:"finding,omitempty"`
	Reason   string `json:"reason"`
	// From says where the suppression was made: "config" (the stack's
	// kumo:suppressions) or "program".
	From string `json:"from"`
}

// AnnotationKey is the synth annotation a program's suppressions travel
// under (see the public package github.com/kumo-iac/kumo/check).
const AnnotationKey = pubcheck.AnnotationKey

// ConfigKey is the stack config key holding suppressions: a list of
// {rule, resource, finding, reason}.
const ConfigKey = "kumo:suppressions"

// Report is what a check found.
type Report struct {
	// Rules is how many rules ran; Resources how many resources they saw.
	Rules     int `json:"rules"`
	Resources int `json:"resources"`
	// Findings are the unsuppressed findings, errors first.
	Findings []Finding `json:"findings"`
	// Suppressed are the findings a suppression accepted; a report made
	// for kumo synth (Attach without detail) leaves them out and keeps
	// their count in SuppressedCount.
	Suppressed      []Finding `json:"suppressed,omitempty"`
	SuppressedCount int       `json:"suppressedCount"`
	// Unused are suppressions that matched no finding: the resource is
	// gone or now passes; delete them.
	Unused []Suppression `json:"unused"`
}

// Errors counts the unsuppressed error findings.
func (r *Report) Errors() int { return r.count(Error) }

// Warnings counts the unsuppressed warning findings.
func (r *Report) Warnings() int { return r.count(Warning) }

func (r *Report) count(l Level) int {
	n := 0
	for _, f := range r.Findings {
		if f.Level == l {
			n++
		}
	}
	return n
}

// Rules returns every rule, sorted by ID.
func Rules() []Rule { return slices.Clone(sortedRules()) }

// RuleByID returns the rule with the given ID.
func RuleByID(id string) (Rule, bool) {
	rs := sortedRules()
	i, ok := slices.BinarySearchFunc(rs, id, func(r Rule, id string) int { return strings.Compare(r.ID, id) })
	if !ok {
		return Rule{}, false
	}
	return rs[i], true
}

// registered collects each service file's rules (register, from init).
var registered []Rule

// register adds rules to the pack; each rules_<service>.go calls it from
// init.
func register(rs ...Rule) { registered = append(registered, rs...) }

// sortedRules is every rule, sorted by ID, fixed once first asked for
// (after every init has registered).
var sortedRules = sync.OnceValue(func() []Rule {
	rs := slices.Clone(registered)
	slices.SortFunc(rs, func(a, b Rule) int { return strings.Compare(a.ID, b.ID) })
	return rs
})

// SuppressionError lists every suppression that cannot be applied as
// written: no reason, an unknown rule, no such resource.
type SuppressionError struct {
	Problems []string
}

func (e *SuppressionError) Error() string {
	return fmt.Sprintf("%d suppression(s) cannot be applied:\n  - %s", len(e.Problems), strings.Join(e.Problems, "\n  - "))
}

// ParseConfig reads the stack config's suppressions (the value of
// ConfigKey, as the engine hands it to the program: JSON), "" for none.
func ParseConfig(value string) ([]Suppression, error) {
	if strings.TrimSpace(value) == "" {
		return nil, nil
	}
	var ss []Suppression
	dec := json.NewDecoder(strings.NewReader(value))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ss); err != nil {
		return nil, &SuppressionError{Problems: []string{fmt.Sprintf("%s: %v; want a list of {rule, resource, finding, reason}", ConfigKey, err)}}
	}
	for i := range ss {
		ss[i].From = "config"
	}
	return ss, nil
}

// Run checks a synthesized stack. root is the project directory, for the
// sites findings name; config holds the stack config's suppressions. A
// suppression that cannot be applied fails the check before any rule runs
// (*SuppressionError), every problem at once.
func Run(res *synth.Result, root string, config []Suppression) (*Report, error) {
	g := synth.NewStack(res.Resources)
	supps, err := collect(res, g, config)
	if err != nil {
		return nil, err
	}

	rules := sortedRules()
	rep := &Report{Rules: len(rules), Resources: len(res.Resources), Findings: []Finding{}, Suppressed: []Finding{}, Unused: []Suppression{}}
	used := make([]bool, len(supps))
	type key struct{ rule, urn, detail string }
	byKey := make(map[key]int, len(supps))
	for i, s := range supps {
		byKey[key{s.Rule, s.Resource, s.Finding}] = i
	}
	sites := newSiteCache(root)
	for _, rule := range rules {
		for _, typ := range rule.Types {
			for _, r := range g.Resources(typ) {
				for _, h := range rule.Check(r, g) {
					f := Finding{Rule: rule.ID, Level: rule.Level, URN: r.URN, Type: r.Type, Name: r.Name,
						Detail: h.Detail, Message: h.Message, Construct: construct(r, g)}
					f.Site = sites.of(r)
					if i, ok := byKey[key{f.Rule, f.URN, f.Detail}]; ok {
						used[i] = true
						s := supps[i]
						f.Suppression = &s
						rep.Suppressed = append(rep.Suppressed, f)
						continue
					}
					rep.Findings = append(rep.Findings, f)
				}
			}
		}
	}
	for i, s := range supps {
		if !used[i] {
			rep.Unused = append(rep.Unused, s)
		}
	}
	order := func(a, b Finding) int {
		return cmp.Or(cmp.Compare(levelRank(a.Level), levelRank(b.Level)), strings.Compare(a.Rule, b.Rule),
			strings.Compare(a.URN, b.URN), strings.Compare(a.Detail, b.Detail))
	}
	slices.SortFunc(rep.Findings, order)
	slices.SortFunc(rep.Suppressed, order)
	rep.SuppressedCount = len(rep.Suppressed)
	return rep, nil
}

func levelRank(l Level) int {
	if l == Error {
		return 0
	}
	return 1
}

// construct returns the URN of the nearest kumo component holding r.
func construct(r *synth.Resource, g *synth.Stack) string {
	for _, a := range g.Ancestors(r) {
		if strings.HasPrefix(a.Type, "kumo:") && !a.Custom {
			return a.URN
		}
	}
	return ""
}

// collect gathers the program's suppressions (annotations) and the
// config's, resolved to URNs and checked: a reason, a known rule, a detail
// exactly when the rule is granular, and for the config's an existing
// resource.
func collect(res *synth.Result, g *synth.Stack, config []Suppression) ([]Suppression, error) {
	var (
		out      []Suppression
		problems []string
	)
	for _, r := range res.Resources {
		for _, raw := range r.Annotations[AnnotationKey] {
			var s Suppression
			if err := json.Unmarshal([]byte(raw), &s); err != nil {
				problems = append(problems, fmt.Sprintf("%s: unreadable suppression %q: %v", r.URN, raw, err))
				continue
			}
			s.Resource, s.From = r.URN, "program"
			out = append(out, s)
		}
	}
	for i, s := range config {
		where := fmt.Sprintf("%s[%d]", ConfigKey, i)
		urn, err := resolveResource(s.Resource, g, res.Resources)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: resource %q: %v", where, s.Resource, err))
			continue
		}
		s.Resource = urn
		out = append(out, s)
	}
	for _, s := range out {
		where := s.Resource
		if s.From == "config" {
			where = ConfigKey + " for " + s.Resource
		}
		problems = append(problems, Validate(s.Rule, s.Finding, s.Reason, where)...)
	}
	if len(problems) > 0 {
		return nil, &SuppressionError{Problems: problems}
	}
	slices.SortFunc(out, func(a, b Suppression) int {
		return cmp.Or(strings.Compare(a.Resource, b.Resource), strings.Compare(a.Rule, b.Rule), strings.Compare(a.Finding, b.Finding))
	})
	// The same suppression made twice is one.
	return slices.CompactFunc(out, func(a, b Suppression) bool {
		return a.Resource == b.Resource && a.Rule == b.Rule && a.Finding == b.Finding
	}), nil
}

// MinReason is the shortest reason a suppression may give.
const MinReason = pubcheck.MinReason

// Validate returns what is wrong with a suppression of rule (and finding)
// for reason, each problem naming where it was made.
func Validate(rule, finding, reason, where string) []string {
	var problems []string
	r, ok := RuleByID(rule)
	switch {
	case rule == "":
		problems = append(problems, where+": suppression names no rule; set rule to a rule ID (kumo check --list shows them)")
	case !ok:
		msg := fmt.Sprintf("%s: suppression of unknown rule %q", where, rule)
		if near := closest(rule); near != "" {
			msg += fmt.Sprintf("; did you mean %q?", near)
		}
		problems = append(problems, msg)
	case r.Granular && finding == "":
		problems = append(problems, fmt.Sprintf("%s: %s reports one finding per item; name the finding to suppress (e.g. %q), not the whole rule", where, rule, r.ID+"'s detail such as Action::s3:*"))
	case !r.Granular && finding != "":
		problems = append(problems, fmt.Sprintf("%s: %s has no per-item findings; drop finding %q", where, rule, finding))
	}
	if len(strings.TrimSpace(reason)) < MinReason {
		problems = append(problems, fmt.Sprintf("%s: suppression of %s has reason %q; give a reason of at least %d characters that a reviewer can check", where, rule, reason, MinReason))
	}
	return problems
}

// resolveResource finds the URN a config suppression names: a URN, or
// "<type>::<name>" matching exactly one resource.
func resolveResource(ref string, g *synth.Stack, rs []synth.Resource) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("no resource given; set resource to a URN or <type>::<name>")
	}
	if strings.HasPrefix(ref, "urn:pulumi:") {
		if g.Resource(ref) == nil {
			return "", fmt.Errorf("no such resource in this stack")
		}
		return ref, nil
	}
	typ, name, ok := strings.Cut(ref, "::")
	if !ok {
		return "", fmt.Errorf("not a URN or <type>::<name> (e.g. aws:s3/bucketV2:BucketV2::site)")
	}
	var matches []string
	for _, r := range g.Resources(typ) {
		if r.Name == name {
			matches = append(matches, r.URN)
		}
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("no %s named %q in this stack", typ, name)
	case 1:
		return matches[0], nil
	}
	return "", fmt.Errorf("%d resources match (%s); give the URN", len(matches), strings.Join(matches, ", "))
}

// closest returns the rule ID nearest to id, if one is close.
func closest(id string) string {
	best, bestD := "", 4
	for _, r := range sortedRules() {
		if d := levenshtein.Distance(strings.ToLower(id), strings.ToLower(r.ID), nil); d < bestD {
			best, bestD = r.ID, d
		}
	}
	return best
}

// Attach checks a synthesized stack with the suppressions of its stack
// config (read from the project at root) and keeps the report in res.Check,
// where kumo synth and kumo check read it. Without detail the suppressed
// findings are only counted: kumo synth shows no more, and a stack of a
// thousand functions has thousands of them.
func Attach(res *synth.Result, root string, detail bool) error {
	var config []Suppression
	if sc, err := synth.LoadStackConfig(root, res.Stack); err == nil {
		if config, err = ParseConfig(sc.Raw[ConfigKey]); err != nil {
			return err
		}
	}
	rep, err := Run(res, root, config)
	if err != nil {
		return err
	}
	if !detail {
		rep.Suppressed = nil
	}
	if res.Check, err = json.Marshal(rep); err != nil {
		return err
	}
	return nil
}

// ReportOf reads the report Attach kept in a result.
func ReportOf(res *synth.Result) (*Report, error) {
	if len(res.Check) == 0 {
		return nil, fmt.Errorf("the program that synthesized stack %s made no kumo check report; is its kumo module older than kumo check?", res.Stack)
	}
	var rep Report
	if err := json.Unmarshal(res.Check, &rep); err != nil {
		return nil, fmt.Errorf("reading the kumo check report: %w", err)
	}
	return &rep, nil
}

// siteCache resolves where resources were created once per call stack: a
// program creating a thousand functions in a loop creates them all from
// the same lines.
type siteCache struct {
	root  string
	sites map[string]*synth.Site
}

func newSiteCache(root string) *siteCache {
	return &siteCache{root: root, sites: map[string]*synth.Site{}}
}

func (c *siteCache) of(r *synth.Resource) *synth.Site {
	k := r.SiteKey()
	if k == "" {
		return nil
	}
	if s, ok := c.sites[k]; ok {
		return s
	}
	var site *synth.Site
	if s, ok := r.Site(c.root); ok {
		site = &s
	}
	c.sites[k] = site
	return site
}
