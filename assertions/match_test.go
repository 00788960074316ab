package assertions

import (
	"strings"
	"testing"
)

func TestMatchers(t *testing.T) {
	obj := map[string]any{"a": int64(1), "b": map[string]any{"c": "x", "d": []any{"p", "q"}}, "n": nil, "f": 1.5}
	cases := []struct {
		name    string
		pattern any
		got     any
		ok      bool
	}{
		{"partial object", M{"a": 1, "b": M{"c": "x"}}, obj, true},
		{"nested partial object", M{"b": map[string]string{"c": "x"}}, obj, true},
		{"wrong value", M{"a": 2}, obj, false},
		{"int64, int and float are one number", M{"a": 1.0, "f": 1.5}, obj, true},
		{"list is element by element", M{"b": M{"d": []string{"p", "q"}}}, obj, true},
		{"list of other length", M{"b": M{"d": []string{"p"}}}, obj, false},
		{"Exact refuses extra keys", Exact(M{"c": "x"}), obj["b"], false},
		{"Exact", Exact(map[string]any{"c": "x", "d": []any{"p", "q"}}), obj["b"], true},
		{"ObjectLike inside Exact", Exact(M{"c": "x", "d": ArrayWith("q")}), obj["b"], true},
		{"ArrayWith in order", ArrayWith("p", "q"), obj["b"].(map[string]any)["d"], true},
		{"ArrayWith out of order", ArrayWith("q", "p"), obj["b"].(map[string]any)["d"], false},
		{"Absent of missing key", M{"z": Absent()}, obj, true},
		{"Absent of null", M{"n": Absent()}, obj, true},
		{"Absent of value", M{"a": Absent()}, obj, false},
		{"AnyValue of null", M{"n": AnyValue()}, obj, false},
		{"AnyValue", M{"a": AnyValue()}, obj, true},
		{"a missing key is not null", M{"z": nil}, obj, false},
		{"null", M{"n": nil}, obj, true},
		{"StringLike", StringLike(`^x$`), "x", true},
		{"StringLike of a number", StringLike(`1`), int64(1), false},
		{"SerializedJSON", SerializedJSON(M{"Statement": ArrayWith(M{"Effect": "Allow"})}), `{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}`, true},
		{"SerializedJSON of bad JSON", SerializedJSON(M{}), `{`, false},
		{"Not", Not("x"), "y", true},
		{"Not of a match", Not(M{"a": 1}), obj, false},
		{"object against a string", M{"a": 1}, "x", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms := literal(tc.pattern, true).Test(tc.got)
			if (ms == nil) != tc.ok {
				t.Errorf("match: got %v (%v); want %v", ms == nil, ms, tc.ok)
			}
		})
	}
}

func TestMismatchPaths(t *testing.T) {
	got := map[string]any{"a": []any{map[string]any{"b": "x"}}}
	ms := literal(M{"a": []any{M{"b": "y"}}, "c": 1}, true).Test(got)
	var lines []string
	for _, m := range ms {
		lines = append(lines, m.String())
	}
	want := `a[0].b: got "x"; want "y"|c: got nothing (absent); want 1`
	if strings.Join(lines, "|") != want {
		t.Errorf("mismatches: got %q; want %q", strings.Join(lines, "|"), want)
	}
}

func TestLineDiff(t *testing.T) {
	want := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
	got := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n"
	d := lineDiff(want, got)
	wantDiff := "-     2 b\n+     2 B\n      3 c\n      4 d\n      5 e\n  …\n      9 i\n     10 j\n     11 k\n+    12 l"
	if !strings.HasSuffix(d, wantDiff) {
		t.Errorf("diff:\n%s\nwant it to end with:\n%s", d, wantDiff)
	}
	if !strings.HasPrefix(d, "      1 a\n") {
		t.Errorf("diff:\n%s\nwant the context line before the change", d)
	}
}
