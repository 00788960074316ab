package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

const (
	testStack = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev"
	testTable = "urn:pulumi:dev::shop::kumo:constructs:Table$aws:dynamodb/table:Table::items"
	testFn    = "urn:pulumi:dev::shop::kumo:constructs:Function$aws:lambda/function:Function::api"
)

// step is one preview step as the engine writes it, for hand-made digests.
type step map[string]any

// digest marshals steps (and extra top-level fields) into a preview
// digest.
func digest(t *testing.T, steps []step, extra map[string]any) []byte {
	t.Helper()
	doc := map[string]any{"steps": steps, "changeSummary": map[string]int{}}
	for k, v := range extra {
		doc[k] = v
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// state is a resource state as a step's oldState or newState.
func state(urn string, inputs, outputs map[string]any) map[string]any {
	u, _ := splitPreviewURN(urn)
	s := map[string]any{"urn": urn, "custom": true, "type": u.typ, "inputs": inputs, "outputs": outputs}
	if strings.Contains(urn, "kumo:constructs:Table$") {
		s["parent"] = "urn:pulumi:dev::shop::kumo:constructs:Table::items"
	}
	return s
}

// readOne parses data and returns its one stack, failing the test on error.
func readOne(t *testing.T, data []byte) StackDiff {
	t.Helper()
	got, err := ReadPreview(data)
	if err != nil {
		t.Fatalf("ReadPreview: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("ReadPreview returned %d stacks; want 1", len(got))
	}
	return got[0]
}

// change returns the change of urn, failing the test without one.
func change(t *testing.T, sd StackDiff, urn string) Change {
	t.Helper()
	for _, c := range sd.Changes {
		if c.URN == urn {
			return c
		}
	}
	t.Fatalf("no change of %s among %d changes", urn, len(sd.Changes))
	return Change{}
}

func TestReadPreviewOps(t *testing.T) {
	olds := map[string]any{"hashKey": "id"}
	news := map[string]any{"hashKey": "pk"}
	tests := []struct {
		name  string
		steps []step
		want  Op
		dbr   bool
	}{
		{"same", []step{{"op": "same", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, olds, nil)}}, OpSame, false},
		{"create", []step{{"op": "create", "urn": testTable, "newState": state(testTable, news, nil)}}, OpCreate, false},
		{"update", []step{{"op": "update", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, news, nil)}}, OpUpdate, false},
		{"delete", []step{{"op": "delete", "urn": testTable, "oldState": state(testTable, olds, olds)}}, OpDelete, false},
		{"read", []step{{"op": "read", "urn": testTable, "newState": state(testTable, olds, olds)}}, OpSame, false},
		{"refresh", []step{{"op": "refresh", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, olds, olds)}}, OpSame, false},
		{"import", []step{{"op": "import", "urn": testTable, "newState": state(testTable, olds, olds)}}, OpSame, false},
		{"discard", []step{{"op": "discard", "urn": testTable, "oldState": state(testTable, olds, olds)}}, OpSame, false},
		{"diff (internal, never reported)", []step{{"op": "diff", "urn": testTable}}, OpSame, false},
		{"remove-pending-replace alone", []step{{"op": "remove-pending-replace", "urn": testTable, "oldState": state(testTable, olds, olds)}}, OpDelete, false},
		{"remove-pending-replace then create", []step{
			{"op": "remove-pending-replace", "urn": testTable, "oldState": state(testTable, olds, olds)},
			{"op": "create", "urn": testTable, "newState": state(testTable, news, nil)},
		}, OpCreate, false},
		{"refresh then update (preview --refresh)", []step{
			{"op": "refresh", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, olds, olds)},
			{"op": "update", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, news, nil)},
		}, OpUpdate, false},
		{"replace, create before delete", []step{{"op": "replace", "urn": testTable,
			"oldState": withDelete(state(testTable, olds, olds)), "newState": state(testTable, news, nil)}}, OpReplace, false},
		{"replace, delete before replace", []step{{"op": "replace", "urn": testTable,
			"oldState": state(testTable, olds, olds), "newState": state(testTable, news, nil)}}, OpReplace, true},
		{"replacement steps, create first", []step{
			{"op": "create-replacement", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, news, nil)},
			{"op": "replace", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, news, nil)},
			{"op": "delete-replaced", "urn": testTable, "oldState": state(testTable, olds, olds)},
		}, OpReplace, false},
		{"replacement steps, delete first", []step{
			{"op": "delete-replaced", "urn": testTable, "oldState": withDelete(state(testTable, olds, olds))},
			{"op": "replace", "urn": testTable, "oldState": withDelete(state(testTable, olds, olds)), "newState": state(testTable, news, nil)},
			{"op": "create-replacement", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, news, nil)},
		}, OpReplace, true},
		{"discard-replaced", []step{
			{"op": "replace", "urn": testTable, "oldState": withDelete(state(testTable, olds, olds)), "newState": state(testTable, news, nil)},
			{"op": "discard-replaced", "urn": testTable, "oldState": state(testTable, olds, olds)},
		}, OpReplace, false},
		{"read-replacement", []step{
			{"op": "read-replacement", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, news, news)},
			{"op": "replace", "urn": testTable, "oldState": withDelete(state(testTable, olds, olds)), "newState": state(testTable, news, news)},
		}, OpReplace, false},
		{"import-replacement", []step{
			{"op": "import-replacement", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, news, news)},
			{"op": "replace", "urn": testTable, "oldState": withDelete(state(testTable, olds, olds)), "newState": state(testTable, news, news)},
		}, OpReplace, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sd := readOne(t, digest(t, tt.steps, nil))
			if len(sd.Changes) != 1 {
				t.Fatalf("got %d changes; want 1 (one per URN): %+v", len(sd.Changes), sd.Changes)
			}
			c := sd.Changes[0]
			if c.Op != tt.want {
				t.Errorf("got op %q; want %q", c.Op, tt.want)
			}
			if c.DeleteBeforeReplace != tt.dbr {
				t.Errorf("got deleteBeforeReplace %v; want %v", c.DeleteBeforeReplace, tt.dbr)
			}
			if c.Op == OpCreate && c.Old != nil {
				t.Errorf("create: got old %v; want none", c.Old)
			}
			if c.Op == OpDelete && c.New != nil {
				t.Errorf("delete: got new %v; want none", c.New)
			}
			if c.Op == OpReplace && (c.Old["hashKey"] != "id" || c.New["hashKey"] != "pk") {
				t.Errorf("replace: got old %v, new %v; want hashKey id → pk", c.Old, c.New)
			}
		})
	}
}

func withDelete(s map[string]any) map[string]any {
	s["delete"] = true
	return s
}

func TestReadPreviewStackAndResource(t *testing.T) {
	sd := readOne(t, digest(t, []step{
		{"op": "update", "urn": testFn, "oldState": map[string]any{"urn": testFn, "custom": true, "type": "aws:lambda/function:Function",
			"parent": testStack}},
		{"op": "update", "urn": testTable, "oldState": state(testTable, map[string]any{"a": "1"}, nil),
			"newState": state(testTable, map[string]any{"a": "2"}, nil), "detailedDiff": map[string]any{"a": map[string]any{"kind": "update"}}},
		{"op": "same", "urn": testStack, "oldState": map[string]any{"urn": testStack, "type": "pulumi:pulumi:Stack", "custom": false},
			"newState": map[string]any{"urn": testStack, "type": "pulumi:pulumi:Stack", "custom": false}},
	}, nil))
	if sd.Project != "shop" || sd.Stack != "dev" || sd.Source != "preview" {
		t.Errorf("got project %q, stack %q, source %q; want shop, dev, preview", sd.Project, sd.Stack, sd.Source)
	}
	var urns []string
	for _, c := range sd.Changes {
		urns = append(urns, c.URN)
	}
	if want := []string{testFn, testTable, testStack}; !reflect.DeepEqual(urns, want) {
		t.Errorf("got changes %v; want %v (sorted by URN)", urns, want)
	}
	tbl := change(t, sd, testTable)
	if tbl.Type != "aws:dynamodb/table:Table" || tbl.Name != "items" || !tbl.Custom ||
		tbl.Parent != "urn:pulumi:dev::shop::kumo:constructs:Table::items" {
		t.Errorf("got type %q, name %q, custom %v, parent %q; want the table's own type, name items, custom, under the Table component",
			tbl.Type, tbl.Name, tbl.Custom, tbl.Parent)
	}
	if fn := change(t, sd, testFn); fn.Parent != "" {
		t.Errorf("got parent %q of a resource under the stack; want \"\" (no component)", fn.Parent)
	}
	if root := change(t, sd, testStack); root.Type != "pulumi:pulumi:Stack" || root.Custom || root.Op != OpSame {
		t.Errorf("got root %+v; want a same, non-custom pulumi:pulumi:Stack", root)
	}
}

func TestReadPreviewProps(t *testing.T) {
	oldIn := map[string]any{
		"hashKey":     "id",
		"memorySize":  128.0,
		"environment": map[string]any{"variables": map[string]any{"TABLE": "items-1", "MODE": "a"}},
		"tags":        map[string]any{"kumo:stack": "dev"},
		"attributes":  []any{map[string]any{"name": "id", "type": "S"}},
		"description": "old",
	}
	// The provider echoes memorySize as it stands in AWS, not as the
	// program last set it, and does not echo description at all.
	oldOut := map[string]any{
		"hashKey":     "id",
		"memorySize":  256.0,
		"environment": oldIn["environment"],
		"tags":        oldIn["tags"],
		"attributes":  oldIn["attributes"],
		"arn":         "arn:aws:dynamodb:eu-west-1:123456789012:table/items-1",
	}
	newIn := map[string]any{
		"hashKey":     "pk",
		"memorySize":  512.0,
		"environment": map[string]any{"variables": map[string]any{"TABLE": "items-1", "NEW": "x"}},
		"tags":        map[string]any{"kumo:stack": "prod"},
		"attributes":  []any{map[string]any{"name": "pk", "type": "S"}},
		"description": "new",
	}
	sd := readOne(t, digest(t, []step{{
		"op": "replace", "urn": testTable,
		"oldState": withDelete(state(testTable, oldIn, oldOut)), "newState": state(testTable, newIn, nil),
		"diffReasons": []string{"hashKey", "memorySize", "environment", "tags", "attributes", "description"},
		"detailedDiff": map[string]any{
			"hashKey":                       map[string]any{"kind": "update-replace"},
			"memorySize":                    map[string]any{"kind": "update"},
			"description":                   map[string]any{"kind": "update"},
			"environment.variables.MODE":    map[string]any{"kind": "delete"},
			"environment.variables.NEW":     map[string]any{"kind": "add"},
			`tags["kumo:stack"]`:            map[string]any{"kind": "update", "inputDiff": true},
			"attributes[0].name":            map[string]any{"kind": "update-replace"},
			"environment.variables.MISSING": map[string]any{"kind": "add-replace"},
			"gone":                          map[string]any{"kind": "delete-replace", "inputDiff": true},
		},
		"replaceReasons": []string{"hashKey", "attributes"},
	}}, nil))
	c := change(t, sd, testTable)
	want := []PropChange{
		{Path: "attributes[0].name", Kind: KindUpdate, Old: "id", New: "pk", Replace: true},
		// No output echoes it: the old input stands in.
		{Path: "description", Kind: KindUpdate, Old: "old", New: "new"},
		{Path: "environment.variables.MISSING", Kind: KindAdd, Replace: true},
		{Path: "environment.variables.MODE", Kind: KindDelete, Old: "a"},
		{Path: "environment.variables.NEW", Kind: KindAdd, New: "x"},
		{Path: "gone", Kind: KindDelete, Replace: true},
		{Path: "hashKey", Kind: KindUpdate, Old: "id", New: "pk", Replace: true},
		// Not an input diff: the old value is the output.
		{Path: "memorySize", Kind: KindUpdate, Old: 256.0, New: 512.0},
		{Path: `tags["kumo:stack"]`, Kind: KindUpdate, Old: "dev", New: "prod"},
	}
	if !reflect.DeepEqual(c.Props, want) {
		t.Errorf("got props\n%s\nwant\n%s", indentedJSON(t, c.Props), indentedJSON(t, want))
	}
	if want := []string{"attributes", "hashKey"}; !reflect.DeepEqual(c.ReplaceReasons, want) {
		t.Errorf("got replace reasons %v; want %v", c.ReplaceReasons, want)
	}
}

func TestReadPreviewPropsWithoutDetailedDiff(t *testing.T) {
	olds := map[string]any{"hashKey": "id", "memorySize": 128.0, "old": true, "same": "s"}
	news := map[string]any{"hashKey": "pk", "memorySize": 256.0, "added": "a", "same": "s"}
	tests := []struct {
		name        string
		diffReasons []string
		replace     []string
		want        []PropChange
		wantReasons []string
	}{
		{
			name:        "diffReasons",
			diffReasons: []string{"memorySize", "hashKey"},
			replace:     []string{"hashKey"},
			want: []PropChange{
				{Path: "hashKey", Kind: KindUpdate, Old: "id", New: "pk", Replace: true},
				{Path: "memorySize", Kind: KindUpdate, Old: 128.0, New: 256.0},
			},
			wantReasons: []string{"hashKey"},
		},
		{
			name: "neither: the changed top-level inputs",
			want: []PropChange{
				{Path: "added", Kind: KindAdd, New: "a"},
				{Path: "hashKey", Kind: KindUpdate, Old: "id", New: "pk"},
				{Path: "memorySize", Kind: KindUpdate, Old: 128.0, New: 256.0},
				{Path: "old", Kind: KindDelete, Old: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := step{"op": "replace", "urn": testTable, "oldState": state(testTable, olds, olds), "newState": state(testTable, news, nil)}
			if tt.diffReasons != nil {
				s["diffReasons"] = tt.diffReasons
			}
			if tt.replace != nil {
				s["replaceReasons"] = tt.replace
			}
			c := change(t, readOne(t, digest(t, []step{s}, nil)), testTable)
			if !reflect.DeepEqual(c.Props, tt.want) {
				t.Errorf("got props\n%s\nwant\n%s", indentedJSON(t, c.Props), indentedJSON(t, tt.want))
			}
			if !reflect.DeepEqual(c.ReplaceReasons, tt.wantReasons) {
				t.Errorf("got replace reasons %v; want %v", c.ReplaceReasons, tt.wantReasons)
			}
		})
	}
}

func TestReadPreviewReplaceReasonsFromDetailedDiff(t *testing.T) {
	c := change(t, readOne(t, digest(t, []step{{
		"op": "replace", "urn": testTable,
		"oldState": state(testTable, map[string]any{"attributes": []any{"id"}, "hashKey": "id"}, nil),
		"newState": state(testTable, map[string]any{"attributes": []any{"pk"}, "hashKey": "pk"}, nil),
		"detailedDiff": map[string]any{
			"attributes[0]": map[string]any{"kind": "update-replace", "inputDiff": true},
			"hashKey":       map[string]any{"kind": "update", "inputDiff": true},
		},
	}}, nil)), testTable)
	if want := []string{"attributes"}; !reflect.DeepEqual(c.ReplaceReasons, want) {
		t.Errorf("got replace reasons %v; want %v (the top-level keys of the replacing diffs)", c.ReplaceReasons, want)
	}
}

func TestReadPreviewSecretsAndUnknowns(t *testing.T) {
	const plaintext = "hunter2-plaintext"
	secretObj := func(field string) map[string]any {
		return map[string]any{previewSigKey: previewSecretSig, field: `"` + plaintext + `"`}
	}
	oldIn := map[string]any{
		"environment": map[string]any{"variables": map[string]any{
			"API_KEY": "[secret]",
			"TOKEN":   secretObj("plaintext"),
			"TABLE":   "items-1",
		}},
		"password": secretObj("value"),
		"wrapped":  secretObj("ciphertext"),
	}
	newIn := map[string]any{
		"environment": map[string]any{"variables": map[string]any{
			"API_KEY": "[secret]",
			"TOKEN":   secretObj("plaintext"),
			"TABLE":   previewUnknown,
		}},
		"password": secretObj("value"),
		"wrapped":  secretObj("ciphertext"),
		"list":     []any{previewUnknown, "x"},
	}
	sd := readOne(t, digest(t, []step{{
		"op": "update", "urn": testFn,
		"oldState": state(testFn, oldIn, oldIn), "newState": state(testFn, newIn, nil),
		"detailedDiff": map[string]any{
			"environment.variables.API_KEY": map[string]any{"kind": "update"},
			"environment.variables.TOKEN":   map[string]any{"kind": "update"},
			"environment.variables.TABLE":   map[string]any{"kind": "update"},
			"password.inner":                map[string]any{"kind": "update"},
			"list[0]":                       map[string]any{"kind": "add"},
		},
	}}, nil))
	out := indentedJSON(t, sd)
	if strings.Contains(out, plaintext) || strings.Contains(out, previewSecretSig) {
		t.Fatalf("the parsed model shows a secret's plaintext or signature:\n%s", out)
	}
	c := change(t, sd, testFn)
	vars := c.New["environment"].(map[string]any)["variables"].(map[string]any)
	if vars["API_KEY"] != Secret || vars["TOKEN"] != Secret || vars["TABLE"] != Unknown {
		t.Errorf("got new variables %v; want API_KEY and TOKEN %s, TABLE %s", vars, Secret, Unknown)
	}
	if c.New["password"] != Secret || c.Old["wrapped"] != Secret {
		t.Errorf("got password %v, wrapped %v; want both %s", c.New["password"], c.Old["wrapped"], Secret)
	}
	if got := c.New["list"]; !reflect.DeepEqual(got, []any{Unknown, "x"}) {
		t.Errorf("got list %v; want [%s x]", got, Unknown)
	}
	want := []PropChange{
		{Path: "environment.variables.API_KEY", Kind: KindUpdate, Old: Secret, New: Secret},
		{Path: "environment.variables.TABLE", Kind: KindUpdate, Old: "items-1", New: Unknown},
		{Path: "environment.variables.TOKEN", Kind: KindUpdate, Old: Secret, New: Secret},
		{Path: "list[0]", Kind: KindAdd, New: Unknown},
		// A path into a secret is secret.
		{Path: "password.inner", Kind: KindUpdate, Old: Secret, New: Secret},
	}
	if !reflect.DeepEqual(c.Props, want) {
		t.Errorf("got props\n%s\nwant\n%s", indentedJSON(t, c.Props), indentedJSON(t, want))
	}
}

func TestReadPreviewDiagnostics(t *testing.T) {
	sd := readOne(t, digest(t, []step{{"op": "same", "urn": testStack}}, map[string]any{
		"diagnostics": []map[string]any{
			{"urn": testFn, "message": "function api: memory below 256 MB\n", "severity": "warning"},
			{"message": "printed by the program\n", "severity": "info"},
			{"message": "error: sounds bad but is stdout\n", "severity": "info"},
			{"urn": testTable, "prefix": "error: ", "message": "table items: boom", "severity": "error"},
		},
		"maybeCorrupt": true,
	}))
	want := []Diagnostic{
		{URN: testFn, Severity: "warning", Message: "function api: memory below 256 MB"},
		{Severity: "info", Message: "printed by the program"},
		{Severity: "info", Message: "error: sounds bad but is stdout"},
		// The prefix that repeats the severity goes.
		{URN: testTable, Severity: "error", Message: "table items: boom"},
		{Severity: "warning", Message: "the engine reports that one or more resources may be corrupt (maybeCorrupt); the preview may not show every change"},
	}
	if !reflect.DeepEqual(sd.Diagnostics, want) {
		t.Errorf("got diagnostics\n%s\nwant\n%s", indentedJSON(t, sd.Diagnostics), indentedJSON(t, want))
	}
}

func TestReadPreviewBadInput(t *testing.T) {
	good := func(s step) string { return string(digest(t, []step{s}, nil)) }
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", "the input is empty"},
		{"not JSON", "Previewing update (dev):", "not JSON"},
		{"an array", `[{"op":"same"}]`, "the input is a JSON array, not an object"},
		{"engine events of pulumi up --json",
			`{"sequence":0,"timestamp":1,"preludeEvent":{}}` + "\n" + `{"sequence":1,"timestamp":1,"summaryEvent":{}}`,
			"stream of engine events"},
		{"a synth document", `{"project":"shop","stack":"dev","resources":[],"outputs":{}}`, "a kumo synth document"},
		{"a stack export", `{"version":3,"deployment":{}}`, "a stack export"},
		{"another object", `{"b":1,"a":2}`, `an object with keys ["a", "b"], not a preview digest`},
		{"two digests", `{"steps":[]}{"steps":[]}`, "more than one JSON value"},
		{"steps of the wrong type", `{"steps":{}}`, "read preview: steps is a JSON object; want a JSON array"},
		{"a step's field of the wrong type", `{"steps":[{"op":"same","urn":1}]}`, "read preview: steps.urn is a JSON number; want a JSON string"},
		{"no urn", good(step{"op": "same"}), `preview step 0 (op "same"): urn is empty`},
		{"bad urn", good(step{"op": "same", "urn": "arn:aws:s3:::b"}), `urn "arn:aws:s3:::b" is not a Pulumi URN`},
		{"unknown op", good(step{"op": "explode", "urn": testTable}), `op "explode" is not a step op of the Pulumi engine; want one of create, create-replacement,`},
		{"two stacks", string(digest(t, []step{{"op": "same", "urn": testTable},
			{"op": "same", "urn": "urn:pulumi:prod::shop::pulumi:pulumi:Stack::shop-prod"}}, nil)),
			"is of stack shop/prod, but earlier steps are of shop/dev"},
		{"bad diff kind", good(step{"op": "update", "urn": testTable, "detailedDiff": map[string]any{"a": map[string]any{"kind": "grow"}}}),
			`detailedDiff["a"].kind "grow" is not a diff kind; want add, add-replace,`},
		{"bad diff path", good(step{"op": "update", "urn": testTable, "detailedDiff": map[string]any{"a[x]": map[string]any{"kind": "update"}}}),
			`detailedDiff key "a[x]": property path "a[x]": index "x" is not a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadPreview([]byte(tt.in))
			if err == nil {
				t.Fatalf("got %+v, no error; want an error containing %q", got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %q; want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadPreviewFailedPreviewKeepsDiagnostics(t *testing.T) {
	sd := readOne(t, []byte(`{"diagnostics":[{"message":"error: program failed\n","severity":"error"}]}`))
	if len(sd.Changes) != 0 || len(sd.Diagnostics) != 1 || sd.Diagnostics[0].Message != "program failed" {
		t.Errorf("got %+v; want no changes and the one error", sd)
	}
}

func TestReadPreviewDeterministic(t *testing.T) {
	steps := []step{
		{"op": "create", "urn": testFn, "newState": state(testFn, map[string]any{"b": 1.0, "a": 2.0}, nil)},
		{"op": "update", "urn": testTable, "oldState": state(testTable, map[string]any{"x": "1", "y": "1"}, nil),
			"newState":     state(testTable, map[string]any{"x": "2", "y": "2"}, nil),
			"detailedDiff": map[string]any{"y": map[string]any{"kind": "update"}, "x": map[string]any{"kind": "update"}}},
		{"op": "same", "urn": testStack},
	}
	reversed := []step{steps[2], steps[1], steps[0]}
	a := indentedJSON(t, readOne(t, digest(t, steps, nil)))
	b := indentedJSON(t, readOne(t, digest(t, reversed, nil)))
	if a != b {
		t.Errorf("the same steps in another order parse differently:\n%s\nvs\n%s", a, b)
	}
}

func TestPreviewPath(t *testing.T) {
	tests := []struct {
		in   string
		want []any
	}{
		{"root", []any{"root"}},
		{"root.nested", []any{"root", "nested"}},
		{`root["nested"]`, []any{"root", "nested"}},
		{"root.array[100].nested", []any{"root", "array", 100, "nested"}},
		{"root.array[0][1]", []any{"root", "array", 0, 1}},
		{`tags["kumo:stack"]`, []any{"tags", "kumo:stack"}},
		{`root["key with \"escaped\" quotes"]`, []any{"root", `key with "escaped" quotes`}},
		{`["root key with a ."][100]`, []any{"root key with a .", 100}},
		{"root.array[*].field", []any{"root", "array", "*", "field"}},
		// Old providers write a '.' before an index; the engine accepts it.
		{"root.[0]", []any{"root", 0}},
	}
	for _, tt := range tests {
		got, err := parsePreviewPath(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parsePreviewPath(%q) = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", ".root", "root.", `root["open`, `root["key"`, "root[1", "root[x]"} {
		if got, err := parsePreviewPath(bad); err == nil {
			t.Errorf("parsePreviewPath(%q) = %#v; want an error", bad, got)
		}
	}
	for _, tt := range []struct {
		path []any
		want string
	}{
		{[]any{"root", "nested", 0}, "root.nested[0]"},
		{[]any{"tags", "kumo:stack"}, `tags["kumo:stack"]`},
		{[]any{`a "b"`}, `["a \"b\""]`},
	} {
		if got := formatPreviewPath(tt.path); got != tt.want {
			t.Errorf("formatPreviewPath(%#v) = %q; want %q", tt.path, got, tt.want)
		}
	}
}

func indentedJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(fmt.Errorf("marshal %T: %w", v, err))
	}
	return string(b)
}

// The fixtures are `pulumi preview --json` of the real engine (test/preview
// writes them with -update): a kumo stack whose partition key, function
// memory and secret API key change, whose audit table is removed, and
// whose fixed-name ledger table gets a new key. engine-replacement-steps.json
// is the same preview with --show-replacement-steps.
const (
	engineFixture      = "testdata/preview/engine.json"
	engineFixtureSteps = "testdata/preview/engine-replacement-steps.json"
)

func readFixture(t *testing.T, file string) StackDiff {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return readOne(t, data)
}

func TestReadPreviewEngineFixture(t *testing.T) {
	sd := readFixture(t, engineFixture)
	if sd.Project != "kumo-preview" || sd.Stack != "dev" || sd.Source != "preview" {
		t.Errorf("got project %q, stack %q, source %q; want kumo-preview, dev, preview", sd.Project, sd.Stack, sd.Source)
	}
	const (
		stack  = "urn:pulumi:dev::kumo-preview::"
		fnComp = stack + "kumo:constructs:Function::api"
	)
	policy := func(table string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"TableReadWrite","Effect":"Allow","Action":["dynamodb:BatchGetItem",` +
			`"dynamodb:BatchWriteItem","dynamodb:ConditionCheckItem","dynamodb:DeleteItem","dynamodb:DescribeTable","dynamodb:GetItem",` +
			`"dynamodb:PutItem","dynamodb:Query","dynamodb:Scan","dynamodb:UpdateItem"],"Resource":["arn:aws:dynamodb:eu-west-1:123456789012:table/` +
			table + `","arn:aws:dynamodb:eu-west-1:123456789012:table/` + table + `/index/*"]}]}`
	}
	attr := func(name string) []any { return []any{map[string]any{"name": name, "type": "S"}} }
	want := []Change{
		{URN: stack + "aws:dynamodb/table:Table::ledger", Type: "aws:dynamodb/table:Table", Name: "ledger", Custom: true,
			Op: OpReplace, ReplaceReasons: []string{"hashKey"}, DeleteBeforeReplace: true, Props: []PropChange{
				{Path: "attributes", Kind: KindUpdate, Old: attr("id"), New: attr("account")},
				{Path: "hashKey", Kind: KindUpdate, Old: "id", New: "account", Replace: true},
			}},
		{URN: stack + "kumo:constructs:Function$aws:iam/rolePolicy:RolePolicy::api-table-audit-write", Type: "aws:iam/rolePolicy:RolePolicy",
			Name: "api-table-audit-write", Parent: fnComp, Custom: true, Op: OpDelete},
		{URN: stack + "kumo:constructs:Function$aws:iam/rolePolicy:RolePolicy::api-table-items-readwrite", Type: "aws:iam/rolePolicy:RolePolicy",
			Name: "api-table-items-readwrite", Parent: fnComp, Custom: true, Op: OpUpdate, Props: []PropChange{
				{Path: "policy", Kind: KindUpdate, Old: policy("items-6a11543b"), New: Unknown},
			}},
		{URN: stack + "kumo:constructs:Function$aws:lambda/alias:Alias::api", Type: "aws:lambda/alias:Alias",
			Name: "api", Parent: fnComp, Custom: true, Op: OpUpdate, Props: []PropChange{
				{Path: "functionVersion", Kind: KindUpdate, Old: "1", New: Unknown},
			}},
		{URN: stack + "kumo:constructs:Function$aws:lambda/function:Function::api", Type: "aws:lambda/function:Function",
			Name: "api", Parent: fnComp, Custom: true, Op: OpUpdate, Props: []PropChange{
				{Path: "environment.variables.API_KEY", Kind: KindUpdate, Old: Secret, New: Secret},
				{Path: "environment.variables.TABLE", Kind: KindUpdate, Old: "items-6a11543b", New: Unknown},
				{Path: "memorySize", Kind: KindUpdate, Old: 256.0, New: 512.0},
			}},
		{URN: stack + "kumo:constructs:Table$aws:dynamodb/table:Table::audit", Type: "aws:dynamodb/table:Table",
			Name: "audit", Parent: stack + "kumo:constructs:Table::audit", Custom: true, Op: OpDelete},
		{URN: stack + "kumo:constructs:Table$aws:dynamodb/table:Table::items", Type: "aws:dynamodb/table:Table",
			Name: "items", Parent: stack + "kumo:constructs:Table::items", Custom: true, Op: OpReplace,
			ReplaceReasons: []string{"hashKey"}, Props: []PropChange{
				{Path: "attributes", Kind: KindUpdate, Old: attr("id"), New: attr("pk")},
				{Path: "hashKey", Kind: KindUpdate, Old: "id", New: "pk", Replace: true},
			}},
		{URN: stack + "kumo:constructs:Table::audit", Type: "kumo:constructs:Table", Name: "audit", Op: OpDelete},
		{URN: stack + "pulumi:pulumi:Stack::kumo-preview-dev", Type: "pulumi:pulumi:Stack", Name: "kumo-preview-dev", Op: OpSame},
	}
	var got []Change
	for _, c := range sd.Changes {
		// Which inputs a change carries follows from its op; components
		// and the stack have none.
		switch {
		case c.Op == OpDelete && c.New != nil:
			t.Errorf("%s: a delete with new inputs %v; want none", c.URN, c.New)
		case c.Custom && c.Op == OpDelete && c.Old == nil:
			t.Errorf("%s: a delete without old inputs; want them", c.URN)
		case c.Custom && c.Op != OpDelete && (c.Old == nil || c.New == nil):
			t.Errorf("%s: a %s with old %v and new %v; want both inputs", c.URN, c.Op, c.Old != nil, c.New != nil)
		}
		// The analysis needs dependencies to tell a policy removed with
		// what it guards from one removed alone: every custom resource
		// but the stack's provider-less ones depends on something here.
		if c.Custom && c.Type != "aws:dynamodb/table:Table" && len(c.Dependencies) == 0 {
			t.Errorf("%s: no dependencies; want the state's", c.URN)
		}
		c.Old, c.New, c.Dependencies = nil, nil, nil
		got = append(got, c)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got changes\n%s\nwant\n%s", indentedJSON(t, got), indentedJSON(t, want))
	}

	fn := change(t, sd, stack+"kumo:constructs:Function$aws:lambda/function:Function::api")
	for which, inputs := range map[string]map[string]any{"old": fn.Old, "new": fn.New} {
		vars := inputs["environment"].(map[string]any)["variables"].(map[string]any)
		if vars["API_KEY"] != Secret {
			t.Errorf("function api's %s API_KEY = %#v; want %s", which, vars["API_KEY"], Secret)
		}
	}
	if out := indentedJSON(t, sd); strings.Contains(out, "kumo-fixture-api-key") {
		t.Errorf("the parsed fixture shows the API key's plaintext:\n%s", out)
	}
	wantDiags := []Diagnostic{{URN: fnComp, Severity: "warning", Message: "function api: 512 MB of memory"}}
	if !reflect.DeepEqual(sd.Diagnostics, wantDiags) {
		t.Errorf("got diagnostics %+v; want %+v", sd.Diagnostics, wantDiags)
	}
}

// With --show-replacement-steps a replacement is three steps, which fold
// into the one change the logical replace step alone gives, and their
// order alone says which replacement deletes first.
func TestReadPreviewEngineFixtureReplacementSteps(t *testing.T) {
	plain := indentedJSON(t, readFixture(t, engineFixture))
	steps := indentedJSON(t, readFixture(t, engineFixtureSteps))
	if plain != steps {
		t.Errorf("the preview with replacement steps parses to\n%s\nwant what the preview without them parses to\n%s", steps, plain)
	}
}

// bigPreview is a preview of n steps or a few more, the size issue 14 sets
// for rendering: the engine fixture's steps, each repeated under new names.
func bigPreview(b testing.TB, n int) []byte {
	b.Helper()
	raw, err := os.ReadFile(engineFixture)
	if err != nil {
		b.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		b.Fatal(err)
	}
	base := doc["steps"].([]any)
	var steps []any
	for i := 0; len(steps) < n; i++ {
		for _, s := range base {
			enc, err := json.Marshal(s)
			if err != nil {
				b.Fatal(err)
			}
			// A suffix on every name keeps the URNs (and their parents)
			// distinct and of one stack.
			renamed := strings.ReplaceAll(string(enc), "::api", fmt.Sprintf("::api%d", i))
			renamed = strings.ReplaceAll(renamed, "::items", fmt.Sprintf("::items%d", i))
			renamed = strings.ReplaceAll(renamed, "::audit", fmt.Sprintf("::audit%d", i))
			renamed = strings.ReplaceAll(renamed, "::ledger", fmt.Sprintf("::ledger%d", i))
			renamed = strings.ReplaceAll(renamed, "::kumo-preview-dev", fmt.Sprintf("::kumo-preview-dev%d", i))
			var step any
			if err := json.Unmarshal([]byte(renamed), &step); err != nil {
				b.Fatal(err)
			}
			steps = append(steps, step)
		}
	}
	doc["steps"] = steps
	data, err := json.Marshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkReadPreview parses a preview of 5,000 steps.
func BenchmarkReadPreview(b *testing.B) {
	data := bigPreview(b, 5000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		sds, err := ReadPreview(data)
		if err != nil {
			b.Fatal(err)
		}
		if got := len(sds[0].Changes); got < 5000 {
			b.Fatalf("got %d changes; want 5,000 or more", got)
		}
	}
}

// BenchmarkReview5000 is what `kumo diff --preview` does with a preview of
// 5,000 steps, end to end: parse, analyze, and render both the terminal
// view and the comment. Issue 14's target is under a second.
func BenchmarkReview5000(b *testing.B) {
	data := bigPreview(b, 5000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var text bytes.Buffer
	b.ResetTimer()
	for b.Loop() {
		sds, err := ReadPreview(data)
		if err != nil {
			b.Fatal(err)
		}
		r := Analyze(sds)
		if len(r.Stacks[0].DataLoss) == 0 {
			b.Fatal("no data loss in the review; want the fixture's replaced and deleted tables")
		}
		text.Reset()
		if err := RenderText(&text, r, TextOptions{}); err != nil {
			b.Fatal(err)
		}
		if md := RenderMarkdown(r, MarkdownOptions{}); len(md) == 0 {
			b.Fatal("empty comment")
		}
	}
}

// A preview with --refresh reports a refresh step, then the planned step,
// of one URN; the change is the planned step's, between the refreshed
// state and the program.
func TestReadPreviewRefreshThenPlan(t *testing.T) {
	recorded := map[string]any{"memorySize": 128.0}
	refreshed := map[string]any{"memorySize": 256.0}
	planned := map[string]any{"memorySize": 512.0}
	c := change(t, readOne(t, digest(t, []step{
		{"op": "refresh", "urn": testFn, "oldState": state(testFn, recorded, recorded), "newState": state(testFn, recorded, refreshed)},
		{"op": "update", "urn": testFn, "oldState": state(testFn, refreshed, refreshed), "newState": state(testFn, planned, nil),
			"detailedDiff": map[string]any{"memorySize": map[string]any{"kind": "update"}}},
	}, nil)), testFn)
	want := []PropChange{{Path: "memorySize", Kind: KindUpdate, Old: 256.0, New: 512.0}}
	if c.Op != OpUpdate || c.Old["memorySize"] != 256.0 || !reflect.DeepEqual(c.Props, want) {
		t.Errorf("got %s, old inputs %v, props %+v; want an update from the refreshed 256 to 512", c.Op, c.Old, c.Props)
	}
}
