package catalog

import (
	"fmt"
	"strings"
)

// SequencerWidth is how many hex digits a stored sequencer is left-padded
// to. S3 sends about 18; the headroom keeps every stored value comparable
// with every later one should S3 lengthen them, since a stored value
// cannot be re-padded.
const SequencerWidth = 64

// OrderedSequencer is an S3 event's sequencer in a form whose string order
// is the order of the events. S3 documents that the sequencers of two
// events on one key order them, compared "after left-padding the shorter
// value with zeros" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html):
// padding every value to SequencerWidth digits, upper-case, lets a
// DynamoDB condition compare them as strings.
func OrderedSequencer(seq string) (string, error) {
	if seq == "" {
		return "", fmt.Errorf("sequencer is empty: S3 sends one with every create and delete event, so the event cannot be ordered against others on its key")
	}
	if len(seq) > SequencerWidth {
		return "", fmt.Errorf("sequencer %q has %d hex digits, more than the %d it is padded to", seq, len(seq), SequencerWidth)
	}
	for _, c := range seq {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return "", fmt.Errorf("sequencer %q is not hexadecimal", seq)
		}
	}
	return strings.Repeat("0", SequencerWidth-len(seq)) + strings.ToUpper(seq), nil
}
