package reading

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		data    string
		kind    Kind
		device  string
		time    string
		temp    float64
		wantErr string
	}{
		{data: `{"deviceId":"d-1","ts":1710000000,"temperature":21.5}`, kind: Reading, device: "d-1", time: "2024-03-09T16:00:00.000Z", temp: 21.5},
		{data: `{"deviceId":"sensor:7_a","ts":1710000000123,"temperature":-4,"type":"reading"}`, kind: Reading, device: "sensor:7_a", time: "2024-03-09T16:00:00.123Z", temp: -4},
		{data: `{"deviceId":"d","ts":99999999999,"temperature":0}`, kind: Reading, device: "d", time: "5138-11-16T09:46:39.000Z"},  // just below MillisFrom: seconds
		{data: `{"deviceId":"d","ts":100000000000,"temperature":0}`, kind: Reading, device: "d", time: "1973-03-03T09:46:40.000Z"}, // MillisFrom: milliseconds
		{data: `{"deviceId":"d","ts":1710000000.5,"temperature":0}`, kind: Reading, device: "d", time: "2024-03-09T16:00:00.500Z"},
		{data: ` {"type":"heartbeat","deviceId":"d-1"} `, kind: Other},
		{data: `{"type":"status"}`, kind: Other},
		{data: `{"type":7}`, wantErr: "type is 7, not a string"},
		{data: `{}`, wantErr: "no deviceId\nno ts\nno temperature"},
		{data: `null`, wantErr: "not a JSON object"},
		{data: `"x"`, wantErr: "not a JSON object"},
		{data: `{"a":1}{"b":2}`, wantErr: "more than one JSON value"},
		{data: `{"deviceId":"","ts":1,"temperature":1}`, wantErr: `deviceId is "": want a string of 1 to 128`},
		{data: `{"deviceId":"` + strings.Repeat("a", 129) + `","ts":1,"temperature":1}`, wantErr: "deviceId is"},
		{data: `{"deviceId":"a/b","ts":1,"temperature":1}`, wantErr: `deviceId is "a/b"`},
		{data: `{"deviceId":7,"ts":1,"temperature":1}`, wantErr: "deviceId is 7"},
		{data: `{"deviceId":"d","ts":0,"temperature":1}`, wantErr: "ts is 0: want Unix epoch seconds or milliseconds"},
		{data: `{"deviceId":"d","ts":1e14,"temperature":1}`, wantErr: "ts is 1e14"},
		{data: `{"deviceId":"d","ts":"1710000000","temperature":1}`, wantErr: `ts is "1710000000"`},
		{data: `{"deviceId":"d","ts":1,"temperature":"20"}`, wantErr: `temperature is "20": want a number`},
		{data: `{"deviceId":"d","ts":1,"temperature":1e999}`, wantErr: "temperature is 1e999"},
		{data: `{"deviceId":"d","ts":1,"temperature":null}`, wantErr: "temperature is null"},
	} {
		m := Parse([]byte(tc.data))
		if tc.wantErr != "" {
			if m.Kind != Malformed || m.Err == nil || !strings.Contains(m.Err.Error(), tc.wantErr) {
				t.Errorf("%s: got kind %d, %v; want Malformed, %q", tc.data, m.Kind, m.Err, tc.wantErr)
			}
			continue
		}
		if m.Kind != tc.kind || m.Err != nil {
			t.Errorf("%s: got kind %d, %v; want %d", tc.data, m.Kind, m.Err, tc.kind)
			continue
		}
		if tc.kind != Reading {
			continue
		}
		if m.DeviceID != tc.device || m.Time.Format(TimeFormat) != tc.time || m.Temperature != tc.temp || m.Time.Location() != time.UTC {
			t.Errorf("%s: got %s %s %g; want %s %s %g in UTC", tc.data, m.DeviceID, m.Time.Format(TimeFormat), m.Temperature, tc.device, tc.time, tc.temp)
		}
	}
}

func TestLongValuesAreTruncatedInErrors(t *testing.T) {
	m := Parse([]byte(`{"deviceId":"d","ts":1,"temperature":"` + strings.Repeat("x", 10_000) + `"}`))
	if m.Err == nil || len(m.Err.Error()) > 200 {
		t.Errorf("got a %d-byte error; want it short", len(m.Err.Error()))
	}
}
