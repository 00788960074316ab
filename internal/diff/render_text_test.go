package diff

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func renderText(t *testing.T, r Report, o TextOptions) string {
	t.Helper()
	var b bytes.Buffer
	if err := RenderText(&b, r, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRenderTextOrder: the summary of every stack comes first, then per
// stack the dangers, the canary plan and the rest, in issue 14's order.
func TestRenderTextOrder(t *testing.T) {
	r := exampleReport()
	pub := publicRouteReport().Stacks[0]
	r.Stacks[0].Public = pub.Public
	prod := configOnlyReport().Stacks[0]
	r.Stacks = append(r.Stacks, prod)
	out := renderText(t, r, TextOptions{})
	order := []string{
		"Summary", "  kumo/dev ", "  kumo/prod ",
		"kumo/dev (offline, from two synths)", "Data loss (1)", "IAM widening (1)", "Public exposure (1)", "Canary plan (2)", "Changes (4)",
		"kumo/prod (from pulumi preview)", "Canary plan (1)", "Changes (1)",
	}
	at := 0
	for _, s := range order {
		i := strings.Index(out[at:], s)
		if i < 0 {
			t.Fatalf("got no %q after byte %d (order %q):\n%s", s, at, order, out)
		}
		at += i + len(s)
	}
}

func TestRenderTextValues(t *testing.T) {
	out := renderText(t, secretsReport(), TextOptions{})
	for _, want := range []string{
		"~ environment.variables.SLACK_TOKEN: [secret] → [secret]",
		`~ environment.variables.TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:ops-alerts-1d2c" → known after deploy`,
		`+ tags: {"owner": "platform", "queue": known after deploy, "token": [secret]}`,
		"ops-audit (alias live): first deploy, takes all traffic",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("got no line %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, Unknown) {
		t.Errorf("got the model's %q in the view; want %q", Unknown, unknownWords)
	}
}

func TestRenderTextLeavesOutUnchanged(t *testing.T) {
	r := configOnlyReport()
	g := &r.Stacks[0].Groups[0]
	g.Changes = append(g.Changes, Change{URN: renderURN("prod", webFunction+"$aws:iam/role:Role", "web-items"),
		Type: "aws:iam/role:Role", Name: "web-items", Op: OpSame})
	out := renderText(t, r, TextOptions{})
	if strings.Contains(out, "aws:iam/role:Role") {
		t.Errorf("got an unchanged resource in the view:\n%s", out)
	}
}

func TestRenderTextShortensValuesNotIAM(t *testing.T) {
	for _, tc := range []struct {
		name      string
		chars     int
		shortened bool
	}{
		{"default", 0, true},
		{"wider than the policy", 1000, false},
		{"whole", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := renderText(t, exampleReport(), TextOptions{ValueChars: tc.chars})
			if got := strings.Contains(out, "… (459 chars)"); got != tc.shortened {
				t.Errorf("policy line shortened: got %v; want %v", got, tc.shortened)
			}
			if got := strings.Contains(out, `"arn:aws:dynamodb:eu-west-1:123456789012:table/web-items-3f2a1b0/index/*"`); got == tc.shortened {
				t.Errorf("old policy's last resource shown: got %v; want %v", got, !tc.shortened)
			}
			if !strings.Contains(out, "│ arn:aws:dynamodb:eu-west-1:123456789012:table/* │") {
				t.Errorf("IAM table lost its resource in full:\n%s", out)
			}
		})
	}
}

func TestRenderTextColor(t *testing.T) {
	plain := renderText(t, exampleReport(), TextOptions{})
	if strings.Contains(plain, "\x1b") {
		t.Errorf("got an escape sequence without Color")
	}
	color := renderText(t, exampleReport(), TextOptions{Color: true})
	for _, want := range []string{
		ansiMagenta + "+-" + ansiReset + " aws:dynamodb/table:Table web-items (replace: hashKey)",
		ansiYellow + "~" + ansiReset + " memorySize: 256 → 512",
		ansiBold + ansiDanger + "Data loss (1)" + ansiReset,
	} {
		if !strings.Contains(color, want) {
			t.Errorf("coloured view lacks %q", want)
		}
	}
	if got := stripANSI(color); got != plain {
		t.Errorf("coloured view without its colours differs from the plain one")
	}
}

func stripANSI(s string) string {
	for _, c := range []string{ansiReset, ansiBold, ansiRed, ansiGreen, ansiYellow, ansiMagenta, ansiDanger} {
		s = strings.ReplaceAll(s, c, "")
	}
	return s
}

// TestRenderTextControlCharacters: a name or message cannot move the
// cursor or clear the reviewer's terminal.
func TestRenderTextControlCharacters(t *testing.T) {
	out := renderText(t, hostileReport(), TextOptions{})
	if strings.ContainsRune(out, 0x1b) {
		t.Errorf("got a raw escape character in the view")
	}
	if !strings.Contains(out, `removed from the program\x1b[2J`) {
		t.Errorf("got no visible escape for the control character:\n%s", out)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderTextWriteError(t *testing.T) {
	err := RenderText(failWriter{}, exampleReport(), TextOptions{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("RenderText to a failing writer: got %v; want the write error", err)
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{nil, "null"},
		{"a\"b", `"a\"b"`},
		{Secret, "[secret]"},
		{Unknown, "known after deploy"},
		{512.0, "512"},
		{0.5, "0.5"},
		{1e21, "1e+21"},
		{true, "true"},
		{[]any{"x", 1.0, Secret}, `["x", 1, [secret]]`},
		{map[string]any{"b": 1.0, "a": Unknown}, `{"a": known after deploy, "b": 1}`},
		{[]string{"s3:GetObject"}, `["s3:GetObject"]`},
		{`{"Version":"2012-10-17"}`, `{"Version": "2012-10-17"}`},
		{`{not json`, `"{not json"`},
	} {
		if got := formatValue(tc.in); got != tc.want {
			t.Errorf("formatValue(%#v): got %s; want %s", tc.in, got, tc.want)
		}
	}
}

func TestShortenPair(t *testing.T) {
	prefix := strings.Repeat("p", 100)
	for _, tc := range []struct {
		name, before, after string
		limit               int
		wantBefore          string
		wantAfter           string
	}{
		{"short", "a", "b", 10, "a", "b"},
		{"cut at the end", strings.Repeat("a", 30), "b", 10, "aaaaaaaaaa… (30 chars)", "b"},
		{"long shared start skipped", prefix + "OLD" + prefix, prefix + "NEW" + prefix, 20,
			"…" + strings.Repeat("p", 5) + "OLD" + strings.Repeat("p", 12) + "… (203 chars)",
			"…" + strings.Repeat("p", 5) + "NEW" + strings.Repeat("p", 12) + "… (203 chars)"},
		{"difference near the end", prefix + "X", prefix + "Y", 20,
			"…" + strings.Repeat("p", 19) + "X (101 chars)", "…" + strings.Repeat("p", 19) + "Y (101 chars)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, a := shortenPair(tc.before, tc.after, tc.limit)
			if b != tc.wantBefore || a != tc.wantAfter {
				t.Errorf("shortenPair: got %q, %q; want %q, %q", b, a, tc.wantBefore, tc.wantAfter)
			}
		})
	}
}

func TestURNTypeName(t *testing.T) {
	for _, tc := range []struct{ urn, typ, name string }{
		{"urn:pulumi:dev::kumo::kumo:patterns:WebApp::web", "kumo:patterns:WebApp", "web"},
		{"urn:pulumi:dev::kumo::kumo:patterns:WebApp$kumo:constructs:Table$aws:dynamodb/table:Table::web-items", "aws:dynamodb/table:Table", "web-items"},
		{"urn:pulumi:dev::kumo::aws:s3/bucketObjectv2:BucketObjectv2::a::b", "aws:s3/bucketObjectv2:BucketObjectv2", "a::b"},
		{"not-a-urn", "", "not-a-urn"},
	} {
		typ, name := urnTypeName(tc.urn)
		if typ != tc.typ || name != tc.name {
			t.Errorf("urnTypeName(%q): got %q, %q; want %q, %q", tc.urn, typ, name, tc.typ, tc.name)
		}
	}
}

func BenchmarkRenderText5000(b *testing.B) {
	r := bigReport(5000, asciiName)
	var buf bytes.Buffer
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := RenderText(&buf, r, TextOptions{Color: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRenderIAMKinds: every kind of IAM change the analysis writes reads
// as its own symbol in both views, with a legend of the kinds present.
func TestRenderIAMKinds(t *testing.T) {
	r := widenedIAMReport()
	s := &r.Stacks[0]
	s.IAM = append(s.IAM,
		IAMChange{URN: s.IAM[0].URN, Kind: "removed", Effect: "Deny", Actions: []string{"s3:DeleteObject"}, Resources: []string{"*"}, Attached: "role ops-remediate"},
		IAMChange{URN: s.IAM[0].URN, Kind: "unknown", Actions: []string{}, Resources: []string{}, Attached: "role ops-audit"},
	)
	text := renderText(t, r, TextOptions{})
	for _, want := range []string{
		"│ - │ role ops-remediate  │ Deny   │ s3:DeleteObject",
		"│ ? │ role ops-audit",
		"+ statement added, ~ statement broadened, - Deny removed or narrowed, ? policy known only after deploy",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text view lacks %q:\n%s", want, text)
		}
	}
	md := RenderMarkdown(r, MarkdownOptions{})
	for _, want := range []string{
		"| - Deny removed or narrowed | `role ops-remediate` | Deny | `s3:DeleteObject` |",
		"| ? policy known only after deploy | `role ops-audit` |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestViewGroups(t *testing.T) {
	same := Change{URN: "u-same", Op: OpSame}
	upd := Change{URN: "u-upd", Op: OpUpdate}
	got := viewGroups([]Group{
		{Component: renderURN("dev", webFunction, "b"), CodeOnly: []string{"b"}},
		{Component: renderURN("dev", webFunction, "c"), Changes: []Change{same}},
		{Component: renderURN("dev", webTable, "t"), Changes: []Change{same, upd}, CodeOnly: []string{"t-fn"}},
		{Component: renderURN("dev", webFunction, "a"), CodeOnly: []string{"a"}},
	})
	var lines []string
	for _, g := range got {
		lines = append(lines, g.label+" | "+groupCounts(g.Group)+" | "+strings.Join(g.CodeOnly, ","))
	}
	want := []string{
		"kumo:constructs:Table t | 1 to update, code changed in 1 function | t-fn",
		" | code changed in 2 functions | a,b",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("viewGroups:\ngot  %q\nwant %q", lines, want)
	}
	if !got[1].folded || got[0].folded {
		t.Errorf("folded: got %v, %v; want false, true", got[0].folded, got[1].folded)
	}
}
