package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typTopicComponent = "kumo:constructs:Topic"
	typSNSTopic       = "aws:sns/topic:Topic"
	typTopicPolicy    = "aws:sns/topicPolicy:TopicPolicy"
	typSubscription   = "aws:sns/topicSubscription:TopicSubscription"
)

func synthTopic(t *testing.T, args *constructs.TopicArgs) *stack {
	t.Helper()
	return newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		topic, err := constructs.NewTopic(ctx, "alerts", args)
		if err != nil {
			return nil, err
		}
		out := pulumi.Map{"arn": topic.Arn, "keyArn": topic.Key.Arn}
		if topic.DeadLetterQueue != nil {
			out["dlqArn"] = topic.DeadLetterQueue.Arn
		}
		return out, nil
	})
}

func TestTopicDefaults(t *testing.T) {
	s := synthTopic(t, nil)
	comp := s.find(typTopicComponent, "alerts")
	if got, want := s.childSet(comp.URN), []string{typSNSTopic + " alerts", typTopicPolicy + " alerts", typKeyComponent + " alerts-key"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	topicArn, keyArn := s.output("arn"), s.output("keyArn")
	wantInputs(t, s.find(typSNSTopic, "alerts"),
		check{"kmsMasterKeyId", keyArn},
		check{"tracingConfig", "Active"},
		check{"signatureVersion", 2},
		check{"displayName", nil},
		check{"fifoTopic", nil},
	)
	// The topic's own key lets CloudWatch encrypt messages for topics of
	// this account: alarms can publish to it.
	keyPolicy := policyInput(t, s.find(typKMSKey, "alerts-key"), "policy")
	if got, want := keyPolicy.sids(), []string{"AccountAdministersKeyThroughIAM", "ServiceCloudwatch"}; !reflect.DeepEqual(got, want) {
		t.Errorf("key policy statements: got %q; want %q", got, want)
	}
	// TLS only, and CloudWatch may publish on behalf of this account only.
	tp := s.find(typTopicPolicy, "alerts")
	wantInputs(t, tp, check{"arn", topicArn})
	p := policyInput(t, tp, "policy")
	if got, want := p.sids(), []string{"DenyInsecureTransport", "ServiceCloudwatchPublishes"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("topic policy statements: got %q; want %q", got, want)
	}
	deny := p.statementBySid(t, "DenyInsecureTransport")
	if deny.Effect != "Deny" || deny.Principal != "*" || !reflect.DeepEqual(deny.Action, []string{"sns:*"}) ||
		!reflect.DeepEqual(deny.Condition, map[string]map[string][]string{"Bool": {"aws:SecureTransport": {"false"}}}) {
		t.Errorf("TLS statement: got %+v; want a deny of sns:* to * without TLS", deny)
	}
	pub := p.statementBySid(t, "ServiceCloudwatchPublishes")
	if !reflect.DeepEqual(pub.Principal, map[string]any{"Service": []any{"cloudwatch.amazonaws.com"}}) || !reflect.DeepEqual(pub.Action, []string{"sns:Publish"}) ||
		!reflect.DeepEqual(pub.Resource, []string{topicArn}) ||
		!reflect.DeepEqual(pub.Condition, map[string]map[string][]string{"StringEquals": {"aws:SourceAccount": {testAccount}}}) {
		t.Errorf("publisher statement: got %+v; want cloudwatch.amazonaws.com sns:Publish on the topic for account %s", pub, testAccount)
	}
	if len(s.ofType(typSubscription)) != 0 || len(s.ofType(typQueue)) != 0 {
		t.Errorf("subscriptions or queues without EmailSubscriptions:\n%s", s.list())
	}
	wantNoCheckErrors(t, s)
}

func TestTopicSubscriptionsAndPublishers(t *testing.T) {
	s := synthTopic(t, &constructs.TopicArgs{
		DisplayName:        "Lake alerts",
		Publishers:         []string{"cloudwatch.amazonaws.com", "events.amazonaws.com"},
		EmailSubscriptions: []string{"ops@example.com", "oncall@example.com"},
	})
	topicArn, dlqArn := s.output("arn"), s.output("dlqArn")
	wantInputs(t, s.find(typSNSTopic, "alerts"), check{"displayName", "Lake alerts"})
	p := policyInput(t, s.find(typTopicPolicy, "alerts"), "policy")
	if got, want := p.sids(), []string{"DenyInsecureTransport", "ServiceCloudwatchPublishes", "ServiceEventsPublishes"}; !reflect.DeepEqual(got, want) {
		t.Errorf("topic policy statements: got %q; want %q", got, want)
	}
	keyPolicy := policyInput(t, s.find(typKMSKey, "alerts-key"), "policy")
	if got, want := keyPolicy.sids(), []string{"AccountAdministersKeyThroughIAM", "ServiceCloudwatch", "ServiceEvents"}; !reflect.DeepEqual(got, want) {
		t.Errorf("key policy statements: got %q; want %q", got, want)
	}
	for _, e := range []string{"ops@example.com", "oncall@example.com"} {
		sub := s.find(typSubscription, "alerts-"+e)
		wantInputs(t, sub,
			check{"topic", topicArn},
			check{"protocol", "email"},
			check{"endpoint", e},
			check{"redrivePolicy", `{"deadLetterTargetArn":"` + dlqArn + `"}`})
		if !dependsOn(sub, s.find(typQueuePolicy, "alerts-dlq")) {
			t.Errorf("subscription %s does not wait for its dead-letter queue's policy", e)
		}
	}
	wantInputs(t, s.find(typQueue, "alerts-dlq"), check{"sqsManagedSseEnabled", true}, check{"messageRetentionSeconds", 1209600})
	qp := policyInput(t, s.find(typQueuePolicy, "alerts-dlq"), "policy")
	send := qp.statementBySid(t, "TopicSendsUndeliverable")
	if !reflect.DeepEqual(send.Condition, map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {topicArn}}}) || !reflect.DeepEqual(send.Resource, []string{dlqArn}) {
		t.Errorf("dead-letter queue policy: got %+v; want sns.amazonaws.com to send for this topic only", send)
	}
	qp.statementBySid(t, "DenyInsecureTransport")
	wantNoCheckErrors(t, s)
}

// A topic given a key uses it and makes none.
func TestTopicWithKey(t *testing.T) {
	s := newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		k, err := constructs.NewKey(ctx, "ops", &constructs.KeyArgs{ServicePrincipals: []string{"cloudwatch.amazonaws.com"}})
		if err != nil {
			return nil, err
		}
		topic, err := constructs.NewTopic(ctx, "alerts", &constructs.TopicArgs{KMSKey: k})
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"keyArn": k.Arn, "topicKeyArn": topic.Key.Arn}, nil
	})
	if got := len(s.ofType(typKMSKey)); got != 1 {
		t.Errorf("keys: got %d; want 1, the one given", got)
	}
	wantInputs(t, s.find(typSNSTopic, "alerts"), check{"kmsMasterKeyId", s.output("keyArn")})
	if s.output("topicKeyArn") != s.output("keyArn") {
		t.Errorf("Topic.Key: got %s; want the key given", s.output("topicKeyArn"))
	}
}

func TestTopicGrantPublish(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", p.checkedFnArgs())
		if err != nil {
			return nil, err
		}
		topic, err := constructs.NewTopic(ctx, "alerts", nil)
		if err != nil {
			return nil, err
		}
		if err := topic.GrantPublish(fn); err != nil {
			return nil, err
		}
		out := functionOutputs(fn)
		out["topicArn"], out["keyArn"] = topic.Arn, topic.Key.Arn
		return out, nil
	})
	checkGrantPolicy(t, s, "fn-topic-alerts-publish", []wantStatement{
		{"TopicPublish", []string{"sns:Publish"}, func(s *stack) []string { return []string{s.output("topicArn")} }},
		{"TopicKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, func(s *stack) []string { return []string{s.output("keyArn")} }},
	})
	wantNoCheckErrors(t, s)
}

func TestTopicBadInputs(t *testing.T) {
	newTopic := func(name string, args constructs.TopicArgs) func(*pulumi.Context, *project, *constructs.Key) error {
		return func(ctx *pulumi.Context, _ *project, _ *constructs.Key) error {
			_, err := constructs.NewTopic(ctx, name, &args)
			return err
		}
	}
	setup := func(ctx *pulumi.Context, _ *project) (*constructs.Key, error) {
		return constructs.NewKey(ctx, "ops", &constructs.KeyArgs{ServicePrincipals: []string{"cloudwatch.amazonaws.com"}})
	}
	runBadInputs(t, setup, []badInput[*constructs.Key]{
		{
			name:     "name too long for the topic's autoname",
			build:    newTopic(strings.Repeat("t", 73), constructs.TopicArgs{}),
			scope:    `topic "` + strings.Repeat("t", 73) + `"`,
			problems: [][]string{{"name", "1–72"}},
		},
		{
			name:     "name with a period",
			build:    newTopic("lake.alerts", constructs.TopicArgs{}),
			scope:    `topic "lake.alerts"`,
			problems: [][]string{{"name", `"lake.alerts"`, "letters, digits, '-' or '_'"}},
		},
		{
			name: "key that does not let a publisher use it",
			build: func(ctx *pulumi.Context, _ *project, k *constructs.Key) error {
				_, err := constructs.NewTopic(ctx, "alerts", &constructs.TopicArgs{KMSKey: k, Publishers: []string{"cloudwatch.amazonaws.com", "s3.amazonaws.com"}})
				return err
			},
			scope:    `topic "alerts"`,
			problems: [][]string{{"KMSKey", `"ops"`, "s3.amazonaws.com", "ServicePrincipals"}},
		},
		{
			name: "every problem at once",
			build: newTopic("alerts", constructs.TopicArgs{
				DisplayName:        strings.Repeat("d", 101),
				Publishers:         []string{"cloudwatch", "events.amazonaws.com", "events.amazonaws.com"},
				EmailSubscriptions: []string{"ops", "a@example.com", "a@example.com"},
			}),
			scope: `topic "alerts"`,
			problems: [][]string{
				{"DisplayName", "101 characters", "at most 100"},
				{"Publishers[0]", `"cloudwatch"`, "service principal"},
				{"Publishers[2]", `"events.amazonaws.com"`, "twice"},
				{"EmailSubscriptions[0]", `"ops"`, "e-mail address"},
				{"EmailSubscriptions[2]", `"a@example.com"`, "twice"},
			},
		},
	})
}
