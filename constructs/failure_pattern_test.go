package constructs_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/constructs"
)

// jsonOrPattern is the subset of CloudWatch Logs' JSON filter syntax the
// default failure pattern uses: { (cond) || (cond) … } where a cond is
// $.a.b = "value", and "*" in a value matches any run of characters
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html).
// As CloudWatch does, it matches only events that are JSON objects.
type jsonOrPattern []jsonCond

type jsonCond struct {
	path  []string
	value *regexp.Regexp
}

var condSyntax = regexp.MustCompile(`^\(?\s*\$\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\s*=\s*"([^"]*)"\s*\)?$`)

// parseJSONOrPattern refuses anything outside the subset, so a changed
// default cannot pass these tests untested.
func parseJSONOrPattern(p string) (jsonOrPattern, error) {
	p = strings.TrimSpace(p)
	if len(p) < 2 || p[0] != '{' || p[len(p)-1] != '}' {
		return nil, fmt.Errorf("%q is not a JSON pattern { … }", p)
	}
	var out jsonOrPattern
	for _, part := range strings.Split(p[1:len(p)-1], "||") {
		m := condSyntax.FindStringSubmatch(strings.TrimSpace(part))
		if m == nil {
			return nil, fmt.Errorf("%q: %q is not ($.field = \"value\")", p, part)
		}
		quoted := strings.Split(m[2], "*")
		for i := range quoted {
			quoted[i] = regexp.QuoteMeta(quoted[i])
		}
		out = append(out, jsonCond{path: strings.Split(m[1], "."), value: regexp.MustCompile("^" + strings.Join(quoted, ".*") + "$")})
	}
	return out, nil
}

func (p jsonOrPattern) matches(event string) bool {
	var obj map[string]any
	if json.Unmarshal([]byte(event), &obj) != nil {
		return false
	}
	for _, c := range p {
		var v any = obj
		for _, k := range c.path {
			m, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = m[k]
		}
		if s, ok := v.(string); ok && c.value.MatchString(s) {
			return true
		}
	}
	return false
}

// The default pattern counts a function's own ERROR lines and Lambda's
// reports of timeouts, runtime exits and running out of memory, in the
// JSON log format every kumo function writes (TestFunction checks
// loggingConfig.logFormat); it does not count what an expected error
// leaves in the logs.
//
// Lambda's system events here follow the Telemetry API schema the JSON
// log format writes: record.status success, failure, error or timeout,
// errorType with failure and error
// (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html).
// The text format's "Task timed out after 3.00 seconds", "Status: timeout"
// and "Runtime exited with error: exit status 2 Runtime.ExitError" are the
// same reports, rendered as text for functions that log text.
func TestDefaultFailurePatternMatchesFailures(t *testing.T) {
	p, err := parseJSONOrPattern(constructs.DefaultFailurePattern)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, event string
		want        bool
	}{
		{"slog.Error", `{"time":"2025-01-01T00:00:00.123Z","level":"ERROR","msg":"token not checked","error":"issuer keys unavailable"}`, true},
		{"invocation timed out", `{"time":"2025-01-01T00:00:10.012Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",` +
			`"metrics":{"durationMs":10000.0,"billedDurationMs":10000,"memorySizeMB":256,"maxMemoryUsedMB":41},"status":"timeout"}}`, true},
		{"invocation timed out, runtimeDone", `{"time":"2025-01-01T00:00:10.012Z","type":"platform.runtimeDone","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","status":"timeout"}}`, true},
		{"runtime crashed (a panic exits the Go runtime)", `{"time":"2025-01-01T00:00:00.500Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",` +
			`"metrics":{"durationMs":12.3,"billedDurationMs":13,"memorySizeMB":256,"maxMemoryUsedMB":41},"status":"error","errorType":"Runtime.ExitError"}}`, true},
		{"init exited (a missing setting)", `{"time":"2025-01-01T00:00:00.050Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init",` +
			`"status":"error","errorType":"Runtime.ExitError","metrics":{"durationMs":8.1}}}`, true},
		{"init timed out", `{"time":"2025-01-01T00:00:10.050Z","type":"platform.initReport","record":{"initializationType":"on-demand","phase":"init","status":"timeout","metrics":{"durationMs":10000.0}}}`, true},
		{"out of memory", `{"time":"2025-01-01T00:00:01.000Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","status":"error","errorType":"Runtime.OutOfMemory"}}`, true},

		{"slog.Info of a refusal", `{"time":"2025-01-01T00:00:00.123Z","level":"INFO","msg":"refused","reason":"token is expired"}`, false},
		{"slog.Warn", `{"time":"2025-01-01T00:00:00.123Z","level":"WARN","msg":"ALLOWED_ORIGIN is not set"}`, false},
		{"ERROR inside an INFO message", `{"time":"2025-01-01T00:00:00.123Z","level":"INFO","msg":"ERROR budget fine","status":"timeout"}`, false},
		{"successful invocation", `{"time":"2025-01-01T00:00:00.200Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",` +
			`"metrics":{"durationMs":3.2,"billedDurationMs":4,"memorySizeMB":256,"maxMemoryUsedMB":41},"status":"success"}}`, false},
		{"a handler's returned error (an authorizer's Unauthorized)", `{"time":"2025-01-01T00:00:00.200Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",` +
			`"status":"error","errorType":"errorString"}}`, false},
		// What Lambda names a returned error is undocumented; none of the
		// names it might choose may count, Runtime.* ones included.
		{"a handler's returned error, had Lambda named it Runtime.Unknown", `{"time":"2025-01-01T00:00:00.200Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",` +
			`"status":"error","errorType":"Runtime.Unknown"}}`, false},
		{"a handler's returned error, had Lambda named it Runtime.HandlerError", `{"time":"2025-01-01T00:00:00.200Z","type":"platform.runtimeDone","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa",` +
			`"status":"failure","errorType":"Runtime.HandlerError"}}`, false},
		{"a runtime error type only starting like one counted", `{"time":"2025-01-01T00:00:00.200Z","type":"platform.report","record":{"status":"error","errorType":"Runtime.ExitErrorX"}}`, false},
		{"aws-lambda-go's line for a returned error", `2025/01/01 00:00:00 {"errorMessage":"Unauthorized","errorType":"errorString"}`, false},
		{"invocation start", `{"time":"2025-01-01T00:00:00.000Z","type":"platform.start","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","version":"7"}}`, false},
		{"a function log line that is a JSON string", `"Runtime.ExitError"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.matches(tt.event); got != tt.want {
				t.Errorf("%s against %s: got match %t; want %t", constructs.DefaultFailurePattern, tt.event, got, tt.want)
			}
		})
	}
}

// The matcher itself: the subset it reads, and what it refuses.
func TestJSONOrPatternMatcher(t *testing.T) {
	p, err := parseJSONOrPattern(`{ $.level = "ERROR" }`)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		event string
		want  bool
	}{
		{`{"level":"ERROR"}`, true},
		{`{"level":"error"}`, false},
		{`{"level":"ERRORS"}`, false},
		{`{"lvl":{"level":"ERROR"}}`, false},
		{`ERROR`, false},
	} {
		if got := p.matches(tt.event); got != tt.want {
			t.Errorf("%s: got %t; want %t", tt.event, got, tt.want)
		}
	}
	wild, err := parseJSONOrPattern(`{ ($.a.b = "Run.*") }`)
	if err != nil {
		t.Fatal(err)
	}
	if !wild.matches(`{"a":{"b":"Run.x"}}`) || wild.matches(`{"a":{"b":"Runxx"}}`) || wild.matches(`{"a":"Run.x"}`) {
		t.Errorf("wildcard: want Run.* to match Run.x only, as a prefix with a literal dot")
	}
	for _, bad := range []string{`ERROR`, `?ERROR ?WARN`, `{ $.latency > 1000 }`, `{ $.a = "x" && $.b = "y" }`, `[ip, user]`} {
		if _, err := parseJSONOrPattern(bad); err == nil {
			t.Errorf("%s: got no error; want it refused as outside the subset", bad)
		}
	}
}
