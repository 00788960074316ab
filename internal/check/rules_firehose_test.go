package check

import (
	"testing"
)

func TestFirehoseRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-KDF1",
		func(t *testing.T) {
			var g graph
			s := g.add(typeFirehoseDeliveryStream, "put", map[string]any{"destination": "extended_s3",
				"serverSideEncryption": map[string]any{"enabled": true, "keyType": "AWS_OWNED_CMK"}})
			// With a Kinesis source, the source stream holds the data at rest.
			src := g.add(typeFirehoseDeliveryStream, "from-stream", map[string]any{"destination": "extended_s3",
				"kinesisSourceConfiguration": map[string]any{"kinesisStreamArn": "arn:aws:kinesis:us-east-1:123456789012:stream/s", "roleArn": "arn:aws:iam::123456789012:role/r"}})
			g.passes(t, "AwsSolutions-KDF1", s)
			g.passes(t, "AwsSolutions-KDF1", src)
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-KDF1", g.add(typeFirehoseDeliveryStream, "bare", map[string]any{"destination": "extended_s3"}))
			// The block alone does not encrypt: enabled defaults to false.
			g.fires(t, "AwsSolutions-KDF1", g.add(typeFirehoseDeliveryStream, "block", map[string]any{"destination": "extended_s3",
				"serverSideEncryption": map[string]any{"keyType": "AWS_OWNED_CMK"}}))
		})
}
