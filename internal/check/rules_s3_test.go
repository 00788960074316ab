package check

import (
	"testing"
)

// denyHTTP is a bucket policy denying requests without TLS.
func denyHTTP(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*",` +
		`"Resource":["arn:aws:s3:::` + bucket + `","arn:aws:s3:::` + bucket + `/*"],` +
		`"Condition":{"Bool":{"aws:SecureTransport":["false"]}}}]}`
}

func TestS3Rules(t *testing.T) {
	ruleCase(t, "AwsSolutions-S1",
		func(t *testing.T) {
			var g graph
			b := g.add(typeBucketV2, "data", nil)
			logs := g.add(typeBucketV2, "logs", nil)
			g.add(typeBucketLogging, "data", map[string]any{"bucket": g.physical(b, "bucket"), "targetBucket": g.physical(logs, "bucket")})
			cf := g.add(typeBucketV2, "cflogs", nil)
			g.add(typeCloudFrontDistrib, "cdn", map[string]any{"loggingConfig": map[string]any{"bucket": g.physical(cf, "bucket") + ".s3.amazonaws.com"}})
			g.passes(t, "AwsSolutions-S1", b)
			g.passes(t, "AwsSolutions-S1", logs) // receives access logs
			g.passes(t, "AwsSolutions-S1", cf)   // receives CloudFront logs
		},
		func(t *testing.T) {
			var g graph
			b := g.add(typeBucketV2, "data", nil)
			other := g.add(typeBucketV2, "other", nil)
			g.add(typeBucketLogging, "other", map[string]any{"bucket": g.physical(other, "bucket"), "targetBucket": "somewhere-else"})
			g.fires(t, "AwsSolutions-S1", b)
		})

	ruleCase(t, "AwsSolutions-S2",
		func(t *testing.T) {
			var g graph
			b := g.add(typeBucketV2, "data", nil)
			g.add(typeBucketPublicAccess, "data", map[string]any{"bucket": g.physical(b, "bucket"),
				"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})
			bare := g.add(typeBucketV2, "bare", nil) // AWS blocks public access by default
			g.passes(t, "AwsSolutions-S2", b)
			g.passes(t, "AwsSolutions-S2", bare)
		},
		func(t *testing.T) {
			var g graph
			b := g.add(typeBucketV2, "data", nil)
			g.add(typeBucketPublicAccess, "data", map[string]any{"bucket": g.physical(b, "bucket"),
				"blockPublicAcls": true, "blockPublicPolicy": false, "ignorePublicAcls": true, "restrictPublicBuckets": true})
			g.fires(t, "AwsSolutions-S2", b)
		})

	ruleCase(t, "AwsSolutions-S5",
		func(t *testing.T) {
			var g graph
			b := g.add(typeBucketV2, "site", nil)
			name := g.physical(b, "bucket")
			g.add(typeBucketWebsite, "site", map[string]any{"bucket": name})
			g.add(typeBucketPolicy, "site", map[string]any{"bucket": name, "policy": `{"Statement":[{"Effect":"Allow",` +
				`"Principal":{"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + name + `/*"}]}`})
			plain := g.add(typeBucketV2, "plain", nil) // not a website
			g.passes(t, "AwsSolutions-S5", b)
			g.passes(t, "AwsSolutions-S5", plain)
		},
		func(t *testing.T) {
			var g graph
			b := g.add(typeBucketV2, "site", nil)
			name := g.physical(b, "bucket")
			g.add(typeBucketWebsite, "site", map[string]any{"bucket": name})
			g.add(typeBucketPolicy, "site", map[string]any{"bucket": name, "policy": `{"Statement":[{"Effect":"Allow",` +
				`"Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + name + `/*"}]}`})
			g.fires(t, "AwsSolutions-S5", b)
			var g2 graph
			b2 := g2.add(typeBucketV2, "site", nil)
			g2.add(typeBucketWebsite, "site", map[string]any{"bucket": g2.physical(b2, "bucket")})
			g2.fires(t, "AwsSolutions-S5", b2) // a website with no policy at all
		})

	ruleCase(t, "AwsSolutions-S10",
		func(t *testing.T) {
			var g graph
			b := g.add(typeBucketV2, "data", nil)
			p := g.add(typeBucketPolicy, "data", map[string]any{"bucket": g.physical(b, "bucket"), "policy": denyHTTP(g.physical(b, "bucket"))})
			g.passes(t, "AwsSolutions-S10", b)
			g.passes(t, "AwsSolutions-S10", p)
		},
		func(t *testing.T) {
			var g graph
			b := g.add(typeBucketV2, "data", nil)
			name := g.physical(b, "bucket")
			// Denies insecure transport for objects only, not the bucket.
			p := g.add(typeBucketPolicy, "data", map[string]any{"bucket": name, "policy": `{"Statement":[{"Effect":"Deny","Principal":"*",` +
				`"Action":"s3:*","Resource":"arn:aws:s3:::` + name + `/*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}`})
			g.fires(t, "AwsSolutions-S10", b)
			g.fires(t, "AwsSolutions-S10", p)
			var g2 graph
			g2.fires(t, "AwsSolutions-S10", g2.add(typeBucketV2, "nopolicy", nil))
		})
}
