package synthcmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kumo-iac/kumo/cmd/kumo/internal/cli"
)

// The --out rule, in one place because the flag help, the README and the
// refusals all state it: --out never names a project input, and replaces an
// existing file only when it is empty or a previous synth output, since
// those are the only files whose loss costs nothing (a synth output can be
// made again). --force overrides both. The rule is the same inside and
// outside the project directory: kumo cannot tell what an unknown file
// elsewhere is worth either.

// projectInput reports whether base, a file name, is one of the files a
// Pulumi Go project is made of, and names what it is. Synth output written
// there breaks the project (a JSON Pulumi.<stack>.yaml is a different stack
// config; a JSON *.go file stops the build), even when no file existed before.
func projectInput(base string) (what string, ok bool) {
	switch {
	case base == "Pulumi.yaml" || base == "Pulumi.yml":
		return "the Pulumi project file", true
	case strings.HasPrefix(base, "Pulumi.") && (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml")):
		return "a Pulumi stack config file", true
	case base == "go.mod" || base == "go.sum" || base == "go.work" || base == "go.work.sum":
		return "a Go module file", true
	case strings.HasSuffix(base, ".go"):
		return "a Go source file", true
	}
	return "", false
}

// maxPreviousOutput bounds how much of an existing file is read to decide
// whether it is a previous synth output; anything larger needs --force.
// Synth JSON is about 1 KB per resource.
const maxPreviousOutput = 256 << 20

// treeHeader is the first line of the tree output (synth.Result.WriteTree).
var treeHeader = regexp.MustCompile(`\Astack [A-Za-z0-9_.-]+ \(project [^\s()]+\): [0-9]+ resources?\n`)

// previousOutput reports whether b holds something `kumo synth` writes: the
// JSON contract (exactly the top-level keys project, stack, resources and
// outputs, with their types, and the stack's region, which documents of
// kumo before it lack) or the tree, recognized by its first line. The file
// is read whole (checkOut bounds it by maxPreviousOutput; no program runs
// meanwhile), checked to be one JSON document by json.Valid, and its top
// level then walked without decoding the resources: decoding a 1,000-function
// stack's 12 MB output a resource at a time took 80 ms, three times a synth.
// (json.Valid counts its limit of 10,000 nesting levels from the top of the
// document; kumo writes nothing nearly as deep.)
func previousOutput(b []byte) bool {
	if treeHeader.Match(b[:min(len(b), treeHeaderMax)]) {
		return true
	}
	if !json.Valid(b) {
		return false // trailing data after the document too
	}
	i := skipSpace(b, 0)
	if b[i] != '{' {
		return false
	}
	seen := map[string]bool{}
	for i = skipSpace(b, i+1); b[i] != '}'; i = skipSpace(b, i) {
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		end := skipValue(b, i)
		var key string
		if json.Unmarshal(b[i:end], &key) != nil {
			return false
		}
		i = skipSpace(b, skipSpace(b, end)+1) // past the colon
		first := b[i]
		i = skipValue(b, i)
		switch key {
		case "project", "stack", "region":
			if first != '"' {
				return false
			}
		case "resources":
			if first != '[' {
				return false
			}
		case "outputs":
			if first != '{' {
				return false
			}
		default:
			return false
		}
		seen[key] = true
	}
	return seen["project"] && seen["stack"] && seen["resources"] && seen["outputs"]
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the JSON value starting at i, in a
// document json.Valid accepted.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	// A number, true, false or null.
	for i < len(b) && !strings.ContainsRune(",}] \t\n\r", rune(b[i])) {
		i++
	}
	return i
}

// skipString returns the index just past the JSON string starting at i.
func skipString(b []byte, i int) int {
	for i++; b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++
		}
	}
	return i + 1
}

// treeHeaderMax is how much of a file is read for the tree's first line:
// stack and project names are at most a few hundred bytes.
const treeHeaderMax = 4096

// checkOut applies the --out rule to arg (as the user typed it; path is it
// resolved against the working directory) and returns the file to write:
// path itself, or the file its symbolic links lead to, so that the links
// stay links. A refusal is a usage error naming arg that says how to
// proceed. checkOut only reads.
func checkOut(arg, path string, force bool) (string, error) {
	target, err := followLinks(path)
	if err != nil {
		return "", fmt.Errorf("--out %s: %w", arg, err)
	}
	name := "--out " + arg
	if target != path {
		name += " (a link to " + target + ")"
	}
	info, err := os.Stat(target)
	if errors.Is(err, fs.ErrNotExist) && target != path {
		// Creating a file wherever a link points is how a planted link
		// makes a program write somewhere unexpected; GNU cp refuses too.
		return "", cli.UsageErrorf("refusing to write %s: the link's target does not exist; create it first (an empty file will do), or choose another --out file", name)
	}
	if what, ok := projectInput(filepath.Base(target)); ok && !force {
		return "", cli.UsageErrorf("refusing to write %s: it is %s, a project input, not a place for synth output; choose another --out file, or pass --force to replace it", name, what)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return checkDir(name, target)
	case err != nil:
		return "", fmt.Errorf("%s: %w", name, err)
	case !info.Mode().IsRegular():
		return "", cli.UsageErrorf("cannot write %s: it is not a regular file (%s); choose a file path", name, fileKind(info.Mode()))
	case force:
		return target, nil
	}
	if info.Size() > maxPreviousOutput {
		return "", refuseOverwrite(name)
	}
	if info.Size() == 0 {
		return target, nil
	}
	f, err := os.Open(target)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	// Bounded again while reading: the file may have grown since.
	b, err := io.ReadAll(io.LimitReader(f, maxPreviousOutput+1))
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	if len(b) > maxPreviousOutput || !previousOutput(b) {
		return "", refuseOverwrite(name)
	}
	return target, nil
}

// maxLinks is how many symbolic links followLinks follows, as Linux does
// (MAXSYMLINKS), before it gives up on a loop.
const maxLinks = 40

// followLinks returns the path that the symbolic links at path (if any)
// lead to, which need not exist. Relative link targets are joined without
// cleaning, so ".." means what it means to the kernel even below a linked
// directory.
func followLinks(path string) (string, error) {
	for range maxLinks {
		info, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && info.Mode()&fs.ModeSymlink == 0) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Dir(path) + string(filepath.Separator) + dest
		}
		path = dest
	}
	return "", fmt.Errorf("more than %d symbolic links, probably a loop", maxLinks)
}

func refuseOverwrite(name string) error {
	return cli.UsageErrorf("refusing to overwrite %s: it is not a previous kumo synth output, so replacing it could lose work; choose another --out file, or pass --force to replace it", name)
}

// checkDir makes sure a new file can be created at path, so a missing
// directory is reported before the synth rather than after.
func checkDir(name, path string) (string, error) {
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("cannot write %s: directory %s does not exist", name, dir)
	case err != nil:
		return "", fmt.Errorf("%s: %w", name, err)
	case !info.IsDir():
		return "", fmt.Errorf("cannot write %s: %s is not a directory", name, dir)
	}
	return path, nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
