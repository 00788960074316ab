package main

import (
	"strings"
	"testing"
)

func TestTableFromEnv(t *testing.T) {
	for _, tc := range []struct {
		value, want, wantErr string
	}{
		{"lake-catalog-3f2a", "lake-catalog-3f2a", ""},
		{"", "", "CATALOG_TABLE is not set: set it to the name of the catalog DynamoDB table (partition key objectKey"},
		{"arn:aws:dynamodb:eu-west-1:123456789012:table/lake", "", `CATALOG_TABLE is "arn:aws:dynamodb:eu-west-1:123456789012:table/lake": set it to the table's name`},
		{"ab", "", "3 to 255"},
	} {
		got, err := tableFromEnv(func(k string) string {
			if k == "CATALOG_TABLE" {
				return tc.value
			}
			return ""
		})
		if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("CATALOG_TABLE=%q: got %q, %v; want %q, error containing %q", tc.value, got, err, tc.want, tc.wantErr)
		}
	}
}
