//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package cli

// stdoutWasClosed is false where the Go runtime leaves a closed stdout
// closed: writes to it then fail and WriteOutput reports that.
func stdoutWasClosed() bool { return false }
