package bundle

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// entryName is the executable name the provided.al2023 runtime starts.
const entryName = "bootstrap"

// zipTime is the one modification time every bundle carries, the earliest an
// MS-DOS timestamp can express, so build time never reaches the zip bytes.
// archive/zip also writes it as an extended-timestamp field; being fixed,
// that field is identical in every build too.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// writeZip writes the one-entry deployment zip holding the binary at bin.
// Everything archive/zip would otherwise take from the file system or the
// clock (mode, owner, times, directory entries) is fixed here.
func writeZip(w io.Writer, bin string) error {
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()

	zw := zip.NewWriter(w)
	hdr := &zip.FileHeader{Name: entryName, Method: zip.Deflate, Modified: zipTime}
	hdr.SetMode(0o755) // also marks the creator as Unix, which Lambda needs to honour the mode
	ew, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	if _, err := io.Copy(ew, f); err != nil {
		return err
	}
	return zw.Close()
}

// writeZipAtomic writes the zip of bin to path atomically and returns its
// CodeSHA256 and size.
func writeZipAtomic(path, bin string) (codeSHA string, size int64, err error) {
	h := sha256.New()
	err = writeAtomic(path, func(w io.Writer) error {
		cw := &countingWriter{w: io.MultiWriter(w, h)}
		bw := bufio.NewWriterSize(cw, 1<<20)
		if err := writeZip(bw, bin); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		size = cw.n
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), size, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeAtomic writes a cache file through a temporary file beside path and
// renames it into place, so a concurrent reader (another goroutine, another
// kumo process) sees either the old file or a complete new one.
func writeAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bundle: creating cache directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("bundle: creating cache file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	// No fsync: a file torn by a crash fails readCached's checks and is
	// rebuilt.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	done = true
	return nil
}
