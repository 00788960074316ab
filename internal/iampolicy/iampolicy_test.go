package iampolicy

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		in     any
		want   []Statement
		wantOK bool
	}{
		{"string with a list", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"]}]}`,
			[]Statement{{Sid: "A", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b/*"}}}, true},
		{"single statement object", map[string]any{"Statement": map[string]any{"Effect": "Deny", "NotAction": []any{"iam:*"}, "Principal": "*", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}},
			[]Statement{{Effect: "Deny", NotAction: []string{"iam:*"}, Principal: "*", Condition: map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}}, true},
		{"unknown placeholder", "[unknown]", nil, false},
		{"no statement", `{"Version":"2012-10-17"}`, nil, false},
		{"not a policy value", 42, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse(tt.in)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%v) = %#v, %v; want %#v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestPrincipals(t *testing.T) {
	tests := []struct {
		in   any
		want []string
	}{
		{"*", []string{"*"}},
		{map[string]any{"Service": []any{"sns.amazonaws.com", "lambda.amazonaws.com", "sns.amazonaws.com"}, "AWS": "arn:aws:iam::1:root"},
			[]string{"AWS:arn:aws:iam::1:root", "Service:lambda.amazonaws.com", "Service:sns.amazonaws.com"}},
		{nil, nil},
	}
	for _, tt := range tests {
		if got := Principals(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Principals(%v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
