package pipelinerules

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Sources of the Amazon States Language rules.
const (
	// SrcASL is the language specification every structural rule below
	// quotes.
	SrcASL = "https://states-language.net/spec.html"
	// SrcASLTransitions: CreateStateMachine refuses a definition whose
	// transitions point nowhere or that has states nothing reaches, with
	// InvalidDefinition "MISSING_TRANSITION_TARGET: Missing 'Next' target: X"
	// and "MISSING_TRANSITION_TARGET: State "X" is not reachable.", and one
	// without a terminal state with "MISSING_END_STATE: Workflow has no
	// terminal state" (reproduced against AWS in localstack/localstack#12487
	// and aws-cloudformation/cfn-lint#4073; the spec itself only says every
	// state must be reachable in its scope through transitions).
	SrcASLTransitions = "https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html (InvalidDefinition MISSING_TRANSITION_TARGET, MISSING_END_STATE; github.com/localstack/localstack/pull/12487, github.com/aws-cloudformation/cfn-lint/issues/4073)"
)

// MaxStateNameLength is the ASL's "State names MUST have length of less
// than or equal to 80 Unicode characters".
const MaxStateNameLength = 80

// StatesAll is the reserved error name matching every error.
const StatesAll = "States.ALL"

// StateTypes are the state types the ASL defines.
var StateTypes = []string{"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}

// ValidateDefinition reports what Step Functions refuses in a definition,
// given as json.Unmarshal decodes it into an any. Values an Output has not
// resolved may stand in as any string: only structure is checked here.
// Problems are in a stable order.
func ValidateDefinition(def any) []Problem {
	v := &aslValidator{seen: map[string]string{}}
	top, ok := def.(map[string]any)
	if !ok {
		return []Problem{{Msg: "a definition is a JSON object with StartAt and States"}}
	}
	if t, ok := top["TimeoutSeconds"]; ok {
		if n, isInt := wholeNumber(t); !isInt || n < 1 {
			v.add("TimeoutSeconds", "%v must be a positive integer (ASL: TimeoutSeconds)", t)
		}
	}
	v.scope("", top)
	return v.problems
}

type aslValidator struct {
	problems []Problem
	// seen maps each state name to where it was first defined: names are
	// unique in the whole state machine, nested scopes included.
	seen map[string]string
}

func (v *aslValidator) add(path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// join builds a problem path.
func join(base, field string) string {
	if base == "" {
		return field
	}
	return base + "." + field
}

// scope checks one state machine or nested one (a Parallel branch, a Map's
// ItemProcessor): its own StartAt and States, where transitions stay.
func (v *aslValidator) scope(path string, obj map[string]any) {
	states, ok := obj["States"].(map[string]any)
	if !ok || len(states) == 0 {
		v.add(join(path, "States"), "missing or empty: a state machine needs at least one state (ASL: States)")
		return
	}
	startAt, _ := obj["StartAt"].(string)
	if startAt == "" {
		v.add(join(path, "StartAt"), "missing: name the state the execution starts at (ASL: StartAt)")
	} else if _, ok := states[startAt]; !ok {
		v.add(join(path, "StartAt"), "%q is not a state of this scope; states here: %s", startAt, names(states))
	}
	terminal := false
	edges := map[string][]string{}
	for _, name := range slices.Sorted(maps.Keys(states)) {
		sp := join(path, "States."+name)
		if prev, dup := v.seen[name]; dup {
			v.add(sp, "state name %q is also used at %s; state names are unique in the whole state machine, nested states included (ASL: States)", name, prev)
		} else {
			v.seen[name] = sp
		}
		if n := utf8.RuneCountInString(name); n > MaxStateNameLength || n == 0 {
			v.add(sp, "state name %q has %d characters; the ASL allows 1–%d", name, n, MaxStateNameLength)
		}
		st, ok := states[name].(map[string]any)
		if !ok {
			v.add(sp, "a state is a JSON object with a Type")
			continue
		}
		targets, ends := v.state(sp, st, states)
		edges[name] = targets
		terminal = terminal || ends
	}
	if !terminal {
		v.add(join(path, "States"), "no terminal state: at least one state must be Succeed, Fail or have End true (MISSING_END_STATE)")
	}
	if _, ok := states[startAt]; ok {
		reached := map[string]bool{startAt: true}
		queue := []string{startAt}
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			for _, t := range edges[cur] {
				if _, exists := states[t]; exists && !reached[t] {
					reached[t] = true
					queue = append(queue, t)
				}
			}
		}
		for _, name := range slices.Sorted(maps.Keys(states)) {
			if !reached[name] {
				v.add(join(path, "States."+name), "not reachable from StartAt %q: no Next, Choice, Default or Catch of this scope leads to it (MISSING_TRANSITION_TARGET)", startAt)
			}
		}
	}
}

// state checks one state and returns the states it can transition to and
// whether it can end its scope.
func (v *aslValidator) state(sp string, st map[string]any, scope map[string]any) (targets []string, terminal bool) {
	typ, _ := st["Type"].(string)
	if !slices.Contains(StateTypes, typ) {
		v.add(join(sp, "Type"), "%q is not a state type; use one of %s", typ, strings.Join(StateTypes, ", "))
		return nil, false
	}
	target := func(field string, name any) {
		s, _ := name.(string)
		if _, ok := scope[s]; !ok {
			v.add(join(sp, field), "%q is not a state of this scope (a transition cannot leave its Parallel branch or Map processor); states here: %s", s, names(scope))
			return
		}
		targets = append(targets, s)
	}
	next, hasNext := st["Next"]
	end, _ := st["End"].(bool)
	_, hasEnd := st["End"]
	switch typ {
	case "Succeed", "Fail":
		if hasNext || hasEnd {
			v.add(sp, "a %s state ends the execution; it takes no Next or End (ASL: Terminal State)", typ)
		}
		terminal = true
	case "Choice":
		if hasNext || hasEnd {
			v.add(sp, "a Choice state moves on through its Choices and Default; it takes no Next or End (ASL: Choice State)")
		}
		v.choice(sp, st, target)
	default:
		switch {
		case hasNext && end:
			v.add(sp, "both Next and End are set; a state either ends its scope or has one Next (ASL: Transitions)")
		case hasNext:
			target("Next", next)
		case end:
			terminal = true
		default:
			v.add(sp, "neither Next nor End is set; every state other than Choice, Succeed and Fail needs one (ASL: Transitions)")
		}
	}
	_, hasRetry := st["Retry"]
	_, hasCatch := st["Catch"]
	retries := typ == "Task" || typ == "Parallel" || typ == "Map"
	if (hasRetry || hasCatch) && !retries {
		v.add(sp, "a %s state takes no Retry or Catch; only Task, Parallel and Map states do (ASL: Errors)", typ)
	}
	if hasRetry && retries {
		v.retry(join(sp, "Retry"), st["Retry"])
	}
	if hasCatch && retries {
		v.catch(join(sp, "Catch"), st["Catch"], target)
	}
	switch typ {
	case "Task":
		if r, _ := st["Resource"].(string); r == "" {
			v.add(join(sp, "Resource"), "missing: a Task names the resource it runs (ASL: Task State)")
		}
		v.positive(sp, st, "TimeoutSeconds")
		v.positive(sp, st, "HeartbeatSeconds")
	case "Wait":
		n := 0
		for _, f := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
			if _, ok := st[f]; ok {
				n++
			}
		}
		if n != 1 {
			v.add(sp, "a Wait state sets exactly one of Seconds, SecondsPath, Timestamp and TimestampPath; %d are set (ASL: Wait State)", n)
		}
	case "Parallel":
		branches, _ := st["Branches"].([]any)
		if len(branches) == 0 {
			v.add(join(sp, "Branches"), "missing or empty: a Parallel state runs at least one branch (ASL: Parallel State)")
		}
		for i, b := range branches {
			bp := fmt.Sprintf("%s.Branches[%d]", sp, i)
			if obj, ok := b.(map[string]any); ok {
				v.scope(bp, obj)
			} else {
				v.add(bp, "a branch is an object with StartAt and States")
			}
		}
	case "Map":
		v.mapState(sp, st)
	}
	return targets, terminal
}

// choice checks a Choice state's rules and Default.
func (v *aslValidator) choice(sp string, st map[string]any, target func(string, any)) {
	rules, _ := st["Choices"].([]any)
	if len(rules) == 0 {
		v.add(join(sp, "Choices"), "missing or empty: a Choice state has at least one rule (ASL: Choice State)")
	}
	for i, r := range rules {
		rp := fmt.Sprintf("Choices[%d].Next", i)
		rule, _ := r.(map[string]any)
		if n, ok := rule["Next"]; ok {
			target(rp, n)
		} else {
			v.add(join(sp, rp), "missing: each top-level Choice rule names the state it moves to (ASL: Choice Rules)")
		}
	}
	if d, ok := st["Default"]; ok {
		target("Default", d)
	}
}

// mapState checks a Map state's processor (its own scope) and settings.
func (v *aslValidator) mapState(sp string, st map[string]any) {
	proc, hasProc := st["ItemProcessor"].(map[string]any)
	iter, hasIter := st["Iterator"].(map[string]any)
	switch {
	case hasProc && hasIter:
		v.add(sp, "both ItemProcessor and its deprecated name Iterator are set; use ItemProcessor (ASL: Map State)")
	case hasProc:
		v.scope(join(sp, "ItemProcessor"), proc)
	case hasIter:
		v.scope(join(sp, "Iterator"), iter)
		proc = iter
	default:
		v.add(join(sp, "ItemProcessor"), "missing: a Map state runs an ItemProcessor with StartAt and States for each item (ASL: Map State)")
	}
	mode := "INLINE"
	if cfg, ok := proc["ProcessorConfig"].(map[string]any); ok {
		if m, ok := cfg["Mode"].(string); ok {
			mode = m
		}
		if mode != "INLINE" && mode != "DISTRIBUTED" {
			v.add(join(sp, "ItemProcessor.ProcessorConfig.Mode"), "%q is not a processing mode; use INLINE or DISTRIBUTED (ASL: ItemProcessor)", mode)
		}
		et, hasET := cfg["ExecutionType"].(string)
		switch {
		case mode == "DISTRIBUTED" && !hasET:
			v.add(join(sp, "ItemProcessor.ProcessorConfig.ExecutionType"), "missing: a DISTRIBUTED Map names its child workflows' type, STANDARD or EXPRESS (ASL: ItemProcessor)")
		case hasET && et != "STANDARD" && et != "EXPRESS":
			v.add(join(sp, "ItemProcessor.ProcessorConfig.ExecutionType"), "%q is not a workflow type; use STANDARD or EXPRESS (ASL: ItemProcessor)", et)
		}
	}
	for _, f := range []string{"ItemReader", "ResultWriter", "ToleratedFailurePercentage", "ToleratedFailureCount", "Label"} {
		if _, ok := st[f]; ok && mode != "DISTRIBUTED" {
			v.add(join(sp, f), "is set on an INLINE Map; only a DISTRIBUTED Map takes it (ASL: Map State)")
		}
	}
	if r, ok := st["ItemReader"].(map[string]any); ok {
		if res, _ := r["Resource"].(string); res == "" {
			v.add(join(sp, "ItemReader.Resource"), "missing: an ItemReader names the API that reads the items, e.g. arn:aws:states:::s3:listObjectsV2 (ASL: ItemReader)")
		}
	}
	if mc, ok := st["MaxConcurrency"]; ok {
		if n, isInt := wholeNumber(mc); !isInt || n < 0 {
			v.add(join(sp, "MaxConcurrency"), "%v must be a non-negative integer; 0 means no limit (ASL: Map State)", mc)
		}
	}
	if p, ok := st["ToleratedFailurePercentage"]; ok {
		if n, isNum := p.(float64); !isNum || n < 0 || n > 100 {
			v.add(join(sp, "ToleratedFailurePercentage"), "%v must be a number from 0 to 100 (ASL: Map State)", p)
		}
	}
}

// retry checks a Retry list: "A Retrier MUST contain a field named
// ErrorEquals whose value MUST be a non-empty array of Strings";
// IntervalSeconds "MUST be a positive integer"; MaxAttempts "MUST be a
// non-negative integer" (0 is allowed: never retry); BackoffRate "MUST be
// greater than or equal to 1.0"; and States.ALL "MUST appear alone in the
// ErrorEquals array and MUST appear in the last Retrier in the Retry array".
func (v *aslValidator) retry(path string, val any) {
	list, ok := val.([]any)
	if !ok {
		v.add(path, "a Retry is an array of retriers")
		return
	}
	for i, r := range list {
		rp := fmt.Sprintf("%s[%d]", path, i)
		retrier, _ := r.(map[string]any)
		v.errorEquals(rp, retrier, i == len(list)-1, "Retrier")
		v.positive(rp, retrier, "IntervalSeconds")
		v.positive(rp, retrier, "MaxDelaySeconds")
		if m, ok := retrier["MaxAttempts"]; ok {
			if n, isInt := wholeNumber(m); !isInt || n < 0 {
				v.add(join(rp, "MaxAttempts"), "%v must be a non-negative integer; 0 never retries (ASL: Retrying after error)", m)
			}
		}
		if b, ok := retrier["BackoffRate"]; ok {
			if n, isNum := b.(float64); !isNum || n < 1 {
				v.add(join(rp, "BackoffRate"), "%v must be a number of at least 1.0 (ASL: Retrying after error)", b)
			}
		}
		if j, ok := retrier["JitterStrategy"]; ok && j != "FULL" && j != "NONE" {
			v.add(join(rp, "JitterStrategy"), "%v is not a jitter strategy; use FULL or NONE (ASL: Retrying after error)", j)
		}
	}
}

// catch checks a Catch list: ErrorEquals as for retriers, States.ALL in the
// last catcher only, and a Next in the same scope.
func (v *aslValidator) catch(path string, val any, target func(string, any)) {
	list, ok := val.([]any)
	if !ok {
		v.add(path, "a Catch is an array of catchers")
		return
	}
	field := path[strings.LastIndex(path, ".")+1:]
	for i, c := range list {
		cp := fmt.Sprintf("%s[%d]", path, i)
		catcher, _ := c.(map[string]any)
		v.errorEquals(cp, catcher, i == len(list)-1, "Catcher")
		if n, ok := catcher["Next"]; ok {
			target(fmt.Sprintf("%s[%d].Next", field, i), n)
		} else {
			v.add(join(cp, "Next"), "missing: a Catcher names the state to move to (ASL: Fallback states)")
		}
	}
}

func (v *aslValidator) errorEquals(path string, obj map[string]any, last bool, what string) {
	errs, _ := obj["ErrorEquals"].([]any)
	if len(errs) == 0 {
		v.add(join(path, "ErrorEquals"), "missing or empty: a %s names at least one error (ASL: Error names)", what)
		return
	}
	for _, e := range errs {
		if s, ok := e.(string); !ok || s == "" {
			v.add(join(path, "ErrorEquals"), "%v is not an error name", e)
		} else if s == StatesAll && (len(errs) > 1 || !last) {
			v.add(join(path, "ErrorEquals"), "%s must appear alone in its ErrorEquals and only in the last %s of the list (ASL: Error names)", StatesAll, what)
		}
	}
}

// positive checks an optional integer field that must be at least 1.
func (v *aslValidator) positive(path string, obj map[string]any, field string) {
	if val, ok := obj[field]; ok {
		if n, isInt := wholeNumber(val); !isInt || n < 1 {
			v.add(join(path, field), "%v must be a positive integer (ASL)", val)
		}
	}
}

// wholeNumber reports a decoded JSON number that is an integer.
func wholeNumber(v any) (int64, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return int64(f), true
}

// names lists a scope's state names for a message.
func names(states map[string]any) string {
	ns := slices.Sorted(maps.Keys(states))
	if len(ns) > 8 {
		ns = append(ns[:8], "…")
	}
	return strings.Join(ns, ", ")
}
