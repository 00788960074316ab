package datalake_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/datalake"
	"github.com/kumo-iac/kumo/patterns/internal/patterntest"
)

// env is what a stack gives the pattern during validation.
var env = patterns.Env{Root: root, Region: "eu-west-1"}

// decode reads a section as the stack does; deploy validates it and
// synthesizes the pattern from it, as the stack program deploys it.
func decode(t *testing.T, section string) *datalake.Config {
	t.Helper()
	return patterntest.Decode[datalake.Config](t, datalake.Pattern{}, section)
}

func deploy(t *testing.T, cfg *datalake.Config) *assertions.Template {
	t.Helper()
	return patterntest.Deploy(t, datalake.Pattern{}, cfg, env, dev)
}

// TestConfigDefaultsAreTheArgsDefaults: an empty section deploys exactly
// what New does with zero Args, byte for byte.
func TestConfigDefaultsAreTheArgsDefaults(t *testing.T) {
	fromConfig, err := deploy(t, decode(t, `{}`)).JSON()
	if err != nil {
		t.Fatal(err)
	}
	fromArgs, err := assertions.Synth(t, program(datalake.Args{Region: env.Region}, false), dev).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fromConfig, fromArgs) {
		t.Errorf("the default section's stack (%d bytes) differs from the default Args' (%d bytes)", len(fromConfig), len(fromArgs))
	}
}

// TestConfigZeroTurnsStepsOff: in a section, 0 is "never" for lifecycle
// steps and "none" for retries, and false turns each trigger off.
func TestConfigZeroTurnsStepsOff(t *testing.T) {
	t.Run("all off", func(t *testing.T) {
		tpl := deploy(t, decode(t, `{"rawInfrequentAccessDays":0,"rawArchiveDays":0,"curatedInfrequentAccessDays":0,"resultsExpirationDays":0,`+
			`"indexMaxRetries":0,"catalogEvents":false,"indexStream":false,"crawlerScheduleEnabled":false,`+
			`"mapReduceSchedule":"rate(1 day)","mapReduceScheduleEnabled":false}`))
		for _, z := range zones {
			tpl.Resource(lifecycle, z).HasProperties(assertions.M{"rules": []any{assertions.M{"id": "abort-incomplete-multipart-uploads"}}})
		}
		tpl.Resource(mapping, "lake-index").HasProperties(assertions.M{"maximumRetryAttempts": 0, "enabled": false})
		tpl.Resource(notification, "lake-catalog-events").HasProperties(assertions.M{"lambdaFunctions": assertions.Absent()})
		tpl.Resource(crawler, "lake-glue").HasProperties(assertions.M{"schedule": assertions.Absent()})
		tpl.Resource(eventRule, "lake-mapreduce-schedule").HasProperties(assertions.M{"scheduleExpression": "rate(1 day)", "state": "DISABLED"})
	})

	t.Run("archive without Standard-IA", func(t *testing.T) {
		tpl := deploy(t, decode(t, `{"rawInfrequentAccessDays":0}`))
		tpl.Resource(lifecycle, "lake-raw").HasProperties(assertions.M{"rules": assertions.ArrayWith(assertions.M{
			"transitions": []any{assertions.Exact(assertions.M{"days": 90, "storageClass": "GLACIER_IR"})}})})
	})

	t.Run("no crawler schedule", func(t *testing.T) {
		tpl := deploy(t, decode(t, `{"crawlerSchedule":""}`))
		tpl.Resource(crawler, "lake-glue").HasProperties(assertions.M{"schedule": assertions.Absent()})
	})

	t.Run("values reach the pattern", func(t *testing.T) {
		tpl := deploy(t, decode(t, `{"memoryMB":512,"mapReduceMemoryMB":2048,"mapReduceTimeoutSeconds":600,"logRetentionDays":90,`+
			`"rawInfrequentAccessDays":60,"rawArchiveDays":180,"curatedInfrequentAccessDays":120,"resultsExpirationDays":7,`+
			`"ingestBufferSizeMB":128,"ingestBufferIntervalSeconds":60,"indexBatchSize":500,"indexMaxRetries":5,"indexMaxRecordAgeSeconds":7200,`+
			`"athenaBytesScannedCutoffMB":1024,"mapReduceChunkMB":32,"mapReduceConcurrency":20,"crawlerSchedule":"cron(0 4 * * ? *)"}`))
		tpl.Resource(function, "lake-catalog").HasProperties(assertions.M{"memorySize": 512})
		tpl.Resource(function, "lake-mapper").HasProperties(assertions.M{"memorySize": 2048, "timeout": 600})
		tpl.Resource(function, "lake-splitter").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"CHUNK_BYTES": "33554432"}}})
		tpl.Resource("aws:cloudwatch/logGroup:LogGroup", "lake-indexer").HasProperties(assertions.M{"retentionInDays": 90})
		tpl.Resource(lifecycle, "lake-raw").HasProperties(assertions.M{"rules": assertions.ArrayWith(assertions.M{"transitions": []any{
			assertions.M{"days": 60, "storageClass": "STANDARD_IA"}, assertions.M{"days": 180, "storageClass": "GLACIER_IR"}}})})
		tpl.Resource(lifecycle, "lake-curated").HasProperties(assertions.M{"rules": assertions.ArrayWith(assertions.M{"transitions": []any{
			assertions.M{"days": 120, "storageClass": "STANDARD_IA"}}})})
		tpl.Resource(lifecycle, "lake-results").HasProperties(assertions.M{"rules": assertions.ArrayWith(
			assertions.M{"filter": assertions.M{"prefix": "athena/"}, "expiration": assertions.M{"days": 7}})})
		tpl.Resource("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream", "lake-ingest").HasProperties(assertions.M{
			"extendedS3Configuration": assertions.M{"bufferingSize": 128, "bufferingInterval": 60}})
		tpl.Resource(mapping, "lake-index").HasProperties(assertions.M{"batchSize": 500, "maximumRetryAttempts": 5, "maximumRecordAgeInSeconds": 7200})
		tpl.Resource("aws:athena/workgroup:Workgroup", "lake-athena").HasProperties(assertions.M{"configuration": assertions.M{
			"bytesScannedCutoffPerQuery": 1024 << 20}})
		tpl.Resource(stateMachine, "lake-mapreduce").HasProperties(assertions.M{"definition": assertions.SerializedJSON(assertions.M{
			"States": assertions.M{"Map": assertions.M{"MaxConcurrency": 20}}})})
		tpl.Resource(crawler, "lake-glue").HasProperties(assertions.M{"schedule": "cron(0 4 * * ? *)"})
	})
}

// TestBadConfigEachGetsOneClearError: each case is one mistake; it gets
// exactly one error naming the key, the value and what is allowed.
func TestBadConfigEachGetsOneClearError(t *testing.T) {
	cases := []struct {
		section string
		want    []string
	}{
		{`{"memoryMB":64}`, []string{`kumo:datalake.memoryMB: 64 is outside 128–10240 MB`}},
		{`{"mapReduceMemoryMB":20000}`, []string{`kumo:datalake.mapReduceMemoryMB: 20000 is outside 128–10240 MB`}},
		{`{"mapReduceTimeoutSeconds":901}`, []string{`kumo:datalake.mapReduceTimeoutSeconds: 901 is outside 1–900 s`}},
		{`{"logRetentionDays":8}`, []string{`kumo:datalake.logRetentionDays: 8 is not a CloudWatch Logs retention; use one of [1 3 5 7 14 30 60 90`}},
		{`{"rawInfrequentAccessDays":10}`, []string{`kumo:datalake.rawInfrequentAccessDays: 10 is under 30 days`, `use 0 or at least 30`}},
		{`{"curatedInfrequentAccessDays":10}`, []string{`kumo:datalake.curatedInfrequentAccessDays: 10 is under 30 days`, `use 0 or at least 30`}},
		{`{"rawInfrequentAccessDays":30,"rawArchiveDays":40}`,
			[]string{`kumo:datalake.rawArchiveDays: 40 is less than 30 days after kumo:datalake.rawInfrequentAccessDays (30)`, `use at least 60`}},
		// The archive day is checked against the Standard-IA day only when
		// that is valid: one mistake, one error.
		{`{"rawInfrequentAccessDays":10,"rawArchiveDays":20}`, []string{`kumo:datalake.rawInfrequentAccessDays: 10 is under 30 days`}},
		{`{"rawArchiveDays":-5}`, []string{`kumo:datalake.rawArchiveDays: -5 is negative; use 0 to never archive`}},
		{`{"resultsExpirationDays":-1}`, []string{`kumo:datalake.resultsExpirationDays: -1 is negative; use 0 to keep results`}},
		{`{"ingestBufferSizeMB":5}`, []string{`kumo:datalake.ingestBufferSizeMB: 5 is outside 64–128 MB`}},
		{`{"ingestBufferIntervalSeconds":901}`, []string{`kumo:datalake.ingestBufferIntervalSeconds: 901 is outside 1–900 s`}},
		// Firehose has no zero buffering with dynamic partitioning, and the
		// Args' 0 would silently be 300.
		{`{"ingestBufferIntervalSeconds":0}`, []string{`kumo:datalake.ingestBufferIntervalSeconds: 0 is outside 1–900 s`}},
		{`{"indexBatchSize":0}`, []string{`kumo:datalake.indexBatchSize: 0 is outside 1–10000`}},
		{`{"indexMaxRetries":-1}`, []string{`kumo:datalake.indexMaxRetries: -1 is outside 0–10000`}},
		{`{"indexMaxRecordAgeSeconds":30}`, []string{`kumo:datalake.indexMaxRecordAgeSeconds: 30 is outside 60–604800 s`}},
		{`{"searchInstanceCount":0}`, []string{`kumo:datalake.searchInstanceCount: 0 must be at least 1`}},
		{`{"searchDedicatedMasters":2}`, []string{`kumo:datalake.searchDedicatedMasters: 2 is not 0, 3 or 5`}},
		{`{"searchVolumeGB":5}`, []string{`kumo:datalake.searchVolumeGB: 5 is under 10 GB`}},
		{`{"athenaBytesScannedCutoffMB":5}`, []string{`kumo:datalake.athenaBytesScannedCutoffMB: 5 is under Athena's minimum of 10 MB`}},
		{`{"mapReduceChunkMB":0}`, []string{`kumo:datalake.mapReduceChunkMB: 0 must be at least 1 MB`}},
		{`{"mapReduceConcurrency":41}`, []string{`kumo:datalake.mapReduceConcurrency: 41 is outside 1–40`}},
	}
	for _, c := range cases {
		t.Run(c.section, func(t *testing.T) {
			errs := datalake.Pattern{}.Validate(decode(t, c.section), env)
			if len(errs) != 1 {
				t.Fatalf("got %d errors; want exactly 1:\n%v", len(errs), errs)
			}
			for _, w := range c.want {
				if !strings.Contains(errs[0].Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, errs[0])
				}
			}
		})
	}
}

// TestBadConfigConstructProblems: what the constructs check (cron and rate
// syntax, instance types, e-mail addresses, zone awareness) comes back from
// Validate as one *constructs.ValidationError, each problem named once with
// its value.
func TestBadConfigConstructProblems(t *testing.T) {
	cases := []struct {
		section string
		want    string
	}{
		{`{"crawlerSchedule":"daily"}`, `glue catalog "lake-glue": Schedule: "daily" is not cron(…)`},
		{`{"mapReduceSchedule":"every day"}`, `schedule "lake-mapreduce-schedule": Expression: "every day" is neither rate(value unit)`},
		{`{"alarmEmails":["not-an-address"]}`, `topic "lake-alarms": EmailSubscriptions[0]: "not-an-address" is not an e-mail address`},
		{`{"searchInstanceType":"t3.small"}`, `search domain "lake-search": InstanceType: "t3.small" is not an OpenSearch instance type; use one ending in ".search"`},
		{`{"searchInstanceCount":3}`, `search domain "lake-search": InstanceCount: 3 is odd`},
	}
	for _, c := range cases {
		t.Run(c.section, func(t *testing.T) {
			errs := datalake.Pattern{}.Validate(decode(t, c.section), env)
			var ve *constructs.ValidationError
			if len(errs) != 1 || !errors.As(errs[0], &ve) {
				t.Fatalf("got %v; want one *constructs.ValidationError", errs)
			}
			if len(ve.Problems) != 1 || !strings.Contains(ve.Problems[0].Error(), c.want) {
				t.Errorf("got problems %v; want exactly one containing %q", ve.Problems, c.want)
			}
		})
	}
}

// TestBadConfigReportsEveryProblemAtOnce: key problems and construct
// problems come in one pass, and the constructs do not repeat a key's
// problem in their own words.
func TestBadConfigReportsEveryProblemAtOnce(t *testing.T) {
	section := `{"memoryMB":64,"mapReduceTimeoutSeconds":901,"logRetentionDays":8,"curatedInfrequentAccessDays":10,` +
		`"rawInfrequentAccessDays":30,"rawArchiveDays":40,"ingestBufferSizeMB":5,"ingestBufferIntervalSeconds":901,"indexBatchSize":0,` +
		`"indexMaxRecordAgeSeconds":30,"searchDedicatedMasters":2,"searchVolumeGB":5,"athenaBytesScannedCutoffMB":5,"mapReduceConcurrency":41,` +
		`"crawlerSchedule":"daily","mapReduceSchedule":"every day","alarmEmails":["not-an-address"],"searchInstanceType":"t3.small"}`
	keys := []string{"memoryMB: 64", "mapReduceTimeoutSeconds: 901", "logRetentionDays: 8", "curatedInfrequentAccessDays: 10",
		"rawArchiveDays: 40", "ingestBufferSizeMB: 5", "ingestBufferIntervalSeconds: 901", "indexBatchSize: 0",
		"indexMaxRecordAgeSeconds: 30", "searchDedicatedMasters: 2", "searchVolumeGB: 5", "athenaBytesScannedCutoffMB: 5", "mapReduceConcurrency: 41"}
	constructProblems := []string{`Schedule: "daily"`, `Expression: "every day"`, `"not-an-address"`, `InstanceType: "t3.small"`}

	errs := datalake.Pattern{}.Validate(decode(t, section), env)
	if len(errs) != len(keys)+1 {
		t.Errorf("got %d errors; want %d, one per key and one for the constructs:\n%v", len(errs), len(keys)+1, errs)
	}
	var all strings.Builder
	for _, err := range errs {
		all.WriteString(err.Error() + "\n")
	}
	for _, k := range keys {
		if n := strings.Count(all.String(), "kumo:datalake."+k+" "); n != 1 {
			t.Errorf("kumo:datalake.%s: reported %d times; want once:\n%s", k, n, all.String())
		}
	}
	var ve *constructs.ValidationError
	if len(errs) == 0 || !errors.As(errs[len(errs)-1], &ve) {
		t.Fatalf("last error: want the constructs' *constructs.ValidationError:\n%s", all.String())
	}
	if len(ve.Problems) != len(constructProblems) {
		t.Errorf("constructs: got %d problems; want %d, none repeating a key's:\n%v", len(ve.Problems), len(constructProblems), ve)
	}
	for _, w := range constructProblems {
		if !strings.Contains(ve.Error(), w) {
			t.Errorf("constructs' error lacks %q:\n%v", w, ve)
		}
	}
}

// TestBadConfigHidesSecretValues: a bad value of a secret key is reported
// without the value.
func TestBadConfigHidesSecretValues(t *testing.T) {
	secret := env
	secret.Secret = func(key string) bool { return key == "kumo:datalake.searchVolumeGB" }
	errs := datalake.Pattern{}.Validate(decode(t, `{"searchVolumeGB":7,"memoryMB":64}`), secret)
	got := errors.Join(errs...).Error()
	for _, w := range []string{"kumo:datalake.searchVolumeGB: [secret] is under 10 GB", "kumo:datalake.memoryMB: 64 is outside"} {
		if !strings.Contains(got, w) {
			t.Errorf("error lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "7 is under") {
		t.Errorf("error shows the secret value:\n%s", got)
	}
}
