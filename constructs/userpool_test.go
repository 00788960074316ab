package constructs_test

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typUserPoolComponent = "kumo:constructs:UserPool"
	typCognitoPool       = "aws:cognito/userPool:UserPool"
	typCognitoClient     = "aws:cognito/userPoolClient:UserPoolClient"
	typCognitoGroup      = "aws:cognito/userGroup:UserGroup"
)

func synthUserPool(t *testing.T, args *constructs.UserPoolArgs) *stack {
	t.Helper()
	return newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		up, err := constructs.NewUserPool(ctx, "users", args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"id": up.ID, "arn": up.Arn, "clientId": up.ClientID}, nil
	})
}

func TestUserPoolDefaults(t *testing.T) {
	s := synthUserPool(t, nil)
	comp := s.find(typUserPoolComponent, "users")
	if got, want := s.childSet(comp.URN), sorted([]string{typCognitoPool + " users", typCognitoClient + " users-web"}); !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	wantInputs(t, s.find(typCognitoPool, "users"),
		check{"passwordPolicy.minimumLength", 12},
		check{"passwordPolicy.requireLowercase", true},
		check{"passwordPolicy.requireUppercase", true},
		check{"passwordPolicy.requireNumbers", true},
		check{"passwordPolicy.requireSymbols", true},
		check{"mfaConfiguration", "OPTIONAL"},
		check{"softwareTokenMfaConfiguration.enabled", true},
		check{"adminCreateUserConfig.allowAdminCreateUserOnly", true},
		check{"deletionProtection", "INACTIVE"},
		check{"usernameAttributes", []string{"email"}},
		check{"autoVerifiedAttributes", []string{"email"}},
		check{"accountRecoverySetting.recoveryMechanisms", []any{map[string]any{"name": "verified_email", "priority": 1}}},
	)
	wantInputs(t, s.find(typCognitoClient, "users-web"),
		check{"userPoolId", s.output("id")},
		check{"generateSecret", false},
		check{"preventUserExistenceErrors", "ENABLED"},
		check{"enableTokenRevocation", true},
		// MFA enrolment happens within one sign-in session: 15 minutes, not 3.
		check{"authSessionValidity", 15},
		check{"explicitAuthFlows", []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}},
	)
	wantArn := "arn:aws:cognito-idp:" + testRegion + ":" + testAccount + ":userpool/" + s.output("id")
	if got := s.output("arn"); got != wantArn {
		t.Errorf("Arn: got %q; want %q", got, wantArn)
	}
}

func TestUserPoolOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   constructs.UserPoolArgs
		checks []check
	}{
		{
			name:   "MFA required",
			args:   constructs.UserPoolArgs{MFA: constructs.MFARequired},
			checks: []check{{"mfaConfiguration", "ON"}, {"softwareTokenMfaConfiguration.enabled", true}},
		},
		{
			name:   "MFA off",
			args:   constructs.UserPoolArgs{MFA: constructs.MFAOff},
			checks: []check{{"mfaConfiguration", "OFF"}, {"softwareTokenMfaConfiguration", nil}},
		},
		{
			name:   "self sign-up",
			args:   constructs.UserPoolArgs{SelfSignUp: true},
			checks: []check{{"adminCreateUserConfig.allowAdminCreateUserOnly", false}},
		},
		{
			name:   "deletion protection",
			args:   constructs.UserPoolArgs{DeletionProtection: true},
			checks: []check{{"deletionProtection", "ACTIVE"}},
		},
		{
			name: "longer passwords keep every character class",
			args: constructs.UserPoolArgs{MinPasswordLength: 16},
			checks: []check{
				{"passwordPolicy.minimumLength", 16},
				{"passwordPolicy.requireLowercase", true},
				{"passwordPolicy.requireUppercase", true},
				{"passwordPolicy.requireNumbers", true},
				{"passwordPolicy.requireSymbols", true},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			s := synthUserPool(t, &args)
			wantInputs(t, s.find(typCognitoPool, "users"), tc.checks...)
		})
	}
}

func TestUserPoolGroups(t *testing.T) {
	const roleArn = "arn:aws:iam::123456789012:role/admins"
	s := synthUserPool(t, &constructs.UserPoolArgs{Groups: []constructs.Group{
		{Name: "admins", Description: "Operators", Precedence: 1, RoleArn: pulumi.String(roleArn)},
		{Name: "readers"},
	}})
	comp := s.find(typUserPoolComponent, "users")
	want := sorted([]string{typCognitoPool + " users", typCognitoClient + " users-web", typCognitoGroup + " users-admins", typCognitoGroup + " users-readers"})
	if got := s.childSet(comp.URN); !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	wantInputs(t, s.find(typCognitoGroup, "users-admins"),
		check{"name", "admins"},
		check{"description", "Operators"},
		check{"precedence", 1},
		check{"roleArn", roleArn},
		check{"userPoolId", s.output("id")},
	)
	wantInputs(t, s.find(typCognitoGroup, "users-readers"),
		check{"name", "readers"},
		check{"precedence", 0},
		check{"roleArn", nil},
		check{"userPoolId", s.output("id")},
	)
}

func TestUserPoolBadInputs(t *testing.T) {
	newPool := func(args constructs.UserPoolArgs) func(*pulumi.Context, *project, struct{}) error {
		return func(ctx *pulumi.Context, _ *project, _ struct{}) error {
			_, err := constructs.NewUserPool(ctx, "users", &args)
			return err
		}
	}
	const scope = `user pool "users"`
	runBadInputs(t, nil, []badInput[struct{}]{
		{
			name:     "SMS MFA",
			build:    newPool(constructs.UserPoolArgs{MFA: "SMS"}),
			scope:    scope,
			problems: [][]string{{"MFA", `"SMS"`, "OFF, OPTIONAL or ON"}},
		},
		{
			name:     "password of 6",
			build:    newPool(constructs.UserPoolArgs{MinPasswordLength: 6}),
			scope:    scope,
			problems: [][]string{{"MinPasswordLength", "6", "8–99"}},
		},
		{
			name:     "password of 100",
			build:    newPool(constructs.UserPoolArgs{MinPasswordLength: 100}),
			scope:    scope,
			problems: [][]string{{"MinPasswordLength", "100", "8–99"}},
		},
		{
			name: "groups",
			build: newPool(constructs.UserPoolArgs{Groups: []constructs.Group{
				{Name: "team a"}, {Name: "ops"}, {Name: "ops", Precedence: -1}, {},
			}}),
			scope: scope,
			problems: [][]string{
				{"Groups[0].Name", `"team a"`, "without spaces"},
				{"Groups[2].Name", `"ops"`, "duplicate"},
				{"Groups[2].Precedence", "-1", "negative"},
				{"Groups[3].Name", `""`, "1–128"},
			},
		},
		{
			name:  "every problem at once",
			build: newPool(constructs.UserPoolArgs{MFA: "on", MinPasswordLength: 6, Groups: []constructs.Group{{Name: " "}}}),
			scope: scope,
			problems: [][]string{
				{"MFA", `"on"`},
				{"MinPasswordLength", "6"},
				{"Groups[0].Name", `" "`},
			},
		},
	})
}

// TestGroupNameCharacters: a group name is accepted or refused as
// CreateGroup's pattern [\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128} says, counting
// characters, not bytes; bytes that are not UTF-8 are refused.
func TestGroupNameCharacters(t *testing.T) {
	pattern := regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$`)
	valid := func(name string) bool {
		err := constructs.UserPoolArgs{Groups: []constructs.Group{{Name: name}}}.Validate("pool")
		if err != nil && !strings.Contains(err.Error(), "Groups[0].Name") {
			t.Fatalf("Validate with group %q: %v; want no other problem", name, err)
		}
		return err == nil
	}
	names := []string{
		"ops", "team-a", "Ärzte", "管理者", "a+b=c", "emoji😀", "x\u0301", "\ufffd",
		"", "team a", "tab\t", "nbsp\u00a0", "line\nbreak", "\u200b",
		strings.Repeat("é", 128), strings.Repeat("é", 129), strings.Repeat("a", 128), strings.Repeat("a", 129),
	}
	for _, name := range names {
		if got, want := valid(name), pattern.MatchString(name); got != want {
			t.Errorf("group name %q accepted: %v; the API's pattern says %v", name, got, want)
		}
	}
	for _, name := range []string{"bad\xff", "\xc3"} {
		if valid(name) {
			t.Errorf("group name %q accepted; want bytes that are not UTF-8 refused", name)
		}
	}
}
