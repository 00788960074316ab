package constructs_test

import (
	"bytes"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/constructs/internal/synthtest"
	kumocheck "github.com/kumo-iac/kumo/internal/check"
)

// Shared by the event source tests (bucket triggers, stream sources,
// schedules).

const (
	typBucketTriggers     = "kumo:constructs:BucketTriggers"
	typBucketNotification = "aws:s3/bucketNotification:BucketNotification"
	typStreamSource       = "kumo:constructs:StreamSource"
	typEventSourceMapping = "aws:lambda/eventSourceMapping:EventSourceMapping"
	typSchedule           = "kumo:constructs:Schedule"
	typEventRule          = "aws:cloudwatch/eventRule:EventRule"
	typEventTarget        = "aws:cloudwatch/eventTarget:EventTarget"
)

// sourceFunction registers the function an event source invokes.
func sourceFunction(ctx *pulumi.Context, p *project, name string) (*constructs.Function, error) {
	return p.st().SourceFunction(ctx, name)
}

// newCheckErrors is synthtest.NewCheckErrors.
func newCheckErrors[E any](t *testing.T, setup func(ctx *pulumi.Context, p *project) (E, error), build func(ctx *pulumi.Context, env E) error) ([]kumocheck.Finding, *kumocheck.Report) {
	t.Helper()
	return synthtest.NewCheckErrors(t, func(ctx *pulumi.Context, p *synthtest.Project) (E, error) {
		return setup(ctx, &project{t: p.T, dir: p.Dir})
	}, build)
}

var (
	wantNoNewFindings = synthtest.WantNoNewFindings
	suppressed        = synthtest.Suppressed
	findingList       = synthtest.FindingList
)

// eventSources registers every event source construct, wired as the data
// lake pattern does.
func eventSources(p *project) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := sourceFunction(ctx, p, "indexer")
		if err != nil {
			return nil, err
		}
		raw, err := constructs.NewBucket(ctx, "raw", nil)
		if err != nil {
			return nil, err
		}
		if _, err := constructs.NewBucketTriggers(ctx, "raw", &constructs.BucketTriggersArgs{Bucket: raw, Triggers: []constructs.BucketTrigger{
			{Function: fn, Prefix: "incoming/", Suffix: ".json"}, {Function: fn, Events: []string{"s3:ObjectRemoved:*"}},
		}}); err != nil {
			return nil, err
		}
		catalog, err := constructs.NewTable(ctx, "catalog", &constructs.TableArgs{Stream: constructs.StreamNewAndOldImg})
		if err != nil {
			return nil, err
		}
		if _, err := catalog.StreamTo("index", fn, &constructs.StreamSourceArgs{FilterPatterns: []string{`{"eventName":["INSERT"]}`}}); err != nil {
			return nil, err
		}
		if _, err := constructs.NewSchedule(ctx, "compact", &constructs.ScheduleArgs{Expression: "cron(0 2 * * ? *)", Function: fn, Input: `{"b":1,"a":2}`}); err != nil {
			return nil, err
		}
		_, err = constructs.NewSchedule(ctx, "crawl", &constructs.ScheduleArgs{Expression: "rate(6 hours)", StateMachineArn: pulumi.String(testStateMachineArn)})
		return nil, err
	}
}

// The event sources synthesize byte-identically, run after run and
// checkout after checkout.
func TestEventSourcesAreDeterministic(t *testing.T) {
	var outs [][]byte
	a, b := newProject(t), newProject(t)
	for _, p := range []*project{a, a, b} {
		out, err := p.synth(eventSources(p)).JSON()
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("second run differs from the first:\n%s", firstDiff(outs[0], outs[1]))
	}
	if !bytes.Equal(outs[0], outs[2]) {
		t.Errorf("run in another checkout differs:\n%s", firstDiff(outs[0], outs[2]))
	}
}
