package bundle

import "testing"

// The benchmarks measure the bundle decision and the cache-hit check on the
// tiny test module; issue 9 has the figures for real handlers.

// BenchmarkBuildCached is a Build whose zip is cached on disk, in a process
// that has built the same package before: what every function after the
// first pays for a package it shares.
func BenchmarkBuildCached(b *testing.B) {
	spec := Spec{Root: newModule(b), Package: handlerPkg}
	bl := &builder{findGo: FindGo, run: RunGo}
	mustBuild(b, bl, spec)
	for b.Loop() {
		mustBuild(b, bl, spec)
	}
}

// BenchmarkBuildCachedNewProcess is a Build whose zip is cached on disk, by
// a builder that has never seen the package: the first function of each
// package in a synth run.
func BenchmarkBuildCachedNewProcess(b *testing.B) {
	spec := Spec{Root: newModule(b), Package: handlerPkg}
	mustBuild(b, &builder{findGo: FindGo, run: RunGo}, spec)
	for b.Loop() {
		mustBuild(b, &builder{findGo: FindGo, run: RunGo}, spec)
	}
}

// BenchmarkCacheHitCheck is the check of a cached zip against its record.
func BenchmarkCacheHitCheck(b *testing.B) {
	got := mustBuild(b, &builder{findGo: FindGo, run: RunGo}, Spec{Root: newModule(b), Package: handlerPkg})
	b.SetBytes(int64(len(readFile(b, got.Path))))
	for b.Loop() {
		if _, ok := readCached(got.Path, got.SourceHash); !ok {
			b.Fatal("cache miss")
		}
	}
}
