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
	// Body is the raw request body.
	Body string
	// Claims are the caller's verified token claims; "sub" becomes
	// createdBy. Nil when the API does not use a Cognito authorizer.
	Claims map[string]string
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

// Handle routes req to the Store and turns the outcome into a Response. It
// never fails: every error, including a panic, becomes a JSON error response
// with the CORS header, so browsers can read it.
func (h *Handler) Handle(ctx context.Context, req Request) (resp Response) {
	defer func() {
		if r := recover(); r != nil {
			resp = h.internalError(ctx, req, fmt.Errorf("panic: %v\n%s", r, debug.Stack()))
		}
	}()
	switch req.Resource {
	case CollectionResource:
		switch req.Method {
		case http.MethodGet:
			return h.list(ctx, req)
		case http.MethodPost:
			return h.create(ctx, req)
		case http.MethodOptions:
			return h.preflight("GET, POST, OPTIONS")
		}
		return h.methodNotAllowed(req, "GET, POST, OPTIONS")
	case ItemResource:
		switch req.Method {
		case http.MethodGet:
			return h.get(ctx, req)
		case http.MethodPut:
			return h.update(ctx, req)
		case http.MethodDelete:
			return h.delete(ctx, req)
		case http.MethodOptions:
			return h.preflight("GET, PUT, DELETE, OPTIONS")
		}
		return h.methodNotAllowed(req, "GET, PUT, DELETE, OPTIONS")
	}
	return h.json(http.StatusNotFound, errorBody{Error: fmt.Sprintf("no route for %s %s", req.Method, quoteHeader(req.Resource))})
}

func (h *Handler) list(ctx context.Context, req Request) Response {
	// Both parameters are checked before the Store sees them so that a bad
	// limit and a bad token are reported together.
	var problems []FieldError
	limit, p := parseLimit(req.Query["limit"])
	if p != nil {
		problems = append(problems, *p)
		limit = DefaultLimit
	}
	if _, p := decodeNext(req.Query["next"]); p != nil {
		problems = append(problems, *p)
	}
	if len(problems) > 0 {
		return h.fail(ctx, req, &ValidationError{Summary: "invalid query parameters", Problems: problems})
	}
	page, err := h.store.List(ctx, limit, req.Query["next"])
	if err != nil {
		return h.fail(ctx, req, err)
	}
	return h.json(http.StatusOK, page)
}

func (h *Handler) get(ctx context.Context, req Request) Response {
	it, err := h.store.Get(ctx, req.PathParams["id"])
	if err != nil {
		return h.fail(ctx, req, err)
	}
	return h.json(http.StatusOK, it)
}

func (h *Handler) create(ctx context.Context, req Request) Response {
	if r, tooLarge := h.checkSize(req); tooLarge {
		return r
	}
	in, err := parseInput(req.Body)
	if err != nil {
		return h.fail(ctx, req, err)
	}
	it, err := h.store.Create(ctx, in, req.Claims["sub"])
	if err != nil {
		return h.fail(ctx, req, err)
	}
	resp := h.json(http.StatusCreated, it)
	resp.Headers["Location"] = CollectionResource + "/" + it.ID
	return resp
}

func (h *Handler) update(ctx context.Context, req Request) Response {
	if r, tooLarge := h.checkSize(req); tooLarge {
		return r
	}
	id, idProblem := parseID(req.PathParams["id"])
	in, err := parseInput(req.Body)
	if idProblem != nil {
		return h.fail(ctx, req, withIDProblem(*idProblem, err))
	}
	if err != nil {
		return h.fail(ctx, req, err)
	}
	it, err := h.store.Update(ctx, id, in)
	if err != nil {
		return h.fail(ctx, req, err)
	}
	return h.json(http.StatusOK, it)
}

func (h *Handler) delete(ctx context.Context, req Request) Response {
	if err := h.store.Delete(ctx, req.PathParams["id"]); err != nil {
		return h.fail(ctx, req, err)
	}
	return Response{Status: http.StatusNoContent, Headers: h.headers()}
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
		r.Headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
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
	switch {
	case errors.As(err, &verr):
		return h.json(http.StatusBadRequest, errorBody{Error: verr.Summary, Details: verr.Problems})
	case errors.Is(err, ErrNotFound):
		return h.json(http.StatusNotFound, errorBody{Error: fmt.Sprintf("no item with id %s", quote(req.PathParams["id"]))})
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
