package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kumo-iac/kumo/patterns/webapp/healthprobe"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

// probeID is the key the probe reads, the one key the function's role may
// read.
const probeID = healthprobe.ID

const (
	// readTimeout bounds one probe, retry included. Route 53 counts an
	// HTTPS check as failed unless the endpoint answers within 2 s of the
	// connection
	// (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html),
	// and API Gateway and a cold start take their share of that.
	readTimeout = time.Second
	// remember is how long a container reuses a probe's result: a flood of
	// public GET /health calls costs at most one read per container every
	// few seconds, and Route 53's checkers (every 30 s each) still see a
	// failure within seconds.
	remember = 5 * time.Second
)

// getItemAPI is the part of *dynamodb.Client the probe uses.
type getItemAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// prober reads the table and remembers the outcome for a while.
type prober struct {
	db      getItemAPI
	table   string
	log     *slog.Logger
	timeout time.Duration
	ttl     time.Duration
	now     func() time.Time

	// mu is held across a read, so callers arriving during one wait for
	// its result instead of reading too.
	mu      sync.Mutex
	checked time.Time // zero: never
	ok      bool
}

func newProber(db getItemAPI, table string, log *slog.Logger) *prober {
	return &prober{db: db, table: table, log: log, timeout: readTimeout, ttl: remember, now: time.Now}
}

// healthy reports whether the table answered the last read, reading again
// when that result is older than ttl.
func (p *prober) healthy(ctx context.Context) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.checked.IsZero() {
		if age := p.now().Sub(p.checked); age >= 0 && age < p.ttl {
			return p.ok
		}
	}
	p.ok = p.read(ctx)
	p.checked = p.now()
	return p.ok
}

// read gets probeID, eventually consistent (half the read capacity of a
// strongly consistent read, and served by any of the partition's
// replicas), projecting only the key.
func (p *prober) read(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	_, err := p.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                aws.String(p.table),
		Key:                      map[string]types.AttributeValue{items.IDAttribute: &types.AttributeValueMemberS{Value: probeID}},
		ConsistentRead:           aws.Bool(false),
		ProjectionExpression:     aws.String("#id"),
		ExpressionAttributeNames: map[string]string{"#id": items.IDAttribute},
	})
	if err != nil {
		// The cause goes to the logs only; the public answer is just 503.
		p.log.Error("health probe: reading the items table failed", slog.String("table", p.table), slog.String("error", err.Error()))
		return false
	}
	return true
}

// status is the public body: no error text, no table name.
type status struct {
	Status   string `json:"status"`
	Function string `json:"function"`
	Version  string `json:"version"`
}

type server struct {
	prober                           *prober
	function, version, allowedOrigin string
}

// handle answers 200 {"status":"ok"} while the table can be read and 503
// {"status":"unavailable"} otherwise.
func (s server) handle(ctx context.Context) events.APIGatewayProxyResponse {
	if s.prober.healthy(ctx) {
		return respond(http.StatusOK, "ok", s.function, s.version, s.allowedOrigin)
	}
	return respond(http.StatusServiceUnavailable, "unavailable", s.function, s.version, s.allowedOrigin)
}

// respond builds the response; allowedOrigin becomes
// Access-Control-Allow-Origin unless it is empty.
func respond(code int, state, name, version, allowedOrigin string) events.APIGatewayProxyResponse {
	body, _ := json.Marshal(status{Status: state, Function: name, Version: version}) // strings always marshal
	headers := map[string]string{
		"Content-Type": "application/json",
		// A cached answer would hide an outage, or a recovery.
		"Cache-Control": "no-store",
	}
	if allowedOrigin != "" {
		headers["Access-Control-Allow-Origin"] = allowedOrigin
	}
	return events.APIGatewayProxyResponse{StatusCode: code, Headers: headers, Body: string(body)}
}
