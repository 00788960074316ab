package constructs_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
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
	return constructs.NewFunction(ctx, name, p.fnArgs())
}

// aliasArn is the ARN of function name's alias, as the mocks made it.
func (s *stack) aliasArn(name string) string {
	s.t.Helper()
	arn, _ := s.find(typAlias, name).State["arn"].(string)
	if arn == "" {
		s.t.Fatalf("alias of %s has no arn", name)
	}
	return arn
}

// state returns a string the mocks computed for resource typ name.
func (s *stack) state(typ, name, key string) string {
	s.t.Helper()
	v, _ := s.find(typ, name).State[key].(string)
	if v == "" {
		s.t.Fatalf("%s %s: state %s is empty", typ, name, key)
	}
	return v
}

// newCheckErrors runs kumo check on the program setup registers, with and
// without what build adds, and returns the Error-level findings only the
// full program has (those of the construct under test) and the full report.
// setup's own findings (a plain function's missing dead-letter queue) are
// not the construct's to fix.
func newCheckErrors[E any](t *testing.T, setup func(ctx *pulumi.Context, p *project) (E, error), build func(ctx *pulumi.Context, env E) error) ([]kumocheck.Finding, *kumocheck.Report) {
	t.Helper()
	report := func(withConstruct bool) *kumocheck.Report {
		p := newProject(t)
		s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			env, err := setup(ctx, p)
			if err != nil || !withConstruct {
				return nil, err
			}
			return nil, build(ctx, env)
		})
		rep, err := kumocheck.Run(s.Result, p.dir, nil)
		if err != nil {
			t.Fatalf("kumo check: %v", err)
		}
		return rep
	}
	before, after := report(false), report(true)
	seen := map[string]bool{}
	for _, f := range before.Findings {
		seen[f.ID()+" "+f.URN] = true
	}
	var added []kumocheck.Finding
	for _, f := range after.Findings {
		if f.Level == kumocheck.Error && !seen[f.ID()+" "+f.URN] {
			added = append(added, f)
		}
	}
	return added, after
}

// wantNoNewFindings fails with each finding.
func wantNoNewFindings(t *testing.T, fs []kumocheck.Finding) {
	t.Helper()
	for _, f := range fs {
		t.Errorf("kumo check: %s on %s %s: %s", f.ID(), f.Type, f.Name, f.Message)
	}
}

// suppressed returns the reason a suppressed finding of rule (with detail)
// on resource typ name was accepted with, "" when there is none.
func suppressed(rep *kumocheck.Report, rule, detail, typ, name string) string {
	for _, f := range rep.Suppressed {
		if f.Rule == rule && f.Detail == detail && f.Type == typ && f.Name == name && f.Suppression != nil {
			return f.Suppression.Reason
		}
	}
	return ""
}

// findingList renders findings for a failure message.
func findingList(fs []kumocheck.Finding) string {
	out := ""
	for _, f := range fs {
		out += fmt.Sprintf("\n  %s %s %s: %s", f.ID(), f.Type, f.Name, f.Message)
	}
	return out
}

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
