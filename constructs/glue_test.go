package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typGlueComponent = "kumo:constructs:GlueCatalog"
	typGlueDatabase  = "aws:glue/catalogDatabase:CatalogDatabase"
	typCrawler       = "aws:glue/crawler:Crawler"
	typSecConf       = "aws:glue/securityConfiguration:SecurityConfiguration"
)

// synthGlue synthesizes a GlueCatalog "sales"; targets, when given, name
// prefixes of a bucket "raw" the args crawl.
func synthGlue(t *testing.T, args constructs.GlueCatalogArgs, prefixes ...string) (*project, *stack) {
	t.Helper()
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		out := pulumi.Map{}
		if len(prefixes) > 0 {
			raw, err := lakeBucket(ctx, "raw")
			if err != nil {
				return nil, err
			}
			for _, pre := range prefixes {
				args.Targets = append(args.Targets, constructs.CrawlerTarget{Bucket: raw, Prefix: pre})
			}
			out["bucket"], out["bucketArn"] = raw.Name, raw.Arn
		}
		c, err := constructs.NewGlueCatalog(ctx, "sales", &args)
		if err != nil {
			return nil, err
		}
		out["databaseName"], out["databaseArn"], out["crawlerName"] = c.DatabaseName, c.DatabaseArn, c.CrawlerName
		return out, nil
	})
	return p, s
}

// lakeBucket is a bucket with server access logs, as a data lake's are, so
// that kumo check of a program holding it tests the catalog, not the bucket.
func lakeBucket(ctx *pulumi.Context, name string) (*constructs.Bucket, error) {
	logs, err := constructs.NewBucket(ctx, name+"-logs", &constructs.BucketArgs{ForAccessLogs: true})
	if err != nil {
		return nil, err
	}
	return constructs.NewBucket(ctx, name, &constructs.BucketArgs{AccessLogBucket: logs})
}

func TestGlueCatalogDatabaseOnly(t *testing.T) {
	_, s := synthGlue(t, constructs.GlueCatalogArgs{})
	comp := s.find(typGlueComponent, "sales")
	if got, want := s.childSet(comp.URN), []string{typGlueDatabase + " sales"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children without Targets: got %q; want %q", got, want)
	}
	// The default name carries project and stack: Glue database names are
	// unique per account and region, which a project's stacks may share.
	wantInputs(t, s.find(typGlueDatabase, "sales"), check{"name", "kumo_test_sales"})
	if got := s.Outputs["crawlerName"]; got != "" {
		t.Errorf("CrawlerName without Targets: got %#v; want \"\"", got)
	}
	if got, want := s.output("databaseArn"), "arn:aws:glue:"+testRegion+":"+testAccount+":database/kumo_test_sales"; got != want {
		t.Errorf("DatabaseArn: got %q; want %q", got, want)
	}
	// Names Athena cannot read are derived into ones it can.
	p := newProject(t)
	s = p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := constructs.NewGlueCatalog(ctx, "Lake-Sales.2024", nil)
		return nil, err
	})
	wantInputs(t, s.find(typGlueDatabase, "Lake-Sales.2024"), check{"name", "kumo_test_lake_sales_2024"})
}

func TestGlueCatalogCrawler(t *testing.T) {
	_, s := synthGlue(t, constructs.GlueCatalogArgs{DatabaseName: "lake", Schedule: "cron(0 2 * * ? *)", TablePrefix: "raw_"}, "sales/", "returns/")
	comp := s.find(typGlueComponent, "sales")
	if got, want := s.childSet(comp.URN), []string{
		typLogGroup + " sales-crawler",
		typGlueDatabase + " sales",
		typCrawler + " sales",
		typSecConf + " sales",
		typRole + " sales-crawler",
		typRolePolicy + " sales-crawler-bucket-raw-read",
		typRolePolicy + " sales-crawler-catalog",
		typRolePolicy + " sales-crawler-logs",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	role := s.find(typRole, "sales-crawler")
	trust := policyInput(t, role, "assumeRolePolicy")
	if got := trust.Statement[0].Principal; !reflect.DeepEqual(got, map[string]any{"Service": []any{"glue.amazonaws.com"}}) {
		t.Errorf("crawler role trust: got %v; want glue.amazonaws.com", got)
	}
	wantInputs(t, role, check{"managedPolicyArns", nil})
	secConf := s.find(typSecConf, "sales")
	wantInputs(t, secConf, check{"encryptionConfiguration", map[string]any{
		"cloudwatchEncryption":   map[string]any{"cloudwatchEncryptionMode": "DISABLED"},
		"jobBookmarksEncryption": map[string]any{"jobBookmarksEncryptionMode": "DISABLED"},
		"s3Encryption":           map[string]any{"s3EncryptionMode": "SSE-S3"},
	}})
	lg := s.find(typLogGroup, "sales-crawler")
	wantInputs(t, lg, check{"name", "/aws-glue/crawlers-role/" + role.State["name"].(string) + "-" + secConf.State["name"].(string)},
		check{"retentionInDays", 30}, check{"kmsKeyId", nil})

	crawler := s.find(typCrawler, "sales")
	bucket := s.output("bucket")
	wantInputs(t, crawler,
		check{"databaseName", "lake"},
		check{"role", role.State["arn"]},
		check{"s3Targets", []any{map[string]any{"path": "s3://" + bucket + "/sales/"}, map[string]any{"path": "s3://" + bucket + "/returns/"}}},
		check{"schedule", "cron(0 2 * * ? *)"},
		check{"tablePrefix", "raw_"},
		check{"securityConfiguration", secConf.State["name"]},
		check{"schemaChangePolicy", map[string]any{"updateBehavior": "UPDATE_IN_DATABASE", "deleteBehavior": "DEPRECATE_IN_DATABASE"}},
		check{"recrawlPolicy", map[string]any{"recrawlBehavior": "CRAWL_EVERYTHING"}},
	)
	for _, dep := range []string{"sales-crawler-bucket-raw-read", "sales-crawler-catalog", "sales-crawler-logs"} {
		if !dependsOn(crawler, s.find(typRolePolicy, dep)) {
			t.Errorf("crawler does not depend on its role policy %s: Glue checks the role when it creates the crawler", dep)
		}
	}
	if !dependsOn(crawler, lg) {
		t.Errorf("crawler does not depend on its log group")
	}
	if got := s.output("crawlerName"); got != crawler.State["name"] {
		t.Errorf("CrawlerName: got %q; want the crawler's name %q", got, crawler.State["name"])
	}

	// The crawler's role: the catalog actions on this database only, its
	// own log group, and read on the bucket it crawls (one grant for two
	// prefixes).
	dbArn := s.output("databaseArn")
	prefix := strings.TrimSuffix(dbArn, ":database/lake")
	catalog := policyInput(t, s.find(typRolePolicy, "sales-crawler-catalog"), "policy").statementBySid(t, "CrawlerWritesCatalog")
	if want := []string{prefix + ":catalog", dbArn, prefix + ":table/lake/*"}; !reflect.DeepEqual(catalog.Resource, want) {
		t.Errorf("catalog statement resources: got %q; want %q", catalog.Resource, want)
	}
	for _, a := range catalog.Action {
		if a == "glue:*" || strings.Contains(a, "Delete") {
			t.Errorf("catalog statement allows %s; the crawler deprecates, never deletes", a)
		}
	}
	logs := policyInput(t, s.find(typRolePolicy, "sales-crawler-logs"), "policy").statementBySid(t, "CrawlerWritesOwnLogGroup")
	lgArn := lg.State["arn"].(string)
	if !reflect.DeepEqual(logs.Resource, []string{lgArn, lgArn + ":*"}) ||
		!reflect.DeepEqual(logs.Action, []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}) {
		t.Errorf("logs statement: got %+v; want writes to %s only", logs, lgArn)
	}
	read := policyInput(t, s.find(typRolePolicy, "sales-crawler-bucket-raw-read"), "policy")
	if got := read.statementBySid(t, "BucketRead").Resource; !reflect.DeepEqual(got, []string{s.output("bucketArn") + "/*"}) {
		t.Errorf("bucket read: got %q; want the raw bucket's objects", got)
	}
}

func TestGlueCatalogKillSwitch(t *testing.T) {
	off := false
	_, s := synthGlue(t, constructs.GlueCatalogArgs{Schedule: "cron(0 2 * * ? *)", Enabled: &off}, "sales/")
	wantInputs(t, s.find(typCrawler, "sales"), check{"schedule", nil}, check{"databaseName", "kumo_test_sales"})
}

func TestGlueCatalogKMSKey(t *testing.T) {
	_, s := synthGlue(t, constructs.GlueCatalogArgs{KMSKeyArn: pulumi.String(testKeyArn)}, "")
	wantInputs(t, s.find(typSecConf, "sales"), check{"encryptionConfiguration", map[string]any{
		"cloudwatchEncryption":   map[string]any{"cloudwatchEncryptionMode": "SSE-KMS", "kmsKeyArn": testKeyArn},
		"jobBookmarksEncryption": map[string]any{"jobBookmarksEncryptionMode": "CSE-KMS", "kmsKeyArn": testKeyArn},
		"s3Encryption":           map[string]any{"s3EncryptionMode": "SSE-KMS", "kmsKeyArn": testKeyArn},
	}})
	wantInputs(t, s.find(typLogGroup, "sales-crawler"), check{"kmsKeyId", testKeyArn})
	logs := policyInput(t, s.find(typRolePolicy, "sales-crawler-logs"), "policy").statementBySid(t, "CrawlerWritesOwnLogGroup")
	if !strings.Contains(strings.Join(logs.Action, " "), "logs:AssociateKmsKey") {
		t.Errorf("logs actions with a key: got %q; want logs:AssociateKmsKey too", logs.Action)
	}
	key := policyInput(t, s.find(typRolePolicy, "sales-crawler-kms"), "policy").statementBySid(t, "CrawlerUsesKey")
	if !reflect.DeepEqual(key.Resource, []string{testKeyArn}) {
		t.Errorf("key statement: got %q; want the key only", key.Resource)
	}
	wantInputs(t, s.find(typCrawler, "sales"), check{"s3Targets", []any{map[string]any{"path": "s3://" + s.output("bucket") + "/"}}})
}

func TestGlueCatalogGrantRead(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		c, err := constructs.NewGlueCatalog(ctx, "sales", nil)
		if err != nil {
			return nil, err
		}
		fn, err := constructs.NewFunction(ctx, "fn", p.fnArgs())
		if err != nil {
			return nil, err
		}
		if err := c.GrantRead(fn); err != nil {
			return nil, err
		}
		out := functionOutputs(fn)
		out["databaseArn"] = c.DatabaseArn
		return out, nil
	})
	checkGrantPolicy(t, s, "fn-glue-sales-read", []wantStatement{{"CatalogRead",
		[]string{"glue:BatchGetPartition", "glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable", "glue:GetTables"},
		func(s *stack) []string {
			db := s.output("databaseArn")
			prefix := strings.TrimSuffix(db, ":database/kumo_test_sales")
			return []string{prefix + ":catalog", db, prefix + ":table/kumo_test_sales/*"}
		}}})
}

func TestGlueCatalogBadInputs(t *testing.T) {
	type env struct{ raw *constructs.Bucket }
	setup := func(ctx *pulumi.Context, _ *project) (env, error) {
		raw, err := constructs.NewBucket(ctx, "raw", nil)
		return env{raw}, err
	}
	newCatalog := func(args func(e env) constructs.GlueCatalogArgs) func(*pulumi.Context, *project, env) error {
		return func(ctx *pulumi.Context, _ *project, e env) error {
			a := args(e)
			_, err := constructs.NewGlueCatalog(ctx, "sales", &a)
			return err
		}
	}
	fixed := func(a constructs.GlueCatalogArgs) func(env) constructs.GlueCatalogArgs {
		return func(env) constructs.GlueCatalogArgs { return a }
	}
	target := func(e env) []constructs.CrawlerTarget { return []constructs.CrawlerTarget{{Bucket: e.raw}} }
	cron := func(s string) func(env) constructs.GlueCatalogArgs {
		return func(e env) constructs.GlueCatalogArgs {
			return constructs.GlueCatalogArgs{Targets: target(e), Schedule: s}
		}
	}
	off := false
	const scope = `glue catalog "sales"`
	runBadInputs(t, setup, []badInput[env]{
		{name: "database name with upper case and '-'", build: newCatalog(fixed(constructs.GlueCatalogArgs{DatabaseName: "Sales-DB"})), scope: scope,
			problems: [][]string{{"DatabaseName", `"Sales-DB"`, "lower-case letters, digits or '_'", "Athena"}}},
		{name: "database name over 255", build: newCatalog(fixed(constructs.GlueCatalogArgs{DatabaseName: strings.Repeat("d", 256)})), scope: scope,
			problems: [][]string{{"DatabaseName", "1–255"}}},
		{name: "targets", build: newCatalog(func(e env) constructs.GlueCatalogArgs {
			return constructs.GlueCatalogArgs{Targets: []constructs.CrawlerTarget{{Prefix: "sales/"}, {Bucket: e.raw, Prefix: "/sales"}, {Bucket: e.raw, Prefix: "a//b"}}}
		}), scope: scope, problems: [][]string{
			{"Targets[0].Bucket", "nil"},
			{"Targets[1].Prefix", `"/sales"`, "leading '/'"},
			{"Targets[2].Prefix", `"a//b"`, "empty segments"},
		}},
		{name: "crawler settings without a crawler", build: newCatalog(fixed(constructs.GlueCatalogArgs{
			Schedule: "cron(0 2 * * ? *)", Enabled: &off, TablePrefix: "raw_", KMSKeyArn: pulumi.String(testKeyArn)})), scope: scope,
			problems: [][]string{{"Schedule", "without Targets"}, {"Enabled", "without Targets"}, {"TablePrefix", "without Targets"}, {"KMSKeyArn", "without Targets"}}},
		{name: "rate schedule", build: newCatalog(cron("rate(1 day)")), scope: scope,
			problems: [][]string{{"Schedule", `"rate(1 day)"`, "not cron(…)", "cron(0 2 * * ? *)"}}},
		{name: "five-field cron", build: newCatalog(cron("cron(0 2 * * ?)")), scope: scope,
			problems: [][]string{{"Schedule", "5 fields", "6"}}},
		{name: "cron with both day fields", build: newCatalog(cron("cron(0 2 1 * MON *)")), scope: scope,
			problems: [][]string{{"Schedule", "exactly one of day-of-month and day-of-week"}}},
		{name: "cron with a bad hour", build: newCatalog(cron("cron(0 2am * * ? *)")), scope: scope,
			problems: [][]string{{"Schedule", `hours field "2am"`}}},
		{name: "table prefix", build: newCatalog(func(e env) constructs.GlueCatalogArgs {
			return constructs.GlueCatalogArgs{Targets: target(e), TablePrefix: "Raw-"}
		}), scope: scope, problems: [][]string{{"TablePrefix", `"Raw-"`, "128 lower-case"}}},
		{name: "log retention", build: newCatalog(fixed(constructs.GlueCatalogArgs{LogRetentionDays: 2})), scope: scope,
			problems: [][]string{{"LogRetentionDays", "2", "1, 3, 5"}}},
	})
}

func TestGlueCatalogPassesKumoCheck(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       constructs.GlueCatalogArgs
		suppressed map[string]string
	}{
		{"without a key", constructs.GlueCatalogArgs{}, map[string]string{"AwsSolutions-GL1": "GlueCatalogArgs.KMSKeyArn"}},
		{"with a customer managed key", constructs.GlueCatalogArgs{KMSKeyArn: pulumi.String(testKeyArn)}, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, s := synthGlue(t, tc.args, "sales/")
			rep := checkClean(t, p, s)
			for _, f := range rep.Findings {
				if f.Type == typCrawler || f.Type == typSecConf || f.Type == typGlueDatabase {
					t.Errorf("finding on the catalog: %s %s", f.ID(), f.Message)
				}
			}
			got := suppressedOn(rep, typCrawler, "sales")
			if len(got) != len(tc.suppressed) {
				t.Errorf("suppressed on the crawler: got %v; want %v", got, tc.suppressed)
			}
			for rule, word := range tc.suppressed {
				if !strings.Contains(got[rule], word) {
					t.Errorf("%s reason: got %q; want it to mention %q", rule, got[rule], word)
				}
			}
			if len(rep.Unused) > 0 {
				t.Errorf("unused suppressions: %+v", rep.Unused)
			}
		})
	}
}
