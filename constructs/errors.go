package constructs

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-multierror"
)

// ValidationError reports every problem found in a construct's args or a
// stack's config at once. It is returned before any resource is registered,
// so callers (the kumo CLI in particular) can tell bad input from a failed
// deployment with errors.As.
type ValidationError struct {
	// Scope names what was validated, e.g. `function "items"` or `stack config`.
	Scope string
	// Problems holds one error per bad field.
	Problems []error
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	n := len(e.Problems)
	noun := "problems"
	if n == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "invalid %s: %d %s:", e.Scope, n, noun)
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  * %s", p)
	}
	return b.String()
}

// Unwrap exposes the individual problems to errors.Is and errors.As.
func (e *ValidationError) Unwrap() []error { return e.Problems }

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
