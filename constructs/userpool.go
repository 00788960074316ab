package constructs

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cognito"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// MFA is a user pool's multi-factor authentication setting.
type MFA string

// MFA settings Cognito supports. Second factors are TOTP apps only: SMS
// needs an SNS role and is the weaker factor.
const (
	MFAOff      MFA = "OFF"
	MFAOptional MFA = "OPTIONAL"
	MFARequired MFA = "ON"
)

// Defaults of a UserPool.
const (
	// DefaultMinPasswordLength follows NIST 800-63B's advice for
	// user-chosen passwords plus Cognito's complexity rules.
	DefaultMinPasswordLength = 12
	// DefaultMFA lets every user enrol an authenticator app.
	DefaultMFA = MFAOptional
)

// Group is a Cognito group; RoleArn maps its members to an IAM role.
type Group struct {
	// Name of the group, 1–128 characters.
	Name string
	// Description shown in the console. Default: none.
	Description string
	// Precedence decides which group's role wins when a user is in several
	// (lower wins). Default: 0.
	Precedence int
	// RoleArn is the IAM role members assume through an identity pool.
	// Default: none.
	RoleArn pulumi.StringInput
}

// UserPoolArgs configure a UserPool.
type UserPoolArgs struct {
	// MFA is "OFF", "OPTIONAL" or "ON". Default: "OPTIONAL".
	MFA MFA
	// MinPasswordLength is at least 8 (Cognito allows less; kumo does not).
	// Upper case, lower case, digits and symbols are always required.
	// Default: 12.
	MinPasswordLength int
	// SelfSignUp lets anyone register. Default: false, only admins create users.
	SelfSignUp bool
	// Groups to create. Default: none.
	Groups []Group
	// DeletionProtection refuses to delete the pool. Default: false.
	DeletionProtection bool
}

// UserPool is a Cognito user pool with a strong password policy, e-mail
// sign-in, and one public app client for the web front end.
type UserPool struct {
	pulumi.ResourceState

	// Pool is the underlying user pool, an escape hatch.
	Pool *cognito.UserPool
	// Client is the web app's client (no secret: it runs in browsers).
	Client *cognito.UserPoolClient
	// Arn is the pool ARN, what Cognito authorizers reference.
	Arn pulumi.StringOutput
	// ID is the pool ID.
	ID pulumi.StringOutput
	// ClientID is the web client's ID.
	ClientID pulumi.StringOutput
}

// groupNameChars are the Unicode categories Cognito allows in a group
// name: CreateGroup's GroupName is 1–128 characters of
// [\p{L}\p{M}\p{S}\p{N}\p{P}]
// (https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateGroup.html).
var groupNameChars = []*unicode.RangeTable{unicode.L, unicode.M, unicode.S, unicode.N, unicode.P}

// validGroupName checks a group name character by character: as a regular
// expression, 128 repetitions of that class took 15 ms and 5 MB to compile
// on every synth of a stack with a user pool. Bytes that are not UTF-8 are
// refused (a regular expression would read them as U+FFFD, a symbol).
func validGroupName(s string) bool {
	n := 0
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if !unicode.In(r, groupNameChars...) {
			return false
		}
		n++
	}
	return n >= 1 && n <= 128
}

func (a UserPoolArgs) withDefaults() UserPoolArgs {
	a.MFA = orDefault(a.MFA, DefaultMFA)
	a.MinPasswordLength = orDefault(a.MinPasswordLength, DefaultMinPasswordLength)
	return a
}

func (a UserPoolArgs) validate() *multierror.Error {
	var errs *multierror.Error
	if a.MFA != MFAOff && a.MFA != MFAOptional && a.MFA != MFARequired {
		errs = multierror.Append(errs, fmt.Errorf("MFA: %q is not an MFA setting; use OFF, OPTIONAL or ON", a.MFA))
	}
	if a.MinPasswordLength < 8 || a.MinPasswordLength > 99 {
		errs = multierror.Append(errs, fmt.Errorf("MinPasswordLength: %d is outside 8–99", a.MinPasswordLength))
	}
	seen := map[string]bool{}
	for i, g := range a.Groups {
		if !validGroupName(g.Name) {
			errs = multierror.Append(errs, fmt.Errorf("Groups[%d].Name: %q must be 1–128 visible characters without spaces", i, g.Name))
		}
		if seen[g.Name] {
			errs = multierror.Append(errs, fmt.Errorf("Groups[%d].Name: %q is a duplicate; group names are unique", i, g.Name))
		}
		seen[g.Name] = true
		if g.Precedence < 0 {
			errs = multierror.Append(errs, fmt.Errorf("Groups[%d].Precedence: %d must not be negative", i, g.Precedence))
		}
	}
	return errs
}

// NewUserPool registers a user pool, its web client and its groups.
func NewUserPool(ctx *pulumi.Context, name string, args *UserPoolArgs, opts ...pulumi.ResourceOption) (*UserPool, error) {
	if args == nil {
		args = &UserPoolArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("user pool %q", name), a.validate()); err != nil {
		return nil, err
	}
	u := &UserPool{}
	if err := ctx.RegisterComponentResource("kumo:constructs:UserPool", name, u, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(u)
	protection := "INACTIVE"
	if a.DeletionProtection {
		protection = "ACTIVE"
	}
	poolArgs := &cognito.UserPoolArgs{
		UsernameAttributes:     pulumi.ToStringArray([]string{"email"}),
		AutoVerifiedAttributes: pulumi.ToStringArray([]string{"email"}),
		MfaConfiguration:       pulumi.String(string(a.MFA)),
		DeletionProtection:     pulumi.String(protection),
		PasswordPolicy: &cognito.UserPoolPasswordPolicyArgs{
			MinimumLength:                 pulumi.Int(a.MinPasswordLength),
			RequireLowercase:              pulumi.Bool(true),
			RequireUppercase:              pulumi.Bool(true),
			RequireNumbers:                pulumi.Bool(true),
			RequireSymbols:                pulumi.Bool(true),
			TemporaryPasswordValidityDays: pulumi.Int(3),
		},
		AdminCreateUserConfig: &cognito.UserPoolAdminCreateUserConfigArgs{AllowAdminCreateUserOnly: pulumi.Bool(!a.SelfSignUp)},
		AccountRecoverySetting: &cognito.UserPoolAccountRecoverySettingArgs{
			RecoveryMechanisms: cognito.UserPoolAccountRecoverySettingRecoveryMechanismArray{
				&cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs{Name: pulumi.String("verified_email"), Priority: pulumi.Int(1)},
			},
		},
	}
	if a.MFA != MFAOff {
		poolArgs.SoftwareTokenMfaConfiguration = &cognito.UserPoolSoftwareTokenMfaConfigurationArgs{Enabled: pulumi.Bool(true)}
	}
	var err error
	if u.Pool, err = cognito.NewUserPool(ctx, name, poolArgs, parent); err != nil {
		return nil, err
	}
	u.Arn, u.ID = u.Pool.Arn, u.Pool.ID().ToStringOutput()
	if u.Client, err = cognito.NewUserPoolClient(ctx, name+"-web", &cognito.UserPoolClientArgs{
		Name:           pulumi.Sprintf("%s-web", name),
		UserPoolId:     u.Pool.ID(),
		GenerateSecret: pulumi.Bool(false),
		// SRP keeps the password off the wire; USER_PASSWORD_AUTH is what a
		// dependency-free front end can do over TLS.
		ExplicitAuthFlows:          pulumi.ToStringArray([]string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}),
		PreventUserExistenceErrors: pulumi.String("ENABLED"),
		EnableTokenRevocation:      pulumi.Bool(true),
		// A first sign-in with MFA on sets up an authenticator app within
		// one sign-in session; Cognito's default of 3 minutes is too short
		// to install an app and scan a code, so take the maximum, 15.
		// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
		AuthSessionValidity:  pulumi.Int(15),
		IdTokenValidity:      pulumi.Int(60),
		AccessTokenValidity:  pulumi.Int(60),
		RefreshTokenValidity: pulumi.Int(30),
		TokenValidityUnits: &cognito.UserPoolClientTokenValidityUnitsArgs{
			IdToken: pulumi.String("minutes"), AccessToken: pulumi.String("minutes"), RefreshToken: pulumi.String("days"),
		},
	}, parent); err != nil {
		return nil, err
	}
	u.ClientID = u.Client.ID().ToStringOutput()
	for _, g := range a.Groups {
		if _, err := cognito.NewUserGroup(ctx, name+"-"+g.Name, &cognito.UserGroupArgs{
			Name:        pulumi.String(g.Name),
			Description: pulumi.String(g.Description),
			Precedence:  pulumi.Int(g.Precedence),
			RoleArn:     g.RoleArn,
			UserPoolId:  u.Pool.ID(),
		}, parent); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(u, pulumi.Map{"userPoolId": u.ID, "clientId": u.ClientID}); err != nil {
		return nil, err
	}
	return u, nil
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a UserPoolArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("user pool %q", name), a.withDefaults().validate())
}
