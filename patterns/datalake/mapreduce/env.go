package mapreduce

import (
	"log/slog"

	"github.com/kumo-iac/kumo/internal/envvar"
)

// SplitterFromEnv configures a Splitter from RAW_BUCKET, WORK_BUCKET
// (required), WORK_PREFIX (default DefaultWorkPrefix), MAX_CHUNKS
// (default DefaultMaxChunks, at most 99999: chunk keys have five digits)
// and CHUNK_BYTES (default DefaultChunkBytes, at most 1 TiB).
func SplitterFromEnv(c S3, getenv func(string) string, log *slog.Logger) (*Splitter, error) {
	e := envvar.New(getenv)
	s := &Splitter{
		S3:         c,
		RawBucket:  e.Bucket("RAW_BUCKET", "the raw zone bucket to count"),
		WorkBucket: e.Bucket("WORK_BUCKET", "the bucket for the job's intermediate objects"),
		Layout:     Layout{WorkPrefix: e.Prefix("WORK_PREFIX", DefaultWorkPrefix)},
		MaxChunks:  e.Int("MAX_CHUNKS", DefaultMaxChunks, 1, 99999),
		ChunkBytes: int64(e.Int("CHUNK_BYTES", DefaultChunkBytes, 1, 1<<40)),
		Log:        log,
	}
	return s, e.Err()
}

// MapperFromEnv configures a Mapper from RAW_BUCKET, WORK_BUCKET
// (required) and WORK_PREFIX (default DefaultWorkPrefix; the splitter's).
func MapperFromEnv(c S3, getenv func(string) string, log *slog.Logger) (*Mapper, error) {
	e := envvar.New(getenv)
	m := &Mapper{
		S3:         c,
		RawBucket:  e.Bucket("RAW_BUCKET", "the raw zone bucket to count"),
		WorkBucket: e.Bucket("WORK_BUCKET", "the bucket for the job's intermediate objects"),
		Layout:     Layout{WorkPrefix: e.Prefix("WORK_PREFIX", DefaultWorkPrefix)},
		Log:        log,
	}
	return m, e.Err()
}

// ReducerFromEnv configures a Reducer from WORK_BUCKET, CURATED_BUCKET
// (required), WORK_PREFIX (default DefaultWorkPrefix; the splitter's) and
// RESULT_PREFIX (default DefaultResultPrefix).
func ReducerFromEnv(c S3, getenv func(string) string, log *slog.Logger) (*Reducer, error) {
	e := envvar.New(getenv)
	r := &Reducer{
		S3:            c,
		WorkBucket:    e.Bucket("WORK_BUCKET", "the bucket for the job's intermediate objects"),
		CuratedBucket: e.Bucket("CURATED_BUCKET", "the curated zone bucket that receives the result"),
		Layout: Layout{
			WorkPrefix:   e.Prefix("WORK_PREFIX", DefaultWorkPrefix),
			ResultPrefix: e.Prefix("RESULT_PREFIX", DefaultResultPrefix),
		},
		Log: log,
	}
	return r, e.Err()
}
