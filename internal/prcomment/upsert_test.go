package prcomment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	marker  = "<!-- kumo-diff -->"
	list1   = "GET /api/v3/repos/o/r/issues/5/comments?per_page=100"
	list2   = "GET /api/v3/repos/o/r/issues/5/comments?page=2&per_page=100"
	newBody = marker + "\n## kumo diff\n1 to update"
	oldBody = marker + "\n## kumo diff\nno changes"
)

var target = Target{Owner: "o", Repo: "r", PR: 5}

func post(body string) string { return "POST /api/v3/repos/o/r/issues/5/comments " + jsonBody(body) }
func patch(id int64, body string) string {
	return fmt.Sprintf("PATCH /api/v3/repos/o/r/issues/comments/%d %s", id, jsonBody(body))
}
func jsonBody(s string) string { return `{"body":` + strconv.Quote(s) + `}` }

func sameCalls(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\ngot\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func others(n int) []fakeComment {
	var cs []fakeComment
	for i := range n {
		cs = append(cs, fakeComment{Body: fmt.Sprintf("comment %d", i), User: "someone"})
	}
	return cs
}

func TestUpsert(t *testing.T) {
	// Comment IDs start at 1001, in the order given.
	otherBot := fakeComment{Body: "coverage: 81%\n<!-- other-bot -->", User: "other-bot"}
	tests := []struct {
		name     string
		comments []fakeComment
		body     string
		want     Result
		calls    func(f *fakeGitHub) []string
		// bodies are the comments' bodies after Upsert, oldest first.
		bodies []string
	}{{
		name:     "creates the comment when there is no kumo comment, leaving another bot's alone",
		comments: []fakeComment{otherBot},
		body:     newBody,
		want:     Result{Action: Created, ID: 1002, URL: "https://github.com/o/r/pull/5#issuecomment-1002"},
		calls:    func(*fakeGitHub) []string { return []string{list1, post(newBody)} },
		bodies:   []string{otherBot.Body, newBody},
	}, {
		name:     "edits the kumo comment found on page 2",
		comments: append(others(130), fakeComment{Body: oldBody, User: "kumo-bot"}),
		body:     newBody,
		want:     Result{Action: Updated, ID: 1131, URL: "https://github.com/o/r/pull/5#issuecomment-1131"},
		calls:    func(*fakeGitHub) []string { return []string{list1, list2, patch(1131, newBody)} },
	}, {
		name: "edits the oldest of two kumo comments and leaves the newer one",
		comments: []fakeComment{
			otherBot,
			{Body: oldBody + " (first)", User: "kumo-bot"},
			{Body: oldBody + " (raced)", User: "kumo-bot"},
		},
		body:   newBody,
		want:   Result{Action: Updated, ID: 1002, URL: "https://github.com/o/r/pull/5#issuecomment-1002"},
		calls:  func(*fakeGitHub) []string { return []string{list1, patch(1002, newBody)} },
		bodies: []string{otherBot.Body, newBody, oldBody + " (raced)"},
	}, {
		name:     "writes nothing when the comment already says it",
		comments: []fakeComment{otherBot, {Body: newBody, User: "kumo-bot"}},
		body:     newBody,
		want:     Result{Action: Unchanged, ID: 1002, URL: "https://github.com/o/r/pull/5#issuecomment-1002"},
		calls:    func(*fakeGitHub) []string { return []string{list1} },
		bodies:   []string{otherBot.Body, newBody},
	}, {
		name:     "writes nothing when GitHub saved the same body with CRLF and a trailing newline",
		comments: []fakeComment{{Body: strings.ReplaceAll(newBody, "\n", "\r\n") + "\r\n", User: "kumo-bot"}},
		body:     newBody,
		want:     Result{Action: Unchanged, ID: 1001, URL: "https://github.com/o/r/pull/5#issuecomment-1001"},
		calls:    func(*fakeGitHub) []string { return []string{list1} },
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.comments...)
			clock := &fakeClock{}
			got, err := Upsert(context.Background(), testClient(t, f, clock, Options{}), target, marker, tt.body)
			if err != nil {
				t.Fatalf("Upsert: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
			sameCalls(t, f.recorded(), tt.calls(f))
			if tt.bodies != nil {
				var bodies []string
				for _, c := range f.comments {
					bodies = append(bodies, c.Body)
				}
				if strings.Join(bodies, "\n--\n") != strings.Join(tt.bodies, "\n--\n") {
					t.Errorf("comments after Upsert: got %q; want %q", bodies, tt.bodies)
				}
			}
			for i, a := range f.auth {
				if a != "Bearer "+testToken {
					t.Errorf("call %d: got Authorization %q; want the bearer token", i+1, a)
				}
			}
			if len(clock.slept) != 0 {
				t.Errorf("slept %v; want no waits", clock.slept)
			}
		})
	}
}

// answer returns a fail hook that answers the calls numbered in the map
// with the given status and headers.
func answer(m map[int]resp) func(int, *http.Request, http.ResponseWriter) (int, bool) {
	return func(n int, _ *http.Request, w http.ResponseWriter) (int, bool) {
		a, ok := m[n]
		if !ok {
			return 0, false
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if a.body != "" {
			w.WriteHeader(a.status)
			fmt.Fprint(w, a.body)
			return -1, false
		}
		return a.status, a.created
	}
}

type resp struct {
	status  int
	header  map[string]string
	body    string // a custom JSON answer, else {"message": status text}
	created bool   // a failed create made the comment anyway
}

func TestUpsertRetries(t *testing.T) {
	epoch := time.Unix(1_750_000_000, 0)
	secondary := `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`
	tests := []struct {
		name      string
		comments  []fakeComment
		fail      map[int]resp
		want      Result
		calls     []string
		slept     []time.Duration
		comments2 int // how many kumo comments exist afterwards
	}{{
		name:  "a 502 on the list is retried with exponential backoff",
		fail:  map[int]resp{1: {status: 502}, 2: {status: 502}},
		want:  Result{Action: Created, ID: 1001, URL: "https://github.com/o/r/pull/5#issuecomment-1001"},
		calls: []string{list1, list1, list1, post(newBody)},
		slept: []time.Duration{time.Second, 2 * time.Second},
	}, {
		name:     "a 503 on the edit is retried: the same PATCH changes nothing twice",
		comments: []fakeComment{{Body: oldBody, User: "kumo-bot"}},
		fail:     map[int]resp{2: {status: 503}},
		want:     Result{Action: Updated, ID: 1001, URL: "https://github.com/o/r/pull/5#issuecomment-1001"},
		calls:    []string{list1, patch(1001, newBody), patch(1001, newBody)},
		slept:    []time.Duration{time.Second},
	}, {
		name:  "a 429 waits Retry-After's seconds",
		fail:  map[int]resp{1: {status: 429, header: map[string]string{"Retry-After": "7"}}},
		want:  Result{Action: Created, ID: 1001, URL: "https://github.com/o/r/pull/5#issuecomment-1001"},
		calls: []string{list1, list1, post(newBody)},
		slept: []time.Duration{7 * time.Second},
	}, {
		name: "a 403 with no requests left waits until just after X-RateLimit-Reset",
		fail: map[int]resp{1: {status: 403, header: map[string]string{
			"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(epoch.Unix()+30, 10)}}},
		want:  Result{Action: Created, ID: 1001, URL: "https://github.com/o/r/pull/5#issuecomment-1001"},
		calls: []string{list1, list1, post(newBody)},
		slept: []time.Duration{31 * time.Second},
	}, {
		name:  "a secondary rate limit on the create, with no wait named, waits a minute and sends the POST again",
		fail:  map[int]resp{2: {status: 403, body: secondary}},
		want:  Result{Action: Created, ID: 1001, URL: "https://github.com/o/r/pull/5#issuecomment-1001"},
		calls: []string{list1, post(newBody), post(newBody)},
		slept: []time.Duration{time.Minute},
	}, {
		name:      "a create answered 502 that made the comment anyway is found, not made twice",
		fail:      map[int]resp{2: {status: 502, created: true}},
		want:      Result{Action: Unchanged, ID: 1001, URL: "https://github.com/o/r/pull/5#issuecomment-1001"},
		calls:     []string{list1, post(newBody), list1},
		slept:     []time.Duration{time.Second},
		comments2: 1,
	}, {
		name:      "a create answered 502 that made nothing is sent again after a new look",
		fail:      map[int]resp{2: {status: 502}},
		want:      Result{Action: Created, ID: 1001, URL: "https://github.com/o/r/pull/5#issuecomment-1001"},
		calls:     []string{list1, post(newBody), list1, post(newBody)},
		slept:     []time.Duration{time.Second},
		comments2: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.comments...)
			f.fail = answer(tt.fail)
			clock := &fakeClock{now: epoch}
			got, err := Upsert(context.Background(), testClient(t, f, clock, Options{}), target, marker, newBody)
			if err != nil {
				t.Fatalf("Upsert: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
			sameCalls(t, f.recorded(), tt.calls)
			if fmt.Sprint(clock.slept) != fmt.Sprint(tt.slept) {
				t.Errorf("slept %v; want %v", clock.slept, tt.slept)
			}
			if tt.comments2 > 0 && len(f.comments) != tt.comments2 {
				t.Errorf("got %d comments; want %d", len(f.comments), tt.comments2)
			}
		})
	}
}

func TestUpsertFails(t *testing.T) {
	tests := []struct {
		name  string
		fail  map[int]resp
		opts  Options
		calls []string
		slept []time.Duration
		// errs are parts of the error's text, in order.
		errs  []string
		check func(t *testing.T, err error)
	}{{
		name:  "502 on every attempt gives up after Attempts",
		fail:  map[int]resp{1: {status: 502}, 2: {status: 502}, 3: {status: 502}},
		opts:  Options{Attempts: 3},
		calls: []string{list1, list1, list1},
		slept: []time.Duration{time.Second, 2 * time.Second},
		errs:  []string{"list the comments of o/r#5", "GET /api/v3/repos/o/r/issues/5/comments failed 3 times, last with 502 Bad Gateway", "githubstatus.com"},
		check: func(t *testing.T, err error) {
			var ge *GaveUpError
			if !errors.As(err, &ge) || ge.Attempts != 3 {
				t.Errorf("got %#v; want a *GaveUpError of 3 attempts", err)
			}
		},
	}, {
		name:  "backoff is capped at MaxDelay",
		fail:  map[int]resp{1: {status: 500}, 2: {status: 500}, 3: {status: 500}, 4: {status: 500}},
		opts:  Options{Attempts: 4, BaseDelay: 3 * time.Second, MaxDelay: 5 * time.Second},
		calls: []string{list1, list1, list1, list1},
		slept: []time.Duration{3 * time.Second, 5 * time.Second, 5 * time.Second},
		errs:  []string{"failed 4 times, last with 500 Internal Server Error"},
	}, {
		name:  "a rate limit longer than MaxRateLimitWait fails at once, naming the wait",
		fail:  map[int]resp{1: {status: 429, header: map[string]string{"Retry-After": "3600"}}},
		calls: []string{list1},
		errs:  []string{"GitHub's rate limit asks to wait 1h0m0s (until 2025-06-15T16:06:40Z)", "more than the 1m30s kumo waits at most: run the job again after then"},
		check: func(t *testing.T, err error) {
			var rl *RateLimitedError
			if !errors.As(err, &rl) || rl.Wait != time.Hour {
				t.Errorf("got %#v; want a *RateLimitedError of 1h", err)
			}
		},
	}, {
		name:  "401 is not retried and blames the token without showing it",
		fail:  map[int]resp{1: {status: 401, body: `{"message":"Bad credentials"}`}},
		calls: []string{list1},
		errs:  []string{"list the comments of o/r#5: GitHub refused the token: GITHUB_TOKEN (or GH_TOKEN) is wrong, expired or revoked: GET ", "/api/v3/repos/o/r/issues/5/comments?per_page=100: 401 Bad credentials"},
	}, {
		name:  "404 is not retried and names the permissions",
		fail:  map[int]resp{1: {status: 404}},
		calls: []string{list1},
		errs:  []string{"the repository or pull request does not exist, or the token cannot see it", "`permissions: pull-requests: write` (or `issues: write`)", ": 404 Not Found"},
	}, {
		name:  "a 403 that is not a rate limit is not retried, and explains fork tokens",
		fail:  map[int]resp{2: {status: 403, body: `{"message":"Resource not accessible by integration"}`}},
		calls: []string{list1, post(newBody)},
		errs:  []string{"create a comment on o/r#5: the token may not comment here", "a pull_request run from a fork gets a read-only token", ": 403 Resource not accessible by integration"},
	}, {
		name:  "422 is not retried and gives the body's size",
		fail:  map[int]resp{2: {status: 422, body: `{"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}]}`}},
		calls: []string{list1, post(newBody)},
		errs:  []string{"create a comment on o/r#5: GitHub refused the comment (the body is 43 characters, the limit 65536): POST ", ": 422 Validation Failed", "body is too long (maximum is 65536 characters)"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.fail = answer(tt.fail)
			clock := &fakeClock{now: time.Unix(1_750_000_000, 0)}
			_, err := Upsert(context.Background(), testClient(t, f, clock, tt.opts), target, marker, newBody)
			if err == nil {
				t.Fatalf("Upsert: got no error; want one")
			}
			sameCalls(t, f.recorded(), tt.calls)
			if fmt.Sprint(clock.slept) != fmt.Sprint(tt.slept) {
				t.Errorf("slept %v; want %v", clock.slept, tt.slept)
			}
			containsInOrder(t, err.Error(), tt.errs)
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error %q contains the token", err)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func containsInOrder(t *testing.T, got string, parts []string) {
	t.Helper()
	rest := got
	for _, p := range parts {
		i := strings.Index(rest, p)
		if i < 0 {
			t.Errorf("error:\n  %s\nwant it to contain (after the previous part)\n  %s", got, p)
			return
		}
		rest = rest[i+len(p):]
	}
}

func TestUpsertDeadline(t *testing.T) {
	t.Run("the context's deadline ends a hung call, and nothing is retried after it", func(t *testing.T) {
		f := newFake(t)
		f.hang = true
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		c, err := NewClient(f.srv.URL, testToken, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Upsert(ctx, c, target, marker, newBody)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v; want context.DeadlineExceeded", err)
		}
		containsInOrder(t, fmt.Sprint(err), []string{"list the comments of o/r#5: no answer before the deadline"})
		sameCalls(t, f.recorded(), []string{list1})
	})
	t.Run("a hung attempt times out after RequestTimeout and counts as a failed attempt", func(t *testing.T) {
		f := newFake(t)
		f.hang = true
		clock := &fakeClock{}
		_, err := Upsert(context.Background(), testClient(t, f, clock, Options{Attempts: 2, RequestTimeout: 20 * time.Millisecond, Timeout: 10 * time.Second}), target, marker, newBody)
		var ge *GaveUpError
		if !errors.As(err, &ge) || ge.Attempts != 2 || !strings.Contains(ge.Last, "context deadline exceeded") {
			t.Errorf("got %v; want a *GaveUpError of 2 timed-out attempts", err)
		}
		sameCalls(t, f.recorded(), []string{list1, list1})
	})
	t.Run("a wait longer than the time left fails at once", func(t *testing.T) {
		f := newFake(t)
		f.fail = answer(map[int]resp{1: {status: 429, header: map[string]string{"Retry-After": "60"}}})
		clock := &fakeClock{}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := Upsert(ctx, testClient(t, f, clock, Options{}), target, marker, newBody)
		containsInOrder(t, fmt.Sprint(err), []string{"list the comments of o/r#5: GET /api/v3/repos/o/r/issues/5/comments: GitHub's rate limit asks to wait 1m0s", "left before the deadline: run the job again after then"})
		if len(clock.slept) != 0 {
			t.Errorf("slept %v; want no wait", clock.slept)
		}
	})
	t.Run("a cancelled context ends a backoff", func(t *testing.T) {
		f := newFake(t)
		f.fail = answer(map[int]resp{1: {status: 502}, 2: {status: 502}})
		ctx, cancel := context.WithCancel(context.Background())
		o := Options{Sleep: func(ctx context.Context, _ time.Duration) error { cancel(); return ctx.Err() }}
		c, err := NewClient(f.srv.URL, testToken, o)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Upsert(ctx, c, target, marker, newBody)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v; want context.Canceled", err)
		}
		containsInOrder(t, fmt.Sprint(err), []string{"list the comments of o/r#5: cancelled"})
		sameCalls(t, f.recorded(), []string{list1})
	})
}

func TestUpsertRefusesBadInput(t *testing.T) {
	long := marker + strings.Repeat("é", MaxBodyChars)
	tests := []struct {
		name         string
		t            Target
		marker, body string
		want         []string
	}{
		{"no marker", target, " ", "body", []string{"marker is empty: it would match every comment"}},
		{"body without the marker", target, marker, "## kumo diff", []string{`body does not contain the marker "<!-- kumo-diff -->"`}},
		{"body over GitHub's limit, counted in characters", target, marker, long, []string{"body is 65554 characters: GitHub's limit is 65536"}},
		{"no pull request: 0 would list every issue's comments", Target{Owner: "o", Repo: "r"}, marker, newBody, []string{"target pull request is 0: want a number, 1 or more"}},
		{"everything at once", Target{}, "", "x", []string{`target repository ""/"": want an owner and a name`, "target pull request is 0", "marker is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			_, err := Upsert(context.Background(), testClient(t, f, &fakeClock{}, Options{}), tt.t, tt.marker, tt.body)
			if err == nil {
				t.Fatalf("got no error; want %q", tt.want)
			}
			containsInOrder(t, err.Error(), tt.want)
			sameCalls(t, f.recorded(), nil)
		})
	}
}

func TestNewClientRefusesBadOptions(t *testing.T) {
	for _, tt := range []struct {
		base string
		o    Options
		want string
	}{
		{"ghe.example.com", Options{}, `base URL "ghe.example.com": want https://HOST/api/v3`},
		{"", Options{Attempts: -1}, "attempts is -1: want 1 or more"},
	} {
		_, err := NewClient(tt.base, "", tt.o)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewClient(%q, %+v): got %v; want %q", tt.base, tt.o, err, tt.want)
		}
	}
}

func TestToken(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"GITHUB_TOKEN": "a", "GH_TOKEN": "b"}, "a"},
		{map[string]string{"GH_TOKEN": "b"}, "b"},
		{map[string]string{"GITHUB_TOKEN": "  "}, ""},
	} {
		got, err := Token(func(k string) string { return tt.env[k] })
		if got != tt.want {
			t.Errorf("Token(%v): got %q; want %q", tt.env, got, tt.want)
		}
		if tt.want == "" && (err == nil || !strings.Contains(err.Error(), "no GitHub token: set GITHUB_TOKEN")) {
			t.Errorf("Token(%v): got error %v; want one naming GITHUB_TOKEN", tt.env, err)
		}
	}
}

func TestPost(t *testing.T) {
	t.Run("in GitHub Actions on Enterprise Server, from the environment alone", func(t *testing.T) {
		f := newFake(t, fakeComment{Body: oldBody, User: "kumo-bot"})
		env := map[string]string{
			"GITHUB_REPOSITORY": "o/r",
			"GITHUB_REF":        "refs/pull/5/merge",
			"GITHUB_API_URL":    f.srv.URL + "/api/v3",
			"GITHUB_TOKEN":      testToken,
		}
		got, err := Post(context.Background(), "", 0, func(k string) string { return env[k] }, nil, marker, newBody, Options{})
		if err != nil {
			t.Fatalf("Post: %v", err)
		}
		if got.Action != Updated || got.ID != 1001 {
			t.Errorf("got %+v; want comment 1001 updated", got)
		}
		sameCalls(t, f.recorded(), []string{list1, patch(1001, newBody)})
		if fmt.Sprint(f.auth) != fmt.Sprint([]string{"Bearer " + testToken, "Bearer " + testToken}) {
			t.Errorf("got Authorization %q; want the bearer token on both calls", f.auth)
		}
	})
	t.Run("flags name the pull request, and no token is an error before any call", func(t *testing.T) {
		f := newFake(t)
		env := map[string]string{"GITHUB_API_URL": f.srv.URL}
		_, err := Post(context.Background(), "o/r", 5, func(k string) string { return env[k] }, nil, marker, newBody, Options{})
		containsInOrder(t, fmt.Sprint(err), []string{"no GitHub token: set GITHUB_TOKEN"})
		sameCalls(t, f.recorded(), nil)
	})
}
