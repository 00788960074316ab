package synthcmd

import (
	"strings"
	"testing"
)

// TestPreviousOutput: what --out may replace without --force: exactly kumo
// synth's JSON contract or its tree, nothing else, however its values nest
// and whatever their strings hold.
func TestPreviousOutput(t *testing.T) {
	const resource = `{"urn":"urn:pulumi:dev::shop::aws:sqs/queue:Queue::jobs","type":"aws:sqs/queue:Queue","inputs":{"tags":{"a":[1,{"b":null}]}}}`
	many := `{"project":"shop","stack":"dev","resources":[` + strings.Repeat(resource+",", 9999) + resource + `],"outputs":{}}`
	tests := []struct {
		name, data string
		want       bool
	}{
		{"tree", "stack dev (project shop): 4 resources\nStack shop-dev\n", true},
		{"tree of one resource", "stack dev (project shop): 1 resource\n", true},
		{"JSON contract", `{"project":"shop","stack":"dev","resources":[` + resource + `],"outputs":{"url":"https://x"}}` + "\n", true},
		{"JSON contract, keys in another order", `{"outputs":{},"resources":[],"stack":"dev","project":"shop"}`, true},
		{"ten thousand resources", many, true},
		{"JSON contract with the stack's region", `{"project":"shop","stack":"dev","region":"eu-west-1","resources":[` + resource + `],"outputs":{}}` + "\n", true},
		{"region not a string", `{"project":"shop","stack":"dev","region":1,"resources":[],"outputs":{}}`, false},
		{"null region", `{"project":"shop","stack":"dev","region":null,"resources":[],"outputs":{}}`, false},
		{"missing outputs", `{"project":"shop","stack":"dev","resources":[]}`, false},
		{"missing outputs, with region", `{"project":"shop","stack":"dev","region":"eu-west-1","resources":[]}`, false},
		{"null project", `{"project":null,"stack":"dev","resources":[],"outputs":{}}`, false},
		{"project not a string", `{"project":1,"stack":"dev","resources":[],"outputs":{}}`, false},
		{"resources not an array", `{"project":"shop","stack":"dev","resources":{},"outputs":{}}`, false},
		{"null outputs", `{"project":"shop","stack":"dev","resources":[],"outputs":null}`, false},
		{"unknown key", `{"project":"shop","stack":"dev","resources":[],"outputs":{},"notes":"mine"}`, false},
		{"trailing data", `{"project":"shop","stack":"dev","resources":[],"outputs":{}} {}`, false},
		{"truncated", `{"project":"shop","stack":"dev","resources":[` + resource, false},
		{"broken resource", `{"project":"shop","stack":"dev","resources":[{"urn":],"outputs":{}}`, false},
		{"array", `[{"project":"shop"}]`, false},
		{"indented, with brackets and quotes in strings", "{\n  \"project\": \"shop\",\n  \"stack\": \"dev\",\n  \"resources\": [\n    {\"a\": \"]}\\\"[{\"}\n  ],\n  \"outputs\": {\"n\": 1, \"s\": \"}\\\"{\"}\n}\n", true},
		{"a number last in outputs", `{"project":"shop","stack":"dev","resources":[],"outputs":{"n":-1.5e3}}`, true},
		{"a literal last in a resource", `{"project":"shop","stack":"dev","resources":[{"ok":true}],"outputs":{"x":null}}`, true},
		{"escaped key", `{"pro\u006aect":"shop","stack":"dev","resources":[],"outputs":{}}`, true},
		{"a number for the last key", `{"stack":"dev","resources":[],"outputs":{},"project":1}`, false},
		{"empty object", `{}`, false},
		{"text", "remember the milk\n", false},
		{"tree header not first", "notes\nstack dev (project shop): 4 resources\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := previousOutput([]byte(tt.data)); got != tt.want {
				t.Errorf("previousOutput: got %v; want %v", got, tt.want)
			}
		})
	}
}
