//go:build linux || darwin || freebsd || netbsd || openbsd

package bundle

import (
	"fmt"
	"os"
	"syscall"
)

// fileIdentity is a file's device, inode, size, and modification and
// status-change times in nanoseconds: the status-change time moves with
// every write, rename onto the path or metadata change, and cannot be set
// by any tool.
func fileIdentity(info os.FileInfo) string {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprintf("%d:%d:%d:%d:%d", st.Dev, st.Ino, info.Size(), info.ModTime().UnixNano(), ctimeNano(st))
}
