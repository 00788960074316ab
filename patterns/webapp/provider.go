package webapp

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/awsclient"
)

// secondaryProviderArgs are the stack's AWS provider settings with another
// region: an explicit provider starts from none of the default provider's
// config, so without them the secondary region would deploy with whatever
// credentials the machine has — another profile, no assumed role, perhaps
// another account. Every aws: key the default provider takes that decides
// where and as whom it calls AWS is carried over (the same keys kumo's
// releases read, awsclient.FromStackConfig, and every service endpoint of
// aws:endpoints), and so is every other aws: setting but the region
// (transportArgs); credentials stay secrets. TestSecondaryProviderCarriesEveryKey
// keeps the carried keys equal to the provider's.
func secondaryProviderArgs(ctx *pulumi.Context, region string) (*aws.ProviderArgs, error) {
	get := func(key string) (string, bool) { return ctx.GetConfig(key) }
	s, _, errs := awsclient.FromStackConfig(get, ctx.IsConfigSecret)
	if len(errs) > 0 {
		return nil, fmt.Errorf("the stack's aws: settings, for the secondary region's provider: %v", errs)
	}
	a := &aws.ProviderArgs{Region: pulumi.String(region)}
	str := func(v string) pulumi.StringPtrInput {
		if v == "" {
			return nil
		}
		return pulumi.StringPtr(v)
	}
	secret := func(v string) pulumi.StringPtrInput {
		if v == "" {
			return nil
		}
		return pulumi.ToSecret(pulumi.String(v)).(pulumi.StringOutput).ToStringPtrOutput()
	}
	a.Profile = str(s.Profile)
	if len(s.SharedConfigFiles) > 0 {
		a.SharedConfigFiles = pulumi.ToStringArray(s.SharedConfigFiles)
	}
	if len(s.SharedCredentialsFiles) > 0 {
		a.SharedCredentialsFiles = pulumi.ToStringArray(s.SharedCredentialsFiles)
	}
	a.AccessKey, a.SecretKey, a.Token = secret(s.AccessKey), secret(s.SecretKey), secret(s.Token)
	a.StsRegion = str(s.STSRegion)
	if len(s.AllowedAccountIDs) > 0 {
		a.AllowedAccountIds = pulumi.ToStringArray(s.AllowedAccountIDs)
	}
	if len(s.ForbiddenAccountIDs) > 0 {
		a.ForbiddenAccountIds = pulumi.ToStringArray(s.ForbiddenAccountIDs)
	}
	if s.UseFIPSEndpoint {
		a.UseFipsEndpoint = pulumi.BoolPtr(true)
	}
	if s.UseDualStackEndpoint {
		a.UseDualstackEndpoint = pulumi.BoolPtr(true)
	}
	if r := s.AssumeRole; r != nil && r.RoleARN != "" {
		ar := &aws.ProviderAssumeRoleArgs{RoleArn: str(r.RoleARN), SessionName: str(r.SessionName), ExternalId: str(r.ExternalID),
			Duration: str(r.Duration), Policy: str(r.Policy), SourceIdentity: str(r.SourceIdentity)}
		if len(r.PolicyARNs) > 0 {
			ar.PolicyArns = pulumi.ToStringArray(r.PolicyARNs)
		}
		if len(r.Tags) > 0 {
			ar.Tags = pulumi.ToStringMap(r.Tags)
		}
		if len(r.TransitiveTagKeys) > 0 {
			ar.TransitiveTagKeys = pulumi.ToStringArray(r.TransitiveTagKeys)
		}
		a.AssumeRole = ar
	}
	if w := s.AssumeRoleWithWebIdentity; w != nil && w.RoleARN != "" {
		wa := &aws.ProviderAssumeRoleWithWebIdentityArgs{RoleArn: str(w.RoleARN), SessionName: str(w.SessionName),
			WebIdentityToken: secret(w.WebIdentityToken), WebIdentityTokenFile: str(w.WebIdentityTokenFile),
			Duration: str(w.Duration), Policy: str(w.Policy)}
		if len(w.PolicyARNs) > 0 {
			wa.PolicyArns = pulumi.ToStringArray(w.PolicyARNs)
		}
		a.AssumeRoleWithWebIdentity = wa
	}
	endpoints, err := endpointArgs(get)
	if err != nil {
		return nil, err
	}
	a.Endpoints = endpoints
	if err := transportArgs(get, a); err != nil {
		return nil, err
	}
	return a, nil
}

// SecondaryProviderKeys are the aws: config keys (without "aws:") the
// secondary region's provider carries over from the stack: every key of
// the provider but region (the stacks tests keep the two lists equal).
func SecondaryProviderKeys() []string {
	keys := []string{"accessKey", "allowedAccountIds", "assumeRole", "assumeRoleWithWebIdentity", "defaultTags", "endpoints",
		"forbiddenAccountIds", "ignoreTags", "profile", "secretKey", "sharedConfigFiles", "sharedCredentialsFiles", "stsRegion",
		"token", "useDualstackEndpoint", "useFipsEndpoint"}
	for k := range transportKeys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// transportKeys are the aws: settings of how the provider calls AWS rather
// than as whom: proxies, CA bundle, retries, metadata service, validation
// skips. Plain strings, booleans and integers, carried as they are.
var transportKeys = map[string]string{ // config key → ProviderArgs field
	"customCaBundle": "CustomCaBundle", "ec2MetadataServiceEndpoint": "Ec2MetadataServiceEndpoint",
	"ec2MetadataServiceEndpointMode": "Ec2MetadataServiceEndpointMode", "httpProxy": "HttpProxy", "httpsProxy": "HttpsProxy",
	"noProxy": "NoProxy", "insecure": "Insecure", "maxRetries": "MaxRetries", "retryMode": "RetryMode",
	"s3UsEast1RegionalEndpoint": "S3UsEast1RegionalEndpoint", "s3UsePathStyle": "S3UsePathStyle",
	"skipCredentialsValidation": "SkipCredentialsValidation", "skipMetadataApiCheck": "SkipMetadataApiCheck",
	"skipRegionValidation": "SkipRegionValidation", "skipRequestingAccountId": "SkipRequestingAccountId",
	"tokenBucketRateLimiterCapacity": "TokenBucketRateLimiterCapacity",
}

// transportArgs carries transportKeys, aws:defaultTags and aws:ignoreTags
// (tags every resource of the region gets, or that the provider ignores:
// without them the secondary region's resources would break a tagging
// policy the primary's satisfy).
func transportArgs(get func(string) (string, bool), a *aws.ProviderArgs) error {
	v := reflect.ValueOf(a).Elem()
	for key, field := range transportKeys {
		raw, ok := get("aws:" + key)
		if !ok || raw == "" {
			continue
		}
		f := v.FieldByName(field)
		switch f.Type() {
		case reflect.TypeFor[pulumi.StringPtrInput]():
			f.Set(reflect.ValueOf(pulumi.StringPtr(raw)))
		case reflect.TypeFor[pulumi.BoolPtrInput]():
			var b bool
			if err := json.Unmarshal([]byte(raw), &b); err != nil {
				return fmt.Errorf("aws:%s %q: want true or false", key, raw)
			}
			f.Set(reflect.ValueOf(pulumi.BoolPtr(b)))
		case reflect.TypeFor[pulumi.IntPtrInput]():
			var n int
			if err := json.Unmarshal([]byte(raw), &n); err != nil {
				return fmt.Errorf("aws:%s %q: want a whole number", key, raw)
			}
			f.Set(reflect.ValueOf(pulumi.IntPtr(n)))
		default:
			return fmt.Errorf("aws:%s: kumo cannot carry a %s to the secondary region's provider", key, f.Type())
		}
	}
	if raw, ok := get("aws:defaultTags"); ok && raw != "" {
		var dt struct {
			Tags map[string]string `json:"tags"`
		}
		if err := json.Unmarshal([]byte(raw), &dt); err != nil {
			return fmt.Errorf("aws:defaultTags %s: want {\"tags\": {…}}: %w", raw, err)
		}
		a.DefaultTags = &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(dt.Tags)}
	}
	if raw, ok := get("aws:ignoreTags"); ok && raw != "" {
		var it struct {
			Keys        []string `json:"keys"`
			KeyPrefixes []string `json:"keyPrefixes"`
		}
		if err := json.Unmarshal([]byte(raw), &it); err != nil {
			return fmt.Errorf("aws:ignoreTags %s: want {\"keys\": […], \"keyPrefixes\": […]}: %w", raw, err)
		}
		a.IgnoreTags = &aws.ProviderIgnoreTagsArgs{Keys: pulumi.ToStringArray(it.Keys), KeyPrefixes: pulumi.ToStringArray(it.KeyPrefixes)}
	}
	return nil
}

// endpointArgs reads aws:endpoints (a list of objects, each naming service
// endpoints by pulumi-aws's keys: lambda, dynamodb, …) into the provider's
// typed endpoints, every service included.
func endpointArgs(get func(string) (string, bool)) (aws.ProviderEndpointArrayInput, error) {
	raw, ok := get("aws:endpoints")
	if !ok || raw == "" {
		return nil, nil
	}
	var plain []aws.ProviderEndpoint
	if err := json.Unmarshal([]byte(raw), &plain); err != nil {
		return nil, fmt.Errorf("aws:endpoints %s: not a list of endpoint objects: %w", raw, err)
	}
	out := aws.ProviderEndpointArray{}
	for _, e := range plain {
		args := &aws.ProviderEndpointArgs{}
		src, dst := reflect.ValueOf(e), reflect.ValueOf(args).Elem()
		for i := range src.NumField() {
			f := src.Field(i)
			if f.Kind() != reflect.Pointer || f.IsNil() {
				continue
			}
			d := dst.FieldByName(src.Type().Field(i).Name)
			if d.IsValid() && d.CanSet() {
				d.Set(reflect.ValueOf(pulumi.StringPtr(f.Elem().String())))
			}
		}
		out = append(out, args)
	}
	return out, nil
}
