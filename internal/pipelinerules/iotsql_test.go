package pipelinerules

import (
	"strings"
	"testing"
)

func TestIoTSQLProblemsAccepts(t *testing.T) {
	for _, sql := range []string{
		"SELECT * FROM 'sensors/+/telemetry'",
		"select temperature, topic(2) AS device FROM 'sensors/#' where temperature > 50",
		"SELECT * FROM '#'",
		"SELECT * FROM '+'",
		"SELECT *\nFROM 'a/b/c/d/e/f/g/h'",
		// The three slashes of a Basic Ingest prefix do not count.
		"SELECT * FROM '$aws/rules/ingest/a/b/c/d/e/f/g/h'",
		"SET @limit = 50 SELECT * FROM 'sensors/+' WHERE temperature > @limit",
		"  SELECT * FROM 'sensors/+'  ",
	} {
		if ps := IoTSQLProblems(sql, true); len(ps) != 0 {
			t.Errorf("%q: got %v; want none", sql, ps)
		}
	}
	// Basic Ingest only rules need no FROM.
	if ps := IoTSQLProblems("SELECT *", false); len(ps) != 0 {
		t.Errorf("SELECT * without FROM, not required: got %v; want none", ps)
	}
}

// Each case is a statement AWS IoT refuses (or, without FROM, one that
// never sees a published message).
func TestIoTSQLProblemsRefuses(t *testing.T) {
	for _, tc := range []struct {
		sql  string
		want []string
	}{
		{"", []string{"is empty"}},
		{"FROM 'a' SELECT *", []string{"does not start with SELECT"}},
		{"INSERT INTO t VALUES (1)", []string{"does not start with SELECT"}},
		{"SELECT FROM 'a'", []string{"selects nothing"}},
		{"SELECT * FROM sensors/temperature", []string{"without quotes"}},
		{"SELECT *", []string{"no FROM"}},
		{"SELECT * FROM 'a' LIMIT 5", []string{`"LIMIT 5" after the topic filter`}},
		{"SELECT * FROM 'a' WHERE", []string{`"WHERE" after the topic filter`}},
		{"SELECT * FROM ''", []string{"topic filter is empty"}},
		{"SELECT * FROM 'sensors/#/temperature'", []string{"'#' in level \"#\"", "last one"}},
		{"SELECT * FROM 'sensors/temp#'", []string{"'#' in level \"temp#\""}},
		{"SELECT * FROM 'sensors/room+/temperature'", []string{"'+' in level \"room+\""}},
		{"SELECT * FROM 'a/b/c/d/e/f/g/h/i'", []string{"8 forward slashes", "at most 7"}},
		{"SELECT * FROM '" + strings.Repeat("x", 257) + "'", []string{"257 bytes", "at most 256"}},
	} {
		ps := IoTSQLProblems(tc.sql, true)
		if len(ps) != 1 {
			t.Errorf("%q: got %d problems %v; want 1", tc.sql, len(ps), ps)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(ps[0].Msg, w) {
				t.Errorf("%q: got %q; want it to contain %q", tc.sql, ps[0].Msg, w)
			}
		}
	}
}

func TestTopicFilterProblemsReportsEachLevel(t *testing.T) {
	ps := TopicFilterProblems("a+/#/b")
	if len(ps) != 2 || !strings.Contains(ps[0].Msg, "'+' in level \"a+\"") || !strings.Contains(ps[1].Msg, "'#' in level \"#\"") {
		t.Errorf("got %v; want the '+' and the '#' problem", ps)
	}
}
