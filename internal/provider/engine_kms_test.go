package provider_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync/atomic"
)

// fakeKMS stands in for the AWS KMS key a stack's secrets provider
// (awskms://…?endpoint=) encrypts its data key with: the CLI encrypts a new
// data key once, when the stack is created, and decrypts it in every later
// run. Its "ciphertext" is the plaintext behind a marker, which is all the
// CLI needs of it. It speaks KMS's JSON 1.1 protocol for Encrypt and
// Decrypt and refuses everything else.
type fakeKMS struct {
	decrypts atomic.Int64
}

const (
	fakeKMSKey    = "arn:aws:kms:eu-west-1:123456789012:key/kumo-engine-test"
	fakeKMSMarker = "kumo-engine-test-kms:"
)

func (k *fakeKMS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Plaintext      []byte
		CiphertextBlob []byte
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var resp map[string]any
	switch op := r.Header.Get("X-Amz-Target"); op {
	case "TrentService.Encrypt":
		resp = map[string]any{"KeyId": fakeKMSKey, "CiphertextBlob": append([]byte(fakeKMSMarker), req.Plaintext...)}
	case "TrentService.Decrypt":
		plain, ok := bytes.CutPrefix(req.CiphertextBlob, []byte(fakeKMSMarker))
		if !ok {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"__type": "InvalidCiphertextException", "message": "not a ciphertext of this fake"})
			return
		}
		k.decrypts.Add(1)
		resp = map[string]any{"KeyId": fakeKMSKey, "Plaintext": plain}
	default:
		http.Error(w, "fake KMS: unsupported operation "+op, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(resp)
}
