package convert

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/kumo-iac/kumo/internal/envvar"
)

// DefaultConvertPrefix is where CSVConverter writes unless OUTPUT_PREFIX
// says otherwise.
const DefaultConvertPrefix = "converted/"

// CSVConverter turns a CSV object (a key ending in .csv, any case) into
// JSON lines under Prefix + the key with .csv replaced by .jsonl: one
// object per row, its keys the header row's names in the header's order,
// every value a string. The first row must name each column, once; every
// row must have as many fields (RFC 4180, as encoding/csv reads it). A
// file that breaks these rules fails, naming the line, rather than
// converting in part.
type CSVConverter struct {
	Output
}

// CSVConverterFromEnv configures a CSVConverter from OUTPUT_BUCKET
// (required), OUTPUT_PREFIX (default DefaultConvertPrefix) and
// MAX_OBJECT_BYTES (default DefaultMaxObjectBytes).
func CSVConverterFromEnv(s3c S3, getenv func(string) string, log *slog.Logger) (*Handler, error) {
	e := envvar.New(getenv)
	c := &CSVConverter{Output: outputFromEnv(e, s3c, DefaultConvertPrefix)}
	return &Handler{Converter: c, Log: log}, e.Err()
}

// Convert converts one object.
func (c *CSVConverter) Convert(ctx context.Context, obj Object) (Outcome, string, error) {
	if c.own(obj) {
		return Skipped, "the converter's own output", nil
	}
	if !strings.HasSuffix(strings.ToLower(obj.Key), ".csv") {
		return Skipped, "not a .csv key", nil
	}
	src, gone, err := c.open(ctx, obj)
	if err != nil || gone {
		return Skipped, "gone or replaced since the event", err
	}
	defer src.body.Close()
	f, done, err := tempFile()
	if err != nil {
		return "", "", err
	}
	defer done()
	rows, err := CSVToJSONLines(f, src.body)
	if err != nil {
		return "", "", err
	}
	key := c.Prefix + obj.Key[:len(obj.Key)-len(".csv")] + ".jsonl"
	if err := c.put(ctx, key, "application/x-ndjson", f, obj, src, nil); err != nil {
		return "", "", err
	}
	return Written, fmt.Sprintf("%d rows to s3://%s/%s", rows, c.Bucket, key), nil
}

// CSVToJSONLines writes r's rows after the header to w as JSON lines and
// returns how many.
func CSVToJSONLines(w io.Writer, r io.Reader) (int, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return 0, errors.New("the file is empty: the first row must name the columns")
	}
	if err != nil {
		return 0, fmt.Errorf("the header: %w", err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff") // a UTF-8 byte order mark
	keys := make([][]byte, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		if h == "" || seen[h] {
			return 0, fmt.Errorf("the header's column %d is %q: each column needs a name of its own", i+1, h)
		}
		seen[h] = true
		keys[i], _ = json.Marshal(h)
	}
	bw := bufio.NewWriter(w)
	rows := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rows, err // csv.ParseError names the line and column
		}
		bw.WriteByte('{')
		for i, v := range rec {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.Write(keys[i])
			bw.WriteByte(':')
			b, _ := json.Marshal(v)
			bw.Write(b)
		}
		bw.WriteString("}\n")
		rows++
	}
	return rows, bw.Flush()
}
