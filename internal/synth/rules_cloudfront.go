package synth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Sources of the CloudFront rules.
const (
	srcCFAllowedMethods = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_AllowedMethods.html"
	srcCFOAC            = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginAccessControlConfig.html"
	srcCFFrameOptions   = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyFrameOptions.html"
	srcCFReferrer       = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyReferrerPolicy.html"
	srcCFRHPConfig      = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ResponseHeadersPolicyConfig.html"
	srcCFCreateDist     = "https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistribution.html"
	// terraform-provider-aws internal/service/cloudfront/distribution.go
	// validates these with StringInSlice over the API's enums (and
	// comment with StringLenBetween(0, 128), origins' connection settings
	// with IntBetween).
	srcTFCFDistribution = "terraform-provider-aws internal/service/cloudfront/distribution.go"
	// Standard logging (legacy) writes with ACLs: "The S3 bucket that you
	// specified for CloudFront logs does not enable ACL access" when the
	// bucket's Object Ownership is BucketOwnerEnforced (the default since
	// April 2023).
	srcCFLoggingACL = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html#AccessLogsBucketAndFileOwnership; github.com/aws-samples/baseline-environment-on-aws/issues/363"
)

// cfMethodSets are the method lists AllowedMethods and CachedMethods take:
// "There are three choices" and "There are two choices".
var (
	cfAllowedSets = [][]string{{"GET", "HEAD"}, {"GET", "HEAD", "OPTIONS"}, {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}}
	cfCachedSets  = [][]string{{"GET", "HEAD"}, {"GET", "HEAD", "OPTIONS"}}
)

// cfLogBucket takes the bucket name out of a logging bucket domain
// ("name.s3.amazonaws.com", or the regional form).
var cfLogBucket = regexp.MustCompile(`^(.+?)\.s3(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$`)

var cloudfrontSpecs = map[string]Spec{
	"aws:cloudfront/distribution:Distribution": {
		Checks: []Check{
			required(srcTFCFDistribution+"; "+srcCFCreateDist, "enabled", "origins", "defaultCacheBehavior", "restrictions", "viewerCertificate"),
			oneOf(srcTFCFDistribution, "defaultCacheBehavior.viewerProtocolPolicy", "allow-all", "https-only", "redirect-to-https"),
			oneOf(srcTFCFDistribution, "orderedCacheBehaviors[].viewerProtocolPolicy", "allow-all", "https-only", "redirect-to-https"),
			oneOf(srcTFCFDistribution, "priceClass", "PriceClass_100", "PriceClass_200", "PriceClass_All"),
			oneOf(srcTFCFDistribution, "httpVersion", "http1.1", "http2", "http2and3", "http3"),
			oneOf(srcTFCFDistribution, "viewerCertificate.sslSupportMethod", "sni-only", "vip", "static-ip"),
			oneOf(srcTFCFDistribution, "restrictions.geoRestriction.restrictionType", "none", "whitelist", "blacklist"),
			matches("comment", StringRule{Max: 128, Desc: "a comment is at most 128 characters", Source: srcTFCFDistribution}),
			intRange(srcTFCFDistribution, "origins[].connectionAttempts", 1, 3),
			intRange(srcTFCFDistribution, "origins[].connectionTimeout", 1, 10),
			intRange(srcTFCFDistribution, "origins[].customOriginConfig.originReadTimeout", 1, 180),
			methodSets("allowedMethods", cfAllowedSets),
			methodSets("cachedMethods", cfCachedSets),
			{Rule: "a cache behavior's targetOriginId must be the originId of one of the distribution's origins or origin groups",
				Source: srcCFCreateDist + " (NoSuchOrigin)",
				Find: func(r *Resource, _ *Stack) []Finding {
					ids := map[string]bool{}
					for _, p := range []string{"origins[].originId", "originGroups[].originId"} {
						for _, v := range values(r, p) {
							s, _ := v.(string)
							if isPlaceholder(s) {
								return nil // cannot tell
							}
							ids[s] = true
						}
					}
					var fs []Finding
					for _, p := range []string{"defaultCacheBehavior.targetOriginId", "orderedCacheBehaviors[].targetOriginId"} {
						for _, v := range values(r, p) {
							if s, ok := v.(string); ok && !isPlaceholder(s) && !ids[s] {
								fs = append(fs, Finding{Property: p, Value: s})
							}
						}
					}
					return fs
				}},
			{Rule: "standard logging writes with S3 ACLs: the log bucket needs aws:s3/bucketOwnershipControls with objectOwnership BucketOwnerPreferred or ObjectWriter, and the distribution must be ordered after it (\"The S3 bucket that you specified for CloudFront logs does not enable ACL access\")",
				Source: srcCFLoggingACL, Find: cfLoggingACLs},
		},
	},

	"aws:cloudfront/originAccessControl:OriginAccessControl": {
		// The provider autonames to 255 characters; the API takes 64.
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Min: 1, Max: 64, Desc: "an origin access control name is at most 64 characters", Source: srcCFOAC}}},
		Checks: []Check{
			required(srcCFOAC, "originAccessControlOriginType", "signingBehavior", "signingProtocol"),
			oneOf(srcCFOAC, "originAccessControlOriginType", "s3", "mediastore", "mediapackagev2", "lambda"),
			oneOf(srcCFOAC, "signingBehavior", "always", "never", "no-override"),
			oneOf(srcCFOAC, "signingProtocol", "sigv4"),
		},
	},

	"aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Min: 1, Desc: "a response headers policy needs a name", Source: srcCFRHPConfig}}},
		Checks: []Check{
			oneOf(srcCFFrameOptions, "securityHeadersConfig.frameOptions.frameOption", "DENY", "SAMEORIGIN"),
			oneOf(srcCFReferrer, "securityHeadersConfig.referrerPolicy.referrerPolicy",
				"no-referrer", "no-referrer-when-downgrade", "origin", "origin-when-cross-origin",
				"same-origin", "strict-origin", "strict-origin-when-cross-origin", "unsafe-url"),
		},
	},
}

// methodSets: a cache behavior's method list (prop) must be one of sets.
func methodSets(prop string, sets [][]string) Check {
	choices := make([]string, len(sets))
	for i, s := range sets {
		choices[i] = "[" + strings.Join(s, " ") + "]"
	}
	return Check{
		Rule:   fmt.Sprintf("%s must be one of %s", prop, strings.Join(choices, ", ")),
		Source: srcCFAllowedMethods,
		Find: func(r *Resource, _ *Stack) []Finding {
			var fs []Finding
			for _, path := range []string{"defaultCacheBehavior." + prop, "orderedCacheBehaviors[]." + prop} {
				for _, v := range values(r, path) {
					list, ok := v.([]any)
					if !ok {
						continue
					}
					var got []string
					for _, e := range list {
						s, _ := e.(string)
						if isPlaceholder(s) {
							got = nil
							break
						}
						got = append(got, s)
					}
					if got == nil {
						continue
					}
					slices.Sort(got)
					got = slices.Compact(got)
					if !slices.ContainsFunc(sets, func(s []string) bool { return slices.Equal(s, got) }) {
						fs = append(fs, Finding{Property: path, Value: got})
					}
				}
			}
			return fs
		},
	}
}

// cfLoggingACLs finds a standard-logging bucket whose ACLs are not enabled
// before the distribution is created. A bucket created by this stack
// without ownership controls has BucketOwnerEnforced (ACLs off); a bucket
// of another stack is not judged.
func cfLoggingACLs(r *Resource, s *Stack) []Finding {
	domain, ok := r.String("loggingConfig.bucket")
	if !ok {
		return nil
	}
	bucket := domain
	if m := cfLogBucket.FindStringSubmatch(domain); m != nil {
		bucket = m[1]
	}
	var controls []*Resource
	for _, c := range s.Resources("aws:s3/bucketOwnershipControls:BucketOwnershipControls") {
		if b, _ := c.String("bucket"); b == bucket {
			controls = append(controls, c)
		}
	}
	if len(controls) == 0 && len(bucketsNamed(s, bucket)) == 0 {
		return nil
	}
	for _, c := range controls {
		own, _ := c.String("rule.objectOwnership")
		if (own == "BucketOwnerPreferred" || own == "ObjectWriter") && s.DependsOn(r, c) {
			return nil
		}
	}
	return []Finding{{Property: "loggingConfig.bucket", Value: domain}}
}
