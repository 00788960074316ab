package check

import (
	"fmt"

	"github.com/kumo-iac/kumo/internal/synth"
)

// Cognito rules: user pools, identity pools, and (COG4) the API Gateway
// methods a user pool should authorize.

const (
	typeCognitoUserPool     = "aws:cognito/userPool:UserPool"
	typeCognitoIdentityPool = "aws:cognito/identityPool:IdentityPool"
	typeCognitoAPIMethod    = "aws:apigateway/method:Method"
)

func init() {
	register(
		// cdk-nag src/rules/cognito/CognitoUserPoolStrongPasswordPolicy.ts:
		// Policies.PasswordPolicy must be set, with MinimumLength >= 8 and
		// RequireUppercase, RequireNumbers and RequireSymbols true
		// (RequireLowercase is not checked). An absent policy fails even
		// though Cognito's default would pass.
		Rule{
			ID: "AwsSolutions-COG1", Level: Error, Types: []string{typeCognitoUserPool},
			What: "The Cognito user pool does not have a password policy that minimally specify a password length of at least 8 characters, as well as requiring uppercase, numeric, and special characters.",
			Why:  "Strong password policies increase system security by encouraging users to create reliable and secure passwords.",
			Fix:  "Set passwordPolicy with minimumLength of at least 8 and requireUppercase, requireNumbers and requireSymbols true (kumo's UserPool construct does, with a minimum length of 12).",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if !set(r, "passwordPolicy") {
					return hit("passwordPolicy is not set; state the policy (Cognito's unstated default is not checked)")
				}
				var hits []Hit
				const minPath = "passwordPolicy.minimumLength"
				if n, ok := number(r, minPath); ok {
					if n < 8 {
						hits = append(hits, Hit{Message: fmt.Sprintf("%s is %v, below 8", minPath, n)})
					}
				} else if v, isSet := r.Value(minPath); isSet {
					hits = append(hits, Hit{Message: minPath + " " + notReadable(v)})
				} else {
					hits = append(hits, Hit{Message: minPath + " is not set"})
				}
				for _, p := range []string{"passwordPolicy.requireUppercase", "passwordPolicy.requireNumbers", "passwordPolicy.requireSymbols"} {
					if b, problem := needBool(r, p); problem != "" {
						hits = append(hits, Hit{Message: problem})
					} else if !b {
						hits = append(hits, Hit{Message: p + " is false"})
					}
				}
				return hits
			},
		},
		// cdk-nag src/rules/cognito/CognitoUserPoolMFA.ts: MfaConfiguration
		// must be "ON"; OPTIONAL or absent fails.
		Rule{
			ID: "AwsSolutions-COG2", Level: Warning, Types: []string{typeCognitoUserPool},
			What: "The Cognito user pool does not require MFA.",
			Why:  "Multi-factor authentication (MFA) increases security for the application by adding another authentication method, and not relying solely on user name and password.",
			Fix:  `Set mfaConfiguration to "ON" with softwareTokenMfaConfiguration.enabled true (kumo's UserPool construct: MFA: constructs.MFARequired; its default, OPTIONAL, lets users skip the second factor).`,
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				v, problem := needString(r, "mfaConfiguration")
				if problem != "" {
					return hit("%s (Cognito's default is \"OFF\")", problem)
				}
				if v != "ON" {
					return hit(`mfaConfiguration is %q, not "ON"`, v)
				}
				return nil
			},
		},
		// cdk-nag src/rules/cognito/CognitoUserPoolAPIGWAuthorizer.ts:
		// every AWS::ApiGateway::Method but OPTIONS needs AuthorizationType
		// COGNITO_USER_POOLS; IAM and custom authorizers fail too.
		Rule{
			ID: "AwsSolutions-COG4", Level: Error, Types: []string{typeCognitoAPIMethod},
			What: "The API GW method does not use a Cognito user pool authorizer.",
			Why:  "API Gateway validates the tokens from a successful user pool authentication, and uses them to grant your users access to resources including Lambda functions, or your own API.",
			Fix:  `Set authorization "COGNITO_USER_POOLS" and authorizerId to a COGNITO_USER_POOLS aws:apigateway/authorizer:Authorizer (kumo's API construct does for routes whose authorizer has Kind AuthorizerCognito). Suppress with the reason on methods meant to be public or authorized by IAM or a Lambda authorizer.`,
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				m, problem := needString(r, "httpMethod")
				if problem != "" {
					return hit("%s", problem)
				}
				if m == "OPTIONS" {
					return nil // CORS preflight carries no credentials
				}
				auth, problem := needString(r, "authorization")
				if problem != "" {
					return hit("%s method: %s", m, problem)
				}
				if auth != "COGNITO_USER_POOLS" {
					return hit(`%s method: authorization is %q, not "COGNITO_USER_POOLS"`, m, auth)
				}
				return nil
			},
		},
		// cdk-nag src/rules/cognito/CognitoUserPoolNoUnauthenticatedLogins.ts:
		// AllowUnauthenticatedIdentities true fails (the rule is meant to be
		// suppressed with the reason when guests are wanted).
		Rule{
			ID: "AwsSolutions-COG7", Level: Error, Types: []string{typeCognitoIdentityPool},
			What: "The Cognito identity pool allows for unauthenticated logins and does not have a cdk-nag rule suppression with a reason.",
			Why:  "In many cases applications do not warrant unauthenticated guest access applications. Metadata explaining the use case allows for transparency to operators.",
			Fix:  "Set allowUnauthenticatedIdentities to false (the default), or suppress with the reason guest access is needed and what its role may do.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if !set(r, "allowUnauthenticatedIdentities") || boolIs(r, "allowUnauthenticatedIdentities", false) {
					return nil
				}
				if _, problem := needBool(r, "allowUnauthenticatedIdentities"); problem != "" {
					return hit("%s", problem)
				}
				return hit("allowUnauthenticatedIdentities is true: anyone can get credentials for the pool's unauthenticated role")
			},
		},
		// cdk-nag src/rules/cognito/CognitoUserPoolPlusTier.ts: UserPoolTier
		// must be PLUS; absent, LITE or ESSENTIALS fail. (It replaced COG3,
		// advanced security mode ENFORCED, which no longer counts.)
		Rule{
			ID: "AwsSolutions-COG8", Level: Error, Types: []string{typeCognitoUserPool},
			What: "The Cognito user pool is not on the plus tier / feature plan.",
			Why:  "Plus tier enables advanced security features such as detecting and acting upon malicious sign-in attempts and protecting against unsafe passwords.",
			Fix:  `Set userPoolTier to "PLUS" (a paid feature plan with threat protection). kumo's UserPool construct leaves it unset (Cognito's default tier): set it with a pulumi.Transformations option on NewUserPool, or suppress with the reason threat protection is not needed.`,
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				v, problem := needString(r, "userPoolTier")
				if problem != "" {
					return hit("%s", problem)
				}
				if v != "PLUS" {
					return hit(`userPoolTier is %q, not "PLUS"`, v)
				}
				return nil
			},
		},
	)
}
