package convert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/kumo-iac/kumo/internal/envvar"
)

// S3 is the part of the S3 API the converters call. *s3.Client
// satisfies it.
type S3 interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ S3 = (*s3.Client)(nil)

// Outcome is what converting one object did.
type Outcome string

const (
	// Written: the output was written.
	Written Outcome = "written"
	// Skipped: the object is not for this function (not an image, not a
	// CSV file, or one of the function's own outputs), or it is gone or
	// replaced since the event, whose successor event handles it.
	Skipped Outcome = "skipped"
)

// Converter turns one object into its output.
type Converter interface {
	Convert(ctx context.Context, obj Object) (Outcome, string, error)
}

// Handler runs a Converter on every object an invocation names.
type Handler struct {
	Converter Converter
	Log       *slog.Logger
}

// Handle takes the event in any of its shapes (see Unwrap). From SQS it
// answers with events.SQSEventResponse naming the messages whose objects
// failed, so only they return to the queue (the event source mapping must
// have ReportBatchItemFailures); from SNS or S3, which invoke
// asynchronously, it returns an error when any object failed, so that
// Lambda retries the event and then sends it to the function's on-failure
// destination.
func (h *Handler) Handle(ctx context.Context, raw json.RawMessage) (any, error) {
	src, msgs, err := Unwrap(raw)
	if err != nil {
		return nil, err
	}
	sqsResp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	var errs []error
	for _, m := range msgs {
		if err := h.message(ctx, m); err != nil {
			errs = append(errs, err)
			if src == FromSQS {
				sqsResp.BatchItemFailures = append(sqsResp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.ID})
			}
		}
	}
	if src == FromSQS {
		return sqsResp, nil
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return nil, nil
}

// message converts one message's objects, all of them even when one
// fails.
func (h *Handler) message(ctx context.Context, m Message) error {
	if m.Err != nil {
		h.Log.Error("unreadable message", slog.String("messageId", m.ID), slog.String("error", m.Err.Error()))
		return m.Err
	}
	var errs []error
	for _, obj := range m.Objects {
		outcome, detail, err := h.Converter.Convert(ctx, obj)
		if err != nil {
			err = fmt.Errorf("%s: %w", obj, err)
			h.Log.Error("conversion failed", slog.String("messageId", m.ID), slog.String("error", err.Error()))
			errs = append(errs, err)
			continue
		}
		h.Log.Info("object", slog.String("messageId", m.ID), slog.String("object", obj.String()), slog.String("outcome", string(outcome)), slog.String("detail", detail))
	}
	return errors.Join(errs...)
}

// Output is where and how a converter writes.
type Output struct {
	S3     S3
	Bucket string
	Prefix string
	// MaxObjectBytes is the largest source object read.
	MaxObjectBytes int64
}

// DefaultMaxObjectBytes is the largest source object read unless
// MAX_OBJECT_BYTES says otherwise.
const DefaultMaxObjectBytes = 100 << 20

// S3's object keys are at most 1,024 bytes of UTF-8
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
const maxKeyBytes = 1024

func outputFromEnv(e *envvar.Reader, s3c S3, defaultPrefix string) Output {
	return Output{
		S3:             s3c,
		Bucket:         e.Bucket("OUTPUT_BUCKET", "the bucket the outputs are written to"),
		Prefix:         e.Prefix("OUTPUT_PREFIX", defaultPrefix),
		MaxObjectBytes: int64(e.Int("MAX_OBJECT_BYTES", DefaultMaxObjectBytes, 1, 1<<40)),
	}
}

// own is true for the converter's own outputs: with the output bucket the
// source bucket, converting them would loop.
func (o *Output) own(obj Object) bool {
	return obj.Bucket == o.Bucket && strings.HasPrefix(obj.Key, o.Prefix)
}

// source is an object being read.
type source struct {
	body         io.ReadCloser
	contentType  string
	size         int64
	etag         string
	lastModified *int64 // Unix seconds
}

// open reads the object the event names: its version when the event has
// one, else the object only while its ETag is the event's, so that the
// output is of the object that raised the event. gone is true when there
// is no such object any more.
func (o *Output) open(ctx context.Context, obj Object) (src *source, gone bool, err error) {
	in := &s3.GetObjectInput{Bucket: aws.String(obj.Bucket), Key: aws.String(obj.Key)}
	switch {
	case obj.VersionID != "":
		in.VersionId = aws.String(obj.VersionID)
	case obj.ETag != "":
		in.IfMatch = aws.String(`"` + strings.Trim(obj.ETag, `"`) + `"`)
	}
	out, err := o.S3.GetObject(ctx, in)
	if err != nil {
		var nsk *s3types.NoSuchKey
		var re *awshttp.ResponseError
		if errors.As(err, &nsk) || (errors.As(err, &re) && (re.HTTPStatusCode() == http.StatusNotFound || re.HTTPStatusCode() == http.StatusPreconditionFailed)) {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("get object: %w", err)
	}
	etag := strings.Trim(aws.ToString(out.ETag), `"`)
	if obj.VersionID == "" && obj.ETag != "" && etag != strings.Trim(obj.ETag, `"`) {
		// Replaced since the event (S3 answers If-Match with 412; a
		// server that ignores it is caught here).
		out.Body.Close()
		return nil, true, nil
	}
	size := aws.ToInt64(out.ContentLength)
	if size > o.MaxObjectBytes {
		out.Body.Close()
		return nil, false, fmt.Errorf("the object is %d bytes, over MAX_OBJECT_BYTES (%d)", size, o.MaxObjectBytes)
	}
	src = &source{
		// The limit holds whatever Content-Length said.
		body: struct {
			io.Reader
			io.Closer
		}{io.LimitReader(out.Body, o.MaxObjectBytes), out.Body},
		contentType: aws.ToString(out.ContentType),
		size:        size,
		etag:        etag,
	}
	if out.LastModified != nil {
		s := out.LastModified.Unix()
		src.lastModified = &s
	}
	return src, false, nil
}

// put writes an output from a file (seekable, so the SDK signs and
// retries it without holding it in memory) with the source's identity in
// its metadata.
func (o *Output) put(ctx context.Context, key, contentType string, f *os.File, obj Object, src *source, extra map[string]string) error {
	if len(key) > maxKeyBytes {
		return fmt.Errorf("the output key would be %d bytes, over S3's %d", len(key), maxKeyBytes)
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	meta := map[string]string{"source-bucket": obj.Bucket, "source-key": obj.Key, "source-etag": src.etag}
	if obj.VersionID != "" {
		meta["source-version-id"] = obj.VersionID
	}
	for k, v := range extra {
		meta[k] = v
	}
	_, err = o.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(o.Bucket),
		Key:           aws.String(key),
		Body:          f,
		ContentLength: aws.Int64(st.Size()),
		ContentType:   aws.String(contentType),
		Metadata:      meta,
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", o.Bucket, key, err)
	}
	return nil
}

// tempFile is a file in the function's /tmp, removed by done.
func tempFile() (f *os.File, done func(), err error) {
	f, err = os.CreateTemp("", "convert-*")
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close(); os.Remove(f.Name()) }, nil
}
