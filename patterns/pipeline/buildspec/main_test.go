package buildspec

import (
	"os"
	"testing"

	"github.com/kumo-iac/kumo/internal/testinputs"
)

// TestMain runs the tests so that go test caches their results only when
// the module's sources did not change while they ran: the run tests build
// an app from them in subprocesses (see testinputs).
func TestMain(m *testing.M) {
	os.Exit(testinputs.RunTests(root, m.Run))
}
