package constructs

import (
	"fmt"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/apigateway"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/awsregions"
)

// ApiDomainArgs configure an ApiDomain.
type ApiDomainArgs struct {
	// DomainName is the API's custom domain, e.g. "api.example.com": an
	// RFC 1123 host name of at most 253 characters, labels of at most 63.
	// Required.
	DomainName string
	// Api is the API the domain serves; the mapping targets its stage.
	// Required.
	Api *Api
	// BasePath serves the API under one path segment of the domain
	// ("items" → https://api.example.com/items/…). Default: "" (the
	// domain's root).
	BasePath string
	// HostedZoneID is the Route 53 public hosted zone holding DomainName;
	// kumo then writes the certificate's DNS validation record into it, so
	// the deployment waits only for ACM. Default: "" (the validation waits
	// until someone adds the record in ValidationRecords to the zone that
	// serves the name; ACM gives up after 72 hours).
	HostedZoneID string
	// CertificateArn uses an existing, issued ACM certificate for
	// DomainName instead of requesting one. A regional domain needs a
	// certificate in its own region. Set it or HostedZoneID, not both.
	// Default: "" (request a DNS-validated certificate for DomainName).
	CertificateArn string
	// Region is the region the domain is deployed to (its provider's),
	// checked against CertificateArn's. Default: "" (not checked here;
	// kumo synth's reality rules check it against the provider's region).
	Region string
	// ValidationFrom is another region's ApiDomain for the same DomainName
	// whose ValidationRecord (written through its HostedZoneID) also
	// validates this domain's certificate: ACM asks every certificate of one
	// name in one account for the same CNAME, whatever the region (ACM's
	// DNS validation, https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html;
	// a second region's record collides with the first,
	// https://github.com/hashicorp/terraform-provider-aws/issues/13653), so
	// the record is written once and this certificate's validation waits
	// for it. Set it instead of HostedZoneID. Default: nil (HostedZoneID,
	// if set, writes the record).
	ValidationFrom *ApiDomain
}

// ApiDomain is a REGIONAL API Gateway custom domain name with TLS 1.2, its
// ACM certificate (requested and DNS-validated unless one is given), and
// the mapping of a base path to an Api's stage. Regional, not edge: each
// region of a multi-region app serves the same name from its own endpoint,
// and Route 53 picks among them (NewDNSRouting).
type ApiDomain struct {
	pulumi.ResourceState

	domainName string
	// region is ApiDomainArgs.Region, "" when not given.
	region string
	// Certificate is the requested certificate; nil with CertificateArn.
	Certificate *acm.Certificate
	// Validation waits for the certificate's issue; nil with CertificateArn.
	Validation *acm.CertificateValidation
	// ValidationRecord is the DNS validation record kumo wrote; nil unless
	// HostedZoneID is set and kumo requested the certificate (with
	// ValidationFrom, the record is ValidationFrom's).
	ValidationRecord *route53.Record
	// DomainName and Mapping are the underlying resources, escape hatches.
	DomainName *apigateway.DomainName
	Mapping    *apigateway.BasePathMapping

	// RegionalDomainName is the domain's regional endpoint
	// (d-….execute-api.<region>.amazonaws.com), the target of alias records.
	RegionalDomainName pulumi.StringOutput
	// RegionalZoneID is API Gateway's hosted zone in the domain's region,
	// the alias records' target zone.
	RegionalZoneID pulumi.StringOutput
	// URL is the API's base URL on the custom domain, ending in "/".
	URL pulumi.StringOutput
	// ValidationRecords are the DNS records ACM checks ("name type value"
	// lines), for zones kumo does not manage; empty with CertificateArn.
	ValidationRecords pulumi.StringArrayOutput
}

// RFC 1123 host names: letters, digits and '-', labels of 1–63 not starting
// or ending with '-', at most 253 characters in all (RFC 1123 §2.1, RFC 1035
// §2.3.4); API Gateway's CreateDomainName and ACM's RequestCertificate take
// the same (https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html).
var (
	hostLabel = lazyRegexp(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	// A v1 base path is one segment; multi-level paths exist only through
	// API Gateway v2's API mappings
	// (https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html).
	basePathPattern = lazyRegexp(`^[A-Za-z0-9$\-_.+!*'()]{1,128}$`)
	// Route 53 hosted zone IDs: "Z" and up to 31 upper-case letters and
	// digits (https://docs.aws.amazon.com/Route53/latest/APIReference/API_HostedZone.html, Id max 32).
	hostedZoneID = lazyRegexp(`^Z[A-Z0-9]{1,31}$`)
	certArn      = lazyRegexp(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$`)
)

// hostNameProblem says how d breaks RFC 1123, or "".
func hostNameProblem(d string) string {
	if d == "" {
		return "is empty"
	}
	if len(d) > 253 {
		return fmt.Sprintf("is %d characters; at most 253 are allowed", len(d))
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "has one label; a domain name has at least two (api.example.com)"
	}
	for _, l := range labels {
		if !hostLabel().MatchString(l) {
			return fmt.Sprintf("has label %q; labels are 1–63 letters, digits or '-', not starting or ending with '-'", l)
		}
	}
	return ""
}

// certRegion is the region of an ACM certificate ARN, "" for anything else.
func certRegion(arn string) string {
	if m := certArn().FindStringSubmatch(arn); m != nil {
		return m[1]
	}
	return ""
}

func (a ApiDomainArgs) validate() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, v ...any) { errs = multierror.Append(errs, fmt.Errorf(format, v...)) }
	if why := hostNameProblem(a.DomainName); why != "" {
		add("DomainName: %q %s", a.DomainName, why)
	}
	if a.Api == nil {
		add("Api: nil; pass the Api whose stage the domain serves")
	}
	if a.BasePath != "" && !basePathPattern().MatchString(a.BasePath) {
		add("BasePath: %q must be one path segment of letters, digits and $-_.+!*'() (no '/'), or empty for the domain's root", a.BasePath)
	}
	if a.HostedZoneID != "" && !hostedZoneID().MatchString(a.HostedZoneID) {
		add("HostedZoneID: %q is not a Route 53 hosted zone ID (Z followed by up to 31 upper-case letters and digits, e.g. Z0123456789ABCDEFGHIJ)", a.HostedZoneID)
	}
	if a.Region != "" && !awsregions.Known(a.Region) {
		add("Region: %q is not an AWS region (%s)", a.Region, awsregions.Source)
	}
	if v := a.ValidationFrom; v != nil {
		switch {
		case v.ValidationRecord == nil:
			add("ValidationFrom: %q writes no validation record (it has no HostedZoneID, or uses CertificateArn); pass the domain whose HostedZoneID writes it", v.domainName)
		case !strings.EqualFold(v.domainName, a.DomainName):
			add("ValidationFrom: serves %q, not %q; ACM's validation record is per name, so only a domain of the same name shares it", v.domainName, a.DomainName)
		}
		if a.HostedZoneID != "" {
			add("HostedZoneID: %q is set with ValidationFrom; the record exists once, written by ValidationFrom, so leave HostedZoneID empty", a.HostedZoneID)
		}
		if a.CertificateArn != "" {
			add("ValidationFrom: set with CertificateArn; it validates only a certificate kumo requests, so set one of them")
		}
	}
	if a.CertificateArn != "" {
		r := certRegion(a.CertificateArn)
		switch {
		case r == "":
			add("CertificateArn: %q is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)", a.CertificateArn)
		case a.Region != "" && r != a.Region:
			add("CertificateArn: %q is in %s; a regional domain in %s needs a certificate in %s (request or import one there, or leave CertificateArn empty for kumo to request it)", a.CertificateArn, r, a.Region, a.Region)
		}
		if a.HostedZoneID != "" {
			add("HostedZoneID: %q is set with CertificateArn; the zone only validates a certificate kumo requests, so set one of them", a.HostedZoneID)
		}
	}
	return errs
}

// NewApiDomain registers a regional custom domain for an Api.
func NewApiDomain(ctx *pulumi.Context, name string, args *ApiDomainArgs, opts ...pulumi.ResourceOption) (*ApiDomain, error) {
	if args == nil {
		args = &ApiDomainArgs{}
	}
	a := *args
	if err := invalid(fmt.Sprintf("api domain %q", name), a.validate()); err != nil {
		return nil, err
	}
	d := &ApiDomain{domainName: strings.ToLower(a.DomainName), region: a.Region}
	if err := ctx.RegisterComponentResource("kumo:constructs:ApiDomain", name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	certificateArn := pulumi.String(a.CertificateArn).ToStringOutput()
	var domainDeps []pulumi.Resource
	d.ValidationRecords = pulumi.StringArray{}.ToStringArrayOutput()
	if a.CertificateArn == "" {
		var err error
		d.Certificate, err = acm.NewCertificate(ctx, name, &acm.CertificateArgs{
			DomainName:       pulumi.String(d.domainName),
			ValidationMethod: pulumi.String("DNS"),
		}, parent)
		if err != nil {
			return nil, err
		}
		// The domain has one name, so ACM asks for one record.
		dvo := d.Certificate.DomainValidationOptions.Index(pulumi.Int(0))
		d.ValidationRecords = pulumi.StringArray{pulumi.Sprintf("%s %s %s",
			dvo.ResourceRecordName().Elem(), dvo.ResourceRecordType().Elem(), dvo.ResourceRecordValue().Elem())}.ToStringArrayOutput()
		vArgs := &acm.CertificateValidationArgs{CertificateArn: d.Certificate.Arn}
		vOpts := []pulumi.ResourceOption{parent}
		if a.HostedZoneID != "" {
			// AllowOverwrite: a certificate requested again for the name
			// (after a replace) asks for the same record, which must not
			// fail as "already exists".
			d.ValidationRecord, err = route53.NewRecord(ctx, name+"-validation", &route53.RecordArgs{
				ZoneId:         pulumi.String(a.HostedZoneID),
				Name:           dvo.ResourceRecordName().Elem(),
				Type:           dvo.ResourceRecordType().Elem(),
				Records:        pulumi.StringArray{dvo.ResourceRecordValue().Elem()},
				Ttl:            pulumi.Int(60),
				AllowOverwrite: pulumi.Bool(true),
			}, parent)
			if err != nil {
				return nil, err
			}
			vArgs.ValidationRecordFqdns = pulumi.StringArray{d.ValidationRecord.Fqdn}
			vOpts = append(vOpts, pulumi.DependsOn([]pulumi.Resource{d.ValidationRecord}))
		}
		if v := a.ValidationFrom; v != nil {
			vArgs.ValidationRecordFqdns = pulumi.StringArray{v.ValidationRecord.Fqdn}
			vOpts = append(vOpts, pulumi.DependsOn([]pulumi.Resource{v.ValidationRecord}))
		}
		d.Validation, err = acm.NewCertificateValidation(ctx, name, vArgs, vOpts...)
		if err != nil {
			return nil, err
		}
		// API Gateway takes only an issued certificate: the domain waits for
		// the validation ("The apigateway.DomainName resource expects
		// dependency on the acm.CertificateValidation", pulumi-aws
		// apigateway/domainName.go).
		certificateArn = d.Validation.CertificateArn
		domainDeps = append(domainDeps, d.Validation)
	}
	var err error
	d.DomainName, err = apigateway.NewDomainName(ctx, name, &apigateway.DomainNameArgs{
		DomainName:             pulumi.String(d.domainName),
		EndpointConfiguration:  &apigateway.DomainNameEndpointConfigurationArgs{Types: pulumi.String("REGIONAL")},
		SecurityPolicy:         pulumi.String("TLS_1_2"),
		RegionalCertificateArn: certificateArn,
	}, parent, pulumi.DependsOn(domainDeps))
	if err != nil {
		return nil, err
	}
	mArgs := &apigateway.BasePathMappingArgs{
		DomainName: d.DomainName.DomainName,
		RestApi:    a.Api.RestApi.ID(),
		StageName:  a.Api.Stage.StageName,
	}
	if a.BasePath != "" {
		mArgs.BasePath = pulumi.String(a.BasePath)
	}
	// CreateBasePathMapping needs the stage to exist.
	d.Mapping, err = apigateway.NewBasePathMapping(ctx, name, mArgs, parent, pulumi.DependsOn([]pulumi.Resource{a.Api.Stage}))
	if err != nil {
		return nil, err
	}
	d.RegionalDomainName, d.RegionalZoneID = d.DomainName.RegionalDomainName, d.DomainName.RegionalZoneId
	url := "https://" + d.domainName + "/"
	if a.BasePath != "" {
		url += a.BasePath + "/"
	}
	// After the mapping: the URL answers only once the mapping exists.
	d.URL = pulumi.All(d.Mapping.ID()).ApplyT(func([]any) string { return url }).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(d, pulumi.Map{"url": d.URL, "regionalDomainName": d.RegionalDomainName, "regionalZoneId": d.RegionalZoneID}); err != nil {
		return nil, err
	}
	return d, nil
}

// Validate reports every problem with the args, as the constructor would,
// without registering anything.
func (a ApiDomainArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("api domain %q", name), a.validate())
}
