// Package prcomment keeps the one kumo comment on a GitHub pull request up
// to date: it finds the comment by a hidden marker, edits it when the
// review changed, leaves it alone when it did not, and creates it when
// there is none, through GitHub's REST API with bounded, rate-limit-aware
// retries. It knows nothing of diffs: it posts a rendered Markdown body.
package prcomment

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-github/v74/github"

	"github.com/kumo-iac/kumo/internal/ctxsleep"
)

// Options tune the client; the zero value is what kumo diff uses.
type Options struct {
	// Timeout bounds a whole Upsert, retries and waits included. Default:
	// 2 minutes.
	Timeout time.Duration
	// RequestTimeout bounds one HTTP attempt. Default: 30 seconds.
	RequestTimeout time.Duration
	// Attempts is how often one request is tried before kumo gives up.
	// Default: 4.
	Attempts int
	// BaseDelay is the backoff after the first failure, doubled after each
	// next one up to MaxDelay. Default: 1 second, and 16 seconds.
	BaseDelay, MaxDelay time.Duration
	// MaxRateLimitWait is the longest wait GitHub's rate limit may ask
	// for before kumo gives up instead. Default: 90 seconds, so a
	// secondary limit's "at least one minute" is honoured once.
	MaxRateLimitWait time.Duration
	// Transport sends the requests. Default: http.DefaultTransport.
	Transport http.RoundTripper
	// Sleep waits between attempts, returning early with ctx's error.
	// Default: a timer. Tests replace it (and Now and Rand) to run
	// instantly.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now reads the clock for X-RateLimit-Reset. Default: time.Now.
	Now func() time.Time
	// Rand returns the jitter in [0, 1). Default: math/rand/v2.Float64.
	Rand func() float64
}

// Client posts comments; make one with NewClient.
type Client struct {
	gh      *github.Client
	timeout time.Duration
	p       policy
}

// NewClient returns a client of the API at baseURL ("" for github.com,
// https://HOST/api/v3 for GitHub Enterprise Server) that authenticates
// with token.
func NewClient(baseURL, token string, o Options) (*Client, error) {
	p := policy{
		attempts:       orDefault(o.Attempts, 4),
		requestTimeout: orDefault(o.RequestTimeout, 30*time.Second),
		baseDelay:      orDefault(o.BaseDelay, time.Second),
		maxDelay:       orDefault(o.MaxDelay, 16*time.Second),
		maxWait:        orDefault(o.MaxRateLimitWait, 90*time.Second),
		sleep:          o.Sleep,
		now:            o.Now,
		rand:           o.Rand,
	}
	if p.sleep == nil {
		p.sleep = ctxsleep.Sleep
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.rand == nil {
		p.rand = rand.Float64
	}
	if o.Attempts < 0 {
		return nil, fmt.Errorf("attempts is %d: want 1 or more (0 for the default, 4)", o.Attempts)
	}
	base := o.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	// No http.Client.Timeout: it would bound the retries and their waits
	// as one request. Each attempt has its own timeout in the transport,
	// and Upsert's context bounds the whole.
	gh := github.NewClient(&http.Client{Transport: &retryTransport{base: base, p: p}})
	gh.UserAgent = "kumo-diff"
	if token != "" {
		gh = gh.WithAuthToken(token)
	}
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("base URL %q: want https://HOST/api/v3 (GitHub Enterprise Server) or \"\" for github.com", baseURL)
		}
		if gh, err = gh.WithEnterpriseURLs(baseURL, baseURL); err != nil {
			return nil, fmt.Errorf("base URL %q: %w", baseURL, err)
		}
	}
	return &Client{gh: gh, timeout: orDefault(o.Timeout, 2*time.Minute), p: p}, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Token reads the token from GITHUB_TOKEN, else GH_TOKEN (the GitHub CLI's
// name). It is never printed, and no error of this package contains it.
func Token(getenv func(string) string) (string, error) {
	for _, name := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v, nil
		}
	}
	return "", errors.New("no GitHub token: set GITHUB_TOKEN (in GitHub Actions, `env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}`; in CodeBuild, from Secrets Manager under `env: secrets-manager:`) or GH_TOKEN")
}

// Action is what Upsert did.
type Action string

// Upsert's outcomes.
const (
	Created   Action = "created"
	Updated   Action = "updated"
	Unchanged Action = "unchanged"
)

// Result is the kumo comment after Upsert.
type Result struct {
	Action Action
	ID     int64
	// URL is the comment's page, for the job log.
	URL string
}

// MaxBodyChars is GitHub's limit on a comment body, in characters; a longer
// one is refused with 422 "Body is too long (maximum is 65536 characters)".
const MaxBodyChars = 65536

// Upsert makes the kumo comment on t read body: it edits the comment that
// contains marker when its body differs, leaves it when it is the same,
// and creates one when there is none.
//
// When several comments contain the marker (two jobs that raced on a new
// pull request), the oldest is edited and the others are left alone:
// comments are listed oldest first, so the search stops at the first
// match instead of reading every page, and the comment keeps its place
// near the top of the conversation, as peter-evans/find-comment and
// marocchino/sticky-pull-request-comment do. Comments without the marker,
// whoever wrote them, are never touched.
func Upsert(ctx context.Context, c *Client, t Target, marker, body string) (Result, error) {
	if err := check(t, marker, body); err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	for n := 1; ; n++ {
		found, err := c.find(ctx, t, marker)
		if err != nil {
			return Result{}, explain(ctx, fmt.Sprintf("list the comments of %s", t), err, body)
		}
		if found != nil {
			if sameBody(found.GetBody(), body) {
				return Result{Action: Unchanged, ID: found.GetID(), URL: found.GetHTMLURL()}, nil
			}
			edited, _, err := c.gh.Issues.EditComment(ctx, t.Owner, t.Repo, found.GetID(), &github.IssueComment{Body: github.Ptr(body)})
			if err == nil {
				return Result{Action: Updated, ID: edited.GetID(), URL: edited.GetHTMLURL()}, nil
			}
			// Deleted since it was listed: look again, then create.
			if statusOf(err) == http.StatusNotFound && n < c.p.attempts {
				continue
			}
			return Result{}, explain(ctx, fmt.Sprintf("edit comment %d on %s", found.GetID(), t), err, body)
		}
		created, _, err := c.gh.Issues.CreateComment(ctx, t.Owner, t.Repo, t.PR, &github.IssueComment{Body: github.Ptr(body)})
		if err == nil {
			return Result{Action: Created, ID: created.GetID(), URL: created.GetHTMLURL()}, nil
		}
		// A create whose answer was a 5xx or was lost may have made the
		// comment: list again before creating again, so there is one.
		if !createMayHaveHappened(ctx, err) || n >= c.p.attempts {
			return Result{}, explain(ctx, fmt.Sprintf("create a comment on %s", t), err, body)
		}
		if err := c.p.sleep(ctx, c.p.backoff(n)); err != nil {
			return Result{}, explain(ctx, fmt.Sprintf("create a comment on %s", t), err, body)
		}
	}
}

// Post is what `kumo diff --comment github` runs: the target from the
// flags and the environment, the token from the environment, then Upsert.
func Post(ctx context.Context, repoFlag string, prFlag int, getenv func(string) string, readFile func(string) ([]byte, error), marker, body string, o Options) (Result, error) {
	t, err := ResolveTarget(repoFlag, prFlag, getenv, readFile)
	if err != nil {
		return Result{}, err
	}
	token, err := Token(getenv)
	if err != nil {
		return Result{}, err
	}
	c, err := NewClient(t.BaseURL, token, o)
	if err != nil {
		return Result{}, err
	}
	return Upsert(ctx, c, t, marker, body)
}

func check(t Target, marker, body string) error {
	var errs []error
	if t.Owner == "" || t.Repo == "" {
		errs = append(errs, fmt.Errorf("target repository %q/%q: want an owner and a name", t.Owner, t.Repo))
	}
	// PR 0 would list the comments of every issue of the repository.
	if t.PR < 1 {
		errs = append(errs, fmt.Errorf("target pull request is %d: want a number, 1 or more", t.PR))
	}
	switch {
	case strings.TrimSpace(marker) == "":
		errs = append(errs, errors.New("marker is empty: it would match every comment"))
	case !strings.Contains(body, marker):
		errs = append(errs, fmt.Errorf("body does not contain the marker %q: the next run could not find the comment", marker))
	}
	if n := utf8.RuneCountInString(body); n > MaxBodyChars {
		errs = append(errs, fmt.Errorf("body is %d characters: GitHub's limit is %d", n, MaxBodyChars))
	}
	return errors.Join(errs...)
}

// sameBody ignores what GitHub may rewrite on save: CRLF line ends, and
// surrounding white space.
func sameBody(a, b string) bool {
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	return norm(a) == norm(b)
}

// find returns the oldest comment of t's pull request containing marker,
// nil if none, reading 100 comments a page (GitHub's largest) and
// following the Link header's next page.
func (c *Client) find(ctx context.Context, t Target, marker string) (*github.IssueComment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		page, resp, err := c.gh.Issues.ListComments(ctx, t.Owner, t.Repo, t.PR, opts)
		if err != nil {
			return nil, err
		}
		for _, cm := range page {
			if strings.Contains(cm.GetBody(), marker) {
				return cm, nil
			}
		}
		// A next page that does not move on would loop forever.
		if resp.NextPage == 0 || resp.NextPage <= opts.Page {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

func statusOf(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

func createMayHaveHappened(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var ge *GaveUpError
	var rl *RateLimitedError
	if errors.As(err, &ge) || errors.As(err, &rl) {
		return false
	}
	if s := statusOf(err); s != 0 {
		return s >= 500
	}
	// No answer at all: a network error or an attempt's timeout.
	var ue *url.Error
	return errors.As(err, &ue)
}

// explain turns an API failure into what to do about it. Tokens are in
// headers only, so neither go-github's errors (method, URL, status,
// message) nor these contain one.
func explain(ctx context.Context, op string, err error, body string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer before the deadline: %w", op, ctx.Err())
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: cancelled: %w", op, ctx.Err())
	}
	// The transport's own errors already say what failed; go-github's
	// *url.Error around them would only repeat the URL.
	var ge *GaveUpError
	if errors.As(err, &ge) {
		return fmt.Errorf("%s: %w", op, ge)
	}
	var rl *RateLimitedError
	if errors.As(err, &rl) {
		return fmt.Errorf("%s: %w", op, rl)
	}
	var er *github.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	var hint string
	switch er.Response.StatusCode {
	case http.StatusUnauthorized:
		hint = "GitHub refused the token: GITHUB_TOKEN (or GH_TOKEN) is wrong, expired or revoked"
	case http.StatusForbidden:
		hint = "the token may not comment here: in GitHub Actions give the job `permissions: pull-requests: write` (or `issues: write`), " +
			"and note that a pull_request run from a fork gets a read-only token (see kumo diff's README); " +
			"a fine-grained token needs Pull requests: write on the repository, a classic one the repo (or public_repo) scope"
	case http.StatusNotFound:
		hint = "the repository or pull request does not exist, or the token cannot see it: " +
			"in GitHub Actions give the job `permissions: pull-requests: write` (or `issues: write`); " +
			"a fine-grained token needs access to the repository with Pull requests: write, a classic one the repo scope"
	case http.StatusUnprocessableEntity:
		hint = fmt.Sprintf("GitHub refused the comment (the body is %d characters, the limit %d)", utf8.RuneCountInString(body), MaxBodyChars)
	default:
		hint = "GitHub refused the request"
	}
	// go-github's error gives the method, URL, status, GitHub's message
	// and its field errors.
	return fmt.Errorf("%s: %s: %w", op, hint, err)
}
