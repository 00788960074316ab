package webapp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/pquerna/otp/totp"

	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

const siteDir = "site"

// plantsID is the id of the one item the stand-in API starts with.
const plantsID = "0b6f1f3e-1b7a-4a2e-9a51-6d2a3c4b5e6f"

// env is the site, the stand-ins it talks to, and a browser that can
// reach only them.
type env struct {
	cognito *fakeCognito
	api     *itemsAPI
	b       *browser
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cert, spki := hostCert(t)
	e := &env{cognito: newFakeCognito(clientID)}
	e.api = &itemsAPI{cognito: e.cognito, origin: "https://" + siteHost, items: []items.Item{{
		ID: plantsID, Name: "Water the plants", Description: "The ferns need it twice a week.",
		CreatedAt: "2026-03-01T09:30:00Z", UpdatedAt: "2026-03-01T09:30:00Z", Version: 1,
	}}}
	config, err := json.Marshal(map[string]string{ // the keys webapp.siteConfig writes
		"apiUrl": "https://" + apiHost + apiStage + "/", "region": region, "userPoolId": region + "_Example1", "userPoolClientId": clientID,
	})
	if err != nil {
		t.Fatal(err)
	}
	site := startTLS(t, &siteServer{files: siteFiles(t, siteDir), config: config}, cert)
	cognito := startTLS(t, e.cognito, cert)
	api := startTLS(t, e.api, cert)
	e.b = newBrowser(t, map[string]string{
		siteHost:    site.Listener.Addr().String(),
		cognitoHost: cognito.Listener.Addr().String(),
		apiHost:     api.Listener.Addr().String(),
	}, spki)
	return e
}

// TestSignInEnrolsAuthenticatorApp runs a new user's first sign-in in a
// pool with MFA ON, as production users meet it: a temporary password,
// NEW_PASSWORD_REQUIRED, then MFA_SETUP with a QR code to scan, a mistyped
// code, the right one, and the items list; then a second sign-in that asks
// for the app's code (SOFTWARE_TOKEN_MFA).
func TestSignInEnrolsAuthenticatorApp(t *testing.T) {
	e := newEnv(t)
	const alice, temporary, chosen = "alice@example.com", "Temp-0rary!", "Correct-Horse-9"
	e.cognito.addUser(alice, temporary, true)
	b := e.b

	b.run(chromedp.Navigate("https://" + siteHost + "/"))
	b.waitView("signin")
	b.waitFor("the health check", `document.getElementById("health").classList.contains("ok")`)

	// First sign-in: temporary password, then a new one.
	b.fill("username", alice)
	b.fill("password", temporary)
	b.submit("signin-form")
	b.waitView("challenge")
	if got, want := b.text("challenge-label"), "Choose a new password"; got != want {
		t.Errorf("challenge label = %q; want %q", got, want)
	}
	b.fill("challenge-answer", chosen)
	b.submit("challenge-form")

	// MFA_SETUP follows in the same sign-in: the page shows the key the
	// stand-in issued, as text, as an otpauth URI and as a QR code.
	b.waitView("mfa-setup")
	secret := e.cognito.user(alice).pendingSecret
	if secret == "" {
		t.Fatal("the stand-in issued no secret: the page did not call AssociateSoftwareToken")
	}
	if got := strings.ReplaceAll(b.text("totp-secret"), " ", ""); got != secret {
		t.Errorf("key shown for manual entry = %q; want the issued secret %q", got, secret)
	}
	wantURI := "otpauth://totp/" + siteHost + ":alice%40example.com?secret=" + secret + "&issuer=" + siteHost
	uri := b.text("totp-uri")
	if uri != wantURI {
		t.Errorf("otpauth URI shown = %q; want %q", uri, wantURI)
	}
	var href string
	b.run(chromedp.JavascriptAttribute("#totp-uri", "href", &href, chromedp.ByQuery))
	if href != wantURI {
		t.Errorf("setup link href = %q; want %q", href, wantURI)
	}
	checkKeyURI(t, uri, secret)
	if got := decodeQR(t, b); got != wantURI {
		t.Errorf("QR code reads %q; want %q", got, wantURI)
	}
	b.screenshot("enrolment")

	// A wrong code: the page says so and stays on the enrolment view.
	b.fill("totp-code", wrongCode(t, secret))
	b.submit("mfa-setup-form")
	if msg := b.waitMessage(); !strings.Contains(msg, "That code was not accepted") || !strings.Contains(msg, "authenticator app") {
		t.Errorf("after a wrong code the page says %q; want it to say the code was not accepted", msg)
	}
	b.waitView("mfa-setup")
	b.screenshot("enrolment-wrong-code")

	// The right code finishes the sign-in and the items load with the ID
	// token the stand-in issued.
	b.fill("totp-code", code(t, secret, time.Now()))
	b.submit("mfa-setup-form")
	b.waitView("app")
	b.waitFor("the items list", `document.querySelector("#items .name")?.textContent === "Water the plants"`)
	if got := b.text("whoami"); got != alice {
		t.Errorf("signed in as %q; want %q", got, alice)
	}
	checkAPISawToken(t, e, alice)
	if got, want := e.cognito.takeCalls(), []string{
		"InitiateAuth",
		"RespondToAuthChallenge", // NEW_PASSWORD_REQUIRED
		"AssociateSoftwareToken",
		"VerifySoftwareToken:EnableSoftwareTokenMFAException",
		"VerifySoftwareToken",
		"RespondToAuthChallenge", // MFA_SETUP
	}; !slices.Equal(got, want) {
		t.Errorf("Cognito calls of the first sign-in:\n got %q\nwant %q", got, want)
	}
	u := e.cognito.user(alice)
	if u.secret != secret || u.deviceName == "" {
		t.Errorf("after enrolment the user has secret %q and device name %q; want %q and a FriendlyDeviceName", u.secret, u.deviceName, secret)
	}
	b.screenshot("items")

	// Second sign-in: the app's code is asked for. Its code for the next
	// 30 s step, since the one used to enrol may not be used again.
	b.run(chromedp.Click("#signout", chromedp.ByQuery))
	b.waitView("signin")
	b.fill("username", alice)
	b.fill("password", chosen)
	b.submit("signin-form")
	b.waitView("challenge")
	if got, want := b.text("challenge-label"), "Code from your authenticator app"; got != want {
		t.Errorf("challenge label = %q; want %q", got, want)
	}
	b.fill("challenge-answer", wrongCode(t, secret))
	b.submit("challenge-form")
	if msg := b.waitMessage(); !strings.Contains(msg, "That code was not accepted") {
		t.Errorf("after a wrong code the page says %q; want it to say the code was not accepted", msg)
	}
	b.waitView("challenge")
	b.fill("challenge-answer", code(t, secret, time.Now().Add(30*time.Second)))
	b.submit("challenge-form")
	b.waitView("app")
	b.waitFor("the items list", `document.querySelector("#items .name")?.textContent === "Water the plants"`)
	checkAPISawToken(t, e, alice)
	if got, want := e.cognito.takeCalls(), []string{
		"InitiateAuth", "RespondToAuthChallenge:CodeMismatchException", "RespondToAuthChallenge", // SOFTWARE_TOKEN_MFA
	}; !slices.Equal(got, want) {
		t.Errorf("Cognito calls of the second sign-in:\n got %q\nwant %q", got, want)
	}
	b.checkProblems()
}

// TestEnrolmentSessionExpires: a user who takes longer than the sign-in
// session allows to set up the app is sent back to sign in, told why, and
// told to drop the key that will never work.
func TestEnrolmentSessionExpires(t *testing.T) {
	e := newEnv(t)
	const bob, password = "bob@example.com", "Bobs-Passw0rd"
	e.cognito.addUser(bob, password, false)
	b := e.b

	b.run(chromedp.Navigate("https://" + siteHost + "/"))
	b.waitView("signin")
	b.fill("username", bob)
	b.fill("password", password)
	b.submit("signin-form")
	b.waitView("mfa-setup") // MFA_SETUP straight from InitiateAuth
	secret := e.cognito.user(bob).pendingSecret

	e.cognito.setSkew(sessionLifetime + time.Second)
	b.fill("totp-code", code(t, secret, time.Now()))
	b.submit("mfa-setup-form")
	msg := b.waitMessage()
	for _, want := range []string{"expired", "sign in again", "delete the one you just added"} {
		if !strings.Contains(msg, want) {
			t.Errorf("after the session expired the page says %q; want it to contain %q", msg, want)
		}
	}
	b.waitView("signin")
	b.screenshot("enrolment-expired")
	var username, pw string
	b.run(chromedp.Value("#username", &username, chromedp.ByQuery), chromedp.Value("#password", &pw, chromedp.ByQuery))
	if username != bob || pw != "" {
		t.Errorf("sign-in form holds user %q and a %d-character password; want %q and an empty password", username, len(pw), bob)
	}
	if got := b.text("totp-secret"); got != "" {
		t.Errorf("the expired key is still on the page: %q", got)
	}
	if got, want := e.cognito.takeCalls(), []string{
		"InitiateAuth", "AssociateSoftwareToken", "VerifySoftwareToken:NotAuthorizedException",
	}; !slices.Equal(got, want) {
		t.Errorf("Cognito calls:\n got %q\nwant %q", got, want)
	}
	b.checkProblems()
}

// checkKeyURI parses the key URI the way an authenticator app does.
func checkKeyURI(t *testing.T, uri, secret string) {
	t.Helper()
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatalf("otpauth URI %q: %v", uri, err)
	}
	label := strings.TrimPrefix(u.Path, "/")
	if u.Scheme != "otpauth" || u.Host != "totp" || label != siteHost+":alice@example.com" ||
		u.Query().Get("secret") != secret || u.Query().Get("issuer") != siteHost {
		t.Errorf("otpauth URI %q: scheme %q, type %q, label %q, secret %q, issuer %q; want otpauth, totp, %q, %q, %q",
			uri, u.Scheme, u.Host, label, u.Query().Get("secret"), u.Query().Get("issuer"), siteHost+":alice@example.com", secret, siteHost)
	}
}

// decodeQR reads the QR code from a screenshot of it, as a phone would.
func decodeQR(t *testing.T, b *browser) string {
	t.Helper()
	// The page draws the code before it shows the view.
	var drawn bool
	b.run(chromedp.Evaluate(`!!document.querySelector("#totp-qr:not([hidden]) svg path[d^='M']")`, &drawn))
	if !drawn {
		t.Fatal("the enrolment view shows no QR code")
	}
	var shot []byte
	b.run(chromedp.Screenshot("#totp-qr svg", &shot, chromedp.ByQuery))
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("QR screenshot: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("no QR code readable in the %dx%d screenshot of #totp-qr: %v", img.Bounds().Dx(), img.Bounds().Dy(), err)
	}
	return res.GetText()
}

func checkAPISawToken(t *testing.T, e *env, email string) {
	t.Helper()
	seen := e.api.authorizations()
	if len(seen) == 0 {
		t.Fatal("the items API saw no GET /items")
	}
	if got := e.cognito.idTokenUser(seen[len(seen)-1]); got != email {
		t.Errorf("the items API's last Authorization is not an ID token issued to %s (its user: %q)", email, got)
	}
	for _, a := range seen {
		if e.cognito.idTokenUser(a) == "" {
			t.Errorf("the items API saw Authorization %.20q…, not an ID token the user pool issued", a)
		}
	}
}

// code is the authenticator app's code at time at.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totpOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is six digits that no step near now accepts.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	near := map[string]bool{}
	for d := -2; d <= 2; d++ {
		near[code(t, secret, time.Now().Add(time.Duration(d)*30*time.Second))] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", (123456+i*7919)%1000000); !near[c] {
			return c
		}
	}
}
