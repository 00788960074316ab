// Package bridge hands the construct packages beside constructs
// (constructs/streaming, workflow and lake) the internals of constructs
// they build on: extending a Grantee's role, a bucket's or a key's
// construct name, the policy renderer. They stay out of constructs'
// API; in particular Grantee keeps its unexported methods, so only kumo's
// own constructs are Grantees and can widen one.
//
// Package constructs sets Constructs in its init to a value whose methods
// are those internals. Each package beside it asserts, in a package-level
// variable, an interface of the methods it uses, declared where it is used.
// A package is initialized after the packages it imports, so Constructs is
// set by then, and a method missing from it fails every program and test
// of that package at start.
package bridge

// Constructs is package constructs' internals; see the package comment.
var Constructs any
