package streaming_test

// Type tokens of the resources these tests look up.
const (
	typAlias              = "aws:lambda/alias:Alias"
	typEventSourceMapping = "aws:lambda/eventSourceMapping:EventSourceMapping"
	typKMSKey             = "aws:kms/key:Key"
	typLogGroup           = "aws:cloudwatch/logGroup:LogGroup"
	typQueue              = "aws:sqs/queue:Queue"
	typQueuePolicy        = "aws:sqs/queuePolicy:QueuePolicy"
	typRole               = "aws:iam/role:Role"
	typRolePolicy         = "aws:iam/rolePolicy:RolePolicy"
	typStreamSource       = "kumo:constructs:StreamSource"
)
