package mapreduce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kumo-iac/kumo/patterns/datalake/catalog"
)

// parallel is how many objects a step reads or writes at once.
const parallel = 8

// Splitter cuts the raw zone into chunks for the mappers.
type Splitter struct {
	S3                    S3
	RawBucket, WorkBucket string
	Layout                Layout
	// MaxChunks is the most chunks a job may have.
	MaxChunks int
	// ChunkBytes is the chunk size of a job whose input names none.
	// Default: DefaultChunkBytes.
	ChunkBytes int64
	Log        *slog.Logger
}

// Split lists the raw bucket under in.Prefix, cuts the objects into
// chunks, writes each chunk's list and the job's manifest to the work
// bucket, and returns the chunks' keys.
func (s *Splitter) Split(ctx context.Context, in SplitInput) (SplitOutput, error) {
	if err := ValidateJobID(in.JobID); err != nil {
		return SplitOutput{}, err
	}
	if r := in.Request; r != nil {
		// The execution's own input, passed whole by the state machine
		// because a JSONPath to an absent field fails the state.
		if in.Prefix == "" {
			in.Prefix = r.Prefix
		}
		if in.ChunkBytes == 0 {
			in.ChunkBytes = r.ChunkBytes
		}
	}
	chunkBytes := in.ChunkBytes
	switch {
	case chunkBytes == 0 && s.ChunkBytes > 0:
		chunkBytes = s.ChunkBytes
	case chunkBytes == 0:
		chunkBytes = DefaultChunkBytes
	case chunkBytes < 0:
		return SplitOutput{}, fmt.Errorf("chunkBytes is %d: pass a positive number of bytes, or none for %d (64 MiB)", chunkBytes, DefaultChunkBytes)
	}
	objects, skipped, err := s.list(ctx, in.Prefix)
	if err != nil {
		return SplitOutput{}, err
	}
	chunks := cut(objects, chunkBytes)
	if len(chunks) > s.MaxChunks {
		return SplitOutput{}, fmt.Errorf("%d objects (%d bytes) under %q make %d chunks of at most chunkBytes=%d, more than MAX_CHUNKS=%d: pass chunkBytes of at least %d, or a narrower prefix",
			len(objects), total(objects), in.Prefix, len(chunks), chunkBytes, s.MaxChunks, leastChunkBytes(objects, chunkBytes, s.MaxChunks))
	}
	out := SplitOutput{JobID: in.JobID, Chunks: make([]string, len(chunks)), Objects: len(objects), Bytes: total(objects), Skipped: skipped}
	for i := range chunks {
		out.Chunks[i] = s.Layout.ChunkKey(in.JobID, i)
	}
	// Checked before anything is written, so a job that could not
	// continue leaves nothing behind.
	if b, _ := json.Marshal(out); len(b) > PayloadLimit {
		return SplitOutput{}, fmt.Errorf("the list of %d chunk keys is %d bytes, more than the %d a step may return: pass a larger chunkBytes than %d, or a shorter jobId or WORK_PREFIX", len(chunks), len(b), PayloadLimit, chunkBytes)
	}
	err = forEach(ctx, len(chunks), parallel, func(ctx context.Context, i int) error {
		return putJSON(ctx, s.S3, s.WorkBucket, out.Chunks[i], Chunk{JobID: in.JobID, Index: i, Bucket: s.RawBucket, Objects: chunks[i]})
	})
	if err != nil {
		return SplitOutput{}, err
	}
	// The manifest goes last: once it exists, so do all the chunks.
	m := Manifest{JobID: in.JobID, Prefix: in.Prefix, ChunkBytes: chunkBytes, Chunks: len(chunks), Objects: out.Objects, Bytes: out.Bytes, Skipped: skipped}
	if err := putJSON(ctx, s.S3, s.WorkBucket, s.Layout.ManifestKey(in.JobID), m); err != nil {
		return SplitOutput{}, err
	}
	s.Log.Info("split", slog.String("jobId", in.JobID), slog.Int("chunks", len(chunks)), slog.Int("objects", out.Objects),
		slog.Int64("bytes", out.Bytes), slog.Int("skipped", skipped))
	return out, nil
}

// list returns the objects under prefix that follow the lake's layout, in
// key order, and how many others it passed over.
func (s *Splitter) list(ctx context.Context, prefix string) ([]Object, int, error) {
	var objects []Object
	skipped := 0
	p := s3.NewListObjectsV2Paginator(s.S3, &s3.ListObjectsV2Input{Bucket: aws.String(s.RawBucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("list s3://%s/%s: %w", s.RawBucket, prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, "/") {
				continue // a console "folder", not data
			}
			if loc := catalog.ParseKey(key); loc.Dataset == "" || loc.Date == "" {
				skipped++
				continue
			}
			objects = append(objects, Object{Key: key, Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag)})
		}
	}
	return objects, skipped, nil
}

// cut packs objects, in order, into chunks of at most limit bytes; an
// object larger than limit is a chunk of its own.
func cut(objects []Object, limit int64) [][]Object {
	var chunks [][]Object
	var size int64
	for _, o := range objects {
		if n := len(chunks); n == 0 || size+o.Size > limit {
			chunks = append(chunks, nil)
			size = 0
		}
		chunks[len(chunks)-1] = append(chunks[len(chunks)-1], o)
		size += o.Size
	}
	return chunks
}

// leastChunkBytes is the smallest chunk size above tried that cuts
// objects into at most maxChunks chunks. cut never makes more chunks for a
// larger limit, so a binary search finds it.
func leastChunkBytes(objects []Object, tried int64, maxChunks int) int64 {
	lo, hi := tried+1, max(total(objects), tried+1)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if len(cut(objects, mid)) <= maxChunks {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func total(objects []Object) int64 {
	var n int64
	for _, o := range objects {
		n += o.Size
	}
	return n
}

func putJSON(ctx context.Context, c S3, bucket, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode s3://%s/%s: %w", bucket, key, err)
	}
	return put(ctx, c, bucket, key, "application/json", b)
}

func put(ctx context.Context, c S3, bucket, key, contentType string, b []byte) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(b),
		ContentLength: aws.Int64(int64(len(b))),
		ContentType:   aws.String(contentType),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}
