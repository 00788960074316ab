// Package images is the operations automation pattern's image workflow:
// an S3 upload under images/ starts a Step Functions execution (Starter),
// whose steps extract the image's metadata (Metadata: type, size,
// dimensions, EXIF), then in parallel detect objects with Rekognition
// (Detector) and write a thumbnail (Thumbnailer), and finally store
// everything in DynamoDB (Store). The Lambda entry points are
// patterns/ops/functions/{starter,metadata,detect,thumbnail,store}.
//
// # Payloads between the steps
//
// Starter starts the execution with Image: {"bucket","key","versionId"}.
// Metadata takes Image and returns MetadataResult; give its Task
// "ResultPath": "$.metadata". Detect and Thumbnail take that state
// (Input: Image plus "metadata") and return {"labels":[...]} and
// {"thumbnail":{...}}; give the Parallel state "ResultPath": "$.analysis".
// Store takes {"bucket","key","versionId","metadata":{...},"analysis":[
// {"labels":...},{"thumbnail":...}]} (StoreInput; the branches' order does
// not matter) and returns {"imageKey"}. Every step is idempotent, so the
// state machine may retry each (Lambda.ServiceException,
// Lambda.TooManyRequestsException, States.Timeout) with backoff.
package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers the decoder
	"image/jpeg"
	_ "image/png" // registers the decoder
	"io"
	"log/slog"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/rekognition"
	rektypes "github.com/aws/aws-sdk-go-v2/service/rekognition/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the decoder

	"github.com/kumo-iac/kumo/internal/envvar"
	"github.com/kumo-iac/kumo/patterns/ops/metrics"
)

// Image names one object version.
type Image struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId,omitempty"`
}

func (img Image) versionID() *string {
	if img.VersionID == "" {
		return nil
	}
	return aws.String(img.VersionID)
}

// Input is the state the parallel steps receive: the image and its
// metadata.
type Input struct {
	Image
	Metadata *MetadataResult `json:"metadata,omitempty"`
}

// ---------------------------------------------------------------- starter

// SFN is the part of the Step Functions API the Starter calls.
type SFN interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, optFns ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
}

var _ SFN = (*sfn.Client)(nil)

// DefaultPrefix is the key prefix of the images the workflow processes.
const DefaultPrefix = "images/"

// Starter starts an execution per uploaded image.
type Starter struct {
	SFN             SFN
	StateMachineARN string
	// Prefix is the key prefix of the objects started; others are skipped.
	Prefix  string
	Metrics *metrics.Emitter
	Log     *slog.Logger
}

// StarterFromEnv configures a Starter from STATE_MACHINE_ARN (required) and
// IMAGE_PREFIX (default images/: the uploads that start the workflow).
func StarterFromEnv(c SFN, getenv func(string) string, m *metrics.Emitter, log *slog.Logger) (*Starter, error) {
	e := envvar.New(getenv)
	s := &Starter{SFN: c, StateMachineARN: e.StateMachineARN("STATE_MACHINE_ARN", "the image workflow's state machine"),
		Prefix: e.Prefix("IMAGE_PREFIX", DefaultPrefix), Metrics: m, Log: log}
	return s, e.Err()
}

// StartResult is what the Starter returns: the executions started (or
// found already started), by ARN.
type StartResult struct {
	Executions []string `json:"executions"`
	Skipped    int      `json:"skipped"`
}

// Handle starts an execution for each ObjectCreated record under Prefix.
// One that cannot be started fails the invocation after the others, and
// Lambda retries the event; executions already started are found by name.
func (s *Starter) Handle(ctx context.Context, ev events.S3Event) (StartResult, error) {
	res := StartResult{Executions: []string{}}
	var errs []error
	for _, r := range ev.Records {
		key := r.S3.Object.URLDecodedKey
		if !strings.HasPrefix(r.EventName, "ObjectCreated:") || !strings.HasPrefix(key, s.Prefix) || strings.HasSuffix(key, "/") {
			res.Skipped++
			continue
		}
		img := Image{Bucket: r.S3.Bucket.Name, Key: key, VersionID: r.S3.Object.VersionID}
		arn, err := s.start(ctx, img, r.S3.Object.Sequencer)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		res.Executions = append(res.Executions, arn)
	}
	if merr := s.Metrics.Emit(map[string]float64{metrics.Images: float64(len(res.Executions))}); merr != nil {
		s.Log.Warn("metrics", slog.String("error", merr.Error()))
	}
	s.Log.Info("started", slog.Any("executions", res.Executions), slog.Int("skipped", res.Skipped))
	return res, errors.Join(errs...)
}

func (s *Starter) start(ctx context.Context, img Image, sequencer string) (string, error) {
	input, err := json.Marshal(img)
	if err != nil {
		return "", err
	}
	name := ExecutionName(img, sequencer)
	out, err := s.SFN.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(s.StateMachineARN), Name: aws.String(name), Input: aws.String(string(input))})
	var exists *sfntypes.ExecutionAlreadyExists
	switch {
	case errors.As(err, &exists):
		// A standard workflow answers an identical repeat with the
		// running execution; this is a repeat whose input differs,
		// which the name (a hash of the version) says is the same image.
		s.Log.Info("already started", slog.String("name", name))
		return executionARN(s.StateMachineARN, name), nil
	case err != nil:
		return "", fmt.Errorf("start execution %s for s3://%s/%s: %w", name, img.Bucket, img.Key, err)
	}
	return aws.ToString(out.ExecutionArn), nil
}

func executionARN(machine, name string) string {
	return strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + name
}

// Execution names are 1 to 80 characters; Step Functions refuses
// whitespace, brackets, wildcards, most punctuation and control
// characters, and CloudWatch logging needs ASCII
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
// Letters, digits, - and _ are always safe.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// ExecutionName is the execution's name for one object version: the
// key's last characters made safe, a hyphen, and 16 hex digits of a
// SHA-256 of the bucket, key and version (the sequencer, for an
// unversioned bucket), at most 80 characters. The same upload always gets
// the same name, so S3's repeated notifications start it once; another
// version gets another name.
func ExecutionName(img Image, sequencer string) string {
	version := img.VersionID
	if version == "" {
		version = "seq:" + sequencer
	}
	sum := sha256.Sum256([]byte(img.Bucket + "\x00" + img.Key + "\x00" + version))
	hash := hex.EncodeToString(sum[:8])
	base := strings.Trim(unsafeName.ReplaceAllString(img.Key, "-"), "-")
	if max := 80 - 1 - len(hash); len(base) > max {
		base = strings.TrimLeft(base[len(base)-max:], "-")
	}
	if base == "" {
		return hash
	}
	return base + "-" + hash
}

// ---------------------------------------------------------------- metadata

// S3 is the part of the S3 API the steps call. *s3.Client satisfies it.
type S3 interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ S3 = (*s3.Client)(nil)

// HeadBytes is how much of an object Metadata reads: EXIF lives in the
// first 64 KiB (an APP1 segment's limit), and the dimensions follow.
const HeadBytes = 256 << 10

// MetadataResult is the metadata step's output.
type MetadataResult struct {
	// Type is from the file's magic bytes: jpeg, png, gif, webp, tiff,
	// heic, or unknown.
	Type        string `json:"type"`
	ContentType string `json:"contentType,omitempty"`
	SizeBytes   int64  `json:"sizeBytes"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	EXIF        *EXIF  `json:"exif,omitempty"`
	// Problems are what could not be read (a malformed EXIF block); the
	// rest is still reported.
	Problems []string `json:"problems,omitempty"`
}

// Metadata is the metadata step.
type Metadata struct {
	S3  S3
	Log *slog.Logger
}

// Handle reads the object's size and type (HeadObject), then its first
// HeadBytes (a ranged GetObject of the same version).
func (m *Metadata) Handle(ctx context.Context, img Image) (MetadataResult, error) {
	head, err := m.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(img.Bucket), Key: aws.String(img.Key), VersionId: img.versionID()})
	if err != nil {
		return MetadataResult{}, fmt.Errorf("head s3://%s/%s: %w", img.Bucket, img.Key, err)
	}
	res := MetadataResult{ContentType: aws.ToString(head.ContentType), SizeBytes: aws.ToInt64(head.ContentLength), Type: "unknown"}
	if res.SizeBytes == 0 {
		return res, nil
	}
	obj, err := m.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(img.Bucket), Key: aws.String(img.Key), VersionId: img.versionID(),
		Range: aws.String(fmt.Sprintf("bytes=0-%d", HeadBytes-1)), IfMatch: head.ETag})
	if err != nil {
		return MetadataResult{}, fmt.Errorf("read s3://%s/%s: %w", img.Bucket, img.Key, err)
	}
	defer obj.Body.Close()
	b, err := io.ReadAll(io.LimitReader(obj.Body, HeadBytes))
	if err != nil {
		return MetadataResult{}, fmt.Errorf("read s3://%s/%s: %w", img.Bucket, img.Key, err)
	}
	res.Type = Sniff(b)
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(b)); err == nil {
		res.Width, res.Height = cfg.Width, cfg.Height
	}
	if res.Type == "jpeg" {
		x, err := ParseJPEGEXIF(b)
		if err != nil {
			res.Problems = append(res.Problems, err.Error())
		}
		res.EXIF = x
	}
	return res, nil
}

// Sniff names an image type by its magic bytes.
func Sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "webp"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "tiff"
	case len(b) >= 12 && string(b[4:8]) == "ftyp" && (string(b[8:12]) == "heic" || string(b[8:12]) == "heix" || string(b[8:12]) == "mif1"):
		return "heic"
	}
	return "unknown"
}

// ---------------------------------------------------------------- detect

// Rekognition is the part of the Rekognition API the Detector calls.
type Rekognition interface {
	DetectLabels(ctx context.Context, in *rekognition.DetectLabelsInput, optFns ...func(*rekognition.Options)) (*rekognition.DetectLabelsOutput, error)
}

var _ Rekognition = (*rekognition.Client)(nil)

// Label is one detected label.
type Label struct {
	Name       string   `json:"name" dynamodbav:"name"`
	Confidence float64  `json:"confidence" dynamodbav:"confidence"`
	Parents    []string `json:"parents,omitempty" dynamodbav:"parents,omitempty"`
	// Instances counts the label's bounding boxes (objects located).
	Instances int `json:"instances,omitempty" dynamodbav:"instances,omitempty"`
}

// DetectResult is the detect step's output.
type DetectResult struct {
	Labels []Label `json:"labels"`
	// Skipped says why Rekognition was not asked.
	Skipped string `json:"skipped,omitempty"`
}

// Rekognition's DetectLabels limits: JPEG or PNG, at most 15 MB from S3
// (https://docs.aws.amazon.com/rekognition/latest/APIReference/API_DetectLabels.html,
// https://docs.aws.amazon.com/rekognition/latest/dg/limits.html).
const maxRekognitionBytes = 15 << 20

// Detector is the detect step: DetectLabels with MaxLabels 10 and
// MinConfidence 80.
type Detector struct {
	Rekognition Rekognition
}

// Handle detects the labels of the image, or skips a type or size
// Rekognition does not take.
func (d *Detector) Handle(ctx context.Context, in Input) (DetectResult, error) {
	res := DetectResult{Labels: []Label{}}
	if m := in.Metadata; m != nil {
		switch {
		case m.Type != "jpeg" && m.Type != "png":
			res.Skipped = "Rekognition takes JPEG and PNG, not " + m.Type
			return res, nil
		case m.SizeBytes > maxRekognitionBytes:
			res.Skipped = fmt.Sprintf("Rekognition takes images of at most 15 MB from S3; this is %d bytes", m.SizeBytes)
			return res, nil
		}
	}
	out, err := d.Rekognition.DetectLabels(ctx, &rekognition.DetectLabelsInput{
		Image:         &rektypes.Image{S3Object: &rektypes.S3Object{Bucket: aws.String(in.Bucket), Name: aws.String(in.Key), Version: in.versionID()}},
		MaxLabels:     aws.Int32(10),
		MinConfidence: aws.Float32(80),
	})
	if err != nil {
		return DetectResult{}, fmt.Errorf("detect labels of s3://%s/%s: %w", in.Bucket, in.Key, err)
	}
	for _, l := range out.Labels {
		lb := Label{Name: aws.ToString(l.Name), Confidence: float64(aws.ToFloat32(l.Confidence)), Instances: len(l.Instances)}
		for _, p := range l.Parents {
			lb.Parents = append(lb.Parents, aws.ToString(p.Name))
		}
		res.Labels = append(res.Labels, lb)
	}
	return res, nil
}

// ---------------------------------------------------------------- thumbnail

// Thumbnail limits.
const (
	// ThumbnailPixels is the longest side of a thumbnail.
	ThumbnailPixels = 256
	// DefaultMaxObjectBytes bounds the image read.
	DefaultMaxObjectBytes = 50 << 20
	// MaxSourcePixels bounds the decoded image (about 200 MB of RGBA), so
	// that a small file declaring huge dimensions cannot exhaust memory.
	MaxSourcePixels = 50_000_000
	// ThumbnailPrefix is where thumbnails go in the output bucket.
	ThumbnailPrefix = "thumbnails/"
)

// Thumbnail is where a thumbnail was written.
type Thumbnail struct {
	Bucket string `json:"bucket" dynamodbav:"bucket"`
	Key    string `json:"key" dynamodbav:"key"`
	Width  int    `json:"width" dynamodbav:"width"`
	Height int    `json:"height" dynamodbav:"height"`
}

// ThumbnailResult is the thumbnail step's output; Thumbnail is nil and
// Skipped says why for what cannot be decoded.
type ThumbnailResult struct {
	Thumbnail *Thumbnail `json:"thumbnail"`
	Skipped   string     `json:"skipped,omitempty"`
}

// Thumbnailer is the thumbnail step.
type Thumbnailer struct {
	S3             S3
	OutputBucket   string
	MaxObjectBytes int64
	// ImagePrefix is taken off the image's key for the thumbnail's.
	// Default: DefaultPrefix.
	ImagePrefix string
}

// ThumbnailerFromEnv configures a Thumbnailer from OUTPUT_BUCKET
// (required), MAX_OBJECT_BYTES (default 50 MiB) and IMAGE_PREFIX (default
// images/, the starter's).
func ThumbnailerFromEnv(c S3, getenv func(string) string) (*Thumbnailer, error) {
	e := envvar.New(getenv)
	t := &Thumbnailer{S3: c, OutputBucket: e.Bucket("OUTPUT_BUCKET", "the thumbnails' bucket"),
		MaxObjectBytes: int64(e.Int("MAX_OBJECT_BYTES", DefaultMaxObjectBytes, 1, 1<<30)),
		ImagePrefix:    e.Prefix("IMAGE_PREFIX", DefaultPrefix)}
	return t, e.Err()
}

// ThumbnailKey is the thumbnail's key for an image key: under
// ThumbnailPrefix, without the image prefix, with .jpg for its
// extension.
func ThumbnailKey(key, imagePrefix string) string {
	k := strings.TrimPrefix(key, imagePrefix)
	return ThumbnailPrefix + strings.TrimSuffix(k, path.Ext(k)) + ".jpg"
}

// Handle writes a JPEG of at most ThumbnailPixels a side.
func (t *Thumbnailer) Handle(ctx context.Context, in Input) (ThumbnailResult, error) {
	obj, err := t.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(in.Bucket), Key: aws.String(in.Key), VersionId: in.versionID()})
	if err != nil {
		return ThumbnailResult{}, fmt.Errorf("read s3://%s/%s: %w", in.Bucket, in.Key, err)
	}
	defer obj.Body.Close()
	if n := aws.ToInt64(obj.ContentLength); n > t.MaxObjectBytes {
		return ThumbnailResult{Skipped: fmt.Sprintf("the image is %d bytes, over MAX_OBJECT_BYTES %d", n, t.MaxObjectBytes)}, nil
	}
	b, err := io.ReadAll(io.LimitReader(obj.Body, t.MaxObjectBytes+1))
	if err != nil {
		return ThumbnailResult{}, fmt.Errorf("read s3://%s/%s: %w", in.Bucket, in.Key, err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	switch {
	case err != nil:
		return ThumbnailResult{Skipped: "not an image this step decodes (JPEG, PNG, GIF, WebP): " + err.Error()}, nil
	case cfg.Width*cfg.Height > MaxSourcePixels:
		return ThumbnailResult{Skipped: fmt.Sprintf("the image is %d×%d, over %d pixels", cfg.Width, cfg.Height, MaxSourcePixels)}, nil
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return ThumbnailResult{Skipped: "the image does not decode: " + err.Error()}, nil
	}
	w, h := fit(src.Bounds().Dx(), src.Bounds().Dy(), ThumbnailPixels)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80}); err != nil {
		return ThumbnailResult{}, err
	}
	prefix := t.ImagePrefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	key := ThumbnailKey(in.Key, prefix)
	if _, err := t.S3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(t.OutputBucket), Key: aws.String(key), Body: bytes.NewReader(out.Bytes()),
		ContentLength: aws.Int64(int64(out.Len())), ContentType: aws.String("image/jpeg")}); err != nil {
		return ThumbnailResult{}, fmt.Errorf("write s3://%s/%s: %w", t.OutputBucket, key, err)
	}
	return ThumbnailResult{Thumbnail: &Thumbnail{Bucket: t.OutputBucket, Key: key, Width: w, Height: h}}, nil
}

// fit scales w×h to fit max×max, keeping the aspect ratio and never
// enlarging.
func fit(w, h, max int) (int, int) {
	if w <= max && h <= max {
		return w, h
	}
	if w >= h {
		return max, maxInt(1, h*max/w)
	}
	return maxInt(1, w*max/h), max
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// ---------------------------------------------------------------- store

// DynamoDB is the part of the DynamoDB API the Store calls.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

var _ DynamoDB = (*dynamodb.Client)(nil)

// StoreInput is the store step's input: the image, its metadata and the
// parallel branches' outputs in any order.
type StoreInput struct {
	Image
	Metadata *MetadataResult   `json:"metadata"`
	Analysis []json.RawMessage `json:"analysis"`
}

// Record is the results table's item, partition key imageKey (the
// object's key).
type Record struct {
	ImageKey    string     `dynamodbav:"imageKey"`
	Bucket      string     `dynamodbav:"bucket"`
	VersionID   string     `dynamodbav:"versionId,omitempty"`
	Type        string     `dynamodbav:"type"`
	ContentType string     `dynamodbav:"contentType,omitempty"`
	SizeBytes   int64      `dynamodbav:"sizeBytes"`
	Width       int        `dynamodbav:"width,omitempty"`
	Height      int        `dynamodbav:"height,omitempty"`
	EXIF        *EXIF      `dynamodbav:"exif,omitempty"`
	Labels      []Label    `dynamodbav:"labels"`
	Thumbnail   *Thumbnail `dynamodbav:"thumbnail,omitempty"`
	// Skipped collects why a step did nothing.
	Skipped     []string `dynamodbav:"skipped,omitempty"`
	ProcessedAt string   `dynamodbav:"processedAt"`
}

// Store is the store step.
type Store struct {
	DB    DynamoDB
	Table string
	// Now stamps processedAt; nil means time.Now.
	Now func() time.Time
}

// StoreFromEnv configures a Store from RESULTS_TABLE (required).
func StoreFromEnv(db DynamoDB, getenv func(string) string) (*Store, error) {
	e := envvar.New(getenv)
	s := &Store{DB: db, Table: e.Table("RESULTS_TABLE", "the image results table (partition key imageKey, a string)", true)}
	return s, e.Err()
}

// StoreResult is the store step's output.
type StoreResult struct {
	ImageKey string `json:"imageKey"`
}

// Handle writes the record, replacing an earlier one of the key.
func (s *Store) Handle(ctx context.Context, in StoreInput) (StoreResult, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	r := Record{ImageKey: in.Key, Bucket: in.Bucket, VersionID: in.VersionID, Labels: []Label{}, ProcessedAt: now().UTC().Format(time.RFC3339)}
	if m := in.Metadata; m != nil {
		r.Type, r.ContentType, r.SizeBytes, r.Width, r.Height, r.EXIF = m.Type, m.ContentType, m.SizeBytes, m.Width, m.Height, m.EXIF
	}
	for i, raw := range in.Analysis {
		var part struct {
			Labels    []Label    `json:"labels"`
			Thumbnail *Thumbnail `json:"thumbnail"`
			Skipped   string     `json:"skipped"`
		}
		if err := json.Unmarshal(raw, &part); err != nil {
			return StoreResult{}, fmt.Errorf("analysis[%d] is not a detect or thumbnail result: %w", i, err)
		}
		if part.Labels != nil {
			r.Labels = part.Labels
		}
		if part.Thumbnail != nil {
			r.Thumbnail = part.Thumbnail
		}
		if part.Skipped != "" {
			r.Skipped = append(r.Skipped, part.Skipped)
		}
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return StoreResult{}, err
	}
	if _, err := s.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.Table), Item: item}); err != nil {
		return StoreResult{}, fmt.Errorf("store %s: %w", in.Key, err)
	}
	return StoreResult{ImageKey: in.Key}, nil
}
