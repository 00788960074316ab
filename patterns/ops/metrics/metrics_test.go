package metrics

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// The exact line CloudWatch must accept: _aws.Timestamp in epoch
// milliseconds, CloudWatchMetrics a list of directives each with
// Namespace, Dimensions (a list of dimension sets, each naming root
// members that are strings) and Metrics (Name and Unit, each naming a
// numeric root member)
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
func TestEmitWritesTheEMFShape(t *testing.T) {
	var buf bytes.Buffer
	e := New(&buf, "dispatcher").WithClock(func() time.Time { return time.UnixMilli(1700000000123) })
	if err := e.Emit(map[string]float64{Runs: 3, Failures: 1}); err != nil {
		t.Fatal(err)
	}
	want := `{"Failures":1,"Function":"dispatcher","Pattern":"ops","Runs":3,"_aws":{"CloudWatchMetrics":[{"Namespace":"kumo/ops","Dimensions":[["Pattern","Function"]],"Metrics":[{"Name":"Failures","Unit":"Count"},{"Name":"Runs","Unit":"Count"}]}],"Timestamp":1700000000123}}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Every metric and dimension the directive names is a root member.
	var root map[string]any
	if err := json.Unmarshal(buf.Bytes(), &root); err != nil {
		t.Fatal(err)
	}
	d := root["_aws"].(map[string]any)["CloudWatchMetrics"].([]any)[0].(map[string]any)
	for _, dim := range d["Dimensions"].([]any)[0].([]any) {
		if _, ok := root[dim.(string)].(string); !ok {
			t.Errorf("dimension %v is not a string member of the root", dim)
		}
	}
	for _, m := range d["Metrics"].([]any) {
		if _, ok := root[m.(map[string]any)["Name"].(string)].(float64); !ok {
			t.Errorf("metric %v is not a number member of the root", m)
		}
	}
}

func TestEmitNothing(t *testing.T) {
	var buf bytes.Buffer
	if err := New(&buf, "x").Emit(nil); err != nil || buf.Len() != 0 {
		t.Errorf("got %q, %v; want nothing", buf.String(), err)
	}
	var nilEmitter *Emitter
	if err := nilEmitter.Emit(map[string]float64{Runs: 1}); err != nil {
		t.Errorf("nil emitter: %v", err)
	}
}
