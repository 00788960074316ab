package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sample is one measured run of a command.
type sample struct {
	wall time.Duration
	// maxRSS is the largest resident set of any one process of the tree, in
	// bytes: wait4 reports the process's own peak and that of every
	// descendant it waited for (RUSAGE_BOTH), the largest of them.
	maxRSS int64
	// treeRSS is the largest sum of resident sets of the processes alive at
	// once (kumo, or the shell kumo hands its process to, and the program),
	// sampled from /proc every few milliseconds; 0 where there is no /proc.
	treeRSS int64
}

// peak is what the targets are checked against: the memory the machine
// must have for the run.
func (s sample) peak() int64 { return max(s.maxRSS, s.treeRSS) }

// measure runs cmd to completion and measures it; a non-zero exit is an
// error carrying its output.
func measure(cmd *exec.Cmd) (sample, error) {
	var out bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &out
	}
	cmd.Stderr = &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	stop := make(chan struct{})
	var (
		wg   sync.WaitGroup
		tree int64
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		tree = sampleTree(cmd.Process.Pid, stop)
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		return sample{}, fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(out.String(), 2000))
	}
	s := sample{wall: wall, treeRSS: tree}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.maxRSS = int64(ru.Maxrss)
		if runtime.GOOS != "darwin" { // Linux reports kilobytes, macOS bytes.
			s.maxRSS *= 1024
		}
	}
	return s, nil
}

// sampleTree polls the resident sets of root and its descendants until stop
// is closed and returns the largest sum seen.
func sampleTree(root int, stop <-chan struct{}) int64 {
	if _, err := os.Stat("/proc/self/statm"); err != nil {
		return 0
	}
	page := int64(os.Getpagesize())
	var peak int64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		var sum int64
		for _, pid := range descendants(root) {
			b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "statm"))
			if err != nil {
				continue
			}
			if f := strings.Fields(string(b)); len(f) > 1 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				sum += n * page
			}
		}
		peak = max(peak, sum)
		select {
		case <-stop:
			return peak
		case <-tick.C:
		}
	}
}

// descendants returns root and every process below it. It follows each
// process's children list (/proc/<pid>/task/<tid>/children), a few small
// reads, rather than scanning all of /proc every 5 ms: on a 2-core machine
// the scan took CPU from the very processes being timed. Without children
// lists (a kernel built without them) it falls back to the scan.
func descendants(root int) []int {
	if _, err := os.Stat(fmt.Sprintf("/proc/%d/task/%d/children", root, root)); err == nil {
		return childrenLists(root)
	}
	return scanDescendants(root)
}

func childrenLists(root int) []int {
	out := []int{root}
	for i := 0; i < len(out); i++ {
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", out[i]))
		if err != nil {
			continue
		}
		for _, t := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", out[i], t.Name()))
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					out = append(out, pid)
				}
			}
		}
	}
	return out
}

// scanDescendants finds root's descendants from every process's parent.
func scanDescendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The command name may hold spaces and parentheses; fields after
		// its closing parenthesis are state, then the parent's pid.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
