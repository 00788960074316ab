package constructs_test

import (
	"reflect"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const typEventAlert = "kumo:constructs:EventAlert"

const crawlerFailed = `{"detail":{"crawlerName":["lake"],"state":["Failed"]},"detail-type":["Glue Crawler State Change"],"source":["aws.glue"]}`

func TestEventAlert(t *testing.T) {
	for _, enabled := range []bool{true, false} {
		p := newProject(t)
		s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			topic, err := constructs.NewTopic(ctx, "ops", &constructs.TopicArgs{Publishers: []string{constructs.PrincipalEvents}})
			if err != nil {
				return nil, err
			}
			a, err := constructs.NewEventAlert(ctx, "crawler-failed", &constructs.EventAlertArgs{
				EventPattern: pulumi.String(crawlerFailed), Topic: topic, Description: "A crawl failed", Enabled: &enabled,
			})
			if err != nil {
				return nil, err
			}
			return pulumi.Map{"topicArn": topic.Arn, "dlqName": a.DeadLetterQueueName}, nil
		})
		comp := s.find(typEventAlert, "crawler-failed")
		if got, want := s.childSet(comp.URN), []string{
			typEventRule + " crawler-failed", typEventTarget + " crawler-failed",
			typQueue + " crawler-failed-dlq", typQueuePolicy + " crawler-failed-dlq",
		}; !reflect.DeepEqual(got, want) {
			t.Errorf("children: got %q; want %q", got, want)
		}
		state := "ENABLED"
		if !enabled {
			state = "DISABLED" // the kill switch
		}
		wantInputs(t, s.find(typEventRule, "crawler-failed"),
			check{"eventPattern", crawlerFailed}, check{"state", state}, check{"description", "A crawl failed"}, check{"scheduleExpression", nil})
		target := s.find(typEventTarget, "crawler-failed")
		wantInputs(t, target,
			check{"arn", s.output("topicArn")},
			check{"deadLetterConfig.arn", s.state(typQueue, "crawler-failed-dlq", "arn")},
			check{"retryPolicy", map[string]any{"maximumRetryAttempts": 185, "maximumEventAgeInSeconds": 3600}},
		)
		// Neither the topic (EventBridge may publish) nor the queue may
		// refuse the first event.
		for _, dep := range []struct{ typ, name string }{{typTopicPolicy, "ops"}, {typQueuePolicy, "crawler-failed-dlq"}} {
			if !dependsOn(target, s.find(dep.typ, dep.name)) {
				t.Errorf("the target does not wait for %s %s", dep.typ, dep.name)
			}
		}
		if got := s.output("dlqName"); got == "" {
			t.Errorf("DeadLetterQueueName is empty; patterns alarm on it")
		}
	}
}

func TestEventAlertBadInputs(t *testing.T) {
	setup := func(ctx *pulumi.Context, _ *project) (*constructs.Topic, error) {
		// The default topic lets only CloudWatch publish.
		return constructs.NewTopic(ctx, "alarms-only", nil)
	}
	long := make([]byte, 513)
	for i := range long {
		long[i] = 'x'
	}
	runBadInputs(t, setup, []badInput[*constructs.Topic]{
		{
			name: "nothing set",
			build: func(ctx *pulumi.Context, _ *project, _ *constructs.Topic) error {
				_, err := constructs.NewEventAlert(ctx, "alert", nil)
				return err
			},
			scope:    `event alert "alert"`,
			problems: [][]string{{"EventPattern", "not set"}, {"Topic", "not set"}},
		},
		{
			name: "a topic EventBridge may not publish to, and a long description",
			build: func(ctx *pulumi.Context, _ *project, topic *constructs.Topic) error {
				_, err := constructs.NewEventAlert(ctx, "alert", &constructs.EventAlertArgs{
					EventPattern: pulumi.String(crawlerFailed), Topic: topic, Description: string(long)})
				return err
			},
			scope: `event alert "alert"`,
			problems: [][]string{
				{"Topic", `"alarms-only"`, "events.amazonaws.com", "Publishers"},
				{"Description", "513 characters", "at most 512"},
			},
		},
	})
}

// Bucket args are checked before anything exists, as NewBucket checks them.
func TestBucketArgsValidate(t *testing.T) {
	err := constructs.BucketArgs{}.Validate("Lake_Raw")
	checkValidationError(t, err, `bucket "Lake_Raw"`, [][]string{{"name", `"Lake_Raw"`, "lower-case"}})
	if err := (constructs.BucketArgs{}).Validate("lake-raw"); err != nil {
		t.Errorf("lake-raw: got %v; want no problem", err)
	}
}
