package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/patterns/webapp/authz"
)

// countingAuthorizer counts what the handler asks of it.
type countingAuthorizer struct{ authorizes, refreshes int }

func (c *countingAuthorizer) Authorize(context.Context, string, string) (authz.Decision, error) {
	c.authorizes++
	return authz.Decision{}, authz.ErrUnauthorized
}

func (c *countingAuthorizer) Refresh(context.Context) error {
	c.refreshes++
	return nil
}

// goldens are the synthesized stacks that test/golden_test.go keeps equal
// to what synth makes of the shipped stack files.
const goldens = "../../../../test/testdata/*.golden.json"

// TestScheduledInputRefreshes feeds the input of every authorizer refresh
// schedule in the synthesized stacks to the handler, which must answer it
// by refreshing: the event the pattern schedules and the one this function
// dispatches on cannot drift apart unnoticed.
func TestScheduledInputRefreshes(t *testing.T) {
	files, err := filepath.Glob(goldens)
	if err != nil || len(files) == 0 {
		t.Fatalf("got golden files %v (%v); want the synthesized stacks at %s", files, err, goldens)
	}
	found := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var stack struct {
			Resources []struct {
				Type, Name string
				Inputs     map[string]any
			}
		}
		if err := json.Unmarshal(b, &stack); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, r := range stack.Resources {
			if r.Type != "aws:cloudwatch/eventTarget:EventTarget" || !strings.HasSuffix(r.Name, "-authorizer-refresh") {
				continue
			}
			found++
			input, _ := r.Inputs["input"].(string)
			a := &countingAuthorizer{}
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			resp, err := handler(a, tokenSource{name: "Authorization"}, log)(context.Background(), json.RawMessage(input))
			got, _ := json.Marshal(resp)
			if err != nil || string(got) != `{"refreshed":true}` || a.refreshes != 1 || a.authorizes != 0 {
				t.Errorf("%s %s: input %q got %s, %v, %d refreshes and %d authorizations; want {\"refreshed\":true} from one refresh",
					filepath.Base(file), r.Name, input, got, err, a.refreshes, a.authorizes)
			}
		}
	}
	if found == 0 {
		t.Errorf("got no authorizer refresh schedule (an EventTarget named *-authorizer-refresh) in %s; want the shipped stacks' schedules", goldens)
	}
}
