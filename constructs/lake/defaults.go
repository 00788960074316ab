package lake

// Search and query defaults (SearchDomain, GlueCatalog, Workgroup).
const (
	// DefaultSearchEngineVersion is a current OpenSearch 2.x release. The
	// provider takes any "OpenSearch_X.Y" (pulumi-aws v6.83 opensearch.DomainArgs
	// EngineVersion: "Either Elasticsearch_X.Y or OpenSearch_X.Y"); 2.17 is
	// among the versions AWS lists features for
	// (https://docs.aws.amazon.com/opensearch-service/latest/developerguide/features-by-version.html).
	DefaultSearchEngineVersion = "OpenSearch_2.17"
	// DefaultSearchInstanceType is the smallest general purpose data node
	// that supports encryption at rest; production raises it.
	DefaultSearchInstanceType = "t3.small.search"
	// DefaultSearchInstanceCount is one data node: a dev-sized domain.
	DefaultSearchInstanceCount = 1
	// DefaultSearchVolumeGB is the smallest gp3 volume OpenSearch allows.
	DefaultSearchVolumeGB = 10
	// DefaultSearchTLSPolicy is TLS 1.2 and 1.3 with forward secrecy only
	// (https://docs.aws.amazon.com/opensearch-service/latest/APIReference/API_DomainEndpointOptions.html).
	DefaultSearchTLSPolicy = "Policy-Min-TLS-1-2-PFS-2023-10"
	// DefaultAthenaResultsPrefix is where a Workgroup writes query results
	// in its results bucket.
	DefaultAthenaResultsPrefix = "athena/"
	// DefaultBytesScannedCutoffPerQuery cancels a query after it has scanned
	// 10 GiB: an unpartitioned full scan fails instead of arriving on the bill.
	DefaultBytesScannedCutoffPerQuery int64 = 10 << 30
	// MinBytesScannedCutoffPerQuery is the smallest cutoff the provider
	// accepts (pulumi-aws athena.WorkgroupConfigurationArgs: "Must be at least
	// 10485760"), 10 MiB.
	MinBytesScannedCutoffPerQuery int64 = 10 << 20
	// DefaultAthenaEngineVersion lets Athena choose and upgrade the engine.
	DefaultAthenaEngineVersion = "AUTO"
)
