package webapp_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// signIn takes a new user through their first sign-in, enrolling an
// authenticator app, to the items list.
func signIn(t *testing.T, e *env, email string) {
	t.Helper()
	const password = "Correct-Horse-9"
	e.cognito.addUser(email, password, false)
	b := e.b
	b.run(chromedp.Navigate("https://" + siteHost + "/"))
	b.waitView("signin")
	b.fill("username", email)
	b.fill("password", password)
	b.submit("signin-form")
	b.waitView("mfa-setup")
	b.fill("totp-code", code(t, e.cognito.user(email).pendingSecret, time.Now()))
	b.submit("mfa-setup-form")
	b.waitView("app")
}

// itemName is the JavaScript for the name shown in the first row.
const itemName = `document.querySelector("#items .name")?.textContent`

// TestChangesNameTheVersionAndConflictsAreExplained toggles and deletes an
// item as the items API wants it: each PUT and DELETE carries the ETag of
// the version the page showed, and when another user changed the item in
// between (412) the page says so, shows the item as it is now, and the next
// try with the new version goes through.
func TestChangesNameTheVersionAndConflictsAreExplained(t *testing.T) {
	e := newEnv(t)
	signIn(t, e, "carol@example.com")
	b := e.b
	b.waitFor("the items list", itemName+` === "Water the plants"`)
	id := plantsID
	toggle := fmt.Sprintf("#done-%s", id)

	// A toggle names version 1, which the list said; the answer's ETag
	// is the version the next change names.
	b.run(chromedp.Click(toggle, chromedp.ByQuery))
	b.waitFor("the item to show as done", `document.querySelector("#items li.item.done") !== null`)

	// Someone else renames it: the page still shows version 2.
	e.api.changeElsewhere(id, "Water the ferns")
	b.run(chromedp.Click(toggle, chromedp.ByQuery))
	msg := b.waitMessage()
	for _, want := range []string{`Someone else changed "Water the plants"`, "not changed", "latest version"} {
		if !strings.Contains(msg, want) {
			t.Errorf("after a conflicting change the page says %q; want it to contain %q", msg, want)
		}
	}
	b.waitFor("the list to show the other user's change", itemName+` === "Water the ferns"`)
	var checked bool
	b.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelector(%q).checked`, toggle), &checked))
	if !checked {
		t.Error("after the refused change the box is unchecked; want it to show the stored item, still done")
	}
	b.screenshot("conflict")

	// Trying again names the version now shown, and goes through.
	b.run(chromedp.Click(toggle, chromedp.ByQuery))
	b.waitFor("the item to show as not done", `document.querySelector("#items li.item:not(.done)") !== null`)

	// A delete that crosses another change is refused the same way, and
	// the second try deletes.
	e.api.changeElsewhere(id, "Water the ferns and the palm")
	var ok bool
	b.run(chromedp.Evaluate(`(window.confirm = () => true) && true`, &ok)) // answer the "Delete?" dialog
	b.run(chromedp.Click("#items button.delete", chromedp.ByQuery))
	if msg := b.waitMessage(); !strings.Contains(msg, "Someone else changed") || !strings.Contains(msg, "not deleted") {
		t.Errorf("after a conflicting delete the page says %q; want it to say the item changed and was not deleted", msg)
	}
	b.waitFor("the list to show the other user's change", itemName+` === "Water the ferns and the palm"`)
	b.run(chromedp.Click("#items button.delete", chromedp.ByQuery))
	b.waitFor("the empty list", `!document.getElementById("empty").hidden && document.querySelectorAll("#items li").length === 0`)

	if got, want := e.api.writes(), []string{
		`PUT "1"`,    // version 1, from the list
		`PUT "2"`,    // version 2, from the first PUT's ETag: refused, 3 is stored
		`PUT "3"`,    // version 3, from the reloaded list
		`DELETE "4"`, // refused, 5 is stored
		`DELETE "5"`,
	}; !slices.Equal(got, want) {
		t.Errorf("writes the API saw, with their If-Match:\n got %q\nwant %q", got, want)
	}
	b.checkProblems()
}
