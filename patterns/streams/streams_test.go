package streams_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/streaming"
	kcheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/patterns/internal/patterntest"
	"github.com/kumo-iac/kumo/patterns/streams"
)

var root, _ = filepath.Abs(filepath.Join("..", ".."))

// Resource types the tests look at.
const (
	alias        = "aws:lambda/alias:Alias"
	function     = "aws:lambda/function:Function"
	permission   = "aws:lambda/permission:Permission"
	notification = "aws:s3/bucketNotification:BucketNotification"
	mapping      = "aws:lambda/eventSourceMapping:EventSourceMapping"
	bucket       = "aws:s3/bucketV2:BucketV2"
	queue        = "aws:sqs/queue:Queue"
	table        = "aws:dynamodb/table:Table"
	role         = "aws:iam/role:Role"
	rolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	metricAlarm  = "aws:cloudwatch/metricAlarm:MetricAlarm"
	topic        = "aws:sns/topic:Topic"
	subscription = "aws:sns/topicSubscription:TopicSubscription"
	kinesis      = "aws:kinesis/stream:Stream"
	firehose     = "aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream"
	topicRule    = "aws:iot/topicRule:TopicRule"
	logGroup     = "aws:cloudwatch/logGroup:LogGroup"
)

// dev synthesizes like the dev stack: project kumo, region eu-west-1.
var dev = assertions.Options{Project: "kumo", Stack: "dev", Dir: root, Config: map[string]string{"aws:region": "eu-west-1"}}

// The shared readers of a synthesized pattern (patterns/internal/patterntest).
var (
	grants      = patterntest.Grants
	allowed     = patterntest.Allowed
	resourcesOf = patterntest.ResourcesOf
	str         = patterntest.Str
	under       = patterntest.Under
)

func synthResult(t *testing.T, program func(ctx *pulumi.Context) (pulumi.Map, error)) *synth.Result {
	t.Helper()
	return patterntest.SynthResult(t, dev, program)
}

// program registers the pattern named "streams" with args, after the
// stack's Releases when releases is set, and returns its outputs.
func program(args streams.Args, releases bool) func(ctx *pulumi.Context) (pulumi.Map, error) {
	args.Root = root
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		args := args
		if releases {
			rel, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
			if err != nil {
				return nil, err
			}
			args.Releases = rel
		}
		s, err := streams.New(ctx, "streams", &args)
		if err != nil {
			return nil, err
		}
		return s.Outputs(), nil
	}
}

// prodLike are the args of the shipped prod stack's pattern (Pulumi.prod.yaml).
var prodLike = streams.Args{StreamMode: streaming.StreamModeProvisioned, ShardCount: 4, RetentionHours: 168,
	MemoryMB: 512, LogRetentionDays: 365, DeletionProtection: true}

func TestStreamsInvokesOnlyThroughAliases(t *testing.T) {
	tpl := assertions.Synth(t, program(streams.Args{}, false), dev)
	aliasOf := map[string]*assertions.Resource{}
	for _, fn := range streams.Functions {
		aliasOf[fn] = tpl.Resource(alias, "streams-"+fn)
	}
	tpl.ResourceCountIs(alias, len(streams.Functions))
	tpl.AllResourcesProperties(alias, assertions.M{"name": "live"})
	readings := tpl.Resource(kinesis, "streams-readings")
	fileTopic := tpl.Resource(topic, "streams-file-events")

	// Firehose transforms through the transform's alias.
	tpl.Resource(firehose, "streams-delivery").HasProperties(assertions.M{"extendedS3Configuration": assertions.M{
		"processingConfiguration": assertions.M{"enabled": true, "processors": []any{assertions.M{"type": "Lambda",
			"parameters": assertions.ArrayWith(assertions.M{"parameterName": "LambdaArn", "parameterValue": aliasOf["transform"].Attr("arn")})}}},
	}})

	// Both readings mappings and the archive queue's invoke aliases.
	tpl.Resource(mapping, "streams-analytics").HasProperties(assertions.M{"functionName": aliasOf["analytics"].Attr("arn"),
		"eventSourceArn": readings.Attr("arn")})
	tpl.Resource(mapping, "streams-fan-out").HasProperties(assertions.M{"functionName": aliasOf["dispatcher"].Attr("arn"),
		"eventSourceArn": readings.Attr("arn")})
	tpl.Resource(mapping, "streams-archive").HasProperties(assertions.M{"functionName": aliasOf["archive"].Attr("arn"),
		"eventSourceArn": tpl.Resource(queue, "streams-archive").Attr("arn")})
	tpl.ResourceCountIs(mapping, 3)

	// SNS invokes the resize and convert aliases, and only the file topic
	// may.
	for _, fn := range []string{"resize", "convert"} {
		tpl.Resource(subscription, "streams-"+fn+"-delivery").HasProperties(assertions.M{"topic": fileTopic.Attr("arn"),
			"protocol": "lambda", "endpoint": aliasOf[fn].Attr("arn")})
		tpl.Resource(permission, "streams-"+fn+"-delivery").HasProperties(assertions.M{"action": "lambda:InvokeFunction",
			"function": aliasOf[fn].Input("functionName"), "qualifier": "live", "principal": "sns.amazonaws.com", "sourceArn": fileTopic.Attr("arn")})
	}
	tpl.ResourceCountIs(permission, 2)

	// The dispatcher invokes the processor's alias, which its role may
	// invoke, and nothing else; no other function may invoke any.
	processor := str(aliasOf["processor"].Attr("arn"))
	tpl.Resource(function, "streams-dispatcher").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{
		"PROCESSOR_FUNCTION": processor}}})
	for _, fn := range streams.Functions {
		got, want := resourcesOf(grants(t, tpl, "streams-"+fn), "lambda:InvokeFunction"), []string(nil)
		if fn == "dispatcher" {
			want = []string{processor}
		}
		if !slices.Equal(got, want) {
			t.Errorf("streams-%s: got lambda:InvokeFunction on %v; want %v", fn, got, want)
		}
	}

	// The outputs say where the pattern's parts are.
	tpl.HasOutput("streamsReadingsStream", readings.Attr("name"))
	tpl.HasOutput("streamsIngestRule", tpl.Resource(topicRule, "streams-ingest").Attr("name"))
	tpl.HasOutput("streamsDispatcherAlias", aliasOf["dispatcher"].Attr("arn"))
	tpl.HasOutput("streamsAlarmTopic", tpl.Resource(topic, "streams-alarms").Attr("arn"))
	tpl.HasOutput("streamsUploadsBucket", tpl.Resource(bucket, "streams-uploads").Attr("bucket"))
}

func TestStreamsDefaults(t *testing.T) {
	tpl := assertions.Synth(t, program(streams.Args{}, false), dev)
	arn := func(typ, name string) string { return str(tpl.Resource(typ, name).Attr("arn")) }
	readings, errorStream := tpl.Resource(kinesis, "streams-readings"), tpl.Resource(kinesis, "streams-errors")
	errorBucket := tpl.Resource(bucket, "streams-errors")
	devices := tpl.Resource(table, "streams-devices")

	t.Run("ingest", func(t *testing.T) {
		tpl := tpl.WithT(t)
		for _, s := range []*assertions.Resource{readings, errorStream} {
			s.HasProperties(assertions.M{"encryptionType": "KMS", "kmsKeyId": assertions.AnyValue(), "retentionPeriod": 24,
				"streamModeDetails": assertions.M{"streamMode": "ON_DEMAND"}, "shardCount": assertions.Absent()})
		}
		rule := tpl.Resource(topicRule, "streams-ingest")
		rule.HasProperties(assertions.M{
			"sql":        "SELECT * FROM 'sensors/+/readings' WHERE type = 'reading'",
			"sqlVersion": "2016-03-23",
			"enabled":    true,
			// One partition per device (the topic's second level): its
			// readings stay in order, in one shard and its windows.
			"kineses": []any{assertions.Exact(assertions.M{"streamName": readings.Attr("name"), "partitionKey": "${topic(2)}",
				"roleArn": tpl.Resource(role, "streams-ingest").Attr("arn")})},
			"errorAction": assertions.Exact(assertions.M{"s3": assertions.M{"bucketName": errorBucket.Attr("bucket"),
				"key":     assertions.StringLike(`^` + regexp.QuoteMeta(streams.IoTErrorPrefix) + `\$\{timestamp\(\)\}`),
				"roleArn": tpl.Resource(role, "streams-ingest").Attr("arn")}}),
		})
		// CreateTopicRule's ruleName: ^[a-zA-Z0-9_]+$.
		if name := str(rule.Attr("name")); !regexp.MustCompile(`^[a-zA-Z0-9_]{1,128}$`).MatchString(name) || name != "kumo_dev_streams_ingest" {
			t.Errorf("rule name: got %q; want kumo_dev_streams_ingest, letters, digits and '_' only", name)
		}
		// The rule's role may put into the readings stream and write its
		// failures under the prefix, nothing more.
		ingest := grants(t, tpl, "streams-ingest")
		if got, want := resourcesOf(ingest, "kinesis:PutRecord"), []string{str(readings.Attr("arn"))}; !slices.Equal(got, want) {
			t.Errorf("IoT rule: got kinesis:PutRecord on %v; want %v", got, want)
		}
		if got, want := resourcesOf(ingest, "s3:PutObject"), []string{str(errorBucket.Attr("arn")) + "/" + streams.IoTErrorPrefix + "*"}; !slices.Equal(got, want) {
			t.Errorf("IoT rule: got s3:PutObject on %v; want %v", got, want)
		}
	})

	t.Run("delivery", func(t *testing.T) {
		tpl := tpl.WithT(t)
		tpl.Resource(firehose, "streams-delivery").HasProperties(assertions.M{
			"destination":                "extended_s3",
			"kinesisSourceConfiguration": assertions.M{"kinesisStreamArn": readings.Attr("arn")},
			"extendedS3Configuration": assertions.M{
				"bucketArn":                arn(bucket, "streams-readings"),
				"prefix":                   streams.ReadingsPrefix,
				"errorOutputPrefix":        assertions.StringLike(`^errors/!\{firehose:error-output-type\}/`),
				"bufferingSize":            5,
				"bufferingInterval":        300,
				"compressionFormat":        "GZIP",
				"cloudwatchLoggingOptions": assertions.M{"enabled": true, "logGroupName": assertions.AnyValue()},
				"s3BackupMode":             "Enabled",
				"s3BackupConfiguration": assertions.M{"bucketArn": arn(bucket, "streams-backup"), "prefix": streams.BackupPrefix,
					"compressionFormat": "GZIP", "cloudwatchLoggingOptions": assertions.M{"enabled": true}},
			},
		})
		if arn(bucket, "streams-backup") == arn(bucket, "streams-readings") {
			t.Error("source backup: got the readings bucket; want a separate one")
		}
		// Firehose may call the transform's alias, and only it.
		delivery := grants(t, tpl, "streams-delivery")
		if got, want := resourcesOf(delivery, "lambda:InvokeFunction"), []string{str(tpl.Resource(alias, "streams-transform").Attr("arn"))}; !slices.Equal(got, want) {
			t.Errorf("Firehose: got lambda:InvokeFunction on %v; want %v", got, want)
		}
		if !allowed(delivery, "kinesis:GetRecords", str(readings.Attr("arn"))) {
			t.Error("Firehose: got no kinesis:GetRecords on the readings stream; want it")
		}
		tpl.Resource(logGroup, "streams-delivery").HasProperties(assertions.M{"retentionInDays": 30})
	})

	t.Run("analytics", func(t *testing.T) {
		tpl := tpl.WithT(t)
		tpl.Resource(mapping, "streams-analytics").HasProperties(assertions.M{
			"enabled":                    true,
			"tumblingWindowInSeconds":    60,
			"batchSize":                  100,
			"startingPosition":           "LATEST",
			"bisectBatchOnFunctionError": true,
			"maximumRetryAttempts":       3,
			"maximumRecordAgeInSeconds":  3600,
			"parallelizationFactor":      1,
			"functionResponseTypes":      []string{"ReportBatchItemFailures"},
			"destinationConfig": assertions.M{"onFailure": assertions.M{
				"destinationArn": tpl.Resource(queue, "streams-analytics-failures").Attr("arn")}},
		})
		analytics := grants(t, tpl, "streams-analytics")
		if !allowed(analytics, "dynamodb:GetItem", str(devices.Attr("arn"))) {
			t.Error("analytics: got no dynamodb:GetItem on the device table; want it, to read thresholds")
		}
		if got := resourcesOf(analytics, "dynamodb:PutItem"); len(got) > 0 {
			t.Errorf("analytics: got dynamodb:PutItem on %v; want the device table read only", got)
		}
		if got, want := resourcesOf(analytics, "sns:Publish"), []string{arn(topic, "streams-alerts")}; !slices.Equal(got, want) {
			t.Errorf("analytics: got sns:Publish on %v; want only %v, the alerts topic", got, want)
		}
		if got, want := resourcesOf(analytics, "kinesis:PutRecords"), []string{str(errorStream.Attr("arn"))}; !slices.Equal(got, want) {
			t.Errorf("analytics: got kinesis:PutRecords on %v; want only %v, the error stream", got, want)
		}
	})

	t.Run("error stream", func(t *testing.T) {
		tpl := tpl.WithT(t)
		tpl.Resource(firehose, "streams-error-delivery").HasProperties(assertions.M{
			"destination":                "extended_s3",
			"kinesisSourceConfiguration": assertions.M{"kinesisStreamArn": errorStream.Attr("arn")},
			"extendedS3Configuration": assertions.M{
				"bucketArn":                errorBucket.Attr("arn"),
				"prefix":                   assertions.StringLike(`^malformed/`),
				"errorOutputPrefix":        assertions.StringLike(`^malformed-errors/`),
				"compressionFormat":        "GZIP",
				"cloudwatchLoggingOptions": assertions.M{"enabled": true},
				"processingConfiguration":  assertions.Absent(),
			},
		})
	})

	t.Run("fan-out", func(t *testing.T) {
		tpl := tpl.WithT(t)
		tpl.Resource(mapping, "streams-fan-out").HasProperties(assertions.M{
			"enabled":                        true,
			"batchSize":                      1000,
			"maximumBatchingWindowInSeconds": 5,
			"startingPosition":               "LATEST",
			"bisectBatchOnFunctionError":     true,
			"maximumRetryAttempts":           3,
			"tumblingWindowInSeconds":        assertions.Absent(),
			"functionResponseTypes":          []string{"ReportBatchItemFailures"},
			"destinationConfig": assertions.M{"onFailure": assertions.M{
				"destinationArn": tpl.Resource(queue, "streams-fan-out-failures").Attr("arn")}},
		})
	})

	t.Run("files", func(t *testing.T) {
		tpl := tpl.WithT(t)
		fileTopic := tpl.Resource(topic, "streams-file-events")
		tpl.Resource(notification, "streams-uploads").HasProperties(assertions.M{
			"bucket": tpl.Resource(bucket, "streams-uploads").Attr("bucket"),
			"topics": []any{assertions.M{"topicArn": fileTopic.Attr("arn"), "events": []string{"s3:ObjectCreated:*"}}},
			// Nothing is invoked straight from S3.
			"lambdaFunctions": assertions.Absent(), "queues": assertions.Absent(),
		})
		archiveQueue := tpl.Resource(queue, "streams-archive")
		tpl.Resource(subscription, "streams-archive-delivery").HasProperties(assertions.M{"topic": fileTopic.Attr("arn"),
			"protocol": "sqs", "endpoint": archiveQueue.Attr("arn")})
		tpl.ResourceCountIs(subscription, 3)
		// The archive queue outlasts six of its consumer's timeouts.
		archiveQueue.HasProperties(assertions.M{"visibilityTimeoutSeconds": 6 * 120})
	})

	t.Run("functions", func(t *testing.T) {
		tpl := tpl.WithT(t)
		output := tpl.Resource(bucket, "streams-output").Attr("bucket")
		env := map[string]assertions.M{
			"transform": {"DEVICE_TABLE": devices.Attr("name")},
			"analytics": {"THRESHOLD_TABLE": devices.Attr("name"), "DEFAULT_THRESHOLD": "30",
				"ALERT_TOPIC_ARN": tpl.Resource(topic, "streams-alerts").Attr("arn"), "ERROR_STREAM": errorStream.Attr("name")},
			"dispatcher": {"PROCESSOR_FUNCTION": tpl.Resource(alias, "streams-processor").Attr("arn"), "BATCH_SIZE": "100", "CONCURRENCY": "10",
				"PROCESSOR_TIMEOUT_SECONDS": "60"},
			"resize":  {"OUTPUT_BUCKET": output, "OUTPUT_PREFIX": "resized/"},
			"convert": {"OUTPUT_BUCKET": output, "OUTPUT_PREFIX": "converted/"},
			"archive": {"OUTPUT_BUCKET": output, "OUTPUT_PREFIX": "archive/"},
		}
		timeout := map[string]int{"transform": 60, "analytics": 60, "dispatcher": 300, "processor": 60, "resize": 120, "convert": 120, "archive": 120}
		for _, fn := range streams.Functions {
			want := assertions.M{"memorySize": 256, "timeout": timeout[fn], "tracingConfig": assertions.M{"mode": "Active"},
				"environment": assertions.Absent()}
			if env[fn] != nil {
				want["environment"] = assertions.M{"variables": assertions.Exact(env[fn])}
			}
			tpl.Resource(function, "streams-"+fn).HasProperties(want)
			tpl.Resource(logGroup, "streams-"+fn).HasProperties(assertions.M{"retentionInDays": 30})
		}
		tpl.ResourceCountIs(function, len(streams.Functions))
		// SNS invokes resize and convert asynchronously: what fails every
		// retry goes to their own dead-letter queues.
		for _, fn := range []string{"resize", "convert"} {
			dlq := under(t, tpl, "kumo:constructs:Function", queue, "streams-"+fn+"-dlq")
			tpl.Resource(function, "streams-"+fn).HasProperties(assertions.M{"deadLetterConfig": assertions.M{"targetArn": dlq.Attr("arn")}})
		}
	})

	t.Run("grants", func(t *testing.T) {
		tpl := tpl.WithT(t)
		uploads, output := arn(bucket, "streams-uploads"), arn(bucket, "streams-output")
		for _, fn := range []string{"resize", "convert", "archive"} {
			g := grants(t, tpl, "streams-"+fn)
			if !allowed(g, "s3:GetObject", uploads+"/*") {
				t.Errorf("streams-%s: got no s3:GetObject on the uploads; want it", fn)
			}
			if got, want := resourcesOf(g, "s3:PutObject"), []string{output + "/*"}; !slices.Equal(got, want) {
				t.Errorf("streams-%s: got s3:PutObject on %v; want only %v, the output bucket", fn, got, want)
			}
		}
		// Only Firehose writes the readings; no function writes the
		// uploads.
		for _, fn := range streams.Functions {
			for _, r := range resourcesOf(grants(t, tpl, "streams-"+fn), "s3:PutObject") {
				if r == uploads+"/*" || r == arn(bucket, "streams-readings")+"/*" {
					t.Errorf("streams-%s: got s3:PutObject on %s; want none", fn, r)
				}
			}
		}
		if !allowed(grants(t, tpl, "streams-transform"), "dynamodb:GetItem", str(devices.Attr("arn"))) {
			t.Error("transform: got no dynamodb:GetItem on the device table; want it, to add device data")
		}
	})
}

// streamsAlarms are the pattern's own alarms: child name, namespace,
// metric and the dimension the failure signal is named by.
func streamsAlarms(t *testing.T, tpl *assertions.Template) map[string]assertions.M {
	queueName := func(r *assertions.Resource) assertions.M { return assertions.M{"QueueName": r.Attr("name")} }
	sqsDepth := func(r *assertions.Resource) assertions.M {
		return assertions.M{"namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible", "dimensions": queueName(r)}
	}
	stream := func(name string) assertions.M {
		return assertions.M{"StreamName": tpl.Resource(kinesis, name).Attr("name")}
	}
	delivery := func(name string) assertions.M {
		return assertions.M{"DeliveryStreamName": tpl.Resource(firehose, name).Attr("name")}
	}
	want := map[string]assertions.M{
		"streams-readings-iterator-age": {"namespace": "AWS/Kinesis", "metricName": "GetRecords.IteratorAgeMilliseconds",
			"threshold": streams.IteratorAgeAlarmMs, "dimensions": stream("streams-readings")},
		"streams-readings-read-throttled": {"namespace": "AWS/Kinesis", "metricName": "ReadProvisionedThroughputExceeded",
			"dimensions": stream("streams-readings")},
		"streams-errors-iterator-age": {"namespace": "AWS/Kinesis", "metricName": "GetRecords.IteratorAgeMilliseconds",
			"threshold": streams.IteratorAgeAlarmMs, "dimensions": stream("streams-errors")},
		"streams-ingest-failures": {"namespace": "AWS/IoT", "metricName": "Failure",
			"dimensions": assertions.M{"RuleName": tpl.Resource(topicRule, "streams-ingest").Attr("name")}},
		"streams-analytics-failures": sqsDepth(tpl.Resource(queue, "streams-analytics-failures")),
		"streams-fan-out-failures":   sqsDepth(tpl.Resource(queue, "streams-fan-out-failures")),
		"streams-archive-dlq":        sqsDepth(tpl.Resource(queue, "streams-archive-dlq")),
		"streams-resize-dlq":         sqsDepth(under(t, tpl, "kumo:constructs:Function", queue, "streams-resize-dlq")),
		"streams-convert-dlq":        sqsDepth(under(t, tpl, "kumo:constructs:Function", queue, "streams-convert-dlq")),
		// What SNS could not deliver to each subscriber.
		"streams-resize-delivery-dlq":  sqsDepth(under(t, tpl, "kumo:constructs:Subscription", queue, "streams-resize-delivery-dlq")),
		"streams-convert-delivery-dlq": sqsDepth(under(t, tpl, "kumo:constructs:Subscription", queue, "streams-convert-delivery-dlq")),
		"streams-archive-delivery-dlq": sqsDepth(tpl.Resource(queue, "streams-archive-delivery-dlq")),
	}
	for _, d := range []string{"streams-delivery", "streams-error-delivery"} {
		want[d+"-freshness"] = assertions.M{"namespace": "AWS/Firehose", "metricName": "DeliveryToS3.DataFreshness",
			"threshold": streams.DeliveryFreshnessAlarmSeconds, "dimensions": delivery(d)}
		want[d+"-failures"] = assertions.M{"namespace": "AWS/Firehose", "metricName": "DeliveryToS3.Success",
			"comparisonOperator": "LessThanThreshold", "threshold": 1, "dimensions": delivery(d)}
	}
	return want
}

func TestStreamsAlarmsNotifyTheTopic(t *testing.T) {
	t.Run("with Releases", func(t *testing.T) {
		tpl := assertions.Synth(t, program(streams.Args{}, true), dev)
		topicArn := tpl.Resource(topic, "streams-alarms").Attr("arn")
		want := streamsAlarms(t, tpl)
		for name, props := range want {
			props["alarmActions"] = []any{topicArn}
			tpl.Resource(metricAlarm, name).HasProperties(props)
		}
		tpl.ResourceCountIs("kumo:constructs:Alarm", len(want))
		// The functions' release alarms notify the same topic.
		for _, fn := range streams.Functions {
			for _, a := range []string{"errors", "throttles"} {
				tpl.Resource(metricAlarm, "streams-"+fn+"-"+a).HasProperties(assertions.M{"alarmActions": []any{topicArn}, "okActions": []any{topicArn}})
			}
		}
		tpl.AllResourcesProperties(metricAlarm, assertions.M{"alarmActions": []any{topicArn}})
	})

	// Without Releases there are no release alarms, and the pattern still
	// deploys (FunctionArgs refuses an AlarmTopic without Releases).
	t.Run("without Releases", func(t *testing.T) {
		tpl := assertions.Synth(t, program(streams.Args{}, false), dev)
		want := streamsAlarms(t, tpl)
		for name := range want {
			tpl.Resource(metricAlarm, name).HasProperties(assertions.M{"alarmActions": []any{tpl.Resource(topic, "streams-alarms").Attr("arn")}})
		}
		tpl.ResourceCountIs(metricAlarm, len(want))
	})
}

// triggers reads whether each of the pattern's triggers is on, by its
// kill switch's name.
func triggers(tpl *assertions.Template) map[string]bool {
	mappingOn := func(name string) bool { return tpl.Resource(mapping, name).Input("enabled") == true }
	_, resize := tpl.Lookup(subscription, "streams-resize-delivery")
	_, convert := tpl.Lookup(subscription, "streams-convert-delivery")
	_, archiveQueue := tpl.Lookup(subscription, "streams-archive-delivery")
	return map[string]bool{
		"ingestRule":   tpl.Resource(topicRule, "streams-ingest").Input("enabled") == true,
		"analytics":    mappingOn("streams-analytics"),
		"fanOut":       mappingOn("streams-fan-out"),
		"uploadEvents": tpl.Resource(notification, "streams-uploads").Input("topics") != nil,
		"resize":       resize,
		"convert":      convert,
		"archive":      mappingOn("streams-archive"),
		// Archiving pauses at the queue's consumer: the queue keeps
		// receiving, so nothing is lost.
		"archive queue": archiveQueue,
	}
}

func TestStreamsKillSwitches(t *testing.T) {
	all := func(off string) map[string]bool {
		want := map[string]bool{"ingestRule": true, "analytics": true, "fanOut": true, "uploadEvents": true,
			"resize": true, "convert": true, "archive": true, "archive queue": true}
		if off != "" {
			want[off] = false
		}
		return want
	}
	for _, c := range []struct {
		off  string
		args streams.Args
	}{
		{"", streams.Args{}},
		{"ingestRule", streams.Args{DisableIngestRule: true}},
		{"analytics", streams.Args{DisableAnalytics: true}},
		{"fanOut", streams.Args{DisableFanOut: true}},
		{"uploadEvents", streams.Args{DisableUploadEvents: true}},
		{"resize", streams.Args{DisableResize: true}},
		{"convert", streams.Args{DisableConvert: true}},
		{"archive", streams.Args{DisableArchive: true}},
	} {
		t.Run(c.off+" off", func(t *testing.T) {
			tpl := assertions.Synth(t, program(c.args, false), dev)
			if got, want := triggers(tpl), all(c.off); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("triggers on: got %v; want %v", got, want)
			}
			// What the switch turns off stays, so switching back on loses
			// nothing: the functions, their aliases, the rule, the
			// notification, the subscribers' permissions and queues.
			for _, fn := range streams.Functions {
				tpl.Resource(alias, "streams-"+fn)
			}
			tpl.Resource(topicRule, "streams-ingest")
			tpl.Resource(notification, "streams-uploads")
			tpl.ResourceCountIs(permission, 2)
			tpl.ResourceCountIs(mapping, 3)
			under(t, tpl, "kumo:constructs:Subscription", queue, "streams-resize-delivery-dlq")
			under(t, tpl, "kumo:constructs:Subscription", queue, "streams-convert-delivery-dlq")
		})
	}
}

func TestStreamsOptions(t *testing.T) {
	t.Run("provisioned shards", func(t *testing.T) {
		tpl := assertions.Synth(t, program(streams.Args{StreamMode: streaming.StreamModeProvisioned, ShardCount: 4, RetentionHours: 168}, false), dev)
		tpl.Resource(kinesis, "streams-readings").HasProperties(assertions.M{"streamModeDetails": assertions.M{"streamMode": "PROVISIONED"},
			"shardCount": 4, "retentionPeriod": 168})
		// The error stream carries little: one shard.
		tpl.Resource(kinesis, "streams-errors").HasProperties(assertions.M{"streamModeDetails": assertions.M{"streamMode": "PROVISIONED"},
			"shardCount": 1, "retentionPeriod": 168})
	})

	t.Run("rule name from any project and stack", func(t *testing.T) {
		opts := dev
		opts.Project, opts.Stack = "shop-api", "prod.eu"
		tpl := assertions.Synth(t, program(streams.Args{}, false), opts)
		tpl.Resource(topicRule, "streams-ingest").HasProperties(assertions.M{"name": "shop_api_prod_eu_streams_ingest"})
	})

	t.Run("topic filter and condition", func(t *testing.T) {
		tpl := assertions.Synth(t, program(streams.Args{IoTTopicFilter: "plant/+/telemetry", IoTCondition: "temperature > -50"}, false), dev)
		tpl.Resource(topicRule, "streams-ingest").HasProperties(assertions.M{
			"sql": "SELECT * FROM 'plant/+/telemetry' WHERE temperature > -50"})
	})

	t.Run("tuning", func(t *testing.T) {
		none := 0
		tpl := assertions.Synth(t, program(streams.Args{BufferSizeMB: 64, BufferIntervalSeconds: 60, BatchSize: 500,
			StartingPosition: constructs.StartTrimHorizon, DisableBisectOnError: true, MaxRetries: &none, MaxRecordAgeSeconds: 600,
			ParallelizationFactor: 4, WindowSeconds: 300, DefaultThreshold: intp(45), DispatchBatchSize: 10, FanOutBatchSize: 50, FanOutConcurrency: 20}, false), dev)
		for _, d := range []string{"streams-delivery", "streams-error-delivery"} {
			tpl.Resource(firehose, d).HasProperties(assertions.M{"extendedS3Configuration": assertions.M{"bufferingSize": 64, "bufferingInterval": 60}})
		}
		tpl.Resource(mapping, "streams-analytics").HasProperties(assertions.M{"batchSize": 500, "startingPosition": "TRIM_HORIZON",
			"bisectBatchOnFunctionError": false, "maximumRetryAttempts": 0, "maximumRecordAgeInSeconds": 600,
			"parallelizationFactor": 4, "tumblingWindowInSeconds": 300})
		// A batch of 10 needs no batching window.
		tpl.Resource(mapping, "streams-fan-out").HasProperties(assertions.M{"batchSize": 10, "startingPosition": "TRIM_HORIZON",
			"maximumRetryAttempts": 0, "maximumBatchingWindowInSeconds": 0})
		tpl.Resource(function, "streams-analytics").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"DEFAULT_THRESHOLD": "45"}}})
		tpl.Resource(function, "streams-dispatcher").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{
			"BATCH_SIZE": "50", "CONCURRENCY": "20"}}})
	})

	t.Run("e-mail subscriptions", func(t *testing.T) {
		tpl := assertions.Synth(t, program(streams.Args{AlertEmails: []string{"ops@example.com"}, AlarmEmails: []string{"oncall@example.com"}}, false), dev)
		for topicName, address := range map[string]string{"streams-alerts": "ops@example.com", "streams-alarms": "oncall@example.com"} {
			if found := tpl.FindResources(subscription, assertions.M{"protocol": "email", "endpoint": address,
				"topic": tpl.Resource(topic, topicName).Attr("arn")}); len(found) != 1 {
				t.Errorf("%s: got %d e-mail subscriptions for %s; want 1", topicName, len(found), address)
			}
		}
	})

	for _, c := range []struct {
		protect bool
	}{{true}, {false}} {
		t.Run(fmt.Sprintf("DeletionProtection %v", c.protect), func(t *testing.T) {
			tpl := assertions.Synth(t, program(streams.Args{DeletionProtection: c.protect}, false), dev)
			tpl.Resource(table, "streams-devices").HasProperties(assertions.M{"deletionProtectionEnabled": c.protect})
			for _, b := range []string{"streams-access-logs", "streams-readings", "streams-backup", "streams-errors", "streams-uploads", "streams-output"} {
				tpl.Resource(bucket, b).HasProperties(assertions.M{"forceDestroy": !c.protect})
			}
		})
	}
}

func TestStreamsPassesKumoCheck(t *testing.T) {
	for _, c := range []struct {
		name     string
		args     streams.Args
		releases bool
	}{
		{"defaults", streams.Args{}, false},
		{"prod-like", prodLike, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, err := kcheck.Run(synthResult(t, program(c.args, c.releases)), root, nil)
			if err != nil {
				t.Fatalf("kumo check: %v", err)
			}
			for _, f := range rep.Findings {
				if f.Level == kcheck.Error {
					t.Errorf("kumo check: %s on %s %s: %s", f.ID(), f.Type, f.Name, f.Message)
				}
			}
			if len(rep.Unused) > 0 {
				t.Errorf("kumo check: unused suppressions %+v", rep.Unused)
			}
			// The functions only Firehose, mappings and the dispatcher
			// invoke say why they need no dead-letter queue; the ones SNS
			// invokes asynchronously have one.
			for _, fn := range []string{"transform", "analytics", "dispatcher", "processor", "archive"} {
				if !suppressed(rep, "Serverless-LambdaDLQ", "streams-"+fn) {
					t.Errorf("streams-%s: Serverless-LambdaDLQ not suppressed with a reason; want it, nothing invokes it asynchronously", fn)
				}
			}
			for _, fn := range []string{"resize", "convert"} {
				if suppressed(rep, "Serverless-LambdaDLQ", "streams-"+fn) {
					t.Errorf("streams-%s: Serverless-LambdaDLQ suppressed; want it passed, SNS invokes it asynchronously", fn)
				}
			}
		})
	}
}

// suppressed reports whether rule was found on the Lambda function named
// name and suppressed with a reason.
func suppressed(rep *kcheck.Report, rule, name string) bool {
	for _, f := range rep.Suppressed {
		if f.Rule == rule && f.Type == function && f.Name == name && f.Suppression != nil && f.Suppression.Reason != "" {
			return true
		}
	}
	return false
}

// TestStreamsBadArgsRegisterNothing: each bad input, alone and all at
// once, is refused by New before anything is registered, with one
// *constructs.ValidationError naming every problem; Args.Validate reports
// the same without a stack.
func TestStreamsBadArgsRegisterNothing(t *testing.T) {
	all := streams.Args{MemoryMB: 64, StreamMode: "FAST", RetentionHours: 12, WindowSeconds: 901, StartingPosition: "AT_TIMESTAMP",
		ParallelizationFactor: 11, IoTTopicFilter: "sensors/#/x", AlertEmails: []string{"nope"}, BufferSizeMB: 129,
		DispatchBatchSize: 20000, FanOutConcurrency: 1001}
	cases := []struct {
		name string
		args streams.Args
		want []string
	}{
		{"memory", streams.Args{MemoryMB: 64}, []string{`function "streams-transform": MemoryMB: 64 is outside 128–10240`, `function "streams-archive": MemoryMB: 64`}},
		{"log retention", streams.Args{LogRetentionDays: 8}, []string{`delivery stream "streams-delivery": LogRetentionDays: 8 is not a CloudWatch Logs retention`,
			`function "streams-analytics": LogRetentionDays: 8`}},
		{"stream mode", streams.Args{StreamMode: "FAST"}, []string{`stream "streams-readings": Mode: "FAST" is not a capacity mode`, `stream "streams-errors": Mode: "FAST"`}},
		{"shards on demand", streams.Args{ShardCount: 2}, []string{`stream "streams-readings": ShardCount: 2 is set on an on-demand stream`}},
		{"no shards", streams.Args{StreamMode: streaming.StreamModeProvisioned}, []string{`stream "streams-readings": ShardCount: 0; a provisioned stream needs at least 1 shard`}},
		{"retention", streams.Args{RetentionHours: 12}, []string{`stream "streams-readings": RetentionHours: 12 is outside 24–8760`}},
		{"window", streams.Args{WindowSeconds: 901}, []string{`stream source "streams-analytics": TumblingWindowSeconds: 901 is outside 0–900`}},
		{"starting position", streams.Args{StartingPosition: "AT_TIMESTAMP"}, []string{`stream source "streams-analytics": StartingPositionTimestamp: empty`}},
		{"parallelization", streams.Args{ParallelizationFactor: 11}, []string{`stream source "streams-analytics": ParallelizationFactor: 11 is outside 1–10`}},
		{"topic filter", streams.Args{IoTTopicFilter: "sensors/#/x"}, []string{`topic rule "streams-ingest": SQL: "SELECT * FROM 'sensors/#/x' WHERE type = 'reading'"`,
			`'#' matches all remaining levels`}},
		{"alert e-mail", streams.Args{AlertEmails: []string{"nope"}}, []string{`topic "streams-alerts": EmailSubscriptions[0]: "nope" is not an e-mail address`}},
		{"alarm e-mail", streams.Args{AlarmEmails: []string{"nope"}}, []string{`topic "streams-alarms": EmailSubscriptions[0]: "nope"`}},
		{"Firehose buffer", streams.Args{BufferSizeMB: 129}, []string{`delivery stream "streams-delivery": BufferSizeMB: 129 is outside 1–128`,
			`delivery stream "streams-error-delivery": BufferSizeMB: 129`}},
		{"batch", streams.Args{BatchSize: 20000}, []string{`stream source "streams-analytics": BatchSize: 20000 is outside 1–10000`}},
		{"dispatch batch", streams.Args{DispatchBatchSize: 20000}, []string{`stream source "streams-fan-out": BatchSize: 20000`}},
		{"record age", streams.Args{MaxRecordAgeSeconds: 30}, []string{`stream source "streams-analytics": MaximumRecordAgeSeconds: 30`}},
		// The dispatcher would refuse these at every invocation.
		{"sub-batch", streams.Args{FanOutBatchSize: -1}, []string{`FanOutBatchSize: -1 is outside 1–10000`}},
		{"concurrency", streams.Args{FanOutConcurrency: 1001}, []string{`FanOutConcurrency: 1001 is outside 1–1000`}},
		{"all at once", all, []string{`MemoryMB: 64`, `Mode: "FAST"`, `RetentionHours: 12`, `TumblingWindowSeconds: 901`, `StartingPositionTimestamp: empty`,
			`ParallelizationFactor: 11`, `'sensors/#/x'`, `"nope"`, `BufferSizeMB: 129`, `BatchSize: 20000`, `FanOutConcurrency: 1001`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := assertions.TrySynth(t, program(c.args, false), dev)
			var ve *constructs.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v; want a *constructs.ValidationError", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			seen := map[string]bool{}
			for _, p := range ve.Problems {
				if seen[p.Error()] {
					t.Errorf("problem reported twice: %v", p)
				}
				seen[p.Error()] = true
			}
			if tpl == nil {
				t.Fatal("template: got nil; want the empty stack the program ran in")
			}
			tpl.ResourceCountIs("", 0)
			args := c.args
			args.Root = root
			if verr := args.Validate("streams"); verr == nil || !strings.HasSuffix(err.Error(), verr.Error()) {
				t.Errorf("Args.Validate: got\n%v\nwant New's\n%v", verr, err)
			}
		})
	}
}

func intp(n int) *int { return &n }
