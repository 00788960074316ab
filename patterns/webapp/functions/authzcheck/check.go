package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kumo-iac/kumo/patterns/webapp/authz/kumoevent"
)

// refreshEvent is what functions/authorizer answers by fetching the
// issuer's keys and writing the key snapshot, as the schedule sends it.
const refreshEvent = kumoevent.Refresh

// invoker invokes the version under test (hook.Target.Invoke): a function
// error, which the authorizer returns when the refresh fails, is an error.
type invoker func(ctx context.Context, payload []byte) ([]byte, error)

// check has version refresh its keys and accepts only its answer that it
// did, {"refreshed":true}.
func check(ctx context.Context, version string, invoke invoker) error {
	out, err := invoke(ctx, []byte(refreshEvent))
	if err != nil {
		return fmt.Errorf("refresh of the signing keys and their snapshot: %w", err)
	}
	var resp struct {
		Refreshed bool `json:"refreshed"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		return fmt.Errorf("version %s answered %s to %s, not {\"refreshed\":true}: %w", version, clip(out), refreshEvent, err)
	}
	if !resp.Refreshed {
		return fmt.Errorf("version %s answered %s to %s, not {\"refreshed\":true}", version, clip(out), refreshEvent)
	}
	return nil
}

// clip keeps an unexpected answer short in the hook's log.
func clip(b []byte) string {
	const n = 256
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
