package main

import (
	"strings"
	"testing"
)

func TestSettingsFromEnv(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	got, err := settingsFromEnv(env(map[string]string{"SEARCH_ENDPOINT": "https://search-lake-abc.eu-west-1.es.amazonaws.com"}))
	if err != nil || got != (settings{endpoint: "https://search-lake-abc.eu-west-1.es.amazonaws.com", index: "lake-catalog", reportItems: true}) {
		t.Errorf("defaults: got %+v, %v", got, err)
	}
	got, err = settingsFromEnv(env(map[string]string{"SEARCH_ENDPOINT": "https://x", "SEARCH_INDEX": "catalog-v2", "REPORT_BATCH_ITEM_FAILURES": "false"}))
	if err != nil || got.index != "catalog-v2" || got.reportItems {
		t.Errorf("overrides: got %+v, %v", got, err)
	}
	_, err = settingsFromEnv(env(map[string]string{"SEARCH_INDEX": "Lake Catalog", "REPORT_BATCH_ITEM_FAILURES": "yes"}))
	for _, want := range []string{
		"SEARCH_ENDPOINT is not set: set it to the OpenSearch Service domain's endpoint",
		`SEARCH_INDEX: index name "Lake Catalog" has upper-case letters`,
		`REPORT_BATCH_ITEM_FAILURES is "yes": set it to true when`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v; want it to contain %q", err, want)
		}
	}
}
