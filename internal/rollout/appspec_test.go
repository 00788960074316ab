package rollout

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestAppSpecContent(t *testing.T) {
	in := testInputs("fp1")
	in.PreTrafficHook, in.PostTrafficHook = "items-pre", "items-post"

	content, sha, err := NewAppSpec(in, "6", "7").Content()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":0.0,"Resources":[{"items":{"Type":"AWS::Lambda::Function","Properties":{"Name":"items","Alias":"live","CurrentVersion":"6","TargetVersion":"7"}}}],"Hooks":[{"BeforeAllowTraffic":"items-pre"},{"AfterAllowTraffic":"items-post"}]}`
	if content != want {
		t.Errorf("appspec:\n got: %s\nwant: %s", content, want)
	}
	sum := sha256.Sum256([]byte(want))
	if sha != hex.EncodeToString(sum[:]) {
		t.Errorf("sha = %s; want the hex SHA-256 of the content", sha)
	}

	noHooks, _, _ := NewAppSpec(testInputs("fp1"), "6", "7").Content()
	if strings.Contains(noHooks, "Hooks") {
		t.Errorf("appspec without hooks has a Hooks section: %s", noHooks)
	}
}

func TestParseAppSpec(t *testing.T) {
	content, _, _ := NewAppSpec(testInputs("fp1"), "6", "7").Content()
	spec, err := ParseAppSpec(content)
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.Function()
	if err != nil {
		t.Fatal(err)
	}
	if want := (AppSpecProperties{Name: "items", Alias: "live", CurrentVersion: "6", TargetVersion: "7"}); p != want {
		t.Errorf("function = %+v; want %+v", p, want)
	}

	for content, want := range map[string]string{
		`version: 0.0`:                   "parse appspec (kumo writes JSON)",
		`{"version":0.0,"Resources":[]}`: "appspec has no AWS::Lambda::Function resource",
		`{"Resources":[{"a":{"Type":"AWS::Lambda::Function","Properties":{"Name":"a","Alias":"live","TargetVersion":"2"}}},{"b":{"Type":"AWS::Lambda::Function","Properties":{"Name":"b","Alias":"live","TargetVersion":"2"}}}]}`: "appspec has 2 AWS::Lambda::Function resources, want one",
		`{"Resources":[{"a":{"Type":"AWS::Lambda::Function","Properties":{"Name":"a"}}}]}`: "lacks Alias, TargetVersion",
	} {
		spec, err := ParseAppSpec(content)
		if err == nil {
			_, err = spec.Function()
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error = %v; want %s", content, err, want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a := Fingerprint(map[string]string{"codeSha256": "abc=", "memorySize": "256", "environment": `{"A":"1"}`})
	b := Fingerprint(map[string]string{"environment": `{"A":"1"}`, "memorySize": "256", "codeSha256": "abc="})
	if a != b {
		t.Errorf("fingerprint depends on map order: %s vs %s", a, b)
	}
	if len(a) != 64 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Errorf("fingerprint %q is not a hex SHA-256", a)
	}
	for name, parts := range map[string]map[string]string{
		"code":          {"codeSha256": "abd=", "memorySize": "256", "environment": `{"A":"1"}`},
		"memory":        {"codeSha256": "abc=", "memorySize": "512", "environment": `{"A":"1"}`},
		"environment":   {"codeSha256": "abc=", "memorySize": "256", "environment": `{"A":"2"}`},
		"added setting": {"codeSha256": "abc=", "memorySize": "256", "environment": `{"A":"1"}`, "timeout": "10"},
	} {
		if Fingerprint(parts) == a {
			t.Errorf("a change of %s keeps the fingerprint", name)
		}
	}
	// Keys and values cannot bleed into each other.
	if Fingerprint(map[string]string{"a": "b=c"}) == Fingerprint(map[string]string{"a=b": "c"}) {
		t.Error("fingerprint is ambiguous between key and value")
	}
}
