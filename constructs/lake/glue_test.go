package lake_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	"github.com/kumo-iac/kumo/constructs/lake"
)

const (
	typGlueComponent = "kumo:constructs:GlueCatalog"
	typGlueDatabase  = "aws:glue/catalogDatabase:CatalogDatabase"
	typCrawler       = "aws:glue/crawler:Crawler"
	typSecConf       = "aws:glue/securityConfiguration:SecurityConfiguration"
)

// synthGlue synthesizes a GlueCatalog "sales"; targets, when given, name
// prefixes of a bucket "raw" the args crawl.
func synthGlue(t *testing.T, args lake.GlueCatalogArgs, prefixes ...string) (*synthtest.Project, *synthtest.Stack) {
	t.Helper()
	p := synthtest.NewProject(t)
	s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		out := pulumi.Map{}
		if len(prefixes) > 0 {
			raw, err := lakeBucket(ctx, "raw")
			if err != nil {
				return nil, err
			}
			for _, pre := range prefixes {
				args.Targets = append(args.Targets, lake.CrawlerTarget{Bucket: raw, Prefix: pre})
			}
			out["bucket"], out["bucketArn"] = raw.Name, raw.Arn
		}
		c, err := lake.NewGlueCatalog(ctx, "sales", &args)
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
	_, s := synthGlue(t, lake.GlueCatalogArgs{})
	comp := s.Find(typGlueComponent, "sales")
	if got, want := s.ChildSet(comp.URN), []string{typGlueDatabase + " sales"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children without Targets: got %q; want %q", got, want)
	}
	// The default name carries project and stack: Glue database names are
	// unique per account and region, which a project's stacks may share.
	synthtest.WantInputs(t, s.Find(typGlueDatabase, "sales"), synthtest.Check{"name", "kumo_test_sales"})
	if got := s.Outputs["crawlerName"]; got != "" {
		t.Errorf("CrawlerName without Targets: got %#v; want \"\"", got)
	}
	if got, want := s.Output("databaseArn"), "arn:aws:glue:"+synthtest.Region+":"+synthtest.Account+":database/kumo_test_sales"; got != want {
		t.Errorf("DatabaseArn: got %q; want %q", got, want)
	}
	// Names Athena cannot read are derived into ones it can.
	p := synthtest.NewProject(t)
	s = p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		_, err := lake.NewGlueCatalog(ctx, "Lake-Sales.2024", nil)
		return nil, err
	})
	synthtest.WantInputs(t, s.Find(typGlueDatabase, "Lake-Sales.2024"), synthtest.Check{"name", "kumo_test_lake_sales_2024"})
}

func TestGlueCatalogCrawler(t *testing.T) {
	_, s := synthGlue(t, lake.GlueCatalogArgs{DatabaseName: "lake", Schedule: "cron(0 2 * * ? *)", TablePrefix: "raw_"}, "sales/", "returns/")
	comp := s.Find(typGlueComponent, "sales")
	if got, want := s.ChildSet(comp.URN), []string{
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
	role := s.Find(typRole, "sales-crawler")
	trust := synthtest.PolicyInput(t, role, "assumeRolePolicy")
	if got := trust.Statement[0].Principal; !reflect.DeepEqual(got, map[string]any{"Service": []any{"glue.amazonaws.com"}}) {
		t.Errorf("crawler role trust: got %v; want glue.amazonaws.com", got)
	}
	synthtest.WantInputs(t, role, synthtest.Check{"managedPolicyArns", nil})
	secConf := s.Find(typSecConf, "sales")
	synthtest.WantInputs(t, secConf, synthtest.Check{"encryptionConfiguration", map[string]any{
		"cloudwatchEncryption":   map[string]any{"cloudwatchEncryptionMode": "DISABLED"},
		"jobBookmarksEncryption": map[string]any{"jobBookmarksEncryptionMode": "DISABLED"},
		"s3Encryption":           map[string]any{"s3EncryptionMode": "SSE-S3"},
	}})
	lg := s.Find(typLogGroup, "sales-crawler")
	synthtest.WantInputs(t, lg, synthtest.Check{"name", "/aws-glue/crawlers-role/" + role.State["name"].(string) + "-" + secConf.State["name"].(string)},
		synthtest.Check{"retentionInDays", 30}, synthtest.Check{"kmsKeyId", nil})

	crawler := s.Find(typCrawler, "sales")
	bucket := s.Output("bucket")
	synthtest.WantInputs(t, crawler,
		synthtest.Check{"databaseName", "lake"},
		synthtest.Check{"role", role.State["arn"]},
		synthtest.Check{"s3Targets", []any{map[string]any{"path": "s3://" + bucket + "/sales/"}, map[string]any{"path": "s3://" + bucket + "/returns/"}}},
		synthtest.Check{"schedule", "cron(0 2 * * ? *)"},
		synthtest.Check{"tablePrefix", "raw_"},
		synthtest.Check{"securityConfiguration", secConf.State["name"]},
		synthtest.Check{"schemaChangePolicy", map[string]any{"updateBehavior": "UPDATE_IN_DATABASE", "deleteBehavior": "DEPRECATE_IN_DATABASE"}},
		synthtest.Check{"recrawlPolicy", map[string]any{"recrawlBehavior": "CRAWL_EVERYTHING"}},
	)
	for _, dep := range []string{"sales-crawler-bucket-raw-read", "sales-crawler-catalog", "sales-crawler-logs"} {
		if !synthtest.DependsOn(crawler, s.Find(typRolePolicy, dep)) {
			t.Errorf("crawler does not depend on its role policy %s: Glue checks the role when it creates the crawler", dep)
		}
	}
	if !synthtest.DependsOn(crawler, lg) {
		t.Errorf("crawler does not depend on its log group")
	}
	if got := s.Output("crawlerName"); got != crawler.State["name"] {
		t.Errorf("CrawlerName: got %q; want the crawler's name %q", got, crawler.State["name"])
	}

	// The crawler's role: the catalog actions on this database only, its
	// own log group, and read on the bucket it crawls (one grant for two
	// prefixes).
	dbArn := s.Output("databaseArn")
	prefix := strings.TrimSuffix(dbArn, ":database/lake")
	catalog := synthtest.PolicyInput(t, s.Find(typRolePolicy, "sales-crawler-catalog"), "policy").StatementBySid(t, "CrawlerWritesCatalog")
	if want := []string{prefix + ":catalog", dbArn, prefix + ":table/lake/*"}; !reflect.DeepEqual(catalog.Resource, want) {
		t.Errorf("catalog statement resources: got %q; want %q", catalog.Resource, want)
	}
	for _, a := range catalog.Action {
		if a == "glue:*" || strings.Contains(a, "Delete") {
			t.Errorf("catalog statement allows %s; the crawler deprecates, never deletes", a)
		}
	}
	logs := synthtest.PolicyInput(t, s.Find(typRolePolicy, "sales-crawler-logs"), "policy").StatementBySid(t, "CrawlerWritesOwnLogGroup")
	lgArn := lg.State["arn"].(string)
	if !reflect.DeepEqual(logs.Resource, []string{lgArn, lgArn + ":*"}) ||
		!reflect.DeepEqual(logs.Action, []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}) {
		t.Errorf("logs statement: got %+v; want writes to %s only", logs, lgArn)
	}
	read := synthtest.PolicyInput(t, s.Find(typRolePolicy, "sales-crawler-bucket-raw-read"), "policy")
	if got := read.StatementBySid(t, "BucketRead").Resource; !reflect.DeepEqual(got, []string{s.Output("bucketArn") + "/*"}) {
		t.Errorf("bucket read: got %q; want the raw bucket's objects", got)
	}
}

func TestGlueCatalogKillSwitch(t *testing.T) {
	off := false
	_, s := synthGlue(t, lake.GlueCatalogArgs{Schedule: "cron(0 2 * * ? *)", Enabled: &off}, "sales/")
	synthtest.WantInputs(t, s.Find(typCrawler, "sales"), synthtest.Check{"schedule", nil}, synthtest.Check{"databaseName", "kumo_test_sales"})
}

func TestGlueCatalogKMSKey(t *testing.T) {
	_, s := synthGlue(t, lake.GlueCatalogArgs{KMSKeyArn: pulumi.String(testKeyArn)}, "")
	synthtest.WantInputs(t, s.Find(typSecConf, "sales"), synthtest.Check{"encryptionConfiguration", map[string]any{
		"cloudwatchEncryption":   map[string]any{"cloudwatchEncryptionMode": "SSE-KMS", "kmsKeyArn": testKeyArn},
		"jobBookmarksEncryption": map[string]any{"jobBookmarksEncryptionMode": "CSE-KMS", "kmsKeyArn": testKeyArn},
		"s3Encryption":           map[string]any{"s3EncryptionMode": "SSE-KMS", "kmsKeyArn": testKeyArn},
	}})
	synthtest.WantInputs(t, s.Find(typLogGroup, "sales-crawler"), synthtest.Check{"kmsKeyId", testKeyArn})
	logs := synthtest.PolicyInput(t, s.Find(typRolePolicy, "sales-crawler-logs"), "policy").StatementBySid(t, "CrawlerWritesOwnLogGroup")
	if !strings.Contains(strings.Join(logs.Action, " "), "logs:AssociateKmsKey") {
		t.Errorf("logs actions with a key: got %q; want logs:AssociateKmsKey too", logs.Action)
	}
	key := synthtest.PolicyInput(t, s.Find(typRolePolicy, "sales-crawler-kms"), "policy").StatementBySid(t, "CrawlerUsesKey")
	if !reflect.DeepEqual(key.Resource, []string{testKeyArn}) {
		t.Errorf("key statement: got %q; want the key only", key.Resource)
	}
	synthtest.WantInputs(t, s.Find(typCrawler, "sales"), synthtest.Check{"s3Targets", []any{map[string]any{"path": "s3://" + s.Output("bucket") + "/"}}})
}

func TestGlueCatalogGrantRead(t *testing.T) {
	p := synthtest.NewProject(t)
	s := p.Synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		c, err := lake.NewGlueCatalog(ctx, "sales", nil)
		if err != nil {
			return nil, err
		}
		fn, err := constructs.NewFunction(ctx, "fn", p.FnArgs())
		if err != nil {
			return nil, err
		}
		if err := c.GrantRead(fn); err != nil {
			return nil, err
		}
		out := pulumi.Map{"roleName": fn.Role.Name}
		out["databaseArn"] = c.DatabaseArn
		return out, nil
	})
	synthtest.CheckGrantPolicy(t, s, "fn-glue-sales-read", []synthtest.WantStatement{{"CatalogRead",
		[]string{"glue:BatchGetPartition", "glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions", "glue:GetTable", "glue:GetTables"},
		func(s *synthtest.Stack) []string {
			db := s.Output("databaseArn")
			prefix := strings.TrimSuffix(db, ":database/kumo_test_sales")
			return []string{prefix + ":catalog", db, prefix + ":table/kumo_test_sales/*"}
		}}})
}

func TestGlueCatalogBadInputs(t *testing.T) {
	type env struct{ raw *constructs.Bucket }
	setup := func(ctx *pulumi.Context, _ *synthtest.Project) (env, error) {
		raw, err := constructs.NewBucket(ctx, "raw", nil)
		return env{raw}, err
	}
	newCatalog := func(args func(e env) lake.GlueCatalogArgs) func(*pulumi.Context, *synthtest.Project, env) error {
		return func(ctx *pulumi.Context, _ *synthtest.Project, e env) error {
			a := args(e)
			_, err := lake.NewGlueCatalog(ctx, "sales", &a)
			return err
		}
	}
	fixed := func(a lake.GlueCatalogArgs) func(env) lake.GlueCatalogArgs {
		return func(env) lake.GlueCatalogArgs { return a }
	}
	target := func(e env) []lake.CrawlerTarget { return []lake.CrawlerTarget{{Bucket: e.raw}} }
	cron := func(s string) func(env) lake.GlueCatalogArgs {
		return func(e env) lake.GlueCatalogArgs {
			return lake.GlueCatalogArgs{Targets: target(e), Schedule: s}
		}
	}
	off := false
	const scope = `glue catalog "sales"`
	synthtest.RunBadInputs(t, setup, []synthtest.BadInput[env]{
		{Name: "database name with upper case and '-'", Build: newCatalog(fixed(lake.GlueCatalogArgs{DatabaseName: "Sales-DB"})), Scope: scope,
			Problems: [][]string{{"DatabaseName", `"Sales-DB"`, "lower-case letters, digits or '_'", "Athena"}}},
		{Name: "database name over 255", Build: newCatalog(fixed(lake.GlueCatalogArgs{DatabaseName: strings.Repeat("d", 256)})), Scope: scope,
			Problems: [][]string{{"DatabaseName", "1–255"}}},
		{Name: "targets", Build: newCatalog(func(e env) lake.GlueCatalogArgs {
			return lake.GlueCatalogArgs{Targets: []lake.CrawlerTarget{{Prefix: "sales/"}, {Bucket: e.raw, Prefix: "/sales"}, {Bucket: e.raw, Prefix: "a//b"}}}
		}), Scope: scope, Problems: [][]string{
			{"Targets[0].Bucket", "nil"},
			{"Targets[1].Prefix", `"/sales"`, "leading '/'"},
			{"Targets[2].Prefix", `"a//b"`, "empty segments"},
		}},
		{Name: "crawler settings without a crawler", Build: newCatalog(fixed(lake.GlueCatalogArgs{
			Schedule: "cron(0 2 * * ? *)", Enabled: &off, TablePrefix: "raw_", KMSKeyArn: pulumi.String(testKeyArn)})), Scope: scope,
			Problems: [][]string{{"Schedule", "without Targets"}, {"Enabled", "without Targets"}, {"TablePrefix", "without Targets"}, {"KMSKeyArn", "without Targets"}}},
		{Name: "rate schedule", Build: newCatalog(cron("rate(1 day)")), Scope: scope,
			Problems: [][]string{{"Schedule", `"rate(1 day)"`, "not cron(…)", "cron(0 2 * * ? *)"}}},
		{Name: "five-field cron", Build: newCatalog(cron("cron(0 2 * * ?)")), Scope: scope,
			Problems: [][]string{{"Schedule", "5 fields", "6"}}},
		{Name: "cron with both day fields", Build: newCatalog(cron("cron(0 2 1 * MON *)")), Scope: scope,
			Problems: [][]string{{"Schedule", "exactly one of day-of-month and day-of-week"}}},
		{Name: "cron with a bad hour", Build: newCatalog(cron("cron(0 2am * * ? *)")), Scope: scope,
			Problems: [][]string{{"Schedule", `hours field "2am"`}}},
		{Name: "table prefix", Build: newCatalog(func(e env) lake.GlueCatalogArgs {
			return lake.GlueCatalogArgs{Targets: target(e), TablePrefix: "Raw-"}
		}), Scope: scope, Problems: [][]string{{"TablePrefix", `"Raw-"`, "128 lower-case"}}},
		{Name: "log retention", Build: newCatalog(fixed(lake.GlueCatalogArgs{LogRetentionDays: 2})), Scope: scope,
			Problems: [][]string{{"LogRetentionDays", "2", "1, 3, 5"}}},
	})
}

func TestGlueCatalogPassesKumoCheck(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       lake.GlueCatalogArgs
		suppressed map[string]string
	}{
		{"without a key", lake.GlueCatalogArgs{}, map[string]string{"AwsSolutions-GL1": "GlueCatalogArgs.KMSKeyArn"}},
		{"with a customer managed key", lake.GlueCatalogArgs{KMSKeyArn: pulumi.String(testKeyArn)}, map[string]string{}},
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
