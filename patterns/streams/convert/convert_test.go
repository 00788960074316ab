package convert

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/kumo-iac/kumo/internal/localaws"
)

// The converters read and write s3rver, so conditional reads, missing
// keys, metadata and content types are a real server's answers. See
// internal/localaws for installing it.
func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

type env struct {
	t       *testing.T
	ctx     context.Context
	s3      *s3.Client
	uploads string
	outputs string
	logs    *bytes.Buffer
	etags   map[string]string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	c := localaws.Shared(t, localaws.S3rver).S3()
	return &env{
		t: t, ctx: ctx, s3: c, logs: &bytes.Buffer{}, etags: map[string]string{},
		uploads: localaws.NewBucket(t, ctx, c, "uploads"),
		outputs: localaws.NewBucket(t, ctx, c, "outputs"),
	}
}

func (e *env) output(prefix string) Output {
	return Output{S3: e.s3, Bucket: e.outputs, Prefix: prefix, MaxObjectBytes: DefaultMaxObjectBytes}
}

func (e *env) handler(c Converter) *Handler {
	return &Handler{Converter: c, Log: slog.New(slog.NewJSONHandler(e.logs, nil))}
}

// upload puts an object and returns it as its event names it.
func (e *env) upload(key, contentType string, body []byte) Object {
	e.t.Helper()
	out := localaws.PutObject(e.t, e.ctx, e.s3, e.uploads, key, contentType, body, nil)
	return Object{Bucket: e.uploads, Key: key, Size: int64(len(body)), ETag: strings.Trim(aws.ToString(out.ETag), `"`)}
}

func (e *env) get(bucket, key string) (*s3.GetObjectOutput, []byte) {
	e.t.Helper()
	out, err := e.s3.GetObject(e.ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		e.t.Fatalf("get s3://%s/%s: %v", bucket, key, err)
	}
	b, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		e.t.Fatal(err)
	}
	return out, b
}

func (e *env) missing(bucket, key string) bool {
	_, err := e.s3.HeadObject(e.ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	return err != nil
}

func TestArchiveThroughSNS(t *testing.T) {
	e := newEnv(t)
	body := []byte(strings.Repeat("reading,21.5\n", 1000))
	obj := e.upload("logs/2024/03/09/app log.txt", "text/plain", body)
	h := e.handler(&Archiver{Output: e.output(DefaultArchivePrefix)})
	out, err := h.Handle(e.ctx, snsEvent(s3Event(e.uploads, obj)))
	if err != nil || out != nil {
		t.Fatalf("got %v, %v; want no response, no error", out, err)
	}
	got, gz := e.get(e.outputs, "archive/logs/2024/03/09/app log.txt.gz")
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, body) {
		t.Errorf("gunzipped: got %d bytes, %v; want the original %d", len(plain), err, len(body))
	}
	if zr.Name != "app log.txt" || zr.ModTime.IsZero() {
		t.Errorf("gzip header: got name %q, time %v; want the key's base name and the object's time", zr.Name, zr.ModTime)
	}
	if len(gz) >= len(body)/10 {
		t.Errorf("got %d bytes of gzip for %d of repetitive text; want it compressed", len(gz), len(body))
	}
	if ct := aws.ToString(got.ContentType); ct != "application/gzip" {
		t.Errorf("content type: got %q; want application/gzip", ct)
	}
	if m := got.Metadata; m["source-bucket"] != e.uploads || m["source-key"] != obj.Key || m["source-etag"] != obj.ETag || m["source-content-type"] != "text/plain" {
		t.Errorf("metadata: got %v; want the source's bucket, key, ETag and content type", m)
	}
	// A repeated delivery writes the same bytes.
	if _, err := h.Handle(e.ctx, snsEvent(s3Event(e.uploads, obj))); err != nil {
		t.Fatal(err)
	}
	if _, again := e.get(e.outputs, "archive/logs/2024/03/09/app log.txt.gz"); !bytes.Equal(again, gz) {
		t.Errorf("a second delivery wrote different bytes")
	}
}

func TestCSVToJSONLines(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, wantErr string
		rows                    int
	}{
		{
			name: "quoting, commas, line breaks, a byte order mark",
			in:   "\ufeffid,name,note\r\n1,\"Smith, Jo\",\"two\nlines\"\r\n2,Ann,\"say \"\"hi\"\"\"\r\n",
			want: `{"id":"1","name":"Smith, Jo","note":"two\nlines"}` + "\n" + `{"id":"2","name":"Ann","note":"say \"hi\""}` + "\n",
			rows: 2,
		},
		{name: "header only", in: "a,b\n", want: "", rows: 0},
		{name: "columns keep the header's order", in: "z,a\n1,2\n", want: `{"z":"1","a":"2"}` + "\n", rows: 1},
		{name: "empty", in: "", wantErr: "the file is empty"},
		{name: "ragged", in: "a,b\n1,2\n3\n", wantErr: "record on line 3: wrong number of fields"},
		{name: "unnamed column", in: "a,,c\n1,2,3\n", wantErr: `column 2 is ""`},
		{name: "repeated column", in: "a,b,a\n1,2,3\n", wantErr: `column 3 is "a"`},
		{name: "bare quote", in: "a\nx\"y\n", wantErr: "bare \" in non-quoted-field"},
	} {
		var out bytes.Buffer
		rows, err := CSVToJSONLines(&out, strings.NewReader(tc.in))
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: got %v; want an error containing %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil || out.String() != tc.want || rows != tc.rows {
			t.Errorf("%s: got %q, %d rows, %v; want %q, %d rows", tc.name, out.String(), rows, err, tc.want, tc.rows)
		}
	}
}

// A queue subscribed to the topic delivers in both envelope shapes; the
// response names only the messages whose objects failed.
func TestConvertThroughSQS(t *testing.T) {
	e := newEnv(t)
	good := e.upload("data/sales.CSV", "text/csv", []byte("region,total\neu,10\nus,20\n"))
	ragged := e.upload("data/ragged.csv", "text/csv", []byte("a,b\n1\n"))
	notCSV := e.upload("data/readme.txt", "text/plain", []byte("hello"))
	h := e.handler(&CSVConverter{Output: e.output(DefaultConvertPrefix)})
	out, err := h.Handle(e.ctx, sqsEvent(
		snsEnvelope(s3Event(e.uploads, good)), // raw delivery off
		s3Event(e.uploads, notCSV),            // raw delivery on
		s3Event(e.uploads, ragged),
		"garbage",
	))
	if err != nil {
		t.Fatal(err)
	}
	_, ok := out.(events.SQSEventResponse)
	b, _ := json.Marshal(out)
	if !ok || string(b) != `{"batchItemFailures":[{"itemIdentifier":"msg-2"},{"itemIdentifier":"msg-3"}]}` {
		t.Errorf("got %s; want the ragged file's and the garbage's messages failed", b)
	}
	got, jsonl := e.get(e.outputs, "converted/data/sales.jsonl")
	if string(jsonl) != `{"region":"eu","total":"10"}`+"\n"+`{"region":"us","total":"20"}`+"\n" {
		t.Errorf("got %q; want the rows as JSON lines", jsonl)
	}
	if ct := aws.ToString(got.ContentType); ct != "application/x-ndjson" {
		t.Errorf("content type: got %q; want application/x-ndjson", ct)
	}
	if !e.missing(e.outputs, "converted/data/readme.txt") || !e.missing(e.outputs, "converted/data/ragged.jsonl") {
		t.Errorf("a non-CSV key or a ragged file left an output")
	}
	if !strings.Contains(e.logs.String(), "wrong number of fields") {
		t.Errorf("logs: want the ragged file's parse error, got %s", e.logs)
	}
}

func testImage(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	return img
}

func encode(t *testing.T, format string, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "jpeg":
		err = jpeg.Encode(&b, img, nil)
	case "gif":
		err = gif.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestResize(t *testing.T) {
	e := newEnv(t)
	r := &Resizer{Output: e.output(DefaultResizePrefix), MaxWidth: 400, MaxHeight: 300, MaxSourcePixels: DefaultMaxSourcePixels}
	h := e.handler(r)
	wide := e.upload("img/wide.png", "image/png", encode(t, "png", testImage(1000, 200)))
	tall := e.upload("img/tall.jpg", "application/octet-stream", encode(t, "jpeg", testImage(300, 900))) // the bytes decide, not the type
	small := encode(t, "png", testImage(40, 30))
	smallObj := e.upload("img/small.png", "image/png", small)
	animated := e.upload("img/anim.gif", "image/gif", encode(t, "gif", testImage(500, 500)))
	text := e.upload("img/notes.png", "image/png", []byte("not an image at all"))

	if _, err := h.Handle(e.ctx, snsEvent(s3Event(e.uploads, wide, tall, smallObj, animated, text))); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key, format string
		w, h        int
	}{
		{"resized/img/wide.png", "png", 400, 80},
		{"resized/img/tall.jpg", "jpeg", 100, 300},
		{"resized/img/small.png", "png", 40, 30},
	} {
		out, b := e.get(e.outputs, tc.key)
		cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || format != tc.format || cfg.Width != tc.w || cfg.Height != tc.h || aws.ToString(out.ContentType) != "image/"+tc.format {
			t.Errorf("%s: got %s %d×%d (%s), %v; want %s %d×%d", tc.key, format, cfg.Width, cfg.Height, aws.ToString(out.ContentType), err, tc.format, tc.w, tc.h)
		}
	}
	if _, b := e.get(e.outputs, "resized/img/small.png"); !bytes.Equal(b, small) {
		t.Errorf("an image within the bounds: want it copied byte for byte")
	}
	if !e.missing(e.outputs, "resized/img/anim.gif") || !e.missing(e.outputs, "resized/img/notes.png") {
		t.Errorf("a GIF or a non-image left an output")
	}

	// A JPEG cut short fails (and SNS's invocation is retried); so does
	// an image claiming more pixels than a function can hold.
	full := encode(t, "jpeg", testImage(800, 800))
	broken := e.upload("img/broken.jpg", "image/jpeg", full[:len(full)/2])
	if _, err := h.Handle(e.ctx, snsEvent(s3Event(e.uploads, broken))); err == nil || !strings.Contains(err.Error(), "decode the image") {
		t.Errorf("truncated JPEG: got %v; want a decode error", err)
	}
	r.MaxSourcePixels = 1000
	if _, err := h.Handle(e.ctx, snsEvent(s3Event(e.uploads, wide))); err == nil || !strings.Contains(err.Error(), "1000×200, over 1000 pixels") {
		t.Errorf("huge image: got %v; want it refused before decoding", err)
	}
}

func TestFit(t *testing.T) {
	for _, tc := range []struct{ w, h, mw, mh, ww, wh int }{
		{1000, 200, 400, 300, 400, 80},
		{300, 900, 400, 300, 100, 300},
		{400, 300, 400, 300, 400, 300},
		{10000, 1, 100, 100, 100, 1},
		{1, 10000, 100, 100, 1, 100},
		{1001, 1000, 100, 100, 100, 100},
	} {
		if w, h := fit(tc.w, tc.h, tc.mw, tc.mh); w != tc.ww || h != tc.wh {
			t.Errorf("fit %d×%d in %d×%d: got %d×%d; want %d×%d", tc.w, tc.h, tc.mw, tc.mh, w, h, tc.ww, tc.wh)
		}
	}
}

// The output is of the object that raised the event: an object replaced
// or deleted since is skipped (its own event handles what replaced it),
// and outputs written back into the source bucket are not converted
// again.
func TestObjectsChangedSinceTheEvent(t *testing.T) {
	e := newEnv(t)
	a := &Archiver{Output: e.output(DefaultArchivePrefix)}
	h := e.handler(a)
	old := e.upload("doc.txt", "text/plain", []byte("first"))
	e.upload("doc.txt", "text/plain", []byte("second, replacing it"))
	deleted := e.upload("tmp.txt", "text/plain", []byte("brief"))
	if _, err := e.s3.DeleteObject(e.ctx, &s3.DeleteObjectInput{Bucket: aws.String(e.uploads), Key: aws.String("tmp.txt")}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Handle(e.ctx, snsEvent(s3Event(e.uploads, old, deleted))); err != nil {
		t.Fatal(err)
	}
	if !e.missing(e.outputs, "archive/doc.txt.gz") || !e.missing(e.outputs, "archive/tmp.txt.gz") {
		t.Errorf("a replaced or deleted object was archived")
	}

	same := &Archiver{Output: Output{S3: e.s3, Bucket: e.uploads, Prefix: "archive/", MaxObjectBytes: DefaultMaxObjectBytes}}
	own := e.upload("archive/doc.txt.gz", "application/gzip", []byte("x"))
	if outcome, detail, err := same.Convert(e.ctx, own); err != nil || outcome != Skipped || !strings.Contains(detail, "own output") {
		t.Errorf("own output: got %s %q, %v; want skipped", outcome, detail, err)
	}

	a.MaxObjectBytes = 3
	big := e.upload("big.txt", "text/plain", []byte("four"))
	if _, err := h.Handle(e.ctx, snsEvent(s3Event(e.uploads, big))); err == nil || !strings.Contains(err.Error(), "over MAX_OBJECT_BYTES (3)") {
		t.Errorf("got %v; want the size limit's error", err)
	}
	a.MaxObjectBytes = DefaultMaxObjectBytes
	// 1,015 bytes of key (s3rver keeps objects as files, so no path
	// segment may pass 255), 1,026 with the prefix and suffix.
	long := e.upload(strings.Repeat(strings.Repeat("k", 200)+"/", 5)+"0123456789", "text/plain", []byte("x"))
	if _, err := h.Handle(e.ctx, snsEvent(s3Event(e.uploads, long))); err == nil || !strings.Contains(err.Error(), "over S3's 1024") {
		t.Errorf("got %v; want the key length error", err)
	}
}

func TestFromEnv(t *testing.T) {
	vars := map[string]string{"OUTPUT_BUCKET": "stream-outputs", "MAX_WIDTH": "640"}
	getenv := func(k string) string { return vars[k] }
	h, err := ResizerFromEnv(nil, getenv, nil)
	if r := h.Converter.(*Resizer); err != nil || r.Bucket != "stream-outputs" || r.Prefix != DefaultResizePrefix || r.MaxWidth != 640 || r.MaxHeight != DefaultMaxHeight || r.MaxObjectBytes != DefaultMaxObjectBytes {
		t.Errorf("resize: got %+v, %v", r, err)
	}
	h, err = CSVConverterFromEnv(nil, getenv, nil)
	if c := h.Converter.(*CSVConverter); err != nil || c.Prefix != DefaultConvertPrefix {
		t.Errorf("convert: got %+v, %v", c, err)
	}
	h, err = ArchiverFromEnv(nil, getenv, nil)
	if a := h.Converter.(*Archiver); err != nil || a.Prefix != DefaultArchivePrefix {
		t.Errorf("archive: got %+v, %v", a, err)
	}
	vars = map[string]string{"OUTPUT_PREFIX": "out", "MAX_WIDTH": "0", "MAX_OBJECT_BYTES": "-1"}
	_, err = ResizerFromEnv(nil, getenv, nil)
	for _, want := range []string{"OUTPUT_BUCKET is not set", `OUTPUT_PREFIX is "out"`, `MAX_WIDTH is "0"`, `MAX_OBJECT_BYTES is "-1"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v; want it to contain %q", err, want)
		}
	}
}
