package synth

import (
	"context"
	"fmt"
	"testing"

	"github.com/kumo-iac/kumo/test/bench/scale"
)

// Benchmarks of synth at scale: the stack of N canary functions that
// go run ./test/bench times end to end, here in-process and shipping a
// prebuilt zip, so they measure synth (mocks, reality checks, rendering)
// and not the Go builds of handlers. The zip is as large as a built Go
// handler, since synth hashes what functions ship. Profile with e.g.
//
//	go test ./internal/synth/ -run '^$' -bench 'Synth/n=1000' -benchmem -cpuprofile cpu.out -memprofile mem.out

var scaleSizes = []int{100, 500, 1000}

// handlerSize is about the size of a built Go Lambda handler's zip.
const handlerSize = 2_500_000

func synthScale(b *testing.B, n int) *Result {
	b.Helper()
	dir := b.TempDir()
	args, err := scale.WriteZipOfSize(dir, n, handlerSize)
	if err != nil {
		b.Fatal(err)
	}
	res, err := Run(context.Background(), scaleRequest(dir), scale.Map(args))
	if err != nil {
		b.Fatalf("synth %d functions: %v", n, err)
	}
	return res
}

func scaleRequest(dir string) Request {
	return Request{Root: dir, Project: "scale", Stack: "dev", Config: map[string]string{"aws:region": "eu-west-1"}}
}

// BenchmarkSynth is a whole in-process synth of N functions: the program
// against the mocks, then the reality checks.
func BenchmarkSynth(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			args, err := scale.WriteZipOfSize(dir, n, handlerSize)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Run(context.Background(), scaleRequest(dir), scale.Map(args)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/function")
		})
	}
}

// BenchmarkReality is the reality layer alone over an N-function stack.
func BenchmarkReality(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			res := synthScale(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if vs := checkReality(res.Resources, nil); len(vs) > 0 {
					b.Fatalf("violations: %v", vs)
				}
			}
		})
	}
}

// BenchmarkJSON is rendering an N-function result as the synth contract.
func BenchmarkJSON(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			res := synthScale(b, n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := res.JSON(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
