// Package awsregions says whether a name is an AWS region, from the AWS
// SDK's own partition data (generated into regions_gen.go and checked
// against the SDK by a test), so a stack cannot name "mars-1" and find out
// at deploy time.
package awsregions

import (
	"maps"
	"slices"
	"strings"

	"github.com/agext/levenshtein"
)

// Known reports whether region is a region the AWS SDK knows.
func Known(region string) bool {
	_, ok := regions[region]
	return ok
}

// Partition returns the partition (aws, aws-cn, aws-us-gov, …) of a known
// region, or "".
func Partition(region string) string { return regions[region] }

// Closest returns the known region nearest to s by edit distance, for a
// "did you mean" hint, or "" when none is close.
func Closest(s string) string {
	best, bestDist := "", 4
	for _, r := range slices.Sorted(maps.Keys(regions)) {
		if d := levenshtein.Distance(strings.ToLower(s), r, nil); d < bestDist {
			best, bestDist = r, d
		}
	}
	return best
}
