package synth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeProgram is an executable that does what a kumo program does under
// kumo synth, from the outside: it writes doc to the result path it is given.
func fakeProgram(t *testing.T, doc []byte) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "doc.json")
	if err := os.WriteFile(src, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "program")
	script := "#!/bin/sh\ncat '" + src + "' > \"$" + EnvResult + "\"\n"
	if err := os.WriteFile(exe, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}

func documentResult() *Result {
	return &Result{Project: "shop", Stack: "dev", Notes: []string{"a note"}, Check: json.RawMessage(`{"rules":1}`),
		Outputs: map[string]any{"url": "https://x/?a=1&b=<2>"},
		Resources: []Resource{
			{URN: "urn:b", Type: "aws:sqs/queue:Queue", Name: "b", Custom: true, Inputs: map[string]any{"name": "b}\"{", "n": json.Number("1.50")}},
			{URN: "urn:a", Type: "kumo:constructs:Function", Name: "a", Dependencies: []string{"urn:b"}},
		}}
}

// TestProgramDocument: what a program writes is read back the same by
// RunProgram: the contract byte for byte, notes, the resource count, and the
// resources themselves unless the caller asked for JSON only.
func TestProgramDocument(t *testing.T) {
	want := documentResult()
	contract, err := want.JSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "doc.json")
	if err := WriteDocument(path, want, nil, ""); err != nil {
		t.Fatal(err)
	}
	framed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(framed) {
		t.Fatalf("the document is not JSON, which a CLI without the framing needs:\n%s", framed)
	}
	if _, ok := readFramed(framed); !ok {
		t.Fatalf("the document's framing was not recognized:\n%s", framed)
	}
	// What a program built with an older kumo writes: the result first and
	// no length.
	unframed := []byte(`{"result":` + string(contract) + `,"notes":["a note"]}`)
	wrongLength := bytes.Replace(framed, []byte(`"resultBytes":`), []byte(`"resultBytes":1`), 1)

	for name, doc := range map[string][]byte{"framed": framed, "older program": unframed, "wrong length": wrongLength} {
		for _, jsonOnly := range []bool{false, true} {
			got, err := RunProgram(context.Background(), fakeProgram(t, doc), Request{Root: t.TempDir(), Stack: "dev", JSONOnly: jsonOnly}, nil)
			if err != nil {
				t.Fatalf("%s, JSONOnly %v: %v", name, jsonOnly, err)
			}
			b, err := got.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, contract) {
				t.Errorf("%s, JSONOnly %v: contract differs:\n%s\nwant\n%s", name, jsonOnly, b, contract)
			}
			if got.ResourceCount() != 2 || got.Project != "shop" || strings.Join(got.Notes, "|") != "a note" {
				t.Errorf("%s, JSONOnly %v: %d resources, project %q, notes %q; want 2, shop, [a note]", name, jsonOnly, got.ResourceCount(), got.Project, got.Notes)
			}
			if wantCheck := name != "older program"; (string(got.Check) == `{"rules":1}`) != wantCheck {
				t.Errorf("%s, JSONOnly %v: check report %s; want it back: %v", name, jsonOnly, got.Check, wantCheck)
			}
			// Resources are read back unless asked not to, and always
			// from a document without the framing.
			wantParsed := !jsonOnly || name != "framed"
			if parsed := got.Resources != nil; parsed != wantParsed {
				t.Errorf("%s, JSONOnly %v: resources read back %v; want %v", name, jsonOnly, parsed, wantParsed)
			}
			if got.Resources != nil && (got.Resources[0].URN != "urn:a" || got.Resources[1].Inputs["name"] != "b}\"{") {
				t.Errorf("%s, JSONOnly %v: resources %+v", name, jsonOnly, got.Resources)
			}
		}
	}
}

// TestProgramDocumentError: a program's failure comes back with its kind.
func TestProgramDocumentError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.json")
	if err := WriteDocument(path, nil, errors.New("config kumo:webapp:memory: 1 is below 128"), KindInvalidConfig); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = RunProgram(context.Background(), fakeProgram(t, doc), Request{Root: t.TempDir(), Stack: "dev", JSONOnly: true}, nil)
	var perr *ProgramError
	if !errors.As(err, &perr) || perr.Kind != KindInvalidConfig || !strings.Contains(perr.Message, "1 is below 128") {
		t.Errorf("got %v; want the program's invalid-config error", err)
	}
}

// TestJSONOnlyRunRendersTheSameContract: a synth for its JSON alone (what a
// program under kumo synth does) skips recording resources' states, which
// the contract does not hold (it keeps their IDs), and renders the same bytes.
func TestJSONOnlyRunRendersTheSameContract(t *testing.T) {
	dir := demoProject(t)
	full, err := Run(context.Background(), Request{Root: dir, Stack: "dev"}, demoProgram)
	if err != nil {
		t.Fatal(err)
	}
	lean, err := Run(context.Background(), Request{Root: dir, Stack: "dev", JSONOnly: true}, demoProgram)
	if err != nil {
		t.Fatal(err)
	}
	a, err := full.JSON()
	if err != nil {
		t.Fatal(err)
	}
	b, err := lean.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("JSONOnly changed the contract:\n%s\nwant\n%s", b, a)
	}
	var custom int
	for i, r := range full.Resources {
		if r.Custom {
			custom++
			if r.State == nil || lean.Resources[i].State != nil || lean.Resources[i].ID != r.ID {
				t.Errorf("%s: state recorded %v in full, %v in JSONOnly; want only in full", r.URN, r.State != nil, lean.Resources[i].State != nil)
			}
		}
	}
	if custom == 0 {
		t.Fatal("the demo program registered no custom resource; the check above checked nothing")
	}
}
