package bundle

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
)

// moduleDirs caches ModuleDir answers for the life of the process: a
// program asks once per pattern instance, and go.mod does not change under
// a running program.
var moduleDirs sync.Map // moduleDirKey -> moduleDirResult

type moduleDirKey struct{ root, module string }

type moduleDirResult struct {
	dir string
	err error
}

// ModuleDir returns the directory holding the files of module as the Go
// module at root requires it: root itself when root is that module, a
// replace directory, or the read-only module-cache copy of the version
// root's go.mod and go.sum pin. Programs use it for files a module ships
// beside its Go packages, such as a pattern's static site; for its Go
// packages, give Spec.Package their import path instead.
func ModuleDir(ctx context.Context, root, module string) (string, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", fmt.Errorf("bundle: root %q: %w", root, err)
	}
	key := moduleDirKey{abs, module}
	if v, ok := moduleDirs.Load(key); ok {
		r := v.(moduleDirResult)
		return r.dir, r.err
	}
	dir, err := defaultBuilder.moduleDir(ctx, abs, module)
	if ctx.Err() == nil {
		moduleDirs.Store(key, moduleDirResult{dir, err})
	}
	return dir, err
}

func (b *builder) moduleDir(ctx context.Context, root, module string) (string, error) {
	if err := checkRoot(root, root); err != nil {
		return "", err
	}
	goBin, err := b.findGo()
	if err != nil {
		return "", err
	}
	t := &target{root: root}
	out, err := b.goCmd(ctx, goBin, t, []string{"GO111MODULE=on"}, "go list -m "+module, "list", "-m", "-f", "{{.Dir}}", module)
	if err != nil {
		return "", err
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		// go list -m does not download: the version go.mod requires is
		// not in the module cache yet.
		return "", fmt.Errorf("bundle: module %s is required by %s but not downloaded; run `go mod download %s` there", module, root, module)
	}
	return dir, nil
}
