package mapreduce

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// gzipMagic starts every GZIP member (RFC 1952, section 2.3.1).
var gzipMagic = []byte{0x1f, 0x8b}

// decompressed returns the object's lines' reader: body itself, or a GZIP
// reader of it when the object says it is GZIP-encoded or starts with
// GZIP's magic bytes (Firehose's GZIP output sets no Content-Encoding).
// Concatenated GZIP members, as appended files have, read as one stream.
func decompressed(body io.Reader, contentEncoding string) (io.Reader, error) {
	br := bufio.NewReaderSize(body, 64<<10)
	head, err := br.Peek(len(gzipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if !bytes.Equal(head, gzipMagic) && !strings.Contains(strings.ToLower(contentEncoding), "gzip") {
		return br, nil
	}
	if len(head) == 0 {
		return br, nil // an empty object, whatever it claims
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return zr, nil
}

// tally counts the lines r holds: valid are JSON objects, one per line;
// invalid are other non-blank lines, including any longer than
// MaxLineBytes. A final line without a newline counts too.
func tally(r io.Reader) (valid, invalid int64, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	tooLong := false
	for {
		frag, err := br.ReadSlice('\n')
		switch {
		case tooLong:
			// Discarding the rest of an overlong line.
		case len(line)+len(frag) > MaxLineBytes+1: // +1: the newline
			tooLong, line = true, line[:0]
		default:
			line = append(line, frag...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return valid, invalid, err
		}
		switch trimmed := bytes.TrimSpace(line); {
		case tooLong:
			invalid++
		case len(trimmed) == 0:
			// A blank line, such as a trailing one, is no record.
		case trimmed[0] == '{' && json.Valid(trimmed):
			valid++
		default:
			invalid++
		}
		if err != nil { // io.EOF
			return valid, invalid, nil
		}
		line, tooLong = line[:0], false
	}
}
