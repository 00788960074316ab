package diff

import (
	"fmt"
	"strconv"
	"strings"
)

// dataHolder is a type whose replacement or deletion loses what it holds.
type dataHolder struct {
	holds string
	// protected says, from the old inputs, what stops the loss ("" when
	// nothing does).
	protected func(old map[string]any) string
}

// dataHolders are the types kumo emits (or a program may add) that hold
// data a deploy cannot recreate. Replacement creates an empty resource and
// deletes the old one, so it loses the data just as a delete does.
var dataHolders = map[string]dataHolder{
	"aws:dynamodb/table:Table": {"items of a DynamoDB table", func(old map[string]any) string {
		// Deletion protection makes DeleteTable fail.
		// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html#WorkingWithTables.Basics.DeletionProtection
		if old["deletionProtectionEnabled"] == true {
			return "deletionProtectionEnabled: the delete fails until it is turned off"
		}
		return ""
	}},
	"aws:s3/bucketV2:BucketV2": {"objects in an S3 bucket", bucketProtected},
	"aws:s3/bucket:Bucket":     {"objects in an S3 bucket", bucketProtected},
	// A stream's records live for its retention period; a new stream starts
	// empty and consumers lose their position.
	"aws:kinesis/stream:Stream": {"records of a Kinesis stream (within its retention period)", nil},
	"aws:cognito/userPool:UserPool": {"users of a Cognito user pool (their passwords cannot be exported)", func(old map[string]any) string {
		// https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-deletion-protection.html
		if old["deletionProtection"] == "ACTIVE" {
			return "deletionProtection ACTIVE: the delete fails until it is turned off"
		}
		return ""
	}},
	"aws:opensearch/domain:Domain": {"indexes of an OpenSearch domain", nil},
	"aws:cloudwatch/logGroup:LogGroup": {"log events of a CloudWatch log group", func(old map[string]any) string {
		// skipDestroy leaves the log group in AWS when Pulumi deletes it
		// (pulumi-aws cloudwatch.LogGroupArgs.SkipDestroy).
		if old["skipDestroy"] == true {
			return "skipDestroy: the log group is left in AWS"
		}
		return ""
	}},
	"aws:sqs/queue:Queue": {"messages waiting in an SQS queue", nil},
	// A deleted key is only scheduled for deletion (7 to 30 days), but once
	// it is gone every object, item and record encrypted with it is
	// unreadable for good.
	// https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html
	"aws:kms/key:Key": {"the KMS key everything encrypted with it needs: unreadable once the key's deletion window ends", nil},
}

// bucketProtected: a bucket that still holds objects cannot be deleted
// unless forceDestroy empties it first (pulumi-aws s3.BucketV2Args.ForceDestroy,
// and S3's DeleteBucket refuses a non-empty bucket:
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html).
func bucketProtected(old map[string]any) string {
	if old["forceDestroy"] == true {
		return ""
	}
	return "forceDestroy is false: the delete fails while the bucket holds objects"
}

// replaceLabel names a replace-on-change property in the reviewer's words
// where its name alone does not say what it is.
var replaceLabel = map[string]string{
	"aws:dynamodb/table:Table hashKey":  "partition key",
	"aws:dynamodb/table:Table rangeKey": "sort key",
}

// dataLoss lists the replacements and deletions of data holders, and the
// updates that shorten how long one keeps its data, in URN order.
// Protection the synth cannot show (retainOnDelete, a stack's protect
// option) is not seen here; a preview's engine would refuse then.
func dataLoss(ix *stackIndex) []DataLoss {
	out := []DataLoss{}
	for i := range ix.changes {
		c := &ix.changes[i]
		out = append(out, retentionLoss(c)...)
		if c.Op != OpReplace && c.Op != OpDelete {
			continue
		}
		h, ok := dataHolders[c.Type]
		if !ok {
			continue
		}
		dl := DataLoss{URN: c.URN, Type: c.Type, Name: c.Name, Op: c.Op, Holds: h.holds, Reason: "removed from the program"}
		if c.Type == "aws:kms/key:Key" {
			if w := fmtValue(c.Old["deletionWindowInDays"]); w != "(unset)" {
				dl.Holds = fmt.Sprintf("the KMS key everything encrypted with it needs: unreadable once the %s-day deletion window ends", w)
			} else {
				dl.Holds = "the KMS key everything encrypted with it needs: unreadable once the 30-day default deletion window ends"
			}
		}
		if c.Op == OpReplace {
			dl.Reason = replaceReason(c)
		} else if n := renamedTo(ix, c); n != nil {
			dl.Reason = fmt.Sprintf("removed from the program, and %s of the same type is created in the same place: if this is a rename, the new one starts empty; give the renamed resource or component pulumi.Aliases with its old name to keep it", n.Name)
		}
		if h.protected != nil && c.Old != nil {
			dl.Protected = h.protected(c.Old)
		}
		out = append(out, dl)
	}
	return out
}

// renamedTo finds the one resource created where c is deleted: the same
// type under the same chain of parent types (urn:pulumi:stack::project::
// parents$type::name). A rename changes the URN, and Pulumi then deletes
// the old resource and creates a new one unless the new one has an alias
// (https://www.pulumi.com/docs/iac/concepts/options/aliases/). With more
// than one candidate kumo does not guess.
func renamedTo(ix *stackIndex, c *Change) *Change {
	chain := func(urn string) string {
		parts := strings.SplitN(urn, "::", 4)
		if len(parts) != 4 {
			return ""
		}
		return parts[2]
	}
	want := chain(c.URN)
	if want == "" {
		return nil
	}
	var found *Change
	for i := range ix.changes {
		n := &ix.changes[i]
		if n.Op != OpCreate || n.Type != c.Type || chain(n.URN) != want {
			continue
		}
		if found != nil {
			return nil
		}
		found = n
	}
	return found
}

// protectionRemoved lists the updates that take away what stops a data
// holder's deletion, in URN order: the reviewer of a prod stack must see
// the guard go before the delete that needs it gone.
func protectionRemoved(ix *stackIndex) []DataLoss {
	out := []DataLoss{}
	for i := range ix.changes {
		c := &ix.changes[i]
		h, ok := dataHolders[c.Type]
		if c.Op != OpUpdate || !ok || h.protected == nil || c.Old == nil || c.New == nil {
			continue
		}
		was := h.protected(c.Old)
		if was == "" || h.protected(c.New) != "" || hasUnknown(c.New) {
			continue
		}
		out = append(out, DataLoss{URN: c.URN, Type: c.Type, Name: c.Name, Op: OpUpdate, Holds: h.holds,
			Reason: "protection removed: a later delete or replacement loses the data", Protected: was})
	}
	return out
}

// hasUnknown reports whether any top-level input is known only after
// deploy: then a missing protection may only be unknown yet.
func hasUnknown(m map[string]any) bool {
	for _, v := range m {
		if v == Unknown {
			return true
		}
	}
	return false
}

// replaceReason says which properties force a replacement, old → new.
func replaceReason(c *Change) string {
	var parts []string
	for _, p := range c.Props {
		if !p.Replace {
			continue
		}
		label := p.Path
		if l, ok := replaceLabel[c.Type+" "+p.Path]; ok {
			label = l + " " + p.Path
		}
		parts = append(parts, fmt.Sprintf("%s changed: %s → %s (forces replacement)", label, fmtValue(p.Old), fmtValue(p.New)))
	}
	if len(parts) == 0 && len(c.ReplaceReasons) > 0 {
		// A preview may name the reasons without property-level detail.
		parts = append(parts, "replacement forced by "+strings.Join(c.ReplaceReasons, ", "))
	}
	if len(parts) == 0 {
		parts = append(parts, "replaced")
	}
	r := strings.Join(parts, "; ")
	if c.DeleteBeforeReplace {
		r += "; the old one is deleted before the new one exists"
	}
	return r
}

// retention is a data holder's setting for how long it keeps what it
// holds. Shortening it is data loss without a replace or a delete: the
// service drops at once (or within days) everything older than the new
// period, and nothing in the deploy can bring it back.
type retention struct {
	key  string // the top-level input
	unit string // "days", "hours" or "seconds"
	// unset is the period AWS applies when the input is absent; 0 means
	// kept for ever.
	unset float64
	// older says what goes, given the new period in words.
	older string
}

var retentions = map[string]retention{
	// Events older than the retention are deleted; 0 or unset keeps them
	// for ever (PutRetentionPolicy,
	// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
	"aws:cloudwatch/logGroup:LogGroup": {"retentionInDays", "days", 0, "log events older than %s"},
	// "Any data records that are older than the new retention period are
	// no longer accessible" (DecreaseStreamRetentionPeriod,
	// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_DecreaseStreamRetentionPeriod.html);
	// a stream keeps 24 hours by default.
	"aws:kinesis/stream:Stream": {"retentionPeriod", "hours", 24, "records older than %s"},
	// SQS deletes messages left in a queue longer than its retention
	// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessage.html);
	// 345,600 s (4 days) when unset
	// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html).
	"aws:sqs/queue:Queue": {"messageRetentionSeconds", "seconds", 345600, "messages waiting longer than %s"},
}

// retentionLoss lists what an update deletes by shortening a retention:
// a log group's, a stream's or a queue's period, or an S3 lifecycle
// rule's expiration.
func retentionLoss(c *Change) []DataLoss {
	if c.Op != OpUpdate || c.Old == nil || c.New == nil {
		return nil
	}
	if c.Type == typeLifecycle {
		return lifecycleLoss(c)
	}
	r, ok := retentions[c.Type]
	if !ok {
		return nil
	}
	oldP, ok1 := period(c.Old[r.key], r.unset)
	newP, ok2 := period(c.New[r.key], r.unset)
	if !ok1 || !ok2 || !shorter(newP, oldP) {
		return nil
	}
	return []DataLoss{{
		URN: c.URN, Type: c.Type, Name: c.Name, Op: OpUpdate,
		Holds:  fmt.Sprintf(r.older, periodWords(newP, r.unit)),
		Reason: fmt.Sprintf("%s shortened: %s → %s", r.key, periodWords(oldP, r.unit), periodWords(newP, r.unit)),
	}}
}

// period reads a retention input: unset gives AWS's own value, a value
// known only after deploy cannot be judged.
func period(v any, unset float64) (float64, bool) {
	if v == nil {
		return unset, true
	}
	return toFloat(v)
}

// shorter reports whether period a keeps less than b, 0 meaning for ever.
func shorter(a, b float64) bool {
	if a <= 0 {
		return false
	}
	return b <= 0 || a < b
}

func periodWords(p float64, unit string) string {
	if p <= 0 {
		return "for ever"
	}
	n := strconv.FormatFloat(p, 'f', -1, 64)
	if p == 1 {
		return n + " " + strings.TrimSuffix(unit, "s")
	}
	return n + " " + unit
}

const typeLifecycle = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"

// lifecycleLoss compares a bucket's lifecycle rules by ID: an enabled
// rule whose expiration (of current or of noncurrent versions) is new or
// sooner deletes the objects it now reaches: S3 applies a rule to the
// objects already there and "queues for removal any existing objects"
// past it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html,
// "Existing and new objects").
func lifecycleLoss(c *Change) []DataLoss {
	oldRules := map[string]map[string]any{}
	for _, r := range asList(c.Old["rules"]) {
		if m := asMap(r); m != nil && m["status"] == "Enabled" {
			oldRules[str(m, "id")] = m
		}
	}
	var out []DataLoss
	for _, r := range asList(c.New["rules"]) {
		m := asMap(r)
		if m == nil || m["status"] != "Enabled" {
			continue
		}
		old := oldRules[str(m, "id")]
		for _, e := range []struct{ path, what string }{
			{"expiration.days", "objects"},
			{"noncurrentVersionExpiration.noncurrentDays", "noncurrent versions of objects"},
		} {
			newP, ok := toFloat(field(m, e.path))
			if !ok || newP <= 0 {
				continue
			}
			oldP, known := 0.0, true // 0: the old rule never expired them
			if v := field(old, e.path); v != nil {
				oldP, known = toFloat(v)
			}
			if !known || !shorter(newP, oldP) {
				continue
			}
			where := "in the bucket"
			if p := str(asMap(m["filter"]), "prefix"); p != "" {
				where = "under " + strconv.Quote(p)
			}
			out = append(out, DataLoss{
				URN: c.URN, Type: c.Type, Name: c.Name, Op: OpUpdate,
				Holds:  fmt.Sprintf("%s %s older than %s", e.what, where, periodWords(newP, "days")),
				Reason: fmt.Sprintf("lifecycle rule %s: %s %s → %s", strconv.Quote(str(m, "id")), e.path, periodWords(oldP, "days"), periodWords(newP, "days")),
			})
		}
	}
	return out
}
