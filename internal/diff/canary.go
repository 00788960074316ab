package diff

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// versionedProps are the function settings a Release's fingerprint covers
// (constructs/release.go, Function.fingerprint): a change to any of them
// publishes a version, even where the synth shows the fingerprint itself
// unchanged or unknown.
var versionedProps = map[string]bool{
	"code": true, "sourceCodeHash": true, "s3Key": true, "s3ObjectVersion": true, "imageUri": true,
	"role": true, "loggingConfig": true, "environment": true, "deadLetterConfig": true, "runtime": true,
	"handler": true, "architectures": true, "memorySize": true, "timeout": true, "tracingConfig": true,
	"description": true, "vpcConfig": true,
}

// canaryPlan lists every kumo:index:Release that will publish a version
// and shift its alias, by function name.
func canaryPlan(ix *stackIndex) []Release {
	out := []Release{}
	physical := map[string]string{} // function's physical name → kumo name, for hooks
	for i := range ix.changes {
		c := &ix.changes[i]
		if c.Type == typeRelease || c.Type == "aws:lambda/alias:Alias" {
			if fn := str(inputs(c), "functionName"); fn != "" {
				physical[fn] = functionName(ix, c)
			}
		}
	}
	for i := range ix.changes {
		c := &ix.changes[i]
		if c.Type != typeRelease || c.Op == OpDelete {
			continue
		}
		// A Release whose own inputs are unchanged still publishes when its
		// function's versioned settings change.
		fn := ix.sibling(c, typeFunction)
		reasons := releaseReasons(c, fn)
		if reasons == nil {
			continue // say, only the preference changed: no new version
		}
		in := c.New
		r := Release{
			Function: functionName(ix, c), URN: c.URN, Alias: str(in, "aliasName"),
			Reasons: reasons, First: c.Op == OpCreate,
			Preference: str(in, "deploymentConfigName"),
		}
		r.Shift = shiftWords(ix, r.Preference)
		if g := ix.sibling(c, "aws:codedeploy/deploymentGroup:DeploymentGroup"); g != nil {
			for _, a := range asList(field(inputs(g), "alarmConfiguration.alarms")) {
				r.Alarms = append(r.Alarms, fmtValue(a))
			}
			sort.Strings(r.Alarms)
		}
		for _, h := range []struct{ key, label string }{{"preTrafficHook", "pre-traffic"}, {"postTrafficHook", "post-traffic"}} {
			if arn := str(in, h.key); arn != "" {
				r.Hooks = append(r.Hooks, h.label+": "+hookName(arn, physical))
			}
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Function != out[j].Function {
			return out[i].Function < out[j].Function
		}
		return out[i].URN < out[j].URN
	})
	return out
}

// releaseReasons says why a Release publishes: "code" for the code, else
// the function's changed settings; nil when it does not publish.
func releaseReasons(rel, fn *Change) []string {
	seen := map[string]bool{}
	publishes := rel.Op == OpCreate || rel.Op == OpReplace
	for _, p := range rel.Props {
		if topKey(p.Path) == "fingerprint" {
			publishes = true
		}
	}
	if fn != nil && fn.Op != OpSame {
		for _, p := range fn.Props {
			top := topKey(p.Path)
			if !versionedProps[top] {
				continue // tags and the like are not part of a version
			}
			publishes = true
			if codeProps[top] {
				seen["code"] = true
			} else {
				seen[p.Path] = true
			}
		}
	}
	if !publishes {
		return nil
	}
	out := []string{}
	if seen["code"] {
		out = append(out, "code")
		delete(seen, "code")
	}
	out = append(out, slices.Sorted(maps.Keys(seen))...)
	if len(out) == 0 && rel.Op == OpUpdate {
		// The fingerprint moved for a setting the synth does not show
		// (an unknown ARN, a secret in the environment).
		out = []string{"fingerprint"}
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// hookName names a hook by the kumo function behind its alias ARN
// (arn:aws:lambda:region:account:function:NAME:alias).
func hookName(arn string, physical map[string]string) string {
	parts := strings.Split(arn, ":")
	if len(parts) >= 7 && parts[5] == "function" {
		if n, ok := physical[parts[6]]; ok {
			return n
		}
		return parts[6]
	}
	return arn
}

// builtinShift reads a CodeDeploy Lambda config name's traffic shape.
// https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-lambda
var builtinShift = regexp.MustCompile(`(Canary|Linear)(\d+)Percent(?:Every)?(\d+)Minutes?$`)

// shiftWords says in words how a deployment config moves traffic: from a
// custom config's inputs when the stack has it, else from the name, which
// for kumo's custom configs ("<app>-Canary10Percent5Minutes") ends as the
// built-in names do.
func shiftWords(ix *stackIndex, name string) string {
	if name == "" {
		return "unknown: no deployment config"
	}
	if name == Unknown {
		return "known after deploy"
	}
	if c := ix.configs[name]; c != nil {
		tr := asMap(inputs(c)["trafficRoutingConfig"])
		switch str(tr, "type") {
		case "AllAtOnce":
			return "all at once"
		case "TimeBasedCanary":
			m := asMap(tr["timeBasedCanary"])
			if s, ok := shape("Canary", m["percentage"], m["interval"]); ok {
				return s
			}
		case "TimeBasedLinear":
			m := asMap(tr["timeBasedLinear"])
			if s, ok := shape("Linear", m["percentage"], m["interval"]); ok {
				return s
			}
		}
	}
	if strings.HasSuffix(name, "AllAtOnce") {
		return "all at once"
	}
	if m := builtinShift.FindStringSubmatch(name); m != nil {
		if s, ok := shape(m[1], m[2], m[3]); ok {
			return s
		}
	}
	return "unknown: deployment config " + name + " is not in the stack"
}

func shape(kind string, percent, minutes any) (string, bool) {
	p, err1 := strconv.Atoi(fmtValue(percent))
	n, err2 := strconv.Atoi(fmtValue(minutes))
	if err1 != nil || err2 != nil || p <= 0 || n <= 0 {
		return "", false
	}
	mins := "1 minute"
	if n != 1 {
		mins = fmt.Sprintf("%d minutes", n)
	}
	if kind == "Canary" {
		return fmt.Sprintf("%d%% for %s, then 100%%", p, mins), true
	}
	every := "every minute"
	if n != 1 {
		every = fmt.Sprintf("every %d minutes", n)
	}
	steps := (100 + p - 1) / p
	return fmt.Sprintf("+%d%% %s (%d steps)", p, every, steps), true
}
