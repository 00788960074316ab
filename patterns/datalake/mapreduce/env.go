package mapreduce

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
)

// S3's rules for general purpose bucket names: 3 to 63 lower-case
// letters, digits, dots and hyphens, starting and ending with a letter or
// digit (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// envReader reads variables and collects every problem, so a function that
// cannot start says everything that is wrong at once.
type envReader struct {
	getenv func(string) string
	errs   []error
}

func (e *envReader) bucket(name, what string) string {
	v := e.getenv(name)
	switch {
	case v == "":
		e.errs = append(e.errs, fmt.Errorf("%s is not set: set it to the name of %s", name, what))
	case !bucketName.MatchString(v):
		e.errs = append(e.errs, fmt.Errorf("%s is %q: set it to the name of %s (3 to 63 of a-z 0-9 . -), not its ARN or URL", name, v, what))
	}
	return v
}

func (e *envReader) prefix(name, def string) string {
	v, ok := e.lookup(name)
	if !ok {
		return def
	}
	if (v != "" && !strings.HasSuffix(v, "/")) || strings.HasPrefix(v, "/") {
		e.errs = append(e.errs, fmt.Errorf("%s is %q: set it to a key prefix that ends in / and does not start with one, such as %q, or to nothing for the bucket's root", name, v, def))
	}
	return v
}

func (e *envReader) positive(name string, def, most int) int {
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		e.errs = append(e.errs, fmt.Errorf("%s is %q: set it to a whole number from 1 to %d (default %d)", name, v, most, def))
		return def
	}
	return n
}

// lookup treats a variable set to "" as unset, as Lambda's console does
// not distinguish them.
func (e *envReader) lookup(name string) (string, bool) {
	v := e.getenv(name)
	return v, v != ""
}

func (e *envReader) err() error { return errors.Join(e.errs...) }

// SplitterFromEnv configures a Splitter from RAW_BUCKET, WORK_BUCKET
// (required), WORK_PREFIX (default DefaultWorkPrefix), MAX_CHUNKS
// (default DefaultMaxChunks, at most 99999: chunk keys have five digits)
// and CHUNK_BYTES (default DefaultChunkBytes, at most 1 TiB).
func SplitterFromEnv(c S3, getenv func(string) string, log *slog.Logger) (*Splitter, error) {
	e := &envReader{getenv: getenv}
	s := &Splitter{
		S3:         c,
		RawBucket:  e.bucket("RAW_BUCKET", "the raw zone bucket to count"),
		WorkBucket: e.bucket("WORK_BUCKET", "the bucket for the job's intermediate objects"),
		Layout:     Layout{WorkPrefix: e.prefix("WORK_PREFIX", DefaultWorkPrefix)},
		MaxChunks:  e.positive("MAX_CHUNKS", DefaultMaxChunks, 99999),
		ChunkBytes: int64(e.positive("CHUNK_BYTES", DefaultChunkBytes, 1<<40)),
		Log:        log,
	}
	return s, e.err()
}

// MapperFromEnv configures a Mapper from RAW_BUCKET, WORK_BUCKET
// (required) and WORK_PREFIX (default DefaultWorkPrefix; the splitter's).
func MapperFromEnv(c S3, getenv func(string) string, log *slog.Logger) (*Mapper, error) {
	e := &envReader{getenv: getenv}
	m := &Mapper{
		S3:         c,
		RawBucket:  e.bucket("RAW_BUCKET", "the raw zone bucket to count"),
		WorkBucket: e.bucket("WORK_BUCKET", "the bucket for the job's intermediate objects"),
		Layout:     Layout{WorkPrefix: e.prefix("WORK_PREFIX", DefaultWorkPrefix)},
		Log:        log,
	}
	return m, e.err()
}

// ReducerFromEnv configures a Reducer from WORK_BUCKET, CURATED_BUCKET
// (required), WORK_PREFIX (default DefaultWorkPrefix; the splitter's) and
// RESULT_PREFIX (default DefaultResultPrefix).
func ReducerFromEnv(c S3, getenv func(string) string, log *slog.Logger) (*Reducer, error) {
	e := &envReader{getenv: getenv}
	r := &Reducer{
		S3:            c,
		WorkBucket:    e.bucket("WORK_BUCKET", "the bucket for the job's intermediate objects"),
		CuratedBucket: e.bucket("CURATED_BUCKET", "the curated zone bucket that receives the result"),
		Layout: Layout{
			WorkPrefix:   e.prefix("WORK_PREFIX", DefaultWorkPrefix),
			ResultPrefix: e.prefix("RESULT_PREFIX", DefaultResultPrefix),
		},
		Log: log,
	}
	return r, e.err()
}
