package check

import (
	"github.com/kumo-iac/kumo/internal/synth"
)

// Firehose rules. CloudFormation's DeliveryStreamEncryptionConfigurationInput
// is pulumi-aws's serverSideEncryption block, whose enabled defaults to
// false: the block alone does not encrypt.

const typeFirehoseDeliveryStream = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"

func init() {
	register(
		// cdk-nag: src/rules/kinesis/KinesisDataFirehoseSSE.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/kinesis/KinesisDataFirehoseSSE.ts):
		// DeliveryStreamEncryptionConfigurationInput must be defined. kumo
		// reads serverSideEncryption.enabled (unknown counts as set). It does
		// not flag a stream reading from a Kinesis data stream, as cdk-nag
		// does: Firehose refuses SSE there and keeps no data at rest, the
		// source stream does (AwsSolutions-KDS1 covers it).
		Rule{
			ID: "AwsSolutions-KDF1", Level: Error, Types: []string{typeFirehoseDeliveryStream},
			What: "The Kinesis Data Firehose delivery stream does not have server-side encryption enabled.",
			Why:  "This allows the system to meet strict regulatory requirements and enhance the security of system data.",
			Fix:  "Set serverSideEncryption to {enabled: true} (keyType AWS_OWNED_CMK, the default, or CUSTOMER_MANAGED_CMK with keyArn); a stream reading from a Kinesis data stream needs the source stream encrypted instead.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if firehoseEncrypted(r) {
					return nil
				}
				return hit("serverSideEncryption.enabled is %s; want true", shownInput(r, "serverSideEncryption.enabled", "not set (false)"))
			},
		},
	)
}

// firehoseEncrypted reports whether delivery stream r encrypts what it
// holds at rest, or holds nothing: with a Kinesis data stream as its source
// "Firehose no longer stores the data at rest. Instead, the data is stored
// in the data stream."
// (https://docs.aws.amazon.com/firehose/latest/dev/encryption.html)
func firehoseEncrypted(r *synth.Resource) bool {
	if set(r, "kinesisSourceConfiguration") {
		return true
	}
	v, ok := r.Value("serverSideEncryption.enabled")
	return ok && (v == true || synth.Unknown(v))
}
