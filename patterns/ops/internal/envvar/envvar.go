// Package envvar reads the operations automation functions' configuration
// from environment variables at init, collecting every problem so that a
// function that cannot start says everything that is wrong at once. Each
// message names the variable, shows the bad value and says what is
// allowed.
package envvar

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Reader reads variables through getenv and collects the problems.
type Reader struct {
	getenv func(string) string
	errs   []error
}

// New returns a Reader of getenv (os.Getenv, or a map's lookup in tests).
func New(getenv func(string) string) *Reader { return &Reader{getenv: getenv} }

// Err is every problem found, joined, or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

// Fail records a problem found by the caller's own checks.
func (r *Reader) Fail(format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf(format, args...))
}

// Lookup treats a variable set to "" as unset, as Lambda's console does
// not distinguish them.
func (r *Reader) Lookup(name string) (string, bool) {
	v := strings.TrimSpace(r.getenv(name))
	return v, v != ""
}

// DynamoDB's TableName: 3 to 255 of a-z A-Z 0-9 _ . -
// (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html).
var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// Table reads a required DynamoDB table name.
func (r *Reader) Table(name, what string) string {
	v, ok := r.Lookup(name)
	switch {
	case !ok:
		r.Fail("%s is not set: set it to the name of %s", name, what)
	case !tableName.MatchString(v):
		r.Fail("%s is %q: set it to the name of %s (3 to 255 of a-z A-Z 0-9 _ . -), not its ARN", name, v, what)
	}
	return v
}

// S3's rules for general purpose bucket names
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// Bucket reads a required bucket name.
func (r *Reader) Bucket(name, what string) string {
	v, ok := r.Lookup(name)
	switch {
	case !ok:
		r.Fail("%s is not set: set it to the name of %s", name, what)
	case !bucketName.MatchString(v):
		r.Fail("%s is %q: set it to the name of %s (3 to 63 of a-z 0-9 . -), not its ARN or URL", name, v, what)
	}
	return v
}

// An SNS topic ARN (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html).
var topicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

// TopicARN reads a required SNS topic ARN.
func (r *Reader) TopicARN(name, what string) string {
	v, ok := r.Lookup(name)
	switch {
	case !ok:
		r.Fail("%s is not set: set it to the ARN of %s", name, what)
	case !topicARN.MatchString(v):
		r.Fail("%s is %q: set it to the ARN of %s (arn:aws:sns:<region>:<account>:<topic name>), not its name", name, v, what)
	}
	return v
}

// A Step Functions state machine ARN; names are 1 to 80 characters
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
var stateMachineARN = regexp.MustCompile(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]{1,80}$`)

// StateMachineARN reads a required state machine ARN.
func (r *Reader) StateMachineARN(name, what string) string {
	v, ok := r.Lookup(name)
	switch {
	case !ok:
		r.Fail("%s is not set: set it to the ARN of %s", name, what)
	case !stateMachineARN.MatchString(v):
		r.Fail("%s is %q: set it to the ARN of %s (arn:aws:states:<region>:<account>:stateMachine:<name>), not its name", name, v, what)
	}
	return v
}

// Int reads a whole number from min to max; def when unset.
func (r *Reader) Int(name string, def, min, max int) int {
	v, ok := r.Lookup(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		r.Fail("%s is %q: set it to a whole number from %d to %d (default %d)", name, v, min, max, def)
		return def
	}
	return n
}

// Bool reads true or false (as strconv.ParseBool takes them); def when
// unset.
func (r *Reader) Bool(name string, def bool) bool {
	v, ok := r.Lookup(name)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.Fail("%s is %q: set it to true or false (default %t)", name, v, def)
		return def
	}
	return b
}
