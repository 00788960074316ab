package constructs

import "github.com/kumo-iac/kumo/internal/lazyregexp"

// lazyRegexp compiles a package-level pattern on first use (see package
// lazyregexp), as the construct packages beside this one do too.
var lazyRegexp = lazyregexp.New
