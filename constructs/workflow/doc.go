// Package workflow holds kumo's Step Functions construct, StateMachine, and
// the typed Amazon States Language it is defined with (Task, Map, Parallel,
// Choice, …). It is a construct like package constructs' (the same
// constructor shape, validation before anything is registered, grants, a
// kumo:constructs:… type token), in a package of its own so that programs
// without workflows do not link the Step Functions SDK package.
package workflow
