package canarystatus

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	tagtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
	"github.com/aws/smithy-go"
)

var shopQuery = Query{Project: "shop", Stack: "dev", Region: "eu-central-1"}

func utcAt(s string) time.Time { return at(s).UTC() }

// wantShop is the report of the shop fixture with the default limit.
func wantShop() *Report {
	return &Report{
		Project: "shop", Stack: "dev", Region: "eu-central-1",
		Functions: []Function{
			{
				Name: "health", FunctionName: "shop-dev-health-1a2b3c",
				FunctionARN: "arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-health-1a2b3c",
				AliasName:   "live", Alias: &Alias{Name: "live", Version: "3"},
				Application: "shop-dev", DeploymentGroup: "health", DeploymentGroupFound: false,
			},
			{
				Name: "web-items", FunctionName: "shop-dev-web-items-3e96e17",
				FunctionARN: "arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-web-items-3e96e17",
				AliasName:   "live",
				Alias:       &Alias{Name: "live", Version: "7", Routing: []VersionWeight{{Version: "8", Weight: 0.1}}},
				Application: "shop-dev", DeploymentGroup: "web-items", DeploymentGroupFound: true,
				Deployments: []Deployment{
					{
						ID: "d-CANARY8", Status: "InProgress", Config: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
						Creator: "user", Created: utcAt("2026-11-21T10:02:11.512Z"),
					},
					{
						ID: "d-ROLLBK7", Status: "Succeeded", Config: "CodeDeployDefault.LambdaAllAtOnce",
						Creator: "codeDeployRollback", Created: utcAt("2026-11-20T09:04:30Z"), Completed: utcAt("2026-11-20T09:05:02Z"),
						Rollback: &Rollback{TriggeringDeploymentID: "d-FAILED7"},
					},
					{
						ID: "d-FAILED7", Status: "Stopped", Config: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
						Creator: "user", Created: utcAt("2026-11-20T09:00:00Z"), Completed: utcAt("2026-11-20T09:04:29Z"),
						Error:    &DeploymentError{Code: "ALARM_ACTIVE", Message: "The deployment stopped because the alarm web-items-errors\nwas in ALARM."},
						Rollback: &Rollback{DeploymentID: "d-ROLLBK7", Message: "Deployment d-FAILED7 was rolled back by d-ROLLBK7."},
					},
					{
						ID: "d-FIRST07", Status: "Succeeded", Config: "CodeDeployDefault.LambdaAllAtOnce",
						Creator: "user", Created: utcAt("2026-11-19T08:00:00Z"), Completed: utcAt("2026-11-19T08:00:41Z"),
					},
				},
			},
			{
				Name: "worker", FunctionName: "shop-dev-worker-9f8e7d",
				FunctionARN: "arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-worker-9f8e7d",
				AliasName:   "live", Alias: nil,
				Application: "shop-dev", DeploymentGroup: "worker", DeploymentGroupFound: true,
				Deployments: []Deployment{},
			},
		},
	}
}

func TestStatus(t *testing.T) {
	tagging, lam, cd := shop()
	got, err := Status(context.Background(), clients(tagging, lam, cd), shopQuery)
	if err != nil {
		t.Fatal(err)
	}
	if want := wantShop(); !reflect.DeepEqual(got, want) {
		t.Errorf("Status() =\n%+v\nwant\n%+v", got, want)
		for i := range min(len(got.Functions), len(want.Functions)) {
			if !reflect.DeepEqual(got.Functions[i], want.Functions[i]) {
				t.Errorf("function %d = %+v\nwant %+v", i, got.Functions[i], want.Functions[i])
			}
		}
	}

	// Every page was read, with the stack's tag filters on each request.
	if len(tagging.calls) != 2 {
		t.Fatalf("GetResources calls = %d; want 2 (one per page)", len(tagging.calls))
	}
	for i, wantToken := range []string{"", "page-1"} {
		in := tagging.calls[i]
		if got := aws.ToString(in.PaginationToken); got != wantToken {
			t.Errorf("GetResources call %d token = %q; want %q", i, got, wantToken)
		}
		if !reflect.DeepEqual(in.ResourceTypeFilters, []string{"lambda:function"}) {
			t.Errorf("ResourceTypeFilters = %v; want [lambda:function]", in.ResourceTypeFilters)
		}
		wantFilters := []tagtypes.TagFilter{
			{Key: aws.String("kumo:project"), Values: []string{"shop"}},
			{Key: aws.String("kumo:stack"), Values: []string{"dev"}},
		}
		if !reflect.DeepEqual(in.TagFilters, wantFilters) {
			t.Errorf("TagFilters = %+v; want kumo:project=shop, kumo:stack=dev", in.TagFilters)
		}
	}
	wantAliases := []string{"shop-dev-health-1a2b3c/live", "shop-dev-web-items-3e96e17/live", "shop-dev-worker-9f8e7d/live"}
	if got := sorted(lam.calls); !reflect.DeepEqual(got, wantAliases) {
		t.Errorf("GetAlias calls = %v; want %v", got, wantAliases)
	}
	wantGroups := []string{"shop-dev/health", "shop-dev/web-items", "shop-dev/worker"}
	if got := sorted(cd.listCalls); !reflect.DeepEqual(got, wantGroups) {
		t.Errorf("ListDeployments calls = %v; want %v", got, wantGroups)
	}
	// Only the group with deployments is fetched, in one batch.
	wantGets := [][]string{{"d-CANARY8", "d-ROLLBK7", "d-FAILED7", "d-FIRST07"}}
	if !reflect.DeepEqual(cd.getCalls, wantGets) {
		t.Errorf("BatchGetDeployments calls = %v; want %v", cd.getCalls, wantGets)
	}
}

func TestStatusLimit(t *testing.T) {
	tagging, lam, cd := shop()
	q := shopQuery
	q.Limit = 2
	got, err := Status(context.Background(), clients(tagging, lam, cd), q)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"d-CANARY8", "d-ROLLBK7"}}; !reflect.DeepEqual(cd.getCalls, want) {
		t.Errorf("BatchGetDeployments calls = %v; want the 2 newest %v", cd.getCalls, want)
	}
	var ids []string
	for _, d := range got.Functions[1].Deployments {
		ids = append(ids, d.ID)
	}
	if want := []string{"d-CANARY8", "d-ROLLBK7"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("web-items deployments = %v; want %v", ids, want)
	}
}

func TestStatusFunctionFilter(t *testing.T) {
	tests := []struct {
		function string
		want     []string
		wantErr  string
	}{
		{function: "web-items", want: []string{"web-items"}},
		{function: "shop-dev-health-1a2b3c", want: []string{"health"}},
		{function: "items", wantErr: `function "items" not found in stack dev (functions: health, web-items, worker)`},
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			tagging, lam, cd := shop()
			q := shopQuery
			q.Function = tt.function
			got, err := Status(context.Background(), clients(tagging, lam, cd), q)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v; want %q", err, tt.wantErr)
				}
				if len(lam.calls)+len(cd.listCalls) != 0 {
					t.Errorf("Lambda/CodeDeploy called %v %v; want no calls for an unknown function", lam.calls, cd.listCalls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range got.Functions {
				names = append(names, f.Name)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("functions = %v; want %v", names, tt.want)
			}
			if len(lam.calls) != 1 || len(cd.listCalls) != 1 {
				t.Errorf("GetAlias calls %v, ListDeployments calls %v; want one each, for the selected function only", lam.calls, cd.listCalls)
			}
		})
	}
}

func TestStatusNoFunctions(t *testing.T) {
	tagging := &fakeTagging{}
	got, err := Status(context.Background(), clients(tagging, &fakeLambda{}, &fakeCodeDeploy{}), shopQuery)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Functions) != 0 {
		t.Errorf("functions = %+v; want none", got.Functions)
	}

	q := shopQuery
	q.Function = "web-items"
	_, err = Status(context.Background(), clients(tagging, &fakeLambda{}, &fakeCodeDeploy{}), q)
	if want := `function "web-items" not found: no functions are tagged kumo:project=shop, kumo:stack=dev`; err == nil || err.Error() != want {
		t.Errorf("error = %v; want %q", err, want)
	}
}

func TestStatusWithoutApplication(t *testing.T) {
	tagging, lam, cd := shop()
	cd.apps = nil // not even the application exists yet
	got, err := Status(context.Background(), clients(tagging, lam, cd), shopQuery)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range got.Functions {
		if f.DeploymentGroupFound || len(f.Deployments) != 0 {
			t.Errorf("%s: found %v with %d deployments; want no group and no deployments", f.Name, f.DeploymentGroupFound, len(f.Deployments))
		}
	}
	if len(cd.getCalls) != 0 {
		t.Errorf("BatchGetDeployments calls = %v; want none", cd.getCalls)
	}
}

func TestStatusTags(t *testing.T) {
	// A function whose alias is not "live" says so in kumo:alias; one
	// without kumo:function falls back to its physical name.
	tagging := &fakeTagging{pages: [][]tagtypes.ResourceTagMapping{{
		fn("shop-dev-api-1", "api", tagtypes.Tag{Key: aws.String("kumo:alias"), Value: aws.String("prod")}),
		fn("legacy-fn", ""),
	}}}
	lam := &fakeLambda{}
	cd := &fakeCodeDeploy{apps: []string{"shop-dev"}}
	got, err := Status(context.Background(), clients(tagging, lam, cd), shopQuery)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"legacy-fn/live", "shop-dev-api-1/prod"}; !reflect.DeepEqual(sorted(lam.calls), want) {
		t.Errorf("GetAlias calls = %v; want %v", sorted(lam.calls), want)
	}
	if f := got.Functions[0]; f.Name != "api" || f.AliasName != "prod" || f.Alias != nil {
		t.Errorf("api = %+v; want alias name prod, not found", f)
	}
	if f := got.Functions[1]; f.Name != "legacy-fn" || f.DeploymentGroup != "legacy-fn" {
		t.Errorf("untagged function = %+v; want it named and grouped by its physical name", f)
	}
}

func TestStatusErrors(t *testing.T) {
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
	tests := []struct {
		name    string
		break_  func(*fakeTagging, *fakeLambda, *fakeCodeDeploy)
		wantErr string
	}{
		{"tagging", func(t *fakeTagging, _ *fakeLambda, _ *fakeCodeDeploy) { t.err = denied },
			"find functions tagged kumo:project=shop, kumo:stack=dev: api error AccessDeniedException: not authorized"},
		{"lambda", func(_ *fakeTagging, l *fakeLambda, _ *fakeCodeDeploy) { l.err = denied },
			"get alias live of shop-dev-"},
		{"codedeploy", func(_ *fakeTagging, _ *fakeLambda, c *fakeCodeDeploy) { c.err = denied },
			"list deployments of shop-dev/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tagging, lam, cd := shop()
			tt.break_(tagging, lam, cd)
			got, err := Status(context.Background(), clients(tagging, lam, cd), shopQuery)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, denied) {
				t.Fatalf("error = %v; want one containing %q that wraps the API error", err, tt.wantErr)
			}
			if got != nil {
				t.Errorf("report = %+v; want nil on error", got)
			}
		})
	}
}

func TestStatusInvalidQuery(t *testing.T) {
	tests := []struct {
		q       Query
		wantErr string
	}{
		{Query{Stack: "dev"}, "invalid query: Project is empty"},
		{Query{Project: "shop", Stack: "dev", Limit: 26}, "invalid query: Limit 26 is outside 1–25"},
		{Query{Limit: -1}, "invalid query: Project is empty; Stack is empty; Limit -1 is outside 1–25"},
	}
	for _, tt := range tests {
		tagging := &fakeTagging{}
		_, err := Status(context.Background(), clients(tagging, &fakeLambda{}, &fakeCodeDeploy{}), tt.q)
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("Status(%+v) error = %v; want %q", tt.q, err, tt.wantErr)
		}
		if len(tagging.calls) != 0 {
			t.Errorf("Status(%+v) called AWS; want validation first", tt.q)
		}
	}
}

func TestStatusStopsOnRepeatedToken(t *testing.T) {
	looping := &loopingTagging{}
	_, err := Status(context.Background(), Clients{Tagging: looping, Lambda: &fakeLambda{}, CodeDeploy: &fakeCodeDeploy{}}, shopQuery)
	if err != nil {
		t.Fatal(err)
	}
	if looping.calls != 2 {
		t.Errorf("GetResources calls = %d; want 2: stop when the token repeats", looping.calls)
	}
}

// loopingTagging always answers with the same token, as a broken endpoint might.
type loopingTagging struct{ calls int }

func (l *loopingTagging) GetResources(context.Context, *resourcegroupstaggingapi.GetResourcesInput, ...func(*resourcegroupstaggingapi.Options)) (*resourcegroupstaggingapi.GetResourcesOutput, error) {
	if l.calls++; l.calls > 10 {
		return nil, errors.New("loopingTagging: called more than 10 times")
	}
	return &resourcegroupstaggingapi.GetResourcesOutput{PaginationToken: aws.String("same")}, nil
}
