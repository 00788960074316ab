package cost

import (
	_ "embed"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// TableSchema is the schema the embedded price table and any table kumo
// loads must declare.
const TableSchema = "kumo-price-table/v1"

//go:embed prices.yaml
var embeddedTable []byte

// Global is the pseudo-region of prices that do not depend on where the
// stack runs: CloudFront (priced by edge location), Route 53, X-Ray,
// CodePipeline, CodeDeploy and ACM.
const Global = "global"

// globalPrefixes are the keys looked up in the global section whatever the
// resource's region.
var globalPrefixes = []string{"cloudfront.", "route53.", "xray.", "codepipeline.", "codedeploy.", "acm."}

// Table is kumo's price table: per region, per key, a price with its
// source and the date it was read.
type Table struct {
	Schema, Generated, Currency string
	HoursPerMonth               int
	Conventions                 []string
	// regions maps a region (or Global) to its entries by key.
	regions map[string]map[string]*Price
	// FreeTier are AWS's free tiers by name, sorted by name; kumo lists
	// what they would save and never subtracts them.
	FreeTier []FreeTier
}

// Price is one entry of the table. Amount is nil for an entry without a
// price (status no_price): kumo reports such a key, never prices it at 0.
type Price struct {
	Key, Region string
	// Amount is the price in USD for Per units; nil when there is none.
	Amount *big.Rat
	// Per is the quantity Amount is for: 1,000,000 for "USD per 1M
	// requests".
	Per                           int64
	Unit, Source, Via, Confidence string
	// Read is the date (YYYY-MM-DD) the number was read; Published the
	// offer file's publication date when known; ReadNote what the
	// research said about the date.
	Read, Published, ReadNote string
	Notes, FreeReason         string
	Status                    string
	// Tiers, when set, price successive slices of the month's quantity.
	Tiers       []Tier
	TiersSource string
	// candidate is a number seen only in weak material; it is kept so the
	// table round-trips and is never returned as a price.
	candidate *big.Rat
}

// Tier prices the quantity up to UpTo (nil: without bound), in the unit of
// the entry's Amount.
type Tier struct {
	UpTo, Amount *big.Rat
}

// FreeTier is one of AWS's free tiers: its allowances, and whether it is
// always free or only in an account's first 12 months.
type FreeTier struct {
	Name, Allowance, Applies, Source, Via, Read, ReadNote, Confidence, Notes string
	Allowances                                                               []Allowance
}

// Allowance is a free quantity of one or more meters (price keys) that
// share it, in the meters' metered unit; Scope "region" means per region,
// "" account-wide across regions.
type Allowance struct {
	Meters   []string
	Quantity *big.Rat
	Unit     string
	Scope    string
}

// decimal reads a YAML number exactly, from its text.
type decimal struct{ r *big.Rat }

func (d *decimal) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return fmt.Errorf("line %d: %q is not a number", n.Line, n.Value)
	}
	r, ok := new(big.Rat).SetString(strings.ReplaceAll(n.Value, "_", ""))
	if !ok {
		return fmt.Errorf("line %d: %q is not a decimal number", n.Line, n.Value)
	}
	d.r = r
	return nil
}

func (d *decimal) rat() *big.Rat {
	if d == nil {
		return nil
	}
	return d.r
}

type tableFile struct {
	Schema        string                         `yaml:"schema"`
	Generated     string                         `yaml:"generated"`
	Currency      string                         `yaml:"currency"`
	HoursPerMonth int                            `yaml:"hours_per_month"`
	Conventions   []string                       `yaml:"conventions"`
	Regions       map[string]map[string]entryDoc `yaml:"regions"`
	Global        map[string]entryDoc            `yaml:"global"`
	FreeTier      map[string]freeTierDoc         `yaml:"free_tier"`
}

type entryDoc struct {
	Price       *decimal  `yaml:"price"`
	Per         int64     `yaml:"per"`
	Unit        string    `yaml:"unit"`
	Status      string    `yaml:"status"`
	Source      string    `yaml:"source"`
	Via         string    `yaml:"via"`
	Read        string    `yaml:"read"`
	Published   string    `yaml:"published"`
	ReadNote    string    `yaml:"read_note"`
	Confidence  string    `yaml:"confidence"`
	Tiers       []tierDoc `yaml:"tiers"`
	TiersSource string    `yaml:"tiers_source"`
	Notes       string    `yaml:"notes"`
	FreeReason  string    `yaml:"free_reason"`
	Candidate   *decimal  `yaml:"unverified_candidate"`
}

type tierDoc struct {
	UpTo  *decimal `yaml:"up_to"`
	Price *decimal `yaml:"price"`
}

type freeTierDoc struct {
	Allowance  string         `yaml:"allowance"`
	Applies    string         `yaml:"applies"`
	Allowances []allowanceDoc `yaml:"allowances"`
	Source     string         `yaml:"source"`
	Via        string         `yaml:"via"`
	Read       string         `yaml:"read"`
	ReadNote   string         `yaml:"read_note"`
	Confidence string         `yaml:"confidence"`
	Notes      string         `yaml:"notes"`
}

type allowanceDoc struct {
	Meters   []string `yaml:"meters"`
	Quantity *decimal `yaml:"quantity"`
	Unit     string   `yaml:"unit"`
	Scope    string   `yaml:"scope"`
}

// LoadTable returns the price table embedded in kumo.
func LoadTable() (*Table, error) {
	t, err := ParseTable(embeddedTable)
	if err != nil {
		return nil, fmt.Errorf("embedded price table: %w", err)
	}
	return t, nil
}

// ParseTable reads a price table and checks it: an unknown field, a
// priced entry without an https source, a YYYY-MM-DD read date, a unit or
// a positive price (0 only with a free_reason), or a free tier naming a
// meter the table does not have, refuses it.
func ParseTable(data []byte) (*Table, error) {
	var f tableFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if f.Schema != TableSchema {
		return nil, fmt.Errorf("schema %q: want %s", f.Schema, TableSchema)
	}
	if f.HoursPerMonth != 730 {
		// Every fixed cost is hours × 730 (AWS's calculators' month); a
		// table made for another month would not match the formulas.
		return nil, fmt.Errorf("hours_per_month %d: kumo's formulas use AWS's 730", f.HoursPerMonth)
	}
	t := &Table{Schema: f.Schema, Generated: f.Generated, Currency: f.Currency, HoursPerMonth: f.HoursPerMonth,
		Conventions: f.Conventions, regions: map[string]map[string]*Price{}}
	var problems []string
	add := func(region string, entries map[string]entryDoc) {
		m := map[string]*Price{}
		for key, e := range entries {
			p, errs := e.price(region, key)
			for _, err := range errs {
				problems = append(problems, fmt.Sprintf("%s %s: %s", region, key, err))
			}
			m[key] = p
		}
		t.regions[region] = m
	}
	for region, entries := range f.Regions {
		if region == Global {
			problems = append(problems, "regions: "+Global+" is the name of the global section, not a region")
		}
		add(region, entries)
	}
	add(Global, f.Global)
	for name, ft := range f.FreeTier {
		tier, errs := ft.freeTier(name, t)
		problems = append(problems, errs...)
		t.FreeTier = append(t.FreeTier, tier)
	}
	sort.Slice(t.FreeTier, func(i, j int) bool { return t.FreeTier[i].Name < t.FreeTier[j].Name })
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("price table: %s", strings.Join(problems, "; "))
	}
	return t, nil
}

var readDate = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`)

var confidences = []string{"high", "medium", "low"}

func (e entryDoc) price(region, key string) (*Price, []string) {
	p := &Price{Key: key, Region: region, Amount: e.Price.rat(), Per: e.Per, Unit: e.Unit, Source: e.Source, Via: e.Via,
		Confidence: e.Confidence, Read: e.Read, Published: e.Published, ReadNote: e.ReadNote, Notes: e.Notes,
		FreeReason: e.FreeReason, Status: e.Status, TiersSource: e.TiersSource, candidate: e.Candidate.rat()}
	var errs []string
	if p.Per <= 0 {
		errs = append(errs, fmt.Sprintf("per %d: want the positive quantity the price is for (1, 1000, 1000000, …)", p.Per))
	}
	if p.Amount == nil {
		if p.Status != "no_price" {
			errs = append(errs, fmt.Sprintf("price null with status %q: an entry without a price has status no_price", p.Status))
		}
		if len(e.Tiers) > 0 || p.Source != "" {
			errs = append(errs, "price null: an entry without a price has no tiers or source")
		}
		return p, errs
	}
	if p.Status != "" {
		errs = append(errs, fmt.Sprintf("status %q on a priced entry: status is only no_price, on entries without a price", p.Status))
	}
	if p.candidate != nil {
		errs = append(errs, "unverified_candidate on a priced entry: it belongs only to entries without a price")
	}
	if !strings.HasPrefix(p.Source, "https://") {
		errs = append(errs, fmt.Sprintf("source %q: want the https URL of the AWS page or offer file", p.Source))
	}
	if !readDate.MatchString(p.Read) {
		errs = append(errs, fmt.Sprintf("read %q: want the date it was read, YYYY-MM-DD", p.Read))
	}
	if p.Published != "" && !readDate.MatchString(p.Published) {
		errs = append(errs, fmt.Sprintf("published %q: want YYYY-MM-DD", p.Published))
	}
	if p.Unit == "" || !strings.HasPrefix(p.Unit, "USD per ") {
		errs = append(errs, fmt.Sprintf("unit %q: want \"USD per …\"", p.Unit))
	}
	if !slices.Contains(confidences, p.Confidence) {
		errs = append(errs, fmt.Sprintf("confidence %q: want high, medium or low", p.Confidence))
	}
	switch s := p.Amount.Sign(); {
	case s < 0:
		errs = append(errs, fmt.Sprintf("price %s: a price is not negative", p.Amount.FloatString(6)))
	case s == 0 && p.FreeReason == "":
		errs = append(errs, "price 0: a free entry needs a free_reason saying why, with its source")
	case s > 0 && p.FreeReason != "":
		errs = append(errs, "free_reason on a price above 0")
	}
	var last *big.Rat
	for i, td := range e.Tiers {
		tier := Tier{UpTo: td.UpTo.rat(), Amount: td.Price.rat()}
		switch {
		case tier.Amount == nil || tier.Amount.Sign() <= 0:
			errs = append(errs, fmt.Sprintf("tiers[%d]: want a positive price", i))
		case i == 0 && tier.Amount.Cmp(p.Amount) != 0:
			errs = append(errs, fmt.Sprintf("tiers[0] price %s differs from price %s: the first tier is the entry's price", price(tier.Amount), price(p.Amount)))
		case tier.UpTo == nil && i != len(e.Tiers)-1:
			errs = append(errs, fmt.Sprintf("tiers[%d]: only the last tier has no up_to", i))
		case tier.UpTo != nil && last != nil && tier.UpTo.Cmp(last) <= 0:
			errs = append(errs, fmt.Sprintf("tiers[%d]: up_to must grow", i))
		}
		if tier.UpTo != nil {
			last = tier.UpTo
		}
		p.Tiers = append(p.Tiers, tier)
	}
	if n := len(p.Tiers); n > 0 && p.Tiers[n-1].UpTo != nil {
		errs = append(errs, "tiers: the last tier has up_to null (no bound)")
	}
	return p, errs
}

func (ft freeTierDoc) freeTier(name string, t *Table) (FreeTier, []string) {
	out := FreeTier{Name: name, Allowance: ft.Allowance, Applies: ft.Applies, Source: ft.Source, Via: ft.Via, Read: ft.Read,
		ReadNote: ft.ReadNote, Confidence: ft.Confidence, Notes: ft.Notes}
	var errs []string
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Sprintf("free_tier %s: ", name)+fmt.Sprintf(format, args...))
	}
	if ft.Applies != "always" && ft.Applies != "first_12_months" {
		bad("applies %q: want always or first_12_months", ft.Applies)
	}
	if !strings.HasPrefix(ft.Source, "https://") {
		bad("source %q: want an https URL", ft.Source)
	}
	if !readDate.MatchString(ft.Read) {
		bad("read %q: want YYYY-MM-DD", ft.Read)
	}
	for i, a := range ft.Allowances {
		q := a.Quantity.rat()
		if q == nil || q.Sign() <= 0 {
			bad("allowances[%d]: want a positive quantity", i)
			continue
		}
		if a.Scope != "" && a.Scope != "region" {
			bad("allowances[%d] scope %q: want region or nothing (account-wide)", i, a.Scope)
		}
		for _, m := range a.Meters {
			if !t.hasKey(m) {
				bad("allowances[%d] meter %q: no entry of the table has this key", i, m)
			}
		}
		out.Allowances = append(out.Allowances, Allowance{Meters: a.Meters, Quantity: q, Unit: a.Unit, Scope: a.Scope})
	}
	return out, errs
}

func (t *Table) hasKey(key string) bool {
	for _, m := range t.regions {
		if _, ok := m[key]; ok {
			return true
		}
	}
	return false
}

// Regions lists the regions the table prices, sorted.
func (t *Table) Regions() []string {
	var out []string
	for r := range t.regions {
		if r != Global {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

// Entries returns a region's (or Global's) entries sorted by key.
func (t *Table) Entries(region string) []*Price {
	var out []*Price
	for _, p := range t.regions[region] {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// IsGlobal says whether key is priced in the global section whatever the
// resource's region.
func IsGlobal(key string) bool {
	for _, p := range globalPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// Lookup returns the price of key for a resource in region. Without one it
// returns nil and why: the table has no section for the region, no entry
// for the key, or an entry without a price (its notes say why). A number
// the research saw only in weak material (unverified_candidate) is never
// returned.
func (t *Table) Lookup(region, key string) (*Price, string) {
	section := region
	if IsGlobal(key) {
		section = Global
	}
	m, ok := t.regions[section]
	if !ok {
		return nil, fmt.Sprintf("the price table has no prices for region %s (it covers %s)", region, strings.Join(t.Regions(), ", "))
	}
	p, ok := m[key]
	if !ok {
		return nil, fmt.Sprintf("the price table has no entry %s for %s", key, section)
	}
	if p.Amount == nil {
		why := fmt.Sprintf("no dated source was found for %s in %s", key, section)
		if p.Notes != "" {
			why += " (" + p.Notes + ")"
		}
		return nil, why
	}
	return p, ""
}

// Dates returns each read date of the table with the number of priced
// entries read that day, newest first.
func (t *Table) Dates() []ReadDate {
	count := map[string]int{}
	for _, m := range t.regions {
		for _, p := range m {
			if p.Amount != nil {
				count[p.Read]++
			}
		}
	}
	var out []ReadDate
	for d, n := range count {
		out = append(out, ReadDate{Date: d, Entries: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date > out[j].Date })
	return out
}

// ReadDate is a date prices were read and how many.
type ReadDate struct {
	Date    string `json:"date"`
	Entries int    `json:"entries"`
}

// errNoTable is returned by Estimate without a table.
var errNoTable = errors.New("cost: no price table")
