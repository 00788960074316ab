package cost

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"

	"github.com/kumo-iac/kumo/internal/schedexpr"
)

// Activity a resource sees in a month, by metric.
const (
	mInvocations = "invocations" // Lambda function
	mRecords     = "records"     // records a function, stream, delivery stream or IoT rule handles
	mRequests    = "requests"    // API Gateway API or route, CloudFront distribution
	mMessages    = "messages"    // SQS messages sent, SNS messages published
	mObjects     = "objects"     // S3 objects written (PUT)
	mGB          = "gb"          // GB written to a bucket or delivery stream
	mGets        = "gets"        // S3 GET requests
	mReads       = "reads"       // DynamoDB reads (items)
	mWrites      = "writes"      // DynamoDB writes (items)
	mExecutions  = "executions"  // Step Functions executions
	mEvents      = "events"      // EventBridge rule matches
	mIngestKB    = "ingestKB"    // KB written to a log group
	mQueries     = "queries"     // Athena queries
	mRuns        = "runs"        // crawler runs, builds
	mMAU         = "mau"         // Cognito monthly active users
	mDataOutGB   = "dataOutGB"   // CloudFront data out
	mDataEvents  = "dataEvents"  // CloudTrail data events
)

var (
	hoursPerMonth   = ratInt(schedexpr.HoursPerMonth)
	daysPerMonth    = big.NewRat(schedexpr.HoursPerMonth, 24)
	secondsPerMonth = ratInt(schedexpr.HoursPerMonth * 3600)
	kbPerGB         = ratInt(1 << 20)
	zero            = new(big.Rat)
	one             = big.NewRat(1, 1)
)

// term is one contribution to a metric, with where it comes from.
type term struct {
	amount *big.Rat
	why    string
}

type metric struct {
	total *big.Rat
	terms []term
}

// state is the activity of every resource.
type state map[*node]map[string]*metric

func (s state) add(n *node, m string, amount *big.Rat, why string) {
	if n == nil || amount == nil || amount.Sign() == 0 {
		return
	}
	ms := s[n]
	if ms == nil {
		ms = map[string]*metric{}
		s[n] = ms
	}
	mt := ms[m]
	if mt == nil {
		mt = &metric{total: new(big.Rat)}
		ms[m] = mt
	}
	mt.total = add(mt.total, amount)
	mt.terms = append(mt.terms, term{amount: amount, why: why})
}

func (s state) get(n *node, m string) *big.Rat {
	if mt := s[n][m]; mt != nil {
		return mt.total
	}
	return zero
}

// set replaces a metric (an override).
func (s state) set(n *node, m string, amount *big.Rat, why string) {
	if s[n] == nil {
		s[n] = map[string]*metric{}
	}
	s[n][m] = &metric{total: amount, terms: []term{{amount: amount, why: why}}}
}

func (s state) clone() state {
	out := state{}
	for n, ms := range s {
		for m, mt := range ms {
			for _, t := range mt.terms {
				out.add(n, m, t.amount, t.why)
			}
		}
	}
	return out
}

// equal compares totals.
func (s state) equal(o state) bool {
	if len(s) != len(o) {
		return false
	}
	for n, ms := range s {
		if len(ms) != len(o[n]) {
			return false
		}
		for m, mt := range ms {
			if o.get(n, m).Cmp(mt.total) != 0 {
				return false
			}
		}
	}
	return true
}

// explain is a metric's derivation for the report: each contribution and
// its source.
func (s state) explain(n *node, m, unit string) string {
	mt := s[n][m]
	if mt == nil {
		return ""
	}
	var parts []string
	for _, t := range mt.terms {
		parts = append(parts, fmt.Sprintf("%s %s", qty(t.amount), t.why))
	}
	return fmt.Sprintf("%s %s: %s", qty(mt.total), unit, strings.Join(parts, " + "))
}

// flow derives every resource's monthly activity from the usage profile:
// the profile seeds the entry points (API requests, uploads, ingest,
// schedules), and rules carry activity along what the stack wires together
// (an API route to its function, a bucket's notifications, a topic's
// subscriptions, a queue's or stream's event source mapping, a state
// machine's tasks, a function's grants on tables and buckets), until
// nothing changes.
type flow struct {
	g     *graph
	u     *Usage
	rec   *recorder
	seeds state
	rules []func(prev, next state)
	// overrides are functions whose invocations the usage file sets.
	overrides map[*node]*big.Rat
	// functions and routes are the stack's Lambda functions and web app
	// routes, sorted: the names a usage file may use.
	functions, routes []string
	// notes are what the flow could not model, for the report.
	notes []string
}

func (f *flow) note(format string, args ...any) {
	f.notes = append(f.notes, fmt.Sprintf(format, args...))
}

func newFlow(g *graph, u *Usage, rec *recorder) (*flow, error) {
	f := &flow{g: g, u: u, rec: rec, seeds: state{}, overrides: map[*node]*big.Rat{}}
	for _, fn := range g.byType[typeFunction] {
		f.functions = append(f.functions, fn.Name)
	}
	f.webApp()
	f.schedulesAndEvents()
	f.ingest()
	f.dataLake()
	f.uploads()
	f.pipeline()
	f.wiring()
	sort.Strings(f.functions)
	for _, fn := range g.byType[typeFunction] {
		if v, ok := u.function(fn.Name, "invocationsPerMonth"); ok {
			f.overrides[fn] = v
			rec.file(SectionFunctions+"."+fn.Name+".invocationsPerMonth", v, "invocations", "Invocations of "+fn.Name+" a month (replaces what kumo derives).")
		}
	}
	return f, nil
}

// run carries the seeds along the rules until the activity stops changing;
// a stack whose wiring loops (a function feeding its own source) would not
// settle and is refused.
func (f *flow) run() (state, error) {
	prev := f.seeds.clone()
	f.applyOverrides(prev)
	for range 64 {
		next := f.seeds.clone()
		for _, r := range f.rules {
			r(prev, next)
		}
		f.applyOverrides(next)
		if next.equal(prev) {
			return next, nil
		}
		prev = next
	}
	return nil, fmt.Errorf("the stack's event wiring loops (a resource feeds its own source), so its usage does not settle")
}

func (f *flow) applyOverrides(s state) {
	for fn, v := range f.overrides {
		s.set(fn, mInvocations, v, "(functions."+fn.Name+".invocationsPerMonth)")
	}
}

// knob reads a usage number for n's section and records it as an
// assumption.
func (f *flow) knob(section, key string) *big.Rat {
	v, origin := f.u.knob(section, key)
	f.rec.knob(section, key, v, origin)
	return v
}

// perDay turns a daily knob into a monthly amount.
func perMonth(daily *big.Rat) *big.Rat { return mul(daily, daysPerMonth) }

// ---- entry points ----

// webApp seeds each web app API's requests (shared among its routes), the
// site's requests and data out, and the user pool's MAU.
func (f *flow) webApp() {
	g := f.g
	for _, api := range g.byType[typeRestAPI] {
		if api.section() != SectionWebApp {
			continue
		}
		share, why := f.regionShare(api)
		total := mul(f.knob(SectionWebApp, "apiRequestsPerMonth"), share)
		f.seeds.add(api, mRequests, total, "(webapp.apiRequestsPerMonth"+why+")")
		f.routesOf(api, total)
	}
	for _, d := range g.byType[typeDistribution] {
		if d.section() != SectionWebApp {
			continue
		}
		f.seeds.add(d, mRequests, f.knob(SectionWebApp, "siteRequestsPerMonth"), "(webapp.siteRequestsPerMonth)")
		f.seeds.add(d, mDataOutGB, f.knob(SectionWebApp, "siteDataOutGB"), "(webapp.siteDataOutGB)")
	}
	for _, p := range g.byType[typeUserPool] {
		if p.section() != SectionWebApp {
			continue
		}
		f.seeds.add(p, mMAU, f.knob(SectionWebApp, "monthlyActiveUsers"), "(webapp.monthlyActiveUsers)")
	}
}

// regionShare is the share of the web app's traffic an API serves: what
// its region's Route 53 records route to it (failover PRIMARY all,
// SECONDARY none, weighted by weight), or all of it for the web app's own
// API and none for a second region's without records.
func (f *flow) regionShare(api *node) (*big.Rat, string) {
	type rec struct {
		region string
		weight *big.Rat
		kind   string
	}
	var recs []rec
	for _, r := range f.g.byType[typeRecord] {
		if r.pattern == nil || patternSection(r.pattern.Type) != SectionWebApp || len(list(r.Inputs, "aliases")) == 0 {
			continue
		}
		id := str(r.Inputs, "setIdentifier")
		if id == "" {
			continue
		}
		if fo := list(r.Inputs, "failoverRoutingPolicies"); len(fo) > 0 {
			kind := str(asMap(fo[0]), "type")
			w := zero
			if kind == "PRIMARY" {
				w = one
			}
			recs = append(recs, rec{id, w, "failover " + kind})
		} else if wr := list(r.Inputs, "weightedRoutingPolicies"); len(wr) > 0 {
			w, _ := numberIn(asMap(wr[0]), "weight")
			if w == nil {
				w = zero
			}
			recs = append(recs, rec{id, w, "weighted"})
		}
	}
	sum := new(big.Rat)
	for _, r := range recs {
		sum = add(sum, r.weight)
	}
	for _, r := range recs {
		if r.region != api.Region {
			continue
		}
		share := zero
		if sum.Sign() > 0 {
			share = quo(r.weight, sum)
		}
		return share, fmt.Sprintf(" × %s%%: Route 53 %s record for %s", qty(mul(share, ratInt(100))), r.kind, r.region)
	}
	if strings.HasSuffix(api.pattern.Type, ":WebAppRegion") {
		return zero, " × 0%: a second region's API without a Route 53 record serves no traffic"
	}
	return one, ""
}

// routesOf shares an API's requests among its routes (the methods named
// "<api>-<METHOD>-<path>"), as the usage file says or equally.
func (f *flow) routesOf(api *node, total *big.Rat) {
	type route struct {
		key    string
		method *node
	}
	var routes []route
	for _, m := range f.g.byType[typeMethod] {
		hm := str(m.Inputs, "httpMethod")
		path, ok := strings.CutPrefix(m.Name, api.Name+"-"+hm+"-")
		if !ok || !strings.HasPrefix(path, "/") {
			continue
		}
		routes = append(routes, route{hm + " " + path, m})
	}
	sort.Slice(routes, func(i, j int) bool { return routes[i].key < routes[j].key })
	named := new(big.Rat)
	var rest []route
	for _, r := range routes {
		if !slices.Contains(f.routes, r.key) {
			f.routes = append(f.routes, r.key)
		}
		if s, ok := f.u.routeShare(r.key); ok {
			named = add(named, s)
		} else if !strings.HasPrefix(r.key, "OPTIONS ") {
			rest = append(rest, r)
		}
	}
	sort.Strings(f.routes)
	left := maxRat(sub(one, named), zero)
	for _, r := range routes {
		share, ok := f.u.routeShare(r.key)
		origin := FromFile
		switch {
		case ok:
		case strings.HasPrefix(r.key, "OPTIONS "):
			share, origin = zero, Derived
		default:
			share, origin = quo(left, ratInt(int64(len(rest)))), Derived
		}
		f.rec.route(r.key, share, origin, len(rest))
		f.seeds.add(r.method, mRequests, mul(total, share), fmt.Sprintf("(%s%% of %s's requests)", qty(mul(share, ratInt(100))), api.Name))
	}
}

// schedulesAndEvents seeds each EventBridge rule: a schedule's runs from
// its expression; an event pattern's matches from the usage profile where
// one applies (security group changes), none otherwise.
func (f *flow) schedulesAndEvents() {
	for _, r := range f.g.byType[typeEventRule] {
		if str(r.Inputs, "state") == "DISABLED" || disabled(r.Inputs, "isEnabled") {
			continue
		}
		if expr := str(r.Inputs, "scheduleExpression"); expr != "" {
			ticks, err := schedexpr.TicksPerMonth(expr)
			if err != nil {
				f.note("%s: schedule %q: %v; priced as never running", r.Name, expr, err)
				continue
			}
			f.seeds.add(r, mEvents, ticks, "("+expr+")")
			continue
		}
		var pat struct {
			DetailType []string `json:"detail-type"`
		}
		_ = json.Unmarshal([]byte(str(r.Inputs, "eventPattern")), &pat)
		if r.section() == SectionOps && slices.Contains(pat.DetailType, "AWS API Call via CloudTrail") {
			f.seeds.add(r, mEvents, perMonth(f.knob(SectionOps, "securityGroupChangesPerDay")), "(opsautomation.securityGroupChangesPerDay × 30.4 days)")
		}
	}
}

// ingest seeds the stream processing's IoT rule with the readings a
// second.
func (f *flow) ingest() {
	for _, r := range f.g.byType[typeTopicRule] {
		if r.section() != SectionStreams || disabled(r.Inputs, "enabled") {
			continue
		}
		f.seeds.add(r, mRecords, mul(f.knob(SectionStreams, "recordsPerSecond"), secondsPerMonth), "(streamprocessing.recordsPerSecond × 2,628,000 s)")
	}
}

// dataLake seeds the lake's direct-PUT delivery streams, Athena queries and
// crawler runs.
func (f *flow) dataLake() {
	for _, fh := range f.g.byType[typeFirehose] {
		if fh.section() != SectionDataLake || obj(fh.Inputs, "kinesisSourceConfiguration") != nil {
			continue
		}
		gb := perMonth(f.knob(SectionDataLake, "gbIngestedPerDay"))
		f.seeds.add(fh, mGB, gb, "(datalake.gbIngestedPerDay × 30.4 days)")
		f.seeds.add(fh, mRecords, quo(mul(gb, kbPerGB), f.knob(SectionDataLake, "avgRecordKB")), "(GB ingested ÷ datalake.avgRecordKB)")
	}
	for _, w := range f.g.byType[typeWorkgroup] {
		if w.section() != SectionDataLake || str(w.Inputs, "state") == "DISABLED" {
			continue
		}
		f.seeds.add(w, mQueries, perMonth(f.knob(SectionDataLake, "queriesPerDay")), "(datalake.queriesPerDay × 30.4 days)")
	}
	for _, c := range f.g.byType[typeCrawler] {
		switch {
		case c.section() == SectionDataLake && f.u.has(SectionDataLake, "crawlerRunsPerMonth"):
			f.seeds.add(c, mRuns, f.knob(SectionDataLake, "crawlerRunsPerMonth"), "(datalake.crawlerRunsPerMonth)")
		case str(c.Inputs, "schedule") != "":
			expr := str(c.Inputs, "schedule")
			ticks, err := schedexpr.TicksPerMonth(expr)
			if err != nil {
				f.note("%s: schedule %q: %v; priced as never running", c.Name, expr, err)
				continue
			}
			f.rec.derived("datalake.crawlerRunsPerMonth", ticks, "runs", "Runs of crawler "+c.Name+" a month, from its schedule "+expr+".")
			f.seeds.add(c, mRuns, ticks, "("+expr+")")
		}
	}
}

// uploads seeds the buckets people upload to: a bucket in the stream
// processing or operations pattern whose objects trigger something and
// that nothing in the stack writes.
func (f *flow) uploads() {
	written := map[*node]bool{}
	for _, fh := range f.g.byType[typeFirehose] {
		for _, b := range f.firehoseBuckets(fh) {
			written[b] = true
		}
	}
	for _, fn := range f.g.byType[typeFunction] {
		for b, acc := range f.bucketAccess(fn) {
			if acc.write {
				written[b] = true
			}
		}
	}
	for _, nt := range f.g.byType[typeNotification] {
		b := f.g.byPhysical(typeBucket, str(nt.Inputs, "bucket"))
		if b == nil || written[b] {
			continue
		}
		var n, kb *big.Rat
		var why string
		switch b.section() {
		case SectionStreams:
			n, kb = perMonth(f.knob(SectionStreams, "filesPerDay")), f.knob(SectionStreams, "avgFileKB")
			why = "(streamprocessing.filesPerDay × 30.4 days)"
		case SectionOps:
			n, kb = perMonth(f.knob(SectionOps, "imagesPerDay")), f.knob(SectionOps, "avgImageKB")
			why = "(opsautomation.imagesPerDay × 30.4 days)"
		default:
			continue
		}
		f.seeds.add(b, mObjects, n, why)
		f.seeds.add(b, mGB, quo(mul(n, kb), kbPerGB), "(uploads × average KB)")
	}
}

// pipeline seeds the CI/CD builds.
func (f *flow) pipeline() {
	for _, p := range f.g.byType[typeCodeBuild] {
		if p.section() != SectionPipeline {
			continue
		}
		if strings.HasSuffix(p.Name, "-pr") {
			f.seeds.add(p, mRuns, f.knob(SectionPipeline, "pullRequestsPerMonth"), "(pipeline.pullRequestsPerMonth)")
		} else {
			f.seeds.add(p, mRuns, f.knob(SectionPipeline, "runsPerMonth"), "(pipeline.runsPerMonth)")
		}
	}
	for _, p := range f.g.byType[typePipeline] {
		if p.section() == SectionPipeline {
			f.seeds.add(p, mRuns, f.knob(SectionPipeline, "runsPerMonth"), "(pipeline.runsPerMonth)")
		}
	}
}

// ---- rules: activity along the stack's wiring ----

func (f *flow) wiring() {
	g := f.g
	// An API route invokes its integration's function, and its Lambda
	// authorizer when it has one (no result caching assumed: an upper
	// bound when the authorizer caches).
	for _, m := range g.byType[typeMethod] {
		m := m
		var integ *node
		for _, i := range g.byType[typeIntegration] {
			if i.Name == m.Name && i.Parent == m.Parent {
				integ = i
			}
		}
		if integ != nil {
			if fn := f.lambdaOfURI(str(integ.Inputs, "uri")); fn != nil {
				route := strings.Replace(strings.TrimPrefix(m.Name, apiPrefix(m)), "-", " ", 1)
				f.rules = append(f.rules, func(prev, next state) {
					next.add(fn, mInvocations, prev.get(m, mRequests), "from "+route)
				})
				f.tableRoute(m, fn)
			}
		}
		if str(m.Inputs, "authorization") == "CUSTOM" {
			if az := f.authorizerOf(m); az != nil {
				if fn := f.lambdaOfURI(str(az.Inputs, "authorizerUri")); fn != nil {
					f.rules = append(f.rules, func(prev, next state) {
						next.add(fn, mInvocations, prev.get(m, mRequests), "authorizing "+m.Name)
					})
				}
			}
		}
	}
	// EventBridge targets.
	for _, t := range g.byType[typeEventTarget] {
		rule := g.byPhysical(typeEventRule, str(t.Inputs, "rule"))
		target := f.target(str(t.Inputs, "arn"))
		if rule == nil || target == nil {
			continue
		}
		f.deliver(rule, mEvents, target, "from rule "+rule.Name)
	}
	// IoT rule actions.
	for _, r := range g.byType[typeTopicRule] {
		for _, k := range list(r.Inputs, "kineses") {
			if s := g.byPhysical(typeStream, str(asMap(k), "streamName")); s != nil {
				f.carry(r, s, mRecords, mRecords, one, "from IoT rule "+r.Name)
			}
		}
		for _, k := range list(r.Inputs, "firehoses") {
			if s := g.byPhysical(typeFirehose, str(asMap(k), "deliveryStreamName")); s != nil {
				f.carry(r, s, mRecords, mRecords, one, "from IoT rule "+r.Name)
			}
		}
		for _, k := range list(r.Inputs, "lambdas") {
			if fn := f.target(str(asMap(k), "functionArn")); fn != nil {
				f.carry(r, fn, mRecords, mInvocations, one, "from IoT rule "+r.Name)
			}
		}
	}
	// Event source mappings: a stream or queue's records reach the
	// function in batches.
	for _, esm := range g.byType[typeESM] {
		f.eventSource(esm)
	}
	// Delivery streams: a Kinesis source's records, the Lambda processor's
	// batches, and the objects written to the destination bucket.
	for _, fh := range g.byType[typeFirehose] {
		f.delivery(fh)
	}
	// S3 notifications.
	for _, nt := range g.byType[typeNotification] {
		b := g.byPhysical(typeBucket, str(nt.Inputs, "bucket"))
		if b == nil {
			continue
		}
		for _, kind := range []struct{ list, arn string }{{"lambdaFunctions", "lambdaFunctionArn"}, {"topics", "topicArn"}, {"queues", "queueArn"}} {
			for _, e := range list(nt.Inputs, kind.list) {
				em := asMap(e)
				if !createsObjects(list(em, "events")) {
					continue
				}
				if t := f.target(str(em, kind.arn)); t != nil {
					f.deliver(b, mObjects, t, "objects created in "+b.Name)
				}
			}
		}
	}
	// SNS subscriptions: deliveries to queues and functions.
	for _, s := range g.byType[typeSubscription] {
		topic := g.byARN(str(s.Inputs, "topic"))
		if topic == nil {
			continue
		}
		switch str(s.Inputs, "protocol") {
		case "sqs", "lambda":
			if t := f.target(str(s.Inputs, "endpoint")); t != nil {
				f.deliver(topic, mMessages, t, "via topic "+topic.Name)
			}
		}
	}
	// Step Functions: each execution runs the definition's tasks.
	for _, sm := range g.byType[typeStateMachine] {
		f.stateMachine(sm)
	}
	for _, fn := range g.byType[typeFunction] {
		f.function(fn)
	}
	// API access logs.
	for _, st := range g.byType[typeStage] {
		api := g.byPhysicalOrName(typeRestAPI, st.Name)
		lg := g.byARN(str(obj(st.Inputs, "accessLogSettings"), "destinationArn"))
		if api == nil || lg == nil {
			continue
		}
		kb := f.knob(SectionWebApp, "accessLogKBPerRequest")
		f.carry(api, lg, mRequests, mIngestKB, kb, "access log of "+api.Name+" (webapp.accessLogKBPerRequest)")
	}
	// CloudTrail data events: object-level requests on the buckets the
	// trail selects.
	for _, tr := range g.byType[typeTrail] {
		for _, sel := range list(tr.Inputs, "eventSelectors") {
			sm := asMap(sel)
			rw := str(sm, "readWriteType")
			for _, dr := range list(sm, "dataResources") {
				dm := asMap(dr)
				if str(dm, "type") != "AWS::S3::Object" {
					continue
				}
				for _, v := range list(dm, "values") {
					s, _ := v.(string)
					_, name := arnName(strings.TrimSuffix(s, "/"))
					b := g.byPhysical(typeBucket, name)
					if b == nil {
						continue
					}
					if rw != "ReadOnly" {
						f.carry(b, tr, mObjects, mDataEvents, one, "writes to "+b.Name)
					}
					if rw != "WriteOnly" {
						f.carry(b, tr, mGets, mDataEvents, one, "reads of "+b.Name)
					}
				}
			}
		}
	}
}

// apiPrefix is "<api name>-" for a method named "<api>-<METHOD>-<path>".
func apiPrefix(m *node) string {
	hm := str(m.Inputs, "httpMethod")
	if i := strings.Index(m.Name, "-"+hm+"-/"); i >= 0 {
		return m.Name[:i+1]
	}
	return ""
}

// byPhysicalOrName finds a resource by physical or resource name.
func (g *graph) byPhysicalOrName(typ, name string) *node {
	if n := g.byPhysical(typ, name); n != nil {
		return n
	}
	for _, n := range g.byType[typ] {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// carry adds to (to, toMetric) factor × (from, fromMetric).
func (f *flow) carry(from, to *node, fromMetric, toMetric string, factor *big.Rat, why string) {
	f.rules = append(f.rules, func(prev, next state) {
		next.add(to, toMetric, mul(prev.get(from, fromMetric), factor), why)
	})
}

// deliver sends each of from's metric events to a target: a function's
// invocations, a state machine's executions, a topic's or queue's
// messages.
func (f *flow) deliver(from *node, m string, to *node, why string) {
	switch to.Type {
	case typeFunction:
		f.carry(from, to, m, mInvocations, one, why)
	case typeStateMachine:
		f.carry(from, to, m, mExecutions, one, why)
	case typeTopic, typeQueue:
		f.carry(from, to, m, mMessages, one, why)
	}
}

// target resolves an ARN a resource sends to: a function (its alias), a
// state machine, a topic or a queue.
func (f *flow) target(arn string) *node {
	n := f.g.byARN(arn)
	if n == nil {
		return nil
	}
	switch n.Type {
	case typeFunction, typeStateMachine, typeTopic, typeQueue:
		return n
	}
	return nil
}

// lambdaOfURI is the function an API Gateway integration or authorizer
// URI invokes (…/functions/<function ARN>/invocations).
func (f *flow) lambdaOfURI(uri string) *node {
	_, after, ok := strings.Cut(uri, "/functions/")
	if !ok {
		return nil
	}
	arn, _, _ := strings.Cut(after, "/invocations")
	if n := f.g.byARN(arn); n != nil && n.Type == typeFunction {
		return n
	}
	return nil
}

// authorizerOf is the Lambda authorizer of a CUSTOM method: the one
// authorizer of its API (authorizers are named "<api>-…").
func (f *flow) authorizerOf(m *node) *node {
	prefix := apiPrefix(m)
	var found *node
	count := 0
	for _, a := range f.g.byType[typeAuthorizer] {
		if prefix != "" && strings.HasPrefix(a.Name, prefix) && str(a.Inputs, "type") != "COGNITO_USER_POOLS" {
			found, count = a, count+1
		}
	}
	if count != 1 {
		return nil
	}
	return found
}

func createsObjects(events []any) bool {
	for _, e := range events {
		if s, _ := e.(string); strings.HasPrefix(s, "s3:ObjectCreated:") {
			return true
		}
	}
	return false
}

// Lambda polls a Kinesis shard once a second and a DynamoDB stream shard
// four times a second (Lambda developer guide, "Using Lambda with Kinesis
// Data Streams" / "…with DynamoDB"); for SQS it starts with five concurrent
// pollers. Rates per stream are what bound a batch at low traffic.
var pollsPerSecond = map[string]*big.Rat{"kinesis": one, "dynamodb": ratInt(4), "sqs": ratInt(5)}

// eventSource carries a source's records to the mapping's function: each
// record reaches the function, in invocations of one batch each. At low
// rates a poll returns what arrived since the last (or during the
// batching window), so invocations = max(records ÷ batchSize, min(records,
// polls a month)).
func (f *flow) eventSource(esm *node) {
	if disabled(esm.Inputs, "enabled") {
		return
	}
	fn := f.target(str(esm.Inputs, "functionName"))
	if fn == nil || fn.Type != typeFunction {
		return
	}
	srcARN := str(esm.Inputs, "eventSourceArn")
	service, _ := arnName(srcARN)
	src := f.g.byARN(srcARN)
	if src == nil {
		return
	}
	var srcMetric string
	shards := one
	switch src.Type {
	case typeStream:
		srcMetric = mRecords
		if n, ok := numberIn(src.Inputs, "shardCount"); ok && n.Sign() > 0 {
			shards = n
		} else {
			// An on-demand stream starts with 4 shards (Kinesis
			// developer guide, "on-demand mode").
			shards = ratInt(4)
		}
	case typeTable:
		srcMetric = mWrites
	case typeQueue:
		srcMetric = mMessages
	default:
		return
	}
	batch := ratInt(intIn(esm.Inputs, "batchSize", 100))
	window := ratInt(max(1, intIn(esm.Inputs, "maximumBatchingWindowInSeconds", 0)))
	polls := quo(mul(shards, pollsPerSecond[service], secondsPerMonth), window)
	f.rules = append(f.rules, func(prev, next state) {
		records := prev.get(src, srcMetric)
		inv := maxRat(quo(records, batch), minRat(records, polls))
		next.add(fn, mRecords, records, "from "+src.Name)
		next.add(fn, mInvocations, inv, fmt.Sprintf("batches of %s's records (batch size %s)", src.Name, qty(batch)))
	})
}

// firehoseBuckets are a delivery stream's destination and backup buckets.
func (f *flow) firehoseBuckets(fh *node) []*node {
	var out []*node
	s3 := obj(fh.Inputs, "extendedS3Configuration")
	if b := f.g.byARN(str(s3, "bucketArn")); b != nil {
		out = append(out, b)
	}
	if str(s3, "s3BackupMode") == "Enabled" {
		if b := f.g.byARN(str(obj(s3, "s3BackupConfiguration"), "bucketArn")); b != nil {
			out = append(out, b)
		}
	}
	return out
}

// delivery wires a Firehose delivery stream: its Kinesis source, its Lambda
// processor and its S3 destination (and backup).
func (f *flow) delivery(fh *node) {
	g := f.g
	sec := fh.section()
	if ks := obj(fh.Inputs, "kinesisSourceConfiguration"); ks != nil {
		if s := g.byARN(str(ks, "kinesisStreamArn")); s != nil {
			f.carry(s, fh, mRecords, mRecords, one, "from stream "+s.Name)
			kb := f.recordKB(sec)
			f.carry(s, fh, mRecords, mGB, quo(kb, kbPerGB), "records × average KB")
		}
	}
	s3 := obj(fh.Inputs, "extendedS3Configuration")
	// The Lambda processor: Firehose buffers 1 MB or 60 s for a Lambda
	// processor by default (Firehose developer guide, "Transform source
	// data": "The default Lambda buffering size hint is 1 MB … sixty
	// seconds").
	for _, p := range list(obj(s3, "processingConfiguration"), "processors") {
		pm := asMap(p)
		if str(pm, "type") != "Lambda" {
			continue
		}
		bufMB, interval := one, ratInt(60)
		var fn *node
		for _, pp := range list(pm, "parameters") {
			ppm := asMap(pp)
			switch str(ppm, "parameterName") {
			case "LambdaArn":
				fn = f.target(str(ppm, "parameterValue"))
			case "BufferSizeInMBs":
				if v, ok := new(big.Rat).SetString(str(ppm, "parameterValue")); ok && v.Sign() > 0 {
					bufMB = v
				}
			case "BufferIntervalInSeconds":
				if v, ok := new(big.Rat).SetString(str(ppm, "parameterValue")); ok && v.Sign() > 0 {
					interval = v
				}
			}
		}
		if fn == nil {
			continue
		}
		flushes := quo(secondsPerMonth, interval)
		f.rules = append(f.rules, func(prev, next state) {
			records := prev.get(fh, mRecords)
			mb := mul(prev.get(fh, mGB), ratInt(1024))
			inv := minRat(records, maxRat(quo(mb, bufMB), flushes))
			next.add(fn, mRecords, records, "from delivery stream "+fh.Name)
			next.add(fn, mInvocations, inv, fmt.Sprintf("%s's buffers (%s MB or %s s)", fh.Name, qty(bufMB), qty(interval)))
		})
	}
	// The destination: one object per buffer flush (size or interval),
	// or the data lake's objectsPerDay.
	bufMB := ratInt(intIn(s3, "bufferingSize", 5))
	interval := ratInt(intIn(s3, "bufferingInterval", 300))
	for _, b := range f.firehoseBuckets(fh) {
		b := b
		f.carry(fh, b, mGB, mGB, one, "delivered by "+fh.Name)
		if sec == SectionDataLake && f.u.has(SectionDataLake, "objectsPerDay") {
			n := perMonth(f.knob(SectionDataLake, "objectsPerDay"))
			f.rules = append(f.rules, func(prev, next state) {
				next.add(b, mObjects, n, "(datalake.objectsPerDay × 30.4 days)")
			})
			continue
		}
		flushes := quo(secondsPerMonth, interval)
		f.rules = append(f.rules, func(prev, next state) {
			if prev.get(fh, mRecords).Sign() == 0 {
				return
			}
			mb := mul(prev.get(fh, mGB), ratInt(1024))
			next.add(b, mObjects, maxRat(quo(mb, bufMB), flushes),
				fmt.Sprintf("%s's flushes (%s MB or %s s, whichever fills first)", fh.Name, qty(bufMB), qty(interval)))
		})
		if sec == SectionDataLake {
			f.rec.derived("datalake.objectsPerDay", quo(flushes, daysPerMonth), "objects",
				fmt.Sprintf("one object per %s s buffering interval of %s (the interval fills before %s MB at the profile's rate)", qty(interval), fh.Name, qty(bufMB)))
		}
	}
}

// recordKB is the average record of a section's streams.
func (f *flow) recordKB(section string) *big.Rat {
	switch section {
	case SectionStreams, SectionDataLake:
		return f.knob(section, "avgRecordKB")
	}
	return f.knob(SectionDefaults, "itemKB")
}

// stateMachine runs each execution's tasks: every Lambda task once, a
// Map state's tasks once per item.
func (f *flow) stateMachine(sm *node) {
	def, err := parseDefinition(str(sm.Inputs, "definition"))
	if err != nil {
		f.note("%s: definition: %v; its tasks are not priced", sm.Name, err)
		return
	}
	for _, t := range def.tasks() {
		fn := f.target(t.function)
		if fn == nil || fn.Type != typeFunction {
			continue
		}
		t := t
		f.rules = append(f.rules, func(prev, next state) {
			execs := prev.get(sm, mExecutions)
			items := one
			if t.inMap {
				items = f.mapItems(sm, prev)
			}
			next.add(fn, mInvocations, mul(execs, items), "tasks of "+sm.Name)
		})
	}
}

// mapItems is the items a state machine's Map state runs per execution:
// for the data lake's MapReduce, the raw zone's data over the splitter's
// chunk size (the splitter lists the whole raw zone); otherwise one.
func (f *flow) mapItems(sm *node, prev state) *big.Rat {
	def, _ := parseDefinition(str(sm.Inputs, "definition"))
	for _, t := range def.tasks() {
		fn := f.target(t.function)
		if fn == nil {
			continue
		}
		env := obj(obj(fn.Inputs, "environment"), "variables")
		chunk, ok := new(big.Rat).SetString(str(env, "CHUNK_BYTES"))
		raw := f.g.byPhysical(typeBucket, str(env, "RAW_BUCKET"))
		if !ok || chunk.Sign() <= 0 || raw == nil {
			continue
		}
		gb := f.storedGB(raw, prev)
		return ceil(quo(mul(gb, ratInt(1<<30)), chunk))
	}
	return one
}

// storedGB is what a bucket holds once its ingest has run to steady state
// (its lifecycle's expiration, or the storage horizon).
func (f *flow) storedGB(b *node, s state) *big.Rat {
	total := new(big.Rat)
	for _, c := range f.bucketClasses(b, s.get(b, mGB)) {
		total = add(total, c.gb)
	}
	return total
}

// function wires what a function does each invocation: the log it writes,
// its DynamoDB reads and writes and S3 objects (from its grants), the
// state machine it starts and the processor it fans out to (from its
// environment).
func (f *flow) function(fn *node) {
	g := f.g
	if lg := g.functionLogGroup(fn); lg != nil {
		kb := f.logKB(fn)
		f.carry(fn, lg, mInvocations, mIngestKB, kb, fmt.Sprintf("%s's invocations × %s KB", fn.Name, qty(kb)))
	}
	if !f.isRouteHandler(fn) {
		access := f.tableAccess(fn)
		for _, t := range sortedNodes(access) {
			acc := access[t]
			switch {
			case acc.write:
				f.carry(fn, t, mInvocations, mWrites, one, "one item written per invocation of "+fn.Name)
			case acc.read:
				f.carry(fn, t, mInvocations, mReads, one, "one item read per invocation of "+fn.Name)
			}
		}
	}
	buckets := f.bucketAccess(fn)
	for _, b := range sortedNodes(buckets) {
		acc := buckets[b]
		if acc.write {
			kb := f.fileKB(fn.section())
			f.carry(fn, b, mInvocations, mObjects, one, "one object written per invocation of "+fn.Name)
			f.carry(fn, b, mInvocations, mGB, quo(kb, kbPerGB), fmt.Sprintf("%s KB per object from %s", qty(kb), fn.Name))
		}
		if acc.read {
			f.carry(fn, b, mInvocations, mGets, one, "one object read per invocation of "+fn.Name)
		}
	}
	env := obj(obj(fn.Inputs, "environment"), "variables")
	for _, k := range sortedKeys(env) {
		v, _ := env[k].(string)
		n := g.byARN(v)
		if n == nil {
			continue
		}
		switch {
		case n.Type == typeStateMachine:
			f.carry(fn, n, mInvocations, mExecutions, one, "one execution started per invocation of "+fn.Name)
		case n.Type == typeFunction && env["BATCH_SIZE"] != nil:
			// kumo's fan-out dispatcher invokes its processor once per
			// BATCH_SIZE records (patterns/streams/fanout).
			size, ok := new(big.Rat).SetString(str(env, "BATCH_SIZE"))
			if ok && size.Sign() > 0 {
				f.carry(fn, n, mRecords, mInvocations, quo(one, size), fmt.Sprintf("%s's records ÷ BATCH_SIZE %s", fn.Name, qty(size)))
			}
		}
	}
}

func (f *flow) fileKB(section string) *big.Rat {
	switch section {
	case SectionStreams:
		return f.knob(SectionStreams, "avgFileKB")
	case SectionOps:
		return f.knob(SectionOps, "avgImageKB")
	}
	return f.knob(SectionDefaults, "itemKB")
}

func (f *flow) logKB(fn *node) *big.Rat {
	if v, ok := f.u.function(fn.Name, "logKBPerInvocation"); ok {
		f.rec.file(SectionFunctions+"."+fn.Name+".logKBPerInvocation", v, "KB", "Logs of "+fn.Name+" per invocation.")
		return v
	}
	return f.knob(SectionDefaults, "logKBPerInvocation")
}

// isRouteHandler says whether an API route invokes fn; its table access is
// then per route (tableRoute).
func (f *flow) isRouteHandler(fn *node) bool {
	for _, i := range f.g.byType[typeIntegration] {
		if f.lambdaOfURI(str(i.Inputs, "uri")) == fn {
			return true
		}
	}
	return false
}

// tableRoute: a route's request reads one item (GET, HEAD) or writes one
// (the others) in each table its function may read or write.
func (f *flow) tableRoute(m, fn *node) {
	hm := str(m.Inputs, "httpMethod")
	route := strings.Replace(strings.TrimPrefix(m.Name, apiPrefix(m)), "-", " ", 1)
	tables := f.tableAccess(fn)
	for _, t := range sortedNodes(tables) {
		acc := tables[t]
		switch {
		case (hm == "GET" || hm == "HEAD") && acc.read:
			f.carry(m, t, mRequests, mReads, one, "one item read per "+route)
		case hm != "GET" && hm != "HEAD" && hm != "OPTIONS" && acc.write:
			f.carry(m, t, mRequests, mWrites, one, "one item written per "+route)
		}
	}
}

type access struct{ read, write bool }

// policyStatements are the Allow statements of a function's role's inline
// policies.
func (f *flow) policyStatements(fn *node) []statement {
	role := f.g.byARN(str(fn.Inputs, "role"))
	if role == nil {
		return nil
	}
	var out []statement
	for _, rp := range f.g.byType[typeRolePolicy] {
		if f.g.byPhysical(typeRole, str(rp.Inputs, "role")) != role {
			continue
		}
		var doc struct {
			Statement []statement
		}
		if json.Unmarshal([]byte(str(rp.Inputs, "policy")), &doc) != nil {
			continue
		}
		for _, s := range doc.Statement {
			if s.Effect == "Allow" {
				out = append(out, s)
			}
		}
	}
	return out
}

// statement is an IAM policy statement; Action and Resource are a string
// or a list.
type statement struct {
	Effect   string
	Action   stringList
	Resource stringList
}

type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*l = many
	return err
}

var (
	tableReads   = []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"}
	tableWrites  = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}
	bucketReads  = []string{"s3:GetObject"}
	bucketWrites = []string{"s3:PutObject"}
)

// tableAccess is what a function's grants let it do to each table.
func (f *flow) tableAccess(fn *node) map[*node]access {
	return f.grants(fn, typeTable, tableReads, tableWrites)
}

// bucketAccess is what a function's grants let it do to each bucket's
// objects.
func (f *flow) bucketAccess(fn *node) map[*node]access {
	return f.grants(fn, typeBucket, bucketReads, bucketWrites)
}

func (f *flow) grants(fn *node, typ string, reads, writes []string) map[*node]access {
	out := map[*node]access{}
	for _, s := range f.policyStatements(fn) {
		r := slices.ContainsFunc(s.Action, func(a string) bool { return slices.Contains(reads, a) })
		w := slices.ContainsFunc(s.Action, func(a string) bool { return slices.Contains(writes, a) })
		if !r && !w {
			continue
		}
		for _, res := range s.Resource {
			n := f.g.byARN(res)
			if n == nil || n.Type != typ {
				continue
			}
			// Index and stream ARNs (table/x/index/…) grant on the
			// table's indexes, not its items: count the table once.
			if typ == typeTable && strings.Contains(res, "/index/") {
				continue
			}
			a := out[n]
			a.read, a.write = a.read || r, a.write || w
			out[n] = a
		}
	}
	return out
}

func sortedNodes[V any](m map[*node]V) []*node {
	out := make([]*node, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// disabled says whether a flag input is set, and false.
func disabled(m map[string]any, k string) bool {
	b, ok := m[k].(bool)
	return ok && !b
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
