package bundle

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// record is what kumo writes beside every zip it builds, after the zip: the
// zip's SHA-256 with the source hash it was built for. A zip is served from
// the cache only when its bytes still hash to its record, so a zip that
// kumo did not write there (a hand-made one, one restored from a cache of
// other sources, a torn one) is rebuilt rather than deployed. Caches are
// restored in CI, so a missing record means "not known to be ours" and
// rebuilds too.
//
// The record proves integrity, not authorship: whoever can write both files
// can plant a matching pair.
type record struct {
	Format     string `json:"format"`
	SourceHash string `json:"sourceHash"`
	// CodeSHA256 is base64, as Bundle.CodeSHA256.
	CodeSHA256 string `json:"codeSha256"`
	Size       int64  `json:"size"`
	// Verified is the zip file's identity when its bytes last matched
	// CodeSHA256 (device, inode, size, modification and change times).
	// While the file still has it, no byte of it can have changed without
	// the kernel changing the change time, which no tool can set back, so
	// the zip is not hashed again. Any other file in its place (a restored
	// cache, a hand-made zip, an edit) has another identity and is hashed.
	// Empty where the platform reports no such identity.
	Verified string `json:"verified,omitempty"`
}

// recordPath is the record of the zip at zipPath: handler-<key>.json.
func recordPath(zipPath string) string {
	return strings.TrimSuffix(zipPath, ".zip") + ".json"
}

// writeRecord writes the record atomically; a crash before it leaves a zip
// without a record, which the next build replaces.
func writeRecord(zipPath string, r record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(recordPath(zipPath), func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// readCached returns the CodeSHA256 of the zip at zipPath if its record
// names sourceHash and the zip's bytes hash to the recorded SHA-256.
// Anything else reports false so the caller rebuilds over it.
func readCached(zipPath, sourceHash string) (string, bool) {
	b, err := os.ReadFile(recordPath(zipPath))
	if err != nil {
		return "", false
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil || r.Format != cacheFormat || r.SourceHash != sourceHash {
		return "", false
	}
	f, err := os.Open(zipPath)
	if err != nil {
		return "", false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Size() != r.Size {
		return "", false
	}
	// A zip this process already checked against this record, still the
	// same file with the same size and modification time, is not read
	// again: a stack of a thousand functions sharing one handler would
	// otherwise hash the same megabytes a thousand times. Any write (or a
	// file put in its place) changes what is compared here.
	id := fileIdentity(info)
	if prev, ok := verifiedFile(zipPath, info, id); ok && prev.codeSHA == r.CodeSHA256 {
		return r.CodeSHA256, true
	}
	if id != "" && id == r.Verified {
		verifiedZips.Store(zipPath, verifiedZip{info: info, id: id, codeSHA: r.CodeSHA256})
		return r.CodeSHA256, true
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", false
	}
	if got := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != r.CodeSHA256 {
		return "", false
	}
	verifiedZips.Store(zipPath, verifiedZip{info: info, id: id, codeSHA: r.CodeSHA256})
	// Remember this file's identity, so later runs need not hash it (if
	// the record cannot be written, they hash it again); only once the
	// bytes just hashed are on disk: the zip was written without a sync,
	// and a crash could otherwise leave a torn file with this identity.
	if id != "" && f.Sync() == nil {
		r.Verified = id
		_ = writeRecord(zipPath, r)
	}
	return r.CodeSHA256, true
}

// verifiedZips remembers, per zip path, the file this process last found
// matching its record or wrote.
var verifiedZips sync.Map

// verifiedFile returns what verifiedZips remembers of the zip at zipPath
// if info (with identity id) is still that file.
func verifiedFile(zipPath string, info os.FileInfo, id string) (verifiedZip, bool) {
	v, ok := verifiedZips.Load(zipPath)
	if !ok {
		return verifiedZip{}, false
	}
	prev := v.(verifiedZip)
	same := os.SameFile(prev.info, info) && prev.info.Size() == info.Size() && prev.info.ModTime().Equal(info.ModTime())
	if id != "" {
		same = id == prev.id // the change time too: a modification time can be set back
	}
	return prev, same
}

// VerifiedSHA256 returns the hex SHA-256 of the file at path, as info
// describes it, if this process built it as a zip or found it matching its
// record, and it is still that file: a synth showing every function's zip
// by its hash need not read a zip the bundler has just vouched for.
func VerifiedSHA256(path string, info os.FileInfo) (string, bool) {
	prev, ok := verifiedFile(filepath.Clean(path), info, fileIdentity(info))
	if !ok {
		return "", false
	}
	sum, err := base64.StdEncoding.DecodeString(prev.codeSHA)
	if err != nil {
		return "", false
	}
	return hex.EncodeToString(sum), true
}

type verifiedZip struct {
	info    os.FileInfo
	id      string
	codeSHA string
}
