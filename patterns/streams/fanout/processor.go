package fanout

import (
	"context"
	"log/slog"

	"github.com/kumo-iac/kumo/patterns/streams/reading"
)

// Processor is the example processor the dispatcher fans out to: it
// validates each record as a sensor message (see
// patterns/streams/reading), counts readings per device and logs the
// counts, and reports malformed records as failures. Replace it with real
// work; keep it idempotent, since a retried batch reaches it again.
type Processor struct {
	Log *slog.Logger
}

// ProcessorResult is the Processor's BatchResult with its counts.
type ProcessorResult struct {
	BatchResult
	Readings int `json:"readings"`
	Skipped  int `json:"skipped"`
	Devices  int `json:"devices"`
}

// Handle processes one sub-batch.
func (p *Processor) Handle(_ context.Context, b Batch) (ProcessorResult, error) {
	res := ProcessorResult{BatchResult: BatchResult{Failures: []Failure{}}}
	perDevice := map[string]int{}
	for _, it := range b.Items {
		m := reading.Parse(it.Data)
		switch m.Kind {
		case reading.Malformed:
			res.Failures = append(res.Failures, Failure{ID: it.ID, Reason: m.Err.Error()})
			continue
		case reading.Reading:
			res.Readings++
			perDevice[m.DeviceID]++
		case reading.Other:
			res.Skipped++
		}
		res.Processed++
	}
	res.Devices = len(perDevice)
	p.Log.Info("sub-batch processed", slog.Int("records", len(b.Items)), slog.Int("readings", res.Readings),
		slog.Int("skipped", res.Skipped), slog.Int("devices", res.Devices), slog.Int("failed", len(res.Failures)))
	return res, nil
}
