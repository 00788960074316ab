package lake

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/glue"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/check"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/internal/lazyregexp"
)

// CrawlerTarget is an S3 location a GlueCatalog's crawler reads.
type CrawlerTarget struct {
	// Bucket holds the data. Required.
	Bucket *constructs.Bucket
	// Prefix limits the crawl to keys under it, e.g. "sales/"; Hive-style
	// partitions below it (year=2024/month=01/) become partition columns.
	// Default: the whole bucket.
	Prefix string
}

// GlueCatalogArgs configure a GlueCatalog.
type GlueCatalogArgs struct {
	// DatabaseName is the Glue database, 1–255 lower-case letters, digits
	// or '_' (Athena reads no other names), unique in the account and
	// region. Default: <project>_<stack>_<name> lower-cased, every other
	// character replaced by '_', so two stacks never share a database.
	DatabaseName string
	// Targets are the S3 locations the crawler infers tables from. Default:
	// none, a database without a crawler (tables come from elsewhere).
	Targets []CrawlerTarget
	// Schedule runs the crawler on a Glue cron expression, e.g.
	// "cron(0 2 * * ? *)" (02:00 UTC daily). Default: "", on demand only
	// (glue StartCrawler or the console).
	Schedule string
	// Enabled is the crawler's kill switch: false drops the Schedule, and
	// the crawler stays runnable on demand. Default: true.
	Enabled *bool
	// TablePrefix is prepended to the name of every table the crawler
	// creates, at most 128 lower-case letters, digits or '_'. Default: none.
	TablePrefix string
	// LogRetentionDays is the retention of the crawler's log group.
	// Default: 30.
	LogRetentionDays int
	// KMSKeyArn encrypts the crawler's CloudWatch logs (SSE-KMS), job
	// bookmarks (CSE-KMS) and what Glue writes to S3 (SSE-KMS) with a
	// customer managed key; its key policy must let CloudWatch Logs
	// (logs.<region>.amazonaws.com) use it. Default: none; CloudWatch Logs
	// encrypts the logs with its own keys and Glue writes to S3 with SSE-S3.
	KMSKeyArn pulumi.StringInput
}

// GlueCatalog is a Glue Data Catalog database, usable by Athena, and
// optionally a crawler that infers its tables from S3. The crawler has its
// own role with only what it needs (no AWSGlueServiceRole): the Glue
// catalog actions on this database and its tables, read access to its
// targets through the Bucket grants, and writes to its own log group. Its
// security configuration keeps the job bookmarks and S3 output encrypted;
// with KMSKeyArn, its logs too. A schema change updates the tables, a
// deleted object deprecates them; every run crawls everything.
type GlueCatalog struct {
	pulumi.ResourceState

	name string

	// Database is the catalog database, an escape hatch.
	Database *glue.CatalogDatabase
	// Crawler is the crawler, nil without Targets.
	Crawler *glue.Crawler
	// Role is the crawler's role, nil without Targets.
	Role *iam.Role
	// SecurityConfiguration encrypts what the crawler writes, nil without
	// Targets.
	SecurityConfiguration *glue.SecurityConfiguration
	// LogGroup receives the crawler's logs, nil without Targets.
	LogGroup *cloudwatch.LogGroup

	// DatabaseName is the database name Athena queries use.
	DatabaseName pulumi.StringOutput
	// DatabaseArn is the database ARN grants are scoped to.
	DatabaseArn pulumi.StringOutput
	// CrawlerName is the crawler's name, "" without Targets.
	CrawlerName pulumi.StringOutput
}

var (
	// Athena: "Use only lowercase letters, numbers, and underscores" in
	// database and table names; Glue: 1–255 characters.
	// https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html
	glueDatabasePattern = lazyregexp.New(`^[a-z0-9_]{1,255}$`)
	glueTablePrefix     = lazyregexp.New(`^[a-z0-9_]{0,128}$`)
	glueNameUnsafe      = lazyregexp.New(`[^a-z0-9_]`)
)

func (a GlueCatalogArgs) withDefaults(name string) GlueCatalogArgs {
	if a.DatabaseName == "" {
		a.DatabaseName = glueNameUnsafe().ReplaceAllString(strings.ToLower(name), "_")
	}
	if a.Enabled == nil {
		on := true
		a.Enabled = &on
	}
	a.LogRetentionDays = cmp.Or(a.LogRetentionDays, constructs.DefaultLogRetentionDays)
	a.Targets = slices.Clone(a.Targets)
	return a
}

func (a GlueCatalogArgs) validate() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !glueDatabasePattern().MatchString(a.DatabaseName) {
		add("DatabaseName: %q must be 1–255 lower-case letters, digits or '_', the only names Athena reads", a.DatabaseName)
	}
	for i, t := range a.Targets {
		if t.Bucket == nil {
			add("Targets[%d].Bucket: nil; name the bucket to crawl", i)
		}
		if !core.KeyPrefixValid(t.Prefix) || len(t.Prefix) > 1024 {
			add("Targets[%d].Prefix: %q must be a key prefix without a leading '/', empty segments or wildcards, e.g. \"sales/\"", i, t.Prefix)
		}
	}
	crawlerOnly := func(field string, set bool) {
		if set && len(a.Targets) == 0 {
			add("%s: set without Targets; only a crawler uses it, so add Targets or drop it", field)
		}
	}
	crawlerOnly("Schedule", a.Schedule != "")
	crawlerOnly("Enabled", !*a.Enabled)
	crawlerOnly("TablePrefix", a.TablePrefix != "")
	crawlerOnly("KMSKeyArn", a.KMSKeyArn != nil)
	if a.Schedule != "" {
		if problem := glueCronProblem(a.Schedule); problem != "" {
			add("Schedule: %q %s; write a Glue cron expression such as \"cron(0 2 * * ? *)\" (https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html)", a.Schedule, problem)
		}
	}
	if !glueTablePrefix().MatchString(a.TablePrefix) {
		add("TablePrefix: %q must be at most 128 lower-case letters, digits or '_'", a.TablePrefix)
	}
	if err := core.ValidateLogRetention("LogRetentionDays", a.LogRetentionDays); err != nil {
		errs = multierror.Append(errs, err)
	}
	return errs
}

// glueCronProblem says what is wrong with a Glue cron expression, "" when
// nothing is. Its fields are Minutes Hours Day-of-month Month Day-of-week
// Year, "cron(15 12 * * ? *)", and exactly one of the two day fields is '?'
// ("Time-based schedules for jobs and crawlers",
// https://docs.aws.amazon.com/glue/latest/dg/monitor-data-warehouse-schedule.html).
func glueCronProblem(s string) string {
	inner, ok := strings.CutPrefix(s, "cron(")
	if !ok || !strings.HasSuffix(inner, ")") {
		return "is not cron(…)"
	}
	fields := strings.Fields(strings.TrimSuffix(inner, ")"))
	if len(fields) != 6 {
		return fmt.Sprintf("has %d fields; Glue cron takes 6 (minutes hours day-of-month month day-of-week year)", len(fields))
	}
	names := []string{"minutes", "hours", "day-of-month", "month", "day-of-week", "year"}
	for i, f := range fields {
		if !glueCronField[i]().MatchString(f) {
			return fmt.Sprintf("has %s field %q, which is not valid there", names[i], f)
		}
	}
	if (fields[2] == "?") == (fields[4] == "?") {
		return "must have '?' in exactly one of day-of-month and day-of-week"
	}
	return ""
}

// glueCronField are the characters each field may hold.
var glueCronField = [6]func() *regexp.Regexp{
	lazyregexp.New(`^[0-9*,/-]+$`),
	lazyregexp.New(`^[0-9*,/-]+$`),
	lazyregexp.New(`^([0-9*,/?LW-]+)$`),
	lazyregexp.New(`^[0-9A-Za-z*,/-]+$`),
	lazyregexp.New(`^[0-9A-Za-z*,/?L#-]+$`),
	lazyregexp.New(`^[0-9*,/-]+$`),
}

// NewGlueCatalog registers the database and, with Targets, the crawler,
// its role, security configuration and log group.
func NewGlueCatalog(ctx *pulumi.Context, name string, args *GlueCatalogArgs, opts ...pulumi.ResourceOption) (*GlueCatalog, error) {
	if args == nil {
		args = &GlueCatalogArgs{}
	}
	if args.DatabaseName == "" {
		named := *args
		named.DatabaseName = strings.Join([]string{ctx.Project(), ctx.Stack(), name}, "_")
		named.DatabaseName = glueNameUnsafe().ReplaceAllString(strings.ToLower(named.DatabaseName), "_")
		args = &named
	}
	a := args.withDefaults(name)
	if err := constructs.Invalid(fmt.Sprintf("glue catalog %q", name), a.validate()); err != nil {
		return nil, err
	}
	c := &GlueCatalog{name: name}
	if err := ctx.RegisterComponentResource("kumo:constructs:GlueCatalog", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	var err error
	if c.Database, err = glue.NewCatalogDatabase(ctx, name, &glue.CatalogDatabaseArgs{
		Name: pulumi.String(a.DatabaseName),
	}, parent); err != nil {
		return nil, err
	}
	c.DatabaseName, c.DatabaseArn = c.Database.Name, c.Database.Arn
	c.CrawlerName = pulumi.String("").ToStringOutput()
	if len(a.Targets) > 0 {
		if err := c.crawl(ctx, name, a, parent); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"databaseName": c.DatabaseName, "crawlerName": c.CrawlerName}); err != nil {
		return nil, err
	}
	return c, nil
}

// crawlerConfiguration groups files of compatible schemas under one table
// per prefix and lets partitions inherit the table's schema, so a Hive
// layout (…/year=2024/month=01/) becomes one partitioned table.
// https://docs.aws.amazon.com/glue/latest/dg/crawler-configuration.html
const crawlerConfiguration = `{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"},"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}}}`

// The Glue Data Catalog actions a crawler of S3 data calls on its database
// and tables ("Step 2: Create an IAM role for AWS Glue",
// https://docs.aws.amazon.com/glue/latest/dg/create-an-iam-role.html, cut
// to the catalog actions the crawler's writes need).
var crawlerCatalogActions = []string{
	"glue:BatchCreatePartition", "glue:BatchGetPartition", "glue:BatchUpdatePartition",
	"glue:CreatePartition", "glue:CreateTable", "glue:GetDatabase", "glue:GetPartition",
	"glue:GetPartitions", "glue:GetTable", "glue:GetTables", "glue:UpdatePartition", "glue:UpdateTable",
}

// glueTablesReason justifies "table/<database>/*" (IAM5).
const glueTablesReason = "the tables of this one database: Glue table ARNs are table/<database>/<table>, and the crawler names the tables it infers"

func (c *GlueCatalog) crawl(ctx *pulumi.Context, name string, a GlueCatalogArgs, parent pulumi.ResourceOption) error {
	var err error
	if c.Role, err = iam.NewRole(ctx, name+"-crawler", &iam.RoleArgs{
		Description:      pulumi.Sprintf("Role of the Glue crawler of kumo catalog %s; permissions come only from its grants.", name),
		AssumeRolePolicy: core.AssumeRolePolicy("glue.amazonaws.com"),
	}, parent); err != nil {
		return err
	}
	// The crawler's role is a Grantee, so bucket grants extend it like a
	// function's.
	role := core.RoleGrantee(ctx, name+"-crawler", c, c.Role)

	enc := &glue.SecurityConfigurationEncryptionConfigurationArgs{
		CloudwatchEncryption: &glue.SecurityConfigurationEncryptionConfigurationCloudwatchEncryptionArgs{
			CloudwatchEncryptionMode: pulumi.String("DISABLED")},
		JobBookmarksEncryption: &glue.SecurityConfigurationEncryptionConfigurationJobBookmarksEncryptionArgs{
			JobBookmarksEncryptionMode: pulumi.String("DISABLED")},
		S3Encryption: &glue.SecurityConfigurationEncryptionConfigurationS3EncryptionArgs{
			S3EncryptionMode: pulumi.String("SSE-S3")},
	}
	if k := a.KMSKeyArn; k != nil {
		enc.CloudwatchEncryption = &glue.SecurityConfigurationEncryptionConfigurationCloudwatchEncryptionArgs{
			CloudwatchEncryptionMode: pulumi.String("SSE-KMS"), KmsKeyArn: k}
		enc.JobBookmarksEncryption = &glue.SecurityConfigurationEncryptionConfigurationJobBookmarksEncryptionArgs{
			JobBookmarksEncryptionMode: pulumi.String("CSE-KMS"), KmsKeyArn: k}
		enc.S3Encryption = &glue.SecurityConfigurationEncryptionConfigurationS3EncryptionArgs{
			S3EncryptionMode: pulumi.String("SSE-KMS"), KmsKeyArn: k}
	}
	if c.SecurityConfiguration, err = glue.NewSecurityConfiguration(ctx, name, &glue.SecurityConfigurationArgs{
		EncryptionConfiguration: enc,
	}, parent); err != nil {
		return err
	}

	// With a security configuration, a crawler logs to
	// /aws-glue/crawlers-role/<role path and name>-<configuration name>
	// instead of the account's shared /aws-glue/crawlers, so the construct
	// can own that group and give it a retention (Glue creates its groups
	// without one).
	lgArgs := &cloudwatch.LogGroupArgs{
		Name:            pulumi.Sprintf("/aws-glue/crawlers-role/%s-%s", c.Role.Name, c.SecurityConfiguration.Name),
		RetentionInDays: pulumi.Int(a.LogRetentionDays),
	}
	if a.KMSKeyArn != nil {
		lgArgs.KmsKeyId = a.KMSKeyArn
	}
	if c.LogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-crawler", lgArgs, parent); err != nil {
		return err
	}

	if err := core.AddToRolePolicy(role, "catalog", constructs.Statement{
		Sid:            "CrawlerWritesCatalog",
		Actions:        crawlerCatalogActions,
		Resources:      c.catalogResources(),
		WildcardReason: glueTablesReason,
	}); err != nil {
		return err
	}
	logActions := []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}
	if a.KMSKeyArn != nil {
		// Glue associates the key with the log group it writes to.
		logActions = append(logActions, "logs:AssociateKmsKey")
	}
	if err := core.AddToRolePolicy(role, "logs", constructs.Statement{
		Sid:            "CrawlerWritesOwnLogGroup",
		Actions:        logActions,
		Resources:      []pulumi.StringInput{c.LogGroup.Arn, core.Suffix(":*", c.LogGroup.Arn)},
		WildcardReason: "the log streams of the crawler's own log group, which Glue names per crawler run",
	}); err != nil {
		return err
	}
	if a.KMSKeyArn != nil {
		if err := core.AddToRolePolicy(role, "kms", constructs.Statement{
			Sid:       "CrawlerUsesKey",
			Actions:   []string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"},
			Resources: []pulumi.StringInput{a.KMSKeyArn},
		}); err != nil {
			return err
		}
	}
	var s3Targets glue.CrawlerS3TargetArray
	var granted []*constructs.Bucket
	for _, t := range a.Targets {
		s3Targets = append(s3Targets, &glue.CrawlerS3TargetArgs{Path: pulumi.Sprintf("s3://%s/%s", t.Bucket.Name, t.Prefix)})
		if !slices.Contains(granted, t.Bucket) {
			granted = append(granted, t.Bucket)
			if err := t.Bucket.GrantRead(role); err != nil {
				return err
			}
		}
	}

	crawlerArgs := &glue.CrawlerArgs{
		DatabaseName:          c.Database.Name,
		Role:                  c.Role.Arn,
		S3Targets:             s3Targets,
		SecurityConfiguration: c.SecurityConfiguration.Name,
		Configuration:         pulumi.String(crawlerConfiguration),
		SchemaChangePolicy: &glue.CrawlerSchemaChangePolicyArgs{
			UpdateBehavior: pulumi.String("UPDATE_IN_DATABASE"),
			DeleteBehavior: pulumi.String("DEPRECATE_IN_DATABASE"),
		},
		// Incremental crawls (CRAWL_NEW_FOLDERS_ONLY) require LOG for both
		// behaviors above, so schema changes would go unnoticed.
		RecrawlPolicy: &glue.CrawlerRecrawlPolicyArgs{RecrawlBehavior: pulumi.String("CRAWL_EVERYTHING")},
	}
	if a.Schedule != "" && *a.Enabled {
		crawlerArgs.Schedule = pulumi.String(a.Schedule)
	}
	if a.TablePrefix != "" {
		crawlerArgs.TablePrefix = pulumi.String(a.TablePrefix)
	}
	// Glue checks at CreateCrawler that it can assume the role and use it
	// (terraform-provider-aws retries "Service is unable to assume role"),
	// and the log group must exist before the first run writes to it.
	deps := append(role.Policies(), c.LogGroup)
	if c.Crawler, err = glue.NewCrawler(ctx, name, crawlerArgs, parent, pulumi.DependsOn(deps)); err != nil {
		return err
	}
	c.CrawlerName = c.Crawler.Name
	if a.KMSKeyArn == nil {
		if err := check.Suppress(ctx, c.Crawler, check.Suppression{Rule: "AwsSolutions-GL1",
			Reason: "no customer managed key given (GlueCatalogArgs.KMSKeyArn): Glue's CloudWatch Logs encryption takes only a customer key; CloudWatch Logs still encrypts the crawler's logs at rest with its own keys"}); err != nil {
			return err
		}
	}
	return nil
}

// catalogReadActions read the catalog's tables, as Athena does for a query
// ("Fine-grained access to databases and tables in the AWS Glue Data
// Catalog", https://docs.aws.amazon.com/athena/latest/ug/fine-grained-access-to-glue-resources.html).
var catalogReadActions = []string{"glue:BatchGetPartition", "glue:GetDatabase", "glue:GetPartition",
	"glue:GetPartitions", "glue:GetTable", "glue:GetTables"}

// GrantRead lets g read the database's table definitions and partitions,
// as an Athena query of them needs; reading the data itself takes a grant
// on the bucket that holds it.
func (c *GlueCatalog) GrantRead(g constructs.Grantee) error {
	return core.AddToRolePolicy(g, fmt.Sprintf("glue-%s-read", c.name), constructs.Statement{
		Sid:            "CatalogRead",
		Actions:        catalogReadActions,
		Resources:      c.catalogResources(),
		WildcardReason: glueTablesReason,
	})
}

// catalogResources are the ARNs Glue authorizes a table access against:
// the account's catalog, the database and its tables, all sharing the
// database ARN's partition, region and account.
func (c *GlueCatalog) catalogResources() []pulumi.StringInput {
	prefix := c.Database.Arn.ApplyT(func(arn string) string {
		p, _, _ := strings.Cut(arn, ":database/")
		return p
	}).(pulumi.StringOutput)
	return []pulumi.StringInput{
		pulumi.Sprintf("%s:catalog", prefix),
		c.Database.Arn,
		pulumi.Sprintf("%s:table/%s/*", prefix, c.Database.Name),
	}
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a GlueCatalogArgs) Validate(name string) error {
	return constructs.Invalid(fmt.Sprintf("glue catalog %q", name), a.withDefaults(name).validate())
}
