package synth

import (
	"strings"
	"testing"
)

const (
	tGlueDatabase = "aws:glue/catalogDatabase:CatalogDatabase"
	tCrawler      = "aws:glue/crawler:Crawler"
	tSecConf      = "aws:glue/securityConfiguration:SecurityConfiguration"
)

// secConfInputs are the GlueCatalog construct's security configuration
// without a key.
func secConfInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{"encryptionConfiguration": map[string]any{
		"cloudwatchEncryption":   map[string]any{"cloudwatchEncryptionMode": "DISABLED"},
		"jobBookmarksEncryption": map[string]any{"jobBookmarksEncryptionMode": "DISABLED"},
		"s3Encryption":           map[string]any{"s3EncryptionMode": "SSE-S3"},
	}}, mods...)
}

// crawlerInputs are the GlueCatalog construct's crawler.
func crawlerInputs(mods ...mod) map[string]any {
	return inputs(map[string]any{
		"databaseName": "sales", "role": "arn:aws:iam::123456789012:role/sales-crawler-1234567",
		"s3Targets":             []any{map[string]any{"path": "s3://lake-raw-1234567/sales/"}},
		"securityConfiguration": "sales-7654321",
		"configuration":         `{"Version":1.0}`,
		"schemaChangePolicy":    map[string]any{"updateBehavior": "UPDATE_IN_DATABASE", "deleteBehavior": "DEPRECATE_IN_DATABASE"},
		"recrawlPolicy":         map[string]any{"recrawlBehavior": "CRAWL_EVERYTHING"},
		"schedule":              "cron(0 2 * * ? *)",
	}, mods...)
}

func TestGlueRealityRules(t *testing.T) {
	db := func(name, resName string, in map[string]any, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { f.add(tGlueDatabase, resName, in) }, want: ws}
	}
	crawler := func(name string, ms []mod, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { f.add(tCrawler, "sales", crawlerInputs(ms...)) }, want: ws}
	}
	secConf := func(name string, ms []mod, ws ...want) realityCase {
		return realityCase{name: name, build: func(f *fixture) { f.add(tSecConf, "sales", secConfInputs(ms...)) }, want: ws}
	}
	schedule := func(s string) []mod { return []mod{set("schedule", s)} }
	cronRule := "Glue cron expression"

	cases := []realityCase{
		db("accepted: the GlueCatalog construct's database", "sales", map[string]any{"name": "sales_2024"}),
		// The provider autonames databases as name-1a2b3c4: Glue takes the
		// '-', Athena does not read it.
		db("database autonamed with a '-'", "sales", map[string]any{},
			want{tGlueDatabase, "name", "lower-case letters, digits and '_'", "tables-databases-columns-names"}),
		db("database name with upper case", "sales", map[string]any{"name": "Sales"},
			want{tGlueDatabase, "name", "without upper case", "catalog_database.go"},
			want{tGlueDatabase, "name", "lower-case letters", "tables-databases-columns-names"}),
		db("database name over 255 characters", "sales", map[string]any{"name": strings.Repeat("s", 256)},
			want{tGlueDatabase, "name", "at most 255", "catalog_database.go"}),
		{name: "two databases of one name", build: func(f *fixture) {
			f.add(tGlueDatabase, "a", map[string]any{"name": "sales"})
			f.add(tGlueDatabase, "b", map[string]any{"name": "sales"})
		}, want: []want{{tGlueDatabase, "name", "must be unique", "API_DatabaseInput"}, {tGlueDatabase, "name", "must be unique", "API_DatabaseInput"}}},
		{name: "accepted: one database name in two catalogs", build: func(f *fixture) {
			f.add(tGlueDatabase, "a", map[string]any{"name": "sales", "catalogId": "111111111111"})
			f.add(tGlueDatabase, "b", map[string]any{"name": "sales", "catalogId": "222222222222"})
		}},

		crawler("accepted: the GlueCatalog construct's crawler", nil),
		crawler("accepted: every weekday at 06:30", schedule("cron(30 6 ? * MON-FRI *)")),
		crawler("crawler name over two lines", []mod{set("name", "sales\ncrawler")},
			want{tCrawler, "name", "does not match", "API_CreateCrawler"}),
		{name: "crawler autonamed from a long resource name", build: func(f *fixture) {
			f.add(tCrawler, strings.Repeat("c", 250), crawlerInputs())
		}, want: []want{{tCrawler, "name", "must fit in 255 characters", "SetAutonaming"}}},
		crawler("crawler without a role", []mod{set("role", nil)},
			want{tCrawler, "role", "required", "API_CreateCrawler"}),
		crawler("crawler without a target", []mod{set("s3Targets", nil)},
			want{tCrawler, "s3Targets", "at least one target", "crawler.go"}),
		crawler("crawler with an empty target list", []mod{set("s3Targets", []any{})},
			want{tCrawler, "s3Targets", "at least one target", "crawler.go"}),
		crawler("schedule in rate syntax", schedule("rate(1 day)"),
			want{tCrawler, "schedule", cronRule, "monitor-data-warehouse-schedule"}),
		crawler("schedule with five fields", schedule("cron(0 2 * * ?)"),
			want{tCrawler, "schedule", cronRule, "monitor-data-warehouse-schedule"}),
		crawler("schedule with both day fields", schedule("cron(0 2 * * * *)"),
			want{tCrawler, "schedule", cronRule, "monitor-data-warehouse-schedule"}),
		crawler("schedule with '?' in both day fields", schedule("cron(0 2 ? * ? *)"),
			want{tCrawler, "schedule", cronRule, "monitor-data-warehouse-schedule"}),
		crawler("schedule with a letter in the hours", schedule("cron(0 x * * ? *)"),
			want{tCrawler, "schedule", cronRule, "monitor-data-warehouse-schedule"}),
		crawler("table prefix over 128 characters", []mod{set("tablePrefix", strings.Repeat("t", 129))},
			want{tCrawler, "tablePrefix", "at most 128", "crawler.go"}),
		crawler("update behavior DELETE", []mod{set("schemaChangePolicy.updateBehavior", "DELETE_FROM_DATABASE")},
			want{tCrawler, "schemaChangePolicy.updateBehavior", "LOG, UPDATE_IN_DATABASE", "API_SchemaChangePolicy"}),
		crawler("recrawl behavior that does not exist", []mod{set("recrawlPolicy.recrawlBehavior", "CRAWL_CHANGES")},
			want{tCrawler, "recrawlPolicy.recrawlBehavior", "CRAWL_EVERYTHING", "API_RecrawlPolicy"}),
		crawler("incremental crawl that updates the schema", []mod{set("recrawlPolicy.recrawlBehavior", "CRAWL_NEW_FOLDERS_ONLY")},
			want{tCrawler, "schemaChangePolicy.updateBehavior", "both be LOG", "incremental-crawls"},
			want{tCrawler, "schemaChangePolicy.deleteBehavior", "both be LOG", "incremental-crawls"}),
		crawler("accepted: incremental crawl that logs schema changes", []mod{set("recrawlPolicy.recrawlBehavior", "CRAWL_NEW_FOLDERS_ONLY"),
			set("schemaChangePolicy", map[string]any{"updateBehavior": "LOG", "deleteBehavior": "LOG"})}),
		crawler("sample size of 250 files", []mod{set("s3Targets", []any{map[string]any{"path": "s3://b/p/", "sampleSize": int64(250)}})},
			want{tCrawler, "s3Targets[].sampleSize", "between 1 and 249", "API_S3Target"}),
		crawler("configuration that is not JSON", []mod{set("configuration", "Version=1.0")},
			want{tCrawler, "configuration", "JSON object", "crawler.go"}),

		secConf("accepted: the GlueCatalog construct's security configuration", nil),
		secConf("accepted: with a customer managed key", []mod{
			set("encryptionConfiguration.cloudwatchEncryption", map[string]any{"cloudwatchEncryptionMode": "SSE-KMS", "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/k"}),
			set("encryptionConfiguration.jobBookmarksEncryption", map[string]any{"jobBookmarksEncryptionMode": "CSE-KMS", "kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/k"}),
		}),
		secConf("without job bookmark settings", []mod{set("encryptionConfiguration.jobBookmarksEncryption", nil)},
			want{tSecConf, "encryptionConfiguration.jobBookmarksEncryption", "required", "pulumi-aws v6.83"}),
		secConf("CloudWatch encryption SSE-S3", []mod{set("encryptionConfiguration.cloudwatchEncryption.cloudwatchEncryptionMode", "SSE-S3")},
			want{tSecConf, "encryptionConfiguration.cloudwatchEncryption.cloudwatchEncryptionMode", "DISABLED, SSE-KMS", "API_EncryptionConfiguration"}),
		secConf("job bookmarks SSE-KMS", []mod{set("encryptionConfiguration.jobBookmarksEncryption.jobBookmarksEncryptionMode", "SSE-KMS")},
			want{tSecConf, "encryptionConfiguration.jobBookmarksEncryption.jobBookmarksEncryptionMode", "DISABLED, CSE-KMS", "API_EncryptionConfiguration"}),
		secConf("S3 encryption CSE-KMS", []mod{set("encryptionConfiguration.s3Encryption.s3EncryptionMode", "CSE-KMS")},
			want{tSecConf, "encryptionConfiguration.s3Encryption.s3EncryptionMode", "SSE-S3", "API_EncryptionConfiguration"}),
		secConf("CloudWatch SSE-KMS without a key", []mod{set("encryptionConfiguration.cloudwatchEncryption.cloudwatchEncryptionMode", "SSE-KMS")},
			want{tSecConf, "encryptionConfiguration.cloudwatchEncryption.kmsKeyArn", "customer managed key", "API_EncryptionConfiguration"}),
		{name: "two security configurations of one name", build: func(f *fixture) {
			f.add(tSecConf, "a", secConfInputs(set("name", "lake")))
			f.add(tSecConf, "b", secConfInputs(set("name", "lake")))
		}, want: []want{{tSecConf, "name", "must be unique", "API_CreateSecurityConfiguration"}, {tSecConf, "name", "must be unique", "API_CreateSecurityConfiguration"}}},
	}
	runRealityCases(t, specTypes(glueSpecs), cases)
}

func TestGlueMockOutputs(t *testing.T) {
	_, db := mockState(t, tGlueDatabase, "sales", map[string]any{"name": "sales"})
	wantState(t, db, map[string]string{"id": `123456789012:sales`, "arn": `arn:aws:glue:eu-west-1:123456789012:database/sales`, "catalogId": `123456789012`})
	_, cr := mockState(t, tCrawler, "sales", map[string]any{"databaseName": "sales"})
	wantState(t, cr, map[string]string{"id": `sales-[0-9a-f]{7}`, "name": `sales-[0-9a-f]{7}`, "arn": `arn:aws:glue:eu-west-1:123456789012:crawler/sales-[0-9a-f]{7}`})
	_, sc := mockState(t, tSecConf, "sales", nil)
	wantState(t, sc, map[string]string{"id": `sales-[0-9a-f]{7}`, "name": `sales-[0-9a-f]{7}`})
}
