package ctxsleep

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		d    time.Duration
		want error
	}{
		{"waits and returns nil", context.Background(), time.Millisecond, nil},
		{"no wait for zero", context.Background(), 0, nil},
		{"ended context, long wait", ended, time.Hour, context.Canceled},
		{"ended context, zero wait", ended, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sleep(tt.ctx, tt.d); !errors.Is(got, tt.want) || (tt.want == nil && got != nil) {
				t.Errorf("got %v; want %v", got, tt.want)
			}
		})
	}
}
