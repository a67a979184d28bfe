package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
)

func openManual(t *testing.T) (*Engine, log.Log) {
	t.Helper()
	ml := memlog.New()
	e, err := Open(context.Background(), Config{Log: ml, Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e, ml
}

func mustExec(t *testing.T, e *Engine, sess *Session, sql string) []Entity {
	t.Helper()
	ents, err := e.Execute(context.Background(), sess, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return ents
}

func readAll(t *testing.T, l log.Log, topic string) []log.Record {
	t.Helper()
	ctx := context.Background()
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	var out []log.Record
	for _, p := range info.Partitions {
		if p.EndOffset == p.StartOffset {
			continue
		}
		r, err := l.OpenReader(ctx, topic, p.Partition, p.StartOffset)
		if err != nil {
			t.Fatal(err)
		}
		for r.Position() < p.EndOffset {
			recs, err := r.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				rec.Key = append([]byte(nil), rec.Key...)
				rec.Value = append([]byte(nil), rec.Value...)
				out = append(out, rec)
			}
		}
		r.Close()
	}
	return out
}

func TestFilterProjectStream(t *testing.T) {
	e, l := openManual(t)
	sess := NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	mustExec(t, e, sess, `CREATE STREAM events (id STRING KEY, type STRING, n INT) WITH (kafka_topic='events', partitions=1, value_format='JSON');
CREATE STREAM clicks AS SELECT id, n * 2 AS twice FROM events WHERE type = 'click';
INSERT INTO events (id, type, n) VALUES ('a', 'click', 1);
INSERT INTO events (id, type, n) VALUES ('b', 'view', 2);
INSERT INTO events (id, type, n) VALUES ('c', 'click', 3);`)
	if err := e.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, l, "CLICKS")
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Key)+"="+string(r.Value))
	}
	want := []string{`a={"TWICE":2}`, `c={"TWICE":6}`}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestMissingKeyInProjection(t *testing.T) {
	e, _ := openManual(t)
	mustExec(t, e, nil, `CREATE STREAM input (id INT KEY, name STRING) WITH (kafka_topic='t', partitions=1, value_format='JSON');`)
	_, err := e.Execute(context.Background(), nil, `CREATE STREAM output AS SELECT name FROM input;`)
	var se *StatementError
	if !errors.As(err, &se) || se.Message != "The query used to build `OUTPUT` must include the key column ID in its projection (eg, SELECT ID...)." {
		t.Fatalf("got %v", err)
	}
}
