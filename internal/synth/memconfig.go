package synth

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// stackConfig returns the config the program runs with: the stack files'
// unless the request carries its config in memory.
func (req Request) stackConfig(root string) (*StackConfig, error) {
	if req.Project == "" {
		return LoadStackConfig(root, req.Stack)
	}
	return memoryConfig(req.Project, req.Stack, req.Config)
}

// memoryConfig checks in-memory config as the engine checks names and keys
// before it runs a program. Without a Pulumi.yaml there are no declarations,
// so the engine's file checks (ValidateWithEngine) have nothing to check.
func memoryConfig(project, stack string, cfg map[string]string) (*StackConfig, error) {
	var errs *multierror.Error
	if err := tokens.ValidateProjectName(project); err != nil {
		errs = multierror.Append(errs, fmt.Errorf("project %q: %w", project, err))
	}
	if _, err := tokens.ParseStackName(stack); err != nil {
		errs = multierror.Append(errs, fmt.Errorf("stack %q: %w", stack, err))
	}
	raw := make(map[string]string, len(cfg))
	from := map[string]string{}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		full := qualify(project, k)
		if _, err := config.ParseKey(full); err != nil || strings.HasPrefix(full, ":") || strings.HasSuffix(full, ":") {
			errs = multierror.Append(errs, fmt.Errorf("config key %q: want namespace:name, e.g. %s:%s or aws:region", k, project, strings.Trim(k, ":")))
			continue
		}
		if prev, dup := from[full]; dup {
			errs = multierror.Append(errs, fmt.Errorf("config key %s is set twice, as %s and as %s; keep one", full, prev, k))
			continue
		}
		from[full] = k
		raw[full] = cfg[k]
	}
	if err := errs.ErrorOrNil(); err != nil {
		errs.ErrorFormat = func(es []error) string {
			msgs := make([]string, len(es))
			for i, e := range es {
				msgs[i] = e.Error()
			}
			return strings.Join(msgs, "; ")
		}
		return nil, fmt.Errorf("synth: in-memory config: %w", errs)
	}
	return &StackConfig{Project: project, Raw: raw}, nil
}
