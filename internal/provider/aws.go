package provider

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/kumo-iac/kumo/internal/awsclient"
)

// AWSSettings is the release's aws input: the stack's AWS provider settings
// that decide where and as whom the release calls AWS, so that it acts in
// the very account the stack's resources are in. The engine hands a
// provider only the config of its own namespace (kumo:), never aws:
// (Target.GetPackageConfig in pulumi/pkg/v3 resource/deploy/target.go), so
// the Releases construct reads the stack's aws: config and passes it here
// (awsclient.FromStackConfig). Names and meanings are pulumi-aws v6's;
// awsclient.Settings documents each. Absent — as in the state of releases
// made before this input existed — means the SDK's defaults: the plugin's
// environment and the default profile.
type AWSSettings struct {
	Profile                   string                    `pulumi:"profile,optional"`
	SharedConfigFiles         []string                  `pulumi:"sharedConfigFiles,optional"`
	SharedCredentialsFiles    []string                  `pulumi:"sharedCredentialsFiles,optional"`
	AccessKey                 string                    `pulumi:"accessKey,optional" provider:"secret"`
	SecretKey                 string                    `pulumi:"secretKey,optional" provider:"secret"`
	Token                     string                    `pulumi:"token,optional" provider:"secret"`
	AssumeRole                *AWSAssumeRole            `pulumi:"assumeRole,optional"`
	AssumeRoleWithWebIdentity *AWSAssumeRoleWebIdentity `pulumi:"assumeRoleWithWebIdentity,optional"`
	Endpoints                 *AWSEndpoints             `pulumi:"endpoints,optional"`
	StsRegion                 string                    `pulumi:"stsRegion,optional"`
	AllowedAccountIds         []string                  `pulumi:"allowedAccountIds,optional"`
	ForbiddenAccountIds       []string                  `pulumi:"forbiddenAccountIds,optional"`
	UseFipsEndpoint           bool                      `pulumi:"useFipsEndpoint,optional"`
	UseDualstackEndpoint      bool                      `pulumi:"useDualstackEndpoint,optional"`
}

// AWSAssumeRole is pulumi-aws v6's aws:assumeRole.
type AWSAssumeRole struct {
	RoleArn           string            `pulumi:"roleArn,optional"`
	SessionName       string            `pulumi:"sessionName,optional"`
	ExternalId        string            `pulumi:"externalId,optional"`
	Duration          string            `pulumi:"duration,optional"`
	Policy            string            `pulumi:"policy,optional"`
	PolicyArns        []string          `pulumi:"policyArns,optional"`
	Tags              map[string]string `pulumi:"tags,optional"`
	TransitiveTagKeys []string          `pulumi:"transitiveTagKeys,optional"`
	SourceIdentity    string            `pulumi:"sourceIdentity,optional"`
}

// AWSAssumeRoleWebIdentity is pulumi-aws v6's aws:assumeRoleWithWebIdentity.
type AWSAssumeRoleWebIdentity struct {
	RoleArn              string   `pulumi:"roleArn,optional"`
	SessionName          string   `pulumi:"sessionName,optional"`
	WebIdentityToken     string   `pulumi:"webIdentityToken,optional" provider:"secret"`
	WebIdentityTokenFile string   `pulumi:"webIdentityTokenFile,optional"`
	Duration             string   `pulumi:"duration,optional"`
	Policy               string   `pulumi:"policy,optional"`
	PolicyArns           []string `pulumi:"policyArns,optional"`
}

// AWSEndpoints are the entries of pulumi-aws's aws:endpoints for the
// services a release calls.
type AWSEndpoints struct {
	Lambda     string `pulumi:"lambda,optional"`
	Codedeploy string `pulumi:"codedeploy,optional"`
	Sts        string `pulumi:"sts,optional"`
}

var (
	_ infer.Annotated = (*AWSSettings)(nil)
	_ infer.Annotated = (*AWSAssumeRole)(nil)
	_ infer.Annotated = (*AWSAssumeRoleWebIdentity)(nil)
	_ infer.Annotated = (*AWSEndpoints)(nil)
)

// Annotate names and documents the settings.
func (s *AWSSettings) Annotate(a infer.Annotator) {
	a.SetToken("index", "AwsSettings")
	a.Describe(s, "The stack's AWS provider settings (its aws: config, with pulumi-aws v6's names) that decide where and as whom a release calls AWS. Changing them updates the release in place without an AWS call, so that later updates, refreshes and the delete use them.")
	a.Describe(&s.Profile, "The shared config profile (aws:profile). It wins over AWS_ACCESS_KEY_ID in the environment. Default: AWS_PROFILE, then the default profile.")
	a.Describe(&s.SharedConfigFiles, "Shared config files to read instead of ~/.aws/config (aws:sharedConfigFiles); a leading ~/ is the home directory. Default: AWS_CONFIG_FILE, then ~/.aws/config.")
	a.Describe(&s.SharedCredentialsFiles, "Shared credentials files to read instead of ~/.aws/credentials (aws:sharedCredentialsFiles). Default: AWS_SHARED_CREDENTIALS_FILE, then ~/.aws/credentials.")
	a.Describe(&s.AccessKey, "Static access key id (aws:accessKey); with secretKey it wins over the profile and the environment. Default: the SDK's credential chain.")
	a.Describe(&s.SecretKey, "Static secret access key (aws:secretKey). Default: none.")
	a.Describe(&s.Token, "Session token of temporary static credentials (aws:token). Default: none.")
	a.Describe(&s.AssumeRole, "A role to assume with the credentials above (aws:assumeRole). Default: none.")
	a.Describe(&s.AssumeRoleWithWebIdentity, "A role to assume with an OIDC token, before assumeRole (aws:assumeRoleWithWebIdentity). Default: none.")
	a.Describe(&s.Endpoints, "Endpoint overrides for the services a release calls (from aws:endpoints). Default: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, then AWS's endpoints.")
	a.Describe(&s.StsRegion, "Region of the STS calls that assume roles (aws:stsRegion). Default: the release's region.")
	a.Describe(&s.AllowedAccountIds, "The only AWS accounts the release may act in, checked with sts:GetCallerIdentity before any change (aws:allowedAccountIds). Default: any.")
	a.Describe(&s.ForbiddenAccountIds, "AWS accounts the release must never act in (aws:forbiddenAccountIds). Default: none.")
	a.Describe(&s.UseFipsEndpoint, "Use FIPS endpoints (aws:useFipsEndpoint). Default: false.")
	a.Describe(&s.UseDualstackEndpoint, "Use dual-stack endpoints (aws:useDualstackEndpoint). Default: false.")
}

// Annotate names and documents the role.
func (r *AWSAssumeRole) Annotate(a infer.Annotator) {
	a.SetToken("index", "AwsAssumeRole")
	a.Describe(r, "A role the release assumes (pulumi-aws's aws:assumeRole).")
	a.Describe(&r.RoleArn, "The role's ARN. Empty assumes no role, as in pulumi-aws.")
	a.Describe(&r.SessionName, "The session's name: 2–64 letters, digits and _+=,.@-. Default: the SDK's aws-go-sdk-<time>.")
	a.Describe(&r.ExternalId, "The external id the role's trust policy asks for. Default: none.")
	a.Describe(&r.Duration, "The session's length, a Go duration from 15m to 12h (\"1h\"). Default: 15m.")
	a.Describe(&r.Policy, "A JSON session policy restricting the role further. Default: none.")
	a.Describe(&r.PolicyArns, "Managed policies restricting the role further, up to 10. Default: none.")
	a.Describe(&r.Tags, "Session tags, up to 50. Default: none.")
	a.Describe(&r.TransitiveTagKeys, "Session tag keys passed on to roles the session assumes. Default: none.")
	a.Describe(&r.SourceIdentity, "The source identity of the session. Default: none.")
}

// Annotate names and documents the web identity role.
func (w *AWSAssumeRoleWebIdentity) Annotate(a infer.Annotator) {
	a.SetToken("index", "AwsAssumeRoleWithWebIdentity")
	a.Describe(w, "A role the release assumes with an OIDC token (pulumi-aws's aws:assumeRoleWithWebIdentity).")
	a.Describe(&w.RoleArn, "The role's ARN. Empty assumes no role.")
	a.Describe(&w.SessionName, "The session's name. Default: the SDK's aws-go-sdk-<time>.")
	a.Describe(&w.WebIdentityToken, "The OIDC token itself. Set it or webIdentityTokenFile.")
	a.Describe(&w.WebIdentityTokenFile, "A file holding the OIDC token, re-read on every refresh. Default: AWS_WEB_IDENTITY_TOKEN_FILE.")
	a.Describe(&w.Duration, "The session's length, a Go duration from 15m to 12h. Default: 15m.")
	a.Describe(&w.Policy, "A JSON session policy restricting the role further. Default: none.")
	a.Describe(&w.PolicyArns, "Managed policies restricting the role further, up to 10. Default: none.")
}

// Annotate names and documents the endpoints.
func (e *AWSEndpoints) Annotate(a infer.Annotator) {
	a.SetToken("index", "AwsEndpoints")
	a.Describe(e, "Endpoint overrides, absolute http(s) URLs, for the services a release calls.")
	a.Describe(&e.Lambda, "The Lambda endpoint. Default: AWS's.")
	a.Describe(&e.Codedeploy, "The CodeDeploy endpoint (pulumi-aws's codedeploy or deploy). Default: AWS's.")
	a.Describe(&e.Sts, "The STS endpoint, for assuming roles and checking the account. Default: AWS's.")
}

// settings converts the input to awsclient's; nil is the zero Settings.
func (s *AWSSettings) settings() awsclient.Settings {
	if s == nil {
		return awsclient.Settings{}
	}
	out := awsclient.Settings{
		Profile:                s.Profile,
		SharedConfigFiles:      s.SharedConfigFiles,
		SharedCredentialsFiles: s.SharedCredentialsFiles,
		AccessKey:              s.AccessKey,
		SecretKey:              s.SecretKey,
		Token:                  s.Token,
		STSRegion:              s.StsRegion,
		AllowedAccountIDs:      s.AllowedAccountIds,
		ForbiddenAccountIDs:    s.ForbiddenAccountIds,
		UseFIPSEndpoint:        s.UseFipsEndpoint,
		UseDualStackEndpoint:   s.UseDualstackEndpoint,
	}
	if r := s.AssumeRole; r != nil {
		out.AssumeRole = &awsclient.AssumeRole{
			RoleARN: r.RoleArn, SessionName: r.SessionName, ExternalID: r.ExternalId, Duration: r.Duration,
			Policy: r.Policy, PolicyARNs: r.PolicyArns, Tags: maps.Clone(r.Tags), TransitiveTagKeys: r.TransitiveTagKeys,
			SourceIdentity: r.SourceIdentity,
		}
	}
	if w := s.AssumeRoleWithWebIdentity; w != nil {
		out.AssumeRoleWithWebIdentity = &awsclient.WebIdentity{
			RoleARN: w.RoleArn, SessionName: w.SessionName, WebIdentityToken: w.WebIdentityToken,
			WebIdentityTokenFile: w.WebIdentityTokenFile, Duration: w.Duration, Policy: w.Policy, PolicyARNs: w.PolicyArns,
		}
	}
	if e := s.Endpoints; e != nil {
		out.Endpoints = awsclient.Endpoints{Lambda: e.Lambda, CodeDeploy: e.Codedeploy, STS: e.Sts}
	}
	return out
}

// unknownHints explain settings that are easily given by mistake.
var unknownHints = map[string]string{
	"region":                     "region is the release's own region input, next to aws",
	"assumeRole.durationSeconds": `durationSeconds was pulumi-aws v5's; v6 takes duration, e.g. "1h"`,
	"assumeRoles":                "assumeRoles is pulumi-aws v7's list; v6, which kumo uses, takes one assumeRole object",
}

// unknownSettings reports every property of the aws input that AWSSettings
// does not have, naming what is allowed instead, and returns the inputs
// without them. infer's own decoding would report them all as one failure
// of "aws"; removing them lets it check the rest property by property.
func unknownSettings(inputs property.Map) (property.Map, []p.CheckFailure) {
	v, ok := inputs.GetOk("aws")
	if !ok || !v.IsMap() {
		return inputs, nil
	}
	var failures []p.CheckFailure
	cleaned := pruneUnknown(v, reflect.TypeFor[AWSSettings](), "", &failures)
	return inputs.Set("aws", cleaned), failures
}

func pruneUnknown(v property.Value, t reflect.Type, path string, failures *[]p.CheckFailure) property.Value {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if !v.IsMap() || t.Kind() != reflect.Struct {
		return v
	}
	fields := map[string]reflect.Type{}
	var names []string
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		if name != "" {
			fields[name] = f.Type
			names = append(names, name)
		}
	}
	out := map[string]property.Value{}
	for _, k := range slices.Sorted(maps.Keys(v.AsMap().AsMap())) {
		child := v.AsMap().Get(k)
		ft, known := fields[k]
		if !known {
			reason := fmt.Sprintf("unknown setting %q; allowed: %s", k, strings.Join(names, ", "))
			if hint, ok := unknownHints[path+k]; ok {
				reason += " (" + hint + ")"
			}
			*failures = append(*failures, p.CheckFailure{Property: "aws." + path + k, Reason: reason})
			continue
		}
		out[k] = pruneUnknown(child, ft, path+k+".", failures)
	}
	return property.New(out).WithSecret(v.Secret()).WithDependencies(v.Dependencies())
}

// secretAt reports whether the value at path ("assumeRole.tags.team",
// "allowedAccountIds[1]") inside v, or anything enclosing it, is secret.
func secretAt(v property.Value, path string) bool {
	for _, seg := range strings.Split(path, ".") {
		if v.Secret() {
			return true
		}
		name, index, indexed := strings.Cut(seg, "[")
		if !v.IsMap() {
			return false
		}
		v = v.AsMap().Get(name)
		if indexed {
			if v.Secret() {
				return true
			}
			i, err := strconv.Atoi(strings.TrimSuffix(index, "]"))
			if err != nil || !v.IsArray() || i >= v.AsArray().Len() {
				return false
			}
			v = v.AsArray().Get(i)
		}
	}
	return v.Secret()
}
