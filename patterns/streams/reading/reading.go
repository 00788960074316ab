// Package reading is the sensor message format the stream processing
// pattern's functions share: what a temperature reading is, what a message
// that is not a reading is, and what is malformed.
//
// A message is one JSON object. Its "type" says what it is: absent or
// "reading" for a temperature reading, anything else (such as "heartbeat"
// or "status") for a device message that is not a reading and that
// readings consumers skip. A reading has
//
//	deviceId     the device, 1 to 128 of a-z A-Z 0-9 : _ - (an IoT thing name)
//	ts           when it was measured: Unix epoch seconds, or milliseconds
//	             when 100000000000 or more (a number; fractions allowed)
//	temperature  a number
//
// and may carry any other fields, which pass through. A message that is
// not a JSON object, or a reading without a valid deviceId, ts or
// temperature, is malformed.
package reading

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"time"
)

// Kind is what a message is.
type Kind int

const (
	// Malformed: not a JSON object, or a reading with a missing or invalid
	// field.
	Malformed Kind = iota
	// Reading: a temperature reading.
	Reading
	// Other: a well-formed device message that is not a reading (its
	// "type" is neither absent nor "reading"), such as a heartbeat.
	Other
)

// TypeReading is the "type" of a reading; a message without "type" is one
// too.
const TypeReading = "reading"

// Field names of the format.
const (
	FieldType        = "type"
	FieldDeviceID    = "deviceId"
	FieldTS          = "ts"
	FieldTemperature = "temperature"
)

// MillisFrom is the smallest ts read as milliseconds: as seconds it would
// be the year 5138, as milliseconds it is March 1973.
const MillisFrom = 1e11

// maxTS is the largest ts accepted (in milliseconds, the year 5138).
const maxTS = 1e14

// An IoT thing name: 1 to 128 of a-z A-Z 0-9 : _ -
// (https://docs.aws.amazon.com/iot/latest/apireference/API_CreateThing.html).
// Devices are keyed by it in DynamoDB, in window state and in SNS message
// attributes, all of which take these characters as they are.
var deviceID = regexp.MustCompile(`^[a-zA-Z0-9:_-]{1,128}$`)

// ValidDeviceID reports whether id is a device ID this format accepts.
func ValidDeviceID(id string) bool { return deviceID.MatchString(id) }

// Message is one parsed message.
type Message struct {
	Kind Kind
	// Type is the message's "type" ("" when absent).
	Type string
	// DeviceID, Time and Temperature are set for a Reading. Time is UTC.
	DeviceID    string
	Time        time.Time
	Temperature float64
	// Fields are all of the object's fields as they arrived, for a
	// Reading or Other.
	Fields map[string]json.RawMessage
	// Err says why a Malformed message is malformed.
	Err error
}

// Parse classifies data and, for a reading, reads its fields.
func Parse(data []byte) Message {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return Message{Kind: Malformed, Err: errors.New("not a JSON object")}
	}
	if dec.More() {
		return Message{Kind: Malformed, Err: errors.New("more than one JSON value")}
	}
	m := Message{Fields: fields}
	if raw, ok := fields[FieldType]; ok {
		if err := json.Unmarshal(raw, &m.Type); err != nil {
			return Message{Kind: Malformed, Err: fmt.Errorf("%s is %s, not a string", FieldType, raw)}
		}
		if m.Type != TypeReading {
			m.Kind = Other
			return m
		}
	}
	var errs []error
	raw, ok := fields[FieldDeviceID]
	switch {
	case !ok:
		errs = append(errs, fmt.Errorf("no %s", FieldDeviceID))
	case json.Unmarshal(raw, &m.DeviceID) != nil || !ValidDeviceID(m.DeviceID):
		errs = append(errs, fmt.Errorf("%s is %s: want a string of 1 to 128 of a-z A-Z 0-9 : _ -", FieldDeviceID, truncate(raw)))
	}
	if raw, ok := fields[FieldTS]; !ok {
		errs = append(errs, fmt.Errorf("no %s", FieldTS))
	} else if t, err := parseTS(raw); err != nil {
		errs = append(errs, err)
	} else {
		m.Time = t
	}
	if raw, ok := fields[FieldTemperature]; !ok {
		errs = append(errs, fmt.Errorf("no %s", FieldTemperature))
	} else if f, err := number(raw); err != nil {
		errs = append(errs, fmt.Errorf("%s is %s: want a number", FieldTemperature, truncate(raw)))
	} else {
		m.Temperature = f
	}
	if len(errs) > 0 {
		return Message{Kind: Malformed, Err: errors.Join(errs...)}
	}
	m.Kind = Reading
	return m
}

// parseTS reads epoch seconds, or milliseconds from MillisFrom.
func parseTS(raw json.RawMessage) (time.Time, error) {
	f, err := number(raw)
	if err != nil || f <= 0 || f >= maxTS {
		return time.Time{}, fmt.Errorf("%s is %s: want Unix epoch seconds or milliseconds, a positive number", FieldTS, truncate(raw))
	}
	ms := f * 1000
	if f >= MillisFrom {
		ms = f
	}
	whole, frac := math.Modf(ms)
	return time.UnixMilli(int64(whole)).Add(time.Duration(math.Round(frac*1e6)) * time.Nanosecond).UTC(), nil
}

func number(raw json.RawMessage) (float64, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, err
	}
	// A JSON string holding digits unmarshals into a Number too.
	if len(raw) > 0 && raw[0] == '"' {
		return 0, errors.New("a string")
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		return 0, errors.New("out of range")
	}
	return f, nil
}

// truncate keeps error messages (and so logs and error records) short
// whatever a message holds.
func truncate(raw json.RawMessage) string {
	const most = 64
	if len(raw) <= most {
		return string(raw)
	}
	return string(raw[:most]) + "…"
}

// TimeFormat is how readings' times are written: ISO 8601 in UTC with
// milliseconds, which sorts as text in time order and which Athena's
// from_iso8601_timestamp reads.
const TimeFormat = "2006-01-02T15:04:05.000Z"
