package catalog

import (
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want Location
	}{
		{"clicks/year=2024/month=03/day=09/part-0001.json.gz", Location{"clicks", "year=2024/month=03/day=09", "2024-03-09"}},
		// Partitions below the dataset's own, and hours below the day.
		{"sales/region=eu/year=2023/month=12/day=31/hour=23/f", Location{"sales", "year=2023/month=12/day=31", "2023-12-31"}},
		{"clicks/f.json", Location{"clicks", "", ""}},
		{"root.json", Location{}},
		{"", Location{}},
		// Not a day: wrong widths, a day the month lacks, non-digits,
		// segments out of order, or the file name itself.
		{"clicks/year=2024/month=3/day=09/f", Location{"clicks", "", ""}},
		{"clicks/year=2023/month=02/day=29/f", Location{"clicks", "", ""}},
		{"clicks/year=20x4/month=03/day=09/f", Location{"clicks", "", ""}},
		{"clicks/month=03/year=2024/day=09/f", Location{"clicks", "", ""}},
		{"clicks/year=2024/month=03/day=09", Location{"clicks", "", ""}},
		{"clicks/year=2024/month=02/day=29/f", Location{"clicks", "year=2024/month=02/day=29", "2024-02-29"}},
	} {
		if got := ParseKey(tc.key); got != tc.want {
			t.Errorf("ParseKey(%q) = %+v; want %+v", tc.key, got, tc.want)
		}
	}
}

func TestTypeOf(t *testing.T) {
	for _, tc := range []struct{ contentType, key, want string }{
		{"application/json; charset=utf-8", "a/b.bin", "application/json"},
		{"Text/CSV", "a/b", "text/csv"},
		// S3's and Firehose's "nothing said" falls back to the extension.
		{"application/octet-stream", "a/b.parquet", "application/vnd.apache.parquet"},
		{"binary/octet-stream", "a/b.JSONL", "application/x-ndjson"},
		{"", "a/part-0001.gz", "application/gzip"},
		{"not a type", "a/b.csv", "text/csv"},
		{"", "a/b.unknown", "application/octet-stream"},
		{"", "a/b", "application/octet-stream"},
	} {
		if got := TypeOf(tc.contentType, tc.key); got != tc.want {
			t.Errorf("TypeOf(%q, %q) = %q; want %q", tc.contentType, tc.key, got, tc.want)
		}
	}
}

func TestOrderedSequencerOrdersAsS3Documents(t *testing.T) {
	// Each pair is (earlier, later). Compared as raw strings, the first
	// two pairs would order the wrong way round.
	for _, tc := range []struct{ earlier, later string }{
		{"9F", "0A00"},
		{"FFFFFFFFFFFFFFFF", "0100000000000000000"},
		{"0055AED6DCD90281E5", "0055AED6DCD90281E6"},
		{"0055aed6dcd90281e5", "0055AED6DCD90281E6"},
	} {
		e, err1 := OrderedSequencer(tc.earlier)
		l, err2 := OrderedSequencer(tc.later)
		if err1 != nil || err2 != nil {
			t.Fatalf("OrderedSequencer: %v, %v", err1, err2)
		}
		if len(e) != SequencerWidth || len(l) != SequencerWidth {
			t.Errorf("got widths %d, %d; want %d", len(e), len(l), SequencerWidth)
		}
		if !(e < l) {
			t.Errorf("got %s >= %s; want %s (from %s) before %s (from %s)", e, l, e, tc.earlier, l, tc.later)
		}
	}
	if a, b := mustOrder(t, "00ab"), mustOrder(t, "AB"); a != b {
		t.Errorf("got %s and %s; want one form for one value", a, b)
	}
}

func mustOrder(t *testing.T, s string) string {
	t.Helper()
	o, err := OrderedSequencer(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOrderedSequencerRejects(t *testing.T) {
	for _, tc := range []struct{ seq, want string }{
		{"", "empty"},
		{"0055AED6DCD9028G", `"0055AED6DCD9028G" is not hexadecimal`},
		{"-1", "not hexadecimal"},
		{strings.Repeat("F", SequencerWidth+1), "more than the 64"},
	} {
		_, err := OrderedSequencer(tc.seq)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OrderedSequencer(%q): got %v; want an error containing %q", tc.seq, err, tc.want)
		}
	}
}
