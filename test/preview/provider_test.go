package preview_test

// This file is a fake `aws` resource provider the Pulumi engine attaches to
// through PULUMI_DEBUG_PROVIDERS (GetProviderAttachPort in
// sdk/v3/go/common/resource/plugin/provider_plugin.go): no pulumi-aws
// plugin exists on this machine, and a preview only needs a provider that
// checks, diffs and creates the way pulumi-aws does, not AWS itself.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"slices"
	"strings"

	"google.golang.org/grpc"
	pbempty "google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// awsVersion is the pulumi-aws version in go.mod, which the SDK asks the
// engine's default provider to be.
const awsVersion = "6.83.0"

// replaceOnChange are the properties whose change replaces a resource of
// the fixture's types. The engine learns this from the provider's Diff, so
// the fake must say it; it is a local list for the fixture, not kumo's
// replacement table. Sources: the CloudFormation reference marks
// AWS::DynamoDB::Table KeySchema and TableName, AWS::Lambda::Function
// FunctionName, AWS::Lambda::Alias FunctionName and Name, and
// AWS::IAM::RolePolicy RoleName and PolicyName "Update requires:
// Replacement", as the Terraform AWS provider's ForceNew does for the same
// arguments.
var replaceOnChange = map[string][]string{
	"aws:dynamodb/table:Table":         {"hashKey", "name", "rangeKey"},
	"aws:lambda/function:Function":     {"name"},
	"aws:lambda/alias:Alias":           {"functionName", "name"},
	"aws:iam/rolePolicy:RolePolicy":    {"name", "role"},
	"aws:cloudwatch/logGroup:LogGroup": {"name", "namePrefix"},
}

// rpcOpts keep what the engine sends: unknowns (previews), secrets (the
// provider accepts them, as pulumi-aws does) and resource references.
var rpcOpts = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true}

// fakeAWS answers the engine as pulumi-aws would for the calls a preview
// and an up make. It keeps no state: the engine sends it all.
type fakeAWS struct {
	pulumirpc.UnimplementedResourceProviderServer
}

// serve starts the provider on a loopback port and returns the port.
func (p *fakeAWS) serve() (port int, stop func(), err error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, fmt.Errorf("listen for the fake aws provider: %w", err)
	}
	srv := grpc.NewServer()
	pulumirpc.RegisterResourceProviderServer(srv, p)
	go func() { _ = srv.Serve(lis) }()
	return lis.Addr().(*net.TCPAddr).Port, srv.Stop, nil
}

func (p *fakeAWS) Handshake(context.Context, *pulumirpc.ProviderHandshakeRequest) (*pulumirpc.ProviderHandshakeResponse, error) {
	return &pulumirpc.ProviderHandshakeResponse{AcceptSecrets: true, AcceptResources: true}, nil
}

func (p *fakeAWS) GetPluginInfo(context.Context, *pbempty.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: awsVersion}, nil
}

func (p *fakeAWS) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"aws","version":"` + awsVersion + `"}`}, nil
}

func (p *fakeAWS) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *fakeAWS) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

func (p *fakeAWS) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}, nil
}

func (p *fakeAWS) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// Diff compares the old state with the new inputs property by property,
// down into objects, as pulumi-aws's detailed diffs do.
func (p *fakeAWS) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), rpcOpts)
	if err != nil {
		return nil, err
	}
	oldInputs, err := plugin.UnmarshalProperties(req.GetOldInputs(), rpcOpts)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), rpcOpts)
	if err != nil {
		return nil, err
	}
	typ := resource.URN(req.GetUrn()).Type().String()
	replaceKeys := replaceOnChange[typ]

	detailed := map[string]*pulumirpc.PropertyDiff{}
	var diffs, replaces []string
	keys := map[resource.PropertyKey]bool{}
	for k := range oldInputs {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	for k := range keys {
		// The old value is the provider's state of it, as the bridge
		// diffs against; an input the state does not echo, its input.
		old, ok := olds[k]
		if !ok {
			old = oldInputs[k]
		}
		replace := slices.Contains(replaceKeys, string(k))
		n := len(detailed)
		diffValue(resource.PropertyPath{string(k)}, old, news[k], replace, detailed)
		if len(detailed) > n {
			diffs = append(diffs, string(k))
			if replace {
				replaces = append(replaces, string(k))
			}
		}
	}
	if len(detailed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true}, nil
	}
	slices.Sort(diffs)
	slices.Sort(replaces)
	// The bridge deletes first when a replaced resource keeps a name the
	// program fixed, which the new one cannot take while the old one
	// exists (nameRequiresDeleteBeforeReplace in
	// pulumi-terraform-bridge's pkg/tfbridge/provider.go).
	dbr := len(replaces) > 0 && news.HasValue("name") && !slices.Contains(replaces, "name")
	return &pulumirpc.DiffResponse{
		Changes:             pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:               diffs,
		Replaces:            replaces,
		DeleteBeforeReplace: dbr,
		DetailedDiff:        detailed,
		HasDetailedDiff:     true,
	}, nil
}

// diffValue records in detailed how old became new at path: objects
// property by property, anything else (lists, secrets, unknowns) whole.
func diffValue(path resource.PropertyPath, old, new resource.PropertyValue, replace bool, detailed map[string]*pulumirpc.PropertyDiff) {
	kind := func(k pulumirpc.PropertyDiff_Kind) pulumirpc.PropertyDiff_Kind {
		if !replace {
			return k
		}
		return map[pulumirpc.PropertyDiff_Kind]pulumirpc.PropertyDiff_Kind{
			pulumirpc.PropertyDiff_ADD:    pulumirpc.PropertyDiff_ADD_REPLACE,
			pulumirpc.PropertyDiff_DELETE: pulumirpc.PropertyDiff_DELETE_REPLACE,
			pulumirpc.PropertyDiff_UPDATE: pulumirpc.PropertyDiff_UPDATE_REPLACE,
		}[k]
	}
	switch {
	case old.IsNull() && new.IsNull():
	case old.IsNull():
		detailed[path.String()] = &pulumirpc.PropertyDiff{Kind: kind(pulumirpc.PropertyDiff_ADD)}
	case new.IsNull():
		detailed[path.String()] = &pulumirpc.PropertyDiff{Kind: kind(pulumirpc.PropertyDiff_DELETE)}
	case old.IsObject() && new.IsObject():
		o, n := old.ObjectValue(), new.ObjectValue()
		keys := map[resource.PropertyKey]bool{}
		for k := range o {
			keys[k] = true
		}
		for k := range n {
			keys[k] = true
		}
		for k := range keys {
			diffValue(append(slices.Clone(path), string(k)), o[k], n[k], replace, detailed)
		}
	case new.ContainsUnknowns() || !old.DeepEquals(new):
		detailed[path.String()] = &pulumirpc.PropertyDiff{Kind: kind(pulumirpc.PropertyDiff_UPDATE)}
	}
}

// physicalName names a new resource as the bridge's autonaming would: the
// program's name if it set one, else the logical name and a suffix. The
// suffix comes from the URN, not a random source, so that -update
// rewrites the fixture with the same names.
func physicalName(urn resource.URN, news resource.PropertyMap) string {
	if v, ok := news["name"]; ok && v.IsString() {
		return v.StringValue()
	}
	sum := sha256.Sum256([]byte(urn))
	return fmt.Sprintf("%s-%x", urn.Name(), sum[:4])
}

// computed adds the outputs AWS assigns on creation.
func computed(urn resource.URN, name string, outs resource.PropertyMap) {
	typ := urn.Type().String()
	service := strings.SplitN(strings.TrimPrefix(typ, "aws:"), "/", 2)[0]
	arn := fmt.Sprintf("arn:aws:%s:eu-west-1:123456789012:%s", service, name)
	switch typ {
	case "aws:dynamodb/table:Table":
		arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/" + name
	case "aws:lambda/function:Function":
		arn = "arn:aws:lambda:eu-west-1:123456789012:function:" + name
		outs["version"] = resource.NewStringProperty("1")
		outs["qualifiedArn"] = resource.NewStringProperty(arn + ":1")
		outs["invokeArn"] = resource.NewStringProperty("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/" + arn + "/invocations")
	case "aws:iam/role:Role":
		arn = "arn:aws:iam::123456789012:role/" + name
	}
	if !outs.HasValue("name") {
		outs["name"] = resource.NewStringProperty(name)
	}
	outs["arn"] = resource.NewStringProperty(arn)
}

func (p *fakeAWS) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	news, err := plugin.UnmarshalProperties(req.GetProperties(), rpcOpts)
	if err != nil {
		return nil, err
	}
	urn := resource.URN(req.GetUrn())
	if req.GetPreview() {
		// What AWS assigns is unknown until it is created: the engine
		// shows absent outputs as unknown.
		return &pulumirpc.CreateResponse{Properties: req.GetProperties()}, nil
	}
	name := physicalName(urn, news)
	outs := news.Copy()
	computed(urn, name, outs)
	props, err := plugin.MarshalProperties(outs, rpcOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: name, Properties: props}, nil
}

func (p *fakeAWS) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

// Update keeps what AWS assigned and takes the new inputs. A function
// that publishes gets a new version, unknown in a preview as pulumi-aws
// reports it.
func (p *fakeAWS) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), rpcOpts)
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), rpcOpts)
	if err != nil {
		return nil, err
	}
	outs := olds.Copy()
	for k, v := range news {
		outs[k] = v
	}
	urn := resource.URN(req.GetUrn())
	if urn.Type() == "aws:lambda/function:Function" && news["publish"].IsBool() && news["publish"].BoolValue() {
		if req.GetPreview() {
			outs["version"] = resource.MakeComputed(resource.NewStringProperty(""))
		} else {
			var n int
			if v := olds["version"]; v.IsString() {
				fmt.Sscan(v.StringValue(), &n)
			}
			outs["version"] = resource.NewStringProperty(fmt.Sprint(n + 1))
		}
	}
	props, err := plugin.MarshalProperties(outs, rpcOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (p *fakeAWS) Delete(context.Context, *pulumirpc.DeleteRequest) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}

func (p *fakeAWS) Cancel(context.Context, *pbempty.Empty) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}

func (p *fakeAWS) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return nil, fmt.Errorf("the fake aws provider has no function %s", req.GetTok())
}

// Attach is how the engine hands an attached provider its address; the
// fake never calls back.
func (p *fakeAWS) Attach(context.Context, *pulumirpc.PluginAttach) (*pbempty.Empty, error) {
	return &pbempty.Empty{}, nil
}
