// Package streams is kumo's stream processing reference pattern (ARC401
// P3): sensor messages from AWS IoT into a Kinesis stream; Firehose reading
// it through a Lambda transform into S3 micro-batches, with the untouched
// records backed up; windowed analytics per device with alerts to SNS, and
// malformed records on an error stream that Firehose keeps in S3 for
// repair and replay; a dispatcher fanning large batches out to processor
// invocations; and S3 uploads fanned out over SNS to functions and a queue.
// Every invocation goes through a function alias, every failure signal
// raises an alarm on one topic, and every trigger has a kill switch.
package streams

import (
	"context"
	"fmt"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/streaming"
	"github.com/kumo-iac/kumo/patterns"
)

// Where the pattern's handlers live in the kumo module; they are built by
// import path from Root's module, so its go.mod pins the version deployed.
const (
	kumoModule        = "github.com/kumo-iac/kumo"
	transformPackage  = kumoModule + "/patterns/streams/functions/transform"
	analyticsPackage  = kumoModule + "/patterns/streams/functions/analytics"
	dispatcherPackage = kumoModule + "/patterns/streams/functions/dispatcher"
	processorPackage  = kumoModule + "/patterns/streams/functions/processor"
	resizePackage     = kumoModule + "/patterns/streams/functions/resize"
	convertPackage    = kumoModule + "/patterns/streams/functions/convert"
	archivePackage    = kumoModule + "/patterns/streams/functions/archive"
)

// Layout of the buckets.
const (
	// ReadingsPrefix is where Firehose writes the transformed readings, by
	// arrival day.
	ReadingsPrefix = "readings/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
	// BackupPrefix is where it keeps the records as they arrived.
	BackupPrefix = "source/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
	// ErrorStreamPrefix is where Firehose writes the error stream, by day:
	// the malformed readings, for repair and replay.
	ErrorStreamPrefix = "malformed/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
	// IoTErrorPrefix is where the IoT rule writes what it failed to put
	// into the stream.
	IoTErrorPrefix = "iot-errors/"
)

// Functions the pattern deploys, by name.
var Functions = []string{"transform", "analytics", "dispatcher", "processor", "resize", "convert", "archive"}

// Streams is the composed pattern; its parts are exposed for escape hatches.
type Streams struct {
	pulumi.ResourceState

	// Alarms is the topic every alarm of the pattern notifies; Alerts the
	// topic of temperature alerts.
	Alarms, Alerts *constructs.Topic
	// Readings is the stream the IoT rule fills; Errors the stream of
	// malformed readings.
	Readings, Errors *streaming.Stream
	// Ingest is the IoT rule.
	Ingest *streaming.TopicRule
	// Devices holds each device's site, owner and alert threshold.
	Devices *constructs.Table
	// ReadingsBucket receives the transformed readings; BackupBucket the
	// records as they arrived; ErrorBucket the malformed readings and the
	// IoT rule's failures.
	ReadingsBucket, BackupBucket, ErrorBucket *constructs.Bucket
	// Delivery is Firehose from the readings stream; ErrorDelivery from
	// the error stream.
	Delivery, ErrorDelivery *streaming.DeliveryStream
	// Transform, Analytics, Dispatcher and Processor process readings.
	Transform, Analytics, Dispatcher, Processor *constructs.Function
	// AnalyticsSource and FanOutSource are their mappings on Readings.
	AnalyticsSource, FanOutSource *constructs.StreamSource
	// Uploads receives files; Output the subscribers' results; FileEvents
	// is the topic S3 publishes uploads to; ArchiveQueue buffers the
	// archive function's share.
	Uploads, Output *constructs.Bucket
	// AccessLogs receives every bucket's S3 server access logs.
	AccessLogs   *constructs.Bucket
	FileEvents   *constructs.Topic
	ArchiveQueue *constructs.Queue
	// Resize, Convert and Archive are the file subscribers.
	Resize, Convert, Archive *constructs.Function

	// subscriptions keep what SNS could not deliver, to alarm on.
	subscriptions []subscription
}

// subscription is one of the file topic's subscriptions, by name.
type subscription struct {
	name string
	*constructs.Subscription
}

// parts are the construct args the pattern derives from its own args,
// built once so validation and construction use the same values.
type parts struct {
	a Args

	alarms, alerts, fileEvents  constructs.TopicArgs
	readings, errors            streaming.StreamArgs
	devices                     constructs.TableArgs
	readingsB, backupB, errorsB constructs.BucketArgs
	uploadsB, outputB, accessB  constructs.BucketArgs
	delivery, errorDelivery     streaming.DeliveryStreamArgs
	analytics, fanOut           constructs.StreamSourceArgs
	archiveQueue                constructs.QueueArgs
	archiveSource               constructs.QueueSourceArgs
	ingest                      streaming.TopicRuleArgs
	fns                         map[string]*constructs.FunctionArgs
}

// asyncOnly are the functions invoked asynchronously (by SNS), which get a
// dead-letter queue for what fails every retry.
var asyncOnly = map[string]bool{"resize": true, "convert": true}

func (a Args) parts() parts {
	a = a.withDefaults()
	p := parts{a: a, fns: map[string]*constructs.FunctionArgs{}}
	p.alarms = constructs.TopicArgs{DisplayName: "kumo stream processing alarms", EmailSubscriptions: a.AlarmEmails}
	// The analytics function publishes alerts itself (GrantPublish); no
	// service needs to.
	p.alerts = constructs.TopicArgs{DisplayName: "kumo temperature alerts", EmailSubscriptions: a.AlertEmails, Publishers: []string{}}
	p.fileEvents = constructs.TopicArgs{DisplayName: "kumo uploads", Publishers: []string{constructs.PrincipalS3}}
	stream := streaming.StreamArgs{Mode: a.StreamMode, ShardCount: a.ShardCount, RetentionHours: a.RetentionHours}
	p.readings = stream
	// The error stream carries little: one shard, or on demand.
	p.errors = stream
	if p.errors.Mode == streaming.StreamModeProvisioned {
		p.errors.ShardCount = 1
	}
	p.devices = constructs.TableArgs{PartitionKey: deviceKey, DeletionProtection: a.DeletionProtection}
	bucket := func() constructs.BucketArgs { return constructs.BucketArgs{ForceDestroy: !a.DeletionProtection} }
	p.readingsB, p.backupB, p.errorsB, p.uploadsB, p.outputB = bucket(), bucket(), bucket(), bucket(), bucket()
	p.accessB = constructs.BucketArgs{ForAccessLogs: true, ForceDestroy: !a.DeletionProtection,
		LifecycleRules: []constructs.LifecycleRule{{ID: "expire-access-logs", ExpirationDays: accessLogDays, NoncurrentExpirationDays: 1}}}
	p.delivery = streaming.DeliveryStreamArgs{
		Prefix: ReadingsPrefix, SourceBackupPrefix: BackupPrefix,
		BufferSizeMB: a.BufferSizeMB, BufferIntervalSeconds: a.BufferIntervalSeconds,
		Compression: streaming.CompressionGZIP, LogRetentionDays: a.LogRetentionDays,
	}
	p.errorDelivery = streaming.DeliveryStreamArgs{Prefix: ErrorStreamPrefix, ErrorOutputPrefix: "malformed-" + streaming.DefaultDeliveryErrorOutputPrefix,
		BufferSizeMB: a.BufferSizeMB, BufferIntervalSeconds: a.BufferIntervalSeconds,
		Compression: streaming.CompressionGZIP, LogRetentionDays: a.LogRetentionDays}
	bisect := !a.DisableBisectOnError
	age := a.MaxRecordAgeSeconds
	p.analytics = constructs.StreamSourceArgs{
		BatchSize: a.BatchSize, StartingPosition: a.StartingPosition, BisectBatchOnError: &bisect,
		MaximumRetryAttempts: a.MaxRetries, MaximumRecordAgeSeconds: &age,
		ParallelizationFactor: a.ParallelizationFactor, TumblingWindowSeconds: a.WindowSeconds,
		Enabled: patterns.Enabled(!a.DisableAnalytics),
	}
	p.fanOut = constructs.StreamSourceArgs{
		BatchSize: a.DispatchBatchSize, StartingPosition: a.StartingPosition, BisectBatchOnError: &bisect,
		MaximumRetryAttempts: a.MaxRetries, MaximumRecordAgeSeconds: &age,
		Enabled: patterns.Enabled(!a.DisableFanOut),
	}
	if a.DispatchBatchSize > 10 {
		// Lambda gathers a large batch only within a batching window.
		p.fanOut.MaximumBatchingWindowSeconds = dispatchWindowSeconds
	}
	p.archiveSource = constructs.QueueSourceArgs{Enabled: patterns.Enabled(!a.DisableArchive)}
	for _, f := range []struct{ name, pkg, desc string }{
		{"transform", transformPackage, "Firehose transform of the kumo stream processing pattern: readings to JSON lines with ISO time and device data"},
		{"analytics", analyticsPackage, "Windowed analytics of the kumo stream processing pattern: per-device averages, alerts over threshold"},
		{"dispatcher", dispatcherPackage, "Fan-out dispatcher of the kumo stream processing pattern: large batches to parallel processor invocations"},
		{"processor", processorPackage, "Fan-out processor of the kumo stream processing pattern: validates and counts one sub-batch"},
		{"resize", resizePackage, "File fan-out of the kumo stream processing pattern: downscales uploaded images"},
		{"convert", convertPackage, "File fan-out of the kumo stream processing pattern: uploaded CSV to JSON lines"},
		{"archive", archivePackage, "File fan-out of the kumo stream processing pattern: GZIP copies of uploads"},
	} {
		p.fns[f.name] = &constructs.FunctionArgs{
			Root: a.Root, GoPackage: f.pkg, Description: f.desc, MemoryMB: a.MemoryMB,
			TimeoutSeconds: timeouts[f.name], LogRetentionDays: a.LogRetentionDays, Releases: a.Releases,
			DeadLetterQueue: asyncOnly[f.name],
		}
	}
	// A queue consumed by a function needs at least six times its timeout.
	p.archiveQueue = constructs.QueueArgs{VisibilityTimeoutSeconds: constructs.QueueVisibilityTimeoutFactor * timeouts["archive"]}
	// Each device's readings share one partition key (the topic's second
	// level), so one shard and its windows; what the rule fails to put
	// goes to the error bucket.
	p.ingest = streaming.TopicRuleArgs{
		SQL:          fmt.Sprintf("SELECT * FROM '%s' WHERE %s", a.IoTTopicFilter, a.IoTCondition),
		Description:  "kumo stream processing: sensor readings into the readings stream",
		PartitionKey: "${topic(2)}",
		ErrorAction:  streaming.TopicRuleErrorAction{Prefix: IoTErrorPrefix},
		Enabled:      patterns.Enabled(!a.DisableIngestRule),
	}
	return p
}

// accessLogDays is how long the buckets' access logs are kept.
const accessLogDays = 365

// deviceKey is the device table's partition key; the table holds each
// device's site, owner and threshold.
const deviceKey = "deviceId"

// The dispatcher's limits on its sub-batches and parallel invocations.
const (
	maxFanOutBatchSize   = 10000
	maxFanOutConcurrency = 1000
)

// dispatchWindowSeconds lets Lambda gather a dispatcher batch for up to
// 5 seconds.
const dispatchWindowSeconds = 5

// timeouts are each function's timeout in seconds: the transform answers
// Firehose within its 5-minute limit with room to spare; the dispatcher
// waits for its processors.
var timeouts = map[string]int{
	"transform": 60, "analytics": 60, "dispatcher": 300, "processor": 60,
	"resize": 120, "convert": 120, "archive": 120,
}

// validate reports every problem in the args, through the same checks the
// constructs run, before anything is registered. ctx is the stack's: the
// IoT rule's default name is made from its project and stack.
func (p parts) validate(ctx *pulumi.Context, name string) error {
	var errs *multierror.Error
	add := func(err error) {
		if err != nil {
			errs = multierror.Append(errs, err)
		}
	}
	for _, t := range []struct {
		part string
		args constructs.TopicArgs
	}{{"alarms", p.alarms}, {"alerts", p.alerts}, {"file-events", p.fileEvents}} {
		add(t.args.Validate(name + "-" + t.part))
	}
	add(p.readings.Validate(name + "-readings"))
	add(p.errors.Validate(name + "-errors"))
	add(p.devices.Validate(name + "-devices"))
	for _, b := range []struct {
		part string
		args constructs.BucketArgs
	}{{"access-logs", p.accessB}, {"readings", p.readingsB}, {"backup", p.backupB}, {"errors", p.errorsB}, {"uploads", p.uploadsB}, {"output", p.outputB}} {
		add(b.args.Validate(name + "-" + b.part))
	}
	// The buckets and streams exist only after validation; stand-ins let
	// the delivery streams' other settings be checked now.
	delivery := p.delivery
	delivery.Destination, delivery.SourceBackup, delivery.Source = &constructs.Bucket{}, &constructs.Bucket{}, &streaming.Stream{}
	delivery.Processor = &constructs.Function{}
	add(delivery.Validate(name + "-delivery"))
	errDelivery := p.errorDelivery
	errDelivery.Destination, errDelivery.Source = &constructs.Bucket{}, &streaming.Stream{}
	add(errDelivery.Validate(name + "-error-delivery"))
	// The rule's SQL is made from IoTTopicFilter and IoTCondition.
	rule := p.ingest
	rule.Kinesis, rule.ErrorAction.Bucket = &streaming.Stream{}, &constructs.Bucket{}
	add(rule.Validate(ctx, name+"-ingest"))
	add(p.analytics.Validate(name + "-analytics"))
	add(p.fanOut.Validate(name + "-fan-out"))
	add(p.archiveQueue.Validate(name + "-archive"))
	add(p.archiveSource.Validate(name + "-archive"))
	for _, fn := range Functions {
		add(p.fns[fn].Validate(name + "-" + fn))
	}
	// The dispatcher refuses to start outside these (BATCH_SIZE and
	// CONCURRENCY, fanout.DispatcherFromEnv): the stack would deploy and
	// every batch fail.
	if n := p.a.FanOutBatchSize; n < 1 || n > maxFanOutBatchSize {
		add(fmt.Errorf("FanOutBatchSize: %d is outside 1–%d", n, maxFanOutBatchSize))
	}
	if n := p.a.FanOutConcurrency; n < 1 || n > maxFanOutConcurrency {
		add(fmt.Errorf("FanOutConcurrency: %d is outside 1–%d", n, maxFanOutConcurrency))
	}
	return constructs.Invalid(fmt.Sprintf("stream processing %q", name), errs)
}

// Validate reports every problem New would report for these args, without
// registering anything. Without a stack, the IoT rule's default name
// (<project>_<stack>_<name>_ingest) is checked with a stand-in project and
// stack; New checks the real one, still before registering anything.
func (a *Args) Validate(name string) error {
	standIn, err := pulumi.NewContext(context.Background(), pulumi.RunInfo{Project: "project", Stack: "stack"})
	if err != nil {
		return err
	}
	return a.parts().validate(standIn, name)
}

// New registers the pattern.
func New(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*Streams, error) {
	if args == nil {
		args = &Args{}
	}
	p := args.parts()
	if err := p.validate(ctx, name); err != nil {
		return nil, err
	}
	s := &Streams{}
	if err := ctx.RegisterComponentResource("kumo:patterns:StreamProcessing", name, s, opts...); err != nil {
		return nil, err
	}
	b := &builder{ctx: ctx, name: name, p: p, s: s, parent: pulumi.Parent(s)}
	for _, step := range []func() error{b.storage, b.ingest, b.delivery, b.analytics, b.fanOut, b.files, b.failureAlarms} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(s, s.Outputs()); err != nil {
		return nil, err
	}
	return s, nil
}

// builder registers the pattern's parts in order, each step reading what
// the steps before it made.
type builder struct {
	ctx    *pulumi.Context
	name   string
	p      parts
	s      *Streams
	parent pulumi.ResourceOption
}

func (b *builder) child(part string) string { return b.name + "-" + part }

// function registers one of the pattern's functions with its environment.
func (b *builder) function(fn string, env map[string]pulumi.StringInput) (*constructs.Function, error) {
	args := b.p.fns[fn]
	args.Environment = env
	if b.p.a.Releases != nil {
		// Release alarms roll canaries back and notify the alarm topic.
		args.AlarmTopic = b.s.Alarms
	}
	return constructs.NewFunction(b.ctx, b.child(fn), args, b.parent)
}

// storage registers the topics, streams, table and buckets.
func (b *builder) storage() error {
	ctx, s, p := b.ctx, b.s, b.p
	var err error
	for _, t := range []struct {
		part string
		args *constructs.TopicArgs
		into **constructs.Topic
	}{{"alarms", &p.alarms, &s.Alarms}, {"alerts", &p.alerts, &s.Alerts}, {"file-events", &p.fileEvents, &s.FileEvents}} {
		if *t.into, err = constructs.NewTopic(ctx, b.child(t.part), t.args, b.parent); err != nil {
			return err
		}
	}
	if s.Readings, err = streaming.NewStream(ctx, b.child("readings"), &p.readings, b.parent); err != nil {
		return err
	}
	if s.Errors, err = streaming.NewStream(ctx, b.child("errors"), &p.errors, b.parent); err != nil {
		return err
	}
	if s.Devices, err = constructs.NewTable(ctx, b.child("devices"), &p.devices, b.parent); err != nil {
		return err
	}
	if s.AccessLogs, err = constructs.NewBucket(ctx, b.child("access-logs"), &p.accessB, b.parent); err != nil {
		return err
	}
	for _, z := range []*constructs.BucketArgs{&p.readingsB, &p.backupB, &p.errorsB, &p.uploadsB, &p.outputB} {
		z.AccessLogBucket = s.AccessLogs
	}
	for _, z := range []struct {
		part string
		args *constructs.BucketArgs
		into **constructs.Bucket
	}{{"readings", &p.readingsB, &s.ReadingsBucket}, {"backup", &p.backupB, &s.BackupBucket}, {"errors", &p.errorsB, &s.ErrorBucket},
		{"uploads", &p.uploadsB, &s.Uploads}, {"output", &p.outputB, &s.Output}} {
		if *z.into, err = constructs.NewBucket(ctx, b.child(z.part), z.args, b.parent); err != nil {
			return err
		}
	}
	return nil
}

// ingest registers the IoT rule: matching messages into the readings
// stream; what the rule fails to put goes to the error bucket.
func (b *builder) ingest() error {
	var err error
	b.p.ingest.Kinesis, b.p.ingest.ErrorAction.Bucket = b.s.Readings, b.s.ErrorBucket
	b.s.Ingest, err = streaming.NewTopicRule(b.ctx, b.child("ingest"), &b.p.ingest, b.parent)
	return err
}

// delivery registers the transform and the two Firehose streams.
func (b *builder) delivery() error {
	ctx, s, p := b.ctx, b.s, b.p
	var err error
	if s.Transform, err = b.function("transform", map[string]pulumi.StringInput{"DEVICE_TABLE": s.Devices.Name}); err != nil {
		return err
	}
	if err := s.Devices.GrantRead(s.Transform); err != nil {
		return err
	}
	if err := patterns.NoAsyncInvocations(ctx, s.Transform, "invoked only synchronously, by Firehose, which retries a failed batch and writes what still fails under the error prefix"); err != nil {
		return err
	}
	p.delivery.Source, p.delivery.Destination, p.delivery.Processor, p.delivery.SourceBackup = s.Readings, s.ReadingsBucket, s.Transform, s.BackupBucket
	if s.Delivery, err = streaming.NewDeliveryStream(ctx, b.child("delivery"), &p.delivery, b.parent); err != nil {
		return err
	}
	p.errorDelivery.Source, p.errorDelivery.Destination = s.Errors, s.ErrorBucket
	s.ErrorDelivery, err = streaming.NewDeliveryStream(ctx, b.child("error-delivery"), &p.errorDelivery, b.parent)
	return err
}

// analytics registers the windowed analytics on the readings stream.
func (b *builder) analytics() error {
	ctx, s := b.ctx, b.s
	var err error
	if s.Analytics, err = b.function("analytics", map[string]pulumi.StringInput{
		"THRESHOLD_TABLE":   s.Devices.Name,
		"DEFAULT_THRESHOLD": pulumi.String(fmt.Sprint(*b.p.a.DefaultThreshold)),
		"ALERT_TOPIC_ARN":   s.Alerts.Arn,
		"ERROR_STREAM":      s.Errors.Name,
	}); err != nil {
		return err
	}
	for _, g := range []func() error{
		func() error { return s.Devices.GrantRead(s.Analytics) },
		func() error { return s.Alerts.GrantPublish(s.Analytics) },
		func() error { return s.Errors.GrantWrite(s.Analytics) },
	} {
		if err := g(); err != nil {
			return err
		}
	}
	if err := patterns.NoAsyncInvocations(ctx, s.Analytics, "invoked only by its Kinesis mapping, which retries, bisects and sends failed batches to its own on-failure queue"); err != nil {
		return err
	}
	s.AnalyticsSource, err = s.Readings.ConsumeWith(b.child("analytics"), s.Analytics, &b.p.analytics, b.parent)
	return err
}

// fanOut registers the processor and the dispatcher that invokes its
// alias on sub-batches of each large batch of readings.
func (b *builder) fanOut() error {
	ctx, s, a := b.ctx, b.s, b.p.a
	var err error
	if s.Processor, err = b.function("processor", nil); err != nil {
		return err
	}
	if err := patterns.NoAsyncInvocations(ctx, s.Processor, "invoked only synchronously, by the dispatcher, which reports a failed sub-batch's records back to its mapping"); err != nil {
		return err
	}
	if s.Dispatcher, err = b.function("dispatcher", map[string]pulumi.StringInput{
		"PROCESSOR_FUNCTION":        s.Processor.AliasArn,
		"BATCH_SIZE":                pulumi.String(fmt.Sprint(a.FanOutBatchSize)),
		"CONCURRENCY":               pulumi.String(fmt.Sprint(a.FanOutConcurrency)),
		"PROCESSOR_TIMEOUT_SECONDS": pulumi.String(fmt.Sprint(timeouts["processor"])),
	}); err != nil {
		return err
	}
	if err := s.Processor.GrantInvoke(s.Dispatcher); err != nil {
		return err
	}
	if err := patterns.NoAsyncInvocations(ctx, s.Dispatcher, "invoked only by its Kinesis mapping, which retries, bisects and sends failed batches to its own on-failure queue"); err != nil {
		return err
	}
	s.FanOutSource, err = s.Readings.ConsumeWith(b.child("fan-out"), s.Dispatcher, &b.p.fanOut, b.parent)
	return err
}

// files registers S3 uploads → SNS → resize and convert (subscribed
// directly: SNS invokes them asynchronously, their own retries and
// dead-letter queues keep failures) and archive (through a queue, so a
// paused or failing archiver loses nothing).
func (b *builder) files() error {
	ctx, s, a := b.ctx, b.s, b.p.a
	var err error
	outputs := map[string]string{"resize": "resized/", "convert": "converted/", "archive": "archive/"}
	for _, f := range []struct {
		name string
		into **constructs.Function
	}{{"resize", &s.Resize}, {"convert", &s.Convert}, {"archive", &s.Archive}} {
		if *f.into, err = b.function(f.name, map[string]pulumi.StringInput{
			"OUTPUT_BUCKET": s.Output.Name,
			"OUTPUT_PREFIX": pulumi.String(outputs[f.name]),
		}); err != nil {
			return err
		}
		if err := s.Uploads.GrantRead(*f.into); err != nil {
			return err
		}
		if err := s.Output.GrantWrite(*f.into); err != nil {
			return err
		}
	}
	if err := patterns.NoAsyncInvocations(ctx, s.Archive, "invoked only by its queue's mapping: a message that keeps failing moves to the queue's dead-letter queue"); err != nil {
		return err
	}
	b.p.archiveQueue.SourceTopics = []*constructs.Topic{s.FileEvents}
	if s.ArchiveQueue, err = constructs.NewQueue(ctx, b.child("archive"), &b.p.archiveQueue, b.parent); err != nil {
		return err
	}
	if _, err := s.ArchiveQueue.ConsumeWith(b.child("archive"), s.Archive, &b.p.archiveSource, b.parent); err != nil {
		return err
	}
	for _, sub := range []struct {
		name string
		fn   *constructs.Function
		off  bool
	}{{"resize", s.Resize, a.DisableResize}, {"convert", s.Convert, a.DisableConvert}} {
		got, err := s.FileEvents.SubscribeFunction(b.child(sub.name+"-delivery"), sub.fn, &constructs.SubscriptionArgs{Enabled: patterns.Enabled(!sub.off)}, b.parent)
		if err != nil {
			return err
		}
		s.subscriptions = append(s.subscriptions, subscription{sub.name, got})
	}
	got, err := s.FileEvents.SubscribeQueue(b.child("archive-delivery"), s.ArchiveQueue, nil, b.parent)
	if err != nil {
		return err
	}
	s.subscriptions = append(s.subscriptions, subscription{"archive", got})
	_, err = constructs.NewBucketTriggers(ctx, b.child("uploads"), &constructs.BucketTriggersArgs{
		Bucket: s.Uploads,
		Topics: []constructs.BucketTopicTrigger{{Topic: s.FileEvents, Events: []string{"s3:ObjectCreated:*"}, Enabled: patterns.Enabled(!a.DisableUploadEvents)}},
	}, b.parent)
	return err
}

// Thresholds of the pattern's own alarms.
const (
	// IteratorAgeAlarmMs: a consumer is a minute behind the stream.
	IteratorAgeAlarmMs = 60 * 1000
	// DeliveryFreshnessAlarmSeconds: the oldest record in Firehose waited
	// three buffer intervals (of the default 300 s) without delivery.
	DeliveryFreshnessAlarmSeconds = 900
)

// failureAlarms registers an alarm on every failure signal beyond the
// functions' release alarms, all notifying the alarm topic.
func (b *builder) failureAlarms() error {
	ctx, s := b.ctx, b.s
	type alarm struct {
		part string
		args constructs.AlarmArgs
	}
	queueDepth := func(part, what string, queue pulumi.StringInput) alarm {
		return alarm{part, patterns.QueueDepthAlarm(queue, what)}
	}
	stream := func(part, metric string, st *streaming.Stream, stat constructs.Statistic, threshold float64, what string) alarm {
		return alarm{part, constructs.AlarmArgs{
			Namespace: "AWS/Kinesis", MetricName: metric,
			Dimensions: map[string]pulumi.StringInput{"StreamName": st.Name},
			Statistic:  stat, Threshold: threshold, PeriodSeconds: 300, Description: what,
		}}
	}
	delivery := func(part string, d *streaming.DeliveryStream, what string) []alarm {
		dim := map[string]pulumi.StringInput{"DeliveryStreamName": d.Name}
		return []alarm{
			{part + "-freshness", constructs.AlarmArgs{Namespace: "AWS/Firehose", MetricName: "DeliveryToS3.DataFreshness", Dimensions: dim,
				Statistic: constructs.StatisticMaximum, Threshold: DeliveryFreshnessAlarmSeconds, PeriodSeconds: 300,
				Description: what + ": Firehose has not delivered for 15 minutes; see its error log"}},
			{part + "-failures", constructs.AlarmArgs{Namespace: "AWS/Firehose", MetricName: "DeliveryToS3.Success", Dimensions: dim,
				Statistic: constructs.StatisticMinimum, Threshold: 1, Comparison: constructs.ComparisonLessThan, PeriodSeconds: 300,
				Description: what + ": a Firehose delivery to S3 failed; see its error log"}},
		}
	}
	alarms := []alarm{
		stream("readings-iterator-age", "GetRecords.IteratorAgeMilliseconds", s.Readings, constructs.StatisticMaximum, IteratorAgeAlarmMs,
			"A consumer of the readings stream is more than a minute behind; records expire after the stream's retention"),
		stream("readings-read-throttled", "ReadProvisionedThroughputExceeded", s.Readings, constructs.StatisticSum, 1,
			"Reads of the readings stream are throttled: too many consumers for its shards"),
		stream("errors-iterator-age", "GetRecords.IteratorAgeMilliseconds", s.Errors, constructs.StatisticMaximum, IteratorAgeAlarmMs,
			"Firehose is more than a minute behind the error stream"),
		queueDepth("analytics-failures", "The analytics mapping's on-failure queue", s.AnalyticsSource.FailureQueueName),
		queueDepth("fan-out-failures", "The dispatcher mapping's on-failure queue", s.FanOutSource.FailureQueueName),
		queueDepth("archive-dlq", "The archive queue's dead-letter queue", s.ArchiveQueue.DeadLetterQueueName),
		queueDepth("resize-dlq", "The resize function's dead-letter queue", s.Resize.DeadLetterQueue.Name),
		queueDepth("convert-dlq", "The convert function's dead-letter queue", s.Convert.DeadLetterQueue.Name),
		{"ingest-failures", constructs.AlarmArgs{Namespace: "AWS/IoT", MetricName: "Failure",
			Dimensions: map[string]pulumi.StringInput{"RuleName": s.Ingest.Name}, Threshold: 1, PeriodSeconds: 300,
			Description: "The IoT rule failed to put messages into the readings stream; they are under " + IoTErrorPrefix + " in the error bucket"}},
	}
	alarms = append(alarms, delivery("delivery", s.Delivery, "Readings")...)
	alarms = append(alarms, delivery("error-delivery", s.ErrorDelivery, "Malformed readings")...)
	for _, sub := range s.subscriptions {
		alarms = append(alarms, queueDepth(sub.name+"-delivery-dlq", "The "+sub.name+" subscription's dead-letter queue (what SNS could not deliver)", sub.DeadLetterQueueName))
	}
	for _, a := range alarms {
		a.args.Topic = s.Alarms
		if _, err := constructs.NewAlarm(ctx, b.child(a.part), &a.args, b.parent); err != nil {
			return err
		}
	}
	return nil
}

// Outputs are the stack outputs of the pattern.
func (s *Streams) Outputs() pulumi.Map {
	return pulumi.Map{
		"streamsReadingsStream":  s.Readings.Name,
		"streamsErrorStream":     s.Errors.Name,
		"streamsIngestRule":      s.Ingest.Name,
		"streamsDeviceTable":     s.Devices.Name,
		"streamsReadingsBucket":  s.ReadingsBucket.Name,
		"streamsBackupBucket":    s.BackupBucket.Name,
		"streamsErrorBucket":     s.ErrorBucket.Name,
		"streamsUploadsBucket":   s.Uploads.Name,
		"streamsOutputBucket":    s.Output.Name,
		"streamsAlertTopic":      s.Alerts.Arn,
		"streamsAlarmTopic":      s.Alarms.Arn,
		"streamsDeliveryStream":  s.Delivery.Name,
		"streamsDispatcherAlias": s.Dispatcher.AliasArn,
	}
}
