package test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIBadStackFiles: each stack file holds one mistake seen in an
// adversarial run of kumo. Each gets exit 3, exactly one error naming the
// key, the value and what is allowed, nothing on stdout, and an existing
// --out file (a previous synth's output) left untouched.
func TestCLIBadStackFiles(t *testing.T) {
	t.Parallel()
	bin := buildKumo(t)
	dir := sourceProject(t, "")
	for _, name := range []string{"Pulumi.shared-eu-west-1.yaml"} {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "previous.json")
	if _, stderr, code := runKumo(t, bin, dir, "synth", "--stack", "shared-eu-west-1", "--json", "--out", out); code != 0 {
		t.Fatalf("synth of the shared stack: exit %d: %s", code, stderr)
	}
	previous, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}

	const base = "config:\n  aws:region: eu-west-1\n  kumo:apiGatewayLogRoleStack: shared-eu-west-1\n"
	cases := []struct {
		name, stack string
		want        []string
	}{
		{"memory below Lambda's minimum", base + "  kumo:webapp:\n    memoryMB: 64\n",
			[]string{"kumo:webapp.memoryMB: 64 is outside 128–10240 MB"}},
		{"pattern listed twice", base + "  kumo:patterns: [webapp, webapp]\n",
			[]string{`kumo:patterns: "webapp" is listed twice`}},
		{"override named twice", base + "  kumo:webapp:\n    deploymentPreferenceOverrides: [items=AllAtOnce, items=Linear10PercentEvery1Minute]\n",
			[]string{`kumo:webapp.deploymentPreferenceOverrides:`, `function "items" is listed twice`}},
		{"namespace typo", base + "  kumoo:patterns: [webapp]\n",
			[]string{`kumoo:patterns: namespace "kumoo" is not read by this stack`, "did you mean kumo:patterns?"}},
		{"a web app key at stack level", base + "  kumo:memoryMB: 512\n",
			[]string{"kumo:memoryMB: no longer a stack-level key", "kumo:webapp.memoryMB"}},
		{"one key spelled twice", base + "  deploymentPreference: AllAtOnce\n  kumo:deploymentPreference: Canary10Percent5Minutes\n",
			[]string{"kumo:deploymentPreference is set twice, as deploymentPreference and as kumo:deploymentPreference; keep one"}},
		{"boolean as 1", base + "  kumo:webapp:\n    smokeTest: 1\n",
			[]string{`kumo:webapp.smokeTest: "1" is not a boolean; use true or false`}},
		{"made-up region", strings.Replace(base, "eu-west-1", "mars-1", 1),
			[]string{`aws:region: "mars-1" is not an AWS region the AWS SDK knows`}},
		{"domains without a certificate", base + "  kumo:webapp:\n    domainNames: [app.example.com]\n",
			[]string{"kumo:webapp.certificateArn: not set, but kumo:webapp.domainNames is"}},
		{"p99 alarm above the timeout", base + "  kumo:webapp:\n    durationAlarmP99Ms: 30000\n",
			[]string{"kumo:webapp.durationAlarmP99Ms: 30000 ms can never be exceeded"}},
		{"a 100 KB value", base + "  kumo:webapp:\n    mfa: " + strings.Repeat("x", 100_000) + "\n",
			[]string{`kumo:webapp.mfa: "xxxxxxxx`, `… (100000 characters) is not an MFA setting; use OFF, OPTIONAL or ON`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(filepath.Join(dir, "Pulumi.bad.yaml"), []byte(c.stack), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runKumo(t, bin, dir, "synth", "--stack", "bad", "--json", "--out", out)
			if code != 3 {
				t.Errorf("exit %d; want 3 (invalid config)\n%s", code, stderr)
			}
			if n := strings.Count(stderr, "\n  * "); n > 1 {
				t.Errorf("stderr lists %d problems; want one:\n%s", n, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%.2000s", w, stderr)
				}
			}
			if len(stderr) > 2000 {
				t.Errorf("stderr is %d bytes; echoed values must be cut", len(stderr))
			}
			if stdout != "" {
				t.Errorf("stdout %q; want nothing", stdout)
			}
			if b, _ := os.ReadFile(out); !bytes.Equal(b, previous) {
				t.Errorf("--out file changed after a failed synth")
			}
		})
	}
}
