package envvar

import (
	"strings"
	"testing"
)

func TestOpsVariablesEveryProblemAtOnce(t *testing.T) {
	env := map[string]string{
		"T": "arn:aws:dynamodb:eu-west-1:123456789012:table/x",
		"B": "s3://b",
		"S": "topic",
		"M": "machine",
		"I": "0",
		"F": "yes please",
	}
	r := New(func(k string) string { return env[k] })
	r.Table("T", "the table", true)
	r.Bucket("B", "the bucket")
	r.TopicARN("S", "the topic")
	r.StateMachineARN("M", "the state machine")
	r.Int("I", 30, 1, 3650)
	r.Bool("F", false)
	r.Table("MISSING", "another table", true)
	err := r.Err()
	if err == nil {
		t.Fatal("got no error")
	}
	for _, want := range []string{`T is "arn:aws:dynamodb`, `B is "s3://b"`, `S is "topic"`, `M is "machine"`, `I is "0": set it to a whole number from 1 to 3650 (default 30)`, `F is "yes please"`, "MISSING is not set"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestOpsVariablesDefaultsAndGoodValues(t *testing.T) {
	env := map[string]string{
		"T": "ops-tasks",
		"S": "arn:aws:sns:eu-west-1:123456789012:alerts",
		"M": "arn:aws:states:eu-west-1:123456789012:stateMachine:images",
		"F": "true",
	}
	r := New(func(k string) string { return env[k] })
	if got := r.Int("I", 30, 1, 3650); got != 30 {
		t.Errorf("Int default: got %d; want 30", got)
	}
	if !r.Bool("F", false) || r.Bool("G", false) {
		t.Error("Bool: got the wrong value")
	}
	r.Table("T", "t", true)
	r.TopicARN("S", "s")
	r.StateMachineARN("M", "m")
	if err := r.Err(); err != nil {
		t.Error(err)
	}
}
