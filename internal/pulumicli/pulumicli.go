// Package pulumicli serves the tests that drive the real Pulumi CLI offline
// (internal/provider's engine test, test/preview, the pipeline's buildspec
// run): it finds the CLI .ci/run builds from the module proxy, and stands in
// for the KMS key of an awskms:// secrets provider.
package pulumicli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/kumo-iac/kumo/internal/testinputs"
)

// Env names the Pulumi CLI binary the tests run; without it they look in
// .ci/run's cache, then on PATH.
const Env = "KUMO_PULUMI_CLI"

// Find returns the Pulumi CLI: $KUMO_PULUMI_CLI, else
// ~/.cache/kumo-pulumi/pulumi, else pulumi on PATH. Without one the test is
// skipped, or fails when CI is set: CI must run what, never skip it.
func Find(t testing.TB, what string) string {
	t.Helper()
	if p := os.Getenv(Env); p != "" {
		testinputs.Tool("pulumi", p)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%s names no Pulumi CLI: %v", Env, err)
		}
		return p
	}
	cached := "$HOME/.cache/kumo-pulumi/pulumi"
	if home, err := os.UserHomeDir(); err == nil {
		cached = filepath.Join(home, ".cache", "kumo-pulumi", "pulumi")
		// Where .ci/run builds it, which is preferred: once one is built
		// there, a result with another CLI (or a skip) stops standing in
		// go test's cache.
		testinputs.Tool("pulumi-cache", cached)
		if _, err := os.Stat(cached); err == nil {
			return cached
		}
	}
	if p, err := exec.LookPath("pulumi"); err == nil {
		testinputs.Tool("pulumi", p)
		return p
	}
	msg := fmt.Sprintf("no Pulumi CLI: %s is unset, %s does not exist and pulumi is not on PATH; "+
		"build it from the module proxy as .ci/run does, or point %s at one", Env, cached, Env)
	if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
		t.Fatalf("%s (CI must run %s, never skip it)", msg, what)
	}
	t.Skip(msg)
	return ""
}

// FakeKMS stands in for the AWS KMS key a stack's secrets provider
// (awskms://…?endpoint=) encrypts its data key with: the CLI encrypts a new
// data key once, when the stack is created, and decrypts it whenever it
// reads a secret. Its "ciphertext" is the plaintext behind a marker, which
// is all the CLI needs of it. It speaks KMS's JSON 1.1 protocol for Encrypt
// and Decrypt and refuses everything else; it counts both.
type FakeKMS struct {
	Encrypts, Decrypts atomic.Int64
}

const (
	fakeKMSKey    = "arn:aws:kms:eu-west-1:123456789012:key/kumo-test"
	fakeKMSMarker = "kumo-test-kms:"
)

func (k *FakeKMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct{ Plaintext, CiphertextBlob []byte }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var resp map[string]any
	switch op := r.Header.Get("X-Amz-Target"); op {
	case "TrentService.Encrypt":
		k.Encrypts.Add(1)
		resp = map[string]any{"KeyId": fakeKMSKey, "CiphertextBlob": append([]byte(fakeKMSMarker), req.Plaintext...)}
	case "TrentService.Decrypt":
		plain, ok := bytes.CutPrefix(req.CiphertextBlob, []byte(fakeKMSMarker))
		if !ok {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"__type": "InvalidCiphertextException", "message": "not a ciphertext of this fake"})
			return
		}
		k.Decrypts.Add(1)
		resp = map[string]any{"KeyId": fakeKMSKey, "Plaintext": plain}
	default:
		http.Error(w, "fake KMS: unsupported operation "+op, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(resp)
}
