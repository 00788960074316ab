package webapp

import (
	"encoding/json"
	"fmt"
	"reflect"

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
// aws:endpoints); credentials stay secrets.
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
	return a, nil
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
