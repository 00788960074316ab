package datalake

import (
	"reflect"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns"
)

// Name is the pattern's entry in kumo:patterns and its config section.
const Name = "datalake"

// Config is the data lake's section of a stack file (kumo:datalake). Each
// field's default is what DefaultConfig gives it; the tags name and document
// the keys (the README's table and Pulumi.yaml are checked against them).
type Config struct {
	MemoryMB                    int      `config:"memoryMB" doc:"Memory of the catalog writer and search indexer functions, 128–10240 MB."`
	MapReduceMemoryMB           int      `config:"mapReduceMemoryMB" doc:"Memory of the MapReduce splitter, mappers and reducer, 128–10240 MB (more memory also buys more CPU and network)."`
	MapReduceTimeoutSeconds     int      `config:"mapReduceTimeoutSeconds" doc:"Timeout of each MapReduce function, 1–900 s."`
	LogRetentionDays            int      `config:"logRetentionDays" doc:"Retention of every log the pattern writes; a CloudWatch Logs value (1, 3, 5, 7, 14, 30, 60, 90, …, 3653)."`
	Protect                     bool     `config:"deletionProtection" doc:"Protect the catalog table from deletion and keep non-empty buckets (turn on for production)."`
	CustomerManagedKey          bool     `config:"customerManagedKey" doc:"Encrypt the lake's buckets and catalog table with a KMS customer managed key of the lake (rotation on) instead of AWS managed encryption."`
	CloudTrail                  bool     `config:"cloudTrail" doc:"Record S3 data events (object reads and writes) on the lake's buckets with a CloudTrail trail into its own encrypted bucket."`
	RawInfrequentAccessDays     int      `config:"rawInfrequentAccessDays" doc:"Days after which raw objects move to S3 Standard-IA (at least 30); 0 keeps them in Standard."`
	RawArchiveDays              int      `config:"rawArchiveDays" doc:"Days after which raw objects move to S3 Glacier Instant Retrieval (after the Standard-IA move, if any); 0 never archives."`
	CuratedInfrequentAccessDays int      `config:"curatedInfrequentAccessDays" doc:"Days after which curated objects move to S3 Standard-IA (at least 30); 0 keeps them in Standard."`
	ResultsExpirationDays       int      `config:"resultsExpirationDays" doc:"Days after which Athena query results and MapReduce scratch files are deleted; 0 keeps them."`
	IngestBufferSizeMB          int      `config:"ingestBufferSizeMB" doc:"Firehose buffer before it writes to the raw zone, 64–128 MB (partitioning by dataset needs at least 64)."`
	IngestBufferSeconds         int      `config:"ingestBufferIntervalSeconds" doc:"Longest Firehose waits before it writes a partial buffer, 1–900 s."`
	CatalogEvents               bool     `config:"catalogEvents" doc:"Kill switch of the S3 notification that catalogs raw objects; false stops cataloging (objects land; catalog them later by re-sending events)."`
	IndexStream                 bool     `config:"indexStream" doc:"Kill switch of the catalog table's stream mapping to the search indexer; false pauses indexing (records wait in the stream for 24 hours)."`
	IndexBatchSize              int      `config:"indexBatchSize" doc:"Catalog stream records per indexer invocation, 1–10000."`
	IndexMaxRetries             int      `config:"indexMaxRetries" doc:"Retries of a failing stream batch (after bisecting) before its records go to the failure queue, 0–10000."`
	IndexMaxRecordAgeSeconds    int      `config:"indexMaxRecordAgeSeconds" doc:"Oldest stream record the indexer still retries, 60–604800 s; older ones go to the failure queue."`
	SearchInstanceType          string   `config:"searchInstanceType" doc:"OpenSearch data node instance type, e.g. t3.small.search or r6g.large.search."`
	SearchInstanceCount         int      `config:"searchInstanceCount" doc:"OpenSearch data nodes; 2 or more spreads them over two Availability Zones (must then be even)."`
	SearchVolumeGB              int      `config:"searchVolumeGB" doc:"gp3 storage per OpenSearch data node, in GB."`
	SearchDedicatedMasters      int      `config:"searchDedicatedMasters" doc:"Dedicated OpenSearch master nodes: 0, 3 or 5."`
	SearchDedicatedMasterType   string   `config:"searchDedicatedMasterType" doc:"Instance type of the dedicated master nodes, when searchDedicatedMasters is 3 or 5."`
	SearchSubnetIds             []string `config:"searchSubnetIds" doc:"Subnets (one per Availability Zone: two when searchInstanceCount is 2 or more) that put the search domain, and the indexer with it, inside a VPC; empty keeps the public endpoint, which answers only SigV4-signed requests of the indexer's role."`
	SearchSecurityGroupIds      []string `config:"searchSecurityGroupIds" doc:"Security groups of the search domain's VPC endpoint and of the indexer, which runs in the same subnets to reach it; they must allow HTTPS between their members. Required with searchSubnetIds."`
	CrawlerSchedule             string   `config:"crawlerSchedule" doc:"When the Glue crawler catalogs the curated zone, as cron(...) in UTC; empty runs it only on demand."`
	CrawlerScheduleEnabled      bool     `config:"crawlerScheduleEnabled" doc:"Kill switch of the crawler's schedule; false keeps the crawler runnable on demand."`
	AthenaScanLimitMB           int      `config:"athenaBytesScannedCutoffMB" doc:"Largest scan one Athena query may make in the workgroup, in MB (at least 10); queries over it are cancelled."`
	MapReduceChunkMB            int      `config:"mapReduceChunkMB" doc:"Input each mapper reads, in MB: the splitter cuts the raw zone into chunks of about this size."`
	MapReduceConcurrency        int      `config:"mapReduceConcurrency" doc:"Mappers that run at once, 1–40 (the Map state's MaxConcurrency)."`
	MapReduceSchedule           string   `config:"mapReduceSchedule" doc:"When the MapReduce job runs, as rate(...) or cron(...); empty runs it only on demand."`
	MapReduceScheduleEnabled    bool     `config:"mapReduceScheduleEnabled" doc:"Kill switch of the MapReduce schedule; false keeps the job runnable on demand."`
	AlarmEmails                 []string `config:"alarmEmails" doc:"E-mail addresses subscribed to the pattern's alarm topic (each must confirm the subscription)."`
}

// DefaultConfig is the data lake's documented defaults.
func DefaultConfig() Config {
	return Config{
		MemoryMB:                    constructs.DefaultMemoryMB,
		MapReduceMemoryMB:           DefaultMapReduceMemoryMB,
		MapReduceTimeoutSeconds:     DefaultMapReduceTimeoutSeconds,
		LogRetentionDays:            constructs.DefaultLogRetentionDays,
		RawInfrequentAccessDays:     DefaultRawInfrequentAccessDays,
		RawArchiveDays:              DefaultRawArchiveDays,
		CuratedInfrequentAccessDays: DefaultCuratedInfrequentAccessDays,
		ResultsExpirationDays:       DefaultResultsExpirationDays,
		IngestBufferSizeMB:          DefaultIngestBufferSizeMB,
		IngestBufferSeconds:         DefaultIngestBufferSeconds,
		CatalogEvents:               true,
		IndexStream:                 true,
		IndexBatchSize:              DefaultIndexBatchSize,
		IndexMaxRetries:             DefaultIndexMaxRetries,
		IndexMaxRecordAgeSeconds:    DefaultIndexMaxRecordAgeSeconds,
		SearchInstanceType:          DefaultSearchInstanceType,
		SearchInstanceCount:         1,
		SearchVolumeGB:              DefaultSearchVolumeGB,
		SearchDedicatedMasterType:   DefaultSearchDedicatedMasterType,
		CrawlerSchedule:             DefaultCrawlerSchedule,
		CrawlerScheduleEnabled:      true,
		AthenaScanLimitMB:           DefaultAthenaScanLimitMB,
		MapReduceChunkMB:            DefaultMapReduceChunkMB,
		MapReduceConcurrency:        DefaultMapReduceConcurrency,
		MapReduceScheduleEnabled:    true,
		AlarmEmails:                 []string{},
		SearchSubnetIds:             []string{},
		SearchSecurityGroupIds:      []string{},
	}
}

// The pattern's documented defaults (ARC401 P2 and the AWS guidance each
// cites). They are the Config and Args defaults both.
const (
	// DefaultMapReduceMemoryMB: mappers decompress and parse JSON lines;
	// 1 GB gives a Lambda function most of a vCPU.
	DefaultMapReduceMemoryMB = 1024
	// DefaultMapReduceTimeoutSeconds leaves a mapper 5 minutes for its chunk.
	DefaultMapReduceTimeoutSeconds = 300
	// Raw data is read often for a month, rarely after: Standard-IA at 30
	// days (S3's minimum for IA transitions), Glacier Instant Retrieval
	// at 90 (still readable in milliseconds by Athena and the MapReduce).
	DefaultRawInfrequentAccessDays = 30
	DefaultRawArchiveDays          = 90
	// Curated data is what queries read: Standard-IA only after 90 days.
	DefaultCuratedInfrequentAccessDays = 90
	// Query results and MapReduce scratch files are reproducible.
	DefaultResultsExpirationDays = 30
	// Partitioning by dataset is Firehose dynamic partitioning, which
	// needs a buffer of at least 64 MB; 300 s is ARC401's interval.
	DefaultIngestBufferSizeMB  = 64
	DefaultIngestBufferSeconds = 300
	// Stream mapping defaults: ARC401's batch of 100; three retries after
	// bisecting, and an hour, before a record goes to the failure queue.
	DefaultIndexBatchSize           = 100
	DefaultIndexMaxRetries          = 3
	DefaultIndexMaxRecordAgeSeconds = 3600
	// A development-sized search domain; production stacks raise it.
	DefaultSearchInstanceType = "t3.small.search"
	DefaultSearchVolumeGB     = 10
	// Graviton masters sized for a small production cluster.
	DefaultSearchDedicatedMasterType = "m6g.large.search"
	// The crawler catalogs the curated zone daily at 02:00 UTC.
	DefaultCrawlerSchedule = "cron(0 2 * * ? *)"
	// 10 GB per query bounds a runaway query's cost (Athena bills per TB).
	DefaultAthenaScanLimitMB = 10 * 1024
	// 64 MB chunks keep a mapper well inside its memory and timeout.
	DefaultMapReduceChunkMB     = 64
	DefaultMapReduceConcurrency = 10
	// MaxMapReduceConcurrency is the inline Map state's useful ceiling:
	// Step Functions runs at most 40 inline iterations at once.
	MaxMapReduceConcurrency = 40
)

// Pattern plugs the data lake into a stack.
type Pattern struct{}

var _ patterns.Pattern = Pattern{}

func (Pattern) Name() string { return Name }

func (Pattern) Description() string {
	return "S3 raw, curated and results zones fed by Firehose, an event-based catalog in DynamoDB indexed into OpenSearch, a Glue crawler and Athena workgroup, and a Step Functions MapReduce (ARC401 P2)."
}

func (Pattern) NewConfig() any { c := DefaultConfig(); return &c }

// Validate checks the section's ranges, then the args it gives the
// constructs, so every problem is reported at once before anything exists.
func (Pattern) Validate(cfg any, env patterns.Env) []error {
	c := *cfg.(*Config)
	p := &patterns.Problems{Secret: env.Secret}
	c.validate(p)
	if p.Has(patterns.KeyName(Name, "rawInfrequentAccessDays")) {
		p.Mark(patterns.KeyName(Name, "rawArchiveDays")) // checked against it
	}
	// The construct checks see a key that failed its own check at its
	// default, so they neither repeat its problem in their own words nor
	// hide theirs behind it: every problem is reported at once.
	args := c.withDefaultsWhere(p).Args(env)
	args.Releases = &constructs.Releases{} // created only after validation
	if err := args.Validate(lakeName); err != nil {
		p.Errs = append(p.Errs, err)
	}
	return p.Errs
}

// withDefaultsWhere is c with every key that has a problem in p at its
// default.
func (c Config) withDefaultsWhere(p *patterns.Problems) Config {
	v, d := reflect.ValueOf(&c).Elem(), reflect.ValueOf(DefaultConfig())
	for i := range v.NumField() {
		if key := v.Type().Field(i).Tag.Get("config"); key != "" && p.Has(patterns.KeyName(Name, key)) {
			v.Field(i).Set(d.Field(i))
		}
	}
	return c
}

// lakeName names the pattern's component and prefixes its children.
const lakeName = "lake"

// Deploy registers the data lake.
func (Pattern) Deploy(ctx *pulumi.Context, cfg any, env patterns.Env) (pulumi.Map, error) {
	lake, err := New(ctx, lakeName, cfg.(*Config).Args(env))
	if err != nil {
		return nil, err
	}
	return lake.Outputs(), nil
}

// Args are the pattern's args for a config in env.
func (c Config) Args(env patterns.Env) *Args {
	off := func(days int) int {
		if days == 0 {
			return Off // the config's 0 is "never"; the Args' 0 is the default
		}
		return days
	}
	return &Args{
		Root:                        env.Root,
		Region:                      env.Region,
		Releases:                    env.Releases,
		MemoryMB:                    c.MemoryMB,
		MapReduceMemoryMB:           c.MapReduceMemoryMB,
		MapReduceTimeoutSeconds:     c.MapReduceTimeoutSeconds,
		LogRetentionDays:            c.LogRetentionDays,
		DeletionProtection:          c.Protect,
		CustomerManagedKey:          c.CustomerManagedKey,
		CloudTrail:                  c.CloudTrail,
		RawInfrequentAccessDays:     off(c.RawInfrequentAccessDays),
		RawArchiveDays:              off(c.RawArchiveDays),
		CuratedInfrequentAccessDays: off(c.CuratedInfrequentAccessDays),
		ResultsExpirationDays:       off(c.ResultsExpirationDays),
		IngestBufferSizeMB:          c.IngestBufferSizeMB,
		IngestBufferSeconds:         c.IngestBufferSeconds,
		DisableCatalogEvents:        !c.CatalogEvents,
		DisableIndexStream:          !c.IndexStream,
		IndexBatchSize:              c.IndexBatchSize,
		IndexMaxRetries:             off(c.IndexMaxRetries), // the config's 0 is "no retries"
		IndexMaxRecordAgeSeconds:    c.IndexMaxRecordAgeSeconds,
		SearchInstanceType:          c.SearchInstanceType,
		SearchInstanceCount:         c.SearchInstanceCount,
		SearchVolumeGB:              c.SearchVolumeGB,
		SearchDedicatedMasters:      c.SearchDedicatedMasters,
		SearchDedicatedMasterType:   c.SearchDedicatedMasterType,
		SearchSubnetIds:             c.SearchSubnetIds,
		SearchSecurityGroupIds:      c.SearchSecurityGroupIds,
		CrawlerSchedule:             c.CrawlerSchedule,
		DisableCrawlerSchedule:      c.CrawlerSchedule == "" || !c.CrawlerScheduleEnabled,
		AthenaScanLimitMB:           c.AthenaScanLimitMB,
		MapReduceChunkMB:            c.MapReduceChunkMB,
		MapReduceConcurrency:        c.MapReduceConcurrency,
		MapReduceSchedule:           c.MapReduceSchedule,
		DisableMapReduceSchedule:    !c.MapReduceScheduleEnabled,
		AlarmEmails:                 c.AlarmEmails,
	}
}

// validate checks each key's range, naming it. Relations the constructs
// know best (cron syntax, instance types, e-mail addresses) are theirs.
func (c Config) validate(p *patterns.Problems) {
	k := func(name string) string { return patterns.KeyName(Name, name) }
	between := func(key string, v, lo, hi int, unit string) {
		if v < lo || v > hi {
			p.Add(k(key), "%s is outside %d–%d%s", p.Val(k(key), v), lo, hi, unit)
		}
	}
	between("memoryMB", c.MemoryMB, constructs.MinMemoryMB, constructs.MaxMemoryMB, " MB")
	between("mapReduceMemoryMB", c.MapReduceMemoryMB, constructs.MinMemoryMB, constructs.MaxMemoryMB, " MB")
	between("mapReduceTimeoutSeconds", c.MapReduceTimeoutSeconds, 1, 900, " s (Lambda's limit is 15 minutes)")
	if !slices.Contains(constructs.ValidLogRetentionDays, c.LogRetentionDays) {
		p.Add(k("logRetentionDays"), "%s is not a CloudWatch Logs retention; use one of %v", p.Val(k("logRetentionDays"), c.LogRetentionDays), constructs.ValidLogRetentionDays)
	}
	// S3 refuses transitions to Standard-IA before 30 days
	// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
	for _, key := range []string{"rawInfrequentAccessDays", "curatedInfrequentAccessDays"} {
		v := map[string]int{"rawInfrequentAccessDays": c.RawInfrequentAccessDays, "curatedInfrequentAccessDays": c.CuratedInfrequentAccessDays}[key]
		if v != 0 && v < 30 {
			p.Add(k(key), "%s is under 30 days, S3's minimum before a Standard-IA transition; use 0 or at least 30", p.Val(k(key), v))
		}
	}
	if c.RawArchiveDays < 0 {
		p.Add(k("rawArchiveDays"), "%s is negative; use 0 to never archive", p.Val(k("rawArchiveDays"), c.RawArchiveDays))
	} else if c.RawArchiveDays != 0 && c.RawInfrequentAccessDays != 0 && c.RawArchiveDays < c.RawInfrequentAccessDays+30 && !p.Has(k("rawInfrequentAccessDays")) {
		// Objects must stay 30 days in Standard-IA before S3 moves them on.
		p.Add(k("rawArchiveDays"), "%s is less than 30 days after %s (%d): S3 keeps objects at least 30 days in Standard-IA; use at least %d",
			p.Val(k("rawArchiveDays"), c.RawArchiveDays), k("rawInfrequentAccessDays"), c.RawInfrequentAccessDays, c.RawInfrequentAccessDays+30)
	}
	if c.ResultsExpirationDays < 0 {
		p.Add(k("resultsExpirationDays"), "%s is negative; use 0 to keep results", p.Val(k("resultsExpirationDays"), c.ResultsExpirationDays))
	}
	between("ingestBufferSizeMB", c.IngestBufferSizeMB, 64, 128, " MB (Firehose's dynamic partitioning by dataset needs at least 64 MB)")
	// Zero buffering is not available with dynamic partitioning
	// (https://docs.aws.amazon.com/firehose/latest/dev/buffering.html), and
	// the Args' 0 would silently be the default.
	between("ingestBufferIntervalSeconds", c.IngestBufferSeconds, 1, 900, " s (Firehose has no zero buffering with dynamic partitioning)")
	between("indexBatchSize", c.IndexBatchSize, 1, 10000, "")
	between("indexMaxRetries", c.IndexMaxRetries, 0, 10000, "")
	between("indexMaxRecordAgeSeconds", c.IndexMaxRecordAgeSeconds, 60, 604800, " s")
	if c.SearchInstanceCount < 1 {
		p.Add(k("searchInstanceCount"), "%s must be at least 1", p.Val(k("searchInstanceCount"), c.SearchInstanceCount))
	}
	if c.SearchVolumeGB < 10 {
		p.Add(k("searchVolumeGB"), "%s is under 10 GB, OpenSearch's smallest gp3 volume", p.Val(k("searchVolumeGB"), c.SearchVolumeGB))
	}
	if m := c.SearchDedicatedMasters; m != 0 && m != 3 && m != 5 {
		p.Add(k("searchDedicatedMasters"), "%s is not 0, 3 or 5 (OpenSearch needs an odd number of at least three masters for a quorum)", p.Val(k("searchDedicatedMasters"), m))
	}
	if c.AthenaScanLimitMB < 10 {
		p.Add(k("athenaBytesScannedCutoffMB"), "%s is under Athena's minimum of 10 MB", p.Val(k("athenaBytesScannedCutoffMB"), c.AthenaScanLimitMB))
	}
	if c.MapReduceChunkMB < 1 {
		p.Add(k("mapReduceChunkMB"), "%s must be at least 1 MB", p.Val(k("mapReduceChunkMB"), c.MapReduceChunkMB))
	}
	between("mapReduceConcurrency", c.MapReduceConcurrency, 1, MaxMapReduceConcurrency, "")
}
