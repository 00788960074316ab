package diff

import "strings"

// A minimal stand-in for the replace-on-change table another helper owns;
// it is replaced wholesale at merge. Only the two functions below belong here.

var replaceProps = map[string][]string{
	"aws:dynamodb/table:Table":         {"hashKey", "name", "rangeKey"},
	"aws:kinesis/stream:Stream":        {"name"},
	"aws:sqs/queue:Queue":              {"fifoQueue", "name"},
	"aws:s3/bucketV2:BucketV2":         {"bucket"},
	"aws:cloudwatch/logGroup:LogGroup": {"name"},
	"aws:lambda/function:Function":     {"name"},
}

func forcesReplacement(typ, path string) (replace, known bool) {
	props, known := replaceProps[typ]
	if !known {
		return false, false
	}
	top := path
	if i := strings.IndexAny(path, ".["); i >= 0 {
		top = path[:i]
	}
	for _, p := range props {
		if p == top {
			return true, true
		}
	}
	return false, true
}

func deleteBeforeReplace(typ string, inputs map[string]any) bool {
	for _, p := range []string{"name", "bucket"} {
		if _, ok := inputs[p]; ok && replaceProps[typ] != nil {
			return true
		}
	}
	return false
}
