package awsclient

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// Settings say where and as whom kumo calls AWS: the part of a stack's AWS
// provider settings (its aws: config) that decides which account, role and
// endpoints Lambda, CodeDeploy and STS calls reach. The names and meanings
// are pulumi-aws v6's provider configuration (sdk/go/aws/config in
// github.com/pulumi/pulumi-aws/sdk/v6, docs/installation-configuration.md),
// so that a release acts in the very account the stack's resources are in.
// The zero value means the AWS SDK's defaults: the environment, the default
// profile and the standard endpoints.
//
// The region is not part of Settings: a release records it on its own.
type Settings struct {
	// Profile is the shared config profile (aws:profile). It wins over the
	// environment's AWS_ACCESS_KEY_ID, as with pulumi-aws. Default:
	// AWS_PROFILE, then "default".
	Profile string
	// SharedConfigFiles replace ~/.aws/config (aws:sharedConfigFiles); a
	// leading ~/ is the home directory. Default: AWS_CONFIG_FILE, then
	// ~/.aws/config.
	SharedConfigFiles []string
	// SharedCredentialsFiles replace ~/.aws/credentials
	// (aws:sharedCredentialsFiles). Default: AWS_SHARED_CREDENTIALS_FILE,
	// then ~/.aws/credentials.
	SharedCredentialsFiles []string
	// AccessKey, SecretKey and Token are static credentials (aws:accessKey,
	// aws:secretKey, aws:token). Secrets: never log them. They win over the
	// profile and the environment. Default: the SDK's credential chain.
	AccessKey, SecretKey, Token string
	// AssumeRoleWithWebIdentity exchanges an OIDC token for the role's
	// credentials (aws:assumeRoleWithWebIdentity). Default: none.
	AssumeRoleWithWebIdentity *WebIdentity
	// AssumeRole is a role assumed with the credentials above, the web
	// identity's included (aws:assumeRole). Default: none.
	AssumeRole *AssumeRole
	// Endpoints override the service endpoints (aws:endpoints). Default:
	// AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, then AWS's.
	Endpoints Endpoints
	// STSRegion is the region of STS calls (aws:stsRegion). Default: the
	// release's region.
	STSRegion string
	// AllowedAccountIDs, when set, are the only accounts calls may be made in
	// (aws:allowedAccountIds); ForbiddenAccountIDs are accounts they must
	// never be made in (aws:forbiddenAccountIds). Checked with
	// sts:GetCallerIdentity before anything changes. Default: any account.
	AllowedAccountIDs, ForbiddenAccountIDs []string
	// UseFIPSEndpoint and UseDualStackEndpoint select FIPS and dual-stack
	// endpoints (aws:useFipsEndpoint, aws:useDualstackEndpoint). Default:
	// false.
	UseFIPSEndpoint, UseDualStackEndpoint bool
}

// AssumeRole is pulumi-aws v6's aws:assumeRole (config.AssumeRole in
// github.com/pulumi/pulumi-aws/sdk/v6/go/aws/config). As there, an empty
// RoleARN assumes no role.
type AssumeRole struct {
	// RoleARN is the role to assume.
	RoleARN string
	// SessionName names the session in CloudTrail. Default: the SDK's
	// aws-go-sdk-<time>.
	SessionName string
	// ExternalID is the role's external id, when its trust policy wants one.
	ExternalID string
	// Duration is the session's length as a Go duration, 15m–12h. Default:
	// 15m.
	Duration string
	// Policy and PolicyARNs restrict the session further.
	Policy     string
	PolicyARNs []string
	// Tags are session tags; TransitiveTagKeys pass some of them on to
	// roles the session assumes.
	Tags              map[string]string
	TransitiveTagKeys []string
	// SourceIdentity is the identity recorded for the session.
	SourceIdentity string
}

// WebIdentity is pulumi-aws v6's aws:assumeRoleWithWebIdentity
// (config.AssumeRoleWithWebIdentity). An empty RoleARN assumes no role.
type WebIdentity struct {
	RoleARN     string
	SessionName string
	// WebIdentityToken is the OIDC token itself (a secret), or
	// WebIdentityTokenFile a file holding it, re-read whenever the
	// credentials are refreshed. Exactly one is set.
	WebIdentityToken     string
	WebIdentityTokenFile string
	Duration             string
	Policy               string
	PolicyARNs           []string
}

// Endpoints are the service endpoints a release calls, as absolute http(s)
// URLs; empty means the default. pulumi-aws's aws:endpoints has one key per
// service (config.Endpoints); these are the ones kumo calls.
type Endpoints struct {
	Lambda, CodeDeploy, STS string
}

// IsZero reports whether s leaves everything to the SDK's defaults.
func (s Settings) IsZero() bool {
	return s.Profile == "" && len(s.SharedConfigFiles) == 0 && len(s.SharedCredentialsFiles) == 0 &&
		s.AccessKey == "" && s.SecretKey == "" && s.Token == "" && s.AssumeRole == nil &&
		s.AssumeRoleWithWebIdentity == nil && s.Endpoints == (Endpoints{}) && s.STSRegion == "" &&
		len(s.AllowedAccountIDs) == 0 && len(s.ForbiddenAccountIDs) == 0 && !s.UseFIPSEndpoint && !s.UseDualStackEndpoint
}

// Load builds the SDK config for region ("" for the SDK's default:
// AWS_REGION, then the profile's) that calls AWS as s says, within l. It makes
// no AWS call: credentials, the assumed role's included, are fetched on the
// first API call.
func Load(ctx context.Context, region string, s Settings, l Limits) (aws.Config, error) {
	opts := l.LoadOptions()
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if s.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(s.Profile))
	}
	if len(s.SharedConfigFiles) > 0 {
		files, err := expandHome(s.SharedConfigFiles)
		if err != nil {
			return aws.Config{}, err
		}
		opts = append(opts, config.WithSharedConfigFiles(files))
	}
	if len(s.SharedCredentialsFiles) > 0 {
		files, err := expandHome(s.SharedCredentialsFiles)
		if err != nil {
			return aws.Config{}, err
		}
		opts = append(opts, config.WithSharedCredentialsFiles(files))
	}
	if s.AccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, s.Token)))
	}
	if s.UseFIPSEndpoint {
		opts = append(opts, config.WithUseFIPSEndpoint(aws.FIPSEndpointStateEnabled))
	}
	if s.UseDualStackEndpoint {
		opts = append(opts, config.WithUseDualStackEndpoint(aws.DualStackEndpointStateEnabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load the AWS configuration: %w", err)
	}

	// pulumi-aws (through aws-sdk-go-base) builds credentials in this
	// order: the base credentials, then the web identity's role, then
	// aws:assumeRole assumed with whatever came before.
	if w := s.AssumeRoleWithWebIdentity; w != nil && w.RoleARN != "" {
		var token stscreds.IdentityTokenRetriever
		switch file := cmp.Or(w.WebIdentityTokenFile, os.Getenv("AWS_WEB_IDENTITY_TOKEN_FILE")); {
		case w.WebIdentityToken != "":
			token = staticToken(w.WebIdentityToken)
		case file != "":
			// As with pulumi-aws, the token file may also come from the
			// environment, as in EKS pods and GitHub Actions.
			token = stscreds.IdentityTokenFile(file)
		default:
			return aws.Config{}, errors.New("assumeRoleWithWebIdentity has no token: set its webIdentityToken or webIdentityTokenFile, or AWS_WEB_IDENTITY_TOKEN_FILE")
		}
		d, _ := parseDuration(w.Duration) // Validate rejects a bad duration
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewWebIdentityRoleProvider(s.sts(cfg), w.RoleARN, token,
			func(o *stscreds.WebIdentityRoleOptions) {
				o.RoleSessionName = w.SessionName
				o.Duration = d
				o.Policy = optional(w.Policy)
				o.PolicyARNs = policyARNs(w.PolicyARNs)
			}))
	}
	if r := s.AssumeRole; r != nil && r.RoleARN != "" {
		d, _ := parseDuration(r.Duration)
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(s.sts(cfg), r.RoleARN,
			func(o *stscreds.AssumeRoleOptions) {
				o.RoleSessionName = r.SessionName
				o.ExternalID = optional(r.ExternalID)
				o.Duration = d
				o.Policy = optional(r.Policy)
				o.PolicyARNs = policyARNs(r.PolicyARNs)
				o.SourceIdentity = optional(r.SourceIdentity)
				o.TransitiveTagKeys = r.TransitiveTagKeys
				for _, k := range slices.Sorted(maps.Keys(r.Tags)) {
					o.Tags = append(o.Tags, ststypes.Tag{Key: aws.String(k), Value: aws.String(r.Tags[k])})
				}
			}))
	}
	return cfg, nil
}

// sts is an STS client for cfg's credentials in the STS region, at the
// STS endpoint.
func (s Settings) sts(cfg aws.Config) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if s.STSRegion != "" {
			o.Region = s.STSRegion
		}
		if s.Endpoints.STS != "" {
			o.BaseEndpoint = aws.String(s.Endpoints.STS)
		}
	})
}

// CheckAccount fails when cfg's credentials belong to an account s does not
// allow, asking STS whose they are; without allowed or forbidden accounts it
// makes no call.
func CheckAccount(ctx context.Context, cfg aws.Config, s Settings) error {
	if len(s.AllowedAccountIDs) == 0 && len(s.ForbiddenAccountIDs) == 0 {
		return nil
	}
	id, err := s.sts(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("find the AWS account of the credentials for allowedAccountIds/forbiddenAccountIds: %w", err)
	}
	account := aws.ToString(id.Account)
	if len(s.AllowedAccountIDs) > 0 && !slices.Contains(s.AllowedAccountIDs, account) {
		return fmt.Errorf("the credentials are for AWS account %s (%s), which allowedAccountIds (%s) does not list; "+
			"check aws:profile, aws:assumeRole and the AWS_* environment variables",
			account, aws.ToString(id.Arn), strings.Join(s.AllowedAccountIDs, ", "))
	}
	if slices.Contains(s.ForbiddenAccountIDs, account) {
		return fmt.Errorf("the credentials are for AWS account %s (%s), which forbiddenAccountIds lists; "+
			"check aws:profile, aws:assumeRole and the AWS_* environment variables", account, aws.ToString(id.Arn))
	}
	return nil
}

type staticToken string

func (t staticToken) GetIdentityToken() ([]byte, error) { return []byte(t), nil }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func policyARNs(arns []string) []ststypes.PolicyDescriptorType {
	var out []ststypes.PolicyDescriptorType
	for _, a := range arns {
		out = append(out, ststypes.PolicyDescriptorType{Arn: aws.String(a)})
	}
	return out
}

// parseDuration reads pulumi-aws's duration ("1h", "90m"); "" is zero, the
// SDK's default of 15 minutes.
func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	return time.ParseDuration(s)
}

// expandHome expands a leading ~/ as pulumi-aws does (through
// aws-sdk-go-base); the SDK would read it as a relative directory named ~.
func expandHome(paths []string) ([]string, error) {
	out := make([]string, len(paths))
	for i, p := range paths {
		if p == "~" || strings.HasPrefix(p, "~/") {
			home, err := os.UserHomeDir()
			if err != nil {
				return nil, fmt.Errorf("expand %s: %w", p, err)
			}
			p = filepath.Join(home, strings.TrimPrefix(p[1:], "/"))
		}
		out[i] = p
	}
	return out, nil
}
