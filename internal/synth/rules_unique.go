package synth

import "fmt"

// unique lists the names AWS keeps unique: per account and region (or
// globally, for S3 buckets and IAM), or within a parent named by another
// input (a role's inline policies, an application's deployment groups). Two
// resources of one stack with the same such name would collide at deploy:
// the second create fails with an "already exists" error (EntityAlreadyExists,
// ResourceConflictException, ApplicationAlreadyExistsException, …).
var unique = map[string]struct{ prop, within, source string }{
	// Names of these types are unique in the account and region: resources
	// of one program in two regions (through per-region providers) may
	// share them, which globalNames below tells apart.
	"aws:lambda/function:Function":                           {"name", "", srcLambdaCreateFunction},
	"aws:iam/role:Role":                                      {"name", "", srcIAMCreateRole},
	"aws:iam/policy:Policy":                                  {"name", "", srcIAMCreatePolicy},
	"aws:iam/rolePolicy:RolePolicy":                          {"name", "role", srcIAMPutRolePolicy},
	"aws:cloudwatch/logGroup:LogGroup":                       {"name", "", srcLogsCreateLogGroup},
	"aws:cloudwatch/metricAlarm:MetricAlarm":                 {"name", "", srcCloudWatchPutAlarm},
	"aws:dynamodb/table:Table":                               {"name", "", srcDynamoCreateTable},
	"aws:sqs/queue:Queue":                                    {"name", "", srcSQSCreateQueue},
	"aws:s3/bucketV2:BucketV2":                               {"bucket", "", "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"},
	"aws:codedeploy/application:Application":                 {"name", "", "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html"},
	"aws:codedeploy/deploymentGroup:DeploymentGroup":         {"deploymentGroupName", "appName", "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html"},
	"aws:codedeploy/deploymentConfig:DeploymentConfig":       {"deploymentConfigName", "", "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentConfig.html"},
	"aws:cloudfront/originAccessControl:OriginAccessControl": {"name", "", "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateOriginAccessControl.html"},
	"aws:kms/alias:Alias":                                    {"name", "", srcKMSCreateAlias},
	"aws:cloudtrail/trail:Trail":                             {"name", "", srcCloudTrailCreate},
	tKinesisStream:                                           {"name", "", srcKinesisCreateStream},
	tIoTTopicRule:                                            {"name", "", srcIoTCreateTopicRule},
	// "A parameter name must be unique within an Amazon Web Services
	// Region"; a second PutParameter without Overwrite fails
	// (ParameterAlreadyExists).
	tSSMParameter: {"name", "", srcSSMPutParameter},
}

// globalNames are the types of unique whose names are unique across
// regions: IAM is a global service
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html),
// S3 bucket names are global, and CloudFront is a global service.
var globalNames = map[string]bool{
	"aws:iam/role:Role": true, "aws:iam/policy:Policy": true, "aws:iam/rolePolicy:RolePolicy": true,
	"aws:s3/bucketV2:BucketV2": true, "aws:cloudfront/originAccessControl:OriginAccessControl": true,
}

// uniqueChecks turn unique into one Check per type.
func uniqueChecks() map[string][]Check {
	out := map[string][]Check{}
	for typ, u := range unique {
		scope := "in the account and region"
		if u.within != "" {
			scope = "within its " + u.within
		}
		regionOf := func(r *Resource) string {
			if globalNames[typ] {
				return ""
			}
			return r.Region()
		}
		out[typ] = []Check{{
			Rule:   fmt.Sprintf("%s must be unique %s; another resource of this stack has the same one, and the second create would fail", u.prop, scope),
			Source: u.source,
			Find: func(r *Resource, s *Stack) []Finding {
				name := r.Physical(u.prop)
				if name == "" || isPlaceholder(name) {
					return nil
				}
				parent := ""
				if u.within != "" {
					if parent, _ = r.String(u.within); parent == "" {
						return nil
					}
				}
				key := func(x *Resource) (string, bool) {
					p := ""
					if u.within != "" {
						p, _ = x.String(u.within)
					}
					return regionOf(x) + "\x00" + p + "\x00" + x.Physical(u.prop), true
				}
				if same := s.index("unique "+u.prop+" "+u.within, typ, key)[regionOf(r)+"\x00"+parent+"\x00"+name]; len(same) > 1 {
					return []Finding{{Property: u.prop, Value: fmt.Sprintf("%s (also %s)", name, other(same, r).URN)}}
				}
				return nil
			},
		}}
	}
	return out
}

// other is the first of rs that is not r.
func other(rs []*Resource, r *Resource) *Resource {
	for _, x := range rs {
		if x != r {
			return x
		}
	}
	return r
}
