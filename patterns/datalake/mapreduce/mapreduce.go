// Package mapreduce is the data lake's serverless batch job: it counts
// the JSON-lines records in the raw zone per dataset and day. Step
// Functions runs it as a splitter, mappers in parallel (a Map state) and a
// reducer, passing the payloads below between them; all data goes through
// the work bucket, so every payload stays far below Step Functions' 256 KiB
// limit.
//
//   - Splitter lists the raw bucket and cuts the objects that follow the
//     lake's layout (<dataset>/year=YYYY/month=MM/day=DD/<file>) into
//     chunks of at most ChunkBytes, written as lists to the work bucket.
//   - Mapper streams one chunk's objects (plain or GZIP) line by line and
//     writes the counts of valid records per dataset and day, and of
//     invalid lines per dataset, as one partial result.
//   - Reducer sums the partials into one JSON-lines object in the curated
//     bucket, which a Glue crawler makes queryable from Athena.
//
// Every step writes the same keys when retried, so Step Functions may
// retry any of them. The Lambda entry points are in
// patterns/datalake/functions/{splitter,mapper,reducer}.
package mapreduce

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// S3 is the part of the S3 API the jobs call. *s3.Client satisfies it.
type S3 interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ S3 = (*s3.Client)(nil)

// Defaults of the payloads and the environment.
const (
	// DefaultChunkBytes is the input a mapper reads when the splitter's
	// payload names no chunkBytes: 64 MiB, a few seconds of reading.
	DefaultChunkBytes = 64 << 20
	// DefaultMaxChunks caps the chunks, so the mappers, and the keys
	// passed between the steps, stay bounded.
	DefaultMaxChunks = 1000
	// DefaultWorkPrefix is where chunk lists and partials go in the work
	// bucket.
	DefaultWorkPrefix = "mapreduce/"
	// DefaultResultPrefix is where results go in the curated bucket.
	DefaultResultPrefix = "mapreduce/record-counts/"
	// PayloadLimit is the most a step returns: half of Step Functions'
	// 256 KiB per state input or output
	// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html),
	// leaving room for what the state machine adds around it.
	PayloadLimit = 128 << 10
	// MaxLineBytes is the longest line a mapper parses; a longer line is
	// counted invalid. Firehose records are at most 1,000 KiB.
	MaxLineBytes = 1 << 20
)

// SplitInput is the splitter's payload.
type SplitInput struct {
	// JobID names the job's keys: the Step Functions execution name.
	JobID string `json:"jobId"`
	// Prefix limits the job to raw keys under it. Default: every key.
	Prefix string `json:"prefix,omitempty"`
	// ChunkBytes is the most a chunk holds, unless one object is larger.
	// Default: the Splitter's ChunkBytes.
	ChunkBytes int64 `json:"chunkBytes,omitempty"`
	// Request is the job's execution input, {"prefix", "chunkBytes"}, both
	// optional; Prefix and ChunkBytes take precedence over it.
	Request *SplitRequest `json:"request,omitempty"`
}

// SplitRequest is what a caller starting the job may pass.
type SplitRequest struct {
	Prefix     string `json:"prefix,omitempty"`
	ChunkBytes int64  `json:"chunkBytes,omitempty"`
}

// SplitOutput is what the splitter returns: the chunks for the Map state.
type SplitOutput struct {
	JobID string `json:"jobId"`
	// Chunks are the chunk lists' keys in the work bucket, in order.
	Chunks []string `json:"chunks"`
	// Objects and Bytes are what the chunks hold.
	Objects int   `json:"objects"`
	Bytes   int64 `json:"bytes"`
	// Skipped counts the objects under the prefix outside the lake's
	// layout (no dataset or no day partition), which are not counted.
	Skipped int `json:"skipped"`
}

// MapInput is one mapper's payload: an item of SplitOutput.Chunks.
type MapInput struct {
	JobID string `json:"jobId"`
	Chunk string `json:"chunk"`
}

// MapOutput is what a mapper returns.
type MapOutput struct {
	// Partial is the partial result's key in the work bucket.
	Partial string `json:"partial"`
	Records int64  `json:"records"`
	Invalid int64  `json:"invalid"`
}

// ReduceInput is the reducer's payload: the Partial of every MapOutput.
type ReduceInput struct {
	JobID    string   `json:"jobId"`
	Partials []string `json:"partials"`
}

// ReduceOutput is what the reducer returns.
type ReduceOutput struct {
	// Result is the result object's s3:// URL.
	Result   string `json:"result"`
	Datasets int    `json:"datasets"`
	Records  int64  `json:"records"`
	Invalid  int64  `json:"invalid"`
}

// Object is one raw object of a chunk.
type Object struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
	// ETag is the listed ETag; the mapper reads only that content.
	ETag string `json:"etag"`
}

// Chunk is a chunk list, as stored in the work bucket.
type Chunk struct {
	JobID   string   `json:"jobId"`
	Index   int      `json:"index"`
	Bucket  string   `json:"bucket"`
	Objects []Object `json:"objects"`
}

// Manifest records what the splitter cut, so the reducer can tell that it
// was given every partial.
type Manifest struct {
	JobID      string `json:"jobId"`
	Prefix     string `json:"prefix"`
	ChunkBytes int64  `json:"chunkBytes"`
	Chunks     int    `json:"chunks"`
	Objects    int    `json:"objects"`
	Bytes      int64  `json:"bytes"`
	Skipped    int    `json:"skipped"`
}

// Count is the number of valid records of one dataset on one day: a line
// of the result.
type Count struct {
	Dataset string `json:"dataset"`
	// Date is YYYY-MM-DD.
	Date    string `json:"date"`
	Records int64  `json:"records"`
}

// InvalidCount is the number of lines of one dataset that were not JSON
// objects.
type InvalidCount struct {
	Dataset string `json:"dataset"`
	Lines   int64  `json:"lines"`
}

// Partial is one mapper's result, as stored in the work bucket.
type Partial struct {
	JobID   string         `json:"jobId"`
	Chunk   int            `json:"chunk"`
	Counts  []Count        `json:"counts"`
	Invalid []InvalidCount `json:"invalid"`
}

// Layout names the job's keys in the work and curated buckets.
type Layout struct {
	// WorkPrefix and ResultPrefix are "" or end in "/".
	WorkPrefix, ResultPrefix string
}

func (l Layout) jobPrefix(jobID string) string { return l.WorkPrefix + jobID + "/" }

// ChunkKey is the key of chunk list i.
func (l Layout) ChunkKey(jobID string, i int) string {
	return fmt.Sprintf("%schunks/%05d.json", l.jobPrefix(jobID), i)
}

// PartialKey is the key of chunk i's partial result.
func (l Layout) PartialKey(jobID string, i int) string {
	return fmt.Sprintf("%spartials/%05d.json", l.jobPrefix(jobID), i)
}

// ManifestKey is the key of the job's manifest.
func (l Layout) ManifestKey(jobID string) string { return l.jobPrefix(jobID) + "manifest.json" }

// ResultKey is the key of the job's result in the curated bucket: a Hive
// partition job=<jobId>, so the crawled table has the job as a column.
func (l Layout) ResultKey(jobID string) string {
	return l.ResultPrefix + "job=" + jobID + "/counts.json"
}

// index reads i back from a key made by ChunkKey or PartialKey (kind
// "chunks" or "partials"), refusing any other key: a step reads and
// writes only its own job's keys.
func (l Layout) index(jobID, kind, key string) (int, error) {
	rest, ok := strings.CutPrefix(key, l.jobPrefix(jobID)+kind+"/")
	digits, ok2 := strings.CutSuffix(rest, ".json")
	if ok && ok2 && len(digits) == 5 && strings.Trim(digits, "0123456789") == "" {
		i, _ := strconv.Atoi(digits) // five digits always parse
		return i, nil
	}
	return 0, fmt.Errorf("%q is not a %s key of job %q: want %s", key, strings.TrimSuffix(kind, "s"), jobID, l.jobPrefix(jobID)+kind+"/NNNNN.json")
}

// ValidateJobID checks a job ID against Step Functions' rules for the
// execution names it comes from
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
// 1 to 80 characters, none of them white space, brackets, wildcards, the
// specials " # % \ ^ | ~ ` $ & , ; : / or control characters. Those rules
// also keep it one segment of an S3 key; "." and ".." are refused too.
func ValidateJobID(id string) error {
	if id == "" {
		return fmt.Errorf("jobId is empty: pass the Step Functions execution name ($$.Execution.Name)")
	}
	if n := len([]rune(id)); n > 80 {
		return fmt.Errorf("jobId %q has %d characters; Step Functions execution names have at most 80", id, n)
	}
	if !utf8.ValidString(id) {
		return fmt.Errorf("jobId %q is not valid UTF-8", id)
	}
	if id == "." || id == ".." {
		return fmt.Errorf("jobId %q would be a relative path segment in the job's keys", id)
	}
	for _, r := range id {
		if r <= 0x20 || (r >= 0x7f && r <= 0x9f) || strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r) || r == '\u00a0' || r == '\u2028' || r == '\u2029' {
			return fmt.Errorf("jobId %q contains %q, which Step Functions execution names may not: use letters, digits, - and _", id, r)
		}
	}
	return nil
}

// forEach runs fn(i) for i in [0, n) on up to workers goroutines and
// returns the first error; after one, the rest are not started.
func forEach(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  = make(chan int)
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	fed := 0
	for ; fed < n; fed++ {
		select {
		case next <- fed:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(next)
	wg.Wait()
	if first == nil && fed < n {
		first = ctx.Err() // the caller's deadline, before every item ran
	}
	return first
}
