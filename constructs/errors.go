package constructs

import (
	"fmt"

	"github.com/hashicorp/go-multierror"

	"github.com/kumo-iac/kumo/internal/validation"
)

// ValidationError reports every problem found in a construct's args or a
// stack's config at once. It is returned before any resource is registered,
// so callers (the kumo CLI in particular) can tell bad input from a failed
// deployment with errors.As. Its Scope names what was validated, e.g.
// `function "items"` or `stack config`; Problems holds one error per bad
// field.
type ValidationError = validation.Error

// invalid turns a multierror collected by a validate method into a
// ValidationError, or nil when nothing was wrong. Nested ValidationErrors are
// flattened so the user sees one list.
func invalid(scope string, merr *multierror.Error) error {
	if merr == nil || len(merr.Errors) == 0 {
		return nil
	}
	return &ValidationError{Scope: scope, Problems: flatten(merr.Errors)}
}

// Invalid is invalid for other packages (patterns, stacks) so that every layer
// reports bad input with the same error type.
func Invalid(scope string, merr *multierror.Error) error { return invalid(scope, merr) }

func flatten(errs []error) []error {
	var out []error
	for _, err := range errs {
		if ve, ok := err.(*ValidationError); ok {
			for _, p := range ve.Problems {
				out = append(out, fmt.Errorf("%s: %w", ve.Scope, p))
			}
			continue
		}
		out = append(out, err)
	}
	return out
}
