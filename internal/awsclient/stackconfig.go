package awsclient

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// The aws: config keys FromStackConfig reads. Their shapes are pulumi-aws
// v6's provider config (sdk/go/aws/config/config.go and pulumiTypes.go of
// github.com/pulumi/pulumi-aws/sdk/v6 v6.83.0, whose provider.go lists the
// types: lists for the files, account ids and endpoints, objects for the
// roles; docs/installation-configuration.md describes them):
//
//   - aws:profile, aws:accessKey, aws:secretKey, aws:token, aws:stsRegion:
//     strings; accessKey, secretKey and token are secrets.
//   - aws:sharedConfigFiles, aws:sharedCredentialsFiles: lists of paths.
//   - aws:assumeRole: {roleArn, sessionName, externalId, duration, policy,
//     policyArns, tags, transitiveTagKeys, sourceIdentity}; duration is a Go
//     duration string ("1h"). v5's durationSeconds is gone in v6.
//   - aws:assumeRoleWithWebIdentity: {roleArn, sessionName,
//     webIdentityToken, webIdentityTokenFile, duration, policy, policyArns}.
//   - aws:endpoints: a list of objects, each mapping service keys (lambda,
//     codedeploy or its alias deploy, sts, and ~300 others) to URLs.
//   - aws:allowedAccountIds, aws:forbiddenAccountIds: lists of account ids.
//   - aws:useFipsEndpoint, aws:useDualstackEndpoint: booleans.
//
// Keys that do not change where or as whom a Lambda, CodeDeploy or STS call
// goes are not read: tags (defaultTags, ignoreTags), S3 addressing,
// validations a release does not make (skipCredentialsValidation,
// skipRegionValidation, skipRequestingAccountId, skipMetadataApiCheck), and
// the retry settings (maxRetries, retryMode, tokenBucketRateLimiterCapacity),
// which Limits replaces so every kumo call is bounded. Neither are the
// transport settings (customCaBundle, httpProxy, httpsProxy, noProxy,
// insecure, ec2MetadataServiceEndpoint[Mode]); the release's SDK honors their
// environment variables (AWS_CA_BUNDLE, HTTPS_PROXY, NO_PROXY,
// AWS_EC2_METADATA_SERVICE_ENDPOINT) instead.
const (
	KeyProfile                   = "aws:profile"
	KeySharedConfigFiles         = "aws:sharedConfigFiles"
	KeySharedCredentialsFiles    = "aws:sharedCredentialsFiles"
	KeyAccessKey                 = "aws:accessKey"
	KeySecretKey                 = "aws:secretKey"
	KeyToken                     = "aws:token"
	KeyAssumeRole                = "aws:assumeRole"
	KeyAssumeRoleWithWebIdentity = "aws:assumeRoleWithWebIdentity"
	KeyEndpoints                 = "aws:endpoints"
	KeySTSRegion                 = "aws:stsRegion"
	KeyAllowedAccountIDs         = "aws:allowedAccountIds"
	KeyForbiddenAccountIDs       = "aws:forbiddenAccountIds"
	KeyUseFIPSEndpoint           = "aws:useFipsEndpoint"
	KeyUseDualStackEndpoint      = "aws:useDualstackEndpoint"
)

// keyProps maps each key FromStackConfig reads to its property name.
var keyProps = map[string]string{
	KeyProfile: propProfile, KeySharedConfigFiles: propSharedConfigFiles,
	KeySharedCredentialsFiles: propSharedCredentialsFiles, KeyAccessKey: propAccessKey, KeySecretKey: propSecretKey,
	KeyToken: propToken, KeyAssumeRole: propAssumeRole, KeyAssumeRoleWithWebIdentity: propAssumeRoleWithWebIdentity,
	KeyEndpoints: propEndpoints, KeySTSRegion: propSTSRegion, KeyAllowedAccountIDs: propAllowedAccountIDs,
	KeyForbiddenAccountIDs: propForbiddenAccountIDs, KeyUseFIPSEndpoint: propUseFIPSEndpoint,
	KeyUseDualStackEndpoint: propUseDualStackEndpoint,
}

// alwaysSecret are the properties that hold credentials whatever the stack
// config says: pulumi-aws makes its accessKey, secretKey and token secret
// (provider.go, AdditionalSecretOutputs). assumeRoleWithWebIdentity is
// secret too when it carries the token itself.
var alwaysSecret = []string{propAccessKey, propSecretKey, propToken}

// FromStackConfig reads the Settings from a stack's aws: config. get returns
// a key's value as the Pulumi engine hands config to a program: strings as
// they are, lists and objects as JSON; secret reports whether a key is
// secret. It returns the settings; the properties of Settings.Properties
// whose values must stay secret — the credentials and whatever came from a
// secret key; and one error per malformed key, naming it, showing the bad
// value unless secret, and saying what pulumi-aws accepts. Call Validate
// for the values themselves.
func FromStackConfig(get func(key string) (string, bool), secret func(key string) bool) (Settings, []string, []error) {
	r := &configReader{get: get, secret: secret}
	s := Settings{
		Profile:                   r.str(KeyProfile),
		SharedConfigFiles:         r.strs(KeySharedConfigFiles),
		SharedCredentialsFiles:    r.strs(KeySharedCredentialsFiles),
		AccessKey:                 r.str(KeyAccessKey),
		SecretKey:                 r.str(KeySecretKey),
		Token:                     r.str(KeyToken),
		AssumeRole:                r.assumeRole(),
		AssumeRoleWithWebIdentity: r.webIdentity(),
		Endpoints:                 r.endpoints(),
		STSRegion:                 r.str(KeySTSRegion),
		AllowedAccountIDs:         r.accounts(KeyAllowedAccountIDs),
		ForbiddenAccountIDs:       r.accounts(KeyForbiddenAccountIDs),
		UseFIPSEndpoint:           r.boolean(KeyUseFIPSEndpoint),
		UseDualStackEndpoint:      r.boolean(KeyUseDualStackEndpoint),
	}
	props := s.Properties()
	var secrets []string
	for _, k := range slices.Sorted(maps.Keys(keyProps)) {
		prop := keyProps[k]
		if _, set := props[prop]; set && (secret(k) || slices.Contains(alwaysSecret, prop)) {
			secrets = append(secrets, prop)
		}
	}
	if w := s.AssumeRoleWithWebIdentity; w != nil && w.WebIdentityToken != "" && !slices.Contains(secrets, propAssumeRoleWithWebIdentity) {
		secrets = append(secrets, propAssumeRoleWithWebIdentity)
		slices.Sort(secrets)
	}
	return s, secrets, r.errs
}

type configReader struct {
	get    func(string) (string, bool)
	secret func(string) bool
	errs   []error
}

// hidden stands in for a secret's value in a message.
const hidden = "(secret, not shown)"

// fail reports key's raw value as bad, hiding it when key is secret.
func (r *configReader) fail(key, raw, format string, args ...any) {
	r.failAt(key, key, raw, format, args...)
}

// failAt reports the value at path (inside key) as bad.
func (r *configReader) failAt(path, key, raw, format string, args ...any) {
	shown := strconv.Quote(raw)
	if r.secret(key) || slices.Contains(alwaysSecret, keyProps[key]) {
		shown = hidden
	}
	r.errs = append(r.errs, fmt.Errorf("%s: %s %s", path, shown, fmt.Sprintf(format, args...)))
}

func (r *configReader) str(key string) string {
	v, _ := r.get(key)
	return v
}

// strs reads a list of strings. A bare string is refused rather than read
// as a one-element list: pulumi-aws takes lists only.
func (r *configReader) strs(key string) []string {
	raw, ok := r.get(key)
	if !ok || raw == "" {
		return nil
	}
	var out []string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		r.fail(key, raw, "is not a list of strings; set it with `pulumi config set --path '%s[0]' <value>`", key)
		return nil
	}
	return out
}

func (r *configReader) boolean(key string) bool {
	raw, ok := r.get(key)
	if !ok || raw == "" {
		return false
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		r.fail(key, raw, "is not a boolean; use true or false")
	}
	return b
}

// accounts reads account ids; unquoted YAML numbers are taken too, since
// a YAML list of ids is easily written without quotes.
func (r *configReader) accounts(key string) []string {
	raw, ok := r.get(key)
	if !ok || raw == "" {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal([]byte(raw), &items); err != nil {
		r.fail(key, raw, "is not a list of account ids; set it with `pulumi config set --path '%s[0]' 123456789012`", key)
		return nil
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		var s string
		if json.Unmarshal(item, &s) != nil {
			s = string(item) // a number: Validate checks its 12 digits
		}
		out = append(out, s)
	}
	return out
}

// object reads a JSON object, failing on fields outside allowed.
func (r *configReader) object(key string, allowed []string, hint map[string]string) map[string]json.RawMessage {
	raw, ok := r.get(key)
	if !ok || raw == "" {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &obj); err != nil || obj == nil {
		r.fail(key, raw, "is not an object; set its fields with `pulumi config set --path %s.%s <value>`", key, allowed[0])
		return nil
	}
	for _, f := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(allowed, f) {
			msg := fmt.Errorf("%s: unknown field %q; pulumi-aws v6 reads %s", key, f, strings.Join(allowed, ", "))
			if h, ok := hint[f]; ok {
				msg = fmt.Errorf("%w (%s)", msg, h)
			}
			r.errs = append(r.errs, msg)
		}
	}
	return obj
}

// field decodes obj[name] into dst, reporting a mistyped value as
// key.name.
func field[T any](r *configReader, key string, obj map[string]json.RawMessage, name string, dst *T, want string) {
	raw, ok := obj[name]
	if !ok || string(raw) == "null" {
		return
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		if name == "webIdentityToken" {
			r.errs = append(r.errs, fmt.Errorf("%s.%s: %s is not %s", key, name, hidden, want))
			return
		}
		r.failAt(key+"."+name, key, string(raw), "is not %s", want)
	}
}

var assumeRoleFields = []string{"roleArn", "sessionName", "externalId", "duration", "policy", "policyArns",
	"tags", "transitiveTagKeys", "sourceIdentity"}

func (r *configReader) assumeRole() *AssumeRole {
	obj := r.object(KeyAssumeRole, assumeRoleFields,
		map[string]string{"durationSeconds": `durationSeconds was pulumi-aws v5's; v6 takes duration, e.g. "1h"`})
	if obj == nil {
		return nil
	}
	a := &AssumeRole{}
	k := KeyAssumeRole
	field(r, k, obj, "roleArn", &a.RoleARN, "a string")
	field(r, k, obj, "sessionName", &a.SessionName, "a string")
	field(r, k, obj, "externalId", &a.ExternalID, "a string")
	field(r, k, obj, "duration", &a.Duration, `a duration string such as "1h"`)
	field(r, k, obj, "policy", &a.Policy, "a JSON policy document as a string")
	field(r, k, obj, "policyArns", &a.PolicyARNs, "a list of policy ARNs")
	field(r, k, obj, "tags", &a.Tags, "a map of tag keys to string values")
	field(r, k, obj, "transitiveTagKeys", &a.TransitiveTagKeys, "a list of tag keys")
	field(r, k, obj, "sourceIdentity", &a.SourceIdentity, "a string")
	return a
}

var webIdentityFields = []string{"roleArn", "sessionName", "webIdentityToken", "webIdentityTokenFile", "duration",
	"policy", "policyArns"}

func (r *configReader) webIdentity() *WebIdentity {
	obj := r.object(KeyAssumeRoleWithWebIdentity, webIdentityFields, nil)
	if obj == nil {
		return nil
	}
	w := &WebIdentity{}
	k := KeyAssumeRoleWithWebIdentity
	field(r, k, obj, "roleArn", &w.RoleARN, "a string")
	field(r, k, obj, "sessionName", &w.SessionName, "a string")
	field(r, k, obj, "webIdentityToken", &w.WebIdentityToken, "a string")
	field(r, k, obj, "webIdentityTokenFile", &w.WebIdentityTokenFile, "a string")
	field(r, k, obj, "duration", &w.Duration, `a duration string such as "1h"`)
	field(r, k, obj, "policy", &w.Policy, "a JSON policy document as a string")
	field(r, k, obj, "policyArns", &w.PolicyARNs, "a list of policy ARNs")
	return w
}

// endpoints picks the services a release calls out of aws:endpoints; the
// others are for the stack's other resources. pulumi-aws's Endpoints type
// has both codedeploy and deploy (Terraform's package name) for CodeDeploy.
func (r *configReader) endpoints() Endpoints {
	raw, ok := r.get(KeyEndpoints)
	if !ok || raw == "" {
		return Endpoints{}
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		r.fail(KeyEndpoints, raw, "is not a list of objects mapping services to URLs; set it with `pulumi config set --path 'aws:endpoints[0].lambda' <url>`")
		return Endpoints{}
	}
	var e Endpoints
	set := func(dst *string, i int, service string, v any) {
		key := fmt.Sprintf("%s[%d].%s", KeyEndpoints, i, service)
		url, ok := v.(string)
		switch {
		case !ok:
			r.failAt(key, KeyEndpoints, fmt.Sprint(v), "is not a URL string")
		case *dst != "" && *dst != url:
			r.failAt(key, KeyEndpoints, url, "conflicts with the URL an earlier entry gives the same service; give one endpoint per service")
		default:
			*dst = url
		}
	}
	for i, m := range list {
		for _, service := range slices.Sorted(maps.Keys(m)) {
			switch service {
			case "lambda":
				set(&e.Lambda, i, service, m[service])
			case "codedeploy", "deploy":
				set(&e.CodeDeploy, i, service, m[service])
			case "sts":
				set(&e.STS, i, service, m[service])
			}
		}
	}
	return e
}

// Properties renders s as a release's aws input: pulumi-aws's names without
// the aws: namespace, endpoints as one object, and only what s sets.
func (s Settings) Properties() map[string]any {
	out := map[string]any{}
	put := func(name string, v any, set bool) {
		if set {
			out[name] = v
		}
	}
	put(propProfile, s.Profile, s.Profile != "")
	put(propSharedConfigFiles, s.SharedConfigFiles, len(s.SharedConfigFiles) > 0)
	put(propSharedCredentialsFiles, s.SharedCredentialsFiles, len(s.SharedCredentialsFiles) > 0)
	put(propAccessKey, s.AccessKey, s.AccessKey != "")
	put(propSecretKey, s.SecretKey, s.SecretKey != "")
	put(propToken, s.Token, s.Token != "")
	if a := s.AssumeRole; a != nil {
		m := map[string]any{}
		putStr(m, "roleArn", a.RoleARN)
		putStr(m, "sessionName", a.SessionName)
		putStr(m, "externalId", a.ExternalID)
		putStr(m, "duration", a.Duration)
		putStr(m, "policy", a.Policy)
		putList(m, "policyArns", a.PolicyARNs)
		if len(a.Tags) > 0 {
			m["tags"] = a.Tags
		}
		putList(m, "transitiveTagKeys", a.TransitiveTagKeys)
		putStr(m, "sourceIdentity", a.SourceIdentity)
		out[propAssumeRole] = m
	}
	if w := s.AssumeRoleWithWebIdentity; w != nil {
		m := map[string]any{}
		putStr(m, "roleArn", w.RoleARN)
		putStr(m, "sessionName", w.SessionName)
		putStr(m, "webIdentityToken", w.WebIdentityToken)
		putStr(m, "webIdentityTokenFile", w.WebIdentityTokenFile)
		putStr(m, "duration", w.Duration)
		putStr(m, "policy", w.Policy)
		putList(m, "policyArns", w.PolicyARNs)
		out[propAssumeRoleWithWebIdentity] = m
	}
	if s.Endpoints != (Endpoints{}) {
		m := map[string]any{}
		putStr(m, "lambda", s.Endpoints.Lambda)
		putStr(m, "codedeploy", s.Endpoints.CodeDeploy)
		putStr(m, "sts", s.Endpoints.STS)
		out[propEndpoints] = m
	}
	put(propSTSRegion, s.STSRegion, s.STSRegion != "")
	put(propAllowedAccountIDs, s.AllowedAccountIDs, len(s.AllowedAccountIDs) > 0)
	put(propForbiddenAccountIDs, s.ForbiddenAccountIDs, len(s.ForbiddenAccountIDs) > 0)
	put(propUseFIPSEndpoint, true, s.UseFIPSEndpoint)
	put(propUseDualStackEndpoint, true, s.UseDualStackEndpoint)
	return out
}

func putStr(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func putList(m map[string]any, k string, v []string) {
	if len(v) > 0 {
		m[k] = v
	}
}
