package mapreduce

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/kumo-iac/kumo/internal/localaws"
)

// The job runs end to end against s3rver: real listing pages, real
// GetObject streams, real PutObject. See internal/localaws for installing
// it.
func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

type env struct {
	t                  *testing.T
	ctx                context.Context
	s3                 *s3.Client
	spy                *spyS3
	raw, work, curated string
	splitter           *Splitter
	mapper             *Mapper
	reducer            *Reducer
	logs               *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := localaws.Shared(t, localaws.S3rver)
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	t.Cleanup(cancel)
	c := srv.S3()
	e := &env{t: t, ctx: ctx, s3: c, spy: &spyS3{S3: c}, logs: &bytes.Buffer{}}
	e.raw = localaws.NewBucket(t, ctx, c, "raw")
	e.work = localaws.NewBucket(t, ctx, c, "work")
	e.curated = localaws.NewBucket(t, ctx, c, "curated")
	log := slog.New(slog.NewJSONHandler(e.logs, nil))
	vars := map[string]string{"RAW_BUCKET": e.raw, "WORK_BUCKET": e.work, "CURATED_BUCKET": e.curated}
	getenv := func(k string) string { return vars[k] }
	var err error
	if e.splitter, err = SplitterFromEnv(e.spy, getenv, log); err != nil {
		t.Fatal(err)
	}
	if e.mapper, err = MapperFromEnv(e.spy, getenv, log); err != nil {
		t.Fatal(err)
	}
	if e.reducer, err = ReducerFromEnv(e.spy, getenv, log); err != nil {
		t.Fatal(err)
	}
	return e
}

// spyS3 records the GetObject calls on the raw bucket and can fail them.
type spyS3 struct {
	S3
	mu      sync.Mutex
	gets    []*s3.GetObjectInput
	failGet func(*s3.GetObjectInput) error
}

func (s *spyS3) GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	s.mu.Lock()
	s.gets = append(s.gets, in)
	fail := s.failGet
	s.mu.Unlock()
	if fail != nil {
		if err := fail(in); err != nil {
			return nil, err
		}
	}
	return s.S3.GetObject(ctx, in, o...)
}

// file is one generated raw object and what it holds uncompressed.
type file struct {
	key, contentEncoding string
	plain                []byte
	gzip                 bool
}

// corpus generates raw objects across datasets and days, half of them
// GZIP (some marked by Content-Encoding, some only by their bytes), with
// invalid lines of several kinds, blank lines, empty files and keys
// outside the layout. It is the same for the same seed.
func corpus(seed uint64) (files []file, outside []string) {
	r := rand.New(rand.NewPCG(seed, 1))
	datasets := []string{"clicks", "orders", "sensors", "logs"}
	days := []string{"2023-12-31", "2024-01-01", "2024-01-02", "2024-02-29", "2024-03-09"}
	bad := []string{"not json", "[1,2,3]", `{"truncated":`, `"a string"`, "42", `{"a":1}}`}
	n := 0
	for _, ds := range datasets {
		for _, d := range days {
			for range r.IntN(5) { // 0 to 4 files a day
				n++
				var b bytes.Buffer
				lines := r.IntN(120)
				if r.IntN(8) == 0 {
					lines = 0 // an empty file
				}
				for l := range lines {
					switch x := r.IntN(20); {
					case x == 0:
						b.WriteString(bad[r.IntN(len(bad))])
					case x == 1:
						b.WriteString("   ") // blank, not a record
					default:
						fmt.Fprintf(&b, `{"id":%d,"dataset":%q,"at":"%sT%02d:00:00Z","v":%g}`, l, ds, d, r.IntN(24), r.Float64())
					}
					if l < lines-1 || r.IntN(2) == 0 { // some files lack a final newline
						b.WriteString("\n")
					}
				}
				y, m, dd := d[:4], d[5:7], d[8:]
				f := file{plain: b.Bytes()}
				switch r.IntN(3) {
				case 0:
					f.key = fmt.Sprintf("%s/year=%s/month=%s/day=%s/part-%04d.json", ds, y, m, dd, n)
				case 1:
					f.key = fmt.Sprintf("%s/year=%s/month=%s/day=%s/part-%04d.json.gz", ds, y, m, dd, n)
					f.gzip = true
				default: // Content-Encoding, no extension, an hour partition below the day
					f.key = fmt.Sprintf("%s/year=%s/month=%s/day=%s/hour=07/part-%04d", ds, y, m, dd, n)
					f.gzip, f.contentEncoding = true, "gzip"
				}
				files = append(files, f)
			}
		}
	}
	// A line longer than a mapper parses.
	files = append(files, file{key: "logs/year=2024/month=01/day=01/huge.json",
		plain: []byte(`{"a":1}` + "\n" + `{"blob":"` + strings.Repeat("x", MaxLineBytes) + `"}` + "\n" + `{"b":2}` + "\n")})
	outside = []string{"README.txt", "clicks/unpartitioned.json", "orders/year=2024/month=13/day=01/bad-month.json"}
	return files, outside
}

func (e *env) upload(files []file, outside []string) {
	e.t.Helper()
	err := forEach(e.ctx, len(files), 8, func(ctx context.Context, i int) error {
		f := files[i]
		body := f.plain
		if f.gzip {
			body = gz(string(f.plain))
		}
		in := &s3.PutObjectInput{Bucket: aws.String(e.raw), Key: aws.String(f.key), Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body)))}
		if f.contentEncoding != "" {
			in.ContentEncoding = aws.String(f.contentEncoding)
		}
		_, err := e.s3.PutObject(ctx, in)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, k := range outside {
		localaws.PutObject(e.t, e.ctx, e.s3, e.raw, k, "", []byte("{}\n"), nil)
	}
	localaws.PutObject(e.t, e.ctx, e.s3, e.raw, "clicks/", "", nil, nil) // a console folder
}

// expected is the direct computation the job must agree with: every line
// of every file under prefix, split and parsed on its own here.
func expected(files []file, prefix string) (counts []Count, invalid int64) {
	byDay := map[[2]string]int64{}
	for _, f := range files {
		if !strings.HasPrefix(f.key, prefix) {
			continue
		}
		parts := strings.Split(f.key, "/")
		ds := parts[0]
		date := strings.TrimPrefix(parts[1], "year=") + "-" + strings.TrimPrefix(parts[2], "month=") + "-" + strings.TrimPrefix(parts[3], "day=")
		for _, line := range strings.Split(string(f.plain), "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			var obj map[string]any
			if len(line) <= MaxLineBytes && json.Unmarshal([]byte(line), &obj) == nil {
				byDay[[2]string{ds, date}]++
			} else {
				invalid++
			}
		}
	}
	for k, n := range byDay {
		counts = append(counts, Count{Dataset: k[0], Date: k[1], Records: n})
	}
	slices.SortFunc(counts, func(a, b Count) int { return cmp.Or(cmp.Compare(a.Dataset, b.Dataset), cmp.Compare(a.Date, b.Date)) })
	return counts, invalid
}

// run is what the state machine does: split, map every chunk in
// parallel (one of them twice, as a retry would), reduce.
func (e *env) run(in SplitInput) (SplitOutput, ReduceOutput) {
	e.t.Helper()
	split, err := e.splitter.Split(e.ctx, in)
	if err != nil {
		e.t.Fatalf("split: %v", err)
	}
	outs := make([]MapOutput, len(split.Chunks))
	err = forEach(e.ctx, len(split.Chunks), 4, func(ctx context.Context, i int) error {
		var err error
		outs[i], err = e.mapper.Map(ctx, MapInput{JobID: split.JobID, Chunk: split.Chunks[i]})
		return err
	})
	if err != nil {
		e.t.Fatalf("map: %v", err)
	}
	if len(split.Chunks) > 0 {
		again, err := e.mapper.Map(e.ctx, MapInput{JobID: split.JobID, Chunk: split.Chunks[0]})
		if err != nil || again != outs[0] {
			e.t.Fatalf("retried mapper: got %+v, %v; want %+v again", again, err, outs[0])
		}
	}
	partials := make([]string, len(outs))
	for i, o := range outs {
		partials[i] = o.Partial
	}
	// The Map state's results arrive in any order.
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(partials), func(i, j int) { partials[i], partials[j] = partials[j], partials[i] })
	red, err := e.reducer.Reduce(e.ctx, ReduceInput{JobID: split.JobID, Partials: partials})
	if err != nil {
		e.t.Fatalf("reduce: %v", err)
	}
	return split, red
}

// result reads the job's result object back as counts, checking that
// every line is one JSON object with exactly the three fields.
func (e *env) result(url string) []Count {
	e.t.Helper()
	key, ok := strings.CutPrefix(url, "s3://"+e.curated+"/")
	if !ok {
		e.t.Fatalf("result %q is not in the curated bucket %s", url, e.curated)
	}
	obj, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(e.curated), Key: aws.String(key)})
	if err != nil {
		e.t.Fatal(err)
	}
	defer obj.Body.Close()
	var counts []Count
	sc := bufio.NewScanner(obj.Body)
	for sc.Scan() {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &fields); err != nil || len(fields) != 3 {
			e.t.Fatalf("result line %q: want an object with dataset, date and records (%v)", sc.Text(), err)
		}
		var c Count
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			e.t.Fatalf("result line %q: %v", sc.Text(), err)
		}
		counts = append(counts, c)
	}
	if err := sc.Err(); err != nil {
		e.t.Fatal(err)
	}
	return counts
}

func TestJobCountsWhatADirectComputationCounts(t *testing.T) {
	e := newEnv(t)
	files, outside := corpus(2024)
	e.upload(files, outside)
	wantCounts, wantInvalid := expected(files, "")

	// 4 KiB chunks make many mappers from a small corpus.
	split, red := e.run(SplitInput{JobID: "count-2024-03-10", ChunkBytes: 4 << 10})
	if len(split.Chunks) < 10 {
		t.Errorf("got %d chunks; want the corpus cut into many", len(split.Chunks))
	}
	if split.Objects != len(files) || split.Skipped != len(outside) {
		t.Errorf("got %d objects, %d skipped; want %d, %d (the folder marker is neither)", split.Objects, split.Skipped, len(files), len(outside))
	}
	got := e.result(red.Result)
	if !reflect.DeepEqual(got, wantCounts) {
		t.Errorf("got counts\n%v\nwant\n%v", got, wantCounts)
	}
	var records int64
	datasets := map[string]bool{}
	for _, c := range wantCounts {
		records += c.Records
		datasets[c.Dataset] = true
	}
	wantOut := ReduceOutput{Result: "s3://" + e.curated + "/mapreduce/record-counts/job=count-2024-03-10/counts.json", Datasets: len(datasets), Records: records, Invalid: wantInvalid}
	if red != wantOut {
		t.Errorf("got %+v; want %+v", red, wantOut)
	}
	if wantInvalid == 0 || records == 0 {
		t.Errorf("the corpus has %d records, %d invalid lines; want both", records, wantInvalid)
	}
	// Every raw read named the listed content.
	for _, in := range e.spy.gets {
		if aws.ToString(in.Bucket) == e.raw && aws.ToString(in.IfMatch) == "" {
			t.Errorf("GetObject %s without If-Match; want the listed ETag", aws.ToString(in.Key))
		}
	}
	// Every payload is small.
	b, _ := json.Marshal(split)
	if len(b) > PayloadLimit {
		t.Errorf("split output is %d bytes", len(b))
	}
}

func TestJobUnderAPrefix(t *testing.T) {
	e := newEnv(t)
	files, outside := corpus(99)
	e.upload(files, outside)
	want, wantInvalid := expected(files, "orders/")
	_, red := e.run(SplitInput{JobID: "orders-only", Prefix: "orders/"})
	if got := e.result(red.Result); !reflect.DeepEqual(got, want) || red.Invalid != wantInvalid || red.Datasets != 1 {
		t.Errorf("got %v, %+v; want %v with %d invalid, one dataset", got, red, want, wantInvalid)
	}
}

// The state machine passes the execution's input whole, as "request";
// its prefix and chunk size apply as if given directly.
func TestJobFromTheStateMachinesRequest(t *testing.T) {
	e := newEnv(t)
	files, outside := corpus(99)
	e.upload(files, outside)
	want, wantInvalid := expected(files, "orders/")
	split, red := e.run(SplitInput{JobID: "orders-request", Request: &SplitRequest{Prefix: "orders/", ChunkBytes: 4 << 10}})
	if got := e.result(red.Result); !reflect.DeepEqual(got, want) || red.Invalid != wantInvalid {
		t.Errorf("got %v, %+v; want %v with %d invalid", got, red, want, wantInvalid)
	}
	direct, _ := e.run(SplitInput{JobID: "orders-direct", Prefix: "orders/", ChunkBytes: 4 << 10})
	if len(split.Chunks) != len(direct.Chunks) || len(split.Chunks) < 2 {
		t.Errorf("got %d chunks from the request, %d given directly; want the same, and several", len(split.Chunks), len(direct.Chunks))
	}
}

// A job over nothing still writes its (empty) result, so the next steps
// and Athena see a finished job.
func TestJobOverNothing(t *testing.T) {
	e := newEnv(t)
	split, red := e.run(SplitInput{JobID: "empty"})
	if len(split.Chunks) != 0 || red.Records != 0 || red.Datasets != 0 || len(e.result(red.Result)) != 0 {
		t.Errorf("got %+v, %+v; want no chunks and an empty result", split, red)
	}
	if b := fmtJSON(split); !strings.Contains(b, `"chunks":[]`) {
		t.Errorf("got %s; want chunks as an empty array, which a Map state accepts", b)
	}
}

func TestTooManyChunksSaysWhatChunkBytesFits(t *testing.T) {
	e := newEnv(t)
	files, outside := corpus(5)
	e.upload(files, outside)
	e.splitter.MaxChunks = 5
	_, err := e.splitter.Split(e.ctx, SplitInput{JobID: "too-many", ChunkBytes: 1024})
	if err == nil || !strings.Contains(err.Error(), "more than MAX_CHUNKS=5: pass chunkBytes of at least") {
		t.Fatalf("got %v; want the error to name MAX_CHUNKS and the chunkBytes that fits", err)
	}
	var least int64
	if _, err := fmt.Sscanf(err.Error()[strings.Index(err.Error(), "at least ")+len("at least "):], "%d", &least); err != nil {
		t.Fatal(err)
	}
	split, err := e.splitter.Split(e.ctx, SplitInput{JobID: "too-many", ChunkBytes: least})
	if err != nil || len(split.Chunks) > 5 {
		t.Errorf("with the suggested chunkBytes=%d: got %d chunks, %v; want at most 5", least, len(split.Chunks), err)
	}
	if _, err := e.splitter.Split(e.ctx, SplitInput{JobID: "too-many", ChunkBytes: least - 1}); err == nil {
		t.Errorf("chunkBytes=%d also fits; want the suggestion to be the least", least-1)
	}
	// Nothing was written for the refused attempts' own keys beyond
	// what the successful one wrote.
	if _, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(e.work), Key: aws.String(e.splitter.Layout.ChunkKey("too-many", 5))}); err == nil {
		t.Errorf("chunk 5 exists; want a refused split to write nothing")
	}
}

func TestReducerNeedsEveryPartialOnce(t *testing.T) {
	e := newEnv(t)
	files, outside := corpus(11)
	e.upload(files, outside)
	split, err := e.splitter.Split(e.ctx, SplitInput{JobID: "j", ChunkBytes: 32 << 10})
	if err != nil || len(split.Chunks) < 3 {
		t.Fatalf("split: %+v, %v; want 3 chunks or more", split, err)
	}
	var partials []string
	for _, c := range split.Chunks {
		out, err := e.mapper.Map(e.ctx, MapInput{JobID: "j", Chunk: c})
		if err != nil {
			t.Fatal(err)
		}
		partials = append(partials, out.Partial)
	}
	for _, tc := range []struct {
		name     string
		partials []string
		want     []string
	}{
		{"one missing", partials[1:], []string{"missing the partials of 1 of", partials[0]}},
		{"one twice", append(slices.Clone(partials), partials[1]), []string{"partials named more than once: " + partials[1]}},
		{"another job's", append(slices.Clone(partials[1:]), "mapreduce/k/partials/00000.json"), []string{`"mapreduce/k/partials/00000.json" is not a partial key of job "j"`, "missing the partials of 1"}},
		{"beyond the chunks", append(slices.Clone(partials), "mapreduce/j/partials/99999.json"), []string{"is the partial of chunk 99999, but the job has"}},
	} {
		_, err := e.reducer.Reduce(e.ctx, ReduceInput{JobID: "j", Partials: tc.partials})
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: got %v; want it to contain %q", tc.name, err, w)
			}
		}
	}
	if _, err := e.reducer.Reduce(e.ctx, ReduceInput{JobID: "never-split", Partials: nil}); err == nil || !strings.Contains(err.Error(), `job "never-split" has no manifest`) {
		t.Errorf("unknown job: got %v; want no manifest", err)
	}
}

func TestMapperRefusals(t *testing.T) {
	e := newEnv(t)
	files, outside := corpus(3)
	e.upload(files, outside)
	split, err := e.splitter.Split(e.ctx, SplitInput{JobID: "j"})
	if err != nil || len(split.Chunks) != 1 {
		t.Fatalf("split: %+v, %v", split, err)
	}
	// Only the job's own chunk keys are read.
	for _, chunk := range []string{"clicks/year=2024/month=01/day=01/part-0001.json", "mapreduce/other/chunks/00000.json"} {
		if _, err := e.mapper.Map(e.ctx, MapInput{JobID: "j", Chunk: chunk}); err == nil || !strings.Contains(err.Error(), "is not a chunk key of job") {
			t.Errorf("chunk %q: got %v; want it refused", chunk, err)
		}
	}
	// An object replaced since the listing fails the mapper (S3 answers
	// 412 to If-Match; s3rver ignores If-Match, so the answer is
	// injected here) with what to do about it.
	e.spy.failGet = func(in *s3.GetObjectInput) error {
		if aws.ToString(in.Bucket) == e.raw {
			return &smithy.GenericAPIError{Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"}
		}
		return nil
	}
	_, err = e.mapper.Map(e.ctx, MapInput{JobID: "j", Chunk: split.Chunks[0]})
	if err == nil || !strings.Contains(err.Error(), "changed or went away since the job listed it (PreconditionFailed): start the job again") {
		t.Errorf("got %v; want the changed object named", err)
	}
	e.spy.failGet = func(in *s3.GetObjectInput) error { return errors.New("connection reset") }
	if _, err := e.mapper.Map(e.ctx, MapInput{JobID: "j", Chunk: split.Chunks[0]}); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("got %v; want the failure passed on", err)
	}
	e.spy.failGet = nil
	// A corrupt GZIP object fails the mapper rather than being counted
	// as invalid lines: the job cannot say what it held.
	localaws.PutObject(t, e.ctx, e.s3, e.raw, "clicks/year=2024/month=01/day=01/corrupt.gz", "", append(gz(`{"a":1}` + "\n")[:15], 0, 0, 0), nil)
	split, err = e.splitter.Split(e.ctx, SplitInput{JobID: "j2", Prefix: "clicks/year=2024/month=01/day=01/corrupt"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.mapper.Map(e.ctx, MapInput{JobID: "j2", Chunk: split.Chunks[0]}); err == nil || !strings.Contains(err.Error(), "read s3://"+e.raw+"/clicks/year=2024/month=01/day=01/corrupt.gz") {
		t.Errorf("got %v; want the corrupt object named", err)
	}
}
