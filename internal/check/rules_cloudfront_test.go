package check

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/internal/synth"
)

// unknown is how synth renders a value it cannot know before deploy.
const unknown = "[unknown]"

// cfDistribution is a distribution passing every CloudFront rule: geo
// restricted, behind WAF, logged, on its own certificate, an in-stack
// bucket origin with origin access control and an HTTPS-only custom
// origin. edit changes it for a case.
func cfDistribution(g *graph, edit func(in map[string]any)) string {
	b := g.add(typeBucketV2, "site", nil)
	bucket := g.physical(b, "bucket")
	in := map[string]any{
		"restrictions":  map[string]any{"geoRestriction": map[string]any{"restrictionType": "whitelist", "locations": []any{"DE", "FR"}}},
		"webAclId":      "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/1234",
		"loggingConfig": map[string]any{"bucket": "logs.s3.amazonaws.com"},
		"viewerCertificate": map[string]any{
			"acmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc", "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.2_2021",
		},
		"origins": []any{
			map[string]any{"originId": "site", "domainName": bucket + ".s3.eu-west-1.amazonaws.com", "originAccessControlId": "E2QWRUHEXAMPLE"},
			map[string]any{"originId": "api", "domainName": "api.example.com", "customOriginConfig": map[string]any{
				"originProtocolPolicy": "https-only", "originSslProtocols": []any{"TLSv1.2"}, "httpPort": int64(80), "httpsPort": int64(443),
			}},
		},
	}
	if edit != nil {
		edit(in)
	}
	return g.add(typeCloudFrontDistrib, "cdn", in)
}

// cfOrigins returns a distribution's origins for editing.
func cfOrigins(in map[string]any) []any { return in["origins"].([]any) }

// firesWith asserts rule reports u with a message containing want (the
// property and value a user must see).
func (g *graph) firesWith(t *testing.T, rule, u, want string) {
	t.Helper()
	fs := g.findings(t, rule, u)
	var msgs []string
	for _, f := range fs {
		if strings.Contains(f.Message, want) {
			return
		}
		msgs = append(msgs, f.Message)
	}
	t.Errorf("%s on %s: messages %q; want one containing %q", rule, u, msgs, want)
}

// oddInputs runs every rule looking at typ over resources whose inputs at
// paths hold values of unexpected types and unknowns: the rules must not
// panic, whatever a program or provider hands them.
func oddInputs(t *testing.T, typ string, paths ...string) {
	t.Helper()
	odd := []any{unknown, "[secret]", "", int64(5), 1.5, true, false, []any{nil, 3, unknown}, map[string]any{"x": []any{nil}}, []any{}, map[string]any{}}
	for i, v := range odd {
		in := map[string]any{}
		for _, p := range paths {
			cur := in
			parts := strings.Split(p, ".")
			for _, part := range parts[:len(parts)-1] {
				// A copy: the odd value itself may be a map, which must
				// not end up holding itself.
				next, _ := cur[part].(map[string]any)
				next = maps.Clone(next)
				if next == nil {
					next = map[string]any{}
				}
				cur[part] = next
				cur = next
			}
			cur[parts[len(parts)-1]] = v
		}
		var g graph
		u := g.add(typ, fmt.Sprintf("odd%d", i), in)
		// Lists of objects, with odd values inside.
		g.add(typ, fmt.Sprintf("oddlist%d", i), map[string]any{"origins": []any{v, map[string]any{"customOriginConfig": v, "domainName": v, "originAccessControlId": v}}})
		st := synth.NewStack(g.rs)
		for _, rule := range Rules() {
			for _, rt := range rule.Types {
				if rt != typ {
					continue
				}
				for _, r := range st.Resources(typ) {
					func() {
						defer func() {
							if p := recover(); p != nil {
								t.Errorf("%s panicked on %s with %#v: %v", rule.ID, u, v, p)
							}
						}()
						rule.Check(r, st)
					}()
				}
			}
		}
	}
}

func TestCloudFrontRules(t *testing.T) {
	ruleCase(t, "AwsSolutions-CFR1",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-CFR1", cfDistribution(&g, nil))
			var g2 graph
			g2.passes(t, "AwsSolutions-CFR1", cfDistribution(&g2, func(in map[string]any) {
				in["restrictions"] = map[string]any{"geoRestriction": map[string]any{"restrictionType": "blacklist", "locations": []any{"KP"}}}
			}))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-CFR1", cfDistribution(&g, func(in map[string]any) {
				in["restrictions"] = map[string]any{"geoRestriction": map[string]any{"restrictionType": "none"}}
			}), `restrictions.geoRestriction.restrictionType is "none"`)
			var g2 graph
			g2.firesWith(t, "AwsSolutions-CFR1", cfDistribution(&g2, func(in map[string]any) { delete(in, "restrictions") }),
				"restrictions.geoRestriction.restrictionType is not set")
			var g3 graph // a value compared, not known: cdk-nag v3 fails it too
			g3.firesWith(t, "AwsSolutions-CFR1", cfDistribution(&g3, func(in map[string]any) {
				in["restrictions"] = map[string]any{"geoRestriction": map[string]any{"restrictionType": unknown}}
			}), "not known until deploy")
		})

	ruleCase(t, "AwsSolutions-CFR2",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-CFR2", cfDistribution(&g, nil))
			var g2 graph // presence: an ACL created in the same deploy counts
			g2.passes(t, "AwsSolutions-CFR2", cfDistribution(&g2, func(in map[string]any) { in["webAclId"] = unknown }))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-CFR2", cfDistribution(&g, func(in map[string]any) { delete(in, "webAclId") }), "webAclId is not set")
			var g2 graph
			g2.fires(t, "AwsSolutions-CFR2", cfDistribution(&g2, func(in map[string]any) { in["webAclId"] = "" }))
		})

	ruleCase(t, "AwsSolutions-CFR3",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-CFR3", cfDistribution(&g, nil))
		},
		func(t *testing.T) {
			var g graph
			g.firesWith(t, "AwsSolutions-CFR3", cfDistribution(&g, func(in map[string]any) { delete(in, "loggingConfig") }), "loggingConfig is not set")
		})

	ruleCase(t, "AwsSolutions-CFR4",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-CFR4", cfDistribution(&g, nil))
			var g2 graph
			g2.passes(t, "AwsSolutions-CFR4", cfDistribution(&g2, func(in map[string]any) {
				in["viewerCertificate"] = map[string]any{"acmCertificateArn": "arn:x", "sslSupportMethod": "sni-only", "minimumProtocolVersion": "TLSv1.1_2016", "cloudfrontDefaultCertificate": false}
			}))
		},
		func(t *testing.T) {
			cases := []struct {
				cert map[string]any
				want string
			}{
				{map[string]any{"cloudfrontDefaultCertificate": true}, "viewerCertificate.cloudfrontDefaultCertificate is true"},
				{map[string]any{"acmCertificateArn": "arn:x", "sslSupportMethod": "vip", "minimumProtocolVersion": "TLSv1.2_2021"}, `viewerCertificate.sslSupportMethod is "vip"`},
				{map[string]any{"acmCertificateArn": "arn:x", "minimumProtocolVersion": "TLSv1.2_2021"}, "viewerCertificate.sslSupportMethod is not set"},
				{map[string]any{"acmCertificateArn": "arn:x", "sslSupportMethod": "sni-only", "minimumProtocolVersion": "tlsv1_2016"}, `viewerCertificate.minimumProtocolVersion is "tlsv1_2016"`},
				{map[string]any{"acmCertificateArn": "arn:x", "sslSupportMethod": "sni-only"}, "viewerCertificate.minimumProtocolVersion is not set"},
				{map[string]any{"acmCertificateArn": "arn:x", "sslSupportMethod": "sni-only", "minimumProtocolVersion": unknown}, "not known until deploy"},
			}
			for _, c := range cases {
				var g graph
				g.firesWith(t, "AwsSolutions-CFR4", cfDistribution(&g, func(in map[string]any) { in["viewerCertificate"] = c.cert }), c.want)
			}
			var g graph
			g.firesWith(t, "AwsSolutions-CFR4", cfDistribution(&g, func(in map[string]any) { delete(in, "viewerCertificate") }), "viewerCertificate is not set")
		})

	ruleCase(t, "AwsSolutions-CFR5",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-CFR5", cfDistribution(&g, nil))
		},
		func(t *testing.T) {
			cases := []struct {
				custom map[string]any
				want   string
			}{
				{map[string]any{"originProtocolPolicy": "http-only", "originSslProtocols": []any{"TLSv1.2"}}, `origin "api" (origins[1]): customOriginConfig.originProtocolPolicy is "http-only", not "https-only"`},
				{map[string]any{"originProtocolPolicy": "match-viewer", "originSslProtocols": []any{"TLSv1.2"}}, `is "match-viewer"`},
				{map[string]any{"originProtocolPolicy": "https-only", "originSslProtocols": []any{"TLSv1.2", "tlsv1"}}, `customOriginConfig.originSslProtocols includes "tlsv1"`},
				{map[string]any{"originProtocolPolicy": "https-only", "originSslProtocols": []any{"SSLv3"}}, `includes "SSLv3"`},
				{map[string]any{"originProtocolPolicy": "https-only"}, "customOriginConfig.originSslProtocols is not set"},
				{map[string]any{"originProtocolPolicy": unknown, "originSslProtocols": []any{"TLSv1.2"}}, "originProtocolPolicy is not known until deploy"},
			}
			for _, c := range cases {
				var g graph
				g.firesWith(t, "AwsSolutions-CFR5", cfDistribution(&g, func(in map[string]any) {
					cfOrigins(in)[1].(map[string]any)["customOriginConfig"] = c.custom
				}), c.want)
			}
		})

	ruleCase(t, "AwsSolutions-CFR7",
		func(t *testing.T) {
			var g graph
			g.passes(t, "AwsSolutions-CFR7", cfDistribution(&g, nil))
			var g2 graph // a bucket of another stack is not this rule's to judge
			g2.passes(t, "AwsSolutions-CFR7", cfDistribution(&g2, func(in map[string]any) {
				cfOrigins(in)[0] = map[string]any{"originId": "ext", "domainName": "other-stack-bucket.s3.amazonaws.com"}
			}))
			var g3 graph // an access control created in the same deploy
			g3.passes(t, "AwsSolutions-CFR7", cfDistribution(&g3, func(in map[string]any) {
				cfOrigins(in)[0].(map[string]any)["originAccessControlId"] = unknown
			}))
		},
		func(t *testing.T) {
			var g graph
			d := cfDistribution(&g, func(in map[string]any) {
				o := cfOrigins(in)[0].(map[string]any)
				delete(o, "originAccessControlId")
				o["s3OriginConfig"] = map[string]any{"originAccessIdentity": "origin-access-identity/cloudfront/E1"}
			})
			g.firesWith(t, "AwsSolutions-CFR7", d, `origin "site" (origins[0]) serves bucket "`)
			var g2 graph
			b := g2.add(typeBucketV2, "web", map[string]any{"bucket": "my.dotted.site"})
			d2 := cfDistribution(&g2, func(in map[string]any) {
				cfOrigins(in)[0] = map[string]any{"originId": "web", "domainName": g2.physical(b, "bucket") + ".s3-website-eu-west-1.amazonaws.com", "originAccessControlId": "  "}
			})
			g2.firesWith(t, "AwsSolutions-CFR7", d2, `serves bucket "my.dotted.site"`)
		})
}

func TestCloudFrontOddInputs(t *testing.T) {
	oddInputs(t, typeCloudFrontDistrib, "restrictions", "restrictions.geoRestriction.restrictionType", "webAclId", "loggingConfig",
		"viewerCertificate", "viewerCertificate.cloudfrontDefaultCertificate", "viewerCertificate.sslSupportMethod",
		"viewerCertificate.minimumProtocolVersion", "origins")
}

func TestCloudFrontS3Domain(t *testing.T) {
	for domain, want := range map[string]string{
		"b.s3.amazonaws.com":                           "b",
		"b.s3.eu-west-1.amazonaws.com":                 "b",
		"my.b.s3.eu-west-1.amazonaws.com":              "my.b",
		"b.s3-website-us-east-1.amazonaws.com":         "b",
		"b.s3-website.eu-central-1.amazonaws.com":      "b",
		"b.s3.cn-north-1.amazonaws.com.cn":             "b",
		"api.example.com":                              "",
		"d111111abcdef8.cloudfront.net":                "",
		"b.s3.eu-west-1.amazonaws.com.evil.example.co": "",
	} {
		got := ""
		if m := cfS3Domain.FindStringSubmatch(domain); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("bucket of %q: got %q; want %q", domain, got, want)
		}
	}
}
