package synth

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name        string
		files       map[string]string
		stack       string
		wantRaw     map[string]string
		wantSecrets []string
		wantErr     []string
	}{
		{
			name: "types are encoded like PULUMI_CONFIG",
			files: map[string]string{
				"Pulumi.yaml": "name: shop\n",
				"Pulumi.dev.yaml": `config:
  shop:name: items
  shop:quoted: "true"
  shop:memory: 256
  shop:ratio: 0.5
  shop:enabled: true
  shop:origins: [a.example.com, b.example.com]
  shop:limits: {burst: 10, rate: 5}
  aws:region: eu-west-1
`,
			},
			stack: "dev",
			wantRaw: map[string]string{
				"shop:name":    "items",
				"shop:quoted":  "true",
				"shop:memory":  "256",
				"shop:ratio":   "0.5",
				"shop:enabled": "true",
				"shop:origins": `["a.example.com","b.example.com"]`,
				"shop:limits":  `{"burst":10,"rate":5}`,
				"aws:region":   "eu-west-1",
			},
		},
		{
			name: "secure values are placeholders and listed as secret",
			files: map[string]string{
				"Pulumi.yaml": "name: shop\n",
				"Pulumi.dev.yaml": `encryptionsalt: v1:abc
config:
  shop:apiToken:
    secure: v1:Zm9vYmFy
  shop:db:
    user: admin
    password:
      secure: v1:YmF6
  shop:plain: x
`,
			},
			stack: "dev",
			wantRaw: map[string]string{
				"shop:apiToken": "[secret]",
				"shop:db":       `{"password":"[secret]","user":"admin"}`,
				"shop:plain":    "x",
			},
			wantSecrets: []string{"shop:apiToken", "shop:db"},
		},
		{
			name: "project defaults then stack values",
			files: map[string]string{
				"Pulumi.yaml": `name: shop
config:
  memory:
    type: integer
    default: 128
  stage:
    type: string
    description: no default, so absent
  greeting: hello
  shop:timeout:
    default: 3
  aws:region:
    value: us-west-2
  aws:profile: sandbox
`,
				"Pulumi.dev.yaml": "config:\n  shop:memory: 512\n",
			},
			stack: "dev",
			wantRaw: map[string]string{
				"shop:memory":   "512",
				"shop:greeting": "hello",
				"shop:timeout":  "3",
				"aws:region":    "us-west-2",
				"aws:profile":   "sandbox",
			},
		},
		{
			name: "stack file without config",
			files: map[string]string{
				"Pulumi.yaml":     "name: shop\n",
				"Pulumi.dev.yaml": "",
			},
			stack:   "dev",
			wantRaw: map[string]string{},
		},
		{
			name: "stackConfigDir",
			files: map[string]string{
				"Pulumi.yaml":            "name: shop\nstackConfigDir: stacks\n",
				"stacks/Pulumi.dev.yaml": "config:\n  shop:x: y\n",
			},
			stack:   "dev",
			wantRaw: map[string]string{"shop:x": "y"},
		},
		{
			name: "unknown stack lists the existing ones",
			files: map[string]string{
				"Pulumi.yaml":         "name: shop\n",
				"Pulumi.dev.yaml":     "",
				"Pulumi.staging.yaml": "",
			},
			stack:   "prod",
			wantErr: []string{`stack "prod" not found`, "Pulumi.prod.yaml", "existing stacks: dev, staging"},
		},
		{
			name:    "unknown stack with no stacks at all",
			files:   map[string]string{"Pulumi.yaml": "name: shop\n"},
			stack:   "dev",
			wantErr: []string{`stack "dev" not found`, "existing stacks: none"},
		},
		{
			name:    "project without a name",
			files:   map[string]string{"Pulumi.yaml": "runtime: go\n", "Pulumi.dev.yaml": ""},
			stack:   "dev",
			wantErr: []string{"Pulumi.yaml has no name"},
		},
		{
			name:    "malformed stack file",
			files:   map[string]string{"Pulumi.yaml": "name: shop\n", "Pulumi.dev.yaml": "config: [\n"},
			stack:   "dev",
			wantErr: []string{"parse Pulumi.dev.yaml"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := writeProject(t, tt.files)
			project, raw, secrets, err := LoadConfig(root, tt.stack)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("LoadConfig() error = nil; want one containing %q", tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("LoadConfig() error = %q; want it to contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig() error = %v", err)
			}
			if project != "shop" {
				t.Errorf("project = %q; want shop", project)
			}
			if !reflect.DeepEqual(raw, tt.wantRaw) {
				t.Errorf("raw = %v; want %v", raw, tt.wantRaw)
			}
			if !reflect.DeepEqual(secrets, tt.wantSecrets) {
				t.Errorf("secretKeys = %v; want %v", secrets, tt.wantSecrets)
			}
		})
	}
}

func TestFindRoot(t *testing.T) {
	root := writeProject(t, map[string]string{"Pulumi.yaml": "name: shop\n", "src/handlers/x.go": ""})
	for _, dir := range []string{root, filepath.Join(root, "src"), filepath.Join(root, "src", "handlers")} {
		got, err := FindRoot(dir)
		if err != nil || got != root {
			t.Errorf("FindRoot(%s) = %q, %v; want %q", dir, got, err, root)
		}
	}

	outside := t.TempDir()
	if _, err := os.Stat(filepath.Join(filepath.Dir(outside), "Pulumi.yaml")); err == nil {
		t.Skip("a Pulumi.yaml above the temp dir would be found")
	}
	if _, err := FindRoot(outside); err == nil || !strings.Contains(err.Error(), "no Pulumi.yaml found") {
		t.Errorf("FindRoot(%s) error = %v; want no Pulumi.yaml found", outside, err)
	}
}

// TestStackOfFile: a stack file is Pulumi.<stack>.yaml; the project file
// and kumo cost's usage profiles beside the stack files are not.
func TestStackOfFile(t *testing.T) {
	for _, tc := range []struct {
		base, stack string
		ok          bool
	}{
		{"Pulumi.dev.yaml", "dev", true},
		{"Pulumi.shared-eu-west-1.yaml", "shared-eu-west-1", true},
		{"Pulumi.v1.2.yaml", "v1.2", true},
		{"Pulumi.prod.usage.yaml", "", false},
		{"Pulumi.yaml", "", false},
		{"Pulumi..yaml", "", false},
		{"Pulumi.dev.yml", "", false},
		{"main.go", "", false},
	} {
		if stack, ok := StackOfFile(tc.base); stack != tc.stack || ok != tc.ok {
			t.Errorf("StackOfFile(%q): got %q, %v; want %q, %v", tc.base, stack, ok, tc.stack, tc.ok)
		}
	}
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.dev.usage.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("config: {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := existingStacks(dir); len(got) != 1 || got[0] != "dev" {
		t.Errorf("existingStacks: got %v; want [dev]", got)
	}
}
