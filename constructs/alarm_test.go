package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const typAlarmComponent = "kumo:constructs:Alarm"

func TestAlarmDefaults(t *testing.T) {
	s := newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		al, err := constructs.NewAlarm(ctx, "dlq-depth", &constructs.AlarmArgs{
			Namespace: "AWS/SQS", MetricName: "ApproximateNumberOfMessagesVisible", Threshold: 1,
			Dimensions: map[string]pulumi.StringInput{"QueueName": pulumi.String("jobs-dlq")},
		})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"name": al.Name, "arn": al.Arn}, nil
	})
	comp := s.find(typAlarmComponent, "dlq-depth")
	if got, want := s.childSet(comp.URN), []string{typMetricAlarm + " dlq-depth"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	wantInputs(t, s.find(typMetricAlarm, "dlq-depth"),
		check{"namespace", "AWS/SQS"},
		check{"metricName", "ApproximateNumberOfMessagesVisible"},
		check{"dimensions", map[string]any{"QueueName": "jobs-dlq"}},
		check{"statistic", "Sum"},
		check{"threshold", 1},
		check{"comparisonOperator", "GreaterThanOrEqualToThreshold"},
		check{"period", 60},
		check{"evaluationPeriods", 1},
		check{"datapointsToAlarm", nil},
		check{"treatMissingData", "notBreaching"},
		check{"alarmActions", nil},
		check{"okActions", nil},
		check{"alarmDescription", nil},
	)
	if got := s.output("name"); !strings.HasPrefix(got, "dlq-depth-") {
		t.Errorf("Name: got %q; want the provider's autoname dlq-depth-<random>", got)
	}
	wantNoCheckErrors(t, s)
}

// An alarm with a Topic notifies it when it fires and when it recovers,
// and is created once CloudWatch may publish to the topic.
func TestAlarmNotifiesTopic(t *testing.T) {
	s := newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		topic, err := constructs.NewTopic(ctx, "ops", nil)
		if err != nil {
			return nil, err
		}
		_, err = constructs.NewAlarm(ctx, "iterator-age", &constructs.AlarmArgs{
			Namespace: "AWS/Lambda", MetricName: "IteratorAge", Statistic: constructs.StatisticMaximum,
			Threshold: 60000, Comparison: constructs.ComparisonGreaterThan, PeriodSeconds: 300, EvaluationPeriods: 3,
			DatapointsToAlarm: 2, TreatMissingData: constructs.MissingDataIgnore, Topic: topic, Description: "records wait over a minute",
		})
		return pulumi.Map{"topicArn": topic.Arn}, err
	})
	al := s.find(typMetricAlarm, "iterator-age")
	topicArn := s.output("topicArn")
	wantInputs(t, al,
		check{"statistic", "Maximum"},
		check{"threshold", 60000},
		check{"comparisonOperator", "GreaterThanThreshold"},
		check{"period", 300},
		check{"evaluationPeriods", 3},
		check{"datapointsToAlarm", 2},
		check{"treatMissingData", "ignore"},
		check{"alarmActions", []any{topicArn}},
		check{"okActions", []any{topicArn}},
		check{"alarmDescription", "records wait over a minute"},
	)
	if !dependsOn(al, s.find(typTopicPolicy, "ops")) {
		t.Errorf("alarm does not wait for the topic policy that lets CloudWatch publish")
	}
	wantNoCheckErrors(t, s)
}

func TestAlarmBadInputs(t *testing.T) {
	base := constructs.AlarmArgs{Namespace: "AWS/SQS", MetricName: "ApproximateNumberOfMessagesVisible", Threshold: 1}
	newAlarm := func(mod func(a *constructs.AlarmArgs)) func(*pulumi.Context, *project, *constructs.Topic) error {
		return func(ctx *pulumi.Context, _ *project, topic *constructs.Topic) error {
			a := base
			mod(&a)
			_, err := constructs.NewAlarm(ctx, "depth", &a)
			return err
		}
	}
	setup := func(ctx *pulumi.Context, _ *project) (*constructs.Topic, error) {
		return constructs.NewTopic(ctx, "events-only", &constructs.TopicArgs{Publishers: []string{"events.amazonaws.com"}})
	}
	const scope = `alarm "depth"`
	runBadInputs(t, setup, []badInput[*constructs.Topic]{
		{
			name:     "period of 45 s",
			build:    newAlarm(func(a *constructs.AlarmArgs) { a.PeriodSeconds = 45 }),
			scope:    scope,
			problems: [][]string{{"PeriodSeconds", "45", "10, 20, 30 or a multiple of 60"}},
		},
		{
			name:     "evaluation over a day",
			build:    newAlarm(func(a *constructs.AlarmArgs) { a.EvaluationPeriods = 1441 }),
			scope:    scope,
			problems: [][]string{{"EvaluationPeriods", "1441", "86400"}},
		},
		{
			name:     "more datapoints than periods",
			build:    newAlarm(func(a *constructs.AlarmArgs) { a.EvaluationPeriods, a.DatapointsToAlarm = 2, 3 }),
			scope:    scope,
			problems: [][]string{{"DatapointsToAlarm", "3", "EvaluationPeriods (2)"}},
		},
		{
			name:     "threshold every datapoint meets",
			build:    newAlarm(func(a *constructs.AlarmArgs) { a.Threshold = 0 }),
			scope:    scope,
			problems: [][]string{{"Threshold", "0", "GreaterThanOrEqualToThreshold", "every datapoint", "GreaterThanThreshold"}},
		},
		{
			name: "topic CloudWatch may not publish to",
			build: func(ctx *pulumi.Context, _ *project, topic *constructs.Topic) error {
				a := base
				a.Topic = topic
				_, err := constructs.NewAlarm(ctx, "depth", &a)
				return err
			},
			scope:    scope,
			problems: [][]string{{"Topic", `"events-only"`, "cloudwatch.amazonaws.com", "Publishers"}},
		},
		{
			name: "every problem at once",
			build: newAlarm(func(a *constructs.AlarmArgs) {
				*a = constructs.AlarmArgs{Statistic: "p99", Comparison: "Above", TreatMissingData: "zero", EvaluationPeriods: -1,
					Dimensions: map[string]pulumi.StringInput{"": pulumi.String("x")}, Description: strings.Repeat("d", 1025)}
			}),
			scope: scope,
			problems: [][]string{
				{"Namespace", `""`, "1–255"},
				{"MetricName", `""`, "1–255"},
				{"Dimensions", `key ""`},
				{"Statistic", `"p99"`, "Sum"},
				{"Comparison", `"Above"`, "GreaterThanOrEqualToThreshold"},
				{"TreatMissingData", `"zero"`, "notBreaching"},
				{"EvaluationPeriods", "-1", "at least 1"},
				{"Description", "1025 characters", "1024"},
			},
		},
	})
}

// A released function's rollback alarms notify its AlarmTopic when they
// fire and recover; without one they carry no actions.
func TestFunctionAlarmTopic(t *testing.T) {
	for _, withTopic := range []bool{true, false} {
		p := newProject(t)
		s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			r, err := constructs.NewReleases(ctx, "releases", &constructs.ReleasesArgs{})
			if err != nil {
				return nil, err
			}
			args := p.fnArgs()
			args.Releases, args.DurationP99AlarmMs = r, 1500
			out := pulumi.Map{}
			if withTopic {
				topic, err := constructs.NewTopic(ctx, "ops", nil)
				if err != nil {
					return nil, err
				}
				args.AlarmTopic = topic
				out["topicArn"] = topic.Arn
			}
			_, err = constructs.NewFunction(ctx, "fn", args)
			return out, err
		})
		for _, name := range []string{"fn-errors", "fn-throttles", "fn-duration-p99"} {
			al := s.find(typMetricAlarm, name)
			if !withTopic {
				wantInputs(t, al, check{"alarmActions", nil}, check{"okActions", nil})
				continue
			}
			topicArn := s.output("topicArn")
			wantInputs(t, al, check{"alarmActions", []any{topicArn}}, check{"okActions", []any{topicArn}})
			if !dependsOn(al, s.find(typTopicPolicy, "ops")) {
				t.Errorf("%s does not wait for the topic policy that lets CloudWatch publish", name)
			}
		}
	}
}

func TestFunctionAlarmTopicBadInputs(t *testing.T) {
	setup := func(ctx *pulumi.Context, _ *project) (*constructs.Topic, error) {
		return constructs.NewTopic(ctx, "events-only", &constructs.TopicArgs{Publishers: []string{"events.amazonaws.com"}})
	}
	runBadInputs(t, setup, []badInput[*constructs.Topic]{
		{
			name: "alarm topic without Releases, which CloudWatch may not publish to",
			build: func(ctx *pulumi.Context, p *project, topic *constructs.Topic) error {
				args := p.fnArgs()
				args.AlarmTopic = topic
				_, err := constructs.NewFunction(ctx, "fn", args)
				return err
			},
			scope: `function "fn"`,
			problems: [][]string{
				{"AlarmTopic", "without Releases"},
				{"AlarmTopic", `"events-only"`, "cloudwatch.amazonaws.com", "Publishers"},
			},
		},
	})
}
