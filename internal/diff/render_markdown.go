package diff

import (
	"cmp"
	"fmt"
	"html"
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/cost"
)

// MarkdownOptions shape the pull-request comment.
type MarkdownOptions struct {
	// Marker is the id in the comment's hidden first line,
	// `<!-- kumo-diff:<id> -->`, by which the poster finds its own comment
	// and edits it in place. Runs that should share one comment use one id;
	// others (another project, another set of stacks) need their own.
	// Default: the stacks' project/stack names, sorted and joined with ",".
	Marker string
	// MaxChars is the largest body GitHub accepts. Default: 65,536 (GitHub
	// rejects a longer comment with 422 "Body is too long (maximum is 65536
	// characters)"). The comment is kept within MaxChars − 1,024 as
	// measured by markdownLen; see markdownReserve.
	MaxChars int
	// CostRows is the most rows a cost table shows: the resources behind
	// the change, largest first, and the prices the table lacks; the rest
	// are counted ("… and 12 more"). Default: 10.
	CostRows int
}

// costReasonChars bounds why a price is missing in the comment: the price
// table's notes run long, and the text view and the JSON have them whole.
const costReasonChars = 160

// defaultCostRows keeps a cost section to the few resources a reviewer
// weighs; the rest are in the text view and the JSON.
const defaultCostRows = 10

// DefaultMaxChars is GitHub's limit on an issue or pull-request comment.
const DefaultMaxChars = 65536

// markdownReserve is kept free under MaxChars: room for what the poster
// adds around the body (a link to the CI run, a timestamp) without
// rendering again.
const markdownReserve = 1024

// markdownLen counts a body the most expensive way GitHub might. Its error
// says "65536 characters", but what it counts is not documented and
// measurements disagree: a comment of 65,536 astral emoji (262,144 UTF-8
// bytes) is accepted, and so are 262,144 ASCII characters
// (dead-claudia/github-limits#13, objectstack-ai/objectstack#18826), while
// a pull-request body fails past 65,536 code points (the same
// github-limits thread). Counting UTF-16 code units (an astral rune is
// two) bounds code points and, at three bytes a unit at most, keeps UTF-8
// bytes under 196,608; a newline counts twice in case it is stored as
// CRLF, as bodies written in the browser are. Any body this counts within
// 65,536 is accepted under every reading above.
func markdownLen(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r == '\n', r > 0xFFFF:
			n += 2
		default:
			n++
		}
	}
	return n
}

// CommentMarker is the hidden first line RenderMarkdown writes for r with
// the given Marker id ("" for the default), for a poster that looks for
// the comment to edit.
func CommentMarker(r Report, id string) string {
	if id == "" {
		seen := map[string]bool{}
		var ids []string
		for _, s := range r.Stacks {
			l := stackLabel(s)
			if !seen[l] {
				seen[l] = true
				ids = append(ids, l)
			}
		}
		slices.Sort(ids)
		id = strings.Join(ids, ",")
		if id == "" {
			id = "kumo"
		}
	}
	return "<!-- kumo-diff:" + markerID(id) + " -->"
}

// markerID keeps an id inside its HTML comment: "--" and ">" could end the
// comment early (HTML Living Standard, comments), and spaces or newlines
// would make the line hard to match, so only a plain set of characters
// stays; the rest become "_".
func markerID(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			strings.ContainsRune("._/,:@+=-", r):
			if r == '-' && strings.HasSuffix(b.String(), "-") {
				b.WriteByte('_')
				continue
			}
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// RenderMarkdown renders the report as a GitHub pull-request comment: the
// marker line, a summary table of every stack, then per stack the dangerous
// changes and the canary plan in plain view and each component's changes
// folded in a <details> block.
//
// A priced stack (Price) gets a cost section after the canary plan: the
// monthly total before and after, the change, and the resources behind it
// in a table of at most CostRows rows ("… and N more"), then the prices
// the table lacks that the change touches, as many.
//
// The comment fits o.MaxChars. When the whole report does not, detail goes
// first, in this order: the components' blocks, largest first (each stack
// says how many were omitted and how many changes they held); then the
// engine messages; then the canary plans, largest first (each replaced by
// its count); then rows of the cost tables, the same number kept in each;
// and last, if even the dangerous changes do not fit, their tables are cut
// to the same number of rows each, with the number cut. The marker, the
// summary table, the stack headings and each cost's totals always stay.
// Components that fit in the room a later cut freed are then given back,
// smallest first.
//
// Names, values and engine messages are escaped: code spans for names and
// values (so no Markdown, HTML, @mention or autolink inside one renders),
// HTML escapes inside <summary>, and backslash escapes in prose.
func RenderMarkdown(r Report, o MarkdownOptions) string {
	maxChars := o.MaxChars
	if maxChars <= 0 {
		maxChars = DefaultMaxChars
	}
	costRows := o.CostRows
	if costRows <= 0 {
		costRows = defaultCostRows
	}
	d := newMarkdownDoc(r, o.Marker, costRows)
	budget := maxChars - markdownReserve
	plan := d.fit(budget)
	var b strings.Builder
	b.Grow(d.measure(plan) + 64)
	d.emit(plan, func(s string, _ int) { b.WriteString(s) })
	return b.String()
}

// mdPiece is rendered text with its markdownLen, so a plan is measured by
// adding numbers rather than rendering again.
type mdPiece struct {
	s string
	n int
}

func piece(s string) mdPiece { return mdPiece{s, markdownLen(s)} }

// markdownDoc is a report rendered into the pieces the size budget may
// keep or drop.
type markdownDoc struct {
	head   mdPiece // marker, title and summary table
	stacks []mdStack
	// groupOrder lists every group by size, largest first: the order in
	// which they are dropped.
	groupOrder [][2]int
	// canaryOrder lists the stacks with a canary plan, largest plan first.
	canaryOrder []int
}

type mdStack struct {
	head    mdPiece
	diag    mdPiece
	nDiag   int
	dangers []mdTable
	canary  mdPiece
	nCanary int
	cost    *mdCost
	// changed is false for a stack with nothing to list.
	changed     bool
	changesHead mdPiece
	groups      []mdGroup
}

// mdTable is one of the dangerous-change tables: its rows may be cut, the
// heading and column names stay.
type mdTable struct {
	head mdPiece
	rows []mdPiece
	noun string
}

// mdCost is a stack's cost section: the totals stay, the rows of its two
// tables may be cut.
type mdCost struct {
	head      mdPiece
	tableHead mdPiece
	rows      []mdPiece
	// deltas are the rows' changes, for what "… and N more" adds up to.
	deltas       []cost.Money
	unpricedHead mdPiece
	unpriced     mdTable
	// unpricedCut counts the missing prices past the cap.
	unpricedCut int
}

type mdGroup struct {
	block   mdPiece
	changes int
}

// mdPlan says what is dropped.
type mdPlan struct {
	groupDropped  map[[2]int]bool // by stack and group index
	dropDiag      bool
	canaryDropped map[int]bool // by stack index
	costRows      int          // rows kept per cost table; -1 keeps all
	dangerRows    int          // rows kept per danger table; -1 keeps all
}

// fit finds the plan that drops least, in the documented order. Every
// step only removes text, so each is monotone and found by bisection: a
// 5,000-change report is measured a few dozen times, never rendered twice.
func (d *markdownDoc) fit(budget int) mdPlan {
	p := d.cut(budget)
	d.refill(&p, budget)
	return p
}

func (d *markdownDoc) cut(budget int) mdPlan {
	if p := d.plan(0, false, 0, -1, -1); d.measure(p) <= budget {
		return p
	}
	k := bisect(len(d.groupOrder), func(k int) bool { return d.measure(d.plan(k, false, 0, -1, -1)) <= budget })
	if k <= len(d.groupOrder) {
		return d.plan(k, false, 0, -1, -1)
	}
	all := len(d.groupOrder)
	if p := d.plan(all, true, 0, -1, -1); d.measure(p) <= budget {
		return p
	}
	k = bisect(len(d.canaryOrder), func(k int) bool { return d.measure(d.plan(all, true, k, -1, -1)) <= budget })
	if k <= len(d.canaryOrder) {
		return d.plan(all, true, k, -1, -1)
	}
	canaries := len(d.canaryOrder)
	mostCost := 0
	for _, s := range d.stacks {
		if s.cost != nil {
			mostCost = max(mostCost, len(s.cost.rows), len(s.cost.unpriced.rows))
		}
	}
	cut := bisect(mostCost, func(c int) bool { return d.measure(d.plan(all, true, canaries, mostCost-c, -1)) <= budget })
	if cut <= mostCost {
		return d.plan(all, true, canaries, mostCost-cut, -1)
	}
	most := 0
	for _, s := range d.stacks {
		for _, t := range s.dangers {
			most = max(most, len(t.rows))
		}
	}
	// Keep the most rows that fit: the smallest number cut.
	cut = bisect(most, func(c int) bool { return d.measure(d.plan(all, true, canaries, 0, most-c)) <= budget })
	return d.plan(all, true, canaries, 0, max(0, most-cut))
}

// refill gives back, smallest first, the components that fit in the room a
// later cut left: dropping a canary plan of 500 releases frees more than
// the components dropped before it needed. Smallest first, the first that
// does not fit ends the search.
func (d *markdownDoc) refill(p *mdPlan, budget int) {
	for i := len(d.groupOrder) - 1; i >= 0; i-- {
		g := d.groupOrder[i]
		if !p.groupDropped[g] {
			continue
		}
		delete(p.groupDropped, g)
		if d.measure(*p) > budget {
			p.groupDropped[g] = true
			return
		}
	}
}

// bisect returns the least k in [0, n] for which ok(k) holds, given that ok
// is monotone, or n+1 if none does.
func bisect(n int, ok func(int) bool) int {
	lo, hi := 0, n+1
	for lo < hi {
		mid := (lo + hi) / 2
		if mid <= n && ok(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// plan drops the first groups of groupOrder, the engine messages if
// dropDiag, the first canary of canaryOrder, and keeps costRows rows of
// each cost table and dangerRows rows of each danger table (-1 keeps all).
func (d *markdownDoc) plan(groups int, dropDiag bool, canary, costRows, dangerRows int) mdPlan {
	p := mdPlan{dropDiag: dropDiag, costRows: costRows, dangerRows: dangerRows,
		groupDropped: make(map[[2]int]bool, groups), canaryDropped: make(map[int]bool, canary)}
	for _, g := range d.groupOrder[:groups] {
		p.groupDropped[g] = true
	}
	for _, s := range d.canaryOrder[:canary] {
		p.canaryDropped[s] = true
	}
	return p
}

func (d *markdownDoc) measure(p mdPlan) int {
	n := 0
	d.emit(p, func(_ string, l int) { n += l })
	return n
}

// emit writes the document as p leaves it, each piece with its length.
func (d *markdownDoc) emit(p mdPlan, put func(s string, n int)) {
	putPiece := func(x mdPiece) { put(x.s, x.n) }
	putText := func(s string) { put(s, markdownLen(s)) }
	putPiece(d.head)
	for si, s := range d.stacks {
		putPiece(s.head)
		if s.nDiag > 0 {
			if p.dropDiag {
				putText(fmt.Sprintf("_%s omitted to fit GitHub's size limit: see the CI log._\n\n",
					capitalize(nounCount(s.nDiag, "engine message"))))
			} else {
				putPiece(s.diag)
			}
		}
		for _, t := range s.dangers {
			if len(t.rows) == 0 {
				continue
			}
			putPiece(t.head)
			kept := len(t.rows)
			if p.dangerRows >= 0 {
				kept = min(kept, p.dangerRows)
			}
			for _, row := range t.rows[:kept] {
				putPiece(row)
			}
			if cut := len(t.rows) - kept; cut > 0 {
				putText(fmt.Sprintf("\n_%s more %s omitted to fit GitHub's size limit: run `kumo diff` locally or see the CI log._\n",
					groupThousands(cut), t.noun))
			}
			putText("\n")
		}
		if s.nCanary > 0 {
			if p.canaryDropped[si] {
				putText(fmt.Sprintf("#### Canary plan (%d)\n\n_Detail omitted to fit GitHub's size limit: %s publish a new version; run `kumo diff` locally or see the CI log._\n\n",
					s.nCanary, nounCount(s.nCanary, "function")))
			} else {
				putPiece(s.canary)
			}
		}
		if s.cost != nil {
			s.cost.emit(p.costRows, putPiece, putText)
		}
		if !s.changed {
			continue
		}
		putPiece(s.changesHead)
		omitted, omittedChanges := 0, 0
		for gi, g := range s.groups {
			if p.groupDropped[[2]int{si, gi}] {
				omitted++
				omittedChanges += g.changes
			}
		}
		if omitted > 0 {
			putText(fmt.Sprintf("_Detail of %s omitted (%s) to fit GitHub's size limit: run `kumo diff` locally or see the CI log._\n\n",
				nounCount(omitted, "component"), nounCount(omittedChanges, "change")))
		}
		for gi, g := range s.groups {
			if !p.groupDropped[[2]int{si, gi}] {
				putPiece(g.block)
			}
		}
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func newMarkdownDoc(r Report, marker string, costRows int) *markdownDoc {
	d := &markdownDoc{}
	var b strings.Builder
	b.WriteString(CommentMarker(r, marker))
	b.WriteString("\n## kumo diff\n\n")
	priced := hasCost(r)
	if len(r.Stacks) == 0 {
		b.WriteString("No stacks.\n\n")
	} else {
		if priced {
			b.WriteString("| Stack | Create | Update | Replace | Delete | Cost/month | Verdict |\n")
			b.WriteString("| :-- | --: | --: | --: | --: | --: | :-- |\n")
		} else {
			b.WriteString("| Stack | Create | Update | Replace | Delete | Verdict |\n")
			b.WriteString("| :-- | --: | --: | --: | --: | :-- |\n")
		}
		for _, s := range r.Stacks {
			c := s.Counts
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | ", mdCell(stackLabel(s)), c.Create, c.Update, c.Replace, c.Delete)
			if priced {
				b.WriteString(mdText(costCell(s)) + " | ")
			}
			b.WriteString(mdText(s.Verdict) + " |\n")
		}
		b.WriteString("\n")
	}
	d.head = piece(b.String())
	type sized struct {
		at [2]int
		n  int
	}
	var groups []sized
	for si, s := range r.Stacks {
		st := newMarkdownStack(s, costRows)
		for gi, g := range st.groups {
			groups = append(groups, sized{[2]int{si, gi}, g.block.n})
		}
		if st.nCanary > 0 {
			d.canaryOrder = append(d.canaryOrder, si)
		}
		d.stacks = append(d.stacks, st)
	}
	// Largest first; of equal sizes the last in the report first, so the
	// comment keeps the first components a reader meets, and the same report
	// always loses the same detail.
	slices.SortStableFunc(groups, func(a, b sized) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(b.at[0], a.at[0]), cmp.Compare(b.at[1], a.at[1]))
	})
	for _, g := range groups {
		d.groupOrder = append(d.groupOrder, g.at)
	}
	slices.SortStableFunc(d.canaryOrder, func(a, b int) int {
		return cmp.Compare(d.stacks[b].canary.n, d.stacks[a].canary.n)
	})
	return d
}

func newMarkdownStack(s StackReport, costRows int) mdStack {
	st := mdStack{}
	head := "### " + mdCode(stackLabel(s))
	if s.Source != "" {
		head += " (" + mdText(sourceWords(s.Source)) + ")"
	}
	head += "\n\n"
	for _, g := range s.Groups {
		if groupChangeCount(g) > 0 {
			st.changed = true
		}
	}
	if !st.changed && len(s.DataLoss)+len(s.IAM)+len(s.Public)+len(s.Canary) == 0 {
		head += "No changes.\n\n"
	}
	if len(s.UnknownReplace) > 0 {
		// Short (one entry a type) and about trust in everything below:
		// kept with the heading, never cut.
		types := make([]string, len(s.UnknownReplace))
		for i, typ := range s.UnknownReplace {
			types[i] = mdCode(typ)
		}
		head += "**Replacement not judged** for " + nounCount(len(types), "type") + ": " + strings.Join(types, ", ") +
			". " + capitalize(unknownReplaceWords) + ".\n\n"
	}
	st.head = piece(head)

	if len(s.Diagnostics) > 0 {
		st.nDiag = len(s.Diagnostics)
		var b strings.Builder
		fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n", html.EscapeString(capitalize(nounCount(len(s.Diagnostics), "engine message"))))
		var lines []string
		for _, d := range s.Diagnostics {
			head := d.Severity
			if d.URN != "" {
				typ, name := urnTypeName(d.URN)
				head += " " + resourceLabel(typ, name)
			}
			msg := printableLines(d.Message)
			lines = append(lines, printable(head)+": "+msg[0])
			for _, l := range msg[1:] {
				lines = append(lines, "    "+l)
			}
		}
		writeCodeBlock(&b, lines)
		b.WriteString("\n</details>\n\n")
		st.diag = piece(b.String())
	}

	st.dangers = []mdTable{dataLossTable(s.DataLoss), protectionTable(s.ProtectionRemoved), iamTable(s.IAM), publicTable(s.Public)}

	if len(s.Canary) > 0 {
		st.nCanary = len(s.Canary)
		var b strings.Builder
		fmt.Fprintf(&b, "#### Canary plan (%d)\n\n", len(s.Canary))
		b.WriteString("| Function | Why | Traffic | Alarms | Hooks |\n| :-- | :-- | :-- | :-- | :-- |\n")
		for _, r := range s.Canary {
			fn := mdCell(r.Function)
			if r.Alias != "" {
				fn += " (alias " + mdCell(r.Alias) + ")"
			}
			why := mdText(releaseWhy(r))
			if !r.First && len(r.Reasons) > 0 {
				why = cellList(r.Reasons, ", ")
			}
			traffic := mdText(releaseTraffic(r))
			if !r.First && r.Preference != "" {
				traffic = mdCell(r.Preference)
				if r.Shift != "" {
					traffic += ": " + mdText(r.Shift)
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", fn, why, traffic, cellList(r.Alarms, "<br>"), cellList(r.Hooks, "<br>"))
		}
		b.WriteString("\n")
		st.canary = piece(b.String())
	}

	if s.Cost != nil && (st.changed || len(s.DataLoss)+len(s.IAM)+len(s.Public)+len(s.Canary) > 0) {
		st.cost = newMarkdownCost(s.Cost, costRows)
	}

	total := 0
	for _, g := range viewGroups(s.Groups) {
		n := groupChangeCount(g.Group)
		total += n
		st.groups = append(st.groups, mdGroup{block: piece(groupBlock(g)), changes: n})
	}
	st.changesHead = piece(fmt.Sprintf("#### Changes (%d)\n\n", total))
	return st
}

func dataLossTable(ds []DataLoss) mdTable {
	t := mdTable{noun: "data-loss changes",
		head: piece(fmt.Sprintf("#### ⚠️ Data loss (%d)\n\n| | Resource | Data lost | Why | Protected |\n| :-- | :-- | :-- | :-- | :-- |\n", len(ds)))}
	for _, d := range ds {
		t.rows = append(t.rows, piece(fmt.Sprintf("| %s %s | %s | **data loss**: %s | %s | %s |\n",
			mdCell(opSymbol(d.Op)), opVerb(d.Op), mdCell(resourceLabel(d.Type, d.Name)),
			mdText(d.Holds), mdText(d.Reason), mdText(d.Protected))))
	}
	return t
}

func protectionTable(ds []DataLoss) mdTable {
	t := mdTable{noun: "protection removals",
		head: piece(fmt.Sprintf("#### ⚠️ Protection removed (%d)\n\n| | Resource | Holds | Protection removed | Now |\n| :-- | :-- | :-- | :-- | :-- |\n", len(ds)))}
	for _, d := range ds {
		t.rows = append(t.rows, piece(fmt.Sprintf("| %s %s | %s | %s | **%s** | %s |\n",
			mdCell(opSymbol(d.Op)), opVerb(d.Op), mdCell(resourceLabel(d.Type, d.Name)),
			mdText(d.Holds), mdText(d.Protected), mdText(strings.TrimPrefix(d.Reason, "protection removed: ")))))
	}
	return t
}

// iamTable is cdk diff's security table: every action, resource, principal
// and condition in full, one per line of its cell.
func iamTable(cs []IAMChange) mdTable {
	t := mdTable{noun: "IAM statements",
		head: piece(fmt.Sprintf("#### ⚠️ IAM widening (%d)\n\n| | Attached to | Effect | Actions | Resources | Principal | Condition |\n| :-- | :-- | :-- | :-- | :-- | :-- | :-- |\n", len(cs)))}
	for _, c := range cs {
		sym, words := iamKind(c.Kind)
		kind := sym + " " + words
		t.rows = append(t.rows, piece(fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |\n",
			mdText(kind), mdCell(iamAttached(c)), mdText(c.Effect), cellList(c.Actions, "<br>"), cellList(c.Resources, "<br>"),
			cellList(printableLines(c.Principal), "<br>"), cellList(printableLines(c.Condition), "<br>"))))
	}
	return t
}

func publicTable(ps []PublicChange) mdTable {
	t := mdTable{noun: "public exposure changes",
		head: piece(fmt.Sprintf("#### ⚠️ Public exposure (%d)\n\n| What | Resource | Before | After |\n| :-- | :-- | :-- | :-- |\n", len(ps)))}
	for _, p := range ps {
		typ, name := urnTypeName(p.URN)
		if p.Type != "" {
			typ = p.Type
		}
		t.rows = append(t.rows, piece(fmt.Sprintf("| %s | %s | %s | **%s** |\n",
			mdCell(p.What), mdCell(resourceLabel(typ, name)), mdCell(p.Before), mdCell(p.After))))
	}
	return t
}

// groupBlock folds one component's changes into a <details> block whose
// summary names the component and what it does.
func groupBlock(g viewGroup) string {
	var lines []string
	for _, c := range g.Changes {
		if c.Op == OpSame {
			continue
		}
		lines = append(lines, printable(changeLine(c)))
		for _, p := range c.Props {
			lines = append(lines, "    "+printable(propLine(p, defaultTextValueChars)))
		}
	}
	if len(g.CodeOnly) > 0 {
		lines = append(lines, printable(codeOnlyLine(g.CodeOnly)))
	}
	summary := "<code>" + html.EscapeString(printable(g.label)) + "</code>: " + html.EscapeString(groupCounts(g.Group))
	if g.folded {
		summary = html.EscapeString(capitalize(groupCounts(g.Group)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<details><summary>%s</summary>\n\n", summary)
	writeCodeBlock(&b, lines)
	b.WriteString("\n</details>\n\n")
	return b.String()
}

// writeCodeBlock writes lines as a fenced code block, its fence longer than
// any run of backticks inside so no value can close it (CommonMark 0.31,
// fenced code blocks). Nothing inside a code block is Markdown or HTML.
func writeCodeBlock(b *strings.Builder, lines []string) {
	fence := strings.Repeat("`", max(3, longestRun(strings.Join(lines, "\n"), '`')+1))
	b.WriteString(fence)
	b.WriteString("text\n")
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	b.WriteString(fence)
	b.WriteByte('\n')
}

func longestRun(s string, c byte) int {
	best, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}

// mdCode puts s in a code span: nothing inside one renders as Markdown or
// HTML, and its backticks outnumber any run inside it (CommonMark 0.31,
// code spans).
func mdCode(s string) string {
	s = printable(s)
	if s == "" {
		return ""
	}
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || (strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ")) {
		pad = " "
	}
	return ticks + pad + s + pad + ticks
}

// mdCell is mdCode for a table cell: "|" is escaped even inside the span,
// because GFM splits a row into cells before it parses code spans (GFM
// spec 0.29, tables, example 200).
func mdCell(s string) string { return strings.ReplaceAll(mdCode(s), "|", `\|`) }

// cellList is each item in its own code span, joined by sep.
func cellList(items []string, sep string) string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		if c := mdCell(it); c != "" {
			out = append(out, c)
		}
	}
	return strings.Join(out, sep)
}

// mdTextEscaper escapes prose for Markdown: the ASCII punctuation that
// starts emphasis, code, links, HTML or a table cell is backslash-escaped
// (any ASCII punctuation may be: CommonMark 0.31, backslash escapes), and
// "<", ">" and "&" become entities so no tag or entity forms. An "@" goes
// in a code span of its own: GitHub finds @mentions in the rendered text,
// where an escape is already gone, but not inside code, and a diff must
// not notify a team because a value names it.
var mdTextEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`, "#", `\#`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;", "@", "`@`",
)

// mdText escapes prose (a verdict, a reason) for a Markdown line or table
// cell.
func mdText(s string) string {
	return mdTextEscaper.Replace(printable(s))
}

// newMarkdownCost renders a stack's cost section: the change in the
// heading, the totals under it, the resources behind the change and the
// prices the table lacks, each table at most costRows rows.
func newMarkdownCost(c *CostChange, costRows int) *mdCost {
	mc := &mdCost{}
	var b strings.Builder
	fmt.Fprintf(&b, "#### Monthly cost: %s\n\n", mdText(costDelta(c)))
	if !c.Available {
		b.WriteString(mdText(capitalize(c.Reason)) + ".\n\n")
		mc.head = piece(b.String())
		return mc
	}
	fmt.Fprintf(&b, "%s, estimated by `kumo cost` at %s (%s).", mdText(capitalize(costTotals(c))), mdCode(c.Usage), mdText(c.Prices))
	if w := costBoundWords(c.Bound); w != "" {
		b.WriteString(" " + mdText(capitalize(w)) + ".")
	}
	b.WriteString("\n\n")
	mc.head = piece(b.String())
	mc.tableHead = piece("| Change | | Resource | Before | After | Why |\n| --: | :-- | :-- | --: | --: | :-- |\n")
	for _, r := range c.Resources[:min(len(c.Resources), costRows)] {
		why := costWhy(r)
		more := ""
		if len(why) > 3 {
			more = fmt.Sprintf("<br>… and %d more", len(why)-3)
			why = why[:3]
		}
		mc.rows = append(mc.rows, piece(fmt.Sprintf("| %s | %s %s | %s | %s | %s | %s%s |\n",
			mdText(signedMoney(r.Delta)), mdCell(opSymbol(r.Op)), mdText(costOpWords(r.Op)), mdCell(resourceLabel(r.Type, r.Name)),
			mdText(r.Before.String()), mdText(r.After.String()), cellList(why, "<br>"), more)))
		mc.deltas = append(mc.deltas, r.Delta)
	}
	// The resources past the cap are counted at once; a later cut adds
	// the rows it drops to them.
	for _, r := range c.Resources[len(mc.rows):] {
		mc.deltas = append(mc.deltas, r.Delta)
	}
	if len(c.Unpriced) > 0 {
		mc.unpricedHead = piece(fmt.Sprintf("**No price** for %s the change touches (left out of the totals):\n\n",
			nounCount(len(c.Unpriced), "cost")))
		mc.unpriced = mdTable{noun: "costs without a price",
			head: piece("| | Resource | Price key, region, quantity | Why no price |\n| :-- | :-- | :-- | :-- |\n")}
		for _, u := range c.Unpriced[:min(len(c.Unpriced), costRows)] {
			mc.unpriced.rows = append(mc.unpriced.rows, piece(fmt.Sprintf("| %s %s | %s | %s | %s |\n",
				mdCell(costUnpricedSymbols[u.Change]), mdText(string(u.Change)), mdCell(resourceLabel(u.Type, u.Name)),
				mdCell(costUnpricedWhat(u)), mdText(shortenValue(u.Reason, 0, costReasonChars)))))
		}
		mc.unpricedCut = len(c.Unpriced) - len(mc.unpriced.rows)
	}
	return mc
}

// emit writes the cost section keeping at most rows rows of each table
// (-1: all it holds).
func (mc *mdCost) emit(rows int, putPiece func(mdPiece), putText func(string)) {
	putPiece(mc.head)
	if mc.tableHead.s == "" {
		return
	}
	kept := len(mc.rows)
	if rows >= 0 {
		kept = min(kept, rows)
	}
	if kept > 0 {
		putPiece(mc.tableHead)
		for _, r := range mc.rows[:kept] {
			putPiece(r)
		}
	}
	if more := len(mc.deltas) - kept; more > 0 {
		var sum cost.Money
		for _, d := range mc.deltas[kept:] {
			sum = sum.Add(d)
		}
		if kept > 0 {
			putText("\n")
		}
		putText(fmt.Sprintf("_… and %s (%s together): run `kumo diff` locally or see the CI log._\n",
			strings.Replace(nounCount(more, "resource"), " ", " more ", 1), mdText(signedMoney(sum))))
	}
	if len(mc.deltas) > 0 {
		putText("\n")
	}
	if mc.unpricedHead.s == "" {
		return
	}
	putPiece(mc.unpricedHead)
	keptU := len(mc.unpriced.rows)
	if rows >= 0 {
		keptU = min(keptU, rows)
	}
	if keptU > 0 {
		putPiece(mc.unpriced.head)
		for _, r := range mc.unpriced.rows[:keptU] {
			putPiece(r)
		}
	}
	if more := len(mc.unpriced.rows) - keptU + mc.unpricedCut; more > 0 {
		if keptU > 0 {
			putText("\n")
		}
		putText(fmt.Sprintf("_… and %d more: run `kumo diff` locally or see the CI log._\n", more))
	}
	putText("\n")
}
