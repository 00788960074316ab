//go:build !unix

package kumocli

// Lock does not lock where there is no flock: two test runs in one
// checkout at once may then race to rebuild the CLI.
func Lock(path string) (unlock func(), err error) { return func() {}, nil }
