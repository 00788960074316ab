// Package searchindex keeps an OpenSearch index in step with the data
// lake's catalog table: it takes the table's DynamoDB stream batches
// (NEW_AND_OLD_IMAGES) and, in one _bulk request per batch, indexes each
// inserted or modified entry as a document whose id is its object key and
// deletes the document of each removed entry. Items OpenSearch refuses are
// reported by sequence number so that Lambda retries from the first of
// them. The index is created with an explicit mapping on first use. The
// Lambda entry point is patterns/datalake/functions/indexer.
package searchindex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/opensearch-project/opensearch-go/v4"
	"github.com/opensearch-project/opensearch-go/v4/opensearchapi"
	"github.com/opensearch-project/opensearch-go/v4/signer/awsv2"

	"github.com/kumo-iac/kumo/patterns/datalake/catalog"
)

// DefaultIndex is the index the catalog goes to when SEARCH_INDEX is unset.
const DefaultIndex = "lake-catalog"

// SigningService is the service name in the SigV4 signatures of requests
// to an Amazon OpenSearch Service domain.
const SigningService = "es"

// Mapping is the index's settings and mapping: the catalog's fields typed
// explicitly so that the first document does not decide them (a dataset
// named "2024" must not make dataset a number); other strings, such as
// tag values, are keywords.
const Mapping = `{
  "mappings": {
    "dynamic_templates": [
      {"strings_as_keywords": {"match_mapping_type": "string", "mapping": {"type": "keyword", "ignore_above": 1024}}}
    ],
    "properties": {
      "objectKey":   {"type": "keyword", "fields": {"text": {"type": "text"}}},
      "bucket":      {"type": "keyword"},
      "dataset":     {"type": "keyword"},
      "partition":   {"type": "keyword"},
      "type":        {"type": "keyword"},
      "contentType": {"type": "keyword"},
      "size":        {"type": "long"},
      "eventTime":   {"type": "date"},
      "etag":        {"type": "keyword"},
      "versionId":   {"type": "keyword"},
      "sequencer":   {"type": "keyword"},
      "tags":        {"type": "object"}
    }
  }
}`

// ValidateIndexName checks an index name against OpenSearch's naming
// rules (https://docs.opensearch.org/latest/api-reference/index-apis/create-index/):
// lower-case; not starting with _, - or +; none of space , : " * + / \ | ?
// # > <; not . or ..; at most 255 bytes.
func ValidateIndexName(name string) error {
	switch {
	case name == "":
		return errors.New("index name is empty")
	case len(name) > 255:
		return fmt.Errorf("index name %q is %d bytes; OpenSearch allows 255", name, len(name))
	case name == "." || name == "..":
		return fmt.Errorf("index name %q is not allowed", name)
	case strings.ToLower(name) != name:
		return fmt.Errorf("index name %q has upper-case letters; OpenSearch index names are lower-case", name)
	case strings.ContainsAny(name[:1], "_-+"):
		return fmt.Errorf("index name %q starts with %q; OpenSearch index names may not start with _, - or +", name, name[:1])
	}
	if i := strings.IndexAny(name, ` ,:"*+/\|?#><`); i >= 0 {
		return fmt.Errorf("index name %q contains %q; OpenSearch index names may not contain space , : \" * + / \\ | ? # > <", name, name[i:i+1])
	}
	return nil
}

// Timeouts and retries of every request.
const (
	// RequestTimeout bounds one call, retries included.
	RequestTimeout = 30 * time.Second
	// MaxRetries is how often a request is retried after a network
	// error, a timeout, or 429/502/503/504.
	MaxRetries = 3
)

// NewClient returns a client of the OpenSearch Service domain at endpoint
// (https://…), signing every request with SigV4 for service "es" with the
// credentials and region of awsCfg. transport carries the requests; nil
// means one with bounded dial, TLS and response-header times.
func NewClient(endpoint string, awsCfg aws.Config, transport http.RoundTripper) (*opensearchapi.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("search endpoint %q: want the domain's https:// URL with no path, such as https://search-lake-abc123.eu-west-1.es.amazonaws.com", endpoint)
	}
	if awsCfg.Region == "" {
		return nil, errors.New("no AWS region to sign search requests for: set AWS_REGION")
	}
	signer, err := awsv2.NewSignerWithService(awsCfg, SigningService)
	if err != nil {
		return nil, err
	}
	if transport == nil {
		transport = defaultTransport()
	}
	return opensearchapi.NewClient(opensearchapi.Config{Client: opensearch.Config{
		Addresses:            []string{strings.TrimSuffix(u.String(), "/")},
		Signer:               signer,
		Transport:            transport,
		MaxRetries:           MaxRetries,
		RetryOnStatus:        []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
		EnableRetryOnTimeout: true, // index and delete by id may be repeated
		RetryBackoff:         backoff,
	}})
}

func defaultTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 5 * time.Second
	tr.ResponseHeaderTimeout = 20 * time.Second
	return tr
}

// backoff waits 100 ms, 200 ms, 400 ms … (at most 2 s) before retry
// attempt, with full jitter so that concurrent shards do not retry in
// step.
func backoff(attempt int) time.Duration {
	d := min(100*time.Millisecond<<(attempt-1), 2*time.Second)
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// Indexer applies stream batches to the index.
type Indexer struct {
	client *opensearchapi.Client
	index  string
	log    *slog.Logger
	// reportItems: see New.
	reportItems bool

	mu    sync.Mutex
	ready bool // the index is known to exist
}

// New returns an Indexer of index. With reportItems, Handle reports the
// records OpenSearch refused in its response and returns no error, which
// needs the event source mapping's FunctionResponseTypes to include
// ReportBatchItemFailures (without it Lambda would take the response for
// success and drop them); without reportItems, any refused record fails
// the whole batch.
func New(client *opensearchapi.Client, index string, reportItems bool, log *slog.Logger) *Indexer {
	return &Indexer{client: client, index: index, reportItems: reportItems, log: log}
}

// op is one bulk action for one stream record.
type op struct {
	seq    string // the record's sequence number
	delete bool
	id     string
	doc    map[string]any // nil for a delete
}

// Handle applies one batch. An error fails the whole batch (Lambda
// retries it, bisecting it if the mapping says so): a record it cannot
// read, the index it cannot create, a bulk request that fails as a whole.
// Items OpenSearch refuses one by one are reported in the response's
// BatchItemFailures (or, without reportItems, fail the batch too); a
// delete of a document that is not there is no failure.
func (ix *Indexer) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	ops := make([]op, 0, len(ev.Records))
	for _, rec := range ev.Records {
		o, err := toOp(rec)
		if err != nil {
			return resp, fmt.Errorf("record %s (%s): %w", rec.Change.SequenceNumber, rec.EventName, err)
		}
		ops = append(ops, o)
	}
	if len(ops) == 0 {
		return resp, nil
	}
	if err := ix.ensureIndex(ctx); err != nil {
		return resp, err
	}
	failed, err := ix.bulk(ctx, ops)
	if err != nil {
		return resp, err
	}
	if len(failed) == 0 {
		return resp, nil
	}
	if !ix.reportItems {
		return resp, fmt.Errorf("%d of %d records were refused by the index (first: sequence number %s)", len(failed), len(ops), failed[0])
	}
	for _, seq := range failed {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
	}
	return resp, nil
}

func toOp(rec events.DynamoDBEventRecord) (op, error) {
	seq := rec.Change.SequenceNumber
	if seq == "" {
		// Lambda would take an empty identifier for a failed batch.
		return op{}, errors.New("no sequence number")
	}
	switch rec.EventName {
	case "INSERT", "MODIFY":
		if rec.Change.NewImage == nil {
			return op{}, fmt.Errorf("no new image: the table's stream must have StreamViewType NEW_IMAGE or NEW_AND_OLD_IMAGES, not %s", rec.Change.StreamViewType)
		}
		doc, err := document(rec.Change.NewImage)
		if err != nil {
			return op{}, err
		}
		key, ok := doc[catalog.KeyAttribute].(string)
		if !ok || key == "" {
			return op{}, fmt.Errorf("new image has no string %s", catalog.KeyAttribute)
		}
		return op{seq: seq, id: DocumentID(key), doc: doc}, nil
	case "REMOVE":
		k, ok := rec.Change.Keys[catalog.KeyAttribute]
		if !ok || k.DataType() != events.DataTypeString || k.String() == "" {
			return op{}, fmt.Errorf("keys %v have no string %s: is this the catalog table's stream?", rec.Change.Keys, catalog.KeyAttribute)
		}
		return op{seq: seq, delete: true, id: DocumentID(k.String())}, nil
	default:
		return op{}, fmt.Errorf("event name %q is none of INSERT, MODIFY, REMOVE", rec.EventName)
	}
}

// maxIDBytes is OpenSearch's limit on a document _id
// (https://docs.opensearch.org/latest/mappings/metadata-fields/id/).
const maxIDBytes = 512

// DocumentID is the id of an object's document: its key, or, for a key
// longer than an _id may be (S3 keys reach 1,024 bytes), "sha256:" and
// the key's SHA-256 in hex. The document's objectKey field holds the key
// either way.
func DocumentID(objectKey string) string {
	if len(objectKey) <= maxIDBytes {
		return objectKey
	}
	sum := sha256.Sum256([]byte(objectKey))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// document converts a stream image to the JSON document indexed: strings,
// numbers (kept exact), booleans, nulls, maps and lists as themselves,
// sets as arrays, binary as base64.
func document(image map[string]events.DynamoDBAttributeValue) (map[string]any, error) {
	doc := make(map[string]any, len(image))
	for k, v := range image {
		jv, err := jsonValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		doc[k] = jv
	}
	return doc, nil
}

func jsonValue(v events.DynamoDBAttributeValue) (any, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return v.String(), nil
	case events.DataTypeNumber:
		return json.Number(v.Number()), nil
	case events.DataTypeBoolean:
		return v.Boolean(), nil
	case events.DataTypeNull:
		return nil, nil
	case events.DataTypeBinary:
		return base64.StdEncoding.EncodeToString(v.Binary()), nil
	case events.DataTypeStringSet:
		return v.StringSet(), nil
	case events.DataTypeNumberSet:
		ns := v.NumberSet()
		out := make([]json.Number, len(ns))
		for i, n := range ns {
			out[i] = json.Number(n)
		}
		return out, nil
	case events.DataTypeBinarySet:
		bs := v.BinarySet()
		out := make([]string, len(bs))
		for i, b := range bs {
			out[i] = base64.StdEncoding.EncodeToString(b)
		}
		return out, nil
	case events.DataTypeMap:
		return document(v.Map())
	case events.DataTypeList:
		l := v.List()
		out := make([]any, len(l))
		for i, e := range l {
			jv, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = jv
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unknown DynamoDB data type %d", v.DataType())
	}
}

// ensureIndex creates the index with Mapping unless it exists. Once it is
// known to exist, it is not asked again in this execution environment.
func (ix *Indexer) ensureIndex(ctx context.Context) error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.ready {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	resp, err := ix.client.Indices.Exists(ctx, opensearchapi.IndicesExistsReq{Indices: []string{ix.index}})
	switch {
	case resp != nil && resp.StatusCode == http.StatusOK:
		ix.ready = true
		return nil
	case resp != nil && resp.StatusCode == http.StatusNotFound:
	case err != nil:
		return fmt.Errorf("does index %s exist: %w", ix.index, err)
	default:
		return fmt.Errorf("does index %s exist: status %d", ix.index, resp.StatusCode)
	}
	_, err = ix.client.Indices.Create(ctx, opensearchapi.IndicesCreateReq{Index: ix.index, Body: strings.NewReader(Mapping)})
	var se *opensearch.StructError
	switch {
	case errors.As(err, &se) && se.Err.Type == "resource_already_exists_exception":
		// Another execution environment created it in between.
	case err != nil:
		return fmt.Errorf("create index %s: %w", ix.index, err)
	default:
		ix.log.Info("created index", slog.String("index", ix.index))
	}
	ix.ready = true
	return nil
}

// bulk sends ops as one _bulk request and returns the sequence numbers of
// the ones OpenSearch refused, in batch order.
func (ix *Indexer) bulk(ctx context.Context, ops []op) ([]string, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body) // one JSON value and "\n" per call
	enc.SetEscapeHTML(false)
	for _, o := range ops {
		action := "index"
		if o.delete {
			action = "delete"
		}
		if err := enc.Encode(map[string]map[string]string{action: {"_id": o.id}}); err != nil {
			return nil, err
		}
		if !o.delete {
			if err := enc.Encode(o.doc); err != nil {
				return nil, fmt.Errorf("document %s: %w", o.id, err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, RequestTimeout)
	defer cancel()
	// The index in the path, not in each action, so that an IAM policy
	// scoped to the index's ARN covers the request.
	res, err := ix.client.Bulk(ctx, opensearchapi.BulkReq{Index: ix.index, Body: bytes.NewReader(body.Bytes())})
	if err != nil {
		return nil, fmt.Errorf("bulk request of %d actions to %s: %w", len(ops), ix.index, err)
	}
	if len(res.Items) != len(ops) {
		return nil, fmt.Errorf("bulk response has %d items for %d actions", len(res.Items), len(ops))
	}
	var failed []string
	for i, item := range res.Items {
		o := ops[i]
		r, ok := item["index"]
		if o.delete {
			r, ok = item["delete"]
		}
		if !ok {
			return nil, fmt.Errorf("bulk response item %d is %v, not the result of action %d", i, keys(item), i)
		}
		switch {
		case r.Status >= 200 && r.Status < 300:
		case o.delete && r.Status == http.StatusNotFound:
			// Already gone: a retried batch, or an entry never indexed.
		default:
			reason := ""
			if r.Error != nil {
				reason = r.Error.Type + ": " + r.Error.Reason
			}
			ix.log.Error("search item refused", slog.String("sequenceNumber", o.seq), slog.String("id", o.id),
				slog.Int("status", r.Status), slog.String("error", reason))
			failed = append(failed, o.seq)
		}
	}
	ix.log.Info("indexed", slog.Int("actions", len(ops)), slog.Int("refused", len(failed)))
	return failed, nil
}

func keys(m map[string]opensearchapi.BulkRespItem) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
