package cost

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
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
	// FixedBefore, FixedAfter, PerUseBefore and PerUseAfter split the
	// totals into always-on costs and what the traffic adds: a change that
	// adds a shard costs money at no traffic, one that doubles a
	// function's memory only with it.
	FixedBefore, FixedAfter, PerUseBefore, PerUseAfter Money
	// Resources are the resources whose monthly cost changed, largest
	// change first (by absolute amount, then URN).
	Resources []ResourceChange
	// UnpricedBefore and UnpricedAfter count the missing prices of each
	// side: a delta between totals that exclude different lines is only
	// part of the change.
	UnpricedBefore, UnpricedAfter int
	// Unpriced are the missing prices that differ between the sides,
	// sorted by URN and key: what the delta cannot include (see Bound).
	Unpriced []UnpricedChange
}

// FixedDelta and PerUseDelta are the change of each part of the total.
func (c Change) FixedDelta() Money  { return c.FixedAfter.Sub(c.FixedBefore) }
func (c Change) PerUseDelta() Money { return c.PerUseAfter.Sub(c.PerUseBefore) }

// Bound says how the true change relates to Delta, which only sums
// prices the table has.
type Bound string

const (
	// BoundExact: nothing without a price changed; Delta is the change.
	BoundExact Bound = "exact"
	// BoundLower: the head adds (or grows) only what has no price, so the
	// change is at least Delta.
	BoundLower Bound = "lower"
	// BoundUpper: the head removes (or shrinks) only what had no price,
	// so the change is at most Delta.
	BoundUpper Bound = "upper"
	// BoundUnknown: unpriced costs move both ways; Delta is only the
	// priced part.
	BoundUnknown Bound = "unknown"
)

// Bound is how the true change relates to Delta, from the unpriced lines
// that differ. A line kumo has no pricing rule for (no quantity) on both
// sides is taken as unchanged: kumo cannot tell more of it.
func (c Change) Bound() Bound {
	up, down := false, false
	for _, u := range c.Unpriced {
		switch u.Kind {
		case UnpricedAdded:
			up = true
		case UnpricedRemoved:
			down = true
		case UnpricedChanged:
			// A quantity kumo does not know, or the same quantity in
			// another region, moves the cost by an amount of either sign.
			d := 0
			if u.QuantityBefore != nil && u.QuantityAfter != nil {
				d = u.QuantityAfter.Cmp(u.QuantityBefore)
			}
			up, down = up || d >= 0, down || d <= 0
		}
	}
	switch {
	case up && down:
		return BoundUnknown
	case up:
		return BoundLower
	case down:
		return BoundUpper
	}
	return BoundExact
}

// ResourceChange is one resource's monthly cost before and after.
type ResourceChange struct {
	URN, Type, Name, Pattern string
	Before, After, Delta     Money
	// InBefore and InAfter say whether the resource has a line on each
	// side: a resource the change creates has none before, one it deletes
	// none after.
	InBefore, InAfter bool
	// RegionBefore and RegionAfter are where each side prices it ("" on a
	// side without a line): they differ when the resource moves.
	RegionBefore, RegionAfter string
	// Items are the billed dimensions whose amount changed, in the order
	// of the after line (then the before line's dimensions it lacks).
	Items []ItemChange
}

// ItemChange is one billed dimension of a resource before and after.
type ItemChange struct {
	// What, Key, Unit and Fixed are the item's (Item).
	What, Key, Unit string
	Fixed           bool
	// QuantityBefore and QuantityAfter are nil on a side without the item.
	QuantityBefore, QuantityAfter *big.Rat
	Before, After, Delta          Money
}

// UnpricedKind is how a missing price differs between two estimates.
type UnpricedKind string

// Unpriced change kinds.
const (
	UnpricedAdded   UnpricedKind = "added"
	UnpricedRemoved UnpricedKind = "removed"
	UnpricedChanged UnpricedKind = "changed"
)

// UnpricedChange is a price the estimate lacks on one side, or on both
// with a different quantity.
type UnpricedChange struct {
	URN, Type, Name, Pattern, Region string
	// Key and Reason are the Unpriced entry's (the head's, or the base's
	// when removed).
	Key, Reason string
	Kind        UnpricedKind
	// RegionBefore is the base's region when Kind is UnpricedChanged
	// (Region is the head's).
	RegionBefore string
	// QuantityBefore and QuantityAfter are what would have been priced,
	// nil where unknown or absent.
	QuantityBefore, QuantityAfter *big.Rat
	Unit                          string
	Fixed                         bool
}

// Side is one side of a change to price: the stack's region (for
// resources without one of their own) and its resources.
type Side struct {
	Region    string
	Resources []Resource
}

// EstimateChange prices the two sides of one stack's change with one
// usage profile and table, and compares them. The usage file's names are
// checked against both sides together: it may name a function or a route
// only one side has (one the change adds or removes), and the entry
// applies where the name exists; a name neither side has is refused with
// a *UsageError, as Estimate refuses it.
func EstimateChange(project, stack string, before, after Side, u *Usage, t *Table) (*Report, *Report, Change, error) {
	if u == nil {
		u = DefaultUsage()
	}
	b, bf, err := estimateNamed(project, stack, before.Region, before.Resources, u, t)
	if err != nil {
		if uerr := u.refused(); uerr != nil {
			return nil, nil, Change{}, uerr
		}
		return nil, nil, Change{}, fmt.Errorf("base: %w", err)
	}
	a, af, err := estimateNamed(project, stack, after.Region, after.Resources, u, t)
	if err != nil {
		if uerr := u.refused(); uerr != nil {
			return nil, nil, Change{}, uerr
		}
		return nil, nil, Change{}, fmt.Errorf("head: %w", err)
	}
	if err := u.checkNames(union(bf.functions, af.functions), union(bf.routes, af.routes)); err != nil {
		return nil, nil, Change{}, err
	}
	return b, a, Compare(b, a), nil
}

// union is the sorted set of the names in a and b.
func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	sort.Strings(out)
	return slices.Compact(out)
}

// Compare returns the cost change from before to after, resource by
// resource (matched by URN) and dimension by dimension (matched by what
// is billed and its price key).
func Compare(before, after *Report) Change {
	c := Change{Before: before.Total, After: after.Total, Delta: after.Total.Sub(before.Total),
		FixedBefore: before.Fixed, FixedAfter: after.Fixed, PerUseBefore: before.PerUse, PerUseAfter: after.PerUse,
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
		rc := ResourceChange{URN: urn, InBefore: p.b != nil, InAfter: p.a != nil}
		for _, l := range []*Line{p.b, p.a} {
			if l != nil {
				rc.Type, rc.Name, rc.Pattern = l.Type, l.Name, l.Pattern
			}
		}
		if p.b != nil {
			rc.Before, rc.RegionBefore = p.b.Total(), p.b.Region
		}
		if p.a != nil {
			rc.After, rc.RegionAfter = p.a.Total(), p.a.Region
		}
		rc.Delta = rc.After.Sub(rc.Before)
		if !rc.Delta.IsZero() {
			rc.Items = itemChanges(p.b, p.a)
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
	c.Unpriced = unpricedChanges(before.Unpriced, after.Unpriced)
	return c
}

// itemChanges are the dimensions of a resource whose amount changed. A
// line may bill one dimension in several items (one per alarm metric):
// they are summed.
func itemChanges(before, after *Line) []ItemChange {
	type key struct{ what, key string }
	var order []key
	byKey := map[key]*ItemChange{}
	add := func(l *Line, side int) {
		if l == nil {
			return
		}
		for _, it := range l.Items {
			k := key{it.What, it.Key}
			ic := byKey[k]
			if ic == nil {
				ic = &ItemChange{What: it.What, Key: it.Key, Unit: it.Unit, Fixed: it.Fixed}
				byKey[k] = ic
				order = append(order, k)
			}
			if side == 0 {
				ic.QuantityBefore = addRat(ic.QuantityBefore, it.Quantity)
				ic.Before = ic.Before.Add(it.Amount)
			} else {
				ic.QuantityAfter = addRat(ic.QuantityAfter, it.Quantity)
				ic.After = ic.After.Add(it.Amount)
			}
		}
	}
	add(after, 1)
	add(before, 0)
	var out []ItemChange
	for _, k := range order {
		ic := byKey[k]
		ic.Delta = ic.After.Sub(ic.Before)
		if !ic.Delta.IsZero() {
			out = append(out, *ic)
		}
	}
	return out
}

// addRat is a + b where a nil a is nothing yet; b nil counts as 0.
func addRat(a, b *big.Rat) *big.Rat {
	if b == nil {
		b = zero
	}
	if a == nil {
		return new(big.Rat).Set(b)
	}
	return add(a, b)
}

// unpricedChanges pairs the missing prices of two estimates by resource
// and key.
func unpricedChanges(before, after []Unpriced) []UnpricedChange {
	type key struct{ urn, key string }
	old := map[key]*Unpriced{}
	for i := range before {
		old[key{before[i].URN, before[i].Key}] = &before[i]
	}
	var out []UnpricedChange
	seen := map[key]bool{}
	for i := range after {
		a := &after[i]
		k := key{a.URN, a.Key}
		seen[k] = true
		uc := UnpricedChange{URN: a.URN, Type: a.Type, Name: a.Name, Pattern: a.Pattern, Region: a.Region, Key: a.Key,
			Reason: a.Reason, QuantityAfter: a.Quantity, Unit: a.Unit, Fixed: a.Fixed}
		b := old[k]
		switch {
		case b == nil && isZero(a.Quantity):
			// Nothing of it is used: whatever its price, it costs $0.
			continue
		case b == nil:
			uc.Kind = UnpricedAdded
		case sameQuantity(b.Quantity, a.Quantity) && (b.Region == a.Region || isZero(a.Quantity)):
			continue
		default:
			uc.Kind, uc.QuantityBefore, uc.RegionBefore = UnpricedChanged, b.Quantity, b.Region
		}
		out = append(out, uc)
	}
	for i := range before {
		b := &before[i]
		if seen[key{b.URN, b.Key}] || isZero(b.Quantity) {
			continue
		}
		out = append(out, UnpricedChange{URN: b.URN, Type: b.Type, Name: b.Name, Pattern: b.Pattern, Region: b.Region, Key: b.Key,
			Reason: b.Reason, Kind: UnpricedRemoved, QuantityBefore: b.Quantity, Unit: b.Unit, Fixed: b.Fixed})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].URN != out[j].URN {
			return out[i].URN < out[j].URN
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// isZero says whether a known quantity is 0 (nil is unknown).
func isZero(x *big.Rat) bool { return x != nil && x.Sign() == 0 }

// sameQuantity compares two quantities, nil (unknown) equal only to nil.
func sameQuantity(a, b *big.Rat) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Cmp(b) == 0
}

// UnmarshalJSON reads an amount as MarshalJSON writes it, a decimal
// string ("12.345678"), so a Go reader of the JSON contracts (kumo-cost/v1,
// kumo diff --json) gets the amount back exactly.
func (m *Money) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("money: want a decimal string such as \"12.50\": %w", err)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "/eE") {
		return fmt.Errorf("money %q: want a decimal string such as \"12.50\"", s)
	}
	*m = moneyOf(r)
	return nil
}

// MoneyOf is an exact amount of US dollars as Money.
func MoneyOf(r *big.Rat) Money { return moneyOf(r) }

// FormatQuantity prints a quantity as the formulas do: whole numbers with
// thousands separators, fractions to four significant decimals.
func FormatQuantity(x *big.Rat) string { return qty(x) }

// DecimalString prints a quantity exactly as the JSON contracts do: a
// decimal, to six places when it is not whole.
func DecimalString(x *big.Rat) string { return decimalString(x) }

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

// FixedQuantity is an always-on quantity the estimate could not price:
// the fixed unpriced lines' quantities, summed per price key.
type FixedQuantity struct {
	Key, Unit string
	Quantity  *big.Rat
}

// String reads "3,650 Kinesis shard-hours (kinesis.shard_hour)": the key
// names exactly what is missing, the service what it is in words.
func (q FixedQuantity) String() string {
	svc, _, _ := strings.Cut(q.Key, ".")
	if name, ok := serviceNames[svc]; ok {
		svc = name
	}
	return fmt.Sprintf("%s %s %s (%s)", qty(q.Quantity), svc, q.Unit, q.Key)
}

// serviceNames are the price keys' service prefixes as AWS names them.
var serviceNames = map[string]string{
	"acm": "ACM", "apigateway": "API Gateway", "athena": "Athena", "cloudfront": "CloudFront", "cloudtrail": "CloudTrail",
	"cloudwatch": "CloudWatch", "codebuild": "CodeBuild", "codedeploy": "CodeDeploy", "codepipeline": "CodePipeline",
	"cognito": "Cognito", "dynamodb": "DynamoDB", "eventbridge": "EventBridge", "firehose": "Firehose", "glue": "Glue",
	"iot": "IoT Core", "kinesis": "Kinesis", "kms": "KMS", "lambda": "Lambda", "opensearch": "OpenSearch", "route53": "Route 53",
	"s3": "S3", "secretsmanager": "Secrets Manager", "sfn": "Step Functions", "sns": "SNS", "sqs": "SQS", "ssm": "SSM", "xray": "X-Ray",
}

// UnpricedFixed sums the always-on quantities the total lacks per price
// key (and unit), sorted by key: what the headline must disclose, since
// an unpriced shard or instance bills every hour whatever the traffic.
// A line without a key (a type kumo has no rule for) or a quantity has
// nothing to sum and is only counted.
func (r *Report) UnpricedFixed() []FixedQuantity {
	sums := map[[2]string]*big.Rat{}
	for _, u := range r.Unpriced {
		if !u.Fixed || u.Key == "" || u.Quantity == nil || u.Quantity.Sign() == 0 {
			continue
		}
		k := [2]string{u.Key, u.Unit}
		if sums[k] == nil {
			sums[k] = new(big.Rat)
		}
		sums[k] = add(sums[k], u.Quantity)
	}
	out := make([]FixedQuantity, 0, len(sums))
	for k, q := range sums {
		out = append(out, FixedQuantity{Key: k[0], Unit: k[1], Quantity: q})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].Unit < out[j].Unit
	})
	return out
}
