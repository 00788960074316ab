package diff

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateRenderGolden = flag.Bool("update-render", false, "rewrite testdata/render from the renderers' current output")

// checkGolden compares got with testdata/render/name, or rewrites the file
// under -update-render. The goldens are reviewed like code: they are what
// a reviewer will read.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "render", name)
	if *updateRenderGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden %s: %v (run go test ./internal/diff -run Golden -update-render to create it)", path, err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Errorf("%s line %d:\ngot  %q\nwant %q\n(rerun with -update-render and review the diff if the change is intended)", path, i+1, g, w)
			return
		}
	}
}

// goldenReports are the cases issue 14 asks golden tests for, each a
// hand-built report of one kind of change.
var goldenReports = []struct {
	name   string
	report func() Report
}{
	{"example", exampleReport},
	{"config-only", configOnlyReport},
	{"table-key", tableKeyReport},
	{"removed-pattern", removedPatternReport},
	{"widened-iam", widenedIAMReport},
	{"public-route", publicRouteReport},
	{"code-only", codeOnlyReport},
	{"secrets-unknowns", secretsReport},
	{"multi-stack", multiStackReport},
	{"hostile-names", hostileReport},
	{"no-stacks", func() Report { return Report{} }},
}

func TestGoldenText(t *testing.T) {
	for _, tc := range goldenReports {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := RenderText(&b, tc.report(), TextOptions{}); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.name+".txt", b.Bytes())
		})
	}
	// Colour is checked on the example and on the multi-stack summary.
	for _, name := range []string{"example", "secrets-unknowns"} {
		t.Run(name+"/color", func(t *testing.T) {
			var r Report
			for _, tc := range goldenReports {
				if tc.name == name {
					r = tc.report()
				}
			}
			var b bytes.Buffer
			if err := RenderText(&b, r, TextOptions{Color: true}); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name+".color.txt", b.Bytes())
		})
	}
}

func TestGoldenMarkdown(t *testing.T) {
	for _, tc := range goldenReports {
		t.Run(tc.name, func(t *testing.T) {
			checkGolden(t, tc.name+".md", []byte(RenderMarkdown(tc.report(), MarkdownOptions{})))
		})
	}
	// An oversized diff, small enough to review: 120 changes in three
	// components and 12 canary releases, in a comment of 8,000 characters.
	// The summary and the dangers survive, the largest components go, and
	// the comment says so.
	t.Run("oversized", func(t *testing.T) {
		md := RenderMarkdown(bigReport(120, asciiName), MarkdownOptions{MaxChars: 8000})
		if n := markdownLen(md); n > 8000-markdownReserve {
			t.Errorf("oversized comment: got %d characters; want at most %d", n, 8000-markdownReserve)
		}
		checkGolden(t, "oversized.md", []byte(md))
	})
}

func TestGoldenJSON(t *testing.T) {
	for _, name := range []string{"example", "no-stacks"} {
		t.Run(name, func(t *testing.T) {
			var r Report
			for _, tc := range goldenReports {
				if tc.name == name {
					r = tc.report()
				}
			}
			var b bytes.Buffer
			if err := RenderJSON(&b, r); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name+".json", b.Bytes())
		})
	}
}
