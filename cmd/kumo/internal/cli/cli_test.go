package cli

import (
	"bytes"
	"errors"
	"testing"
)

type exporter struct{ b []byte }

func (e exporter) JSON() ([]byte, error) { return e.b, nil }

func TestWriteJSON(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"plain value, no HTML escaping", map[string]any{"b": "<a&b>", "a": []int{1}}, "{\n  \"a\": [\n    1\n  ],\n  \"b\": \"<a&b>\"\n}\n"},
		{"own contract is used as is", exporter{[]byte("{\"x\": 1}\n")}, "{\"x\": 1}\n"},
		{"trailing newline added", exporter{[]byte("{}")}, "{}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJSON(&b, tt.v); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("WriteJSON() = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestErrorCarriesCode(t *testing.T) {
	cause := errors.New("cause")
	var err error = &Error{Code: ExitInvalidConfig, Err: cause}
	var got *Error
	if !errors.As(err, &got) || got.Code != ExitInvalidConfig || !errors.Is(err, cause) || err.Error() != "cause" {
		t.Errorf("Error %v: As=%v Is=%v; want code 3 wrapping cause", err, got, errors.Is(err, cause))
	}
	if err := UsageErrorf("bad %s", "flag"); !errors.As(err, &got) || got.Code != ExitUsage || err.Error() != "bad flag" {
		t.Errorf("UsageErrorf() = %v; want a usage error", err)
	}
}
