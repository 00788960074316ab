//go:build !linux

package items

import "os/exec"

// setDeathSignal does nothing where the kernel cannot kill a child with its
// parent; TestMain still stops dynalite when the tests end normally.
func setDeathSignal(*exec.Cmd) {}
