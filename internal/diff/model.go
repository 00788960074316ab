// Package diff turns two views of a stack — two `kumo synth --json`
// documents (offline, no credentials) or the JSON of `pulumi preview
// --json` (online) — into one review of what a change will do: a summary,
// the dangerous changes first (data loss, IAM widening, public exposure),
// the canary plan, then the rest grouped by component. Rendering (text,
// Markdown, JSON) and the CI gate read the same Report.
package diff

import "github.com/kumo-iac/kumo/internal/cost"

// Op is what the engine will do to one resource, in the engine's words.
type Op string

// The operations kumo reports. A preview's create-replacement,
// delete-replaced and discard-replaced steps fold into OpReplace, and its
// read, refresh and import steps are not changes of the desired state.
const (
	OpSame    Op = "same"
	OpCreate  Op = "create"
	OpUpdate  Op = "update"
	OpReplace Op = "replace"
	OpDelete  Op = "delete"
)

// Kind is how one property changes.
type Kind string

// Property change kinds.
const (
	KindAdd    Kind = "add"
	KindUpdate Kind = "update"
	KindDelete Kind = "delete"
)

// Secret and Unknown are how both inputs spell a value kumo must not or
// cannot show: the synth contract writes them so, and the preview parser
// maps the engine's secret and computed markers to them.
const (
	Secret  = "[secret]"
	Unknown = "[unknown]"
)

// StackDiff is the change of one stack, from either input, before any
// analysis.
type StackDiff struct {
	Project string `json:"project"`
	Stack   string `json:"stack"`
	// Source is "synth" (two synth documents) or "preview" (pulumi preview --json).
	Source  string   `json:"source"`
	Changes []Change `json:"changes"` // sorted by URN; includes OpSame for context
	// Diagnostics are the engine's messages (preview only), in order.
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
	// UnknownReplace are the types that changed but that kumo's
	// replace-on-change table does not cover (sorted): offline, kumo cannot
	// tell whether their updates replace them, and says so rather than
	// reporting a quiet update.
	UnknownReplace []string `json:"unknownReplace,omitempty"`
	// Cost is what the change does to the stack's monthly bill, set by
	// Price; nil when the diff was not priced.
	Cost *CostChange `json:"cost,omitempty"`

	// base and head are the synth documents Compare read, for Price; nil
	// for a preview.
	base, head *SynthDoc
}

// Change is one resource's planned step.
type Change struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Parent is the URN of the component the resource is under, "" for the stack.
	Parent string `json:"parent,omitempty"`
	Custom bool   `json:"custom"`
	Op     Op     `json:"op"`
	// Old and New are the resource's inputs before and after (nil on create
	// and delete respectively), with secrets as Secret and unknown values as
	// Unknown.
	Old map[string]any `json:"old,omitempty"`
	New map[string]any `json:"new,omitempty"`
	// Props are the changed properties, sorted by Path. Empty for create and
	// delete.
	Props []PropChange `json:"props,omitempty"`
	// ReplaceReasons are the top-level properties that force the
	// replacement (OpReplace only), sorted. Offline, "region" is among them
	// when the resource moves to another region (see RegionProp).
	ReplaceReasons []string `json:"replaceReasons,omitempty"`
	// DeleteBeforeReplace is set when the replacement must delete the old
	// resource first (a fixed physical name), so there is a gap.
	DeleteBeforeReplace bool `json:"deleteBeforeReplace,omitempty"`
	// Dependencies are the URNs the resource depends on (the head's, or the
	// base's for a delete), sorted: how analysis finds, say, the API
	// resource a method is on.
	Dependencies []string `json:"dependencies,omitempty"`
}

// PropChange is one changed property. Path uses Pulumi's property path
// syntax: `environment.variables.TABLE`, `tags["kumo:stack"]`, `rules[0].id`.
type PropChange struct {
	Path    string `json:"path"`
	Kind    Kind   `json:"kind"`
	Old     any    `json:"old,omitempty"`
	New     any    `json:"new,omitempty"`
	Replace bool   `json:"replace,omitempty"`
}

// Diagnostic is one message the engine printed during a preview.
type Diagnostic struct {
	URN      string `json:"urn,omitempty"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// Report is the reviewed change of one or more stacks: what every renderer
// and the gate read.
type Report struct {
	Stacks []StackReport `json:"stacks"`
}

// Counts are the number of resources per operation.
type Counts struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Replace int `json:"replace"`
	Delete  int `json:"delete"`
	Same    int `json:"same"`
}

// StackReport is the review of one stack, in the order a reviewer reads it.
type StackReport struct {
	Project string `json:"project"`
	Stack   string `json:"stack"`
	Source  string `json:"source"`
	Counts  Counts `json:"counts"`
	// Verdict is one line: "no changes", or what matters most
	// ("2 resources lose data; IAM widened in 1 policy; 3 canary releases").
	Verdict  string     `json:"verdict"`
	DataLoss []DataLoss `json:"dataLoss"`
	// ProtectionRemoved are updates that turn off what stops a data
	// holder's deletion (deletion protection, a bucket's refusal to go
	// while it holds objects): nothing is lost yet, but the next delete or
	// replacement loses it. Op is OpUpdate; Protected says what was
	// removed.
	ProtectionRemoved []DataLoss     `json:"protectionRemoved"`
	IAM               []IAMChange    `json:"iamWidening"`
	Public            []PublicChange `json:"publicExposure"`
	Canary            []Release      `json:"canaryPlan"`
	// Groups hold every change that is not OpSame, property by property,
	// by component in URN order of the component (the dangers above point
	// into them); functions whose only change is their code are folded
	// into their group's CodeOnly instead.
	Groups      []Group      `json:"groups"`
	Diagnostics []Diagnostic `json:"diagnostics,omitempty"`
	// UnknownReplace is StackDiff.UnknownReplace: changed types whose
	// replacement offline analysis cannot judge.
	UnknownReplace []string `json:"unknownReplace,omitempty"`
	// Cost is StackDiff.Cost, each resource with what the change does to
	// it; nil when the diff was not priced.
	Cost *CostChange `json:"cost,omitempty"`
}

// CostChange is what a change does to a stack's estimated monthly bill in
// US dollars: kumo cost's estimate (internal/cost) of the base and of the
// head synth documents, at one usage profile and price table. Amounts are
// cost.Money: exact, and decimal strings of micro-dollars in JSON.
type CostChange struct {
	// Available is false when kumo could not price the change (a preview,
	// a document without a region, no usage profile kumo can vouch for);
	// Reason then says why, and only Resources and Unpriced (empty) are
	// set besides.
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	// Usage names the usage profile both sides were priced at
	// ("Pulumi.dev.usage.yaml", or kumo's defaults and why).
	Usage string `json:"usage,omitempty"`
	// Prices names the price table ("kumo-price-table/v1 of 2026-11-30").
	Prices string `json:"prices,omitempty"`
	// Before and After are each side's monthly totals; Delta is After −
	// Before, part by part.
	Before *CostTotals `json:"before,omitempty"`
	After  *CostTotals `json:"after,omitempty"`
	Delta  *CostTotals `json:"delta,omitempty"`
	// Percent is Delta.Total as a percentage of Before.Total, signed, to
	// one decimal ("+12.5", "-3.0"); "" when Before.Total is $0.
	Percent string `json:"percent,omitempty"`
	// Bound says how the true change relates to Delta.Total: "exact", or
	// with prices the table lacks changing (Unpriced) "lower" (the change
	// is at least Delta.Total), "upper" (at most) or "unknown".
	Bound cost.Bound `json:"bound,omitempty"`
	// UnpricedBefore and UnpricedAfter count each side's missing prices
	// (left out of its total).
	UnpricedBefore int `json:"unpricedBefore"`
	UnpricedAfter  int `json:"unpricedAfter"`
	// Resources are the resources whose monthly cost changed, largest
	// change (absolute) first, then by URN.
	Resources []CostResource `json:"resources"`
	// Unpriced are the missing prices that differ between the sides, by
	// URN and key.
	Unpriced []CostUnpriced `json:"unpriced"`
}

// CostTotals are a monthly total and its parts: Fixed is always on
// (instance hours, shards, alarms, keys), PerUse what the traffic adds.
type CostTotals struct {
	Fixed  cost.Money `json:"fixed"`
	PerUse cost.Money `json:"perUse"`
	Total  cost.Money `json:"total"`
}

// CostResource is one resource whose monthly cost changes.
type CostResource struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Op is what the change does to the resource; OpSame when only the
	// traffic other changes send it moved its cost.
	Op Op `json:"op"`
	// RegionBefore and RegionAfter are where each side prices it; set
	// only when they differ (the resource moves, or exists on one side).
	RegionBefore string     `json:"regionBefore,omitempty"`
	RegionAfter  string     `json:"regionAfter,omitempty"`
	Before       cost.Money `json:"before"`
	After        cost.Money `json:"after"`
	Delta        cost.Money `json:"delta"`
	// Items are the billed dimensions whose amount changed.
	Items []CostItem `json:"items"`
	// Inputs are the resource's own changed properties whose values are
	// plain (numbers, strings, booleans): what a reviewer reads the cost
	// change from, like memorySize 512 → 1024.
	Inputs []PropChange `json:"inputs,omitempty"`
}

// CostItem is one billed dimension of a resource before and after.
type CostItem struct {
	// What is the dimension ("compute (arm64)"), Key its price key.
	What  string `json:"what"`
	Key   string `json:"key"`
	Fixed bool   `json:"fixed"`
	// QuantityBefore and QuantityAfter are decimals in Unit, "" on a side
	// without the item.
	QuantityBefore string     `json:"quantityBefore,omitempty"`
	QuantityAfter  string     `json:"quantityAfter,omitempty"`
	Unit           string     `json:"unit"`
	Before         cost.Money `json:"before"`
	After          cost.Money `json:"after"`
	Delta          cost.Money `json:"delta"`
}

// CostUnpriced is a price the table lacks that the change adds, removes,
// or needs for another quantity: the part of the change the totals cannot
// include.
type CostUnpriced struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Change is "added", "removed" or "changed".
	Change cost.UnpricedKind `json:"change"`
	// Region is where it would be priced (the head's, or the base's when
	// removed); RegionBefore the base's when it moved.
	Region       string `json:"region"`
	RegionBefore string `json:"regionBefore,omitempty"`
	// Key is the price key the table lacks ("" when kumo has no pricing
	// rule for the type); Reason says why.
	Key    string `json:"key"`
	Reason string `json:"reason"`
	// QuantityBefore and QuantityAfter are what would be priced, decimals
	// in Unit; "" where unknown or absent.
	QuantityBefore string `json:"quantityBefore,omitempty"`
	QuantityAfter  string `json:"quantityAfter,omitempty"`
	Unit           string `json:"unit,omitempty"`
	Fixed          bool   `json:"fixed"`
}

// DataLoss is a replacement or deletion of a resource that holds data, or
// an update that deletes some of it (a shorter retention or expiration).
type DataLoss struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	Name string `json:"name"`
	// Op is OpReplace or OpDelete, or OpUpdate for a shorter retention.
	Op Op `json:"op"`
	// Holds says what is lost: "items of a DynamoDB table", "objects in an
	// S3 bucket", "log events", ...
	Holds string `json:"holds"`
	// Reason says why: "partition key hashKey changed: id → pk (forces
	// replacement)", "removed from the program".
	Reason string `json:"reason"`
	// Protected is set when the old resource has deletion protection or
	// retainOnDelete, so the deploy will fail (or leave it) instead of
	// losing data; the reviewer still needs to know.
	Protected string `json:"protected,omitempty"`
}

// IAMChange is one policy statement added or broadened, cdk diff style.
type IAMChange struct {
	// URN is the policy-bearing resource (role policy, bucket policy, key
	// policy, Lambda permission, role trust policy, ...).
	URN string `json:"urn"`
	// Kind is "added" (a new statement), "broadened" (an existing
	// statement now allows more actions, resources or principals, or lost a
	// condition), "removed" (a Deny statement removed or narrowed: what it
	// forbade is allowed again) or "unknown" (the new policy is known only after deploy, so kumo
	// cannot tell what it allows).
	Kind      string   `json:"kind"`
	Effect    string   `json:"effect"`
	Actions   []string `json:"actions"`
	Resources []string `json:"resources"`
	Principal string   `json:"principal,omitempty"`
	Condition string   `json:"condition,omitempty"`
	// Attached names what the statement applies to: the role, bucket, key or function.
	Attached string `json:"attached,omitempty"`
}

// PublicChange is a change that makes something reachable by more callers:
// a route whose authorization was removed, a resource policy or permission
// opened to "*" or another account, a public access block turned off.
type PublicChange struct {
	URN    string `json:"urn"`
	Type   string `json:"type"`
	What   string `json:"what"`   // "GET /items/{id}"
	Before string `json:"before"` // "COGNITO_USER_POOLS"
	After  string `json:"after"`  // "NONE (public)"
}

// Release is one function that will publish a new version and shift its
// alias through CodeDeploy.
type Release struct {
	Function string `json:"function"` // the kumo Function's name
	URN      string `json:"urn"`      // the kumo:index:Release
	Alias    string `json:"alias"`
	// Reasons are why a version is published: "code" and/or the changed
	// settings ("memorySize", "environment.variables.TABLE", ...).
	Reasons []string `json:"reasons"`
	// First is set for a function deployed for the first time: its first
	// version takes all traffic, there is nothing to shift from.
	First      bool     `json:"first,omitempty"`
	Preference string   `json:"preference"` // CodeDeploy config, e.g. CodeDeployDefault.LambdaCanary10Percent5Minutes
	Shift      string   `json:"shift"`      // in words: "10% for 5 minutes, then 100%"
	Alarms     []string `json:"alarms,omitempty"`
	Hooks      []string `json:"hooks,omitempty"` // "pre-traffic: web-smoketest"
}

// Group is the rest of a component's changes.
type Group struct {
	// Component is the component's URN, "" for resources directly under the stack.
	Component string   `json:"component"`
	Changes   []Change `json:"changes"`
	// CodeOnly are functions whose only change is their code hash, folded
	// into one line by the renderers.
	CodeOnly []string `json:"codeOnly,omitempty"`
}
