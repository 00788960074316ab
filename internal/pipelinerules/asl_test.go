package pipelinerules

import (
	"encoding/json"
	"strings"
	"testing"
)

// decode turns a JSON definition into what ValidateDefinition reads.
func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("test definition is not JSON: %v\n%s", err, s)
	}
	return v
}

// mapReduce is a definition Step Functions accepts: split, a distributed
// map over S3 objects with retries and a catch, then reduce.
const mapReduce = `{
  "StartAt": "Split",
  "TimeoutSeconds": 3600,
  "States": {
    "Split": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Map",
      "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2},
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]},
    "Map": {"Type": "Map", "MaxConcurrency": 100, "ToleratedFailurePercentage": 5,
      "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "b", "Prefix": "chunks/"}},
      "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "Mapper", "States": {"Mapper": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
      "Next": "Enough?"},
    "Enough?": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 0, "Next": "Reduce"}], "Default": "Wait"},
    "Wait": {"Type": "Wait", "Seconds": 10, "Next": "Fan"},
    "Fan": {"Type": "Parallel", "Branches": [
      {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
      {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}], "Next": "Reduce"},
    "Reduce": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true},
    "Failed": {"Type": "Fail", "Error": "MapReduceFailed"}
  }
}`

func TestValidateDefinitionAccepts(t *testing.T) {
	if ps := ValidateDefinition(decode(t, mapReduce)); len(ps) != 0 {
		t.Fatalf("problems: %v; want none", ps)
	}
}

// Each case is a definition Step Functions refuses (CreateStateMachine's
// InvalidDefinition), with the path and words of the problem.
func TestValidateDefinitionRefuses(t *testing.T) {
	long := strings.Repeat("s", 81)
	for _, tc := range []struct {
		name, def string
		want      [][2]string // path, message substring
	}{
		{"StartAt names no state", `{"StartAt":"Nope","States":{"A":{"Type":"Pass","End":true}}}`,
			[][2]string{{"StartAt", `"Nope" is not a state`}}},
		{"no states", `{"StartAt":"A","States":{}}`, [][2]string{{"States", "at least one state"}}},
		{"Next to a missing state", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`,
			[][2]string{{"States.A.Next", `"B" is not a state`}, {"States", "no terminal state"}}},
		{"neither Next nor End", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r"},"B":{"Type":"Succeed"}}}`,
			[][2]string{{"States.A", "neither Next nor End"}, {"States.B", "not reachable"}}},
		{"both Next and End", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B","End":true},"B":{"Type":"Succeed"}}}`,
			[][2]string{{"States.A", "both Next and End"}, {"States.B", "not reachable"}}},
		{"Succeed with Next", `{"StartAt":"A","States":{"A":{"Type":"Succeed","Next":"A"}}}`,
			[][2]string{{"States.A", "takes no Next or End"}}},
		{"unreachable state", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"Orphan":{"Type":"Pass","End":true}}}`,
			[][2]string{{"States.Orphan", "not reachable"}}},
		{"state name over 80 characters", `{"StartAt":"` + long + `","States":{"` + long + `":{"Type":"Succeed"}}}`,
			[][2]string{{"States." + long, "81 characters"}}},
		{"unknown type", `{"StartAt":"A","States":{"A":{"Type":"Lambda","End":true}}}`,
			[][2]string{{"States.A.Type", `"Lambda" is not a state type`}, {"States", "no terminal state"}}},
		{"empty ErrorEquals", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":[]}]}}}`,
			[][2]string{{"States.A.Retry[0].ErrorEquals", "at least one error"}}},
		{"States.ALL not last", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","End":true,
			"Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["Lambda.Unknown"]}]}}}`,
			[][2]string{{"States.A.Retry[0].ErrorEquals", "only in the last Retrier"}}},
		{"States.ALL with others", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","Next":"F",
			"Catch":[{"ErrorEquals":["States.ALL","X"],"Next":"F"}]},"F":{"Type":"Fail"}}}`,
			[][2]string{{"States.A.Catch[0].ErrorEquals", "must appear alone"}}},
		{"backoff below 1", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":["X"],"BackoffRate":0.5}]}}}`,
			[][2]string{{"States.A.Retry[0].BackoffRate", "at least 1.0"}}},
		{"negative MaxAttempts", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":["X"],"MaxAttempts":-1}]}}}`,
			[][2]string{{"States.A.Retry[0].MaxAttempts", "non-negative integer"}}},
		{"zero IntervalSeconds", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":["X"],"IntervalSeconds":0}]}}}`,
			[][2]string{{"States.A.Retry[0].IntervalSeconds", "positive integer"}}},
		{"Retry on a Pass", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true,"Retry":[{"ErrorEquals":["X"]}]}}}`,
			[][2]string{{"States.A", "takes no Retry or Catch"}}},
		{"Catch into another scope", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"r","End":true,"Catch":[{"ErrorEquals":["X"],"Next":"Out"}]}}}]},
			"Out":{"Type":"Fail"}}}`,
			[][2]string{{"States.P.Branches[0].States.B.Catch[0].Next", `"Out" is not a state of this scope`}, {"States.Out", "not reachable"}}},
		{"duplicate name in a nested scope", `{"StartAt":"A","States":{"A":{"Type":"Map","End":true,
			"ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}}}}`,
			[][2]string{{"States.A.ItemProcessor.States.A", "also used at States.A"}}},
		{"Choice without rules, default elsewhere", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[],"Default":"Nope"},"D":{"Type":"Succeed"}}}`,
			[][2]string{{"States.C.Choices", "at least one rule"}, {"States.C.Default", `"Nope" is not a state`}, {"States.D", "not reachable"}}},
		{"Wait with two durations", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Timestamp":"2026-01-01T00:00:00Z","End":true}}}`,
			[][2]string{{"States.W", "exactly one of Seconds"}}},
		{"ItemReader on an inline Map", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2"},
			"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}}}}`,
			[][2]string{{"States.M.ItemReader", "only a DISTRIBUTED Map"}}},
		{"distributed Map without ExecutionType", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}}}}`,
			[][2]string{{"States.M.ItemProcessor.ProcessorConfig.ExecutionType", "STANDARD or EXPRESS"}}},
		{"negative MaxConcurrency", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":-2,
			"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}}}}`,
			[][2]string{{"States.M.MaxConcurrency", "non-negative"}}},
		{"zero TimeoutSeconds", `{"StartAt":"A","TimeoutSeconds":0,"States":{"A":{"Type":"Succeed"}}}`,
			[][2]string{{"TimeoutSeconds", "positive integer"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ValidateDefinition(decode(t, tc.def))
			if len(got) != len(tc.want) {
				t.Errorf("problems: got %d; want %d:\n%v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				if i >= len(got) {
					break
				}
				if got[i].Path != w[0] || !strings.Contains(got[i].Msg, w[1]) {
					t.Errorf("problem %d: got %q; want path %q and a message containing %q", i, got[i], w[0], w[1])
				}
			}
		})
	}
}
