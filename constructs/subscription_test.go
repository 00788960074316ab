package constructs_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const typSubscriptionComponent = "kumo:constructs:Subscription"

// subEnv is what a subscription test registers first: a topic, a function
// and a queue the topic may send to.
type subEnv struct {
	topic *constructs.Topic
	fn    *constructs.Function
	q     *constructs.Queue
}

func subSetup(ctx *pulumi.Context, p *project) (subEnv, error) {
	var env subEnv
	var err error
	if env.topic, err = constructs.NewTopic(ctx, "uploads", nil); err != nil {
		return env, err
	}
	if env.fn, err = constructs.NewFunction(ctx, "resize", p.checkedFnArgs()); err != nil {
		return env, err
	}
	env.q, err = constructs.NewQueue(ctx, "archive", &constructs.QueueArgs{SourceTopics: []*constructs.Topic{env.topic}})
	return env, err
}

func synthSubscription(t *testing.T, subscribe func(subEnv) (*constructs.Subscription, error)) *stack {
	t.Helper()
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := subSetup(ctx, p)
		if err != nil {
			return nil, err
		}
		sub, err := subscribe(env)
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"topicArn": env.topic.Arn, "queueArn": env.q.Arn, "dlqArn": sub.DeadLetterQueueArn, "dlqName": sub.DeadLetterQueueName}, nil
	})
}

// wantDeadLetterQueue checks a subscription's dead-letter queue: encrypted,
// 14 days, TLS only, and the topic may send to it for itself only.
func wantDeadLetterQueue(t *testing.T, s *stack, name string) {
	t.Helper()
	dlqArn, topicArn := s.output("dlqArn"), s.output("topicArn")
	wantInputs(t, s.find(typQueue, name+"-dlq"), check{sqsManagedSSEInput, true}, check{"messageRetentionSeconds", 14 * 24 * 3600})
	p := policyInput(t, s.find(typQueuePolicy, name+"-dlq"), "policy")
	wantTLSOnly(t, "dead-letter queue policy", p.statementBySid(t, "DenyInsecureTransport"), "sqs:*", dlqArn)
	send := p.statementBySid(t, "TopicSendsUndeliverable")
	if !reflect.DeepEqual(send.Principal, map[string]any{"Service": []any{"sns.amazonaws.com"}}) || !reflect.DeepEqual(send.Resource, []string{dlqArn}) ||
		!reflect.DeepEqual(send.Condition, map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {topicArn}}}) {
		t.Errorf("dead-letter queue policy: got %+v; want sns.amazonaws.com to send for topic %s only", send, topicArn)
	}
	if !strings.HasSuffix(dlqArn, ":"+s.output("dlqName")) {
		t.Errorf("DeadLetterQueueName %q is not the queue of %s", s.output("dlqName"), dlqArn)
	}
}

func TestSubscribeFunction(t *testing.T) {
	s := synthSubscription(t, func(env subEnv) (*constructs.Subscription, error) {
		return env.topic.SubscribeFunction("thumbs", env.fn, nil)
	})
	comp := s.find(typSubscriptionComponent, "thumbs")
	if got, want := s.childSet(comp.URN), []string{
		typPermission + " thumbs", typSubscription + " thumbs", typQueue + " thumbs-dlq", typQueuePolicy + " thumbs-dlq",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	sub := s.find(typSubscription, "thumbs")
	wantInputs(t, sub,
		check{"topic", s.output("topicArn")},
		check{"protocol", "lambda"},
		// SNS invokes the alias, never the bare function.
		check{"endpoint", s.aliasArn("resize")},
		check{"redrivePolicy", `{"deadLetterTargetArn":"` + s.output("dlqArn") + `"}`},
		check{"rawMessageDelivery", nil},
		check{"filterPolicy", nil},
	)
	perm := s.find(typPermission, "thumbs")
	wantInputs(t, perm,
		check{"action", "lambda:InvokeFunction"},
		check{"function", s.state(typLambda, "resize", "name")},
		check{"qualifier", "live"},
		check{"principal", "sns.amazonaws.com"},
		check{"sourceArn", s.output("topicArn")},
	)
	for _, dep := range []struct{ typ, name string }{{typPermission, "thumbs"}, {typQueuePolicy, "thumbs-dlq"}, {typTopicPolicy, "uploads"}} {
		if !dependsOn(sub, s.find(dep.typ, dep.name)) {
			t.Errorf("subscription does not wait for %s %s; its first messages could be refused or lost", dep.typ, dep.name)
		}
	}
	wantDeadLetterQueue(t, s, "thumbs")
	wantNoCheckErrors(t, s)
}

func TestSubscribeFunctionFilterPolicy(t *testing.T) {
	s := synthSubscription(t, func(env subEnv) (*constructs.Subscription, error) {
		return env.topic.SubscribeFunction("thumbs", env.fn, &constructs.SubscriptionArgs{
			FilterPolicy: `{"detail":{"object":{"key":[{"suffix":".png"}]}}}`, FilterPolicyScope: constructs.FilterMessageBody})
	})
	wantInputs(t, s.find(typSubscription, "thumbs"),
		check{"filterPolicy", `{"detail":{"object":{"key":[{"suffix":".png"}]}}}`},
		check{"filterPolicyScope", "MessageBody"})

	s = synthSubscription(t, func(env subEnv) (*constructs.Subscription, error) {
		return env.topic.SubscribeFunction("thumbs", env.fn, &constructs.SubscriptionArgs{FilterPolicy: `{"kind":["image"]}`})
	})
	wantInputs(t, s.find(typSubscription, "thumbs"), check{"filterPolicyScope", "MessageAttributes"})
}

// SNS has no disabled subscription: the kill switch unsubscribes and keeps
// the rest, the dead-letter queue's messages above all.
func TestSubscriptionKillSwitch(t *testing.T) {
	off := false
	s := synthSubscription(t, func(env subEnv) (*constructs.Subscription, error) {
		return env.topic.SubscribeFunction("thumbs", env.fn, &constructs.SubscriptionArgs{Enabled: &off})
	})
	comp := s.find(typSubscriptionComponent, "thumbs")
	if got, want := s.childSet(comp.URN), []string{typPermission + " thumbs", typQueue + " thumbs-dlq", typQueuePolicy + " thumbs-dlq"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q (no subscription, the rest kept)", got, want)
	}
	// Nothing uses the kept queue as a dead-letter target meanwhile: the
	// construct says why that is fine.
	rep := wantNoCheckErrors(t, s)
	for _, rule := range []string{"AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"} {
		wantSuppressed(t, rep, rule, typQueue, "thumbs-dlq", "switched off (Enabled false)")
	}
}

func TestSubscribeQueue(t *testing.T) {
	s := synthSubscription(t, func(env subEnv) (*constructs.Subscription, error) {
		return env.topic.SubscribeQueue("archiving", env.q, nil)
	})
	sub := s.find(typSubscription, "archiving")
	wantInputs(t, sub,
		check{"topic", s.output("topicArn")},
		check{"protocol", "sqs"},
		check{"endpoint", s.output("queueArn")},
		check{"rawMessageDelivery", true},
		check{"redrivePolicy", `{"deadLetterTargetArn":"` + s.output("dlqArn") + `"}`},
	)
	// The queue's one policy lets the topic send; the subscription waits
	// for it.
	qp := s.find(typQueuePolicy, "archive")
	if !dependsOn(sub, qp) {
		t.Errorf("subscription does not wait for the queue's policy; SNS's first deliveries would be refused")
	}
	send := policyInput(t, qp, "policy").statementBySid(t, "TopicsSend")
	if !reflect.DeepEqual(send.Condition["ArnEquals"]["aws:SourceArn"], []string{s.output("topicArn")}) {
		t.Errorf("queue policy: got %+v; want the topic to send", send)
	}
	if len(s.ofType(typPermission)) != 0 {
		t.Errorf("a queue subscription registered a Lambda permission")
	}
	wantDeadLetterQueue(t, s, "archiving")
	wantNoCheckErrors(t, s)

	no := false
	s = synthSubscription(t, func(env subEnv) (*constructs.Subscription, error) {
		return env.topic.SubscribeQueue("archiving", env.q, &constructs.SubscriptionArgs{RawMessageDelivery: &no})
	})
	wantInputs(t, s.find(typSubscription, "archiving"), check{"rawMessageDelivery", false})
}

// A queue under a customer managed key receives from a topic when the key
// lets SNS use it.
func TestSubscribeQueueWithKey(t *testing.T) {
	p := newProject(t)
	s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		topic, err := constructs.NewTopic(ctx, "uploads", nil)
		if err != nil {
			return nil, err
		}
		k, err := constructs.NewKey(ctx, "archive-key", &constructs.KeyArgs{ServicePrincipals: []string{constructs.PrincipalSNS}})
		if err != nil {
			return nil, err
		}
		q, err := constructs.NewQueue(ctx, "archive", &constructs.QueueArgs{KMSKey: k, SourceTopics: []*constructs.Topic{topic}})
		if err != nil {
			return nil, err
		}
		_, err = topic.SubscribeQueue("archiving", q, nil)
		return nil, err
	})
	kp := policyInput(t, s.find(typKMSKey, "archive-key"), "policy")
	st := kp.statementBySid(t, "ServiceSns")
	if !reflect.DeepEqual(st.Action, []string{"kms:Decrypt", "kms:GenerateDataKey*"}) {
		t.Errorf("key policy for SNS: got %+v; want kms:Decrypt and kms:GenerateDataKey*", st)
	}
	wantNoCheckErrors(t, s)
}

func TestSubscriptionBadInputs(t *testing.T) {
	fnSub := func(name string, args constructs.SubscriptionArgs) func(*pulumi.Context, *project, subEnv) error {
		return func(_ *pulumi.Context, _ *project, env subEnv) error {
			_, err := env.topic.SubscribeFunction(name, env.fn, &args)
			return err
		}
	}
	on := true
	runBadInputs(t, subSetup, []badInput[subEnv]{
		{
			// <name>-dlq-<7 random> must fit SQS's 80 characters.
			name:     "name too long for the dead-letter queue",
			build:    fnSub(strings.Repeat("s", 69), constructs.SubscriptionArgs{}),
			scope:    `subscription "` + strings.Repeat("s", 69) + `"`,
			problems: [][]string{{"name", "1–68", "<name>-dlq-<7 random>"}},
		},
		{
			name:     "filter policy that is not a JSON object",
			build:    fnSub("thumbs", constructs.SubscriptionArgs{FilterPolicy: `kind = image`}),
			scope:    `subscription "thumbs"`,
			problems: [][]string{{"FilterPolicy", `"kind = image"`, "not a JSON object"}},
		},
		{
			// "A filter policy can have a maximum of five keys"; "Amazon SNS
			// does not accept a nested filter policy for attribute-based
			// filtering".
			name: "six keys, one nested, matching attributes",
			build: fnSub("thumbs", constructs.SubscriptionArgs{
				FilterPolicy: `{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":{"g":["1"]}}`}),
			scope:    `subscription "thumbs"`,
			problems: [][]string{{"FilterPolicy", "6 keys", "at most 5"}, {"FilterPolicy", `key "f"`, "nested", "MessageBody"}},
		},
		{
			// "The maximum size of a filter policy is 256 KB."
			name:     "filter policy over 256 KB",
			build:    fnSub("thumbs", constructs.SubscriptionArgs{FilterPolicy: `{"kind":["` + strings.Repeat("x", 256*1024) + `"]}`}),
			scope:    `subscription "thumbs"`,
			problems: [][]string{{"FilterPolicy", "bytes", "at most 262144"}},
		},
		{
			name:  "scope that is none, scope without a policy, raw delivery to a function",
			build: fnSub("thumbs", constructs.SubscriptionArgs{FilterPolicyScope: "Body", RawMessageDelivery: &on}),
			scope: `subscription "thumbs"`,
			problems: [][]string{
				{"FilterPolicyScope", `"Body"`, "MessageAttributes", "MessageBody"},
				{"FilterPolicyScope", `"Body"`, "without a FilterPolicy"},
				{"RawMessageDelivery", "function", "queues, HTTP/S and Firehose"},
			},
		},
		{
			name: "no function",
			build: func(_ *pulumi.Context, _ *project, env subEnv) error {
				_, err := env.topic.SubscribeFunction("thumbs", nil, nil)
				return err
			},
			scope:    `subscription "thumbs"`,
			problems: [][]string{{"fn", "not set"}},
		},
		{
			name: "no queue",
			build: func(_ *pulumi.Context, _ *project, env subEnv) error {
				_, err := env.topic.SubscribeQueue("archive", nil, nil)
				return err
			},
			scope:    `subscription "archive"`,
			problems: [][]string{{"q", "not set"}},
		},
	})
	// The queue's policy, made with the queue, must already let the topic
	// send: SQS keeps one policy per queue.
	runBadInputs(t, func(ctx *pulumi.Context, p *project) (subEnv, error) {
		env, err := subSetup(ctx, p)
		if err != nil {
			return env, err
		}
		env.q, err = constructs.NewQueue(ctx, "other", nil)
		return env, err
	}, []badInput[subEnv]{{
		name: "queue that does not list the topic",
		build: func(_ *pulumi.Context, _ *project, env subEnv) error {
			_, err := env.topic.SubscribeQueue("other", env.q, nil)
			return err
		},
		scope:    `subscription "other"`,
		problems: [][]string{{"q", `queue "other"`, `topic "uploads"`, "SourceTopics"}},
	}})
}
