package check

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateREADME = flag.Bool("update-readme", false, "rewrite the README's rule table from the rules")

const (
	tableStart = "<!-- rules:start (go test ./internal/check -update-readme) -->\n"
	tableEnd   = "<!-- rules:end -->\n"
)

// ruleTable is the README's rule reference, one row per rule.
func ruleTable() string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| ID | level | what it finds | fix |\n| --- | --- | --- | --- |\n")
	for _, r := range Rules() {
		b.WriteString("| `" + r.ID + "` | " + string(r.Level) + " | " + cell(r.What) + " | " + cell(r.Fix) + " |\n")
	}
	return b.String()
}

// TestREADMEListsEveryRule keeps the README's rule table generated from the
// rules themselves.
func TestREADMEListsEveryRule(t *testing.T) {
	path := filepath.Join("..", "..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, tableStart), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README lacks the rule table markers %q … %q", tableStart, tableEnd)
	}
	want := s[:i+len(tableStart)] + ruleTable() + s[j:]
	if want == s {
		return
	}
	if *updateREADME {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's rule table is out of date with the rules; run go test ./internal/check -update-readme")
}
