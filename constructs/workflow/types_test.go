package workflow_test

// Type tokens of the resources these tests look up.
const (
	typKMSKey     = "aws:kms/key:Key"
	typLogGroup   = "aws:cloudwatch/logGroup:LogGroup"
	typRole       = "aws:iam/role:Role"
	typRolePolicy = "aws:iam/rolePolicy:RolePolicy"
)
