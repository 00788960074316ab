package cli

import (
	"bytes"
	"errors"
	"io/fs"
	"syscall"
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

// failingWriter fails every write as os.Stdout does on a pipe whose reader
// has gone.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) {
	return 0, &fs.PathError{Op: "write", Path: "/dev/stdout", Err: w.err}
}

func TestWriteOutput(t *testing.T) {
	tests := []struct {
		name    string
		ios     *IOStreams
		wantErr string
		wantIs  error
	}{
		{name: "written", ios: &IOStreams{Out: &bytes.Buffer{}}},
		{name: "broken pipe", ios: &IOStreams{Out: failingWriter{syscall.EPIPE}},
			wantErr: "write output: stdout: broken pipe", wantIs: syscall.EPIPE},
		{name: "bad descriptor", ios: &IOStreams{Out: failingWriter{syscall.EBADF}},
			wantErr: "write output: stdout: bad file descriptor", wantIs: syscall.EBADF},
		{name: "closed at start", ios: &IOStreams{Out: &bytes.Buffer{}, OutClosed: true},
			wantErr: "write output: stdout was closed when kumo started; redirect it, or use --out FILE where the command has it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ios.WriteOutput([]byte("out\n"))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := tt.ios.Out.(*bytes.Buffer).String(); got != "out\n" {
					t.Errorf("stdout = %q; want %q", got, "out\n")
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("WriteOutput() = %v; want %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("WriteOutput() = %v; want it to wrap %v", err, tt.wantIs)
			}
			if b, ok := tt.ios.Out.(*bytes.Buffer); ok && b.Len() != 0 {
				t.Errorf("stdout = %q; want nothing written to a closed stdout", b)
			}
		})
	}
}
