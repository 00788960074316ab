package synth

import (
	"fmt"
	"strings"
	"testing"
)

const tTrail = "aws:cloudtrail/trail:Trail"

// trailMods change the inputs of one type of trailStack's resources.
type trailMods map[string][]mod

// trailStack registers what kumo's Trail construct does: a log bucket with
// a policy letting CloudTrail write, a key CloudTrail may use, a log group
// with a role CloudTrail assumes, and the trail ordered after the bucket
// policy and the role's policy. deps replaces the trail's dependencies when
// set.
func trailStack(f *fixture, m trailMods, deps ...string) {
	with := func(typ string, base map[string]any) map[string]any { return inputs(base, m[typ]...) }
	bucket := f.add(tBucket, "logs", map[string]any{"bucket": "audit-logs"})
	bucketPolicy := f.add(tBucketPolicy, "logs", with(tBucketPolicy, map[string]any{"bucket": "audit-logs", "policy": `{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"AWSCloudTrailAclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::audit-logs"},` +
		`{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::audit-logs/AWSLogs/123456789012/*"}]}`}), bucket)
	key := f.add(tKMSKey, "key", with(tKMSKey, map[string]any{"enableKeyRotation": true, "policy": keyPolicy(
		`{"Sid":"CloudTrail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":["kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}`)}))
	group := f.add(tLogGroup, "trail", map[string]any{"name": "/aws/cloudtrail/audit", "retentionInDays": int64(30)})
	role := f.add(tRole, "trail-logs", map[string]any{"name": "trail-logs", "assumeRolePolicy": trust})
	rolePolicy := f.add(tRolePolicy, "trail-logs", map[string]any{"role": "trail-logs", "policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:eu-west-1:123456789012:log-group:/aws/cloudtrail/audit:*"}]}`}, role)
	trailDeps := []string{bucket, bucketPolicy, key, group, role, rolePolicy}
	if deps != nil {
		trailDeps = deps
	}
	f.add(tTrail, "audit", with(tTrail, map[string]any{
		"name": "kumo-test-audit", "s3BucketName": "audit-logs", "kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:key/k",
		"enableLogFileValidation": true, "isMultiRegionTrail": false,
		"cloudWatchLogsGroupArn": "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/cloudtrail/audit:*",
		"cloudWatchLogsRoleArn":  "arn:aws:iam::123456789012:role/trail-logs",
		"eventSelectors": []any{map[string]any{"readWriteType": "All", "includeManagementEvents": false,
			"dataResources": []any{map[string]any{"type": "AWS::S3::Object", "values": []any{"arn:aws:s3:::lake-raw/"}}}}},
	}), trailDeps...)
}

func TestCloudTrailRealityRules(t *testing.T) {
	c := func(name string, m trailMods, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { trailStack(f, m) }, want: ws}
	}
	trailOnly := func(mods ...mod) trailMods { return trailMods{tTrail: mods} }
	urn := func(typ, name string) string { return urnOf(typ, name) }
	withoutDep := func(name string, drop string, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			all := []string{urn(tBucket, "logs"), urn(tBucketPolicy, "logs"), urn(tKMSKey, "key"), urn(tLogGroup, "trail"), urn(tRole, "trail-logs"), urn(tRolePolicy, "trail-logs")}
			var deps []string
			for _, d := range all {
				if d != drop {
					deps = append(deps, d)
				}
			}
			trailStack(f, nil, deps...)
		}}
	}
	manyValues := make([]any, 251)
	for i := range manyValues {
		manyValues[i] = fmt.Sprintf("arn:aws:s3:::b%d/", i)
	}
	selector := map[string]any{"readWriteType": "All", "dataResources": []any{map[string]any{"type": "AWS::S3::Object", "values": []any{"arn:aws:s3:::a/"}}}}
	cases := []realityCase{
		c("accepted: the Trail construct's resources", nil),
		c("accepted: an autonamed trail", trailOnly(set("name", nil))),

		// Names
		c("name of 2 characters", trailOnly(set("name", "ab")), want{tTrail, "name", "at least 3", "API_CreateTrail"}),
		c("name of 129 characters", trailOnly(set("name", strings.Repeat("t", 129))), want{tTrail, "name", "at most 128", "API_CreateTrail"}),
		c("name starting with a dash", trailOnly(set("name", "-audit")), want{tTrail, "name", "does not match", "API_CreateTrail"}),
		c("name ending with a period", trailOnly(set("name", "audit.")), want{tTrail, "name", "does not match", "API_CreateTrail"}),
		c("name with a space", trailOnly(set("name", "lake audit")), want{tTrail, "name", "does not match", "API_CreateTrail"}),
		c("name with adjacent dashes", trailOnly(set("name", "my--trail")), want{tTrail, "name", "no adjacent", "API_CreateTrail"}),
		c("name with a dash next to an underscore", trailOnly(set("name", "my-_trail")), want{tTrail, "name", "no adjacent", "API_CreateTrail"}),
		c("name in IP address format", trailOnly(set("name", "192.168.5.4")), want{tTrail, "name", "not an IP address", "API_CreateTrail"}),
		{name: "two trails with one name", build: func(f *fixture) {
			trailStack(f, nil)
			f.add(tTrail, "other", map[string]any{"name": "kumo-test-audit", "s3BucketName": "elsewhere"})
		}, want: []want{{tTrail, "name", "must be unique", "API_CreateTrail"}, {tTrail, "name", "must be unique", "API_CreateTrail"}}},

		// Required and paired inputs
		c("no bucket", trailOnly(set("s3BucketName", nil)), want{tTrail, "s3BucketName", "required", "API_CreateTrail"}),
		c("key prefix over 200 characters", trailOnly(set("s3KeyPrefix", strings.Repeat("p", 201))), want{tTrail, "s3KeyPrefix", "at most 200", "API_CreateTrail"}),
		c("log group without a role", trailOnly(set("cloudWatchLogsRoleArn", nil)), want{tTrail, "cloudWatchLogsRoleArn", "set together", "send-cloudtrail-events-to-cloudwatch-logs"}),
		c("role without a log group", trailOnly(set("cloudWatchLogsGroupArn", nil)), want{tTrail, "cloudWatchLogsGroupArn", "set together", "send-cloudtrail-events-to-cloudwatch-logs"}),
		c("log group ARN without :*", trailOnly(set("cloudWatchLogsGroupArn", "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/cloudtrail/audit")),
			want{tTrail, "cloudWatchLogsGroupArn", "ends in :*", "send-cloudtrail-events-to-cloudwatch-logs"}),

		// Event selectors
		c("six event selectors", trailOnly(set("eventSelectors", []any{selector, selector, selector, selector, selector, selector})),
			want{tTrail, "eventSelectors", "at most 5", "API_PutEventSelectors"}),
		c("251 data resources", trailOnly(set("eventSelectors", []any{map[string]any{"readWriteType": "All", "dataResources": []any{map[string]any{"type": "AWS::S3::Object", "values": manyValues}}}})),
			want{tTrail, "eventSelectors[].dataResources[].values", "250 data resources", "API_PutEventSelectors"}),
		c("read-write type", trailOnly(set("eventSelectors[0].readWriteType", "Both")), want{tTrail, "eventSelectors[].readWriteType", "must be one of", "API_PutEventSelectors"}),
		c("data resource type", trailOnly(set("eventSelectors[0].dataResources", []any{map[string]any{"type": "AWS::S3::Bucket", "values": []any{"arn:aws:s3:::a/"}}})),
			want{tTrail, "eventSelectors[].dataResources[].type", "must be one of", "API_DataResource"}),
		c("S3 data resource without the trailing slash", trailOnly(set("eventSelectors[0].dataResources", []any{map[string]any{"type": "AWS::S3::Object", "values": []any{"arn:aws:s3:::lake-raw"}}})),
			want{tTrail, "eventSelectors[].dataResources[].values", "ending in \"/\"", "API_DataResource"}),

		// Ordering and the policies CreateTrail checks
		withoutDep("trail not ordered after its bucket policy", urn(tBucketPolicy, "logs"),
			want{tTrail, "s3BucketName", "ordered after", "InsufficientS3BucketPolicyException"}),
		c("bucket policy that does not let CloudTrail write", trailMods{tBucketPolicy: {set("policy",
			`{"Version":"2012-10-17","Statement":[{"Sid":"AWSCloudTrailAclCheck","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::audit-logs"}]}`)}},
			want{tTrail, "s3BucketName", "s3:PutObject", "InsufficientS3BucketPolicyException"}),
		withoutDep("trail not ordered after its log role's policy", urn(tRolePolicy, "trail-logs"),
			want{tTrail, "cloudWatchLogsRoleArn", "every inline policy", "InvalidCloudWatchLogsRoleArnException"}),
		c("key policy that does not let CloudTrail encrypt", trailMods{tKMSKey: {set("policy", keyPolicy())}},
			want{tTrail, "kmsKeyId", "kms:GenerateDataKey", "InsufficientEncryptionPolicyException"}),
		{name: "accepted: a bucket managed elsewhere", build: func(f *fixture) {
			f.add(tTrail, "t", map[string]any{"name": "audit", "s3BucketName": "org-audit-logs"})
		}},
	}
	runRealityCases(t, specTypes(cloudtrailSpecs), cases)
}
