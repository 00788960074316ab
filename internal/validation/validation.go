// Package validation holds the error type every layer of kumo reports bad
// input with (exported as constructs.ValidationError). It is a leaf so that
// the kumo CLI can recognise bad input, for its exit code, without linking
// the constructs and the AWS provider SDK behind them.
package validation

import (
	"fmt"
	"strings"
)

// Error reports every problem found in a construct's args or a stack's
// config at once. It is returned before any resource is registered, so
// callers (the kumo CLI in particular) can tell bad input from a failed
// deployment with errors.As.
type Error struct {
	// Scope names what was validated, e.g. `function "items"` or `stack config`.
	Scope string
	// Problems holds one error per bad field.
	Problems []error
}

func (e *Error) Error() string {
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
func (e *Error) Unwrap() []error { return e.Problems }
