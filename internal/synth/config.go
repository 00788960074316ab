package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// secretPlaceholder stands in for values synth cannot or must not show:
// encrypted config (there is no key offline) and secret outputs.
const secretPlaceholder = "[secret]"

// projectFile is the file that marks a Pulumi project directory.
const projectFile = "Pulumi.yaml"

// declarationKeys are the fields that make a Pulumi.yaml config entry a
// declaration (`{type: string, default: x}`) rather than a plain value.
var declarationKeys = map[string]bool{
	"type": true, "default": true, "description": true, "secret": true, "items": true, "value": true,
}

type projectYAML struct {
	Name           string               `yaml:"name"`
	StackConfigDir string               `yaml:"stackConfigDir"`
	Config         map[string]yaml.Node `yaml:"config"`
}

type stackYAML struct {
	Config map[string]yaml.Node `yaml:"config"`
}

// FindRoot returns dir or the nearest parent of it that holds Pulumi.yaml, so
// kumo works from anywhere inside a project like the pulumi CLI does.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find project root: %w", err)
	}
	for d := abs; ; {
		if _, err := os.Stat(filepath.Join(d, projectFile)); err == nil {
			return d, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("find project root: %w", err)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no %s found in %s or any parent directory", projectFile, abs)
		}
		d = parent
	}
}

// LoadConfig reads the project and stack config the way the pulumi CLI would
// hand it to the program in PULUMI_CONFIG: keys are "namespace:key", strings
// pass as-is and every other YAML type is JSON-encoded. Project defaults are
// applied first and the stack file overrides them. Encrypted values cannot be
// decrypted offline, so they become "[secret]" and are listed in secretKeys.
func LoadConfig(root, stack string) (project string, raw map[string]string, secretKeys []string, err error) {
	var proj projectYAML
	if err := readYAML(filepath.Join(root, projectFile), &proj); err != nil {
		return "", nil, nil, fmt.Errorf("load config: %w", err)
	}
	if proj.Name == "" {
		return "", nil, nil, fmt.Errorf("load config: %s has no name", filepath.Join(root, projectFile))
	}
	project = proj.Name

	raw = map[string]string{}
	secrets := map[string]bool{}
	for key, node := range proj.Config {
		full := qualify(project, key)
		v, ok, err := projectValue(project, key, &node)
		if err != nil {
			return "", nil, nil, fmt.Errorf("load config: %s: key %q: %w", projectFile, key, err)
		}
		if !ok {
			continue
		}
		enc, secret, err := encodeValue(v)
		if err != nil {
			return "", nil, nil, fmt.Errorf("load config: %s: key %q: %w", projectFile, key, err)
		}
		raw[full], secrets[full] = enc, secret
	}

	stackDir := root
	if proj.StackConfigDir != "" {
		stackDir = filepath.Join(root, proj.StackConfigDir)
	}
	stackPath := filepath.Join(stackDir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(stackPath); errors.Is(err, fs.ErrNotExist) {
		return "", nil, nil, unknownStackError(stackDir, stack)
	}
	var st stackYAML
	if err := readYAML(stackPath, &st); err != nil {
		return "", nil, nil, fmt.Errorf("load config: %w", err)
	}
	for key, node := range st.Config {
		// The pulumi CLI requires namespaced keys in stack files; accepting a
		// bare key as the project's own is the forgiving reading of the same intent.
		full := qualify(project, key)
		var v any
		if err := node.Decode(&v); err != nil {
			return "", nil, nil, fmt.Errorf("load config: %s: key %q: %w", filepath.Base(stackPath), key, err)
		}
		enc, secret, err := encodeValue(v)
		if err != nil {
			return "", nil, nil, fmt.Errorf("load config: %s: key %q: %w", filepath.Base(stackPath), key, err)
		}
		raw[full], secrets[full] = enc, secret
	}

	for k, s := range secrets {
		if s {
			secretKeys = append(secretKeys, k)
		}
	}
	sort.Strings(secretKeys)
	return project, raw, secretKeys, nil
}

func readYAML(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("parse %s: %w", filepath.Base(path), err)
	}
	return nil
}

// qualify puts a bare key into the project's namespace, as Pulumi does.
func qualify(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

// projectValue extracts the value a Pulumi.yaml config entry contributes:
// the default of a declaration, the value of `{value: x}`, or a plain value.
// ok is false for declarations without a default.
func projectValue(project, key string, node *yaml.Node) (v any, ok bool, err error) {
	if node.Kind == yaml.MappingNode {
		var m map[string]yaml.Node
		if err := node.Decode(&m); err != nil {
			return nil, false, err
		}
		isDecl := len(m) > 0
		for k := range m {
			if !declarationKeys[k] {
				isDecl = false
			}
		}
		if isDecl {
			field := "default"
			if ns, _, _ := strings.Cut(qualify(project, key), ":"); ns != project {
				// Other namespaces (aws:region) cannot be declared, only set.
				field = "value"
			}
			if _, has := m["value"]; has {
				field = "value"
			}
			n, has := m[field]
			if !has {
				return nil, false, nil
			}
			if err := n.Decode(&v); err != nil {
				return nil, false, err
			}
			return v, true, nil
		}
	}
	if err := node.Decode(&v); err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// encodeValue turns a decoded YAML value into its PULUMI_CONFIG string form.
// secret reports whether the value is, or contains, a `{secure: ...}` entry.
func encodeValue(v any) (enc string, secret bool, err error) {
	norm, secret := normalize(v)
	if s, ok := norm.(string); ok {
		return s, secret, nil
	}
	b, err := json.Marshal(norm)
	if err != nil {
		return "", false, err
	}
	return string(b), secret, nil
}

// normalize makes a yaml.v3 value JSON-encodable (maps with non-string keys)
// and replaces encrypted values, which cannot be decrypted offline.
func normalize(v any) (any, bool) {
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t["secure"]; ok && len(t) == 1 {
			if _, isStr := s.(string); isStr {
				return secretPlaceholder, true
			}
		}
		out := make(map[string]any, len(t))
		secret := false
		for k, e := range t {
			n, s := normalize(e)
			out[k], secret = n, secret || s
		}
		return out, secret
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = e
		}
		return normalize(m)
	case []any:
		out := make([]any, len(t))
		secret := false
		for i, e := range t {
			n, s := normalize(e)
			out[i], secret = n, secret || s
		}
		return out, secret
	default:
		return v, false
	}
}

func unknownStackError(dir, stack string) error {
	existing := existingStacks(dir)
	list := "none"
	if len(existing) > 0 {
		list = strings.Join(existing, ", ")
	}
	return fmt.Errorf("stack %q not found: no Pulumi.%s.yaml in %s (existing stacks: %s)", stack, stack, dir, list)
}

func existingStacks(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	var stacks []string
	for _, m := range matches {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "Pulumi."), ".yaml")
		if name != "" {
			stacks = append(stacks, name)
		}
	}
	sort.Strings(stacks)
	return stacks
}
