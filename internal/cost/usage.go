package cost

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Knob is one number of the usage profile: the traffic a stack is priced
// at. Every knob has a documented default and says where it comes from; the
// README's defaults table is generated from Knobs and checked against it.
type Knob struct {
	// Section is the usage file's top-level key: a pattern's config
	// section (webapp, datalake, streamprocessing, opsautomation,
	// pipeline) or defaults, which applies everywhere a pattern's own
	// section does not.
	Section, Key string
	// Default is the value without a usage file, an exact decimal or a
	// fraction ("1/6"); "" means derived from the stack (DefaultText says
	// how).
	Default, DefaultText string
	Unit                 string
	// Doc says what the number is; Source where the default comes from.
	Doc, Source string
	// Max bounds the value (shares: 1); "" for none.
	Max string
}

// Name is the knob's key in the usage file, section.key.
func (k Knob) Name() string { return k.Section + "." + k.Key }

// Usage file sections.
const (
	SectionDefaults  = "defaults"
	SectionWebApp    = "webapp"
	SectionDataLake  = "datalake"
	SectionStreams   = "streamprocessing"
	SectionOps       = "opsautomation"
	SectionPipeline  = "pipeline"
	SectionFunctions = "functions"
	// routesKey is webapp's map of route shares.
	routesKey = "routes"
)

// kumoAssumption is the source of a default no published figure backs: a
// round number for a small production workload, to be replaced by the
// stack's own measurement.
const kumoAssumption = "kumo's assumption for a small production workload; measure yours"

// Knobs are every number of the usage profile with its default, in the
// order the README documents them.
var Knobs = []Knob{
	{SectionDefaults, "avgDurationMs", "100", "", "ms", "Average duration of a Lambda invocation, for functions outside a pattern with a duration of its own.", kumoAssumption + " (CloudWatch metric Duration, average).", ""},
	{SectionDefaults, "logKBPerInvocation", "1", "", "KB", "CloudWatch Logs written per Lambda invocation.", "Lambda writes START, END and REPORT lines (about 0.3 KB) per invocation (Lambda developer guide, \"Lambda function logs\"); the rest is kumo's assumption for a JSON line or two of the handler's own.", ""},
	{SectionDefaults, "itemKB", "1", "", "KB", "Size of a DynamoDB item a function reads or writes, outside the web app (whose payloadKB applies).", "1 KB is one write request unit (DynamoDB developer guide, \"Read/write capacity mode\"): the smallest item that costs a whole unit.", ""},
	{SectionDefaults, "storageHorizonMonths", "12", "", "months", "Data that never expires (an S3 bucket without an expiration rule, a log group without retention) is priced as it stands after this many months of steady ingest.", "kumo's choice: a year is the horizon of a budget; set it to the age of the stack.", ""},

	{SectionWebApp, "apiRequestsPerMonth", "1000000", "", "requests", "API Gateway requests a month, shared among the API's routes (see routes).", kumoAssumption + " (about 0.4 requests a second; API Gateway metric Count).", ""},
	{SectionWebApp, routesKey, "", "an equal share for each route other than OPTIONS (CORS preflights get none)", "share", "Share of apiRequestsPerMonth per route, by \"METHOD /path\" (e.g. \"GET /items\": 0.5); routes not named share what is left equally. Lambda authorizers are invoked for every request to a route they guard (no result caching assumed).", "kumo's choice: without a measurement, no route is assumed busier than another.", "1"},
	{SectionWebApp, "avgDurationMs", "100", "", "ms", "Average duration of the web app's functions (API handlers, authorizers).", kumoAssumption + " for a handler doing one DynamoDB call (CloudWatch metric Duration).", ""},
	{SectionWebApp, "payloadKB", "1", "", "KB", "Average item read or written by a request; a GET reads one item (eventually consistent), POST/PUT/PATCH/DELETE write one.", "1 KB is one write request unit and a quarter of a read request unit (DynamoDB developer guide).", ""},
	{SectionWebApp, "itemsStoredGB", "1", "", "GB", "Data in the web app's table (point-in-time recovery is billed on the same size).", kumoAssumption + ".", ""},
	{SectionWebApp, "accessLogKBPerRequest", "1", "", "KB", "API Gateway access log written per request.", "kumo's Api logs one JSON line of about 20 $context fields per request (constructs/api.go): about 1 KB.", ""},
	{SectionWebApp, "siteRequestsPerMonth", "1000000", "", "requests", "HTTPS requests to the static site's CloudFront distribution.", kumoAssumption + " (CloudFront metric Requests).", ""},
	{SectionWebApp, "siteDataOutGB", "10", "", "GB", "Data the distribution sends to viewers a month.", kumoAssumption + " (about 10 KB a request at the default request count; CloudFront metric BytesDownloaded).", ""},
	{SectionWebApp, "monthlyActiveUsers", "1000", "", "MAU", "Users who sign in to the user pool in a month.", kumoAssumption + " (Cognito's billing dimension, monthly active users).", ""},

	{SectionDataLake, "gbIngestedPerDay", "1", "", "GB", "Data sent to the lake's Firehose delivery stream a day.", kumoAssumption + ".", ""},
	{SectionDataLake, "avgRecordKB", "1", "", "KB", "Average record sent to Firehose; Firehose bills each record rounded up to 5 KB.", kumoAssumption + "; the 5 KB rounding is the Firehose pricing page's.", ""},
	{SectionDataLake, "objectsPerDay", "", "one object per buffering interval of the delivery stream (86,400 s ÷ bufferingInterval), or per bufferingSize of data when that fills first", "objects", "Objects Firehose writes to the raw zone a day; each triggers the catalog function and one catalog item.", "Firehose flushes its buffer when either bufferingSize or bufferingInterval is reached (Firehose developer guide, \"Buffering hints\").", ""},
	{SectionDataLake, "queriesPerDay", "10", "", "queries", "Athena queries a day in the lake's workgroup.", kumoAssumption + ".", ""},
	{SectionDataLake, "tbScannedPerQuery", "0.001", "", "TB", "Data an Athena query scans; Athena bills at least 10 MB a query.", kumoAssumption + " (1 GB); the 10 MB minimum is the Athena pricing page's.", ""},
	{SectionDataLake, "crawlerRunsPerMonth", "", "from the crawler's schedule expression (cron(0 2 * * ? *): 30.4 runs a month)", "runs", "Runs of the Glue crawler a month.", "Derived with internal/schedexpr over AWS's 730-hour month.", ""},
	{SectionDataLake, "crawlerDPUHoursPerRun", "1/6", "", "DPU-hours", "DPU-hours a crawl uses: 1/6 is one DPU for the 10-minute minimum a crawler run is billed.", "The AWS Glue pricing page: crawlers are billed per second with a 10-minute minimum per run; one DPU is kumo's assumption for a small zone.", ""},
	{SectionDataLake, "avgDurationMs", "500", "", "ms", "Average duration of the lake's functions (catalog, indexer, MapReduce).", kumoAssumption + ".", ""},

	{SectionStreams, "recordsPerSecond", "10", "", "records/s", "Sensor readings a second into the IoT rule and the readings stream.", kumoAssumption + ".", ""},
	{SectionStreams, "avgRecordKB", "1", "", "KB", "Average reading; Kinesis bills PUT payload units of 25 KB, Firehose 5 KB per record.", kumoAssumption + "; the rounding is the Kinesis and Firehose pricing pages'.", ""},
	{SectionStreams, "filesPerDay", "100", "", "files", "Files uploaded to the uploads bucket a day, each fanned out to the resize, convert and archive functions.", kumoAssumption + ".", ""},
	{SectionStreams, "avgFileKB", "500", "", "KB", "Average uploaded file (and each converted copy).", kumoAssumption + ".", ""},
	{SectionStreams, "avgDurationMs", "200", "", "ms", "Average duration of the stream functions.", kumoAssumption + ".", ""},

	{SectionOps, "imagesPerDay", "50", "", "images", "Images uploaded to the uploads bucket a day, each run through the image workflow.", kumoAssumption + ".", ""},
	{SectionOps, "avgImageKB", "500", "", "KB", "Average image (and its thumbnail's upper bound).", kumoAssumption + ".", ""},
	{SectionOps, "securityGroupChangesPerDay", "5", "", "events", "Security group ingress changes a day that reach the remediation function.", kumoAssumption + ".", ""},
	{SectionOps, "avgDurationMs", "500", "", "ms", "Average duration of the operations functions.", kumoAssumption + ".", ""},

	{SectionPipeline, "runsPerMonth", "40", "", "runs", "Pipeline executions a month (pushes to the branch).", kumoAssumption + " (two a working day).", ""},
	{SectionPipeline, "pullRequestsPerMonth", "40", "", "builds", "Pull request builds a month (the PR project).", kumoAssumption + ".", ""},
	{SectionPipeline, "buildMinutesPerRun", "5", "", "minutes", "Minutes each CodeBuild project runs per execution; also the action minutes of a build action.", kumoAssumption + " (CodeBuild bills whole minutes).", ""},
}

// FunctionKeys are the per-function overrides under functions.<name>.
var FunctionKeys = []Knob{
	{SectionFunctions, "invocationsPerMonth", "", "derived from what invokes the function", "invocations", "Invocations a month; replaces what kumo derives from the function's event sources.", "", ""},
	{SectionFunctions, "avgDurationMs", "", "the pattern's avgDurationMs", "ms", "Average duration of one invocation.", "", ""},
	{SectionFunctions, "logKBPerInvocation", "", "defaults.logKBPerInvocation", "KB", "CloudWatch Logs written per invocation.", "", ""},
}

// sections are the usage file's top-level keys, in order.
var sections = []string{SectionDefaults, SectionWebApp, SectionDataLake, SectionStreams, SectionOps, SectionPipeline, SectionFunctions}

// Usage is a usage profile: the defaults, with what a usage file sets.
type Usage struct {
	// File is the usage file read, "" for the defaults alone.
	File string
	// set holds the file's values by knob name.
	set map[string]value
	// routes and functions are the file's maps.
	routes    map[string]value
	functions map[string]map[string]value
	// functionLines and routeLines are the lines of the functions' names
	// and of the routes, a bad value's too: a name must exist whatever its
	// value.
	functionLines, routeLines map[string]int
	// problems are what ParseUsage refused: Estimate reports them with
	// the names the stack lacks, every problem at once.
	problems []UsageProblem
}

type value struct {
	r    *big.Rat
	line int
}

// UsageProblem is one thing wrong in a usage file.
type UsageProblem struct {
	Line int
	// Key is the knob's path (webapp.apiRequestsPerMonth); Value what the
	// file says; Allowed what it may say.
	Key, Value, Allowed string
}

// UsageError is a usage file kumo refuses, with every problem in it; the
// CLI reports it as bad input.
type UsageError struct {
	File     string
	Problems []UsageProblem
}

func (e *UsageError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage file %s: ", e.File)
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, "line %d: ", p.Line)
		}
		fmt.Fprintf(&b, "%s", p.Key)
		if p.Value != "" {
			fmt.Fprintf(&b, " = %s", p.Value)
		}
		fmt.Fprintf(&b, ": %s", p.Allowed)
	}
	return b.String()
}

// DefaultUsage is the usage profile without a usage file.
func DefaultUsage() *Usage {
	return &Usage{set: map[string]value{}, routes: map[string]value{}, functions: map[string]map[string]value{}, functionLines: map[string]int{}, routeLines: map[string]int{}}
}

// UsageFile is the usage file of a stack: Pulumi.<stack>.usage.yaml next
// to its stack file.
func UsageFile(root, stack string) string {
	return filepath.Join(root, "Pulumi."+stack+".usage.yaml")
}

// LoadUsage reads the usage file at path. A missing file is an error
// wrapping fs.ErrNotExist.
func LoadUsage(path string) (*Usage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("usage file: %w", err)
	}
	return ParseUsage(path, b)
}

// LoadStackUsage reads the stack's usage file when it exists, and returns
// the defaults when it does not.
func LoadStackUsage(root, stack string) (*Usage, error) {
	u, err := LoadUsage(UsageFile(root, stack))
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultUsage(), nil
	}
	return u, err
}

// ParseUsage reads a usage profile. Every key must be a known knob, set
// once, and every value a number in its range: anything else is refused,
// with every problem, as a *UsageError naming the file, the key, the value
// and what is allowed. A refused file that is a YAML mapping still returns
// its usable part with the error: Estimate, given it, checks the names the
// file uses against the stack and reports those problems together with
// these (a caller that cannot get that far reports the error alone).
func ParseUsage(name string, data []byte) (*Usage, error) {
	u := DefaultUsage()
	u.File = name
	var probs []UsageProblem
	bad := func(line int, key, val, allowed string) {
		probs = append(probs, UsageProblem{Line: line, Key: key, Value: val, Allowed: allowed})
	}
	notYAML := func(err error) error {
		return &UsageError{File: name, Problems: []UsageProblem{{Key: "(file)", Allowed: "not YAML: " + err.Error()}}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return u, nil // an empty file sets nothing
	} else if err != nil {
		return nil, notYAML(err)
	}
	// yaml.v3 decodes one document a call: a second one would be ignored
	// silently, and its numbers never priced.
	var extra yaml.Node
	if err := dec.Decode(&extra); err != nil && !errors.Is(err, io.EOF) {
		return nil, notYAML(err)
	} else if err == nil && !emptyDocument(&extra) {
		bad(extra.Line, "(file)", "", "a second YAML document (after ---): a usage file is one document")
	}
	if emptyDocument(&doc) {
		if len(probs) > 0 {
			return nil, &UsageError{File: name, Problems: probs}
		}
		return u, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		bad(top.Line, "(file)", shown(top), "a mapping of sections: "+strings.Join(sections, ", "))
		return nil, &UsageError{File: name, Problems: probs}
	}
	duplicates(top, "", bad)
	forEach(top, func(k, v *yaml.Node) {
		section := k.Value
		switch {
		case !slices.Contains(sections, section):
			bad(k.Line, section, "", "unknown section; allowed: "+strings.Join(sections, ", "))
		case v.Kind != yaml.MappingNode:
			bad(v.Line, section, shown(v), "a mapping of keys")
		case section == SectionFunctions:
			u.parseFunctions(v, bad)
		default:
			u.parseSection(section, v, bad)
		}
	})
	if len(probs) > 0 {
		sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
		u.problems = probs
		return u, &UsageError{File: name, Problems: probs}
	}
	return u, nil
}

// emptyDocument says whether a decoded document holds nothing (an empty
// file, or "---" alone).
func emptyDocument(d *yaml.Node) bool {
	return len(d.Content) == 0 || (d.Content[0].Kind == yaml.ScalarNode && d.Content[0].Tag == "!!null")
}

// duplicates reports every key a mapping repeats, at any depth: decoding
// into a yaml.Node keeps both (only decoding into a Go map or struct
// refuses them), and the estimate would read one and drop the other
// without a word.
func duplicates(m *yaml.Node, path string, bad func(int, string, string, string)) {
	first := map[string]int{}
	forEach(m, func(k, v *yaml.Node) {
		key := k.Value
		if path != "" {
			key = path + "." + k.Value
		}
		if line, dup := first[k.Value]; dup {
			bad(k.Line, key, "", fmt.Sprintf("set twice (first on line %d): a key may appear once", line))
		} else {
			first[k.Value] = k.Line
		}
		if v.Kind == yaml.MappingNode {
			duplicates(v, key, bad)
		}
	})
}

func (u *Usage) parseSection(section string, m *yaml.Node, bad func(int, string, string, string)) {
	var keys []string
	for _, k := range Knobs {
		if k.Section == section {
			keys = append(keys, k.Key)
		}
	}
	forEach(m, func(k, v *yaml.Node) {
		name := section + "." + k.Value
		knob, ok := knobByName(name)
		switch {
		case !ok:
			bad(k.Line, name, "", "unknown key; allowed in "+section+": "+strings.Join(keys, ", "))
		case knob.Key == routesKey:
			u.parseRoutes(name, v, bad)
		default:
			if r, ok := number(knob, name, v, bad); ok {
				u.set[name] = value{r: r, line: v.Line}
			}
		}
	})
}

// parseRoutes reads webapp.routes: "METHOD /path": share, the shares
// adding up to at most 1.
func (u *Usage) parseRoutes(name string, m *yaml.Node, bad func(int, string, string, string)) {
	if m.Kind != yaml.MappingNode {
		bad(m.Line, name, shown(m), "a mapping of \"METHOD /path\": share")
		return
	}
	knob, _ := knobByName(name)
	sum := new(big.Rat)
	forEach(m, func(k, v *yaml.Node) {
		key := name + "." + k.Value
		method, path, ok := strings.Cut(k.Value, " ")
		if !ok || method == "" || method != strings.ToUpper(method) || !strings.HasPrefix(path, "/") {
			bad(k.Line, key, "", "a route is \"METHOD /path\" as the API declares it, e.g. \"GET /items/{id}\"")
			return
		}
		u.routeLines[k.Value] = k.Line
		if r, ok := number(knob, key, v, bad); ok {
			u.routes[k.Value] = value{r: r, line: v.Line}
			sum.Add(sum, r)
		}
	})
	if sum.Cmp(big.NewRat(1, 1)) > 0 {
		bad(m.Line, name, qty(sum), "the route shares add up to more than 1")
	}
}

func (u *Usage) parseFunctions(m *yaml.Node, bad func(int, string, string, string)) {
	var keys []string
	for _, k := range FunctionKeys {
		keys = append(keys, k.Key)
	}
	forEach(m, func(fk, fv *yaml.Node) {
		fname := SectionFunctions + "." + fk.Value
		if fv.Kind != yaml.MappingNode {
			bad(fv.Line, fname, shown(fv), "a mapping of "+strings.Join(keys, ", "))
			return
		}
		vals := map[string]value{}
		forEach(fv, func(k, v *yaml.Node) {
			name := fname + "." + k.Value
			i := slices.IndexFunc(FunctionKeys, func(kn Knob) bool { return kn.Key == k.Value })
			if i < 0 {
				bad(k.Line, name, "", "unknown key; allowed for a function: "+strings.Join(keys, ", "))
				return
			}
			if r, ok := number(FunctionKeys[i], name, v, bad); ok {
				vals[k.Value] = value{r: r, line: v.Line}
			}
		})
		u.functions[fk.Value] = vals
		u.functionLines[fk.Value] = fk.Line
	})
}

// number reads a knob's value: a plain number, not negative, at most the
// knob's Max.
func number(k Knob, name string, v *yaml.Node, bad func(int, string, string, string)) (*big.Rat, bool) {
	allowed := "a number ≥ 0"
	if k.Max != "" {
		allowed = fmt.Sprintf("a number from 0 to %s", k.Max)
	}
	if k.Unit != "" && k.Unit != "share" {
		allowed += " (" + k.Unit + ")"
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!str" && v.Style == 0 && yamlNumber.MatchString(v.Value) {
		// yaml.v3 resolves a plain scalar as a float only when
		// strconv.ParseFloat takes it (resolve.go): 1e400 overflows it and
		// becomes text.
		bad(v.Line, name, v.Value, "too large: YAML reads numbers up to about 1.8e308; "+allowed)
		return nil, false
	}
	if v.Kind != yaml.ScalarNode || (v.Tag != "!!int" && v.Tag != "!!float") {
		bad(v.Line, name, shown(v), allowed)
		return nil, false
	}
	r, ok := new(big.Rat).SetString(strings.ReplaceAll(v.Value, "_", ""))
	if !ok {
		// .inf, .nan and the like are YAML floats but no quantity.
		bad(v.Line, name, shown(v), allowed)
		return nil, false
	}
	if r.Sign() < 0 || (k.Max != "" && r.Cmp(dec(k.Max)) > 0) {
		bad(v.Line, name, shown(v), allowed)
		return nil, false
	}
	return r, true
}

// forEach calls f for each key and value of a mapping node (ParseUsage
// refuses a duplicate key: see duplicates).
func forEach(m *yaml.Node, f func(k, v *yaml.Node)) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		f(m.Content[i], m.Content[i+1])
	}
}

// yamlNumber is a plain decimal number, as YAML 1.2's core schema writes
// floats.
var yamlNumber = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$`)

// shown is a node as the user wrote it, for messages.
func shown(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!str" {
			return fmt.Sprintf("%q", n.Value)
		}
		return n.Value
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "(empty)"
}

func knobByName(name string) (Knob, bool) {
	for _, k := range Knobs {
		if k.Name() == name {
			return k, true
		}
	}
	return Knob{}, false
}

// Origin says where a number of the estimate came from.
type Origin string

const (
	// FromDefault is a knob's documented default.
	FromDefault Origin = "default"
	// FromFile is a value the usage file sets.
	FromFile Origin = "file"
	// Derived is computed from the stack's resources (a schedule's runs,
	// a route's equal share).
	Derived Origin = "derived"
)

// knob returns the value of section.key and where it came from; a knob
// without a default must be asked for only when the file sets it.
func (u *Usage) knob(section, key string) (*big.Rat, Origin) {
	name := section + "." + key
	if v, ok := u.set[name]; ok {
		return v.r, FromFile
	}
	k, ok := knobByName(name)
	if !ok || k.Default == "" {
		panic("cost: no default for " + name)
	}
	return dec(k.Default), FromDefault
}

// has says whether the file sets section.key.
func (u *Usage) has(section, key string) bool {
	_, ok := u.set[section+"."+key]
	return ok
}

// function returns a function's override of key, if the file sets one.
func (u *Usage) function(name, key string) (*big.Rat, bool) {
	v, ok := u.functions[name][key]
	return v.r, ok
}

// routeShare returns the file's share of a route, if it sets one.
func (u *Usage) routeShare(route string) (*big.Rat, bool) {
	v, ok := u.routes[route]
	return v.r, ok
}

// checkNames refuses function overrides and route shares that name nothing
// in the stack: a typo would otherwise be priced silently at the default.
func (u *Usage) checkNames(functions, routes []string) error {
	probs := slices.Clone(u.problems)
	for _, name := range sortedKeys(u.functions) {
		if !slices.Contains(functions, name) {
			probs = append(probs, UsageProblem{Line: u.functionLines[name], Key: SectionFunctions + "." + name,
				Allowed: "no Lambda function of the stack has this name; functions: " + listOrNone(functions)})
		}
	}
	for _, route := range sortedKeys(u.routeLines) {
		if !slices.Contains(routes, route) {
			probs = append(probs, UsageProblem{Line: u.routeLines[route], Key: SectionWebApp + "." + routesKey + "." + route,
				Allowed: "no web app API of the stack has this route; routes: " + listOrNone(routes)})
		}
	}
	if len(probs) == 0 {
		return nil
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].Line < probs[j].Line })
	return &UsageError{File: u.File, Problems: probs}
}

// refused is the error of a usage file ParseUsage refused, nil for one it
// took: what Estimate reports when it cannot get as far as the names.
func (u *Usage) refused() error {
	if len(u.problems) == 0 {
		return nil
	}
	return &UsageError{File: u.File, Problems: u.problems}
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
