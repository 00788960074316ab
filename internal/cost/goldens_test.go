package cost

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// goldenDoc reads one of kumo's synth goldens as estimator input.
func goldenDoc(t *testing.T, path string) (project, stack, region string, rs []Resource) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Project, Stack, Region string
		Resources              []struct {
			URN, Type, Name, Parent, Region string
			Custom                          bool
			Inputs                          map[string]any
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc.Resources {
		rs = append(rs, Resource{URN: r.URN, Type: r.Type, Name: r.Name, Parent: r.Parent, Region: r.Region, Component: !r.Custom, Inputs: r.Inputs})
	}
	return doc.Project, doc.Stack, doc.Region, rs
}

func goldens(t *testing.T) []string {
	files, err := filepath.Glob("../../test/testdata/*.golden.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no synth goldens (%v)", err)
	}
	return files
}

// TestEveryEmittedTypeHasARule: every resource type in kumo's synth goldens
// is either priced by a rule or free with a reason, so a stack of kumo's
// patterns has no "no pricing rule" line.
func TestEveryEmittedTypeHasARule(t *testing.T) {
	for _, f := range goldens(t) {
		_, _, _, rs := goldenDoc(t, f)
		for _, r := range rs {
			if r.isComponent() {
				continue
			}
			_, priced := rules[r.Type]
			_, free := freeTypes[r.Type]
			_, tfree := tableFree[r.Type]
			if !priced && !free && !tfree {
				t.Errorf("%s: type %s has neither a pricing rule nor a free reason", filepath.Base(f), r.Type)
			}
		}
	}
}

// TestGoldenStacksEstimate: every shipped stack estimates, twice to the
// same bytes, and its only unpriced entries are prices the table lacks.
func TestGoldenStacksEstimate(t *testing.T) {
	tab, err := LoadTable()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range goldens(t) {
		project, stack, region, rs := goldenDoc(t, f)
		rep, err := Estimate(project, stack, region, rs, DefaultUsage(), tab)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		again, _ := Estimate(project, stack, region, rs, DefaultUsage(), tab)
		a, _ := rep.JSON()
		b, _ := again.JSON()
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two estimates differ", filepath.Base(f))
		}
		for _, u := range rep.Unpriced {
			if u.Key == "" {
				t.Errorf("%s: %s %s has no pricing rule", filepath.Base(f), u.Type, u.Name)
			}
		}
	}
}

// TestJSONContract: the --json document has the documented keys, in order.
func TestJSONContract(t *testing.T) {
	b, err := estimate(t, "us-east-1", webStack(), "").JSON()
	if err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"assumptions", "currency", "free", "freeTiers", "notes", "patterns", "prices", "project", "region", "resources", "schema", "stack", "total", "unpriced"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("top-level keys: got %v; want %v", keys, want)
	}
	if !bytes.HasPrefix(b, []byte("{\n  \"schema\": \"kumo-cost/v1\",\n  \"project\": \"shop\",")) {
		t.Errorf("the document does not start with its schema:\n%.200s", b)
	}
	var doc struct {
		Total struct {
			Total    string `json:"total"`
			Complete bool   `json:"complete"`
		} `json:"total"`
		Resources []struct {
			Items []struct {
				Price, Amount, Quantity string
				Per                     int64
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	// At the defaults: API 1,000,000 × $3.50/1M = $3.50; Lambda $0.20 +
	// 50,000 GB-s × $0.0000133334 = $0.86667; table 250,000 RRU × $0.125/1M
	// + 500,000 WRU × $0.625/1M + 1 GB × $0.25 + 1 GB × $0.20 = $0.79375;
	// logs 1,000,000 KB = 0.95367… GB × $0.50 = $0.47684 and × 720/730 ×
	// $0.03 = $0.02822: $5.6654754…, printed to the micro-dollar.
	if doc.Total.Total != "5.665475" || !doc.Total.Complete {
		t.Errorf("total %q complete %v; want \"5.665475\" (micro-dollars, as a string) and complete", doc.Total.Total, doc.Total.Complete)
	}
	for _, r := range doc.Resources {
		for _, it := range r.Items {
			if it.Price == "" || it.Amount == "" || it.Quantity == "" || it.Per == 0 || strings.ContainsAny(it.Price+it.Quantity, "e") {
				t.Errorf("item %+v: want decimal strings and a per", it)
			}
		}
	}
}
