// Command gen writes internal/awsregions/regions_gen.go from the AWS SDK's
// own partition data (aws-sdk-go-v2's internal/endpoints/awsrulesfn
// partitions.json, at the version go.mod requires), so kumo's list of
// regions is the SDK's, never a hand-kept one. Run `go generate
// ./internal/awsregions` after upgrading the SDK; a test fails until then.
package main

import (
	"fmt"
	"os"

	"github.com/kumo-iac/kumo/internal/awsregions"
)

func main() {
	src, err := awsregions.Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.WriteFile("regions_gen.go", src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
