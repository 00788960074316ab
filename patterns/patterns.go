// Package patterns is what every reference architecture implements to plug
// into a kumo stack: a Pattern owns its config type (typed fields, defaults
// and docs in struct tags), its validation, its resources and its outputs;
// the stacks package composes the enabled patterns through this interface
// alone, and each pattern's config is a section of the stack file:
//
//	config:
//	  kumo:patterns: [webapp]
//	  kumo:webapp:
//	    memoryMB: 512
package patterns

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/kumo-iac/kumo/constructs"
)

// Pattern is one reference architecture a stack can enable.
type Pattern interface {
	// Name is the pattern's entry in kumo:patterns and its section's key
	// (kumo:<name>).
	Name() string
	// Description says what the pattern deploys, in one sentence.
	Description() string
	// NewConfig returns a pointer to a new config struct holding the
	// pattern's defaults. Its fields' `config` and `doc` tags name and
	// document the section's keys (see Keys and Decode).
	NewConfig() any
	// Validate checks a decoded config, and the construct args it implies,
	// before any resource exists. Each problem names its key (KeyName).
	Validate(cfg any, env Env) []error
	// Deploy registers the pattern's resources and returns its stack outputs.
	Deploy(ctx *pulumi.Context, cfg any, env Env) (pulumi.Map, error)
}

// Env is what the stack gives every pattern beyond its own section.
type Env struct {
	// Root is the project directory (holding Pulumi.yaml).
	Root string
	// Region is the stack's AWS region.
	Region string
	// Releases rolls functions out through CodeDeploy. Nil during Validate.
	Releases *constructs.Releases
	// AccountLogRole is API Gateway's region-wide log role, or nil when no
	// stack manages it for this one. During Validate it is a stand-in.
	AccountLogRole *constructs.AccountLogRole
	// LambdaConcurrencyQuota bounds reserved concurrency.
	LambdaConcurrencyQuota int
	// Secret reports config keys whose values must never be shown.
	Secret func(key string) bool
}

// Namespace is the config namespace of kumo's keys.
const Namespace = "kumo"

// KeyName is the full name of a key of pattern's section, as messages and
// `pulumi config set --path` spell it: kumo:webapp.memoryMB.
func KeyName(pattern, key string) string { return Namespace + ":" + pattern + "." + key }

// SectionName is the config key of pattern's section: kumo:webapp.
func SectionName(pattern string) string { return Namespace + ":" + pattern }
