package cost

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseUsageRefuses: a usage file with an unknown key or a bad value
// is refused, naming the file, the line, the key, the value and what is
// allowed.
func TestParseUsageRefuses(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"unknown section", "webap:\n  apiRequestsPerMonth: 5\n",
			[]string{"line 1: webap: unknown section; allowed: defaults, webapp, datalake, streamprocessing, opsautomation, pipeline, functions"}},
		{"unknown key", "webapp:\n  apiRequests: 5\n",
			[]string{"line 2: webapp.apiRequests: unknown key; allowed in webapp: apiRequestsPerMonth, routes, avgDurationMs"}},
		{"negative", "webapp:\n  apiRequestsPerMonth: -5\n", []string{"line 2: webapp.apiRequestsPerMonth = -5: a number ≥ 0 (requests)"}},
		{"text", "datalake:\n  gbIngestedPerDay: lots\n", []string{`line 2: datalake.gbIngestedPerDay = "lots": a number ≥ 0 (GB)`}},
		{"quoted number", "datalake:\n  gbIngestedPerDay: \"5\"\n", []string{`datalake.gbIngestedPerDay = "5": a number ≥ 0 (GB)`}},
		{"infinity", "streamprocessing:\n  recordsPerSecond: .inf\n", []string{"streamprocessing.recordsPerSecond = .inf: a number ≥ 0"}},
		{"list", "opsautomation:\n  imagesPerDay: [1, 2]\n", []string{"opsautomation.imagesPerDay = a list: a number ≥ 0"}},
		{"section not a mapping", "pipeline: 5\n", []string{"line 1: pipeline = 5: a mapping of keys"}},
		{"file not a mapping", "- webapp\n", []string{"(file) = a list: a mapping of sections"}},
		{"not yaml", "webapp: [\n", []string{"(file): not YAML"}},
		{"share above 1", "webapp:\n  routes:\n    GET /items: 1.5\n", []string{"webapp.routes.GET /items = 1.5: a number from 0 to 1"}},
		{"shares above 1 together", "webapp:\n  routes:\n    GET /items: 0.6\n    POST /items: 0.6\n", []string{"webapp.routes = 1.2: the route shares add up to more than 1"}},
		{"route without method", "webapp:\n  routes:\n    /items: 0.5\n", []string{`webapp.routes./items: a route is "METHOD /path"`}},
		{"routes not a mapping", "webapp:\n  routes: 0.5\n", []string{`webapp.routes = 0.5: a mapping of "METHOD /path": share`}},
		{"function key", "functions:\n  web-items:\n    memoryMB: 1024\n", []string{"line 3: functions.web-items.memoryMB: unknown key; allowed for a function: invocationsPerMonth, avgDurationMs, logKBPerInvocation"}},
		{"function not a mapping", "functions:\n  web-items: 5\n", []string{"functions.web-items = 5: a mapping of invocationsPerMonth"}},
		{"section twice", "webapp:\n  avgDurationMs: 5\nwebapp:\n  avgDurationMs: 7\n",
			[]string{"line 3: webapp: set twice (first on line 1): a key may appear once"}},
		{"key twice", "webapp:\n  avgDurationMs: 5\n  payloadKB: 1\n  avgDurationMs: 7\n",
			[]string{"line 4: webapp.avgDurationMs: set twice (first on line 2): a key may appear once"}},
		{"route twice", "webapp:\n  routes:\n    GET /items: 0.1\n    GET /items: 0.2\n",
			[]string{"line 4: webapp.routes.GET /items: set twice (first on line 3): a key may appear once"}},
		{"function twice", "functions:\n  web-items:\n    avgDurationMs: 5\n  web-items:\n    avgDurationMs: 6\n",
			[]string{"line 4: functions.web-items: set twice (first on line 2): a key may appear once"}},
		{"second document", "webapp:\n  avgDurationMs: 5\n---\nwebapp:\n  avgDurationMs: 7\n",
			[]string{"line 3: (file): a second YAML document (after ---): a usage file is one document"}},
		{"beyond a float", "webapp:\n  avgDurationMs: 1e400\n",
			[]string{"line 2: webapp.avgDurationMs = 1e400: too large: YAML reads numbers up to about 1.8e308; a number ≥ 0 (ms)"}},
		{"every problem at once", "webapp:\n  apiRequestsPerMonth: -1\n  payloadKB: x\ndatalake:\n  nope: 1\n",
			[]string{"line 2: webapp.apiRequestsPerMonth = -1", `line 3: webapp.payloadKB = "x"`, "line 5: datalake.nope: unknown key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := ParseUsage("Pulumi.prod.usage.yaml", []byte(tt.file))
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("got %v, %v; want a *UsageError", u, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "usage file Pulumi.prod.usage.yaml: ") {
				t.Errorf("got %q; want it to name the file", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("got %q; want it to contain %q", msg, w)
				}
			}
		})
	}
}

func TestParseUsageReadsValuesExactly(t *testing.T) {
	u, err := ParseUsage("u.yaml", []byte("webapp:\n  apiRequestsPerMonth: 2_000_000\n  payloadKB: 0.1\n  routes:\n    GET /items: 0.25\nfunctions:\n  web-items:\n    avgDurationMs: 120.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		section, key, want string
		origin             Origin
	}{
		{SectionWebApp, "apiRequestsPerMonth", "2000000", FromFile},
		{SectionWebApp, "payloadKB", "1/10", FromFile},
		{SectionWebApp, "siteDataOutGB", "10", FromDefault},
		{SectionDataLake, "crawlerDPUHoursPerRun", "1/6", FromDefault},
	} {
		v, origin := u.knob(tc.section, tc.key)
		if v.RatString() != tc.want || origin != tc.origin {
			t.Errorf("%s.%s: got %s (%s); want %s (%s)", tc.section, tc.key, v.RatString(), origin, tc.want, tc.origin)
		}
	}
	if v, ok := u.routeShare("GET /items"); !ok || v.RatString() != "1/4" {
		t.Errorf("route share: got %v, %v; want 1/4", v, ok)
	}
	if v, ok := u.function("web-items", "avgDurationMs"); !ok || v.RatString() != "241/2" {
		t.Errorf("function duration: got %v, %v; want 241/2", v, ok)
	}
	for _, file := range []string{"", "---\n", "# nothing yet\n", "webapp:\n  payloadKB: 1\n---\n"} {
		if got, err := ParseUsage("u.yaml", []byte(file)); err != nil || got == nil {
			t.Errorf("%q: got %v, %v; want it read (an empty document sets nothing)", file, got, err)
		}
	}
}

func TestLoadStackUsage(t *testing.T) {
	dir := t.TempDir()
	u, err := LoadStackUsage(dir, "prod")
	if err != nil || u.File != "" {
		t.Fatalf("without a usage file: got %v, %v; want the defaults", u, err)
	}
	path := filepath.Join(dir, "Pulumi.prod.usage.yaml")
	if err := os.WriteFile(path, []byte("webapp:\n  payloadKB: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if u, err = LoadStackUsage(dir, "prod"); err != nil || u.File != path {
		t.Fatalf("with one: got %v, %v; want it read", u, err)
	}
	if _, err := LoadUsage(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing --usage file: got %v; want not-exist", err)
	}
}

// TestKnobsAreDocumented: every knob says what it is, where its default
// comes from and has a default (or says how it is derived), and every
// default parses.
func TestKnobsAreDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range Knobs {
		if seen[k.Name()] {
			t.Errorf("%s is declared twice", k.Name())
		}
		seen[k.Name()] = true
		if k.Doc == "" || k.Source == "" || k.Unit == "" {
			t.Errorf("%s: doc %q, source %q, unit %q; want all three", k.Name(), k.Doc, k.Source, k.Unit)
		}
		if (k.Default == "") == (k.DefaultText == "") {
			t.Errorf("%s: want exactly one of a default and how it is derived", k.Name())
		}
		if k.Default != "" {
			if _, err := ParseUsage("x", []byte(k.Section+":\n  "+k.Key+": "+strings.ReplaceAll(k.Default, "1/6", "0.1666"))); err != nil && k.Key != routesKey {
				t.Errorf("%s: its default %s is refused: %v", k.Name(), k.Default, err)
			}
		}
	}
}
