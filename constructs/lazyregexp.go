package constructs

import (
	"regexp"
	"sync"
)

// lazyRegexp returns a function compiling expr on first use. Package-level
// patterns with bounded repetitions (`{1,255}`) of a character class take
// from a fraction of a millisecond to several milliseconds to compile, which
// every program importing constructs would otherwise pay at start whether or
// not it validates that input. expr is a constant, so a bad one still fails
// the first test that uses it.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
