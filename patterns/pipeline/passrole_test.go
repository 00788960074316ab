package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDeployRolePassesEveryServiceRole: a deploy role must be able to pass
// every role kumo's shipped stacks create to the service that assumes it
// (CreateTrail, CreateFunction, CreateStateMachine, … check iam:PassRole
// with iam:PassedToService), so passedTo lists every service principal in
// the trust policy of a role in the golden synth documents.
func TestDeployRolePassesEveryServiceRole(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "test", "testdata", "*.golden.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("golden documents: %v %v", files, err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Resources []struct {
				Type   string         `json:"type"`
				Name   string         `json:"name"`
				Inputs map[string]any `json:"inputs"`
			} `json:"resources"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		for _, r := range doc.Resources {
			if r.Type != "aws:iam/role:Role" {
				continue
			}
			raw, _ := r.Inputs["assumeRolePolicy"].(string)
			var policy struct {
				Statement []struct {
					Principal map[string]any `json:"Principal"`
				} `json:"Statement"`
			}
			if err := json.Unmarshal([]byte(raw), &policy); err != nil {
				t.Fatalf("%s: role %s: trust policy %q: %v", f, r.Name, raw, err)
			}
			for _, st := range policy.Statement {
				var services []any
				switch v := st.Principal["Service"].(type) {
				case string:
					services = []any{v}
				case []any:
					services = v
				}
				for _, s := range services {
					svc := s.(string)
					seen[svc] = true
					if !slices.Contains(passedTo, svc) {
						t.Errorf("%s: role %s is assumed by %s, which passedTo lacks: a kumo-made deploy role could not create what uses it", filepath.Base(f), r.Name, svc)
					}
				}
			}
		}
	}
	if len(seen) == 0 {
		t.Fatal("no role trusted by a service in the golden documents; want the shipped stacks' roles")
	}
}
