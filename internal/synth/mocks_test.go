package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/asset"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestMockOutputs(t *testing.T) {
	const A = "123456789012"
	tests := []struct {
		typ, name string
		inputs    map[string]any
		// want maps an output property (or "id") to a regexp the whole value must match.
		want map[string]string
	}{
		{
			typ: "aws:lambda/function:Function", name: "api",
			inputs: map[string]any{"publish": true, "sourceCodeHash": "abc="},
			want: map[string]string{
				"id":                 `api-[0-9a-f]{7}`,
				"name":               `api-[0-9a-f]{7}`,
				"arn":                `arn:aws:lambda:eu-west-1:123456789012:function:api-[0-9a-f]{7}`,
				"invokeArn":          `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:api-[0-9a-f]{7}/invocations`,
				"version":            `1`,
				"qualifiedArn":       `arn:aws:lambda:eu-west-1:123456789012:function:api-[0-9a-f]{7}:1`,
				"qualifiedInvokeArn": `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:api-[0-9a-f]{7}:1/invocations`,
				"codeSha256":         `abc=`,
			},
		},
		{
			typ: "aws:lambda/function:Function", name: "api",
			inputs: map[string]any{"name": "orders-api"},
			want: map[string]string{
				"name":         `orders-api`,
				"arn":          `arn:aws:lambda:eu-west-1:123456789012:function:orders-api`,
				"version":      `\$LATEST`,
				"qualifiedArn": `arn:aws:lambda:eu-west-1:123456789012:function:orders-api:\$LATEST`,
			},
		},
		{
			typ: "aws:lambda/alias:Alias", name: "live",
			inputs: map[string]any{"name": "live", "functionName": "orders-api"},
			want: map[string]string{
				"arn":       `arn:aws:lambda:eu-west-1:123456789012:function:orders-api:live`,
				"invokeArn": `arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:orders-api:live/invocations`,
				"id":        `arn:aws:lambda:eu-west-1:123456789012:function:orders-api:live`,
			},
		},
		{
			typ: "aws:lambda/alias:Alias", name: "live",
			inputs: map[string]any{"name": "live", "functionName": "arn:aws:lambda:eu-west-1:" + A + ":function:orders-api:7"},
			want:   map[string]string{"arn": `arn:aws:lambda:eu-west-1:123456789012:function:orders-api:live`},
		},
		{
			typ: "aws:lambda/permission:Permission", name: "allow-apigw",
			want: map[string]string{"id": `allow-apigw-[0-9a-f]{7}`, "statementId": `allow-apigw-[0-9a-f]{7}`},
		},
		{
			typ: "aws:iam/role:Role", name: "api-role",
			inputs: map[string]any{"path": "/service/"},
			want: map[string]string{
				"id":       `api-role-[0-9a-f]{7}`,
				"arn":      `arn:aws:iam::123456789012:role/service/api-role-[0-9a-f]{7}`,
				"uniqueId": `AROA[A-Z0-9]{17}`,
			},
		},
		{
			typ: "aws:iam/rolePolicy:RolePolicy", name: "inline",
			inputs: map[string]any{"role": "api-role", "name": "dynamo"},
			want:   map[string]string{"id": `api-role:dynamo`, "name": `dynamo`},
		},
		{
			typ: "aws:iam/policy:Policy", name: "read",
			want: map[string]string{"arn": `arn:aws:iam::123456789012:policy/read-[0-9a-f]{7}`, "id": `arn:aws:iam::.*`},
		},
		{
			typ: "aws:cloudwatch/logGroup:LogGroup", name: "logs",
			inputs: map[string]any{"name": "/aws/lambda/orders-api"},
			want: map[string]string{
				"arn":  `arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/orders-api`,
				"name": `/aws/lambda/orders-api`,
			},
		},
		{
			typ: "aws:cloudwatch/metricAlarm:MetricAlarm", name: "errors",
			want: map[string]string{"arn": `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:errors-[0-9a-f]{7}`},
		},
		{
			typ: "aws:sqs/queue:Queue", name: "jobs",
			inputs: map[string]any{"name": "jobs"},
			want: map[string]string{
				"arn": `arn:aws:sqs:eu-west-1:123456789012:jobs`,
				"url": `https://sqs\.eu-west-1\.amazonaws\.com/123456789012/jobs`,
				"id":  `https://sqs\.eu-west-1\.amazonaws\.com/123456789012/jobs`,
			},
		},
		{
			typ: "aws:sqs/queue:Queue", name: "jobs",
			inputs: map[string]any{"fifoQueue": true},
			want:   map[string]string{"name": `jobs-[0-9a-f]{7}\.fifo`},
		},
		{
			typ: "aws:sns/topic:Topic", name: "alerts",
			want: map[string]string{"arn": `arn:aws:sns:eu-west-1:123456789012:alerts-[0-9a-f]{7}`},
		},
		{
			typ: "aws:sns/topicSubscription:TopicSubscription", name: "ops",
			inputs: map[string]any{"topic": "arn:aws:sns:eu-west-1:123456789012:alerts", "protocol": "email", "endpoint": "ops@example.com"},
			want:   map[string]string{"arn": `arn:aws:sns:eu-west-1:123456789012:alerts:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`},
		},
		{
			typ: "aws:kms/key:Key", name: "lake",
			want: map[string]string{
				"id":    `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
				"keyId": `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
				"arn":   `arn:aws:kms:eu-west-1:123456789012:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
			},
		},
		{
			typ: "aws:kms/alias:Alias", name: "lake",
			inputs: map[string]any{"targetKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
			want: map[string]string{
				"name":         `alias/lake-[0-9a-f]{7}`,
				"arn":          `arn:aws:kms:eu-west-1:123456789012:alias/lake-[0-9a-f]{7}`,
				"targetKeyArn": `arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
			},
		},
		{
			typ: "aws:cloudtrail/trail:Trail", name: "audit",
			inputs: map[string]any{"name": "shop-dev-audit", "s3BucketName": "logs"},
			want: map[string]string{
				"id":  `arn:aws:cloudtrail:eu-west-1:123456789012:trail/shop-dev-audit`,
				"arn": `arn:aws:cloudtrail:eu-west-1:123456789012:trail/shop-dev-audit`,
			},
		},
		{
			typ: "aws:dynamodb/table:Table", name: "items",
			inputs: map[string]any{"name": "items", "streamEnabled": true},
			want: map[string]string{
				"arn":         `arn:aws:dynamodb:eu-west-1:123456789012:table/items`,
				"name":        `items`,
				"streamArn":   `arn:aws:dynamodb:eu-west-1:123456789012:table/items/stream/2026-01-01T00:00:00\.000`,
				"streamLabel": `2026-01-01T00:00:00\.000`,
			},
		},
		{
			// The stack's region is the replica's; the table is elsewhere.
			typ: "aws:dynamodb/tableReplica:TableReplica", name: "items-eu-west-1",
			inputs: map[string]any{"globalTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/items"},
			want: map[string]string{
				"id":  `items:us-east-1`,
				"arn": `arn:aws:dynamodb:eu-west-1:123456789012:table/items`,
			},
		},
		{
			typ: "aws:s3/bucketV2:BucketV2", name: "site",
			inputs: map[string]any{"bucket": "shop-site"},
			want: map[string]string{
				"id":                       `shop-site`,
				"bucket":                   `shop-site`,
				"arn":                      `arn:aws:s3:::shop-site`,
				"bucketDomainName":         `shop-site\.s3\.amazonaws\.com`,
				"bucketRegionalDomainName": `shop-site\.s3\.eu-west-1\.amazonaws\.com`,
			},
		},
		{
			typ: "aws:s3/bucketPolicy:BucketPolicy", name: "site",
			inputs: map[string]any{"bucket": "shop-site"},
			want:   map[string]string{"id": `shop-site`},
		},
		{
			typ: "aws:cloudfront/distribution:Distribution", name: "cdn",
			want: map[string]string{
				"id":           `E[A-Z0-9]{13}`,
				"arn":          `arn:aws:cloudfront::123456789012:distribution/E[A-Z0-9]{13}`,
				"domainName":   `d[a-z0-9]{13}\.cloudfront\.net`,
				"hostedZoneId": `Z2FDTNDATAQYW2`,
			},
		},
		{
			typ: "aws:cloudfront/originAccessControl:OriginAccessControl", name: "oac",
			want: map[string]string{"id": `E[A-Z0-9]{13}`},
		},
		{
			typ: "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", name: "headers",
			want: map[string]string{"id": `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`},
		},
		{
			typ: "aws:apigateway/restApi:RestApi", name: "api",
			want: map[string]string{
				"id":             `[a-z0-9]{10}`,
				"rootResourceId": `[a-z0-9]{10}`,
				"executionArn":   `arn:aws:execute-api:eu-west-1:123456789012:[a-z0-9]{10}`,
				"arn":            `arn:aws:apigateway:eu-west-1::/restapis/[a-z0-9]{10}`,
			},
		},
		{
			typ: "aws:apigateway/stage:Stage", name: "live",
			inputs: map[string]any{"restApi": "abcde12345", "stageName": "live"},
			want: map[string]string{
				"invokeUrl":    `https://abcde12345\.execute-api\.eu-west-1\.amazonaws\.com/live`,
				"executionArn": `arn:aws:execute-api:eu-west-1:123456789012:abcde12345/live`,
				"arn":          `arn:aws:apigateway:eu-west-1::/restapis/abcde12345/stages/live`,
			},
		},
		{
			typ: "aws:apigateway/authorizer:Authorizer", name: "cognito",
			inputs: map[string]any{"restApi": "abcde12345"},
			want:   map[string]string{"arn": `arn:aws:apigateway:eu-west-1::/restapis/abcde12345/authorizers/[a-z0-9]{6}`},
		},
		{
			typ: "aws:apigateway/usagePlan:UsagePlan", name: "plan",
			want: map[string]string{"arn": `arn:aws:apigateway:eu-west-1::/usageplans/[a-z0-9]{6}`},
		},
		{
			typ: "aws:apigateway/method:Method", name: "get",
			want: map[string]string{"id": `[a-z0-9]{6}`},
		},
		{
			typ: "aws:cognito/userPool:UserPool", name: "users",
			want: map[string]string{
				"id":       `eu-west-1_[A-Za-z0-9]{9}`,
				"arn":      `arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_[A-Za-z0-9]{9}`,
				"endpoint": `cognito-idp\.eu-west-1\.amazonaws\.com/eu-west-1_[A-Za-z0-9]{9}`,
			},
		},
		{
			typ: "aws:cognito/userPoolClient:UserPoolClient", name: "web",
			want: map[string]string{"id": `[a-z0-9]{26}`},
		},
		{
			typ: "aws:codedeploy/application:Application", name: "app",
			inputs: map[string]any{"name": "orders", "computePlatform": "Lambda"},
			want:   map[string]string{"arn": `arn:aws:codedeploy:eu-west-1:123456789012:application:orders`, "name": `orders`},
		},
		{
			typ: "aws:codedeploy/deploymentGroup:DeploymentGroup", name: "dg",
			inputs: map[string]any{"appName": "orders", "deploymentGroupName": "orders-dg"},
			want: map[string]string{
				"arn":                 `arn:aws:codedeploy:eu-west-1:123456789012:deploymentgroup:orders/orders-dg`,
				"deploymentGroupName": `orders-dg`,
			},
		},
		// The provider autonames deployment configs with "_" (FromName("_", 100, 7)).
		{
			typ: "aws:codedeploy/deploymentConfig:DeploymentConfig", name: "canary",
			want: map[string]string{"deploymentConfigName": `canary_[0-9a-f]{7}`, "id": `canary_[0-9a-f]{7}`},
		},
		// SSM parameters are named by their name; the ARN drops a
		// hierarchical name's leading slash.
		{
			typ: "aws:ssm/parameter:Parameter", name: "keys",
			inputs: map[string]any{"name": "/kumo/shop/dev/keys", "type": "String", "tier": "Intelligent-Tiering"},
			want: map[string]string{
				"id":   `/kumo/shop/dev/keys`,
				"name": `/kumo/shop/dev/keys`,
				"arn":  `arn:aws:ssm:eu-west-1:123456789012:parameter/kumo/shop/dev/keys`,
				"tier": `Intelligent-Tiering`,
			},
		},
		{
			typ: "aws:ssm/parameter:Parameter", name: "flag",
			inputs: map[string]any{"type": "String"},
			want: map[string]string{
				"id":   `flag-[0-9a-f]{7}`,
				"arn":  `arn:aws:ssm:eu-west-1:123456789012:parameter/flag-[0-9a-f]{7}`,
				"tier": `Standard`,
			},
		},
		{
			typ: "aws:ec2/vpc:Vpc", name: "net",
			inputs: map[string]any{"cidrBlock": "10.0.0.0/16"},
			want:   map[string]string{"id": `net-[0-9a-f]{7}`, "cidrBlock": `10\.0\.0\.0/16`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"/"+tt.name, func(t *testing.T) {
			// A fresh monitor per case: several cases register the same URN.
			m := newMonitor("shop", "dev", "eu-west-1", t.TempDir())
			id, state, err := m.NewResource(pulumi.MockResourceArgs{
				TypeToken:   tt.typ,
				Name:        tt.name,
				Inputs:      resource.NewPropertyMapFromMap(tt.inputs),
				Custom:      true,
				RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: tt.typ, Name: tt.name, Custom: true},
			})
			if err != nil {
				t.Fatal(err)
			}
			for k, pattern := range tt.want {
				got := id
				if k != "id" {
					v, ok := state[resource.PropertyKey(k)]
					if !ok || !v.IsString() {
						t.Errorf("state[%s] = %v; want a string matching %s", k, v, pattern)
						continue
					}
					got = v.StringValue()
				}
				if !regexp.MustCompile(`^` + pattern + `$`).MatchString(got) {
					t.Errorf("%s = %q; want match for %s", k, got, pattern)
				}
			}
		})
	}
}

func TestMockOutputsAreDeterministicAndDistinct(t *testing.T) {
	a := newMonitor("shop", "dev", "", t.TempDir())
	b := newMonitor("shop", "dev", "", t.TempDir())
	urn := a.urn("", "aws:iam/role:Role", "r")
	idA, outA := a.outputs(urn, "aws:iam/role:Role", "r", nil, a.region)
	idB, outB := b.outputs(urn, "aws:iam/role:Role", "r", nil, b.region)
	if idA != idB || outA["arn"] != outB["arn"] {
		t.Errorf("two monitors gave %s/%v and %s/%v; want identical", idA, outA["arn"], idB, outB["arn"])
	}
	if got := outA["arn"].StringValue(); !strings.HasPrefix(got, "arn:aws:iam::123456789012:role/r-") {
		t.Errorf("arn = %q; want the mock account and an autoname", got)
	}
	other := a.urn("", "aws:iam/role:Role", "s")
	if idC, _ := a.outputs(other, "aws:iam/role:Role", "r", nil, a.region); idC == idA {
		t.Errorf("different URNs gave the same autoname %s", idA)
	}
	if region := a.region; region != "us-east-1" {
		t.Errorf("default region = %q; want us-east-1", region)
	}
}

func TestMockSecretsAndComponents(t *testing.T) {
	m := newMonitor("shop", "dev", "us-east-1", t.TempDir())
	_, state, err := m.NewResource(pulumi.MockResourceArgs{
		TypeToken: "aws:apigateway/apiKey:ApiKey", Name: "key", Custom: true,
		RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: "aws:apigateway/apiKey:ApiKey", Name: "key", Custom: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := state["value"]; !v.IsSecret() {
		t.Errorf("apiKey value = %v; want a secret", v)
	}

	id, state, err := m.NewResource(pulumi.MockResourceArgs{
		TypeToken: "kumo:test:Api", Name: "api",
		Inputs:      resource.NewPropertyMapFromMap(map[string]any{"x": "y"}),
		RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: "kumo:test:Api", Name: "api"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if id != "" || len(state) != 1 {
		t.Errorf("component id, state = %q, %v; want no id and inputs only", id, state)
	}
}

func TestRenderValues(t *testing.T) {
	r := renderer{root: t.TempDir()}
	in := resource.PropertyMap{
		"n":        resource.NewNumberProperty(3),
		"f":        resource.NewNumberProperty(0.25),
		"secret":   resource.MakeSecret(resource.NewStringProperty("x")),
		"unknown":  resource.MakeComputed(resource.NewStringProperty("")),
		"outKnown": resource.NewOutputProperty(resource.Output{Element: resource.NewStringProperty("v"), Known: true}),
		"outSec":   resource.NewOutputProperty(resource.Output{Element: resource.NewStringProperty("v"), Known: true, Secret: true}),
		"outUnk":   resource.NewOutputProperty(resource.Output{}),
		"ref":      resource.MakeCustomResourceReference("urn:pulumi:dev::shop::aws:sqs/queue:Queue::q", "id", ""),
		"null":     resource.NewNullProperty(),
	}
	got, err := r.object(in)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"n": int64(3), "f": 0.25, "secret": "[secret]", "unknown": "[unknown]",
		"outKnown": "v", "outSec": "[secret]", "outUnk": "[unknown]",
		"ref": "urn:pulumi:dev::shop::aws:sqs/queue:Queue::q", "null": nil,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("render %s = %#v; want %#v", k, got[k], w)
		}
	}
}

func TestRenderAssets(t *testing.T) {
	root := writeProject(t, map[string]string{"site/a.txt": "a", "site/sub/b.txt": "b"})
	r := renderer{root: root}
	text, err := r.value(resource.NewAssetProperty(&asset.Asset{Text: "hi"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"asset": map[string]any{"text": "hi", "sha256": sha256Hex("hi")}}; !reflect.DeepEqual(text, want) {
		t.Errorf("string asset = %v; want %v", text, want)
	}
	file, err := r.value(resource.NewAssetProperty(&asset.Asset{Path: filepath.Join(root, "site", "a.txt")}))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"asset": map[string]any{"path": "site/a.txt", "sha256": sha256Hex("a")}}; !reflect.DeepEqual(file, want) {
		t.Errorf("file asset = %v; want %v", file, want)
	}
	dir1, err := r.value(resource.NewArchiveProperty(&archive.Archive{Path: "site"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := dir1.(map[string]any)["archive"].(map[string]any)["path"]; got != "site" {
		t.Errorf("directory archive path = %v; want site", got)
	}
	if err := os.WriteFile(filepath.Join(root, "site", "sub", "b.txt"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir2, err := r.value(resource.NewArchiveProperty(&archive.Archive{Path: "site"}))
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(dir1, dir2) {
		t.Errorf("directory archive hash did not change with its contents: %v", dir2)
	}
	if _, err := r.value(resource.NewAssetProperty(&asset.Asset{Path: "missing.txt"})); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file asset error = %v; want one naming the file", err)
	}
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestNamePrefixGetsUniqueSuffix(t *testing.T) {
	m := newMonitor("kumo", "dev", "eu-west-1", t.TempDir())
	urn := m.urn("", "aws:cloudwatch/logGroup:LogGroup", "fn")
	_, out := m.outputs(urn, "aws:cloudwatch/logGroup:LogGroup", "fn",
		resource.PropertyMap{"namePrefix": resource.NewStringProperty("/aws/lambda/fn-")}, m.region)
	name := out["name"].StringValue()
	if !regexp.MustCompile(`^/aws/lambda/fn-\d{26}$`).MatchString(name) {
		t.Errorf("got name %q; want the prefix plus 26 digits", name)
	}
	if arn := out["arn"].StringValue(); arn != "arn:aws:logs:eu-west-1:123456789012:log-group:"+name {
		t.Errorf("got arn %q; want it to name %q", arn, name)
	}
}

func TestDuplicateURNIsAnError(t *testing.T) {
	m := newMonitor("shop", "dev", "eu-west-1", t.TempDir())
	args := pulumi.MockResourceArgs{
		TypeToken: "aws:sqs/queue:Queue", Name: "jobs", Custom: true,
		RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: "aws:sqs/queue:Queue", Name: "jobs", Custom: true},
	}
	if _, _, err := m.NewResource(args); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.NewResource(args); err == nil || !strings.Contains(err.Error(), "duplicate resource URN") {
		t.Errorf("second registration: got %v; want a duplicate URN error", err)
	}
}
