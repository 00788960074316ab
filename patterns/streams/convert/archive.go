package convert

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path"
	"time"

	"github.com/kumo-iac/kumo/internal/envvar"
)

// DefaultArchivePrefix is where Archiver writes unless OUTPUT_PREFIX says
// otherwise.
const DefaultArchivePrefix = "archive/"

// Archiver keeps a GZIP copy of every object under Prefix + key + ".gz",
// with Content-Type application/gzip and the source's content type in
// its metadata. The gzip header carries the key's base name and the
// object's last-modified time, so the same object always gives the same
// bytes.
type Archiver struct {
	Output
}

// ArchiverFromEnv configures an Archiver from OUTPUT_BUCKET (required),
// OUTPUT_PREFIX (default DefaultArchivePrefix) and MAX_OBJECT_BYTES
// (default DefaultMaxObjectBytes).
func ArchiverFromEnv(s3c S3, getenv func(string) string, log *slog.Logger) (*Handler, error) {
	e := envvar.New(getenv)
	a := &Archiver{Output: outputFromEnv(e, s3c, DefaultArchivePrefix)}
	return &Handler{Converter: a, Log: log}, e.Err()
}

// Convert archives one object.
func (a *Archiver) Convert(ctx context.Context, obj Object) (Outcome, string, error) {
	if a.own(obj) {
		return Skipped, "the archiver's own output", nil
	}
	src, gone, err := a.open(ctx, obj)
	if err != nil || gone {
		return Skipped, "gone or replaced since the event", err
	}
	defer src.body.Close()
	f, done, err := tempFile()
	if err != nil {
		return "", "", err
	}
	defer done()
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return "", "", err
	}
	zw.Name = path.Base(obj.Key)
	if src.lastModified != nil {
		zw.ModTime = time.Unix(*src.lastModified, 0)
	}
	n, err := io.Copy(zw, src.body)
	if err != nil {
		return "", "", fmt.Errorf("read the object: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", "", err
	}
	contentType := src.contentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	key := a.Prefix + obj.Key + ".gz"
	if err := a.put(ctx, key, "application/gzip", f, obj, src, map[string]string{"source-content-type": contentType}); err != nil {
		return "", "", err
	}
	return Written, fmt.Sprintf("%d bytes to s3://%s/%s", n, a.Bucket, key), nil
}
