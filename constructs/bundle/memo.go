package bundle

import (
	"context"
	"errors"
	"sync"
)

// memo remembers one answer per key for the life of a builder (for Build,
// the process), so a program creating many functions asks the go command
// once per distinct question. Concurrent callers of one key share the
// computation in flight. An answer is reused only while valid says so:
// files may change under a long-lived process between calls (tests edit
// sources and rebuild), and valid re-checks whatever the answer was derived
// from, far more cheaply than computing it again.
type memo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*memoCall[V]
}

type memoCall[V any] struct {
	done    chan struct{} // closed when val and err are set
	val     V
	err     error
	waiters int // callers waiting on done, guarded by memo.mu; for tests
}

// get returns the remembered answer for key if valid accepts it, or else
// computes one with compute, remembering it only when compute succeeds.
// valid runs without the memo's lock and may be called concurrently.
func (m *memo[K, V]) get(ctx context.Context, key K, valid func(V) bool, compute func() (V, error)) (V, error) {
	for {
		m.mu.Lock()
		c, ok := m.m[key]
		if !ok {
			c = &memoCall[V]{done: make(chan struct{})}
			if m.m == nil {
				m.m = map[K]*memoCall[V]{}
			}
			m.m[key] = c
			m.mu.Unlock()
			return m.run(key, c, compute)
		}
		c.waiters++
		m.mu.Unlock()

		select {
		case <-c.done:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		switch {
		case c.err == nil && valid(c.val):
			return c.val, nil
		case c.err != nil && !isContextErr(c.err):
			// The same question failed just now; asking again would fail
			// the same way. The failed call is already forgotten, so the
			// next caller asks afresh.
			var zero V
			return zero, c.err
		}
		// Stale, or the caller that computed it gave up: forget it unless
		// another caller has already replaced it, and go round.
		m.mu.Lock()
		if m.m[key] == c {
			delete(m.m, key)
		}
		m.mu.Unlock()
	}
}

// errAbandoned is what waiters see if compute panicked.
var errAbandoned = errors.New("bundle: go command query abandoned")

func (m *memo[K, V]) run(key K, c *memoCall[V], compute func() (V, error)) (V, error) {
	c.err = errAbandoned
	defer func() {
		if c.err != nil {
			m.mu.Lock()
			if m.m[key] == c {
				delete(m.m, key)
			}
			m.mu.Unlock()
		}
		close(c.done)
	}()
	c.val, c.err = compute()
	return c.val, c.err
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
