package bundle

import (
	"archive/zip"
	"bufio"
	"bytes"
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

// writeZipAtomic writes the zip of bin to a temporary file beside path and
// renames it into place, so a concurrent reader (another goroutine, another
// kumo process) sees either no zip or a complete one. It returns the zip's
// CodeSHA256.
func writeZipAtomic(path, bin string) (string, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("bundle: creating cache directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-*.zip")
	if err != nil {
		return "", fmt.Errorf("bundle: creating cache file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(tmp, h), 1<<20)
	if err := writeZip(bw, bin); err != nil {
		return "", fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return "", fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	// No fsync: a zip torn by a crash fails readCached's checks and is rebuilt.
	if err := tmp.Chmod(0o644); err != nil {
		return "", fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("bundle: writing %s: %w", path, err)
	}
	done = true
	return base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// readCached returns the CodeSHA256 of the zip at path if it is a complete
// bundle. Anything else (missing, truncated, wrong entries, bad checksum)
// reports false so the caller rebuilds over it.
func readCached(path string) (string, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) != 1 || zr.File[0].Name != entryName {
		return "", false
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		return "", false
	}
	defer rc.Close()
	// Reading to the end makes archive/zip verify the entry's CRC-32.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return "", false
	}
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:]), true
}
