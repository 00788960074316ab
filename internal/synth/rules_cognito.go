package synth

import (
	"fmt"
	"regexp"
	"time"
)

// Sources of the Cognito user pool rules.
const (
	srcCognitoCreateUserPool = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html"
	srcCognitoCreateClient   = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html"
	srcCognitoCreateGroup    = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateGroup.html"
	srcCognitoPasswordPolicy = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_PasswordPolicyType.html"
	srcCognitoRecoveryOption = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RecoveryOptionType.html"
	srcCognitoTokenUnits     = "https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_TokenValidityUnitsType.html"
	// terraform-provider-aws internal/service/cognitoidp/validate.go:
	// userPoolClientNameValidator (LengthBetween(1, 128), [\w\s+=,.@-]+) and
	// validUserGroupName (1–128, [\p{L}\p{M}\p{S}\p{N}\p{P}]+).
	srcTFCognitoValidate = "terraform-provider-aws internal/service/cognitoidp/validate.go"
)

// cognitoName is the pattern of user pool and app client names.
var cognitoName = regexp.MustCompile(`^[\w\s+=,.@-]+$`)

// cognitoAutoname is pulumi-aws v6's default autonaming of "name".
var cognitoAutoname = &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming}

var cognitoSpecs = map[string]Spec{
	"aws:cognito/userPool:UserPool": {
		Names: []Name{{Prop: "name", Auto: cognitoAutoname,
			Rule: StringRule{Pattern: cognitoName, Min: 1, Max: 128,
				Desc: "a user pool name is 1–128 letters, digits, white space or +=,.@-", Source: srcCognitoCreateUserPool}}},
		Checks: []Check{
			oneOf(srcCognitoCreateUserPool, "mfaConfiguration", "OFF", "ON", "OPTIONAL"),
			oneOf(srcCognitoCreateUserPool, "deletionProtection", "ACTIVE", "INACTIVE"),
			oneOf(srcCognitoCreateUserPool, "usernameAttributes[]", "phone_number", "email"),
			oneOf(srcCognitoCreateUserPool, "autoVerifiedAttributes[]", "phone_number", "email"),
			oneOf(srcCognitoCreateUserPool, "aliasAttributes[]", "phone_number", "email", "preferred_username"),
			intRange(srcCognitoPasswordPolicy, "passwordPolicy.minimumLength", 6, 99),
			intRange(srcCognitoPasswordPolicy, "passwordPolicy.temporaryPasswordValidityDays", 0, 365),
			oneOf(srcCognitoRecoveryOption, "accountRecoverySetting.recoveryMechanisms[].name", "verified_email", "verified_phone_number", "admin_only"),
			intRange(srcCognitoRecoveryOption, "accountRecoverySetting.recoveryMechanisms[].priority", 1, 2),
		},
	},

	"aws:cognito/userPoolClient:UserPoolClient": {
		Names: []Name{{Prop: "name", Auto: cognitoAutoname,
			Rule: StringRule{Pattern: cognitoName, Min: 1, Max: 128,
				Desc: "an app client name is 1–128 letters, digits, white space or +=,.@-", Source: srcCognitoCreateClient + "; " + srcTFCognitoValidate + " userPoolClientNameValidator"}}},
		Checks: []Check{
			required(srcCognitoCreateClient, "userPoolId"),
			// AuthSessionValidity: "Valid Range: Minimum value of 3. Maximum value of 15."
			intRange(srcCognitoCreateClient, "authSessionValidity", 3, 15),
			oneOf(srcCognitoCreateClient, "explicitAuthFlows[]",
				"ADMIN_NO_SRP_AUTH", "CUSTOM_AUTH_FLOW_ONLY", "USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
				"ALLOW_CUSTOM_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_AUTH"),
			oneOf(srcCognitoCreateClient, "allowedOauthFlows[]", "code", "implicit", "client_credentials"),
			oneOf(srcCognitoCreateClient, "preventUserExistenceErrors", "ENABLED", "LEGACY"),
			oneOf(srcCognitoTokenUnits, "tokenValidityUnits.accessToken", "seconds", "minutes", "hours", "days"),
			oneOf(srcCognitoTokenUnits, "tokenValidityUnits.idToken", "seconds", "minutes", "hours", "days"),
			oneOf(srcCognitoTokenUnits, "tokenValidityUnits.refreshToken", "seconds", "minutes", "hours", "days"),
			// "AccessTokenValidity duration can range from five minutes to
			// one day", the same for IdTokenValidity; "RefreshTokenValidity
			// duration can range from 60 minutes to 10 years". The default
			// units are hours for ID and access tokens, days for refresh.
			tokenValidity("accessTokenValidity", "tokenValidityUnits.accessToken", "hours", 5*time.Minute, 24*time.Hour),
			tokenValidity("idTokenValidity", "tokenValidityUnits.idToken", "hours", 5*time.Minute, 24*time.Hour),
			tokenValidity("refreshTokenValidity", "tokenValidityUnits.refreshToken", "days", 60*time.Minute, 3650*24*time.Hour),
		},
	},

	"aws:cognito/userGroup:UserGroup": {
		Names: []Name{{Prop: "name", Auto: cognitoAutoname,
			Rule: StringRule{Pattern: regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`), Min: 1, Max: 128,
				Desc: "a group name is 1–128 letters, marks, symbols, digits or punctuation (no white space)", Source: srcCognitoCreateGroup + "; " + srcTFCognitoValidate + " validUserGroupName"}}},
		Checks: []Check{
			required(srcCognitoCreateGroup, "userPoolId"),
			intRange(srcCognitoCreateGroup, "precedence", 0, 1<<31-1),
		},
	},
}

// tokenUnits are the durations of TokenValidityUnitsType's units.
var tokenUnits = map[string]time.Duration{"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour}

// tokenValidity: a token validity, read in its unit (defUnit when unset),
// must lie in [lo, hi].
func tokenValidity(prop, unitProp, defUnit string, lo, hi time.Duration) Check {
	return Check{
		Rule:   fmt.Sprintf("%s must be between %s and %s (in tokenValidityUnits, default %s)", prop, fmtDuration(lo), fmtDuration(hi), defUnit),
		Source: srcCognitoTokenUnits,
		Find: func(r *Resource, _ *Stack) []Finding {
			v, ok := r.Value(prop)
			n, isInt := asInt(v)
			if !ok || !isInt {
				return nil
			}
			unit := defUnit
			if _, set := r.Value(unitProp); set {
				if unit, ok = r.String(unitProp); !ok {
					return nil
				}
			}
			d, known := tokenUnits[unit]
			if !known {
				return nil // the unit's own rule reports it
			}
			if got := time.Duration(n) * d; got < lo || got > hi {
				return []Finding{{Property: prop, Value: fmt.Sprintf("%d %s", n, unit)}}
			}
			return nil
		},
	}
}

func fmtDuration(d time.Duration) string {
	switch {
	case d >= 365*24*time.Hour && d%(365*24*time.Hour) == 0:
		return fmt.Sprintf("%d years", d/(365*24*time.Hour))
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d day(s)", d/(24*time.Hour))
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
}
