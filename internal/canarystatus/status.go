// Package canarystatus reports what a deployed kumo stack's functions serve
// and how their recent CodeDeploy releases went: the version each function's
// alias points at, any in-flight canary weights, and the newest deployments of
// its deployment group with their outcome and rollback. It reads AWS directly
// through narrow client interfaces, finding the functions by the tags the
// Function construct puts on them, so it needs neither Pulumi state nor the
// pulumi CLI.
package canarystatus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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

// Tags the Function construct puts on every Lambda function. They are the
// contract Status finds functions by: renaming one hides deployed functions.
const (
	// TagProject holds the Pulumi project name.
	TagProject = "kumo:project"
	// TagStack holds the Pulumi stack name.
	TagStack = "kumo:stack"
	// TagFunction holds the function's logical (construct) name, which also
	// names its CodeDeploy deployment group.
	TagFunction = "kumo:function"
	// TagAlias holds the name of the alias traffic is served through, when
	// it is not DefaultAliasName. Optional.
	TagAlias = "kumo:alias"
)

const (
	// DefaultAliasName is the alias read when a function has no TagAlias.
	DefaultAliasName = "live"
	// DefaultLimit is how many deployments per function a zero Query.Limit
	// reports.
	DefaultLimit = 5
	// MaxLimit is the most deployments per function Status reports: the
	// number BatchGetDeployments accepts in one call.
	MaxLimit = 25
)

// parallelism bounds the functions described at once, to stay well inside
// the Lambda and CodeDeploy read rate limits.
const parallelism = 8

// ApplicationName is the CodeDeploy application of a stack's functions.
func ApplicationName(project, stack string) string { return project + "-" + stack }

// DeploymentGroupName is the CodeDeploy deployment group of the function
// with the given logical name.
func DeploymentGroupName(function string) string { return function }

// Query selects what Status reports.
type Query struct {
	// Project is the Pulumi project name. Required.
	Project string
	// Stack is the Pulumi stack name. Required.
	Stack string
	// Region is the region the clients target; it is only echoed in the
	// report. Default: none.
	Region string
	// Function restricts the report to one function, by logical name or by
	// physical function name. Default: every function of the stack.
	Function string
	// Limit is how many of the newest deployments to report per function,
	// 1–MaxLimit. Default: DefaultLimit.
	Limit int
}

// Report is the status of a stack's functions.
type Report struct {
	Project string
	Stack   string
	Region  string
	// Functions are sorted by Name, then FunctionName.
	Functions []Function
}

// Function is one Lambda function of the stack.
type Function struct {
	// Name is the logical name from the kumo:function tag, or the physical
	// name when the tag is missing.
	Name string
	// FunctionName is the physical Lambda function name.
	FunctionName string
	// FunctionARN is the unqualified function ARN.
	FunctionARN string
	// AliasName is the alias traffic is served through: the kumo:alias tag,
	// or DefaultAliasName.
	AliasName string
	// Alias is where that alias routes traffic, or nil when the function
	// has no such alias.
	Alias *Alias
	// Application and DeploymentGroup are the CodeDeploy application and
	// deployment group that release the function.
	Application     string
	DeploymentGroup string
	// DeploymentGroupFound is false when the application or the deployment
	// group does not exist (yet); Deployments is then empty.
	DeploymentGroupFound bool
	// Deployments are the newest deployments of the group, newest first.
	Deployments []Deployment
}

// Alias is where a function's alias routes traffic.
type Alias struct {
	Name string
	// Version is the version that receives the traffic Routing does not.
	Version string
	// Routing lists the additional versions and the fraction of traffic
	// each receives, by version: a canary in flight. Empty otherwise.
	Routing []VersionWeight
}

// VersionWeight is the share of an alias's traffic one version receives.
type VersionWeight struct {
	Version string
	// Weight is the fraction of traffic, 0–1.
	Weight float64
}

// Deployment is one CodeDeploy deployment of a function's alias.
type Deployment struct {
	ID string
	// Status is CodeDeploy's status: Created, Queued, InProgress, Baking,
	// Ready, Succeeded, Failed or Stopped.
	Status string
	// Config is the deployment config, e.g.
	// CodeDeployDefault.LambdaCanary10Percent5Minutes.
	Config string
	// Creator is who started it: user, codeDeployRollback, …
	Creator string
	// Created is when the deployment was created, in UTC.
	Created time.Time
	// Completed is when it finished, in UTC, or zero while it runs.
	Completed time.Time
	// Error is why the deployment failed or was stopped, or nil.
	Error *DeploymentError
	// Rollback links the deployment to its rollback, or nil.
	Rollback *Rollback
}

// DeploymentError is CodeDeploy's reason for a failed or stopped deployment.
type DeploymentError struct {
	// Code is e.g. ALARM_ACTIVE, HOOK_EXECUTION_FAILURE, TIMEOUT.
	Code    string
	Message string
}

// Rollback links a deployment with the one that rolled it back.
type Rollback struct {
	// DeploymentID is the rollback deployment this one triggered.
	DeploymentID string
	// TriggeringDeploymentID is, for a rollback deployment, the deployment
	// it rolled back.
	TriggeringDeploymentID string
	// Message is CodeDeploy's account of the rollback.
	Message string
}

func (q Query) validate() error {
	var problems []string
	if q.Project == "" {
		problems = append(problems, "Project is empty")
	}
	if q.Stack == "" {
		problems = append(problems, "Stack is empty")
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		problems = append(problems, fmt.Sprintf("Limit %d is outside 1–%d", q.Limit, MaxLimit))
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid query: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Status reads the alias and recent deployments of every function of the
// query's stack. A function without an alias, or without a deployment group
// yet, is reported as such; any other AWS error fails the whole report.
func Status(ctx context.Context, c Clients, q Query) (*Report, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	limit := cmp.Or(q.Limit, DefaultLimit)

	found, err := findFunctions(ctx, c.Tagging, q)
	if err != nil {
		return nil, err
	}
	fns := found
	if q.Function != "" {
		fns = nil
		for _, f := range found {
			if f.Name == q.Function || f.FunctionName == q.Function {
				fns = append(fns, f)
			}
		}
		if len(fns) == 0 {
			return nil, functionNotFound(q, found)
		}
	}

	report := &Report{Project: q.Project, Stack: q.Stack, Region: q.Region, Functions: make([]Function, len(fns))}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		sem      = make(chan struct{}, parallelism)
	)
	for i, f := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			fn, err := describe(ctx, c, f, limit)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
				return
			}
			report.Functions[i] = fn
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return report, nil
}

// findFunctions lists the stack's functions by tag, sorted.
func findFunctions(ctx context.Context, tagging TaggingAPI, q Query) ([]Function, error) {
	p := resourcegroupstaggingapi.NewGetResourcesPaginator(tagging, &resourcegroupstaggingapi.GetResourcesInput{
		ResourceTypeFilters: []string{"lambda:function"},
		TagFilters: []tagtypes.TagFilter{
			{Key: aws.String(TagProject), Values: []string{q.Project}},
			{Key: aws.String(TagStack), Values: []string{q.Stack}},
		},
		ResourcesPerPage: aws.Int32(100),
	}, func(o *resourcegroupstaggingapi.GetResourcesPaginatorOptions) {
		// A token that repeats would otherwise loop forever.
		o.StopOnDuplicateToken = true
	})
	var fns []Function
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("find functions tagged %s=%s, %s=%s: %w", TagProject, q.Project, TagStack, q.Stack, err)
		}
		for _, r := range page.ResourceTagMappingList {
			arn := aws.ToString(r.ResourceARN)
			tags := map[string]string{}
			for _, t := range r.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			physical := functionNameFromARN(arn)
			name := cmp.Or(tags[TagFunction], physical)
			fns = append(fns, Function{
				Name:            name,
				FunctionName:    physical,
				FunctionARN:     arn,
				AliasName:       cmp.Or(tags[TagAlias], DefaultAliasName),
				Application:     ApplicationName(q.Project, q.Stack),
				DeploymentGroup: DeploymentGroupName(name),
			})
		}
	}
	slices.SortFunc(fns, func(a, b Function) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.FunctionName, b.FunctionName))
	})
	return fns, nil
}

// functionNameFromARN returns the name in
// arn:aws:lambda:region:account:function:name[:qualifier].
func functionNameFromARN(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) >= 7 && parts[5] == "function" {
		return parts[6]
	}
	return arn
}

func functionNotFound(q Query, found []Function) error {
	if len(found) == 0 {
		return fmt.Errorf("function %q not found: no functions are tagged %s=%s, %s=%s", q.Function, TagProject, q.Project, TagStack, q.Stack)
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.Name
	}
	return fmt.Errorf("function %q not found in stack %s (functions: %s)", q.Function, q.Stack, strings.Join(names, ", "))
}

// describe adds the alias and deployments to a function found by its tags.
func describe(ctx context.Context, c Clients, fn Function, limit int) (Function, error) {
	alias, err := getAlias(ctx, c.Lambda, fn.FunctionName, fn.AliasName)
	if err != nil {
		return Function{}, fmt.Errorf("function %s: %w", fn.Name, err)
	}
	fn.Alias = alias
	fn.Deployments, fn.DeploymentGroupFound, err = recentDeployments(ctx, c.CodeDeploy, fn.Application, fn.DeploymentGroup, limit)
	if err != nil {
		return Function{}, fmt.Errorf("function %s: %w", fn.Name, err)
	}
	return fn, nil
}

// getAlias returns nil, nil when the alias (or, listed by a lagging tagging
// index, the function itself) does not exist.
func getAlias(ctx context.Context, client LambdaAPI, function, name string) (*Alias, error) {
	out, err := client.GetAlias(ctx, &lambda.GetAliasInput{FunctionName: aws.String(function), Name: aws.String(name)})
	var notFound *lambdatypes.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get alias %s of %s: %w", name, function, err)
	}
	a := &Alias{Name: cmp.Or(aws.ToString(out.Name), name), Version: aws.ToString(out.FunctionVersion)}
	if out.RoutingConfig != nil {
		for v, w := range out.RoutingConfig.AdditionalVersionWeights {
			a.Routing = append(a.Routing, VersionWeight{Version: v, Weight: w})
		}
		slices.SortFunc(a.Routing, func(x, y VersionWeight) int { return compareVersions(x.Version, y.Version) })
	}
	return a, nil
}

// compareVersions orders Lambda versions numerically ("9" before "10").
func compareVersions(a, b string) int {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(a, b)
}

// recentDeployments returns up to limit of the group's newest deployments.
// found is false when the application or group does not exist.
//
// ListDeployments returns the newest deployments first, so the first page
// holds the ones wanted; BatchGetDeployments then fetches their details.
func recentDeployments(ctx context.Context, client CodeDeployAPI, app, group string, limit int) (deps []Deployment, found bool, err error) {
	list, err := client.ListDeployments(ctx, &codedeploy.ListDeploymentsInput{
		ApplicationName:     aws.String(app),
		DeploymentGroupName: aws.String(group),
	})
	var noApp *cdtypes.ApplicationDoesNotExistException
	var noGroup *cdtypes.DeploymentGroupDoesNotExistException
	if errors.As(err, &noApp) || errors.As(err, &noGroup) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("list deployments of %s/%s: %w", app, group, err)
	}
	ids := list.Deployments
	if len(ids) > limit {
		ids = ids[:limit]
	}
	if len(ids) == 0 {
		return []Deployment{}, true, nil
	}
	got, err := client.BatchGetDeployments(ctx, &codedeploy.BatchGetDeploymentsInput{DeploymentIds: ids})
	if err != nil {
		return nil, false, fmt.Errorf("get deployments %s of %s/%s: %w", strings.Join(ids, ", "), app, group, err)
	}
	deps = make([]Deployment, 0, len(got.DeploymentsInfo))
	for _, d := range got.DeploymentsInfo {
		deps = append(deps, deployment(d))
	}
	slices.SortFunc(deps, func(a, b Deployment) int {
		return cmp.Or(b.Created.Compare(a.Created), cmp.Compare(b.ID, a.ID))
	})
	return deps, true, nil
}

func deployment(d cdtypes.DeploymentInfo) Deployment {
	dep := Deployment{
		ID:        aws.ToString(d.DeploymentId),
		Status:    string(d.Status),
		Config:    aws.ToString(d.DeploymentConfigName),
		Creator:   string(d.Creator),
		Created:   utc(d.CreateTime),
		Completed: utc(d.CompleteTime),
	}
	if e := d.ErrorInformation; e != nil && (e.Code != "" || aws.ToString(e.Message) != "") {
		dep.Error = &DeploymentError{Code: string(e.Code), Message: aws.ToString(e.Message)}
	}
	if r := d.RollbackInfo; r != nil {
		rb := Rollback{
			DeploymentID:           aws.ToString(r.RollbackDeploymentId),
			TriggeringDeploymentID: aws.ToString(r.RollbackTriggeringDeploymentId),
			Message:                aws.ToString(r.RollbackMessage),
		}
		if rb != (Rollback{}) {
			dep.Rollback = &rb
		}
	}
	return dep
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
