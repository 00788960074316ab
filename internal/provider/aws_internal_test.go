package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/kumo-iac/kumo/internal/awsclient"
)

// TestAWSSettingsRoundTrip guards the contract between kumo's constructs,
// which render the stack's settings with Settings.Properties, and this
// provider's AWSSettings: every setting arrives, under the same
// name, and none is unknown.
func TestAWSSettingsRoundTrip(t *testing.T) {
	want := awsclient.Settings{
		Profile:                "deploy",
		SharedConfigFiles:      []string{"~/.aws/config"},
		SharedCredentialsFiles: []string{"/etc/aws/credentials"},
		AccessKey:              "AKIDSTATIC", SecretKey: "secret", Token: "token",
		AssumeRole: &awsclient.AssumeRole{RoleARN: "arn:aws:iam::210987654321:role/deployer", SessionName: "kumo",
			ExternalID: "ext", Duration: "1h", Policy: "{}", PolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
			Tags: map[string]string{"team": "shop"}, TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice"},
		AssumeRoleWithWebIdentity: &awsclient.WebIdentity{RoleARN: "arn:aws:iam::111111111111:role/ci", SessionName: "ci",
			WebIdentityToken: "tok", WebIdentityTokenFile: "/f", Duration: "2h", Policy: "{}", PolicyARNs: []string{"arn:aws:iam::aws:policy/A"}},
		Endpoints:           awsclient.Endpoints{Lambda: "http://l", CodeDeploy: "http://c", STS: "http://s"},
		STSRegion:           "us-east-1",
		AllowedAccountIDs:   []string{"210987654321"},
		ForbiddenAccountIDs: []string{"123456789012"},
		UseFIPSEndpoint:     true, UseDualStackEndpoint: true,
	}
	raw := resource.NewPropertyMapFromMap(map[string]any{
		"aws": want.Properties(), "functionName": "items", "fingerprint": "fp", "applicationName": "app", "deploymentGroupName": "items",
	})
	inputs := resource.FromResourcePropertyValue(resource.NewObjectProperty(raw)).AsMap()
	inputs, unknown := unknownSettings(inputs)
	if len(unknown) > 0 {
		t.Errorf("unknown settings: %+v", unknown)
	}
	args, failures, err := infer.DefaultCheck[ReleaseArgs](context.Background(), inputs)
	if err != nil || len(failures) > 0 {
		t.Fatalf("decode: %v, %+v", err, failures)
	}
	if got := args.Aws.settings(); !reflect.DeepEqual(got, want) {
		t.Errorf("settings after the round trip:\n got %+v\nwant %+v", got, want)
	}
}
