package canarystatus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codedeploy"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
)

// awsRequest is one request the fake AWS endpoint received.
type awsRequest struct {
	Method, Path, Target, ContentType string
	// Scope is the credential scope of the SigV4 signature:
	// date/region/service/aws4_request without the date.
	Scope string
	Body  map[string]any
}

// fakeAWS answers the four operations Status uses, in the wire formats of
// the real services, for the web-items and worker functions of shop/dev.
type fakeAWS struct {
	t  *testing.T
	mu sync.Mutex
	// reqs are the requests received, in order.
	reqs []awsRequest
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := awsRequest{
		Method: r.Method, Path: r.URL.Path, Target: r.Header.Get("X-Amz-Target"), ContentType: r.Header.Get("Content-Type"),
		Scope: signingScope(r.Header.Get("Authorization")),
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &req.Body); err != nil {
			f.t.Errorf("%s %s: body is not JSON: %q", r.Method, r.URL.Path, raw)
		}
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()

	reply := func(status int, body string) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	switch {
	case req.Target == "ResourceGroupsTaggingAPI_20170126.GetResources":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if req.Body["PaginationToken"] == nil {
			reply(200, `{"PaginationToken":"tok-2","ResourceTagMappingList":[
				{"ResourceARN":"arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-worker-9f8e7d",
				 "Tags":[{"Key":"kumo:project","Value":"shop"},{"Key":"kumo:stack","Value":"dev"},{"Key":"kumo:function","Value":"worker"}]}]}`)
		} else {
			reply(200, `{"PaginationToken":"","ResourceTagMappingList":[
				{"ResourceARN":"arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-web-items-3e96e17",
				 "Tags":[{"Key":"kumo:function","Value":"web-items"},{"Key":"kumo:project","Value":"shop"},{"Key":"kumo:stack","Value":"dev"}]}]}`)
		}
	case r.Method == http.MethodGet && req.Path == "/2015-03-31/functions/shop-dev-web-items-3e96e17/aliases/live":
		w.Header().Set("Content-Type", "application/json")
		reply(200, `{"AliasArn":"arn:aws:lambda:eu-central-1:123456789012:function:shop-dev-web-items-3e96e17:live",
			"Name":"live","FunctionVersion":"7","RevisionId":"r1",
			"RoutingConfig":{"AdditionalVersionWeights":{"8":0.1}}}`)
	case r.Method == http.MethodGet && strings.HasPrefix(req.Path, "/2015-03-31/functions/"):
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		reply(404, `{"Type":"User","Message":"Alias not found: live"}`)
	case req.Target == "CodeDeploy_20141006.ListDeployments":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if req.Body["deploymentGroupName"] != "web-items" {
			reply(400, `{"__type":"DeploymentGroupDoesNotExistException","message":"No Deployment Group found for name: worker"}`)
			return
		}
		reply(200, `{"deployments":["d-CANARY8","d-FAILED7","d-OLDEST1"]}`)
	case req.Target == "CodeDeploy_20141006.BatchGetDeployments":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		// Times are epoch seconds with a fraction, as CodeDeploy sends them.
		reply(200, `{"deploymentsInfo":[
			{"deploymentId":"d-FAILED7","applicationName":"shop-dev","deploymentGroupName":"web-items",
			 "status":"Stopped","deploymentConfigName":"CodeDeployDefault.LambdaCanary10Percent5Minutes","creator":"user",
			 "createTime":1795168800.25,"completeTime":1795169069.5,
			 "errorInformation":{"code":"ALARM_ACTIVE","message":"alarm web-items-errors is in ALARM"},
			 "rollbackInfo":{"rollbackDeploymentId":"d-ROLLBK7","rollbackMessage":"rolled back"}},
			{"deploymentId":"d-CANARY8","applicationName":"shop-dev","deploymentGroupName":"web-items",
			 "status":"InProgress","deploymentConfigName":"CodeDeployDefault.LambdaCanary10Percent5Minutes","creator":"user",
			 "createTime":1795255331.512}]}`)
	default:
		f.t.Errorf("unexpected request %s %s target %q", r.Method, r.URL.Path, req.Target)
		reply(500, `{}`)
	}
}

// signingScope extracts region/service/aws4_request from a SigV4 header.
func signingScope(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/") // key/date/region/service/aws4_request
	if len(parts) != 5 {
		return ""
	}
	return strings.Join(parts[2:], "/")
}

// TestStatusAgainstLocalAWS drives the real SDK clients against a local
// endpoint: it proves the request shapes, the pagination, the error mapping
// of missing aliases and groups, and the response decoding, offline.
func TestStatusAgainstLocalAWS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeAWS{t: t}
	srv := httptest.NewUnstartedServer(fake)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	defer srv.Close()

	cfg := aws.Config{
		Region:      "eu-central-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	endpoint := aws.String(srv.URL)
	c := Clients{
		Tagging:    resourcegroupstaggingapi.NewFromConfig(cfg, func(o *resourcegroupstaggingapi.Options) { o.BaseEndpoint = endpoint }),
		Lambda:     lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = endpoint }),
		CodeDeploy: codedeploy.NewFromConfig(cfg, func(o *codedeploy.Options) { o.BaseEndpoint = endpoint }),
	}
	got, err := Status(context.Background(), c, Query{Project: "shop", Stack: "dev", Region: "eu-central-1", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}

	var text strings.Builder
	if err := got.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := `stack dev (project shop, eu-central-1): 2 functions

web-items  (shop-dev-web-items-3e96e17)  live → version 7  canary: version 8 at 10%
  d-CANARY8  InProgress  CodeDeployDefault.LambdaCanary10Percent5Minutes  2026-11-21 10:02:11Z  —           —
  d-FAILED7  Stopped     CodeDeployDefault.LambdaCanary10Percent5Minutes  2026-11-20 10:00:00Z  took 4m29s  rolled back by d-ROLLBK7; ALARM_ACTIVE: alarm web-items-errors is in ALARM

worker  (shop-dev-worker-9f8e7d)  no live alias
  no deployments yet: deployment group shop-dev/worker does not exist
`
	if text.String() != want {
		t.Errorf("report =\n%s\nwant\n%s", text.String(), want)
	}

	// The requests, sorted so the order does not depend on scheduling; the
	// second GetResources (with the token) sorts before the first.
	reqs := slices.Clone(fake.reqs)
	slices.SortStableFunc(reqs, func(a, b awsRequest) int {
		return strings.Compare(a.Target+a.Path+fmt.Sprint(a.Body), b.Target+b.Path+fmt.Sprint(b.Body))
	})
	tagFilters := []any{
		map[string]any{"Key": "kumo:project", "Values": []any{"shop"}},
		map[string]any{"Key": "kumo:stack", "Values": []any{"dev"}},
	}
	wantReqs := []awsRequest{
		{Method: "GET", Path: "/2015-03-31/functions/shop-dev-web-items-3e96e17/aliases/live", Scope: "eu-central-1/lambda/aws4_request"},
		{Method: "GET", Path: "/2015-03-31/functions/shop-dev-worker-9f8e7d/aliases/live", Scope: "eu-central-1/lambda/aws4_request"},
		{Method: "POST", Path: "/", Target: "CodeDeploy_20141006.BatchGetDeployments", ContentType: "application/x-amz-json-1.1",
			Scope: "eu-central-1/codedeploy/aws4_request",
			Body:  map[string]any{"deploymentIds": []any{"d-CANARY8", "d-FAILED7"}}},
		{Method: "POST", Path: "/", Target: "CodeDeploy_20141006.ListDeployments", ContentType: "application/x-amz-json-1.1",
			Scope: "eu-central-1/codedeploy/aws4_request",
			Body:  map[string]any{"applicationName": "shop-dev", "deploymentGroupName": "web-items"}},
		{Method: "POST", Path: "/", Target: "CodeDeploy_20141006.ListDeployments", ContentType: "application/x-amz-json-1.1",
			Scope: "eu-central-1/codedeploy/aws4_request",
			Body:  map[string]any{"applicationName": "shop-dev", "deploymentGroupName": "worker"}},
		{Method: "POST", Path: "/", Target: "ResourceGroupsTaggingAPI_20170126.GetResources", ContentType: "application/x-amz-json-1.1",
			Scope: "eu-central-1/tagging/aws4_request",
			Body:  map[string]any{"PaginationToken": "tok-2", "ResourceTypeFilters": []any{"lambda:function"}, "ResourcesPerPage": float64(100), "TagFilters": tagFilters}},
		{Method: "POST", Path: "/", Target: "ResourceGroupsTaggingAPI_20170126.GetResources", ContentType: "application/x-amz-json-1.1",
			Scope: "eu-central-1/tagging/aws4_request",
			Body:  map[string]any{"ResourceTypeFilters": []any{"lambda:function"}, "ResourcesPerPage": float64(100), "TagFilters": tagFilters}},
	}
	if len(reqs) != len(wantReqs) {
		t.Fatalf("got %d requests; want %d:\n%+v", len(reqs), len(wantReqs), reqs)
	}
	for i := range wantReqs {
		if !reflect.DeepEqual(reqs[i], wantReqs[i]) {
			t.Errorf("request %d =\n%+v\nwant\n%+v", i, reqs[i], wantReqs[i])
		}
	}
}
