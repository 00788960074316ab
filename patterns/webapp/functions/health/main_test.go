package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kumo-iac/kumo/internal/localaws"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

// The probe runs against dynalite (internal/localaws), so "the table
// answers" and "the table does not exist" are what a DynamoDB server says,
// not what a fake assumes. Without dynalite those tests skip, except under
// CI=true.
func TestMain(m *testing.M) {
	code := m.Run()
	localaws.StopAll()
	os.Exit(code)
}

// spyDB records every GetItem and its context's deadline, and can fail
// them or pass them on.
type spyDB struct {
	next getItemAPI // nil: answer an empty item
	err  error

	mu        sync.Mutex
	calls     []*dynamodb.GetItemInput
	deadlines []time.Duration // deadline minus the time of the call
}

func (s *spyDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	s.mu.Lock()
	s.calls = append(s.calls, in)
	if d, ok := ctx.Deadline(); ok {
		s.deadlines = append(s.deadlines, time.Until(d))
	}
	s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	if s.next == nil {
		return &dynamodb.GetItemOutput{}, nil
	}
	return s.next.GetItem(ctx, in, o...)
}

func (s *spyDB) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls)
}

// itemsTable creates a table with the items key on the shared dynalite.
func itemsTable(t *testing.T, ctx context.Context, db *dynamodb.Client) string {
	t.Helper()
	return localaws.NewTable(t, ctx, db, "items", dynamodb.CreateTableInput{
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(items.IDAttribute), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(items.IDAttribute), KeyType: types.KeyTypeHash}},
	})
}

func TestHealthAgainstDynamoDB(t *testing.T) {
	ctx := t.Context()
	db := localaws.Shared(t, localaws.Dynalite).DynamoDB()
	existing := itemsTable(t, ctx, db)
	tests := []struct {
		name, table string
		wantCode    int
		wantBody    string
		wantLogged  string
	}{
		{"table answers", existing, 200, `{"status":"ok","function":"web-health","version":"7"}`, ""},
		{"table does not exist", "web-items-gone", 503, `{"status":"unavailable","function":"web-health","version":"7"}`, "ResourceNotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			spy := &spyDB{next: db}
			s := server{prober: newProber(spy, tt.table, slog.New(slog.NewJSONHandler(&logs, nil))), function: "web-health", version: "7"}
			got := s.handle(ctx)
			if got.StatusCode != tt.wantCode || got.Body != tt.wantBody {
				t.Errorf("got %d %s; want %d %s", got.StatusCode, got.Body, tt.wantCode, tt.wantBody)
			}
			// The cause is for the logs, never for the public.
			if strings.Contains(got.Body, tt.table) || strings.Contains(got.Body, "Exception") {
				t.Errorf("body %s names the table or the error; want only the status", got.Body)
			}
			if tt.wantLogged != "" && (!strings.Contains(logs.String(), tt.wantLogged) || !strings.Contains(logs.String(), `"level":"ERROR"`)) {
				t.Errorf("logs %q; want an ERROR line with %s", logs.String(), tt.wantLogged)
			}
			if tt.wantLogged == "" && logs.Len() > 0 {
				t.Errorf("logs %q; want none while healthy", logs.String())
			}
			// One eventually consistent GetItem of the reserved key,
			// projecting only the key: what dynamodb:GetItem alone allows.
			if spy.count() != 1 {
				t.Fatalf("got %d reads; want 1", spy.count())
			}
			in := spy.calls[0]
			key, _ := in.Key[items.IDAttribute].(*types.AttributeValueMemberS)
			if aws.ToString(in.TableName) != tt.table || key == nil || key.Value != probeID || len(in.Key) != 1 ||
				aws.ToBool(in.ConsistentRead) || aws.ToString(in.ProjectionExpression) != "#id" {
				t.Errorf("got GetItem %+v; want table %s, key %s=%s, eventually consistent, projecting #id", in, tt.table, items.IDAttribute, probeID)
			}
		})
	}
}

// A flood of calls costs one read per container every ttl, and a failure
// is remembered as long as a success.
func TestHealthRemembersTheResult(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantCode  int
		wantReads []int // reads so far after each call at the offsets below
	}{
		{"healthy", nil, 200, []int{1, 1, 1, 2, 2}},
		{"unhealthy", errors.New("RequestError: send request failed"), 503, []int{1, 1, 1, 2, 2}},
	}
	// Offsets from the first call: within ttl, at ttl (read again), and
	// within the new result's ttl.
	offsets := []time.Duration{0, time.Second, remember - time.Millisecond, remember, remember + time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			now := start
			spy := &spyDB{err: tt.err}
			p := newProber(spy, "web-items", slog.New(slog.DiscardHandler))
			p.now = func() time.Time { return now }
			s := server{prober: p}
			for i, off := range offsets {
				now = start.Add(off)
				if got := s.handle(t.Context()); got.StatusCode != tt.wantCode {
					t.Errorf("call at +%s: got %d; want %d", off, got.StatusCode, tt.wantCode)
				}
				if got := spy.count(); got != tt.wantReads[i] {
					t.Errorf("after the call at +%s: got %d reads; want %d", off, got, tt.wantReads[i])
				}
			}
		})
	}
}

// A clock that moved backwards (a restored snapshot) does not pin a result.
func TestHealthReadsAgainWhenTheClockGoesBack(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	spy := &spyDB{}
	p := newProber(spy, "web-items", slog.New(slog.DiscardHandler))
	p.now = func() time.Time { return now }
	p.healthy(t.Context())
	now = now.Add(-time.Minute)
	p.healthy(t.Context())
	if got := spy.count(); got != 2 {
		t.Errorf("got %d reads; want 2", got)
	}
}

// Every read runs under readTimeout, which leaves Route 53's 2 s answer
// window room, and the SDK's attempts fit inside it.
func TestHealthReadIsBounded(t *testing.T) {
	spy := &spyDB{}
	p := newProber(spy, "web-items", slog.New(slog.DiscardHandler))
	// A longer caller deadline (the function's timeout) is cut down.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	p.healthy(ctx)
	if len(spy.deadlines) != 1 || spy.deadlines[0] > readTimeout {
		t.Errorf("got read deadlines %v; want one of at most %s", spy.deadlines, readTimeout)
	}
	if readTimeout > 2*time.Second {
		t.Errorf("readTimeout %s; want at most 2 s, Route 53's answer window", readTimeout)
	}
	worst := time.Duration(readBounds.MaxAttempts)*readBounds.AttemptTimeout + time.Duration(readBounds.MaxAttempts-1)*readBounds.MaxBackoff
	if readBounds.MaxAttempts < 1 || readBounds.MaxAttempts > 2 || worst > readTimeout {
		t.Errorf("readBounds %+v: worst case %s, %d attempts; want at most 2 attempts within %s", readBounds, worst, readBounds.MaxAttempts, readTimeout)
	}
}

// A read that hangs ends at the deadline as unavailable.
func TestHealthHangingReadIsUnavailable(t *testing.T) {
	p := newProber(hangingDB{}, "web-items", slog.New(slog.DiscardHandler))
	p.timeout = time.Millisecond // the deadline, not the clock, is what is tested
	if got := (server{prober: p}).handle(t.Context()); got.StatusCode != 503 {
		t.Errorf("got %d; want 503", got.StatusCode)
	}
}

type hangingDB struct{}

func (hangingDB) GetItem(ctx context.Context, _ *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestRespond(t *testing.T) {
	tests := []struct {
		name                       string
		code                       int
		state, fn, version, origin string
		wantBody                   string
		wantHeaders                map[string]string
	}{
		{
			name: "ok with origin", code: 200, state: "ok", fn: "webapp-health", version: "7", origin: "https://example.com",
			wantBody: `{"status":"ok","function":"webapp-health","version":"7"}`,
			wantHeaders: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store",
				"Access-Control-Allow-Origin": "https://example.com"},
		},
		{
			name: "unavailable without origin or Lambda variables", code: 503, state: "unavailable",
			wantBody:    `{"status":"unavailable","function":"","version":""}`,
			wantHeaders: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		},
		{
			name: "escapes odd names", code: 200, state: "ok", fn: `a"b`, version: "$LATEST",
			wantBody:    `{"status":"ok","function":"a\"b","version":"$LATEST"}`,
			wantHeaders: map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := respond(tt.code, tt.state, tt.fn, tt.version, tt.origin)
			if got.StatusCode != tt.code {
				t.Errorf("got status %d; want %d", got.StatusCode, tt.code)
			}
			if got.Body != tt.wantBody {
				t.Errorf("got body %s; want %s", got.Body, tt.wantBody)
			}
			if !maps.Equal(got.Headers, tt.wantHeaders) {
				t.Errorf("got headers %v; want %v", got.Headers, tt.wantHeaders)
			}
		})
	}
}
