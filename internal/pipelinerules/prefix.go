package pipelinerules

import (
	"slices"
	"strconv"
	"strings"
)

// Sources of the Firehose S3 prefix rules.
const (
	// SrcFirehosePrefixes is "Custom Prefixes for Amazon S3 Objects": the
	// namespaces, the firehose values and the semantic rules quoted below.
	SrcFirehosePrefixes = "https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html"
	// SrcFirehosePartitioning: with dynamic partitioning "you MUST specify
	// the S3 bucket prefixes", built from "partitionKeyFromQuery" or
	// "partitionKeyFromLambda" expressions, and "You MUST specify an S3
	// error bucket prefix".
	SrcFirehosePartitioning = "https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html"
	// SrcFirehoseS3Config: Prefix and ErrorOutputPrefix are 0–1024
	// characters (ExtendedS3DestinationConfiguration).
	SrcFirehoseS3Config = "https://docs.aws.amazon.com/firehose/latest/APIReference/API_ExtendedS3DestinationConfiguration.html"
)

// MaxPrefixLength is Prefix's and ErrorOutputPrefix's API limit.
const MaxPrefixLength = 1024

// Prefix namespaces: "!{namespace:value}, where namespace can be one of
// firehose, timestamp, partitionKeyFromQuery, partitionKeyFromLambda".
const (
	NSTimestamp = "timestamp"
	NSFirehose  = "firehose"
	NSQuery     = "partitionKeyFromQuery"
	NSLambda    = "partitionKeyFromLambda"
)

// ErrorOutputType is the firehose value allowed only in ErrorOutputPrefix.
const ErrorOutputType = "!{firehose:error-output-type}"

// Expr is one !{namespace:value} expression of a prefix.
type Expr struct {
	Namespace, Value string
}

// ParsePrefix splits a prefix into its expressions; the problem is the
// first "!{" that does not open a complete !{namespace:value} ("The
// sequence !{ can only appear in !{namespace:value} expressions").
func ParsePrefix(p string) ([]Expr, string) {
	var out []Expr
	for rest := p; ; {
		i := strings.Index(rest, "!{")
		if i < 0 {
			return out, ""
		}
		rest = rest[i+2:]
		end := strings.IndexByte(rest, '}')
		if end < 0 {
			return out, "\"!{\" opens an expression that no \"}\" closes"
		}
		body := rest[:end]
		rest = rest[end+1:]
		ns, val, ok := strings.Cut(body, ":")
		if !ok || ns == "" || val == "" {
			return out, "\"!{" + body + "}\" is not a !{namespace:value} expression"
		}
		out = append(out, Expr{Namespace: ns, Value: val})
	}
}

// PrefixOptions say what the delivery stream around the prefixes has.
type PrefixOptions struct {
	// Partitioning is dynamic partitioning being on.
	Partitioning bool
	// QueryKeys are the partition keys the stream's MetadataExtractionQuery
	// defines; nil when unknown (then they are not checked).
	QueryKeys []string
	// Lambda is a Lambda processor being configured (it may return
	// partition keys).
	Lambda bool
}

// PrefixProblems reports what Firehose refuses in an S3 destination's
// Prefix and ErrorOutputPrefix. The paths are "Prefix" and
// "ErrorOutputPrefix"; each problem cites SrcFirehosePrefixes or, for
// partitioning, SrcFirehosePartitioning in its message.
func PrefixProblems(prefix, errorPrefix string, opt PrefixOptions) []Problem {
	var ps []Problem
	add := func(path, msg string) { ps = append(ps, Problem{Path: path, Msg: msg}) }
	check := func(path, p string) []Expr {
		if len(p) > MaxPrefixLength {
			add(path, "is "+strconv.Itoa(len(p))+" characters; Firehose allows at most 1024")
		}
		exprs, problem := ParsePrefix(p)
		if problem != "" {
			add(path, problem+"; \"!{\" may only open !{namespace:value} (Custom Prefixes for Amazon S3 Objects)")
		}
		for _, e := range exprs {
			switch e.Namespace {
			case NSTimestamp:
			case NSFirehose:
				if e.Value != "random-string" && e.Value != "error-output-type" {
					add(path, "!{firehose:"+e.Value+"} is not a firehose value; use random-string or error-output-type (Custom Prefixes for Amazon S3 Objects)")
				}
			case NSQuery, NSLambda:
				if !opt.Partitioning {
					add(path, "!{"+e.Namespace+":"+e.Value+"} needs dynamic partitioning (Dynamic Partitioning)")
				}
			default:
				add(path, "!{"+e.Namespace+":"+e.Value+"} uses namespace \""+e.Namespace+"\"; use timestamp, firehose, partitionKeyFromQuery or partitionKeyFromLambda (Custom Prefixes for Amazon S3 Objects)")
			}
		}
		return exprs
	}
	pe := check("Prefix", prefix)
	ee := check("ErrorOutputPrefix", errorPrefix)
	if strings.Contains(prefix, ErrorOutputType) {
		add("Prefix", ErrorOutputType+" may only appear in ErrorOutputPrefix (Custom Prefixes for Amazon S3 Objects: \"Prefix can't contain !{firehose:error-output-type}\")")
	}
	if len(pe) > 0 && errorPrefix == "" {
		add("ErrorOutputPrefix", "is empty while Prefix has expressions; Firehose requires one (Custom Prefixes for Amazon S3 Objects: \"ErrorOutputPrefix can be null only if Prefix contains no expressions\")")
	}
	if len(ee) > 0 && !strings.Contains(errorPrefix, ErrorOutputType) {
		add("ErrorOutputPrefix", "has expressions but no "+ErrorOutputType+" (Custom Prefixes for Amazon S3 Objects: \"you must include at least one instance of !{firehose:error-output-type}\")")
	}
	if opt.Partitioning {
		partitioned := false
		for _, e := range pe {
			switch e.Namespace {
			case NSQuery:
				partitioned = true
				if opt.QueryKeys != nil && !slices.Contains(opt.QueryKeys, e.Value) {
					add("Prefix", "!{partitionKeyFromQuery:"+e.Value+"} names a key the stream's query does not define; defined: "+strings.Join(opt.QueryKeys, ", ")+" (Dynamic Partitioning)")
				}
			case NSLambda:
				partitioned = true
				if !opt.Lambda {
					add("Prefix", "!{partitionKeyFromLambda:"+e.Value+"} needs a Lambda processor that returns partition keys (Dynamic Partitioning)")
				}
			}
		}
		if !partitioned {
			add("Prefix", "has no !{partitionKeyFromQuery:…} or !{partitionKeyFromLambda:…} expression; with dynamic partitioning the prefix must use the partition keys (Dynamic Partitioning)")
		}
		if errorPrefix == "" {
			add("ErrorOutputPrefix", "is empty; dynamic partitioning needs an error prefix for the records it cannot partition (Dynamic Partitioning)")
		}
	}
	return ps
}

// QueryKeys returns the keys a MetadataExtractionQuery such as
// "{dataset:.dataset,day:.ts|strftime(\"%d\")}" defines, or nil when the
// query is not a flat JQ object construction kumo can read.
func QueryKeys(query string) []string {
	q := strings.TrimSpace(query)
	if !strings.HasPrefix(q, "{") || !strings.HasSuffix(q, "}") {
		return nil
	}
	q = q[1 : len(q)-1]
	var keys []string
	depth, start := 0, 0
	inString := false
	for i := 0; i <= len(q); i++ {
		if i < len(q) {
			c := q[i]
			switch {
			case c == '"' && (i == 0 || q[i-1] != '\\'):
				inString = !inString
				continue
			case inString:
				continue
			case c == '(' || c == '[' || c == '{':
				depth++
				continue
			case c == ')' || c == ']' || c == '}':
				depth--
				continue
			case c != ',' || depth > 0:
				continue
			}
		}
		k, _, ok := strings.Cut(q[start:i], ":")
		k = strings.Trim(strings.TrimSpace(k), `"`)
		if !ok || k == "" {
			return nil
		}
		keys = append(keys, k)
		start = i + 1
	}
	return keys
}
