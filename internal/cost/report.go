package cost

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// ReportSchema names the --json contract of kumo cost.
const ReportSchema = "kumo-cost/v1"

// Report is a stack's estimated monthly cost.
type Report struct {
	Project, Stack string
	// Region is the stack's region; a resource's own region is on its
	// line.
	Region string
	// Fixed is the always-on cost (instance hours, shards, alarms, keys,
	// health checks), PerUse what the usage profile's traffic adds; Total
	// their sum. None includes an unpriced line.
	Fixed, PerUse, Total Money
	// Patterns are the subtotals by pattern (the nearest kumo:patterns:*
	// component; StackPattern for resources outside one), sorted by name
	// with StackPattern last.
	Patterns []PatternCost
	// Lines are the priced resources, sorted by pattern then URN.
	Lines []Line
	// Unpriced are the prices the estimate lacks: the total excludes them.
	Unpriced []Unpriced
	// Free are resources AWS does not bill, each with the reason.
	Free []Free
	// FreeTiers are what AWS's free tiers would save; never subtracted.
	FreeTiers []FreeTierSaving
	// Assumptions are every usage number the estimate used.
	Assumptions []Assumption
	// Notes are what the estimate could not model.
	Notes []string
	// Prices describes the price table.
	Prices PriceTableInfo
}

// PatternCost is one pattern's subtotal.
type PatternCost struct {
	Name, Type           string
	Fixed, PerUse, Total Money
	// Unpriced counts the pattern's prices the estimate lacks.
	Unpriced int
}

// Line is one priced resource.
type Line struct {
	URN, Type, Name, Region string
	// Pattern is the pattern's name (StackPattern outside one),
	// PatternType its component type.
	Pattern, PatternType string
	Fixed, PerUse        Money
	Items                []Item
	// Usage says where the resource's activity comes from.
	Usage []string
}

// Total is the line's fixed and per-use cost.
func (l Line) Total() Money { return l.Fixed.Add(l.PerUse) }

// Formula is the line's cost as one sum: each item's formula with its
// numbers ("2,000,000 requests × $0.20/1M + …").
func (l Line) Formula() string {
	var parts []string
	for _, it := range l.Items {
		parts = append(parts, it.Formula)
	}
	return strings.Join(parts, " + ")
}

// Item is one billed dimension of a resource.
type Item struct {
	// What names the dimension ("requests", "compute (arm64)").
	What string
	// Key is the price table's key; Region where it was priced (Global
	// for edge and account-wide prices).
	Key, Region string
	Quantity    *big.Rat
	Unit        string
	// Price is the table's price for Per units.
	Price     *big.Rat
	Per       int64
	Amount    Money
	Fixed     bool
	Formula   string
	Read      string
	Published string
	// Confidence is the table's: high, medium or low.
	Confidence string
	Source     string
}

// Unpriced is a price the estimate lacks, for one resource.
type Unpriced struct {
	URN, Type, Name, Region, Pattern string
	// Key is the price table key that has no price ("" when kumo has no
	// pricing rule for the type at all).
	Key, Reason string
	// Quantity is what would have been priced, when known.
	Quantity *big.Rat
	Unit     string
	Fixed    bool
}

// Free is a resource AWS does not bill.
type Free struct {
	URN, Type, Name, Pattern, Reason string
}

// FreeTierSaving is what one of AWS's free tiers would take off this
// stack's bill, were the stack the account's only use of it.
type FreeTierSaving struct {
	Name, Applies, Allowance string
	Saves                    Money
	Source, Read             string
}

// Assumption is one usage number of the estimate.
type Assumption struct {
	Key, Value, Unit string
	Origin           Origin
	Doc, Source      string
}

// PriceTableInfo describes the price table an estimate used.
type PriceTableInfo struct {
	Schema, Generated string
	// Dates are the table's read dates with their entry counts, newest
	// first; Used the read dates of the prices this estimate used.
	Dates, Used []ReadDate
	// LowConfidence are the keys used whose price has low confidence.
	LowConfidence []string
}

// Change is the cost difference between two estimates of one stack: what
// `kumo diff` shows for a pull request.
type Change struct {
	Before, After, Delta Money
	// Resources are the resources whose monthly cost changed, largest
	// change first.
	Resources []ResourceChange
	// UnpricedBefore and UnpricedAfter count the missing prices of each
	// side: a delta between totals that exclude different lines is only
	// part of the change.
	UnpricedBefore, UnpricedAfter int
}

// ResourceChange is one resource's monthly cost before and after.
type ResourceChange struct {
	URN, Type, Name, Pattern string
	Before, After, Delta     Money
}

// Compare returns the cost change from before to after, resource by
// resource (matched by URN).
func Compare(before, after *Report) Change {
	c := Change{Before: before.Total, After: after.Total, Delta: after.Total.Sub(before.Total),
		UnpricedBefore: len(before.Unpriced), UnpricedAfter: len(after.Unpriced)}
	type pair struct {
		b, a *Line
	}
	byURN := map[string]*pair{}
	for i := range before.Lines {
		byURN[before.Lines[i].URN] = &pair{b: &before.Lines[i]}
	}
	for i := range after.Lines {
		p := byURN[after.Lines[i].URN]
		if p == nil {
			p = &pair{}
			byURN[after.Lines[i].URN] = p
		}
		p.a = &after.Lines[i]
	}
	for urn, p := range byURN {
		var rc ResourceChange
		rc.URN = urn
		for _, l := range []*Line{p.b, p.a} {
			if l != nil {
				rc.Type, rc.Name, rc.Pattern = l.Type, l.Name, l.Pattern
			}
		}
		if p.b != nil {
			rc.Before = p.b.Total()
		}
		if p.a != nil {
			rc.After = p.a.Total()
		}
		rc.Delta = rc.After.Sub(rc.Before)
		if !rc.Delta.IsZero() {
			c.Resources = append(c.Resources, rc)
		}
	}
	sort.Slice(c.Resources, func(i, j int) bool {
		a, b := new(big.Rat).Abs(c.Resources[i].Delta.rat()), new(big.Rat).Abs(c.Resources[j].Delta.rat())
		if d := a.Cmp(b); d != 0 {
			return d > 0
		}
		return c.Resources[i].URN < c.Resources[j].URN
	})
	return c
}

// recorder collects the estimate's assumptions, once each.
type recorder struct {
	m map[string]Assumption
}

func newRecorder() *recorder { return &recorder{m: map[string]Assumption{}} }

func (r *recorder) knob(section, key string, v *big.Rat, origin Origin) {
	k, _ := knobByName(section + "." + key)
	r.m[k.Name()] = Assumption{Key: k.Name(), Value: qty(v), Unit: k.Unit, Origin: origin, Doc: k.Doc, Source: k.Source}
}

func (r *recorder) file(key string, v *big.Rat, unit, doc string) {
	r.m[key] = Assumption{Key: key, Value: qty(v), Unit: unit, Origin: FromFile, Doc: doc}
}

func (r *recorder) derived(key string, v *big.Rat, unit, doc string) {
	if _, ok := r.m[key]; ok && r.m[key].Origin != Derived {
		return
	}
	r.m[key] = Assumption{Key: key, Value: qty(v), Unit: unit, Origin: Derived, Doc: doc}
}

func (r *recorder) route(route string, share *big.Rat, origin Origin, equal int) {
	doc := "Share of the API's requests routed to " + route + "."
	switch {
	case origin == Derived && share.Sign() == 0:
		doc += " CORS preflights (OPTIONS) get none unless the usage file names them."
	case origin == Derived:
		doc += fmt.Sprintf(" An equal share of what the usage file leaves to the %d routes it does not name.", equal)
	}
	r.m["webapp.routes."+route] = Assumption{Key: "webapp.routes." + route, Value: qty(share), Unit: "share", Origin: origin, Doc: doc}
}

func (r *recorder) list() []Assumption {
	out := make([]Assumption, 0, len(r.m))
	for _, a := range r.m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
