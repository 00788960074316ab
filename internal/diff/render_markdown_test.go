package diff

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMarkdownLen(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"a\nb", 4}, // a newline may be stored as CRLF
		{"é", 1},    // two UTF-8 bytes, one code point
		{"データ", 3},  // nine bytes
		{"🚀", 2},    // astral: two UTF-16 units, four bytes
		{"⚠️", 2},   // U+26A0 U+FE0F
		{"x\n🚀\n", 2 + 1 + 2 + 2},
	} {
		if got := markdownLen(tc.in); got != tc.want {
			t.Errorf("markdownLen(%q): got %d; want %d", tc.in, got, tc.want)
		}
	}
}

func TestCommentMarker(t *testing.T) {
	two := multiStackReport()
	reversed := Report{Stacks: []StackReport{two.Stacks[1], two.Stacks[0], two.Stacks[1]}}
	for _, tc := range []struct {
		name string
		r    Report
		id   string
		want string
	}{
		{"one stack", exampleReport(), "", "<!-- kumo-diff:kumo/dev -->"},
		{"stacks sorted and once each", reversed, "", "<!-- kumo-diff:kumo/dev,kumo/prod -->"},
		{"no stacks", Report{}, "", "<!-- kumo-diff:kumo -->"},
		{"given id", exampleReport(), "shop-web", "<!-- kumo-diff:shop-web -->"},
		{"id cannot end the comment", exampleReport(), "a--> <b>x\ny", "<!-- kumo-diff:a-____b_x_y -->"},
		{"triple hyphen", exampleReport(), "a---b", "<!-- kumo-diff:a-_-b -->"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CommentMarker(tc.r, tc.id)
			if got != tc.want {
				t.Errorf("CommentMarker: got %q; want %q", got, tc.want)
			}
			body := RenderMarkdown(tc.r, MarkdownOptions{Marker: tc.id})
			if first, _, _ := strings.Cut(body, "\n"); first != tc.want {
				t.Errorf("first line of the comment: got %q; want %q", first, tc.want)
			}
			if strings.Count(got, "--") != 2 {
				t.Errorf("marker %q: got %d \"--\"; want only the comment's own two", got, strings.Count(got, "--"))
			}
		})
	}
}

// outsideCode is what GitHub renders as Markdown: the body without its
// fenced code blocks and code spans (<code> elements included).
func outsideCode(md string) string {
	var b strings.Builder
	fence := ""
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimLeft(line, "`")
		ticks := line[:len(line)-len(trimmed)]
		switch {
		case fence == "" && len(ticks) >= 3:
			fence = ticks
			continue
		case fence != "" && line == fence:
			fence = ""
			continue
		case fence != "":
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	s := regexp.MustCompile("<code>.*?</code>").ReplaceAllString(b.String(), "")
	// A code span is a run of n backticks up to the next run of exactly n.
	var out strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '`')
		if i < 0 || (i > 0 && s[i-1] == '\\') {
			if i < 0 {
				out.WriteString(s)
				break
			}
			out.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		out.WriteString(s[:i])
		n := len(s[i:]) - len(strings.TrimLeft(s[i:], "`"))
		rest := s[i+n:]
		closeAt := -1
		for j := 0; j < len(rest); {
			k := strings.IndexByte(rest[j:], '`')
			if k < 0 {
				break
			}
			m := len(rest[j+k:]) - len(strings.TrimLeft(rest[j+k:], "`"))
			if m == n {
				closeAt = j + k
				break
			}
			j += k + m
		}
		if closeAt < 0 {
			out.WriteString(s[i:])
			break
		}
		s = rest[closeAt+n:]
	}
	return out.String()
}

// cells counts a table row's cells the way GFM splits them: on each "|"
// that no backslash escapes.
func cells(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		if row[i] == '\\' {
			i++
			continue
		}
		if row[i] == '|' {
			n++
		}
	}
	return n - 1
}

func TestMarkdownEscapesNamesAndValues(t *testing.T) {
	md := RenderMarkdown(hostileReport(), MarkdownOptions{})
	rendered := outsideCode(md)
	for _, bad := range []string{"<script", "<b>", "<S3>", "<!-- x", "@kumo-iac", "\x1b", "*not*"} {
		if strings.Contains(rendered, bad) {
			t.Errorf("rendered Markdown outside code holds %q; want it escaped or in code:\n%s", bad, rendered)
		}
	}
	// Every table row has as many cells as its header: no value's "|"
	// splits a cell.
	var header int
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			header = 0
			continue
		}
		if header == 0 {
			header = cells(line)
			continue
		}
		if got := cells(line); got != header {
			t.Errorf("table row %q: got %d cells; want %d", line, got, header)
		}
	}
	// The name with backticks is in a code span its backticks cannot close.
	if !strings.Contains(md, "`` aws:s3/bucketObjectv2:BucketObjectv2 web-site/<script>\\|`x` ``") {
		t.Errorf("got no double-backtick code span around the name holding a backtick:\n%s", md)
	}
	// The value holding ``` is in a block fenced by four.
	if !strings.Contains(md, "````text\n") {
		t.Errorf("got no four-backtick fence around a value holding three:\n%s", md)
	}
	if !strings.Contains(md, "<code>kumo:patterns:WebApp web&lt;&amp;&gt;</code>") {
		t.Errorf("got the component name unescaped in its <summary>:\n%s", md)
	}
}

// omittedNote parses "Detail of N components omitted (M changes)".
var omittedNote = regexp.MustCompile(`Detail of ([\d,]+) components? omitted \(([\d,]+) changes?\)`)

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMarkdownSizeSafe: a 5,000-change report, with ASCII names and with
// long multi-byte ones, fits GitHub's limit; the summary and every danger
// survive, and what was cut adds up to what the report holds.
func TestMarkdownSizeSafe(t *testing.T) {
	long := func(i int) string {
		return fmt.Sprintf("データ処理パイプライン-🚀-%04d-%s", i, strings.Repeat("é", 40))
	}
	for _, tc := range []struct {
		name string
		r    Report
	}{
		{"ascii", bigReport(5000, asciiName)},
		{"multi-byte", bigReport(5000, long)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			md := RenderMarkdown(tc.r, MarkdownOptions{})
			if got, limit := markdownLen(md), DefaultMaxChars-markdownReserve; got > limit {
				t.Fatalf("comment: got %d characters; want at most %d", got, limit)
			}
			if got := utf8.RuneCountInString(md); got > DefaultMaxChars {
				t.Errorf("comment: got %d code points; want at most %d", got, DefaultMaxChars)
			}
			if !utf8.ValidString(md) {
				t.Errorf("comment is not valid UTF-8")
			}
			for _, want := range []string{
				"| `kumo/scale` | 0 | 5000 | 0 | 0 | ⚠ 1 resource loses data · IAM widened (1 statement) · 500 canary releases · 5000 to update |",
				"#### ⚠️ Data loss (1)", "`aws:dynamodb/table:Table items`",
				"#### ⚠️ IAM widening (1)", "`dynamodb:*`",
				"#### Changes (5000)",
			} {
				if !strings.Contains(md, want) {
					t.Errorf("comment lacks %q", want)
				}
			}
			m := omittedNote.FindStringSubmatch(md)
			if m == nil {
				t.Fatalf("comment says nothing of the omitted components")
			}
			kept := strings.Count(md, "<details><summary><code>")
			if got := kept + atoi(t, m[1]); got != 100 {
				t.Errorf("kept + omitted components: got %d; want 100", got)
			}
			keptChanges := strings.Count(md, "\n~ aws:lambda/function:Function ")
			if got := keptChanges + atoi(t, m[2]); got != 5000 {
				t.Errorf("kept + omitted changes: got %d; want 5000", got)
			}
			if kept == 0 {
				t.Errorf("got no component kept; want as many as fit")
			}
		})
	}
}

// TestMarkdownDropsLeast: a report that fits is whole; one a little too
// large loses its largest component only.
func TestMarkdownDropsLeast(t *testing.T) {
	r := exampleReport()
	whole := RenderMarkdown(r, MarkdownOptions{MaxChars: 1 << 30})
	size := markdownLen(whole)

	if got := RenderMarkdown(r, MarkdownOptions{MaxChars: size + markdownReserve}); got != whole {
		t.Errorf("report that fits exactly: got a cut comment:\n%s", got)
	}
	cut := RenderMarkdown(r, MarkdownOptions{MaxChars: size + markdownReserve - 1})
	if markdownLen(cut) > size-1 {
		t.Errorf("cut comment: got %d characters; want at most %d", markdownLen(cut), size-1)
	}
	if strings.Contains(cut, "kumo:constructs:Function web-items</code>") {
		t.Errorf("cut comment still holds the largest component, Function web-items")
	}
	for _, small := range []string{"kumo:constructs:Table web-items</code>", "<summary>Code changed in 1 function</summary>"} {
		if !strings.Contains(cut, small) {
			t.Errorf("cut comment lost %q too; want only the largest component dropped", small)
		}
	}
	if !strings.Contains(cut, "_Detail of 1 component omitted (2 changes) to fit GitHub's size limit: run `kumo diff` locally or see the CI log._") {
		t.Errorf("cut comment does not say what was cut:\n%s", cut)
	}
	for _, keep := range []string{"#### ⚠️ Data loss (1)", "#### ⚠️ IAM widening (1)", "#### Canary plan (2)"} {
		if !strings.Contains(cut, keep) {
			t.Errorf("cut comment lost %q", keep)
		}
	}
}

// TestMarkdownCutsInOrder: with less and less room the comment loses the
// components, then the engine messages, then the canary plan, then rows of
// the dangers, and never the summary.
func TestMarkdownCutsInOrder(t *testing.T) {
	r := secretsReport()
	s := &r.Stacks[0]
	for i := range 40 {
		s.DataLoss = append(s.DataLoss, DataLoss{URN: renderURN("dev", "aws:s3/bucketV2:BucketV2", fmt.Sprintf("b%02d", i)),
			Type: "aws:s3/bucketV2:BucketV2", Name: fmt.Sprintf("b%02d", i), Op: OpDelete,
			Holds: "objects in an S3 bucket", Reason: "removed from the program"})
	}
	summary := "| `kumo/dev` | 1 | 1 | 0 | 0 | 2 canary releases · 1 to create · 1 to update |"
	full := markdownLen(RenderMarkdown(r, MarkdownOptions{MaxChars: 1 << 30}))
	type want struct{ groups, diag, canary, rows bool }
	var steps []want
	for budget := full; budget > 0; budget -= 50 {
		md := RenderMarkdown(r, MarkdownOptions{MaxChars: budget + markdownReserve})
		if !strings.Contains(md, summary) {
			t.Fatalf("budget %d: summary lost", budget)
		}
		// Over budget only when nothing but the summary and the headings
		// is left.
		if markdownLen(md) > budget && strings.Contains(md, "| `-` delete |") {
			t.Errorf("budget %d: got %d characters and data-loss rows kept", budget, markdownLen(md))
		}
		steps = append(steps, want{
			groups: strings.Contains(md, "1 component omitted"),
			diag:   strings.Contains(md, "1 engine message omitted"),
			canary: strings.Contains(md, "Detail omitted to fit GitHub's size limit: 2 functions publish"),
			rows:   strings.Contains(md, "more data-loss changes omitted"),
		})
	}
	// Each cut, once made, stays made, and comes no earlier than the one
	// before it in the documented order. (Components are left out of the
	// order check: those that fit in the room a later cut frees come back.)
	var prev want
	for i, w := range steps {
		if (prev.groups && !w.groups) || (prev.diag && !w.diag) || (prev.canary && !w.canary) || (prev.rows && !w.rows) {
			t.Errorf("step %d: got a cut undone with less room: %+v after %+v", i, w, prev)
		}
		if (w.canary && !w.diag) || (w.rows && !w.canary) {
			t.Errorf("step %d: got cuts out of order: %+v", i, w)
		}
		prev = w
	}
	if !prev.rows {
		t.Errorf("smallest budget: got the dangers whole; want rows cut")
	}
	md := RenderMarkdown(r, MarkdownOptions{MaxChars: 1000 + markdownReserve})
	m := regexp.MustCompile(`_([\d,]+) more data-loss changes omitted`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("budget 1000: no count of the data-loss rows cut:\n%s", md)
	}
	if got := strings.Count(md, "| `-` delete |") + atoi(t, m[1]); got != 40 {
		t.Errorf("budget 1000: data-loss rows kept + cut: got %d; want 40", got)
	}
}

func TestRenderMarkdownDeterministic(t *testing.T) {
	r := bigReport(600, asciiName)
	a := RenderMarkdown(r, MarkdownOptions{MaxChars: 20000})
	b := RenderMarkdown(r, MarkdownOptions{MaxChars: 20000})
	if a != b {
		t.Errorf("two renders of one report differ")
	}
}

func BenchmarkRenderMarkdown5000(b *testing.B) {
	r := bigReport(5000, asciiName)
	b.ResetTimer()
	for b.Loop() {
		_ = RenderMarkdown(r, MarkdownOptions{})
	}
}
