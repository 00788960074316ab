package constructs_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/go-multierror"

	"github.com/kumo-iac/kumo/constructs"
)

func TestValidationErrorMessage(t *testing.T) {
	errMemory := errors.New("MemoryMB: 64 is outside 128–10240")
	for _, tc := range []struct {
		name     string
		problems []error
		want     string
	}{
		{"one", []error{errMemory}, "invalid function \"fn\": 1 problem:\n  * MemoryMB: 64 is outside 128–10240"},
		{"two", []error{errMemory, errors.New("AliasName: \"1\" …")},
			"invalid function \"fn\": 2 problems:\n  * MemoryMB: 64 is outside 128–10240\n  * AliasName: \"1\" …"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := &constructs.ValidationError{Scope: `function "fn"`, Problems: tc.problems}
			if got := err.Error(); got != tc.want {
				t.Errorf("Error():\ngot  %q\nwant %q", got, tc.want)
			}
			if !errors.Is(err, errMemory) {
				t.Errorf("errors.Is(err, problem): got false; want Unwrap to expose every problem")
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	if err := constructs.Invalid("stack config", nil); err != nil {
		t.Errorf("Invalid(nil): got %v; want nil", err)
	}
	if err := constructs.Invalid("stack config", &multierror.Error{}); err != nil {
		t.Errorf("Invalid(empty): got %v; want nil", err)
	}

	// A pattern that validates its constructs' args reports one flat list,
	// each nested problem prefixed with the construct it belongs to.
	nested := constructs.FunctionArgs{MemoryMB: 64}.Validate("items")
	merr := multierror.Append(nil, errors.New("Domain: empty"), nested)
	err := constructs.Invalid("stack config", merr)
	var verr *constructs.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Invalid: got %T; want *constructs.ValidationError", err)
	}
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.Error())
	}
	want := []string{
		"Domain: empty",
		`function "items": GoPackage: empty; set the Go main package of the handler (or Code for a prebuilt package)`,
		`function "items": MemoryMB: 64 is outside 128–10240`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\ngot  %q\nwant %q", got, want)
	}
	if wrapped := fmt.Errorf("synth: %w", err); !errors.As(wrapped, &verr) {
		t.Errorf("errors.As through a wrap: got false; want the ValidationError")
	}
}

// TestValidateMatchesConstructor checks each exported Validate, which
// patterns call to report bad config before creating anything, finds the
// same problems as the constructor.
func TestValidateMatchesConstructor(t *testing.T) {
	p := newProject(t)
	for _, tc := range []struct {
		name     string
		validate func() error
		scope    string
		problems [][]string
	}{
		{
			name:     "function",
			validate: func() error { a := p.fnArgs(); a.MemoryMB, a.AliasName = 64, "1"; return a.Validate("fn") },
			scope:    `function "fn"`,
			problems: [][]string{{"MemoryMB", "64"}, {"AliasName", `"1"`}},
		},
		{
			name:     "table",
			validate: func() error { return constructs.TableArgs{SortKey: "id"}.Validate("items") },
			scope:    `table "items"`,
			problems: [][]string{{"SortKey", `"id"`}},
		},
		{
			name:     "user pool",
			validate: func() error { return constructs.UserPoolArgs{MFA: "SMS"}.Validate("users") },
			scope:    `user pool "users"`,
			problems: [][]string{{"MFA", `"SMS"`}},
		},
		{
			name:     "static site",
			validate: func() error { return constructs.StaticSiteArgs{PriceClass: "x"}.Validate("shop") },
			scope:    `static site "shop"`,
			problems: [][]string{{"SourceDir: empty"}, {"PriceClass", `"x"`}},
		},
		{
			name:     "api settings",
			validate: func() error { return constructs.ApiArgs{ThrottleBurstLimit: -1}.ValidateSettings("api") },
			scope:    `api "api"`,
			problems: [][]string{{"ThrottleBurstLimit", "-1"}, {"AccountLogRole", "nil"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkValidationError(t, tc.validate(), tc.scope, tc.problems)
		})
	}
	for name, err := range map[string]error{
		"function":    p.fnArgs().Validate("fn"),
		"table":       constructs.TableArgs{}.Validate("items"),
		"user pool":   constructs.UserPoolArgs{}.Validate("users"),
		"static site": constructs.StaticSiteArgs{SourceDir: p.site(map[string]string{"index.html": "x"})}.Validate("shop"),
	} {
		if err != nil {
			t.Errorf("%s: Validate of good args: got %v; want nil", name, err)
		}
	}
}
