package envvar

import (
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestEveryProblemAtOnce(t *testing.T) {
	r := New(env(map[string]string{
		"TABLE":   "arn:aws:dynamodb:eu-west-1:123456789012:table/t",
		"BUCKET":  "s3://out",
		"PREFIX":  "/out",
		"N":       "0",
		"F":       "NaN",
		"TOPIC":   "alerts",
		"STREAM":  "errors stream",
		"ALIAS":   "arn:aws:lambda:eu-west-1:123456789012:function:proc",
		"LATEST":  "arn:aws:lambda:eu-west-1:123456789012:function:proc:$LATEST",
		"VERSION": "arn:aws:lambda:eu-west-1:123456789012:function:proc:7",
	}))
	r.Table("TABLE", "the table", true)
	r.Table("MISSING_TABLE", "the table", true)
	r.Bucket("BUCKET", "the bucket")
	r.Prefix("PREFIX", "out/")
	r.Int("N", 10, 1, 100)
	r.Float("F", 30)
	r.TopicARN("TOPIC", "the topic")
	r.Stream("STREAM", "the stream")
	r.AliasARN("ALIAS", "the processor")
	r.AliasARN("LATEST", "the processor")
	r.AliasARN("VERSION", "the processor")
	r.AliasARN("MISSING_ALIAS", "the processor")
	err := r.Err()
	if err == nil {
		t.Fatal("got no error; want one per bad variable")
	}
	for _, want := range []string{
		`TABLE is "arn:aws:dynamodb:eu-west-1:123456789012:table/t": set it to the name of the table (3 to 255 of a-z A-Z 0-9 _ . -), not its ARN`,
		"MISSING_TABLE is not set: set it to the name of the table",
		`BUCKET is "s3://out": set it to the name of the bucket (3 to 63 of a-z 0-9 . -), not its ARN or URL`,
		`PREFIX is "/out": set it to a key prefix that ends in / and does not start with one, such as "out/"`,
		`N is "0": set it to a whole number from 1 to 100 (default 10)`,
		`F is "NaN": set it to a finite number such as 30 (default 30)`,
		`TOPIC is "alerts": set it to the ARN of the topic (arn:aws:sns:<region>:<account>:<topic name>), not its name`,
		`STREAM is "errors stream": set it to the name (1 to 128 of a-z A-Z 0-9 _ . -) or the ARN`,
		`ALIAS is "arn:aws:lambda:eu-west-1:123456789012:function:proc", the bare function: set it to the ARN of the processor's alias`,
		`LATEST is "arn:aws:lambda:eu-west-1:123456789012:function:proc:$LATEST": its qualifier "$LATEST" is not an alias`,
		`VERSION is "arn:aws:lambda:eu-west-1:123456789012:function:proc:7": its qualifier "7" is not an alias`,
		"MISSING_ALIAS is not set: set it to the alias ARN of the processor",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q; want it to contain %q", err, want)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 12 {
		t.Errorf("got %d problems; want 12", n)
	}
}

func TestGoodValuesAndDefaults(t *testing.T) {
	r := New(env(map[string]string{
		"TABLE":      "thresholds-3f2a",
		"BUCKET":     "out.bucket-1",
		"PREFIX":     "resized/",
		"N":          " 25 ",
		"F":          "-2.5",
		"TOPIC":      "arn:aws:sns:eu-west-1:123456789012:alerts",
		"STREAM":     "errors",
		"STREAM_ARN": "arn:aws:kinesis:eu-west-1:123456789012:stream/errors",
		"ALIAS":      "arn:aws:lambda:eu-west-1:123456789012:function:proc:live",
	}))
	got := []any{
		r.Table("TABLE", "", true), r.Table("OPTIONAL", "", false), r.Bucket("BUCKET", ""), r.Prefix("PREFIX", "x/"), r.Prefix("UNSET", "x/"),
		r.Int("N", 10, 1, 100), r.Int("UNSET", 10, 1, 100), r.Float("F", 30), r.Float("UNSET", 30), r.TopicARN("TOPIC", ""),
		r.Stream("STREAM", ""), r.Stream("STREAM_ARN", ""), r.AliasARN("ALIAS", ""),
	}
	want := []any{
		"thresholds-3f2a", "", "out.bucket-1", "resized/", "x/", 25, 10, -2.5, 30.0, "arn:aws:sns:eu-west-1:123456789012:alerts",
		Stream{Name: "errors"}, Stream{ARN: "arn:aws:kinesis:eu-west-1:123456789012:stream/errors"}, "arn:aws:lambda:eu-west-1:123456789012:function:proc:live",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("value %d: got %#v; want %#v", i, got[i], want[i])
		}
	}
	if err := r.Err(); err != nil {
		t.Errorf("got %v; want no error", err)
	}
}
