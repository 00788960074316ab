package prcomment

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeGitHub is the part of GitHub's REST API Upsert uses — list, create
// and edit issue comments — over one pull request's comments, recording
// every call.
type fakeGitHub struct {
	srv    *httptest.Server
	mu     sync.Mutex
	calls  []string // "METHOD PATH?QUERY BODY"
	auth   []string // the Authorization header of each call
	nextID int64
	// comments of o/r#5, oldest first.
	comments []fakeComment
	// fail, when set, may answer call n (from 1) instead of the fake: it
	// returns 0 to let the fake answer. created reports whether a failed
	// create should still make the comment (a lost answer).
	fail func(n int, r *http.Request, w http.ResponseWriter) (status int, created bool)
	// hang makes every call wait for the client to give up.
	hang bool
}

type fakeComment struct {
	ID   int64
	Body string
	User string
}

const testToken = "ghs_test0000secret0000token"

func newFake(t *testing.T, comments ...fakeComment) *fakeGitHub {
	f := &fakeGitHub{nextID: 1000}
	for _, c := range comments {
		f.add(c.Body, c.User)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v3/repos/o/r/issues/5/comments", f.list)
	mux.HandleFunc("POST /api/v3/repos/o/r/issues/5/comments", f.create)
	mux.HandleFunc("PATCH /api/v3/repos/o/r/issues/comments/{id}", f.edit)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		call := r.Method + " " + r.URL.Path
		if r.URL.RawQuery != "" {
			call += "?" + r.URL.RawQuery
		}
		if len(b) > 0 {
			call += " " + strings.TrimSpace(string(b))
		}
		f.mu.Lock()
		f.calls = append(f.calls, call)
		f.auth = append(f.auth, r.Header.Get("Authorization"))
		n := len(f.calls)
		f.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		if f.hang {
			<-r.Context().Done()
			return
		}
		if f.fail != nil {
			status, created := f.fail(n, r, w)
			if status < 0 { // answered by the hook
				return
			}
			if status > 0 {
				if created {
					var in struct{ Body string }
					_ = json.Unmarshal(b, &in)
					f.add(in.Body, "kumo-bot")
				}
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"message":%q}`, http.StatusText(status))
				return
			}
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) add(body, user string) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	f.comments = append(f.comments, fakeComment{ID: f.nextID, Body: body, User: user})
	return f.nextID
}

func (f *fakeGitHub) json(c fakeComment) map[string]any {
	return map[string]any{
		"id":       c.ID,
		"body":     c.Body,
		"user":     map[string]any{"login": c.User},
		"html_url": fmt.Sprintf("https://github.com/o/r/pull/5#issuecomment-%d", c.ID),
	}
}

// list pages as GitHub does: page and per_page (default 30), with a Link
// header to the next page.
func (f *fakeGitHub) list(w http.ResponseWriter, r *http.Request) {
	page, per := 1, 30
	if v := r.URL.Query().Get("page"); v != "" {
		page, _ = strconv.Atoi(v)
	}
	if v := r.URL.Query().Get("per_page"); v != "" {
		per, _ = strconv.Atoi(v)
	}
	f.mu.Lock()
	all := append([]fakeComment(nil), f.comments...)
	f.mu.Unlock()
	out := []map[string]any{}
	for i := (page - 1) * per; i < len(all) && i < page*per; i++ {
		out = append(out, f.json(all[i]))
	}
	if page*per < len(all) {
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?page=%d&per_page=%d>; rel="next"`, f.srv.URL, r.URL.Path, page+1, per))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (f *fakeGitHub) create(w http.ResponseWriter, r *http.Request) {
	var in struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := f.add(in.Body, "kumo-bot")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(f.json(fakeComment{ID: id, Body: in.Body, User: "kumo-bot"}))
}

func (f *fakeGitHub) edit(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var in struct{ Body string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.comments {
		if f.comments[i].ID == id {
			f.comments[i].Body = in.Body
			_ = json.NewEncoder(w).Encode(f.json(f.comments[i]))
			return
		}
	}
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprint(w, `{"message":"Not Found"}`)
}

func (f *fakeGitHub) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// fakeClock is Options' Sleep and Now: sleeping advances the clock and
// records the wait, so tests of backoff and rate limits run instantly.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// testClient is a client of f with instant sleeps and no jitter (Rand 1:
// every backoff is its nominal value).
func testClient(t *testing.T, f *fakeGitHub, clock *fakeClock, o Options) *Client {
	t.Helper()
	o.Sleep, o.Now, o.Rand = clock.Sleep, clock.Now, func() float64 { return 1 }
	c, err := NewClient(f.srv.URL, testToken, o)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}
