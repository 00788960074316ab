// Package datalake is kumo's data lake reference pattern (ARC401 P2): raw,
// curated and results zones in S3; Firehose ingest into the raw zone under
// Hive-style partitions; an event-based catalog (S3 notification → catalog
// writer → DynamoDB → stream → search indexer → OpenSearch); a Glue crawler
// over the curated zone queried through an Athena workgroup; and a
// serverless MapReduce (splitter → parallel mappers → reducer) orchestrated
// by Step Functions. Every invocation goes through a function alias, every
// failure signal raises an alarm on one SNS topic, and every trigger has a
// kill switch.
package datalake

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/lake"
	"github.com/kumo-iac/kumo/constructs/streaming"
	"github.com/kumo-iac/kumo/constructs/workflow"
	"github.com/kumo-iac/kumo/patterns"
)

// Where the pattern's handlers live in the kumo module; they are built by
// import path from Root's module, so its go.mod pins the version deployed.
const (
	kumoModule      = "github.com/kumo-iac/kumo"
	catalogPackage  = kumoModule + "/patterns/datalake/functions/catalog"
	indexerPackage  = kumoModule + "/patterns/datalake/functions/indexer"
	splitterPackage = kumoModule + "/patterns/datalake/functions/splitter"
	mapperPackage   = kumoModule + "/patterns/datalake/functions/mapper"
	reducerPackage  = kumoModule + "/patterns/datalake/functions/reducer"
)

// Layout of the zones, shared with the handlers' defaults.
const (
	// SearchIndex is the OpenSearch index of the catalog.
	SearchIndex = "lake-catalog"
	// WorkPrefix holds MapReduce scratch files in the results bucket.
	WorkPrefix = "mapreduce/"
	// ResultPrefix holds MapReduce results in the curated zone, one
	// job=<id>/ partition per run, where the crawler finds them.
	ResultPrefix = "mapreduce/record-counts/"
	// AthenaPrefix holds Athena query results in the results bucket.
	AthenaPrefix = "athena/"
	// IngestPrefix is where Firehose writes in the raw zone: by dataset
	// (the record's "dataset" field), then Hive-style by arrival day.
	IngestPrefix = "!{partitionKeyFromQuery:dataset}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
)

// Functions the pattern deploys, by name.
var Functions = []string{"catalog", "indexer", "splitter", "mapper", "reducer"}

// DataLake is the composed pattern; its parts are exposed for escape hatches.
type DataLake struct {
	pulumi.ResourceState

	name string

	// Key encrypts the zones and the catalog, or is nil.
	Key *constructs.Key
	// Alarms is the topic every alarm of the pattern notifies.
	Alarms *constructs.Topic
	// Raw, Curated and Results are the zones.
	Raw, Curated, Results *constructs.Bucket
	// AccessLogs receives the zones' S3 server access logs.
	AccessLogs *constructs.Bucket
	// Trail records data events on the zones, or is nil.
	Trail *lake.Trail
	// Ingest is the Firehose stream into the raw zone.
	Ingest *streaming.DeliveryStream
	// Catalog is the table of every raw object.
	Catalog *constructs.Table
	// CatalogWriter and Indexer are the catalog's functions.
	CatalogWriter, Indexer *constructs.Function
	// Search is the OpenSearch domain the indexer writes.
	Search *lake.SearchDomain
	// Glue is the crawled catalog over the curated zone.
	Glue *lake.GlueCatalog
	// Workgroup is where Athena queries run.
	Workgroup *lake.Workgroup
	// Splitter, Mapper and Reducer are the MapReduce's functions.
	Splitter, Mapper, Reducer *constructs.Function
	// IndexSource is the indexer's mapping on the catalog's stream.
	IndexSource *constructs.StreamSource
	// MapReduce is the state machine that runs the job.
	MapReduce *workflow.StateMachine
	// Schedule starts the job on MapReduceSchedule, or is nil.
	Schedule *constructs.Schedule
}

// parts are the construct args the pattern derives from its own args, built
// once so validation and construction use exactly the same values.
type parts struct {
	a Args

	key                   *constructs.KeyArgs
	alarms                constructs.TopicArgs
	accessLogs            constructs.BucketArgs
	raw, curated, results constructs.BucketArgs
	ingest                streaming.DeliveryStreamArgs
	catalog               constructs.TableArgs
	writer, indexer       constructs.FunctionArgs
	index                 constructs.StreamSourceArgs
	search                lake.SearchDomainArgs
	glue                  lake.GlueCatalogArgs
	workgroup             lake.WorkgroupArgs
	splitter, mapper      constructs.FunctionArgs
	reducer               constructs.FunctionArgs
	schedule              *constructs.ScheduleArgs
}

func (a Args) parts() parts {
	a = a.withDefaults()
	p := parts{a: a}
	fn := func(pkg, desc string, memoryMB, timeout int) constructs.FunctionArgs {
		return constructs.FunctionArgs{
			Root: a.Root, GoPackage: pkg, Description: desc,
			MemoryMB: memoryMB, TimeoutSeconds: timeout, LogRetentionDays: a.LogRetentionDays,
			Releases: a.Releases,
		}
	}
	if a.CustomerManagedKey {
		// CloudWatch Logs uses the key for the crawler's encrypted logs.
		p.key = &constructs.KeyArgs{Description: "kumo data lake: the zones, the catalog table, the search domain and the crawler's logs",
			ServicePrincipals: []string{"logs." + a.Region + ".amazonaws.com"}}
	}
	p.alarms = constructs.TopicArgs{DisplayName: "kumo data lake alarms", EmailSubscriptions: a.AlarmEmails,
		Publishers: []string{constructs.PrincipalCloudWatch, constructs.PrincipalEvents}}
	// Who read and wrote what in the lake: S3 server access logs of every
	// zone, kept a year (CloudTrail data events, when on, add the caller).
	p.accessLogs = constructs.BucketArgs{ForAccessLogs: true, ForceDestroy: !a.DeletionProtection,
		LifecycleRules: []constructs.LifecycleRule{{ID: "expire-access-logs", ExpirationDays: accessLogDays, NoncurrentExpirationDays: 1}}}
	bucket := func(rules ...constructs.LifecycleRule) constructs.BucketArgs {
		return constructs.BucketArgs{ForceDestroy: !a.DeletionProtection, LifecycleRules: rules}
	}
	var rawMoves []constructs.Transition
	if d := days(a.RawInfrequentAccessDays); d > 0 {
		rawMoves = append(rawMoves, constructs.Transition{Days: d, StorageClass: constructs.StorageStandardIA})
	}
	if d := days(a.RawArchiveDays); d > 0 {
		rawMoves = append(rawMoves, constructs.Transition{Days: d, StorageClass: constructs.StorageGlacierIR})
	}
	if len(rawMoves) > 0 {
		p.raw = bucket(constructs.LifecycleRule{ID: "raw-tiering", Transitions: rawMoves})
	} else {
		p.raw = bucket()
	}
	if d := days(a.CuratedInfrequentAccessDays); d > 0 {
		p.curated = bucket(constructs.LifecycleRule{ID: "curated-tiering",
			Transitions: []constructs.Transition{{Days: d, StorageClass: constructs.StorageStandardIA}}})
	} else {
		p.curated = bucket()
	}
	if d := days(a.ResultsExpirationDays); d > 0 {
		p.results = bucket(
			constructs.LifecycleRule{ID: "athena-results", Prefix: AthenaPrefix, ExpirationDays: d, NoncurrentExpirationDays: 1},
			constructs.LifecycleRule{ID: "mapreduce-scratch", Prefix: WorkPrefix, ExpirationDays: d, NoncurrentExpirationDays: 1})
	} else {
		p.results = bucket()
	}
	p.ingest = streaming.DeliveryStreamArgs{
		Prefix:                IngestPrefix,
		Partitioning:          &streaming.DynamicPartitioning{KeyQueries: map[string]string{"dataset": ".dataset"}},
		BufferSizeMB:          a.IngestBufferSizeMB,
		BufferIntervalSeconds: a.IngestBufferSeconds,
		Compression:           streaming.CompressionGZIP,
		LogRetentionDays:      a.LogRetentionDays,
	}
	p.catalog = constructs.TableArgs{PartitionKey: catalogKey, Stream: constructs.StreamNewAndOldImg,
		DeletionProtection: a.DeletionProtection}
	p.writer = fn(catalogPackage, "Catalog writer of the kumo data lake: S3 object events to the catalog table", a.MemoryMB, catalogTimeoutSeconds)
	// S3 invokes the writer asynchronously: events that still fail after
	// Lambda's retries are kept in a dead-letter queue, which alarms.
	p.writer.DeadLetterQueue = true
	p.indexer = fn(indexerPackage, "Search indexer of the kumo data lake: catalog stream to OpenSearch", a.MemoryMB, indexerTimeoutSeconds)
	retries, age := a.IndexMaxRetries, a.IndexMaxRecordAgeSeconds
	if retries == Off {
		retries = 0 // Args' 0 is the default; Off is no retries
	}
	p.index = constructs.StreamSourceArgs{
		BatchSize: a.IndexBatchSize, StartingPosition: constructs.StartTrimHorizon,
		MaximumRetryAttempts: &retries, MaximumRecordAgeSeconds: &age,
		Enabled: patterns.Enabled(!a.DisableIndexStream),
	}
	p.search = lake.SearchDomainArgs{
		InstanceType: a.SearchInstanceType, InstanceCount: a.SearchInstanceCount, VolumeGB: a.SearchVolumeGB,
		LogRetentionDays: a.LogRetentionDays,
	}
	if a.SearchDedicatedMasters > 0 {
		p.search.DedicatedMasterType = a.SearchDedicatedMasterType
		p.search.DedicatedMasterCount = a.SearchDedicatedMasters
	}
	if len(a.SearchSubnetIds) > 0 || len(a.SearchSecurityGroupIds) > 0 {
		p.search.VPC = &lake.SearchVPC{SubnetIds: a.SearchSubnetIds, SecurityGroupIds: a.SearchSecurityGroupIds}
		// A VPC domain has only a VPC endpoint: the indexer runs in the
		// same subnets with the same security groups to reach it.
		p.indexer.VPC = &constructs.FunctionVPC{SubnetIds: a.SearchSubnetIds, SecurityGroupIds: a.SearchSecurityGroupIds}
	}
	p.glue = lake.GlueCatalogArgs{
		Schedule: a.CrawlerSchedule, Enabled: patterns.Enabled(!a.DisableCrawlerSchedule), LogRetentionDays: a.LogRetentionDays,
	}
	p.workgroup = lake.WorkgroupArgs{ResultsPrefix: AthenaPrefix, BytesScannedCutoffPerQuery: int64(a.AthenaScanLimitMB) << 20}
	mr := func(pkg, desc string) constructs.FunctionArgs {
		f := fn(pkg, desc, a.MapReduceMemoryMB, a.MapReduceTimeoutSeconds)
		return f
	}
	p.splitter = mr(splitterPackage, "MapReduce splitter of the kumo data lake: cuts the raw zone into chunks")
	p.mapper = mr(mapperPackage, "MapReduce mapper of the kumo data lake: counts one chunk's records per dataset and day")
	p.reducer = mr(reducerPackage, "MapReduce reducer of the kumo data lake: sums the partial counts into the curated zone")
	if a.MapReduceSchedule != "" {
		p.schedule = &constructs.ScheduleArgs{Expression: a.MapReduceSchedule, Input: "{}",
			Description: "Runs the kumo data lake's MapReduce job", Enabled: patterns.Enabled(!a.DisableMapReduceSchedule)}
	}
	return p
}

// accessLogDays is how long the zones' access logs are kept.
const accessLogDays = 365

// catalogKey is the catalog table's partition key: the object's S3 key.
const catalogKey = "objectKey"

// Function timeouts the handlers need: the writer heads and tags a few
// objects per event; the indexer sends one bulk request per batch.
const (
	catalogTimeoutSeconds = 30
	indexerTimeoutSeconds = 60
)

// glueDatabaseName is <project>_<stack>_<name> in the only characters Athena
// reads in a database name: lower-case letters, digits and '_'
// (https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html).
func glueDatabaseName(project, stack, name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '_'
	}, project+"_"+stack+"_"+name)
}

// validate reports every problem in the args, through the same checks the
// constructs run, before anything is registered.
func (p parts) validate(name string) error {
	var errs *multierror.Error
	add := func(err error) {
		if err != nil {
			errs = multierror.Append(errs, err)
		}
	}
	add(p.alarms.Validate(name + "-alarms"))
	for _, z := range []struct {
		part string
		args constructs.BucketArgs
	}{{"access-logs", p.accessLogs}, {"raw", p.raw}, {"curated", p.curated}, {"results", p.results}} {
		add(z.args.Validate(name + "-" + z.part))
	}
	add(p.catalog.Validate(name + "-catalog"))
	for _, f := range []struct {
		part string
		args constructs.FunctionArgs
	}{{"catalog", p.writer}, {"indexer", p.indexer}, {"splitter", p.splitter}, {"mapper", p.mapper}, {"reducer", p.reducer}} {
		add(f.args.Validate(name + "-" + f.part))
	}
	add(p.index.Validate(name + "-index"))
	add(p.search.Validate(name + "-search"))
	if p.key != nil {
		add(p.key.Validate(name + "-key"))
	}
	// The crawler's target, Firehose's and Athena's buckets and the
	// schedule's state machine exist only after validation; stand-ins let
	// their other settings be checked now.
	ingest := p.ingest
	ingest.Destination = &constructs.Bucket{}
	add(ingest.Validate(name + "-ingest"))
	workgroup := p.workgroup
	workgroup.ResultsBucket = &constructs.Bucket{}
	add(workgroup.Validate(name + "-athena"))
	glue := p.glue
	glue.Targets = []lake.CrawlerTarget{{Bucket: &constructs.Bucket{}}}
	add(glue.Validate(name + "-glue"))
	if p.schedule != nil {
		s := *p.schedule
		s.StateMachineArn = pulumi.String("arn:aws:states:us-east-1:123456789012:stateMachine:stand-in")
		add(s.Validate(name + "-mapreduce-schedule"))
	}
	if p.a.MapReduceConcurrency < 1 || p.a.MapReduceConcurrency > MaxMapReduceConcurrency {
		add(fmt.Errorf("MapReduceConcurrency: %d is outside 1–%d (inline Map states run at most %d iterations at once)",
			p.a.MapReduceConcurrency, MaxMapReduceConcurrency, MaxMapReduceConcurrency))
	}
	if p.a.CustomerManagedKey && p.a.Region == "" {
		add(fmt.Errorf("Region: not set, but CustomerManagedKey is; the key names the region's CloudWatch Logs service"))
	}
	for _, f := range []struct {
		field string
		v     int
	}{{"RawInfrequentAccessDays", p.a.RawInfrequentAccessDays}, {"RawArchiveDays", p.a.RawArchiveDays},
		{"CuratedInfrequentAccessDays", p.a.CuratedInfrequentAccessDays}, {"ResultsExpirationDays", p.a.ResultsExpirationDays}} {
		if f.v < 0 && f.v != Off {
			add(fmt.Errorf("%s: %d is negative; use Off to turn the step off", f.field, f.v))
		}
	}
	// S3 moves an object on from Standard-IA only after 30 days there
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
	if ia, archive := days(p.a.RawInfrequentAccessDays), days(p.a.RawArchiveDays); ia > 0 && archive > 0 && archive < ia+30 {
		add(fmt.Errorf("RawArchiveDays: %d is less than 30 days after RawInfrequentAccessDays (%d): S3 keeps objects at least 30 days in Standard-IA; use at least %d or Off",
			archive, ia, ia+30))
	}
	if p.a.MapReduceChunkMB < 1 {
		add(fmt.Errorf("MapReduceChunkMB: %d must be at least 1", p.a.MapReduceChunkMB))
	}
	return constructs.Invalid(fmt.Sprintf("data lake %q", name), errs)
}

// Validate reports every problem New would report for these args, without
// registering anything.
func (a *Args) Validate(name string) error { return a.parts().validate(name) }

// New registers the data lake.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*DataLake, error) {
	if args == nil {
		args = &Args{}
	}
	if args.Region == "" {
		if region, ok := ctx.GetConfig("aws:region"); ok {
			withRegion := *args
			withRegion.Region = region
			args = &withRegion
		}
	}
	p := args.parts()
	if err := p.validate(name); err != nil {
		return nil, err
	}
	l := &DataLake{name: name}
	if err := ctx.RegisterComponentResource("kumo:patterns:DataLake", name, l, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, p: p, l: l, parent: pulumi.Parent(l)}
	for _, step := range []func() error{b.storage, b.ingest, b.catalog, b.search, b.query, b.mapReduce, b.failureAlarms} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(l, l.Outputs()); err != nil {
		return nil, err
	}
	return l, nil
}

// builder registers the lake's parts in order, each step reading what the
// steps before it made.
type builder struct {
	ctx    *pulumi.Context
	name   string
	p      parts
	l      *DataLake
	parent pulumi.ResourceOption
}

func (b *builder) child(part string) string { return b.name + "-" + part }

// releaseTopic is the topic the functions' release alarms notify: the
// alarm topic with Releases, nil without, when there are no release
// alarms (and FunctionArgs refuses an AlarmTopic).
func (b *builder) releaseTopic() *constructs.Topic {
	if b.p.a.Releases == nil {
		return nil
	}
	return b.l.Alarms
}

// storage registers the key, the alarm topic, the zones and the trail.
func (b *builder) storage() error {
	ctx, l, p := b.ctx, b.l, b.p
	var err error
	if p.key != nil {
		if l.Key, err = constructs.NewKey(ctx, b.child("key"), p.key, b.parent); err != nil {
			return err
		}
		for _, z := range []*constructs.BucketArgs{&p.raw, &p.curated, &p.results} {
			z.KMSKey = l.Key
		}
		p.catalog.KMSKey = l.Key
		p.search.KMSKeyArn = l.Key.Arn
		p.glue.KMSKeyArn = l.Key.Arn
		// Query results too: the workgroup's setting overrides the
		// results bucket's default encryption.
		p.workgroup.KMSKeyArn = l.Key.Arn
		b.p = p
	}
	if l.Alarms, err = constructs.NewTopic(ctx, b.child("alarms"), &p.alarms, b.parent); err != nil {
		return err
	}
	if l.AccessLogs, err = constructs.NewBucket(ctx, b.child("access-logs"), &b.p.accessLogs, b.parent); err != nil {
		return err
	}
	for _, z := range []*constructs.BucketArgs{&b.p.raw, &b.p.curated, &b.p.results} {
		z.AccessLogBucket = l.AccessLogs
	}
	for _, z := range []struct {
		part string
		args *constructs.BucketArgs
		into **constructs.Bucket
	}{{"raw", &b.p.raw, &l.Raw}, {"curated", &b.p.curated, &l.Curated}, {"results", &b.p.results, &l.Results}} {
		if *z.into, err = constructs.NewBucket(ctx, b.child(z.part), z.args, b.parent); err != nil {
			return err
		}
	}
	if p.a.CloudTrail {
		l.Trail, err = lake.NewTrail(ctx, b.child("trail"), &lake.TrailArgs{
			// The trail keeps its own key and bucket: the audit record
			// stays apart from the data it audits.
			DataEventBuckets: []*constructs.Bucket{l.Raw, l.Curated, l.Results},
			LogRetentionDays: p.a.LogRetentionDays,
		}, b.parent)
	}
	return err
}

// ingest registers Firehose into the raw zone.
func (b *builder) ingest() error {
	b.p.ingest.Destination = b.l.Raw
	var err error
	b.l.Ingest, err = streaming.NewDeliveryStream(b.ctx, b.child("ingest"), &b.p.ingest, b.parent)
	return err
}

// catalog registers the event-based catalog: the raw zone's notification,
// the writer and the table.
func (b *builder) catalog() error {
	ctx, l := b.ctx, b.l
	var err error
	if l.Catalog, err = constructs.NewTable(ctx, b.child("catalog"), &b.p.catalog, b.parent); err != nil {
		return err
	}
	b.p.writer.Environment = map[string]pulumi.StringInput{"CATALOG_TABLE": l.Catalog.Name}
	b.p.writer.AlarmTopic = b.releaseTopic()
	if l.CatalogWriter, err = constructs.NewFunction(ctx, b.child("catalog"), &b.p.writer, b.parent); err != nil {
		return err
	}
	if err := l.Catalog.GrantReadWrite(l.CatalogWriter); err != nil {
		return err
	}
	if err := l.Raw.GrantRead(l.CatalogWriter); err != nil {
		return err
	}
	if err := l.Raw.GrantReadTags(l.CatalogWriter); err != nil {
		return err
	}
	_, err = constructs.NewBucketTriggers(ctx, b.child("catalog-events"), &constructs.BucketTriggersArgs{
		Bucket: l.Raw,
		Triggers: []constructs.BucketTrigger{{
			Function: l.CatalogWriter,
			Events:   []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"},
			Enabled:  patterns.Enabled(!b.p.a.DisableCatalogEvents),
		}},
	}, b.parent)
	return err
}

// search registers the domain and the indexer on the catalog's stream.
func (b *builder) search() error {
	ctx, l := b.ctx, b.l
	var err error
	if l.Search, err = lake.NewSearchDomain(ctx, b.child("search"), &b.p.search, b.parent); err != nil {
		return err
	}
	b.p.indexer.Environment = map[string]pulumi.StringInput{
		"SEARCH_ENDPOINT": l.Search.Endpoint,
		"SEARCH_INDEX":    pulumi.String(SearchIndex),
	}
	b.p.indexer.AlarmTopic = b.releaseTopic()
	if l.Indexer, err = constructs.NewFunction(ctx, b.child("indexer"), &b.p.indexer, b.parent); err != nil {
		return err
	}
	if err := l.Search.GrantReadWrite(l.Indexer); err != nil {
		return err
	}
	if err := patterns.NoAsyncInvocations(ctx, l.Indexer, "invoked only by its DynamoDB stream mapping, which retries, bisects and sends failed batches to its own on-failure queue"); err != nil {
		return err
	}
	// With the lake key, StreamTo also lets the indexer decrypt the
	// stream's records.
	l.IndexSource, err = l.Catalog.StreamTo(b.child("index"), l.Indexer, &b.p.index, b.parent)
	return err
}

// query registers the crawled catalog and the Athena workgroup.
func (b *builder) query() error {
	ctx, l := b.ctx, b.l
	b.p.glue.Targets = []lake.CrawlerTarget{{Bucket: l.Curated}}
	// Glue database names are unique per account and region, which the
	// stacks of one project may share: the name carries project and stack.
	b.p.glue.DatabaseName = glueDatabaseName(ctx.Project(), ctx.Stack(), b.name)
	var err error
	if l.Glue, err = lake.NewGlueCatalog(ctx, b.child("glue"), &b.p.glue, b.parent); err != nil {
		return err
	}
	b.p.workgroup.ResultsBucket = l.Results
	l.Workgroup, err = lake.NewWorkgroup(ctx, b.child("athena"), &b.p.workgroup, b.parent)
	return err
}

// mapReduce registers the job's functions and the state machine that runs
// them: Split, then one mapper per chunk (at most MapReduceConcurrency at
// once), then Reduce. Partial results live under WorkPrefix in the results
// bucket; the result goes to the curated zone, where the crawler finds it.
func (b *builder) mapReduce() error {
	ctx, l, a := b.ctx, b.l, b.p.a
	common := map[string]pulumi.StringInput{
		"RAW_BUCKET":     l.Raw.Name,
		"WORK_BUCKET":    l.Results.Name,
		"WORK_PREFIX":    pulumi.String(WorkPrefix),
		"CURATED_BUCKET": l.Curated.Name,
		"RESULT_PREFIX":  pulumi.String(ResultPrefix),
		"CHUNK_BYTES":    pulumi.String(fmt.Sprint(int64(a.MapReduceChunkMB) << 20)),
	}
	env := func(keys ...string) map[string]pulumi.StringInput {
		m := map[string]pulumi.StringInput{}
		for _, k := range keys {
			m[k] = common[k]
		}
		return m
	}
	const syncOnly = "invoked only synchronously, by the MapReduce state machine, whose Retry and Catch handle its failures"
	var err error
	for _, f := range []struct {
		part string
		args *constructs.FunctionArgs
		env  []string
		into **constructs.Function
	}{
		{"splitter", &b.p.splitter, []string{"RAW_BUCKET", "WORK_BUCKET", "WORK_PREFIX", "CHUNK_BYTES"}, &l.Splitter},
		{"mapper", &b.p.mapper, []string{"RAW_BUCKET", "WORK_BUCKET", "WORK_PREFIX"}, &l.Mapper},
		// The reducer finds the manifest and checks the partials' keys
		// under WORK_PREFIX: it must be the splitter's and mappers'.
		{"reducer", &b.p.reducer, []string{"WORK_BUCKET", "WORK_PREFIX", "CURATED_BUCKET", "RESULT_PREFIX"}, &l.Reducer},
	} {
		f.args.Environment = env(f.env...)
		f.args.AlarmTopic = b.releaseTopic()
		if *f.into, err = constructs.NewFunction(ctx, b.child(f.part), f.args, b.parent); err != nil {
			return err
		}
		if err := patterns.NoAsyncInvocations(ctx, *f.into, syncOnly); err != nil {
			return err
		}
	}
	for _, g := range []func() error{
		func() error { return l.Raw.GrantRead(l.Splitter) },
		func() error { return l.Results.GrantReadWrite(l.Splitter) },
		func() error { return l.Raw.GrantRead(l.Mapper) },
		func() error { return l.Results.GrantReadWrite(l.Mapper) },
		func() error { return l.Results.GrantRead(l.Reducer) },
		func() error { return l.Curated.GrantWrite(l.Reducer) },
	} {
		if err := g(); err != nil {
			return err
		}
	}
	if l.MapReduce, err = workflow.NewStateMachine(ctx, b.child("mapreduce"), &workflow.StateMachineArgs{
		Definition:       mapReduceDefinition(l, a.MapReduceConcurrency),
		LogRetentionDays: a.LogRetentionDays,
		// A job stuck past this is stopped, and its alarm fires.
		TimeoutSeconds: MapReduceJobTimeoutSeconds,
	}, b.parent); err != nil {
		return err
	}
	if b.p.schedule != nil {
		b.p.schedule.StateMachineArn = l.MapReduce.Arn
		l.Schedule, err = constructs.NewSchedule(ctx, b.child("mapreduce-schedule"), b.p.schedule, b.parent)
	}
	return err
}

// mapReduceDefinition is the job: the execution's input
// ({"prefix": "<dataset>/", "chunkBytes": n}, both optional) goes to the
// splitter with the execution's name as the job ID; each chunk key becomes
// one mapper's input; the mappers' partial-result keys replace the chunk
// list, and go to the reducer. Failures end in Failed, which the
// state machine's failure alarm reports.
func mapReduceDefinition(l *DataLake, concurrency int) *workflow.Definition {
	toFailed := []workflow.Catch{{ErrorEquals: []string{workflow.ErrorAll}, Next: "Failed", ResultPath: "$.error"}}
	return &workflow.Definition{
		Comment: "kumo data lake MapReduce: records per dataset and day over the raw zone",
		StartAt: "Split",
		States: map[string]workflow.State{
			"Split": workflow.Task{
				Comment:  "List the raw zone and cut it into chunks of about chunkBytes",
				Function: l.Splitter,
				Payload:  map[string]any{"jobId.$": "$$.Execution.Name", "request.$": "$"},
				Catch:    toFailed,
				Next:     "Map",
			},
			"Map": workflow.Map{
				Comment:        "One mapper per chunk; partial counts go to the results bucket",
				ItemsPath:      "$.chunks",
				ItemSelector:   map[string]any{"jobId.$": "$.jobId", "chunk.$": "$$.Map.Item.Value"},
				MaxConcurrency: concurrency,
				Processor: workflow.Branch{StartAt: "MapChunk", States: map[string]workflow.State{
					// Only the partial's key travels on: the Map state's
					// result stays a list of keys however many chunks.
					"MapChunk": workflow.Task{Function: l.Mapper, OutputPath: "$.Payload.partial", End: true},
				}},
				ResultPath: "$.chunks",
				Catch:      toFailed,
				Next:       "Reduce",
			},
			"Reduce": workflow.Task{
				Comment:  "Sum the partial counts into one result object in the curated zone",
				Function: l.Reducer,
				Payload:  map[string]any{"jobId.$": "$.jobId", "partials.$": "$.chunks"},
				Catch:    toFailed,
				End:      true,
			},
			"Failed": workflow.Fail{Error: "MapReduceFailed", Cause: "a step of the MapReduce job failed after its retries; see the execution's events"},
		},
	}
}

// MapReduceJobTimeoutSeconds stops a MapReduce execution after 6 hours:
// a standard workflow may otherwise run for a year, and a stuck job would
// never raise its timed-out alarm.
const MapReduceJobTimeoutSeconds = 6 * 60 * 60

// Thresholds of the pattern's own alarms (function errors and throttles
// are the release alarms, notifying the same topic).
const (
	// IteratorAgeAlarmMs: the indexer is 10 minutes behind the catalog;
	// DynamoDB keeps stream records for 24 hours.
	IteratorAgeAlarmMs = 10 * 60 * 1000
	// IngestFreshnessAlarmSeconds: the oldest record in Firehose waited
	// three buffer intervals (of the default 300 s) without delivery.
	IngestFreshnessAlarmSeconds = 900
)

// failureAlarms registers an alarm on every failure signal the lake has
// beyond its functions' release alarms, all notifying the alarm topic.
func (b *builder) failureAlarms() error {
	ctx, l := b.ctx, b.l
	type alarm struct {
		part string
		args constructs.AlarmArgs
	}
	queueDepth := func(part, what string, queue pulumi.StringInput) alarm {
		return alarm{part, patterns.QueueDepthAlarm(queue, what)}
	}
	alarms := []alarm{
		queueDepth("catalog-dlq", "The catalog writer's dead-letter queue", l.CatalogWriter.DeadLetterQueue.Name),
		queueDepth("index-failures", "The search indexer's on-failure queue", l.IndexSource.FailureQueueName),
		{"index-iterator-age", constructs.AlarmArgs{
			Namespace: "AWS/Lambda", MetricName: "IteratorAge",
			Dimensions: map[string]pulumi.StringInput{"FunctionName": l.Indexer.FunctionName},
			Statistic:  constructs.StatisticMaximum, Threshold: IteratorAgeAlarmMs, PeriodSeconds: 300,
			Description: "The search indexer is more than 10 minutes behind the catalog table's stream",
		}},
		{"ingest-freshness", constructs.AlarmArgs{
			Namespace: "AWS/Firehose", MetricName: "DeliveryToS3.DataFreshness",
			Dimensions: map[string]pulumi.StringInput{"DeliveryStreamName": l.Ingest.Name},
			Statistic:  constructs.StatisticMaximum, Threshold: IngestFreshnessAlarmSeconds, PeriodSeconds: 300,
			Description: "Firehose has not delivered to the raw zone for 15 minutes; see its error log and the raw zone's errors/ prefix",
		}},
		{"ingest-failures", constructs.AlarmArgs{
			Namespace: "AWS/Firehose", MetricName: "DeliveryToS3.Success",
			Dimensions: map[string]pulumi.StringInput{"DeliveryStreamName": l.Ingest.Name},
			Statistic:  constructs.StatisticMinimum, Threshold: 1, Comparison: constructs.ComparisonLessThan, PeriodSeconds: 300,
			Description: "A Firehose delivery to the raw zone failed; see its error log",
		}},
		{"mapreduce-failed", constructs.AlarmArgs{
			Namespace: "AWS/States", MetricName: "ExecutionsFailed",
			Dimensions: map[string]pulumi.StringInput{"StateMachineArn": l.MapReduce.Arn},
			Threshold:  1, PeriodSeconds: 300,
			Description: "A MapReduce execution failed; see its execution history",
		}},
		{"mapreduce-timed-out", constructs.AlarmArgs{
			Namespace: "AWS/States", MetricName: "ExecutionsTimedOut",
			Dimensions: map[string]pulumi.StringInput{"StateMachineArn": l.MapReduce.Arn},
			Threshold:  1, PeriodSeconds: 300,
			Description: "A MapReduce execution timed out",
		}},
	}
	if l.Schedule != nil {
		alarms = append(alarms, queueDepth("mapreduce-schedule-dlq", "The MapReduce schedule's dead-letter queue", l.Schedule.DeadLetterQueueName))
	}
	// Glue publishes no metric for a failed crawl, only an event
	// (https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html).
	pattern := l.Glue.CrawlerName.ApplyT(func(crawler string) (string, error) {
		b, err := json.Marshal(map[string]any{
			"source": []string{"aws.glue"}, "detail-type": []string{"Glue Crawler State Change"},
			"detail": map[string]any{"crawlerName": []string{crawler}, "state": []string{"Failed"}},
		})
		return string(b), err
	}).(pulumi.StringOutput)
	crawl, err := constructs.NewEventAlert(ctx, b.child("crawler-failed"), &constructs.EventAlertArgs{
		EventPattern: pattern, Topic: l.Alarms,
		Description: "A crawl of the kumo data lake's curated zone failed",
	}, b.parent)
	if err != nil {
		return err
	}
	alarms = append(alarms, queueDepth("crawler-alert-dlq", "The crawler alert's dead-letter queue", crawl.DeadLetterQueueName))
	for _, a := range alarms {
		a.args.Topic = l.Alarms
		if _, err := constructs.NewAlarm(ctx, b.child(a.part), &a.args, b.parent); err != nil {
			return err
		}
	}
	return nil
}

// Outputs are the stack outputs of the lake: where to send data, search,
// query and run the MapReduce.
func (l *DataLake) Outputs() pulumi.Map {
	return pulumi.Map{
		"lakeRawBucket":       l.Raw.Name,
		"lakeCuratedBucket":   l.Curated.Name,
		"lakeResultsBucket":   l.Results.Name,
		"lakeIngestStream":    l.Ingest.Name,
		"lakeCatalogTable":    l.Catalog.Name,
		"lakeSearchEndpoint":  l.Search.Endpoint,
		"lakeGlueDatabase":    l.Glue.DatabaseName,
		"lakeCrawler":         l.Glue.CrawlerName,
		"lakeAthenaWorkgroup": l.Workgroup.Name,
		"lakeMapReduce":       l.MapReduce.Arn,
		"lakeAlarmTopic":      l.Alarms.Arn,
	}
}
