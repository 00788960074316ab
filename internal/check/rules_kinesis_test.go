package check

import (
	"testing"
)

func TestKinesisRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-KDS1",
		func(t *testing.T) {
			var g graph
			s := g.add(typeKinesisStream, "events", map[string]any{"encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"})
			later := g.add(typeKinesisStream, "later", map[string]any{"encryptionType": unknownValue})
			g.passes(t, "AwsSolutions-KDS1", s)
			g.passes(t, "AwsSolutions-KDS1", later) // unknown counts as set
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-KDS1", g.add(typeKinesisStream, "bare", nil))
			g.fires(t, "AwsSolutions-KDS1", g.add(typeKinesisStream, "none", map[string]any{"encryptionType": "NONE"}))
		})

	ruleCase(t, "AwsSolutions-KDS3",
		func(t *testing.T) {
			var g graph
			s := g.add(typeKinesisStream, "events", map[string]any{"encryptionType": "KMS", "kmsKeyId": "alias/aws/kinesis"})
			arn := g.add(typeKinesisStream, "arn", map[string]any{"encryptionType": "KMS", "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:alias/aws/kinesis"})
			plain := g.add(typeKinesisStream, "plain", nil) // not encrypted: KDS1's finding, not KDS3's
			g.passes(t, "AwsSolutions-KDS3", s)
			g.passes(t, "AwsSolutions-KDS3", arn)
			g.passes(t, "AwsSolutions-KDS3", plain)
		},
		func(t *testing.T) {
			var g graph
			g.fires(t, "AwsSolutions-KDS3", g.add(typeKinesisStream, "cmk", map[string]any{"encryptionType": "KMS",
				"kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}))
			g.fires(t, "AwsSolutions-KDS3", g.add(typeKinesisStream, "unknown", map[string]any{"encryptionType": "KMS", "kmsKeyId": unknownValue}))
		})
}
