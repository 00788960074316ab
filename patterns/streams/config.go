package streams

import (
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/streaming"
	"github.com/kumo-iac/kumo/patterns"
)

// Name is the pattern's entry in kumo:patterns and its config section.
const Name = "streamprocessing"

// Config is the stream processing pattern's section of a stack file
// (kumo:streamprocessing). Each field's default is what DefaultConfig gives
// it; the tags name and document the keys (the README's table and
// Pulumi.yaml are checked against them).
type Config struct {
	MemoryMB              int      `config:"memoryMB" doc:"Memory of each function of the pattern, 128–10240 MB."`
	LogRetentionDays      int      `config:"logRetentionDays" doc:"Retention of every log the pattern writes; a CloudWatch Logs value (1, 3, 5, 7, 14, 30, 60, 90, …, 3653)."`
	Protect               bool     `config:"deletionProtection" doc:"Protect the device table from deletion and keep non-empty buckets (turn on for production)."`
	StreamMode            string   `config:"streamMode" doc:"Capacity mode of the readings and error streams: ON_DEMAND or PROVISIONED."`
	ShardCount            int      `config:"shardCount" doc:"Shards of the readings stream with streamMode PROVISIONED (at least 1); 0 with ON_DEMAND."`
	RetentionHours        int      `config:"retentionHours" doc:"How long the streams keep records for replay, 24–8760 hours."`
	IoTTopicFilter        string   `config:"iotTopicFilter" doc:"MQTT topic filter the IoT rule reads; its second level is the device ID ('+' one level, '#' the rest)."`
	IoTCondition          string   `config:"iotCondition" doc:"The IoT rule's WHERE condition: only matching messages reach the stream; empty passes every message."`
	IngestRule            bool     `config:"ingestRule" doc:"Kill switch of the IoT rule; false stops ingest (devices' messages are not kept)."`
	BufferSizeMB          int      `config:"bufferSizeMB" doc:"Firehose buffer before it writes readings to S3, 1–128 MB."`
	BufferIntervalSeconds int      `config:"bufferIntervalSeconds" doc:"Longest Firehose waits before it writes a partial buffer, 1–900 s."`
	BatchSize             int      `config:"batchSize" doc:"Readings per analytics invocation, 1–10000."`
	StartingPosition      string   `config:"startingPosition" doc:"Where a new analytics mapping starts reading: LATEST or TRIM_HORIZON."`
	BisectOnError         bool     `config:"bisectOnError" doc:"Split a failing analytics batch in two and retry each half, isolating a bad record."`
	MaxRetries            int      `config:"maxRetries" doc:"Retries of a failing stream batch before it goes to the on-failure queue, 0–10000."`
	MaxRecordAgeSeconds   int      `config:"maxRecordAgeSeconds" doc:"Oldest record a stream mapping still processes, 60–604800 s; older ones go to the on-failure queue."`
	ParallelizationFactor int      `config:"parallelizationFactor" doc:"Batches of one shard processed at once by the analytics mapping, 1–10; above 1 a device's readings may be averaged out of order."`
	WindowSeconds         int      `config:"windowSeconds" doc:"Tumbling window the analytics averages each device over, 1–900 s."`
	DefaultThreshold      int      `config:"defaultThreshold" doc:"Temperature a device's window average must exceed to raise an alert, when the device table has no threshold for it."`
	Analytics             bool     `config:"analytics" doc:"Kill switch of the analytics mapping; false pauses it (readings wait in the stream for retentionHours)."`
	DispatchBatchSize     int      `config:"dispatchBatchSize" doc:"Readings per dispatcher invocation, 1–10000: the large batch it fans out."`
	FanOutBatchSize       int      `config:"fanOutBatchSize" doc:"Readings in each processor invocation the dispatcher makes, 1–10000."`
	FanOutConcurrency     int      `config:"fanOutConcurrency" doc:"Processor invocations the dispatcher runs at once, 1–1000."`
	FanOut                bool     `config:"fanOut" doc:"Kill switch of the dispatcher's mapping; false pauses fan-out (readings wait in the stream)."`
	UploadEvents          bool     `config:"uploadEvents" doc:"Kill switch of the uploads bucket's notification to the file topic; false stops file fan-out for new uploads."`
	Resize                bool     `config:"resize" doc:"Kill switch of the resize function's subscription; false unsubscribes it (uploads meanwhile are not resized)."`
	Convert               bool     `config:"convert" doc:"Kill switch of the convert function's subscription; false unsubscribes it (uploads meanwhile are not converted)."`
	Archive               bool     `config:"archive" doc:"Kill switch of the archive function's queue consumer; false pauses archiving (uploads wait in the queue for 4 days)."`
	AlertEmails           []string `config:"alertEmails" doc:"E-mail addresses subscribed to the temperature alerts topic."`
	AlarmEmails           []string `config:"alarmEmails" doc:"E-mail addresses subscribed to the pattern's alarm topic."`
}

// The pattern's documented defaults (ARC401 P3 and the AWS guidance each
// cites); they are the Config and Args defaults both.
const (
	// DefaultRetentionHours is Kinesis's own 24 hours.
	DefaultRetentionHours = 24
	// DefaultIoTTopicFilter: sensors publish to sensors/<device>/readings.
	DefaultIoTTopicFilter = "sensors/+/readings"
	// DefaultIoTCondition keeps only readings, not heartbeats or other
	// device messages (ARC401's example of an IoT rule's SQL filter).
	DefaultIoTCondition = "type = 'reading'"
	// DefaultBufferSizeMB and DefaultBufferIntervalSeconds are ARC401's
	// 5 MB / 300 s micro-batches.
	DefaultBufferSizeMB          = 5
	DefaultBufferIntervalSeconds = 300
	// DefaultBatchSize is ARC401's Kinesis → Lambda batch.
	DefaultBatchSize = 100
	// DefaultMaxRetries and DefaultMaxRecordAgeSeconds bound a failing
	// batch: three retries after bisecting, or an hour, then the
	// on-failure queue.
	DefaultMaxRetries          = 3
	DefaultMaxRecordAgeSeconds = 3600
	// DefaultWindowSeconds is ARC401's one-minute tumbling window.
	DefaultWindowSeconds = 60
	// DefaultThresholdValue is the alert threshold of devices without one.
	DefaultThresholdValue = 30
	// DefaultDispatchBatchSize is the large batch the dispatcher fans out;
	// DefaultFanOutBatchSize and DefaultFanOutConcurrency its sub-batches.
	DefaultDispatchBatchSize = 1000
	DefaultFanOutBatchSize   = 100
	DefaultFanOutConcurrency = 10
)

// DefaultConfig is the stream processing pattern's documented defaults.
func DefaultConfig() Config {
	return Config{
		MemoryMB:              constructs.DefaultMemoryMB,
		LogRetentionDays:      constructs.DefaultLogRetentionDays,
		StreamMode:            string(streaming.StreamModeOnDemand),
		RetentionHours:        DefaultRetentionHours,
		IoTTopicFilter:        DefaultIoTTopicFilter,
		IoTCondition:          DefaultIoTCondition,
		IngestRule:            true,
		BufferSizeMB:          DefaultBufferSizeMB,
		BufferIntervalSeconds: DefaultBufferIntervalSeconds,
		BatchSize:             DefaultBatchSize,
		StartingPosition:      string(constructs.StartLatest),
		BisectOnError:         true,
		MaxRetries:            DefaultMaxRetries,
		MaxRecordAgeSeconds:   DefaultMaxRecordAgeSeconds,
		ParallelizationFactor: 1,
		WindowSeconds:         DefaultWindowSeconds,
		DefaultThreshold:      DefaultThresholdValue,
		Analytics:             true,
		DispatchBatchSize:     DefaultDispatchBatchSize,
		FanOutBatchSize:       DefaultFanOutBatchSize,
		FanOutConcurrency:     DefaultFanOutConcurrency,
		FanOut:                true,
		UploadEvents:          true,
		Resize:                true,
		Convert:               true,
		Archive:               true,
		AlertEmails:           []string{},
		AlarmEmails:           []string{},
	}
}

// Pattern plugs stream processing into a stack.
type Pattern struct{}

var _ patterns.Pattern = Pattern{}

func (Pattern) Name() string { return Name }

func (Pattern) Description() string {
	return "IoT sensor readings through a Kinesis stream to a transforming Firehose, windowed analytics with alerts, a fan-out dispatcher, and S3 uploads fanned out over SNS (ARC401 P3)."
}

func (Pattern) NewConfig() any { c := DefaultConfig(); return &c }

// Validate checks the section's keys, then (with any bad key back at its
// default) the args it gives the constructs, so every problem is reported
// at once and once.
func (Pattern) Validate(cfg any, env patterns.Env) []error {
	c := *cfg.(*Config)
	p := &patterns.Problems{Secret: env.Secret}
	c.validate(p)
	checked := c.withDefaultsWhere(p)
	args := checked.Args(env)
	args.Releases = &constructs.Releases{} // created only after validation
	if err := args.Validate(patternName); err != nil {
		p.Errs = append(p.Errs, err)
	}
	return p.Errs
}

// patternName names the pattern's component and prefixes its children.
const patternName = "streams"

// Deploy registers the pattern.
func (Pattern) Deploy(ctx *pulumi.Context, cfg any, env patterns.Env) (pulumi.Map, error) {
	s, err := New(ctx, patternName, cfg.(*Config).Args(env))
	if err != nil {
		return nil, err
	}
	return s.Outputs(), nil
}

// Args are the pattern's args for a config in env.
func (c Config) Args(env patterns.Env) *Args {
	retries, threshold := c.MaxRetries, c.DefaultThreshold
	return &Args{
		Root:                  env.Root,
		Releases:              env.Releases,
		MemoryMB:              c.MemoryMB,
		LogRetentionDays:      c.LogRetentionDays,
		DeletionProtection:    c.Protect,
		StreamMode:            streaming.StreamMode(c.StreamMode),
		ShardCount:            c.ShardCount,
		RetentionHours:        c.RetentionHours,
		IoTTopicFilter:        c.IoTTopicFilter,
		IoTCondition:          orTrue(c.IoTCondition),
		DisableIngestRule:     !c.IngestRule,
		BufferSizeMB:          c.BufferSizeMB,
		BufferIntervalSeconds: c.BufferIntervalSeconds,
		BatchSize:             c.BatchSize,
		StartingPosition:      constructs.StartingPosition(c.StartingPosition),
		DisableBisectOnError:  !c.BisectOnError,
		MaxRetries:            &retries,
		MaxRecordAgeSeconds:   c.MaxRecordAgeSeconds,
		ParallelizationFactor: c.ParallelizationFactor,
		WindowSeconds:         c.WindowSeconds,
		DefaultThreshold:      &threshold,
		DisableAnalytics:      !c.Analytics,
		DispatchBatchSize:     c.DispatchBatchSize,
		FanOutBatchSize:       c.FanOutBatchSize,
		FanOutConcurrency:     c.FanOutConcurrency,
		DisableFanOut:         !c.FanOut,
		DisableUploadEvents:   !c.UploadEvents,
		DisableResize:         !c.Resize,
		DisableConvert:        !c.Convert,
		DisableArchive:        !c.Archive,
		AlertEmails:           c.AlertEmails,
		AlarmEmails:           c.AlarmEmails,
	}
}

// validate checks each key's range, naming it. What the constructs know
// best (the SQL, e-mail addresses) is theirs.
func (c Config) validate(p *patterns.Problems) {
	k := func(name string) string { return patterns.KeyName(Name, name) }
	between := func(key string, v, lo, hi int, unit string) {
		if v < lo || v > hi {
			p.Add(k(key), "%s is outside %d–%d%s", p.Val(k(key), v), lo, hi, unit)
		}
	}
	between("memoryMB", c.MemoryMB, constructs.MinMemoryMB, constructs.MaxMemoryMB, " MB")
	if !slices.Contains(constructs.ValidLogRetentionDays, c.LogRetentionDays) {
		p.Add(k("logRetentionDays"), "%s is not a CloudWatch Logs retention; use one of %v", p.Val(k("logRetentionDays"), c.LogRetentionDays), constructs.ValidLogRetentionDays)
	}
	switch streaming.StreamMode(c.StreamMode) {
	case streaming.StreamModeOnDemand:
		if c.ShardCount != 0 {
			p.Add(k("shardCount"), "%s is set, but %s is ON_DEMAND, which scales shards itself; use 0, or streamMode PROVISIONED", p.Val(k("shardCount"), c.ShardCount), k("streamMode"))
		}
	case streaming.StreamModeProvisioned:
		if c.ShardCount < 1 {
			p.Add(k("shardCount"), "%s: a PROVISIONED stream needs at least 1 shard", p.Val(k("shardCount"), c.ShardCount))
		}
	default:
		p.Add(k("streamMode"), "%s is not a capacity mode; use ON_DEMAND or PROVISIONED", p.Val(k("streamMode"), c.StreamMode))
	}
	between("retentionHours", c.RetentionHours, 24, 8760, " hours")
	if c.IoTTopicFilter == "" {
		p.Add(k("iotTopicFilter"), "is empty; give the MQTT topic filter devices publish readings to, e.g. %s", patterns.Quote(DefaultIoTTopicFilter))
	}
	between("bufferSizeMB", c.BufferSizeMB, 1, 128, " MB")
	between("bufferIntervalSeconds", c.BufferIntervalSeconds, 1, 900, " s")
	between("batchSize", c.BatchSize, 1, 10000, "")
	if sp := constructs.StartingPosition(c.StartingPosition); sp != constructs.StartLatest && sp != constructs.StartTrimHorizon {
		p.Add(k("startingPosition"), "%s is not a starting position; use LATEST or TRIM_HORIZON", p.Val(k("startingPosition"), c.StartingPosition))
	}
	between("maxRetries", c.MaxRetries, 0, 10000, "")
	between("maxRecordAgeSeconds", c.MaxRecordAgeSeconds, 60, 604800, " s")
	between("parallelizationFactor", c.ParallelizationFactor, 1, 10, "")
	between("windowSeconds", c.WindowSeconds, 1, 900, " s (Lambda's tumbling windows are at most 15 minutes)")
	between("dispatchBatchSize", c.DispatchBatchSize, 1, 10000, "")
	between("fanOutBatchSize", c.FanOutBatchSize, 1, 10000, "")
	between("fanOutConcurrency", c.FanOutConcurrency, 1, 1000, "")
}

// withDefaultsWhere returns c with each field whose key has a problem set
// back to its default, so the construct checks do not repeat it.
func (c Config) withDefaultsWhere(p *patterns.Problems) Config {
	d := DefaultConfig()
	has := func(key string) bool { return p.Has(patterns.KeyName(Name, key)) }
	ints := map[string][2]*int{
		"memoryMB": {&c.MemoryMB, &d.MemoryMB}, "logRetentionDays": {&c.LogRetentionDays, &d.LogRetentionDays},
		"shardCount": {&c.ShardCount, &d.ShardCount}, "retentionHours": {&c.RetentionHours, &d.RetentionHours},
		"bufferSizeMB": {&c.BufferSizeMB, &d.BufferSizeMB}, "bufferIntervalSeconds": {&c.BufferIntervalSeconds, &d.BufferIntervalSeconds},
		"batchSize": {&c.BatchSize, &d.BatchSize}, "maxRetries": {&c.MaxRetries, &d.MaxRetries},
		"maxRecordAgeSeconds": {&c.MaxRecordAgeSeconds, &d.MaxRecordAgeSeconds}, "parallelizationFactor": {&c.ParallelizationFactor, &d.ParallelizationFactor},
		"windowSeconds": {&c.WindowSeconds, &d.WindowSeconds}, "dispatchBatchSize": {&c.DispatchBatchSize, &d.DispatchBatchSize},
		"fanOutBatchSize": {&c.FanOutBatchSize, &d.FanOutBatchSize}, "fanOutConcurrency": {&c.FanOutConcurrency, &d.FanOutConcurrency},
	}
	for key, v := range ints {
		if has(key) {
			*v[0] = *v[1]
		}
	}
	// The mode and the shard count are valid only together: a bad shard
	// count back at 0 would still be refused under PROVISIONED.
	if has("streamMode") || has("shardCount") {
		c.StreamMode, c.ShardCount = d.StreamMode, d.ShardCount
	}
	if has("startingPosition") {
		c.StartingPosition = d.StartingPosition
	}
	return c
}

// orTrue is the WHERE condition for a config's condition: empty passes
// every message.
func orTrue(cond string) string {
	if cond == "" {
		return "true"
	}
	return cond
}
