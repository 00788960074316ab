package synth

import (
	"strings"
	"testing"
)

const (
	tDistribution = "aws:cloudfront/distribution:Distribution"
	tOAC          = "aws:cloudfront/originAccessControl:OriginAccessControl"
	tRHP          = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
	tBucket       = "aws:s3/bucketV2:BucketV2"
	tOwnership    = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
)

// siteDistribution is the StaticSite construct's distribution, logging to
// the bucket site-logs.
func siteDistribution(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"enabled": true,
		"comment": "kumo static site",
		"origins": []any{map[string]any{"domainName": "site.s3.eu-west-1.amazonaws.com", "originId": "site-bucket", "originAccessControlId": "E1"}},
		"defaultCacheBehavior": map[string]any{
			"allowedMethods": []any{"GET", "HEAD", "OPTIONS"}, "cachedMethods": []any{"GET", "HEAD"},
			"targetOriginId": "site-bucket", "viewerProtocolPolicy": "redirect-to-https",
		},
		"loggingConfig":     map[string]any{"bucket": "site-logs.s3.amazonaws.com", "prefix": "cloudfront/"},
		"priceClass":        "PriceClass_100",
		"httpVersion":       "http2and3",
		"restrictions":      map[string]any{"geoRestriction": map[string]any{"restrictionType": "none"}},
		"viewerCertificate": map[string]any{"cloudfrontDefaultCertificate": true},
	}, mods...)
}

// siteStack registers the log bucket with ACLs enabled, the OAC, the
// response headers policy and the distribution ordered after all of them.
func siteStack(f *fixture, dist ...mod) {
	logs := f.add(tBucket, "logs", map[string]any{"bucket": "site-logs"})
	own := f.add(tOwnership, "logs", map[string]any{"bucket": "site-logs", "rule": map[string]any{"objectOwnership": "BucketOwnerPreferred"}}, logs)
	oac := f.add(tOAC, "site", map[string]any{"name": "kumo-prod-site", "originAccessControlOriginType": "s3", "signingBehavior": "always", "signingProtocol": "sigv4"})
	rhp := f.add(tRHP, "site", map[string]any{"name": "kumo-prod-site-security", "securityHeadersConfig": map[string]any{
		"frameOptions":   map[string]any{"frameOption": "DENY", "override": true},
		"referrerPolicy": map[string]any{"referrerPolicy": "strict-origin-when-cross-origin", "override": true},
	}})
	f.add(tDistribution, "site", siteDistribution(dist...), logs, own, oac, rhp)
}

func TestCloudFrontRealityRules(t *testing.T) {
	dist := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { siteStack(f, m...) }, want: ws}
	}
	oac := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			f.add(tOAC, "site", inputs(map[string]any{"name": "site", "originAccessControlOriginType": "s3", "signingBehavior": "always", "signingProtocol": "sigv4"}, m...))
		}}
	}
	rhp := func(name string, m []mod, ws ...want) realityCase {
		return realityCase{name: name, want: ws, build: func(f *fixture) {
			f.add(tRHP, "site", inputs(map[string]any{"name": "security", "securityHeadersConfig": map[string]any{}}, m...))
		}}
	}
	logsACL := "does not enable ACL access"

	cases := []realityCase{
		dist("accepted: the StaticSite construct's distribution", nil),

		dist("distribution without viewerCertificate", []mod{set("viewerCertificate", nil)},
			want{tDistribution, "viewerCertificate", "required", "distribution.go"}),
		dist("distribution without enabled", []mod{set("enabled", nil)},
			want{tDistribution, "enabled", "required", "API_CreateDistribution"}),
		dist("viewer protocol policy", []mod{set("defaultCacheBehavior.viewerProtocolPolicy", "https-redirect")},
			want{tDistribution, "defaultCacheBehavior.viewerProtocolPolicy", "allow-all, https-only, redirect-to-https", "distribution.go"}),
		dist("ordered behavior viewer protocol policy", []mod{set("orderedCacheBehaviors", []any{map[string]any{
			"pathPattern": "/api/*", "targetOriginId": "site-bucket", "viewerProtocolPolicy": "http-only",
			"allowedMethods": []any{"GET", "HEAD"}, "cachedMethods": []any{"GET", "HEAD"}}})},
			want{tDistribution, "orderedCacheBehaviors[].viewerProtocolPolicy", "allow-all, https-only", "distribution.go"}),
		dist("price class", []mod{set("priceClass", "PriceClass_50")},
			want{tDistribution, "priceClass", "PriceClass_100, PriceClass_200, PriceClass_All", "distribution.go"}),
		dist("http version", []mod{set("httpVersion", "http2and1.1")},
			want{tDistribution, "httpVersion", "http1.1, http2, http2and3, http3", "distribution.go"}),
		dist("ssl support method", []mod{set("viewerCertificate.sslSupportMethod", "sni")},
			want{tDistribution, "viewerCertificate.sslSupportMethod", "sni-only, vip, static-ip", "distribution.go"}),
		dist("geo restriction type", []mod{set("restrictions.geoRestriction.restrictionType", "allowlist")},
			want{tDistribution, "restrictions.geoRestriction.restrictionType", "none, whitelist, blacklist", "distribution.go"}),
		dist("comment over 128 characters", []mod{set("comment", strings.Repeat("c", 129))},
			want{tDistribution, "comment", "at most 128 characters", "distribution.go"}),
		dist("origin connection attempts", []mod{set("origins[0].connectionAttempts", int64(5))},
			want{tDistribution, "origins[].connectionAttempts", "between 1 and 3", "distribution.go"}),
		dist("origin connection timeout", []mod{set("origins[0].connectionTimeout", int64(30))},
			want{tDistribution, "origins[].connectionTimeout", "between 1 and 10", "distribution.go"}),
		dist("origin read timeout", []mod{set("origins[0].customOriginConfig", map[string]any{"originReadTimeout": int64(300)})},
			want{tDistribution, "origins[].customOriginConfig.originReadTimeout", "between 1 and 180", "distribution.go"}),
		dist("allowed methods not one of the three sets", []mod{set("defaultCacheBehavior.allowedMethods", []any{"GET", "HEAD", "POST"})},
			want{tDistribution, "defaultCacheBehavior.allowedMethods", "allowedMethods must be one of", "API_AllowedMethods"}),
		dist("cached methods not one of the two sets", []mod{set("defaultCacheBehavior.cachedMethods", []any{"GET"})},
			want{tDistribution, "defaultCacheBehavior.cachedMethods", "cachedMethods must be one of", "API_AllowedMethods"}),
		dist("accepted: all seven methods in any order", []mod{set("defaultCacheBehavior.allowedMethods",
			[]any{"POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})}),
		dist("target origin that no origin has", []mod{set("defaultCacheBehavior.targetOriginId", "site")},
			want{tDistribution, "defaultCacheBehavior.targetOriginId", "originId of one of the distribution's origins", "NoSuchOrigin"}),

		// Standard logging needs the log bucket's ACLs on before the distribution.
		{name: "log bucket without ownership controls (BucketOwnerEnforced by default)", want: []want{
			{tDistribution, "loggingConfig.bucket", logsACL, "standard-logging-legacy-s3"}},
			build: func(f *fixture) {
				logs := f.add(tBucket, "logs", map[string]any{"bucket": "site-logs"})
				f.add(tDistribution, "site", siteDistribution(), logs)
			}},
		{name: "log bucket with BucketOwnerEnforced", want: []want{
			{tDistribution, "loggingConfig.bucket", logsACL, "baseline-environment-on-aws/issues/363"}},
			build: func(f *fixture) {
				logs := f.add(tBucket, "logs", map[string]any{"bucket": "site-logs"})
				own := f.add(tOwnership, "logs", map[string]any{"bucket": "site-logs", "rule": map[string]any{"objectOwnership": "BucketOwnerEnforced"}}, logs)
				f.add(tDistribution, "site", siteDistribution(), logs, own)
			}},
		{name: "distribution racing the ownership controls (kumo's StaticSite before the fix)", want: []want{
			{tDistribution, "loggingConfig.bucket", logsACL, "standard-logging-legacy-s3"}},
			build: func(f *fixture) {
				logs := f.add(tBucket, "logs", map[string]any{"bucket": "site-logs"})
				f.add(tOwnership, "logs", map[string]any{"bucket": "site-logs", "rule": map[string]any{"objectOwnership": "BucketOwnerPreferred"}}, logs)
				f.add(tDistribution, "site", siteDistribution(), logs)
			}},
		{name: "accepted: distribution ordered after the Bucket component holding ObjectWriter controls",
			build: func(f *fixture) {
				logs := f.add(tBucket, "logs", map[string]any{"bucket": "site-logs"})
				own := f.add(tOwnership, "logs", map[string]any{"bucket": "site-logs", "rule": map[string]any{"objectOwnership": "ObjectWriter"}}, logs)
				comp := f.component("kumo:constructs:Bucket", "logs", logs, own)
				f.add(tDistribution, "site", siteDistribution(), comp)
			}},
		{name: "accepted: regional log bucket domain", build: func(f *fixture) {
			siteStack(f, set("loggingConfig.bucket", "site-logs.s3.eu-west-1.amazonaws.com"))
		}},
		{name: "accepted: a log bucket of another stack is not judged", build: func(f *fixture) {
			f.add(tDistribution, "site", siteDistribution(set("loggingConfig.bucket", "org-logs.s3.amazonaws.com")))
		}},

		// OriginAccessControl
		oac("accepted: origin access control", nil),
		oac("oac name over 64 characters", []mod{set("name", strings.Repeat("o", 65))},
			want{tOAC, "name", "at most 64", "API_OriginAccessControlConfig"}),
		{name: "oac autonamed over 64 characters", want: []want{{tOAC, "name", "at most 64", "API_OriginAccessControlConfig"}},
			build: func(f *fixture) {
				f.add(tOAC, strings.Repeat("o", 60), map[string]any{"originAccessControlOriginType": "s3", "signingBehavior": "always", "signingProtocol": "sigv4"})
			}},
		oac("oac origin type", []mod{set("originAccessControlOriginType", "s3-website")},
			want{tOAC, "originAccessControlOriginType", "s3, mediastore, mediapackagev2, lambda", "API_OriginAccessControlConfig"}),
		oac("oac signing behavior", []mod{set("signingBehavior", "sometimes")},
			want{tOAC, "signingBehavior", "always, never, no-override", "API_OriginAccessControlConfig"}),
		oac("oac signing protocol", []mod{set("signingProtocol", "sigv2")},
			want{tOAC, "signingProtocol", "sigv4", "API_OriginAccessControlConfig"}),
		oac("oac without signing protocol", []mod{set("signingProtocol", nil)},
			want{tOAC, "signingProtocol", "required", "API_OriginAccessControlConfig"}),

		// ResponseHeadersPolicy
		rhp("accepted: response headers policy", []mod{set("securityHeadersConfig.frameOptions", map[string]any{"frameOption": "SAMEORIGIN"})}),
		rhp("frame option", []mod{set("securityHeadersConfig.frameOptions", map[string]any{"frameOption": "ALLOW-FROM"})},
			want{tRHP, "securityHeadersConfig.frameOptions.frameOption", "DENY, SAMEORIGIN", "API_ResponseHeadersPolicyFrameOptions"}),
		rhp("referrer policy", []mod{set("securityHeadersConfig.referrerPolicy", map[string]any{"referrerPolicy": "strict"})},
			want{tRHP, "securityHeadersConfig.referrerPolicy.referrerPolicy", "strict-origin-when-cross-origin", "API_ResponseHeadersPolicyReferrerPolicy"}),
		{name: "response headers policy autoname too long", want: []want{{tRHP, "name", "shorten the resource name", "SetAutonaming"}},
			build: func(f *fixture) { f.add(tRHP, strings.Repeat("r", 250), map[string]any{}) }},
	}
	runRealityCases(t, specTypes(cloudfrontSpecs), cases)
}
