package diff

import (
	"encoding/json"
	"fmt"
	"io"
)

// RenderJSON writes the report as `kumo diff --json` prints it. The output
// is a public contract, like the synth JSON: tools (a CI step, a dashboard)
// read it, so a change to it is a breaking change.
//
// The contract:
//   - One JSON object, indented by two spaces, ending in a newline; HTML
//     characters are not escaped, so policy documents read as written.
//   - Field names and meanings are those of Report and the types it holds
//     (their json tags): {"stacks": [{"project", "stack", "source",
//     "counts", "verdict", "dataLoss", "protectionRemoved", "iamWidening", "publicExposure",
//     "canaryPlan", "groups", "diagnostics", "unknownReplace", "cost"}]}.
//   - "cost" (CostChange; present when the stack was priced, which `kumo
//     diff` always does) is {"available", "reason", "usage", "prices",
//     "before", "after", "delta" (each {"fixed", "perUse", "total"}),
//     "percent", "bound", "unpricedBefore", "unpricedAfter",
//     "resources": [{"urn", "type", "name", "op", "regionBefore",
//     "regionAfter", "before", "after", "delta", "items": [{"what", "key",
//     "fixed", "quantityBefore", "quantityAfter", "unit", "before", "after",
//     "delta"}], "inputs": [<PropChange>]}], "unpriced": [{"urn", "type",
//     "name", "change", "region", "regionBefore", "key", "reason",
//     "quantityBefore", "quantityAfter", "unit", "fixed"}]}. Money is a
//     decimal string of US dollars to the micro-dollar ("12.345678"), as
//     in kumo cost's kumo-cost/v1; quantities are decimal strings. With
//     "available": false only "reason" says more, and the lists are empty.
//   - A list without omitempty is an array, never null: "stacks",
//     "dataLoss", "protectionRemoved", "iamWidening" (and each statement's "actions" and
//     "resources"), "publicExposure", "canaryPlan" (and each release's
//     "reasons"), "groups" and each group's "changes", and the cost's
//     "resources" (and each one's "items") and "unpriced" are [] when empty.
//     Fields marked omitempty are left out when empty.
//   - Order is the report's: stacks as given, dangers and groups in the
//     analysis's order (groups by component URN, changes by URN,
//     properties by path); object keys of resource inputs (old/new) are
//     sorted. The same report gives the same bytes.
//   - Values kumo must not or cannot show are the strings "[secret]" and
//     "[unknown]" (Secret and Unknown), as in the synth contract; the
//     renderer never reveals more than the report holds.
//   - Unchanged resources are in "counts.same" only: groups hold changes.
func RenderJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jsonReport(r)); err != nil {
		return fmt.Errorf("write json diff: %w", err)
	}
	return nil
}

// jsonReport gives every list the contract promises an array to, so a
// reader never meets null where it iterates.
// The caller's report is not changed: lists whose elements change are
// copied.
func jsonReport(r Report) Report {
	out := Report{Stacks: make([]StackReport, len(r.Stacks))}
	for i, s := range r.Stacks {
		s.DataLoss = nonNil(s.DataLoss)
		s.ProtectionRemoved = nonNil(s.ProtectionRemoved)
		s.Public = nonNil(s.Public)
		iam := make([]IAMChange, len(s.IAM))
		for j, c := range s.IAM {
			c.Actions, c.Resources = nonNil(c.Actions), nonNil(c.Resources)
			iam[j] = c
		}
		s.IAM = iam
		canary := make([]Release, len(s.Canary))
		for j, c := range s.Canary {
			c.Reasons = nonNil(c.Reasons)
			canary[j] = c
		}
		s.Canary = canary
		groups := make([]Group, len(s.Groups))
		for j, g := range s.Groups {
			g.Changes = nonNil(g.Changes)
			groups[j] = g
		}
		s.Groups = groups
		if s.Cost != nil {
			c := *s.Cost
			c.Unpriced = nonNil(c.Unpriced)
			c.Resources = make([]CostResource, len(s.Cost.Resources))
			for j, r := range s.Cost.Resources {
				r.Items = nonNil(r.Items)
				c.Resources[j] = r
			}
			s.Cost = &c
		}
		out.Stacks[i] = s
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
