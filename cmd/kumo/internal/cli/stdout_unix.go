//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package cli

import (
	"os"
	"syscall"
)

// stdoutWasClosed reports whether fd 1 is /dev/null opened for reading and
// writing. That is what the Go runtime (checkfds, since Go 1.22) puts in
// place of a standard descriptor that was closed when the process started,
// before any of kumo's code runs, so it is the only trace a closed stdout
// leaves. A shell's >/dev/null and os/exec's nil Stdout open /dev/null
// write-only and are not mistaken for it; a parent that daemonized with
// daemon(3) hands down the same read-write /dev/null and is, which costs
// nothing that mattered: output sent there was lost as well.
func stdoutWasClosed() bool {
	out, err := os.Stdout.Stat()
	if err != nil {
		return false
	}
	null, err := os.Stat(os.DevNull)
	if err != nil || !os.SameFile(out, null) {
		return false
	}
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, os.Stdout.Fd(), syscall.F_GETFL, 0)
	return errno == 0 && flags&syscall.O_ACCMODE == syscall.O_RDWR
}
