// Package cost estimates what a kumo stack costs a month at a given
// traffic: `kumo cost`, and the cost change `kumo diff` shows. It prices
// the resources of a synth result (or a `kumo synth --json` document) with
// an embedded price table whose every price carries its source and the date
// it was read, at the traffic of a usage profile (Pulumi.<stack>.usage.yaml,
// or documented defaults per pattern). What kumo can derive from the stack
// itself — a schedule's runs, a stream's shards, a function's memory and
// architecture, a log group's retention, an API's routes, the wiring from an
// upload to the functions it triggers — it derives rather than asks. A price
// the table lacks is reported as such, never priced at zero; free tiers are
// listed with what they would save, never subtracted.
package cost

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
)

// Estimate prices resources at the usage profile's traffic. region is the
// stack's region, for resources without one of their own. A usage file
// naming a function or route the stack does not have is refused with a
// *UsageError.
//
// From a `kumo synth --json` document (diff.SynthDoc), each resource is
// Resource{URN, Type, Name, Parent, Region: its "region" (or ""), Component:
// !custom, Inputs}, and region is the document's "region" (a document
// written before kumo recorded it has none: kumo cost falls back on the
// stack file's aws:region, kumo diff does not price it). EstimateChange
// prices a pull request's base and head documents with one usage profile
// and table and compares them.
func Estimate(project, stack, region string, resources []Resource, u *Usage, t *Table) (*Report, error) {
	if u == nil {
		u = DefaultUsage()
	}
	rep, f, err := estimateNamed(project, stack, region, resources, u, t)
	if err != nil {
		if uerr := u.refused(); uerr != nil {
			return nil, uerr
		}
		return nil, err
	}
	if err := u.checkNames(f.functions, f.routes); err != nil {
		return nil, err
	}
	return rep, nil
}

// estimateNamed is Estimate without refusing the usage file's names the
// stack lacks, which EstimateChange checks against both sides at once; it
// returns the flow, which knows the stack's names.
func estimateNamed(project, stack, region string, resources []Resource, u *Usage, t *Table) (*Report, *flow, error) {
	if t == nil {
		return nil, nil, errNoTable
	}
	if u == nil {
		u = DefaultUsage()
	}
	rs := make([]Resource, len(resources))
	copy(rs, resources)
	for i := range rs {
		if rs[i].Region == "" {
			rs[i].Region = region
		}
	}
	g, err := newGraph(rs)
	if err != nil {
		return nil, nil, err
	}
	rec := newRecorder()
	f, err := newFlow(g, u, rec)
	if err != nil {
		return nil, nil, err
	}
	s, err := f.run()
	if err != nil {
		return nil, nil, err
	}
	p := &pricer{t: t, u: u, g: g, s: s, f: f, lines: map[*node]*Line{}, used: map[string]*Price{}}
	rep := &Report{Project: project, Stack: stack, Region: region}
	for _, n := range g.nodes {
		if n.isComponent() {
			continue
		}
		if reason, ok := p.free(n); ok {
			rep.Free = append(rep.Free, Free{URN: n.URN, Type: n.Type, Name: n.Name, Pattern: n.patternName(), Reason: reason})
			continue
		}
		rule, ok := rules[n.Type]
		if !ok {
			p.missing(n, "", fmt.Sprintf("kumo cost has no pricing rule for %s", n.Type), nil, "", false)
			continue
		}
		rule(p, n)
	}
	for _, n := range g.nodes {
		if l := p.lines[n]; l != nil {
			rep.Lines = append(rep.Lines, *l)
		}
	}
	sort.SliceStable(rep.Lines, func(i, j int) bool { return patternLess(rep.Lines[i].Pattern, rep.Lines[j].Pattern) })
	rep.Unpriced = p.unpriced
	sort.SliceStable(rep.Unpriced, func(i, j int) bool {
		a, b := rep.Unpriced[i], rep.Unpriced[j]
		if a.Pattern != b.Pattern {
			return patternLess(a.Pattern, b.Pattern)
		}
		if a.URN != b.URN {
			return a.URN < b.URN
		}
		return a.Key < b.Key
	})
	rep.Free = append(rep.Free, p.frees...)
	sort.Slice(rep.Free, func(i, j int) bool { return rep.Free[i].URN < rep.Free[j].URN })
	sort.SliceStable(rep.Free, func(i, j int) bool { return patternLess(rep.Free[i].Pattern, rep.Free[j].Pattern) })
	rep.subtotals(g)
	rep.FreeTiers = freeTierSavings(t, rep.Lines)
	rep.Assumptions = rec.list()
	rep.Notes = append(f.notes, p.notes...)
	sort.Strings(rep.Notes)
	rep.Notes = slices.Compact(rep.Notes)
	rep.Prices = PriceTableInfo{Schema: t.Schema, Generated: t.Generated, Dates: t.Dates()}
	usedDates := map[string]int{}
	for _, k := range sortedKeys(p.used) {
		pr := p.used[k]
		usedDates[pr.Read]++
		if pr.Confidence == "low" {
			rep.Prices.LowConfidence = append(rep.Prices.LowConfidence, pr.Region+" "+pr.Key)
		}
	}
	for d, n := range usedDates {
		rep.Prices.Used = append(rep.Prices.Used, ReadDate{Date: d, Entries: n})
	}
	sort.Slice(rep.Prices.Used, func(i, j int) bool { return rep.Prices.Used[i].Date > rep.Prices.Used[j].Date })
	return rep, f, nil
}

// patternLess orders pattern names alphabetically with StackPattern last.
func patternLess(a, b string) bool {
	if (a == StackPattern) != (b == StackPattern) {
		return b == StackPattern
	}
	return a < b
}

func (rep *Report) subtotals(g *graph) {
	byName := map[string]*PatternCost{}
	get := func(name, typ string) *PatternCost {
		pc := byName[name]
		if pc == nil {
			pc = &PatternCost{Name: name, Type: typ}
			byName[name] = pc
		}
		return pc
	}
	for _, n := range g.byType {
		for _, x := range n {
			if strings.HasPrefix(x.Type, patternTypePrefix) {
				get(x.Name, x.Type)
			}
		}
	}
	for _, l := range rep.Lines {
		pc := get(l.Pattern, l.PatternType)
		pc.Fixed, pc.PerUse = pc.Fixed.Add(l.Fixed), pc.PerUse.Add(l.PerUse)
		rep.Fixed, rep.PerUse = rep.Fixed.Add(l.Fixed), rep.PerUse.Add(l.PerUse)
	}
	for _, u := range rep.Unpriced {
		get(u.Pattern, "").Unpriced++
	}
	for _, pc := range byName {
		pc.Total = pc.Fixed.Add(pc.PerUse)
		rep.Patterns = append(rep.Patterns, *pc)
	}
	sort.Slice(rep.Patterns, func(i, j int) bool { return patternLess(rep.Patterns[i].Name, rep.Patterns[j].Name) })
	rep.Total = rep.Fixed.Add(rep.PerUse)
}

// pricer prices resources into lines.
type pricer struct {
	t        *Table
	u        *Usage
	g        *graph
	s        state
	f        *flow
	lines    map[*node]*Line
	unpriced []Unpriced
	used     map[string]*Price
	notes    []string
	// frees are resources a rule found nothing to bill on.
	frees []Free
}

func (p *pricer) note(format string, args ...any) {
	p.notes = append(p.notes, fmt.Sprintf(format, args...))
}

func (p *pricer) line(n *node) *Line {
	l := p.lines[n]
	if l == nil {
		l = &Line{URN: n.URN, Type: n.Type, Name: n.Name, Region: n.Region, Pattern: n.patternName()}
		if n.pattern != nil {
			l.PatternType = n.pattern.Type
		}
		p.lines[n] = l
	}
	return l
}

// usage records where one of n's activities comes from.
func (p *pricer) usage(n *node, m, unit string) {
	if e := p.s.explain(n, m, unit); e != "" {
		l := p.line(n)
		l.Usage = append(l.Usage, e)
	}
}

// missing records a price the estimate lacks.
func (p *pricer) missing(n *node, key, reason string, q *big.Rat, unit string, fixed bool) {
	for _, u := range p.unpriced {
		if u.URN == n.URN && u.Key == key {
			return
		}
	}
	p.unpriced = append(p.unpriced, Unpriced{URN: n.URN, Type: n.Type, Name: n.Name, Region: n.Region, Pattern: n.patternName(),
		Key: key, Reason: reason, Quantity: q, Unit: unit, Fixed: fixed})
}

// item prices quantity q of key for n: q's text, then "× $price/unit". A
// key without a price becomes an unpriced entry instead.
func (p *pricer) item(n *node, what, key string, q *big.Rat, unit, qText string, fixed bool) {
	pr, why := p.t.Lookup(n.Region, key)
	if pr == nil {
		p.missing(n, key, why, q, unit, fixed)
		// The line still exists, so the resource shows with what it
		// lacks.
		p.line(n)
		return
	}
	p.used[pr.Region+" "+pr.Key] = pr
	amount, priceText := charge(pr, q, unit)
	if qText == "" {
		qText = qty(q) + " " + unit
	}
	it := Item{What: what, Key: key, Region: pr.Region, Quantity: q, Unit: unit, Price: pr.Amount, Per: pr.Per,
		Amount: moneyOf(amount), Fixed: fixed, Formula: qText + " × " + priceText, Read: pr.Read, Published: pr.Published,
		Confidence: pr.Confidence, Source: pr.Source}
	l := p.line(n)
	l.Items = append(l.Items, it)
	if fixed {
		l.Fixed = l.Fixed.Add(it.Amount)
	} else {
		l.PerUse = l.PerUse.Add(it.Amount)
	}
}

// charge prices quantity q (in the entry's metered unit) at pr: through
// its tiers when it has them (tiers apply to the account's month in the
// region; kumo assumes this stack is its only use), else q × price ÷ per.
func charge(pr *Price, q *big.Rat, unit string) (*big.Rat, string) {
	per := ratInt(pr.Per)
	if len(pr.Tiers) == 0 || q.Cmp(pr.Tiers[0].limit()) <= 0 {
		return quo(mul(q, pr.Amount), per), dollars(pr.Amount) + perText(pr, unit)
	}
	total := new(big.Rat)
	var parts []string
	from := new(big.Rat)
	for _, t := range pr.Tiers {
		to := t.limit()
		if q.Cmp(from) <= 0 {
			break
		}
		slice := sub(minRat(q, to), from)
		total = add(total, quo(mul(slice, t.Amount), per))
		parts = append(parts, fmt.Sprintf("%s at %s%s", qty(slice), dollars(t.Amount), perText(pr, unit)))
		from = to
	}
	return total, "(" + strings.Join(parts, " + ") + ")"
}

// limit is a tier's upper bound, unbounded as a huge number.
func (t Tier) limit() *big.Rat {
	if t.UpTo == nil {
		return new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 200))
	}
	return t.UpTo
}

// dollars prints a unit price with at least cents ($0.20, $0.0000133334).
func dollars(x *big.Rat) string {
	s := price(x)
	if i := strings.IndexByte(s, '.'); i < 0 {
		s += ".00"
	} else if len(s)-i == 2 {
		s += "0"
	}
	return "$" + s
}

// perText is the "/unit" of a price: "/1M", "/1,000", or the item's unit
// in the singular ("/GB-month", "/shard-hour").
func perText(pr *Price, unit string) string {
	switch pr.Per {
	case 1:
		if strings.HasSuffix(unit, "s") && unit != "GB-s" {
			unit = strings.TrimSuffix(unit, "s")
		}
		return "/" + unit
	case 1000000:
		return "/1M"
	}
	return "/" + group(fmt.Sprint(pr.Per))
}

// freeTierSavings is what each free tier would save this stack, from the
// priced quantities of its meters, in order of the lines. The savings are
// never subtracted from the total.
func freeTierSavings(t *Table, lines []Line) []FreeTierSaving {
	var out []FreeTierSaving
	for _, ft := range t.FreeTier {
		saves := new(big.Rat)
		for _, a := range ft.Allowances {
			left := map[string]*big.Rat{}
			for _, l := range lines {
				for _, it := range l.Items {
					if !slices.Contains(a.Meters, it.Key) || it.Quantity.Sign() == 0 {
						continue
					}
					scope := ""
					if a.Scope == "region" {
						scope = it.Region
					}
					if left[scope] == nil {
						left[scope] = new(big.Rat).Set(a.Quantity)
					}
					take := minRat(left[scope], it.Quantity)
					left[scope] = sub(left[scope], take)
					first := it.Price
					saves = add(saves, quo(mul(take, first), ratInt(it.Per)))
				}
			}
		}
		if saves.Sign() == 0 {
			continue
		}
		out = append(out, FreeTierSaving{Name: ft.Name, Applies: ft.Applies, Allowance: ft.Allowance, Saves: moneyOf(saves),
			Source: ft.Source, Read: ft.Read})
	}
	return out
}
