package synth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Sources of the Glue rules.
const (
	srcGlueDatabaseInput  = "https://docs.aws.amazon.com/glue/latest/webapi/API_DatabaseInput.html"
	srcAthenaNames        = "https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html"
	srcGlueCreateCrawler  = "https://docs.aws.amazon.com/glue/latest/webapi/API_CreateCrawler.html"
	srcGlueSchedule       = "https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html"
	srcGlueSchemaChange   = "https://docs.aws.amazon.com/glue/latest/webapi/API_SchemaChangePolicy.html"
	srcGlueRecrawl        = "https://docs.aws.amazon.com/glue/latest/webapi/API_RecrawlPolicy.html"
	srcGlueIncremental    = "https://docs.aws.amazon.com/glue/latest/dg/incremental-crawls.html"
	srcGlueS3Target       = "https://docs.aws.amazon.com/glue/latest/webapi/API_S3Target.html"
	srcGlueCreateSecConf  = "https://docs.aws.amazon.com/glue/latest/webapi/API_CreateSecurityConfiguration.html"
	srcGlueEncryptionConf = "https://docs.aws.amazon.com/glue/latest/webapi/API_EncryptionConfiguration.html"
	// terraform-provider-aws internal/service/glue/catalog_database.go:
	// name validation.StringLenBetween(1, 255) and
	// StringDoesNotMatch([A-Z], "uppercase characters cannot be used").
	srcTFGlueDatabase = "terraform-provider-aws internal/service/glue/catalog_database.go name StringLenBetween(1, 255), no upper case; " + srcGlueDatabaseInput
	// terraform-provider-aws internal/service/glue/crawler.go: each target
	// list has AtLeastOneOf all of them; table_prefix StringLenBetween(0,
	// 128); configuration validation.StringIsJSON.
	srcTFGlueCrawler = "terraform-provider-aws internal/service/glue/crawler.go (AtLeastOneOf the target blocks, table_prefix 0–128, configuration StringIsJSON); " + srcGlueCreateCrawler
	// pulumi-aws v6.83 glue.SecurityConfigurationEncryptionConfigurationArgs
	// takes all three blocks as required inputs.
	srcProviderGlueSecConf = "pulumi-aws v6.83 glue.SecurityConfigurationEncryptionConfigurationArgs (cloudwatchEncryption, jobBookmarksEncryption, s3Encryption required); " + srcGlueEncryptionConf
)

// glueSingleLine is Glue's "single-line string pattern" of names:
// [\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*.
var glueSingleLine = regexp.MustCompile(`^[\x{20}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}\t]*$`)

// glueName is a Glue name of 1–255 single-line characters, autonamed by the
// provider from the resource name.
func glueName(what, source string) []Name {
	return []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
		Rule: StringRule{Pattern: glueSingleLine, Min: 1, Max: 255,
			Desc: what + " is 1–255 characters on a single line", Source: source}}}
}

// athenaName is what Athena reads as a database or table name.
var athenaName = regexp.MustCompile(`^[a-z0-9_]+$`)

// crawlerTargetLists are the crawler's target blocks.
var crawlerTargetLists = []string{"s3Targets", "dynamodbTargets", "jdbcTargets", "catalogTargets",
	"mongodbTargets", "deltaTargets", "icebergTargets", "hudiTargets"}

var glueSpecs = map[string]Spec{
	"aws:glue/catalogDatabase:CatalogDatabase": {
		Names: []Name{{Prop: "name", Auto: &Autoname{Max: 255, Sep: "-", Source: srcProviderAutonaming},
			Rule: StringRule{Pattern: regexp.MustCompile(`^[^A-Z]+$`), Min: 1, Max: 255,
				Desc: "a database name is 1–255 characters without upper case", Source: srcTFGlueDatabase}}},
		Checks: []Check{
			{Rule: "Athena reads only database names of lower-case letters, digits and '_' (an autonamed database has a '-')", Source: srcAthenaNames,
				Find: func(r *Resource, _ *Stack) []Finding {
					if n := r.Physical("name"); n != "" && !isPlaceholder(n) && !athenaName.MatchString(n) {
						return []Finding{{Property: "name", Value: n}}
					}
					return nil
				}},
			analyticsUnique("aws:glue/catalogDatabase:CatalogDatabase", "name", "catalogId", srcGlueDatabaseInput),
		},
	},

	"aws:glue/crawler:Crawler": {
		Names: glueName("a crawler name", srcGlueCreateCrawler),
		Checks: []Check{
			required(srcGlueCreateCrawler, "role", "databaseName"),
			{Rule: "a crawler needs at least one target (s3Targets, dynamodbTargets, jdbcTargets, catalogTargets, …)", Source: srcTFGlueCrawler,
				Find: func(r *Resource, _ *Stack) []Finding {
					for _, p := range crawlerTargetLists {
						if v, ok := r.Value(p); ok {
							if l, isList := v.([]any); !isList || len(l) > 0 {
								return nil
							}
						}
					}
					return []Finding{{Property: "s3Targets"}}
				}},
			{Rule: "a schedule is a Glue cron expression: cron(minutes hours day-of-month month day-of-week year), with '?' in exactly one of the day fields", Source: srcGlueSchedule,
				Find: func(r *Resource, _ *Stack) []Finding {
					if s, ok := r.String("schedule"); ok && s != "" {
						if problem := glueScheduleProblem(s); problem != "" {
							return []Finding{{Property: "schedule", Value: s + ": " + problem}}
						}
					}
					return nil
				}},
			matches("tablePrefix", StringRule{Max: 128, Desc: "a table prefix is at most 128 characters", Source: srcTFGlueCrawler}),
			oneOf(srcGlueSchemaChange, "schemaChangePolicy.updateBehavior", "LOG", "UPDATE_IN_DATABASE"),
			oneOf(srcGlueSchemaChange, "schemaChangePolicy.deleteBehavior", "LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE"),
			oneOf(srcGlueRecrawl, "recrawlPolicy.recrawlBehavior", "CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY", "CRAWL_EVENT_MODE"),
			{Rule: "an incremental crawl (CRAWL_NEW_FOLDERS_ONLY) only logs schema changes: schemaChangePolicy updateBehavior and deleteBehavior must both be LOG (their defaults are UPDATE_IN_DATABASE and DEPRECATE_IN_DATABASE)", Source: srcGlueIncremental,
				Find: func(r *Resource, _ *Stack) []Finding {
					if b, _ := r.String("recrawlPolicy.recrawlBehavior"); b != "CRAWL_NEW_FOLDERS_ONLY" {
						return nil
					}
					var fs []Finding
					for _, p := range []string{"schemaChangePolicy.updateBehavior", "schemaChangePolicy.deleteBehavior"} {
						if v, _ := r.String(p); v != "LOG" {
							fs = append(fs, Finding{Property: p, Value: v})
						}
					}
					return fs
				}},
			intRange(srcGlueS3Target, "s3Targets[].sampleSize", 1, 249),
			{Rule: "configuration is a JSON object", Source: srcTFGlueCrawler,
				Find: func(r *Resource, _ *Stack) []Finding {
					if c, ok := r.String("configuration"); ok {
						var m map[string]any
						if err := json.Unmarshal([]byte(c), &m); err != nil {
							return []Finding{{Property: "configuration", Value: err.Error()}}
						}
					}
					return nil
				}},
			analyticsUnique("aws:glue/crawler:Crawler", "name", "", srcGlueCreateCrawler),
		},
	},

	"aws:glue/securityConfiguration:SecurityConfiguration": {
		Names: glueName("a security configuration name", srcGlueCreateSecConf),
		Checks: []Check{
			required(srcProviderGlueSecConf, "encryptionConfiguration.cloudwatchEncryption",
				"encryptionConfiguration.jobBookmarksEncryption", "encryptionConfiguration.s3Encryption"),
			oneOf(srcGlueEncryptionConf, "encryptionConfiguration.cloudwatchEncryption.cloudwatchEncryptionMode", "DISABLED", "SSE-KMS"),
			oneOf(srcGlueEncryptionConf, "encryptionConfiguration.jobBookmarksEncryption.jobBookmarksEncryptionMode", "DISABLED", "CSE-KMS"),
			oneOf(srcGlueEncryptionConf, "encryptionConfiguration.s3Encryption.s3EncryptionMode", "DISABLED", "SSE-KMS", "SSE-S3"),
			{Rule: "KMS encryption of CloudWatch logs (SSE-KMS) and job bookmarks (CSE-KMS) names its customer managed key in kmsKeyArn", Source: srcGlueEncryptionConf,
				Find: func(r *Resource, _ *Stack) []Finding {
					var fs []Finding
					for _, c := range []struct{ block, mode, kms string }{
						{"cloudwatchEncryption", "cloudwatchEncryptionMode", "SSE-KMS"},
						{"jobBookmarksEncryption", "jobBookmarksEncryptionMode", "CSE-KMS"},
					} {
						base := "encryptionConfiguration." + c.block
						if m, _ := r.String(base + "." + c.mode); m == c.kms {
							if _, ok := r.Value(base + ".kmsKeyArn"); !ok {
								fs = append(fs, Finding{Property: base + ".kmsKeyArn"})
							}
						}
					}
					return fs
				}},
			analyticsUnique("aws:glue/securityConfiguration:SecurityConfiguration", "name", "", srcGlueCreateSecConf),
		},
	},
}

// glueCronFields are the characters each field of a Glue cron expression
// may hold: Minutes Hours Day-of-month Month Day-of-week Year.
var glueCronFields = []struct {
	name    string
	pattern *regexp.Regexp
}{
	{"minutes", regexp.MustCompile(`^[0-9*,/-]+$`)},
	{"hours", regexp.MustCompile(`^[0-9*,/-]+$`)},
	{"day-of-month", regexp.MustCompile(`^[0-9*,/?LW-]+$`)},
	{"month", regexp.MustCompile(`^[0-9A-Za-z*,/-]+$`)},
	{"day-of-week", regexp.MustCompile(`^[0-9A-Za-z*,/?L#-]+$`)},
	{"year", regexp.MustCompile(`^[0-9*,/-]+$`)},
}

// glueScheduleProblem says what is wrong with a Glue schedule, "" when
// nothing is: "cron(15 12 * * ? *)", six fields, and "You can't specify
// the Day-of-month and Day-of-week fields in the same cron expression" — one
// of them is '?'.
func glueScheduleProblem(s string) string {
	inner, ok := strings.CutPrefix(s, "cron(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return "not cron(…)"
	}
	fields := strings.Fields(strings.TrimSuffix(inner, ")"))
	if len(fields) != len(glueCronFields) {
		return fmt.Sprintf("%d fields, not 6", len(fields))
	}
	for i, f := range fields {
		if !glueCronFields[i].pattern.MatchString(f) {
			return fmt.Sprintf("%s field %q", glueCronFields[i].name, f)
		}
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return "'?' must be in exactly one of day-of-month and day-of-week"
	}
	return ""
}
