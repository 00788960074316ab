package cost

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"math/rand"
	"strings"
	"testing"
)

const acct = "123456789012"

// stackOf builds resources the way synth records them: URNs from the
// parent chain, regions left to the stack's.
type stackOf struct {
	rs []Resource
}

func (s *stackOf) add(typ, name string, parent *Resource, inputs map[string]any) *Resource {
	urn := "urn:pulumi:dev::shop::" + typ + "::" + name
	p := ""
	if parent != nil {
		p = parent.URN
		urn = "urn:pulumi:dev::shop::" + parent.Type + "$" + typ + "::" + name
	}
	if inputs == nil {
		inputs = map[string]any{}
	}
	s.rs = append(s.rs, Resource{URN: urn, Type: typ, Name: name, Parent: p, Inputs: inputs})
	return &s.rs[len(s.rs)-1]
}

// function adds a Lambda function with its execution role, granted
// actions on resource ARNs, and its log group.
func (s *stackOf) function(name string, parent *Resource, memory int64, arch string, grants map[string][]string) {
	s.add(typeFunction, name, parent, map[string]any{"memorySize": memory, "architectures": []any{arch},
		"role": "arn:aws:iam::" + acct + ":role/" + name + "-r000000"})
	s.add(typeRole, name, parent, nil)
	var stmts []string
	for res, actions := range grants {
		stmts = append(stmts, `{"Effect":"Allow","Action":["`+strings.Join(actions, `","`)+`"],"Resource":["`+res+`"]}`)
	}
	s.add(typeRolePolicy, name+"-grants", parent, map[string]any{"role": name + "-r000000",
		"policy": `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`})
	s.add(typeLogGroup, name, parent, map[string]any{"namePrefix": "/aws/lambda/" + name + "-", "retentionInDays": int64(30)})
}

func fnARN(region, name string) string {
	return "arn:aws:lambda:" + region + ":" + acct + ":function:" + name + "-f000000:live"
}

func estimate(t *testing.T, region string, rs []Resource, usage string) *Report {
	t.Helper()
	tab, err := LoadTable()
	if err != nil {
		t.Fatal(err)
	}
	u := DefaultUsage()
	if usage != "" {
		if u, err = ParseUsage("Pulumi.dev.usage.yaml", []byte(usage)); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Estimate("shop", "dev", region, rs, u, tab)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func lineOf(t *testing.T, rep *Report, typ, name string) Line {
	t.Helper()
	for _, l := range rep.Lines {
		if l.Type == typ && l.Name == name {
			return l
		}
	}
	t.Fatalf("no line for %s %s; lines: %v", typ, name, rep.Lines)
	return Line{}
}

func amountOf(t *testing.T, l Line, what string) *big.Rat {
	t.Helper()
	for _, it := range l.Items {
		if it.What == what {
			return it.Amount.Rat()
		}
	}
	t.Fatalf("%s has no item %q", l.Name, what)
	return nil
}

func wantMoney(t *testing.T, what string, got Money, want *big.Rat) {
	t.Helper()
	if got.Rat().Cmp(want) != 0 {
		t.Errorf("%s: got %s (%s); want %s", what, got.Micros(), got.Rat().RatString(), want.FloatString(10))
	}
}

// webStack is a web app in us-east-1: GET and POST /items on one function
// (arm64, 512 MB) that may read and write one on-demand table with PITR.
func webStack() []Resource {
	s := &stackOf{}
	web := s.add("kumo:patterns:WebApp", "web", nil, nil)
	s.add(typeRestAPI, "web-api", web, nil)
	uri := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN("us-east-1", "web-items") + "/invocations"
	for _, m := range []string{"GET", "POST", "OPTIONS"} {
		s.add(typeMethod, "web-api-"+m+"-/items", web, map[string]any{"httpMethod": m, "authorization": "NONE"})
		if m != "OPTIONS" {
			s.add(typeIntegration, "web-api-"+m+"-/items", web, map[string]any{"httpMethod": m, "type": "AWS_PROXY", "uri": uri})
		}
	}
	table := "arn:aws:dynamodb:us-east-1:" + acct + ":table/web-table-t000000"
	s.function("web-items", web, 512, "arm64", map[string][]string{table: {"dynamodb:GetItem", "dynamodb:PutItem"}})
	s.add(typeTable, "web-table", web, map[string]any{"billingMode": "PAY_PER_REQUEST", "pointInTimeRecovery": map[string]any{"enabled": true}})
	return s.rs
}

// TestWebStackByHand prices a small web app at a usage file's traffic; the
// expected amounts are worked out below from the us-east-1 prices.
func TestWebStackByHand(t *testing.T) {
	rep := estimate(t, "us-east-1", webStack(), `
webapp:
  apiRequestsPerMonth: 2000000
  routes:
    GET /items: 0.75
  avgDurationMs: 120
  payloadKB: 1
  itemsStoredGB: 2
defaults:
  logKBPerInvocation: 2
`)
	// API Gateway: 2,000,000 requests × $3.50/1M = $7.00.
	wantMoney(t, "API", lineOf(t, rep, typeRestAPI, "web-api").Total(), dec("7"))
	// Lambda: GET 75% + POST 25% (OPTIONS 0) = 2,000,000 invocations.
	// requests: 2,000,000 × $0.20/1M = $0.40
	// compute:  2,000,000 × 0.120 s × 512/1024 GB = 120,000 GB-s × $0.0000133334 = $1.600008
	fn := lineOf(t, rep, typeFunction, "web-items")
	wantMoney(t, "lambda requests", moneyOf(amountOf(t, fn, "requests")), dec("0.4"))
	wantMoney(t, "lambda compute", moneyOf(amountOf(t, fn, "compute (arm64)")), dec("1.600008"))
	// DynamoDB: 1,500,000 GETs × 0.5 RRU (1 KB, eventually consistent) =
	// 750,000 RRU × $0.125/1M = $0.09375; 500,000 POSTs × 1 WRU × $0.625/1M
	// = $0.3125; storage 2 GB × $0.25 = $0.50; PITR 2 GB × $0.20 = $0.40:
	// $1.30625.
	tbl := lineOf(t, rep, typeTable, "web-table")
	wantMoney(t, "table reads", moneyOf(amountOf(t, tbl, "reads")), dec("0.09375"))
	wantMoney(t, "table writes", moneyOf(amountOf(t, tbl, "writes")), dec("0.3125"))
	wantMoney(t, "table", tbl.Total(), dec("1.30625"))
	// Logs: 2,000,000 × 2 KB = 4,000,000 KB = 3.814697265625 GB;
	// ingestion × $0.50 = $1.9073486328125; storage: 30 days' retention is
	// 30 ÷ (730/24) = 0.98630… months: 3.8147 GB × 720/730 × $0.03 =
	// $0.11287323416….
	lg := lineOf(t, rep, typeLogGroup, "web-items")
	gb := quo(ratInt(4000000), ratInt(1<<20))
	wantMoney(t, "log ingestion", moneyOf(amountOf(t, lg, "ingestion")), mul(gb, dec("0.5")))
	wantMoney(t, "log storage", moneyOf(amountOf(t, lg, "storage")), mul(gb, big.NewRat(720, 730), dec("0.03")))
	// Total: 7 + 2.000008 + 1.30625 + 1.9073486328125 + 0.1128732341… =
	// 115,178,627,877 / 9,344,000,000 = $12.32647986697…
	wantMoney(t, "total", rep.Total, big.NewRat(115178627877, 9344000000))
	wantMoney(t, "fixed", rep.Fixed, new(big.Rat))
	if len(rep.Unpriced) != 0 {
		t.Errorf("unpriced: %v; want none in us-east-1", rep.Unpriced)
	}
	if got := fn.Items[1].Formula; got != "2,000,000 × 0.12 s × 0.5 GB (512 MB) = 120,000 GB-s × $0.0000133334/GB-s" {
		t.Errorf("compute formula: got %q", got)
	}
	for _, a := range []string{"webapp.apiRequestsPerMonth=2,000,000 file", "webapp.routes.GET /items=0.75 file", "webapp.routes.POST /items=0.25 derived",
		"webapp.routes.OPTIONS /items=0 derived", "defaults.logKBPerInvocation=2 file", "webapp.accessLogKBPerRequest=1 default"} {
		key, rest, _ := strings.Cut(a, "=")
		val, origin, _ := strings.Cut(rest, " ")
		found := false
		for _, got := range rep.Assumptions {
			if got.Key == key {
				found = true
				if got.Value != val || string(got.Origin) != origin {
					t.Errorf("assumption %s: got %s (%s); want %s (%s)", key, got.Value, got.Origin, val, origin)
				}
			}
		}
		if !found && key != "webapp.accessLogKBPerRequest" {
			t.Errorf("assumption %s missing from %v", key, rep.Assumptions)
		}
	}
}

// TestLambdaMemoryAndArchitecture: the same function priced at another
// memory size or architecture moves its compute cost exactly as AWS's
// formula says: GB-s = invocations × duration (rounded up to 1 ms) ×
// memory ÷ 1,024, at the architecture's price.
func TestLambdaMemoryAndArchitecture(t *testing.T) {
	compute := func(memory int64, arch string) *big.Rat {
		s := &stackOf{}
		s.function("job", nil, memory, arch, nil)
		// 100.4 ms is billed as 101 ms.
		rep := estimate(t, "us-east-1", s.rs, "functions:\n  job:\n    invocationsPerMonth: 1000000\n    avgDurationMs: 100.4\n")
		return amountOf(t, lineOf(t, rep, typeFunction, "job"), "compute ("+arch+")")
	}
	arm512 := compute(512, "arm64")
	// 1,000,000 × 0.101 s × 0.5 GB = 50,500 GB-s × $0.0000133334 = $0.6733367.
	if want := dec("0.6733367"); arm512.Cmp(want) != 0 {
		t.Errorf("arm64 512 MB: got %s; want %s", arm512.FloatString(10), want.FloatString(10))
	}
	if got, want := quo(compute(1024, "arm64"), arm512), ratInt(2); got.Cmp(want) != 0 {
		t.Errorf("1,024 MB ÷ 512 MB: got %s; want exactly 2", got.RatString())
	}
	if got, want := quo(compute(1769, "arm64"), arm512), big.NewRat(1769, 512); got.Cmp(want) != 0 {
		t.Errorf("1,769 MB ÷ 512 MB: got %s; want exactly 1769/512", got.RatString())
	}
	// x86_64 costs 0.0000166667 per GB-s against arm64's 0.0000133334.
	if got, want := quo(compute(512, "x86_64"), arm512), big.NewRat(166667, 133334); got.Cmp(want) != 0 {
		t.Errorf("x86_64 ÷ arm64: got %s; want exactly 166667/133334", got.RatString())
	}
}

// TestUnpricedIsReportedNeverZero: a type kumo has no rule for, and a
// region the table has no prices for, become "no price" entries naming the
// type, region and key; the total excludes them and says so.
func TestUnpricedIsReportedNeverZero(t *testing.T) {
	s := &stackOf{}
	s.add("aws:gamelift/fleet:Fleet", "fleet", nil, nil)
	s.function("job", nil, 256, "arm64", nil)
	s.rs[len(s.rs)-4].Region = "eu-north-1" // the function
	rep := estimate(t, "us-east-1", s.rs, "")
	var got []string
	for _, u := range rep.Unpriced {
		got = append(got, u.Type+" "+u.Region+" "+u.Key+": "+u.Reason)
	}
	joined := strings.Join(got, "\n")
	for _, want := range []string{
		"aws:gamelift/fleet:Fleet us-east-1 : kumo cost has no pricing rule for aws:gamelift/fleet:Fleet",
		"aws:lambda/function:Function eu-north-1 lambda.requests: the price table has no prices for region eu-north-1",
		"aws:lambda/function:Function eu-north-1 lambda.gb_second.arm64: the price table has no prices for region eu-north-1",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("unpriced:\n%s\nwant a line %q", joined, want)
		}
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "excludes 3 price(s) the table lacks") || !strings.Contains(text.String(), "No price (not in the total)") {
		t.Errorf("text does not say the total excludes the unpriced lines:\n%s", text.String())
	}
	fn := lineOf(t, rep, typeFunction, "job")
	if len(fn.Items) != 0 {
		t.Errorf("the eu-north-1 function got items %v; want none priced", fn.Items)
	}
}

// TestScheduleDrivesInvocations: a schedule's runs reach its target.
func TestScheduleDrivesInvocations(t *testing.T) {
	s := &stackOf{}
	s.add(typeEventRule, "tick", nil, map[string]any{"scheduleExpression": "rate(15 minutes)", "state": "ENABLED"})
	s.add(typeEventTarget, "tick", nil, map[string]any{"rule": "tick-e000000", "arn": fnARN("us-east-1", "job")})
	s.function("job", nil, 128, "arm64", nil)
	rep := estimate(t, "us-east-1", s.rs, "")
	fn := lineOf(t, rep, typeFunction, "job")
	// 730 h × 4 runs an hour = 2,920 invocations × $0.20/1M = $0.000584.
	wantMoney(t, "requests", moneyOf(amountOf(t, fn, "requests")), dec("0.000584"))
	if len(fn.Usage) != 1 || fn.Usage[0] != "2,920 invocations: 2,920 from rule tick" {
		t.Errorf("usage: got %q", fn.Usage)
	}
}

// TestFixedCosts: always-on resources are fixed costs, priced by the hour.
func TestFixedCosts(t *testing.T) {
	s := &stackOf{}
	s.add(typeStream, "readings", nil, map[string]any{"shardCount": int64(2), "retentionPeriod": int64(48),
		"streamModeDetails": map[string]any{"streamMode": "PROVISIONED"}})
	s.add(typeDomain, "search", nil, map[string]any{
		"clusterConfig": map[string]any{"instanceType": "r6g.large.search", "instanceCount": int64(2), "dedicatedMasterEnabled": true,
			"dedicatedMasterType": "m6g.large.search", "dedicatedMasterCount": int64(3)},
		"ebsOptions": map[string]any{"ebsEnabled": true, "volumeType": "gp3", "volumeSize": int64(100)}})
	s.add(typeAlarm, "errors", nil, map[string]any{"period": int64(60)})
	s.add(typeKey, "key", nil, map[string]any{"enableKeyRotation": true})
	s.add(typeHealthCheck, "health", nil, map[string]any{"type": "HTTPS", "fqdn": "abc.execute-api.us-east-1.amazonaws.com", "requestInterval": int64(30)})
	rep := estimate(t, "us-east-1", s.rs, "")
	// Kinesis: 2 shards × 730 h × $0.015 = $21.90, and retention over 24 h
	// 2 × 730 × $0.02 = $29.20.
	wantMoney(t, "stream fixed", lineOf(t, rep, typeStream, "readings").Fixed, dec("51.1"))
	// OpenSearch: 2 × 730 × $0.167 + 3 × 730 × $0.128 + 2 × 100 GB × $0.122
	// = 243.82 + 280.32 + 24.40 = $548.54.
	wantMoney(t, "domain", lineOf(t, rep, typeDomain, "search").Fixed, dec("548.54"))
	// An alarm metric $0.10, a key $1.00, an HTTPS health check of an AWS
	// endpoint $0.50 + one optional feature $1.00.
	wantMoney(t, "alarm", lineOf(t, rep, typeAlarm, "errors").Fixed, dec("0.1"))
	wantMoney(t, "key", lineOf(t, rep, typeKey, "key").Fixed, dec("1"))
	wantMoney(t, "health check", lineOf(t, rep, typeHealthCheck, "health").Fixed, dec("1.5"))
	wantMoney(t, "fixed total", rep.Fixed, dec("602.24"))
}

// TestLifecycleStorage: a bucket's daily ingest spreads over its storage
// classes by age; each transition is a request.
func TestLifecycleStorage(t *testing.T) {
	s := &stackOf{}
	lake := s.add("kumo:patterns:DataLake", "lake", nil, nil)
	s.add(typeFirehose, "lake-ingest", lake, map[string]any{"extendedS3Configuration": map[string]any{
		"bucketArn": "arn:aws:s3:::lake-raw-b000000", "bufferingInterval": int64(300), "bufferingSize": int64(64)}})
	s.add(typeBucket, "lake-raw", lake, nil)
	s.add(typeLifecycle, "lake-raw", lake, map[string]any{"bucket": "lake-raw-b000000", "rules": []any{map[string]any{
		"status": "Enabled", "expiration": map[string]any{"days": int64(365)},
		"transitions": []any{map[string]any{"days": int64(30), "storageClass": "STANDARD_IA"}, map[string]any{"days": int64(90), "storageClass": "GLACIER_IR"}}}}})
	rep := estimate(t, "us-east-1", s.rs, "datalake:\n  gbIngestedPerDay: 2\n")
	b := lineOf(t, rep, typeBucket, "lake-raw")
	// 2 GB a day: 30 days in STANDARD = 60 GB × $0.023 = $1.38; 60 days
	// in STANDARD_IA = 120 GB × $0.0125 = $1.50; 275 days in GLACIER_IR =
	// 550 GB × $0.004 = $2.20.
	wantMoney(t, "standard", moneyOf(amountOf(t, b, "storage (STANDARD)")), dec("1.38"))
	wantMoney(t, "IA", moneyOf(amountOf(t, b, "storage (STANDARD_IA)")), dec("1.5"))
	wantMoney(t, "GIR", moneyOf(amountOf(t, b, "storage (GLACIER_IR)")), dec("2.2"))
	// One object per 300 s flush: 730 × 12 = 8,760 objects a month, each
	// transitioned twice: 8,760 × $0.01/1,000 + 8,760 × $0.02/1,000.
	lc := lineOf(t, rep, typeLifecycle, "lake-raw")
	wantMoney(t, "transitions", lc.Total(), dec("0.2628"))
}

// TestFreeTiersAreListedNotSubtracted: the Lambda free tier's saving is
// reported, and the total still charges every request.
func TestFreeTiersAreListedNotSubtracted(t *testing.T) {
	rep := estimate(t, "us-east-1", webStack(), "")
	var lambda *FreeTierSaving
	for i := range rep.FreeTiers {
		if rep.FreeTiers[i].Name == "lambda" {
			lambda = &rep.FreeTiers[i]
		}
	}
	if lambda == nil {
		t.Fatalf("free tiers %v; want lambda's", rep.FreeTiers)
	}
	// Default traffic: 1,000,000 requests (all inside the free million)
	// = $0.20, and 1,000,000 × 0.1 s × 0.5 GB = 50,000 GB-s (inside
	// 400,000) × $0.0000133334 = $0.66667: the tier would save $0.86667.
	wantMoney(t, "lambda free tier", lambda.Saves, dec("0.86667"))
	wantMoney(t, "lambda line", lineOf(t, rep, typeFunction, "web-items").Total(), dec("0.86667"))
}

// TestEstimateIsDeterministic: the same resources in any order give the
// same bytes.
func TestEstimateIsDeterministic(t *testing.T) {
	rs := webStack()
	first, err := estimate(t, "us-east-1", rs, "").JSON()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 5; i++ {
		shuffled := append([]Resource(nil), rs...)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		got, err := estimate(t, "us-east-1", shuffled, "").JSON()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, first) {
			t.Fatalf("shuffle %d: the JSON differs", i)
		}
	}
}

// TestUsageNamesMustExist: an override of a function or route the stack
// does not have is refused, listing what it has.
func TestUsageNamesMustExist(t *testing.T) {
	tab, _ := LoadTable()
	for _, tc := range []struct{ file, want string }{
		{"functions:\n  web-itemz:\n    avgDurationMs: 5\n", "line 2: functions.web-itemz: no Lambda function of the stack has this name; functions: web-items"},
		{"webapp:\n  routes:\n    GET /itemz: 0.5\n", "line 3: webapp.routes.GET /itemz: no web app API of the stack has this route; routes: GET /items, OPTIONS /items, POST /items"},
		// A file refused for its values is refused for its names too, in
		// one message, by line (every problem at once).
		{"webapp:\n  avgDurationMs: -1\n  routes:\n    GET /itemz: 2\nfunctions:\n  web-itemz:\n    memoryMB: 5\n",
			"usage file u.yaml: line 2: webapp.avgDurationMs = -1: a number ≥ 0 (ms); " +
				"line 4: webapp.routes.GET /itemz = 2: a number from 0 to 1; " +
				"line 4: webapp.routes.GET /itemz: no web app API of the stack has this route; routes: GET /items, OPTIONS /items, POST /items; " +
				"line 6: functions.web-itemz: no Lambda function of the stack has this name; functions: web-items; " +
				"line 7: functions.web-itemz.memoryMB: unknown key; allowed for a function: invocationsPerMonth, avgDurationMs, logKBPerInvocation"},
	} {
		u, err := ParseUsage("u.yaml", []byte(tc.file))
		var ue *UsageError
		if err != nil && (u == nil || !errors.As(err, &ue)) {
			t.Fatalf("ParseUsage: got %v, %v; want the file's usable part with a *UsageError", u, err)
		}
		_, err = Estimate("shop", "dev", "us-east-1", webStack(), u, tab)
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v; want a *UsageError containing %q", err, tc.want)
		}
		_, _, _, err = EstimateChange("shop", "dev", Side{Region: "us-east-1", Resources: webStack()}, Side{Region: "us-east-1", Resources: webStack()}, u, tab)
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("EstimateChange: got %v; want a *UsageError containing %q", err, tc.want)
		}
	}
}

// TestCompare: the change between two estimates names the resources behind
// it, largest first.
func TestCompare(t *testing.T) {
	before := estimate(t, "us-east-1", webStack(), "")
	rs := webStack()
	for i := range rs {
		if rs[i].Type == typeFunction {
			rs[i].Inputs["memorySize"] = int64(1024)
		}
	}
	after := estimate(t, "us-east-1", rs, "")
	c := Compare(before, after)
	// Compute doubles: 50,000 GB-s × $0.0000133334 = $0.66667 more.
	wantMoney(t, "delta", c.Delta, dec("0.66667"))
	if len(c.Resources) != 1 || c.Resources[0].Name != "web-items" {
		t.Errorf("resources behind the change: %v; want web-items alone", c.Resources)
	}
}

// TestComponents: components cost nothing and are not listed; kumo's own
// component types are known as such, a program's own only when marked, and
// an unmarked one is reported rather than priced silently.
func TestComponents(t *testing.T) {
	rs := []Resource{
		{URN: "urn:a", Type: "kumo:constructs:Function", Name: "fn"},
		{URN: "urn:b", Type: "shop:index:Checkout", Name: "marked", Component: true},
		{URN: "urn:c", Type: "shop:index:Checkout", Name: "unmarked"},
	}
	rep := estimate(t, "us-east-1", rs, "")
	if len(rep.Unpriced) != 1 || rep.Unpriced[0].Name != "unmarked" || !strings.Contains(rep.Unpriced[0].Reason, "no pricing rule for shop:index:Checkout") {
		t.Errorf("unpriced: got %+v; want only the unmarked component", rep.Unpriced)
	}
	if len(rep.Lines) != 0 || len(rep.Free) != 0 {
		t.Errorf("lines %v, free %v; want components in neither", rep.Lines, rep.Free)
	}
}

// TestObjectGrantsReachTheBucket: a policy names objects as
// arn:aws:s3:::BUCKET/*; a function granted GetObject and PutObject on
// them reads and writes that bucket once per invocation.
func TestObjectGrantsReachTheBucket(t *testing.T) {
	for _, tc := range []struct {
		name     string
		resource string
	}{
		{"objects", "arn:aws:s3:::files-b000000/*"},
		{"prefix", "arn:aws:s3:::files-b000000/in/*"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stackOf{}
			s.add(typeEventRule, "tick", nil, map[string]any{"scheduleExpression": "rate(15 minutes)", "state": "ENABLED"})
			s.add(typeEventTarget, "tick", nil, map[string]any{"rule": "tick-e000000", "arn": fnARN("us-east-1", "job")})
			s.function("job", nil, 128, "arm64", map[string][]string{tc.resource: {"s3:GetObject", "s3:PutObject"}})
			s.add(typeBucket, "files", nil, nil)
			rep := estimate(t, "us-east-1", s.rs, "defaults:\n  itemKB: 1024\n")
			b := lineOf(t, rep, typeBucket, "files")
			// 2,920 invocations (rate 15 minutes) each write and read one
			// object: PUT 2,920 × $0.005/1,000 = $0.0146, GET 2,920 ×
			// $0.0004/1,000 = $0.001168; 2,920 × 1 MB = 2.852 GB written.
			wantMoney(t, "PUT", moneyOf(amountOf(t, b, "PUT requests")), dec("0.0146"))
			wantMoney(t, "GET", moneyOf(amountOf(t, b, "GET requests")), dec("0.001168"))
			if got := b.Usage; len(got) < 2 || !strings.HasPrefix(got[0], "2,920 objects written") || !strings.HasPrefix(got[1], "2.852 GB written") {
				t.Errorf("usage: got %q; want 2,920 objects and 2.852 GB written", got)
			}
		})
	}
}

// TestRetrievalByStorageClass: reads of a bucket whose lifecycle moves
// objects to Standard-IA and Glacier IR pay those classes' per-GB
// retrieval fee on their share of the stored GB; a region whose table
// lacks the fee says so instead of charging nothing.
func TestRetrievalByStorageClass(t *testing.T) {
	s := &stackOf{}
	lake := s.add("kumo:patterns:DataLake", "lake", nil, nil)
	s.add(typeFirehose, "lake-ingest", lake, map[string]any{"extendedS3Configuration": map[string]any{
		"bucketArn": "arn:aws:s3:::lake-raw-b000000", "bufferingInterval": int64(300), "bufferingSize": int64(64)}})
	s.add(typeBucket, "lake-raw", lake, nil)
	s.add(typeLifecycle, "lake-raw", lake, map[string]any{"bucket": "lake-raw-b000000", "rules": []any{map[string]any{
		"status": "Enabled", "expiration": map[string]any{"days": int64(365)},
		"transitions": []any{map[string]any{"days": int64(30), "storageClass": "STANDARD_IA"}, map[string]any{"days": int64(90), "storageClass": "GLACIER_IR"}}}}})
	s.add(typeEventRule, "tick", nil, map[string]any{"scheduleExpression": "rate(15 minutes)", "state": "ENABLED"})
	s.add(typeEventTarget, "tick", nil, map[string]any{"rule": "tick-e000000", "arn": fnARN("us-east-1", "reader")})
	s.function("reader", nil, 128, "arm64", map[string][]string{"arn:aws:s3:::lake-raw-b000000/*": {"s3:GetObject"}})
	// 2 GB a day in 8,760 flushes a month (one per 300 s) is 1/144 GB an
	// object. At steady state the bucket holds 60 GB STANDARD, 120 GB
	// STANDARD_IA and 550 GB GLACIER_IR of 730 GB; 2,920 reads (rate 15
	// minutes) spread over it retrieve 2,920 × 120/730 × 1/144 = 10/3 GB
	// from Standard-IA and 2,920 × 550/730 × 1/144 = 275/18 GB from
	// Glacier IR.
	iaGB, girGB := big.NewRat(10, 3), big.NewRat(275, 18)
	for _, tc := range []struct {
		region          string
		ia, gir         *big.Rat // nil: no price
		noPriceContains string
	}{
		// us-east-1: $0.01 and $0.03 per GB retrieved.
		{region: "us-east-1", ia: mul(iaGB, dec("0.01")), gir: mul(girGB, dec("0.03"))},
		// eu-west-1 has the Standard-IA fee, not Glacier IR's (price null).
		{region: "eu-west-1", ia: mul(iaGB, dec("0.01")), noPriceContains: "no dated source"},
		// eu-central-1's table has neither key.
		{region: "eu-central-1", noPriceContains: "no entry"},
	} {
		t.Run(tc.region, func(t *testing.T) {
			rep := estimate(t, tc.region, s.rs, "datalake:\n  gbIngestedPerDay: 2\n")
			b := lineOf(t, rep, typeBucket, "lake-raw")
			for _, c := range []struct {
				class, key string
				want, q    *big.Rat
			}{{"STANDARD_IA", "s3.standard_ia.retrieval_gb", tc.ia, iaGB}, {"GLACIER_IR", "s3.glacier_ir.retrieval_gb", tc.gir, girGB}} {
				if c.want != nil {
					wantMoney(t, "retrieval "+c.class, moneyOf(amountOf(t, b, "retrieval ("+c.class+")")), c.want)
					continue
				}
				found := false
				for _, u := range rep.Unpriced {
					if u.Name == "lake-raw" && u.Key == c.key {
						found = true
						if u.Quantity == nil || u.Quantity.Cmp(c.q) != 0 || !strings.Contains(u.Reason, tc.noPriceContains) {
							t.Errorf("no price %s: got quantity %v, reason %q; want %s GB and a reason with %q", c.key, u.Quantity, u.Reason, c.q.RatString(), tc.noPriceContains)
						}
					}
				}
				if !found {
					t.Errorf("unpriced: got %v; want a no-price entry for %s of lake-raw", rep.Unpriced, c.key)
				}
			}
			for _, it := range b.Items {
				if it.What == "retrieval (STANDARD)" {
					t.Errorf("STANDARD reads were charged a retrieval fee: %+v", it)
				}
			}
		})
	}
}

// TestHeadlineNamesUnpricedAlwaysOn: where the table lacks an always-on
// price, the headline says how much of it the total leaves out, summed
// per key over resources, in the text and in the JSON.
func TestHeadlineNamesUnpricedAlwaysOn(t *testing.T) {
	s := &stackOf{}
	for _, name := range []string{"readings", "errors"} {
		s.add(typeStream, name, nil, map[string]any{"shardCount": int64(2), "retentionPeriod": int64(24),
			"streamModeDetails": map[string]any{"streamMode": "PROVISIONED"}})
	}
	s.add(typeDomain, "search", nil, map[string]any{
		"clusterConfig": map[string]any{"instanceType": "r6g.large.search", "instanceCount": int64(2)},
		"ebsOptions":    map[string]any{"ebsEnabled": true, "volumeType": "gp3", "volumeSize": int64(100)}})
	s.add(typeAlarm, "alarm", nil, map[string]any{"period": int64(60)})
	for _, tc := range []struct {
		region string
		want   []string // FixedQuantity texts; none where every fixed price is known
	}{
		// eu-west-1 has no Kinesis or OpenSearch prices: 2 streams × 2
		// shards × 730 h = 2,920 shard-hours, 2 instances × 730 h = 1,460
		// instance-hours, 2 × 100 GB of gp3.
		{"eu-west-1", []string{
			"2,920 Kinesis shard-hours (kinesis.shard_hour)",
			"200 OpenSearch GB-month (opensearch.gp3_gb_month)",
			"1,460 OpenSearch instance-hours (opensearch.instance_hour.r6g.large.search)",
		}},
		{"us-east-1", nil},
	} {
		t.Run(tc.region, func(t *testing.T) {
			rep := estimate(t, tc.region, s.rs, "")
			var got []string
			for _, q := range rep.UnpricedFixed() {
				got = append(got, q.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("unpriced fixed: got %q; want %q", got, tc.want)
			}
			var text bytes.Buffer
			if err := rep.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			head, _, _ := strings.Cut(text.String(), "\nBy pattern")
			line := "always on and unpriced, billed whatever the traffic: " + strings.Join(tc.want, ", ") + "\n"
			if has := strings.Contains(head, line); has != (tc.want != nil) {
				t.Errorf("headline:\n%s\ngot line %q present %v; want %v", head, line, has, tc.want != nil)
			}
			b, err := rep.JSON()
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Total struct {
					UnpricedFixed []struct{ Key, Quantity, Unit, Text string }
				}
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			var js []string
			for _, q := range doc.Total.UnpricedFixed {
				js = append(js, q.Text)
			}
			if strings.Join(js, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("JSON total.unpricedFixed: got %q; want %q", js, tc.want)
			}
			if tc.want != nil && doc.Total.UnpricedFixed[0].Quantity != "2920" {
				t.Errorf("JSON quantity: got %q; want \"2920\"", doc.Total.UnpricedFixed[0].Quantity)
			}
		})
	}
}
