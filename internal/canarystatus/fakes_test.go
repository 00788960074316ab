package canarystatus

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	cdtypes "github.com/aws/aws-sdk-go-v2/service/codedeploy/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	tagtypes "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/types"
)

// fakeTagging serves pages of functions; page i is returned for the token
// "page-i" (the first for no token) and points at the next.
type fakeTagging struct {
	pages [][]tagtypes.ResourceTagMapping
	err   error

	mu    sync.Mutex
	calls []*resourcegroupstaggingapi.GetResourcesInput
}

func (f *fakeTagging) GetResources(_ context.Context, in *resourcegroupstaggingapi.GetResourcesInput, _ ...func(*resourcegroupstaggingapi.Options)) (*resourcegroupstaggingapi.GetResourcesOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, in)
	if f.err != nil {
		return nil, f.err
	}
	i := 0
	if tok := aws.ToString(in.PaginationToken); tok != "" {
		if _, err := fmt.Sscanf(tok, "page-%d", &i); err != nil || i >= len(f.pages) {
			return nil, fmt.Errorf("fake: bad pagination token %q", tok)
		}
	}
	out := &resourcegroupstaggingapi.GetResourcesOutput{}
	if i < len(f.pages) {
		out.ResourceTagMappingList = f.pages[i]
	}
	// The real API ends with an empty token, not a missing one.
	out.PaginationToken = aws.String("")
	if i+1 < len(f.pages) {
		out.PaginationToken = aws.String(fmt.Sprintf("page-%d", i+1))
	}
	return out, nil
}

// fakeLambda serves aliases by "function/alias"; anything else is the
// ResourceNotFoundException Lambda returns.
type fakeLambda struct {
	aliases map[string]*lambda.GetAliasOutput
	err     error

	mu    sync.Mutex
	calls []string
}

func (f *fakeLambda) GetAlias(_ context.Context, in *lambda.GetAliasInput, _ ...func(*lambda.Options)) (*lambda.GetAliasOutput, error) {
	key := aws.ToString(in.FunctionName) + "/" + aws.ToString(in.Name)
	f.mu.Lock()
	f.calls = append(f.calls, key)
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if out, ok := f.aliases[key]; ok {
		return out, nil
	}
	return nil, &lambdatypes.ResourceNotFoundException{Message: aws.String("Alias not found: " + key)}
}

// fakeCodeDeploy holds the deployments of each "application/group", newest
// first as ListDeployments returns them. An application listed in apps but
// without groups entry has no such group.
type fakeCodeDeploy struct {
	apps   []string
	groups map[string][]cdtypes.DeploymentInfo
	err    error

	mu        sync.Mutex
	listCalls []string
	getCalls  [][]string
}

func (f *fakeCodeDeploy) ListDeployments(_ context.Context, in *codedeploy.ListDeploymentsInput, _ ...func(*codedeploy.Options)) (*codedeploy.ListDeploymentsOutput, error) {
	app, group := aws.ToString(in.ApplicationName), aws.ToString(in.DeploymentGroupName)
	f.mu.Lock()
	f.listCalls = append(f.listCalls, app+"/"+group)
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	if in.NextToken != nil || in.IncludeOnlyStatuses != nil || in.CreateTimeRange != nil {
		return nil, fmt.Errorf("fake: unexpected ListDeployments input %+v", in)
	}
	if !slices.Contains(f.apps, app) {
		return nil, &cdtypes.ApplicationDoesNotExistException{Message: aws.String("No application found for name: " + app)}
	}
	deps, ok := f.groups[app+"/"+group]
	if !ok {
		return nil, &cdtypes.DeploymentGroupDoesNotExistException{Message: aws.String("No Deployment Group found for name: " + group)}
	}
	out := &codedeploy.ListDeploymentsOutput{Deployments: []string{}}
	for _, d := range deps {
		out.Deployments = append(out.Deployments, aws.ToString(d.DeploymentId))
	}
	return out, nil
}

func (f *fakeCodeDeploy) BatchGetDeployments(_ context.Context, in *codedeploy.BatchGetDeploymentsInput, _ ...func(*codedeploy.Options)) (*codedeploy.BatchGetDeploymentsOutput, error) {
	f.mu.Lock()
	f.getCalls = append(f.getCalls, in.DeploymentIds)
	f.mu.Unlock()
	if len(in.DeploymentIds) == 0 || len(in.DeploymentIds) > MaxLimit {
		return nil, fmt.Errorf("fake: BatchGetDeployments with %d ids", len(in.DeploymentIds))
	}
	byID := map[string]cdtypes.DeploymentInfo{}
	for _, deps := range f.groups {
		for _, d := range deps {
			byID[aws.ToString(d.DeploymentId)] = d
		}
	}
	out := &codedeploy.BatchGetDeploymentsOutput{}
	// The API promises no order; answer in reverse to prove Status sorts.
	for _, id := range slices.Backward(in.DeploymentIds) {
		if d, ok := byID[id]; ok {
			out.DeploymentsInfo = append(out.DeploymentsInfo, d)
		}
	}
	return out, nil
}

func fn(physical, logical string, extra ...tagtypes.Tag) tagtypes.ResourceTagMapping {
	tags := []tagtypes.Tag{
		{Key: aws.String("kumo:project"), Value: aws.String("shop")},
		{Key: aws.String("kumo:stack"), Value: aws.String("dev")},
	}
	if logical != "" {
		tags = append(tags, tagtypes.Tag{Key: aws.String("kumo:function"), Value: aws.String(logical)})
	}
	return tagtypes.ResourceTagMapping{
		ResourceARN: aws.String("arn:aws:lambda:eu-central-1:123456789012:function:" + physical),
		Tags:        append(tags, extra...),
	}
}

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// shop is a dev stack of three functions:
//   - web-items is mid-canary (version 8 at 10%) after a release that an
//     alarm stopped and CodeDeploy rolled back;
//   - health serves version 3 but has no deployment group yet;
//   - worker has no alias, and a deployment group with no deployments.
//
// The tagging API lists them over two pages, unsorted.
func shop() (*fakeTagging, *fakeLambda, *fakeCodeDeploy) {
	tagging := &fakeTagging{pages: [][]tagtypes.ResourceTagMapping{
		{fn("shop-dev-worker-9f8e7d", "worker"), fn("shop-dev-web-items-3e96e17", "web-items")},
		{fn("shop-dev-health-1a2b3c", "health")},
	}}
	lam := &fakeLambda{aliases: map[string]*lambda.GetAliasOutput{
		"shop-dev-web-items-3e96e17/live": {
			Name: aws.String("live"), FunctionVersion: aws.String("7"),
			RoutingConfig: &lambdatypes.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"8": 0.1}},
		},
		"shop-dev-health-1a2b3c/live": {Name: aws.String("live"), FunctionVersion: aws.String("3")},
	}}
	cd := &fakeCodeDeploy{
		apps: []string{"shop-dev"},
		groups: map[string][]cdtypes.DeploymentInfo{
			"shop-dev/web-items": {
				{
					DeploymentId: aws.String("d-CANARY8"), Status: cdtypes.DeploymentStatusInProgress,
					DeploymentConfigName: aws.String("CodeDeployDefault.LambdaCanary10Percent5Minutes"),
					Creator:              cdtypes.DeploymentCreatorUser,
					CreateTime:           at("2026-11-21T10:02:11.512Z"),
				},
				{
					DeploymentId: aws.String("d-ROLLBK7"), Status: cdtypes.DeploymentStatusSucceeded,
					DeploymentConfigName: aws.String("CodeDeployDefault.LambdaAllAtOnce"),
					Creator:              cdtypes.DeploymentCreatorCodeDeployRollback,
					CreateTime:           at("2026-11-20T09:04:30Z"), CompleteTime: at("2026-11-20T09:05:02Z"),
					RollbackInfo: &cdtypes.RollbackInfo{RollbackTriggeringDeploymentId: aws.String("d-FAILED7")},
				},
				{
					DeploymentId: aws.String("d-FAILED7"), Status: cdtypes.DeploymentStatusStopped,
					DeploymentConfigName: aws.String("CodeDeployDefault.LambdaCanary10Percent5Minutes"),
					Creator:              cdtypes.DeploymentCreatorUser,
					// A +01:00 offset proves times are reported in UTC.
					CreateTime: at("2026-11-20T10:00:00+01:00"), CompleteTime: at("2026-11-20T10:04:29+01:00"),
					ErrorInformation: &cdtypes.ErrorInformation{
						Code:    cdtypes.ErrorCodeAlarmActive,
						Message: aws.String("The deployment stopped because the alarm web-items-errors\nwas in ALARM."),
					},
					RollbackInfo: &cdtypes.RollbackInfo{
						RollbackDeploymentId: aws.String("d-ROLLBK7"),
						RollbackMessage:      aws.String("Deployment d-FAILED7 was rolled back by d-ROLLBK7."),
					},
				},
				{
					DeploymentId: aws.String("d-FIRST07"), Status: cdtypes.DeploymentStatusSucceeded,
					DeploymentConfigName: aws.String("CodeDeployDefault.LambdaAllAtOnce"),
					Creator:              cdtypes.DeploymentCreatorUser,
					CreateTime:           at("2026-11-19T08:00:00Z"), CompleteTime: at("2026-11-19T08:00:41Z"),
				},
			},
			"shop-dev/worker": {},
		},
	}
	return tagging, lam, cd
}

func clients(t *fakeTagging, l *fakeLambda, c *fakeCodeDeploy) Clients {
	return Clients{Tagging: t, Lambda: l, CodeDeploy: c}
}

// sorted returns a sorted copy, for comparing calls made concurrently.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
