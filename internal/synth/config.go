package synth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
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
	Config          map[string]yaml.Node `yaml:"config"`
	EncryptionSalt  string               `yaml:"encryptionsalt"`
	SecretsProvider string               `yaml:"secretsprovider"`
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
	sc, err := LoadStackConfig(root, stack)
	if err != nil {
		return "", nil, nil, err
	}
	return sc.Project, sc.Raw, sc.SecretKeys, nil
}

// StackConfig is a stack's config as the engine hands it to the program.
type StackConfig struct {
	Project string
	// Raw maps "namespace:key" to the value: strings as they are, other
	// types JSON-encoded.
	Raw map[string]string
	// SecretKeys are the keys whose values are secret, sorted.
	SecretKeys []string
	// Undecrypted are secret keys whose values could not be decrypted here;
	// they are "[secret]" in Raw, and Why says why.
	Undecrypted []string
	Why         string
}

// ConfigFileError is a stack or project file the engine would read
// differently from what its author meant (the same key twice).
type ConfigFileError struct {
	File     string
	Problems []string
}

func (e *ConfigFileError) Error() string {
	return fmt.Sprintf("%s: %s", e.File, strings.Join(e.Problems, "; "))
}

// LoadStackConfig reads the project and stack config the way the pulumi CLI
// would hand it to the program in PULUMI_CONFIG: keys are "namespace:key",
// strings pass as-is and every other YAML type is JSON-encoded. Project
// defaults are applied first and the stack file overrides them. Encrypted
// values are decrypted when the stack uses the passphrase provider and the
// passphrase is in the environment; otherwise they become "[secret]" and are
// listed in Undecrypted.
func LoadStackConfig(root, stack string) (*StackConfig, error) {
	var (
		project    string
		raw        map[string]string
		secretKeys []string
	)
	var proj projectYAML
	if err := readYAML(filepath.Join(root, projectFile), &proj); err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	if proj.Name == "" {
		return nil, fmt.Errorf("load config: %s has no name", filepath.Join(root, projectFile))
	}
	project = proj.Name

	raw = map[string]string{}
	secrets := map[string]bool{}
	for key, node := range proj.Config {
		full := qualify(project, key)
		v, ok, err := projectValue(project, key, &node)
		if err != nil {
			return nil, fmt.Errorf("load config: %s: key %q: %w", projectFile, key, err)
		}
		if !ok {
			continue
		}
		enc, secret, err := encodeValue(v)
		if err != nil {
			return nil, fmt.Errorf("load config: %s: key %q: %w", projectFile, key, err)
		}
		raw[full], secrets[full] = enc, secret
	}

	stackDir := root
	if proj.StackConfigDir != "" {
		stackDir = filepath.Join(root, proj.StackConfigDir)
	}
	stackPath := filepath.Join(stackDir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(stackPath); errors.Is(err, fs.ErrNotExist) {
		return nil, unknownStackError(stackDir, stack)
	}
	var st stackYAML
	if err := readYAML(stackPath, &st); err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	dec, why := passphraseDecrypter(st.EncryptionSalt, st.SecretsProvider)
	var undecrypted []string
	from := map[string]string{} // full key → the key as the stack file wrote it
	var dups []string
	for _, key := range slices.Sorted(maps.Keys(st.Config)) {
		node := st.Config[key]
		// The engine reads a bare key as the project's own, as kumo does. Two
		// spellings of one key leave the engine one value and the author
		// guessing which, so that is refused.
		full := qualify(project, key)
		if prev, dup := from[full]; dup {
			dups = append(dups, fmt.Sprintf("%s is set twice, as %s and as %s; keep one", full, prev, key))
			continue
		}
		from[full] = key
		var v any
		if err := node.Decode(&v); err != nil {
			return nil, fmt.Errorf("load config: %s: key %q: %w", filepath.Base(stackPath), key, err)
		}
		norm, secret, undecryptable, err := normalize(v, dec)
		if err != nil {
			return nil, fmt.Errorf("load config: %s: key %q: %w", filepath.Base(stackPath), key, err)
		}
		enc, err := encodeNormalized(norm)
		if err != nil {
			return nil, fmt.Errorf("load config: %s: key %q: %w", filepath.Base(stackPath), key, err)
		}
		raw[full], secrets[full] = enc, secret
		if undecryptable {
			undecrypted = append(undecrypted, full)
		}
	}
	if len(dups) > 0 {
		return nil, &ConfigFileError{File: filepath.Base(stackPath), Problems: dups}
	}

	for k, s := range secrets {
		if s {
			secretKeys = append(secretKeys, k)
		}
	}
	sort.Strings(secretKeys)
	sort.Strings(undecrypted)
	sc := &StackConfig{Project: project, Raw: raw, SecretKeys: secretKeys, Undecrypted: undecrypted}
	if len(undecrypted) > 0 && why != nil {
		sc.Why = why.Error()
	}
	return sc, nil
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

// encodeValue turns a decoded YAML value into its PULUMI_CONFIG string form,
// with encrypted values as "[secret]". secret reports whether the value is,
// or contains, a `{secure: ...}` entry.
func encodeValue(v any) (enc string, secret bool, err error) {
	norm, secret, _, err := normalize(v, nil)
	if err != nil {
		return "", false, err
	}
	enc, err = encodeNormalized(norm)
	return enc, secret, err
}

func encodeNormalized(norm any) (string, error) {
	if s, ok := norm.(string); ok {
		return s, nil
	}
	b, err := json.Marshal(norm)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// normalize makes a yaml.v3 value JSON-encodable (maps with non-string keys)
// and decrypts `{secure: ...}` entries with dec; without one they become
// "[secret]" and undecrypted is true.
func normalize(v any, dec config.Decrypter) (norm any, secret, undecrypted bool, err error) {
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t["secure"]; ok && len(t) == 1 {
			if ciphertext, isStr := s.(string); isStr {
				if dec == nil {
					return secretPlaceholder, true, true, nil
				}
				plain, err := dec.DecryptValue(context.Background(), ciphertext)
				if err != nil {
					return nil, true, false, fmt.Errorf("decrypt: %w", err)
				}
				return plain, true, false, nil
			}
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			n, s, u, err := normalize(e, dec)
			if err != nil {
				return nil, false, false, err
			}
			out[k], secret, undecrypted = n, secret || s, undecrypted || u
		}
		return out, secret, undecrypted, nil
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = e
		}
		return normalize(m, dec)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			n, s, u, err := normalize(e, dec)
			if err != nil {
				return nil, false, false, err
			}
			out[i], secret, undecrypted = n, secret || s, undecrypted || u
		}
		return out, secret, undecrypted, nil
	default:
		return v, false, false, nil
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
		if name, ok := StackOfFile(filepath.Base(m)); ok {
			stacks = append(stacks, name)
		}
	}
	sort.Strings(stacks)
	return stacks
}

// StackOfFile returns the stack a file named Pulumi.<stack>.yaml
// configures. A stack's usage profile for kumo cost,
// Pulumi.<stack>.usage.yaml, sits beside it and is not a stack file.
func StackOfFile(base string) (string, bool) {
	name, ok := strings.CutPrefix(base, "Pulumi.")
	if !ok || !strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".usage.yaml") {
		return "", false
	}
	name = strings.TrimSuffix(name, ".yaml")
	return name, name != ""
}
