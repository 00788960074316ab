package ops_test

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
	"github.com/kumo-iac/kumo/patterns/ops"
)

// env is what a stack gives the pattern during validation.
var env = patterns.Env{Root: root, Region: "eu-west-1"}

// decode reads a section as the stack does; deploy validates it and
// synthesizes the pattern from it, as the stack program deploys it.
func decode(t *testing.T, section string) *ops.Config {
	t.Helper()
	return patterntest.Decode[ops.Config](t, ops.Pattern{}, section)
}

func deploy(t *testing.T, cfg *ops.Config) *assertions.Template {
	t.Helper()
	return patterntest.Deploy(t, ops.Pattern{}, cfg, env, dev)
}

// TestConfigDefaultsAreTheArgsDefaults: an empty section deploys exactly
// what New does with zero Args, byte for byte.
func TestConfigDefaultsAreTheArgsDefaults(t *testing.T) {
	fromConfig, err := deploy(t, decode(t, `{}`)).JSON()
	if err != nil {
		t.Fatal(err)
	}
	fromArgs, err := assertions.Synth(t, program(ops.Args{}, false), dev).JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fromConfig, fromArgs) {
		t.Errorf("the default section's stack (%d bytes) differs from the default Args' (%d bytes)", len(fromConfig), len(fromArgs))
	}
}

// TestConfigSwitchesAndValues: in a section, false turns each trigger off
// (and only it), reportOnly stops revoking, and every value reaches the
// pattern.
func TestConfigSwitchesAndValues(t *testing.T) {
	for _, key := range []string{"schedule", "imageEvents", "securityRule"} {
		t.Run(key+" false", func(t *testing.T) {
			tpl := deploy(t, decode(t, fmt.Sprintf(`{%q:false}`, key)))
			for trigger, on := range triggers(tpl) {
				if want := trigger != key; on != want {
					t.Errorf("%s: got on=%v; want %v", trigger, on, want)
				}
			}
			tpl.Resource(function, "ops-remediate").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"REPORT_ONLY": "false"}}})
		})
	}

	t.Run("reportOnly true", func(t *testing.T) {
		tpl := deploy(t, decode(t, `{"reportOnly":true}`))
		tpl.Resource(function, "ops-remediate").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"REPORT_ONLY": "true"}}})
		if got, want := triggers(tpl), map[string]bool{"schedule": true, "imageEvents": true, "securityRule": true}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("triggers on: got %v; want %v", got, want)
		}
	})

	t.Run("values reach the pattern", func(t *testing.T) {
		role := "arn:aws:iam::111122223333:role/kumo-snapshots"
		tpl := deploy(t, decode(t, `{"memoryMB":1024,"logRetentionDays":90,"deletionProtection":true,`+
			`"dispatchSchedule":"rate(1 hour)","runRetentionDays":7,"crossAccountRoleArns":["`+role+`"],`+
			`"imagePrefix":"photos/","forbiddenPorts":["22","8080"],`+
			`"alarmEmails":["oncall@example.com"],"notificationEmails":["ops@example.com"]}`))
		for _, fn := range ops.Functions {
			tpl.Resource(function, "ops-"+fn).HasProperties(assertions.M{"memorySize": 1024})
			tpl.Resource(logGroup, "ops-"+fn).HasProperties(assertions.M{"retentionInDays": 90})
		}
		tpl.Resource(logGroup, "ops-images").HasProperties(assertions.M{"retentionInDays": 90})
		for _, tb := range []string{"ops-tasks", "ops-runs", "ops-images"} {
			tpl.Resource(table, tb).HasProperties(assertions.M{"deletionProtectionEnabled": true})
		}
		tpl.Resource(bucket, "ops-uploads").HasProperties(assertions.M{"forceDestroy": false})
		tpl.Resource(eventRule, "ops-dispatch").HasProperties(assertions.M{"scheduleExpression": "rate(1 hour)"})
		tpl.Resource(function, "ops-dispatcher").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"RUN_TTL_DAYS": "7"}}})
		if got := resourcesOf(grants(t, tpl, "ops-dispatcher"), "sts:AssumeRole"); fmt.Sprint(got) != fmt.Sprint([]string{role}) {
			t.Errorf("dispatcher: got sts:AssumeRole on %v; want [%s]", got, role)
		}
		tpl.Resource(notification, "ops-uploads").HasProperties(assertions.M{"lambdaFunctions": []any{assertions.M{"filterPrefix": "photos/"}}})
		tpl.Resource(function, "ops-remediate").HasProperties(assertions.M{"environment": assertions.M{"variables": assertions.M{"FORBIDDEN_PORTS": "22,8080"}}})
		for topicName, address := range map[string]string{"ops-alarms": "oncall@example.com", "ops-notifications": "ops@example.com"} {
			if found := tpl.FindResources(subscription, assertions.M{"protocol": "email", "endpoint": address,
				"topic": tpl.Resource(topic, topicName).Attr("arn")}); len(found) != 1 {
				t.Errorf("%s: got %d subscriptions for %s; want 1", topicName, len(found), address)
			}
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
		{`{"memoryMB":64}`, []string{`kumo:opsautomation.memoryMB: 64 is outside 128–10240 MB`}},
		{`{"logRetentionDays":8}`, []string{`kumo:opsautomation.logRetentionDays: 8 is not a CloudWatch Logs retention; use one of [1 3 5 7 14 30 60 90`}},
		{`{"runRetentionDays":0}`, []string{`kumo:opsautomation.runRetentionDays: 0 is outside 1–3650 days`}},
		{`{"runRetentionDays":3651}`, []string{`kumo:opsautomation.runRetentionDays: 3651 is outside 1–3650 days`}},
		{`{"imagePrefix":""}`, []string{`kumo:opsautomation.imagePrefix: is empty; give the key prefix of uploads that start the workflow, e.g. "images/"`}},
		{`{"forbiddenPorts":["ssh"]}`, []string{`kumo:opsautomation.forbiddenPorts: "ssh" is not a port; use whole numbers 0–65535`}},
		{`{"forbiddenPorts":["22","70000"]}`, []string{`kumo:opsautomation.forbiddenPorts: "70000" is not a port; use whole numbers 0–65535`}},
		{`{"forbiddenPorts":["-1"]}`, []string{`kumo:opsautomation.forbiddenPorts: "-1" is not a port`}},
		{`{"forbiddenPorts":["22","3389","22"]}`, []string{`kumo:opsautomation.forbiddenPorts: "22" is listed twice`}},
		// The same port however it is written.
		{`{"forbiddenPorts":["22","022"]}`, []string{`kumo:opsautomation.forbiddenPorts: "022" is listed twice`}},
		{`{"forbiddenPorts":[]}`, []string{`kumo:opsautomation.forbiddenPorts: is empty; list at least one port (to stop remediation, set kumo:opsautomation.securityRule false)`}},
		{`{"imagePrefix":"photos"}`, []string{`kumo:opsautomation.imagePrefix: "photos" must end in '/' and not start with one, e.g. "images/"`}},
	}
	for _, c := range cases {
		t.Run(c.section, func(t *testing.T) {
			errs := ops.Pattern{}.Validate(decode(t, c.section), env)
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

// TestBadConfigConstructProblems: what the constructs and Args check (the
// schedule expression, role ARNs, e-mail addresses) comes back from
// Validate as one *constructs.ValidationError, each problem named once
// with its value.
func TestBadConfigConstructProblems(t *testing.T) {
	cases := []struct {
		section string
		want    string
	}{
		{`{"dispatchSchedule":"every day"}`, `schedule "ops-dispatch": Expression: "every day" is neither rate(value unit)`},
		{`{"crossAccountRoleArns":["arn:aws:iam::12:role/x"]}`, `CrossAccountRoleArns: "arn:aws:iam::12:role/x" is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)`},
		{`{"notificationEmails":["nope"]}`, `topic "ops-notifications": EmailSubscriptions[0]: "nope" is not an e-mail address`},
		{`{"alarmEmails":["ops@example.com","nope"]}`, `topic "ops-alarms": EmailSubscriptions[1]: "nope" is not an e-mail address`},
	}
	for _, c := range cases {
		t.Run(c.section, func(t *testing.T) {
			errs := ops.Pattern{}.Validate(decode(t, c.section), env)
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
// problem in their own words (seven functions share memoryMB and
// logRetentionDays).
func TestBadConfigReportsEveryProblemAtOnce(t *testing.T) {
	section := `{"memoryMB":64,"logRetentionDays":8,"runRetentionDays":0,"imagePrefix":"","forbiddenPorts":["ssh","22","22"],` +
		`"dispatchSchedule":"every day","crossAccountRoleArns":["arn:aws:iam::12:role/x"],"notificationEmails":["nope"]}`
	keys := []string{"memoryMB: 64", "logRetentionDays: 8", "runRetentionDays: 0", "imagePrefix: is empty",
		`forbiddenPorts: "ssh"`, `forbiddenPorts: "22" is listed twice`}
	constructProblems := []string{`"every day"`, `"arn:aws:iam::12:role/x"`, `"nope"`}

	errs := ops.Pattern{}.Validate(decode(t, section), env)
	if len(errs) != len(keys)+1 {
		t.Errorf("got %d errors; want %d, one per key problem and one for the constructs:\n%v", len(errs), len(keys)+1, errs)
	}
	var all strings.Builder
	for _, err := range errs {
		all.WriteString(err.Error() + "\n")
	}
	for _, k := range keys {
		if n := len(regexp.MustCompile(`(?m)kumo:opsautomation\.`+regexp.QuoteMeta(k)+`([ :;]|$)`).FindAllString(all.String(), -1)); n != 1 {
			t.Errorf("kumo:opsautomation.%s: reported %d times; want once:\n%s", k, n, all.String())
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
	secret.Secret = func(key string) bool { return key == "kumo:opsautomation.runRetentionDays" }
	errs := ops.Pattern{}.Validate(decode(t, `{"runRetentionDays":4000,"memoryMB":64}`), secret)
	got := errors.Join(errs...).Error()
	for _, w := range []string{"kumo:opsautomation.runRetentionDays: [secret] is outside", "kumo:opsautomation.memoryMB: 64 is outside"} {
		if !strings.Contains(got, w) {
			t.Errorf("error lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "4000") {
		t.Errorf("error shows the secret value:\n%s", got)
	}
}
