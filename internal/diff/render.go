package diff

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kumo-iac/kumo/internal/cost"
)

// What the text and Markdown renderers share: how a resource, a value and
// a property change read. Both views must say the same thing about a
// change, so they format it with the same functions.

// opSymbols are the engine's own step prefixes, so a reviewer who knows
// `pulumi preview` reads kumo's at a glance. Pulumi's RawPrefix
// (pkg/resource/deploy/step.go, v3.175.0) spells a replacement "+-".
var opSymbols = map[Op]string{
	OpCreate:  "+",
	OpUpdate:  "~",
	OpReplace: "+-",
	OpDelete:  "-",
	OpSame:    " ",
}

func opSymbol(op Op) string {
	if s, ok := opSymbols[op]; ok {
		return s
	}
	return "?"
}

// opVerbs say what the engine will do, for prose and table cells.
var opVerbs = map[Op]string{
	OpCreate:  "create",
	OpUpdate:  "update",
	OpReplace: "replace",
	OpDelete:  "delete",
	OpSame:    "no change",
}

func opVerb(op Op) string {
	if s, ok := opVerbs[op]; ok {
		return s
	}
	return string(op)
}

// urnTypeName returns the type and name a Pulumi URN ends with:
// urn:pulumi:<stack>::<project>::<parent types$>type::<name>. The name may
// itself hold "::", so only the first three separators split. Anything
// that is not a URN comes back whole as the name.
func urnTypeName(urn string) (typ, name string) {
	rest, ok := strings.CutPrefix(urn, "urn:pulumi:")
	if !ok {
		return "", urn
	}
	parts := strings.SplitN(rest, "::", 4)
	if len(parts) != 4 {
		return "", urn
	}
	typ = parts[2]
	if i := strings.LastIndexByte(typ, '$'); i >= 0 {
		typ = typ[i+1:]
	}
	return typ, parts[3]
}

// componentLabel is how a group is headed: the component's type and name,
// as `kumo:patterns:WebApp web`.
func componentLabel(component string) string {
	if component == "" {
		return "resources outside any component"
	}
	typ, name := urnTypeName(component)
	if typ == "" {
		return name
	}
	return typ + " " + name
}

// sourceWords says where a stack's diff came from.
func sourceWords(source string) string {
	switch source {
	case "synth":
		return "offline, from two synths"
	case "preview":
		return "from pulumi preview"
	}
	return source
}

// stackLabel is project/stack, the way kumo names a stack everywhere else.
func stackLabel(s StackReport) string {
	return s.Project + "/" + s.Stack
}

// resourceLabel is a change's type and name, the way Pulumi lists steps.
func resourceLabel(typ, name string) string {
	if typ == "" {
		return name
	}
	return typ + " " + name
}

// nounCount is "1 function" or "3 functions".
func nounCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// unknownWords is how a value that is only known once the deploy has run
// reads; the model spells it Unknown.
const unknownWords = "known after deploy"

// formatValue renders a property value on one line: strings quoted (unless
// they hold a JSON document, which prints as its structure), maps with
// sorted keys, secrets as [secret] and unknowns in words at any depth.
// Values that did not come from JSON (a hand-built []string) go through
// JSON first so every shape prints alike.
func formatValue(v any) string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		switch v {
		case Secret:
			b.WriteString(Secret)
		case Unknown:
			b.WriteString(unknownWords)
		default:
			if doc, ok := jsonDocument(v); ok {
				writeValue(b, doc)
				return
			}
			b.WriteString(strconv.Quote(v))
		}
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case float64:
		b.WriteString(formatNumber(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case json.Number:
		b.WriteString(v.String())
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(k))
			b.WriteString(": ")
			writeValue(b, v[k])
		}
		b.WriteByte('}')
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			fmt.Fprintf(b, "%v", v)
			return
		}
		var generic any
		if err := json.Unmarshal(raw, &generic); err != nil {
			b.Write(raw)
			return
		}
		writeValue(b, generic)
	}
}

// jsonDocument parses a string that holds a JSON object or array (a
// policy document, a state machine definition), so it prints as the
// structure it is rather than as a wall of escaped quotes.
func jsonDocument(s string) (any, bool) {
	if len(s) < 2 || (s[0] != '{' && s[0] != '[') || !json.Valid([]byte(s)) {
		return nil, false
	}
	var doc any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return nil, false
	}
	return doc, true
}

// formatNumber prints integers without an exponent or a fraction (a
// memorySize of 1024 is 1024, not 1.024e+03) and anything else in the
// shortest form that reads back the same.
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// shortenValue cuts a formatted value longer than limit runes, saying how
// long it was, so one policy document cannot bury the lines around it.
// start is the rune the kept part begins at (moved back when fewer than
// limit runes follow it); a value cut at its start says so with a leading
// "…".
func shortenValue(s string, start, limit int) string {
	n := utf8.RuneCountInString(s)
	if limit <= 0 || n <= limit {
		return s
	}
	start = min(start, n-limit)
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	i := 0
	for _, r := range s {
		if i >= start && i < start+limit {
			b.WriteRune(r)
		}
		i++
	}
	if start+limit < n {
		b.WriteString("…")
	}
	fmt.Fprintf(&b, " (%s chars)", groupThousands(n))
	return b.String()
}

// shortenPair shortens an old and a new value alike: when both are long
// and share a long beginning (two versions of one policy document), both
// start a little before the first rune that differs, so the cut parts
// show the change rather than the same preamble twice.
func shortenPair(before, after string, limit int) (string, string) {
	if limit <= 0 || (utf8.RuneCountInString(before) <= limit && utf8.RuneCountInString(after) <= limit) {
		return before, after
	}
	start := 0
	if d := firstDifference(before, after); d > limit/2 {
		start = d - limit/4
	}
	return shortenValue(before, start, limit), shortenValue(after, start, limit)
}

// firstDifference is the index, in runes, of the first rune a and b do not
// share.
func firstDifference(a, b string) int {
	i := 0
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb {
			break
		}
		a, b = a[na:], b[nb:]
		i++
	}
	return i
}

// groupThousands is 1234567 → "1,234,567", for counts a reviewer compares.
func groupThousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	lead := len(s) % 3
	if lead > 0 {
		b.WriteString(s[:lead])
	}
	for i := lead; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// propLine is one changed property, Pulumi style:
//
//	~ memorySize: 256 → 512
//	+ tags["team"]: "web"
//	- environment.variables.DEBUG: "1"
//
// Values longer than limit runes are shortened (0 keeps them whole); a
// property that forces the replacement says so.
func propLine(p PropChange, limit int) string {
	var b strings.Builder
	switch p.Kind {
	case KindAdd:
		b.WriteString("+ ")
		b.WriteString(p.Path)
		b.WriteString(": ")
		b.WriteString(shortenValue(formatValue(p.New), 0, limit))
	case KindDelete:
		b.WriteString("- ")
		b.WriteString(p.Path)
		b.WriteString(": ")
		b.WriteString(shortenValue(formatValue(p.Old), 0, limit))
	default:
		before, after := shortenPair(formatValue(p.Old), formatValue(p.New), limit)
		b.WriteString("~ ")
		b.WriteString(p.Path)
		b.WriteString(": ")
		b.WriteString(before)
		b.WriteString(" → ")
		b.WriteString(after)
	}
	if p.Replace {
		b.WriteString(" (forces replacement)")
	}
	return b.String()
}

// changeLine heads one resource's change: the engine's symbol, the type
// and the name, and for a replacement what forces it.
func changeLine(c Change) string {
	var b strings.Builder
	b.WriteString(opSymbol(c.Op))
	b.WriteByte(' ')
	b.WriteString(resourceLabel(c.Type, c.Name))
	if c.Op == OpReplace {
		b.WriteString(" (replace")
		if len(c.ReplaceReasons) > 0 {
			b.WriteString(": ")
			b.WriteString(strings.Join(c.ReplaceReasons, ", "))
		}
		if c.DeleteBeforeReplace {
			b.WriteString("; deleted before its replacement is created")
		}
		b.WriteByte(')')
	}
	return b.String()
}

// codeOnlyLine folds the functions whose only change is their code into
// one line: code churn is expected on most pull requests and is not a
// danger (cdk-diff-action #161, #163 are about tools that flag it as one).
func codeOnlyLine(names []string) string {
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	return "~ code changed in " + nounCount(len(sorted), "function") + ": " + strings.Join(sorted, ", ")
}

// groupCounts says what a group does: "1 to replace, 2 to update, code
// changed in 3 functions".
func groupCounts(g Group) string {
	var n [4]int
	for _, c := range g.Changes {
		switch c.Op {
		case OpCreate:
			n[0]++
		case OpUpdate:
			n[1]++
		case OpReplace:
			n[2]++
		case OpDelete:
			n[3]++
		}
	}
	var parts []string
	for i, verb := range []string{"create", "update", "replace", "delete"} {
		if n[i] > 0 {
			parts = append(parts, fmt.Sprintf("%d to %s", n[i], verb))
		}
	}
	if len(g.CodeOnly) > 0 {
		parts = append(parts, "code changed in "+nounCount(len(g.CodeOnly), "function"))
	}
	return strings.Join(parts, ", ")
}

// groupChangeCount is how many resources a group changes, code-only
// functions included.
func groupChangeCount(g Group) int {
	n := len(g.CodeOnly)
	for _, c := range g.Changes {
		if c.Op != OpSame {
			n++
		}
	}
	return n
}

// releaseWhy says why a function publishes a version: "code" and the
// changed settings.
func releaseWhy(r Release) string {
	if r.First {
		return "new function"
	}
	if len(r.Reasons) == 0 {
		return "unspecified"
	}
	return strings.Join(r.Reasons, ", ")
}

// firstDeployWords is what a function's first version does with traffic.
const firstDeployWords = "first deploy, takes all traffic"

// releaseTraffic says how traffic moves to the new version.
func releaseTraffic(r Release) string {
	if r.First {
		return firstDeployWords
	}
	switch {
	case r.Preference != "" && r.Shift != "":
		return r.Preference + ": " + r.Shift
	case r.Preference != "":
		return r.Preference
	case r.Shift != "":
		return r.Shift
	}
	return "no deployment preference given"
}

// printable makes text from the program or the engine safe to print: a
// control character (an escape sequence in a resource name could repaint
// the reviewer's terminal, a newline could forge a table row) shows as its
// Go escape instead. Multi-line text is split into lines first.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if isControl(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == utf8.RuneError
}

// printableLines splits s into lines, each made printable.
func printableLines(s string) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = printable(strings.TrimSuffix(l, "\r"))
	}
	return lines
}

// iamKinds are the kinds of IAMChange the analysis writes, with the
// symbol and words each reads as: a Deny removed or narrowed allows again
// what it forbade, and a policy known only after the deploy may grant
// anything.
var iamKinds = []struct{ kind, symbol, words string }{
	{"added", "+", "statement added"},
	{"broadened", "~", "statement broadened"},
	{"removed", "-", "Deny removed or narrowed"},
	{"unknown", "?", "policy known only after deploy"},
}

// iamKind returns the symbol and words for an IAMChange's Kind; a kind
// this build does not know prints as itself.
func iamKind(kind string) (symbol, words string) {
	for _, k := range iamKinds {
		if k.kind == kind {
			return k.symbol, k.words
		}
	}
	if kind == "" {
		return "+", "statement added"
	}
	return "?", kind
}

// viewGroup is a group as the views show it, under its label.
type viewGroup struct {
	label string
	// folded is set on the group the code-only components fold into: it
	// has no component, and reads as its one line.
	folded bool
	Group
}

// viewGroups returns the groups with something to show, each labelled by
// its component. Components whose only change is their functions' code
// fold into one group at the end: the analysis groups a function under its
// own component, so a pull request that changes ten handlers would
// otherwise list ten groups of one line each.
func viewGroups(gs []Group) []viewGroup {
	var out []viewGroup
	var code []string
	for _, g := range gs {
		changed := 0
		for _, c := range g.Changes {
			if c.Op != OpSame {
				changed++
			}
		}
		switch {
		case changed > 0:
			out = append(out, viewGroup{label: componentLabel(g.Component), Group: g})
		case len(g.CodeOnly) > 0:
			code = append(code, g.CodeOnly...)
		}
	}
	if len(code) > 0 {
		slices.Sort(code)
		out = append(out, viewGroup{folded: true, Group: Group{CodeOnly: code}})
	}
	return out
}

// unknownReplaceWords explain StackReport.UnknownReplace: an offline diff
// judges replacements from kumo's replace-on-change table, and these
// changed types are not in it.
const unknownReplaceWords = "offline, kumo cannot tell whether the changes to these types replace their resources; a diff of `pulumi preview` can"

// The cost section: what both views say about a stack's monthly bill.

// signedMoney is an amount with its sign, to the cent: "+$1.25",
// "-$0.40", "$0.00". The sign is the exact amount's, so a change too small
// to show in cents still says which way it goes ("+$0.00").
func signedMoney(m cost.Money) string {
	switch m.Cmp(cost.Money{}) {
	case 1:
		return "+" + m.String()
	case -1:
		return "-" + cost.Money{}.Sub(m).String()
	}
	return m.String()
}

// costDelta is the change of the monthly total in words: "+$1.25
// (+12.5%)", "no change", with "at least" or "at most" when prices the
// table lacks change too.
func costDelta(c *CostChange) string {
	if !c.Available {
		return "unavailable"
	}
	d := signedMoney(c.Delta.Total)
	if c.Percent != "" {
		d += " (" + c.Percent + "%)"
	}
	switch c.Bound {
	case cost.BoundLower:
		return "at least " + d
	case cost.BoundUpper:
		return "at most " + d
	case cost.BoundUnknown:
		return d + " priced, plus what kumo cannot price"
	}
	if c.Delta.Total.IsZero() {
		return "no change"
	}
	return d
}

// costTotals is "$1.00 → $2.25 a month (fixed $0.20 → $0.20, per use
// $0.80 → $2.05)".
func costTotals(c *CostChange) string {
	return fmt.Sprintf("%s → %s a month (fixed %s → %s, per use %s → %s)", c.Before.Total, c.After.Total,
		c.Before.Fixed, c.After.Fixed, c.Before.PerUse, c.After.PerUse)
}

// costBoundWords say what the unpriced changes do to the delta.
func costBoundWords(b cost.Bound) string {
	switch b {
	case cost.BoundLower:
		return "the change adds costs kumo has no price for (left out of the totals), so it is at least the priced amount"
	case cost.BoundUpper:
		return "the change removes costs kumo had no price for (left out of the totals), so it is at most the priced amount"
	case cost.BoundUnknown:
		return "costs kumo has no price for (left out of the totals) change both ways, so the priced amount is only part of the change"
	}
	return ""
}

// costOpWords say what the change does to a resource whose cost moved.
func costOpWords(op Op) string {
	switch op {
	case OpCreate:
		return "new"
	case OpDelete:
		return "removed"
	case OpReplace:
		return "replaced"
	case OpUpdate:
		return "updated"
	}
	return "its traffic changed"
}

// costWhy lists why a resource's cost moved: where it moved, its plain
// input changes, then each billed dimension with its quantities and
// amount ("compute (arm64): 26,214.4 → 52,428.8 GB-s, +$0.35").
func costWhy(r CostResource) []string {
	var out []string
	if r.RegionBefore != "" && r.RegionAfter != "" {
		out = append(out, "moved "+r.RegionBefore+" → "+r.RegionAfter)
	}
	for _, p := range r.Inputs {
		if p.Path == RegionProp {
			continue
		}
		switch p.Kind {
		case KindAdd:
			out = append(out, p.Path+" set to "+formatValue(p.New))
		case KindDelete:
			out = append(out, p.Path+" unset (was "+formatValue(p.Old)+")")
		default:
			out = append(out, p.Path+" "+formatValue(p.Old)+" → "+formatValue(p.New))
		}
	}
	for _, it := range r.Items {
		var q string
		switch {
		case it.QuantityBefore == "":
			q = costQty(it.QuantityAfter) + " " + it.Unit
		case it.QuantityAfter == "":
			q = "was " + costQty(it.QuantityBefore) + " " + it.Unit
		case it.QuantityBefore == it.QuantityAfter:
			q = costQty(it.QuantityAfter) + " " + it.Unit
		default:
			q = costQty(it.QuantityBefore) + " → " + costQty(it.QuantityAfter) + " " + it.Unit
		}
		out = append(out, it.What+": "+q+", "+signedMoney(it.Delta))
	}
	return out
}

// costQty prints a decimal quantity of the model as the cost formulas do
// (thousands separators, four significant decimals).
func costQty(s string) string {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return s
	}
	return cost.FormatQuantity(r)
}

// costUnpricedWhat is one missing price that changes: its key and region,
// its quantities, and why the table lacks it.
func costUnpricedWhat(u CostUnpriced) string {
	key := u.Key
	if key == "" {
		key = "no pricing rule"
	}
	where := u.Region
	if u.RegionBefore != "" {
		where = u.RegionBefore + " → " + u.Region
	}
	s := key + " in " + where
	switch {
	case u.QuantityBefore != "" && u.QuantityAfter != "" && u.QuantityBefore != u.QuantityAfter:
		s += ": " + costQty(u.QuantityBefore) + " → " + costQty(u.QuantityAfter) + " " + u.Unit
	case u.QuantityAfter != "":
		s += ": " + costQty(u.QuantityAfter) + " " + u.Unit
	case u.QuantityBefore != "":
		s += ": was " + costQty(u.QuantityBefore) + " " + u.Unit
	}
	return s
}

// costUnpricedSymbols mark a missing price's change the way a resource's
// is marked.
var costUnpricedSymbols = map[cost.UnpricedKind]string{
	cost.UnpricedAdded: "+", cost.UnpricedRemoved: "-", cost.UnpricedChanged: "~",
}

// hasCost says whether any stack of r was priced, so the summaries show
// the cost column.
func hasCost(r Report) bool {
	for _, s := range r.Stacks {
		if s.Cost != nil {
			return true
		}
	}
	return false
}

// costCell is a stack's monthly change in the summary: the delta, or
// "n/a" when unpriced.
func costCell(s StackReport) string {
	switch {
	case s.Cost == nil:
		return ""
	case !s.Cost.Available:
		return "n/a"
	}
	return costDelta(s.Cost)
}
