package items

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// The Store validates on its own too, for callers that do not come through
// Handler.
func TestStoreValidates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	long := strings.Repeat("é", MaxNameChars+1)
	tests := []struct {
		name       string
		call       func() error
		wantFields []string
	}{
		{"create with blank name and long description", func() error {
			_, err := e.store.Create(ctx, Input{Name: " ", Description: strings.Repeat("d", MaxDescriptionChars+1)}, "")
			return err
		}, []string{"name", "description"}},
		{"update with bad id and long name", func() error {
			_, err := e.store.Update(ctx, "x", Input{Name: long})
			return err
		}, []string{"id", "name"}},
		{"get with bad id", func() error { _, err := e.store.Get(ctx, "x"); return err }, []string{"id"}},
		{"delete with bad id", func() error { return e.store.Delete(ctx, "x") }, []string{"id"}},
		{"list with bad limit and token", func() error { _, err := e.store.List(ctx, 0, "%"); return err }, []string{"limit", "next"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("got error %v; want a *ValidationError", err)
			}
			var got []string
			for _, p := range verr.Problems {
				got = append(got, p.Field)
			}
			if !slices.Equal(got, tt.wantFields) {
				t.Errorf("got fields %q; want %q", got, tt.wantFields)
			}
		})
	}
	if n := len(e.db.items); n != 0 {
		t.Errorf("got %d stored items; want 0", n)
	}
}

func TestStoreNotFoundIsWrapped(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, getErr := e.store.Get(ctx, missingID)
	_, updErr := e.store.Update(ctx, missingID, Input{Name: "x"})
	delErr := e.store.Delete(ctx, missingID)
	for _, err := range []error{getErr, updErr, delErr} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v; want ErrNotFound", err)
		}
		if err != nil && !strings.Contains(err.Error(), missingID) {
			t.Errorf("got %q; want the message to name the id", err)
		}
	}
}

func TestValidationErrorMessage(t *testing.T) {
	err := &ValidationError{Summary: "invalid item", Problems: []FieldError{
		{Field: "name", Message: "name is required"},
		{Field: "done", Message: "done must be true or false"},
	}}
	if got, want := err.Error(), "invalid item: name is required; done must be true or false"; got != want {
		t.Errorf("got %q; want %q", got, want)
	}
}

func TestQuoteTruncates(t *testing.T) {
	tests := []struct{ in, want string }{
		{"short", `"short"`},
		{strings.Repeat("a", 40), `"` + strings.Repeat("a", 40) + `"`},
		{strings.Repeat("ü", 41), `"` + strings.Repeat("ü", 40) + `"…`},
		{"line\nbreak\x00", `"line\nbreak\x00"`},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}
