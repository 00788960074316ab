// Package buildspec writes the CodeBuild buildspecs of kumo's CI/CD pipeline
// (patterns/pipeline) from typed Go values, so that what CodeBuild would
// refuse fails when the pipeline is synthesized, and so that the commands can
// be run and tested on a developer's machine before the first pipeline run.
// The format is CodeBuild's buildspec version 0.2:
// https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html
//
// It imports no pulumi-aws package: the pipeline pattern passes the YAML to
// its CodeBuild projects as a plain string.
package buildspec

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Spec is one buildspec (version 0.2).
type Spec struct {
	Env       Env
	Phases    Phases
	Artifacts *Artifacts // nil: the build has no output artifact
	Cache     *Cache     // nil: no paths are cached

	// errs are the problems a generator found in its arguments; YAML
	// reports them with its own, so a generator keeps its one-value API
	// and still never yields a buildspec built from bad input.
	errs []error
}

// Env is the buildspec's env section.
type Env struct {
	// Shell runs the commands: "bash" or "/bin/sh" on Linux, "powershell.exe"
	// or "cmd.exe" on Windows. Default: the image's default shell (sh).
	Shell string
	// Variables are plain-text environment variables, by name.
	Variables map[string]string
	// SecretsManager maps a variable name to "secret-id:json-key:version-stage:version-id"
	// (all but secret-id optional); CodeBuild reads the value at the start of
	// the build and masks it in the logs.
	SecretsManager map[string]string
	// ExportedVariables are passed to the next pipeline actions as
	// #{namespace.NAME}.
	ExportedVariables []string
	// GitCredentialHelper lets git reuse CodeBuild's source credentials
	// (to fetch a pull request's base of a private repository). Default: off.
	GitCredentialHelper bool
}

// Phases are the four build phases, run in this order.
type Phases struct {
	Install, PreBuild, Build, PostBuild Phase
}

// Phase is one build phase. A Phase with no commands and nothing else is left
// out of the YAML.
type Phase struct {
	// RuntimeVersions selects the image's language runtimes (install phase
	// only), e.g. {"golang": "latest"}.
	RuntimeVersions map[string]string
	Commands        []string
	// Finally runs after Commands, whether they failed or not.
	Finally []string
	// OnFailure is "ABORT" (stop the build) or "CONTINUE" (go on to the
	// next phase). Default: CodeBuild's, ABORT.
	OnFailure string
}

// Artifacts is the buildspec's artifacts section.
type Artifacts struct {
	Files         []string // paths or globs, relative to BaseDirectory
	ExcludePaths  []string // paths or globs left out, relative to BaseDirectory
	BaseDirectory string   // relative to the source directory; default: the source directory
	Name          string   // default: the project's artifact name
	DiscardPaths  bool     // flatten the files into one directory
}

// Cache is the buildspec's cache section (an S3 cache keeps these paths
// between builds).
type Cache struct {
	Paths []string
}

// Version is the buildspec version kumo writes: 0.2 runs all commands of a
// build in the same shell instance, so a directory change or an exported
// variable carries over to later commands (0.1 ran each command in a new
// shell). https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-cmd.html
const Version = "0.2"

var (
	// An environment variable name as POSIX shells accept it: CodeBuild
	// exports each variable into the shell, so a name with a '-' or a
	// leading digit could never be read.
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

	shells = []string{"/bin/sh", "bash", "cmd.exe", "powershell.exe"}

	// https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html
	// ("on-failure: ABORT | CONTINUE"; the RETRY forms are not written by kumo).
	onFailures = []string{"ABORT", "CONTINUE"}
)

// Commands returns the commands of every phase in the order CodeBuild runs
// them: install, pre_build, build, post_build, each phase's commands followed
// by its finally commands.
func (s Spec) Commands() []string {
	var out []string
	for _, p := range s.phases() {
		out = append(out, p.phase.Commands...)
		out = append(out, p.phase.Finally...)
	}
	return out
}

type namedPhase struct {
	name  string
	phase Phase
}

func (s Spec) phases() []namedPhase {
	return []namedPhase{
		{"install", s.Phases.Install},
		{"pre_build", s.Phases.PreBuild},
		{"build", s.Phases.Build},
		{"post_build", s.Phases.PostBuild},
	}
}

func (p Phase) empty() bool {
	return len(p.Commands) == 0 && len(p.Finally) == 0 && p.OnFailure == "" && len(p.RuntimeVersions) == 0
}

// Validate returns every problem CodeBuild would refuse (or that would make
// a command unusable), all at once.
func (s Spec) Validate() error {
	problems := append([]error(nil), s.errs...)
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }

	if s.Env.Shell != "" && !contains(shells, s.Env.Shell) {
		add("env.shell %q: not a shell CodeBuild offers; use one of %s", s.Env.Shell, strings.Join(shells, ", "))
	}
	checkNames := func(field string, names []string) {
		for _, n := range names {
			switch {
			case !envName.MatchString(n):
				add("env.%s: %q is not an environment variable name (letters, digits and '_', not starting with a digit)", field, n)
			case strings.HasPrefix(n, "CODEBUILD_"):
				// "Do not set any environment variable with a name that
				// starts with CODEBUILD_. This prefix is reserved for
				// internal use."
				// https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-env-vars.html
				add("env.%s: %q starts with CODEBUILD_, which CodeBuild reserves for its own variables", field, n)
			}
		}
	}
	checkNames("variables", slices.Sorted(maps.Keys(s.Env.Variables)))
	checkNames("secrets-manager", slices.Sorted(maps.Keys(s.Env.SecretsManager)))
	checkNames("exported-variables", s.Env.ExportedVariables)
	for _, n := range slices.Sorted(maps.Keys(s.Env.SecretsManager)) {
		ref := s.Env.SecretsManager[n]
		if _, ok := s.Env.Variables[n]; ok {
			add("env: %q is both a plain variable and a secrets-manager variable; keep one", n)
		}
		if strings.TrimSpace(ref) == "" || strings.HasPrefix(ref, ":") || strings.ContainsAny(ref, " \t\n") {
			add("env.secrets-manager.%s: %q is not secret-id[:json-key[:version-stage[:version-id]]]", n, ref)
		}
	}
	seen := map[string]bool{}
	for _, n := range s.Env.ExportedVariables {
		if seen[n] {
			add("env.exported-variables: %q is listed twice", n)
		}
		seen[n] = true
	}

	hasCommands := false
	for _, p := range s.phases() {
		ph := p.phase
		if ph.empty() {
			continue
		}
		if len(ph.Commands) == 0 {
			add("phases.%s: no commands (CodeBuild refuses a phase without commands; leave the phase out)", p.name)
		}
		hasCommands = hasCommands || len(ph.Commands) > 0
		if ph.OnFailure != "" && !contains(onFailures, ph.OnFailure) {
			add("phases.%s.on-failure %q: use ABORT or CONTINUE", p.name, ph.OnFailure)
		}
		if len(ph.RuntimeVersions) > 0 && p.name != "install" {
			add("phases.%s.runtime-versions: runtime versions belong to the install phase", p.name)
		}
		for i, c := range append(append([]string(nil), ph.Commands...), ph.Finally...) {
			if strings.TrimSpace(c) == "" {
				add("phases.%s: command %d is empty", p.name, i+1)
			}
		}
	}
	if !hasCommands {
		add("phases: no phase has commands; a buildspec must run something")
	}

	if a := s.Artifacts; a != nil {
		if len(a.Files) == 0 {
			add("artifacts.files: empty; list at least one path or glob (e.g. **/*), or set no artifacts")
		}
		for _, f := range append(append([]string(nil), a.Files...), a.ExcludePaths...) {
			if strings.TrimSpace(f) == "" || strings.HasPrefix(f, "/") {
				add("artifacts: path %q must be non-empty and relative to base-directory", f)
			}
		}
		if strings.HasPrefix(a.BaseDirectory, "/") {
			add("artifacts.base-directory %q must be relative to the source directory", a.BaseDirectory)
		}
	}
	if c := s.Cache; c != nil {
		if len(c.Paths) == 0 {
			add("cache.paths: empty; list the directories to cache, or set no cache")
		}
		for _, p := range c.Paths {
			if strings.TrimSpace(p) == "" {
				add("cache.paths: an empty path")
			}
		}
	}
	return errors.Join(problems...)
}

// YAML returns the buildspec, validated, with every map in sorted order so
// the same Spec always gives byte-identical YAML.
func (s Spec) YAML() (string, error) {
	if err := s.Validate(); err != nil {
		return "", fmt.Errorf("buildspec: %w", err)
	}
	root := mapping()
	root.add("version", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: Version})

	env := mapping()
	if s.Env.Shell != "" {
		env.add("shell", str(s.Env.Shell))
	}
	if len(s.Env.Variables) > 0 {
		env.add("variables", strMap(s.Env.Variables))
	}
	if len(s.Env.SecretsManager) > 0 {
		env.add("secrets-manager", strMap(s.Env.SecretsManager))
	}
	if len(s.Env.ExportedVariables) > 0 {
		env.add("exported-variables", strSeq(s.Env.ExportedVariables))
	}
	if s.Env.GitCredentialHelper {
		// The reference spells it "git-credential-helper: no | yes".
		env.add("git-credential-helper", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "yes"})
	}
	if len(env.Content) > 0 {
		root.add("env", env.Node)
	}

	phases := mapping()
	for _, p := range s.phases() {
		if p.phase.empty() {
			continue
		}
		ph := mapping()
		if len(p.phase.RuntimeVersions) > 0 {
			ph.add("runtime-versions", strMap(p.phase.RuntimeVersions))
		}
		if p.phase.OnFailure != "" {
			ph.add("on-failure", str(p.phase.OnFailure))
		}
		ph.add("commands", strSeq(p.phase.Commands))
		if len(p.phase.Finally) > 0 {
			ph.add("finally", strSeq(p.phase.Finally))
		}
		phases.add(p.name, ph.Node)
	}
	root.add("phases", phases.Node)

	if a := s.Artifacts; a != nil {
		art := mapping()
		art.add("files", strSeq(a.Files))
		if len(a.ExcludePaths) > 0 {
			art.add("exclude-paths", strSeq(a.ExcludePaths))
		}
		if a.BaseDirectory != "" {
			art.add("base-directory", str(a.BaseDirectory))
		}
		if a.Name != "" {
			art.add("name", str(a.Name))
		}
		if a.DiscardPaths {
			art.add("discard-paths", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "yes"})
		}
		root.add("artifacts", art.Node)
	}
	if c := s.Cache; c != nil {
		cache := mapping()
		cache.add("paths", strSeq(c.Paths))
		root.add("cache", cache.Node)
	}

	var b strings.Builder
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(root.Node); err != nil {
		return "", fmt.Errorf("buildspec: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("buildspec: encode: %w", err)
	}
	return b.String(), nil
}

type mapNode struct{ *yaml.Node }

func mapping() mapNode { return mapNode{&yaml.Node{Kind: yaml.MappingNode}} }

func (m mapNode) add(key string, v *yaml.Node) {
	m.Content = append(m.Content, str(key), v)
}

// str is a string scalar: the encoder quotes it when YAML would read it as
// something else (a number, a bool), and a multi-line command is a literal
// block so the log and the file read like the script it is.
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func strSeq(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	for _, it := range items {
		n.Content = append(n.Content, str(it))
	}
	return n
}

func strMap(m map[string]string) *yaml.Node {
	n := mapping()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		n.add(k, str(m[k]))
	}
	return n.Node
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
