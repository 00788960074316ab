//go:build unix

package testinputs

import "syscall"

// names lists dir with system calls, not os.Open, which is what go test's
// log of a test's inputs hooks. Like os.ReadDir, it leaves out . and ..
// (ParseDirent skips them).
func names(dir string) ([]string, error) {
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	buf := make([]byte, 16<<10)
	var out []string
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return out, nil
		}
		_, _, out = syscall.ParseDirent(buf[:n], -1, out)
	}
}
