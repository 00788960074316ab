package diff

import (
	"fmt"
	"strings"
)

// Hand-built reports for the renderer and gate tests: each the review of a
// change a kumo user makes, with the URNs, types and names kumo's own
// stacks use (test/testdata/dev.golden.json).

// renderURN builds the URN of a resource of project kumo in stack.
func renderURN(stack, qualifiedType, name string) string {
	return "urn:pulumi:" + stack + "::kumo::" + qualifiedType + "::" + name
}

const (
	webApp      = "kumo:patterns:WebApp"
	webFunction = webApp + "$kumo:constructs:Function"
	webTable    = webApp + "$kumo:constructs:Table"
)

// readWritePolicy is the policy kumo's table.GrantReadWrite writes, and
// wideTablePolicy the hand-edited one that replaces it in the example.
const (
	readWritePolicy = `{"Statement":[{"Action":["dynamodb:BatchGetItem","dynamodb:BatchWriteItem","dynamodb:ConditionCheckItem","dynamodb:DeleteItem","dynamodb:DescribeTable","dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query","dynamodb:Scan","dynamodb:UpdateItem"],"Effect":"Allow","Resource":["arn:aws:dynamodb:eu-west-1:123456789012:table/web-items-3f2a1b0","arn:aws:dynamodb:eu-west-1:123456789012:table/web-items-3f2a1b0/index/*"]}],"Version":"2012-10-17"}`
	wideTablePolicy = `{"Statement":[{"Action":["dynamodb:*"],"Effect":"Allow","Resource":["arn:aws:dynamodb:eu-west-1:123456789012:table/*"]}],"Version":"2012-10-17"}`
)

// exampleReport is the README's example: a function's memory raised, the
// table's partition key changed (a replacement that loses its items), its
// grant widened by hand to every table, and another function's code
// changed.
func exampleReport() Report {
	policyURN := renderURN("dev", webFunction+"$aws:iam/rolePolicy:RolePolicy", "web-items-table-web-items-readwrite")
	fnURN := renderURN("dev", webFunction+"$aws:lambda/function:Function", "web-items")
	tableURN := renderURN("dev", webTable+"$aws:dynamodb/table:Table", "web-items")
	return Report{Stacks: []StackReport{{
		Project: "kumo", Stack: "dev", Source: "synth",
		Counts:  Counts{Update: 3, Replace: 1, Same: 745},
		Verdict: "⚠ 1 resource loses data · IAM widened (1 statement) · 2 canary releases · 3 to update · 1 to replace",
		DataLoss: []DataLoss{{
			URN: tableURN, Type: "aws:dynamodb/table:Table", Name: "web-items", Op: OpReplace,
			Holds:  "items of a DynamoDB table",
			Reason: "partition key hashKey changed: id → pk (forces replacement)",
		}},
		IAM: []IAMChange{{
			URN: policyURN, Kind: "broadened", Effect: "Allow",
			Actions:   []string{"dynamodb:*"},
			Resources: []string{"arn:aws:dynamodb:eu-west-1:123456789012:table/*"},
			Attached:  "role web-items",
		}},
		Canary: []Release{
			{
				Function: "web-health", URN: renderURN("dev", webFunction+"$kumo:index:Release", "web-health"), Alias: "live",
				Reasons:    []string{"code"},
				Preference: "CodeDeployDefault.LambdaAllAtOnce", Shift: "all at once",
				Alarms: []string{"web-health-errors", "web-health-throttles"},
			},
			{
				Function: "web-items", URN: renderURN("dev", webFunction+"$kumo:index:Release", "web-items"), Alias: "live",
				Reasons:    []string{"environment.variables.TABLE_NAME", "memorySize"},
				Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes", Shift: "10% for 5 minutes, then 100%",
				Alarms: []string{"web-items-errors", "web-items-throttles"},
				Hooks:  []string{"pre-traffic: web-smoketest"},
			},
		},
		// Grouped as the analysis groups them: by each resource's own
		// component.
		Groups: []Group{
			{Component: renderURN("dev", webFunction, "web-health"), CodeOnly: []string{"web-health"}},
			{
				Component: renderURN("dev", webFunction, "web-items"),
				Changes: []Change{
					{
						URN: policyURN, Type: "aws:iam/rolePolicy:RolePolicy", Name: "web-items-table-web-items-readwrite",
						Custom: true, Op: OpUpdate,
						Props: []PropChange{{Path: "policy", Kind: KindUpdate, Old: readWritePolicy, New: wideTablePolicy}},
					},
					{
						URN: fnURN, Type: "aws:lambda/function:Function", Name: "web-items", Custom: true, Op: OpUpdate,
						Props: []PropChange{
							{Path: "environment.variables.TABLE_NAME", Kind: KindUpdate, Old: "web-items-3f2a1b0", New: Unknown},
							{Path: "memorySize", Kind: KindUpdate, Old: 256.0, New: 512.0},
						},
					},
				},
			},
			{
				Component: renderURN("dev", webTable, "web-items"),
				Changes: []Change{{
					URN: tableURN, Type: "aws:dynamodb/table:Table", Name: "web-items", Custom: true, Op: OpReplace,
					ReplaceReasons: []string{"hashKey"},
					Props: []PropChange{
						{Path: "attributes[0].name", Kind: KindUpdate, Old: "id", New: "pk"},
						{Path: "hashKey", Kind: KindUpdate, Old: "id", New: "pk", Replace: true},
					},
				}},
			},
		},
	}}}
}

// configOnlyReport: a setting changed, no code: the canary plan shows the
// publish, why, and the preference in words.
func configOnlyReport() Report {
	fn := renderURN("prod", webFunction+"$aws:lambda/function:Function", "web-items")
	return Report{Stacks: []StackReport{{
		Project: "kumo", Stack: "prod", Source: "preview",
		Counts:  Counts{Update: 1, Same: 787},
		Verdict: "1 canary release · 1 to update",
		Canary: []Release{{
			Function: "web-items", URN: renderURN("prod", webFunction+"$kumo:index:Release", "web-items"), Alias: "live",
			Reasons:    []string{"timeout"},
			Preference: "CodeDeployDefault.LambdaLinear10PercentEvery1Minute", Shift: "10% more every minute, 100% after 10 minutes",
			Alarms: []string{"web-items-errors", "web-items-throttles"},
			Hooks:  []string{"pre-traffic: web-smoketest", "post-traffic: web-verify"},
		}},
		Groups: []Group{{
			Component: renderURN("prod", webApp, "web"),
			Changes: []Change{{
				URN: fn, Type: "aws:lambda/function:Function", Name: "web-items", Custom: true, Op: OpUpdate,
				Props: []PropChange{{Path: "timeout", Kind: KindUpdate, Old: 10.0, New: 30.0}},
			}},
		}},
	}}}
}

// tableKeyReport: the partition key changed on a table with deletion
// protection: a replacement that loses data, and that the deploy will
// refuse.
func tableKeyReport() Report {
	table := renderURN("dev", "kumo:patterns:StreamProcessing$kumo:constructs:Table$aws:dynamodb/table:Table", "streams-state")
	return Report{Stacks: []StackReport{{
		Project: "kumo", Stack: "dev", Source: "synth",
		Counts:  Counts{Replace: 1, Same: 748},
		Verdict: "⚠ 1 resource loses data · 1 to replace",
		DataLoss: []DataLoss{{
			URN: table, Type: "aws:dynamodb/table:Table", Name: "streams-state", Op: OpReplace,
			Holds:     "items of a DynamoDB table",
			Reason:    "partition key hashKey changed: deviceId → sensorId (forces replacement)",
			Protected: "deletionProtectionEnabled: the deploy fails until it is turned off",
		}},
		Groups: []Group{{
			Component: renderURN("dev", "kumo:patterns:StreamProcessing", "streams"),
			Changes: []Change{{
				URN: table, Type: "aws:dynamodb/table:Table", Name: "streams-state", Custom: true, Op: OpReplace,
				ReplaceReasons: []string{"hashKey"}, DeleteBeforeReplace: true,
				Props: []PropChange{
					{Path: "attributes[0].name", Kind: KindUpdate, Old: "deviceId", New: "sensorId"},
					{Path: "hashKey", Kind: KindUpdate, Old: "deviceId", New: "sensorId", Replace: true},
				},
			}},
		}},
	}}}
}

// removedPatternReport: the DataLake pattern was taken out of the program;
// everything under it is deleted, the buckets and the log group with their
// data (one bucket is retained).
func removedPatternReport() Report { return removedPatternReportIn("dev") }

func removedPatternReportIn(stack string) Report {
	lake := "kumo:patterns:DataLake"
	del := func(qt, typ, name string) Change {
		return Change{URN: renderURN(stack, lake+"$"+qt, name), Type: typ, Name: name, Custom: true, Op: OpDelete}
	}
	changes := []Change{
		del("kumo:constructs:Bucket$aws:s3/bucketV2:BucketV2", "aws:s3/bucketV2:BucketV2", "lake-curated"),
		del("kumo:constructs:Bucket$aws:s3/bucketV2:BucketV2", "aws:s3/bucketV2:BucketV2", "lake-raw"),
		del("kumo:constructs:Function$aws:cloudwatch/logGroup:LogGroup", "aws:cloudwatch/logGroup:LogGroup", "lake-catalog"),
		del("kumo:constructs:Function$aws:iam/role:Role", "aws:iam/role:Role", "lake-catalog"),
		del("kumo:constructs:Function$aws:lambda/function:Function", "aws:lambda/function:Function", "lake-catalog"),
	}
	dl := func(c Change, holds, protected string) DataLoss {
		return DataLoss{URN: c.URN, Type: c.Type, Name: c.Name, Op: OpDelete, Holds: holds, Reason: "removed from the program", Protected: protected}
	}
	return Report{Stacks: []StackReport{{
		Project: "kumo", Stack: stack, Source: "synth",
		Counts:  Counts{Delete: 5, Same: 570},
		Verdict: "⚠ 3 resources lose data · 5 to delete",
		DataLoss: []DataLoss{
			dl(changes[0], "objects in an S3 bucket", ""),
			dl(changes[1], "objects in an S3 bucket", "retainOnDelete: the bucket is left in the account, no longer managed"),
			dl(changes[2], "log events", ""),
		},
		Groups: []Group{{Component: renderURN(stack, lake, "lake"), Changes: changes}},
	}}}
}

// widenedIAMReport: a statement added to a role, and a bucket policy whose
// statement lost its condition and now names every principal.
func widenedIAMReport() Report {
	rolePolicy := renderURN("dev", "kumo:patterns:OperationsAutomation$kumo:constructs:Function$aws:iam/rolePolicy:RolePolicy", "ops-remediate-allow-ec2")
	bucketPolicy := renderURN("dev", "kumo:patterns:DataLake$kumo:constructs:Bucket$aws:s3/bucketPolicy:BucketPolicy", "lake-results")
	return Report{Stacks: []StackReport{{
		Project: "kumo", Stack: "dev", Source: "synth",
		Counts:  Counts{Create: 1, Update: 1, Same: 747},
		Verdict: "⚠ IAM widened (2 statements) · 1 to create · 1 to update",
		// A type of the user's own that kumo's replace table does not know.
		UnknownReplace: []string{"aws:ssm/parameter:Parameter"},
		IAM: []IAMChange{
			{
				URN: rolePolicy, Kind: "added", Effect: "Allow",
				Actions:   []string{"ec2:StopInstances", "ec2:TerminateInstances"},
				Resources: []string{"*"},
				Attached:  "role ops-remediate",
			},
			{
				URN: bucketPolicy, Kind: "broadened", Effect: "Allow",
				Actions:   []string{"s3:GetObject"},
				Resources: []string{"arn:aws:s3:::lake-results-7c1e/*"},
				Principal: "AWS:*",
				Condition: `lost {"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}`,
				Attached:  "bucket lake-results",
			},
		},
		Groups: []Group{
			{
				Component: renderURN("dev", "kumo:patterns:DataLake", "lake"),
				Changes: []Change{{
					URN: bucketPolicy, Type: "aws:s3/bucketPolicy:BucketPolicy", Name: "lake-results", Custom: true, Op: OpUpdate,
					Props: []PropChange{{Path: "policy", Kind: KindUpdate,
						Old: `{"Statement":[{"Action":"s3:GetObject","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}},"Effect":"Allow","Principal":{"AWS":"*"},"Resource":"arn:aws:s3:::lake-results-7c1e/*"}],"Version":"2012-10-17"}`,
						New: `{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Principal":{"AWS":"*"},"Resource":"arn:aws:s3:::lake-results-7c1e/*"}],"Version":"2012-10-17"}`,
					}},
				}},
			},
			{
				Component: renderURN("dev", "kumo:patterns:OperationsAutomation", "ops"),
				Changes: []Change{{
					URN: rolePolicy, Type: "aws:iam/rolePolicy:RolePolicy", Name: "ops-remediate-allow-ec2", Custom: true, Op: OpCreate,
				}},
			},
		},
	}}}
}

// publicRouteReport: a route lost its authorizer.
func publicRouteReport() Report {
	method := renderURN("dev", webApp+"$kumo:constructs:Api$aws:apigateway/method:Method", "web-api-GET-/items/{id}")
	return Report{Stacks: []StackReport{{
		Project: "kumo", Stack: "dev", Source: "synth",
		Counts:  Counts{Update: 1, Replace: 1, Same: 747},
		Verdict: "⚠ 1 route made public · 1 to update · 1 to replace",
		Public: []PublicChange{{
			URN: method, Type: "aws:apigateway/method:Method", What: "GET /items/{id}",
			Before: "COGNITO_USER_POOLS", After: "NONE (public)",
		}},
		Groups: []Group{{
			Component: renderURN("dev", webApp, "web"),
			Changes: []Change{
				{
					URN:  renderURN("dev", webApp+"$kumo:constructs:Api$aws:apigateway/deployment:Deployment", "web-api"),
					Type: "aws:apigateway/deployment:Deployment", Name: "web-api", Custom: true, Op: OpReplace,
					ReplaceReasons: []string{"triggers"},
					Props:          []PropChange{{Path: "triggers.redeployment", Kind: KindUpdate, Old: "5e0c…", New: Unknown, Replace: true}},
				},
				{
					URN: method, Type: "aws:apigateway/method:Method", Name: "web-api-GET-/items/{id}", Custom: true, Op: OpUpdate,
					Props: []PropChange{
						{Path: "authorization", Kind: KindUpdate, Old: "COGNITO_USER_POOLS", New: "NONE"},
						{Path: "authorizerId", Kind: KindDelete, Old: "x7k2p9"},
					},
				},
			},
		}},
	}}}
}

// codeOnlyReport: three handlers rebuilt, nothing else: each function its
// own component, as the analysis groups them, folded into one line; three
// canary releases, no danger.
func codeOnlyReport() Report {
	rel := func(name string) Release {
		return Release{Function: name, URN: renderURN("dev", "kumo:patterns:StreamProcessing$kumo:constructs:Function$kumo:index:Release", name),
			Alias: "live", Reasons: []string{"code"}, Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
			Shift: "10% for 5 minutes, then 100%", Alarms: []string{name + "-errors", name + "-throttles"}}
	}
	return Report{Stacks: []StackReport{{
		Project: "kumo", Stack: "dev", Source: "synth",
		Counts:  Counts{Update: 3, Same: 746},
		Verdict: "3 canary releases · 3 to update",
		Canary:  []Release{rel("streams-archive"), rel("streams-convert"), rel("streams-processor")},
		Groups: []Group{
			{Component: renderURN("dev", "kumo:patterns:StreamProcessing$kumo:constructs:Function", "streams-archive"), CodeOnly: []string{"streams-archive"}},
			{Component: renderURN("dev", "kumo:patterns:StreamProcessing$kumo:constructs:Function", "streams-convert"), CodeOnly: []string{"streams-convert"}},
			{Component: renderURN("dev", "kumo:patterns:StreamProcessing$kumo:constructs:Function", "streams-processor"), CodeOnly: []string{"streams-processor"}},
		},
	}}}
}

// secretsReport: secret values changed (shown as [secret]), values only
// known after the deploy, and a new function's first release.
func secretsReport() Report {
	fn := renderURN("dev", "kumo:patterns:OperationsAutomation$kumo:constructs:Function$aws:lambda/function:Function", "ops-dispatcher")
	newFn := renderURN("dev", "kumo:patterns:OperationsAutomation$kumo:constructs:Function$aws:lambda/function:Function", "ops-audit")
	return Report{Stacks: []StackReport{{
		Project: "kumo", Stack: "dev", Source: "preview",
		Counts:  Counts{Create: 1, Update: 1, Same: 747},
		Verdict: "2 canary releases · 1 to create · 1 to update",
		Canary: []Release{
			{Function: "ops-audit", URN: renderURN("dev", "kumo:patterns:OperationsAutomation$kumo:constructs:Function$kumo:index:Release", "ops-audit"),
				Alias: "live", Reasons: []string{"code"}, First: true, Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes"},
			{Function: "ops-dispatcher", URN: renderURN("dev", "kumo:patterns:OperationsAutomation$kumo:constructs:Function$kumo:index:Release", "ops-dispatcher"),
				Alias: "live", Reasons: []string{"environment.variables.SLACK_TOKEN", "environment.variables.TOPIC_ARN"},
				Preference: "CodeDeployDefault.LambdaAllAtOnce", Shift: "all at once"},
		},
		Groups: []Group{{
			Component: renderURN("dev", "kumo:patterns:OperationsAutomation", "ops"),
			Changes: []Change{
				{URN: newFn, Type: "aws:lambda/function:Function", Name: "ops-audit", Custom: true, Op: OpCreate},
				{
					URN: fn, Type: "aws:lambda/function:Function", Name: "ops-dispatcher", Custom: true, Op: OpUpdate,
					Props: []PropChange{
						{Path: "environment.variables.SLACK_TOKEN", Kind: KindUpdate, Old: Secret, New: Secret},
						{Path: "environment.variables.TOPIC_ARN", Kind: KindUpdate, Old: "arn:aws:sns:eu-west-1:123456789012:ops-alerts-1d2c", New: Unknown},
						{Path: "tags", Kind: KindAdd, New: map[string]any{"owner": "platform", "token": Secret, "queue": Unknown}},
					},
				},
			},
		}},
		Diagnostics: []Diagnostic{{
			URN: fn, Severity: "warning",
			Message: "the function's role has no permission for sns:Publish on the new topic\nuntil it is created",
		}},
	}}}
}

// multiStackReport: dev changes nothing, prod changes; the summary of both
// comes first.
func multiStackReport() Report {
	prod := configOnlyReport().Stacks[0]
	return Report{Stacks: []StackReport{
		{Project: "kumo", Stack: "dev", Source: "synth", Counts: Counts{Same: 749}, Verdict: "no changes"},
		prod,
	}}
}

// hostileReport holds names and values that would break a table, start
// HTML, close a code span or ping a team if printed raw.
func hostileReport() Report {
	urn := renderURN("dev", "kumo:patterns:WebApp$aws:s3/bucketObjectv2:BucketObjectv2", "web-site/<script>|`x`")
	return Report{Stacks: []StackReport{{
		Project: "kumo", Stack: "dev", Source: "synth",
		Counts:  Counts{Update: 1, Delete: 1},
		Verdict: "1 resource loses data; *not* <b>bold</b> | @kumo-iac/admins",
		DataLoss: []DataLoss{{
			URN: urn, Type: "aws:s3/bucketObjectv2:BucketObjectv2", Name: "web-site/<script>|`x`", Op: OpDelete,
			Holds: "an object | `in` <S3>", Reason: "removed from the program\x1b[2J",
		}},
		Groups: []Group{{
			Component: renderURN("dev", "kumo:patterns:WebApp", "web<&>"),
			Changes: []Change{
				{URN: urn, Type: "aws:s3/bucketObjectv2:BucketObjectv2", Name: "web-site/<script>|`x`", Custom: true, Op: OpDelete},
				{
					URN:  renderURN("dev", "kumo:patterns:WebApp$aws:s3/bucketObjectv2:BucketObjectv2", "web-site/index.html"),
					Type: "aws:s3/bucketObjectv2:BucketObjectv2", Name: "web-site/index.html", Custom: true, Op: OpUpdate,
					Props: []PropChange{{Path: "content", Kind: KindUpdate, Old: "```\n</details>", New: "<!-- x --> | @kumo-iac/admins"}},
				},
			},
		}},
	}}}
}

// bigReport is a stack with n changes across components of 50 resources
// each, every one an update of three properties, plus one data loss, one
// IAM change and canary releases for every tenth: the 5,000-step preview
// the issue sets its speed target by.
func bigReport(n int, name func(i int) string) Report {
	s := StackReport{Project: "kumo", Stack: "scale", Source: "preview", Counts: Counts{Update: n}}
	var g *Group
	for i := range n {
		if i%50 == 0 {
			s.Groups = append(s.Groups, Group{Component: renderURN("scale", webApp, fmt.Sprintf("app%03d", i/50))})
			g = &s.Groups[len(s.Groups)-1]
		}
		nm := name(i)
		g.Changes = append(g.Changes, Change{
			URN:  renderURN("scale", webFunction+"$aws:lambda/function:Function", nm),
			Type: "aws:lambda/function:Function", Name: nm, Custom: true, Op: OpUpdate,
			Props: []PropChange{
				{Path: "environment.variables.TABLE", Kind: KindUpdate, Old: "items-old", New: Unknown},
				{Path: "memorySize", Kind: KindUpdate, Old: 256.0, New: 512.0},
				{Path: `tags["kumo:version"]`, Kind: KindAdd, New: strings.Repeat("v", 20)},
			},
		})
		if i%10 == 0 {
			s.Canary = append(s.Canary, Release{Function: nm, Alias: "live", Reasons: []string{"memorySize"},
				Preference: "CodeDeployDefault.LambdaCanary10Percent5Minutes", Shift: "10% for 5 minutes, then 100%",
				Alarms: []string{nm + "-errors"}})
		}
	}
	s.DataLoss = []DataLoss{{URN: renderURN("scale", webTable+"$aws:dynamodb/table:Table", "items"), Type: "aws:dynamodb/table:Table",
		Name: "items", Op: OpReplace, Holds: "items of a DynamoDB table", Reason: "partition key hashKey changed: id → pk (forces replacement)"}}
	s.IAM = []IAMChange{{URN: renderURN("scale", webFunction+"$aws:iam/rolePolicy:RolePolicy", "items-readwrite"), Kind: "added",
		Effect: "Allow", Actions: []string{"dynamodb:*"}, Resources: []string{"*"}}}
	s.Verdict = fmt.Sprintf("⚠ 1 resource loses data · IAM widened (1 statement) · %d canary releases · %d to update", len(s.Canary), n)
	return Report{Stacks: []StackReport{s}}
}

func asciiName(i int) string { return fmt.Sprintf("fn%04d", i) }
