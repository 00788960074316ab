//go:build !linux

package localaws

import "os/exec"

// setDeathSignal does nothing where the kernel cannot kill a child with its
// parent; StopAll in TestMain still stops the servers when the tests end
// normally.
func setDeathSignal(*exec.Cmd) {}
