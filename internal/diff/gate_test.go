package diff

import (
	"strings"
	"testing"
)

// gateReport holds one of each dangerous change in two stacks: dev has the
// example (data loss, IAM widening, a replace, updates, a code-only
// change) and the public route; prod deletes the DataLake.
func gateReport() Report {
	dev := exampleReport().Stacks[0]
	pub := publicRouteReport().Stacks[0]
	dev.Public = pub.Public
	dev.Groups = append(dev.Groups, pub.Groups...)
	prod := removedPatternReportIn("prod").Stacks[0]
	return Report{Stacks: []StackReport{prod, dev}}
}

// violationKey is a Violation in one comparable line.
func violationKey(v Violation) string {
	return v.Stack + " " + v.Category + " " + v.Type + " " + v.Name
}

func TestGate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		failOn []string
		allow  []string
		want   []string
	}{
		{"no categories", nil, nil, nil},
		{"data loss", []string{"data-loss"}, nil, []string{
			"kumo/dev data-loss aws:dynamodb/table:Table web-items",
			"kumo/prod data-loss aws:s3/bucketV2:BucketV2 lake-curated",
			"kumo/prod data-loss aws:s3/bucketV2:BucketV2 lake-raw",
			"kumo/prod data-loss aws:cloudwatch/logGroup:LogGroup lake-catalog",
		}},
		{"replace", []string{"replace"}, nil, []string{
			"kumo/dev replace aws:apigateway/deployment:Deployment web-api",
			"kumo/dev replace aws:dynamodb/table:Table web-items",
		}},
		{"delete", []string{"delete"}, nil, []string{
			"kumo/prod delete aws:s3/bucketV2:BucketV2 lake-curated",
			"kumo/prod delete aws:s3/bucketV2:BucketV2 lake-raw",
			"kumo/prod delete aws:cloudwatch/logGroup:LogGroup lake-catalog",
			"kumo/prod delete aws:iam/role:Role lake-catalog",
			"kumo/prod delete aws:lambda/function:Function lake-catalog",
		}},
		{"iam widening", []string{"iam-widening"}, nil, []string{
			"kumo/dev iam-widening aws:iam/rolePolicy:RolePolicy role web-items",
		}},
		{"public", []string{"public"}, nil, []string{
			"kumo/dev public aws:apigateway/method:Method web-api-GET-/items/{id}",
		}},
		{"any: every change, code-only ones by name", []string{"any"}, nil, []string{
			"kumo/dev any  web-health",
			"kumo/dev any aws:apigateway/deployment:Deployment web-api",
			"kumo/dev any aws:apigateway/method:Method web-api-GET-/items/{id}",
			"kumo/dev any aws:iam/rolePolicy:RolePolicy web-items-table-web-items-readwrite",
			"kumo/dev any aws:lambda/function:Function web-items",
			"kumo/dev any aws:dynamodb/table:Table web-items",
			"kumo/prod any aws:s3/bucketV2:BucketV2 lake-curated",
			"kumo/prod any aws:s3/bucketV2:BucketV2 lake-raw",
			"kumo/prod any aws:cloudwatch/logGroup:LogGroup lake-catalog",
			"kumo/prod any aws:iam/role:Role lake-catalog",
			"kumo/prod any aws:lambda/function:Function lake-catalog",
		}},
		{"several categories, repeated", []string{"public", " replace ", "public"}, nil, []string{
			"kumo/dev public aws:apigateway/method:Method web-api-GET-/items/{id}",
			"kumo/dev replace aws:apigateway/deployment:Deployment web-api",
			"kumo/dev replace aws:dynamodb/table:Table web-items",
		}},
		{"allow by name", []string{"replace"}, []string{"web-api"}, []string{
			"kumo/dev replace aws:dynamodb/table:Table web-items",
		}},
		{"allow by type", []string{"delete"}, []string{"aws:s3/bucketV2:BucketV2", "aws:iam/role:Role"}, []string{
			"kumo/prod delete aws:cloudwatch/logGroup:LogGroup lake-catalog",
			"kumo/prod delete aws:lambda/function:Function lake-catalog",
		}},
		{"allow by URN", []string{"data-loss"},
			[]string{"urn:pulumi:dev::kumo::kumo:patterns:WebApp$kumo:constructs:Table$aws:dynamodb/table:Table::web-items"},
			[]string{
				"kumo/prod data-loss aws:s3/bucketV2:BucketV2 lake-curated",
				"kumo/prod data-loss aws:s3/bucketV2:BucketV2 lake-raw",
				"kumo/prod data-loss aws:cloudwatch/logGroup:LogGroup lake-catalog",
			}},
		{"allow by URN glob: a stack", []string{"delete", "data-loss"}, []string{"urn:pulumi:prod::*"}, []string{
			"kumo/dev data-loss aws:dynamodb/table:Table web-items",
		}},
		{"allow by name glob", []string{"delete"}, []string{"lake-c*"}, []string{
			"kumo/prod delete aws:s3/bucketV2:BucketV2 lake-raw",
		}},
		{"allow by type glob", []string{"delete"}, []string{"aws:s3/*", "aws:???/role:*"}, []string{
			"kumo/prod delete aws:cloudwatch/logGroup:LogGroup lake-catalog",
			"kumo/prod delete aws:lambda/function:Function lake-catalog",
		}},
		{"allow by IAM statement's policy", []string{"iam-widening"}, []string{"aws:iam/rolePolicy:*"}, nil},
		{"allow scoped to a category", []string{"replace", "data-loss"}, []string{"replace=web-items", "data-loss=lake-*"}, []string{
			"kumo/dev data-loss aws:dynamodb/table:Table web-items",
			"kumo/dev replace aws:apigateway/deployment:Deployment web-api",
		}},
		{"allow everything", []string{"any"}, []string{"*"}, nil},
		{"allow matching nothing", []string{"public"}, []string{"web-api-POST-*", "aws:s3/*"}, []string{
			"kumo/dev public aws:apigateway/method:Method web-api-GET-/items/{id}",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := Gate(gateReport(), tc.failOn, tc.allow)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, violationKey(v))
				if v.Reason == "" {
					t.Errorf("violation %s: got no reason", violationKey(v))
				}
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("violations:\ngot  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestGateReasons(t *testing.T) {
	vs, err := Gate(gateReport(), []string{"data-loss", "iam-widening", "public", "replace"}, []string{"kumo:*", "lake-c*", "lake-raw"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"kumo/dev: data-loss: aws:dynamodb/table:Table web-items: replace loses items of a DynamoDB table: partition key hashKey changed: id → pk (forces replacement)",
		"kumo/dev: iam-widening: aws:iam/rolePolicy:RolePolicy role web-items: broadened: Allow dynamodb:* on arn:aws:dynamodb:eu-west-1:123456789012:table/*",
		"kumo/dev: public: aws:apigateway/method:Method web-api-GET-/items/{id}: GET /items/{id}: COGNITO_USER_POOLS → NONE (public)",
		"kumo/dev: replace: aws:apigateway/deployment:Deployment web-api: replaced: triggers changed",
		"kumo/dev: replace: aws:dynamodb/table:Table web-items: replaced: hashKey changed",
	}
	var got []string
	for _, v := range vs {
		got = append(got, v.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations:\ngot  %q\nwant %q", got, want)
	}
	// A protected resource says so.
	vs, err = Gate(removedPatternReport(), []string{"data-loss"}, []string{"lake-c*", "lake-curated"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 || !strings.HasSuffix(vs[0].Reason, "(protected: retainOnDelete: the bucket is left in the account, no longer managed)") {
		t.Errorf("protected bucket's violation: got %+v; want one whose reason ends with its protection", vs)
	}
}

func TestGateErrors(t *testing.T) {
	for _, tc := range []struct {
		name          string
		failOn, allow []string
		want          []string
	}{
		{"unknown category", []string{"data-loss", "dataloss"}, nil,
			[]string{`unknown category "dataloss"`, "any, cost, data-loss, delete, iam-widening, public, replace"}},
		{"empty category", []string{""}, nil, []string{"fail-on entry 1 is empty", "allowed: any, cost, data-loss"}},
		{"unknown category in allow", []string{"replace"}, []string{"web-*", "replce=web-items"},
			[]string{`allow entry "replce=web-items"`, `unknown category "replce"`, "allowed: any, cost, data-loss"}},
		{"empty allow entry", []string{"replace"}, []string{"web-*", " "}, []string{"allow entry 2 is empty", "[category=]pattern"}},
		{"category without pattern", []string{"replace"}, []string{"replace="}, []string{`allow entry "replace=" has no pattern`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Gate(gateReport(), tc.failOn, tc.allow)
			if err == nil {
				t.Fatalf("Gate: got no error; want one saying %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Gate error: got %q; want it to say %q", err, w)
				}
			}
		})
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"web-items", "web-items", true},
		{"web-items", "web-items-2", false},
		{"web-*", "web-items", true},
		{"web-*", "web-", true},
		{"web-*", "api-web-items", false},
		{"*-items", "web-items", true},
		{"aws:iam/*", "aws:iam/role:Role", true},
		{"aws:iam/*", "aws:s3/bucketV2:BucketV2", false},
		{"urn:pulumi:dev::*::web", "urn:pulumi:dev::kumo::kumo:patterns:WebApp::web", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"データ-*", "データ-🚀", true},
		{"?", "🚀", true},
		{"[a]", "[a]", true},
		{"**", "", true},
		{"", "", true},
		{"", "x", false},
	} {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q): got %v; want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
