package buildspec

import (
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite testdata/*.yml from the generators")

var (
	s3Backend = Backend{
		Kind:            "s3",
		URL:             "s3://kumo-state-123456789012?region=eu-west-1",
		SecretsProvider: "awskms://alias/kumo-state?region=eu-west-1",
	}
	cloudBackend = Backend{
		Kind:        "pulumi-cloud",
		TokenSecret: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:kumo/pulumi-AbCdEf:token",
	}
	prodRole = "arn:aws:iam::210987654321:role/kumo-deploy-prod"
)

// generated is every generator's buildspec as the pipeline pattern asks for
// it, by golden file name.
func generated() map[string]Spec {
	t := DefaultToolchain()
	app := Project{}
	return map[string]Spec{
		"build":              Build(t, app, []string{"dev", "prod", "pipeline"}),
		"update":             Update(t, app, s3Backend, "pipeline", "kumo-app", prodRole),
		"diff-prod":          Diff(t, app, s3Backend, "prod", prodRole),
		"deploy-dev":         Deploy(t, app, s3Backend, "dev", ""),
		"deploy-prod":        Deploy(t, app, s3Backend, "prod", prodRole),
		"deploy-dev-cloud":   Deploy(t, Project{Dir: "infra"}, cloudBackend, "acme/app/dev", ""),
		"check-dev":          Check(t, app, "dev", "go test ./smoke -run TestSite -count=1", ""),
		"check-prod-role":    Check(t, app, "prod", "kumo canary status --stack \"$KUMO_STACK\"", "$KUMO_DEPLOY_ROLE_ARN"),
		"pr":                 PullRequest(t, app, []string{"dev", "prod"}, "kumo/github:token"),
		"pr-subdir":          PullRequest(t, Project{Dir: "infra"}, []string{"dev"}, "kumo/github:token"),
		"pr-log-only":        PullRequest(t, app, []string{"dev"}, ""),
		"update-cloud-named": Update(t, app, cloudBackend, "acme/app/pipeline", "$KUMO_PIPELINE_NAME", "$KUMO_DEPLOY_ROLE_ARN"),
	}
}

// TestGolden pins each generator's YAML; `go test -run TestGolden -update`
// rewrites the files after a deliberate change, for review in the diff.
func TestGolden(t *testing.T) {
	for name, spec := range generated() {
		t.Run(name, func(t *testing.T) {
			got, err := spec.YAML()
			if err != nil {
				t.Fatalf("YAML: %v", err)
			}
			path := filepath.Join("testdata", name+".yml")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s: got\n%s\nwant\n%s", path, got, want)
			}
			// The YAML reads back as a buildspec: version 0.2 (a number),
			// and the commands in the order Commands gives them.
			var back struct {
				Version any `yaml:"version"`
				Phases  map[string]struct {
					Commands []string `yaml:"commands"`
					Finally  []string `yaml:"finally"`
				} `yaml:"phases"`
			}
			if err := yaml.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("the YAML does not parse: %v", err)
			}
			if back.Version != 0.2 {
				t.Errorf("version: got %#v; want the number 0.2", back.Version)
			}
			var cmds []string
			for _, ph := range []string{"install", "pre_build", "build", "post_build"} {
				cmds = append(cmds, back.Phases[ph].Commands...)
				cmds = append(cmds, back.Phases[ph].Finally...)
			}
			if strings.Join(cmds, "\x00") != strings.Join(spec.Commands(), "\x00") {
				t.Errorf("commands read back from the YAML: got %q; want Commands() %q", cmds, spec.Commands())
			}
		})
	}
}

// TestDeterministic: the same arguments give byte-identical YAML, whatever
// the order Go iterates the maps in.
func TestDeterministic(t *testing.T) {
	for name := range generated() {
		first, err := generated()[name].YAML()
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			again, err := generated()[name].YAML()
			if err != nil {
				t.Fatal(err)
			}
			if again != first {
				t.Fatalf("%s: run %d gave different YAML:\n%s\nwant\n%s", name, i, again, first)
			}
		}
	}
}

// TestStrictMode: CodeBuild runs each command as a script of its own, so a
// multi-line command that did not set bash's strict mode would hide a
// failure in its middle behind the lines after it, and a one-line pipeline
// would hide a failure before its last stage.
func TestStrictMode(t *testing.T) {
	for name, spec := range generated() {
		if spec.Env.Shell != "bash" {
			t.Errorf("%s: shell: got %q; want bash (the commands use bash's [[ ]] and pipefail)", name, spec.Env.Shell)
		}
		for _, c := range spec.Commands() {
			multi := strings.Contains(c, "\n")
			if (multi || strings.Contains(c, " | ")) && !strings.HasPrefix(c, "set -euo pipefail\n") {
				t.Errorf("%s: command does not start with set -euo pipefail:\n%s", name, c)
			}
		}
	}
}

// TestPinnedInstallLines checks the shape of the install lines the run test
// replaces (it cannot download here): the toolchain versions and hashes are
// the ones pinned, and well formed.
func TestPinnedInstallLines(t *testing.T) {
	tc := DefaultToolchain()
	spec := Deploy(tc, Project{}, s3Backend, "dev", "")
	goLine := findCommand(t, spec, "golang.org/toolchain@")
	pulumiLine := findCommand(t, spec, "get.pulumi.com")

	goSum := goToolchainSums[tc.Go]
	if raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(goSum, "h1:")); err != nil || len(raw) != 32 || !strings.HasPrefix(goSum, "h1:") {
		t.Errorf("Go %s's pinned sum %q: want h1: and the base64 of a 32-byte SHA-256 (%v)", tc.Go, goSum, err)
	}
	for _, want := range []string{
		"golang.org/toolchain@v0.0.1-go" + tc.Go + ".linux-amd64",
		`grep -qF '"Sum": "` + goSum + `"'`,
		`*" go` + tc.Go + ` "*`,
	} {
		if !strings.Contains(goLine, want) {
			t.Errorf("Go install command lacks %q:\n%s", want, goLine)
		}
	}

	sum := pulumiSHA256s[tc.Pulumi]
	check := regexp.MustCompile(`(?m)^echo "([0-9a-f]+)  \$KUMO_TOOLS/pulumi\.tar\.gz" \| sha256sum -c -$`).FindStringSubmatch(pulumiLine)
	if check == nil || len(check[1]) != 64 || check[1] != sum {
		t.Errorf("Pulumi install command: got no sha256sum -c line of the pinned 64-hex-digit sum %q:\n%s", sum, pulumiLine)
	}
	url := "https://get.pulumi.com/releases/sdk/pulumi-v" + tc.Pulumi + "-linux-x64.tar.gz"
	if !strings.Contains(pulumiLine, ` -o "$KUMO_TOOLS/pulumi.tar.gz" `+url+"\n") {
		t.Errorf("Pulumi install command does not download %s to the file it checks:\n%s", url, pulumiLine)
	}
	if !strings.Contains(pulumiLine, "--retry 4") || !strings.Contains(pulumiLine, "--max-time 300") {
		t.Errorf("Pulumi download has no bounded retries or timeout:\n%s", pulumiLine)
	}

	// A version kumo has no checksum for, and no sum given, is refused;
	// with the sums given it is taken as pinned.
	_, err := Deploy(Toolchain{Go: "1.26.99", Pulumi: "3.999.0"}, Project{}, s3Backend, "dev", "").YAML()
	for _, want := range []string{`toolchain Go "1.26.99": kumo has no checksum`, `toolchain Pulumi "3.999.0": kumo has no checksum`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("unknown versions: got %v; want an error with %q", err, want)
		}
	}
	own := Toolchain{Go: "1.26.99", Pulumi: "3.999.0", GoSum: goSum, PulumiSHA256: sum}
	if y, err := Deploy(own, Project{}, s3Backend, "dev", "").YAML(); err != nil || !strings.Contains(y, "go1.26.99") {
		t.Errorf("given sums: got %v; want YAML pinning go1.26.99", err)
	}
}

func findCommand(t *testing.T, s Spec, marker string) string {
	t.Helper()
	var found []string
	for _, c := range s.Commands() {
		if strings.Contains(c, marker) {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("commands holding %q: got %d; want 1", marker, len(found))
	}
	return found[0]
}

func TestValidate(t *testing.T) {
	ok := func() Spec {
		return Spec{Env: Env{Shell: "bash"}, Phases: Phases{Build: Phase{Commands: []string{"true"}}}}
	}
	tests := []struct {
		name   string
		change func(*Spec)
		want   string
	}{
		{"unknown on-failure", func(s *Spec) { s.Phases.Build.OnFailure = "RETRY-ALWAYS" }, `phases.build.on-failure "RETRY-ALWAYS": use ABORT or CONTINUE`},
		{"lower-case on-failure", func(s *Spec) { s.Phases.Build.OnFailure = "abort" }, `phases.build.on-failure "abort"`},
		{"phase with finally only", func(s *Spec) { s.Phases.PostBuild.Finally = []string{"echo done"} }, "phases.post_build: no commands"},
		{"phase with on-failure only", func(s *Spec) { s.Phases.Install.OnFailure = "ABORT" }, "phases.install: no commands"},
		{"no commands at all", func(s *Spec) { s.Phases.Build = Phase{} }, "phases: no phase has commands"},
		{"empty command", func(s *Spec) { s.Phases.Build.Commands = append(s.Phases.Build.Commands, "  ") }, "phases.build: command 2 is empty"},
		{"runtime versions outside install", func(s *Spec) { s.Phases.Build.RuntimeVersions = map[string]string{"golang": "latest"} }, "phases.build.runtime-versions"},
		{"variable name with a dash", func(s *Spec) { s.Env.Variables = map[string]string{"GO-FLAGS": "x"} }, `env.variables: "GO-FLAGS" is not an environment variable name`},
		{"variable name with a leading digit", func(s *Spec) { s.Env.Variables = map[string]string{"1X": "x"} }, `"1X" is not an environment variable name`},
		{"reserved CODEBUILD_ prefix", func(s *Spec) { s.Env.Variables = map[string]string{"CODEBUILD_SRC_DIR": "/x"} }, `"CODEBUILD_SRC_DIR" starts with CODEBUILD_`},
		{"secret name", func(s *Spec) { s.Env.SecretsManager = map[string]string{"GITHUB TOKEN": "kumo/github:token"} }, `env.secrets-manager: "GITHUB TOKEN" is not an environment variable name`},
		{"secret without an id", func(s *Spec) { s.Env.SecretsManager = map[string]string{"TOKEN": ":token"} }, `env.secrets-manager.TOKEN: ":token" is not secret-id`},
		{"secret and plain variable", func(s *Spec) {
			s.Env.Variables = map[string]string{"TOKEN": "x"}
			s.Env.SecretsManager = map[string]string{"TOKEN": "kumo/t"}
		}, `"TOKEN" is both a plain variable and a secrets-manager variable`},
		{"exported twice", func(s *Spec) { s.Env.ExportedVariables = []string{"HASH", "HASH"} }, `"HASH" is listed twice`},
		{"exported bad name", func(s *Spec) { s.Env.ExportedVariables = []string{"a.b"} }, `env.exported-variables: "a.b"`},
		{"unknown shell", func(s *Spec) { s.Env.Shell = "zsh" }, `env.shell "zsh": not a shell CodeBuild offers`},
		{"artifacts without files", func(s *Spec) { s.Artifacts = &Artifacts{Name: "out"} }, "artifacts.files: empty"},
		{"absolute artifact path", func(s *Spec) { s.Artifacts = &Artifacts{Files: []string{"/etc/passwd"}} }, `path "/etc/passwd" must be non-empty and relative`},
		{"absolute base directory", func(s *Spec) { s.Artifacts = &Artifacts{Files: []string{"x"}, BaseDirectory: "/src"} }, `artifacts.base-directory "/src"`},
		{"cache without paths", func(s *Spec) { s.Cache = &Cache{} }, "cache.paths: empty"},
	}
	if _, err := ok().YAML(); err != nil {
		t.Fatalf("the valid spec: got %v; want no error", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ok()
			tt.change(&s)
			y, err := s.YAML()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v (YAML %q); want an error with %q", err, y, tt.want)
			}
		})
	}

	// Every problem is reported at once.
	s := ok()
	s.Env.Shell = "zsh"
	s.Phases.Build.OnFailure = "STOP"
	err := s.Validate()
	if err == nil || !strings.Contains(err.Error(), "zsh") || !strings.Contains(err.Error(), "STOP") {
		t.Errorf("two problems: got %v; want both named", err)
	}
}

func TestGeneratorArgs(t *testing.T) {
	tc := DefaultToolchain()
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"no stacks", Build(tc, Project{}, nil), "stacks: empty"},
		{"stack twice", Build(tc, Project{}, []string{"dev", "dev"}), `stack "dev" is listed twice`},
		{"stack with a space", Build(tc, Project{}, []string{"dev prod"}), `stack "dev prod": not a Pulumi stack name`},
		{"stack with shell syntax", Deploy(tc, Project{}, s3Backend, "dev;rm -rf /", ""), `stack "dev;rm -rf /": not a Pulumi stack name`},
		{"project outside the repo", Build(tc, Project{Dir: "../other"}, []string{"dev"}), `project Dir "../other"`},
		{"absolute project", Build(tc, Project{Dir: "/src/app"}, []string{"dev"}), `project Dir "/src/app"`},
		{"unknown backend", Deploy(tc, Project{}, Backend{Kind: "gcs"}, "dev", ""), `backend Kind "gcs": use s3 or pulumi-cloud`},
		{"s3 backend with an https URL", Deploy(tc, Project{}, Backend{Kind: "s3", URL: "https://x", SecretsProvider: "awskms://alias/k"}, "dev", ""), `backend URL "https://x"`},
		{"s3 backend with passphrase secrets", Deploy(tc, Project{}, Backend{Kind: "s3", URL: "s3://b", SecretsProvider: "passphrase"}, "dev", ""), `backend SecretsProvider "passphrase"`},
		{"cloud backend without a token", Deploy(tc, Project{}, Backend{Kind: "pulumi-cloud"}, "dev", ""), `backend TokenSecret ""`},
		{"cloud backend with a URL", Deploy(tc, Project{}, Backend{Kind: "pulumi-cloud", URL: "s3://b", TokenSecret: "t:k"}, "dev", ""), "a pulumi-cloud backend takes no URL"},
		{"role that is a user", Deploy(tc, Project{}, s3Backend, "prod", "arn:aws:iam::123456789012:user/deployer"), `roleArn "arn:aws:iam::123456789012:user/deployer": not an IAM role ARN`},
		{"role with a short account", Diff(tc, Project{}, s3Backend, "prod", "arn:aws:iam::1234:role/x"), "not an IAM role ARN"},
		{"pipeline name with a space", Update(tc, Project{}, s3Backend, "pipeline", "my pipeline", ""), `pipelineName "my pipeline"`},
		{"empty smoke test", Check(tc, Project{}, "dev", " ", ""), "command: empty"},
		{"bad Go version", Build(Toolchain{Go: "1.26", Pulumi: "3.177.0"}, Project{}, []string{"dev"}), `toolchain Go "1.26": want a release version`},
		{"malformed Go sum", Build(Toolchain{Go: "1.26.11", Pulumi: "3.177.0", GoSum: "h1:abc="}, Project{}, []string{"dev"}), `toolchain GoSum "h1:abc="`},
		{"malformed Pulumi sum", Build(Toolchain{Go: "1.26.11", Pulumi: "3.177.0", PulumiSHA256: "ABC"}, Project{}, []string{"dev"}), `toolchain PulumiSHA256 "ABC"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			y, err := tt.spec.YAML()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v (YAML %d bytes); want an error with %q", err, len(y), tt.want)
			}
		})
	}
}

// TestQuote: values that reach a command are one shell word, whatever they
// hold.
func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"dev", "dev"},
		{"acme/app/dev", "acme/app/dev"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"$(id)", "'$(id)'"},
	}
	for _, tt := range tests {
		if got := q(tt.in); got != tt.want {
			t.Errorf("q(%q): got %s; want %s", tt.in, got, tt.want)
		}
	}
}
