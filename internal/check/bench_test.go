package check

import (
	"context"
	"fmt"
	"testing"

	"github.com/kumo-iac/kumo/internal/synth"
	"github.com/kumo-iac/kumo/test/bench/scale"
)

// BenchmarkCheck is kumo check over a synthesized stack of N canary
// functions (the stack go run ./test/bench times end to end), the rules and
// suppressions alone:
//
//	go test ./internal/check/ -run '^$' -bench Check -benchmem -cpuprofile cpu.out
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			args, err := scale.WriteZip(dir, n)
			if err != nil {
				b.Fatal(err)
			}
			res, err := synth.Run(context.Background(), synth.Request{Root: dir, Project: "scale", Stack: "dev",
				Config: map[string]string{"aws:region": "eu-west-1"}, JSONOnly: true}, scale.Map(args))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				rep, err := Run(res, dir, nil)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Errors() > 0 {
					b.Fatalf("%d error findings: %+v", rep.Errors(), rep.Findings[0])
				}
			}
		})
	}
}
