package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typStaticSite      = "kumo:constructs:StaticSite"
	typDistribution    = "aws:cloudfront/distribution:Distribution"
	typOAC             = "aws:cloudfront/originAccessControl:OriginAccessControl"
	typResponseHeaders = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
)

// siteFiles is a small front end: nested directories, several content types
// and hidden files that must not be uploaded.
var siteFiles = map[string]string{
	"index.html":           "<!doctype html><title>shop</title>",
	"about/index.htm":      "<p>about</p>",
	"assets/app.js":        "console.log('hi')",
	"assets/app.js.map":    "{}",
	"assets/site.css":      "body{}",
	"img/logo.svg":         "<svg/>",
	"img/photo.JPG":        "jpeg",
	"fonts/inter.woff2":    "woff2",
	"data.bin":             "\x00\x01",
	"robots.txt":           "User-agent: *",
	".env":                 "SECRET=1",
	".git/config":          "[core]",
	"assets/.DS_Store":     "junk",
	"manifest.webmanifest": "{}",
}

func (p *project) site(files map[string]string) string {
	for name, content := range files {
		p.write("site/"+name, content)
	}
	return p.path("site")
}

func synthSite(t *testing.T, p *project, args *constructs.StaticSiteArgs) *stack {
	t.Helper()
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		site, err := constructs.NewStaticSite(ctx, "shop", args)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{
			"url":              site.URL,
			"origin":           site.Origin,
			"bucketName":       site.Bucket.Name,
			"bucketArn":        site.Bucket.Arn,
			"bucketRegional":   site.Bucket.Bucket.BucketRegionalDomainName,
			"logBucketName":    site.LogBucket.Name,
			"logBucketDomain":  site.LogBucket.Bucket.BucketDomainName,
			"logOwnershipURN":  site.LogBucket.OwnershipControls.URN(),
			"distributionArn":  site.Distribution.Arn,
			"distributionHost": site.Distribution.DomainName,
		}, nil
	})
}

func TestStaticSite(t *testing.T) {
	p := newProject(t)
	s := synthSite(t, p, &constructs.StaticSiteArgs{SourceDir: p.site(siteFiles)})

	comp := s.find(typStaticSite, "shop")
	wantChildren := []string{
		typBucketComponent + " shop", typBucketComponent + " shop-logs",
		typOAC + " shop", typResponseHeaders + " shop", typDistribution + " shop",
	}
	for _, key := range []string{"about/index.htm", "assets/app.js", "assets/app.js.map", "assets/site.css", "data.bin",
		"fonts/inter.woff2", "img/logo.svg", "img/photo.JPG", "index.html", "manifest.webmanifest", "robots.txt"} {
		wantChildren = append(wantChildren, typBucketObject+" shop/"+key)
	}
	if got, want := s.childSet(comp.URN), sorted(wantChildren); !reflect.DeepEqual(got, want) {
		t.Errorf("children:\ngot  %q\nwant %q", got, want)
	}
	site := s.find(typBucketComponent, "shop")
	if got, want := s.childSet(site.URN), bucketChildren("shop", typBucketLogging+" shop"); !reflect.DeepEqual(got, want) {
		t.Errorf("site bucket children:\ngot  %q\nwant %q", got, want)
	}

	t.Run("bucket is readable only by the distribution", func(t *testing.T) {
		bucketArn, distArn := s.output("bucketArn"), s.output("distributionArn")
		bp := s.find(typBucketPolicy, "shop")
		doc := policyInput(t, bp, "policy")
		if got, want := doc.sids(), []string{"DenyInsecureTransport", "AllowCloudFrontRead"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("statements: got %q; want %q", got, want)
		}
		wantTLSOnly(t, "site bucket policy", doc.Statement[0], "s3:*", bucketArn, bucketArn+"/*")
		st := doc.statementBySid(t, "AllowCloudFrontRead")
		if want := map[string]any{"Service": []any{"cloudfront.amazonaws.com"}}; st.Effect != "Allow" || !reflect.DeepEqual(st.Principal, want) {
			t.Errorf("AllowCloudFrontRead: Effect %q Principal %#v; want Allow for cloudfront.amazonaws.com only", st.Effect, st.Principal)
		}
		if !reflect.DeepEqual(st.Action, []string{"s3:GetObject"}) || !reflect.DeepEqual(st.Resource, []string{bucketArn + "/*"}) {
			t.Errorf("AllowCloudFrontRead: Action %q Resource %q; want s3:GetObject on %s/*", st.Action, st.Resource, bucketArn)
		}
		if want := map[string]map[string][]string{"StringEquals": {"AWS:SourceArn": {distArn}}}; !reflect.DeepEqual(st.Condition, want) {
			t.Errorf("AllowCloudFrontRead Condition: got %v; want %v", st.Condition, want)
		}
		if !dependsOn(bp, s.find(typBucketPAB, "shop")) {
			t.Errorf("bucket policy dependencies %q: want the public access block", bp.Dependencies)
		}
		wantInputs(t, s.find(typBucketOwnership, "shop"), check{"rule.objectOwnership", "BucketOwnerEnforced"})
	})

	dist := s.find(typDistribution, "shop")
	t.Run("origin is the private bucket through OAC", func(t *testing.T) {
		origins, _ := in(dist, "origins").([]any)
		if len(origins) != 1 {
			t.Fatalf("origins: got %d; want 1", len(origins))
		}
		wantInputs(t, dist,
			check{"origins.0.domainName", s.output("bucketRegional")},
			check{"origins.0.originId", "site-bucket"},
			check{"origins.0.customOriginConfig", nil},
			check{"origins.0.s3OriginConfig", nil},
			check{"defaultCacheBehavior.targetOriginId", "site-bucket"},
		)
		if host, _ := in(dist, "origins.0.domainName").(string); strings.Contains(host, "s3-website") {
			t.Errorf("origin %q is a public website endpoint; want the bucket's regional REST endpoint", host)
		}
		oac := s.find(typOAC, "shop")
		if id, _ := in(dist, "origins.0.originAccessControlId").(string); id == "" || !dependsOn(dist, oac) {
			t.Errorf("originAccessControlId %q (dependencies %q): want the OAC's id", id, dist.Dependencies)
		}
		wantInputs(t, oac,
			check{"originAccessControlOriginType", "s3"},
			check{"signingBehavior", "always"},
			check{"signingProtocol", "sigv4"},
			check{"name", "kumo-test-shop"},
		)
	})

	t.Run("viewer settings", func(t *testing.T) {
		wantInputs(t, dist,
			check{"enabled", true},
			check{"defaultRootObject", "index.html"},
			check{"priceClass", "PriceClass_100"},
			check{"defaultCacheBehavior.viewerProtocolPolicy", "redirect-to-https"},
			check{"defaultCacheBehavior.compress", true},
			check{"defaultCacheBehavior.allowedMethods", []string{"GET", "HEAD", "OPTIONS"}},
			check{"defaultCacheBehavior.cachedMethods", []string{"GET", "HEAD"}},
			check{"viewerCertificate", map[string]any{"cloudfrontDefaultCertificate": true}},
			check{"aliases", []string{}},
			check{"customErrorResponses", nil},
		)
		headers := s.find(typResponseHeaders, "shop")
		if id, _ := in(dist, "defaultCacheBehavior.responseHeadersPolicyId").(string); id == "" || !dependsOn(dist, headers) {
			t.Errorf("responseHeadersPolicyId %q: want the site's response headers policy", id)
		}
		wantInputs(t, headers,
			check{"securityHeadersConfig.strictTransportSecurity.accessControlMaxAgeSec", 63072000},
			check{"securityHeadersConfig.strictTransportSecurity.includeSubdomains", true},
			check{"securityHeadersConfig.strictTransportSecurity.override", true},
			check{"securityHeadersConfig.frameOptions.frameOption", "DENY"},
			check{"securityHeadersConfig.contentTypeOptions.override", true},
			check{"securityHeadersConfig.referrerPolicy.referrerPolicy", "strict-origin-when-cross-origin"},
			check{"securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy", constructs.DefaultContentSecurityPolicy},
			check{"securityHeadersConfig.contentSecurityPolicy.override", true},
		)
		if got, want := s.output("url"), "https://"+s.output("distributionHost")+"/"; got != want {
			t.Errorf("URL: got %q; want %q", got, want)
		}
		if got, want := s.output("origin"), "https://"+s.output("distributionHost"); got != want {
			t.Errorf("Origin: got %q; want %q", got, want)
		}
	})

	t.Run("access logs", func(t *testing.T) {
		wantInputs(t, dist,
			check{"loggingConfig.bucket", s.output("logBucketDomain")},
			check{"loggingConfig.prefix", "cloudfront/shop/"},
			check{"loggingConfig.includeCookies", false},
		)
		wantInputs(t, s.find(typBucketLogging, "shop"),
			check{"bucket", s.output("bucketName")},
			check{"targetBucket", s.output("logBucketName")},
			check{"targetPrefix", "s3/shop/"},
		)
		ownership := s.find(typBucketOwnership, "shop-logs")
		wantInputs(t, ownership, check{"rule.objectOwnership", "BucketOwnerPreferred"})
		if got := s.output("logOwnershipURN"); got != ownership.URN {
			t.Errorf("LogBucket.OwnershipControls: got %s; want %s", got, ownership.URN)
		}
		// CloudFront standard logging writes with ACLs, which the log bucket
		// allows only once its ownership is BucketOwnerPreferred.
		if !dependsOn(dist, ownership) {
			t.Errorf("distribution dependencies %q: want the log bucket's ownership controls; created first, CloudFront refuses the log bucket", dist.Dependencies)
		}
		wantInputs(t, s.find(typBucketLifecycle, "shop-logs"), check{"rules.1", map[string]any{
			"id": "expire-access-logs", "status": "Enabled", "filter": map[string]any{"prefix": ""},
			"expiration":                  map[string]any{"days": 90},
			"noncurrentVersionExpiration": map[string]any{"noncurrentDays": 1},
		}})
		wantInputs(t, s.find(typBucketLifecycle, "shop"), check{"rules.1.noncurrentVersionExpiration.noncurrentDays", 30})
	})

	t.Run("one object per file", func(t *testing.T) {
		objects := map[string]struct{ contentType, cacheControl string }{
			"index.html":           {"text/html; charset=utf-8", "no-cache"},
			"about/index.htm":      {"text/html; charset=utf-8", "no-cache"},
			"assets/app.js":        {"text/javascript; charset=utf-8", "public, max-age=3600"},
			"assets/app.js.map":    {"application/json", "public, max-age=3600"},
			"assets/site.css":      {"text/css; charset=utf-8", "public, max-age=3600"},
			"img/logo.svg":         {"image/svg+xml", "public, max-age=3600"},
			"img/photo.JPG":        {"image/jpeg", "public, max-age=3600"},
			"fonts/inter.woff2":    {"font/woff2", "public, max-age=3600"},
			"data.bin":             {"application/octet-stream", "public, max-age=3600"},
			"robots.txt":           {"text/plain; charset=utf-8", "public, max-age=3600"},
			"manifest.webmanifest": {"application/manifest+json", "public, max-age=3600"},
		}
		if got := len(s.ofType(typBucketObject)); got != len(objects) {
			t.Errorf("objects: got %d; want %d (hidden files stay home)", got, len(objects))
		}
		for key, want := range objects {
			obj := s.find(typBucketObject, "shop/"+key)
			if obj.Parent != comp.URN {
				t.Errorf("%s: parent: got %q; want the site", key, obj.Parent)
			}
			wantInputs(t, obj,
				check{"bucket", s.output("bucketName")},
				check{"key", key},
				check{"contentType", want.contentType},
				check{"cacheControl", want.cacheControl},
				check{"source.asset.path", "site/" + key},
			)
			if got := constructs.ContentType(key); got != want.contentType {
				t.Errorf("ContentType(%q): got %q; want %q", key, got, want.contentType)
			}
		}
	})
}

func TestStaticSiteOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   constructs.StaticSiteArgs
		checks []check
		url    string
	}{
		{
			name: "single-page app",
			args: constructs.StaticSiteArgs{SPA: true},
			checks: []check{{"customErrorResponses", []any{
				map[string]any{"errorCode": 403, "responseCode": 200, "responsePagePath": "/index.html", "errorCachingMinTtl": 10},
				map[string]any{"errorCode": 404, "responseCode": 200, "responsePagePath": "/index.html", "errorCachingMinTtl": 10},
			}}},
		},
		{
			name: "custom domain",
			args: constructs.StaticSiteArgs{DomainNames: []string{"www.example.com", "example.com"}, CertificateArn: testCertArn},
			checks: []check{
				{"aliases", []string{"www.example.com", "example.com"}},
				{"viewerCertificate", map[string]any{
					"acmCertificateArn": testCertArn, "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.2_2021",
				}},
			},
			url: "https://www.example.com/",
		},
		{
			name:   "price class",
			args:   constructs.StaticSiteArgs{PriceClass: "PriceClass_All"},
			checks: []check{{"priceClass", "PriceClass_All"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			args := tc.args
			args.SourceDir = p.site(map[string]string{"index.html": "x"})
			s := synthSite(t, p, &args)
			dist := s.find(typDistribution, "shop")
			wantInputs(t, dist, tc.checks...)
			if !dependsOn(dist, s.find(typBucketOwnership, "shop-logs")) {
				t.Errorf("distribution dependencies %q: want the log bucket's ownership controls", dist.Dependencies)
			}
			if tc.url != "" {
				if got := s.output("url"); got != tc.url {
					t.Errorf("URL: got %q; want %q", got, tc.url)
				}
			}
		})
	}

	t.Run("content security policy and log expiry", func(t *testing.T) {
		p := newProject(t)
		s := synthSite(t, p, &constructs.StaticSiteArgs{
			SourceDir:               p.site(map[string]string{"index.html": "x"}),
			ContentSecurityPolicy:   "default-src 'none'",
			AccessLogExpirationDays: 7,
		})
		wantInputs(t, s.find(typResponseHeaders, "shop"),
			check{"securityHeadersConfig.contentSecurityPolicy.contentSecurityPolicy", "default-src 'none'"})
		wantInputs(t, s.find(typBucketLifecycle, "shop-logs"), check{"rules.1.expiration.days", 7})
	})
}

func TestStaticSiteAddFile(t *testing.T) {
	p := newProject(t)
	var badKeyErrs []error
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		site, err := constructs.NewStaticSite(ctx, "shop", &constructs.StaticSiteArgs{SourceDir: p.site(map[string]string{"index.html": "x"})})
		if err != nil {
			return nil, err
		}
		if err := site.AddFile("config.json", pulumi.Sprintf(`{"url":%q}`, site.URL)); err != nil {
			return nil, err
		}
		for _, key := range []string{"/config.json", "a b.json", ""} {
			badKeyErrs = append(badKeyErrs, site.AddFile(key, pulumi.String("{}")))
		}
		return pulumi.Map{"url": site.URL, "bucketName": site.Bucket.Name}, nil
	})
	obj := s.find(typBucketObject, "shop/config.json")
	wantInputs(t, obj,
		check{"bucket", s.output("bucketName")},
		check{"key", "config.json"},
		check{"content", `{"url":"` + s.output("url") + `"}`},
		check{"contentType", "application/json"},
		check{"cacheControl", "no-cache"},
		check{"source", nil},
	)
	for i, err := range badKeyErrs {
		if err == nil || !strings.Contains(err.Error(), "relative object key") {
			t.Errorf("AddFile bad key %d: got %v; want an error naming the key rules", i, err)
		}
	}
	if got := len(s.ofType(typBucketObject)); got != 2 {
		t.Errorf("objects: got %d; want 2 (index.html and config.json)", got)
	}
}

func TestContentType(t *testing.T) {
	for key, want := range map[string]string{
		"index.html":           "text/html; charset=utf-8",
		"INDEX.HTML":           "text/html; charset=utf-8",
		"a/b.htm":              "text/html; charset=utf-8",
		"site.css":             "text/css; charset=utf-8",
		"app.js":               "text/javascript; charset=utf-8",
		"mod.mjs":              "text/javascript; charset=utf-8",
		"data.json":            "application/json",
		"app.js.map":           "application/json",
		"manifest.webmanifest": "application/manifest+json",
		"robots.txt":           "text/plain; charset=utf-8",
		"sitemap.xml":          "application/xml",
		"logo.svg":             "image/svg+xml",
		"a.png":                "image/png",
		"a.jpg":                "image/jpeg",
		"a.jpeg":               "image/jpeg",
		"a.gif":                "image/gif",
		"a.webp":               "image/webp",
		"a.avif":               "image/avif",
		"favicon.ico":          "image/x-icon",
		"f.woff":               "font/woff",
		"f.woff2":              "font/woff2",
		"f.ttf":                "font/ttf",
		"f.otf":                "font/otf",
		"doc.pdf":              "application/pdf",
		"app.wasm":             "application/wasm",
		"archive.tar.gz":       "application/octet-stream",
		"LICENSE":              "application/octet-stream",
		"v1.2/README":          "application/octet-stream",
	} {
		if got := constructs.ContentType(key); got != want {
			t.Errorf("ContentType(%q): got %q; want %q", key, got, want)
		}
	}
}

func TestStaticSiteBadInputs(t *testing.T) {
	type dirs struct{}
	newSite := func(name string, args func(p *project) constructs.StaticSiteArgs) func(*pulumi.Context, *project, dirs) error {
		return func(ctx *pulumi.Context, p *project, _ dirs) error {
			a := args(p)
			_, err := constructs.NewStaticSite(ctx, name, &a)
			return err
		}
	}
	good := func(p *project) string { return p.site(map[string]string{"index.html": "x"}) }
	const scope = `static site "shop"`
	const euCert = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	runBadInputs(t, nil, []badInput[dirs]{
		{
			name:     "no source directory",
			build:    newSite("shop", func(*project) constructs.StaticSiteArgs { return constructs.StaticSiteArgs{} }),
			scope:    scope,
			problems: [][]string{{"SourceDir: empty"}},
		},
		{
			name: "missing source directory",
			build: newSite("shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: p.path("nope")}
			}),
			scope:    scope,
			problems: [][]string{{"SourceDir", "nope", "is not a directory"}},
		},
		{
			name: "source is a file",
			build: newSite("shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: p.path("code.zip")}
			}),
			scope:    scope,
			problems: [][]string{{"SourceDir", "code.zip", "is not a directory"}},
		},
		{
			name: "no index.html",
			build: newSite("shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: p.site(map[string]string{"app.js": "x"})}
			}),
			scope:    scope,
			problems: [][]string{{"SourceDir", "has no index.html"}},
		},
		{
			name: "domain without certificate",
			build: newSite("shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: good(p), DomainNames: []string{"www.example.com"}}
			}),
			scope:    scope,
			problems: [][]string{{"CertificateArn: empty", "us-east-1", "www.example.com"}},
		},
		{
			name: "certificate without domain",
			build: newSite("shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: good(p), CertificateArn: testCertArn}
			}),
			scope:    scope,
			problems: [][]string{{"DomainNames: empty", testCertArn}},
		},
		{
			name: "certificate not in us-east-1",
			build: newSite("shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: good(p), DomainNames: []string{"www.example.com"}, CertificateArn: euCert}
			}),
			scope:    scope,
			problems: [][]string{{"CertificateArn", euCert, "us-east-1"}},
		},
		{
			name: "upper-case domain",
			build: newSite("shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: good(p), DomainNames: []string{"WWW.Example.com"}, CertificateArn: testCertArn}
			}),
			scope:    scope,
			problems: [][]string{{"DomainNames[0]", `"WWW.Example.com"`, "lower-case DNS name"}},
		},
		{
			name: "price class",
			build: newSite("shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: good(p), PriceClass: "PriceClass_300"}
			}),
			scope:    scope,
			problems: [][]string{{"PriceClass", `"PriceClass_300"`, "PriceClass_100, PriceClass_200 or PriceClass_All"}},
		},
		{
			name: "negative log expiration",
			build: newSite("shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: good(p), AccessLogExpirationDays: -1}
			}),
			scope:    scope,
			problems: [][]string{{"AccessLogExpirationDays", "-1", "at least 1"}},
		},
		{
			name: "name that cannot name a bucket",
			build: newSite("My_Shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{SourceDir: good(p)}
			}),
			scope:    `static site "My_Shop"`,
			problems: [][]string{{"name", `"My_Shop"`, "lower-case"}},
		},
		{
			name: "every problem at once",
			build: newSite("Shop", func(p *project) constructs.StaticSiteArgs {
				return constructs.StaticSiteArgs{
					SourceDir:               p.site(map[string]string{"app.js": "x"}),
					DomainNames:             []string{"bad_domain"},
					PriceClass:              "cheap",
					AccessLogExpirationDays: -5,
				}
			}),
			scope: `static site "Shop"`,
			problems: [][]string{
				{"name", `"Shop"`},
				{"SourceDir", "has no index.html"},
				{"DomainNames[0]", `"bad_domain"`},
				{"CertificateArn: empty"},
				{"PriceClass", `"cheap"`},
				{"AccessLogExpirationDays", "-5"},
			},
		},
	})
}

// TestStaticSiteLongName checks account-wide CloudFront names stay within
// CloudFront's 64 characters for the longest name the site accepts.
func TestStaticSiteLongName(t *testing.T) {
	p := newProject(t)
	name := strings.Repeat("s", 50)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := constructs.NewStaticSite(ctx, name, &constructs.StaticSiteArgs{SourceDir: p.site(map[string]string{"index.html": "x"})})
		return nil, err
	})
	for _, typ := range []string{typOAC, typResponseHeaders} {
		got, _ := in(s.find(typ, name), "name").(string)
		if len(got) > 64 || !strings.HasPrefix(got, "kumo-test-"+name) {
			t.Errorf("%s name %q (%d characters): want at most 64, starting with project, stack and site name", typ, got, len(got))
		}
	}
}

// TestStaticSiteShortNameRegistersNothing guards a fixed bug: NewStaticSite
// checks that name+"-logs" is a valid bucket name but not name itself, so a
// name such as "ab" (too short) or "shop-" (trailing hyphen) passes the
// site's validation, registers the component and the whole log bucket, and
// only then fails in newBucket for the site bucket.
func TestStaticSiteShortNameRegistersNothing(t *testing.T) {
	for _, name := range []string{"ab", "shop-"} {
		t.Run(name, func(t *testing.T) {
			p := newProject(t)
			var buildErr error
			res, err := p.run(func(ctx *pulumi.Context) (pulumi.Map, error) {
				_, buildErr = constructs.NewStaticSite(ctx, name, &constructs.StaticSiteArgs{SourceDir: p.site(map[string]string{"index.html": "x"})})
				return nil, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if buildErr == nil {
				t.Fatalf("NewStaticSite(%q): got no error; want a ValidationError for the name", name)
			}
			if n := len(res.Resources); n != 0 {
				t.Errorf("resources registered before the name was rejected: got %d; want 0\n%s", n, (&stack{t: t, Result: res}).list())
			}
		})
	}
}

// TestStaticSiteAddFileCollision guards a fixed bug: AddFile with the key of
// an uploaded file registers a second object with the same name, which the
// engine rejects as a duplicate URN instead of AddFile returning an error.
func TestStaticSiteAddFileCollision(t *testing.T) {
	p := newProject(t)
	var addErr error
	p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		site, err := constructs.NewStaticSite(ctx, "shop", &constructs.StaticSiteArgs{
			SourceDir: p.site(map[string]string{"index.html": "x", "config.json": "{}"}),
		})
		if err != nil {
			return nil, err
		}
		addErr = site.AddFile("config.json", pulumi.String(`{"api":"x"}`))
		return nil, nil
	})
	if addErr == nil || !strings.Contains(addErr.Error(), "config.json") {
		t.Errorf("AddFile of an uploaded key: got %v; want an error naming the key", addErr)
	}
}
