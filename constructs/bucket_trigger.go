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

// BucketTriggersArgs configure BucketTriggers.
type BucketTriggersArgs struct {
	// Bucket whose object events invoke the functions. Required.
	Bucket *Bucket
	// Triggers are every trigger of the bucket, at least one. S3 keeps one
	// notification configuration per bucket, so a bucket gets one
	// BucketTriggers with all of them. Required.
	Triggers []BucketTrigger
}

// BucketTriggers are the Lambda triggers of one bucket: its notification
// configuration, and a permission per function letting S3 invoke the
// function's alias from this bucket only.
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

func (a BucketTriggersArgs) withDefaults() BucketTriggersArgs {
	ts := make([]BucketTrigger, len(a.Triggers))
	for i, t := range a.Triggers {
		ts[i] = t.withDefaults()
	}
	a.Triggers = ts
	return a
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
	if len(a.Triggers) == 0 {
		add("Triggers: none; add at least one BucketTrigger (a trigger's Enabled switches it off)")
	}
	for i, t := range a.Triggers {
		field := fmt.Sprintf("Triggers[%d]", i)
		if t.Function == nil {
			add("%s.Function: not set; pass the *Function the events invoke", field)
		}
		for j, e := range t.Events {
			if !s3notify.ValidEvent(e) {
				add("%s.Events[%d]: %q is not an S3 event type; use one of %s", field, j, e, strings.Join(s3notify.EventTypes, ", "))
			}
		}
		if n := len(t.Prefix); n > s3notify.MaxFilterLength {
			add("%s.Prefix: %d characters; S3 allows at most %d", field, n, s3notify.MaxFilterLength)
		}
		if n := len(t.Suffix); n > s3notify.MaxFilterLength {
			add("%s.Suffix: %d characters; S3 allows at most %d", field, n, s3notify.MaxFilterLength)
		}
		for j, u := range a.Triggers[:i] {
			ev, shared := s3notify.SharedEvent(u.Events, t.Events)
			if shared && s3notify.FiltersOverlap(u.Prefix, u.Suffix, t.Prefix, t.Suffix) {
				add("%s: prefix %q and suffix %q overlap Triggers[%d] (prefix %q, suffix %q) for %s; S3 refuses that (\"Configuration is ambiguously defined\"): make one prefix or one suffix not start or end the other, or react to different events",
					field, t.Prefix, t.Suffix, j, u.Prefix, u.Suffix, ev)
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

// NewBucketTriggers registers the Lambda triggers of a bucket: the bucket's
// notification configuration, pointing each trigger at its function's
// alias, and a permission per function letting S3 (from this bucket and
// account only) invoke that alias.
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
	// S3 checks each destination's permission when the configuration is
	// put ("Unable to validate the following destination configurations"),
	// so the permissions come first. With every trigger off, the
	// configuration is empty and S3 invokes nothing.
	var err error
	bt.Notification, err = s3.NewBucketNotification(ctx, name, &s3.BucketNotificationArgs{
		Bucket:          a.Bucket.Bucket.ID(),
		LambdaFunctions: configs,
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
