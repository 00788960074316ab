package constructs

import (
	"fmt"
	"strings"
	"sync"
	"weak"

	"github.com/hashicorp/go-multierror"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/internal/s3notify"
)

// BucketTrigger is one kind of object event of a bucket that invokes a
// function.
type BucketTrigger struct {
	// Function is invoked, through its alias, with each event. Required.
	Function *Function
	// Events are the S3 event types that invoke it, e.g.
	// "s3:ObjectCreated:Put" or "s3:ObjectRemoved:*" (the list S3 accepts
	// is s3notify.EventTypes). Default: ["s3:ObjectCreated:*"].
	Events []string
	// Prefix limits the trigger to keys that start with it, e.g. "raw/".
	// Default: every key.
	Prefix string
	// Suffix limits the trigger to keys that end with it, e.g. ".json".
	// Default: every key.
	Suffix string
	// Enabled is the trigger's kill switch: false leaves it out of the
	// bucket's notification configuration, so S3 stops invoking the
	// function, and changes nothing else (the function keeps its
	// permission, so switching back on is one small update). Default: true.
	Enabled *bool
}

// PrincipalS3 is the service that publishes a bucket's object events: a
// Topic a bucket triggers lists it among its Publishers.
const PrincipalS3 = "s3.amazonaws.com"

// BucketTopicTrigger is one kind of object event of a bucket that S3
// publishes to a topic, which fans it out to every subscriber (one upload,
// several functions or queues: resize, convert, archive). SNS keeps no
// order and no copy: subscribe a Queue where a subscriber must not lose
// events while it is down.
type BucketTopicTrigger struct {
	// Topic receives each event. Its Publishers must include
	// "s3.amazonaws.com" (PrincipalS3), which also lets S3 use its key.
	// Required.
	Topic *Topic
	// Events are the S3 event types published, as BucketTrigger's.
	// Default: ["s3:ObjectCreated:*"].
	Events []string
	// Prefix limits the trigger to keys that start with it. Default: every
	// key.
	Prefix string
	// Suffix limits the trigger to keys that end with it. Default: every
	// key.
	Suffix string
	// Enabled is the trigger's kill switch: false leaves it out of the
	// bucket's notification configuration, so S3 stops publishing to the
	// topic, and changes nothing else. Default: true.
	Enabled *bool
}

// BucketTriggersArgs configure BucketTriggers.
type BucketTriggersArgs struct {
	// Bucket whose object events invoke the functions and reach the
	// topics. Required.
	Bucket *Bucket
	// Triggers are the bucket's triggers that invoke functions. S3 keeps
	// one notification configuration per bucket, so a bucket gets one
	// BucketTriggers with all of its triggers and topic triggers, at least
	// one of either. Default: none.
	Triggers []BucketTrigger
	// Topics are the bucket's triggers that publish to topics; no two
	// triggers of either kind may overlap (same event type, prefixes and
	// suffixes that overlap). Default: none.
	Topics []BucketTopicTrigger
}

// BucketTriggers are the triggers of one bucket: its notification
// configuration, a permission per function letting S3 invoke the
// function's alias from this bucket only, and topics S3 publishes to.
type BucketTriggers struct {
	pulumi.ResourceState

	// Notification is the bucket's one notification configuration, put
	// after the permissions S3 validates it against.
	Notification *s3.BucketNotification
	// Permissions let S3 invoke each function's alias, one per function in
	// the order the functions first appear in Triggers.
	Permissions []*lambda.Permission
}

// bucketTriggerOwners records which BucketTriggers owns each bucket's
// notification configuration: a second one for the same bucket would
// replace the first on every deployment, so it is refused up front. Kept
// here rather than on Bucket; the keys are weak so that a process running
// many programs (tests, benchmarks) does not keep their buckets alive.
var bucketTriggerOwners sync.Map // weak.Pointer[Bucket] → name of its BucketTriggers

func (t BucketTrigger) withDefaults() BucketTrigger {
	if len(t.Events) == 0 {
		t.Events = []string{DefaultBucketTriggerEvent}
	}
	if t.Enabled == nil {
		on := true
		t.Enabled = &on
	}
	return t
}

func (t BucketTopicTrigger) withDefaults() BucketTopicTrigger {
	if len(t.Events) == 0 {
		t.Events = []string{DefaultBucketTriggerEvent}
	}
	t.Enabled = orDefaultPtr(t.Enabled, true)
	return t
}

func (a BucketTriggersArgs) withDefaults() BucketTriggersArgs {
	ts := make([]BucketTrigger, len(a.Triggers))
	for i, t := range a.Triggers {
		ts[i] = t.withDefaults()
	}
	a.Triggers = ts
	tts := make([]BucketTopicTrigger, len(a.Topics))
	for i, t := range a.Topics {
		tts[i] = t.withDefaults()
	}
	a.Topics = tts
	return a
}

// destination is what the overlap and filter rules need of a trigger of
// either kind.
type destination struct {
	field          string
	events         []string
	prefix, suffix string
}

// destinations lists every trigger, functions first, in order.
func (a BucketTriggersArgs) destinations() []destination {
	var ds []destination
	for i, t := range a.Triggers {
		ds = append(ds, destination{fmt.Sprintf("Triggers[%d]", i), t.Events, t.Prefix, t.Suffix})
	}
	for i, t := range a.Topics {
		ds = append(ds, destination{fmt.Sprintf("Topics[%d]", i), t.Events, t.Prefix, t.Suffix})
	}
	return ds
}

// validate reports every problem (defaults applied). Disabled triggers are
// validated too: switching one back on must not make the configuration one
// S3 refuses.
func (a BucketTriggersArgs) validate() *multierror.Error {
	var errs *multierror.Error
	add := func(format string, args ...any) { errs = multierror.Append(errs, fmt.Errorf(format, args...)) }
	if a.Bucket == nil {
		add("Bucket: not set; pass the *Bucket whose object events invoke the functions")
	} else if owner, taken := bucketTriggerOwners.Load(weak.Make(a.Bucket)); taken {
		add("Bucket: bucket %q already has triggers %q; S3 keeps one notification configuration per bucket and a second would replace the first, so list every trigger of the bucket in one NewBucketTriggers", a.Bucket.name, owner)
	}
	if len(a.Triggers) == 0 && len(a.Topics) == 0 {
		add("Triggers: none, and no Topics; add at least one BucketTrigger or BucketTopicTrigger (a trigger's Enabled switches it off)")
	}
	for i, t := range a.Triggers {
		if t.Function == nil {
			add("Triggers[%d].Function: not set; pass the *Function the events invoke", i)
		}
	}
	for i, t := range a.Topics {
		switch {
		case t.Topic == nil:
			add("Topics[%d].Topic: not set; pass the *Topic the events are published to", i)
		case !t.Topic.allowsPublisher(PrincipalS3):
			add("Topics[%d].Topic: topic %q does not let %s publish (nor use its key), so S3 would refuse the configuration (\"Unable to validate the following destination configurations\"); add it to the topic's Publishers", i, t.Topic.name, PrincipalS3)
		}
	}
	ds := a.destinations()
	for i, d := range ds {
		for j, e := range d.events {
			if !s3notify.ValidEvent(e) {
				add("%s.Events[%d]: %q is not an S3 event type; use one of %s", d.field, j, e, strings.Join(s3notify.EventTypes, ", "))
			}
		}
		if n := len(d.prefix); n > s3notify.MaxFilterLength {
			add("%s.Prefix: %d characters; S3 allows at most %d", d.field, n, s3notify.MaxFilterLength)
		}
		if n := len(d.suffix); n > s3notify.MaxFilterLength {
			add("%s.Suffix: %d characters; S3 allows at most %d", d.field, n, s3notify.MaxFilterLength)
		}
		for _, u := range ds[:i] {
			ev, shared := s3notify.SharedEvent(u.events, d.events)
			if shared && s3notify.FiltersOverlap(u.prefix, u.suffix, d.prefix, d.suffix) {
				add("%s: prefix %q and suffix %q overlap %s (prefix %q, suffix %q) for %s; S3 refuses that (\"Configuration is ambiguously defined\"): make one prefix or one suffix not start or end the other, or react to different events",
					d.field, d.prefix, d.suffix, u.field, u.prefix, u.suffix, ev)
			}
		}
	}
	return errs
}

// Validate reports every problem with the args, defaults applied, as the
// constructor would, without registering anything.
func (a BucketTriggersArgs) Validate(name string) error {
	return invalid(fmt.Sprintf("bucket triggers %q", name), a.withDefaults().validate())
}

// NewBucketTriggers registers the triggers of a bucket: the bucket's
// notification configuration, pointing each trigger at its function's
// alias or its topic, and a permission per function letting S3 (from this
// bucket and account only) invoke that alias.
func NewBucketTriggers(ctx *pulumi.Context, name string, args *BucketTriggersArgs, opts ...pulumi.ResourceOption) (*BucketTriggers, error) {
	if args == nil {
		args = &BucketTriggersArgs{}
	}
	a := args.withDefaults()
	if err := invalid(fmt.Sprintf("bucket triggers %q", name), a.validate()); err != nil {
		return nil, err
	}
	if owner, taken := bucketTriggerOwners.LoadOrStore(weak.Make(a.Bucket), name); taken {
		return nil, fmt.Errorf("bucket triggers %q: bucket %q already has triggers %q", name, a.Bucket.name, owner)
	}
	bt := &BucketTriggers{}
	if err := ctx.RegisterComponentResource("kumo:constructs:BucketTriggers", name, bt, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(bt)

	// The bucket's ARN names no account, so the permission pins the
	// bucket owner: the account the stack deploys to.
	account := aws.GetCallerIdentityOutput(ctx, aws.GetCallerIdentityOutputArgs{}, parent).AccountId()
	allowed := map[*Function]bool{}
	var deps []pulumi.Resource
	for _, t := range a.Triggers {
		fn := t.Function
		if allowed[fn] {
			continue
		}
		allowed[fn] = true
		perm, err := fn.allowInvokeFrom(name+"-"+fn.name, "s3.amazonaws.com", a.Bucket.Arn, account, parent)
		if err != nil {
			return nil, err
		}
		bt.Permissions = append(bt.Permissions, perm)
		deps = append(deps, perm)
	}

	var configs s3.BucketNotificationLambdaFunctionArray
	for _, t := range a.Triggers {
		if !*t.Enabled {
			continue
		}
		c := &s3.BucketNotificationLambdaFunctionArgs{
			// The alias, never the bare function: canaries see every event.
			LambdaFunctionArn: t.Function.AliasArn,
			Events:            pulumi.ToStringArray(t.Events),
		}
		if t.Prefix != "" {
			c.FilterPrefix = pulumi.String(t.Prefix)
		}
		if t.Suffix != "" {
			c.FilterSuffix = pulumi.String(t.Suffix)
		}
		configs = append(configs, c)
	}
	var topics s3.BucketNotificationTopicArray
	for _, t := range a.Topics {
		// The topic's policy, which lets S3 publish, whether or not the
		// trigger is on: switching it on must not reorder anything.
		deps = append(deps, t.Topic.Policy)
		if !*t.Enabled {
			continue
		}
		c := &s3.BucketNotificationTopicArgs{TopicArn: t.Topic.Arn, Events: pulumi.ToStringArray(t.Events)}
		if t.Prefix != "" {
			c.FilterPrefix = pulumi.String(t.Prefix)
		}
		if t.Suffix != "" {
			c.FilterSuffix = pulumi.String(t.Suffix)
		}
		topics = append(topics, c)
	}
	// S3 checks each destination when the configuration is put ("Unable to
	// validate the following destination configurations"): a function's
	// permission, a topic's policy letting s3.amazonaws.com publish. So
	// those come first. With every trigger off, the configuration is empty
	// and S3 notifies nothing.
	var err error
	bt.Notification, err = s3.NewBucketNotification(ctx, name, &s3.BucketNotificationArgs{
		Bucket:          a.Bucket.Bucket.ID(),
		LambdaFunctions: configs,
		Topics:          topics,
	}, parent, pulumi.DependsOn(deps))
	if err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(bt, pulumi.Map{"bucket": a.Bucket.Name}); err != nil {
		return nil, err
	}
	return bt, nil
}

// allowInvokeFrom is allowInvoke for sources whose ARN names no account (an
// S3 bucket): the permission also pins the source's account, so a bucket of
// the same name in another account cannot invoke the alias.
func (f *Function) allowInvokeFrom(name, principal string, sourceArn, sourceAccount pulumi.StringInput, opts ...pulumi.ResourceOption) (*lambda.Permission, error) {
	return lambda.NewPermission(f.ctx, statementName(name), &lambda.PermissionArgs{
		Action:        pulumi.String("lambda:InvokeFunction"),
		Function:      f.FunctionName,
		Qualifier:     pulumi.String(f.args.AliasName),
		Principal:     pulumi.String(principal),
		SourceArn:     sourceArn,
		SourceAccount: sourceAccount,
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{f.Release}))...)
}
