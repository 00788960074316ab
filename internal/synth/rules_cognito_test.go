package synth

import (
	"strings"
	"testing"
)

const (
	tUserPool   = "aws:cognito/userPool:UserPool"
	tPoolClient = "aws:cognito/userPoolClient:UserPoolClient"
	tUserGroup  = "aws:cognito/userGroup:UserGroup"
)

// userPool is the UserPool construct's pool (autonamed: no name input).
func userPool(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"mfaConfiguration": "ON", "deletionProtection": "ACTIVE",
		"usernameAttributes": []any{"email"}, "autoVerifiedAttributes": []any{"email"},
		"passwordPolicy": map[string]any{"minimumLength": int64(12), "temporaryPasswordValidityDays": int64(3)},
		"accountRecoverySetting": map[string]any{"recoveryMechanisms": []any{
			map[string]any{"name": "verified_email", "priority": int64(1)}}},
		"softwareTokenMfaConfiguration": map[string]any{"enabled": true},
	}, mods...)
}

// poolClient is the construct's web client.
func poolClient(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"userPoolId": "eu-west-1_abc", "name": "web-users-web",
		"explicitAuthFlows":   []any{"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"},
		"accessTokenValidity": int64(60), "idTokenValidity": int64(60), "refreshTokenValidity": int64(30),
		"tokenValidityUnits":         map[string]any{"accessToken": "minutes", "idToken": "minutes", "refreshToken": "days"},
		"preventUserExistenceErrors": "ENABLED",
	}, mods...)
}

func TestCognitoRealityRules(t *testing.T) {
	pool := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { f.add(tUserPool, "web-users", userPool(m...)) }, want: ws}
	}
	client := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { f.add(tPoolClient, "web-users-web", poolClient(m...)) }, want: ws}
	}
	group := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			f.add(tUserGroup, "admins", inputs(map[string]any{"userPoolId": "eu-west-1_abc", "name": "admins", "precedence": int64(1)}, m...))
		}}
	}
	validity := "must be between"

	cases := []realityCase{
		pool("accepted: the UserPool construct's pool, autonamed", nil),
		pool("pool name with a slash", []mod{set("name", "web/users")},
			want{tUserPool, "name", "does not match", "API_CreateUserPool"}),
		pool("pool name over 128 characters", []mod{set("name", strings.Repeat("p", 129))},
			want{tUserPool, "name", "at most 128", "API_CreateUserPool"}),
		{name: "pool autonamed from a resource name with a colon", want: []want{{tUserPool, "name", "does not match", "API_CreateUserPool"}},
			build: func(f *fixture) { f.add(tUserPool, "web:users", userPool()) }},
		pool("mfa configuration", []mod{set("mfaConfiguration", "REQUIRED")},
			want{tUserPool, "mfaConfiguration", "OFF, ON, OPTIONAL", "API_CreateUserPool"}),
		pool("deletion protection", []mod{set("deletionProtection", "ENABLED")},
			want{tUserPool, "deletionProtection", "ACTIVE, INACTIVE", "API_CreateUserPool"}),
		pool("username attribute", []mod{set("usernameAttributes", []any{"username"})},
			want{tUserPool, "usernameAttributes[]", "phone_number, email", "API_CreateUserPool"}),
		pool("auto-verified attribute", []mod{set("autoVerifiedAttributes", []any{"email", "name"})},
			want{tUserPool, "autoVerifiedAttributes[]", "phone_number, email", "API_CreateUserPool"}),
		pool("alias attribute", []mod{set("usernameAttributes", nil), set("aliasAttributes", []any{"nickname"})},
			want{tUserPool, "aliasAttributes[]", "preferred_username", "API_CreateUserPool"}),
		pool("password minimum length 5", []mod{set("passwordPolicy.minimumLength", int64(5))},
			want{tUserPool, "passwordPolicy.minimumLength", "between 6 and 99", "API_PasswordPolicyType"}),
		pool("temporary password valid 400 days", []mod{set("passwordPolicy.temporaryPasswordValidityDays", int64(400))},
			want{tUserPool, "passwordPolicy.temporaryPasswordValidityDays", "between 0 and 365", "API_PasswordPolicyType"}),
		pool("recovery mechanism name", []mod{set("accountRecoverySetting.recoveryMechanisms[0].name", "email")},
			want{tUserPool, "accountRecoverySetting.recoveryMechanisms[].name", "verified_email, verified_phone_number, admin_only", "API_RecoveryOptionType"}),
		pool("recovery mechanism priority", []mod{set("accountRecoverySetting.recoveryMechanisms[0].priority", int64(3))},
			want{tUserPool, "accountRecoverySetting.recoveryMechanisms[].priority", "between 1 and 2", "API_RecoveryOptionType"}),

		client("accepted: the construct's web client", nil),
		client("client name with a slash", []mod{set("name", "web/client")},
			want{tPoolClient, "name", "does not match", "userPoolClientNameValidator"}),
		{name: "client autonamed from a long resource name", want: []want{{tPoolClient, "name", "at most 128", "API_CreateUserPoolClient"}},
			build: func(f *fixture) { f.add(tPoolClient, strings.Repeat("c", 130), poolClient(set("name", nil))) }},
		client("client without userPoolId", []mod{set("userPoolId", nil)},
			want{tPoolClient, "userPoolId", "required", "API_CreateUserPoolClient"}),
		client("explicit auth flow", []mod{set("explicitAuthFlows", []any{"ALLOW_USER_SRP_AUTH", "ALLOW_PASSWORDLESS"})},
			want{tPoolClient, "explicitAuthFlows[]", "ALLOW_REFRESH_TOKEN_AUTH", "API_CreateUserPoolClient"}),
		client("oauth flow", []mod{set("allowedOauthFlows", []any{"authorization_code"})},
			want{tPoolClient, "allowedOauthFlows[]", "code, implicit, client_credentials", "API_CreateUserPoolClient"}),
		client("prevent user existence errors", []mod{set("preventUserExistenceErrors", "DISABLED")},
			want{tPoolClient, "preventUserExistenceErrors", "ENABLED, LEGACY", "API_CreateUserPoolClient"}),
		client("token validity unit", []mod{set("tokenValidityUnits.idToken", "weeks")},
			want{tPoolClient, "tokenValidityUnits.idToken", "seconds, minutes, hours, days", "API_TokenValidityUnitsType"}),
		client("access token valid 4 minutes", []mod{set("accessTokenValidity", int64(4))},
			want{tPoolClient, "accessTokenValidity", validity + " 5 minutes and 1 day", "API_TokenValidityUnitsType"}),
		client("id token valid 25 hours", []mod{set("idTokenValidity", int64(25)), set("tokenValidityUnits.idToken", "hours")},
			want{tPoolClient, "idTokenValidity", validity + " 5 minutes and 1 day", "API_TokenValidityUnitsType"}),
		client("access token valid 48 in the default unit (hours)", []mod{set("accessTokenValidity", int64(48)), set("idTokenValidity", int64(1)), set("tokenValidityUnits", nil)},
			want{tPoolClient, "accessTokenValidity", "default hours", "API_TokenValidityUnitsType"}),
		client("refresh token valid 30 minutes", []mod{set("refreshTokenValidity", int64(30)), set("tokenValidityUnits.refreshToken", "minutes")},
			want{tPoolClient, "refreshTokenValidity", validity + " 60 minutes and 10 years", "API_TokenValidityUnitsType"}),
		client("refresh token valid 3651 days", []mod{set("refreshTokenValidity", int64(3651))},
			want{tPoolClient, "refreshTokenValidity", "10 years", "API_TokenValidityUnitsType"}),
		client("accepted: refresh token valid 10 years in the default unit (days)", []mod{set("refreshTokenValidity", int64(3650)), set("tokenValidityUnits", nil),
			set("accessTokenValidity", int64(1)), set("idTokenValidity", int64(24))}),

		group("accepted: the construct's admins group", nil),
		group("group name with a space", []mod{set("name", "site admins")},
			want{tUserGroup, "name", "does not match", "validUserGroupName"}),
		group("group name over 128 characters", []mod{set("name", strings.Repeat("g", 129))},
			want{tUserGroup, "name", "at most 128", "API_CreateGroup"}),
		group("negative precedence", []mod{set("precedence", int64(-1))},
			want{tUserGroup, "precedence", "between 0 and", "API_CreateGroup"}),
		group("group without userPoolId", []mod{set("userPoolId", nil)},
			want{tUserGroup, "userPoolId", "required", "API_CreateGroup"}),
	}
	runRealityCases(t, specTypes(cognitoSpecs), cases)
}
