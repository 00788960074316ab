package cost

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Resource is one resource to price: what a synth result and a `kumo synth
// --json` document both hold. Region is where the resource deploys: its
// own region in the document, else the document's (stack's) region.
type Resource struct {
	URN, Type, Name, Parent, Region string
	// Component is true for a component resource (custom: false in the
	// synth contract): it costs nothing itself and only groups. kumo's own
	// component types (kumo:constructs:*, kumo:patterns:*, kumo:cicd:*)
	// are known without it; a program's own component left unmarked is
	// reported as a type kumo cannot price, never priced silently.
	Component bool
	Inputs    map[string]any
}

// isComponent says whether r groups resources rather than being one.
func (r *Resource) isComponent() bool {
	if r.Component {
		return true
	}
	for _, p := range []string{"kumo:constructs:", "kumo:patterns:", "kumo:cicd:"} {
		if strings.HasPrefix(r.Type, p) {
			return true
		}
	}
	return false
}

// node is a resource in the estimate's graph.
type node struct {
	Resource
	// pattern is the nearest kumo:patterns:* ancestor; nil outside any.
	pattern *node
}

// graph indexes the resources of one estimate.
type graph struct {
	nodes  []*node
	byURN  map[string]*node
	byType map[string][]*node
}

const patternTypePrefix = "kumo:patterns:"

func newGraph(rs []Resource) (*graph, error) {
	g := &graph{byURN: map[string]*node{}, byType: map[string][]*node{}}
	for _, r := range rs {
		if r.URN == "" || r.Type == "" {
			return nil, fmt.Errorf("resource %q of type %q: a resource needs a URN and a type", r.Name, r.Type)
		}
		if _, dup := g.byURN[r.URN]; dup {
			return nil, fmt.Errorf("resource %s appears twice", r.URN)
		}
		n := &node{Resource: r}
		g.nodes = append(g.nodes, n)
		g.byURN[r.URN] = n
	}
	sort.Slice(g.nodes, func(i, j int) bool { return g.nodes[i].URN < g.nodes[j].URN })
	for _, n := range g.nodes {
		g.byType[n.Type] = append(g.byType[n.Type], n)
		seen := map[string]bool{}
		for p := g.byURN[n.Parent]; p != nil && !seen[p.URN]; p = g.byURN[p.Parent] {
			seen[p.URN] = true
			if strings.HasPrefix(p.Type, patternTypePrefix) {
				n.pattern = p
				break
			}
		}
	}
	return g, nil
}

// section is the usage file section that applies to n: its pattern's, or
// defaults outside a pattern.
func (n *node) section() string {
	if n.pattern == nil {
		return SectionDefaults
	}
	return patternSection(n.pattern.Type)
}

// patternSection maps a pattern's component type to its usage section.
func patternSection(typ string) string {
	switch strings.TrimPrefix(typ, patternTypePrefix) {
	case "WebApp", "WebAppRegion":
		return SectionWebApp
	case "DataLake":
		return SectionDataLake
	case "StreamProcessing":
		return SectionStreams
	case "OperationsAutomation":
		return SectionOps
	case "Pipeline":
		return SectionPipeline
	}
	return SectionDefaults
}

// patternName is the name a report groups n under.
func (n *node) patternName() string {
	if n.pattern == nil {
		return StackPattern
	}
	return n.pattern.Name
}

// StackPattern groups the resources outside any pattern.
const StackPattern = "stack"

// nameKeys are the inputs that set a resource's physical name, by type;
// without one the provider autonames it from the resource name.
var nameKeys = map[string][]string{
	typeFunction:     {"name"},
	typeQueue:        {"name", "namePrefix"},
	typeTopic:        {"name", "namePrefix"},
	typeBucket:       {"bucket", "bucketPrefix"},
	typeTable:        {"name"},
	typeStream:       {"name"},
	typeFirehose:     {"name"},
	typeStateMachine: {"name", "namePrefix"},
	typeEventRule:    {"name", "namePrefix"},
	typeLogGroup:     {"name", "namePrefix"},
	typeRole:         {"name", "namePrefix"},
	typeRestAPI:      {"name"},
	typeCrawler:      {"name"},
	typeUserPool:     {"name"},
}

// autonameSuffix is what pulumi-aws appends to a resource's name when it
// autonames it: "-" and 7 random characters (synth's mocks do the same).
var autonameSuffix = regexp.MustCompile(`-[A-Za-z0-9]{7}$`)

// byPhysical finds the resource of type typ whose physical name is name:
// the one whose name input equals it, whose namePrefix starts it, or, for
// an autonamed resource, whose resource name is name less the autonaming
// suffix. nil when none or more than one match.
func (g *graph) byPhysical(typ, name string) *node {
	if name == "" {
		return nil
	}
	var found *node
	count := 0
	stem := autonameSuffix.ReplaceAllString(name, "")
	for _, n := range g.byType[typ] {
		match := false
		explicit := false
		for _, k := range nameKeys[typ] {
			v, _ := n.Inputs[k].(string)
			if v == "" {
				continue
			}
			explicit = true
			if (strings.HasSuffix(k, "Prefix") && strings.HasPrefix(name, v)) || (!strings.HasSuffix(k, "Prefix") && v == name) {
				match = true
			}
		}
		if !explicit && (n.Name == stem || n.Name == name) {
			match = true
		}
		if match {
			found = n
			count++
		}
	}
	if count != 1 {
		return nil
	}
	return found
}

// arnName returns the name of the resource an ARN points at, and its
// service: arn:aws:lambda:r:a:function:NAME[:qualifier],
// arn:aws:sqs:r:a:NAME, arn:aws:s3:::NAME[/KEY], arn:aws:dynamodb:…:table/NAME[/…],
// arn:aws:kinesis:…:stream/NAME, arn:aws:states:…:stateMachine:NAME,
// arn:aws:logs:…:log-group:NAME[:*].
func arnName(arn string) (service, name string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return "", ""
	}
	service, rest := parts[2], parts[5]
	switch service {
	case "lambda":
		f := strings.Split(rest, ":")
		if len(f) >= 2 && f[0] == "function" {
			return service, f[1]
		}
	case "sqs", "sns":
		return service, rest
	case "s3":
		// A policy names objects as arn:aws:s3:::BUCKET/KEY-PATTERN
		// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html):
		// the bucket is everything before the first "/".
		name, _, _ := strings.Cut(rest, "/")
		return service, name
	case "dynamodb", "kinesis", "firehose":
		_, after, ok := strings.Cut(rest, "/")
		if ok {
			name, _, _ := strings.Cut(after, "/")
			return service, name
		}
	case "states":
		f := strings.Split(rest, ":")
		if len(f) >= 2 && f[0] == "stateMachine" {
			return service, f[1]
		}
	case "logs":
		f := strings.Split(rest, ":")
		if len(f) >= 2 && f[0] == "log-group" {
			return service, f[1]
		}
	case "iam":
		_, after, ok := strings.Cut(rest, "/")
		if ok {
			return service, after[strings.LastIndex(after, "/")+1:]
		}
	}
	return service, ""
}

// serviceTypes maps an ARN's service to the resource type it names.
var serviceTypes = map[string]string{
	"lambda": typeFunction, "sqs": typeQueue, "sns": typeTopic, "s3": typeBucket, "dynamodb": typeTable,
	"kinesis": typeStream, "firehose": typeFirehose, "states": typeStateMachine, "logs": typeLogGroup, "iam": typeRole,
}

// byARN finds the resource an ARN names.
func (g *graph) byARN(arn string) *node {
	service, name := arnName(arn)
	typ, ok := serviceTypes[service]
	if !ok {
		return nil
	}
	if typ == typeLogGroup {
		return g.logGroup(name)
	}
	return g.byPhysical(typ, name)
}

// logGroup finds a log group by its name: an explicit name, or the
// namePrefix it was created with.
func (g *graph) logGroup(name string) *node {
	var found *node
	count := 0
	for _, n := range g.byType[typeLogGroup] {
		if v := str(n.Inputs, "name"); v != "" && v == name {
			found, count = n, count+1
		} else if p := str(n.Inputs, "namePrefix"); p != "" && strings.HasPrefix(name, p) {
			found, count = n, count+1
		}
	}
	if count != 1 {
		return nil
	}
	return found
}

// functionLogGroup is the log group a function writes to: its
// loggingConfig.logGroup, else /aws/lambda/<its name>.
func (g *graph) functionLogGroup(fn *node) *node {
	if lg := str(obj(fn.Inputs, "loggingConfig"), "logGroup"); lg != "" {
		if n := g.logGroup(lg); n != nil {
			return n
		}
	}
	for _, n := range g.byType[typeLogGroup] {
		if p := str(n.Inputs, "namePrefix"); p == "/aws/lambda/"+fn.Name+"-" {
			return n
		}
		if v := str(n.Inputs, "name"); v != "" && v == "/aws/lambda/"+str(fn.Inputs, "name") {
			return n
		}
	}
	return nil
}

// Typed accessors for the rendered inputs: values the program set as
// numbers may be int64, float64 or json.Number (a parsed document).

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func obj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

func list(m map[string]any, k string) []any {
	l, _ := m[k].([]any)
	return l
}

func boolean(m map[string]any, k string) bool {
	b, _ := m[k].(bool)
	return b
}

// numberIn returns a numeric input exactly, and whether it is one.
func numberIn(m map[string]any, k string) (*big.Rat, bool) {
	var s string
	switch v := m[k].(type) {
	case int64:
		return ratInt(v), true
	case int:
		return ratInt(int64(v)), true
	case float64:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		s = v.String()
	case string:
		// Pulumi passes some numbers as strings (a stage's cache size).
		s = v
	default:
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// intIn returns a whole-number input, or def.
func intIn(m map[string]any, k string, def int64) int64 {
	v, ok := numberIn(m, k)
	if !ok || !v.IsInt() {
		return def
	}
	return v.Num().Int64()
}
