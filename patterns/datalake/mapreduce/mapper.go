package mapreduce

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/kumo-iac/kumo/patterns/datalake/catalog"
)

// Mapper counts the records of one chunk.
type Mapper struct {
	S3                    S3
	RawBucket, WorkBucket string
	Layout                Layout
	Log                   *slog.Logger
}

type day struct{ dataset, date string }

// Map reads the chunk list in.Chunk, counts the records of its objects,
// and writes the chunk's partial result. A retry rewrites the same key
// with the same counts.
func (m *Mapper) Map(ctx context.Context, in MapInput) (MapOutput, error) {
	if err := ValidateJobID(in.JobID); err != nil {
		return MapOutput{}, err
	}
	i, err := m.Layout.index(in.JobID, "chunks", in.Chunk)
	if err != nil {
		return MapOutput{}, err
	}
	var chunk Chunk
	if err := getJSON(ctx, m.S3, m.WorkBucket, in.Chunk, &chunk); err != nil {
		return MapOutput{}, err
	}
	if chunk.JobID != in.JobID || chunk.Index != i || chunk.Bucket != m.RawBucket {
		return MapOutput{}, fmt.Errorf("chunk s3://%s/%s is chunk %d of job %q over bucket %q, not chunk %d of job %q over RAW_BUCKET %q",
			m.WorkBucket, in.Chunk, chunk.Index, chunk.JobID, chunk.Bucket, i, in.JobID, m.RawBucket)
	}
	records := map[day]int64{}
	invalid := map[string]int64{}
	for _, o := range chunk.Objects {
		loc := catalog.ParseKey(o.Key)
		if loc.Dataset == "" || loc.Date == "" {
			return MapOutput{}, fmt.Errorf("chunk %s lists %q, which has no dataset or day partition: the splitter lists only keys <dataset>/year=YYYY/month=MM/day=DD/<file>", in.Chunk, o.Key)
		}
		valid, bad, err := m.count(ctx, o)
		if err != nil {
			return MapOutput{}, err
		}
		if valid > 0 {
			records[day{loc.Dataset, loc.Date}] += valid
		}
		if bad > 0 {
			invalid[loc.Dataset] += bad
		}
	}
	p := Partial{JobID: in.JobID, Chunk: i, Counts: sortedCounts(records), Invalid: sortedInvalid(invalid)}
	out := MapOutput{Partial: m.Layout.PartialKey(in.JobID, i), Records: sum(records), Invalid: sum(invalid)}
	if err := putJSON(ctx, m.S3, m.WorkBucket, out.Partial, p); err != nil {
		return MapOutput{}, err
	}
	m.Log.Info("mapped", slog.String("jobId", in.JobID), slog.String("chunk", in.Chunk), slog.Int("objects", len(chunk.Objects)),
		slog.Int64("records", out.Records), slog.Int64("invalid", out.Invalid))
	return out, nil
}

// count streams one object. It reads the content the splitter listed
// (If-Match its ETag): an object replaced since would make the job's
// counts describe neither the old nor the new data.
func (m *Mapper) count(ctx context.Context, o Object) (valid, invalid int64, err error) {
	in := &s3.GetObjectInput{Bucket: aws.String(m.RawBucket), Key: aws.String(o.Key)}
	if o.ETag != "" {
		in.IfMatch = aws.String(o.ETag)
	}
	obj, err := m.S3.GetObject(ctx, in)
	if err != nil {
		var ae smithy.APIError
		if errors.As(err, &ae) && (ae.ErrorCode() == "PreconditionFailed" || ae.ErrorCode() == "NoSuchKey") {
			return 0, 0, fmt.Errorf("s3://%s/%s changed or went away since the job listed it (%s): start the job again", m.RawBucket, o.Key, ae.ErrorCode())
		}
		return 0, 0, fmt.Errorf("get s3://%s/%s: %w", m.RawBucket, o.Key, err)
	}
	defer obj.Body.Close()
	r, err := decompressed(obj.Body, aws.ToString(obj.ContentEncoding))
	if err == nil {
		valid, invalid, err = tally(r)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("read s3://%s/%s: %w", m.RawBucket, o.Key, err)
	}
	return valid, invalid, nil
}

func getJSON(ctx context.Context, c S3, bucket, key string, v any) error {
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("get s3://%s/%s: %w", bucket, key, err)
	}
	defer obj.Body.Close()
	if err := json.NewDecoder(obj.Body).Decode(v); err != nil {
		return fmt.Errorf("decode s3://%s/%s: %w", bucket, key, err)
	}
	return nil
}

// sortedCounts lists the counts by dataset, then day: the result's order.
func sortedCounts(records map[day]int64) []Count {
	counts := make([]Count, 0, len(records))
	for d, n := range records {
		counts = append(counts, Count{Dataset: d.dataset, Date: d.date, Records: n})
	}
	slices.SortFunc(counts, func(a, b Count) int {
		return cmp.Or(cmp.Compare(a.Dataset, b.Dataset), cmp.Compare(a.Date, b.Date))
	})
	return counts
}

func sortedInvalid(invalid map[string]int64) []InvalidCount {
	out := make([]InvalidCount, 0, len(invalid))
	for _, ds := range slices.Sorted(maps.Keys(invalid)) {
		out = append(out, InvalidCount{Dataset: ds, Lines: invalid[ds]})
	}
	return out
}

func sum[K comparable](m map[K]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
