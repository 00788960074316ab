package diff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The types below mirror the JSON `pulumi preview --json` prints: the
// engine marshals a display.PreviewDigest
// (github.com/pulumi/pulumi/pkg/v3@v3.175.0/display/json.go), built by
// ShowPreviewDigest in pkg/v3/backend/display/json.go, whose states are
// apitype.ResourceV3 (sdk/v3/go/common/apitype/core.go). They are copied
// rather than imported because pkg/v3 would pull the whole engine into the
// CLI; test/preview proves the copy against the real engine's output.
// Only the fields kumo reads are kept: unknown fields are ignored, so a
// newer engine that adds some still parses.

// previewDigest mirrors display.PreviewDigest.
type previewDigest struct {
	Steps       []previewStep       `json:"steps"`
	Diagnostics []previewDiagnostic `json:"diagnostics"`
	// ChangeSummary counts steps per op; kumo recounts from the steps
	// because it folds a replacement's steps into one change.
	ChangeSummary map[string]int `json:"changeSummary"`
	MaybeCorrupt  bool           `json:"maybeCorrupt"`
}

// previewStep mirrors display.PreviewStep.
type previewStep struct {
	Op             string                         `json:"op"`
	URN            string                         `json:"urn"`
	OldState       *previewState                  `json:"oldState"`
	NewState       *previewState                  `json:"newState"`
	DiffReasons    []string                       `json:"diffReasons"`
	ReplaceReasons []string                       `json:"replaceReasons"`
	DetailedDiff   map[string]previewPropertyDiff `json:"detailedDiff"`
}

// previewPropertyDiff mirrors display.PropertyDiff.
type previewPropertyDiff struct {
	// Kind is plugin.DiffKind.String(): add, add-replace, delete,
	// delete-replace, update or update-replace
	// (sdk/v3/go/common/resource/plugin/provider.go).
	Kind string `json:"kind"`
	// InputDiff is set when the difference is between old and new inputs;
	// otherwise it is between the old outputs and the new inputs.
	InputDiff bool `json:"inputDiff"`
}

// previewState mirrors the fields of apitype.ResourceV3 kumo reads.
type previewState struct {
	URN     string         `json:"urn"`
	Custom  bool           `json:"custom"`
	Delete  bool           `json:"delete"`
	Type    string         `json:"type"`
	Inputs  map[string]any `json:"inputs"`
	Outputs map[string]any `json:"outputs"`
	Parent  string         `json:"parent"`
	// Dependencies are the resources this one depends on; the analysis
	// tells a policy removed with what it guards from one removed alone.
	Dependencies []string `json:"dependencies"`
}

// previewDiagnostic mirrors display.PreviewDiagnostic. Severity is a
// diag.Severity: debug, info, info#err, warning or error.
type previewDiagnostic struct {
	URN      string `json:"urn"`
	Prefix   string `json:"prefix"`
	Message  string `json:"message"`
	Severity string `json:"severity"`
}

// Markers of values kumo must not or cannot show, as the engine writes
// them into a preview's states.
const (
	// previewUnknown is plugin.UnknownStringValue
	// (sdk/v3/go/common/resource/plugin/rpc.go), which
	// stack.SerializePropertyValue (pkg/v3/resource/stack/deployment.go)
	// writes for every computed or output value.
	previewUnknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
	// previewSigKey and previewSecretSig are sig.Key and sig.Secret
	// (sdk/v3/go/common/resource/sig/sig.go): a serialized secret is an
	// object {previewSigKey: previewSecretSig, "ciphertext"|"plaintext"|"value": ...}.
	// ShowPreviewDigest blinds secrets to the string "[secret]" before
	// serializing (MassageSecrets in pkg/v3/backend/display/json.go), but
	// kumo never relies on that: a secret object is replaced whole, so
	// its plaintext cannot reach the model.
	previewSigKey    = "4dabf18193072939515e22adb298388d"
	previewSecretSig = "1b47061264138c4ac30d75fd1eb44270"
	// previewBlindedSecret is what MassageSecrets writes for a secret.
	previewBlindedSecret = "[secret]"
)

// previewOps maps every display.StepOp the engine defines
// (pkg/v3@v3.175.0/resource/deploy/step.go, the Op* constants) to what it
// means for the stack's resources. Replacement steps are folded per URN by
// ReadPreview; an op missing here is an error, so a new engine op is
// noticed rather than misreported.
var previewOps = map[string]Op{
	"same":   OpSame,
	"create": OpCreate,
	"update": OpUpdate,
	"delete": OpDelete,
	// A replacement shows as one logical "replace" step; with
	// --show-replacement-steps also as its create-replacement and
	// delete-replaced steps (shouldShow in backend/display/display.go).
	"replace":            OpReplace,
	"create-replacement": OpReplace,
	"delete-replaced":    OpReplace,
	// The delete-replaced step of a resource the program read rather than
	// managed (DeleteStep.Op: old.External && replacing); it comes with
	// the URN's logical replace step.
	"discard-replaced": OpReplace,
	// A read whose ID differs from the managed resource recorded under the
	// same URN: the engine marks that resource for deletion and emits a
	// replace step (GenerateReadSteps in step_generator.go).
	"read-replacement": OpReplace,
	// An import whose resource replaces a managed one recorded under the
	// URN: the old one is deleted (NewImportReplacementStep, then
	// NewReplaceStep, in step_generator.go).
	"import-replacement": OpReplace,
	// Reads, refreshes and imports change what the state records, not the
	// cloud: the program reads an external resource, the engine re-reads a
	// managed one, or adopts an existing one as it is.
	"read":    OpSame,
	"refresh": OpSame,
	"import":  OpSame,
	// Forgetting a resource the program used to read deletes nothing
	// (DeleteStep.Op: old.External && !replacing).
	"discard": OpSame,
	// The engine's internal step that runs a provider's Diff in parallel;
	// the step executor never reports it (step_executor.go), so it is
	// accepted only so that it can never be mistaken for a change.
	"diff": OpSame,
	// Drops the state of a resource a delete-before-replace replacement
	// already deleted, when the resource left the program
	// (step_generator.go, NewRemovePendingReplaceStep): the resource leaves
	// the stack. With another step of the same URN that step wins.
	"remove-pending-replace": OpDelete,
}

// previewReplacementSteps are the ops that make a URN's change a replacement
// whatever its other steps are.
var previewReplacementSteps = map[string]bool{
	"replace": true, "create-replacement": true, "delete-replaced": true, "discard-replaced": true,
	"read-replacement": true, "import-replacement": true,
}

// ReadPreview parses the JSON `pulumi preview --json` prints to stdout
// into the change of the one stack it previews. The result is a slice of
// that one StackDiff, so both inputs of kumo diff return the same shape.
//
// Every step of one URN becomes one Change: a replacement's replace,
// create-replacement and delete-replaced steps are one OpReplace. Values
// the engine blinded or marked secret become Secret, computed values
// Unknown.
func ReadPreview(data []byte) ([]StackDiff, error) {
	digest, err := decodePreviewDigest(data)
	if err != nil {
		return nil, err
	}
	sd := StackDiff{Source: "preview"}

	// Group the steps by URN, in the order the engine emitted them: the
	// order says whether a replacement deletes first.
	byURN := map[string][]*previewStep{}
	var urns []string
	for i := range digest.Steps {
		s := &digest.Steps[i]
		if s.URN == "" {
			return nil, fmt.Errorf("preview step %d (op %q): urn is empty; want urn:pulumi:<stack>::<project>::<type>::<name>", i, s.Op)
		}
		if _, ok := previewOps[s.Op]; !ok {
			return nil, fmt.Errorf("preview step %d (%s): op %q is not a step op of the Pulumi engine; want one of %s",
				i, s.URN, s.Op, strings.Join(previewSortedKeys(previewOps), ", "))
		}
		u, err := splitPreviewURN(s.URN)
		if err != nil {
			return nil, fmt.Errorf("preview step %d: %w", i, err)
		}
		if sd.Stack == "" {
			sd.Project, sd.Stack = u.project, u.stack
		} else if u.project != sd.Project || u.stack != sd.Stack {
			return nil, fmt.Errorf("preview step %d: urn %q is of stack %s/%s, but earlier steps are of %s/%s; want one stack per preview",
				i, s.URN, u.project, u.stack, sd.Project, sd.Stack)
		}
		if _, seen := byURN[s.URN]; !seen {
			urns = append(urns, s.URN)
		}
		byURN[s.URN] = append(byURN[s.URN], s)
	}
	sort.Strings(urns)
	sd.Changes = make([]Change, 0, len(urns))
	for _, urn := range urns {
		c, err := foldPreviewSteps(urn, byURN[urn])
		if err != nil {
			return nil, err
		}
		sd.Changes = append(sd.Changes, c)
	}

	for _, d := range digest.Diagnostics {
		// ShowPreviewDigest joins the engine's "<severity>: " prefix into
		// the message, which Severity already says; the trailing newline
		// is the engine's line end, not content.
		msg := strings.TrimRight(d.Prefix+d.Message, "\n")
		msg = strings.TrimPrefix(msg, d.Severity+": ")
		sd.Diagnostics = append(sd.Diagnostics, Diagnostic{URN: d.URN, Severity: d.Severity, Message: msg})
	}
	if digest.MaybeCorrupt {
		sd.Diagnostics = append(sd.Diagnostics, Diagnostic{
			Severity: "warning",
			Message:  "the engine reports that one or more resources may be corrupt (maybeCorrupt); the preview may not show every change",
		})
	}
	return []StackDiff{sd}, nil
}

// decodePreviewDigest reads one JSON object and checks that it is a preview
// digest, naming what was passed instead when it can tell.
func decodePreviewDigest(data []byte) (*previewDigest, error) {
	const want = "want the JSON document `pulumi preview --json` prints (an object with \"steps\" and \"changeSummary\")"
	// One pass over the input, which may hold thousands of steps; the
	// extra fields only name what was passed instead of a digest.
	var doc struct {
		previewDigest
		Sequence   json.RawMessage `json:"sequence"`
		Resources  json.RawMessage `json:"resources"`
		Stack      json.RawMessage `json:"stack"`
		Deployment json.RawMessage `json:"deployment"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, fmt.Errorf("read preview: the input is empty; %s", want)
		case errors.As(err, &typeErr) && typeErr.Field == "":
			return nil, fmt.Errorf("read preview: the input is a JSON %s, not an object; %s", typeErr.Value, want)
		case errors.As(err, &typeErr):
			return nil, fmt.Errorf("read preview: %s is a JSON %s; want a JSON %s, as the engine writes it (display.PreviewDigest)",
				strings.TrimPrefix(typeErr.Field, "previewDigest."), typeErr.Value, jsonKind(typeErr.Type))
		}
		return nil, fmt.Errorf("read preview: not JSON (%v); %s", err, want)
	}
	if doc.Sequence != nil {
		return nil, fmt.Errorf("read preview: the input is a stream of engine events (what `pulumi up --json` and --event-log write), not a preview digest; %s", want)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read preview: more than one JSON value in the input; %s", want)
	}
	d := &doc.previewDigest
	if d.Steps == nil && d.ChangeSummary == nil && d.Diagnostics == nil {
		var what string
		switch {
		case doc.Resources != nil && doc.Stack != nil:
			what = "a kumo synth document (`kumo synth --json`), which kumo diff reads as the offline input"
		case doc.Deployment != nil:
			what = "a stack export (`pulumi stack export`)"
		default:
			var top map[string]json.RawMessage
			_ = json.Unmarshal(data, &top) // decoded above, so it is an object
			keys := make([]string, 0, len(top))
			for k := range top {
				keys = append(keys, strconv.Quote(k))
			}
			sort.Strings(keys)
			what = "an object with keys [" + strings.Join(keys, ", ") + "]"
		}
		return nil, fmt.Errorf("read preview: the input is %s, not a preview digest; %s", what, want)
	}
	return d, nil
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "number"
}

// previewURN are the parts of a Pulumi URN,
// urn:pulumi:<stack>::<project>::<qualified type>::<name>, where the
// qualified type is the parent types and the type joined by "$"
// (sdk/v3/go/common/resource/urn.go).
type previewURN struct {
	stack, project, typ, name string
}

func splitPreviewURN(urn string) (previewURN, error) {
	const prefix = "urn:pulumi:"
	rest, ok := strings.CutPrefix(urn, prefix)
	if ok {
		parts := strings.SplitN(rest, "::", 4)
		if len(parts) == 4 && parts[0] != "" && parts[1] != "" && parts[2] != "" {
			qt := parts[2]
			typ := qt[strings.LastIndex(qt, "$")+1:]
			return previewURN{stack: parts[0], project: parts[1], typ: typ, name: parts[3]}, nil
		}
	}
	return previewURN{}, fmt.Errorf("urn %q is not a Pulumi URN; want urn:pulumi:<stack>::<project>::<type>::<name>", urn)
}

// foldPreviewSteps makes one Change of every step the preview has for urn.
func foldPreviewSteps(urn string, steps []*previewStep) (Change, error) {
	u, _ := splitPreviewURN(urn) // checked by the caller
	c := Change{URN: urn, Type: u.typ, Name: u.name}

	// The step that describes the change: the logical replace step of a
	// replacement, else the last step (a --refresh preview reports a
	// refresh, then the planned step, of one URN).
	main := steps[len(steps)-1]
	replacing := false
	for _, s := range steps {
		if previewReplacementSteps[s.Op] {
			replacing = true
		}
	}
	if replacing {
		c.Op = OpReplace
		main = nil
		for _, s := range steps {
			if s.Op == "replace" {
				main = s
			}
		}
		if main == nil {
			main = steps[0]
		}
	} else {
		// remove-pending-replace only speaks for the URN when alone.
		for i := len(steps) - 1; i >= 0; i-- {
			if steps[i].Op != "remove-pending-replace" {
				main = steps[i]
				break
			}
		}
		c.Op = previewOps[main.Op]
	}

	// States: the main step's, which its diff is between; failing that,
	// the oldest old and newest new state among the URN's steps.
	old, new := main.OldState, main.NewState
	for i := range steps {
		if old == nil {
			old = steps[i].OldState
		}
		if new == nil {
			new = steps[len(steps)-1-i].NewState
		}
	}
	switch c.Op {
	case OpCreate:
		old = nil
	case OpDelete:
		new = nil
	}
	for _, st := range []*previewState{new, old} {
		if st == nil {
			continue
		}
		if st.Type != "" {
			c.Type = st.Type
		}
		c.Custom = st.Custom
		c.Parent = st.Parent
		c.Dependencies = slices.Clone(st.Dependencies)
		slices.Sort(c.Dependencies)
		break
	}
	// The model's parent is a component: "" for resources directly under
	// the stack, whose engine parent is the root pulumi:pulumi:Stack.
	if p, err := splitPreviewURN(c.Parent); err == nil && p.typ == "pulumi:pulumi:Stack" {
		c.Parent = ""
	}
	if old != nil {
		c.Old = previewCleanMap(old.Inputs)
	}
	if new != nil {
		c.New = previewCleanMap(new.Inputs)
	}

	if c.Op == OpUpdate || c.Op == OpReplace {
		props, err := previewProps(main, old, new)
		if err != nil {
			return Change{}, fmt.Errorf("preview step %s: %w", urn, err)
		}
		c.Props = props
	}
	if c.Op == OpReplace {
		c.ReplaceReasons = previewReplaceReasons(main, c.Props)
		c.DeleteBeforeReplace = previewDeletesFirst(steps, main)
	}
	return c, nil
}

// previewDeletesFirst tells a delete-before-replace replacement. With
// --show-replacement-steps the order says it: the engine deletes the old
// resource before creating the new one only then. Without, the logical
// replace step's old state says it: the create-replacement step of a
// create-before-delete replacement marks the old resource for deletion
// (CreateStep.Apply sets old.Delete when replacing && pendingDelete,
// pkg/v3/resource/deploy/step.go) before the replace step is reported,
// and a delete-before-replace one never does.
func previewDeletesFirst(steps []*previewStep, main *previewStep) bool {
	created, deleted := -1, -1
	for i, s := range steps {
		switch s.Op {
		case "create-replacement", "import-replacement", "read-replacement":
			if created < 0 {
				created = i
			}
		case "delete-replaced", "discard-replaced":
			if deleted < 0 {
				deleted = i
			}
		}
	}
	if created >= 0 && deleted >= 0 {
		return deleted < created
	}
	return main.Op == "replace" && main.OldState != nil && !main.OldState.Delete
}

// previewProps lists the changed properties of an update or replacement
// the way the engine's own diff display does (getDiffInfo in
// pkg/v3/backend/display/rows.go): from the provider's detailed diff when
// there is one, else from the changed top-level keys.
func previewProps(s *previewStep, old, new *previewState) ([]PropChange, error) {
	var oldIn, oldOut, newIn map[string]any
	if old != nil {
		oldIn, oldOut = old.Inputs, old.Outputs
	}
	if new != nil {
		newIn = new.Inputs
	}
	var props []PropChange
	if s.DetailedDiff != nil {
		paths := make([]string, 0, len(s.DetailedDiff))
		for p := range s.DetailedDiff {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			d := s.DetailedDiff[p]
			kind, replace, ok := previewDiffKind(d.Kind)
			if !ok {
				return nil, fmt.Errorf("detailedDiff[%q].kind %q is not a diff kind; want add, add-replace, delete, delete-replace, update or update-replace", p, d.Kind)
			}
			path, err := parsePreviewPath(p)
			if err != nil {
				return nil, fmt.Errorf("detailedDiff key %q: %w", p, err)
			}
			pc := PropChange{Path: p, Kind: kind, Replace: replace}
			// Old values come from the old outputs unless the provider
			// diffed inputs, new values from the new inputs, as
			// TranslateDetailedDiff (pkg/v3/engine/detailedDiff.go) shows
			// them; an output the provider does not echo falls back to
			// the input of that name.
			if kind != KindAdd {
				olds := oldOut
				if d.InputDiff {
					olds = oldIn
				}
				v, found := previewLookup(olds, path)
				if !found && !d.InputDiff {
					v, _ = previewLookup(oldIn, path)
				}
				pc.Old = previewClean(v)
			}
			if kind != KindDelete {
				v, _ := previewLookup(newIn, path)
				pc.New = previewClean(v)
			}
			props = append(props, pc)
		}
		return props, nil
	}

	keys := s.DiffReasons
	if len(keys) == 0 {
		for k := range previewKeyUnion(oldIn, newIn) {
			if !reflect.DeepEqual(oldIn[k], newIn[k]) {
				keys = append(keys, k)
			}
		}
	}
	replace := map[string]bool{}
	for _, k := range s.ReplaceReasons {
		replace[k] = true
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		ov, hadOld := oldIn[k]
		nv, hasNew := newIn[k]
		kind := KindUpdate
		switch {
		case hasNew && !hadOld:
			kind = KindAdd
		case hadOld && !hasNew:
			kind = KindDelete
		}
		// The key as a one-element path, so keys that need quoting read
		// as they do in a detailed diff.
		props = append(props, PropChange{Path: formatPreviewPath([]any{k}), Kind: kind,
			Old: previewClean(ov), New: previewClean(nv), Replace: replace[k]})
	}
	sort.Slice(props, func(i, j int) bool { return props[i].Path < props[j].Path })
	return props, nil
}

// previewDiffKind maps a plugin.DiffKind's string to the model's kind and
// whether it forces replacement.
func previewDiffKind(k string) (Kind, bool, bool) {
	switch k {
	case "add":
		return KindAdd, false, true
	case "add-replace":
		return KindAdd, true, true
	case "delete":
		return KindDelete, false, true
	case "delete-replace":
		return KindDelete, true, true
	case "update":
		return KindUpdate, false, true
	case "update-replace":
		return KindUpdate, true, true
	}
	return "", false, false
}

// replaceReasons are the step's replaceReasons (the keys the provider
// said force replacement), or when the engine gave none the top-level
// properties of the props that do.
func previewReplaceReasons(s *previewStep, props []PropChange) []string {
	set := map[string]bool{}
	for _, k := range s.ReplaceReasons {
		set[k] = true
	}
	if len(set) == 0 {
		for _, p := range props {
			if !p.Replace {
				continue
			}
			if path, err := parsePreviewPath(p.Path); err == nil && len(path) > 0 {
				if k, ok := path[0].(string); ok {
					set[k] = true
				}
			}
		}
	}
	if len(set) == 0 {
		return nil
	}
	return previewSortedKeys(set)
}

// previewMarker tells whether v is a secret or a computed value, and
// returns Secret or Unknown for it.
func previewMarker(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		switch v {
		case previewUnknown:
			return Unknown, true
		case previewBlindedSecret:
			return Secret, true
		}
	case map[string]any:
		if sig, ok := v[previewSigKey].(string); ok && sig == previewSecretSig {
			return Secret, true
		}
	}
	return "", false
}

// previewCleanMap returns a copy of a state's property map with secrets as
// Secret and computed values as Unknown.
func previewCleanMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = previewClean(v)
	}
	return out
}

// previewClean returns v with every secret as Secret and every computed
// value as Unknown.
func previewClean(v any) any {
	if marker, ok := previewMarker(v); ok {
		return marker
	}
	switch v := v.(type) {
	case map[string]any:
		return previewCleanMap(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = previewClean(e)
		}
		return out
	}
	return v
}

// parsePreviewPath splits a property path as the engine writes
// detailedDiff keys: names joined by ".", `["quoted key"]` and `[index]`,
// following resource.ParsePropertyPath
// (sdk/v3/go/common/resource/properties_path.go). Elements are string
// (object keys) or int (array indexes).
func parsePreviewPath(path string) ([]any, error) {
	if path == "" {
		return nil, errors.New("empty property path")
	}
	if path[0] == '.' {
		return nil, fmt.Errorf("property path %q starts with '.'; want a name or an index", path)
	}
	var elems []any
	rest := path
	for len(rest) > 0 {
		switch rest[0] {
		case '.':
			rest = rest[1:]
			if rest == "" {
				return nil, fmt.Errorf("property path %q ends with '.'; want a name or an index after it", path)
			}
		case '[':
			if len(rest) > 1 && rest[1] == '"' {
				var key strings.Builder
				i := 2
				for {
					if i >= len(rest) {
						return nil, fmt.Errorf("property path %q: missing closing quote", path)
					}
					if rest[i] == '"' {
						i++
						break
					}
					if rest[i] == '\\' && i+1 < len(rest) && rest[i+1] == '"' {
						key.WriteByte('"')
						i += 2
						continue
					}
					key.WriteByte(rest[i])
					i++
				}
				if i >= len(rest) || rest[i] != ']' {
					return nil, fmt.Errorf("property path %q: missing closing bracket", path)
				}
				elems, rest = append(elems, key.String()), rest[i+1:]
				continue
			}
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("property path %q: missing closing bracket of an index", path)
			}
			seg := rest[1:end]
			if seg == "*" {
				elems = append(elems, "*")
			} else {
				n, err := strconv.Atoi(seg)
				if err != nil {
					return nil, fmt.Errorf("property path %q: index %q is not a number", path, seg)
				}
				elems = append(elems, n)
			}
			rest = rest[end+1:]
		default:
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			elems, rest = append(elems, rest[:end]), rest[end:]
		}
	}
	return elems, nil
}

// formatPreviewPath writes a path as resource.PropertyPath.String does
// (the synth side's joinKey for keys, [n] for indexes).
func formatPreviewPath(path []any) string {
	s := ""
	for _, e := range path {
		switch e := e.(type) {
		case int:
			s += fmt.Sprintf("[%d]", e)
		case string:
			s = joinKey(s, e)
		}
	}
	return s
}

// previewLookup returns the value at path in m. A secret or computed
// value met on the way is the answer: what lies under a secret is secret,
// and under an unknown value unknown.
func previewLookup(m map[string]any, path []any) (any, bool) {
	if m == nil {
		return nil, false
	}
	var v any = m
	for _, e := range path {
		if marker, ok := previewMarker(v); ok {
			return marker, true
		}
		switch e := e.(type) {
		case string:
			obj, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = obj[e]; !ok {
				return nil, false
			}
		case int:
			arr, ok := v.([]any)
			if !ok || e < 0 || e >= len(arr) {
				return nil, false
			}
			v = arr[e]
		}
	}
	return v, true
}

func previewKeyUnion(a, b map[string]any) map[string]bool {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	return keys
}

func previewSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
