package datalake

import "testing"

func TestGlueDatabaseName(t *testing.T) {
	for _, tc := range []struct{ project, stack, name, want string }{
		{"kumo", "dev", "lake", "kumo_dev_lake"},
		// Athena reads only lower-case letters, digits and '_'.
		{"Shop-API", "prod.eu", "lake", "shop_api_prod_eu_lake"},
	} {
		if got := glueDatabaseName(tc.project, tc.stack, tc.name); got != tc.want {
			t.Errorf("glueDatabaseName(%q, %q, %q) = %q; want %q", tc.project, tc.stack, tc.name, got, tc.want)
		}
	}
}
