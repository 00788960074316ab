package check

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// CloudFront rules, over aws:cloudfront/distribution:Distribution
// (typeCloudFrontDistrib, declared with the S3 rules).
//
// AwsSolutions-CFR6 is left out: it checks only AWS::CloudFront::
// StreamingDistribution (RTMP), which AWS discontinued in 2020 and
// pulumi-aws v6 cannot express, so it could never fire.

// cfS3Domain takes the bucket name out of an S3 domain a distribution can
// name as an origin: <bucket>.s3.amazonaws.com (bucketDomainName),
// <bucket>.s3.<region>.amazonaws.com (bucketRegionalDomainName) and the
// website endpoints <bucket>.s3-website-<region>.amazonaws.com and
// <bucket>.s3-website.<region>.amazonaws.com. The greedy group keeps
// bucket names with dots whole.
var cfS3Domain = regexp.MustCompile(`^(.+)\.s3(?:-website)?[.-](?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?$`)

func init() {
	register(
		// cdk-nag src/rules/cloudfront/CloudFrontDistributionGeoRestrictions.ts:
		// Restrictions absent, or GeoRestriction.RestrictionType "none", fails.
		Rule{
			ID: "AwsSolutions-CFR1", Level: Warning, Types: []string{typeCloudFrontDistrib},
			What: "The CloudFront distribution may require Geo restrictions.",
			Why:  "Geo restriction may need to be enabled for the distribution in order to allow or deny a country in order to allow or restrict users in specific locations from accessing content.",
			Fix:  `Set restrictions.geoRestriction.restrictionType to "whitelist" (or "blacklist") with the locations you serve (or refuse). kumo's Site construct sets "none" and serves every country: suppress with the reason when the audience is worldwide.`,
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				const path = "restrictions.geoRestriction.restrictionType"
				v, problem := needString(r, path)
				if problem != "" {
					return hit("%s", problem)
				}
				if v == "none" {
					return hit(`%s is "none": viewers in every country are served`, path)
				}
				return nil
			},
		},
		// cdk-nag src/rules/cloudfront/CloudFrontDistributionWAFIntegration.ts:
		// WebACLId must be defined (an unknown value counts as set).
		Rule{
			ID: "AwsSolutions-CFR2", Level: Warning, Types: []string{typeCloudFrontDistrib},
			What: "The CloudFront distribution may require integration with AWS WAF.",
			Why:  "The Web Application Firewall can help protect against application-layer attacks that can compromise the security of the system or place unnecessary load on them.",
			Fix:  "Set webAclId to the ARN of an aws:wafv2/webAcl:WebAcl with scope CLOUDFRONT (created in us-east-1). kumo's Site construct attaches none: add one, or suppress with the reason (e.g. a static site with nothing to attack at the application layer).",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "webAclId") {
					return nil
				}
				return hit("webAclId is not set: no AWS WAF web ACL filters the distribution's requests")
			},
		},
		// cdk-nag src/rules/cloudfront/CloudFrontDistributionAccessLogging.ts:
		// DistributionConfig.Logging must be defined; its content is not read.
		// Standard logging v2 (aws:cloudwatch/logDelivery*) is not recognised,
		// by cdk-nag either.
		Rule{
			ID: "AwsSolutions-CFR3", Level: Error, Types: []string{typeCloudFrontDistrib},
			What: "The CloudFront distribution does not have access logging enabled.",
			Why:  "Enabling access logs helps operators track all viewer requests for the content delivered through the Content Delivery Network.",
			Fix:  "Set loggingConfig.bucket to the domain name of a log bucket (kumo's Site construct does, into its access-log bucket). Standard logging v2 to CloudWatch Logs is not recognised: suppress with that reason if you use it.",
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if truthy(r, "loggingConfig") {
					return nil
				}
				return hit("loggingConfig is not set: viewer requests are not logged")
			},
		},
		// cdk-nag src/rules/cloudfront/CloudFrontDistributionHttpsViewerNoOutdatedSSL.ts:
		// ViewerCertificate absent, CloudFrontDefaultCertificate true,
		// SslSupportMethod absent or "vip", or MinimumProtocolVersion absent
		// or (case-insensitively) SSLv3, TLSv1 or TLSv1_2016 fails.
		Rule{
			ID: "AwsSolutions-CFR4", Level: Error, Types: []string{typeCloudFrontDistrib},
			What: "The CloudFront distribution allows for SSLv3 or TLSv1 for HTTPS viewer connections.",
			Why:  "Vulnerabilities have been and continue to be discovered in the deprecated SSL and TLS protocols. Help protect viewer connections by specifying a viewer certificate that enforces a minimum of TLSv1.1 or TLSv1.2 in the security policy. Distributions that use the default CloudFront viewer certificate or use 'vip' for the 'SslSupportMethod' are non-compliant with this rule, as the minimum security policy is set to TLSv1 regardless of the specified 'MinimumProtocolVersion'.",
			Fix:  `Serve from your own domain: set viewerCertificate.acmCertificateArn (a us-east-1 ACM certificate), sslSupportMethod "sni-only" and minimumProtocolVersion "TLSv1.2_2021". kumo's Site construct does when CertificateArn is set; on the default *.cloudfront.net certificate (no CertificateArn) it cannot comply.`,
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				if !set(r, "viewerCertificate") {
					return hit("viewerCertificate is not set")
				}
				if boolIs(r, "viewerCertificate.cloudfrontDefaultCertificate", true) {
					return hit("viewerCertificate.cloudfrontDefaultCertificate is true: the default *.cloudfront.net certificate accepts TLSv1 whatever minimumProtocolVersion says")
				}
				var hits []Hit
				if m, problem := needString(r, "viewerCertificate.sslSupportMethod"); problem != "" {
					hits = append(hits, Hit{Message: problem})
				} else if strings.EqualFold(m, "vip") {
					hits = append(hits, Hit{Message: fmt.Sprintf(`viewerCertificate.sslSupportMethod is %q: dedicated-IP distributions accept TLSv1 whatever minimumProtocolVersion says`, m)})
				}
				if v, problem := needString(r, "viewerCertificate.minimumProtocolVersion"); problem != "" {
					hits = append(hits, Hit{Message: problem})
				} else if cfOutdatedViewerProtocol(v) {
					hits = append(hits, Hit{Message: fmt.Sprintf(`viewerCertificate.minimumProtocolVersion is %q; use "TLSv1.2_2021"`, v)})
				}
				return hits
			},
		},
		// cdk-nag src/rules/cloudfront/CloudFrontDistributionNoOutdatedSSL.ts:
		// every origin with a CustomOriginConfig needs OriginProtocolPolicy
		// "https-only" and OriginSSLProtocols set without SSLv3 or TLSv1
		// (case-insensitive); S3 origins are skipped.
		Rule{
			ID: "AwsSolutions-CFR5", Level: Error, Types: []string{typeCloudFrontDistrib},
			What: "The CloudFront distributions uses SSLv3 or TLSv1 for communication to the origin.",
			Why:  "Vulnerabilities have been and continue to be discovered in the deprecated SSL and TLS protocols. Using a security policy with minimum TLSv1.1 or TLSv1.2 and appropriate security ciphers for HTTPS helps protect viewer connections.",
			Fix:  `Set every custom origin's customOriginConfig.originProtocolPolicy to "https-only" and originSslProtocols to ["TLSv1.2"]. An S3 website endpoint only speaks HTTP: serve the bucket through its REST endpoint with origin access control instead (kumo's Site construct does).`,
			Check: func(r *synth.Resource, _ *synth.Stack) []Hit {
				var hits []Hit
				for i, o := range list(r, "origins") {
					cc, ok := field(o, "customOriginConfig")
					if !ok {
						continue // S3 origin
					}
					where := cfOrigin(o, i)
					if _, isMap := cc.(map[string]any); !isMap {
						hits = append(hits, Hit{Message: fmt.Sprintf("%s: customOriginConfig %s", where, notReadable(cc))})
						continue
					}
					opp, _ := field(cc, "originProtocolPolicy")
					switch p, isStr := opp.(string); {
					case opp == nil:
						hits = append(hits, Hit{Message: where + ": customOriginConfig.originProtocolPolicy is not set"})
					case !isStr || synth.Unknown(p):
						hits = append(hits, Hit{Message: fmt.Sprintf("%s: customOriginConfig.originProtocolPolicy %s", where, notReadable(opp))})
					case p != "https-only":
						hits = append(hits, Hit{Message: fmt.Sprintf(`%s: customOriginConfig.originProtocolPolicy is %q, not "https-only"`, where, p)})
					}
					protocols, _ := field(cc, "originSslProtocols")
					switch ps, isList := protocols.([]any); {
					case protocols == nil:
						hits = append(hits, Hit{Message: where + ": customOriginConfig.originSslProtocols is not set"})
					case !isList:
						hits = append(hits, Hit{Message: fmt.Sprintf("%s: customOriginConfig.originSslProtocols %s", where, notReadable(protocols))})
					default:
						for _, p := range ps {
							if s, ok := p.(string); ok && (strings.EqualFold(s, "SSLv3") || strings.EqualFold(s, "TLSv1")) {
								hits = append(hits, Hit{Message: fmt.Sprintf("%s: customOriginConfig.originSslProtocols includes %q", where, s)})
							}
						}
					}
				}
				return hits
			},
		},
		// cdk-nag src/rules/cloudfront/CloudFrontDistributionS3OriginAccessControl.ts:
		// an origin whose DomainName references an AWS::S3::Bucket of the
		// same stack needs a non-blank OriginAccessControlId; origins
		// elsewhere pass. kumo recognises the bucket by the S3 domain the
		// reference renders as (see cfS3Domain); an origin on a legacy
		// origin access identity alone fails, as in cdk-nag.
		Rule{
			ID: "AwsSolutions-CFR7", Level: Error, Types: []string{typeCloudFrontDistrib},
			What: "The CloudFront distribution does not use an origin access control with an S3 origin.",
			Why:  "Origin access controls help with security by restricting any direct access to objects through S3 URLs.",
			Fix:  `Give each origin serving a bucket of the stack an originAccessControlId: an aws:cloudfront/originAccessControl:OriginAccessControl with originAccessControlOriginType "s3" and signingBehavior "always", and a bucket policy granting cloudfront.amazonaws.com s3:GetObject for this distribution only. kumo's Site construct does both; replace origin access identities (s3OriginConfig) with it.`,
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				var hits []Hit
				for i, o := range list(r, "origins") {
					d, _ := field(o, "domainName")
					domain, _ := d.(string)
					m := cfS3Domain.FindStringSubmatch(domain)
					if m == nil || len(g.Named(typeBucketV2, "bucket", m[1]))+len(g.Named(typeBucket, "bucket", m[1])) == 0 {
						continue
					}
					oac, _ := field(o, "originAccessControlId")
					if s, isStr := oac.(string); oac != nil && (!isStr || strings.TrimSpace(s) != "") {
						continue
					}
					hits = append(hits, Hit{Message: fmt.Sprintf("%s serves bucket %q of this stack (domainName %q) without an originAccessControlId", cfOrigin(o, i), m[1], domain)})
				}
				return hits
			},
		},
	)
}

// cfOutdatedViewerProtocol reports whether a viewer security policy is one
// cdk-nag's CFR4 counts as outdated.
func cfOutdatedViewerProtocol(v string) bool {
	for _, p := range []string{"SSLv3", "TLSv1", "TLSv1_2016"} {
		if strings.EqualFold(v, p) {
			return true
		}
	}
	return false
}

// cfOrigin names origin i of a distribution for a message.
func cfOrigin(o any, i int) string {
	if id, ok := field(o, "originId"); ok {
		if s, isStr := id.(string); isStr && !synth.Unknown(s) {
			return fmt.Sprintf("origin %q (origins[%d])", s, i)
		}
	}
	return fmt.Sprintf("origins[%d]", i)
}

// Helpers for the rules that compare a value (cdk-nag's resolveIfPrimitive
// rules): a value synth cannot know fails them with a message saying so,
// as cdk-nag v3 reports such a rule as broken rather than guessing.

// needString returns the known string at path, or a message naming path
// and why it cannot be compared: not set, unknown until deploy, or not a
// string.
func needString(r *synth.Resource, path string) (string, string) {
	v, ok := r.Value(path)
	if !ok {
		return "", path + " is not set"
	}
	if s, isStr := v.(string); isStr && !synth.Unknown(s) {
		return s, ""
	}
	return "", path + " " + notReadable(v)
}

// needBool is needString for a boolean.
func needBool(r *synth.Resource, path string) (bool, string) {
	v, ok := r.Value(path)
	if !ok {
		return false, path + " is not set"
	}
	if b, isBool := v.(bool); isBool {
		return b, ""
	}
	return false, path + " " + notReadable(v)
}

// notReadable says why a set value cannot be compared.
func notReadable(v any) string {
	if synth.Unknown(v) {
		return "is not known until deploy, so kumo check cannot compare it; set it to a literal or suppress with a reason"
	}
	return fmt.Sprintf("is %s, which kumo check cannot read", shortJSON(v))
}

// shortJSON renders a value of an unexpected type for a message, cut short.
func shortJSON(v any) string {
	b, err := json.Marshal(v)
	s := string(b)
	if err != nil {
		s = fmt.Sprintf("%v", v)
	}
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}
