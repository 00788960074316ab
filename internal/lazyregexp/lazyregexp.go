// Package lazyregexp compiles package-level regular expressions on first
// use instead of at program start. Patterns with bounded repetitions
// (`{1,255}`) of a character class take from a fraction of a millisecond to
// several milliseconds to compile, which every program importing kumo's
// constructs would otherwise pay at start whether or not it validates that
// input.
package lazyregexp

import (
	"regexp"
	"sync"
)

// New returns a function compiling expr on first use. expr is a constant,
// so a bad one still fails the first test that uses it.
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
