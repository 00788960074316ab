//go:build !unix

package synth

import "errors"

var errNoExec = errors.New("synth: this platform cannot replace a process")

// handoffShell: without exec there is no handoff; kumo runs the program as
// its child.
func handoffShell() (string, error) { return "", errNoExec }

func execProcess(path string, args, env []string) error { return errNoExec }
