package webapp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumo-iac/kumo/constructs"
	"github.com/kumo-iac/kumo/patterns/webapp/items"
)

// The browser reaches every server under its production-like name; its
// host resolver maps each name to a loopback port and fails all others.
const (
	siteHost    = "app.kumo.test"
	apiHost     = "api.kumo.test"
	region      = "us-east-1"
	cognitoHost = "cognito-idp." + region + ".amazonaws.com" // where app.js sends Cognito calls
	apiStage    = "/prod"
	clientID    = "4example5client6id7890abcd"
)

// hostCert is a self-signed certificate for the three names. Chromium is
// told to accept its key only (--ignore-certificate-errors-spki-list), not
// every bad certificate.
func hostCert(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "kumo site test"},
		DNSNames:     []string{siteHost, apiHost, cognitoHost},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(spki)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, base64.StdEncoding.EncodeToString(sum[:])
}

func startTLS(t *testing.T, h http.Handler, cert tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// siteFiles maps each key constructs.NewStaticSite uploads from dir to
// its file.
func siteFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	keys, err := constructs.SiteFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string]string, len(keys))
	for _, k := range keys {
		files[k] = filepath.Join(dir, filepath.FromSlash(k))
	}
	return files
}

// siteServer serves the site as the CloudFront distribution does: each file
// with the Content-Type the uploader gives it, the production CSP and
// nosniff on every response, and index.html for unknown paths (SPA).
type siteServer struct {
	files  map[string]string // object key → local path
	config []byte            // /config.json, written at deploy time
}

func (s *siteServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", constructs.DefaultContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	key := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if key == "" {
		key = "index.html"
	}
	if key == "config.json" {
		h.Set("Content-Type", constructs.ContentType(key))
		_, _ = w.Write(s.config)
		return
	}
	p, ok := s.files[key]
	if !ok {
		key, p = "index.html", s.files["index.html"]
	}
	b, err := os.ReadFile(p)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("Content-Type", constructs.ContentType(key))
	_, _ = w.Write(b)
}

// itemsAPI stands in for the API Gateway stage: the public health route
// and the items routes, which, like the Cognito authorizer, want an ID token
// the user pool issued, raw in Authorization. It keeps the items API's rules
// on versions (patterns/webapp/items): every item has one, sent as the ETag
// of an item and as "version" in lists; PUT and DELETE need If-Match with
// the current ETag, else 428 without one and 412 with another; and it
// exposes ETag to the site's origin. Ownership is not modelled: the tests
// sign in one user.
type itemsAPI struct {
	cognito *fakeCognito
	origin  string // the site's, for CORS

	mu      sync.Mutex
	items   []items.Item
	seen    []string // Authorization of each GET /items
	ifMatch []string // "METHOD If-Match" of each PUT and DELETE, in order
}

// corsAllowHeaders is what the API's preflight allows, as
// constructs.NewApi configures it.
const corsAllowHeaders = "Content-Type,Authorization,X-Api-Key,X-Amz-Date,X-Amz-Security-Token,If-Match"

func (a *itemsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", a.origin)
	h.Set("Content-Type", "application/json")
	route, ok := strings.CutPrefix(r.URL.Path, apiStage)
	if !ok {
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"message":"Missing Authentication Token"}`))
		return
	}
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "DELETE,GET,OPTIONS,POST,PUT")
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method == http.MethodGet && route == "/health" {
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok", "function": "kumo-health", "version": "3"})
		return
	}
	auth := r.Header.Get("Authorization")
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Method == http.MethodGet && route == "/items" {
		a.seen = append(a.seen, auth)
	}
	if a.cognito.idTokenUser(auth) == "" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"Unauthorized"}`))
		return
	}
	// The items function's own responses expose ETag.
	h.Set("Access-Control-Expose-Headers", "ETag")
	id, isItem := strings.CutPrefix(route, "/items/")
	switch {
	case r.Method == http.MethodGet && route == "/items":
		_ = json.NewEncoder(w).Encode(items.Page{Items: a.items})
	case isItem && (r.Method == http.MethodPut || r.Method == http.MethodDelete):
		a.write(w, r, id)
	default:
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "no route for " + r.Method + " " + route})
	}
}

// write serves PUT and DELETE /items/{id}; the caller holds a.mu.
func (a *itemsAPI) write(w http.ResponseWriter, r *http.Request, id string) {
	ifMatch := r.Header.Get("If-Match")
	a.ifMatch = append(a.ifMatch, r.Method+" "+ifMatch)
	i := slices.IndexFunc(a.items, func(it items.Item) bool { return it.ID == id })
	switch {
	case i < 0:
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "no item with id " + id})
		return
	case ifMatch == "":
		w.WriteHeader(http.StatusPreconditionRequired)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": r.Method + " needs an If-Match header with the item's ETag"})
		return
	case ifMatch != items.ETag(a.items[i].Version):
		w.WriteHeader(http.StatusPreconditionFailed)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "item " + id + " was changed by someone else"})
		return
	}
	if r.Method == http.MethodDelete {
		a.items = slices.Delete(a.items, i, i+1)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Done        bool   `json:"done"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	it := &a.items[i]
	it.Name, it.Description, it.Done = in.Name, in.Description, in.Done
	it.Version++
	it.UpdatedAt = time.Now().UTC().Format(time.RFC3339)
	w.Header().Set("ETag", items.ETag(it.Version))
	_ = json.NewEncoder(w).Encode(it)
}

// changeElsewhere renames the item with id as another user of the app
// would, moving it to its next version behind the page's back.
func (a *itemsAPI) changeElsewhere(id, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range a.items {
		if a.items[i].ID == id {
			a.items[i].Name = name
			a.items[i].Version++
		}
	}
}

func (a *itemsAPI) authorizations() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...)
}

// writes returns "METHOD If-Match" of each PUT and DELETE so far.
func (a *itemsAPI) writes() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.ifMatch...)
}
