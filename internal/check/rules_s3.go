package check

import (
	"slices"
	"strings"

	"github.com/kumo-iac/kumo/internal/synth"
)

// S3 rules. pulumi-aws v6 keeps a bucket's logging, public access block,
// website and policy in resources of their own, each naming the bucket in
// its bucket input (the bucket's name, which is also its ID).

const (
	typeBucketV2           = "aws:s3/bucketV2:BucketV2"
	typeBucket             = "aws:s3/bucket:Bucket"
	typeBucketLogging      = "aws:s3/bucketLoggingV2:BucketLoggingV2"
	typeBucketPublicAccess = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	typeBucketWebsite      = "aws:s3/bucketWebsiteConfigurationV2:BucketWebsiteConfigurationV2"
	typeBucketPolicy       = "aws:s3/bucketPolicy:BucketPolicy"
	typeCloudFrontDistrib  = "aws:cloudfront/distribution:Distribution"
	bucketTypesDescription = "aws:s3/bucketV2:BucketV2 and aws:s3/bucket:Bucket"
)

var bucketTypes = []string{typeBucketV2, typeBucket}

// bucketParts returns the resources of type typ configuring bucket b.
func bucketParts(g *synth.Stack, typ string, b *synth.Resource) []*synth.Resource {
	return byRef(g, typ, "bucket", b, "bucket")
}

func init() {
	register(
		Rule{
			ID: "AwsSolutions-S1", Level: Error, Types: bucketTypes,
			What: "The S3 Bucket has server access logs disabled.",
			Why:  "The bucket should have server access logging enabled to provide detailed records for the requests that are made to the bucket.",
			Fix:  "Add an aws:s3/bucketLoggingV2:BucketLoggingV2 for the bucket (kumo's Bucket construct does with AccessLogs); a bucket that receives access logs or CloudFront standard logs needs none.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				if len(bucketParts(g, typeBucketLogging, r)) > 0 || truthy(r, "loggings") || truthy(r, "logging") {
					return nil
				}
				if receivesLogs(r, g) {
					return nil
				}
				return hit("no aws:s3/bucketLoggingV2:BucketLoggingV2 names bucket %q, and it receives no access or CloudFront logs", r.Physical("bucket"))
			},
		},
		Rule{
			ID: "AwsSolutions-S2", Level: Error, Types: bucketTypes,
			What: "The S3 Bucket does not have public access restricted and blocked.",
			Why:  "The bucket should have public access restricted and blocked to prevent unauthorized access.",
			Fix:  "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true on the bucket's aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock (kumo's Bucket construct does), or leave it out: AWS blocks public access on new buckets.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				var hits []Hit
				for _, b := range bucketParts(g, typeBucketPublicAccess, r) {
					for _, flag := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
						if !boolIs(b, flag, true) {
							hits = append(hits, Hit{Message: b.Name + "." + flag + " is not true"})
						}
					}
				}
				return hits
			},
		},
		Rule{
			ID: "AwsSolutions-S5", Level: Error, Types: bucketTypes,
			What: "The S3 static website bucket either has an open world bucket policy or does not use a CloudFront Origin Access Identity (OAI) in the bucket policy for limited getObject and/or putObject permissions.",
			Why:  "An OAI allows you to provide access to content in your S3 static website bucket through CloudFront URLs without enabling public access through an open bucket policy, disabling S3 Block Public Access settings, and/or through object ACLs.",
			Fix:  "Serve the site through CloudFront with origin access (kumo's Site construct) and grant it only s3:GetObject in the bucket policy; do not make the bucket a public website.",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				if len(bucketParts(g, typeBucketWebsite, r)) == 0 && !truthy(r, "website") && !truthy(r, "websites") {
					return nil
				}
				policies := bucketPolicies(r, g)
				oai := false
				for _, p := range policies {
					for _, st := range p {
						if st.Effect != "Allow" {
							continue
						}
						if principalHasWildcard(st.Principal) {
							return hit("website bucket %q has a policy allowing any principal", r.Physical("bucket"))
						}
						if isOAIPrincipal(st.Principal) {
							if slices.ContainsFunc(st.Action, func(a string) bool { return a != "s3:GetObject" && a != "s3:PutObject" }) {
								return hit("website bucket %q grants its CloudFront identity more than s3:GetObject/s3:PutObject", r.Physical("bucket"))
							}
							oai = true
						}
					}
				}
				if !oai {
					return hit("website bucket %q has no policy granting a CloudFront origin access identity", r.Physical("bucket"))
				}
				return nil
			},
		},
		Rule{
			ID: "AwsSolutions-S10", Level: Error, Types: append(slices.Clone(bucketTypes), typeBucketPolicy),
			What: "The S3 Bucket or bucket policy does not require requests to use SSL.",
			Why:  "You can use HTTPS (TLS) to help prevent potential attackers from eavesdropping on or manipulating network traffic using person-in-the-middle or similar attacks. You should allow only encrypted connections over HTTPS (TLS) using the aws:SecureTransport condition on Amazon S3 bucket policies.",
			Fix:  "Add a bucket policy statement denying s3:* to every principal on the bucket and its objects when aws:SecureTransport is false (kumo's Bucket construct does).",
			Check: func(r *synth.Resource, g *synth.Stack) []Hit {
				if r.Type == typeBucketPolicy {
					v, ok := r.Value("policy")
					if !ok || synth.Unknown(v) {
						return nil // checked on the bucket, whose policy it is
					}
					st, _ := policy(v)
					if !denyInsecureTransport(st) {
						return hit("the policy has no statement denying s3:* to every principal when aws:SecureTransport is false")
					}
					return nil
				}
				for _, p := range bucketPolicies(r, g) {
					if denyInsecureTransport(p) {
						return nil
					}
				}
				return hit("no policy of bucket %q denies requests without TLS (aws:SecureTransport false)", r.Physical("bucket"))
			},
		},
	)
}

// receivesLogs reports whether bucket b is the destination of another
// bucket's access logs or of CloudFront standard logging.
func receivesLogs(b *synth.Resource, g *synth.Stack) bool {
	name := b.Physical("bucket")
	if name == "" {
		return false
	}
	if len(g.Index("logging target", typeBucketLogging, func(r *synth.Resource) (string, bool) { return r.String("targetBucket") })[name]) > 0 {
		return true
	}
	for _, d := range g.Resources(typeCloudFrontDistrib) {
		// CloudFront names the log bucket by its domain name.
		if dest, ok := d.String("loggingConfig.bucket"); ok && (dest == name || strings.HasPrefix(dest, name+".s3.")) {
			return true
		}
	}
	return false
}

// bucketPolicies returns the parsed policies of bucket b: its
// aws:s3/bucketPolicy resources and an inline policy.
func bucketPolicies(b *synth.Resource, g *synth.Stack) [][]Statement {
	var out [][]Statement
	for _, p := range bucketParts(g, typeBucketPolicy, b) {
		if v, ok := p.Value("policy"); ok {
			if st, ok := policy(v); ok {
				out = append(out, st)
			}
		}
	}
	if v, ok := b.Value("policy"); ok {
		if st, ok := policy(v); ok {
			out = append(out, st)
		}
	}
	return out
}

// denyInsecureTransport reports whether a policy denies every action to
// every principal on the bucket and its objects without TLS.
func denyInsecureTransport(sts []Statement) bool {
	for _, st := range sts {
		if st.Effect != "Deny" || !principalHasWildcard(st.Principal) {
			continue
		}
		if !slices.ContainsFunc(st.Action, func(a string) bool { return a == "*" || a == "s3:*" }) {
			continue
		}
		cond, _ := field(st.Condition, "Bool")
		v, _ := field(cond, "aws:SecureTransport")
		// IAM reads ["false"] as "false"; cdk-nag's S10 only accepts the
		// scalar, which would flag kumo's own (and IAM-valid) policies.
		if v != false && !slices.Equal(strings1(v), []string{"false"}) {
			continue
		}
		bucket := slices.ContainsFunc(st.Resource, func(s string) bool { return s == "*" || !strings.Contains(s, "/") })
		objects := slices.ContainsFunc(st.Resource, func(s string) bool { return s == "*" || strings.HasSuffix(s, "/*") })
		if bucket && objects {
			return true
		}
	}
	return false
}

// principalHasWildcard reports whether a policy principal includes "*".
func principalHasWildcard(p any) bool {
	switch p := p.(type) {
	case string:
		return p == "*"
	case map[string]any:
		for _, v := range p {
			if slices.Contains(strings1(v), "*") {
				return true
			}
		}
	}
	return false
}

// isOAIPrincipal reports whether a principal is a CloudFront origin access
// identity.
func isOAIPrincipal(p any) bool {
	m, ok := p.(map[string]any)
	if !ok {
		return false
	}
	if _, ok := m["CanonicalUser"]; ok {
		return true
	}
	return slices.ContainsFunc(strings1(m["AWS"]), func(s string) bool { return strings.Contains(s, "CloudFront Origin Access Identity") })
}
