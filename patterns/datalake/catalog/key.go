package catalog

import (
	"mime"
	"path"
	"strings"
	"time"
)

// Location is where a key sits in the lake's layout,
// <dataset>/year=YYYY/month=MM/day=DD/<file>: Hive-style partitions that
// Glue crawlers and Athena read as partition columns.
type Location struct {
	// Dataset is the key's first segment; "" for an object at the root
	// of the bucket.
	Dataset string
	// Partition is "year=YYYY/month=MM/day=DD" when the key has those
	// three segments in a row, naming a real date; "" otherwise.
	Partition string
	// Date is the partition's day as YYYY-MM-DD; "" without a partition.
	Date string
}

// ParseKey reads the dataset and the day partition from an object key
// (already URL-decoded). Segments after day=DD (hour=HH, say) are allowed;
// month and day need two digits, as Firehose's !{timestamp:MM} and Glue's
// partition projection write them.
func ParseKey(key string) Location {
	segs := strings.Split(key, "/")
	if len(segs) < 2 {
		return Location{}
	}
	loc := Location{Dataset: segs[0]}
	dirs := segs[1 : len(segs)-1] // the last segment is the file name
	for i := 0; i+2 < len(dirs); i++ {
		y, okY := strings.CutPrefix(dirs[i], "year=")
		m, okM := strings.CutPrefix(dirs[i+1], "month=")
		d, okD := strings.CutPrefix(dirs[i+2], "day=")
		if !okY || !okM || !okD || len(y) != 4 || len(m) != 2 || len(d) != 2 {
			continue
		}
		date := y + "-" + m + "-" + d
		// Parse also rejects non-digits and days a month does not have.
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			continue
		}
		loc.Partition = "year=" + y + "/month=" + m + "/day=" + d
		loc.Date = date
		break
	}
	return loc
}

// genericTypes are content types that say nothing about the data: what
// S3 stores when the writer sets none (Firehose sets none).
var genericTypes = map[string]bool{
	"application/octet-stream": true,
	"binary/octet-stream":      true,
}

// extensionTypes are the media types of the file formats a data lake
// holds, by extension; IANA-registered names where there is one
// (https://www.iana.org/assignments/media-types/media-types.xhtml), else
// the name the format's own project uses. A fixed table rather than
// mime.TypeByExtension, which reads the machine's /etc/mime.types and so
// differs between a laptop and Lambda.
var extensionTypes = map[string]string{
	".avro":    "application/avro",
	".csv":     "text/csv",
	".gz":      "application/gzip",
	".json":    "application/json",
	".jsonl":   "application/x-ndjson",
	".ndjson":  "application/x-ndjson",
	".orc":     "application/x-orc",
	".parquet": "application/vnd.apache.parquet",
	".tsv":     "text/tab-separated-values",
	".txt":     "text/plain",
	".xml":     "application/xml",
	".zip":     "application/zip",
	".zst":     "application/zstd",
}

// TypeOf is an object's type: its content type's media type when that says
// something, else the type its extension names, else
// application/octet-stream.
func TypeOf(contentType, key string) string {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && !genericTypes[mt] {
		return mt // ParseMediaType lower-cases it
	}
	if t, ok := extensionTypes[strings.ToLower(path.Ext(key))]; ok {
		return t
	}
	return "application/octet-stream"
}
