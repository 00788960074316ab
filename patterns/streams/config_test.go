package streams_test

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/assertions"
	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns"
	"github.com/kumo-iac/kumo/patterns/internal/patterntest"
	"github.com/kumo-iac/kumo/patterns/streams"
)

// env is what a stack gives the pattern during validation.
var env = patterns.Env{Root: root, Region: "eu-west-1"}

// decode reads a section as the stack does; deploy validates it and
// synthesizes the pattern from it, as the stack program deploys it.
func decode(t *testing.T, section string) *streams.Config {
	t.Helper()
	return patterntest.Decode[streams.Config](t, streams.Pattern{}, section)
}

func deploy(t *testing.T, cfg *streams.Config) *assertions.Template {
	t.Helper()
	return patterntest.Deploy(t, streams.Pattern{}, cfg, env, dev)
}

// TestConfigDefaultsAreTheArgsDefaults: an empty section deploys exactly
// what New does with zero Args, byte for byte.
func TestConfigDefaultsAreTheArgsDefaults(t *testing.T) {
	fromConfig, err := deploy(t, decode(t, `{}`)).JSON()
	if err != nil {
		t.Fatal(err)
	}
	fromArgs, err := assertions.Synth(t, program(streams.Args{}, false), dev).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fromConfig, fromArgs) {
		t.Errorf("the default section's stack (%d bytes) differs from the default Args' (%d bytes)", len(fromConfig), len(fromArgs))
	}
}

// TestConfigSwitchesAndValues: in a section, false turns each trigger off
// (and only it), 0 retries is none, an empty condition passes every
// message, and every value reaches the pattern.
func TestConfigSwitchesAndValues(t *testing.T) {
	for _, key := range []string{"ingestRule", "analytics", "fanOut", "uploadEvents", "resize", "convert", "archive"} {
		t.Run(key+" false", func(t *testing.T) {
			tpl := deploy(t, decode(t, fmt.Sprintf(`{%q:false}`, key)))
			got := triggers(tpl)
			for trigger, on := range got {
				if want := trigger != key; on != want {
					t.Errorf("%s: got on=%v; want %v", trigger, on, want)
				}
			}
		})
	}

	// A threshold of 0 is a threshold, not "use the default".
	t.Run("defaultThreshold 0", func(t *testing.T) {
		tpl := deploy(t, decode(t, `{"defaultThreshold":0}`))
		tpl.Resource(function, "streams-analytics").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"DEFAULT_THRESHOLD": "0"}}})
	})

	t.Run("values reach the pattern", func(t *testing.T) {
		tpl := deploy(t, decode(t, `{"memoryMB":512,"logRetentionDays":90,"deletionProtection":true,`+
			`"streamMode":"PROVISIONED","shardCount":2,"retentionHours":48,"iotTopicFilter":"plant/+/telemetry","iotCondition":"",`+
			`"bufferSizeMB":64,"bufferIntervalSeconds":60,"batchSize":500,"startingPosition":"TRIM_HORIZON","bisectOnError":false,`+
			`"maxRetries":0,"maxRecordAgeSeconds":600,"parallelizationFactor":4,"windowSeconds":300,"defaultThreshold":45,`+
			`"dispatchBatchSize":2000,"fanOutBatchSize":50,"fanOutConcurrency":20,"alertEmails":["ops@example.com"]}`))
		for _, fn := range streams.Functions {
			tpl.Resource(function, "streams-"+fn).HasProperties(assertions.M{"memorySize": 512})
			tpl.Resource(logGroup, "streams-"+fn).HasProperties(assertions.M{"retentionInDays": 90})
		}
		tpl.Resource(table, "streams-devices").HasProperties(assertions.M{"deletionProtectionEnabled": true})
		tpl.Resource(bucket, "streams-readings").HasProperties(assertions.M{"forceDestroy": false})
		tpl.Resource(kinesis, "streams-readings").HasProperties(assertions.M{"streamModeDetails": assertions.M{"streamMode": "PROVISIONED"},
			"shardCount": 2, "retentionPeriod": 48})
		tpl.Resource(kinesis, "streams-errors").HasProperties(assertions.M{"shardCount": 1, "retentionPeriod": 48})
		// An empty condition passes every message.
		tpl.Resource(topicRule, "streams-ingest").HasProperties(assertions.M{"sql": "SELECT * FROM 'plant/+/telemetry' WHERE true"})
		tpl.Resource(firehose, "streams-delivery").HasProperties(assertions.M{"extendedS3Configuration": assertions.M{
			"bufferingSize": 64, "bufferingInterval": 60}})
		tpl.Resource(mapping, "streams-analytics").HasProperties(assertions.M{"batchSize": 500, "startingPosition": "TRIM_HORIZON",
			"bisectBatchOnFunctionError": false, "maximumRetryAttempts": 0, "maximumRecordAgeInSeconds": 600,
			"parallelizationFactor": 4, "tumblingWindowInSeconds": 300})
		tpl.Resource(mapping, "streams-fan-out").HasProperties(assertions.M{"batchSize": 2000, "maximumRetryAttempts": 0})
		tpl.Resource(function, "streams-analytics").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"DEFAULT_THRESHOLD": "45"}}})
		tpl.Resource(function, "streams-dispatcher").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{
			"BATCH_SIZE": "50", "CONCURRENCY": "20"}}})
		if found := tpl.FindResources(subscription, assertions.M{"protocol": "email", "endpoint": "ops@example.com",
			"topic": tpl.Resource(topic, "streams-alerts").Attr("arn")}); len(found) != 1 {
			t.Errorf("alerts topic: got %d subscriptions for ops@example.com; want 1", len(found))
		}
	})
}

// TestBadConfigEachGetsOneClearError: each case is one mistake; it gets
// exactly one error naming the key, the value and what is allowed.
func TestBadConfigEachGetsOneClearError(t *testing.T) {
	cases := []struct {
		section string
		want    []string
	}{
		{`{"memoryMB":64}`, []string{`kumo:streamprocessing.memoryMB: 64 is outside 128–10240 MB`}},
		{`{"logRetentionDays":8}`, []string{`kumo:streamprocessing.logRetentionDays: 8 is not a CloudWatch Logs retention; use one of [1 3 5 7 14 30 60 90`}},
		{`{"streamMode":"FAST"}`, []string{`kumo:streamprocessing.streamMode: "FAST" is not a capacity mode; use ON_DEMAND or PROVISIONED`}},
		{`{"streamMode":"FAST","shardCount":2}`, []string{`kumo:streamprocessing.streamMode: "FAST"`}},
		{`{"shardCount":2}`, []string{`kumo:streamprocessing.shardCount: 2 is set, but kumo:streamprocessing.streamMode is ON_DEMAND`, `use 0, or streamMode PROVISIONED`}},
		// The streams' own check would refuse 0 shards again.
		{`{"streamMode":"PROVISIONED"}`, []string{`kumo:streamprocessing.shardCount: 0: a PROVISIONED stream needs at least 1 shard`}},
		{`{"streamMode":"PROVISIONED","shardCount":-1}`, []string{`kumo:streamprocessing.shardCount: -1: a PROVISIONED stream needs at least 1 shard`}},
		{`{"retentionHours":12}`, []string{`kumo:streamprocessing.retentionHours: 12 is outside 24–8760 hours`}},
		{`{"iotTopicFilter":""}`, []string{`kumo:streamprocessing.iotTopicFilter: is empty; give the MQTT topic filter devices publish readings to, e.g. "sensors/+/readings"`}},
		{`{"bufferSizeMB":0}`, []string{`kumo:streamprocessing.bufferSizeMB: 0 is outside 1–128 MB`}},
		{`{"bufferIntervalSeconds":901}`, []string{`kumo:streamprocessing.bufferIntervalSeconds: 901 is outside 1–900 s`}},
		{`{"batchSize":0}`, []string{`kumo:streamprocessing.batchSize: 0 is outside 1–10000`}},
		{`{"startingPosition":"AT_TIMESTAMP"}`, []string{`kumo:streamprocessing.startingPosition: "AT_TIMESTAMP" is not a starting position; use LATEST or TRIM_HORIZON`}},
		{`{"maxRetries":-1}`, []string{`kumo:streamprocessing.maxRetries: -1 is outside 0–10000`}},
		{`{"maxRecordAgeSeconds":30}`, []string{`kumo:streamprocessing.maxRecordAgeSeconds: 30 is outside 60–604800 s`}},
		{`{"parallelizationFactor":11}`, []string{`kumo:streamprocessing.parallelizationFactor: 11 is outside 1–10`}},
		{`{"windowSeconds":901}`, []string{`kumo:streamprocessing.windowSeconds: 901 is outside 1–900 s`, `at most 15 minutes`}},
		{`{"dispatchBatchSize":10001}`, []string{`kumo:streamprocessing.dispatchBatchSize: 10001 is outside 1–10000`}},
		{`{"fanOutBatchSize":0}`, []string{`kumo:streamprocessing.fanOutBatchSize: 0 is outside 1–10000`}},
		{`{"fanOutConcurrency":1001}`, []string{`kumo:streamprocessing.fanOutConcurrency: 1001 is outside 1–1000`}},
	}
	for _, c := range cases {
		t.Run(c.section, func(t *testing.T) {
			errs := streams.Pattern{}.Validate(decode(t, c.section), env)
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

// TestBadConfigConstructProblems: what the constructs check (the IoT
// rule's SQL, e-mail addresses) comes back from Validate as one
// *constructs.ValidationError, each problem named once with its value.
func TestBadConfigConstructProblems(t *testing.T) {
	cases := []struct {
		section string
		want    string
	}{
		{`{"iotTopicFilter":"sensors/#/x"}`, `topic rule "streams-ingest": SQL: "SELECT * FROM 'sensors/#/x' WHERE type = 'reading'" the topic filter "sensors/#/x" has '#' in level "#"`},
		{`{"iotTopicFilter":"sensors/+x/readings"}`, `topic rule "streams-ingest": SQL: "SELECT * FROM 'sensors/+x/readings'`},
		{`{"alertEmails":["nope"]}`, `topic "streams-alerts": EmailSubscriptions[0]: "nope" is not an e-mail address`},
		{`{"alarmEmails":["ops@example.com","nope"]}`, `topic "streams-alarms": EmailSubscriptions[1]: "nope" is not an e-mail address`},
	}
	for _, c := range cases {
		t.Run(c.section, func(t *testing.T) {
			errs := streams.Pattern{}.Validate(decode(t, c.section), env)
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
// problem in their own words (both streams, both delivery streams and
// both mappings share most keys).
func TestBadConfigReportsEveryProblemAtOnce(t *testing.T) {
	section := `{"memoryMB":64,"logRetentionDays":8,"streamMode":"PROVISIONED","shardCount":0,"retentionHours":12,` +
		`"bufferSizeMB":129,"bufferIntervalSeconds":0,"batchSize":0,"startingPosition":"AT_TIMESTAMP","maxRetries":-1,` +
		`"maxRecordAgeSeconds":30,"parallelizationFactor":11,"windowSeconds":901,"dispatchBatchSize":0,"fanOutBatchSize":10001,` +
		`"fanOutConcurrency":0,"iotTopicFilter":"sensors/#/x","alertEmails":["nope"]}`
	keys := []string{"memoryMB: 64", "logRetentionDays: 8", "shardCount: 0", "retentionHours: 12", "bufferSizeMB: 129",
		"bufferIntervalSeconds: 0", "batchSize: 0", `startingPosition: "AT_TIMESTAMP"`, "maxRetries: -1", "maxRecordAgeSeconds: 30",
		"parallelizationFactor: 11", "windowSeconds: 901", "dispatchBatchSize: 0", "fanOutBatchSize: 10001", "fanOutConcurrency: 0"}
	constructProblems := []string{`'sensors/#/x'`, `"nope"`}

	errs := streams.Pattern{}.Validate(decode(t, section), env)
	if len(errs) != len(keys)+1 {
		t.Errorf("got %d errors; want %d, one per key and one for the constructs:\n%v", len(errs), len(keys)+1, errs)
	}
	var all strings.Builder
	for _, err := range errs {
		all.WriteString(err.Error() + "\n")
	}
	for _, k := range keys {
		if n := len(regexp.MustCompile(`kumo:streamprocessing\.`+regexp.QuoteMeta(k)+`[ :]`).FindAllString(all.String(), -1)); n != 1 {
			t.Errorf("kumo:streamprocessing.%s: reported %d times; want once:\n%s", k, n, all.String())
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
	secret.Secret = func(key string) bool { return key == "kumo:streamprocessing.retentionHours" }
	errs := streams.Pattern{}.Validate(decode(t, `{"retentionHours":13,"memoryMB":64}`), secret)
	got := errors.Join(errs...).Error()
	for _, w := range []string{"kumo:streamprocessing.retentionHours: [secret] is outside", "kumo:streamprocessing.memoryMB: 64 is outside"} {
		if !strings.Contains(got, w) {
			t.Errorf("error lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "13 is outside") {
		t.Errorf("error shows the secret value:\n%s", got)
	}
}
