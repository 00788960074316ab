package cost

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strings"
)

// JSON renders the report in kumo cost's --json contract, schema
// kumo-cost/v1: 2-space indented, keys in a fixed order, lists sorted, so
// the same stack and usage give the same bytes.
//
//	{ "schema": "kumo-cost/v1", "project", "stack", "region", "currency": "USD",
//	  "total":     {"fixed", "perUse", "total", "unpriced": <count>, "complete": <no unpriced>,
//	                "unpricedFixed": [{"key", "quantity", "unit", "text"}]},
//	  "patterns":  [{"name", "type", "fixed", "perUse", "total", "unpriced"}],
//	  "resources": [{"urn", "type", "name", "pattern", "region", "fixed", "perUse", "total", "formula",
//	                 "items": [{"what", "key", "priceRegion", "quantity", "unit", "price", "per",
//	                            "amount", "fixed", "formula", "read", "published", "confidence", "source"}],
//	                 "usage": ["<where the activity comes from>"]}],
//	  "unpriced":  [{"urn", "type", "name", "pattern", "region", "key", "reason", "quantity", "unit", "fixed"}],
//	  "free":      [{"urn", "type", "name", "pattern", "reason"}],
//	  "freeTiers": [{"name", "applies", "allowance", "wouldSave", "source", "read"}],
//	  "assumptions": [{"key", "value", "unit", "origin": "default|file|derived", "doc", "source"}],
//	  "notes":     ["<what the estimate could not model>"],
//	  "prices":    {"schema", "generated", "dates": [{"date", "entries"}], "used": [...], "lowConfidence": ["<region> <key>"]} }
//
// Money is a decimal string in US dollars with micro-dollar precision
// ("12.345678"), computed exactly and rounded only here; quantities are
// decimal strings too. "pattern" is the nearest kumo:patterns:* component's
// name, or "stack". "price" is per "per" units of the item's unit.
func (r *Report) JSON() ([]byte, error) {
	type money = Money
	type itemJSON struct {
		What        string `json:"what"`
		Key         string `json:"key"`
		PriceRegion string `json:"priceRegion"`
		Quantity    string `json:"quantity"`
		Unit        string `json:"unit"`
		Price       string `json:"price"`
		Per         int64  `json:"per"`
		Amount      money  `json:"amount"`
		Fixed       bool   `json:"fixed"`
		Formula     string `json:"formula"`
		Read        string `json:"read"`
		Published   string `json:"published,omitempty"`
		Confidence  string `json:"confidence"`
		Source      string `json:"source"`
	}
	type lineJSON struct {
		URN     string     `json:"urn"`
		Type    string     `json:"type"`
		Name    string     `json:"name"`
		Pattern string     `json:"pattern"`
		Region  string     `json:"region"`
		Fixed   money      `json:"fixed"`
		PerUse  money      `json:"perUse"`
		Total   money      `json:"total"`
		Formula string     `json:"formula"`
		Items   []itemJSON `json:"items"`
		Usage   []string   `json:"usage"`
	}
	type unpricedJSON struct {
		URN      string `json:"urn"`
		Type     string `json:"type"`
		Name     string `json:"name"`
		Pattern  string `json:"pattern"`
		Region   string `json:"region"`
		Key      string `json:"key"`
		Reason   string `json:"reason"`
		Quantity string `json:"quantity,omitempty"`
		Unit     string `json:"unit,omitempty"`
		Fixed    bool   `json:"fixed"`
	}
	type freeJSON struct {
		URN     string `json:"urn"`
		Type    string `json:"type"`
		Name    string `json:"name"`
		Pattern string `json:"pattern"`
		Reason  string `json:"reason"`
	}
	type tierJSON struct {
		Name      string `json:"name"`
		Applies   string `json:"applies"`
		Allowance string `json:"allowance"`
		WouldSave money  `json:"wouldSave"`
		Source    string `json:"source"`
		Read      string `json:"read"`
	}
	type assumptionJSON struct {
		Key    string `json:"key"`
		Value  string `json:"value"`
		Unit   string `json:"unit"`
		Origin Origin `json:"origin"`
		Doc    string `json:"doc"`
		Source string `json:"source,omitempty"`
	}
	type fixedJSON struct {
		Key      string `json:"key"`
		Quantity string `json:"quantity"`
		Unit     string `json:"unit"`
		Text     string `json:"text"`
	}
	type patternJSON struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Fixed    money  `json:"fixed"`
		PerUse   money  `json:"perUse"`
		Total    money  `json:"total"`
		Unpriced int    `json:"unpriced"`
	}
	type pricesJSON struct {
		Schema        string     `json:"schema"`
		Generated     string     `json:"generated"`
		Dates         []ReadDate `json:"dates"`
		Used          []ReadDate `json:"used"`
		LowConfidence []string   `json:"lowConfidence"`
	}
	doc := struct {
		Schema   string `json:"schema"`
		Project  string `json:"project"`
		Stack    string `json:"stack"`
		Region   string `json:"region"`
		Currency string `json:"currency"`
		Total    struct {
			Fixed    money `json:"fixed"`
			PerUse   money `json:"perUse"`
			Total    money `json:"total"`
			Unpriced int   `json:"unpriced"`
			Complete bool  `json:"complete"`
			// UnpricedFixed are the always-on quantities the total
			// lacks, per key: what "unpriced" means in hours and GB.
			UnpricedFixed []fixedJSON `json:"unpricedFixed"`
		} `json:"total"`
		Patterns    []patternJSON    `json:"patterns"`
		Resources   []lineJSON       `json:"resources"`
		Unpriced    []unpricedJSON   `json:"unpriced"`
		Free        []freeJSON       `json:"free"`
		FreeTiers   []tierJSON       `json:"freeTiers"`
		Assumptions []assumptionJSON `json:"assumptions"`
		Notes       []string         `json:"notes"`
		Prices      pricesJSON       `json:"prices"`
	}{Schema: ReportSchema, Project: r.Project, Stack: r.Stack, Region: r.Region, Currency: "USD"}
	doc.Total.Fixed, doc.Total.PerUse, doc.Total.Total = r.Fixed, r.PerUse, r.Total
	doc.Total.Unpriced, doc.Total.Complete = len(r.Unpriced), len(r.Unpriced) == 0
	doc.Total.UnpricedFixed = []fixedJSON{}
	for _, q := range r.UnpricedFixed() {
		doc.Total.UnpricedFixed = append(doc.Total.UnpricedFixed, fixedJSON{q.Key, decimalString(q.Quantity), q.Unit, q.String()})
	}
	doc.Patterns = []patternJSON{}
	for _, p := range r.Patterns {
		doc.Patterns = append(doc.Patterns, patternJSON{p.Name, p.Type, p.Fixed, p.PerUse, p.Total, p.Unpriced})
	}
	doc.Resources = []lineJSON{}
	for _, l := range r.Lines {
		lj := lineJSON{URN: l.URN, Type: l.Type, Name: l.Name, Pattern: l.Pattern, Region: l.Region, Fixed: l.Fixed, PerUse: l.PerUse,
			Total: l.Total(), Formula: l.Formula(), Items: []itemJSON{}, Usage: l.Usage}
		if lj.Usage == nil {
			lj.Usage = []string{}
		}
		for _, it := range l.Items {
			lj.Items = append(lj.Items, itemJSON{What: it.What, Key: it.Key, PriceRegion: it.Region, Quantity: decimalString(it.Quantity),
				Unit: it.Unit, Price: price(it.Price), Per: it.Per, Amount: it.Amount, Fixed: it.Fixed, Formula: it.Formula,
				Read: it.Read, Published: it.Published, Confidence: it.Confidence, Source: it.Source})
		}
		doc.Resources = append(doc.Resources, lj)
	}
	doc.Unpriced = []unpricedJSON{}
	for _, u := range r.Unpriced {
		uj := unpricedJSON{URN: u.URN, Type: u.Type, Name: u.Name, Pattern: u.Pattern, Region: u.Region, Key: u.Key, Reason: u.Reason,
			Unit: u.Unit, Fixed: u.Fixed}
		if u.Quantity != nil {
			uj.Quantity = decimalString(u.Quantity)
		}
		doc.Unpriced = append(doc.Unpriced, uj)
	}
	doc.Free = []freeJSON{}
	for _, f := range r.Free {
		doc.Free = append(doc.Free, freeJSON(f))
	}
	doc.FreeTiers = []tierJSON{}
	for _, t := range r.FreeTiers {
		doc.FreeTiers = append(doc.FreeTiers, tierJSON{t.Name, t.Applies, t.Allowance, t.Saves, t.Source, t.Read})
	}
	doc.Assumptions = []assumptionJSON{}
	for _, a := range r.Assumptions {
		doc.Assumptions = append(doc.Assumptions, assumptionJSON(a))
	}
	doc.Notes = r.Notes
	if doc.Notes == nil {
		doc.Notes = []string{}
	}
	doc.Prices = pricesJSON{Schema: r.Prices.Schema, Generated: r.Prices.Generated, Dates: r.Prices.Dates, Used: r.Prices.Used,
		LowConfidence: r.Prices.LowConfidence}
	if doc.Prices.LowConfidence == nil {
		doc.Prices.LowConfidence = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encode cost report: %w", err)
	}
	return buf.Bytes(), nil
}

// decimalString is an exact quantity as a decimal, to 6 places when it is
// not one.
func decimalString(x *big.Rat) string {
	if x == nil {
		return "0"
	}
	if x.IsInt() {
		return x.Num().String()
	}
	s := strings.TrimRight(x.FloatString(6), "0")
	return strings.TrimSuffix(s, ".")
}

// WriteText writes the report for people: the total with fixed and per-use
// costs, the subtotals by pattern, each pattern's resources with their
// formulas, what has no price, what is free, the free tiers, the
// assumptions and the price table's dates.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "kumo cost: stack %s (project %s), %s — estimated monthly cost in USD\n\n", r.Stack, r.Project, r.Region)
	fmt.Fprintf(&b, "Total %s a month: fixed %s + per use %s\n", r.Total, r.Fixed, r.PerUse)
	if n := len(r.Unpriced); n > 0 {
		fmt.Fprintf(&b, "  excludes %d price(s) the table lacks (listed under \"No price\"): the total is a lower bound\n", n)
		if fq := r.UnpricedFixed(); len(fq) > 0 {
			parts := make([]string, len(fq))
			for i, q := range fq {
				parts[i] = q.String()
			}
			fmt.Fprintf(&b, "  always on and unpriced, billed whatever the traffic: %s\n", strings.Join(parts, ", "))
		}
	}

	b.WriteString("\nBy pattern\n")
	rows := [][]string{{"pattern", "fixed", "per use", "total", "no price"}}
	for _, p := range r.Patterns {
		name := p.Name
		if p.Type != "" {
			name += " (" + strings.TrimPrefix(p.Type, patternTypePrefix) + ")"
		}
		rows = append(rows, []string{name, p.Fixed.String(), p.PerUse.String(), p.Total.String(), fmt.Sprint(p.Unpriced)})
	}
	rows = append(rows, []string{"total", r.Fixed.String(), r.PerUse.String(), r.Total.String(), fmt.Sprint(len(r.Unpriced))})
	table(&b, rows)

	for _, p := range r.Patterns {
		var lines []Line
		for _, l := range r.Lines {
			if l.Pattern == p.Name {
				lines = append(lines, l)
			}
		}
		if len(lines) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s: %s a month (fixed %s, per use %s)\n", p.Name, p.Total, p.Fixed, p.PerUse)
		for _, grp := range groupLines(lines, r.unpricedByURN()) {
			l := grp[0]
			region := ""
			if l.Region != r.Region {
				region = " [" + l.Region + "]"
			}
			if len(grp) == 1 {
				fmt.Fprintf(&b, "  %12s  %s %s%s\n", l.Total().String(), l.Type, l.Name, region)
			} else {
				total := Money{}
				var names []string
				for _, x := range grp {
					total = total.Add(x.Total())
					names = append(names, x.Name)
				}
				fmt.Fprintf(&b, "  %12s  %d × %s%s, %s each: %s\n", total.String(), len(grp), l.Type, region, l.Total().String(), strings.Join(names, ", "))
			}
			for _, it := range l.Items {
				kind := "per use"
				if it.Fixed {
					kind = "fixed"
				}
				fmt.Fprintf(&b, "  %12s    %s, %s: %s\n", it.Amount.String(), it.What, kind, it.Formula)
			}
			for _, u := range r.unpricedByURN()[l.URN] {
				q := ""
				if u.Quantity != nil {
					q = " (" + qty(u.Quantity) + " " + u.Unit + ")"
				}
				fmt.Fprintf(&b, "  %12s    no price: %s%s\n", "", u.Key, q)
			}
			for _, u := range l.Usage {
				fmt.Fprintf(&b, "  %12s    ← %s\n", "", u)
			}
		}
	}

	if len(r.Unpriced) > 0 {
		b.WriteString("\nNo price (not in the total)\n")
		type group struct {
			typ, region, key, reason string
			names                    []string
		}
		var groups []*group
		idx := map[string]*group{}
		for _, u := range r.Unpriced {
			k := u.Type + "\x00" + u.Region + "\x00" + u.Key + "\x00" + u.Reason
			g := idx[k]
			if g == nil {
				g = &group{typ: u.Type, region: u.Region, key: u.Key, reason: u.Reason}
				idx[k] = g
				groups = append(groups, g)
			}
			g.names = append(g.names, u.Name)
		}
		for _, g := range groups {
			key := g.key
			if key == "" {
				key = "(no rule)"
			}
			fmt.Fprintf(&b, "  %s in %s, %s: %s\n", g.typ, g.region, key, g.reason)
			fmt.Fprintf(&b, "    %s\n", strings.Join(g.names, ", "))
		}
	}

	if len(r.Free) > 0 {
		b.WriteString("\nFree (not billed)\n")
		counts := map[string]int{}
		reasons := map[string]string{}
		for _, f := range r.Free {
			counts[f.Type]++
			reasons[f.Type] = f.Reason
		}
		for _, t := range sortedKeys(counts) {
			fmt.Fprintf(&b, "  %3d × %s: %s\n", counts[t], t, reasons[t])
		}
	}

	if len(r.FreeTiers) > 0 {
		b.WriteString("\nFree tiers (account-wide, shared with the account's other stacks; not subtracted above)\n")
		for _, t := range r.FreeTiers {
			when := ""
			if t.Applies != "always" {
				when = " — only in an account's first 12 months"
			}
			fmt.Fprintf(&b, "  %-14s would save up to %s: %s%s\n", t.Name, t.Saves, t.Allowance, when)
		}
	}

	b.WriteString("\nAssumptions (usage file keys; default, from the usage file, or derived from the stack)\n")
	for _, a := range r.Assumptions {
		unit := ""
		if a.Unit != "" && a.Unit != "share" {
			unit = " " + a.Unit
		}
		fmt.Fprintf(&b, "  %s = %s%s (%s)\n", a.Key, a.Value, unit, a.Origin)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nNot modelled\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}

	fmt.Fprintf(&b, "\nPrices: kumo's table %s of %s;", r.Prices.Schema, r.Prices.Generated)
	if len(r.Prices.Used) > 0 {
		fmt.Fprintf(&b, " the prices used were read between %s and %s", r.Prices.Used[len(r.Prices.Used)-1].Date, r.Prices.Used[0].Date)
	}
	b.WriteString(" (each line's source and date: --json)\n")
	if len(r.Prices.LowConfidence) > 0 {
		fmt.Fprintf(&b, "  low-confidence prices used: %s\n", strings.Join(r.Prices.LowConfidence, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// unpricedByURN indexes the unpriced entries by resource.
func (r *Report) unpricedByURN() map[string][]Unpriced {
	out := map[string][]Unpriced{}
	for _, u := range r.Unpriced {
		out[u.URN] = append(out[u.URN], u)
	}
	return out
}

// groupLines folds a pattern's lines
// that read the same — same type, items and formulas, no usage of their
// own, no missing price — into one group (a pattern's 33 identical alarms
// print once), and orders the groups by cost, most first.
func groupLines(lines []Line, unpriced map[string][]Unpriced) [][]Line {
	sort.SliceStable(lines, func(i, j int) bool {
		if c := lines[i].Total().Cmp(lines[j].Total()); c != 0 {
			return c > 0
		}
		return lines[i].URN < lines[j].URN
	})
	var out [][]Line
	idx := map[string]int{}
	for _, l := range lines {
		key := ""
		if len(l.Usage) == 0 && len(unpriced[l.URN]) == 0 {
			key = l.Type + "\x00" + l.Region
			for _, it := range l.Items {
				key += "\x00" + it.What + "\x00" + it.Formula + "\x00" + it.Amount.Micros()
			}
		}
		if i, ok := idx[key]; ok && key != "" {
			out[i] = append(out[i], l)
			continue
		}
		if key != "" {
			idx[key] = len(out)
		}
		out = append(out, []Line{l})
	}
	total := func(g []Line) Money {
		var m Money
		for _, l := range g {
			m = m.Add(l.Total())
		}
		return m
	}
	sort.SliceStable(out, func(i, j int) bool { return total(out[i]).Cmp(total(out[j])) > 0 })
	return out
}

// table writes rows as columns, the first left-aligned, the rest right.
func table(b *strings.Builder, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, r := range rows {
		b.WriteString(" ")
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-len([]rune(c)))
			if i == 0 {
				b.WriteString(" " + c + pad)
			} else {
				b.WriteString("  " + pad + c)
			}
		}
		b.WriteString("\n")
	}
}
