package synth

import (
	"fmt"
	"regexp"
	"strings"
)

// Sources of the ACM rules.
const (
	// RequestCertificate: DomainName "Length Constraints: Minimum length of
	// 1. Maximum length of 253. Pattern: (\*\.)?(((?!-)[A-Za-z0-9-]{0,62}
	// [A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])";
	// SubjectAlternativeNames "Array Members: Minimum number of 1 item.
	// Maximum number of 100 items", each name as DomainName;
	// ValidationMethod "Valid Values: EMAIL | DNS"; KeyAlgorithm's values.
	srcACMRequestCertificate = "https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html"
	// "Domain names per ACM certificate: 10" by default, adjustable up to
	// the API's 100; the domain name counts as one of them.
	srcACMQuotas = "https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html"
	// terraform-provider-aws internal/service/acm/certificate_validation.go:
	// validation_record_fqdns are checked against the certificate's DNS
	// validation options ("missing %s DNS validation record"), and
	// certificate_arn is the ARN of a requested certificate.
	srcTFACMValidation = "terraform-provider-aws internal/service/acm/certificate_validation.go (validation_record_fqdns must cover every domain's DNS validation record)"
)

// acmDomainLabel is one label of an ACM domain name: RequestCertificate's
// pattern without the lookahead Go's regexp lacks (no leading '-' is
// checked in acmDomainProblem).
var acmDomainLabel = regexp.MustCompile(`^[A-Za-z0-9-]{0,62}[A-Za-z0-9]$`)

// acmCertificateArn is the shape of an ACM certificate ARN.
var acmCertificateArn = regexp.MustCompile(`^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$`)

// acmArnRegion is the region of an ACM certificate ARN, "" for anything else.
func acmArnRegion(arn string) string {
	m := acmCertificateArn.FindStringSubmatch(arn)
	if m == nil {
		return ""
	}
	return m[1]
}

// acmDomainProblem says what is wrong with a domain name ACM would be asked
// to certify, or "" when RequestCertificate accepts it.
func acmDomainProblem(d string) string {
	if n := len(d); n < 1 || n > 253 {
		return fmt.Sprintf("%d characters, 1–253 allowed", n)
	}
	labels := strings.Split(strings.TrimPrefix(d, "*."), ".")
	if len(labels) < 2 {
		return "needs at least two labels (name.tld)"
	}
	for _, l := range labels {
		if !acmDomainLabel.MatchString(l) || strings.HasPrefix(l, "-") {
			return fmt.Sprintf("label %q is not 1–63 letters, digits or '-' (not starting or ending with '-')", l)
		}
	}
	return ""
}

var acmSpecs = map[string]Spec{
	tACMCertificate: {
		Checks: []Check{
			{Rule: "a requested certificate needs domainName (imported ones take certificateBody and privateKey instead)", Source: srcACMRequestCertificate,
				Find: func(r *Resource, _ *Stack) []Finding {
					_, imported := r.Value("certificateBody")
					if !imported && !nonEmpty(r, "domainName") {
						return []Finding{{Property: "domainName"}}
					}
					return nil
				}},
			{Rule: "domainName and subjectAlternativeNames are domain names of 1–253 characters: labels of 1–63 letters, digits or '-', at least two, an optional leading '*.'", Source: srcACMRequestCertificate,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, p := range []string{"domainName", "subjectAlternativeNames[]"} {
						for _, v := range values(r, p) {
							if s, ok := v.(string); ok && !isPlaceholder(s) {
								if why := acmDomainProblem(s); why != "" {
									fs = append(fs, Finding{Property: strings.TrimSuffix(p, "[]"), Value: s + " (" + why + ")"})
								}
							}
						}
					}
					return fs
				}},
			{Rule: "a certificate names at most 100 domains besides domainName (the API's limit; the default quota is 10 domain names in all, the domain name included)", Source: srcACMRequestCertificate + "; " + srcACMQuotas,
				Find: func(r *Resource, _ *Stack) []Finding {
					if sans := values(r, "subjectAlternativeNames[]"); len(sans) > 100 {
						return []Finding{{Property: "subjectAlternativeNames", Value: fmt.Sprintf("%d names", len(sans))}}
					}
					return nil
				}},
			oneOf(srcACMRequestCertificate, "validationMethod", "DNS", "EMAIL", "NONE"),
			oneOf(srcACMRequestCertificate, "keyAlgorithm", "RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"),
		},
	},
	tACMCertificateValidation: {
		Checks: []Check{
			required(srcTFACMValidation, "certificateArn"),
			{Rule: "certificateArn is an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)", Source: srcACMRequestCertificate,
				Find: func(r *Resource, _ *Stack) []Finding {
					if arn, ok := r.String("certificateArn"); ok && acmArnRegion(arn) == "" {
						return []Finding{{Property: "certificateArn", Value: arn}}
					}
					return nil
				}},
			{Rule: "the validation waits for the DNS records it names: depend on the aws:route53/record resources that hold them, or ACM waits for records that are not there yet",
				Source: srcTFACMValidation,
				Find: func(r *Resource, s *Stack) []Finding {
					var fs []Finding
					for _, v := range values(r, "validationRecordFqdns[]") {
						name, ok := v.(string)
						if !ok || isPlaceholder(name) {
							continue
						}
						name = strings.ToLower(strings.TrimSuffix(name, "."))
						for _, rec := range s.index("name", tRoute53Record, func(x *Resource) (string, bool) {
							n, ok := x.String("name")
							return strings.ToLower(strings.TrimSuffix(n, ".")), ok
						})[name] {
							if !s.DependsOn(r, rec) {
								fs = append(fs, Finding{Property: "validationRecordFqdns", Value: name + " (registered by " + rec.URN + ", which the validation does not depend on)"})
							}
						}
					}
					return fs
				}},
		},
	},
}

const (
	tACMCertificate           = "aws:acm/certificate:Certificate"
	tACMCertificateValidation = "aws:acm/certificateValidation:CertificateValidation"
)
