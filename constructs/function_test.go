package constructs_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

const (
	typFunctionComponent = "kumo:constructs:Function"
	typLambda            = "aws:lambda/function:Function"
	typAlias             = "aws:lambda/alias:Alias"
	typEventInvokeConfig = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
	typPermission        = "aws:lambda/permission:Permission"
	typLogGroup          = "aws:cloudwatch/logGroup:LogGroup"
	typRole              = "aws:iam/role:Role"
	typRolePolicy        = "aws:iam/rolePolicy:RolePolicy"
	typQueue             = "aws:sqs/queue:Queue"
	typQueuePolicy       = "aws:sqs/queuePolicy:QueuePolicy"
)

// functionOutputs exports what tests compare inputs against: the values the
// mocks computed for the function's children.
func functionOutputs(fn *constructs.Function) pulumi.Map {
	out := pulumi.Map{
		"functionName": fn.FunctionName,
		"aliasArn":     fn.AliasArn,
		"invokeArn":    fn.InvokeArn,
		"roleArn":      fn.Role.Arn,
		"roleName":     fn.Role.Name,
		"logGroupName": fn.LogGroup.Name,
		"logGroupArn":  fn.LogGroup.Arn,
	}
	if fn.DeadLetterQueue != nil {
		out["dlqArn"] = fn.DeadLetterQueue.Arn
		out["dlqUrl"] = fn.DeadLetterQueue.Url
	}
	return out
}

func synthFunction(t *testing.T, p *project, args *constructs.FunctionArgs) *stack {
	t.Helper()
	return p.synth(func(ctx *pulumi.Context) (pulumi.Map, error) {
		fn, err := constructs.NewFunction(ctx, "fn", args)
		if err != nil {
			return nil, err
		}
		return functionOutputs(fn), nil
	})
}

func TestFunctionChildTree(t *testing.T) {
	base := []string{
		typLogGroup + " fn",
		typRole + " fn",
		typRolePolicy + " fn-logs",
		typAlias + " fn",
		typLambda + " fn",
		typEventInvokeConfig + " fn",
	}
	for _, tc := range []struct {
		name string
		dlq  bool
		want []string
	}{
		{"without dead-letter queue", false, base},
		{"with dead-letter queue", true, append(append([]string(nil), base...),
			typQueue+" fn-dlq", typQueuePolicy+" fn-dlq", typRolePolicy+" fn-dlq")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			args := p.fnArgs()
			args.DeadLetterQueue = tc.dlq
			s := synthFunction(t, p, args)
			comp := s.find(typFunctionComponent, "fn")
			if comp.Parent != "" {
				t.Errorf("component parent: got %q; want the stack", comp.Parent)
			}
			if got, want := s.childSet(comp.URN), sorted(tc.want); !reflect.DeepEqual(got, want) {
				t.Errorf("children of the Function component:\ngot  %q\nwant %q", got, want)
			}
			if got, want := len(s.Resources), len(tc.want)+1; got != want {
				t.Errorf("resources: got %d; want %d (component and its children only)\n%s", got, want, s.list())
			}
		})
	}
}

func TestFunctionDefaults(t *testing.T) {
	p := newProject(t)
	s := synthFunction(t, p, p.fnArgs())
	fn := s.find(typLambda, "fn")
	logGroupName := s.output("logGroupName")

	wantInputs(t, fn,
		check{"runtime", "provided.al2023"},
		check{"architectures", []string{"arm64"}},
		check{"handler", "bootstrap"},
		check{"memorySize", 256},
		check{"timeout", 10},
		check{"tracingConfig.mode", "Active"},
		check{"loggingConfig.logGroup", logGroupName},
		check{"loggingConfig.logFormat", "JSON"},
		check{"publish", true},
		check{"sourceCodeHash", testCodeSHA},
		check{"code.archive.path", "code.zip"},
		check{"role", s.output("roleArn")},
		check{"reservedConcurrentExecutions", nil},
		check{"deadLetterConfig", nil},
		check{"environment", nil},
	)
	if !dependsOn(fn, s.find(typRolePolicy, "fn-logs")) {
		t.Errorf("function dependencies %q: want the logs policy, so the role can write logs before the first invocation", fn.Dependencies)
	}

	wantInputs(t, s.find(typLogGroup, "fn"),
		check{"retentionInDays", 30},
		check{"namePrefix", "/aws/lambda/fn-"},
	)

	// The alias serves the version the function published, by name.
	wantInputs(t, s.find(typAlias, "fn"),
		check{"name", "live"},
		check{"functionVersion", "1"},
		check{"functionName", s.output("functionName")},
	)
	wantInputs(t, s.find(typEventInvokeConfig, "fn"),
		check{"functionName", s.output("functionName")},
		check{"qualifier", "live"},
		check{"maximumRetryAttempts", 2},
	)

	wantAlias := "arn:aws:lambda:" + testRegion + ":" + testAccount + ":function:" + s.output("functionName") + ":live"
	if got := s.output("aliasArn"); got != wantAlias {
		t.Errorf("AliasArn: got %q; want %q", got, wantAlias)
	}
	if got := s.output("invokeArn"); !strings.HasSuffix(got, "/functions/"+wantAlias+"/invocations") {
		t.Errorf("InvokeArn: got %q; want the alias's invoke ARN (…/functions/%s/invocations)", got, wantAlias)
	}
}

func TestFunctionOverrides(t *testing.T) {
	intp := func(n int) *int { return &n }
	for _, tc := range []struct {
		name   string
		modify func(a *constructs.FunctionArgs)
		checks []check
		// other checks on resources than the function, by type.
		alias, invokeConfig, logGroup []check
	}{
		{
			name:   "memory and timeout",
			modify: func(a *constructs.FunctionArgs) { a.MemoryMB, a.TimeoutSeconds = 1024, 29 },
			checks: []check{{"memorySize", 1024}, {"timeout", 29}},
		},
		{
			name:   "limits are accepted",
			modify: func(a *constructs.FunctionArgs) { a.MemoryMB, a.TimeoutSeconds = 10240, 900 },
			checks: []check{{"memorySize", 10240}, {"timeout", 900}},
		},
		{
			name:   "zero means default",
			modify: func(a *constructs.FunctionArgs) { a.MemoryMB, a.TimeoutSeconds, a.LogRetentionDays = 0, 0, 0 },
			checks: []check{{"memorySize", 256}, {"timeout", 10}},
			logGroup: []check{
				{"retentionInDays", 30},
			},
		},
		{
			name:   "reserved concurrency zero is the kill switch",
			modify: func(a *constructs.FunctionArgs) { a.ReservedConcurrency = intp(0) },
			checks: []check{{"reservedConcurrentExecutions", 0}},
		},
		{
			name:   "reserved concurrency",
			modify: func(a *constructs.FunctionArgs) { a.ReservedConcurrency = intp(5) },
			checks: []check{{"reservedConcurrentExecutions", 5}},
		},
		{
			name:   "x86_64",
			modify: func(a *constructs.FunctionArgs) { a.Architecture = constructs.ArchX86_64 },
			checks: []check{{"architectures", []string{"x86_64"}}},
		},
		{
			name: "environment and description",
			modify: func(a *constructs.FunctionArgs) {
				a.Environment = map[string]pulumi.StringInput{"TABLE_NAME": pulumi.String("items"), "LOG_LEVEL": pulumi.String("debug")}
				a.Description = "items handler"
			},
			checks: []check{
				{"environment.variables", map[string]any{"TABLE_NAME": "items", "LOG_LEVEL": "debug"}},
				{"description", "items handler"},
			},
		},
		{
			name:   "runtime and handler",
			modify: func(a *constructs.FunctionArgs) { a.Runtime, a.Handler = "nodejs22.x", "index.handler" },
			checks: []check{{"runtime", "nodejs22.x"}, {"handler", "index.handler"}},
		},
		{
			name:         "alias name",
			modify:       func(a *constructs.FunctionArgs) { a.AliasName = "prod" },
			alias:        []check{{"name", "prod"}},
			invokeConfig: []check{{"qualifier", "prod"}},
		},
		{
			name:         "no async retries",
			modify:       func(a *constructs.FunctionArgs) { a.AsyncRetryAttempts = intp(0) },
			invokeConfig: []check{{"maximumRetryAttempts", 0}},
		},
		{
			name:     "log retention",
			modify:   func(a *constructs.FunctionArgs) { a.LogRetentionDays = 365 },
			logGroup: []check{{"retentionInDays", 365}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProject(t)
			args := p.fnArgs()
			tc.modify(args)
			s := synthFunction(t, p, args)
			wantInputs(t, s.find(typLambda, "fn"), tc.checks...)
			wantInputs(t, s.find(typAlias, "fn"), tc.alias...)
			wantInputs(t, s.find(typEventInvokeConfig, "fn"), tc.invokeConfig...)
			wantInputs(t, s.find(typLogGroup, "fn"), tc.logGroup...)
		})
	}
}

func TestFunctionRoleIsLeastPrivilege(t *testing.T) {
	p := newProject(t)
	args := p.fnArgs()
	args.DeadLetterQueue = true
	s := synthFunction(t, p, args)

	trust := policyInput(t, s.find(typRole, "fn"), "assumeRolePolicy")
	if len(trust.Statement) != 1 {
		t.Fatalf("assume-role statements: got %d; want 1: %+v", len(trust.Statement), trust.Statement)
	}
	st := trust.Statement[0]
	wantPrincipal := map[string]any{"Service": []any{"lambda.amazonaws.com"}}
	if st.Effect != "Allow" || !reflect.DeepEqual(st.Principal, wantPrincipal) || !reflect.DeepEqual(st.Action, []string{"sts:AssumeRole"}) || st.Condition != nil {
		t.Errorf("assume-role statement: got %+v; want Allow sts:AssumeRole for lambda.amazonaws.com only", st)
	}

	for _, rp := range s.ofType(typRolePolicy) {
		if got, want := rp.Inputs["role"], s.output("roleName"); got != want {
			t.Errorf("%s: role: got %#v; want the function's role %q", rp.Name, got, want)
		}
	}

	logs := policyInput(t, s.find(typRolePolicy, "fn-logs"), "policy")
	if got, want := logs.sids(), []string{"WriteOwnLogGroup", "SendTraces"}; !reflect.DeepEqual(got, want) {
		t.Errorf("logs policy statements: got %q; want %q", got, want)
	}
	write := logs.statementBySid(t, "WriteOwnLogGroup")
	if got, want := write.Resource, []string{s.output("logGroupArn") + ":*"}; !reflect.DeepEqual(got, want) {
		t.Errorf("WriteOwnLogGroup Resource: got %q; want exactly %q", got, want)
	}
	if got, want := write.Action, []string{"logs:CreateLogStream", "logs:PutLogEvents"}; !reflect.DeepEqual(got, want) {
		t.Errorf("WriteOwnLogGroup Action: got %q; want %q", got, want)
	}
	traces := logs.statementBySid(t, "SendTraces")
	if got, want := traces.Action, []string{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}; !reflect.DeepEqual(got, want) {
		t.Errorf("SendTraces Action: got %q; want %q", got, want)
	}

	// X-Ray has no resource-level permissions; nothing else may use "*".
	for _, rp := range s.ofType(typRolePolicy) {
		for _, st := range policyInput(t, rp, "policy").Statement {
			if st.Effect != "Allow" {
				t.Errorf("%s %s: Effect: got %q; want Allow", rp.Name, st.Sid, st.Effect)
			}
			for _, r := range st.Resource {
				if r == "*" && st.Sid != "SendTraces" {
					t.Errorf("%s %s: Resource \"*\"; only SendTraces may use it", rp.Name, st.Sid)
				}
			}
		}
	}
}

func TestFunctionDeadLetterQueue(t *testing.T) {
	p := newProject(t)
	args := p.fnArgs()
	args.DeadLetterQueue = true
	s := synthFunction(t, p, args)
	queueArn := s.output("dlqArn")

	wantInputs(t, s.find(typQueue, "fn-dlq"),
		check{"sqsManagedSseEnabled", true},
		check{"messageRetentionSeconds", 14 * 24 * 3600},
	)

	qp := s.find(typQueuePolicy, "fn-dlq")
	wantInputs(t, qp, check{"queueUrl", s.output("dlqUrl")})
	doc := policyInput(t, qp, "policy")
	if len(doc.Statement) != 1 {
		t.Fatalf("queue policy statements: got %d; want 1 (TLS only): %+v", len(doc.Statement), doc.Statement)
	}
	wantTLSOnly(t, "queue policy", doc.Statement[0], "sqs:*", queueArn)

	dlq := policyInput(t, s.find(typRolePolicy, "fn-dlq"), "policy")
	if len(dlq.Statement) != 1 {
		t.Fatalf("dlq policy statements: got %d; want 1: %+v", len(dlq.Statement), dlq.Statement)
	}
	st := dlq.Statement[0]
	if !reflect.DeepEqual(st.Action, []string{"sqs:SendMessage"}) || !reflect.DeepEqual(st.Resource, []string{queueArn}) || st.Effect != "Allow" {
		t.Errorf("dlq statement: got %+v; want Allow sqs:SendMessage on exactly %s", st, queueArn)
	}

	fn := s.find(typLambda, "fn")
	wantInputs(t, fn, check{"deadLetterConfig.targetArn", queueArn})
	if !dependsOn(fn, s.find(typRolePolicy, "fn-dlq")) {
		t.Errorf("function dependencies %q: want the dlq policy, which Lambda checks when the DLQ is set", fn.Dependencies)
	}
}

// wantTLSOnly checks a statement that denies every request without TLS.
func wantTLSOnly(t *testing.T, what string, st statement, action string, resources ...string) {
	t.Helper()
	if st.Effect != "Deny" {
		t.Errorf("%s: Effect: got %q; want Deny", what, st.Effect)
	}
	if st.Principal != "*" {
		t.Errorf("%s: Principal: got %#v; want \"*\"", what, st.Principal)
	}
	if !reflect.DeepEqual(st.Action, []string{action}) {
		t.Errorf("%s: Action: got %q; want [%q]", what, st.Action, action)
	}
	if !reflect.DeepEqual(st.Resource, resources) {
		t.Errorf("%s: Resource: got %q; want %q", what, st.Resource, resources)
	}
	want := map[string]map[string][]string{"Bool": {"aws:SecureTransport": {"false"}}}
	if !reflect.DeepEqual(st.Condition, want) {
		t.Errorf("%s: Condition: got %v; want %v", what, st.Condition, want)
	}
}

// TestFunctionGoPackage builds a real handler: the deployed archive is the
// bundle's zip and sourceCodeHash is that zip's base64 SHA-256.
func TestFunctionGoPackage(t *testing.T) {
	p := newProject(t).withHandler()
	s := synthFunction(t, p, &constructs.FunctionArgs{GoPackage: handlerPkg, Root: p.dir})
	fn := s.find(typLambda, "fn")

	rel, _ := in(fn, "code.archive.path").(string)
	if !strings.HasPrefix(rel, ".kumo/bundles/") || !strings.HasSuffix(rel, ".zip") {
		t.Fatalf("code.archive.path: got %q; want a zip under .kumo/bundles/ relative to the project", rel)
	}
	zip, err := os.ReadFile(filepath.Join(p.dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("read bundle: %v", err)
	}
	sum := sha256.Sum256(zip)
	wantInputs(t, fn,
		check{"sourceCodeHash", base64.StdEncoding.EncodeToString(sum[:])},
		check{"code.archive.sha256", hex.EncodeToString(sum[:])},
		check{"architectures", []string{"arm64"}},
		check{"handler", "bootstrap"},
	)
}

func TestFunctionBadInputs(t *testing.T) {
	intp := func(n int) *int { return &n }
	code := func(p *project, modify func(a *constructs.FunctionArgs)) *constructs.FunctionArgs {
		a := p.fnArgs()
		modify(a)
		return a
	}
	newFn := func(args func(p *project) *constructs.FunctionArgs) func(*pulumi.Context, *project, struct{}) error {
		return func(ctx *pulumi.Context, p *project, _ struct{}) error {
			_, err := constructs.NewFunction(ctx, "fn", args(p))
			return err
		}
	}
	const scope = `function "fn"`
	runBadInputs(t, nil, []badInput[struct{}]{
		{
			name: "memory below 128",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.MemoryMB = 64 })
			}),
			scope:    scope,
			problems: [][]string{{"MemoryMB", "64", "128–10240"}},
		},
		{
			name: "memory above 10240",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.MemoryMB = 20000 })
			}),
			scope:    scope,
			problems: [][]string{{"MemoryMB", "20000", "128–10240"}},
		},
		{
			name: "negative timeout",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.TimeoutSeconds = -1 })
			}),
			scope:    scope,
			problems: [][]string{{"TimeoutSeconds", "-1", "1–900"}},
		},
		{
			name: "timeout above 900",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.TimeoutSeconds = 901 })
			}),
			scope:    scope,
			problems: [][]string{{"TimeoutSeconds", "901", "1–900"}},
		},
		{
			name: "log retention CloudWatch does not offer",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.LogRetentionDays = 8 })
			}),
			scope:    scope,
			problems: [][]string{{"LogRetentionDays", "8", "1, 3, 5, 7, 14, 30", "3653"}},
		},
		{
			name: "negative reserved concurrency",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.ReservedConcurrency = intp(-1) })
			}),
			scope:    scope,
			problems: [][]string{{"ReservedConcurrency", "-1", "use 0"}},
		},
		{
			name: "three async retries",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.AsyncRetryAttempts = intp(3) })
			}),
			scope:    scope,
			problems: [][]string{{"AsyncRetryAttempts", "3", "0–2"}},
		},
		{
			name: "alias name of digits only",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.AliasName = "42" })
			}),
			scope:    scope,
			problems: [][]string{{"AliasName", `"42"`, "not only digits"}},
		},
		{
			name: "alias name with a dot",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.AliasName = "v1.2" })
			}),
			scope:    scope,
			problems: [][]string{{"AliasName", `"v1.2"`, "letters, digits, '-' or '_'"}},
		},
		{
			name: "alias name too long",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.AliasName = strings.Repeat("a", 129) })
			}),
			scope:    scope,
			problems: [][]string{{"AliasName", "1–128"}},
		},
		{
			name: "environment names",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) {
					a.Environment = map[string]pulumi.StringInput{
						"OK_NAME": pulumi.String("x"), "1ST": pulumi.String("x"), "HAS-DASH": pulumi.String("x"),
					}
				})
			}),
			scope: scope,
			// Reported in key order, so the message is stable.
			problems: [][]string{{"Environment", `"1ST"`, "start with a letter"}, {"Environment", `"HAS-DASH"`, "letters, digits and '_'"}},
		},
		{
			name: "GoPackage and Code both set",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				p.withHandler()
				return code(p, func(a *constructs.FunctionArgs) { a.GoPackage, a.Root = handlerPkg, p.dir })
			}),
			scope:    scope,
			problems: [][]string{{"GoPackage", `"./handler"`, "Code are both set", "exactly one"}},
		},
		{
			name:     "neither GoPackage nor Code",
			build:    newFn(func(*project) *constructs.FunctionArgs { return &constructs.FunctionArgs{} }),
			scope:    scope,
			problems: [][]string{{"GoPackage: empty", "Code"}},
		},
		{
			name: "Code without CodeSHA256",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return &constructs.FunctionArgs{Code: pulumi.NewFileArchive(p.path("code.zip"))}
			}),
			scope:    scope,
			problems: [][]string{{"CodeSHA256: empty"}},
		},
		{
			name: "GoPackage that does not exist",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				p.withHandler()
				return &constructs.FunctionArgs{GoPackage: "./missing", Root: p.dir}
			}),
			scope:    scope,
			problems: [][]string{{"GoPackage", `"./missing"`, "does not exist"}},
		},
		{
			name: "unknown architecture",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return code(p, func(a *constructs.FunctionArgs) { a.Architecture = "mips" })
			}),
			scope:    scope,
			problems: [][]string{{"Architecture", `"mips"`, `"arm64"`, `"x86_64"`}},
		},
		{
			name: "every problem at once",
			build: newFn(func(p *project) *constructs.FunctionArgs {
				return &constructs.FunctionArgs{
					Architecture:        "sparc",
					MemoryMB:            64,
					TimeoutSeconds:      901,
					LogRetentionDays:    8,
					ReservedConcurrency: intp(-2),
					AsyncRetryAttempts:  intp(3),
					AliasName:           "bad alias",
					Environment:         map[string]pulumi.StringInput{"bad-name": pulumi.String("x")},
				}
			}),
			scope: scope,
			problems: [][]string{
				{"GoPackage: empty"},
				{"Architecture", `"sparc"`},
				{"MemoryMB", "64"},
				{"TimeoutSeconds", "901"},
				{"LogRetentionDays", "8"},
				{"ReservedConcurrency", "-2"},
				{"AsyncRetryAttempts", "3"},
				{"AliasName", `"bad alias"`},
				{"Environment", `"bad-name"`},
			},
		},
	})
}
