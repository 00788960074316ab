package synth

import "testing"

func TestCloudWatchLogGroupKMSKey(t *testing.T) {
	group := func(name string, key any, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			f.add(tLogGroup, "g", map[string]any{"namePrefix": "/aws/vendedlogs/states/images-", "retentionInDays": int64(30), "kmsKeyId": key})
		}}
	}
	refused := want{tLogGroup, "kmsKeyId", "KMS key ARN", "API_CreateLogGroup"}
	runRealityCases(t, []string{tLogGroup}, []realityCase{
		group("accepted: no key", nil),
		group("accepted: a key ARN", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		group("accepted: a multi-Region key ARN", "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"),
		group("a key ID", "1234abcd-12ab-34cd-56ef-1234567890ab", refused),
		group("an alias name", "alias/aws/logs", refused),
		group("an alias ARN", "arn:aws:kms:eu-west-1:123456789012:alias/ops-logs", refused),
	})
}
