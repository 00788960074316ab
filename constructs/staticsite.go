package constructs

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudfront"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Defaults of a StaticSite.
const (
	// DefaultPriceClass serves from North America and Europe edges only.
	DefaultPriceClass = "PriceClass_100"
	// DefaultAccessLogExpirationDays keeps CloudFront and S3 access logs for 90 days.
	DefaultAccessLogExpirationDays = 90
	// DefaultContentSecurityPolicy allows only the site's own scripts and
	// styles, and HTTPS calls to APIs (the site's API and Cognito).
	DefaultContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self' https:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"

	// cachingOptimizedPolicyID is AWS's managed "CachingOptimized" cache policy.
	cachingOptimizedPolicyID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
)

// StaticSiteArgs configure a StaticSite.
type StaticSiteArgs struct {
	// SourceDir is the local directory uploaded to the bucket; it must hold
	// index.html. Required.
	SourceDir string
	// SPA serves index.html for unknown paths (403/404 from S3), for
	// client-side routing. Default: false.
	SPA bool
	// DomainNames are custom domains (CNAMEs) served by the distribution.
	// Default: none, the cloudfront.net domain only.
	DomainNames []string
	// CertificateArn is an ACM certificate in us-east-1 covering
	// DomainNames; required with DomainNames. With it viewers must use TLS
	// 1.2 or newer; CloudFront's default certificate cannot enforce that.
	CertificateArn string
	// PriceClass limits edge locations. Default: "PriceClass_100".
	PriceClass string
	// ContentSecurityPolicy sent with every response.
	// Default: DefaultContentSecurityPolicy.
	ContentSecurityPolicy string
	// AccessLogExpirationDays is how long access logs are kept. Default: 90.
	AccessLogExpirationDays int
	// ForceDestroy lets the stack delete buckets holding objects. Default: false.
	ForceDestroy bool
}

// StaticSite is a private bucket served only through CloudFront with Origin
// Access Control, with security headers, compression, HTTPS redirect and
// access logs.
type StaticSite struct {
	pulumi.ResourceState

	ctx  *pulumi.Context
	name string
	keys map[string]bool // object keys uploaded so far

	// Bucket holds the site's files; only the distribution can read it.
	Bucket *Bucket
	// LogBucket receives CloudFront and S3 access logs.
	LogBucket *Bucket
	// Distribution is the CloudFront distribution.
	Distribution *cloudfront.Distribution
	// URL is the site's https URL (first custom domain, or the cloudfront.net one).
	URL pulumi.StringOutput
	// Origin is the URL without a trailing slash, as browsers send it in Origin headers.
	Origin pulumi.StringOutput
}

var (
	domainName = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	acmUSEast1 = regexp.MustCompile(`^arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}$`)
	objectKey  = regexp.MustCompile(`^[A-Za-z0-9!_.*'()/-]+$`)
)

func (a StaticSiteArgs) withDefaults() StaticSiteArgs {
	a.PriceClass = orDefault(a.PriceClass, DefaultPriceClass)
	a.ContentSecurityPolicy = orDefault(a.ContentSecurityPolicy, DefaultContentSecurityPolicy)
	a.AccessLogExpirationDays = orDefault(a.AccessLogExpirationDays, DefaultAccessLogExpirationDays)
	return a
}

func (a StaticSiteArgs) validate(name string) *multierror.Error {
	var errs *multierror.Error
	// The name also names the site's buckets: "<name>" and "<name>-logs".
	if !bucketLogicalName.MatchString(name) || !bucketLogicalName.MatchString(name+"-logs") {
		errs = multierror.Append(errs, fmt.Errorf("name: %q must be 3–50 lower-case letters, digits or '-', starting and ending with a letter or digit (it names the site's buckets)", name))
	}
	if a.SourceDir == "" {
		errs = multierror.Append(errs, fmt.Errorf("SourceDir: empty; set the directory holding the site's files"))
	} else if st, err := os.Stat(a.SourceDir); err != nil || !st.IsDir() {
		errs = multierror.Append(errs, fmt.Errorf("SourceDir: %q is not a directory", a.SourceDir))
	} else if _, err := os.Stat(filepath.Join(a.SourceDir, "index.html")); err != nil {
		errs = multierror.Append(errs, fmt.Errorf("SourceDir: %q has no index.html, the distribution's default root object", a.SourceDir))
	}
	for i, d := range a.DomainNames {
		if !domainName.MatchString(d) {
			errs = multierror.Append(errs, fmt.Errorf("DomainNames[%d]: %q is not a lower-case DNS name", i, d))
		}
	}
	switch {
	case len(a.DomainNames) > 0 && a.CertificateArn == "":
		errs = multierror.Append(errs, fmt.Errorf("CertificateArn: empty while DomainNames are set; CloudFront needs an ACM certificate in us-east-1 for %v", a.DomainNames))
	case a.CertificateArn != "" && len(a.DomainNames) == 0:
		errs = multierror.Append(errs, fmt.Errorf("DomainNames: empty while CertificateArn %q is set; name the domains it covers", a.CertificateArn))
	case a.CertificateArn != "" && !acmUSEast1.MatchString(a.CertificateArn):
		errs = multierror.Append(errs, fmt.Errorf("CertificateArn: %q is not an ACM certificate ARN in us-east-1, the only region CloudFront reads certificates from", a.CertificateArn))
	}
	if !slices.Contains([]string{"PriceClass_100", "PriceClass_200", "PriceClass_All"}, a.PriceClass) {
		errs = multierror.Append(errs, fmt.Errorf("PriceClass: %q is not a price class; use PriceClass_100, PriceClass_200 or PriceClass_All", a.PriceClass))
	}
	if a.AccessLogExpirationDays < 1 {
		errs = multierror.Append(errs, fmt.Errorf("AccessLogExpirationDays: %d must be at least 1", a.AccessLogExpirationDays))
	}
	return errs
}

// NewStaticSite registers the site's buckets, distribution and uploaded files.
func NewStaticSite(ctx *pulumi.Context, name string, args *StaticSiteArgs, opts ...pulumi.ResourceOption) (*StaticSite, error) {
	if args == nil {
		args = &StaticSiteArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("static site %q", name), a.validate(name)); err != nil {
		return nil, err
	}
	files, err := SiteFiles(a.SourceDir)
	if err != nil {
		return nil, fmt.Errorf("static site %q: %w", name, err)
	}

	s := &StaticSite{ctx: ctx, name: name, keys: map[string]bool{}}
	if err := ctx.RegisterComponentResource("kumo:constructs:StaticSite", name, s, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(s)
	if s.LogBucket, err = NewBucket(ctx, name+"-logs", &BucketArgs{
		ForAccessLogs: true,
		ForceDestroy:  a.ForceDestroy,
		LifecycleRules: []LifecycleRule{{
			ID: "expire-access-logs", ExpirationDays: a.AccessLogExpirationDays, NoncurrentExpirationDays: 1,
		}},
	}, parent); err != nil {
		return nil, err
	}
	if s.Bucket, err = newBucket(ctx, name, &BucketArgs{
		AccessLogBucket: s.LogBucket,
		ForceDestroy:    a.ForceDestroy,
		LifecycleRules:  []LifecycleRule{{ID: "expire-old-versions", NoncurrentExpirationDays: 30}},
	}, parent); err != nil {
		return nil, err
	}
	physical := func(suffix string) pulumi.StringInput {
		// CloudFront policy and OAC names are account-wide; the stack in the
		// name keeps dev and prod in one account apart.
		return pulumi.String(truncate(fmt.Sprintf("%s-%s-%s%s", ctx.Project(), ctx.Stack(), name, suffix), 64))
	}
	oac, err := cloudfront.NewOriginAccessControl(ctx, name, &cloudfront.OriginAccessControlArgs{
		Name:                          physical(""),
		Description:                   pulumi.Sprintf("kumo static site %s", name),
		OriginAccessControlOriginType: pulumi.String("s3"),
		SigningBehavior:               pulumi.String("always"),
		SigningProtocol:               pulumi.String("sigv4"),
	}, parent)
	if err != nil {
		return nil, err
	}
	headers, err := cloudfront.NewResponseHeadersPolicy(ctx, name, &cloudfront.ResponseHeadersPolicyArgs{
		Name:    physical("-security"),
		Comment: pulumi.String("kumo security headers"),
		SecurityHeadersConfig: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgs{
			StrictTransportSecurity: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs{
				AccessControlMaxAgeSec: pulumi.Int(63072000), IncludeSubdomains: pulumi.Bool(true), Preload: pulumi.Bool(true), Override: pulumi.Bool(true),
			},
			ContentTypeOptions: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs{Override: pulumi.Bool(true)},
			FrameOptions:       &cloudfront.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs{FrameOption: pulumi.String("DENY"), Override: pulumi.Bool(true)},
			ReferrerPolicy:     &cloudfront.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs{ReferrerPolicy: pulumi.String("strict-origin-when-cross-origin"), Override: pulumi.Bool(true)},
			XssProtection:      &cloudfront.ResponseHeadersPolicySecurityHeadersConfigXssProtectionArgs{Protection: pulumi.Bool(true), ModeBlock: pulumi.Bool(true), Override: pulumi.Bool(true)},
			ContentSecurityPolicy: &cloudfront.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs{
				ContentSecurityPolicy: pulumi.String(a.ContentSecurityPolicy), Override: pulumi.Bool(true),
			},
		},
	}, parent)
	if err != nil {
		return nil, err
	}

	cert := &cloudfront.DistributionViewerCertificateArgs{CloudfrontDefaultCertificate: pulumi.Bool(true)}
	if a.CertificateArn != "" {
		cert = &cloudfront.DistributionViewerCertificateArgs{
			AcmCertificateArn:      pulumi.String(a.CertificateArn),
			SslSupportMethod:       pulumi.String("sni-only"),
			MinimumProtocolVersion: pulumi.String("TLSv1.2_2021"),
		}
	}
	var errorResponses cloudfront.DistributionCustomErrorResponseArray
	if a.SPA {
		// Without s3:ListBucket, S3 answers a missing key with 403, so both
		// codes fall back to the app shell.
		for _, code := range []int{403, 404} {
			errorResponses = append(errorResponses, &cloudfront.DistributionCustomErrorResponseArgs{
				ErrorCode: pulumi.Int(code), ResponseCode: pulumi.Int(200), ResponsePagePath: pulumi.String("/index.html"), ErrorCachingMinTtl: pulumi.Int(10),
			})
		}
	}
	const originID = "site-bucket"
	s.Distribution, err = cloudfront.NewDistribution(ctx, name, &cloudfront.DistributionArgs{
		Enabled:           pulumi.Bool(true),
		Comment:           pulumi.Sprintf("kumo static site %s", name),
		Aliases:           pulumi.ToStringArray(a.DomainNames),
		DefaultRootObject: pulumi.String("index.html"),
		HttpVersion:       pulumi.String("http2and3"),
		IsIpv6Enabled:     pulumi.Bool(true),
		PriceClass:        pulumi.String(a.PriceClass),
		Origins: cloudfront.DistributionOriginArray{&cloudfront.DistributionOriginArgs{
			OriginId:              pulumi.String(originID),
			DomainName:            s.Bucket.Bucket.BucketRegionalDomainName,
			OriginAccessControlId: oac.ID(),
		}},
		DefaultCacheBehavior: &cloudfront.DistributionDefaultCacheBehaviorArgs{
			TargetOriginId:          pulumi.String(originID),
			ViewerProtocolPolicy:    pulumi.String("redirect-to-https"),
			AllowedMethods:          pulumi.ToStringArray([]string{"GET", "HEAD", "OPTIONS"}),
			CachedMethods:           pulumi.ToStringArray([]string{"GET", "HEAD"}),
			Compress:                pulumi.Bool(true),
			CachePolicyId:           pulumi.String(cachingOptimizedPolicyID),
			ResponseHeadersPolicyId: headers.ID(),
		},
		CustomErrorResponses: errorResponses,
		LoggingConfig: &cloudfront.DistributionLoggingConfigArgs{
			Bucket:         s.LogBucket.Bucket.BucketDomainName,
			Prefix:         pulumi.String("cloudfront/" + name + "/"),
			IncludeCookies: pulumi.Bool(false),
		},
		Restrictions: &cloudfront.DistributionRestrictionsArgs{
			GeoRestriction: &cloudfront.DistributionRestrictionsGeoRestrictionArgs{RestrictionType: pulumi.String("none")},
		},
		ViewerCertificate: cert,
		// CloudFront standard logging writes with ACLs, which the log bucket
		// enables only once its ownership controls say BucketOwnerPreferred;
		// created earlier, the distribution is refused ("The S3 bucket that
		// you specified for CloudFront logs does not enable ACL access").
		// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html
	}, parent, pulumi.DependsOn([]pulumi.Resource{s.LogBucket.OwnershipControls}))
	if err != nil {
		return nil, err
	}
	// Only this distribution may read the bucket (OAC signs its requests).
	if err := s.Bucket.finish(Statement{
		Sid:        "AllowCloudFrontRead",
		Principal:  map[string][]string{"Service": {"cloudfront.amazonaws.com"}},
		Actions:    []string{"s3:GetObject"},
		Resources:  []pulumi.StringInput{suffix("/*", s.Bucket.Arn)},
		Conditions: []Condition{{Test: "StringEquals", Variable: "AWS:SourceArn", Values: []pulumi.StringInput{s.Distribution.Arn}}},
	}); err != nil {
		return nil, err
	}

	host := s.Distribution.DomainName
	if len(a.DomainNames) > 0 {
		host = pulumi.String(a.DomainNames[0]).ToStringOutput()
	}
	s.Origin = pulumi.Sprintf("https://%s", host)
	s.URL = pulumi.Sprintf("https://%s/", host)

	for _, f := range files {
		s.keys[f] = true
		if _, err := s3.NewBucketObjectv2(ctx, name+"/"+f, &s3.BucketObjectv2Args{
			Bucket:       s.Bucket.Bucket.ID(),
			Key:          pulumi.String(f),
			Source:       pulumi.NewFileAsset(filepath.Join(a.SourceDir, filepath.FromSlash(f))),
			ContentType:  pulumi.String(ContentType(f)),
			CacheControl: pulumi.String(cacheControl(f)),
		}, parent); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(s, pulumi.Map{"url": s.URL, "bucket": s.Bucket.Name}); err != nil {
		return nil, err
	}
	return s, nil
}

// AddFile uploads an object whose content is only known at deploy time,
// such as a config.json holding the API's URL. It is served uncached so a
// deploy takes effect at once.
func (s *StaticSite) AddFile(key string, content pulumi.StringInput) error {
	if !objectKey.MatchString(key) || strings.HasPrefix(key, "/") {
		return fmt.Errorf("static site %q: key %q must be a relative object key of letters, digits and !_.*'()/-", s.name, key)
	}
	if s.keys[key] {
		return fmt.Errorf("static site %q: key %q is already uploaded (from SourceDir or an earlier AddFile); use another key or remove the file", s.name, key)
	}
	s.keys[key] = true
	_, err := s3.NewBucketObjectv2(s.ctx, s.name+"/"+key, &s3.BucketObjectv2Args{
		Bucket:       s.Bucket.Bucket.ID(),
		Key:          pulumi.String(key),
		Content:      content,
		ContentType:  pulumi.String(ContentType(key)),
		CacheControl: pulumi.String("no-cache"),
	}, pulumi.Parent(s))
	return err
}

// SiteFiles lists the files NewStaticSite uploads from dir, as
// slash-separated keys, sorted, so the uploaded objects are the same on
// every machine. Hidden files stay home. Tests that serve a site locally
// use it to serve exactly what would be uploaded.
func SiteFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

// contentTypes is kumo's own table rather than mime.TypeByExtension, which
// reads the machine's /etc/mime.types and so differs between machines.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
	".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
	".json": "application/json", ".map": "application/json", ".webmanifest": "application/manifest+json",
	".txt": "text/plain; charset=utf-8", ".xml": "application/xml", ".svg": "image/svg+xml",
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".avif": "image/avif", ".ico": "image/x-icon", ".woff": "font/woff", ".woff2": "font/woff2",
	".ttf": "font/ttf", ".otf": "font/otf", ".pdf": "application/pdf", ".wasm": "application/wasm",
}

// ContentType returns the Content-Type kumo uploads a file with.
func ContentType(key string) string {
	if ct, ok := contentTypes[strings.ToLower(path.Ext(key))]; ok {
		return ct
	}
	return "application/octet-stream"
}

// cacheControl keeps HTML revalidated on every load, so a deploy shows up at
// once, while other assets may be cached for an hour.
func cacheControl(key string) string {
	if strings.HasSuffix(key, ".html") || strings.HasSuffix(key, ".htm") {
		return "no-cache"
	}
	return "public, max-age=3600"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a StaticSiteArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("static site %q", name), a.withDefaults().validate(name))
}
