package synth

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pulumi/esc"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// EngineConfigError is the Pulumi engine's own refusal of a project's or
// stack's configuration: what `pulumi up` would stop with before running the
// program (a declared key with neither a default nor a stack value, a value
// of the wrong type, an unparsable stack file).
type EngineConfigError struct {
	Stack string
	Err   error
}

func (e *EngineConfigError) Error() string {
	return fmt.Sprintf("the Pulumi engine would refuse stack %s's configuration: %v", e.Stack, e.Err)
}

func (e *EngineConfigError) Unwrap() error { return e.Err }

// ValidateWithEngine runs the checks `pulumi up` makes of Pulumi.yaml and
// Pulumi.<stack>.yaml before it starts the program, with the engine's own
// code (workspace.LoadProject, LoadProjectStack and
// ValidateStackConfigAndApplyProjectConfig, as pkg/cmd/pulumi/operations/up.go
// calls them). Encrypted values cannot be decrypted offline, so when a stack
// holds any, value types are left unchecked (the engine skips them too
// without a decrypter) while missing keys are still reported.
func ValidateWithEngine(root, stack string) error {
	project, err := workspace.LoadProject(filepath.Join(root, projectFile))
	if err != nil {
		return &EngineConfigError{Stack: stack, Err: err}
	}
	dir := root
	if project.StackConfigDir != "" {
		dir = filepath.Join(root, project.StackConfigDir)
	}
	var warnings bytes.Buffer
	sink := diag.DefaultSink(&warnings, &warnings, diag.FormatOptions{Color: colors.Never})
	ps, err := workspace.LoadProjectStack(sink, project, filepath.Join(dir, "Pulumi."+stack+".yaml"))
	if err != nil {
		return &EngineConfigError{Stack: stack, Err: err}
	}
	var dec config.Decrypter = config.NopDecrypter
	if ps.Config.HasSecureValue() {
		dec = nil
	}
	cfg, err := ps.Config.Copy(config.NopDecrypter, config.NopEncrypter)
	if err != nil {
		return &EngineConfigError{Stack: stack, Err: err}
	}
	if err := workspace.ValidateStackConfigAndApplyProjectConfig(context.Background(), stack, project,
		esc.Value{}, cfg, config.NopEncrypter, dec); err != nil {
		return &EngineConfigError{Stack: stack, Err: fmt.Errorf("%s", strings.TrimSpace(err.Error()))}
	}
	return nil
}
