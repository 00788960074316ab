package webapp_test

// The site_*_test.go files drive the pattern's static front end (site/)
// through whole sign-ins in headless Chromium, against local stand-ins for
// Cognito's user pool API and the items API, served with the
// Content-Security-Policy the site has in production. They need Debian's
// chromium package (or KUMO_CHROMIUM naming a Chromium or Chrome binary)
// and skip without one, except under CI=true. They live here rather than
// in a package of their own because that package's test binary linked
// Pulumi and pulumi-aws again for three helpers of package constructs.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kumo-iac/kumo/internal/testinputs"
)

// chromiumPath finds the browser: $KUMO_CHROMIUM, else Debian's chromium
// (or Chrome) on $PATH. Without one the test skips, but fails under CI,
// where a skip would pass the sign-in flow untested.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KUMO_CHROMIUM"); p != "" {
		testinputs.Tool("chromium", p)
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			testinputs.Tool("chromium", p)
			return p
		}
	}
	// Where Debian's package puts it: once installed, the skip below stops
	// standing in go test's cache.
	testinputs.Tool("chromium", "/usr/bin/chromium")
	const msg = "no Chromium on PATH and KUMO_CHROMIUM unset: install Debian's chromium package (apt-get install -y chromium) to run the site's browser tests"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser is one headless Chromium with one tab, and what the tab reported
// that a test should fail on.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string // uncaught exceptions, console errors, CSP violations
	output   bytes.Buffer
}

// newBrowser starts Chromium whose host resolver sends each name in hosts
// to its loopback address and fails every other name, so the page can
// reach nothing but the test's servers. Only the certificate whose key has
// the SHA-256 SPKI hash spki is accepted in place of a trusted one.
func newBrowser(t *testing.T, hosts map[string]string, spki string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	var rules []string
	for name, addr := range hosts {
		rules = append(rules, fmt.Sprintf("MAP %s %s", name, addr))
	}
	rules = append(rules, "MAP * ~NOTFOUND")
	b := &browser{t: t}
	// A fresh profile. Not t.TempDir: Chromium's helper processes can
	// still be writing to it for a moment after the browser has exited.
	profile, err := os.MkdirTemp("", "kumo-sitetest-profile-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox, // root in a container has no user namespaces to sandbox with
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")),
		chromedp.Flag("ignore-certificate-errors-spki-list", spki),
		chromedp.WindowSize(1000, 1000),
		chromedp.CombinedOutput(&lockedWriter{mu: &b.mu, w: &b.output}),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	// The whole flow takes a few seconds; a hang must not take minutes.
	ctx, cancelTimeout := context.WithTimeout(ctx, 45*time.Second)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx) // closes the browser gracefully
		cancelTimeout()
		cancelTab()
		cancelAlloc() // waits for the browser to exit
		removeProfile(t, profile)
		if t.Failed() {
			b.mu.Lock()
			t.Logf("chromium output:\n%s", b.output.String())
			b.mu.Unlock()
		}
	})
	chromedp.ListenTarget(ctx, func(ev any) {
		var p string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			p = "uncaught exception: " + e.ExceptionDetails.Error()
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p = "console.error: " + strings.Join(args, " ")
			}
		case *log.EventEntryAdded:
			// Refused loads and connections name the policy.
			if strings.Contains(e.Entry.Text, "Content Security Policy") {
				p = "CSP violation: " + e.Entry.Text
			}
		}
		if p != "" {
			b.mu.Lock()
			b.problems = append(b.problems, p)
			b.mu.Unlock()
		}
	})
	b.ctx = ctx
	b.run(chromedp.EmulateViewport(1000, 1000, chromedp.EmulateScale(2))) // sharp screenshots
	return b
}

func removeProfile(t *testing.T, dir string) {
	var err error
	for range 50 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("leaving Chromium's profile %s behind: %v", dir, err)
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v\npage state: %s", err, b.state())
	}
}

// state describes the page for failure messages: the sections shown and
// the message box.
func (b *browser) state() string {
	var s string
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	_ = chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify({
		views: [...document.querySelectorAll("main > section, #loading")].filter((e) => !e.hidden).map((e) => e.id),
		message: document.getElementById("message").hidden ? null : document.getElementById("message").textContent,
	})`, &s))
	return s
}

// waitFor polls a JavaScript expression until it is true.
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	var ok bool
	err := chromedp.Run(b.ctx, chromedp.Poll(expr, &ok, chromedp.WithPollingTimeout(10*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil || !ok {
		b.t.Fatalf("waiting for %s: %v\npage state: %s", what, err, b.state())
	}
}

// waitView waits until the section with id is the one shown.
func (b *browser) waitView(id string) {
	b.t.Helper()
	b.waitFor("the "+id+" view", fmt.Sprintf(`!document.getElementById(%q).hidden`, id))
}

// waitMessage waits for the message box and returns its text.
func (b *browser) waitMessage() string {
	b.t.Helper()
	b.waitFor("a message", `!document.getElementById("message").hidden`)
	return b.text("message")
}

func (b *browser) text(id string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.TextContent("#"+id, &s, chromedp.ByQuery))
	return strings.TrimSpace(s)
}

// fill empties an input and types into it, as a person would.
func (b *browser) fill(id, text string) {
	b.t.Helper()
	// chromedp.Clear resets the value attribute, which typing leaves behind.
	var done bool
	b.run(chromedp.Evaluate(fmt.Sprintf(`(document.getElementById(%q).value = "") === ""`, id), &done),
		chromedp.SendKeys("#"+id, text, chromedp.ByQuery))
}

// submit clicks a form's submit button.
func (b *browser) submit(form string) {
	b.t.Helper()
	b.run(chromedp.Click(fmt.Sprintf("#%s button[type=submit]", form), chromedp.ByQuery, chromedp.NodeVisible))
}

// screenshot saves the page to $KUMO_SITE_SCREENSHOTS/name.png when set,
// for a person to look at.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("KUMO_SITE_SCREENSHOTS")
	if dir == "" {
		return
	}
	var png []byte
	b.run(chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) checkProblems() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("page reported %s", p)
	}
}
