package provider

import (
	"testing"

	"github.com/kumo-iac/kumo/internal/awsclient"
)

// SetLimits makes the releases a test runs bound their AWS calls by l, for
// the length of the test.
func SetLimits(t testing.TB, l awsclient.Limits) {
	old := limits
	limits = l
	t.Cleanup(func() { limits = old })
}
