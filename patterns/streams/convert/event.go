// Package convert is the stream processing pattern's file fan-out: an S3
// upload notifies an SNS topic, and several functions subscribed to it
// each turn the new object into an output of their own in an output
// bucket: Resizer downscales images, CSVConverter turns CSV into JSON
// lines, Archiver keeps a GZIP copy. Handler takes the notification in
// every shape it arrives in, unwraps the S3 event, and reports failures
// the way the shape's invoker retries them. The Lambda entry points are
// patterns/streams/functions/{resize,convert,archive}.
//
// SNS delivers to no one in order and at least once; so do these
// functions. Each output is a pure function of the source object, written
// under a key derived from the source key, so a repeated delivery
// rewrites the same bytes.
package convert

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Source is the shape an invocation arrived in.
type Source string

const (
	// FromSNS: the topic invoked the function; the S3 event is the SNS
	// message (events.SNSEvent).
	FromSNS Source = "sns"
	// FromSQS: a queue subscribed to the topic feeds the function
	// (events.SQSEvent); each message body is the SNS envelope with the
	// S3 event as its Message, or, with raw message delivery, the S3
	// event itself.
	FromSQS Source = "sqs"
	// FromS3: the bucket invoked the function directly (events.S3Event).
	FromS3 Source = "s3"
)

// Object is one object-created event's object.
type Object struct {
	Bucket string
	// Key is URL-decoded.
	Key       string
	VersionID string
	ETag      string
	Size      int64
	EventName string
}

func (o Object) String() string { return "s3://" + o.Bucket + "/" + o.Key }

// Message is one delivery: an SQS message, or the one SNS or S3 event.
type Message struct {
	// ID is the SQS message ID, "" for the other sources.
	ID string
	// Objects are the object-created events' objects; other events (an
	// S3 test event, a removal) are left out.
	Objects []Object
	// Err says why the message could not be read.
	Err error
}

// Unwrap reads an invocation's event.
func Unwrap(raw json.RawMessage) (Source, []Message, error) {
	var top struct {
		Records []map[string]json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(raw, &top); err != nil || top.Records == nil {
		return "", nil, errors.New(`the event is not an SNS, SQS or S3 event (an object with "Records")`)
	}
	if len(top.Records) == 0 {
		return FromS3, nil, nil
	}
	var src string
	for _, k := range []string{"EventSource", "eventSource"} { // SNS's is capitalized
		if v, ok := top.Records[0][k]; ok {
			_ = json.Unmarshal(v, &src)
		}
	}
	switch src {
	case "aws:sns":
		var ev events.SNSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return "", nil, fmt.Errorf("the SNS event: %w", err)
		}
		msgs := make([]Message, len(ev.Records))
		for i, r := range ev.Records {
			msgs[i].Objects, msgs[i].Err = s3Objects([]byte(r.SNS.Message))
		}
		return FromSNS, msgs, nil
	case "aws:sqs":
		var ev events.SQSEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			return "", nil, fmt.Errorf("the SQS event: %w", err)
		}
		msgs := make([]Message, len(ev.Records))
		for i, r := range ev.Records {
			msgs[i].ID = r.MessageId
			msgs[i].Objects, msgs[i].Err = sqsBody([]byte(r.Body))
		}
		return FromSQS, msgs, nil
	case "aws:s3":
		objs, err := s3Objects(raw)
		return FromS3, []Message{{Objects: objs, Err: err}}, nil
	}
	return "", nil, fmt.Errorf("the event's records come from %q: want aws:sns, aws:sqs or aws:s3", src)
}

// sqsBody reads an SQS message body: the SNS envelope (raw message
// delivery off), or the S3 event itself (on)
// (https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html).
func sqsBody(body []byte) ([]Object, error) {
	var env struct {
		Type    string  `json:"Type"`
		Message *string `json:"Message"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("the message body is not JSON: %w", err)
	}
	if env.Type == "Notification" && env.Message != nil {
		return s3Objects([]byte(*env.Message))
	}
	if env.Type != "" {
		// A SubscriptionConfirmation reaches only HTTP(S) endpoints; any
		// other envelope is not an S3 notification.
		return nil, fmt.Errorf("the message is an SNS %q, not a Notification", env.Type)
	}
	return s3Objects(body)
}

// s3Objects reads an S3 event notification's object-created records. S3
// sends an s3:TestEvent, without records, when a notification is
// configured; it holds no objects.
func s3Objects(b []byte) ([]Object, error) {
	var ev struct {
		Records *[]events.S3EventRecord `json:"Records"`
		Event   string                  `json:"Event"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return nil, fmt.Errorf("the message is not an S3 event: %w", err)
	}
	if ev.Records == nil {
		if ev.Event == "s3:TestEvent" {
			return nil, nil
		}
		return nil, errors.New(`the message is not an S3 event (no "Records")`)
	}
	var objs []Object
	for _, r := range *ev.Records {
		if r.EventSource != "aws:s3" || !strings.HasPrefix(r.EventName, "ObjectCreated:") {
			continue
		}
		// S3 sends keys URL-encoded as in a form ("a b" as "a+b").
		key, err := url.QueryUnescape(r.S3.Object.Key)
		if err != nil {
			return nil, fmt.Errorf("object key %q is not URL-encoded as S3 sends keys: %w", r.S3.Object.Key, err)
		}
		if r.S3.Bucket.Name == "" || key == "" {
			return nil, fmt.Errorf("a record names no bucket (%q) or no key (%q)", r.S3.Bucket.Name, key)
		}
		objs = append(objs, Object{
			Bucket: r.S3.Bucket.Name, Key: key, VersionID: r.S3.Object.VersionID,
			ETag: r.S3.Object.ETag, Size: r.S3.Object.Size, EventName: r.EventName,
		})
	}
	return objs, nil
}
