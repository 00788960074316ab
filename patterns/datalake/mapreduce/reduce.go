package mapreduce

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
)

// Reducer sums the partial results into the job's result.
type Reducer struct {
	S3                        S3
	WorkBucket, CuratedBucket string
	Layout                    Layout
	Log                       *slog.Logger
}

// Reduce reads the job's manifest and every partial, and writes the sums
// as JSON lines, {"dataset":…,"date":"YYYY-MM-DD","records":n} sorted by
// dataset and day, to the curated bucket. in.Partials must name exactly
// one partial of each of the job's chunks: a missing one would undercount
// silently, a repeated one overcount.
func (r *Reducer) Reduce(ctx context.Context, in ReduceInput) (ReduceOutput, error) {
	if err := ValidateJobID(in.JobID); err != nil {
		return ReduceOutput{}, err
	}
	var m Manifest
	if err := getJSON(ctx, r.S3, r.WorkBucket, r.Layout.ManifestKey(in.JobID), &m); err != nil {
		return ReduceOutput{}, fmt.Errorf("job %q has no manifest (did its splitter finish?): %w", in.JobID, err)
	}
	if err := r.checkPartials(in, m.Chunks); err != nil {
		return ReduceOutput{}, err
	}
	partials := make([]Partial, len(in.Partials))
	err := forEach(ctx, len(in.Partials), parallel, func(ctx context.Context, i int) error {
		if err := getJSON(ctx, r.S3, r.WorkBucket, in.Partials[i], &partials[i]); err != nil {
			return err
		}
		if want, _ := r.Layout.index(in.JobID, "partials", in.Partials[i]); partials[i].JobID != in.JobID || partials[i].Chunk != want {
			return fmt.Errorf("partial s3://%s/%s holds chunk %d of job %q, not chunk %d of job %q", r.WorkBucket, in.Partials[i], partials[i].Chunk, partials[i].JobID, want, in.JobID)
		}
		return nil
	})
	if err != nil {
		return ReduceOutput{}, err
	}
	records := map[day]int64{}
	invalid := map[string]int64{}
	for _, p := range partials {
		for _, c := range p.Counts {
			records[day{c.Dataset, c.Date}] += c.Records
		}
		for _, c := range p.Invalid {
			invalid[c.Dataset] += c.Lines
		}
	}
	counts := sortedCounts(records)
	var body bytes.Buffer
	enc := json.NewEncoder(&body) // one JSON value per line
	datasets := map[string]bool{}
	for _, c := range counts {
		if err := enc.Encode(c); err != nil {
			return ReduceOutput{}, err
		}
		datasets[c.Dataset] = true
	}
	key := r.Layout.ResultKey(in.JobID)
	if err := put(ctx, r.S3, r.CuratedBucket, key, "application/x-ndjson", body.Bytes()); err != nil {
		return ReduceOutput{}, err
	}
	out := ReduceOutput{Result: "s3://" + r.CuratedBucket + "/" + key, Datasets: len(datasets), Records: sum(records), Invalid: sum(invalid)}
	attrs := []any{slog.String("jobId", in.JobID), slog.String("result", out.Result), slog.Int("datasets", out.Datasets),
		slog.Int64("records", out.Records), slog.Int64("invalid", out.Invalid)}
	for _, c := range sortedInvalid(invalid) {
		attrs = append(attrs, slog.Int64("invalid."+c.Dataset, c.Lines))
	}
	r.Log.Info("reduced", attrs...)
	return out, nil
}

// checkPartials compares the partials named with the chunks the
// manifest records, reporting every difference at once.
func (r *Reducer) checkPartials(in ReduceInput, chunks int) error {
	seen := make([]int, chunks)
	var problems []string
	for _, key := range in.Partials {
		i, err := r.Layout.index(in.JobID, "partials", key)
		switch {
		case err != nil:
			problems = append(problems, err.Error())
		case i >= chunks:
			problems = append(problems, fmt.Sprintf("%q is the partial of chunk %d, but the job has %d chunks", key, i, chunks))
		default:
			seen[i]++
		}
	}
	var missing, repeated []string
	for i, n := range seen {
		switch {
		case n == 0:
			missing = append(missing, r.Layout.PartialKey(in.JobID, i))
		case n > 1:
			repeated = append(repeated, r.Layout.PartialKey(in.JobID, i))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("missing the partials of %d of %d chunks: %s", len(missing), chunks, strings.Join(abbreviate(missing), ", ")))
	}
	if len(repeated) > 0 {
		problems = append(problems, "partials named more than once: "+strings.Join(abbreviate(repeated), ", "))
	}
	if len(problems) > 0 {
		return fmt.Errorf("partials of job %q: pass the partial key of every mapper's output, once each: %s", in.JobID, strings.Join(problems, "; "))
	}
	return nil
}

// abbreviate keeps an error readable when thousands of keys are wrong.
func abbreviate(keys []string) []string {
	if len(keys) <= 5 {
		return keys
	}
	return append(slices.Clip(keys[:5]), fmt.Sprintf("and %d more", len(keys)-5))
}
