package qttrun

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/serde"
)

// compareOutputs checks, topic by topic in the order the expected records
// first name them, that the records appended to each topic are the
// expected ones, in number and order (FORMAT.md 2.7). It returns the first
// difference, or "". Topics no expected record names are not checked.
// appended returns a topic's records in append order.
func compareOutputs(t *qtt.Test, ms *catalog.Metastore, appended func(string) []log.Record, exact bool) string {
	var topics []string
	byTopic := map[string][]qtt.Record{}
	for _, r := range t.Outputs {
		if _, ok := byTopic[r.Topic]; !ok {
			topics = append(topics, r.Topic)
		}
		byTopic[r.Topic] = append(byTopic[r.Topic], r)
	}
	noInputs := len(t.Inputs) == 0
	for _, topic := range topics {
		want := byTopic[topic]
		got := appended(topic)
		key, value, _ := topicFormats(ms, topic)
		for i := 0; i < len(want) && i < len(got); i++ {
			if d := compareRecord(key, value, got[i], want[i], noInputs, exact); d != "" {
				return fmt.Sprintf("topic %s record %d of %d: %s", topic, i+1, len(want), d)
			}
		}
		switch {
		case len(got) > len(want):
			return fmt.Sprintf("topic %s: expected %d records, got %d; first extra: %s",
				topic, len(want), len(got), formatRecord(key, value, got[len(want)], exact))
		case len(got) < len(want):
			return fmt.Sprintf("topic %s: expected %d records, got %d; first missing: %s",
				topic, len(want), len(got), formatExpectedRecord(want[len(got)]))
		}
	}
	return ""
}

// compareRecord compares one actual record with the expected one: key,
// value, headers (an absent headers field means none) and timestamp (not
// checked when absent, nor when it is 0 in a test without inputs, whose
// records come from INSERT VALUES at the wall-clock time).
func compareRecord(key, value side, got log.Record, want qtt.Record, noInputs, exact bool) string {
	keyBytes := got.Key
	if w := want.Window; w != nil {
		inner, start, end, err := serde.SplitWindow(got.Key, windowType(w), time.Duration(w.End-w.Start)*time.Millisecond)
		if err != nil {
			return fmt.Sprintf("key: expected a windowed key, got %s: %v", quoteBytes(got.Key), err)
		}
		if start != w.Start || end != w.End {
			return fmt.Sprintf("key: window: expected [%d, %d), got [%d, %d); record %s", w.Start, w.End, start, end, formatRecord(key, value, got, exact))
		}
		keyBytes = inner
	}
	k, err := decodeSide(key, keyBytes, exact)
	if err != nil {
		return fmt.Sprintf("key: cannot deserialize %s: %v", quoteBytes(got.Key), err)
	}
	if d := compareValue("key", k, want.Key); d != "" {
		return d + "; record " + formatRecord(key, value, got, exact)
	}
	v, err := decodeSide(value, got.Value, exact)
	if err != nil {
		return fmt.Sprintf("value: cannot deserialize %s: %v", quoteBytes(got.Value), err)
	}
	if d := compareValue("value", v, want.Value); d != "" {
		return d + "; record " + formatRecord(key, value, got, exact)
	}
	if d := compareHeaders(got.Headers, want.Headers); d != "" {
		return d
	}
	if want.Timestamp != nil && !(noInputs && *want.Timestamp == 0) && got.Timestamp != *want.Timestamp {
		return fmt.Sprintf("timestamp: expected %d, got %d", *want.Timestamp, got.Timestamp)
	}
	return ""
}

// compareHeaders requires the same headers, keys and bytes, in order.
func compareHeaders(got []log.Header, want []qtt.Header) string {
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].Key == want[i].Key && (got[i].Value == nil) == (want[i].Value == nil) && bytes.Equal(got[i].Value, want[i].Value)
	}
	if same {
		return ""
	}
	return fmt.Sprintf("headers: expected %s, got %s", formatHeaders(toLogHeaders(want)), formatHeaders(got))
}

func toLogHeaders(hs []qtt.Header) []log.Header {
	out := make([]log.Header, len(hs))
	for i, h := range hs {
		out[i] = log.Header{Key: h.Key, Value: h.Value}
	}
	return out
}

func formatHeaders(hs []log.Header) string {
	parts := make([]string, len(hs))
	for i, h := range hs {
		v := "null"
		if h.Value != nil {
			v = fmt.Sprintf("%q", base64.StdEncoding.EncodeToString(h.Value))
		}
		parts[i] = fmt.Sprintf(`{"KEY": %q, "VALUE": %s}`, h.Key, v)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// formatRecord renders an actual record as the test files write one.
func formatRecord(key, value side, r log.Record, exact bool) string {
	render := func(s side, b []byte) string {
		v, err := decodeSide(s, b, exact)
		if err != nil {
			return quoteBytes(b)
		}
		return formatActual(v)
	}
	s := fmt.Sprintf(`{"key": %s, "value": %s, "timestamp": %d`, render(key, r.Key), render(value, r.Value), r.Timestamp)
	if len(r.Headers) > 0 {
		s += `, "headers": ` + formatHeaders(r.Headers)
	}
	return s + "}"
}

// formatExpectedRecord renders an expected record.
func formatExpectedRecord(r qtt.Record) string {
	s := fmt.Sprintf(`{"key": %s, "value": %s`, formatExpected(r.Key), formatExpected(r.Value))
	if r.Timestamp != nil {
		s += fmt.Sprintf(`, "timestamp": %d`, *r.Timestamp)
	}
	if r.HasHeaders {
		s += `, "headers": ` + formatHeaders(toLogHeaders(r.Headers))
	}
	return s + "}"
}

// quoteBytes shows raw bytes: as a Go string when they are text, in hex
// otherwise.
func quoteBytes(b []byte) string {
	if b == nil {
		return "null"
	}
	for _, c := range b {
		if c < 0x20 || c >= 0x7f {
			return fmt.Sprintf("0x%x", b)
		}
	}
	return fmt.Sprintf("%q", b)
}
