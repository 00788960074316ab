package pipelinerules

import (
	"fmt"
	"regexp"
	"strings"
)

// Sources of the AWS IoT SQL rules.
const (
	// SrcIoTSQL: a rule's SQL is an optional SET clause, a SELECT clause
	// (required), a FROM clause naming the topic filter (required unless
	// the rule is triggered only through Basic Ingest) and an optional
	// WHERE clause.
	SrcIoTSQL = "https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-reference.html"
	// SrcIoTFrom: "Enclose the topic or topic filter in single quotes (')".
	SrcIoTFrom = "https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-from.html"
	// SrcMQTTTopicFilters: '+' matches exactly one level and '#' all the
	// remaining ones; each is a level of its own, and '#' only the last.
	SrcMQTTTopicFilters = "https://docs.aws.amazon.com/iot/latest/developerguide/topics.html#topicfilters"
	// SrcIoTTopicQuotas: a topic or topic filter is at most 256 bytes of
	// UTF-8 and holds at most 7 forward slashes, not counting the 3 of a
	// Basic Ingest prefix ($aws/rules/<rule name>/).
	SrcIoTTopicQuotas = "https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits"
)

// IoT's limits on a topic filter (SrcIoTTopicQuotas).
const (
	MaxTopicFilterBytes   = 256
	MaxTopicFilterSlashes = 7
)

// basicIngestPrefix starts a topic published straight to one rule; its
// three slashes do not count towards MaxTopicFilterSlashes.
const basicIngestPrefix = "$aws/rules/"

var (
	iotSQLStart = regexp.MustCompile(`(?is)^(SET\s.+?\s)?SELECT\s`)
	// iotSQLFrom finds the FROM clause and its quoted topic filter; what
	// follows the closing quote is the rest of the statement.
	iotSQLFrom       = regexp.MustCompile(`(?is)\sFROM\s+'([^']*)'(.*)$`)
	iotSQLBareFrom   = regexp.MustCompile(`(?is)\sFROM\s+[^'\s]`)
	iotSQLWhere      = regexp.MustCompile(`(?is)^WHERE\s+\S`)
	iotSQLSelectList = regexp.MustCompile(`(?is)SELECT\s+(.*)$`)
)

// IoTSQLProblems reports what AWS IoT refuses in a rule's SQL statement,
// minimally: its clauses in order (SELECT … FROM '<topic filter>' [WHERE
// …], with an optional SET clause first) and the topic filter's syntax.
// Expressions inside the clauses are not parsed. requireFrom refuses a
// statement without a FROM clause, which AWS accepts only for rules
// triggered through Basic Ingest alone.
func IoTSQLProblems(sql string, requireFrom bool) []Problem {
	var ps []Problem
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	stmt := strings.TrimSpace(sql)
	if stmt == "" {
		add("", "is empty; a rule's SQL is SELECT <fields> FROM '<topic filter>' [WHERE <condition>]")
		return ps
	}
	if !iotSQLStart.MatchString(stmt) {
		add("", "does not start with SELECT (or a SET clause and then SELECT)")
		return ps
	}
	from := iotSQLFrom.FindStringSubmatchIndex(stmt)
	head := stmt
	if from != nil {
		head = stmt[:from[0]]
	}
	if m := iotSQLSelectList.FindStringSubmatch(head); m == nil || strings.TrimSpace(m[1]) == "" {
		add("", "selects nothing; name the fields after SELECT, or * for the whole message")
	}
	if from == nil {
		switch {
		case iotSQLBareFrom.MatchString(stmt):
			add("", "names its topic filter without quotes; enclose it in single quotes, e.g. FROM 'sensors/+/telemetry'")
		case requireFrom:
			add("", "has no FROM '<topic filter>'; without one the rule sees only messages sent to it through Basic Ingest")
		}
		return ps
	}
	filter, rest := stmt[from[2]:from[3]], strings.TrimSpace(stmt[from[4]:from[5]])
	if rest != "" && !iotSQLWhere.MatchString(rest) {
		add("", "has %q after the topic filter; only a WHERE clause may follow it", rest)
	}
	for _, p := range TopicFilterProblems(filter) {
		ps = append(ps, Problem{Path: "FROM", Msg: p.Msg})
	}
	return ps
}

// TopicFilterProblems reports what AWS IoT refuses in an MQTT topic filter.
func TopicFilterProblems(filter string) []Problem {
	var ps []Problem
	add := func(format string, args ...any) {
		ps = append(ps, Problem{Msg: fmt.Sprintf(format, args...)})
	}
	if filter == "" {
		add("the topic filter is empty; name a topic such as 'sensors/+/telemetry'")
		return ps
	}
	if n := len(filter); n > MaxTopicFilterBytes {
		add("the topic filter is %d bytes; AWS IoT allows at most %d", n, MaxTopicFilterBytes)
	}
	slashes := strings.Count(filter, "/")
	if strings.HasPrefix(filter, basicIngestPrefix) {
		slashes -= 3
	}
	if slashes > MaxTopicFilterSlashes {
		add("the topic filter %q has %d forward slashes; AWS IoT allows at most %d", filter, slashes, MaxTopicFilterSlashes)
	}
	levels := strings.Split(filter, "/")
	for i, l := range levels {
		if strings.Contains(l, "#") && (l != "#" || i != len(levels)-1) {
			add("the topic filter %q has '#' in level %q; '#' matches all remaining levels, so it must be a level of its own and the last one, e.g. 'sensors/#'", filter, l)
		}
		if strings.Contains(l, "+") && l != "+" {
			add("the topic filter %q has '+' in level %q; '+' matches exactly one level, so it must be a level of its own, e.g. 'sensors/+/telemetry'", filter, l)
		}
	}
	return ps
}
