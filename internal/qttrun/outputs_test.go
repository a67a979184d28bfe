package qttrun

import (
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/types"
)

// loadTest parses one test of a QTT file given as JSON text.
func loadTest(t *testing.T, testJSON string) *qtt.Test {
	t.Helper()
	f, err := qtt.ParseFile("t.json", []byte(`{"tests": [`+testJSON+`]}`))
	if err != nil {
		t.Fatal(err)
	}
	return &f.Tests[0]
}

func outputMetastore() *catalog.Metastore {
	ms := catalog.NewMetastore()
	ms.PutSource(&catalog.Source{
		Name:  "OUTPUT",
		Topic: "OUTPUT",
		Schema: types.MustSchema(
			types.Column{Name: "ID", Type: types.BigIntType, Namespace: types.NamespaceKey},
			types.Column{Name: "NAME", Type: types.StringType},
		),
		Key:   catalog.FormatInfo{Name: "KAFKA"},
		Value: catalog.FormatInfo{Name: "JSON"},
	})
	return ms
}

func bigEndian8(i byte) []byte { return []byte{0, 0, 0, 0, 0, 0, 0, i} }

func TestCompareOutputs(t *testing.T) {
	test := loadTest(t, `{
		"name": "n", "statements": ["x"],
		"inputs": [{"topic": "in", "value": {}}],
		"outputs": [
			{"topic": "OUTPUT", "key": 1, "value": {"NAME": "a"}, "timestamp": 10},
			{"topic": "OUTPUT", "key": 2, "value": {"NAME": "b"}},
			{"topic": "other", "value": {"X": 1.50}, "headers": [{"KEY": "h", "VALUE": "aGk="}]}
		]}`)
	good := map[string][]log.Record{
		"OUTPUT": {
			{Key: bigEndian8(1), Value: []byte(`{"NAME":"a"}`), Timestamp: 10},
			{Key: bigEndian8(2), Value: []byte(`{"NAME":"b"}`), Timestamp: 99},
		},
		"other": {{Value: []byte(`{"X":1.50}`), Headers: []log.Header{{Key: "h", Value: []byte("hi")}}}},
	}
	ms := outputMetastore()
	run := func(recs map[string][]log.Record) string {
		return compareOutputs(test, ms, func(topic string) []log.Record { return recs[topic] }, true)
	}
	if d := run(good); d != "" {
		t.Fatalf("matching outputs: %s", d)
	}
	mutate := func(f func(m map[string][]log.Record)) map[string][]log.Record {
		m := map[string][]log.Record{}
		for k, v := range good {
			m[k] = append([]log.Record(nil), v...)
		}
		f(m)
		return m
	}
	tests := []struct {
		name string
		recs map[string][]log.Record
		want string
	}{
		{"wrong key", mutate(func(m map[string][]log.Record) { m["OUTPUT"][1].Key = bigEndian8(3) }),
			"topic OUTPUT record 2 of 2: key: expected 2, got 3"},
		{"wrong value", mutate(func(m map[string][]log.Record) { m["OUTPUT"][0].Value = []byte(`{"NAME":"z"}`) }),
			`record 1 of 2: value.NAME: expected "a", got "z"`},
		{"wrong timestamp", mutate(func(m map[string][]log.Record) { m["OUTPUT"][0].Timestamp = 11 }),
			"timestamp: expected 10, got 11"},
		{"missing record", mutate(func(m map[string][]log.Record) { m["OUTPUT"] = m["OUTPUT"][:1] }),
			`topic OUTPUT: expected 2 records, got 1; first missing: {"key": 2`},
		{"extra record", mutate(func(m map[string][]log.Record) {
			m["OUTPUT"] = append(m["OUTPUT"], log.Record{Key: bigEndian8(4), Value: []byte(`{"NAME":"d"}`)})
		}), `expected 2 records, got 3; first extra: {"key": 4, "value": {"NAME": "d"}`},
		{"order matters", mutate(func(m map[string][]log.Record) {
			m["OUTPUT"][0], m["OUTPUT"][1] = m["OUTPUT"][1], m["OUTPUT"][0]
		}), "record 1 of 2: key: expected 1, got 2"},
		{"header value", mutate(func(m map[string][]log.Record) {
			m["other"] = []log.Record{{Value: []byte(`{"X":1.50}`), Headers: []log.Header{{Key: "h", Value: []byte("ho")}}}}
		}), `headers: expected [{"KEY": "h", "VALUE": "aGk="}], got [{"KEY": "h", "VALUE": "aG8="}]`},
		{"decimal scale", mutate(func(m map[string][]log.Record) {
			m["other"] = []log.Record{{Value: []byte(`{"X":1.5}`), Headers: good["other"][0].Headers}}
		}), "value.X: expected 1.50, got 1.5"},
		{"undecodable key", mutate(func(m map[string][]log.Record) { m["OUTPUT"][0].Key = []byte{1} }),
			"key: cannot deserialize 0x01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := run(tt.recs)
			if !strings.Contains(d, tt.want) {
				t.Fatalf("difference %q, want one containing %q", d, tt.want)
			}
		})
	}
}

func TestCompareRecordHeadersAndTimestamps(t *testing.T) {
	want := qtt.Record{Topic: "t", Value: nil}
	// An expected record without headers requires none.
	if d := compareRecord(side{}, side{}, log.Record{Headers: []log.Header{{Key: "k"}}}, want, false, true); !strings.Contains(d, "headers") {
		t.Fatalf("unexpected header accepted: %q", d)
	}
	// A null header value differs from an empty one.
	want.Headers, want.HasHeaders = []qtt.Header{{Key: "k", Value: nil}}, true
	if d := compareRecord(side{}, side{}, log.Record{Headers: []log.Header{{Key: "k", Value: []byte{}}}}, want, false, true); d == "" {
		t.Fatal("empty header value matched a null one")
	}
	if d := compareRecord(side{}, side{}, log.Record{Headers: []log.Header{{Key: "k"}}}, want, false, true); d != "" {
		t.Fatalf("null header: %s", d)
	}
	// A 0 timestamp is not checked in a test without inputs (INSERT
	// VALUES stamps records with the wall clock), and checked otherwise.
	zero := int64(0)
	want = qtt.Record{Topic: "t", Timestamp: &zero}
	if d := compareRecord(side{}, side{}, log.Record{Timestamp: 1234}, want, true, true); d != "" {
		t.Fatalf("timestamp 0 without inputs: %s", d)
	}
	if d := compareRecord(side{}, side{}, log.Record{Timestamp: 1234}, want, false, true); !strings.Contains(d, "timestamp") {
		t.Fatalf("timestamp 0 with inputs not checked: %q", d)
	}
}
