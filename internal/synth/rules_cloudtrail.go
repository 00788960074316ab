package synth

import (
	"fmt"
	"net"
	"regexp"
	"strings"
)

// Sources of the CloudTrail rules.
const (
	srcCloudTrailCreate = "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html"
	// "You can configure up to five event selectors for each trail" and
	// up to 250 data resources across them.
	srcCloudTrailSelectors = "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_PutEventSelectors.html"
	srcCloudTrailDataRes   = "https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DataResource.html"
	// CreateTrail fails with InsufficientS3BucketPolicyException until the
	// bucket policy lets cloudtrail.amazonaws.com s3:GetBucketAcl the
	// bucket and s3:PutObject under AWSLogs/.
	srcCloudTrailBucketPolicy = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html (InsufficientS3BucketPolicyException, " + srcCloudTrailCreate + ")"
	// CreateTrail fails with InsufficientEncryptionPolicyException when the
	// key policy does not let CloudTrail generate data keys.
	srcCloudTrailKeyPolicy = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html (InsufficientEncryptionPolicyException, " + srcCloudTrailCreate + ")"
	// CreateTrail checks that CloudTrail can assume the role and write to
	// the group (InvalidCloudWatchLogsRoleArnException, "Access denied");
	// the log group ARN names its streams with ":*".
	srcCloudTrailLogs = "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html (InvalidCloudWatchLogsRoleArnException, InvalidCloudWatchLogsLogGroupArnException, " + srcCloudTrailCreate + ")"
)

// trailNameChars: "Contain only ASCII letters (a-z, A-Z), numbers (0-9),
// periods (.), underscores (_), or dashes (-); start with a letter or
// number, and end with a letter or number; be between 3 and 128
// characters".
var trailNameChars = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$`)

// trailSeparators are two adjacent periods, underscores or dashes.
var trailSeparators = regexp.MustCompile(`[._-]{2}`)

var cloudtrailSpecs = map[string]Spec{
	"aws:cloudtrail/trail:Trail": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: trailNameChars, Min: 3, Max: 128,
				Desc: "a trail name is 3–128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit", Source: srcCloudTrailCreate}}},
		Checks: []Check{
			required(srcCloudTrailCreate, "s3BucketName"),
			{Rule: "a trail name has no adjacent periods, underscores or dashes and is not an IP address", Source: srcCloudTrailCreate,
				Find: func(r *Resource, _ *Stack) []Finding {
					n := r.Physical("name")
					if n == "" || isPlaceholder(n) {
						return nil
					}
					if trailSeparators.MatchString(n) || net.ParseIP(n) != nil {
						return []Finding{{Property: "name", Value: n}}
					}
					return nil
				}},
			matches("s3KeyPrefix", StringRule{Max: 200, Desc: "an S3 key prefix is at most 200 characters", Source: srcCloudTrailCreate}),
			{Rule: "cloudWatchLogsGroupArn and cloudWatchLogsRoleArn are set together, and the group ARN ends in :* (all of its streams)", Source: srcCloudTrailLogs,
				Find: func(r *Resource, _ *Stack) []Finding {
					group, g := r.Value("cloudWatchLogsGroupArn")
					_, role := r.Value("cloudWatchLogsRoleArn")
					switch {
					case g && !role:
						return []Finding{{Property: "cloudWatchLogsRoleArn"}}
					case role && !g:
						return []Finding{{Property: "cloudWatchLogsGroupArn"}}
					}
					if s, ok := r.String("cloudWatchLogsGroupArn"); ok && !strings.HasSuffix(s, ":*") {
						return []Finding{{Property: "cloudWatchLogsGroupArn", Value: group}}
					}
					return nil
				}},
			{Rule: "at most 5 event selectors and 250 data resources in all", Source: srcCloudTrailSelectors,
				Find: func(r *Resource, _ *Stack) []Finding {
					sel := values(r, "eventSelectors[]")
					res := values(r, "eventSelectors[].dataResources[].values[]")
					var fs []Finding
					if len(sel) > 5 {
						fs = append(fs, Finding{Property: "eventSelectors", Value: fmt.Sprintf("%d selectors", len(sel))})
					}
					if len(res) > 250 {
						fs = append(fs, Finding{Property: "eventSelectors[].dataResources[].values", Value: fmt.Sprintf("%d data resources", len(res))})
					}
					return fs
				}},
			oneOf(srcCloudTrailSelectors, "eventSelectors[].readWriteType", "ReadOnly", "WriteOnly", "All"),
			// The basic selectors' data resource types; newer types need
			// advanced event selectors.
			oneOf(srcCloudTrailDataRes, "eventSelectors[].dataResources[].type", "AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table"),
			{Rule: `an AWS::S3::Object data resource is "arn:aws:s3" (every bucket) or a bucket ARN ending in "/", optionally with a key prefix`, Source: srcCloudTrailDataRes,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, d := range values(r, "eventSelectors[].dataResources[]") {
						m, _ := d.(map[string]any)
						if m["type"] != "AWS::S3::Object" {
							continue
						}
						vs, _ := m["values"].([]any)
						for _, v := range vs {
							s, ok := v.(string)
							if !ok || isPlaceholder(s) || s == "arn:aws:s3" || s == "arn:aws:s3:::" {
								continue
							}
							if !strings.HasPrefix(s, "arn:aws:s3:::") || !strings.Contains(strings.TrimPrefix(s, "arn:aws:s3:::"), "/") {
								fs = append(fs, Finding{Property: "eventSelectors[].dataResources[].values", Value: s})
							}
						}
					}
					return fs
				}},
			trailAfterBucketPolicy,
			trailAfterLogsRolePolicies,
			trailKeyAllowsCloudTrail,
		},
	},
}

// trailAfterBucketPolicy: CreateTrail checks the bucket policy there and
// then, so when this stack attaches the policy of the trail's bucket, the
// trail must be ordered after it (and the policy must let CloudTrail
// write). A trail's reference to the bucket orders it after the bucket,
// not after the policy.
var trailAfterBucketPolicy = Check{
	Rule:   "the policy of the trail's bucket must let cloudtrail.amazonaws.com call s3:GetBucketAcl and s3:PutObject, and the trail must be ordered after that aws:s3/bucketPolicy:BucketPolicy (depend on it)",
	Source: srcCloudTrailBucketPolicy,
	Find: func(r *Resource, s *Stack) []Finding {
		bucket, ok := r.String("s3BucketName")
		if !ok {
			return nil
		}
		policies := s.index("bucket", "aws:s3/bucketPolicy:BucketPolicy", func(p *Resource) (string, bool) { return p.String("bucket") })[bucket]
		if len(policies) == 0 {
			return nil // a bucket managed elsewhere: nothing to order after
		}
		for _, p := range policies {
			doc, ok := p.String("policy")
			if !ok {
				continue
			}
			sts, err := rpStatements(doc)
			if err != nil {
				continue // the policy's own rule reports it
			}
			acl, put := false, false
			for _, st := range sts {
				if st.Effect != "Allow" || !st.names("cloudtrail.amazonaws.com") {
					continue
				}
				acl = acl || st.allows("s3:GetBucketAcl")
				put = put || st.allows("s3:PutObject")
			}
			if !acl || !put {
				return []Finding{{Property: "s3BucketName", Value: bucket + " (its policy does not let cloudtrail.amazonaws.com call s3:GetBucketAcl and s3:PutObject)"}}
			}
		}
		return afterAny(r, s, policies, "s3BucketName", bucket+" (not ordered after its bucket policy)")
	},
}

// trailAfterLogsRolePolicies: CreateTrail assumes cloudWatchLogsRoleArn and
// checks it may write to the log group, so every inline policy of that role
// in this stack must exist first.
var trailAfterLogsRolePolicies = Check{
	Rule:   "the trail must be ordered after every inline policy of its CloudWatch Logs role (depend on them): CreateTrail checks the role can write to the log group",
	Source: srcCloudTrailLogs,
	Find: func(r *Resource, s *Stack) []Finding {
		arn, ok := r.String("cloudWatchLogsRoleArn")
		if !ok {
			return nil
		}
		name := roleName(arn)
		var fs []Finding
		for _, p := range s.index("role", "aws:iam/rolePolicy:RolePolicy", func(p *Resource) (string, bool) {
			role, _ := p.String("role")
			return roleName(role), true
		})[name] {
			if !s.DependsOn(r, p) {
				fs = append(fs, Finding{Property: "cloudWatchLogsRoleArn", Value: name + " (not ordered after its policy " + p.Name + ")"})
			}
		}
		return fs
	},
}

// trailKeyAllowsCloudTrail: a trail encrypting with a key of this stack
// needs the key policy to let CloudTrail generate data keys. The key is the
// one the trail's kmsKeyId refers to, so the trail depends on it directly.
var trailKeyAllowsCloudTrail = Check{
	Rule:   "the policy of the trail's KMS key must let cloudtrail.amazonaws.com call kms:GenerateDataKey*",
	Source: srcCloudTrailKeyPolicy,
	Find: func(r *Resource, s *Stack) []Finding {
		id, ok := r.Value("kmsKeyId")
		if !ok {
			return nil
		}
		for _, urn := range r.Dependencies {
			k := s.byURN[urn]
			if k == nil || k.Type != "aws:kms/key:Key" {
				continue
			}
			doc, ok := k.String("policy")
			if !ok {
				continue
			}
			sts, err := rpStatements(doc)
			if err != nil {
				continue // the key's own rule reports it
			}
			allowed := false
			for _, st := range sts {
				allowed = allowed || st.Effect == "Allow" && st.names("cloudtrail.amazonaws.com") && st.allows("kms:GenerateDataKey")
			}
			if !allowed {
				return []Finding{{Property: "kmsKeyId", Value: fmt.Sprint(id) + " (" + k.Name + ")"}}
			}
		}
		return nil
	},
}
