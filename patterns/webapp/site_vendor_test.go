package webapp_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/kumo-iac/kumo/constructs"
)

// TestVendoredFiles keeps each file under site/vendor what its header says
// it is: the upstream file byte for byte after the provenance block, which
// records its sha256. It also checks that index.html loads it and that the
// uploader serves it as JavaScript (with nosniff, anything else would not
// run).
func TestVendoredFiles(t *testing.T) {
	files := siteFiles(t, siteDir)
	index, err := os.ReadFile(files["index.html"])
	if err != nil {
		t.Fatal(err)
	}
	sumLine := regexp.MustCompile(`(?m)^//\s+sha256 of \S+: ([0-9a-f]{64})$`)
	var vendored int
	for key, p := range files {
		if !strings.HasPrefix(key, "vendor/") {
			continue
		}
		vendored++
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m := sumLine.FindSubmatch(b)
		if m == nil {
			t.Errorf("%s: no provenance block with a \"sha256 of <file>: <hex>\" line", key)
			continue
		}
		// The upstream file starts where the provenance block's comment
		// lines end.
		start := 0
		for strings.HasPrefix(string(b[start:]), "// ") {
			start += strings.IndexByte(string(b[start:]), '\n') + 1
		}
		sum := sha256.Sum256(b[start:])
		if got := hex.EncodeToString(sum[:]); got != string(m[1]) {
			t.Errorf("%s: sha256 of the upstream part = %s; the header records %s (edited by hand, or the header is stale)", key, got, m[1])
		}
		if ct := constructs.ContentType(key); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s is uploaded as %q; want text/javascript", key, ct)
		}
		if !strings.Contains(string(index), `<script src="/`+key+`" defer></script>`) {
			t.Errorf("index.html does not load /%s with a deferred <script src>", key)
		}
	}
	if vendored == 0 {
		t.Error("no files under site/vendor; the QR code generator is missing")
	}
}
