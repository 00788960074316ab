package mapreduce

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
)

func TestValidateJobID(t *testing.T) {
	for _, id := range []string{"run-2024-03-09_1", "a", strings.Repeat("x", 80), "exec.with.dots", "ünïcode"} {
		if err := ValidateJobID(id); err != nil {
			t.Errorf("ValidateJobID(%q) = %v; want nil", id, err)
		}
	}
	for _, tc := range []struct{ id, want string }{
		{"", "jobId is empty"},
		{strings.Repeat("x", 81), "has 81 characters"},
		{"a/b", `contains '/'`},
		{"a b", `contains ' '`},
		{"a:b", `contains ':'`},
		{"a*", `contains '*'`},
		{"a\u0085", `contains '\u0085'`},
		{"..", "relative path segment"},
		{"a\xff", "not valid UTF-8"},
	} {
		if err := ValidateJobID(tc.id); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ValidateJobID(%q) = %v; want an error containing %q", tc.id, err, tc.want)
		}
	}
}

func TestLayoutKeys(t *testing.T) {
	l := Layout{WorkPrefix: "mapreduce/", ResultPrefix: "mapreduce/record-counts/"}
	for _, tc := range []struct{ got, want string }{
		{l.ChunkKey("j1", 7), "mapreduce/j1/chunks/00007.json"},
		{l.PartialKey("j1", 12345), "mapreduce/j1/partials/12345.json"},
		{l.ManifestKey("j1"), "mapreduce/j1/manifest.json"},
		{l.ResultKey("j1"), "mapreduce/record-counts/job=j1/counts.json"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q; want %q", tc.got, tc.want)
		}
	}
	if i, err := l.index("j1", "chunks", "mapreduce/j1/chunks/00042.json"); err != nil || i != 42 {
		t.Errorf("index of chunk 42: got %d, %v", i, err)
	}
	for _, key := range []string{
		"mapreduce/j2/chunks/00042.json",   // another job
		"mapreduce/j1/partials/00042.json", // another kind
		"mapreduce/j1/chunks/42.json",
		"mapreduce/j1/chunks/0004x.json",
		"mapreduce/j1/chunks/-0001.json",
		"raw/secret.json",
	} {
		if _, err := l.index("j1", "chunks", key); err == nil || !strings.Contains(err.Error(), "want mapreduce/j1/chunks/NNNNN.json") {
			t.Errorf("index(%q) = %v; want it refused, naming the expected form", key, err)
		}
	}
}

func objs(sizes ...int64) []Object {
	out := make([]Object, len(sizes))
	for i, s := range sizes {
		out[i] = Object{Key: string(rune('a' + i)), Size: s}
	}
	return out
}

func sizesOf(chunks [][]Object) [][]int64 {
	var out [][]int64
	for _, c := range chunks {
		var s []int64
		for _, o := range c {
			s = append(s, o.Size)
		}
		out = append(out, s)
	}
	return out
}

func TestCut(t *testing.T) {
	for _, tc := range []struct {
		sizes []int64
		limit int64
		want  string
	}{
		{nil, 10, "[]"},
		{[]int64{3, 3, 3, 3}, 10, "[[3 3 3] [3]]"},
		{[]int64{10, 1}, 10, "[[10] [1]]"},
		// An object larger than the limit is a chunk of its own.
		{[]int64{2, 25, 2, 2}, 10, "[[2] [25] [2 2]]"},
		// Empty objects ride along.
		{[]int64{0, 0, 10, 0}, 10, "[[0 0 10 0]]"},
	} {
		got := strings.ReplaceAll(strings.TrimSpace(strings.ReplaceAll(fmtJSON(sizesOf(cut(objs(tc.sizes...), tc.limit))), ",", " ")), "null", "[]")
		if got != tc.want {
			t.Errorf("cut(%v, %d) = %s; want %s", tc.sizes, tc.limit, got, tc.want)
		}
	}
}

func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestLeastChunkBytes(t *testing.T) {
	o := objs(5, 5, 5, 5, 5, 5)
	got := leastChunkBytes(o, 5, 2)
	if n := len(cut(o, got)); n > 2 {
		t.Errorf("leastChunkBytes = %d makes %d chunks; want at most 2", got, n)
	}
	if n := len(cut(o, got-1)); n <= 2 && got-1 > 5 {
		t.Errorf("leastChunkBytes = %d, but %d already makes %d chunks; want the least", got, got-1, n)
	}
	if got != 15 {
		t.Errorf("got %d; want 15", got)
	}
}

func TestTally(t *testing.T) {
	long := `{"x":"` + strings.Repeat("a", MaxLineBytes) + `"}`
	for _, tc := range []struct {
		name           string
		in             string
		valid, invalid int64
	}{
		{"empty", "", 0, 0},
		{"records", "{\"a\":1}\n{\"b\":[1,2]}\n", 2, 0},
		{"no final newline", "{\"a\":1}\n{\"b\":2}", 2, 0},
		{"blank lines and CRLF", "\n{\"a\":1}\r\n  \n\t{}\r\n", 2, 0},
		{"not objects", "[1,2]\n\"s\"\n42\nnull\n", 0, 4},
		{"broken", "{\"a\":\n{\"a\":1}}\nnot json\n", 0, 3},
		{"overlong line", "{\"a\":1}\n" + long + "\n{\"b\":2}\n", 2, 1},
		{"overlong last line", "{\"a\":1}\n" + long, 1, 1},
	} {
		v, i, err := tally(strings.NewReader(tc.in))
		if err != nil || v != tc.valid || i != tc.invalid {
			t.Errorf("%s: got %d valid, %d invalid, %v; want %d, %d", tc.name, v, i, err, tc.valid, tc.invalid)
		}
	}
}

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.Bytes()
}

func TestDecompressed(t *testing.T) {
	twoMembers := append(gz("{\"a\":1}\n"), gz("{\"b\":2}\n")...)
	for _, tc := range []struct {
		name, encoding string
		body           []byte
		want, wantErr  string
	}{
		{"plain", "", []byte("{}\n"), "{}\n", ""},
		{"gzip by magic bytes", "", gz("{}\n"), "{}\n", ""},
		{"gzip by content-encoding", "gzip", gz("{}\n"), "{}\n", ""},
		{"concatenated members", "", twoMembers, "{\"a\":1}\n{\"b\":2}\n", ""},
		{"empty with gzip encoding", "gzip", nil, "", ""},
		{"claims gzip, is not", "GZIP", []byte("{}\n"), "", "gzip: "},
	} {
		r, err := decompressed(bytes.NewReader(tc.body), tc.encoding)
		var got []byte
		if err == nil {
			got, err = io.ReadAll(r)
		}
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: got %v; want an error containing %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestFromEnv(t *testing.T) {
	vars := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	log := slog.New(slog.DiscardHandler)

	s, err := SplitterFromEnv(nil, vars("RAW_BUCKET", "lake-raw", "WORK_BUCKET", "lake-work"), log)
	if err != nil || s.MaxChunks != DefaultMaxChunks || s.Layout.WorkPrefix != DefaultWorkPrefix || s.RawBucket != "lake-raw" || s.ChunkBytes != DefaultChunkBytes {
		t.Errorf("splitter defaults: got %+v, %v", s, err)
	}
	if s, err := SplitterFromEnv(nil, vars("RAW_BUCKET", "lake-raw", "WORK_BUCKET", "lake-work", "CHUNK_BYTES", "1048576"), log); err != nil || s.ChunkBytes != 1<<20 {
		t.Errorf("CHUNK_BYTES 1048576: got %+v, %v; want chunks of 1 MiB", s, err)
	}
	r, err := ReducerFromEnv(nil, vars("WORK_BUCKET", "lake-work", "CURATED_BUCKET", "lake-curated", "RESULT_PREFIX", "counts/"), log)
	if err != nil || r.Layout.ResultPrefix != "counts/" || r.Layout.WorkPrefix != DefaultWorkPrefix {
		t.Errorf("reducer: got %+v, %v", r, err)
	}

	// Every problem at once, each naming its variable and what to set.
	_, err = SplitterFromEnv(nil, vars("WORK_BUCKET", "arn:aws:s3:::lake-work", "WORK_PREFIX", "mr", "MAX_CHUNKS", "0", "CHUNK_BYTES", "64MB"), log)
	for _, want := range []string{
		`CHUNK_BYTES is "64MB": set it to a whole number from 1 to 1099511627776 (default 67108864)`,
		"RAW_BUCKET is not set: set it to the name of the raw zone bucket",
		`WORK_BUCKET is "arn:aws:s3:::lake-work": set it to the name`,
		`WORK_PREFIX is "mr": set it to a key prefix that ends in /`,
		`MAX_CHUNKS is "0": set it to a whole number from 1 to 99999 (default 1000)`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v; want it to contain %q", err, want)
		}
	}
	_, err = MapperFromEnv(nil, vars("RAW_BUCKET", "Lake_Raw", "WORK_BUCKET", "lake-work", "WORK_PREFIX", "/abs/"), log)
	for _, want := range []string{`RAW_BUCKET is "Lake_Raw"`, `WORK_PREFIX is "/abs/"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v; want it to contain %q", err, want)
		}
	}
}

func TestForEachStopsAtTheFirstError(t *testing.T) {
	var ran atomic.Int64
	boom := errors.New("boom")
	err := forEach(context.Background(), 1000, 4, func(ctx context.Context, i int) error {
		ran.Add(1)
		if i == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || ran.Load() >= 1000 {
		t.Errorf("got %v after %d calls; want boom, and the rest not started", err, ran.Load())
	}
	ran.Store(0)
	if err := forEach(context.Background(), 50, 4, func(context.Context, int) error { ran.Add(1); return nil }); err != nil || ran.Load() != 50 {
		t.Errorf("got %v after %d calls; want nil after 50", err, ran.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := forEach(ctx, 50, 4, func(context.Context, int) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v; want context.Canceled", err)
	}
}

// The payloads are the contract with the state machine.
func TestPayloadShapes(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{SplitOutput{JobID: "j", Chunks: []string{"k"}, Objects: 2, Bytes: 3, Skipped: 1}, `{"jobId":"j","chunks":["k"],"objects":2,"bytes":3,"skipped":1}`},
		{MapOutput{Partial: "p", Records: 4, Invalid: 1}, `{"partial":"p","records":4,"invalid":1}`},
		{ReduceOutput{Result: "s3://b/k", Datasets: 2, Records: 4, Invalid: 1}, `{"result":"s3://b/k","datasets":2,"records":4,"invalid":1}`},
		{Count{Dataset: "clicks", Date: "2024-03-09", Records: 7}, `{"dataset":"clicks","date":"2024-03-09","records":7}`},
	} {
		if got := fmtJSON(tc.v); got != tc.want {
			t.Errorf("got %s; want %s", got, tc.want)
		}
	}
	var in SplitInput
	if err := json.Unmarshal([]byte(`{"jobId":"j","prefix":"clicks/","chunkBytes":1048576}`), &in); err != nil || in != (SplitInput{JobID: "j", Prefix: "clicks/", ChunkBytes: 1 << 20}) {
		t.Errorf("got %+v, %v", in, err)
	}
	var rin ReduceInput
	if err := json.Unmarshal([]byte(`{"jobId":"j","partials":["a","b"]}`), &rin); err != nil || len(rin.Partials) != 2 {
		t.Errorf("got %+v, %v", rin, err)
	}
}
