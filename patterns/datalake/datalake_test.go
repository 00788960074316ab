package datalake_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	kcheck "github.com/kumo-iac/kumo/internal/check"
	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/patterns/datalake"
	"github.com/kumo-iac/kumo/patterns/internal/patterntest"
)

var root, _ = filepath.Abs(filepath.Join("..", ".."))

// Resource types the tests look at.
const (
	alias        = "aws:lambda/alias:Alias"
	function     = "aws:lambda/function:Function"
	permission   = "aws:lambda/permission:Permission"
	notification = "aws:s3/bucketNotification:BucketNotification"
	mapping      = "aws:lambda/eventSourceMapping:EventSourceMapping"
	stateMachine = "aws:sfn/stateMachine:StateMachine"
	bucket       = "aws:s3/bucketV2:BucketV2"
	lifecycle    = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	encryption   = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	queue        = "aws:sqs/queue:Queue"
	table        = "aws:dynamodb/table:Table"
	role         = "aws:iam/role:Role"
	rolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	metricAlarm  = "aws:cloudwatch/metricAlarm:MetricAlarm"
	eventRule    = "aws:cloudwatch/eventRule:EventRule"
	eventTarget  = "aws:cloudwatch/eventTarget:EventTarget"
	topic        = "aws:sns/topic:Topic"
	domain       = "aws:opensearch/domain:Domain"
	crawler      = "aws:glue/crawler:Crawler"
	kmsKey       = "aws:kms/key:Key"
	trail        = "aws:cloudtrail/trail:Trail"
)

// zones are the lake's data buckets, as child names.
var zones = []string{"lake-raw", "lake-curated", "lake-results"}

// dev synthesizes like the dev stack: project kumo, region eu-west-1.
var dev = assertions.Options{Project: "kumo", Stack: "dev", Dir: root, Config: map[string]string{"aws:region": "eu-west-1"}}

// The shared readers of a synthesized pattern (patterns/internal/patterntest).
var (
	grants      = patterntest.Grants
	allowed     = patterntest.Allowed
	resourcesOf = patterntest.ResourcesOf
	str         = patterntest.Str
	tasks       = patterntest.Tasks
)

func synthResult(t *testing.T, program func(ctx *pulumi.Context) (pulumi.Map, error)) *synth.Result {
	t.Helper()
	return patterntest.SynthResult(t, dev, program)
}

// program registers the lake named "lake" with args, after the stack's
// Releases when releases is set, and returns the lake's outputs.
func program(args datalake.Args, releases bool) func(ctx *pulumi.Context) (pulumi.Map, error) {
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
		l, err := datalake.New(ctx, "lake", &args)
		if err != nil {
			return nil, err
		}
		return l.Outputs(), nil
	}
}

// prodLike are the args of the shipped prod stack's lake (Pulumi.prod.yaml).
var prodLike = datalake.Args{Region: "eu-west-1", MemoryMB: 512, MapReduceMemoryMB: 1769, LogRetentionDays: 365,
	DeletionProtection: true, CustomerManagedKey: true, CloudTrail: true,
	SearchInstanceType: "r6g.large.search", SearchInstanceCount: 2, SearchVolumeGB: 100, SearchDedicatedMasters: 3,
	MapReduceSchedule: "cron(0 3 * * ? *)"}

func TestDataLakeInvokesOnlyThroughAliases(t *testing.T) {
	tpl := assertions.Synth(t, program(datalake.Args{}, false), dev)
	aliasOf := map[string]*assertions.Resource{}
	for _, fn := range datalake.Functions {
		aliasOf[fn] = tpl.Resource(alias, "lake-"+fn)
	}
	tpl.ResourceCountIs(alias, len(datalake.Functions))
	tpl.AllResourcesProperties(alias, assertions.M{"name": "live"})
	raw := tpl.Resource(bucket, "lake-raw")

	// S3 → catalog writer: the notification and its permission name the
	// alias, and only the raw zone may invoke it.
	tpl.Resource(notification, "lake-catalog-events").HasProperties(assertions.M{
		"bucket": raw.Attr("bucket"),
		"lambdaFunctions": []any{assertions.M{
			"lambdaFunctionArn": aliasOf["catalog"].Attr("arn"),
			"events":            []string{"s3:ObjectCreated:*", "s3:ObjectRemoved:*"},
		}},
	})
	tpl.ResourceCountIs(permission, 1)
	tpl.Resource(permission, "lake-catalog-events-lake-catalog").HasProperties(assertions.M{
		"action": "lambda:InvokeFunction", "function": aliasOf["catalog"].Input("functionName"),
		"qualifier": "live", "principal": "s3.amazonaws.com", "sourceArn": raw.Attr("arn"),
	})

	// Catalog stream → indexer: the mapping invokes the alias, bisects,
	// retries a bounded number of times and keeps what still fails.
	tpl.Resource(mapping, "lake-index").HasProperties(assertions.M{
		"functionName":               aliasOf["indexer"].Attr("arn"),
		"eventSourceArn":             tpl.Resource(table, "lake-catalog").Attr("streamArn"),
		"enabled":                    true,
		"bisectBatchOnFunctionError": true,
		"maximumRetryAttempts":       3,
		"maximumRecordAgeInSeconds":  3600,
		"batchSize":                  100,
		"startingPosition":           "TRIM_HORIZON",
		"functionResponseTypes":      []string{"ReportBatchItemFailures"},
		"destinationConfig":          assertions.M{"onFailure": assertions.M{"destinationArn": tpl.Resource(queue, "lake-index-failures").Attr("arn")}},
	})

	// Step Functions → splitter, mappers, reducer.
	sm := tpl.Resource(stateMachine, "lake-mapreduce")
	task := func(fn string) assertions.M {
		return assertions.M{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": assertions.M{"FunctionName": aliasOf[fn].Attr("arn")}}
	}
	sm.HasProperties(assertions.M{"definition": assertions.SerializedJSON(assertions.M{
		"StartAt": "Split",
		"States": assertions.M{
			"Split": task("splitter"),
			"Map": assertions.M{"Type": "Map", "MaxConcurrency": 10, "ItemsPath": "$.chunks", "ResultPath": "$.chunks", "Next": "Reduce",
				"ItemProcessor": assertions.M{"States": assertions.M{
					"MapChunk": assertions.M{"Type": "Task", "Parameters": assertions.M{"FunctionName": aliasOf["mapper"].Attr("arn")},
						"OutputPath": "$.Payload.partial"},
				}}},
			"Reduce": assertions.M{"Type": "Task", "Parameters": assertions.M{"FunctionName": aliasOf["reducer"].Attr("arn"),
				"Payload": assertions.M{"partials.$": "$.chunks"}}},
		},
	})})
	// No Task anywhere in the definition invokes anything but an alias.
	def, _ := sm.Input("definition").(string)
	var doc map[string]any
	if err := json.Unmarshal([]byte(def), &doc); err != nil {
		t.Fatalf("definition: %v", err)
	}
	got := map[string]string{}
	tasks(doc, func(name string, s map[string]any) {
		params, _ := s["Parameters"].(map[string]any)
		got[name] = fmt.Sprint(params["FunctionName"])
	})
	want := map[string]string{"Split": str(aliasOf["splitter"].Attr("arn")), "MapChunk": str(aliasOf["mapper"].Attr("arn")),
		"Reduce": str(aliasOf["reducer"].Attr("arn"))}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Task states' FunctionName: got %v; want %v", got, want)
	}
	// The state machine's role may invoke exactly the three aliases.
	tpl.Resource(rolePolicy, "lake-mapreduce-invoke").HasProperties(assertions.M{"policy": assertions.SerializedJSON(assertions.M{
		"Statement": []any{assertions.M{"Action": []string{"lambda:InvokeFunction"},
			"Resource": []string{want["MapChunk"], want["Reduce"], want["Split"]}}},
	})})

	// The outputs say where the lake's parts are.
	tpl.HasOutput("lakeRawBucket", raw.Attr("bucket"))
	tpl.HasOutput("lakeMapReduce", sm.Attr("arn"))
	tpl.HasOutput("lakeAlarmTopic", tpl.Resource(topic, "lake-alarms").Attr("arn"))
}

func TestDataLakeDefaults(t *testing.T) {
	tpl := assertions.Synth(t, program(datalake.Args{}, false), dev)
	arn := func(typ, name string) string { return str(tpl.Resource(typ, name).Attr("arn")) }
	name := func(typ, name, attr string) string { return str(tpl.Resource(typ, name).Attr(attr)) }
	raw, curated, results := name(bucket, "lake-raw", "bucket"), name(bucket, "lake-curated", "bucket"), name(bucket, "lake-results", "bucket")
	catalog := tpl.Resource(table, "lake-catalog")

	t.Run("zones", func(t *testing.T) {
		tpl := tpl.WithT(t)
		tpl.Resource(lifecycle, "lake-raw").HasProperties(assertions.M{"rules": assertions.ArrayWith(assertions.M{
			"id": "raw-tiering", "status": "Enabled", "filter": assertions.M{"prefix": ""},
			"transitions": []any{assertions.M{"days": 30, "storageClass": "STANDARD_IA"}, assertions.M{"days": 90, "storageClass": "GLACIER_IR"}},
		})})
		tpl.Resource(lifecycle, "lake-curated").HasProperties(assertions.M{"rules": assertions.ArrayWith(assertions.M{
			"id": "curated-tiering", "status": "Enabled", "filter": assertions.M{"prefix": ""},
			"transitions": []any{assertions.M{"days": 90, "storageClass": "STANDARD_IA"}},
		})})
		tpl.Resource(lifecycle, "lake-results").HasProperties(assertions.M{"rules": assertions.ArrayWith(
			assertions.M{"status": "Enabled", "filter": assertions.M{"prefix": "athena/"}, "expiration": assertions.M{"days": 30}},
			assertions.M{"status": "Enabled", "filter": assertions.M{"prefix": "mapreduce/"}, "expiration": assertions.M{"days": 30}},
		)})
		// Nothing else expires: the raw and curated zones keep their data.
		for _, z := range []string{"lake-raw", "lake-curated"} {
			if found := tpl.FindResources(lifecycle, assertions.M{"bucket": name(bucket, z, "bucket"),
				"rules": assertions.ArrayWith(assertions.M{"expiration": assertions.AnyValue()})}); len(found) > 0 {
				t.Errorf("%s: got an expiring lifecycle rule; want its data kept", z)
			}
		}
		accessLogs := name(bucket, "lake-access-logs", "bucket")
		for _, z := range zones {
			tpl.Resource(encryption, z).HasProperties(assertions.M{"rules": []any{assertions.M{
				"applyServerSideEncryptionByDefault": assertions.M{"sseAlgorithm": "AES256"}}}})
			tpl.Resource("aws:s3/bucketVersioningV2:BucketVersioningV2", z).HasProperties(assertions.M{
				"versioningConfiguration": assertions.M{"status": "Enabled"}})
			tpl.Resource("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", z).HasProperties(assertions.M{
				"blockPublicAcls": true, "blockPublicPolicy": true, "ignorePublicAcls": true, "restrictPublicBuckets": true})
			zoneArn := arn(bucket, z)
			tpl.Resource("aws:s3/bucketPolicy:BucketPolicy", z).HasProperties(assertions.M{"policy": assertions.SerializedJSON(assertions.M{
				"Statement": assertions.ArrayWith(assertions.M{"Effect": "Deny", "Principal": "*", "Action": []string{"s3:*"},
					"Resource":  []string{zoneArn, zoneArn + "/*"},
					"Condition": assertions.M{"Bool": assertions.M{"aws:SecureTransport": []string{"false"}}}}),
			})})
			tpl.Resource("aws:s3/bucketLoggingV2:BucketLoggingV2", z).HasProperties(assertions.M{"targetBucket": accessLogs})
		}
		tpl.ResourceCountIs("aws:s3/bucketLoggingV2:BucketLoggingV2", len(zones))
		tpl.Resource(lifecycle, "lake-access-logs").HasProperties(assertions.M{"rules": assertions.ArrayWith(assertions.M{
			"expiration": assertions.M{"days": 365}})})
	})

	t.Run("ingest", func(t *testing.T) {
		tpl := tpl.WithT(t)
		tpl.Resource("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "lake-ingest").HasProperties(assertions.M{
			"destination": "extended_s3",
			"extendedS3Configuration": assertions.M{
				"bucketArn":                        arn(bucket, "lake-raw"),
				"compressionFormat":                "GZIP",
				"bufferingSize":                    64,
				"bufferingInterval":                300,
				"prefix":                           "!{partitionKeyFromQuery:dataset}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/",
				"errorOutputPrefix":                assertions.StringLike(`^errors/!\{firehose:error-output-type\}/`),
				"cloudwatchLoggingOptions":         assertions.M{"enabled": true, "logGroupName": assertions.AnyValue()},
				"dynamicPartitioningConfiguration": assertions.M{"enabled": true},
				"processingConfiguration": assertions.M{"processors": assertions.ArrayWith(assertions.M{"type": "MetadataExtraction",
					"parameters": assertions.ArrayWith(assertions.M{"parameterName": "MetadataExtractionQuery", "parameterValue": "{dataset:.dataset}"})})},
			},
		})
	})

	t.Run("catalog and search", func(t *testing.T) {
		tpl := tpl.WithT(t)
		catalog.HasProperties(assertions.M{"hashKey": "objectKey", "attributes": []any{assertions.M{"name": "objectKey", "type": "S"}},
			"streamEnabled": true, "streamViewType": "NEW_AND_OLD_IMAGES", "deletionProtectionEnabled": false,
			"pointInTimeRecovery": assertions.M{"enabled": true}, "serverSideEncryption": assertions.M{"enabled": true}})
		tpl.Resource(domain, "lake-search").HasProperties(assertions.M{
			"encryptAtRest":         assertions.M{"enabled": true},
			"nodeToNodeEncryption":  assertions.M{"enabled": true},
			"domainEndpointOptions": assertions.M{"enforceHttps": true, "tlsSecurityPolicy": assertions.StringLike(`^Policy-Min-TLS-1-2`)},
			"clusterConfig":         assertions.M{"instanceType": "t3.small.search", "instanceCount": 1},
			"ebsOptions":            assertions.M{"volumeSize": 10},
		})
		// Only the indexer's role may call the domain.
		indexerRole := arn(role, "lake-indexer")
		var policy struct {
			Statement []struct{ Principal struct{ AWS []string } }
		}
		if err := json.Unmarshal([]byte(fmt.Sprint(tpl.Resource("aws:opensearch/domainPolicy:DomainPolicy", "lake-search").Input("accessPolicies"))), &policy); err != nil {
			t.Fatal(err)
		}
		if len(policy.Statement) == 0 {
			t.Error("search access policy: got no statements; want one for the indexer")
		}
		for i, s := range policy.Statement {
			if !slices.Equal(s.Principal.AWS, []string{indexerRole}) {
				t.Errorf("search access policy statement %d: got principals %v; want only the indexer's role %s", i, s.Principal.AWS, indexerRole)
			}
		}
	})

	t.Run("query", func(t *testing.T) {
		tpl := tpl.WithT(t)
		tpl.Resource(crawler, "lake-glue").HasProperties(assertions.M{
			"s3Targets": []any{assertions.Exact(assertions.M{"path": "s3://" + curated + "/"})},
			"schedule":  "cron(0 2 * * ? *)",
		})
		tpl.Resource("aws:athena/workgroup:Workgroup", "lake-athena").HasProperties(assertions.M{"configuration": assertions.M{
			"enforceWorkgroupConfiguration": true,
			"bytesScannedCutoffPerQuery":    10 << 30,
			"resultConfiguration":           assertions.M{"outputLocation": "s3://" + results + "/athena/"},
		}})
		tpl.Resource(stateMachine, "lake-mapreduce").HasProperties(assertions.M{
			"loggingConfiguration": assertions.M{"level": "ALL", "logDestination": assertions.AnyValue()},
			"tracingConfiguration": assertions.M{"enabled": true},
		})
	})

	t.Run("functions", func(t *testing.T) {
		tpl := tpl.WithT(t)
		domainEndpoint := "https://" + str(tpl.Resource(domain, "lake-search").Attr("endpoint"))
		env := map[string]assertions.M{
			"catalog":  {"CATALOG_TABLE": catalog.Attr("name")},
			"indexer":  {"SEARCH_ENDPOINT": domainEndpoint, "SEARCH_INDEX": datalake.SearchIndex},
			"splitter": {"RAW_BUCKET": raw, "WORK_BUCKET": results, "WORK_PREFIX": "mapreduce/", "CHUNK_BYTES": "67108864"},
			"mapper":   {"RAW_BUCKET": raw, "WORK_BUCKET": results, "WORK_PREFIX": "mapreduce/"},
			"reducer":  {"WORK_BUCKET": results, "WORK_PREFIX": "mapreduce/", "CURATED_BUCKET": curated, "RESULT_PREFIX": datalake.ResultPrefix},
		}
		size := map[string][2]int{"catalog": {256, 30}, "indexer": {256, 60}, "splitter": {1024, 300}, "mapper": {1024, 300}, "reducer": {1024, 300}}
		for _, fn := range datalake.Functions {
			tpl.Resource(function, "lake-"+fn).HasProperties(assertions.M{
				"environment": assertions.M{"variables": assertions.Exact(env[fn])},
				"memorySize":  size[fn][0], "timeout": size[fn][1],
				"tracingConfig": assertions.M{"mode": "Active"},
			})
			tpl.Resource("aws:cloudwatch/logGroup:LogGroup", "lake-"+fn).HasProperties(assertions.M{"retentionInDays": 30})
		}
		tpl.ResourceCountIs(function, len(datalake.Functions))
	})

	t.Run("grants", func(t *testing.T) {
		tpl := tpl.WithT(t)
		rawArn, curatedArn, resultsArn := arn(bucket, "lake-raw"), arn(bucket, "lake-curated"), arn(bucket, "lake-results")
		tableArn := str(catalog.Attr("arn"))

		writer := grants(t, tpl, "lake-catalog")
		for _, a := range []string{"s3:GetObject", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"} {
			if !allowed(writer, a, rawArn+"/*") {
				t.Errorf("catalog writer: got no %s on the raw zone's objects; want it", a)
			}
		}
		for _, a := range []string{"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"} {
			if !allowed(writer, a, tableArn) {
				t.Errorf("catalog writer: got no %s on the catalog table; want it", a)
			}
		}
		if got := resourcesOf(writer, "s3:PutObject"); len(got) > 0 {
			t.Errorf("catalog writer: got s3:PutObject on %v; want it to write no zone", got)
		}

		reducer := grants(t, tpl, "lake-reducer")
		if got, want := resourcesOf(reducer, "s3:PutObject"), []string{curatedArn + "/*"}; !slices.Equal(got, want) {
			t.Errorf("reducer: got s3:PutObject on %v; want only %v, the curated zone", got, want)
		}
		if !allowed(reducer, "s3:GetObject", resultsArn+"/*") {
			t.Error("reducer: got no s3:GetObject on the results bucket; want it, to read the partials")
		}
		for _, fn := range []string{"lake-splitter", "lake-mapper"} {
			g := grants(t, tpl, fn)
			if !allowed(g, "s3:GetObject", rawArn+"/*") {
				t.Errorf("%s: got no s3:GetObject on the raw zone; want it", fn)
			}
			if got, want := resourcesOf(g, "s3:PutObject"), []string{resultsArn + "/*"}; !slices.Equal(got, want) {
				t.Errorf("%s: got s3:PutObject on %v; want only %v, its scratch space", fn, got, want)
			}
		}
		// Nothing of the MapReduce writes the raw zone.
		for _, fn := range datalake.Functions {
			for _, r := range resourcesOf(grants(t, tpl, "lake-"+fn), "s3:PutObject") {
				if r == rawArn+"/*" {
					t.Errorf("lake-%s: got s3:PutObject on the raw zone; want only Firehose to write it", fn)
				}
			}
		}
	})
}

// lakeAlarms are the pattern's own alarms: child name, namespace, metric
// and the dimension the failure signal is named by.
func lakeAlarms(tpl *assertions.Template) map[string]assertions.M {
	queueName := func(name string) assertions.Ref { return tpl.Resource(queue, name).Attr("name") }
	return map[string]assertions.M{
		"lake-catalog-dlq":        {"namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible", "dimensions": assertions.M{"QueueName": queueName("lake-catalog-dlq")}},
		"lake-index-failures":     {"namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible", "dimensions": assertions.M{"QueueName": queueName("lake-index-failures")}},
		"lake-crawler-alert-dlq":  {"namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible", "dimensions": assertions.M{"QueueName": queueName("lake-crawler-failed-dlq")}},
		"lake-index-iterator-age": {"namespace": "AWS/Lambda", "metricName": "IteratorAge", "threshold": datalake.IteratorAgeAlarmMs, "dimensions": assertions.M{"FunctionName": tpl.Resource(function, "lake-indexer").Attr("name")}},
		"lake-ingest-freshness": {"namespace": "AWS/Firehose", "metricName": "DeliveryToS3.DataFreshness", "threshold": datalake.IngestFreshnessAlarmSeconds,
			"dimensions": assertions.M{"DeliveryStreamName": tpl.Resource("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "lake-ingest").Attr("name")}},
		"lake-ingest-failures": {"namespace": "AWS/Firehose", "metricName": "DeliveryToS3.Success", "comparisonOperator": "LessThanThreshold", "threshold": 1,
			"dimensions": assertions.M{"DeliveryStreamName": tpl.Resource("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "lake-ingest").Attr("name")}},
		"lake-mapreduce-failed":    {"namespace": "AWS/States", "metricName": "ExecutionsFailed", "dimensions": assertions.M{"StateMachineArn": tpl.Resource(stateMachine, "lake-mapreduce").Attr("arn")}},
		"lake-mapreduce-timed-out": {"namespace": "AWS/States", "metricName": "ExecutionsTimedOut", "dimensions": assertions.M{"StateMachineArn": tpl.Resource(stateMachine, "lake-mapreduce").Attr("arn")}},
	}
}

func TestDataLakeAlarmsNotifyTheTopic(t *testing.T) {
	t.Run("with Releases and a schedule", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{MapReduceSchedule: "rate(1 day)"}, true), dev)
		topicArn := tpl.Resource(topic, "lake-alarms").Attr("arn")
		want := lakeAlarms(tpl)
		want["lake-mapreduce-schedule-dlq"] = assertions.M{"namespace": "AWS/SQS", "metricName": "ApproximateNumberOfMessagesVisible",
			"dimensions": assertions.M{"QueueName": tpl.Resource(queue, "lake-mapreduce-schedule-dlq").Attr("name")}}
		for name, props := range want {
			props["alarmActions"] = []any{topicArn}
			tpl.Resource(metricAlarm, name).HasProperties(props)
		}
		tpl.ResourceCountIs("kumo:constructs:Alarm", len(want))
		// The functions' release alarms notify the same topic.
		for _, fn := range datalake.Functions {
			for _, a := range []string{"errors", "throttles"} {
				tpl.Resource(metricAlarm, "lake-"+fn+"-"+a).HasProperties(assertions.M{"alarmActions": []any{topicArn}, "okActions": []any{topicArn}})
			}
		}
		tpl.AllResourcesProperties(metricAlarm, assertions.M{"alarmActions": []any{topicArn}})
		// The timed-out alarm can fire: executions have a timeout.
		tpl.Resource(stateMachine, "lake-mapreduce").HasProperties(assertions.M{
			"definition": assertions.SerializedJSON(assertions.M{"TimeoutSeconds": datalake.MapReduceJobTimeoutSeconds})})
		// A failed crawl has no metric, only an event: it goes to the topic.
		tpl.Resource(eventRule, "lake-crawler-failed").HasProperties(assertions.M{"state": "ENABLED", "eventPattern": assertions.SerializedJSON(assertions.Exact(assertions.M{
			"source": []string{"aws.glue"}, "detail-type": []string{"Glue Crawler State Change"},
			"detail": assertions.M{"crawlerName": []any{tpl.Resource(crawler, "lake-glue").Attr("name")}, "state": []string{"Failed"}},
		}))})
		tpl.Resource(eventTarget, "lake-crawler-failed").HasProperties(assertions.M{"arn": topicArn,
			"deadLetterConfig": assertions.M{"arn": tpl.Resource(queue, "lake-crawler-failed-dlq").Attr("arn")}})
	})

	// Without Releases there are no release alarms, and the pattern still
	// deploys (FunctionArgs refuses an AlarmTopic without Releases).
	t.Run("without Releases or a schedule", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{}, false), dev)
		want := lakeAlarms(tpl)
		for name := range want {
			tpl.Resource(metricAlarm, name).HasProperties(assertions.M{"alarmActions": []any{tpl.Resource(topic, "lake-alarms").Attr("arn")}})
		}
		tpl.ResourceCountIs(metricAlarm, len(want))
		if _, ok := tpl.Lookup(metricAlarm, "lake-mapreduce-schedule-dlq"); ok {
			t.Error("schedule dead-letter alarm: got one without MapReduceSchedule; want none")
		}
	})
}

func TestDataLakeKillSwitches(t *testing.T) {
	t.Run("catalog events off", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{DisableCatalogEvents: true}, false), dev)
		tpl.Resource(notification, "lake-catalog-events").HasProperties(assertions.M{"bucket": tpl.Resource(bucket, "lake-raw").Attr("bucket"),
			"lambdaFunctions": assertions.Absent()})
		// The writer stays, so switching back on loses nothing.
		tpl.Resource(function, "lake-catalog")
		tpl.Resource(alias, "lake-catalog")
	})

	t.Run("index stream off", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{DisableIndexStream: true}, false), dev)
		tpl.Resource(mapping, "lake-index").HasProperties(assertions.M{"enabled": false,
			"functionName": tpl.Resource(alias, "lake-indexer").Attr("arn")})
	})

	t.Run("crawler schedule off", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{DisableCrawlerSchedule: true}, false), dev)
		tpl.Resource(crawler, "lake-glue").HasProperties(assertions.M{"schedule": assertions.Absent(),
			"s3Targets": assertions.ArrayWith(assertions.AnyValue())})
	})

	t.Run("no MapReduce schedule by default", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{}, false), dev)
		if found := tpl.FindResources(eventRule, assertions.M{"scheduleExpression": assertions.AnyValue()}); len(found) > 0 {
			t.Errorf("got scheduled rules %v; want the job on demand only", found)
		}
	})

	for _, c := range []struct {
		name  string
		off   bool
		state string
	}{{"MapReduce schedule", false, "ENABLED"}, {"MapReduce schedule off", true, "DISABLED"}} {
		t.Run(c.name, func(t *testing.T) {
			tpl := assertions.Synth(t, program(datalake.Args{MapReduceSchedule: "rate(1 day)", DisableMapReduceSchedule: c.off}, false), dev)
			rule := tpl.Resource(eventRule, "lake-mapreduce-schedule")
			rule.HasProperties(assertions.M{"scheduleExpression": "rate(1 day)", "state": c.state})
			tpl.Resource(eventTarget, "lake-mapreduce-schedule").HasProperties(assertions.M{
				"rule": rule.Attr("name"), "arn": tpl.Resource(stateMachine, "lake-mapreduce").Attr("arn"),
				"roleArn": tpl.Resource(role, "lake-mapreduce-schedule").Attr("arn"), "input": "{}",
			})
		})
	}
}

func TestDataLakeOptions(t *testing.T) {
	t.Run("customer managed key", func(t *testing.T) {
		// No Region: New takes the stack's aws:region, which the key names.
		tpl := assertions.Synth(t, program(datalake.Args{CustomerManagedKey: true}, false), dev)
		key := tpl.Resource(kmsKey, "lake-key")
		keyArn := key.Attr("arn")
		key.HasProperties(assertions.M{"enableKeyRotation": true, "policy": assertions.SerializedJSON(assertions.M{"Statement": assertions.ArrayWith(
			assertions.M{"Principal": assertions.M{"Service": []string{"logs.eu-west-1.amazonaws.com"}}})})})
		for _, z := range zones {
			tpl.Resource(encryption, z).HasProperties(assertions.M{"rules": []any{assertions.M{
				"applyServerSideEncryptionByDefault": assertions.Exact(assertions.M{"sseAlgorithm": "aws:kms", "kmsMasterKeyId": keyArn}),
				"bucketKeyEnabled":                   true}}})
		}
		// S3 server access logs cannot be delivered to an SSE-KMS bucket.
		tpl.Resource(encryption, "lake-access-logs").HasProperties(assertions.M{"rules": []any{assertions.M{
			"applyServerSideEncryptionByDefault": assertions.Exact(assertions.M{"sseAlgorithm": "AES256"})}}})
		tpl.Resource(table, "lake-catalog").HasProperties(assertions.M{"serverSideEncryption": assertions.M{"enabled": true, "kmsKeyArn": keyArn}})
		tpl.Resource(domain, "lake-search").HasProperties(assertions.M{"encryptAtRest": assertions.M{"enabled": true, "kmsKeyId": keyArn}})
		tpl.Resource("aws:glue/securityConfiguration:SecurityConfiguration", "lake-glue").HasProperties(assertions.M{"encryptionConfiguration": assertions.M{
			"cloudwatchEncryption": assertions.M{"cloudwatchEncryptionMode": "SSE-KMS", "kmsKeyArn": keyArn}}})
		// Query results too: the workgroup's setting wins over the bucket's.
		tpl.Resource("aws:athena/workgroup:Workgroup", "lake-athena").HasProperties(assertions.M{"configuration": assertions.M{
			"resultConfiguration": assertions.M{"encryptionConfiguration": assertions.M{"encryptionOption": "SSE_KMS", "kmsKeyArn": keyArn}}}})
		// Firehose and the functions may use the key for the zones they touch.
		if !allowed(grants(t, tpl, "lake-ingest"), "kms:GenerateDataKey", str(keyArn)) {
			t.Error("Firehose's role: got no kms:GenerateDataKey on the lake key; want it, to write the raw zone")
		}
		if !allowed(grants(t, tpl, "lake-catalog"), "kms:Decrypt", str(keyArn)) {
			t.Error("catalog writer: got no kms:Decrypt on the lake key; want it, to read raw objects")
		}
		// The catalog's stream is encrypted with the table's key, and the
		// indexer's mapping reads it with the indexer's role.
		if !allowed(grants(t, tpl, "lake-indexer"), "kms:Decrypt", str(keyArn)) {
			t.Error("indexer: got no kms:Decrypt on the lake key; want it, to read the catalog table's encrypted stream")
		}
	})

	t.Run("search domain in a VPC", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{SearchInstanceCount: 2,
			SearchSubnetIds: []string{"subnet-0a1b2c3d", "subnet-4e5f6a7b"}, SearchSecurityGroupIds: []string{"sg-0123abcd"}}, false), dev)
		tpl.Resource(domain, "lake-search").HasProperties(assertions.M{"vpcOptions": assertions.M{
			"subnetIds": []string{"subnet-0a1b2c3d", "subnet-4e5f6a7b"}, "securityGroupIds": []string{"sg-0123abcd"}}})
		// A VPC domain has only a VPC endpoint: the indexer runs beside it.
		tpl.Resource(function, "lake-indexer").HasProperties(assertions.M{"vpcConfig": assertions.M{
			"subnetIds": []string{"subnet-0a1b2c3d", "subnet-4e5f6a7b"}, "securityGroupIds": []string{"sg-0123abcd"}}})
		tpl.Resource(function, "lake-catalog").HasProperties(assertions.M{"vpcConfig": assertions.Absent()})
	})

	t.Run("search subnets without security groups", func(t *testing.T) {
		err := (&datalake.Args{Root: root, Region: "eu-west-1", SearchSubnetIds: []string{"subnet-0a1b2c3d"}}).Validate("lake")
		if err == nil || !strings.Contains(err.Error(), `function "lake-indexer": VPC.SecurityGroupIds: 0 security groups`) {
			t.Errorf("got %v; want the indexer's missing security groups named", err)
		}
	})

	t.Run("public search endpoint by default", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{}, false), dev)
		tpl.Resource(domain, "lake-search").HasProperties(assertions.M{"vpcOptions": assertions.Absent()})
	})

	t.Run("AWS managed keys by default", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{}, false), dev)
		if _, ok := tpl.Lookup(kmsKey, "lake-key"); ok {
			t.Error("lake key: got one without CustomerManagedKey; want none")
		}
		tpl.Resource(table, "lake-catalog").HasProperties(assertions.M{"serverSideEncryption": assertions.M{"kmsKeyArn": assertions.Absent()}})
	})

	t.Run("CloudTrail", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{CloudTrail: true}, false), dev)
		var objects []string
		for _, z := range zones {
			objects = append(objects, str(tpl.Resource(bucket, z).Attr("arn"))+"/")
		}
		tpl.ResourceCountIs(trail, 1)
		tpl.Resource(trail, "lake-trail").HasProperties(assertions.M{"eventSelectors": []any{assertions.M{
			"dataResources":           []any{assertions.Exact(assertions.M{"type": "AWS::S3::Object", "values": objects})},
			"includeManagementEvents": false, "readWriteType": "All",
		}}})
	})

	t.Run("no trail by default", func(t *testing.T) {
		tpl := assertions.Synth(t, program(datalake.Args{}, false), dev)
		if found := tpl.FindResources(trail, nil); len(found) > 0 {
			t.Errorf("got %v without CloudTrail; want no trail", found)
		}
	})

	for _, c := range []struct {
		protect bool
	}{{true}, {false}} {
		t.Run(fmt.Sprintf("DeletionProtection %v", c.protect), func(t *testing.T) {
			tpl := assertions.Synth(t, program(datalake.Args{DeletionProtection: c.protect}, false), dev)
			tpl.Resource(table, "lake-catalog").HasProperties(assertions.M{"deletionProtectionEnabled": c.protect})
			for _, b := range append([]string{"lake-access-logs"}, zones...) {
				tpl.Resource(bucket, b).HasProperties(assertions.M{"forceDestroy": !c.protect})
			}
		})
	}
}

func TestDataLakePassesKumoCheck(t *testing.T) {
	for _, c := range []struct {
		name     string
		args     datalake.Args
		releases bool
	}{
		{"defaults", datalake.Args{}, false},
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
			// The functions only state machines and stream mappings invoke
			// say why they need no dead-letter queue; the writer has one.
			for _, fn := range []string{"lake-indexer", "lake-splitter", "lake-mapper", "lake-reducer"} {
				if !suppressed(rep, "Serverless-LambdaDLQ", fn) {
					t.Errorf("%s: Serverless-LambdaDLQ not suppressed with a reason; want it, nothing invokes it asynchronously", fn)
				}
			}
			if suppressed(rep, "Serverless-LambdaDLQ", "lake-catalog") {
				t.Error("lake-catalog: Serverless-LambdaDLQ suppressed; want it passed, S3 invokes the writer asynchronously")
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

// TestDataLakeBadArgsRegisterNothing: each bad input, alone and all at
// once, is refused by New before anything is registered, with one
// *constructs.ValidationError naming every problem; Args.Validate reports
// the same without a stack.
func TestDataLakeBadArgsRegisterNothing(t *testing.T) {
	all := datalake.Args{CustomerManagedKey: true, MemoryMB: 64, LogRetentionDays: 8, IngestBufferSizeMB: 5, IngestBufferSeconds: 901,
		SearchInstanceType: "t3.small", SearchDedicatedMasters: 2, CrawlerSchedule: "daily", MapReduceSchedule: "every day",
		AlarmEmails: []string{"not-an-address"}, MapReduceConcurrency: 41, MapReduceChunkMB: -1, AthenaScanLimitMB: 5,
		IndexBatchSize: 20000, IndexMaxRecordAgeSeconds: 30}
	cases := []struct {
		name string
		args datalake.Args
		want []string
	}{
		{"memory", datalake.Args{MemoryMB: 64}, []string{`function "lake-catalog": MemoryMB: 64 is outside 128–10240`, `function "lake-indexer": MemoryMB: 64`}},
		{"MapReduce memory", datalake.Args{MapReduceMemoryMB: 20000}, []string{`function "lake-mapper": MemoryMB: 20000`}},
		{"MapReduce timeout", datalake.Args{MapReduceTimeoutSeconds: 901}, []string{`function "lake-reducer": TimeoutSeconds: 901`}},
		{"log retention", datalake.Args{LogRetentionDays: 8}, []string{`LogRetentionDays: 8 is not a CloudWatch Logs retention`}},
		{"Firehose buffer", datalake.Args{IngestBufferSizeMB: 5}, []string{`delivery stream "lake-ingest": BufferSizeMB: 5 is below 64`}},
		{"Firehose interval", datalake.Args{IngestBufferSeconds: 901}, []string{`delivery stream "lake-ingest": BufferIntervalSeconds: 901`}},
		{"Athena cutoff", datalake.Args{AthenaScanLimitMB: 5}, []string{`workgroup "lake-athena": BytesScannedCutoffPerQuery: 5242880 is below 10485760`}},
		{"stream batch", datalake.Args{IndexBatchSize: 20000}, []string{`BatchSize: 20000`}},
		{"record age", datalake.Args{IndexMaxRecordAgeSeconds: 30}, []string{`MaximumRecordAgeSeconds: 30`}},
		{"instance type", datalake.Args{SearchInstanceType: "t3.small"}, []string{`InstanceType: "t3.small" is not an OpenSearch instance type`}},
		{"masters", datalake.Args{SearchDedicatedMasters: 2}, []string{`DedicatedMasterCount: 2; use 3 or 5`}},
		{"crawler schedule", datalake.Args{CrawlerSchedule: "daily"}, []string{`glue catalog "lake-glue": Schedule: "daily" is not cron(…)`}},
		{"job schedule", datalake.Args{MapReduceSchedule: "every day"}, []string{`schedule "lake-mapreduce-schedule": Expression: "every day"`}},
		{"alarm e-mail", datalake.Args{AlarmEmails: []string{"not-an-address"}}, []string{`topic "lake-alarms": EmailSubscriptions[0]: "not-an-address" is not an e-mail address`}},
		{"concurrency", datalake.Args{MapReduceConcurrency: 41}, []string{`MapReduceConcurrency: 41 is outside 1–40`}},
		{"chunk", datalake.Args{MapReduceChunkMB: -1}, []string{`MapReduceChunkMB: -1 must be at least 1`}},
		// S3 refuses these lifecycles; only Off turns a step off.
		{"archive too soon", datalake.Args{RawArchiveDays: 40}, []string{`RawArchiveDays: 40 is less than 30 days after RawInfrequentAccessDays (30)`, `use at least 60 or Off`}},
		{"Standard-IA too soon", datalake.Args{CuratedInfrequentAccessDays: 10}, []string{`bucket "lake-curated": LifecycleRules[0].Transitions[0].Days: 10 is below 30`}},
		{"negative expiration", datalake.Args{ResultsExpirationDays: -5}, []string{`ResultsExpirationDays: -5 is negative; use Off`}},
		{"all at once", all, []string{`MemoryMB: 64`, `LogRetentionDays: 8`, `BufferSizeMB: 5`, `BufferIntervalSeconds: 901`,
			`InstanceType: "t3.small"`, `DedicatedMasterCount: 2`, `Schedule: "daily"`, `Expression: "every day"`, `"not-an-address"`,
			`MapReduceConcurrency: 41`, `MapReduceChunkMB: -1`, `BytesScannedCutoffPerQuery: 5242880`, `BatchSize: 20000`, `MaximumRecordAgeSeconds: 30`}},
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
			if args.Region == "" {
				args.Region = "eu-west-1" // New takes it from aws:region
			}
			if verr := args.Validate("lake"); verr == nil || !strings.HasSuffix(err.Error(), verr.Error()) {
				t.Errorf("Args.Validate: got\n%v\nwant New's\n%v", verr, err)
			}
		})
	}
}
