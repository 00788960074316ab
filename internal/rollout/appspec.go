package rollout

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// AppSpec is the AppSpec of a CodeDeploy Lambda deployment. The release
// builds it; hooks (package constructs/hook) parse it back to learn which
// version they test.
type AppSpec struct {
	// Version is the AppSpec format version, always 0.0.
	Version json.Number `json:"version"`
	// Resources holds one entry, keyed by the function name.
	Resources []map[string]AppSpecResource `json:"Resources"`
	// Hooks holds one single-key map per lifecycle event
	// (BeforeAllowTraffic, AfterAllowTraffic) naming the hook function.
	Hooks []map[string]string `json:"Hooks,omitempty"`
}

// AppSpecResource is a resource entry of an AppSpec.
type AppSpecResource struct {
	Type       string            `json:"Type"`
	Properties AppSpecProperties `json:"Properties"`
}

// AppSpecProperties say which alias moves from which version to which.
type AppSpecProperties struct {
	Name           string `json:"Name"`
	Alias          string `json:"Alias"`
	CurrentVersion string `json:"CurrentVersion"`
	TargetVersion  string `json:"TargetVersion"`
}

const lambdaResourceType = "AWS::Lambda::Function"

// Lifecycle events a Lambda deployment runs hooks for.
const (
	BeforeAllowTraffic = "BeforeAllowTraffic"
	AfterAllowTraffic  = "AfterAllowTraffic"
)

// NewAppSpec returns the AppSpec that moves in's alias from current to target.
func NewAppSpec(in Inputs, current, target string) AppSpec {
	in = in.WithDefaults()
	spec := AppSpec{
		Version: "0.0",
		Resources: []map[string]AppSpecResource{{
			in.FunctionName: {
				Type: lambdaResourceType,
				Properties: AppSpecProperties{
					Name:           in.FunctionName,
					Alias:          in.AliasName,
					CurrentVersion: current,
					TargetVersion:  target,
				},
			},
		}},
	}
	if in.PreTrafficHook != "" {
		spec.Hooks = append(spec.Hooks, map[string]string{BeforeAllowTraffic: in.PreTrafficHook})
	}
	if in.PostTrafficHook != "" {
		spec.Hooks = append(spec.Hooks, map[string]string{AfterAllowTraffic: in.PostTrafficHook})
	}
	return spec
}

// Content renders the AppSpec as JSON and returns it with its hex SHA-256,
// the two halves of a CodeDeploy AppSpecContent revision.
func (a AppSpec) Content() (content, sha string, err error) {
	b, err := json.Marshal(a)
	if err != nil {
		return "", "", fmt.Errorf("render appspec: %w", err)
	}
	sum := sha256.Sum256(b)
	return string(b), hex.EncodeToString(sum[:]), nil
}

// ParseAppSpec parses a JSON AppSpec, as kept in a deployment's revision.
func ParseAppSpec(content string) (AppSpec, error) {
	var a AppSpec
	if err := json.Unmarshal([]byte(content), &a); err != nil {
		return AppSpec{}, fmt.Errorf("parse appspec (kumo writes JSON): %w", err)
	}
	return a, nil
}

// Function returns the properties of the AppSpec's one Lambda function
// resource, or an error when there is none or more than one.
func (a AppSpec) Function() (AppSpecProperties, error) {
	var found []AppSpecProperties
	for _, res := range a.Resources {
		for _, r := range res {
			if r.Type == lambdaResourceType {
				found = append(found, r.Properties)
			}
		}
	}
	switch {
	case len(found) == 0:
		return AppSpecProperties{}, fmt.Errorf("appspec has no %s resource", lambdaResourceType)
	case len(found) > 1:
		return AppSpecProperties{}, fmt.Errorf("appspec has %d %s resources, want one", len(found), lambdaResourceType)
	}
	p := found[0]
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"Name", p.Name}, {"Alias", p.Alias}, {"TargetVersion", p.TargetVersion},
	} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return AppSpecProperties{}, fmt.Errorf("appspec %s resource lacks %s", lambdaResourceType, strings.Join(missing, ", "))
	}
	return p, nil
}
