package diff

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func analyzeDocs(t *testing.T, base, head *SynthDoc) StackReport {
	t.Helper()
	d, err := Compare(base, head)
	if err != nil {
		t.Fatal(err)
	}
	return Analyze([]StackDiff{d}).Stacks[0]
}

// pol writes a policy document's JSON from statements written as JSON.
func pol(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// jsonString quotes s for use inside inputs written as JSON.
func jsonString(s string) string { return fmt.Sprintf("%q", s) }

func TestDataLoss(t *testing.T) {
	tests := []struct {
		name       string
		base, head []SynthResource
		want       []DataLoss
	}{
		{"protected table replaced",
			[]SynthResource{res(t, "aws:dynamodb/table:Table", "t", "", `{"hashKey":"id","deletionProtectionEnabled":true}`)},
			[]SynthResource{res(t, "aws:dynamodb/table:Table", "t", "", `{"hashKey":"pk","deletionProtectionEnabled":true}`)},
			[]DataLoss{{URN: "urn:pulumi:dev::kumo::aws:dynamodb/table:Table::t", Type: "aws:dynamodb/table:Table", Name: "t", Op: OpReplace,
				Holds: "items of a DynamoDB table", Reason: "partition key hashKey changed: id → pk (forces replacement)",
				Protected: "deletionProtectionEnabled: the delete fails until it is turned off"}}},
		{"named queue replaced deletes first",
			[]SynthResource{res(t, "aws:sqs/queue:Queue", "q", "", `{"name":"a"}`)},
			[]SynthResource{res(t, "aws:sqs/queue:Queue", "q", "", `{"name":"b"}`)},
			[]DataLoss{{URN: "urn:pulumi:dev::kumo::aws:sqs/queue:Queue::q", Type: "aws:sqs/queue:Queue", Name: "q", Op: OpReplace,
				Holds:  "messages waiting in an SQS queue",
				Reason: "name changed: a → b (forces replacement); the old one is deleted before the new one exists"}}},
		{"bucket and key removed",
			[]SynthResource{res(t, "aws:s3/bucketV2:BucketV2", "b", "", `{"forceDestroy":false}`), res(t, "aws:kms/key:Key", "k", "", `{"deletionWindowInDays":7}`)},
			nil,
			[]DataLoss{
				{URN: "urn:pulumi:dev::kumo::aws:kms/key:Key::k", Type: "aws:kms/key:Key", Name: "k", Op: OpDelete,
					Holds:  "the KMS key everything encrypted with it needs: unreadable once the 7-day deletion window ends",
					Reason: "removed from the program"},
				{URN: "urn:pulumi:dev::kumo::aws:s3/bucketV2:BucketV2::b", Type: "aws:s3/bucketV2:BucketV2", Name: "b", Op: OpDelete,
					Holds: "objects in an S3 bucket", Reason: "removed from the program",
					Protected: "forceDestroy is false: the delete fails while the bucket holds objects"},
			}},
		{"updates and stateless deletes lose nothing",
			[]SynthResource{res(t, "aws:dynamodb/table:Table", "t", "", `{"hashKey":"id","billingMode":"PROVISIONED"}`), res(t, "aws:sns/topic:Topic", "n", "", `{}`)},
			[]SynthResource{res(t, "aws:dynamodb/table:Table", "t", "", `{"hashKey":"id","billingMode":"PAY_PER_REQUEST"}`)},
			[]DataLoss{}},
		{"log retention shortened deletes older events",
			[]SynthResource{res(t, "aws:cloudwatch/logGroup:LogGroup", "l", "", `{"retentionInDays":365}`)},
			[]SynthResource{res(t, "aws:cloudwatch/logGroup:LogGroup", "l", "", `{"retentionInDays":30}`)},
			[]DataLoss{{URN: "urn:pulumi:dev::kumo::aws:cloudwatch/logGroup:LogGroup::l", Type: "aws:cloudwatch/logGroup:LogGroup", Name: "l", Op: OpUpdate,
				Holds: "log events older than 30 days", Reason: "retentionInDays shortened: 365 days → 30 days"}}},
		{"log retention set where it was for ever",
			[]SynthResource{res(t, "aws:cloudwatch/logGroup:LogGroup", "l", "", `{}`)},
			[]SynthResource{res(t, "aws:cloudwatch/logGroup:LogGroup", "l", "", `{"retentionInDays":1}`)},
			[]DataLoss{{URN: "urn:pulumi:dev::kumo::aws:cloudwatch/logGroup:LogGroup::l", Type: "aws:cloudwatch/logGroup:LogGroup", Name: "l", Op: OpUpdate,
				Holds: "log events older than 1 day", Reason: "retentionInDays shortened: for ever → 1 day"}}},
		{"stream retention back to its 24-hour default",
			[]SynthResource{res(t, "aws:kinesis/stream:Stream", "s", "", `{"retentionPeriod":168}`)},
			[]SynthResource{res(t, "aws:kinesis/stream:Stream", "s", "", `{}`)},
			[]DataLoss{{URN: "urn:pulumi:dev::kumo::aws:kinesis/stream:Stream::s", Type: "aws:kinesis/stream:Stream", Name: "s", Op: OpUpdate,
				Holds: "records older than 24 hours", Reason: "retentionPeriod shortened: 168 hours → 24 hours"}}},
		{"queue retention shortened",
			[]SynthResource{res(t, "aws:sqs/queue:Queue", "q", "", `{"messageRetentionSeconds":345600,"visibilityTimeoutSeconds":30}`)},
			[]SynthResource{res(t, "aws:sqs/queue:Queue", "q", "", `{"messageRetentionSeconds":3600,"visibilityTimeoutSeconds":60}`)},
			[]DataLoss{{URN: "urn:pulumi:dev::kumo::aws:sqs/queue:Queue::q", Type: "aws:sqs/queue:Queue", Name: "q", Op: OpUpdate,
				Holds: "messages waiting longer than 3600 seconds", Reason: "messageRetentionSeconds shortened: 345600 seconds → 3600 seconds"}}},
		{"longer, unlimited or unknown retention loses nothing",
			[]SynthResource{
				res(t, "aws:cloudwatch/logGroup:LogGroup", "a", "", `{"retentionInDays":30}`),
				res(t, "aws:cloudwatch/logGroup:LogGroup", "b", "", `{"retentionInDays":30}`),
				res(t, "aws:kinesis/stream:Stream", "c", "", `{"retentionPeriod":24}`),
				res(t, "aws:sqs/queue:Queue", "d", "", `{"messageRetentionSeconds":60}`),
			},
			[]SynthResource{
				res(t, "aws:cloudwatch/logGroup:LogGroup", "a", "", `{"retentionInDays":365}`),
				res(t, "aws:cloudwatch/logGroup:LogGroup", "b", "", `{"retentionInDays":0}`),
				res(t, "aws:kinesis/stream:Stream", "c", "", `{"retentionPeriod":"[unknown]"}`),
				res(t, "aws:sqs/queue:Queue", "d", "", `{}`),
			},
			[]DataLoss{}},
		{"lifecycle expiration added or sooner, by rule ID",
			[]SynthResource{res(t, typeLifecycle, "b", "", `{"rules":[
				{"id":"results","status":"Enabled","filter":{"prefix":"athena/"},"expiration":{"days":30}},
				{"id":"archive","status":"Enabled","transitions":[{"days":90,"storageClass":"GLACIER_IR"}]},
				{"id":"off","status":"Disabled","expiration":{"days":1}}]}`)},
			[]SynthResource{res(t, typeLifecycle, "b", "", `{"rules":[
				{"id":"off","status":"Enabled","expiration":{"days":400}},
				{"id":"results","status":"Enabled","filter":{"prefix":"athena/"},"expiration":{"days":7},"noncurrentVersionExpiration":{"noncurrentDays":1}},
				{"id":"archive","status":"Enabled"}]}`)},
			[]DataLoss{
				{URN: "urn:pulumi:dev::kumo::" + typeLifecycle + "::b", Type: typeLifecycle, Name: "b", Op: OpUpdate,
					Holds: "objects in the bucket older than 400 days", Reason: `lifecycle rule "off": expiration.days for ever → 400 days`},
				{URN: "urn:pulumi:dev::kumo::" + typeLifecycle + "::b", Type: typeLifecycle, Name: "b", Op: OpUpdate,
					Holds: `objects under "athena/" older than 7 days`, Reason: `lifecycle rule "results": expiration.days 30 days → 7 days`},
				{URN: "urn:pulumi:dev::kumo::" + typeLifecycle + "::b", Type: typeLifecycle, Name: "b", Op: OpUpdate,
					Holds: `noncurrent versions of objects under "athena/" older than 1 day`, Reason: `lifecycle rule "results": noncurrentVersionExpiration.noncurrentDays for ever → 1 day`},
			}},
		{"lifecycle expiration later or disabled loses nothing",
			[]SynthResource{res(t, typeLifecycle, "b", "", `{"rules":[
				{"id":"a","status":"Enabled","expiration":{"days":7}},
				{"id":"b","status":"Enabled","expiration":{"days":7}}]}`)},
			[]SynthResource{res(t, typeLifecycle, "b", "", `{"rules":[
				{"id":"a","status":"Enabled","expiration":{"days":30}},
				{"id":"b","status":"Disabled","expiration":{"days":1}}]}`)},
			[]DataLoss{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := analyzeDocs(t, doc(tt.base...), doc(tt.head...))
			if !reflect.DeepEqual(sr.DataLoss, tt.want) {
				t.Errorf("data loss:\ngot  %+v\nwant %+v", sr.DataLoss, tt.want)
			}
		})
	}
}

func TestIAMWidening(t *testing.T) {
	const rp = "aws:iam/rolePolicy:RolePolicy"
	read := `{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}`
	policy := func(sts ...string) string {
		return `{"role":"r-1","policy":` + jsonString(pol(sts...)) + `}`
	}
	one := func(typ, inputs string, deps ...string) []SynthResource {
		return []SynthResource{res(t, typ, "x", "", inputs, deps...)}
	}
	tests := []struct {
		name       string
		base, head []SynthResource
		want       []IAMChange
	}{
		{"statement added",
			one(rp, policy(read)),
			one(rp, policy(read, `{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:eu-west-1:1:q"}`)),
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::" + rp + "::x", Kind: "added", Effect: "Allow", Actions: []string{"sqs:SendMessage"},
				Resources: []string{"arn:aws:sqs:eu-west-1:1:q"}, Attached: "role r-1"}}},
		{"actions gained by sid, only the gain shown",
			one(rp, policy(read)),
			one(rp, policy(`{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::b/*"]}`)),
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::" + rp + "::x", Kind: "broadened", Effect: "Allow", Actions: []string{"s3:DeleteObject"},
				Resources: []string{"arn:aws:s3:::b/*"}, Attached: "role r-1"}}},
		{"grant moved to a policy of another name: only the gain",
			[]SynthResource{res(t, rp, "fn-read", "", policy(`{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":["arn:aws:dynamodb:eu-west-1:1:table/t"]}`))},
			[]SynthResource{res(t, rp, "fn-readwrite", "", policy(`{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query"],"Resource":["arn:aws:dynamodb:eu-west-1:1:table/t"]}`))},
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::" + rp + "::fn-readwrite", Kind: "broadened", Effect: "Allow", Actions: []string{"dynamodb:PutItem"},
				Resources: []string{"arn:aws:dynamodb:eu-west-1:1:table/t"}, Attached: "role r-1"}}},
		{"another role's unchanged policy grants nothing to this one",
			[]SynthResource{res(t, rp, "other", "", `{"role":"r-2","policy":`+jsonString(pol(read))+`}`)},
			[]SynthResource{res(t, rp, "other", "", `{"role":"r-2","policy":`+jsonString(pol(read))+`}`), res(t, rp, "x", "", policy(read))},
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::" + rp + "::x", Kind: "added", Effect: "Allow", Actions: []string{"s3:GetObject"},
				Resources: []string{"arn:aws:s3:::b/*"}, Attached: "role r-1"}}},
		{"narrower action under an old wildcard is no widening",
			one(rp, policy(`{"Sid":"Read","Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::b/*"]}`)),
			one(rp, policy(`{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","S3:PutObject"],"Resource":["arn:aws:s3:::b/prefix/*"]}`)),
			[]IAMChange{}},
		{"condition lost",
			one(rp, policy(`{"Sid":"S","Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.eu-west-1.amazonaws.com"}}}`)),
			one(rp, policy(`{"Sid":"S","Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}`)),
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::" + rp + "::x", Kind: "broadened", Effect: "Allow", Actions: []string{"kms:Decrypt"},
				Resources: []string{"*"}, Condition: `lost {"StringEquals":{"kms:ViaService":"s3.eu-west-1.amazonaws.com"}}`, Attached: "role r-1"}}},
		{"deny removed from a bucket policy that stays",
			append(one("aws:s3/bucketPolicy:BucketPolicy", `{"bucket":"b-1","policy":`+jsonString(pol(`{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b-1/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`))+`}`,
				"urn:pulumi:dev::kumo::aws:s3/bucketV2:BucketV2::b"), res(t, "aws:s3/bucketV2:BucketV2", "b", "", `{}`)),
			[]SynthResource{res(t, "aws:s3/bucketV2:BucketV2", "b", "", `{}`)},
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::aws:s3/bucketPolicy:BucketPolicy::x", Kind: "removed", Effect: "Deny", Actions: []string{"s3:*"},
				Resources: []string{"arn:aws:s3:::b-1/*"}, Principal: "*", Condition: `{"Bool":{"aws:SecureTransport":"false"}}`, Attached: "bucket b-1"}}},
		{"bucket policy removed with its bucket",
			append(one("aws:s3/bucketPolicy:BucketPolicy", `{"bucket":"b-1","policy":`+jsonString(pol(`{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}`))+`}`,
				"urn:pulumi:dev::kumo::aws:s3/bucketV2:BucketV2::b"), res(t, "aws:s3/bucketV2:BucketV2", "b", "", `{}`)),
			nil,
			[]IAMChange{}},
		{"policy known only after deploy",
			one(rp, policy(read)),
			one(rp, `{"role":"r-1","policy":"[unknown]"}`),
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::" + rp + "::x", Kind: "unknown", Actions: []string{}, Resources: []string{}, Attached: "role r-1"}}},
		{"managed policy attached",
			nil,
			one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", `{"role":"r-1","policyArn":"arn:aws:iam::aws:policy/AdministratorAccess"}`),
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::aws:iam/rolePolicyAttachment:RolePolicyAttachment::x", Kind: "added", Effect: "Allow",
				Actions: []string{"managed policy arn:aws:iam::aws:policy/AdministratorAccess"}, Resources: []string{}, Attached: "role r-1"}}},
		{"lambda permission opened to another principal",
			one("aws:lambda/permission:Permission", `{"action":"lambda:InvokeFunction","function":"fn-1","principal":"s3.amazonaws.com","sourceArn":"arn:aws:s3:::b"}`),
			one("aws:lambda/permission:Permission", `{"action":"lambda:InvokeFunction","function":"fn-1","principal":"*","sourceArn":"arn:aws:s3:::b"}`),
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::aws:lambda/permission:Permission::x", Kind: "broadened", Effect: "Allow", Actions: []string{"lambda:InvokeFunction"},
				Resources: []string{"fn-1"}, Principal: "*", Condition: `{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::b"}}`, Attached: "function fn-1"}}},
		{"role trust gains a principal",
			one("aws:iam/role:Role", `{"assumeRolePolicy":`+jsonString(pol(`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}`))+`}`),
			one("aws:iam/role:Role", `{"assumeRolePolicy":`+jsonString(pol(`{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com","AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}`))+`}`),
			// Without a Sid, principals are part of the key: a new principal is a new statement.
			[]IAMChange{{URN: "urn:pulumi:dev::kumo::aws:iam/role:Role::x", Kind: "added", Effect: "Allow", Actions: []string{"sts:AssumeRole"}, Resources: []string{},
				Principal: "AWS:arn:aws:iam::999999999999:root, Service:lambda.amazonaws.com", Attached: "trust policy of role x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := analyzeDocs(t, doc(tt.base...), doc(tt.head...))
			if !reflect.DeepEqual(sr.IAM, tt.want) {
				t.Errorf("IAM:\ngot  %+v\nwant %+v", sr.IAM, tt.want)
			}
		})
	}
}

func TestPublicExposure(t *testing.T) {
	api := res(t, "aws:apigateway/restApi:RestApi", "api", "", `{}`)
	orders := res(t, "aws:apigateway/resource:Resource", "orders", "", `{"pathPart":"orders","parentId":"root"}`, api.URN)
	one := res(t, "aws:apigateway/resource:Resource", "one", "", `{"pathPart":"{orderId}","parentId":"x1"}`, orders.URN, api.URN)
	method := func(auth string, apiKey bool) SynthResource {
		// A name that is not kumo's: the route must come from the resources.
		return res(t, typeMethod, "m", "", fmt.Sprintf(`{"httpMethod":"PATCH","authorization":%q,"apiKeyRequired":%v}`, auth, apiKey), one.URN, api.URN)
	}
	bucketPolicy := func(cond string) SynthResource {
		st := `{"Sid":"Open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"` + cond + `}`
		return res(t, "aws:s3/bucketPolicy:BucketPolicy", "p", "", `{"bucket":"b-1","policy":`+jsonString(pol(st))+`}`)
	}
	tests := []struct {
		name       string
		base, head []SynthResource
		want       []PublicChange
	}{
		{"route auth removed, path from resources",
			[]SynthResource{api, orders, one, method("AWS_IAM", false)},
			[]SynthResource{api, orders, one, method("NONE", false)},
			[]PublicChange{{URN: method("", false).URN, Type: typeMethod, What: "PATCH /orders/{orderId}", Before: "AWS_IAM", After: "NONE (public)"}}},
		{"api key no longer required",
			[]SynthResource{api, orders, one, method("AWS_IAM", true)},
			[]SynthResource{api, orders, one, method("AWS_IAM", false)},
			[]PublicChange{{URN: method("", false).URN, Type: typeMethod, What: "PATCH /orders/{orderId}", Before: "API key required", After: "no API key"}}},
		{"kumo route name without resources",
			nil,
			[]SynthResource{res(t, typeMethod, "web-api-GET-/items/{id}", "", `{"httpMethod":"GET","authorization":"NONE"}`)},
			[]PublicChange{{URN: "urn:pulumi:dev::kumo::" + typeMethod + "::web-api-GET-/items/{id}", Type: typeMethod, What: "GET /items/{id}", Before: "(new)", After: "NONE (public)"}}},
		{"CORS preflight is not exposure",
			nil,
			[]SynthResource{res(t, typeMethod, "web-api-OPTIONS-/items", "", `{"httpMethod":"OPTIONS","authorization":"NONE"}`)},
			[]PublicChange{}},
		{"permission to anyone",
			[]SynthResource{res(t, "aws:lambda/permission:Permission", "p", "", `{"function":"fn","principal":"apigateway.amazonaws.com"}`)},
			[]SynthResource{res(t, "aws:lambda/permission:Permission", "p", "", `{"function":"fn","principal":"*"}`)},
			[]PublicChange{{URN: "urn:pulumi:dev::kumo::aws:lambda/permission:Permission::p", Type: "aws:lambda/permission:Permission", What: "invoke of function fn", Before: "apigateway.amazonaws.com", After: "* (anyone)"}}},
		{"permission to anyone from one source is not public",
			nil,
			[]SynthResource{res(t, "aws:lambda/permission:Permission", "p", "", `{"function":"fn","principal":"*","sourceArn":"arn:aws:s3:::b"}`)},
			[]PublicChange{}},
		{"permission to another account",
			nil,
			[]SynthResource{res(t, "aws:lambda/permission:Permission", "p", "", `{"function":"fn","qualifier":"live","principal":"210987654321"}`)},
			[]PublicChange{{URN: "urn:pulumi:dev::kumo::aws:lambda/permission:Permission::p", Type: "aws:lambda/permission:Permission", What: "invoke of function fn:live", Before: "(new)", After: "account 210987654321"}}},
		{"bucket policy opened to AWS *",
			[]SynthResource{res(t, "aws:s3/bucketPolicy:BucketPolicy", "p", "", `{"bucket":"b-1","policy":`+jsonString(pol())+`}`)},
			[]SynthResource{bucketPolicy("")},
			[]PublicChange{{URN: "urn:pulumi:dev::kumo::aws:s3/bucketPolicy:BucketPolicy::p", Type: "aws:s3/bucketPolicy:BucketPolicy", What: "bucket b-1 statement Open: s3:GetObject", Before: "not public", After: "Principal * (anyone)"}}},
		{"bucket policy for * within the organization",
			nil,
			[]SynthResource{bucketPolicy(`,"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}`)},
			[]PublicChange{}},
		{"public access block turned off",
			[]SynthResource{res(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", "", `{"bucket":"b-1","blockPublicAcls":true,"blockPublicPolicy":true}`)},
			[]SynthResource{res(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", "", `{"bucket":"b-1","blockPublicAcls":true,"blockPublicPolicy":false}`)},
			[]PublicChange{{URN: "urn:pulumi:dev::kumo::aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::pab", Type: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", What: "bucket b-1: blockPublicPolicy", Before: "true", After: "false"}}},
		{"distribution origin loses its OAC",
			[]SynthResource{res(t, "aws:cloudfront/distribution:Distribution", "site", "", `{"origins":[{"originId":"s3","originAccessControlId":"E1"}]}`)},
			[]SynthResource{res(t, "aws:cloudfront/distribution:Distribution", "site", "", `{"origins":[{"originId":"s3"}]}`)},
			[]PublicChange{{URN: "urn:pulumi:dev::kumo::aws:cloudfront/distribution:Distribution::site", Type: "aws:cloudfront/distribution:Distribution", What: "distribution site origin s3", Before: "OAC E1", After: "no origin access control"}}},
		{"function URL without auth",
			nil,
			[]SynthResource{res(t, "aws:lambda/functionUrl:FunctionUrl", "u", "", `{"functionName":"fn","authorizationType":"NONE"}`)},
			[]PublicChange{{URN: "urn:pulumi:dev::kumo::aws:lambda/functionUrl:FunctionUrl::u", Type: "aws:lambda/functionUrl:FunctionUrl", What: "URL of function fn", Before: "(new)", After: "NONE (public)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := analyzeDocs(t, doc(tt.base...), doc(tt.head...))
			if !reflect.DeepEqual(sr.Public, tt.want) {
				t.Errorf("public:\ngot  %+v\nwant %+v", sr.Public, tt.want)
			}
		})
	}
}

func TestShiftWords(t *testing.T) {
	custom := res(t, "aws:codedeploy/deploymentConfig:DeploymentConfig", "cfg", "",
		`{"deploymentConfigName":"kumo-prod-Linear25PercentEvery4Minutes","trafficRoutingConfig":{"type":"TimeBasedLinear","timeBasedLinear":{"percentage":25,"interval":4}}}`)
	odd := res(t, "aws:codedeploy/deploymentConfig:DeploymentConfig", "odd", "",
		`{"deploymentConfigName":"shop-slow","trafficRoutingConfig":{"type":"TimeBasedCanary","timeBasedCanary":{"percentage":5,"interval":30}}}`)
	ix := newIndex(&StackDiff{Changes: []Change{newChangeFrom(custom), newChangeFrom(odd)}})
	tests := []struct{ name, want string }{
		{"CodeDeployDefault.LambdaCanary10Percent5Minutes", "10% for 5 minutes, then 100%"},
		{"CodeDeployDefault.LambdaCanary10Percent30Minutes", "10% for 30 minutes, then 100%"},
		{"CodeDeployDefault.LambdaLinear10PercentEvery1Minute", "+10% every minute (10 steps)"},
		{"CodeDeployDefault.LambdaLinear10PercentEvery3Minutes", "+10% every 3 minutes (10 steps)"},
		{"CodeDeployDefault.LambdaAllAtOnce", "all at once"},
		{"kumo-prod-Linear25PercentEvery4Minutes", "+25% every 4 minutes (4 steps)"},
		{"kumo-dev-Canary30Percent15Minutes", "30% for 15 minutes, then 100%"},
		{"shop-slow", "5% for 30 minutes, then 100%"},
		{"shop-mystery", "unknown: deployment config shop-mystery is not in the stack"},
		{Unknown, "known after deploy"},
	}
	for _, tt := range tests {
		if got := shiftWords(ix, tt.name); got != tt.want {
			t.Errorf("shiftWords(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func newChangeFrom(r SynthResource) Change {
	c := newChange(&r)
	c.Op, c.New = OpCreate, r.Inputs
	return c
}

// functionComponent is a kumo Function with its Lambda function, Release
// and deployment group, as constructs/release.go builds them.
func functionComponent(t *testing.T, name, fnInputs, releaseInputs string) []SynthResource {
	comp := res(t, "kumo:constructs:Function", name, "", "")
	return []SynthResource{
		comp,
		res(t, typeFunction, name, comp.URN, fnInputs),
		res(t, typeRelease, name, comp.URN, releaseInputs),
		res(t, "aws:codedeploy/deploymentGroup:DeploymentGroup", name, comp.URN, `{"alarmConfiguration":{"alarms":["b-throttles","a-errors"]}}`),
	}
}

func TestCanaryPlan(t *testing.T) {
	const rel = `{"aliasName":"live","deploymentConfigName":"CodeDeployDefault.LambdaCanary10Percent5Minutes","functionName":"fn-1","fingerprint":%q}`
	fn := func(mem int, env string, tags string) string {
		return fmt.Sprintf(`{"memorySize":%d,"environment":{"variables":{"TABLE":%q}},"tags":{"team":%q},"code":{"archive":{"path":"p","sha256":"h"}}}`, mem, env, tags)
	}
	base := functionComponent(t, "orders", fn(256, "t1", "a"), fmt.Sprintf(rel, "f1"))
	tests := []struct {
		name string
		base []SynthResource
		head []SynthResource
		want []Release
	}{
		{"settings change", base, functionComponent(t, "orders", fn(512, "t2", "a"), fmt.Sprintf(rel, "f2")),
			[]Release{{Function: "orders", URN: base[2].URN, Alias: "live", Reasons: []string{"environment.variables.TABLE", "memorySize"},
				Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes", Shift: "10% for 5 minutes, then 100%", Alarms: []string{"a-errors", "b-throttles"}}}},
		{"setting change, release inputs unchanged", base, functionComponent(t, "orders", fn(512, "t1", "a"), fmt.Sprintf(rel, "f1")),
			[]Release{{Function: "orders", URN: base[2].URN, Alias: "live", Reasons: []string{"memorySize"},
				Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes", Shift: "10% for 5 minutes, then 100%", Alarms: []string{"a-errors", "b-throttles"}}}},
		{"first deploy", nil, base,
			[]Release{{Function: "orders", URN: base[2].URN, Alias: "live", Reasons: []string{}, First: true,
				Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes", Shift: "10% for 5 minutes, then 100%", Alarms: []string{"a-errors", "b-throttles"}}}},
		{"fingerprint moved for a setting the synth hides", base, functionComponent(t, "orders", fn(256, "t1", "a"), fmt.Sprintf(rel, "f2")),
			[]Release{{Function: "orders", URN: base[2].URN, Alias: "live", Reasons: []string{"fingerprint"},
				Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes", Shift: "10% for 5 minutes, then 100%", Alarms: []string{"a-errors", "b-throttles"}}}},
		// The fingerprint covers the VPC (constructs/release.go): joining
		// one is a reason of its own, not an unexplained fingerprint.
		{"function moved into a VPC", base, functionComponent(t, "orders",
			`{"memorySize":256,"environment":{"variables":{"TABLE":"t1"}},"tags":{"team":"a"},"code":{"archive":{"path":"p","sha256":"h"}},"vpcConfig":{"subnetIds":["subnet-1"]}}`,
			fmt.Sprintf(rel, "f2")),
			[]Release{{Function: "orders", URN: base[2].URN, Alias: "live", Reasons: []string{"vpcConfig"},
				Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes", Shift: "10% for 5 minutes, then 100%", Alarms: []string{"a-errors", "b-throttles"}}}},
		{"tags are not part of a version", base, functionComponent(t, "orders", fn(256, "t1", "b"), fmt.Sprintf(rel, "f1")), []Release{}},
		{"preference change alone publishes nothing", base,
			functionComponent(t, "orders", fn(256, "t1", "a"), `{"aliasName":"live","deploymentConfigName":"CodeDeployDefault.LambdaAllAtOnce","functionName":"fn-1","fingerprint":"f1"}`),
			[]Release{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := analyzeDocs(t, doc(tt.base...), doc(tt.head...))
			if !reflect.DeepEqual(sr.Canary, tt.want) {
				t.Errorf("canary:\ngot  %+v\nwant %+v", sr.Canary, tt.want)
			}
		})
	}
}

func TestGroupsFoldCodeOnly(t *testing.T) {
	const rel = `{"aliasName":"live","fingerprint":%q}`
	code := func(h string) string {
		return fmt.Sprintf(`{"code":{"archive":{"path":"p","sha256":%q}},"sourceCodeHash":%q}`, h, h)
	}
	withMem := func(h string) string {
		return fmt.Sprintf(`{"code":{"archive":{"path":"p","sha256":%q}},"sourceCodeHash":%q,"memorySize":512}`, h, h)
	}
	topic := res(t, "aws:sns/topic:Topic", "alerts", "", `{"displayName":"a"}`)
	base := doc(append(append(functionComponent(t, "a", code("1"), fmt.Sprintf(rel, "f1")), functionComponent(t, "b", code("1"), fmt.Sprintf(rel, "f1"))...), topic)...)
	head := doc(append(append(functionComponent(t, "a", code("2"), fmt.Sprintf(rel, "f2")), functionComponent(t, "b", withMem("2"), fmt.Sprintf(rel, "f2"))...),
		res(t, "aws:sns/topic:Topic", "alerts", "", `{"displayName":"b"}`))...)
	sr := analyzeDocs(t, base, head)
	type row struct {
		Component string
		Changes   []string
		CodeOnly  []string
	}
	var got []row
	for _, g := range sr.Groups {
		r := row{Component: g.Component, CodeOnly: g.CodeOnly}
		for _, c := range g.Changes {
			r.Changes = append(r.Changes, c.Type+"::"+c.Name)
		}
		got = append(got, r)
	}
	want := []row{
		{Component: ""},
		{Component: "urn:pulumi:dev::kumo::kumo:constructs:Function::a", CodeOnly: []string{"a"}},
		{Component: "urn:pulumi:dev::kumo::kumo:constructs:Function::b", Changes: []string{typeFunction + "::b", typeRelease + "::b"}},
	}
	want[0].Changes = []string{"aws:sns/topic:Topic::alerts"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("groups:\ngot  %+v\nwant %+v", got, want)
	}
	if want := "2 canary releases · 5 to update"; sr.Verdict != want {
		t.Errorf("verdict: got %q; want %q", sr.Verdict, want)
	}
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		sr   StackReport
		want string
	}{
		{StackReport{Counts: Counts{Same: 3}}, "no changes"},
		{StackReport{Counts: Counts{Create: 1, Update: 12, Replace: 2, Delete: 1},
			DataLoss: []DataLoss{{URN: "a"}, {URN: "b"}}, IAM: []IAMChange{{Kind: "added"}, {Kind: "broadened"}, {Kind: "removed"}, {Kind: "unknown"}},
			Public: []PublicChange{{Type: typeMethod}, {Type: "aws:lambda/permission:Permission"}}, Canary: make([]Release, 4)},
			"⚠ 2 resources lose data · IAM widened (3 statements) · 1 policy known only after deploy · 1 route made public · 1 resource opened to more callers · 4 canary releases · 1 to create · 12 to update · 2 to replace · 1 to delete"},
		{StackReport{Counts: Counts{Update: 1}, Canary: make([]Release, 1)}, "1 canary release · 1 to update"},
		{StackReport{Counts: Counts{Create: 6, Update: 2}, Canary: []Release{
			{Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes"}, {Preference: "CodeDeployDefault.AllAtOnce"},
			{First: true, Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes"}, {First: true}}},
			"1 canary release · 1 release all at once · 2 new functions · 6 to create · 2 to update"},
		{StackReport{Counts: Counts{Update: 1}, DataLoss: []DataLoss{{URN: "lifecycle", Op: OpUpdate}, {URN: "lifecycle", Op: OpUpdate}}},
			"⚠ 1 resource loses data · 1 to update"},
	}
	for _, tt := range tests {
		if got := verdict(&tt.sr); got != tt.want {
			t.Errorf("verdict = %q; want %q", got, tt.want)
		}
	}
}

func TestProtectionRemoved(t *testing.T) {
	const table = "aws:dynamodb/table:Table"
	tests := []struct {
		name       string
		base, head []SynthResource
		want       []DataLoss
	}{
		{"table, user pool and bucket lose their guards",
			[]SynthResource{
				res(t, table, "t", "", `{"hashKey":"id","deletionProtectionEnabled":true}`),
				res(t, "aws:cognito/userPool:UserPool", "u", "", `{"deletionProtection":"ACTIVE"}`),
				res(t, "aws:s3/bucketV2:BucketV2", "b", "", `{"forceDestroy":false}`),
			},
			[]SynthResource{
				res(t, table, "t", "", `{"hashKey":"id","deletionProtectionEnabled":false}`),
				res(t, "aws:cognito/userPool:UserPool", "u", "", `{"deletionProtection":"INACTIVE"}`),
				res(t, "aws:s3/bucketV2:BucketV2", "b", "", `{"forceDestroy":true}`),
			},
			[]DataLoss{
				{URN: "urn:pulumi:dev::kumo::aws:cognito/userPool:UserPool::u", Type: "aws:cognito/userPool:UserPool", Name: "u", Op: OpUpdate,
					Holds:     "users of a Cognito user pool (their passwords cannot be exported)",
					Reason:    "protection removed: a later delete or replacement loses the data",
					Protected: "deletionProtection ACTIVE: the delete fails until it is turned off"},
				{URN: "urn:pulumi:dev::kumo::aws:dynamodb/table:Table::t", Type: table, Name: "t", Op: OpUpdate,
					Holds: "items of a DynamoDB table", Reason: "protection removed: a later delete or replacement loses the data",
					Protected: "deletionProtectionEnabled: the delete fails until it is turned off"},
				{URN: "urn:pulumi:dev::kumo::aws:s3/bucketV2:BucketV2::b", Type: "aws:s3/bucketV2:BucketV2", Name: "b", Op: OpUpdate,
					Holds: "objects in an S3 bucket", Reason: "protection removed: a later delete or replacement loses the data",
					Protected: "forceDestroy is false: the delete fails while the bucket holds objects"},
			}},
		{"protection turned on, kept, or unknown yet is not reported",
			[]SynthResource{
				res(t, table, "a", "", `{"hashKey":"id"}`),
				res(t, table, "b", "", `{"hashKey":"id","deletionProtectionEnabled":true,"billingMode":"PROVISIONED"}`),
				res(t, table, "c", "", `{"hashKey":"id","deletionProtectionEnabled":true}`),
			},
			[]SynthResource{
				res(t, table, "a", "", `{"hashKey":"id","deletionProtectionEnabled":true}`),
				res(t, table, "b", "", `{"hashKey":"id","deletionProtectionEnabled":true,"billingMode":"PAY_PER_REQUEST"}`),
				res(t, table, "c", "", `{"hashKey":"id","deletionProtectionEnabled":"[unknown]"}`),
			},
			[]DataLoss{}},
		{"a protected table deleted is data loss, not a protection change",
			[]SynthResource{res(t, table, "t", "", `{"hashKey":"id","deletionProtectionEnabled":true}`)},
			nil,
			[]DataLoss{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := analyzeDocs(t, doc(tt.base...), doc(tt.head...))
			if !reflect.DeepEqual(sr.ProtectionRemoved, tt.want) {
				t.Errorf("protection removed:\ngot  %+v\nwant %+v", sr.ProtectionRemoved, tt.want)
			}
		})
	}
}

// TestProtectionRemovedIsSaid: turning deletion protection off in prod
// reads as a danger in the verdict, both views and the data-loss gate,
// not as a quiet update.
func TestProtectionRemovedIsSaid(t *testing.T) {
	base := doc(res(t, "aws:dynamodb/table:Table", "web-items", "", `{"hashKey":"id","deletionProtectionEnabled":true}`))
	head := doc(res(t, "aws:dynamodb/table:Table", "web-items", "", `{"hashKey":"id","deletionProtectionEnabled":false}`))
	r := Report{Stacks: []StackReport{analyzeDocs(t, base, head)}}
	if got, want := r.Stacks[0].Verdict, "⚠ 1 resource loses its deletion protection · 1 to update"; got != want {
		t.Errorf("verdict = %q; want %q", got, want)
	}
	var text strings.Builder
	if err := RenderText(&text, r, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	md := RenderMarkdown(r, MarkdownOptions{})
	for view, want := range map[string]string{
		text.String(): "Protection removed (1)\n  ~ aws:dynamodb/table:Table web-items (update)\n     holds: items of a DynamoDB table\n     removed: deletionProtectionEnabled: the delete fails until it is turned off\n",
		md:            "| `~` update | `aws:dynamodb/table:Table web-items` | items of a DynamoDB table | **deletionProtectionEnabled: the delete fails until it is turned off** |",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks the protection removed:\ngot  %s\nwant it to contain %q", view, want)
		}
	}
	v, err := Gate(r, []string{GateDataLoss}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 1 || v[0].Category != GateDataLoss || v[0].Name != "web-items" {
		t.Errorf("gate data-loss: got %+v; want one violation for web-items", v)
	}
}

func TestDataLossRename(t *testing.T) {
	const table = "aws:dynamodb/table:Table"
	tests := []struct {
		name       string
		base, head []SynthResource
		want       string
	}{
		{"renamed: one create of the type in its place",
			[]SynthResource{res(t, table, "web-items", "", `{"hashKey":"id"}`)},
			[]SynthResource{res(t, table, "web-records", "", `{"hashKey":"id"}`)},
			"removed from the program, and web-records of the same type is created in the same place: if this is a rename, the new one starts empty; give the renamed resource or component pulumi.Aliases with its old name to keep it"},
		{"two candidates: no guess",
			[]SynthResource{res(t, table, "a", "", `{"hashKey":"id"}`)},
			[]SynthResource{res(t, table, "b", "", `{"hashKey":"id"}`), res(t, table, "c", "", `{"hashKey":"id"}`)},
			"removed from the program"},
		{"a create of another type is no rename",
			[]SynthResource{res(t, table, "a", "", `{"hashKey":"id"}`)},
			[]SynthResource{res(t, "aws:sqs/queue:Queue", "a2", "", `{}`)},
			"removed from the program"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sr := analyzeDocs(t, doc(tt.base...), doc(tt.head...))
			if len(sr.DataLoss) != 1 {
				t.Fatalf("data loss: got %+v; want one entry", sr.DataLoss)
			}
			if got := sr.DataLoss[0].Reason; got != tt.want {
				t.Errorf("reason = %q; want %q", got, tt.want)
			}
		})
	}
}
