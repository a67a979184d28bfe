package qttrun

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/serde"
)

// sessionFor returns a session holding the test's properties as text:
// test files write some values as JSON numbers or booleans. Queries read
// their inputs from the start, as in ksqlDB's runner.
func sessionFor(props map[string]qtt.Value) *engine.Session {
	sess := engine.NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	for k, v := range props {
		sess.Properties[k] = propertyText(v)
	}
	return sess
}

func propertyText(v qtt.Value) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		if v {
			return "true"
		}
		return "false"
	case json.Number:
		return string(v)
	}
	b, _ := jsonText(v)
	return string(b)
}

// exactComparison is the use.exact.numeric.comparison property (default
// true): whether JSON numbers with a point are read as exact decimals.
func exactComparison(props map[string]qtt.Value) bool {
	v, ok := props["use.exact.numeric.comparison"]
	return !ok || !strings.EqualFold(propertyText(v), "false")
}

// windowType maps a record's window type to its key layout.
func windowType(w *qtt.Window) serde.WindowType {
	if w.Type == qtt.WindowSession {
		return serde.SessionWindows
	}
	return serde.TimeWindows
}

// appendInputs serializes every input record with the formats of the
// source on its topic and appends it to partition 0, in file order; the
// queries process each before the next is appended, as ksqlDB's test
// driver does, so that a join sees its sides' records in that order.
func appendInputs(ctx context.Context, e *engine.Engine, l log.Log, t *qtt.Test) error {
	ms := e.Metastore()
	for i, r := range t.Inputs {
		key, value, _ := topicFormats(ms, r.Topic)
		k, err := encodeSpec(key, r.Key)
		if err != nil {
			return &runtimeError{fmt.Errorf("serializing input %d key: %w", i+1, err)}
		}
		if w := r.Window; w != nil {
			k = serde.AppendWindow(k, windowType(w), w.Start, w.End)
		}
		v, err := encodeSpec(value, r.Value)
		if err != nil {
			return &runtimeError{fmt.Errorf("serializing input %d value: %w", i+1, err)}
		}
		var ts int64
		if r.Timestamp != nil {
			ts = *r.Timestamp
		}
		rec := log.Record{Key: k, Value: v, Timestamp: ts, Headers: toLogHeaders(r.Headers)}
		if len(r.Headers) == 0 {
			rec.Headers = nil
		}
		if _, err := l.Append(ctx, r.Topic, 0, []log.Record{rec}); err != nil {
			return &runtimeError{fmt.Errorf("appending input %d: %w", i+1, err)}
		}
		if err := drain(ctx, e); err != nil {
			return err
		}
	}
	return nil
}
