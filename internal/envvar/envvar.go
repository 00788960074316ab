// Package envvar reads the patterns' Lambda functions' configuration from
// environment variables at init, collecting every problem so that a
// function that cannot start says everything that is wrong at once. Each
// check refuses a value AWS would refuse (a table ARN where a name is due,
// a bare function where an alias is due) with the variable's name, the bad
// value and what is allowed.
package envvar

import (
	"errors"
	"fmt"
	"math"
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

// Table reads a DynamoDB table name; "" when it is optional and unset.
func (r *Reader) Table(name, what string, required bool) string {
	v, ok := r.Lookup(name)
	switch {
	case !ok && required:
		r.Fail("%s is not set: set it to the name of %s", name, what)
	case ok && !tableName.MatchString(v):
		r.Fail("%s is %q: set it to the name of %s (3 to 255 of a-z A-Z 0-9 _ . -), not its ARN", name, v, what)
	}
	return v
}

// S3's rules for general purpose bucket names: 3 to 63 lower-case
// letters, digits, dots and hyphens, starting and ending with a letter or
// digit (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
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

// Prefix reads a key prefix: "" (the bucket's root) or one ending in "/"
// and not starting with one; def when unset.
func (r *Reader) Prefix(name, def string) string {
	v, ok := r.Lookup(name)
	if !ok {
		return def
	}
	if !strings.HasSuffix(v, "/") || strings.HasPrefix(v, "/") {
		r.Fail("%s is %q: set it to a key prefix that ends in / and does not start with one, such as %q", name, v, def)
		return def
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

// Float reads a finite number; def when unset.
func (r *Reader) Float(name string, def float64) float64 {
	v, ok := r.Lookup(name)
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		r.Fail("%s is %q: set it to a finite number such as %g (default %g)", name, v, def, def)
		return def
	}
	return f
}

// An SNS topic ARN; the topic name is 1 to 256 of A-Z a-z 0-9 _ -, with
// ".fifo" after a FIFO topic's
// (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html).
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

// A Kinesis stream name, 1 to 128 of a-z A-Z 0-9 _ . -, or its ARN
// (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html).
var (
	streamName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,128}$`)
	streamARN  = regexp.MustCompile(`^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream/[a-zA-Z0-9_.-]{1,128}$`)
)

// Stream is a Kinesis data stream named by name or by ARN.
type Stream struct {
	Name, ARN string
}

// Stream reads a required Kinesis data stream's name or ARN.
func (r *Reader) Stream(name, what string) Stream {
	v, ok := r.Lookup(name)
	switch {
	case !ok:
		r.Fail("%s is not set: set it to the name or ARN of %s", name, what)
	case streamARN.MatchString(v):
		return Stream{ARN: v}
	case !streamName.MatchString(v):
		r.Fail("%s is %q: set it to the name (1 to 128 of a-z A-Z 0-9 _ . -) or the ARN (arn:aws:kinesis:<region>:<account>:stream/<name>) of %s", name, v, what)
	}
	return Stream{Name: v}
}

// A Lambda function ARN with a qualifier, as Invoke's FunctionName takes
// it (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html); the
// qualifier must be an alias: alias names are 1 to 128 of a-z A-Z 0-9 - _
// and not only digits, which would be a version
// (https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html).
var (
	functionARN = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_-]{1,64}(:(.*))?$`)
	aliasName   = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,128}$`)
	digits      = regexp.MustCompile(`^[0-9]+$`)
)

// AliasARN reads a required Lambda function alias ARN
// (arn:aws:lambda:<region>:<account>:function:<name>:<alias>), refusing
// the bare function, $LATEST and numbered versions: every invocation goes
// through an alias, so that a canary on it means something.
func (r *Reader) AliasARN(name, what string) string {
	v, ok := r.Lookup(name)
	if !ok {
		r.Fail("%s is not set: set it to the alias ARN of %s (arn:aws:lambda:<region>:<account>:function:<name>:<alias>)", name, what)
		return v
	}
	m := functionARN.FindStringSubmatch(v)
	switch {
	case m == nil:
		r.Fail("%s is %q: set it to the alias ARN of %s (arn:aws:lambda:<region>:<account>:function:<name>:<alias>), not its name", name, v, what)
	case m[1] == "":
		r.Fail("%s is %q, the bare function: set it to the ARN of %s's alias (…:function:<name>:<alias>), which is what its deployments shift", name, v, what)
	case m[2] == "$LATEST" || digits.MatchString(m[2]) || !aliasName.MatchString(m[2]):
		r.Fail("%s is %q: its qualifier %q is not an alias; set it to the ARN of %s's alias (…:function:<name>:<alias>)", name, v, m[2], what)
	}
	return v
}

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

// A Step Functions state machine ARN; names are 1 to 80 characters
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
var stateMachineARN = regexp.MustCompile(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]{1,80}$`)
