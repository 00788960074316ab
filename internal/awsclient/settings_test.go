package awsclient_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-iac/kumo/internal/awsclient"
	"github.com/kumo-iac/kumo/internal/awsclient/awsclienttest"
)

// isolate clears the AWS environment of the shell running the tests and
// gives the process the credentials AKIDENV, which every test expects a
// setting of the stack to override.
func isolate(t *testing.T) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_REGION": "", "AWS_DEFAULT_REGION": "",
		"AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none, "AWS_ENDPOINT_URL": "",
		"AWS_ENDPOINT_URL_STS": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_ROLE_ARN": "",
		"AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}

func write(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func retrieve(t *testing.T, cfg aws.Config) aws.Credentials {
	t.Helper()
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatalf("retrieve credentials: %v", err)
	}
	return creds
}

func TestLoadHonorsAProfileOfASharedConfigFile(t *testing.T) {
	isolate(t)
	cfgFile := write(t, "config", "[profile deploy]\nregion = ap-southeast-2\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n")
	credFile := write(t, "credentials", "")
	cfg, err := awsclient.Load(context.Background(), "", awsclient.Settings{
		Profile: "deploy", SharedConfigFiles: []string{cfgFile}, SharedCredentialsFiles: []string{credFile},
	}, awsclient.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "ap-southeast-2" {
		t.Errorf("region = %q; want the profile's ap-southeast-2", cfg.Region)
	}
	// The profile wins over the environment's keys, as with pulumi-aws.
	if got := retrieve(t, cfg).AccessKeyID; got != "AKIDPROFILE" {
		t.Errorf("access key = %s; want the profile's AKIDPROFILE", got)
	}

	if _, err := awsclient.Load(context.Background(), "", awsclient.Settings{
		Profile: "missing", SharedConfigFiles: []string{cfgFile}, SharedCredentialsFiles: []string{credFile},
	}, awsclient.Limits{}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("Load with a profile the files lack: error %v; want one naming the profile", err)
	}
}

func TestLoadStaticCredentialsWin(t *testing.T) {
	isolate(t)
	cfgFile := write(t, "config", "[profile deploy]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n")
	cfg, err := awsclient.Load(context.Background(), "eu-west-1", awsclient.Settings{
		Profile: "deploy", SharedConfigFiles: []string{cfgFile},
		AccessKey: "AKIDSTATIC", SecretKey: "static-secret", Token: "static-token",
	}, awsclient.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := retrieve(t, cfg); got.AccessKeyID != "AKIDSTATIC" || got.SessionToken != "static-token" {
		t.Errorf("credentials = %s with token %q; want AKIDSTATIC with static-token", got.AccessKeyID, got.SessionToken)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("region = %q; want eu-west-1", cfg.Region)
	}
}

func TestLoadAssumesTheRole(t *testing.T) {
	isolate(t)
	sts := awsclienttest.NewSTS(t)
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"lambda:*","Resource":"*"}]}`
	cfg, err := awsclient.Load(context.Background(), "eu-west-1", awsclient.Settings{
		AssumeRole: &awsclient.AssumeRole{
			RoleARN: "arn:aws:iam::210987654321:role/deployer", SessionName: "kumo-release", ExternalID: "ext-42",
			Duration: "1h", Policy: policy, PolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
			Tags: map[string]string{"team": "shop", "env": "prod"}, TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice",
		},
		Endpoints: awsclient.Endpoints{STS: sts.URL},
		STSRegion: "us-west-2",
	}, awsclient.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := retrieve(t, cfg); got.AccessKeyID != awsclienttest.AssumedAccessKey || got.SessionToken != awsclienttest.AssumedSessionToken {
		t.Errorf("credentials = %s; want the assumed role's %s", got.AccessKeyID, awsclienttest.AssumedAccessKey)
	}
	calls := sts.Calls()
	if len(calls) != 1 || calls[0].Action != "AssumeRole" {
		t.Fatalf("STS calls = %+v; want one AssumeRole", calls)
	}
	c := calls[0]
	if c.AccessKey != "AKIDENV" || c.Region != "us-west-2" {
		t.Errorf("AssumeRole signed by %s in %s; want the base credentials AKIDENV in stsRegion us-west-2", c.AccessKey, c.Region)
	}
	for param, want := range map[string]string{
		"RoleArn": "arn:aws:iam::210987654321:role/deployer", "RoleSessionName": "kumo-release", "ExternalId": "ext-42",
		"DurationSeconds": "3600", "Policy": policy, "PolicyArns.member.1.arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
		"Tags.member.1.Key": "env", "Tags.member.1.Value": "prod", "Tags.member.2.Key": "team",
		"TransitiveTagKeys.member.1": "team", "SourceIdentity": "alice",
	} {
		if got := c.Params.Get(param); got != want {
			t.Errorf("AssumeRole %s = %q; want %q", param, got, want)
		}
	}
}

func TestLoadChainsWebIdentityAndAssumeRole(t *testing.T) {
	isolate(t)
	sts := awsclienttest.NewSTS(t)
	tokenFile := write(t, "token", "oidc-token-from-file")
	cfg, err := awsclient.Load(context.Background(), "eu-west-1", awsclient.Settings{
		AssumeRoleWithWebIdentity: &awsclient.WebIdentity{RoleARN: "arn:aws:iam::111111111111:role/ci", SessionName: "ci", WebIdentityTokenFile: tokenFile},
		AssumeRole:                &awsclient.AssumeRole{RoleARN: "arn:aws:iam::210987654321:role/deployer"},
		Endpoints:                 awsclient.Endpoints{STS: sts.URL},
	}, awsclient.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	retrieve(t, cfg)
	var got []string
	for _, c := range sts.Calls() {
		got = append(got, c.Action+" by "+c.AccessKey+" "+c.Params.Get("RoleArn")+" "+c.Params.Get("WebIdentityToken"))
	}
	want := []string{
		"AssumeRoleWithWebIdentity by  arn:aws:iam::111111111111:role/ci oidc-token-from-file",
		"AssumeRole by " + awsclienttest.AssumedAccessKey + " arn:aws:iam::210987654321:role/deployer ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("STS calls:\n got %q\nwant %q", got, want)
	}

	_, err = awsclient.Load(context.Background(), "eu-west-1", awsclient.Settings{
		AssumeRoleWithWebIdentity: &awsclient.WebIdentity{RoleARN: "arn:aws:iam::111111111111:role/ci"},
	}, awsclient.Limits{})
	if err == nil || !strings.Contains(err.Error(), "webIdentityTokenFile") {
		t.Errorf("Load of a web identity without a token: error %v; want one saying where the token goes", err)
	}
}

func TestCheckAccount(t *testing.T) {
	isolate(t)
	sts := awsclienttest.NewSTS(t)
	role := &awsclient.AssumeRole{RoleARN: "arn:aws:iam::210987654321:role/deployer"}
	for _, tc := range []struct {
		name    string
		s       awsclient.Settings
		wantErr []string
		calls   int
	}{
		{"no lists, no call", awsclient.Settings{}, nil, 0},
		{"allowed", awsclient.Settings{AssumeRole: role, AllowedAccountIDs: []string{awsclienttest.AssumedAccount}}, nil, 2},
		{"not allowed: the role was forgotten", awsclient.Settings{AllowedAccountIDs: []string{awsclienttest.AssumedAccount}},
			[]string{"account " + awsclienttest.CallerAccount, "allowedAccountIds (" + awsclienttest.AssumedAccount + ")", "aws:assumeRole"}, 1},
		{"forbidden", awsclient.Settings{AssumeRole: role, ForbiddenAccountIDs: []string{awsclienttest.AssumedAccount}},
			[]string{"account " + awsclienttest.AssumedAccount, "forbiddenAccountIds lists"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(sts.Calls())
			tc.s.Endpoints.STS = sts.URL
			cfg, err := awsclient.Load(context.Background(), "eu-west-1", tc.s, awsclient.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			err = awsclient.CheckAccount(context.Background(), cfg, tc.s)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Errorf("CheckAccount: %v; want success", err)
			case tc.wantErr != nil && err == nil:
				t.Errorf("CheckAccount succeeded; want an error with %q", tc.wantErr)
			}
			for _, w := range tc.wantErr {
				if err != nil && !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if got := len(sts.Calls()) - before; got != tc.calls {
				t.Errorf("STS calls = %d; want %d", got, tc.calls)
			}
		})
	}
}

func TestLoadExpandsHomeInFilePaths(t *testing.T) {
	isolate(t)
	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := os.MkdirAll(filepath.Join(home, ".kumo"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".kumo", "config"), []byte("[profile p]\nregion = sa-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := awsclient.Load(context.Background(), "", awsclient.Settings{Profile: "p", SharedConfigFiles: []string{"~/.kumo/config"}}, awsclient.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "sa-east-1" {
		t.Errorf("region = %q; want sa-east-1 from ~/.kumo/config", cfg.Region)
	}
}
