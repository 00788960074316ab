package diff

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kumo-iac/kumo/internal/cost"
)

// Pricing is what Price needs to estimate each stack's bill before and
// after a change.
type Pricing struct {
	// Table is the price table (cost.LoadTable).
	Table *cost.Table
	// Profile returns the usage profile a stack is priced at. An error
	// stops the review (the CLI reports a *cost.UsageError as a usage file
	// it refuses; returned with the file's usable part as Usage, Price adds
	// the names the documents lack to it); a profile with Unavailable set
	// leaves that stack's cost unavailable, saying why.
	Profile func(project, stack string) (UsageProfile, error)
}

// UsageProfile is the traffic a stack's change is priced at: one profile
// for both sides, so the change shows what the pull request does, not
// what a change of traffic would.
type UsageProfile struct {
	Usage *cost.Usage
	// Source names the profile in the report: "Pulumi.dev.usage.yaml",
	// "kumo's default usage (no Pulumi.dev.usage.yaml)".
	Source string
	// Unavailable, when set, is why no profile applies: kumo then says the
	// cost is unavailable rather than price at traffic it cannot vouch for.
	Unavailable string
}

// DefaultUsageSource names kumo's default usage for a stack without a
// usage file.
func DefaultUsageSource(stack string) string {
	return "kumo's default usage (no " + filepath.Base(cost.UsageFile("", stack)) + ")"
}

// ProjectProfiles prices each stack at its usage file in the project
// directory root, Pulumi.<stack>.usage.yaml (kumo's defaults without one),
// as kumo cost does. Documents of another project than root's get no
// profile: kumo cannot tell which usage file is theirs. An error is a
// project or usage file that cannot be read, or a *cost.UsageError.
func ProjectProfiles(root string) func(project, stack string) (UsageProfile, error) {
	return func(project, stack string) (UsageProfile, error) {
		name, err := projectName(root)
		if err != nil {
			return UsageProfile{}, err
		}
		if name != project {
			return UsageProfile{Unavailable: fmt.Sprintf("the project directory %s is project %q, not %q: kumo cannot tell which usage profile prices its change; pass --dir or --usage", root, name, project)}, nil
		}
		u, err := cost.LoadStackUsage(root, stack)
		var ue *cost.UsageError
		if err != nil && u != nil && errors.As(err, &ue) {
			// The file's usable part goes with its error: Price checks
			// its names against the documents and reports every problem.
			return UsageProfile{Usage: u, Source: filepath.Base(u.File)}, err
		}
		if err != nil {
			return UsageProfile{}, err
		}
		if u.File == "" {
			return UsageProfile{Usage: u, Source: DefaultUsageSource(stack)}, nil
		}
		return UsageProfile{Usage: u, Source: filepath.Base(u.File)}, nil
	}
}

// projectName is the name Pulumi.yaml gives the project at root.
func projectName(root string) (string, error) {
	path := filepath.Join(root, "Pulumi.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("project: %w", err)
	}
	var p struct {
		Name string `yaml:"name"`
	}
	if err := yaml.Unmarshal(data, &p); err != nil {
		return "", fmt.Errorf("project: %s: %w", path, err)
	}
	return p.Name, nil
}

// previewCostReason is why a preview's change is not priced. `pulumi
// preview --json` lists only the resources a step changes: the engine
// shows a "same" step only with --show-sames (shouldShow in
// pkg/v3/backend/display/display.go, v3.175.0), and the default
// provider, whose inputs hold the region, is such a step. kumo cost
// derives a resource's traffic from the rest of the stack (the route that
// invokes a function, the grant that lets it write a table), so pricing
// what a preview lists would price most of it at no traffic, in a region
// it would have to guess.
const previewCostReason = "the cost change needs two synth documents (kumo synth --json of the base and the head): a pulumi preview lists only the resources it changes, without the rest of the stack their traffic comes from or the region they run in"

// Price sets each diff's Cost: the base and head synth documents
// estimated with the stack's usage profile (cost.EstimateChange) and
// compared. A preview, a document without its region (written before the
// synth contract recorded one: kumo does not guess where it runs) or a
// stack without a usage profile kumo can vouch for gets an unavailable
// cost with the reason. The error is the profile's, or a usage file the
// estimate refuses (*cost.UsageError: it names a function or route
// neither document has).
func Price(diffs []StackDiff, p Pricing) error {
	if p.Table == nil {
		return errors.New("price the change: no price table")
	}
	for i := range diffs {
		d := &diffs[i]
		c, err := priceStack(d, p)
		if err != nil {
			return fmt.Errorf("price %s/%s: %w", d.Project, d.Stack, err)
		}
		d.Cost = c
	}
	return nil
}

func unavailable(reason string) *CostChange {
	return &CostChange{Reason: reason, Resources: []CostResource{}, Unpriced: []CostUnpriced{}}
}

func priceStack(d *StackDiff, p Pricing) (*CostChange, error) {
	if d.base == nil || d.head == nil {
		if d.Source == "preview" {
			return unavailable(previewCostReason), nil
		}
		return unavailable("the cost change needs the two synth documents the diff was read from"), nil
	}
	// A side without resources is a stack only the other side has: it
	// costs nothing, wherever it would run.
	var missing []string
	for _, side := range []struct {
		name string
		doc  *SynthDoc
	}{{"base", d.base}, {"head", d.head}} {
		if side.doc.Region == "" && len(side.doc.Resources) > 0 {
			missing = append(missing, side.name)
		}
	}
	if len(missing) > 0 {
		return unavailable(fmt.Sprintf("the %s document has no region (it was written by a kumo older than the synth contract's region fields); kumo does not guess where the stack runs: synthesize it again with this kumo",
			strings.Join(missing, " and "))), nil
	}
	if p.Profile == nil {
		return unavailable("no usage profile to price the change at"), nil
	}
	prof, err := p.Profile(d.Project, d.Stack)
	var ue *cost.UsageError
	if err != nil && (prof.Usage == nil || !errors.As(err, &ue)) {
		return nil, err
	}
	if err != nil {
		// A usage file kumo refuses, with its usable part: the estimate
		// adds the names neither document has and returns every problem.
		_, _, _, err = cost.EstimateChange(d.Project, d.Stack, side(d.base), side(d.head), prof.Usage, p.Table)
		return nil, err
	}
	if prof.Unavailable != "" {
		return unavailable(prof.Unavailable), nil
	}
	_, _, ch, err := cost.EstimateChange(d.Project, d.Stack, side(d.base), side(d.head), prof.Usage, p.Table)
	if errors.As(err, &ue) {
		return nil, err
	}
	if err != nil {
		// The estimate cannot model this stack (its wiring loops, say): the
		// review still stands, and says so rather than print a number.
		return unavailable("kumo cost cannot estimate it: " + err.Error()), nil
	}
	return costChange(ch, prof.Source, p.Table), nil
}

// side is a synth document as the estimator reads it.
func side(doc *SynthDoc) cost.Side {
	s := cost.Side{Region: doc.Region, Resources: make([]cost.Resource, 0, len(doc.Resources))}
	for _, r := range doc.Resources {
		s.Resources = append(s.Resources, cost.Resource{URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent,
			Region: r.Region, Component: !r.Custom, Inputs: r.Inputs})
	}
	return s
}

func costChange(ch cost.Change, usage string, t *cost.Table) *CostChange {
	c := &CostChange{
		Available: true, Usage: usage, Prices: t.Schema + " of " + t.Generated,
		Before:         &CostTotals{Fixed: ch.FixedBefore, PerUse: ch.PerUseBefore, Total: ch.Before},
		After:          &CostTotals{Fixed: ch.FixedAfter, PerUse: ch.PerUseAfter, Total: ch.After},
		Delta:          &CostTotals{Fixed: ch.FixedDelta(), PerUse: ch.PerUseDelta(), Total: ch.Delta},
		Bound:          ch.Bound(),
		UnpricedBefore: ch.UnpricedBefore, UnpricedAfter: ch.UnpricedAfter,
		Resources: make([]CostResource, 0, len(ch.Resources)),
		Unpriced:  make([]CostUnpriced, 0, len(ch.Unpriced)),
	}
	c.Percent = percent(ch.Delta, ch.Before)
	for _, r := range ch.Resources {
		cr := CostResource{URN: r.URN, Type: r.Type, Name: r.Name, Op: OpSame, Before: r.Before, After: r.After, Delta: r.Delta,
			Items: make([]CostItem, 0, len(r.Items))}
		if r.RegionBefore != r.RegionAfter {
			cr.RegionBefore, cr.RegionAfter = r.RegionBefore, r.RegionAfter
		}
		for _, it := range r.Items {
			cr.Items = append(cr.Items, CostItem{What: it.What, Key: it.Key, Fixed: it.Fixed, Unit: it.Unit,
				QuantityBefore: decimalOrEmpty(it.QuantityBefore), QuantityAfter: decimalOrEmpty(it.QuantityAfter),
				Before: it.Before, After: it.After, Delta: it.Delta})
		}
		c.Resources = append(c.Resources, cr)
	}
	for _, u := range ch.Unpriced {
		cu := CostUnpriced{URN: u.URN, Type: u.Type, Name: u.Name, Change: u.Kind, Region: u.Region, Key: u.Key, Reason: u.Reason,
			QuantityBefore: decimalOrEmpty(u.QuantityBefore), QuantityAfter: decimalOrEmpty(u.QuantityAfter), Unit: u.Unit, Fixed: u.Fixed}
		if u.Kind == cost.UnpricedChanged && u.RegionBefore != u.Region {
			cu.RegionBefore = u.RegionBefore
		}
		c.Unpriced = append(c.Unpriced, cu)
	}
	return c
}

func decimalOrEmpty(x *big.Rat) string {
	if x == nil {
		return ""
	}
	return cost.DecimalString(x)
}

// percent is delta as a share of before, signed, to one decimal (rounded
// half away from zero); "" when before is $0, where a share means nothing.
func percent(delta, before cost.Money) string {
	if before.IsZero() {
		return ""
	}
	p := new(big.Rat).Quo(delta.Rat(), before.Rat())
	p.Mul(p, big.NewRat(100, 1))
	s := p.FloatString(1)
	if p.Sign() >= 0 {
		s = "+" + s
	}
	return s
}

// costOps fills in what the change does to each resource whose cost
// moved, and the plain input changes a reviewer reads the cost from.
func costOps(c *CostChange, ix *stackIndex) *CostChange {
	if c == nil {
		return nil
	}
	out := *c
	out.Resources = make([]CostResource, len(c.Resources))
	for i, r := range c.Resources {
		if ch := ix.byURN[r.URN]; ch != nil {
			r.Op = ch.Op
			for _, p := range ch.Props {
				if plainValue(p.Old) && plainValue(p.New) && !codeProps[topKey(p.Path)] {
					r.Inputs = append(r.Inputs, p)
				}
			}
		}
		out.Resources[i] = r
	}
	return &out
}

// plainValue is a value that reads on one line: a number, a short string,
// a boolean, or nothing.
func plainValue(v any) bool {
	switch v := v.(type) {
	case nil, bool, float64, int, int64:
		return true
	case json.Number:
		return true
	case string:
		return v != Secret && len(v) <= 64 && !looksJSON(v)
	}
	return false
}
