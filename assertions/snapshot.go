package assertions

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// updateFlag is the -update test flag that rewrites snapshots. A flag of
// that name defined before this package's (by another golden-file
// library) is used instead; a test package importing this one must not
// define its own.
const updateFlag = "update"

func init() {
	if flag.Lookup(updateFlag) == nil {
		flag.Bool(updateFlag, false, "rewrite kumo assertions snapshots (MatchesSnapshot) from the current synth output")
	}
}

func updating() bool {
	f := flag.Lookup(updateFlag)
	if f == nil {
		return false
	}
	if g, ok := f.Value.(flag.Getter); ok {
		b, _ := g.Get().(bool)
		return b
	}
	return f.Value.String() == "true"
}

// MatchesSnapshot checks the stack's synth JSON (kumo's contract, the one
// `kumo synth --json` prints) against the golden file at path. Run the
// test with -update to write or rewrite the file; review its diff like code.
func (tpl *Template) MatchesSnapshot(path string) bool {
	tpl.t.Helper()
	got, err := tpl.JSON()
	if err != nil {
		tpl.t.Errorf("MatchesSnapshot(%s): %v", path, err)
		return false
	}
	if updating() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tpl.t.Errorf("MatchesSnapshot(%s): %v", path, err)
			return false
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tpl.t.Errorf("MatchesSnapshot(%s): %v", path, err)
			return false
		}
		return true
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		tpl.t.Errorf("MatchesSnapshot(%s): got no snapshot file; run the test with -update to write it", path)
		return false
	}
	if err != nil {
		tpl.t.Errorf("MatchesSnapshot(%s): %v", path, err)
		return false
	}
	if bytes.Equal(got, want) {
		return true
	}
	tpl.t.Errorf("MatchesSnapshot(%s): the synth output differs from the snapshot (- snapshot, + got); "+
		"if the change is intended, run the test with -update and review the file's diff:\n%s",
		path, lineDiff(string(want), string(got)))
	return false
}

// diffContext is how many equal lines show around each change.
const diffContext = 3

// maxDiffLines bounds the diff shown in a failure message.
const maxDiffLines = 80

// maxLCS bounds the lines (after trimming the common start and end) the
// line-by-line diff considers; beyond it the whole middle is shown.
const maxLCS = 3000

// lineDiff is a unified-style diff of two texts: - lines only in want, +
// lines only in got, with a few equal lines of context and line numbers.
func lineDiff(want, got string) string {
	a := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
	b := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]

	type line struct {
		op   byte // ' ', '-', '+'
		text string
		n    int // line number in want (' ', '-') or got ('+')
	}
	var ops []line
	for i := max(0, pre-diffContext); i < pre; i++ {
		ops = append(ops, line{' ', a[i], i + 1})
	}
	if len(ma) > maxLCS || len(mb) > maxLCS {
		for i, s := range ma {
			ops = append(ops, line{'-', s, pre + i + 1})
		}
		for i, s := range mb {
			ops = append(ops, line{'+', s, pre + i + 1})
		}
	} else {
		// Longest common subsequence, so scattered changes show apart.
		lcs := make([][]int32, len(ma)+1)
		for i := range lcs {
			lcs[i] = make([]int32, len(mb)+1)
		}
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) || j < len(mb) {
			switch {
			case i < len(ma) && j < len(mb) && ma[i] == mb[j]:
				ops = append(ops, line{' ', ma[i], pre + i + 1})
				i, j = i+1, j+1
			case i < len(ma) && (j == len(mb) || lcs[i+1][j] >= lcs[i][j+1]):
				ops = append(ops, line{'-', ma[i], pre + i + 1})
				i++
			default:
				ops = append(ops, line{'+', mb[j], pre + j + 1})
				j++
			}
		}
	}
	for i := len(a) - suf; i < len(a) && i < len(a)-suf+diffContext; i++ {
		ops = append(ops, line{' ', a[i], i + 1})
	}

	// Keep changes and the context around them; fold long equal runs.
	keep := make([]bool, len(ops))
	for i, o := range ops {
		if o.op != ' ' {
			for k := max(0, i-diffContext); k <= min(len(ops)-1, i+diffContext); k++ {
				keep[k] = true
			}
		}
	}
	var out strings.Builder
	shown, folded := 0, false
	for i, o := range ops {
		if !keep[i] {
			if !folded {
				out.WriteString("  …\n")
				folded = true
			}
			continue
		}
		folded = false
		if shown == maxDiffLines {
			out.WriteString("  … (diff truncated)\n")
			break
		}
		fmt.Fprintf(&out, "%c %5d %s\n", o.op, o.n, o.text)
		shown++
	}
	return strings.TrimSuffix(out.String(), "\n")
}
