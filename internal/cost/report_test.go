package cost

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
)

// TestCompareItems: doubling a function's memory doubles its compute and
// nothing else; the change names the dimension with both quantities and
// splits the totals into fixed and per use.
func TestCompareItems(t *testing.T) {
	tab, err := LoadTable()
	if err != nil {
		t.Fatal(err)
	}
	after := webStack()
	for i := range after {
		if after[i].Type == typeFunction {
			after[i].Inputs["memorySize"] = int64(1024)
		}
	}
	_, _, c, err := EstimateChange("shop", "dev", Side{Region: "us-east-1", Resources: webStack()}, Side{Region: "us-east-1", Resources: after}, nil, tab)
	if err != nil {
		t.Fatal(err)
	}
	// Default usage: 1,000,000 requests shared by GET and POST (OPTIONS
	// gets none), so 1,000,000 invocations of 100 ms:
	// before 1,000,000 × 0.1 s × 0.5 GB = 50,000 GB-s,
	// after  1,000,000 × 0.1 s × 1 GB = 100,000 GB-s;
	// 50,000 GB-s more × $0.0000133334 = $0.66667.
	wantMoney(t, "delta", c.Delta, dec("0.66667"))
	wantMoney(t, "per-use delta", c.PerUseDelta(), dec("0.66667"))
	wantMoney(t, "fixed delta", c.FixedDelta(), new(big.Rat))
	if len(c.Resources) != 1 {
		t.Fatalf("resources behind the change: got %d; want the function alone", len(c.Resources))
	}
	r := c.Resources[0]
	if r.Name != "web-items" || !r.InBefore || !r.InAfter || r.RegionBefore != "us-east-1" || r.RegionAfter != "us-east-1" {
		t.Errorf("resource: got %s in %v/%v, %s → %s; want web-items on both sides in us-east-1", r.Name, r.InBefore, r.InAfter, r.RegionBefore, r.RegionAfter)
	}
	if len(r.Items) != 1 {
		t.Fatalf("items: got %+v; want compute alone (requests do not change)", r.Items)
	}
	it := r.Items[0]
	if it.What != "compute (arm64)" || it.QuantityBefore.Cmp(big.NewRat(50000, 1)) != 0 || it.QuantityAfter.Cmp(big.NewRat(100000, 1)) != 0 || it.Unit != "GB-s" {
		t.Errorf("item: got %s %s → %s %s; want compute (arm64) 50000 → 100000 GB-s", it.What, it.QuantityBefore, it.QuantityAfter, it.Unit)
	}
	wantMoney(t, "item delta", it.Delta, dec("0.66667"))
	if b := c.Bound(); b != BoundExact {
		t.Errorf("bound: got %s; want exact (us-east-1 prices everything here)", b)
	}
}

// TestEstimateChangeNames: the usage file may name a function only one
// side has — the change adds it — and it prices that side; a name neither
// side has is refused, listing both sides' functions.
func TestEstimateChangeNames(t *testing.T) {
	tab, err := LoadTable()
	if err != nil {
		t.Fatal(err)
	}
	withJob := func() []Resource {
		s := &stackOf{rs: webStack()}
		s.function("job", nil, 1024, "arm64", nil)
		return s.rs
	}
	for _, tc := range []struct {
		name          string
		before, after []Resource
		usage         string
		// wantJob is the job's monthly cost on the side that has it.
		wantJob string
		wantErr string
	}{
		// 1,000 invocations × $0.20/1M = $0.0002; 1,000 × 0.1 s × 1 GB =
		// 100 GB-s × $0.0000133334 = $0.00133334; logs 1,000 × 1 KB =
		// 1,000/1,048,576 GB: ingestion × $0.50 and storage × 720/730 ×
		// $0.03 are on the log group's line, not the function's.
		{"added function", webStack(), withJob(), "functions:\n  job:\n    invocationsPerMonth: 1000\n", "0.00153334", ""},
		{"removed function", withJob(), webStack(), "functions:\n  job:\n    invocationsPerMonth: 1000\n", "0.00153334", ""},
		{"neither side", webStack(), withJob(), "functions:\n  jobs:\n    invocationsPerMonth: 1000\n", "",
			"functions.jobs: no Lambda function of the stack has this name; functions: job, web-items"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseUsage("Pulumi.dev.usage.yaml", []byte(tc.usage))
			if err != nil {
				t.Fatal(err)
			}
			before, after, _, err := EstimateChange("shop", "dev", Side{Region: "us-east-1", Resources: tc.before}, Side{Region: "us-east-1", Resources: tc.after}, u, tab)
			if tc.wantErr != "" {
				var ue *UsageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v; want a *UsageError saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			side := after
			if len(tc.before) > len(tc.after) {
				side = before
			}
			wantMoney(t, "job", lineOf(t, side, typeFunction, "job").Total(), dec(tc.wantJob))
		})
	}
}

// TestChangeBound: the delta sums only priced lines; what has no price and
// changes says whether the true change is at least, at most, or only
// partly the delta.
func TestChangeBound(t *testing.T) {
	un := func(urn, key, region string, q int64) Unpriced {
		return Unpriced{URN: urn, Type: typeStream, Name: urn, Region: region, Key: key, Reason: "no price", Quantity: big.NewRat(q, 1), Unit: "shard-hours"}
	}
	rule := Unpriced{URN: "c", Type: "shop:index:Thing", Name: "c", Region: "us-east-1", Reason: "no pricing rule"}
	for _, tc := range []struct {
		name          string
		before, after []Unpriced
		want          Bound
		wantKinds     []UnpricedKind
	}{
		{"nothing unpriced", nil, nil, BoundExact, nil},
		{"unchanged", []Unpriced{un("a", "k", "eu-west-1", 730)}, []Unpriced{un("a", "k", "eu-west-1", 730)}, BoundExact, nil},
		{"added", nil, []Unpriced{un("a", "k", "eu-west-1", 730)}, BoundLower, []UnpricedKind{UnpricedAdded}},
		{"added at zero", nil, []Unpriced{un("a", "k", "eu-west-1", 0)}, BoundExact, nil},
		{"grown", []Unpriced{un("a", "k", "eu-west-1", 730)}, []Unpriced{un("a", "k", "eu-west-1", 1460)}, BoundLower, []UnpricedKind{UnpricedChanged}},
		{"removed", []Unpriced{un("a", "k", "eu-west-1", 730)}, nil, BoundUpper, []UnpricedKind{UnpricedRemoved}},
		{"shrunk", []Unpriced{un("a", "k", "eu-west-1", 730)}, []Unpriced{un("a", "k", "eu-west-1", 1)}, BoundUpper, []UnpricedKind{UnpricedChanged}},
		{"moved region", []Unpriced{un("a", "k", "eu-central-1", 730)}, []Unpriced{un("a", "k", "eu-west-2", 730)}, BoundUnknown, []UnpricedKind{UnpricedChanged}},
		{"both ways", []Unpriced{un("a", "k", "eu-west-1", 730)}, []Unpriced{un("b", "k", "eu-west-1", 730)}, BoundUnknown,
			[]UnpricedKind{UnpricedRemoved, UnpricedAdded}},
		{"no pricing rule on both sides", []Unpriced{rule}, []Unpriced{rule}, BoundExact, nil},
		{"no pricing rule added", nil, []Unpriced{rule}, BoundLower, []UnpricedKind{UnpricedAdded}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Compare(&Report{Unpriced: tc.before}, &Report{Unpriced: tc.after})
			if got := c.Bound(); got != tc.want {
				t.Errorf("bound: got %s; want %s", got, tc.want)
			}
			var kinds []UnpricedKind
			for _, u := range c.Unpriced {
				kinds = append(kinds, u.Kind)
			}
			if strings.Join(kindStrings(kinds), ",") != strings.Join(kindStrings(tc.wantKinds), ",") {
				t.Errorf("unpriced changes: got %v; want %v", kinds, tc.wantKinds)
			}
		})
	}
}

func kindStrings(ks []UnpricedKind) []string {
	var out []string
	for _, k := range ks {
		out = append(out, string(k))
	}
	return out
}

// TestMoneyJSON: an amount reads back exactly as it was written, and
// anything but a decimal string is refused.
func TestMoneyJSON(t *testing.T) {
	m := moneyOf(big.NewRat(1234567891, 1000000))
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var got Money
	if err := json.Unmarshal(b, &got); err != nil || got.Cmp(m) != 0 {
		t.Errorf("round trip of %s: got %s, %v; want the same amount", b, got.Micros(), err)
	}
	for _, bad := range []string{`12.5`, `"1/3"`, `"1e3"`, `"twelve"`} {
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("unmarshal %s: got no error; want a decimal string refused otherwise", bad)
		}
	}
}
