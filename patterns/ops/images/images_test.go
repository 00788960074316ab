package images

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"
	rektypes "github.com/aws/aws-sdk-go-v2/service/rekognition/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/kumo-iac/kumo/internal/localaws"
	"github.com/kumo-iac/kumo/patterns/ops/metrics"
)

// The metadata and thumbnail steps read and write s3rver, the store step
// dynalite; see internal/localaws for installing them.
func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// ---------------------------------------------------------------- EXIF fixtures

type ifdEntry struct {
	tag, typ uint16
	count    uint32
	data     []byte // the value, inline when ≤ 4 bytes
}

// tiffBlock lays out IFD0 (with pointers to an Exif IFD and a GPS IFD) in
// byte order bo, as a camera writes it.
func tiffBlock(bo binary.ByteOrder, ifd0, exif, gps []ifdEntry) []byte {
	var b bytes.Buffer
	if bo == binary.LittleEndian {
		b.WriteString("II")
	} else {
		b.WriteString("MM")
	}
	h := make([]byte, 6)
	bo.PutUint16(h, 42)
	bo.PutUint32(h[2:], 8)
	b.Write(h)
	size := func(es []ifdEntry) int { return 2 + 12*len(es) + 4 }
	extra := func(es []ifdEntry) int {
		n := 0
		for _, e := range es {
			if len(e.data) > 4 {
				n += len(e.data)
			}
		}
		return n
	}
	off0 := 8
	offExif := off0 + size(ifd0) + 12*2 + extra(ifd0)
	offGPS := offExif + size(exif) + extra(exif)
	ptr := func(tag uint16, off int) ifdEntry {
		d := make([]byte, 4)
		bo.PutUint32(d, uint32(off))
		return ifdEntry{tag: tag, typ: typeLong, count: 1, data: d}
	}
	ifd0 = append(ifd0, ptr(tagExifIFD, offExif), ptr(tagGPSIFD, offGPS))
	write := func(es []ifdEntry, at int) {
		dataAt := at + size(es)
		var tail bytes.Buffer
		n := make([]byte, 2)
		bo.PutUint16(n, uint16(len(es)))
		b.Write(n)
		for _, e := range es {
			ent := make([]byte, 12)
			bo.PutUint16(ent, e.tag)
			bo.PutUint16(ent[2:], e.typ)
			bo.PutUint32(ent[4:], e.count)
			if len(e.data) <= 4 {
				copy(ent[8:], e.data)
			} else {
				bo.PutUint32(ent[8:], uint32(dataAt+tail.Len()))
				tail.Write(e.data)
			}
			b.Write(ent)
		}
		b.Write(make([]byte, 4)) // no next IFD
		b.Write(tail.Bytes())
	}
	write(ifd0, off0)
	write(exif, offExif)
	write(gps, offGPS)
	return b.Bytes()
}

func ascii(tag uint16, s string) ifdEntry {
	return ifdEntry{tag: tag, typ: typeASCII, count: uint32(len(s) + 1), data: append([]byte(s), 0)}
}

func rationals(bo binary.ByteOrder, tag uint16, v ...uint32) ifdEntry {
	d := make([]byte, 4*len(v))
	for i, x := range v {
		bo.PutUint32(d[4*i:], x)
	}
	return ifdEntry{tag: tag, typ: typeRational, count: uint32(len(v) / 2), data: d}
}

func short(bo binary.ByteOrder, tag, v uint16) ifdEntry {
	d := make([]byte, 2)
	bo.PutUint16(d, v)
	return ifdEntry{tag: tag, typ: typeShort, count: 1, data: d}
}

// withEXIF inserts an APP1 Exif segment after a JPEG's SOI.
func withEXIF(jpg, tiff []byte) []byte {
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func cameraEXIF(bo binary.ByteOrder) []byte {
	return tiffBlock(bo,
		[]ifdEntry{ascii(tagMake, "Canon"), ascii(tagModel, "Canon EOS R6"), short(bo, tagOrientation, 6), ascii(tagDateTime, "2024:05:01 10:00:00")},
		[]ifdEntry{ascii(tagDateTimeOriginal, "2024:04:30 18:42:07")},
		// 48°51'29.6" N, 2°17'40.2" E: the Eiffel Tower.
		[]ifdEntry{ascii(tagGPSLatitudeRef, "N"), rationals(bo, tagGPSLatitude, 48, 1, 51, 1, 296, 10), ascii(tagGPSLongitudeRef, "W"), rationals(bo, tagGPSLongitude, 2, 1, 17, 1, 402, 10)})
}

func TestParseJPEGEXIFBothByteOrders(t *testing.T) {
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		x, err := ParseJPEGEXIF(withEXIF(testJPEG(t, 8, 8), cameraEXIF(bo)))
		if err != nil {
			t.Fatalf("%v: %v", bo, err)
		}
		got, _ := json.Marshal(x)
		want := `{"make":"Canon","model":"Canon EOS R6","dateTimeOriginal":"2024:04:30 18:42:07","orientation":6,"gps":{"latitude":48.8582222,"longitude":-2.2945}}`
		if string(got) != want {
			t.Errorf("%v:\ngot  %s\nwant %s", bo, got, want)
		}
	}
}

func TestParseJPEGEXIFWithoutOrBroken(t *testing.T) {
	if x, err := ParseJPEGEXIF(testJPEG(t, 4, 4)); x != nil || err != nil {
		t.Errorf("a JPEG without EXIF: got %+v, %v; want nil, nil", x, err)
	}
	broken := cameraEXIF(binary.LittleEndian)
	binary.LittleEndian.PutUint32(broken[4:], 1<<30) // IFD0 far beyond the data
	if _, err := ParseJPEGEXIF(withEXIF(testJPEG(t, 4, 4), broken)); err == nil || !strings.Contains(err.Error(), "IFD offset") {
		t.Errorf("a broken IFD offset: got %v", err)
	}
	// Offsets and counts out of range never panic.
	for i := range 64 {
		b := cameraEXIF(binary.BigEndian)
		b[8+i%len(b)] ^= 0xFF
		_, _ = ParseJPEGEXIF(withEXIF(testJPEG(t, 4, 4), b))
	}
}

func TestSniff(t *testing.T) {
	var p bytes.Buffer
	_ = png.Encode(&p, image.NewGray(image.Rect(0, 0, 1, 1)))
	for want, b := range map[string][]byte{"jpeg": testJPEG(t, 1, 1), "png": p.Bytes(), "gif": []byte("GIF89a..."), "webp": []byte("RIFF\x00\x00\x00\x00WEBPVP8 "),
		"heic": []byte("\x00\x00\x00\x18ftypheic"), "tiff": []byte("II*\x00"), "unknown": []byte("%PDF-1.7")} {
		if got := Sniff(b); got != want {
			t.Errorf("Sniff(%q) = %s; want %s", b[:min(8, len(b))], got, want)
		}
	}
}

// ---------------------------------------------------------------- starter

type fakeSFN struct {
	in     []*sfn.StartExecutionInput
	exists map[string]bool
	fail   error
}

func (f *fakeSFN) StartExecution(_ context.Context, in *sfn.StartExecutionInput, _ ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	f.in = append(f.in, in)
	if f.fail != nil {
		return nil, f.fail
	}
	if f.exists[*in.Name] {
		return nil, &sfntypes.ExecutionAlreadyExists{Message: aws.String("Execution Already Exists")}
	}
	return &sfn.StartExecutionOutput{ExecutionArn: aws.String(executionARN(*in.StateMachineArn, *in.Name))}, nil
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

func TestExecutionName(t *testing.T) {
	img := Image{Bucket: "uploads", Key: "images/holiday photos/Été 2024 (1).jpg", VersionID: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"}
	n := ExecutionName(img, "")
	if !safeName.MatchString(n) || !strings.HasPrefix(n, "images-holiday-photos-t-2024-1-jpg-") {
		t.Errorf("name %q", n)
	}
	if ExecutionName(img, "") != n {
		t.Error("not deterministic")
	}
	other := img
	other.VersionID = "another"
	if ExecutionName(other, "") == n {
		t.Error("another version got the same name")
	}
	unversioned := Image{Bucket: "uploads", Key: "images/a.png"}
	if ExecutionName(unversioned, "0055AED6DCD90281E5") == ExecutionName(unversioned, "0055AED6DCD90281E6") {
		t.Error("two uploads of an unversioned key got the same name")
	}
	long := Image{Bucket: "b", Key: "images/" + strings.Repeat("deep/", 100) + "last-part.jpg"}
	if n := ExecutionName(long, "1"); len(n) != 80 || !safeName.MatchString(n) || !strings.Contains(n, "last-part-jpg-") {
		t.Errorf("long key: %q (%d)", n, len(n))
	}
	if n := ExecutionName(Image{Bucket: "b", Key: "图片"}, "1"); !safeName.MatchString(n) || len(n) != 16 {
		t.Errorf("a key of no safe characters: %q", n)
	}
}

func s3Event(records ...events.S3EventRecord) events.S3Event { return events.S3Event{Records: records} }

func s3Record(event, key, version, seq string) events.S3EventRecord {
	var r events.S3EventRecord
	r.EventName = event
	r.S3.Bucket.Name = "uploads"
	// As S3 sends it: URL-encoded, + for a space.
	b, _ := json.Marshal(map[string]string{"key": key, "versionId": version, "sequencer": seq})
	_ = json.Unmarshal(b, &r.S3.Object)
	return r
}

func TestStarterStartsOneExecutionPerImage(t *testing.T) {
	f := &fakeSFN{exists: map[string]bool{}}
	var m bytes.Buffer
	s, err := StarterFromEnv(f, env("STATE_MACHINE_ARN", "arn:aws:states:eu-west-1:123456789012:stateMachine:images"), metrics.New(&m, "starter"), quiet)
	if err != nil {
		t.Fatal(err)
	}
	ev := s3Event(
		s3Record("ObjectCreated:Put", "images/my+cat%21.jpg", "v1", "01"),
		s3Record("ObjectCreated:Put", "documents/report.pdf", "v1", "02"),
		s3Record("ObjectRemoved:Delete", "images/old.jpg", "v1", "03"),
		s3Record("ObjectCreated:Put", "images/folder/", "", "04"),
	)
	res, err := s.Handle(t.Context(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.in) != 1 || res.Skipped != 3 {
		t.Fatalf("started %d, skipped %d; want 1 and 3", len(f.in), res.Skipped)
	}
	in := f.in[0]
	if got := aws.ToString(in.Input); got != `{"bucket":"uploads","key":"images/my cat!.jpg","versionId":"v1"}` {
		t.Errorf("input %s", got)
	}
	if aws.ToString(in.StateMachineArn) != "arn:aws:states:eu-west-1:123456789012:stateMachine:images" || !safeName.MatchString(aws.ToString(in.Name)) {
		t.Errorf("start %+v", in)
	}
	if !strings.Contains(m.String(), `"Images":1`) {
		t.Errorf("metrics %s", m.String())
	}
	// S3 delivers the same notification again: already started is fine.
	f.exists[aws.ToString(in.Name)] = true
	res, err = s.Handle(t.Context(), ev)
	if err != nil || len(res.Executions) != 1 || !strings.HasSuffix(res.Executions[0], ":execution:images:"+aws.ToString(in.Name)) {
		t.Errorf("repeat: %+v, %v", res, err)
	}
	f.fail = errors.New("AccessDeniedException")
	if _, err := s.Handle(t.Context(), ev); err == nil || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Errorf("a failed start: %v", err)
	}
}

// env is a getenv of the given variables, unset otherwise.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// The pattern's imagePrefix reaches the starter and the thumbnails.
func TestImagePrefix(t *testing.T) {
	f := &fakeSFN{exists: map[string]bool{}}
	var m bytes.Buffer
	s, err := StarterFromEnv(f, env("STATE_MACHINE_ARN", "arn:aws:states:eu-west-1:123456789012:stateMachine:images", "IMAGE_PREFIX", "uploads/photos/"), metrics.New(&m, "starter"), quiet)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Handle(context.Background(), s3Event(
		s3Record("ObjectCreated:Put", "uploads/photos/cat.jpg", "v1", "01"),
		s3Record("ObjectCreated:Put", "images/dog.jpg", "v1", "02"),
	))
	if err != nil || len(res.Executions) != 1 || res.Skipped != 1 {
		t.Errorf("got %+v, %v; want one execution (uploads/photos/cat.jpg) and images/dog.jpg skipped", res, err)
	}
	if got := ThumbnailKey("uploads/photos/trip/cat.png", "uploads/photos/"); got != ThumbnailPrefix+"trip/cat.jpg" {
		t.Errorf("ThumbnailKey: got %q; want %q", got, ThumbnailPrefix+"trip/cat.jpg")
	}
	if _, err := StarterFromEnv(f, env("STATE_MACHINE_ARN", "arn:aws:states:eu-west-1:123456789012:stateMachine:images", "IMAGE_PREFIX", "photos"), nil, quiet); err == nil || !strings.Contains(err.Error(), `IMAGE_PREFIX is "photos"`) {
		t.Errorf("IMAGE_PREFIX photos: got %v; want an error naming it", err)
	}
	th, err := ThumbnailerFromEnv(nil, env("OUTPUT_BUCKET", "ops-output", "IMAGE_PREFIX", "uploads/photos/"))
	if err != nil || th.ImagePrefix != "uploads/photos/" {
		t.Errorf("thumbnailer: got %+v, %v; want IMAGE_PREFIX read", th, err)
	}
}

func TestStarterFromEnvRefusesANameForAnARN(t *testing.T) {
	if _, err := StarterFromEnv(nil, func(string) string { return "images" }, nil, quiet); err == nil || !strings.Contains(err.Error(), `STATE_MACHINE_ARN is "images"`) {
		t.Errorf("got %v", err)
	}
}

// ---------------------------------------------------------------- metadata and thumbnail, on s3rver

func TestMetadataAndThumbnailOnS3rver(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	c := localaws.Shared(t, localaws.S3rver).S3()
	uploads := localaws.NewBucket(t, ctx, c, "uploads")
	thumbs := localaws.NewBucket(t, ctx, c, "thumbs")
	photo := withEXIF(testJPEG(t, 640, 480), cameraEXIF(binary.LittleEndian))
	localaws.PutObject(t, ctx, c, uploads, "images/trip/eiffel.jpeg", "image/jpeg", photo, nil)
	img := Image{Bucket: uploads, Key: "images/trip/eiffel.jpeg"}

	md, err := (&Metadata{S3: c, Log: quiet}).Handle(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if md.Type != "jpeg" || md.ContentType != "image/jpeg" || md.SizeBytes != int64(len(photo)) || md.Width != 640 || md.Height != 480 ||
		md.EXIF == nil || md.EXIF.Model != "Canon EOS R6" || md.EXIF.GPS == nil || len(md.Problems) != 0 {
		t.Errorf("metadata %+v exif %+v", md, md.EXIF)
	}

	th, err := ThumbnailerFromEnv(c, func(k string) string { return map[string]string{"OUTPUT_BUCKET": thumbs}[k] })
	if err != nil {
		t.Fatal(err)
	}
	res, err := th.Handle(ctx, Input{Image: img, Metadata: &md})
	if err != nil {
		t.Fatal(err)
	}
	if res.Thumbnail == nil || *res.Thumbnail != (Thumbnail{Bucket: thumbs, Key: "thumbnails/trip/eiffel.jpg", Width: 256, Height: 192}) {
		t.Fatalf("thumbnail %+v", res)
	}
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(thumbs), Key: aws.String("thumbnails/trip/eiffel.jpg")})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	cfg, format, err := image.DecodeConfig(obj.Body)
	if err != nil || format != "jpeg" || cfg.Width != 256 || cfg.Height != 192 || aws.ToString(obj.ContentType) != "image/jpeg" {
		t.Errorf("stored thumbnail: %s %dx%d %s, %v", format, cfg.Width, cfg.Height, aws.ToString(obj.ContentType), err)
	}

	// Not an image: metadata says unknown, the thumbnail step skips it.
	localaws.PutObject(t, ctx, c, uploads, "images/notes.txt", "text/plain", []byte("hello"), nil)
	txt := Image{Bucket: uploads, Key: "images/notes.txt"}
	if md, err := (&Metadata{S3: c, Log: quiet}).Handle(ctx, txt); err != nil || md.Type != "unknown" || md.SizeBytes != 5 {
		t.Errorf("text metadata %+v, %v", md, err)
	}
	if res, err := th.Handle(ctx, Input{Image: txt}); err != nil || res.Thumbnail != nil || res.Skipped == "" {
		t.Errorf("text thumbnail %+v, %v", res, err)
	}
	// A missing object fails the step, for the state machine to retry or
	// catch.
	if _, err := (&Metadata{S3: c, Log: quiet}).Handle(ctx, Image{Bucket: uploads, Key: "images/gone.jpg"}); err == nil {
		t.Error("a missing object: no error")
	}
}

func TestFit(t *testing.T) {
	for _, c := range [][4]int{{640, 480, 256, 192}, {480, 640, 192, 256}, {100, 50, 100, 50}, {10000, 10, 256, 1}} {
		if w, h := fit(c[0], c[1], 256); w != c[2] || h != c[3] {
			t.Errorf("fit(%d, %d) = %d, %d; want %d, %d", c[0], c[1], w, h, c[2], c[3])
		}
	}
}

// ---------------------------------------------------------------- detect

type fakeRekognition struct {
	in []*rekognition.DetectLabelsInput
}

func (f *fakeRekognition) DetectLabels(_ context.Context, in *rekognition.DetectLabelsInput, _ ...func(*rekognition.Options)) (*rekognition.DetectLabelsOutput, error) {
	f.in = append(f.in, in)
	return &rekognition.DetectLabelsOutput{Labels: []rektypes.Label{
		{Name: aws.String("Tower"), Confidence: aws.Float32(99.5), Parents: []rektypes.Parent{{Name: aws.String("Building")}, {Name: aws.String("Architecture")}}},
		{Name: aws.String("Person"), Confidence: aws.Float32(91), Instances: []rektypes.Instance{{}, {}}},
	}}, nil
}

func TestDetectorAsksRekognitionForTheVersion(t *testing.T) {
	f := &fakeRekognition{}
	d := &Detector{Rekognition: f}
	res, err := d.Handle(t.Context(), Input{Image: Image{Bucket: "uploads", Key: "images/a.jpg", VersionID: "v7"}, Metadata: &MetadataResult{Type: "jpeg", SizeBytes: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	in := f.in[0]
	if o := in.Image.S3Object; aws.ToString(o.Bucket) != "uploads" || aws.ToString(o.Name) != "images/a.jpg" || aws.ToString(o.Version) != "v7" || aws.ToInt32(in.MaxLabels) != 10 || aws.ToFloat32(in.MinConfidence) != 80 {
		t.Errorf("DetectLabels input %+v %+v", in, in.Image.S3Object)
	}
	got, _ := json.Marshal(res)
	if want := `{"labels":[{"name":"Tower","confidence":99.5,"parents":["Building","Architecture"]},{"name":"Person","confidence":91,"instances":2}]}`; string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, m := range []MetadataResult{{Type: "gif", SizeBytes: 10}, {Type: "png", SizeBytes: 16 << 20}} {
		res, err := d.Handle(t.Context(), Input{Image: Image{Bucket: "b", Key: "k"}, Metadata: &m})
		if err != nil || res.Skipped == "" || len(f.in) != 1 || res.Labels == nil {
			t.Errorf("%+v: got %+v, %v; want skipped without a call", m, res, err)
		}
	}
}

// ---------------------------------------------------------------- store, on dynalite

func TestStoreWritesTheCombinedRecord(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	db := localaws.Shared(t, localaws.Dynalite).DynamoDB()
	table := localaws.NewTable(t, ctx, db, "images", dynamodb.CreateTableInput{
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("imageKey"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("imageKey"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	s, err := StoreFromEnv(db, func(string) string { return table })
	if err != nil {
		t.Fatal(err)
	}
	s.Now = func() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }
	// The state as the state machine passes it, the parallel branches in
	// the thumbnail-first order.
	state := `{"bucket":"uploads","key":"images/a.jpg","versionId":"v7",
	  "metadata":{"type":"jpeg","contentType":"image/jpeg","sizeBytes":1234,"width":640,"height":480,"exif":{"make":"Canon","gps":{"latitude":48.8,"longitude":2.3}}},
	  "analysis":[{"thumbnail":{"bucket":"thumbs","key":"thumbnails/a.jpg","width":256,"height":192}},{"labels":[{"name":"Tower","confidence":99.5}]}]}`
	var in StoreInput
	if err := json.Unmarshal([]byte(state), &in); err != nil {
		t.Fatal(err)
	}
	out, err := s.Handle(ctx, in)
	if err != nil || out.ImageKey != "images/a.jpg" {
		t.Fatalf("got %+v, %v", out, err)
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]ddbtypes.AttributeValue{"imageKey": &ddbtypes.AttributeValueMemberS{Value: "images/a.jpg"}}})
	if err != nil {
		t.Fatal(err)
	}
	var r Record
	if err := attributevalue.UnmarshalMap(got.Item, &r); err != nil {
		t.Fatal(err)
	}
	if r.Bucket != "uploads" || r.VersionID != "v7" || r.Width != 640 || r.EXIF.GPS.Latitude != 48.8 || len(r.Labels) != 1 || r.Labels[0].Name != "Tower" ||
		r.Thumbnail.Key != "thumbnails/a.jpg" || r.ProcessedAt != "2025-06-01T12:00:00Z" {
		t.Errorf("record %+v", r)
	}
	if _, ok := got.Item["exif"].(*ddbtypes.AttributeValueMemberM).Value["make"]; !ok {
		t.Errorf("exif attribute names: %v", got.Item["exif"])
	}
	in.Analysis = []json.RawMessage{json.RawMessage(`"oops"`)}
	if _, err := s.Handle(ctx, in); err == nil || !strings.Contains(err.Error(), "analysis[0]") {
		t.Errorf("a bad branch output: %v", err)
	}
}
