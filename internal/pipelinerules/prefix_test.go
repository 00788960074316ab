package pipelinerules

import (
	"reflect"
	"strings"
	"testing"
)

const hive = "!{partitionKeyFromQuery:dataset}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
const errPrefix = "errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/"

func TestPrefixProblemsAccepts(t *testing.T) {
	for _, tc := range []struct {
		name, prefix, errorPrefix string
		opt                       PrefixOptions
	}{
		{"defaults", "", "", PrefixOptions{}},
		{"plain prefix without error prefix", "raw/", "", PrefixOptions{}},
		{"timestamps and random strings", "raw/!{firehose:random-string}/!{timestamp:yyyy/MM}/", errPrefix, PrefixOptions{}},
		{"hive partitions by query", hive, errPrefix, PrefixOptions{Partitioning: true, QueryKeys: []string{"dataset"}}},
		{"partitions by lambda", "!{partitionKeyFromLambda:tenant}/", errPrefix, PrefixOptions{Partitioning: true, Lambda: true}},
		{"query keys unknown", "!{partitionKeyFromQuery:any}/", errPrefix, PrefixOptions{Partitioning: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ps := PrefixProblems(tc.prefix, tc.errorPrefix, tc.opt); len(ps) != 0 {
				t.Errorf("got %v; want none", ps)
			}
		})
	}
}

// Each case is a prefix pair Firehose refuses.
func TestPrefixProblemsRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, prefix, errorPrefix string
		opt                       PrefixOptions
		want                      [][2]string
	}{
		{"expression without error prefix", "!{timestamp:yyyy}/", "", PrefixOptions{},
			[][2]string{{"ErrorOutputPrefix", "null only if Prefix contains no expressions"}}},
		{"error-output-type in Prefix", "x/" + ErrorOutputType + "/", errPrefix, PrefixOptions{},
			[][2]string{{"Prefix", "may only appear in ErrorOutputPrefix"}}},
		{"error prefix without error-output-type", "", "errors/!{timestamp:yyyy}/", PrefixOptions{},
			[][2]string{{"ErrorOutputPrefix", "at least one instance"}}},
		{"unknown namespace", "!{date:yyyy}/", errPrefix, PrefixOptions{},
			[][2]string{{"Prefix", `namespace "date"`}}},
		{"unknown firehose value", "!{firehose:uuid}/", errPrefix, PrefixOptions{},
			[][2]string{{"Prefix", "not a firehose value"}}},
		{"unclosed expression", "raw/!{timestamp:yyyy", errPrefix, PrefixOptions{},
			[][2]string{{"Prefix", "no \"}\" closes"}}},
		{"bare !{", "raw/!{}/", errPrefix, PrefixOptions{},
			[][2]string{{"Prefix", "not a !{namespace:value}"}}},
		{"prefix over 1024", strings.Repeat("p", 1025), "", PrefixOptions{},
			[][2]string{{"Prefix", "at most 1024"}}},
		{"partition key without partitioning", hive, errPrefix, PrefixOptions{},
			[][2]string{{"Prefix", "needs dynamic partitioning"}}},
		{"undefined query key", "!{partitionKeyFromQuery:tenant}/", errPrefix, PrefixOptions{Partitioning: true, QueryKeys: []string{"dataset"}},
			[][2]string{{"Prefix", "defined: dataset"}}},
		{"lambda key without lambda", "!{partitionKeyFromLambda:tenant}/", errPrefix, PrefixOptions{Partitioning: true},
			[][2]string{{"Prefix", "needs a Lambda processor"}}},
		{"partitioning without partition keys", "raw/!{timestamp:yyyy}/", "", PrefixOptions{Partitioning: true, QueryKeys: []string{"dataset"}},
			[][2]string{{"ErrorOutputPrefix", "null only if"}, {"Prefix", "must use the partition keys"}, {"ErrorOutputPrefix", "dynamic partitioning needs an error prefix"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := PrefixProblems(tc.prefix, tc.errorPrefix, tc.opt)
			if len(got) != len(tc.want) {
				t.Errorf("problems: got %d; want %d:\n%v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				if i < len(got) && (got[i].Path != w[0] || !strings.Contains(got[i].Msg, w[1])) {
					t.Errorf("problem %d: got %q; want path %q and a message containing %q", i, got[i], w[0], w[1])
				}
			}
		})
	}
}

func TestQueryKeys(t *testing.T) {
	for q, want := range map[string][]string{
		"{dataset:.dataset}": {"dataset"},
		`{dataset:.d, day:.ts|strftime("%d"), "y":.a[0:4]}`: {"dataset", "day", "y"},
		`{k:{a:.x,b:.y}, z:.z}`:                             {"k", "z"},
		".dataset":                                          nil,
		"{:.x}":                                             nil,
	} {
		if got := QueryKeys(q); !reflect.DeepEqual(got, want) {
			t.Errorf("QueryKeys(%q): got %q; want %q", q, got, want)
		}
	}
}
