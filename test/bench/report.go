package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

func (r *result) walls() []time.Duration {
	var ws []time.Duration
	for _, s := range r.samples {
		ws = append(ws, s.wall)
	}
	slices.Sort(ws)
	return ws
}

func (r *result) median() time.Duration {
	ws := r.walls()
	if len(ws)%2 == 1 {
		return ws[len(ws)/2]
	}
	return (ws[len(ws)/2-1] + ws[len(ws)/2]) / 2
}

// peak is the largest peak of any run, the memory the case needs.
func (r *result) peak() (largest, tree int64) {
	for _, s := range r.samples {
		largest, tree = max(largest, s.maxRSS), max(tree, s.treeRSS)
	}
	return largest, tree
}

// verdict checks the median wall time and the peak memory against the
// case's targets: PASS, FAIL (by how much) or "-" without targets.
func (r *result) verdict() string {
	var fails []string
	checked := false
	if r.wall > 0 {
		checked = true
		if m := r.median(); m > r.wall {
			fails = append(fails, fmt.Sprintf("time %.1f× target", float64(m)/float64(r.wall)))
		}
	}
	if r.rss > 0 {
		checked = true
		l, t := r.peak()
		if p := max(l, t); p > r.rss {
			fails = append(fails, fmt.Sprintf("memory %.1f× target", float64(p)/float64(r.rss)))
		}
	}
	for _, c := range r.checks {
		checked = true
		if !c.ok {
			fails = append(fails, c.what+": no")
		}
	}
	switch {
	case len(fails) > 0:
		return "FAIL (" + strings.Join(fails, ", ") + ")"
	case checked:
		return "PASS"
	}
	return "-"
}

func (r *result) target() string {
	var t []string
	if r.wall > 0 {
		t = append(t, "≤ "+secs(r.wall))
	}
	if r.rss > 0 {
		t = append(t, "≤ "+mb(r.rss))
	}
	for _, c := range r.checks {
		t = append(t, c.what)
	}
	if len(t) == 0 {
		return "-"
	}
	return strings.Join(t, ", ")
}

func (b *bench) report(w io.Writer) error {
	fmt.Fprintf(w, "kumo synth bench: %d timed runs per case after one untimed warm-up; time is wall clock, memory the peak resident set of the process tree (largest single process from wait4 / sampled sum of the run's processes: kumo, or the shell that waits in its place, and the program)\n\n", b.k)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tmedian\tmin\tmax\tpeak RSS (largest / tree)\ttarget\tverdict")
	for _, r := range b.results {
		ws := r.walls()
		l, t := r.peak()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s / %s\t%s\t%s\n", r.name, secs(r.median()), secs(ws[0]), secs(ws[len(ws)-1]), mb(l), mb(t), r.target(), r.verdict())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range b.results {
		for _, n := range r.notes {
			fmt.Fprintf(w, "  %s: %s\n", r.name, n)
		}
	}

	var scaled []*result
	for _, r := range b.results {
		if r.n > 0 {
			scaled = append(scaled, r)
		}
	}
	if len(scaled) < 2 {
		return nil
	}
	// The linearity verdict compares the fastest runs: interference on a
	// busy machine only ever adds time, so the fastest of k runs is the
	// best estimate of a case's own cost, while a ratio of differences of
	// medians swings by a third between runs of one tree (0.87×, 0.96× and
	// 1.36× on this project's machine).
	fmt.Fprintln(w, "\nmarginal cost per canary function (median time / fastest run, peak memory):")
	var perFn []float64
	for i := 1; i < len(scaled); i++ {
		a, c := scaled[i-1], scaled[i]
		dn := float64(c.n - a.n)
		dt := float64(c.median()-a.median()) / dn
		dmin := float64(c.fastest()-a.fastest()) / dn
		al, at := a.peak()
		cl, ct := c.peak()
		dm := float64(max(cl, ct)-max(al, at)) / dn
		perFn = append(perFn, dmin)
		fmt.Fprintf(w, "  %d → %d: %s / %s per function, %.1f KB/function\n", a.n, c.n,
			time.Duration(dt).Round(10*time.Microsecond), time.Duration(dmin).Round(10*time.Microsecond), dm/1024)
	}
	if len(perFn) >= 2 && perFn[0] > 0 {
		ratio := perFn[len(perFn)-1] / perFn[0]
		v := "PASS"
		if ratio > linearityLimit {
			v = "FAIL"
		}
		fmt.Fprintf(w, "  linearity: the last step costs %.2f× the first per function, fastest runs (target ≤ %.1f×): %s\n", ratio, linearityLimit, v)
	}
	return nil
}

// fastest is the fastest run's wall time.
func (r *result) fastest() time.Duration { return r.walls()[0] }

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func mb(n int64) string { return fmt.Sprintf("%d MB", n>>20) }
