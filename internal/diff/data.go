package diff

import (
	"fmt"
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

// dataLoss lists the replacements and deletions of data holders, in URN
// order. Protection the synth cannot show (retainOnDelete, a stack's
// protect option) is not seen here; a preview's engine would refuse then.
func dataLoss(ix *stackIndex) []DataLoss {
	out := []DataLoss{}
	for i := range ix.changes {
		c := &ix.changes[i]
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
		}
		if h.protected != nil && c.Old != nil {
			dl.Protected = h.protected(c.Old)
		}
		out = append(out, dl)
	}
	return out
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
