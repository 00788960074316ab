package diff

import (
	"fmt"
	"testing"
)

// genDiff builds a diff of n changes over n/5 kumo Functions, each with a
// settings change (and a canary release), a broadened role policy, a
// replaced table and a route made public: the worst mix for Analyze.
func genDiff(b *testing.B, n int) StackDiff {
	base, head := &SynthDoc{Project: "kumo", Stack: "dev"}, &SynthDoc{Project: "kumo", Stack: "dev"}
	for i := 0; i < n/5; i++ {
		name := fmt.Sprintf("fn%04d", i)
		comp := res(b, "kumo:constructs:Function", name, "", "")
		for _, side := range []struct {
			d              *SynthDoc
			mem, key, auth string
			actions        string
		}{{base, "256", "id", "COGNITO_USER_POOLS", `"dynamodb:GetItem"`}, {head, "512", "pk", "NONE", `"dynamodb:GetItem","dynamodb:PutItem"`}} {
			policy := jsonString(pol(`{"Sid":"Rw","Effect":"Allow","Action":[` + side.actions + `],"Resource":"arn:aws:dynamodb:eu-west-1:1:table/` + name + `"}`))
			side.d.Resources = append(side.d.Resources,
				comp,
				res(b, typeFunction, name, comp.URN, `{"memorySize":`+side.mem+`,"code":{"archive":{"path":"p","sha256":"h"}},"environment":{"variables":{"TABLE":"t"}}}`),
				res(b, typeRelease, name, comp.URN, `{"aliasName":"live","deploymentConfigName":"CodeDeployDefault.LambdaCanary10Percent5Minutes","fingerprint":"`+side.mem+`"}`),
				res(b, "aws:iam/rolePolicy:RolePolicy", name, comp.URN, `{"role":"r","policy":`+policy+`}`),
				res(b, "aws:dynamodb/table:Table", name, comp.URN, `{"hashKey":"`+side.key+`"}`),
				res(b, typeMethod, "api-GET-/"+name, comp.URN, `{"httpMethod":"GET","authorization":"`+side.auth+`"}`),
			)
		}
	}
	d, err := Compare(base, head)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func BenchmarkAnalyze5000(b *testing.B) {
	d := genDiff(b, 5000)
	changed := 0
	for _, c := range d.Changes {
		if c.Op != OpSame {
			changed++
		}
	}
	if changed != 5000 {
		b.Fatalf("generated %d changes; want 5000", changed)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := Analyze([]StackDiff{d})
		if len(r.Stacks[0].DataLoss) != 1000 || len(r.Stacks[0].Canary) != 1000 {
			b.Fatalf("got %d data losses and %d releases; want 1000 each", len(r.Stacks[0].DataLoss), len(r.Stacks[0].Canary))
		}
	}
}
