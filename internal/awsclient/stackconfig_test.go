package awsclient_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/internal/awsclient"
)

// stackConfig is config as the engine hands it to a program, with the
// keys listed in secret marked secret.
func stackConfig(cfg map[string]string, secret ...string) (func(string) (string, bool), func(string) bool) {
	get := func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }
	isSecret := func(k string) bool {
		for _, s := range secret {
			if s == k {
				return true
			}
		}
		return false
	}
	return get, isSecret
}

func TestFromStackConfig(t *testing.T) {
	get, secret := stackConfig(map[string]string{
		"aws:region":                 "eu-west-1", // the release's own input, not a setting
		"aws:profile":                "deploy",
		"aws:sharedConfigFiles":      `["~/.aws/config","/etc/aws/config"]`,
		"aws:sharedCredentialsFiles": `["/etc/aws/credentials"]`,
		"aws:accessKey":              "AKIDCONFIG",
		"aws:secretKey":              "config-secret",
		"aws:token":                  "config-token",
		"aws:assumeRole": `{"roleArn":"arn:aws:iam::210987654321:role/deployer","sessionName":"kumo","externalId":"ext-42",
			"duration":"1h","policy":"{}","policyArns":["arn:aws:iam::aws:policy/ReadOnlyAccess"],"tags":{"team":"shop"},
			"transitiveTagKeys":["team"],"sourceIdentity":"alice"}`,
		"aws:assumeRoleWithWebIdentity": `{"roleArn":"arn:aws:iam::111111111111:role/ci","webIdentityTokenFile":"/var/run/token"}`,
		// Other services' endpoints are for the stack's other resources.
		"aws:endpoints":            `[{"lambda":"http://localhost:4566","dynamodb":"http://localhost:8000"},{"deploy":"http://localhost:4567","sts":"http://localhost:4568"}]`,
		"aws:stsRegion":            "us-east-1",
		"aws:allowedAccountIds":    `["210987654321", 123456789012]`,
		"aws:useFipsEndpoint":      "true",
		"aws:useDualstackEndpoint": "false",
		"aws:defaultTags":          `{"tags":{"owner":"shop"}}`, // not a setting a release needs
	}, "aws:assumeRole", "aws:secretKey")
	s, secrets, errs := awsclient.FromStackConfig(get, secret)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	want := awsclient.Settings{
		Profile: "deploy", SharedConfigFiles: []string{"~/.aws/config", "/etc/aws/config"},
		SharedCredentialsFiles: []string{"/etc/aws/credentials"},
		AccessKey:              "AKIDCONFIG", SecretKey: "config-secret", Token: "config-token",
		AssumeRole: &awsclient.AssumeRole{RoleARN: "arn:aws:iam::210987654321:role/deployer", SessionName: "kumo",
			ExternalID: "ext-42", Duration: "1h", Policy: "{}", PolicyARNs: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
			Tags: map[string]string{"team": "shop"}, TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice"},
		AssumeRoleWithWebIdentity: &awsclient.WebIdentity{RoleARN: "arn:aws:iam::111111111111:role/ci", WebIdentityTokenFile: "/var/run/token"},
		Endpoints:                 awsclient.Endpoints{Lambda: "http://localhost:4566", CodeDeploy: "http://localhost:4567", STS: "http://localhost:4568"},
		STSRegion:                 "us-east-1",
		AllowedAccountIDs:         []string{"210987654321", "123456789012"},
		UseFIPSEndpoint:           true,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("settings:\n got %+v\nwant %+v", s, want)
	}
	// Credentials are secret whatever the config says; assumeRole because
	// its key is.
	if w := []string{"accessKey", "assumeRole", "secretKey", "token"}; !reflect.DeepEqual(secrets, w) {
		t.Errorf("secret properties = %v; want %v", secrets, w)
	}
	if p := s.Validate(); len(p) > 0 {
		t.Errorf("Validate: %v", p)
	}
}

func TestFromStackConfigWithoutAWSSettings(t *testing.T) {
	get, secret := stackConfig(map[string]string{"aws:region": "eu-west-1", "kumo:memoryMB": "256"})
	s, secrets, errs := awsclient.FromStackConfig(get, secret)
	if !s.IsZero() || len(secrets) > 0 || len(errs) > 0 {
		t.Errorf("FromStackConfig of a stack with only aws:region = %+v, %v, %v; want zero settings", s, secrets, errs)
	}
	if p := s.Properties(); len(p) != 0 {
		t.Errorf("Properties of zero settings = %v; want none", p)
	}
}

func TestFromStackConfigWebIdentityTokenIsSecret(t *testing.T) {
	get, secret := stackConfig(map[string]string{
		"aws:assumeRoleWithWebIdentity": `{"roleArn":"arn:aws:iam::111111111111:role/ci","webIdentityToken":"eyJhbGciOi"}`,
	})
	_, secrets, errs := awsclient.FromStackConfig(get, secret)
	if len(errs) > 0 || !reflect.DeepEqual(secrets, []string{"assumeRoleWithWebIdentity"}) {
		t.Errorf("secret properties = %v (errors %v); want [assumeRoleWithWebIdentity], which holds the token", secrets, errs)
	}
}

func TestFromStackConfigMalformed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    map[string]string
		secret []string
		// want holds, per expected error, substrings it must contain.
		want [][]string
	}{{
		name: "v5's durationSeconds and a typo",
		cfg:  map[string]string{"aws:assumeRole": `{"roleArn":"arn:aws:iam::210987654321:role/deployer","durationSeconds":3600,"rolearn":"x"}`},
		want: [][]string{
			{"aws:assumeRole", `unknown field "durationSeconds"`, "roleArn, sessionName", `v6 takes duration, e.g. "1h"`},
			{"aws:assumeRole", `unknown field "rolearn"`},
		},
	}, {
		name: "shapes",
		cfg: map[string]string{
			"aws:sharedConfigFiles":         "/etc/aws/config",
			"aws:assumeRole":                `"arn:aws:iam::210987654321:role/deployer"`,
			"aws:endpoints":                 `{"lambda":"http://localhost:4566"}`,
			"aws:allowedAccountIds":         "210987654321",
			"aws:useFipsEndpoint":           "yes",
			"aws:assumeRoleWithWebIdentity": `{"roleArn":7,"webIdentityToken":["not","a","string"]}`,
		},
		want: [][]string{
			{"aws:sharedConfigFiles", `"/etc/aws/config"`, "not a list of strings", "pulumi config set --path 'aws:sharedConfigFiles[0]'"},
			{"aws:assumeRole", "not an object", "aws:assumeRole.roleArn"},
			{"aws:assumeRoleWithWebIdentity.roleArn", `"7"`, "not a string"},
			{"aws:assumeRoleWithWebIdentity.webIdentityToken", "(secret, not shown)"},
			{"aws:endpoints", "not a list of objects"},
			{"aws:allowedAccountIds", "not a list of account ids"},
			{"aws:useFipsEndpoint", `"yes"`, "true or false"},
		},
	}, {
		name:   "secret values are never shown",
		cfg:    map[string]string{"aws:sharedCredentialsFiles": "/secret/path", "aws:endpoints": `[{"sts":"http://a"},{"sts":"http://b"}]`},
		secret: []string{"aws:sharedCredentialsFiles", "aws:endpoints"},
		want: [][]string{
			{"aws:sharedCredentialsFiles", "(secret, not shown)"},
			{"aws:endpoints[1].sts", "(secret, not shown)", "give one endpoint per service"},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			get, secret := stackConfig(tc.cfg, tc.secret...)
			_, _, errs := awsclient.FromStackConfig(get, secret)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("errors:\n  %s\nwant %d", strings.Join(got, "\n  "), len(tc.want))
			}
			for i, subs := range tc.want {
				for _, sub := range subs {
					if !strings.Contains(got[i], sub) {
						t.Errorf("error %d %q lacks %q", i, got[i], sub)
					}
				}
			}
			for _, e := range got {
				for _, leak := range []string{"/secret/path", "http://a", "http://b", "not\",\"a"} {
					if strings.Contains(e, leak) {
						t.Errorf("error %q shows the secret %q", e, leak)
					}
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	role := "arn:aws:iam::210987654321:role/deployer"
	for _, tc := range []struct {
		name string
		s    awsclient.Settings
		// want maps each problem's path to substrings of its message.
		want map[string][]string
	}{
		{"zero", awsclient.Settings{}, nil},
		{"a role in GovCloud with a path", awsclient.Settings{AssumeRole: &awsclient.AssumeRole{RoleARN: "arn:aws-us-gov:iam::210987654321:role/ops/deployer"}}, nil},
		{"empty roleArn assumes no role, as in pulumi-aws", awsclient.Settings{AssumeRole: &awsclient.AssumeRole{}}, nil},
		{"half a key pair", awsclient.Settings{AccessKey: "AKIDONLY"}, map[string][]string{
			"secretKey": {"is empty while accessKey is set", "set both"}}},
		{"secret key and token without an access key", awsclient.Settings{SecretKey: "s3cr3t-value", Token: "t0ken-value"}, map[string][]string{
			"accessKey": {"is empty while secretKey is set"}, "token": {"without accessKey and secretKey"}}},
		{"assume role", awsclient.Settings{AssumeRole: &awsclient.AssumeRole{
			RoleARN: "deployer", SessionName: "a b", ExternalID: "x", Duration: "5m", Policy: "{not json",
			PolicyARNs: []string{"ReadOnlyAccess"}, Tags: map[string]string{"bad key!": "v", "ok": "bad value!"},
			TransitiveTagKeys: []string{"bad key!"}, SourceIdentity: "aws:me",
		}}, map[string][]string{
			"assumeRole.roleArn":              {`"deployer"`, "arn:aws:iam::123456789012:role/deployer"},
			"assumeRole.sessionName":          {`"a b"`, "2–64"},
			"assumeRole.externalId":           {`"x"`, "2–1224"},
			"assumeRole.duration":             {`"5m"`, "15m to 12h"},
			"assumeRole.policy":               {"not a JSON policy document"},
			"assumeRole.policyArns[0]":        {`"ReadOnlyAccess"`, "arn:aws:iam::aws:policy/ReadOnlyAccess"},
			"assumeRole.tags":                 {`"bad key!" is not a session tag key`, "1–128"},
			"assumeRole.tags.ok":              {`"bad value!"`, "256"},
			"assumeRole.transitiveTagKeys[0]": {`"bad key!"`},
			"assumeRole.sourceIdentity":       {`"aws:me"`},
		}},
		{"web identity", awsclient.Settings{AssumeRoleWithWebIdentity: &awsclient.WebIdentity{
			RoleARN: role, WebIdentityToken: "t", WebIdentityTokenFile: "/f", Duration: "13h",
		}}, map[string][]string{
			"assumeRoleWithWebIdentity.webIdentityToken": {"both set"},
			"assumeRoleWithWebIdentity.duration":         {`"13h"`},
		}},
		{"endpoints, regions and accounts", awsclient.Settings{
			Endpoints:           awsclient.Endpoints{Lambda: "localhost:4566", CodeDeploy: "ftp://x", STS: "https://sts.eu-west-1.amazonaws.com"},
			STSRegion:           "Ireland",
			AllowedAccountIDs:   []string{"12345678901"},
			ForbiddenAccountIDs: []string{"210987654321"},
		}, map[string][]string{
			"endpoints.lambda":     {`"localhost:4566"`, "absolute http(s) URL"},
			"endpoints.codedeploy": {`"ftp://x"`},
			"stsRegion":            {`"Ireland"`, "us-east-1"},
			"allowedAccountIds[0]": {`"12345678901"`, "12 digits"},
			"forbiddenAccountIds":  {"together with allowedAccountIds"},
		}},
		{"empty file paths", awsclient.Settings{SharedConfigFiles: []string{""}, SharedCredentialsFiles: []string{"/x", " "}}, map[string][]string{
			"sharedConfigFiles[0]": {"is empty"}, "sharedCredentialsFiles[1]": {"is empty"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			for _, p := range tc.s.Validate() {
				if _, dup := got[p.Path]; dup {
					t.Errorf("two problems at %s", p.Path)
				}
				got[p.Path] = p.Message()
				if p.ShowsValue && (strings.Contains(p.Redacted(), strconv.Quote(p.Value)) || !strings.Contains(p.Message(), strconv.Quote(p.Value))) {
					t.Errorf("Message() %q, Redacted() %q; want only Message to show %q", p.Message(), p.Redacted(), p.Value)
				}
				for _, secret := range []string{"AKIDONLY", "s3cr3t-value", "t0ken-value"} {
					if strings.Contains(p.Error(), secret) {
						t.Errorf("problem %q shows a secret", p)
					}
				}
			}
			if len(got) != len(tc.want) {
				t.Errorf("problems %v; want at %v", got, keys(tc.want))
			}
			for path, subs := range tc.want {
				for _, sub := range subs {
					if !strings.Contains(got[path], sub) {
						t.Errorf("problem at %s = %q; want it to contain %q", path, got[path], sub)
					}
				}
			}
		})
	}
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
