// Package ctxsleep waits for a duration or until a context ends, whichever
// comes first: the pause between the bounded retries of kumo's network
// calls (CLI clients and Lambda handlers alike, so it imports only the
// standard library).
package ctxsleep

import (
	"context"
	"time"
)

// Sleep waits d or until ctx ends. It returns ctx's error if ctx ended
// first (or had ended already), else nil; d <= 0 does not wait.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
