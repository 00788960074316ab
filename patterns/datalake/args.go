package datalake

import "github.com/kumo-iac/kumo/constructs"

// Args configure the data lake. Zero values mean the documented defaults;
// Off turns a lifecycle step off.
type Args struct {
	// Root is the project root (holding go.mod); the pattern's handlers are
	// built from its module. Default: ".".
	Root string
	// Region is the stack's AWS region; the lake's key names the region's
	// CloudWatch Logs service. Default: the stack's aws:region.
	Region string
	// Releases rolls every new version of the functions out through
	// CodeDeploy with alarms and rollback. Default: nil, aliases move at once.
	Releases *constructs.Releases

	// MemoryMB of the catalog writer and the search indexer. Default: 256.
	MemoryMB int
	// MapReduceMemoryMB of the splitter, mappers and reducer. Default: 1024.
	MapReduceMemoryMB int
	// MapReduceTimeoutSeconds of each MapReduce function. Default: 300.
	MapReduceTimeoutSeconds int
	// LogRetentionDays of every log. Default: 30.
	LogRetentionDays int
	// DeletionProtection protects the catalog table and keeps non-empty
	// buckets. Default: false.
	DeletionProtection bool
	// CustomerManagedKey encrypts the buckets and the catalog table with a
	// key of the lake. Default: false (SSE-S3 and DynamoDB's AWS managed key).
	CustomerManagedKey bool
	// CloudTrail records S3 data events on the lake's buckets. Default: false.
	CloudTrail bool

	// RawInfrequentAccessDays, RawArchiveDays, CuratedInfrequentAccessDays
	// and ResultsExpirationDays are the zones' lifecycle; Off turns one
	// off. Default: 30, 90, 90 and 30.
	RawInfrequentAccessDays     int
	RawArchiveDays              int
	CuratedInfrequentAccessDays int
	ResultsExpirationDays       int

	// IngestBufferSizeMB and IngestBufferSeconds are Firehose's buffer.
	// Default: 64 MB and 300 s.
	IngestBufferSizeMB  int
	IngestBufferSeconds int

	// DisableCatalogEvents is the kill switch of the raw zone's
	// notification to the catalog writer. Default: false.
	DisableCatalogEvents bool
	// DisableIndexStream is the kill switch of the catalog stream's mapping
	// to the indexer. Default: false.
	DisableIndexStream bool
	// IndexBatchSize, IndexMaxRetries and IndexMaxRecordAgeSeconds tune the
	// indexer's stream mapping; Off retries a failing batch not at all.
	// Default: 100, 3 and 3600.
	IndexBatchSize           int
	IndexMaxRetries          int
	IndexMaxRecordAgeSeconds int

	// SearchInstanceType, SearchInstanceCount, SearchVolumeGB,
	// SearchDedicatedMasters and SearchDedicatedMasterType size the
	// OpenSearch domain. Default: t3.small.search, 1, 10 GB, no masters
	// (m6g.large.search when there are).
	SearchInstanceType        string
	SearchInstanceCount       int
	SearchVolumeGB            int
	SearchDedicatedMasters    int
	SearchDedicatedMasterType string
	// SearchSubnetIds put the search domain in a VPC, and the indexer with
	// it, both with SearchSecurityGroupIds (required then; they must allow
	// HTTPS between their members). Default: none, a public endpoint
	// limited by the access policy to the indexer's role.
	SearchSubnetIds        []string
	SearchSecurityGroupIds []string

	// CrawlerSchedule is when the Glue crawler runs, as cron(...).
	// Default: daily at 02:00 UTC.
	CrawlerSchedule string
	// DisableCrawlerSchedule is the crawler schedule's kill switch; the
	// crawler still runs on demand. Default: false.
	DisableCrawlerSchedule bool
	// AthenaScanLimitMB bounds one Athena query's scan. Default: 10240.
	AthenaScanLimitMB int

	// MapReduceChunkMB is the input of one mapper. Default: 64.
	MapReduceChunkMB int
	// MapReduceConcurrency is how many mappers run at once. Default: 10.
	MapReduceConcurrency int
	// MapReduceSchedule runs the job on a schedule, as rate(...) or
	// cron(...). Default: "", on demand only.
	MapReduceSchedule string
	// DisableMapReduceSchedule is the job schedule's kill switch; the job
	// still runs on demand. Default: false.
	DisableMapReduceSchedule bool

	// AlarmEmails subscribe to the alarm topic. Default: none.
	AlarmEmails []string
}

// Off turns a lifecycle step of Args off.
const Off = -1

// withDefaults fills zero fields with the documented defaults.
func (a Args) withDefaults() Args {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if a.Root == "" {
		a.Root = "."
	}
	def(&a.MemoryMB, constructs.DefaultMemoryMB)
	def(&a.MapReduceMemoryMB, DefaultMapReduceMemoryMB)
	def(&a.MapReduceTimeoutSeconds, DefaultMapReduceTimeoutSeconds)
	def(&a.LogRetentionDays, constructs.DefaultLogRetentionDays)
	def(&a.RawInfrequentAccessDays, DefaultRawInfrequentAccessDays)
	def(&a.RawArchiveDays, DefaultRawArchiveDays)
	def(&a.CuratedInfrequentAccessDays, DefaultCuratedInfrequentAccessDays)
	def(&a.ResultsExpirationDays, DefaultResultsExpirationDays)
	def(&a.IngestBufferSizeMB, DefaultIngestBufferSizeMB)
	def(&a.IngestBufferSeconds, DefaultIngestBufferSeconds)
	def(&a.IndexBatchSize, DefaultIndexBatchSize)
	def(&a.IndexMaxRetries, DefaultIndexMaxRetries)
	def(&a.IndexMaxRecordAgeSeconds, DefaultIndexMaxRecordAgeSeconds)
	def(&a.SearchInstanceCount, 1)
	def(&a.SearchVolumeGB, DefaultSearchVolumeGB)
	def(&a.AthenaScanLimitMB, DefaultAthenaScanLimitMB)
	def(&a.MapReduceChunkMB, DefaultMapReduceChunkMB)
	def(&a.MapReduceConcurrency, DefaultMapReduceConcurrency)
	if a.SearchInstanceType == "" {
		a.SearchInstanceType = DefaultSearchInstanceType
	}
	if a.SearchDedicatedMasterType == "" {
		a.SearchDedicatedMasterType = DefaultSearchDedicatedMasterType
	}
	if a.CrawlerSchedule == "" {
		a.CrawlerSchedule = DefaultCrawlerSchedule
	}
	return a
}

// days is a lifecycle field's day count, 0 when it is Off.
func days(v int) int {
	if v == Off {
		return 0
	}
	return v
}
