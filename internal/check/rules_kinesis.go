package check

import (
	"fmt"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// Kinesis Data Streams rules. CloudFormation's StreamEncryption block is
// pulumi-aws's encryptionType ("NONE", the default, or "KMS") and kmsKeyId.

const typeKinesisStream = "aws:kinesis/stream:Stream"

// kinesisDefaultKey is the key Kinesis Data Streams owns, by alias.
const kinesisDefaultKey = "alias/aws/kinesis"

func init() {
	register(
		// cdk-nag: src/rules/kinesis/KinesisDataStreamSSE.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/kinesis/KinesisDataStreamSSE.ts):
		// StreamEncryption must be defined. In pulumi that is encryptionType
		// "KMS"; a value synth cannot know counts as set, as cdk-nag passes an
		// unresolved StreamEncryption.
		Rule{
			ID: "AwsSolutions-KDS1", Level: Error, Types: []string{typeKinesisStream},
			What: "The Kinesis Data Stream does not has server-side encryption enabled.",
			Why:  "Data is encrypted before it's written to the Kinesis stream storage layer, and decrypted after it's retrieved from storage. This allows the system to meet strict regulatory requirements and enhance the security of system data.",
			Fix:  "Set encryptionType to \"KMS\" and kmsKeyId to \"alias/aws/kinesis\" (the key Kinesis owns, at no extra cost) or a key of your own.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if kinesisEncrypted(r) {
					return nil
				}
				return hit("encryptionType is %s; want \"KMS\"", shownInput(r, "encryptionType", "not set (NONE)"))
			},
		},
		// cdk-nag: src/rules/kinesis/KinesisDataStreamDefaultKeyWhenSSE.ts
		// (https://github.com/cdklabs/cdk-nag/blob/main/src/rules/kinesis/KinesisDataStreamDefaultKeyWhenSSE.ts):
		// when StreamEncryption is defined its KeyId must be exactly
		// "alias/aws/kinesis"; an unencrypted stream passes. cdk-nag's strict
		// comparison fails a key it cannot resolve, and so does kumo. kumo
		// also accepts the alias's ARN, which names the same key.
		Rule{
			ID: "AwsSolutions-KDS3", Level: Warning, Types: []string{typeKinesisStream},
			What: "The Kinesis Data Stream specifies server-side encryption and does not use the \"aws/kinesis\" key.",
			Why:  "Customer Managed Keys can incur additional costs that scale with the amount of consumers and producers. Ensure that Customer Managed Keys are required for compliance before using them (https://docs.aws.amazon.com/streams/latest/dev/costs-performance.html).",
			Fix:  "Set kmsKeyId to \"alias/aws/kinesis\", or suppress the finding with the compliance requirement that needs a key of your own.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if !kinesisEncrypted(r) {
					return nil
				}
				key, ok := r.String("kmsKeyId")
				if ok && (key == kinesisDefaultKey || strings.HasSuffix(key, ":"+kinesisDefaultKey)) {
					return nil
				}
				return hit("kmsKeyId is %s; want %q", shownInput(r, "kmsKeyId", "not set"), kinesisDefaultKey)
			},
		},
	)
}

// kinesisEncrypted reports whether stream r asks for server-side
// encryption (an unknown encryptionType counts).
func kinesisEncrypted(r *synth.Resource) bool {
	v, ok := r.Value("encryptionType")
	if !ok {
		return false
	}
	if s, isStr := v.(string); isStr && !synth.Unknown(s) {
		return s == "KMS"
	}
	return true
}

// shownInput renders the input at path for a message: its known value
// quoted, "not known until deploy", or unset.
func shownInput(r *synth.Resource, path, unset string) string {
	v, ok := r.Value(path)
	switch {
	case !ok:
		return unset
	case synth.Unknown(v):
		return "not known until deploy"
	}
	if s, isStr := v.(string); isStr {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}
