package s3notify

import "testing"

func TestValidEvent(t *testing.T) {
	for e, want := range map[string]bool{
		"s3:ObjectCreated:*": true, "s3:ObjectRemoved:DeleteMarkerCreated": true, "s3:IntelligentTiering": true,
		"s3:ObjectCreated": false, "s3:ObjectCreated:Put*": false, "ObjectCreated:*": false, "s3:*": false, "": false,
	} {
		if got := ValidEvent(e); got != want {
			t.Errorf("ValidEvent(%q): got %v; want %v", e, got, want)
		}
	}
}

func TestSharedEvent(t *testing.T) {
	for _, tc := range []struct {
		a, b []string
		want string
		ok   bool
	}{
		{[]string{"s3:ObjectCreated:*"}, []string{"s3:ObjectCreated:*"}, "s3:ObjectCreated:*", true},
		{[]string{"s3:ObjectCreated:*"}, []string{"s3:ObjectCreated:Put"}, "s3:ObjectCreated:Put", true},
		{[]string{"s3:ObjectRemoved:Delete", "s3:ObjectCreated:Copy"}, []string{"s3:ObjectCreated:*"}, "s3:ObjectCreated:Copy", true},
		{[]string{"s3:ObjectCreated:Put"}, []string{"s3:ObjectCreated:Post"}, "", false},
		{[]string{"s3:ObjectCreated:*"}, []string{"s3:ObjectRemoved:*"}, "", false},
	} {
		got, ok := SharedEvent(tc.a, tc.b)
		if got != tc.want || ok != tc.ok {
			t.Errorf("SharedEvent(%q, %q): got %q, %v; want %q, %v", tc.a, tc.b, got, ok, tc.want, tc.ok)
		}
	}
}

// The S3 user guide's examples of valid and ambiguous configurations.
func TestFiltersOverlap(t *testing.T) {
	for _, tc := range []struct {
		pa, sa, pb, sb string
		want           bool
	}{
		{"", "", "", "", true},
		{"images/", "", "", ".jpg", true},    // images/x.jpg matches both
		{"images/", "", "images/", "", true}, // same prefix
		{"", ".jpg", "", "jpg", true},        // "jpg" ends ".jpg"
		{"raw/", "", "raw/2025/", "", true},  // one prefix starts the other
		{"images/", ".jpg", "images/", ".png", false},
		{"images/", "", "logs/", "", false},
		{"", ".jpg", "", ".png", false},
		{"raw/", ".json", "curated/", ".json", false},
	} {
		if got := FiltersOverlap(tc.pa, tc.sa, tc.pb, tc.sb); got != tc.want {
			t.Errorf("FiltersOverlap(%q, %q, %q, %q): got %v; want %v", tc.pa, tc.sa, tc.pb, tc.sb, got, tc.want)
		}
	}
}
