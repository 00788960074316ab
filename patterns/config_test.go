package patterns

import (
	"reflect"
	"strings"
	"testing"
)

type toyConfig struct {
	Size int      `config:"size" doc:"How big."`
	Name string   `config:"name" doc:"What to call it."`
	On   bool     `config:"on" doc:"Whether it runs."`
	Tags []string `config:"tags" doc:"Labels."`
	// untagged fields are not keys
	Internal int
}

func toyDefaults() *toyConfig { return &toyConfig{Size: 3, Name: "toy", On: true, Tags: []string{}} }

func TestKeysDocumentTheConfigType(t *testing.T) {
	want := []Key{
		{"size", "integer", "3", "How big."},
		{"name", "string", "toy", "What to call it."},
		{"on", "boolean", "true", "Whether it runs."},
		{"tags", "array", "[]", "Labels."},
	}
	if got := Keys(toyDefaults()); !reflect.DeepEqual(got, want) {
		t.Errorf("Keys = %+v; want %+v", got, want)
	}
}

func TestDecode(t *testing.T) {
	cfg := toyDefaults()
	p := &Problems{}
	Decode("toy", `{"size":7,"tags":["a","b"]}`, cfg, p)
	if len(p.Errs) != 0 || cfg.Size != 7 || cfg.Name != "toy" || !cfg.On || !reflect.DeepEqual(cfg.Tags, []string{"a", "b"}) {
		t.Errorf("got %+v, problems %v; want size 7, tags a b, the rest default", cfg, p.Errs)
	}

	cfg, p = toyDefaults(), &Problems{}
	Decode("toy", `{"size":"big","on":1,"name":5,"tags":"a","colour":"red","siz":2}`, cfg, p)
	want := []string{
		`kumo:toy.colour: unknown key of the toy section; known keys: size, name, on, tags`,
		`kumo:toy.name: "5" is not a string`,
		`kumo:toy.on: "1" is not a boolean; use true or false`,
		`kumo:toy.siz: unknown key of the toy section (did you mean kumo:toy.size?)`,
		`kumo:toy.size: "big" is not a whole number`,
		`kumo:toy.tags: "a" is not a list of strings`,
	}
	if len(p.Errs) != len(want) {
		t.Errorf("got %d problems; want %d: %v", len(p.Errs), len(want), p.Errs)
	}
	for i, w := range want {
		if i < len(p.Errs) && !strings.HasPrefix(p.Errs[i].Error(), w) {
			t.Errorf("problem %d = %q; want it to start with %q", i, p.Errs[i], w)
		}
	}
	if !reflect.DeepEqual(cfg, toyDefaults()) {
		t.Errorf("fields with problems changed: %+v", cfg)
	}
	for _, k := range []string{"kumo:toy.size", "kumo:toy.on", "kumo:toy.name", "kumo:toy.tags"} {
		if !p.Has(k) {
			t.Errorf("Has(%s) = false; want the key marked", k)
		}
	}
}

func TestDecodeSkipsWhatCouldNotBeDecrypted(t *testing.T) {
	cfg, p := toyDefaults(), &Problems{}
	Decode("toy", SecretPlaceholder, cfg, p)
	Decode("toy", `{"size":"[secret]"}`, cfg, p)
	if len(p.Errs) != 0 || cfg.Size != 3 {
		t.Errorf("got %+v, %v; want the encrypted values skipped", cfg, p.Errs)
	}
	Decode("toy", `"big"`, cfg, p)
	if len(p.Errs) != 1 || !strings.Contains(p.Errs[0].Error(), "kumo:toy: is not a section of keys") {
		t.Errorf("got %v; want the section refused", p.Errs)
	}
}

func TestSecretValuesAreNotShown(t *testing.T) {
	cfg, p := toyDefaults(), &Problems{Secret: func(k string) bool { return k == "kumo:toy.size" }}
	Decode("toy", `{"size":"hunter2"}`, cfg, p)
	if len(p.Errs) != 1 || strings.Contains(p.Errs[0].Error(), "hunter2") || !strings.Contains(p.Errs[0].Error(), "[secret] is not a whole number") {
		t.Errorf("got %v; want the value hidden", p.Errs)
	}
}
