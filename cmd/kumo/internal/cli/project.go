package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/kumo-iac/kumo/internal/synth"
)

// stackName is what Pulumi accepts in a stack name; anything else could not
// name a Pulumi.<stack>.yaml file safely.
var stackName = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// CheckStack rejects a --stack value that is not a Pulumi stack name.
func CheckStack(stack string) error {
	if !stackName.MatchString(stack) {
		return UsageErrorf("invalid --stack %q: use letters, digits, '-', '_' and '.'", stack)
	}
	return nil
}

// ProjectRoot is dir when given (it must hold Pulumi.yaml: an explicit
// directory that silently resolved to a parent project would surprise), or
// the project found from cwd upwards.
func ProjectRoot(cwd, dir string) (string, error) {
	if dir == "" {
		return synth.FindRoot(cwd)
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cwd, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "Pulumi.yaml")); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("no Pulumi.yaml in %s (--dir must be the project directory)", dir)
		}
		return "", fmt.Errorf("project directory: %w", err)
	}
	return dir, nil
}
