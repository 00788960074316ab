//go:build !unix

package testinputs

import "os"

// names lists dir. Here go test records the listing, so its volatile
// entries (.git, .kumo) make the tests that call Names run again more
// often than they need to.
func names(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Name()
	}
	return out, nil
}
