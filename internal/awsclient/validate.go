package awsclient

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Problem is one invalid setting.
type Problem struct {
	// Path is the setting's property path in a release's aws input, e.g.
	// "assumeRole.roleArn" or "allowedAccountIds[1]".
	Path string
	// Value is the bad value, when the problem is with a value rather than
	// with what is missing; ShowsValue says which. Never a credential.
	Value      string
	ShowsValue bool
	// Reason says what is wrong and what is allowed.
	Reason string
}

// Message shows the bad value, quoted, and the reason.
func (p Problem) Message() string {
	if p.ShowsValue {
		return strconv.Quote(p.Value) + " " + p.Reason
	}
	return p.Reason
}

// Redacted is Message without the value, for a setting that came from a
// secret: what is wrong still shows.
func (p Problem) Redacted() string {
	if p.ShowsValue {
		return "(secret, not shown) " + p.Reason
	}
	return p.Reason
}

func (p Problem) Error() string { return p.Path + ": " + p.Message() }

// The property names of Settings in a release's aws input: pulumi-aws v6's
// config keys without the aws: namespace, so a stack's config and the
// release's input read alike.
const (
	propProfile                   = "profile"
	propSharedConfigFiles         = "sharedConfigFiles"
	propSharedCredentialsFiles    = "sharedCredentialsFiles"
	propAccessKey                 = "accessKey"
	propSecretKey                 = "secretKey"
	propToken                     = "token"
	propAssumeRole                = "assumeRole"
	propAssumeRoleWithWebIdentity = "assumeRoleWithWebIdentity"
	propEndpoints                 = "endpoints"
	propSTSRegion                 = "stsRegion"
	propAllowedAccountIDs         = "allowedAccountIds"
	propForbiddenAccountIDs       = "forbiddenAccountIds"
	propUseFIPSEndpoint           = "useFipsEndpoint"
	propUseDualStackEndpoint      = "useDualstackEndpoint"
)

var (
	// An AWS region name (us-east-1, us-gov-west-1, ap-southeast-5).
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	// An IAM role ARN in any partition; IAM User Guide, "IAM identifiers":
	// arn:<partition>:iam::<account>:role/<path><name>.
	roleARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)
	// A managed policy ARN, AWS's own (account "aws") or a customer's.
	policyARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[\w+=,.@/-]+$`)
	// STS AssumeRole's RoleSessionName and SourceIdentity: 2–64 of [\w+=,.@-]
	// (STS API Reference, AssumeRole, request parameters).
	sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	// STS AssumeRole's ExternalId: 2–1224 of [\w+=,.@:/-]; Go's regexp
	// repeats at most 1000 times, so the length is checked separately.
	externalIDRE = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	// STS Tag key and value patterns (STS API Reference, Tag); the lengths
	// (1–128, 0–256) are checked in characters separately.
	tagKeyRE   = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)
	tagValueRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	accountRE  = regexp.MustCompile(`^[0-9]{12}$`)
)

// STS limits (STS API Reference, AssumeRole): session policies of at most
// 2,048 characters and 10 managed policy ARNs, at most 50 session tags, and
// sessions of 15 minutes to 12 hours (pulumi-aws documents the same range
// for duration).
const (
	maxPolicyChars  = 2048
	maxPolicyARNs   = 10
	maxSessionTags  = 50
	minRoleDuration = 15 * time.Minute
	maxRoleDuration = 12 * time.Hour
)

// ValidRegion reports whether r is shaped like an AWS region name.
func ValidRegion(r string) bool { return regionRE.MatchString(r) }

// Validate reports every invalid setting at once, never showing a secret.
func (s Settings) Validate() []Problem {
	v := &validator{}
	switch {
	case s.AccessKey != "" && s.SecretKey == "":
		v.add(propSecretKey, "is empty while accessKey is set; set both, or neither to use the profile or the environment")
	case s.AccessKey == "" && s.SecretKey != "":
		v.add(propAccessKey, "is empty while secretKey is set; set both, or neither to use the profile or the environment")
	}
	if s.Token != "" && (s.AccessKey == "" || s.SecretKey == "") {
		v.add(propToken, "is set without accessKey and secretKey; a session token only goes with the key pair it was issued for")
	}
	v.paths(propSharedConfigFiles, s.SharedConfigFiles)
	v.paths(propSharedCredentialsFiles, s.SharedCredentialsFiles)
	if r := s.AssumeRole; r != nil {
		p := propAssumeRole + "."
		v.roleARN(p+"roleArn", r.RoleARN)
		v.match(p+"sessionName", r.SessionName, sessionNameRE, "is not a role session name: use 2–64 letters, digits and _+=,.@-")
		if id := r.ExternalID; id != "" && (!externalIDRE.MatchString(id) || len(id) < 2 || len(id) > 1224) {
			v.bad(p+"externalId", id, "is not an external id: use 2–1224 letters, digits and _+=,.@:/-")
		}
		v.duration(p+"duration", r.Duration)
		v.policy(p+"policy", r.Policy)
		v.policyARNs(p+"policyArns", r.PolicyARNs)
		v.tags(p+"tags", r.Tags)
		for i, k := range r.TransitiveTagKeys {
			if !tagKeyRE.MatchString(k) || utf8.RuneCountInString(k) > 128 {
				v.bad(fmt.Sprintf("%stransitiveTagKeys[%d]", p, i), k, "is not a session tag key: use 1–128 letters, digits, spaces and _.:/=+-@")
			}
		}
		// No colon is allowed, so AWS's reserved prefix aws: is refused too.
		v.match(p+"sourceIdentity", r.SourceIdentity, sessionNameRE, "is not a source identity: use 2–64 letters, digits and _+=,.@-")
	}
	if w := s.AssumeRoleWithWebIdentity; w != nil {
		p := propAssumeRoleWithWebIdentity + "."
		v.roleARN(p+"roleArn", w.RoleARN)
		v.match(p+"sessionName", w.SessionName, sessionNameRE, "is not a role session name: use 2–64 letters, digits and _+=,.@-")
		if w.WebIdentityToken != "" && w.WebIdentityTokenFile != "" {
			v.add(p+"webIdentityToken", "and webIdentityTokenFile are both set; set one")
		}
		v.duration(p+"duration", w.Duration)
		v.policy(p+"policy", w.Policy)
		v.policyARNs(p+"policyArns", w.PolicyARNs)
	}
	for _, e := range []struct{ name, url string }{
		{"lambda", s.Endpoints.Lambda}, {"codedeploy", s.Endpoints.CodeDeploy}, {"sts", s.Endpoints.STS},
	} {
		if e.url == "" {
			continue
		}
		if u, err := url.Parse(e.url); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.bad(propEndpoints+"."+e.name, e.url, fmt.Sprintf("is not an absolute http(s) URL such as https://%s.eu-west-1.amazonaws.com or http://localhost:4566", e.name))
		}
	}
	if s.STSRegion != "" && !ValidRegion(s.STSRegion) {
		v.bad(propSTSRegion, s.STSRegion, "is not an AWS region name such as us-east-1 or eu-west-1; leave it empty for the release's region")
	}
	if len(s.AllowedAccountIDs) > 0 && len(s.ForbiddenAccountIDs) > 0 {
		v.add(propForbiddenAccountIDs, "is set together with allowedAccountIds; pulumi-aws allows one of them")
	}
	v.accounts(propAllowedAccountIDs, s.AllowedAccountIDs)
	v.accounts(propForbiddenAccountIDs, s.ForbiddenAccountIDs)
	return v.problems
}

type validator struct{ problems []Problem }

// add reports a problem that is not about one value.
func (v *validator) add(path, reason string) {
	v.problems = append(v.problems, Problem{Path: path, Reason: reason})
}

// bad reports value at path as invalid.
func (v *validator) bad(path, value, reason string) {
	v.problems = append(v.problems, Problem{Path: path, Value: value, ShowsValue: true, Reason: reason})
}

func (v *validator) match(path, value string, re *regexp.Regexp, reason string) {
	if value != "" && !re.MatchString(value) {
		v.bad(path, value, reason)
	}
}

func (v *validator) paths(path string, paths []string) {
	for i, p := range paths {
		if strings.TrimSpace(p) == "" {
			v.add(fmt.Sprintf("%s[%d]", path, i), "is empty; give a file's path or remove the entry")
		}
	}
}

func (v *validator) roleARN(path, arn string) {
	if arn != "" && (!roleARNRE.MatchString(arn) || len(arn) > 2048) {
		v.bad(path, arn, "is not an IAM role ARN such as arn:aws:iam::123456789012:role/deployer; leave it empty to assume no role")
	}
}

func (v *validator) duration(path, d string) {
	if d == "" {
		return
	}
	if got, err := time.ParseDuration(d); err != nil || got < minRoleDuration || got > maxRoleDuration {
		v.bad(path, d, "is not a session duration: use a Go duration from 15m to 12h such as 1h")
	}
}

func (v *validator) policy(path, doc string) {
	switch {
	case doc == "":
	case !json.Valid([]byte(doc)):
		v.add(path, "is not a JSON policy document; give the policy's JSON, e.g. from aws.iam.getPolicyDocument")
	case utf8.RuneCountInString(doc) > maxPolicyChars:
		v.add(path, fmt.Sprintf("is %d characters long; STS takes session policies of up to %d", utf8.RuneCountInString(doc), maxPolicyChars))
	}
}

func (v *validator) policyARNs(path string, arns []string) {
	if len(arns) > maxPolicyARNs {
		v.add(path, fmt.Sprintf("lists %d policies; STS takes up to %d", len(arns), maxPolicyARNs))
	}
	for i, a := range arns {
		if !policyARNRE.MatchString(a) {
			v.bad(fmt.Sprintf("%s[%d]", path, i), a, "is not an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess")
		}
	}
}

func (v *validator) tags(path string, tags map[string]string) {
	if len(tags) > maxSessionTags {
		v.add(path, fmt.Sprintf("has %d tags; STS takes up to %d session tags", len(tags), maxSessionTags))
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		if !tagKeyRE.MatchString(k) || utf8.RuneCountInString(k) > 128 {
			v.bad(path, k, "is not a session tag key: use 1–128 letters, digits, spaces and _.:/=+-@")
		}
		if val := tags[k]; !tagValueRE.MatchString(val) || utf8.RuneCountInString(val) > 256 {
			v.bad(path+"."+k, val, "is not a session tag value: use up to 256 letters, digits, spaces and _.:/=+-@")
		}
	}
}

func (v *validator) accounts(path string, ids []string) {
	for i, id := range ids {
		if !accountRE.MatchString(id) {
			v.bad(fmt.Sprintf("%s[%d]", path, i), id, "is not an AWS account id: use its 12 digits, quoted in YAML so leading zeros stay")
		}
	}
}
