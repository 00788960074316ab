package test

import (
	"context"
	"testing"

	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/test/bench/scale"
)

// synthScale synthesizes the scale bench's stack of n canary functions
// shipping a prebuilt zip, in memory: no stack file and no Go build, so the
// output depends only on kumo.
func synthScale(t testing.TB, n int) *synth.Result {
	t.Helper()
	dir := t.TempDir()
	args, err := scale.WriteZip(dir, n)
	if err != nil {
		t.Fatal(err)
	}
	res, err := synth.Run(context.Background(), synth.Request{Root: dir, Project: "scale", Stack: "dev",
		Config: map[string]string{"aws:region": "eu-west-1"}}, scale.Map(args))
	if err != nil {
		t.Fatalf("synth %d functions: %v", n, err)
	}
	return res
}

// TestScaleGolden pins the synth output of 100 canary functions byte for
// byte: the golden was written before synth was tuned for large stacks, so
// any speed-up that changes what synth says fails here.
func TestScaleGolden(t *testing.T) {
	got, err := synthScale(t, 100).JSON()
	if err != nil {
		t.Fatal(err)
	}
	matchGolden(t, "scale100.golden.json", "synth of 100 canary functions", got)
}
