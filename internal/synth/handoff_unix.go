//go:build unix

package synth

import (
	"os"
	"syscall"
)

// handoffShell is the POSIX shell that waits for the program in kumo's
// place.
func handoffShell() (string, error) {
	const sh = "/bin/sh"
	if _, err := os.Stat(sh); err != nil {
		return "", err
	}
	return sh, nil
}

// execProcess replaces this process with path; it returns only on failure.
func execProcess(path string, args, env []string) error {
	return syscall.Exec(path, args, env)
}
