package diff

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// TextOptions shape the terminal view.
type TextOptions struct {
	// Color writes ANSI colours in the engine's palette. The CLI sets it
	// when stdout is a terminal and NO_COLOR is unset. Default: no colour.
	Color bool
	// ValueChars is how many characters of a property value a line shows
	// before it is shortened; negative shows every value whole. Default
	// (0): 120. The IAM table is never shortened.
	ValueChars int
}

// defaultTextValueChars keeps a property line within about two terminal
// widths even when its value is a policy document.
const defaultTextValueChars = 120

// ANSI colours as Pulumi's display writes them (sdk/go/common/diag/colors,
// v3.175.0: SpecCreate Green, SpecUpdate Yellow, SpecReplace
// BrightMagenta, SpecDelete Red, each as a 256-colour foreground), so the
// two tools' output looks alike side by side.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiRed     = "\x1b[38;5;1m"
	ansiGreen   = "\x1b[38;5;2m"
	ansiYellow  = "\x1b[38;5;3m"
	ansiMagenta = "\x1b[38;5;13m"
	ansiDanger  = "\x1b[38;5;9m" // BrightRed: the engine's SpecAttention
)

// RenderText writes the report for a terminal, in the order a reviewer
// reads it: the summary of every stack first, then per stack the dangerous
// changes (data loss, IAM widening, public exposure), the canary plan and
// the remaining changes by component. Unchanged resources are left out.
func RenderText(w io.Writer, r Report, o TextOptions) error {
	t := textWriter{o: o, limit: o.ValueChars}
	if t.limit == 0 {
		t.limit = defaultTextValueChars
	}
	t.summary(r)
	for _, s := range r.Stacks {
		t.b.WriteByte('\n')
		t.stack(s)
	}
	if _, err := io.WriteString(w, t.b.String()); err != nil {
		return fmt.Errorf("write text diff: %w", err)
	}
	return nil
}

type textWriter struct {
	b     strings.Builder
	o     TextOptions
	limit int
}

// paint wraps s in a colour when colour is on.
func (t *textWriter) paint(color, s string) string {
	if !t.o.Color || s == "" {
		return s
	}
	return color + s + ansiReset
}

func (t *textWriter) line(indent int, s string) {
	t.b.WriteString(strings.Repeat(" ", indent))
	t.b.WriteString(s)
	t.b.WriteByte('\n')
}

func (t *textWriter) heading(color, s string) {
	t.line(0, t.paint(color, s))
}

func opColor(op Op) string {
	switch op {
	case OpCreate:
		return ansiGreen
	case OpUpdate:
		return ansiYellow
	case OpReplace:
		return ansiMagenta
	case OpDelete:
		return ansiRed
	}
	return ""
}

func kindColor(k Kind) string {
	switch k {
	case KindAdd:
		return ansiGreen
	case KindDelete:
		return ansiRed
	}
	return ansiYellow
}

// paintSymbol colours the leading symbol of a formatted line.
func (t *textWriter) paintSymbol(color, line string) string {
	sym, rest, ok := strings.Cut(line, " ")
	if !ok {
		return t.paint(color, line)
	}
	return t.paint(color, sym) + " " + rest
}

func (t *textWriter) summary(r Report) {
	t.heading(ansiBold, "Summary")
	if len(r.Stacks) == 0 {
		t.line(2, "no stacks")
		return
	}
	priced := hasCost(r)
	head := []string{"STACK", "CREATE", "UPDATE", "REPLACE", "DELETE"}
	if priced {
		head = append(head, "COST/MONTH")
	}
	rows := [][]string{append(head, "VERDICT")}
	for _, s := range r.Stacks {
		c := s.Counts
		row := []string{
			printable(stackLabel(s)), strconv.Itoa(c.Create), strconv.Itoa(c.Update),
			strconv.Itoa(c.Replace), strconv.Itoa(c.Delete),
		}
		if priced {
			row = append(row, costCell(s))
		}
		rows = append(rows, append(row, printable(s.Verdict)))
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			switch {
			case i == len(row)-1:
				b.WriteString(cell)
			case i == 0, priced && i == len(row)-2:
				b.WriteString(cell + pad + "  ")
			default: // counts align right
				b.WriteString(pad + cell + "  ")
			}
		}
		t.line(2, strings.TrimRight(b.String(), " "))
	}
}

func (t *textWriter) stack(s StackReport) {
	title := printable(stackLabel(s))
	if s.Source != "" {
		title += " (" + printable(sourceWords(s.Source)) + ")"
	}
	t.heading(ansiBold, title)
	t.line(0, strings.Repeat("=", utf8.RuneCountInString(title)))
	if len(s.Diagnostics) > 0 {
		t.b.WriteByte('\n')
		t.diagnostics(s.Diagnostics)
	}
	changed := false
	for _, g := range s.Groups {
		if groupChangeCount(g) > 0 {
			changed = true
		}
	}
	if !changed && len(s.DataLoss)+len(s.IAM)+len(s.Public)+len(s.Canary) == 0 {
		t.b.WriteByte('\n')
		t.line(0, "no changes")
		return
	}
	if len(s.DataLoss) > 0 {
		t.b.WriteByte('\n')
		t.dataLoss(s.DataLoss)
	}
	if len(s.ProtectionRemoved) > 0 {
		t.b.WriteByte('\n')
		t.protectionRemoved(s.ProtectionRemoved)
	}
	if len(s.IAM) > 0 {
		t.b.WriteByte('\n')
		t.iam(s.IAM)
	}
	if len(s.Public) > 0 {
		t.b.WriteByte('\n')
		t.public(s.Public)
	}
	if len(s.UnknownReplace) > 0 {
		t.b.WriteByte('\n')
		t.heading(ansiBold, fmt.Sprintf("Replacement not judged (%s)", nounCount(len(s.UnknownReplace), "type")))
		t.line(2, strings.ReplaceAll(unknownReplaceWords, "`", "")+":")
		for _, typ := range s.UnknownReplace {
			t.line(4, printable(typ))
		}
	}
	if len(s.Canary) > 0 {
		t.b.WriteByte('\n')
		t.canary(s.Canary)
	}
	if s.Cost != nil {
		t.b.WriteByte('\n')
		t.cost(s.Cost)
	}
	if changed {
		t.b.WriteByte('\n')
		t.groups(s.Groups)
	}
}

func (t *textWriter) diagnostics(ds []Diagnostic) {
	t.heading(ansiBold, fmt.Sprintf("Engine messages (%d)", len(ds)))
	for _, d := range ds {
		color := ""
		switch d.Severity {
		case "error":
			color = ansiRed
		case "warning":
			color = ansiYellow
		}
		head := t.paint(color, printable(d.Severity))
		if d.URN != "" {
			typ, name := urnTypeName(d.URN)
			head += " " + printable(resourceLabel(typ, name))
		}
		lines := printableLines(d.Message)
		t.line(2, head+": "+lines[0])
		for _, l := range lines[1:] {
			t.line(4, l)
		}
	}
}

func (t *textWriter) dataLoss(ds []DataLoss) {
	t.heading(ansiBold+ansiDanger, fmt.Sprintf("Data loss (%d)", len(ds)))
	for _, d := range ds {
		label := printable(resourceLabel(d.Type, d.Name))
		t.line(2, t.paint(opColor(d.Op), opSymbol(d.Op))+" "+label+" ("+opVerb(d.Op)+")")
		t.line(5, t.paint(ansiDanger, "data loss")+": "+printable(d.Holds))
		if d.Reason != "" {
			t.line(5, "why: "+printable(d.Reason))
		}
		if d.Protected != "" {
			t.line(5, "protected: "+printable(d.Protected))
		}
	}
}

func (t *textWriter) protectionRemoved(ds []DataLoss) {
	t.heading(ansiBold+ansiDanger, fmt.Sprintf("Protection removed (%d)", len(ds)))
	for _, d := range ds {
		label := printable(resourceLabel(d.Type, d.Name))
		t.line(2, t.paint(opColor(d.Op), opSymbol(d.Op))+" "+label+" ("+opVerb(d.Op)+")")
		t.line(5, "holds: "+printable(d.Holds))
		t.line(5, t.paint(ansiDanger, "removed")+": "+printable(d.Protected))
		t.line(5, "now: "+printable(strings.TrimPrefix(d.Reason, "protection removed: ")))
	}
}

// iam writes the statements as cdk diff's security table does: one row per
// statement, every action and resource on its own line, nothing shortened
// (a reviewer must see exactly what is granted).
func (t *textWriter) iam(cs []IAMChange) {
	t.heading(ansiBold+ansiDanger, fmt.Sprintf("IAM widening (%d)", len(cs)))
	head := []string{"", "Attached", "Effect", "Actions", "Resources", "Principal", "Condition"}
	rows := make([][][]string, len(cs))
	seen := map[string]bool{}
	for i, c := range cs {
		sym, _ := iamKind(c.Kind)
		seen[c.Kind] = true
		rows[i] = [][]string{
			{sym}, {printable(iamAttached(c))}, {printable(c.Effect)},
			printableAll(c.Actions), printableAll(c.Resources),
			printableLines(c.Principal), printableLines(c.Condition),
		}
	}
	for _, l := range boxTable(head, rows) {
		t.line(2, l)
	}
	var legend []string
	for _, k := range iamKinds {
		if seen[k.kind] {
			legend = append(legend, k.symbol+" "+k.words)
			delete(seen, k.kind)
		}
	}
	for _, c := range cs {
		if seen[c.Kind] {
			sym, words := iamKind(c.Kind)
			legend = append(legend, sym+" "+printable(words))
			delete(seen, c.Kind)
		}
	}
	t.line(2, strings.Join(legend, ", "))
}

// iamAttached names what a statement applies to: Attached, or else the
// policy resource's name from its URN.
func iamAttached(c IAMChange) string {
	if c.Attached != "" {
		return c.Attached
	}
	_, name := urnTypeName(c.URN)
	return name
}

func printableAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = printable(s)
	}
	return out
}

// boxTable draws a table whose cells may hold several lines.
func boxTable(head []string, rows [][][]string) []string {
	widths := make([]int, len(head))
	for i, h := range head {
		widths[i] = utf8.RuneCountInString(h)
	}
	for _, row := range rows {
		for i, cell := range row {
			for _, l := range cell {
				widths[i] = max(widths[i], utf8.RuneCountInString(l))
			}
		}
	}
	rule := func(left, mid, right string) string {
		parts := make([]string, len(widths))
		for i, w := range widths {
			parts[i] = strings.Repeat("─", w+2)
		}
		return left + strings.Join(parts, mid) + right
	}
	row := func(cells []string) string {
		var b strings.Builder
		b.WriteString("│")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)) + " │")
		}
		return b.String()
	}
	out := []string{rule("┌", "┬", "┐"), row(head)}
	for _, r := range rows {
		out = append(out, rule("├", "┼", "┤"))
		height := 1
		for _, cell := range r {
			height = max(height, len(cell))
		}
		for l := range height {
			cells := make([]string, len(r))
			for i, cell := range r {
				if l < len(cell) {
					cells[i] = cell[l]
				}
			}
			out = append(out, row(cells))
		}
	}
	return append(out, rule("└", "┴", "┘"))
}

func (t *textWriter) public(ps []PublicChange) {
	t.heading(ansiBold+ansiDanger, fmt.Sprintf("Public exposure (%d)", len(ps)))
	for _, p := range ps {
		typ, name := urnTypeName(p.URN)
		if p.Type != "" {
			typ = p.Type
		}
		t.line(2, t.paint(ansiYellow, "~")+" "+printable(p.What)+" ("+printable(resourceLabel(typ, name))+"): "+
			printable(p.Before)+" → "+t.paint(ansiDanger, printable(p.After)))
	}
}

func (t *textWriter) canary(rs []Release) {
	t.heading(ansiBold, fmt.Sprintf("Canary plan (%d)", len(rs)))
	for _, r := range rs {
		name := printable(r.Function)
		if r.Alias != "" {
			name += " (alias " + printable(r.Alias) + ")"
		}
		if r.First {
			t.line(2, name+": "+firstDeployWords)
			continue
		}
		t.line(2, name+": new version for "+printable(releaseWhy(r)))
		t.line(5, printable(releaseTraffic(r)))
		if len(r.Alarms) > 0 {
			t.line(5, "alarms: "+printable(strings.Join(r.Alarms, ", ")))
		} else {
			t.line(5, "alarms: none")
		}
		if len(r.Hooks) > 0 {
			t.line(5, "hooks: "+printable(strings.Join(r.Hooks, ", ")))
		}
	}
}

func (t *textWriter) groups(gs []Group) {
	total := 0
	for _, g := range gs {
		total += groupChangeCount(g)
	}
	t.heading(ansiBold, fmt.Sprintf("Changes (%d)", total))
	for _, g := range viewGroups(gs) {
		if g.folded {
			t.line(2, t.paintSymbol(ansiYellow, printable(codeOnlyLine(g.CodeOnly))))
			continue
		}
		t.line(2, t.paint(ansiBold, printable(g.label))+": "+groupCounts(g.Group))
		for _, c := range g.Changes {
			if c.Op == OpSame {
				continue
			}
			t.line(4, t.paintSymbol(opColor(c.Op), printable(changeLine(c))))
			for _, p := range c.Props {
				t.line(8, t.paintSymbol(kindColor(p.Kind), printable(propLine(p, t.limit))))
			}
		}
		if len(g.CodeOnly) > 0 {
			t.line(4, t.paintSymbol(ansiYellow, printable(codeOnlyLine(g.CodeOnly))))
		}
	}
}

// cost writes the monthly cost before and after, the resources behind the
// change (every one: a terminal has no size limit) and the prices the
// table lacks that the change touches.
func (t *textWriter) cost(c *CostChange) {
	t.heading(ansiBold, "Monthly cost: "+costDelta(c))
	if !c.Available {
		t.line(2, printable(c.Reason))
		return
	}
	t.line(2, costTotals(c))
	t.line(2, "estimated by kumo cost at "+printable(c.Usage)+", with "+printable(c.Prices))
	if w := costBoundWords(c.Bound); w != "" {
		t.line(2, w)
	}
	for _, r := range c.Resources {
		sym := t.paint(opColor(r.Op), opSymbol(r.Op))
		t.line(2, fmt.Sprintf("%9s  %s %s (%s): %s → %s", signedMoney(r.Delta), sym, printable(resourceLabel(r.Type, r.Name)),
			costOpWords(r.Op), r.Before, r.After))
		for _, w := range costWhy(r) {
			t.line(15, printable(w))
		}
	}
	if len(c.Unpriced) > 0 {
		t.line(2, fmt.Sprintf("No price (%d), left out of the totals:", len(c.Unpriced)))
		for _, u := range c.Unpriced {
			t.line(4, costUnpricedSymbols[u.Change]+" "+printable(resourceLabel(u.Type, u.Name))+": "+printable(costUnpricedWhat(u)))
			t.line(8, printable(u.Reason))
		}
	}
}
