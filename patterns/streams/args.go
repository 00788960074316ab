package streams

import (
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/streaming"
)

// Args configure the pattern. Zero values mean the documented defaults;
// the Disable fields are the triggers' kill switches.
type Args struct {
	// Root is the project root (holding go.mod); the pattern's handlers are
	// built from its module. Default: ".".
	Root string
	// Releases rolls every new version of the functions out through
	// CodeDeploy with alarms and rollback. Default: nil, aliases move at once.
	Releases *constructs.Releases

	// MemoryMB of every function. Default: 256.
	MemoryMB int
	// LogRetentionDays of every log. Default: 30.
	LogRetentionDays int
	// DeletionProtection protects the device table and keeps non-empty
	// buckets. Default: false.
	DeletionProtection bool

	// StreamMode, ShardCount and RetentionHours shape the readings and
	// error streams. Default: on demand, 24 hours.
	StreamMode     streaming.StreamMode
	ShardCount     int
	RetentionHours int

	// IoTTopicFilter and IoTCondition select what the IoT rule puts into
	// the readings stream; IoTCondition "true" passes every message.
	// Default: sensors/+/readings, type = 'reading'.
	IoTTopicFilter string
	IoTCondition   string
	// DisableIngestRule is the IoT rule's kill switch. Default: false.
	DisableIngestRule bool

	// BufferSizeMB and BufferIntervalSeconds are Firehose's micro-batches.
	// Default: 5 MB, 300 s.
	BufferSizeMB          int
	BufferIntervalSeconds int

	// BatchSize, StartingPosition, MaxRetries (nil: 3), MaxRecordAgeSeconds,
	// ParallelizationFactor and WindowSeconds tune the analytics mapping;
	// DisableBisectOnError turns bisection off. Default: 100, LATEST, 3,
	// 3600, 1, 60 s, bisect on.
	BatchSize             int
	StartingPosition      constructs.StartingPosition
	DisableBisectOnError  bool
	MaxRetries            *int
	MaxRecordAgeSeconds   int
	ParallelizationFactor int
	WindowSeconds         int
	// DefaultThreshold applies to devices without their own; any value,
	// 0 included. Default: nil, 30.
	DefaultThreshold *int
	// DisableAnalytics is the analytics mapping's kill switch. Default: false.
	DisableAnalytics bool

	// DispatchBatchSize, FanOutBatchSize and FanOutConcurrency shape the
	// fan-out. Default: 1000, 100, 10.
	DispatchBatchSize int
	FanOutBatchSize   int
	FanOutConcurrency int
	// DisableFanOut is the dispatcher mapping's kill switch. Default: false.
	DisableFanOut bool

	// DisableUploadEvents, DisableResize, DisableConvert and DisableArchive
	// are the file fan-out's kill switches. Default: false.
	DisableUploadEvents bool
	DisableResize       bool
	DisableConvert      bool
	DisableArchive      bool

	// AlertEmails subscribe to the temperature alerts; AlarmEmails to the
	// pattern's alarms. Default: none.
	AlertEmails []string
	AlarmEmails []string
}

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
	def(&a.LogRetentionDays, constructs.DefaultLogRetentionDays)
	def(&a.RetentionHours, DefaultRetentionHours)
	def(&a.BufferSizeMB, DefaultBufferSizeMB)
	def(&a.BufferIntervalSeconds, DefaultBufferIntervalSeconds)
	def(&a.BatchSize, DefaultBatchSize)
	def(&a.MaxRecordAgeSeconds, DefaultMaxRecordAgeSeconds)
	def(&a.ParallelizationFactor, 1)
	def(&a.WindowSeconds, DefaultWindowSeconds)
	if a.DefaultThreshold == nil {
		t := DefaultThresholdValue
		a.DefaultThreshold = &t
	}
	def(&a.DispatchBatchSize, DefaultDispatchBatchSize)
	def(&a.FanOutBatchSize, DefaultFanOutBatchSize)
	def(&a.FanOutConcurrency, DefaultFanOutConcurrency)
	if a.StreamMode == "" {
		a.StreamMode = streaming.StreamModeOnDemand
	}
	if a.StartingPosition == "" {
		a.StartingPosition = constructs.StartLatest
	}
	if a.IoTTopicFilter == "" {
		a.IoTTopicFilter = DefaultIoTTopicFilter
	}
	if a.IoTCondition == "" {
		a.IoTCondition = DefaultIoTCondition
	}
	if a.MaxRetries == nil {
		n := DefaultMaxRetries
		a.MaxRetries = &n
	}
	return a
}
