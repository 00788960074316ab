package convert

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// s3Event is an S3 event notification as S3 sends it to SNS, SQS or
// Lambda: keys URL-encoded as in a form.
func s3Event(bucket string, objs ...Object) string {
	var recs []string
	for i, o := range objs {
		name := o.EventName
		if name == "" {
			name = "ObjectCreated:Put"
		}
		version := ""
		if o.VersionID != "" {
			version = fmt.Sprintf(`,"versionId":%q`, o.VersionID)
		}
		recs = append(recs, fmt.Sprintf(`{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"eu-west-1","eventTime":"2024-03-09T16:00:0%d.000Z","eventName":%q,
"userIdentity":{"principalId":"AWS:AIDAEXAMPLE"},"requestParameters":{"sourceIPAddress":"203.0.113.9"},"responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
"s3":{"s3SchemaVersion":"1.0","configurationId":"uploads","bucket":{"name":%q,"ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::%s"},
"object":{"key":%q,"size":%d,"eTag":%q%s,"sequencer":"0055AED6DCD9028%d"}}}`, i, name, bucket, bucket, url.QueryEscape(o.Key), o.Size, o.ETag, version, i))
	}
	return `{"Records":[` + strings.Join(recs, ",") + `]}`
}

// snsEvent is the event SNS invokes a subscribed function with.
func snsEvent(message string) json.RawMessage {
	m, _ := json.Marshal(message)
	return json.RawMessage(`{"Records":[{"EventSource":"aws:sns","EventVersion":"1.0",
"EventSubscriptionArn":"arn:aws:sns:eu-west-1:123456789012:uploads:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
"Sns":{"Type":"Notification","MessageId":"95df01b4-ee98-5cb9-9903-4c221d41eb5e","TopicArn":"arn:aws:sns:eu-west-1:123456789012:uploads",
"Subject":"Amazon S3 Notification","Message":` + string(m) + `,"Timestamp":"2024-03-09T16:00:01.000Z","SignatureVersion":"1",
"Signature":"EXAMPLE","SigningCertUrl":"https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem",
"UnsubscribeUrl":"https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe","MessageAttributes":{}}}]}`)
}

// snsEnvelope is the body SNS puts in a subscribed queue without raw
// message delivery.
func snsEnvelope(message string) string {
	m, _ := json.Marshal(message)
	return `{"Type":"Notification","MessageId":"22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324","TopicArn":"arn:aws:sns:eu-west-1:123456789012:uploads",
"Subject":"Amazon S3 Notification","Message":` + string(m) + `,"Timestamp":"2024-03-09T16:00:01.000Z","SignatureVersion":"1","Signature":"EXAMPLE",
"SigningCertURL":"https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem","UnsubscribeURL":"https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe"}`
}

// sqsEvent is the event a queue's event source mapping invokes a function
// with, one record per body.
func sqsEvent(bodies ...string) json.RawMessage {
	var recs []string
	for i, b := range bodies {
		body, _ := json.Marshal(b)
		recs = append(recs, fmt.Sprintf(`{"messageId":"msg-%d","receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a","body":%s,
"attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1710000001000","SenderId":"AIDAEXAMPLE","ApproximateFirstReceiveTimestamp":"1710000001100"},
"messageAttributes":{},"md5OfBody":"e4e68fb7bd0e697a0ae8f1bb342846b3","eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:eu-west-1:123456789012:resize","awsRegion":"eu-west-1"}`, i, body))
	}
	return json.RawMessage(`{"Records":[` + strings.Join(recs, ",") + `]}`)
}

func TestUnwrap(t *testing.T) {
	ev := s3Event("uploads",
		Object{Key: "photos/a b+c.jpg", Size: 10, ETag: "0123456789abcdef0123456789abcdef"},
		Object{Key: "gone.csv", EventName: "ObjectRemoved:Delete"},
		Object{Key: "v.csv", VersionID: "3HL4kqtJlcpXroDTDmJ", EventName: "ObjectCreated:CompleteMultipartUpload"},
	)
	want := "s3://uploads/photos/a b+c.jpg 10 0123456789abcdef0123456789abcdef;s3://uploads/v.csv 3HL4kqtJlcpXroDTDmJ"
	describe := func(msgs []Message) string {
		var parts []string
		for _, m := range msgs {
			for _, o := range m.Objects {
				s := o.String()
				if o.Size > 0 {
					s += fmt.Sprintf(" %d", o.Size)
				}
				if o.ETag != "" {
					s += " " + o.ETag
				}
				if o.VersionID != "" {
					s += " " + o.VersionID
				}
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ";")
	}
	for _, tc := range []struct {
		name string
		raw  json.RawMessage
		src  Source
		ids  string
	}{
		{"SNS", snsEvent(ev), FromSNS, ""},
		{"SQS, raw delivery off", sqsEvent(snsEnvelope(ev)), FromSQS, "msg-0"},
		{"SQS, raw delivery on", sqsEvent(ev), FromSQS, "msg-0"},
		{"S3", json.RawMessage(ev), FromS3, ""},
	} {
		src, msgs, err := Unwrap(tc.raw)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if src != tc.src || len(msgs) != 1 || msgs[0].ID != tc.ids || msgs[0].Err != nil || describe(msgs) != want {
			t.Errorf("%s: got %s %+v; want %s with %s", tc.name, src, msgs, tc.src, want)
		}
	}

	// S3's test event, sent when a notification is configured, holds no
	// objects and is no error; an unreadable message is an error of its
	// own message only.
	test := `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2024-03-09T16:00:00.000Z","Bucket":"uploads","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}`
	src, msgs, err := Unwrap(sqsEvent(snsEnvelope(test), "not json", `{"Type":"SubscriptionConfirmation"}`, `{"hello":1}`, ev))
	if err != nil || src != FromSQS || len(msgs) != 5 {
		t.Fatalf("got %s, %d messages, %v; want 5 SQS messages", src, len(msgs), err)
	}
	if msgs[0].Err != nil || len(msgs[0].Objects) != 0 {
		t.Errorf("test event: got %+v; want no objects, no error", msgs[0])
	}
	for i, want := range []string{"not JSON", `an SNS "SubscriptionConfirmation"`, `no "Records"`} {
		if m := msgs[i+1]; m.Err == nil || !strings.Contains(m.Err.Error(), want) {
			t.Errorf("message %s: got %v; want an error containing %q", m.ID, m.Err, want)
		}
	}
	if msgs[4].Err != nil || len(msgs[4].Objects) != 2 {
		t.Errorf("the good message after bad ones: got %+v; want its two objects", msgs[4])
	}

	for _, bad := range []string{`[]`, `{"Records":[{"eventSource":"aws:kinesis"}]}`, `{"detail":{}}`} {
		if _, _, err := Unwrap(json.RawMessage(bad)); err == nil {
			t.Errorf("%s: got no error; want one", bad)
		}
	}
	badKey := strings.Replace(s3Event("b", Object{Key: "x"}), `"key":"x"`, `"key":"%zz"`, 1)
	if _, msgs, err := Unwrap(json.RawMessage(badKey)); err != nil || msgs[0].Err == nil {
		t.Errorf("a key S3 could not have encoded: got %v, %+v; want the message's error", err, msgs)
	}
}
