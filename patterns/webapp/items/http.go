package items

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
)

// Resource templates the API routes on. They are API Gateway resource
// paths, not request paths, so a stage or base-path prefix does not matter.
const (
	CollectionResource = "/items"
	ItemResource       = "/items/{id}"
)

// Request is the part of an HTTP request the API looks at.
type Request struct {
	// Method is the HTTP method in upper case.
	Method string
	// Resource is the matched resource template, CollectionResource or
	// ItemResource.
	Resource string
	// PathParams holds the path parameters; "id" on ItemResource.
	PathParams map[string]string
	// Query holds the query string parameters: limit and next on List.
	Query map[string]string
	// Headers holds the request headers; names match in any case. The API
	// reads If-Match.
	Headers map[string]string
	// Body is the raw request body.
	Body string
	// Claims are a Cognito authorizer's verified token claims: "sub" is
	// the caller, who owns the items they create, and "cognito:groups"
	// makes members of AdminGroup admins. Read with Identity AuthCognito.
	Claims map[string]string
	// Authorizer is a Lambda authorizer's context ("sub", "scope"). Read
	// with Identity AuthToken or AuthRequest.
	Authorizer map[string]string
	// IAMUserArn and IAMCaller are the SigV4 signer API Gateway verified
	// (requestContext.identity.userArn and caller). Read with Identity
	// AuthIAM. Without an identity every item route answers 401.
	IAMUserArn, IAMCaller string
	// IAMCognitoIdentityID is the Cognito identity pool identity of a
	// caller signing with the pool's credentials.
	IAMCognitoIdentityID string
	// RequestID identifies the request in logs, to match them with API
	// Gateway's access logs and the x-amzn-RequestId response header.
	RequestID string
}

// Response is what the API answers.
type Response struct {
	Status  int
	Headers map[string]string
	Body    string
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error   string       `json:"error"`
	Details []FieldError `json:"details,omitempty"`
}

// Handler serves the items API on a Store.
type Handler struct {
	store         *Store
	allowedOrigin string
	log           *slog.Logger
	identity      Identity
}

// NewHandler returns a Handler for store. allowedOrigin is sent as
// Access-Control-Allow-Origin on every response; when it is "" the header is
// left out and browsers allow same-origin calls only. log receives the
// details of internal errors, which responses never contain. Default (nil):
// JSON lines on stderr, which Lambda sends to CloudWatch Logs.
func NewHandler(store *Store, allowedOrigin string, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return &Handler{store: store, allowedOrigin: allowedOrigin, log: log}
}

// WithIdentity sets which authorizer's identity the handler reads.
// Default: Identity{}, a Cognito authorizer's claims.
func (h *Handler) WithIdentity(id Identity) *Handler {
	h.identity = id
	return h
}

// Handle routes req to the Store and turns the outcome into a Response. It
// never fails: every error, including a panic, becomes a JSON error response
// with the CORS header, so browsers can read it.
func (h *Handler) Handle(ctx context.Context, req Request) (resp Response) {
	defer func() {
		if r := recover(); r != nil {
			resp = h.internalError(ctx, req, fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
		}
	}()
	var route func(context.Context, Request, Caller) Response
	switch req.Resource {
	case CollectionResource:
		switch req.Method {
		case http.MethodGet:
			route = h.list
		case http.MethodPost:
			route = h.create
		case http.MethodOptions:
			return h.preflight("GET, POST, OPTIONS")
		default:
			return h.methodNotAllowed(req, "GET, POST, OPTIONS")
		}
	case ItemResource:
		switch req.Method {
		case http.MethodGet:
			route = h.get
		case http.MethodPut:
			route = h.update
		case http.MethodDelete:
			route = h.delete
		case http.MethodOptions:
			return h.preflight("GET, PUT, DELETE, OPTIONS")
		default:
			return h.methodNotAllowed(req, "GET, PUT, DELETE, OPTIONS")
		}
	default:
		return h.json(http.StatusNotFound, errorBody{Error: fmt.Sprintf("no route for %s %s", req.Method, quoteHeader(req.Resource))})
	}
	c, ok := h.identity.Caller(req)
	if !ok {
		// API Gateway's authorizer refuses requests without a valid
		// identity before they get here; this is a route deployed without
		// it, or a direct invocation.
		return h.json(http.StatusUnauthorized, errorBody{Error: "no signed-in caller: the request carries no sub (or IAM principal) from the API's authorizer, so the API cannot tell whose items to use; call it through the API"})
	}
	return route(ctx, req, c)
}

// A user's list holds their own items, newest first; an admin's holds
// every item. Each item carries its version, the ETag to send back.
func (h *Handler) list(ctx context.Context, req Request, c Caller) Response {
	// Both parameters are checked before anything is read, so that a bad
	// limit and a bad token are reported together.
	var problems []FieldError
	limit, p := parseLimit(req.Query["limit"])
	if p != nil {
		problems = append(problems, *p)
	}
	start, p, err := h.store.openNext(ctx, c, req.Query["next"])
	if err != nil {
		return h.fail(ctx, req, err)
	}
	if p != nil {
		problems = append(problems, *p)
	}
	if len(problems) > 0 {
		return h.fail(ctx, req, &ValidationError{Summary: "invalid query parameters", Problems: problems})
	}
	page, err := h.store.list(ctx, c, limit, start)
	if err != nil {
		return h.fail(ctx, req, err)
	}
	return h.json(http.StatusOK, page)
}

func (h *Handler) get(ctx context.Context, req Request, c Caller) Response {
	it, err := h.store.Get(ctx, c, req.PathParams["id"])
	if err != nil {
		return h.fail(ctx, req, err)
	}
	return h.withETag(h.json(http.StatusOK, it), it)
}

func (h *Handler) create(ctx context.Context, req Request, c Caller) Response {
	if r, tooLarge := h.checkSize(req); tooLarge {
		return r
	}
	in, err := parseInput(req.Body)
	if err != nil {
		return h.fail(ctx, req, err)
	}
	it, err := h.store.Create(ctx, c, in)
	if err != nil {
		return h.fail(ctx, req, err)
	}
	resp := h.withETag(h.json(http.StatusCreated, it), it)
	resp.Headers["Location"] = CollectionResource + "/" + it.ID
	return resp
}

func (h *Handler) update(ctx context.Context, req Request, c Caller) Response {
	if r, tooLarge := h.checkSize(req); tooLarge {
		return r
	}
	id, idProblem := parseID(req.PathParams["id"])
	version, hasVersion, versionProblem := parseIfMatch(header(req.Headers, "If-Match"))
	in, err := parseInput(req.Body)
	if idProblem != nil || versionProblem != nil {
		return h.fail(ctx, req, withProblems(err, idProblem, versionProblem))
	}
	if err != nil {
		return h.fail(ctx, req, err)
	}
	if !hasVersion {
		return h.preconditionRequired(req)
	}
	it, err := h.store.Update(ctx, c, id, version, in)
	if err != nil {
		return h.fail(ctx, req, err)
	}
	return h.withETag(h.json(http.StatusOK, it), it)
}

func (h *Handler) delete(ctx context.Context, req Request, c Caller) Response {
	id, idProblem := parseID(req.PathParams["id"])
	version, hasVersion, versionProblem := parseIfMatch(header(req.Headers, "If-Match"))
	if idProblem != nil || versionProblem != nil {
		return h.fail(ctx, req, withProblems(nil, idProblem, versionProblem))
	}
	if !hasVersion {
		return h.preconditionRequired(req)
	}
	if err := h.store.Delete(ctx, c, id, version); err != nil {
		return h.fail(ctx, req, err)
	}
	return Response{Status: http.StatusNoContent, Headers: h.headers()}
}

// preconditionRequired answers a write without If-Match (RFC 6585, 428):
// without it the API cannot tell an informed change from one that would
// overwrite somebody else's.
func (h *Handler) preconditionRequired(req Request) Response {
	return h.json(http.StatusPreconditionRequired, errorBody{Error: fmt.Sprintf(
		"%s needs an If-Match header with the item's ETag, e.g. If-Match: \"3\": read the item (GET it or list it) and send back the ETag you got, so that a change made since is not overwritten",
		req.Method+" "+CollectionResource+"/"+quoteHeader(req.PathParams["id"]))})
}

// withETag adds the item's ETag, which a client sends back in If-Match.
func (h *Handler) withETag(r Response, it Item) Response {
	r.Headers["ETag"] = ETag(it.Version)
	return r
}

// header returns the value of the header name, whose case HTTP ignores.
func header(headers map[string]string, name string) string {
	if v, ok := headers[name]; ok {
		return v
	}
	for k, v := range headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (h *Handler) checkSize(req Request) (Response, bool) {
	if len(req.Body) <= MaxBodyBytes {
		return Response{}, false
	}
	return h.json(http.StatusRequestEntityTooLarge, errorBody{
		Error: fmt.Sprintf("request body is too large: %d bytes; allowed at most %d bytes", len(req.Body), MaxBodyBytes),
	}), true
}

// preflight answers a CORS preflight. It only matters when API Gateway
// passes OPTIONS through to the function instead of answering it itself.
func (h *Handler) preflight(allow string) Response {
	r := Response{Status: http.StatusNoContent, Headers: h.headers()}
	r.Headers["Allow"] = allow
	if h.allowedOrigin != "" {
		r.Headers["Access-Control-Allow-Methods"] = allow
		r.Headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, If-Match"
		r.Headers["Access-Control-Max-Age"] = "600"
	}
	return r
}

func (h *Handler) methodNotAllowed(req Request, allow string) Response {
	r := h.json(http.StatusMethodNotAllowed, errorBody{
		Error: fmt.Sprintf("method %s is not allowed on %s; allowed: %s", quoteHeader(req.Method), req.Resource, allow),
	})
	r.Headers["Allow"] = allow
	return r
}

// fail maps an error from parsing or the Store to a status code.
func (h *Handler) fail(ctx context.Context, req Request, err error) Response {
	var verr *ValidationError
	var stale *StaleError
	switch {
	case errors.As(err, &verr):
		return h.json(http.StatusBadRequest, errorBody{Error: verr.Summary, Details: verr.Problems})
	case errors.Is(err, ErrNotFound):
		// The same answer whether the item is missing or someone else's.
		return h.json(http.StatusNotFound, errorBody{Error: fmt.Sprintf("no item with id %s", quote(req.PathParams["id"]))})
	case errors.As(err, &stale):
		return h.json(http.StatusPreconditionFailed, errorBody{Error: fmt.Sprintf(
			"item %s was changed by someone else: If-Match names version %s but the item is at version %s; read it again, redo your change on what is there now, and send the new ETag",
			stale.ID, ETag(stale.Sent), ETag(stale.Current))})
	}
	return h.internalError(ctx, req, err)
}

// internalError logs err and answers 500 without it: DynamoDB errors name
// the table, the account and the role, which callers must not see.
func (h *Handler) internalError(ctx context.Context, req Request, err error) Response {
	h.log.ErrorContext(ctx, "request failed",
		slog.String("method", req.Method),
		slog.String("resource", req.Resource),
		slog.String("id", req.PathParams["id"]),
		slog.String("requestId", req.RequestID),
		slog.String("error", err.Error()),
	)
	return h.json(http.StatusInternalServerError, errorBody{Error: "internal error"})
}

func (h *Handler) headers() map[string]string {
	hd := map[string]string{"Content-Type": "application/json"}
	if h.allowedOrigin != "" {
		hd["Access-Control-Allow-Origin"] = h.allowedOrigin
		// Scripts on another origin can read only the CORS-safelisted
		// response headers unless the rest are exposed; the site needs
		// ETag for If-Match.
		hd["Access-Control-Expose-Headers"] = "ETag"
	}
	return hd
}

func (h *Handler) json(status int, v any) Response {
	b, err := json.Marshal(v)
	if err != nil {
		// Only reachable through a programming error: every body type
		// here marshals.
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	return Response{Status: status, Headers: h.headers(), Body: string(b)}
}

// quoteHeader keeps a client-chosen method or path readable and short in an
// error message.
func quoteHeader(s string) string {
	if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r < 0x21 || r > 0x7e }) || len(s) > shown {
		return quote(s)
	}
	return s
}
