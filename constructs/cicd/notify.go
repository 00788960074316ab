package cicd

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/codestarnotifications"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// NotificationsPrincipal is the service that publishes notification rules'
// events; a Topic lists it in TopicArgs.Publishers to receive them, which
// gives it a topic policy statement under aws:SourceAccount and use of the
// topic's key
// (https://docs.aws.amazon.com/dtconsole/latest/userguide/notification-target-create.html,
// https://docs.aws.amazon.com/dtconsole/latest/userguide/set-up-sns.html).
const NotificationsPrincipal = "codestar-notifications.amazonaws.com"

// Pipeline events a notification rule can send
// (https://docs.aws.amazon.com/dtconsole/latest/userguide/concepts.html#events-ref-pipeline).
const (
	EventExecutionFailed     = "codepipeline-pipeline-pipeline-execution-failed"
	EventExecutionCanceled   = "codepipeline-pipeline-pipeline-execution-canceled"
	EventExecutionStarted    = "codepipeline-pipeline-pipeline-execution-started"
	EventExecutionResumed    = "codepipeline-pipeline-pipeline-execution-resumed"
	EventExecutionSucceeded  = "codepipeline-pipeline-pipeline-execution-succeeded"
	EventExecutionSuperseded = "codepipeline-pipeline-pipeline-execution-superseded"
	EventApprovalNeeded      = "codepipeline-pipeline-manual-approval-needed"
	EventApprovalFailed      = "codepipeline-pipeline-manual-approval-failed"
	EventApprovalSucceeded   = "codepipeline-pipeline-manual-approval-succeeded"
	EventStageFailed         = "codepipeline-pipeline-stage-execution-failed"
	EventActionFailed        = "codepipeline-pipeline-action-execution-failed"
)

// PipelineEvents are every pipeline event ID Notify accepts.
var PipelineEvents = []string{
	"codepipeline-pipeline-action-execution-succeeded", EventActionFailed,
	"codepipeline-pipeline-action-execution-canceled", "codepipeline-pipeline-action-execution-started",
	"codepipeline-pipeline-stage-execution-started", "codepipeline-pipeline-stage-execution-succeeded",
	"codepipeline-pipeline-stage-execution-resumed", "codepipeline-pipeline-stage-execution-canceled", EventStageFailed,
	EventExecutionFailed, EventExecutionCanceled, EventExecutionStarted, EventExecutionResumed,
	EventExecutionSucceeded, EventExecutionSuperseded,
	EventApprovalFailed, EventApprovalNeeded, EventApprovalSucceeded,
}

// notifyLogicalName: the rule is autonamed <pipeline>-notify[-n]-<7 random>
// and CreateNotificationRule allows 64 characters of [A-Za-z0-9\-_ ].
var notifyLogicalName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,56}$`)

// Notify sends the pipeline's events (e.g. EventExecutionFailed,
// EventApprovalNeeded) to topic, whose Publishers must include
// NotificationsPrincipal. Each call is one notification rule, named
// <pipeline>-notify, then -notify-2 and so on in call order.
func (p *Pipeline) Notify(topic *constructs.Topic, events []string) (*codestarnotifications.NotificationRule, error) {
	p.notices++
	name := p.name + "-notify"
	if p.notices > 1 {
		name += "-" + strconv.Itoa(p.notices)
	}
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if !notifyLogicalName.MatchString(name) {
		add("name: %q must be 1–56 letters, digits, '-' or '_' (a notification rule name has at most 64 characters and the provider appends 8)", name)
	}
	if topic == nil {
		add("topic: nil; give the constructs.Topic that receives the events")
	} else if !topic.AllowsPublisher(NotificationsPrincipal) {
		add("topic: it does not let %s publish; add %q to its TopicArgs.Publishers", NotificationsPrincipal, NotificationsPrincipal)
	}
	if len(events) == 0 {
		add("events: none; give at least one, e.g. %q", EventExecutionFailed)
	}
	seen := map[string]bool{}
	for i, e := range events {
		switch {
		case !slices.Contains(PipelineEvents, e):
			add("events[%d]: %q is not a pipeline event; use one of cicd.PipelineEvents", i, e)
		case seen[e]:
			add("events[%d]: %q is listed twice", i, e)
		}
		seen[e] = true
	}
	if err := constructs.Invalid(fmt.Sprintf("notifications of pipeline %q", p.name), errs); err != nil {
		p.notices--
		return nil, err
	}
	sorted := slices.Clone(events)
	slices.Sort(sorted)
	ids := pulumi.StringArray{}
	for _, e := range sorted {
		ids = append(ids, pulumi.String(e))
	}
	// Ordered after the topic policy that lets the service publish, so the
	// first event the rule sends is delivered.
	return codestarnotifications.NewNotificationRule(p.ctx, name, &codestarnotifications.NotificationRuleArgs{
		Resource:     p.Arn,
		DetailType:   pulumi.String("FULL"),
		EventTypeIds: ids,
		Targets: codestarnotifications.NotificationRuleTargetArray{&codestarnotifications.NotificationRuleTargetArgs{
			Address: topic.Arn, Type: pulumi.String("SNS"),
		}},
	}, pulumi.Parent(p), pulumi.DependsOn([]pulumi.Resource{topic.Policy}))
}
