package constructs_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typQueueComponent  = "kumo:constructs:Queue"
	typQueueSource     = "kumo:constructs:QueueSource"
	sqsManagedSSEInput = "sqsManagedSseEnabled"
)

func synthQueue(t *testing.T, args *constructs.QueueArgs) *stack {
	t.Helper()
	return newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		q, err := constructs.NewQueue(ctx, "jobs", args)
		if err != nil {
			return nil, err
		}
		out := pulumi.Map{"arn": q.Arn, "url": q.Url, "name": q.Name}
		if q.DeadLetterQueue != nil {
			out["dlqArn"], out["dlqName"] = q.DeadLetterQueueArn, q.DeadLetterQueueName
		}
		return out, nil
	})
}

// redrive parses a queue's redrive policy.
func redrive(t *testing.T, s *stack, name string) (target string, maxReceiveCount int) {
	t.Helper()
	doc, _ := in(s.find(typQueue, name), "redrivePolicy").(string)
	var rp struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     int    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(doc), &rp); err != nil {
		t.Fatalf("queue %s: redrivePolicy %q is not a redrive policy: %v", name, doc, err)
	}
	return rp.DeadLetterTargetArn, rp.MaxReceiveCount
}

// A default queue consumed by a default function is valid.
func TestQueueDefaultsFitADefaultFunction(t *testing.T) {
	p := newProject(t)
	p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		q, err := constructs.NewQueue(ctx, "jobs", nil)
		if err != nil {
			return nil, err
		}
		fn, err := constructs.NewFunction(ctx, "worker", p.fnArgs())
		if err != nil {
			return nil, err
		}
		_, err = q.ConsumeWith("jobs-worker", fn, nil)
		return nil, err
	})
}

func TestQueueDefaults(t *testing.T) {
	s := synthQueue(t, nil)
	comp := s.find(typQueueComponent, "jobs")
	if got, want := s.childSet(comp.URN), []string{
		typQueue + " jobs", typQueue + " jobs-dlq", typQueuePolicy + " jobs", typQueuePolicy + " jobs-dlq",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	wantInputs(t, s.find(typQueue, "jobs"),
		// Six times the default function timeout, so a default queue and
		// a default function work together.
		check{"visibilityTimeoutSeconds", 60},
		check{"messageRetentionSeconds", 4 * 24 * 3600},
		check{sqsManagedSSEInput, true},
		check{"kmsMasterKeyId", nil},
		check{"fifoQueue", nil},
		check{"contentBasedDeduplication", nil},
	)
	// Messages received five times without being deleted move to the
	// dead-letter queue, which keeps them 14 days.
	target, count := redrive(t, s, "jobs")
	if target != s.output("dlqArn") || count != 5 {
		t.Errorf("redrivePolicy: got %s after %d receives; want the dead-letter queue %s after 5", target, count, s.output("dlqArn"))
	}
	wantInputs(t, s.find(typQueue, "jobs-dlq"),
		check{"messageRetentionSeconds", 14 * 24 * 3600},
		check{sqsManagedSSEInput, true},
		check{"redrivePolicy", nil},
	)
	// One policy per queue, TLS only.
	for _, q := range []struct{ name, arn, url string }{
		{"jobs", s.output("arn"), s.output("url")},
		{"jobs-dlq", s.output("dlqArn"), ""},
	} {
		qp := s.find(typQueuePolicy, q.name)
		p := policyInput(t, qp, "policy")
		if got := p.sids(); !reflect.DeepEqual(got, []string{"DenyInsecureTransport"}) {
			t.Errorf("policy of %s: statements %q; want only DenyInsecureTransport", q.name, got)
		}
		wantTLSOnly(t, "policy of "+q.name, p.statementBySid(t, "DenyInsecureTransport"), "sqs:*", q.arn)
		if q.url != "" {
			wantInputs(t, qp, check{"queueUrl", q.url})
		}
	}
	if got := s.output("dlqName"); !strings.HasPrefix(got, "jobs-dlq-") {
		t.Errorf("DeadLetterQueueName: got %q; want the dead-letter queue's name", got)
	}
	wantNoCheckErrors(t, s)
}

func TestQueueOptions(t *testing.T) {
	t.Run("FIFO with content-based deduplication", func(t *testing.T) {
		s := synthQueue(t, &constructs.QueueArgs{FIFO: true, ContentBasedDeduplication: true, VisibilityTimeoutSeconds: 120,
			RetentionSeconds: 3600, MaxReceiveCount: 3})
		wantInputs(t, s.find(typQueue, "jobs"),
			check{"fifoQueue", true}, check{"contentBasedDeduplication", true},
			check{"visibilityTimeoutSeconds", 120}, check{"messageRetentionSeconds", 3600})
		// A FIFO queue's dead-letter queue is a FIFO queue too.
		wantInputs(t, s.find(typQueue, "jobs-dlq"), check{"fifoQueue", true}, check{"contentBasedDeduplication", nil})
		for _, out := range []string{"name", "dlqName"} {
			if got := s.output(out); !strings.HasSuffix(got, ".fifo") {
				t.Errorf("%s: got %q; want a name ending in .fifo", out, got)
			}
		}
		if _, count := redrive(t, s, "jobs"); count != 3 {
			t.Errorf("maxReceiveCount: got %d; want 3", count)
		}
		wantNoCheckErrors(t, s)
	})
	t.Run("customer managed key and source topics", func(t *testing.T) {
		s := newProject(t).synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
			k, err := constructs.NewKey(ctx, "jobs-key", &constructs.KeyArgs{ServicePrincipals: []string{constructs.PrincipalSNS}})
			if err != nil {
				return nil, err
			}
			a, err := constructs.NewTopic(ctx, "uploads", nil)
			if err != nil {
				return nil, err
			}
			b, err := constructs.NewTopic(ctx, "deletes", nil)
			if err != nil {
				return nil, err
			}
			q, err := constructs.NewQueue(ctx, "jobs", &constructs.QueueArgs{KMSKey: k, SourceTopics: []*constructs.Topic{a, b}})
			if err != nil {
				return nil, err
			}
			return pulumi.Map{"keyArn": k.Arn, "arn": q.Arn, "a": a.Arn, "b": b.Arn, "queueKey": q.Key.Arn}, nil
		})
		keyArn := s.output("keyArn")
		for _, name := range []string{"jobs", "jobs-dlq"} {
			wantInputs(t, s.find(typQueue, name), check{"kmsMasterKeyId", keyArn}, check{sqsManagedSSEInput, nil})
		}
		if s.output("queueKey") != keyArn {
			t.Errorf("Queue.Key: got %s; want the key given", s.output("queueKey"))
		}
		// The queue's one policy: TLS only, and both topics may send, each
		// for itself.
		p := policyInput(t, s.find(typQueuePolicy, "jobs"), "policy")
		if got, want := p.sids(), []string{"DenyInsecureTransport", "TopicsSend"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("queue policy statements: got %q; want %q", got, want)
		}
		send := p.statementBySid(t, "TopicsSend")
		if !reflect.DeepEqual(send.Principal, map[string]any{"Service": []any{"sns.amazonaws.com"}}) ||
			!reflect.DeepEqual(send.Action, []string{"sqs:SendMessage"}) || !reflect.DeepEqual(send.Resource, []string{s.output("arn")}) ||
			!reflect.DeepEqual(send.Condition, map[string]map[string][]string{"ArnEquals": {"aws:SourceArn": {s.output("a"), s.output("b")}}}) {
			t.Errorf("TopicsSend: got %+v; want sns.amazonaws.com to send to the queue for the two topics only", send)
		}
		if got := len(s.ofType(typQueuePolicy)); got != 2 {
			t.Errorf("queue policies: got %d; want 2, one per queue", got)
		}
		wantNoCheckErrors(t, s)
	})
}

// Without a dead-letter queue kumo check says so: the opt-out is the
// caller's to justify.
func TestQueueWithoutDeadLetterQueue(t *testing.T) {
	s := synthQueue(t, &constructs.QueueArgs{DisableDeadLetterQueue: true})
	comp := s.find(typQueueComponent, "jobs")
	if got, want := s.childSet(comp.URN), []string{typQueue + " jobs", typQueuePolicy + " jobs"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	wantInputs(t, s.find(typQueue, "jobs"), check{"redrivePolicy", nil})
	rep := checkReport(t, s)
	var got []string
	for _, f := range rep.Findings {
		if f.Name == "jobs" && f.Type == typQueue {
			got = append(got, f.Rule)
		}
	}
	if want := []string{"AwsSolutions-SQS3", "Serverless-SQSRedrivePolicy"}; !reflect.DeepEqual(sorted(got), want) {
		t.Errorf("kumo check findings on the queue: got %q; want %q", got, want)
	}
}

func TestQueueGrants(t *testing.T) {
	send := []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}
	consume := []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"}
	queueArn := func(s *stack) []string { return []string{s.output("queueArn")} }
	keyArn := func(s *stack) []string { return []string{s.output("keyArn")} }
	for _, tc := range []struct {
		name, access string
		kms          bool
		grant        func(*constructs.Queue, constructs.Grantee) error
		want         []wantStatement
	}{
		{"send", "send", false, (*constructs.Queue).GrantSend, []wantStatement{{"QueueSend", send, queueArn}}},
		{"consume", "consume", false, (*constructs.Queue).GrantConsume, []wantStatement{{"QueueConsume", consume, queueArn}}},
		{"send with a key", "send", true, (*constructs.Queue).GrantSend, []wantStatement{
			{"QueueSend", send, queueArn}, {"QueueKey", []string{"kms:Decrypt", "kms:GenerateDataKey"}, keyArn}}},
		{"consume with a key", "consume", true, (*constructs.Queue).GrantConsume, []wantStatement{
			{"QueueConsume", consume, queueArn}, {"QueueKey", []string{"kms:Decrypt"}, keyArn}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			s := p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
				fn, err := constructs.NewFunction(ctx, "fn", p.checkedFnArgs())
				if err != nil {
					return nil, err
				}
				args := &constructs.QueueArgs{}
				out := functionOutputs(fn)
				if tc.kms {
					k, err := constructs.NewKey(ctx, "jobs-key", nil)
					if err != nil {
						return nil, err
					}
					args.KMSKey, out["keyArn"] = k, k.Arn
				}
				q, err := constructs.NewQueue(ctx, "jobs", args)
				if err != nil {
					return nil, err
				}
				for range 2 {
					if err := tc.grant(q, fn); err != nil {
						return nil, err
					}
				}
				out["queueArn"] = q.Arn
				return out, nil
			})
			checkGrantPolicy(t, s, "fn-queue-jobs-"+tc.access, tc.want)
			wantNoCheckErrors(t, s)
		})
	}
}

func TestQueueBadInputs(t *testing.T) {
	type env struct {
		key   *constructs.Key
		topic *constructs.Topic
	}
	newQueue := func(name string, args func(env) constructs.QueueArgs) func(*pulumi.Context, *project, env) error {
		return func(ctx *pulumi.Context, _ *project, e env) error {
			a := args(e)
			_, err := constructs.NewQueue(ctx, name, &a)
			return err
		}
	}
	plain := func(a constructs.QueueArgs) func(env) constructs.QueueArgs {
		return func(env) constructs.QueueArgs { return a }
	}
	// A key that lets only CloudWatch use it, and a topic.
	setup := func(ctx *pulumi.Context, _ *project) (env, error) {
		var e env
		var err error
		if e.key, err = constructs.NewKey(ctx, "ops", &constructs.KeyArgs{ServicePrincipals: []string{constructs.PrincipalCloudWatch}}); err != nil {
			return e, err
		}
		e.topic, err = constructs.NewTopic(ctx, "uploads", nil)
		return e, err
	}
	const scope = `queue "jobs"`
	long := strings.Repeat("q", 69)
	runBadInputs(t, setup, []badInput[env]{
		{
			// <name>-dlq-<7 random> must fit SQS's 80 characters.
			name:     "name too long for the dead-letter queue's autoname",
			build:    newQueue(long, plain(constructs.QueueArgs{})),
			scope:    `queue "` + long + `"`,
			problems: [][]string{{"name", "1–68", "<name>-dlq-<7 random>", "80"}},
		},
		{
			name:     "FIFO names leave room for .fifo",
			build:    newQueue(strings.Repeat("q", 64), plain(constructs.QueueArgs{FIFO: true})),
			scope:    `queue "` + strings.Repeat("q", 64) + `"`,
			problems: [][]string{{"name", "1–63", ".fifo"}},
		},
		{
			name:     "name with a period",
			build:    newQueue("jobs.v2", plain(constructs.QueueArgs{})),
			scope:    `queue "jobs.v2"`,
			problems: [][]string{{"name", `"jobs.v2"`, "letters, digits, '-' or '_'"}},
		},
		{
			// CreateQueue: VisibilityTimeout 0–43200, MessageRetentionPeriod 60–1209600.
			name:  "limits of SQS",
			build: newQueue("jobs", plain(constructs.QueueArgs{VisibilityTimeoutSeconds: 43201, RetentionSeconds: 1209601, MaxReceiveCount: 1001})),
			scope: scope,
			problems: [][]string{
				{"VisibilityTimeoutSeconds", "43201", "0–43200"},
				{"RetentionSeconds", "1209601", "60–1209600"},
				{"MaxReceiveCount", "1001", "1–1000"},
			},
		},
		{
			name:     "retention under a minute",
			build:    newQueue("jobs", plain(constructs.QueueArgs{RetentionSeconds: 59, VisibilityTimeoutSeconds: -1})),
			scope:    scope,
			problems: [][]string{{"VisibilityTimeoutSeconds", "-1"}, {"RetentionSeconds", "59", "60–1209600"}},
		},
		{
			name:     "content-based deduplication on a standard queue",
			build:    newQueue("jobs", plain(constructs.QueueArgs{ContentBasedDeduplication: true})),
			scope:    scope,
			problems: [][]string{{"ContentBasedDeduplication", "standard queue", "FIFO"}},
		},
		{
			name:     "receive count without a dead-letter queue",
			build:    newQueue("jobs", plain(constructs.QueueArgs{DisableDeadLetterQueue: true, MaxReceiveCount: 3})),
			scope:    scope,
			problems: [][]string{{"MaxReceiveCount", "3", "DisableDeadLetterQueue"}},
		},
		{
			name: "source topics: a key SNS may not use, a FIFO queue, a topic twice, nil",
			build: newQueue("jobs", func(e env) constructs.QueueArgs {
				return constructs.QueueArgs{FIFO: true, KMSKey: e.key, SourceTopics: []*constructs.Topic{e.topic, e.topic, nil}}
			}),
			scope: scope,
			problems: [][]string{
				{"SourceTopics", "FIFO queue", "standard SNS topic"},
				{"SourceTopics[1]", `"uploads"`, "twice"},
				{"SourceTopics[2]", "nil"},
				{"KMSKey", `"ops"`, "sns.amazonaws.com", "ServicePrincipals"},
			},
		},
	})
}

// queueEnv is what a queue source test registers first: a function whose
// timeout fits the default visibility timeout (6 × 5 s = 30 s) and a queue.
type queueEnv struct {
	fn *constructs.Function
	q  *constructs.Queue
}

func queueSetup(args constructs.QueueArgs, fnTimeout int) func(ctx *pulumi.Context, p *project) (queueEnv, error) {
	return func(ctx *pulumi.Context, p *project) (queueEnv, error) {
		var env queueEnv
		fa := p.checkedFnArgs()
		fa.TimeoutSeconds = fnTimeout
		var err error
		if env.fn, err = constructs.NewFunction(ctx, "worker", fa); err != nil {
			return env, err
		}
		env.q, err = constructs.NewQueue(ctx, "jobs", &args)
		return env, err
	}
}

func synthQueueSource(t *testing.T, args *constructs.QueueSourceArgs) *stack {
	t.Helper()
	p := newProject(t)
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		env, err := queueSetup(constructs.QueueArgs{}, 5)(ctx, p)
		if err != nil {
			return nil, err
		}
		if _, err := env.q.ConsumeWith("work", env.fn, args); err != nil {
			return nil, err
		}
		return pulumi.Map{"queueArn": env.q.Arn, "roleName": env.fn.Role.Name}, nil
	})
}

func TestQueueConsumeWithDefaults(t *testing.T) {
	s := synthQueueSource(t, nil)
	comp := s.find(typQueueSource, "work")
	if got, want := s.childSet(comp.URN), []string{typEventSourceMapping + " work"}; !reflect.DeepEqual(got, want) {
		t.Errorf("children: got %q; want %q", got, want)
	}
	m := s.find(typEventSourceMapping, "work")
	wantInputs(t, m,
		// The mapping invokes the alias, never the bare function.
		check{"functionName", s.aliasArn("worker")},
		check{"eventSourceArn", s.output("queueArn")},
		check{"batchSize", 10},
		check{"maximumBatchingWindowInSeconds", 0},
		check{"enabled", true},
		check{"functionResponseTypes", []any{"ReportBatchItemFailures"}},
		check{"scalingConfig", nil},
		// Stream settings SQS refuses.
		check{"startingPosition", nil},
		check{"destinationConfig", nil},
		check{"bisectBatchOnFunctionError", nil},
	)
	rp := s.find(typRolePolicy, "worker-queue-jobs-consume")
	if got, want := rp.Inputs["role"], s.output("roleName"); got != want {
		t.Errorf("consume policy role: got %#v; want the function's role %q", got, want)
	}
	st := policyInput(t, rp, "policy").statementBySid(t, "QueueConsume")
	if !reflect.DeepEqual(st.Resource, []string{s.output("queueArn")}) {
		t.Errorf("QueueConsume resources: got %q; want the queue only", st.Resource)
	}
	// CreateEventSourceMapping checks the role and the alias.
	if !dependsOn(m, rp) {
		t.Errorf("mapping does not depend on the consume grant; Lambda would refuse it (no permission to call ReceiveMessage)")
	}
	if !dependsOn(m, s.find(typAlias, "worker")) {
		t.Errorf("mapping does not depend on the alias it invokes")
	}
	wantNoCheckErrors(t, s)
}

func TestQueueConsumeWithOptions(t *testing.T) {
	no := false
	s := synthQueueSource(t, &constructs.QueueSourceArgs{BatchSize: 500, MaximumBatchingWindowSeconds: 5, MaximumConcurrency: 50,
		ReportBatchItemFailures: &no, Enabled: &no})
	wantInputs(t, s.find(typEventSourceMapping, "work"),
		check{"batchSize", 500},
		check{"maximumBatchingWindowInSeconds", 5},
		check{"scalingConfig.maximumConcurrency", 50},
		check{"functionResponseTypes", nil},
		// The kill switch stops polling; the messages wait in the queue.
		check{"enabled", false},
	)
	if !s.has(typQueue, "jobs") || !s.has(typRolePolicy, "worker-queue-jobs-consume") {
		t.Errorf("kill switch removed the queue or the grant; want only the mapping disabled")
	}
}

func TestQueueConsumeWithBadInputs(t *testing.T) {
	consume := func(args constructs.QueueSourceArgs) func(*pulumi.Context, *project, queueEnv) error {
		return func(_ *pulumi.Context, _ *project, env queueEnv) error {
			_, err := env.q.ConsumeWith("work", env.fn, &args)
			return err
		}
	}
	const scope = `queue source "work"`
	t.Run("standard queue", func(t *testing.T) {
		runBadInputs(t, queueSetup(constructs.QueueArgs{}, 5), []badInput[queueEnv]{
			{
				// "For standard queues the max is 10,000"; above 10 "you
				// must set MaximumBatchingWindowInSeconds to at least 1".
				name:     "batch over 10 without a batching window",
				build:    consume(constructs.QueueSourceArgs{BatchSize: 11}),
				scope:    scope,
				problems: [][]string{{"BatchSize", "11", "MaximumBatchingWindowSeconds", "at least 1"}},
			},
			{
				name:  "limits of Lambda",
				build: consume(constructs.QueueSourceArgs{BatchSize: 10001, MaximumBatchingWindowSeconds: 301, MaximumConcurrency: 1}),
				scope: scope,
				problems: [][]string{
					{"BatchSize", "10001", "1–10000"},
					{"MaximumBatchingWindowSeconds", "301", "0–300"},
					{"MaximumConcurrency", "1", "2–1000"},
				},
			},
			{
				name: "no function",
				build: func(_ *pulumi.Context, _ *project, env queueEnv) error {
					_, err := env.q.ConsumeWith("work", nil, nil)
					return err
				},
				scope:    scope,
				problems: [][]string{{"fn", "not set"}},
			},
		})
	})
	t.Run("visibility timeout of SQS's own default and the default function", func(t *testing.T) {
		runBadInputs(t, queueSetup(constructs.QueueArgs{VisibilityTimeoutSeconds: 30}, 10), []badInput[queueEnv]{{
			name:     "30 s for a 10 s function",
			build:    consume(constructs.QueueSourceArgs{}),
			scope:    scope,
			problems: [][]string{{"VisibilityTimeoutSeconds", `"jobs"`, "30 s", `"worker"`, "TimeoutSeconds 10", "at least 60 s"}},
		}})
	})
	t.Run("FIFO queue", func(t *testing.T) {
		runBadInputs(t, queueSetup(constructs.QueueArgs{FIFO: true}, 5), []badInput[queueEnv]{{
			// "For FIFO queues the max is 10"; "Batching window is not
			// supported for FIFO queues".
			name:     "batch of 11 with a window",
			build:    consume(constructs.QueueSourceArgs{BatchSize: 11, MaximumBatchingWindowSeconds: 1}),
			scope:    scope,
			problems: [][]string{{"BatchSize", "11", "FIFO"}, {"MaximumBatchingWindowSeconds", "1", "FIFO"}},
		}})
	})
}

// The Validate methods report what the constructors would, registering
// nothing.
func TestFanOutArgsValidate(t *testing.T) {
	on := true
	checkValidationError(t, constructs.QueueArgs{RetentionSeconds: 59, ContentBasedDeduplication: true}.Validate("jobs"), `queue "jobs"`,
		[][]string{{"RetentionSeconds", "59"}, {"ContentBasedDeduplication", "FIFO"}})
	checkValidationError(t, constructs.QueueSourceArgs{BatchSize: 11}.Validate("work"), `queue source "work"`,
		[][]string{{"BatchSize", "11", "MaximumBatchingWindowSeconds"}})
	checkValidationError(t, constructs.SubscriptionArgs{RawMessageDelivery: &on}.Validate("thumbs", true), `subscription "thumbs"`,
		[][]string{{"RawMessageDelivery", "function"}})
	if err := (constructs.SubscriptionArgs{RawMessageDelivery: &on}).Validate("archiving", false); err != nil {
		t.Errorf("raw delivery to a queue: got %v; want no problem", err)
	}
	for _, err := range []error{constructs.QueueArgs{}.Validate("jobs"), constructs.QueueSourceArgs{}.Validate("work"),
		constructs.SubscriptionArgs{}.Validate("thumbs", true), constructs.SubscriptionArgs{}.Validate("archiving", false)} {
		if err != nil {
			t.Errorf("defaults: got %v; want no problem", err)
		}
	}
}
