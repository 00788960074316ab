package lake_test

// Type tokens of the resources these tests look up.
const (
	typBucketComponent = "kumo:constructs:Bucket"
	typBucketPolicy    = "aws:s3/bucketPolicy:BucketPolicy"
	typBucketV2        = "aws:s3/bucketV2:BucketV2"
	typKMSKey          = "aws:kms/key:Key"
	typKeyComponent    = "kumo:constructs:Key"
	typLogGroup        = "aws:cloudwatch/logGroup:LogGroup"
	typRole            = "aws:iam/role:Role"
	typRolePolicy      = "aws:iam/rolePolicy:RolePolicy"
)
