package bundle

import (
	"errors"
	"fmt"
	"go/build"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hashicorp/go-multierror"
)

const defaultArch = "arm64"

// goarchByArch maps Lambda's architecture names to GOARCH.
var goarchByArch = map[string]string{
	"arm64":  "arm64",
	"x86_64": "amd64",
}

// target is a Spec with defaults applied and paths resolved.
type target struct {
	root string // absolute module root
	// pkg is what go list and go build get: "." or "./"-prefixed,
	// slash-separated and clean for a directory, or an import path.
	pkg string
	// importPath says pkg is an import path, resolved by the go command
	// through root's go.mod rather than as a directory under root.
	importPath bool
	name       string // package's last element, used in the zip name
	goarch     string
}

// validate checks the whole Spec before any go command runs and reports
// every problem at once, so one run shows the user everything to fix.
func (s Spec) validate() (*target, error) {
	var merr *multierror.Error
	t := &target{}

	arch := s.Arch
	if arch == "" {
		arch = defaultArch
	}
	goarch, ok := goarchByArch[arch]
	if !ok {
		merr = multierror.Append(merr, fmt.Errorf(`bundle: arch %q is not supported; use "arm64" (the default) or "x86_64"`, s.Arch))
		goarch = goarchByArch[defaultArch] // still check the package below
	}
	t.goarch = goarch

	rootOK := false
	switch {
	case s.Root == "":
		merr = multierror.Append(merr, errors.New("bundle: root is required; set it to the module root directory, the one holding go.mod"))
	default:
		root, err := filepath.Abs(s.Root)
		if err != nil {
			merr = multierror.Append(merr, fmt.Errorf("bundle: root %q: %w", s.Root, err))
			break
		}
		t.root = root
		if err := checkRoot(s.Root, root); err != nil {
			merr = multierror.Append(merr, err)
			break
		}
		rootOK = true
	}

	pkg, isImport, err := cleanPackage(s.Package)
	switch {
	case err != nil:
		merr = multierror.Append(merr, err)
	case isImport:
		// Only the go command can find an import path's directory (in the
		// module cache, a replace directory or root itself), so whether it
		// is a main package is checked once go list has run.
		t.pkg, t.importPath, t.name = pkg, true, path.Base(pkg)
	default:
		t.pkg = "./" + pkg
		t.name = path.Base(pkg)
		if pkg == "." {
			t.pkg = "."
			t.name = filepath.Base(t.root)
		}
		// The package's files can only be checked inside a usable root.
		if rootOK {
			if err := checkMainPackage(s.Package, t, goarch); err != nil {
				merr = multierror.Append(merr, err)
			}
		}
	}

	if err := merr.ErrorOrNil(); err != nil {
		return nil, err
	}
	return t, nil
}

func checkRoot(given, abs string) error {
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("bundle: root %q does not exist; set it to the module root directory, the one holding go.mod", given)
	case err != nil:
		return fmt.Errorf("bundle: root %q: %w", given, err)
	case !fi.IsDir():
		return fmt.Errorf("bundle: root %q is not a directory; set it to the module root directory, the one holding go.mod", given)
	}
	if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
		return fmt.Errorf("bundle: root %q has no go.mod; set it to the module root directory, the one holding go.mod", given)
	}
	return nil
}

// cleanPackage returns Package as a clean slash-separated path inside Root,
// without the "./" prefix, or, when isImport, as the import path it is. It
// rejects what go build would read differently from a single package.
func cleanPackage(p string) (clean string, isImport bool, err error) {
	const example = `e.g. "./functions/items", or an import path such as "github.com/kumo-iac/kumo/patterns/webapp/functions/items"`
	if p == "" {
		return "", false, fmt.Errorf("bundle: package is required; set it to the handler's package directory relative to root, %s", example)
	}
	slashed := filepath.ToSlash(p)
	if filepath.IsAbs(p) || path.IsAbs(slashed) || filepath.VolumeName(p) != "" {
		return "", false, fmt.Errorf("bundle: package %q is absolute; give the directory relative to root, %s", p, example)
	}
	if strings.Contains(slashed, "...") {
		return "", false, fmt.Errorf("bundle: package %q is a pattern; name exactly one main package, %s", p, example)
	}
	if isImportPath(p) {
		if path.Clean(p) != p || strings.ContainsAny(p, "\\ ") {
			return "", false, fmt.Errorf("bundle: package %q is not a clean import path; write it as go.mod and import statements do, %s", p, example)
		}
		return p, true, nil
	}
	clean = path.Clean(slashed)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", false, fmt.Errorf("bundle: package %q is outside root; give a directory inside root, %s", p, example)
	}
	return clean, false, nil
}

// isImportPath says p names a package by import path rather than by
// directory: it does not start with "." and its first element has a dot,
// as a module path's domain does ("github.com/..."). A directory whose name
// has a dot is written "./dir.v2/cmd".
func isImportPath(p string) bool {
	if strings.HasPrefix(p, ".") {
		return false
	}
	first, _, _ := strings.Cut(p, "/")
	return strings.Contains(first, ".")
}

// checkListedMain checks, for an import path, what checkMainPackage checks
// for a directory: that go list found a main package.
func checkListedMain(t *target, p *listedPackage) error {
	if p.Name != "main" {
		return fmt.Errorf("bundle: package %q is package %s, not main; a Lambda handler must be a main package that calls lambda.Start", t.pkg, p.Name)
	}
	return nil
}

// checkMainPackage reads the package clause of the files go build would
// compile for linux/goarch, so a library package or an empty directory is
// reported here rather than as a confusing linker error later.
//
// Within one run (TrustSourcesForThisRun) the answer for a directory and
// architecture is remembered: reading and parsing the package's files is
// most of what validating a function costs, and a stack of a thousand
// functions sharing a handler would do it two thousand times.
func checkMainPackage(given string, t *target, goarch string) error {
	dir := filepath.Join(t.root, filepath.FromSlash(strings.TrimPrefix(t.pkg, "./")))
	if !trustRun.Load() {
		return readMainPackage(given, dir, goarch)
	}
	key := mainCheckKey{given: given, dir: dir, goarch: goarch}
	if v, ok := mainChecks.Load(key); ok {
		return v.(mainCheck).err
	}
	err := readMainPackage(given, dir, goarch)
	mainChecks.Store(key, mainCheck{err})
	return err
}

// mainChecks remembers checkMainPackage's answers for the rest of a run.
var mainChecks sync.Map // mainCheckKey -> mainCheck

// mainCheckKey includes the package as given, which the error quotes.
type mainCheckKey struct{ given, dir, goarch string }

type mainCheck struct{ err error }

// readMainPackage is checkMainPackage without memory.
func readMainPackage(given, dir, goarch string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("bundle: package %q does not exist: no directory %s; give the handler's directory relative to root", given, dir)
	case err != nil:
		return fmt.Errorf("bundle: package %q: %w", given, err)
	case !fi.IsDir():
		return fmt.Errorf("bundle: package %q is not a directory; give the handler's directory relative to root", given)
	}

	bctx := build.Default
	bctx.GOOS = "linux"
	bctx.GOARCH = goarch
	bctx.CgoEnabled = false
	bctx.BuildTags = []string{"lambda.norpc"}
	p, err := bctx.ImportDir(dir, 0)
	var noGo *build.NoGoError
	switch {
	case errors.As(err, &noGo):
		return fmt.Errorf("bundle: package %q has no Go files for linux/%s; it must be a main package", given, goarch)
	case err != nil:
		return fmt.Errorf("bundle: package %q: %w", given, err)
	case p.Name != "main":
		return fmt.Errorf("bundle: package %q is package %s, not main; a Lambda handler must be a main package that calls lambda.Start", given, p.Name)
	}
	return nil
}

// Validate reports every problem with the Spec, as Build would, without
// running the go command, so callers can report bad input before they
// create anything. An import path is only checked for its form: whether it
// exists and is a main package, the go command tells Build.
func (s Spec) Validate() error {
	_, err := s.validate()
	return err
}
