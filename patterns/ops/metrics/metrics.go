// Package metrics writes the operations automation pattern's custom
// operational metrics (task runs, failures, remediations, images) as
// CloudWatch embedded metric format (EMF) lines on stdout: Lambda sends
// stdout to the function's log group, and CloudWatch Logs extracts the
// metrics from it, so no PutMetricData call, no extra permission and no
// latency in the handler. The format is
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html.
package metrics

import (
	"encoding/json"
	"io"
	"maps"
	"slices"
	"sync"
	"time"
)

// Namespace is the CloudWatch namespace of every metric here.
const Namespace = "kumo/ops"

// Pattern is the Pattern dimension's value.
const Pattern = "ops"

// Metric names.
const (
	Runs         = "Runs"
	Failures     = "Failures"
	Remediations = "Remediations"
	Violations   = "Violations"
	Images       = "Images"
)

// Emitter writes one EMF line per Emit, with the dimensions Pattern and
// Function. The zero value is unusable; use New.
type Emitter struct {
	mu       sync.Mutex
	w        io.Writer
	function string
	now      func() time.Time
}

// New returns an Emitter writing to w (os.Stdout in Lambda) for the
// function named function (the Function dimension).
func New(w io.Writer, function string) *Emitter {
	return &Emitter{w: w, function: function, now: time.Now}
}

// WithClock makes e stamp lines with now's time; for tests.
func (e *Emitter) WithClock(now func() time.Time) *Emitter {
	e.now = now
	return e
}

type metricDirective struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []metricDefn `json:"Metrics"`
}

type metricDefn struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

// Emit writes the counts (Unit Count) as one EMF line. Names are written
// in sorted order so that lines are deterministic. A nil Emitter, or no
// counts, writes nothing. A write error is returned and should only be
// logged: a metric must never fail the work it counts.
func (e *Emitter) Emit(counts map[string]float64) error {
	if e == nil || len(counts) == 0 {
		return nil
	}
	names := slices.Sorted(maps.Keys(counts))
	defs := make([]metricDefn, len(names))
	for i, n := range names {
		defs[i] = metricDefn{Name: n, Unit: "Count"}
	}
	// The root holds the _aws metadata, the dimension values and the
	// metric values as members of one object (the spec's "root node").
	root := map[string]any{
		"_aws": map[string]any{
			"Timestamp": e.now().UnixMilli(),
			"CloudWatchMetrics": []metricDirective{{
				Namespace:  Namespace,
				Dimensions: [][]string{{"Pattern", "Function"}},
				Metrics:    defs,
			}},
		},
		"Pattern":  Pattern,
		"Function": e.function,
	}
	for _, n := range names {
		root[n] = counts[n]
	}
	b, err := json.Marshal(root)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.w.Write(append(b, '\n'))
	return err
}
