package check

import (
	"testing"
)

// cogStrongPool is a user pool passing every Cognito user pool rule.
func cogStrongPool() map[string]any {
	return map[string]any{
		"mfaConfiguration": "ON",
		"userPoolTier":     "PLUS",
		"passwordPolicy": map[string]any{
			"minimumLength": int64(12), "requireLowercase": true, "requireUppercase": true, "requireNumbers": true, "requireSymbols": true,
		},
	}
}

func TestCognitoRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-COG1",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-COG1", g.add(typeCognitoUserPool, "users", cogStrongPool()))
			in := cogStrongPool()
			pp := in["passwordPolicy"].(map[string]any)
			pp["minimumLength"], pp["requireLowercase"] = int64(8), false // lower case is not asked for
			g.passes(t, "AwsSolutions-COG1", g.add(typeCognitoUserPool, "eight", in))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-COG1", g.add(typeCognitoUserPool, "nopolicy", map[string]any{}), "passwordPolicy is not set")
			short := cogStrongPool()
			short["passwordPolicy"].(map[string]any)["minimumLength"] = int64(6)
			g.firesWith(t, "AwsSolutions-COG1", g.add(typeCognitoUserPool, "short", short), "passwordPolicy.minimumLength is 6, below 8")
			nosym := cogStrongPool()
			nosym["passwordPolicy"].(map[string]any)["requireSymbols"] = false
			g.firesWith(t, "AwsSolutions-COG1", g.add(typeCognitoUserPool, "nosym", nosym), "passwordPolicy.requireSymbols is false")
			noupper := cogStrongPool()
			delete(noupper["passwordPolicy"].(map[string]any), "requireUppercase")
			g.firesWith(t, "AwsSolutions-COG1", g.add(typeCognitoUserPool, "noupper", noupper), "passwordPolicy.requireUppercase is not set")
			nolen := cogStrongPool()
			nolen["passwordPolicy"].(map[string]any)["minimumLength"] = unknown
			g.firesWith(t, "AwsSolutions-COG1", g.add(typeCognitoUserPool, "unknownlen", nolen), "passwordPolicy.minimumLength is not known until deploy")
		})

	ruleCase(t, "AwsSolutions-COG2",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-COG2", g.add(typeCognitoUserPool, "users", cogStrongPool()))
		},
		func(t *testing.T) {
			var g graph
			opt := cogStrongPool()
			opt["mfaConfiguration"] = "OPTIONAL"
			g.firesWith(t, "AwsSolutions-COG2", g.add(typeCognitoUserPool, "optional", opt), `mfaConfiguration is "OPTIONAL", not "ON"`)
			g.firesWith(t, "AwsSolutions-COG2", g.add(typeCognitoUserPool, "unset", map[string]any{}), "mfaConfiguration is not set")
		})

	ruleCase(t, "AwsSolutions-COG4",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-COG4", g.add(typeCognitoAPIMethod, "get", map[string]any{"httpMethod": "GET", "authorization": "COGNITO_USER_POOLS", "authorizerId": "abc123"}))
			g.passes(t, "AwsSolutions-COG4", g.add(typeCognitoAPIMethod, "preflight", map[string]any{"httpMethod": "OPTIONS", "authorization": "NONE"}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-COG4", g.add(typeCognitoAPIMethod, "public", map[string]any{"httpMethod": "GET", "authorization": "NONE"}),
				`GET method: authorization is "NONE", not "COGNITO_USER_POOLS"`)
			g.firesWith(t, "AwsSolutions-COG4", g.add(typeCognitoAPIMethod, "iam", map[string]any{"httpMethod": "POST", "authorization": "AWS_IAM"}), `authorization is "AWS_IAM"`)
			g.firesWith(t, "AwsSolutions-COG4", g.add(typeCognitoAPIMethod, "custom", map[string]any{"httpMethod": "ANY", "authorization": "CUSTOM"}), `authorization is "CUSTOM"`)
		})

	ruleCase(t, "AwsSolutions-COG7",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-COG7", g.add(typeCognitoIdentityPool, "ids", map[string]any{"identityPoolName": "ids", "allowUnauthenticatedIdentities": false}))
			g.passes(t, "AwsSolutions-COG7", g.add(typeCognitoIdentityPool, "default", map[string]any{"identityPoolName": "default"}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-COG7", g.add(typeCognitoIdentityPool, "guests", map[string]any{"identityPoolName": "guests", "allowUnauthenticatedIdentities": true}),
				"allowUnauthenticatedIdentities is true")
			g.firesWith(t, "AwsSolutions-COG7", g.add(typeCognitoIdentityPool, "unknown", map[string]any{"identityPoolName": "u", "allowUnauthenticatedIdentities": unknown}),
				"allowUnauthenticatedIdentities is not known until deploy")
		})

	ruleCase(t, "AwsSolutions-COG8",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-COG8", g.add(typeCognitoUserPool, "users", cogStrongPool()))
		},
		func(t *testing.T) {
			var g graph
			ess := cogStrongPool()
			ess["userPoolTier"] = "ESSENTIALS"
			g.firesWith(t, "AwsSolutions-COG8", g.add(typeCognitoUserPool, "essentials", ess), `userPoolTier is "ESSENTIALS", not "PLUS"`)
			g.firesWith(t, "AwsSolutions-COG8", g.add(typeCognitoUserPool, "default", map[string]any{}), "userPoolTier is not set")
		})
}

func TestCognitoOddInputs(t *testing.T) {
	oddInputs(t, typeCognitoUserPool, "passwordPolicy", "passwordPolicy.minimumLength", "passwordPolicy.requireUppercase",
		"passwordPolicy.requireNumbers", "passwordPolicy.requireSymbols", "mfaConfiguration", "userPoolTier")
	oddInputs(t, typeCognitoIdentityPool, "allowUnauthenticatedIdentities")
	oddInputs(t, typeCognitoAPIMethod, "httpMethod", "authorization")
}
