package diffcmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
	"github.com/kumo-iac/kumo/internal/diff"
)

const (
	devGolden     = "../../../../test/testdata/dev.golden.json"
	enginePreview = "../../../../internal/diff/testdata/preview/engine.json"
)

// execute runs kumo diff with args and only env as its environment,
// returning stdout, stderr (with the error the binary would print) and the
// exit code the binary would return.
func execute(t *testing.T, env map[string]string, args ...string) (string, string, cli.ExitCode) {
	t.Helper()
	ios, _, out, errOut := cli.Test()
	cmd := NewCmdDiff(&cli.Factory{IO: ios}, func(o *Options) error {
		o.Getenv = func(k string) string { return env[k] }
		return run(o)
	})
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString("kumo: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), exitOf(err)
}

func exitOf(err error) cli.ExitCode {
	if err == nil {
		return cli.ExitOK
	}
	var e *cli.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return cli.ExitError
}

// head writes a copy of the dev stack's golden synth document with the
// web app's items table keyed by "pk" and its items function at 1024 MB:
// a replacement that loses data, and a canary release.
func head(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(devGolden)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	changed := 0
	for _, r := range doc["resources"].([]any) {
		r := r.(map[string]any)
		in, _ := r["inputs"].(map[string]any)
		switch {
		case r["type"] == "aws:dynamodb/table:Table" && r["name"] == "web-items":
			in["hashKey"] = "pk"
			changed++
		case r["type"] == "aws:lambda/function:Function" && r["name"] == "web-items":
			in["memorySize"] = 1024
			changed++
		}
	}
	if changed != 2 {
		t.Fatalf("changed %d resources of the dev golden; want the items table and function", changed)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "head.json")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBadUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no input", nil, "want BASE HEAD"},
		{"one document", []string{devGolden}, "got 1 argument(s)"},
		{"both inputs", []string{devGolden, devGolden, "--preview", enginePreview}, "either BASE HEAD"},
		{"format", []string{devGolden, devGolden, "--format", "html"}, `--format "html": want text, markdown or json`},
		{"json and format", []string{devGolden, devGolden, "--json", "--format", "text"}, "choose one"},
		{"color", []string{devGolden, devGolden, "--color", "yes"}, `--color "yes"`},
		{"comment target", []string{devGolden, devGolden, "--comment", "gitlab"}, `--comment "gitlab": want github`},
		{"repo without comment", []string{devGolden, devGolden, "--repo", "o/r"}, "add --comment github"},
		{"fail-on category", []string{devGolden, devGolden, "--fail-on", "data-los"}, "data-los"},
		{"max chars", []string{devGolden, devGolden, "--max-chars", "100"}, "--max-chars 100"},
		{"max cost without the cost gate", []string{devGolden, devGolden, "--max-cost-increase", "10"}, "add cost to --fail-on"},
		{"max cost not an amount", []string{devGolden, devGolden, "--fail-on", "cost", "--max-cost-increase", "$10"}, `--max-cost-increase "$10": want an amount of US dollars`},
		{"max cost a fraction", []string{devGolden, devGolden, "--fail-on", "cost", "--max-cost-increase", "1/3"}, `--max-cost-increase "1/3"`},
		{"max cost negative", []string{devGolden, devGolden, "--fail-on", "cost", "--max-cost-increase", "-1"}, `--max-cost-increase "-1"`},
		{"usage with a preview", []string{"--preview", enginePreview, "--usage", "u.yaml"}, "--usage prices two synth documents"},
		{"dir with a preview", []string{"--preview", enginePreview, "--dir", "."}, "--dir finds the usage files"},
		{"cost gate with a preview", []string{"--preview", enginePreview, "--fail-on", "cost"}, "--fail-on cost needs two synth documents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, _ := cli.Test()
			cmd := NewCmdDiff(&cli.Factory{IO: ios}, func(*Options) error {
				t.Fatal("ran with bad usage")
				return nil
			})
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err := cmd.Execute()
			if got := exitOf(err); got != cli.ExitUsage {
				t.Fatalf("exit %d (%v); want %d", got, err, cli.ExitUsage)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q; want it to say %q", err, tt.want)
			}
			if out.Len() > 0 {
				t.Errorf("stdout %q; want nothing written on bad usage", out)
			}
		})
	}
}

func TestTextReview(t *testing.T) {
	out, _, code := execute(t, nil, devGolden, head(t))
	if code != cli.ExitOK {
		t.Fatalf("exit %d; want 0 without --fail-on", code)
	}
	for _, want := range []string{
		"Data loss (1)", "aws:dynamodb/table:Table web-items (replace)", "partition key hashKey changed: id → pk",
		"Canary plan (1)", "web-items (alias live): new version for memorySize", "AllAtOnce",
		"~ memorySize: 256 → 1024",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text review lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour escape in output to a buffer:\n%s", out)
	}
	coloured, _, _ := execute(t, nil, devGolden, head(t), "--color", "always")
	if !strings.Contains(coloured, "\x1b[") {
		t.Error("--color always: no colour escape in the output")
	}
}

func TestUnchangedStack(t *testing.T) {
	out, _, code := execute(t, nil, devGolden, devGolden, "--fail-on", "any")
	if code != cli.ExitOK {
		t.Fatalf("exit %d; want 0: nothing changed, so nothing fails the gate", code)
	}
	if !strings.Contains(out, "no changes") {
		t.Errorf("review of an unchanged stack:\n%s\nwant it to say no changes", out)
	}
}

func TestGate(t *testing.T) {
	h := head(t)
	_, stderr, code := execute(t, nil, devGolden, h, "--fail-on", "data-loss,iam-widening")
	if code != cli.ExitDiffGate {
		t.Fatalf("exit %d; want %d for a change that loses data", code, cli.ExitDiffGate)
	}
	if !strings.Contains(stderr, "data-loss: aws:dynamodb/table:Table web-items") || !strings.Contains(stderr, "--allow") {
		t.Errorf("stderr %q; want the violation named and how to accept it", stderr)
	}
	for _, tt := range []struct {
		allow string
		want  cli.ExitCode
	}{
		{"web-items", cli.ExitOK},
		{"aws:dynamodb/table:Table", cli.ExitOK},
		{"data-loss=aws:dynamodb/*", cli.ExitOK},
		{"replace=aws:dynamodb/*", cli.ExitDiffGate}, // scoped to another category
		{"web-orders", cli.ExitDiffGate},
	} {
		if _, _, code := execute(t, nil, devGolden, h, "--fail-on", "data-loss", "--allow", tt.allow); code != tt.want {
			t.Errorf("--allow %s: exit %d; want %d", tt.allow, code, tt.want)
		}
	}
	if _, _, code := execute(t, nil, devGolden, h, "--fail-on", "public"); code != cli.ExitOK {
		t.Errorf("--fail-on public: exit %d; want 0, nothing is made public", code)
	}
}

func TestJSONIsTheReport(t *testing.T) {
	out, _, code := execute(t, nil, devGolden, head(t), "--json")
	if code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	var rep diff.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output is not a Report: %v", err)
	}
	if len(rep.Stacks) != 1 || rep.Stacks[0].Stack != "dev" || len(rep.Stacks[0].DataLoss) != 1 || len(rep.Stacks[0].Canary) != 1 {
		t.Errorf("--json report: got %+v; want dev with one data loss and one release", rep.Stacks)
	}
}

func TestPreviewInput(t *testing.T) {
	out, _, code := execute(t, nil, "--preview", enginePreview, "--format", "markdown")
	if code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"<!-- kumo-diff:kumo-preview/dev -->", "Data loss", "known after deploy", "[secret]"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown of the engine's preview lacks %q:\n%s", want, out)
		}
	}
	if _, _, code := execute(t, nil, "--preview", devGolden); code != cli.ExitError {
		t.Errorf("--preview of a synth document: exit %d; want %d", code, cli.ExitError)
	}
}

func TestUnreadableInput(t *testing.T) {
	_, _, code := execute(t, nil, devGolden, filepath.Join(t.TempDir(), "missing.json"))
	if code != cli.ExitError {
		t.Errorf("missing HEAD: exit %d; want %d", code, cli.ExitError)
	}
}

// fakeGitHub records the calls kumo makes to GitHub's issue comments API
// and keeps the comments of one pull request.
type fakeGitHub struct {
	mu       sync.Mutex
	calls    []string
	comments []map[string]any
}

func (g *fakeGitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, r.Method+" "+r.URL.Path)
	if r.Header.Get("Authorization") != "Bearer test-token" {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v3/repos/acme/shop/issues/7/comments":
		_ = json.NewEncoder(w).Encode(g.comments)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v3/repos/acme/shop/issues/7/comments":
		var c map[string]any
		_ = json.NewDecoder(r.Body).Decode(&c)
		c["id"] = 100 + len(g.comments)
		c["html_url"] = "https://github.example/acme/shop/pull/7#issuecomment-100"
		g.comments = append(g.comments, c)
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(c)
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/api/v3/repos/acme/shop/issues/comments/"):
		var c map[string]any
		_ = json.NewDecoder(r.Body).Decode(&c)
		g.comments[0]["body"] = c["body"]
		_ = json.NewEncoder(w).Encode(g.comments[0])
	default:
		http.NotFound(w, r)
	}
}

// writes counts the calls that changed a comment.
func (g *fakeGitHub) writes() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, c := range g.calls {
		if strings.HasPrefix(c, "POST ") || strings.HasPrefix(c, "PATCH ") {
			n++
		}
	}
	return n
}

func TestCommentGitHub(t *testing.T) {
	gh := &fakeGitHub{}
	srv := httptest.NewServer(gh)
	defer srv.Close()
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"pull_request":{"number":7}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GITHUB_TOKEN": "test-token", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_EVENT_PATH": event,
		"GITHUB_API_URL": srv.URL + "/api/v3",
	}
	h := head(t)
	out, stderr, code := execute(t, env, devGolden, h, "--comment", "github")
	if code != cli.ExitOK {
		t.Fatalf("exit %d; stderr %s", code, stderr)
	}
	if !strings.Contains(stderr, "pull request comment created") {
		t.Errorf("stderr %q; want it to say the comment was created", stderr)
	}
	if !strings.Contains(out, "Data loss (1)") {
		t.Errorf("stdout is not the text review with --comment:\n%s", out)
	}
	if len(gh.comments) != 1 {
		t.Fatalf("%d comments; want 1", len(gh.comments))
	}
	body := gh.comments[0]["body"].(string)
	if !strings.HasPrefix(body, "<!-- kumo-diff:kumo/dev -->") || !strings.Contains(body, "Data loss") {
		t.Errorf("comment body starts %q; want kumo's marker and the review", body[:min(len(body), 200)])
	}

	// The same review again edits nothing; a new one edits the one comment.
	if _, stderr, code := execute(t, env, devGolden, h, "--comment", "github"); code != cli.ExitOK || !strings.Contains(stderr, "unchanged") {
		t.Errorf("second identical run: exit %d, stderr %q; want 0 and unchanged", code, stderr)
	}
	if n := gh.writes(); n != 1 {
		t.Errorf("%d writes after an unchanged review; want 1 (the create)", n)
	}
	if _, stderr, code := execute(t, env, devGolden, devGolden, "--comment", "github", "--fail-on", "any"); code != cli.ExitOK || !strings.Contains(stderr, "updated") {
		t.Errorf("a changed review: exit %d, stderr %q; want 0 and updated", code, stderr)
	}
	if len(gh.comments) != 1 || !strings.Contains(gh.comments[0]["body"].(string), "no changes") {
		t.Errorf("after the update: %d comments; want the one comment saying no changes", len(gh.comments))
	}

	// The gate still fails after the comment is posted, so the reviewer
	// sees why CI is red.
	if _, _, code := execute(t, env, devGolden, h, "--comment", "github", "--fail-on", "data-loss"); code != cli.ExitDiffGate {
		t.Errorf("--comment with a failing gate: exit %d; want %d", code, cli.ExitDiffGate)
	}

	delete(env, "GITHUB_TOKEN")
	if _, stderr, code := execute(t, env, devGolden, h, "--comment", "github"); code != cli.ExitError || !strings.Contains(stderr, "GITHUB_TOKEN") {
		t.Errorf("no token: exit %d, stderr %q; want %d and how to set GITHUB_TOKEN", code, stderr, cli.ExitError)
	}
}

// TestReadmeGate keeps the README's gate documentation in step with the
// gate: every category, and the exit code.
func TestReadmeGate(t *testing.T) {
	readme, err := os.ReadFile("../../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(readme), "`--fail-on` takes any of ")
	if i < 0 {
		t.Fatal("README.md does not document --fail-on's categories")
	}
	line := string(readme[i:])
	line = line[:strings.Index(line, "(comma-separated)")]
	var documented []string
	for _, f := range strings.Split(line, "`")[3:] {
		if f = strings.TrimSpace(f); f != "" && f != "," && f != "and" {
			documented = append(documented, f)
		}
	}
	want := append([]string(nil), diff.GateCategories...)
	slices.Sort(want)
	slices.Sort(documented)
	if !slices.Equal(documented, want) {
		t.Errorf("README documents --fail-on categories %q; the gate has %q", documented, want)
	}
	if !strings.Contains(string(readme), fmt.Sprintf("exits **%d**", cli.ExitDiffGate)) {
		t.Errorf("README.md does not say the gate exits %d", cli.ExitDiffGate)
	}
}

// executeIn runs kumo diff from dir, as the binary started there would.
func executeIn(t *testing.T, dir string, args ...string) (string, string, cli.ExitCode) {
	t.Helper()
	ios, _, out, errOut := cli.Test()
	cmd := NewCmdDiff(&cli.Factory{IO: ios, Getwd: func() (string, error) { return dir, nil }}, nil)
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if err != nil {
		errOut.WriteString("kumo: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), exitOf(err)
}

// costProject writes a project directory named name with the given
// files, and returns it.
func costProject(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["Pulumi.yaml"] = "name: " + name + "\nruntime: go\n"
	for f, content := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCostUsage: both sides are priced at the stack's usage file in the
// project directory, or --usage; a usage file kumo refuses fails with the
// bad-input code, a missing --usage with the usage code, and neither
// prints anything on stdout; a directory that is not the documents'
// project prices nothing and says why.
func TestCostUsage(t *testing.T) {
	base, h := mustAbs(t, devGolden), head(t)
	good := "functions:\n  web-items:\n    invocationsPerMonth: 2000000\n"
	for _, tc := range []struct {
		name     string
		project  string // the project directory's name; "" for no project
		files    map[string]string
		args     []string
		wantCode cli.ExitCode
		want     string // in stdout, or in stderr when the run fails
	}{
		{"stack usage file", "kumo", map[string]string{"Pulumi.dev.usage.yaml": good}, nil, cli.ExitOK,
			"estimated by kumo cost at Pulumi.dev.usage.yaml"},
		{"no usage file", "kumo", map[string]string{}, nil, cli.ExitOK,
			"estimated by kumo cost at kumo's default usage (no Pulumi.dev.usage.yaml)"},
		{"refused stack usage file", "kumo", map[string]string{"Pulumi.dev.usage.yaml": "webapp:\n  apiRequests: 5\n"}, nil, cli.ExitInvalidConfig,
			"line 2: webapp.apiRequests: unknown key; allowed in webapp: apiRequestsPerMonth"},
		{"usage naming no function", "kumo", map[string]string{"Pulumi.dev.usage.yaml": "functions:\n  web-itmes:\n    avgDurationMs: 5\n"}, nil,
			cli.ExitInvalidConfig, "functions.web-itmes: no Lambda function of the stack has this name"},
		{"--usage", "kumo", map[string]string{"traffic.yaml": good, "Pulumi.dev.usage.yaml": "defaults: {}\n"}, []string{"--usage", "traffic.yaml"}, cli.ExitOK,
			"estimated by kumo cost at traffic.yaml (--usage)"},
		{"refused --usage", "kumo", map[string]string{"traffic.yaml": "webapp: 5\n"}, []string{"--usage", "traffic.yaml"}, cli.ExitInvalidConfig,
			"line 1: webapp = 5: a mapping of keys"},
		{"missing --usage", "kumo", map[string]string{}, []string{"--usage", "traffic.yaml"}, cli.ExitUsage, "--usage traffic.yaml: no such file"},
		{"another project", "shop", map[string]string{}, nil, cli.ExitOK,
			`Monthly cost: unavailable` + "\n" + `  the project directory `},
		{"another project, named", "shop", map[string]string{}, nil, cli.ExitOK, `is project "shop", not "kumo": kumo cannot tell which usage profile prices its change`},
		{"no project", "", nil, nil, cli.ExitOK, "kumo cannot tell whether stack dev has a usage profile"},
		{"--dir without a project", "", nil, []string{"--dir", "."}, cli.ExitUsage, "--dir: no Pulumi.yaml in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.project != "" {
				dir = costProject(t, tc.project, tc.files)
			}
			out, stderr, code := executeIn(t, dir, append([]string{base, h}, tc.args...)...)
			if code != tc.wantCode {
				t.Fatalf("exit %d (%s); want %d", code, stderr, tc.wantCode)
			}
			got := out
			if code != cli.ExitOK {
				got = stderr
				if out != "" {
					t.Errorf("stdout %q; want nothing when the usage is refused", out)
				}
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("got:\n%s\nwant it to say %q", got, tc.want)
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCostGate: --fail-on cost exits 5 when the monthly cost grows by
// more than --max-cost-increase (default $0), and passes under it.
func TestCostGate(t *testing.T) {
	h := head(t)
	// The head doubles web-items' memory (256 → 1024 MB: 4×): its compute
	// at the dev stack's default usage grows, and nothing else does.
	_, stderr, code := execute(t, nil, devGolden, h, "--fail-on", "cost")
	if code != cli.ExitDiffGate || !strings.Contains(stderr, "kumo/dev: cost: monthly cost: +$") || !strings.Contains(stderr, "largest: web-items +$") {
		t.Errorf("exit %d, stderr %q; want %d naming the increase and web-items", code, stderr, cli.ExitDiffGate)
	}
	if _, stderr, code := execute(t, nil, devGolden, h, "--fail-on", "cost", "--max-cost-increase", "1000"); code != cli.ExitOK {
		t.Errorf("under the limit: exit %d, stderr %q; want 0", code, stderr)
	}
	if _, _, code := execute(t, nil, devGolden, h, "--fail-on", "cost", "--allow", "cost=web-items"); code != cli.ExitOK {
		t.Errorf("--allow cost=web-items: exit %d; want 0, its increase accepted", code)
	}
}
