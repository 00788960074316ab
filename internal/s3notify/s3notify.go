// Package s3notify knows what Amazon S3 accepts in a bucket's notification
// configuration: its event types, and when two of its entries overlap. The
// BucketTriggers construct validates its triggers with it before registering
// anything, and kumo synth's reality rule for aws:s3/bucketNotification runs
// the same checks on every notification, so the two cannot disagree.
package s3notify

import (
	"slices"
	"strings"
)

// Sources of the rules.
const (
	// SourceEventTypes lists the event types: LambdaFunctionConfiguration's
	// Events (the same list for queue and topic configurations).
	SourceEventTypes = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LambdaFunctionConfiguration.html"
	// SourceOverlap is where S3 refuses overlapping filters: "Configuration
	// is ambiguously defined. Cannot have overlapping suffixes in two rules
	// if the prefixes are overlapping for the same event type."
	SourceOverlap = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html; https://repost.aws/knowledge-center/lambda-s3-event-configuration-error"
	// SourceFilterRule bounds a prefix or suffix: "The maximum length is
	// 1,024 characters."
	SourceFilterRule = "https://docs.aws.amazon.com/AmazonS3/latest/API/API_FilterRule.html"
)

// MaxFilterLength is the longest prefix or suffix a filter rule takes.
const MaxFilterLength = 1024

// EventTypes are the event types a notification configuration accepts.
var EventTypes = []string{
	"s3:ReducedRedundancyLostObject",
	"s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Post", "s3:ObjectCreated:Copy", "s3:ObjectCreated:CompleteMultipartUpload",
	"s3:ObjectRemoved:*", "s3:ObjectRemoved:Delete", "s3:ObjectRemoved:DeleteMarkerCreated",
	"s3:ObjectRestore:*", "s3:ObjectRestore:Post", "s3:ObjectRestore:Completed", "s3:ObjectRestore:Delete",
	"s3:Replication:*", "s3:Replication:OperationFailedReplication", "s3:Replication:OperationNotTracked",
	"s3:Replication:OperationMissedThreshold", "s3:Replication:OperationReplicatedAfterThreshold",
	"s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectAcl:Put",
	"s3:LifecycleExpiration:*", "s3:LifecycleExpiration:Delete", "s3:LifecycleExpiration:DeleteMarkerCreated",
	"s3:ObjectTagging:*", "s3:ObjectTagging:Put", "s3:ObjectTagging:Delete",
}

// ValidEvent reports whether S3 accepts e as an event type.
func ValidEvent(e string) bool { return slices.Contains(EventTypes, e) }

// SharedEvent returns an event type both lists react to, and whether there
// is one: equal types, or a type and the "…:*" type covering it (the more
// specific one is returned).
func SharedEvent(a, b []string) (string, bool) {
	for _, x := range a {
		for _, y := range b {
			switch {
			case x == y:
				return x, true
			case covers(x, y):
				return y, true
			case covers(y, x):
				return x, true
			}
		}
	}
	return "", false
}

// covers reports whether wildcard type w ("s3:ObjectCreated:*") includes e.
func covers(w, e string) bool {
	family, ok := strings.CutSuffix(w, "*")
	return ok && strings.HasPrefix(e, family)
}

// FiltersOverlap reports whether S3 considers two key filters overlapping:
// their prefixes overlap (one starts the other; an empty prefix overlaps
// every prefix) and so do their suffixes (one ends the other).
func FiltersOverlap(prefixA, suffixA, prefixB, suffixB string) bool {
	prefixes := strings.HasPrefix(prefixA, prefixB) || strings.HasPrefix(prefixB, prefixA)
	suffixes := strings.HasSuffix(suffixA, suffixB) || strings.HasSuffix(suffixB, suffixA)
	return prefixes && suffixes
}
