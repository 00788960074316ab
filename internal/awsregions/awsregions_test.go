package awsregions

import (
	"bytes"
	"os"
	"testing"
)

// TestGeneratedFromTheSDK keeps regions_gen.go equal to what the AWS SDK
// version in go.mod says: after an SDK upgrade, run go generate.
func TestGeneratedFromTheSDK(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("regions_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("regions_gen.go is not what the AWS SDK's partitions.json gives; run `go generate ./internal/awsregions`")
	}
}

func TestKnown(t *testing.T) {
	for _, r := range []string{"eu-west-1", "us-east-1", "ap-southeast-5", "cn-north-1", "us-gov-west-1"} {
		if !Known(r) {
			t.Errorf("Known(%q) = false; want true", r)
		}
	}
	for _, r := range []string{"mars-1", "xx-fake-9", "eu-fake-9", "aws-global", "EU-WEST-1", ""} {
		if Known(r) {
			t.Errorf("Known(%q) = true; want false", r)
		}
	}
	if got := Partition("cn-north-1"); got != "aws-cn" {
		t.Errorf("Partition(cn-north-1) = %q; want aws-cn", got)
	}
	if got := Closest("eu-west-11"); got != "eu-west-1" {
		t.Errorf("Closest(eu-west-11) = %q; want eu-west-1", got)
	}
	if got := Closest("mars-1"); got != "" {
		t.Errorf("Closest(mars-1) = %q; want nothing", got)
	}
}
