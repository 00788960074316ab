//go:build unix

package kumocli

import (
	"os"
	"syscall"
)

// Lock holds an exclusive lock on path (created if missing) until the
// returned function is called: two test runs in one checkout take turns
// with what they share under .kumo/test.
func Lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}
