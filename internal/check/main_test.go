package check

import (
	"flag"
	"fmt"
	"os"
	"testing"
)

// TestMain checks, after a full run, that every rule had a passing and a
// failing case (ruleCase): a rule without both is untested.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		for _, r := range Rules() {
			if !tested[r.ID] {
				fmt.Fprintf(os.Stderr, "rule %s has no ruleCase test (a passing and a failing case)\n", r.ID)
				code = 1
			}
		}
	}
	os.Exit(code)
}
