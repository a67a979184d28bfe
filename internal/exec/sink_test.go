package exec

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/kafka"
	"github.com/sluicedata/sluice/internal/log/memlog"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

// sinkRun plays a task writing to a topic sink: each input offset of
// [start, end) gives two rows; the sink flushes every 5 offsets and the
// task commits at the offsets of commitAt (the returned positions are the
// last commit's). A run that ends before its input is done plays a crash:
// what was flushed stays, the rest is lost.
type sinkRun struct {
	l        log.Log
	producer []byte
}

func (r sinkRun) play(t *testing.T, from map[int32]int64, start, end int64, commitAt map[int64]bool) map[int32]int64 {
	t.Helper()
	ctx := context.Background()
	cols := []types.Column{{Name: "K", Type: types.StringType, Namespace: types.NamespaceKey}, {Name: "V", Type: types.BigIntType}}
	key, _ := serde.NewFormat("KAFKA", cols[:1], serde.Options{})
	value, _ := serde.NewFormat("JSON", cols[1:], serde.Options{})
	s := NewTopicSink(r.l, "out", 3, types.MustSchema(cols...), key, value, nil, &Pipeline{Stats: NewStats(clock.Real{})})
	if err := s.Resume(ctx, r.producer, from); err != nil {
		t.Fatal(err)
	}
	var committed map[int32]int64
	for off := start; off < end; off++ {
		s.begin(off)
		for i := range int64(2) {
			row := types.Row{types.Str(fmt.Sprintf("k%d", (off*3+i)%11)), types.BigInt(off*10 + i)}
			if err := s.Write(&Out{Row: row}); err != nil {
				t.Fatal(err)
			}
		}
		if (off+1)%5 == 0 {
			if err := s.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if commitAt[off+1] {
			committed = s.Positions(off + 1)
		}
	}
	return committed
}

// TestTopicSinkResumeWritesOnce crashes a task twice, the second time
// while it is still replaying what it wrote before the first, with
// another writer's records interleaved, and checks that every result is
// in the topic exactly once: in memory and on a Kafka cluster.
func TestTopicSinkResumeWritesOnce(t *testing.T) {
	t.Run("memlog", func(t *testing.T) { testResumeWritesOnce(t, memlog.New()) })
	t.Run("kafka", func(t *testing.T) {
		c, err := kfake.NewCluster(kfake.NumBrokers(1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		l, err := kafka.Open(ctx, kafka.Options{Brokers: c.ListenAddrs(), ClientID: "sluice-test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		testResumeWritesOnce(t, l)
	})
}

func testResumeWritesOnce(t *testing.T, l log.Log) {
	ctx := context.Background()
	if err := l.CreateTopic(ctx, "out", log.TopicConfig{Partitions: 3}); err != nil {
		t.Fatal(err)
	}
	me := sinkRun{l: l, producer: []byte("producer")}
	other := sinkRun{l: l, producer: []byte("other-pr")}
	other.play(t, nil, 0, 20, nil)
	p30 := me.play(t, nil, 0, 62, map[int64]bool{30: true}) // dies at 62: 0-59 written
	other.play(t, nil, 20, 40, nil)
	p45 := me.play(t, p30, 30, 52, map[int64]bool{45: true}) // dies replaying
	other.play(t, nil, 40, 60, nil)
	me.play(t, p45, 45, 100, nil)

	seen := map[string]int{}
	info, err := l.DescribeTopic(ctx, "out")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range info.Partitions {
		rd, err := l.OpenReader(ctx, "out", p.Partition, 0)
		if err != nil {
			t.Fatal(err)
		}
		for rd.Position() < p.EndOffset {
			recs, err := rd.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				h := rec.Headers[len(rec.Headers)-1]
				if h.Key != originHeader || len(h.Value) != originLen {
					t.Fatalf("record %d/%d: headers %v", p.Partition, rec.Offset, rec.Headers)
				}
				o := fmt.Sprintf("%s@%d.%d", h.Value[:8], binary.BigEndian.Uint64(h.Value[8:]), binary.BigEndian.Uint32(h.Value[16:]))
				seen[o]++
			}
		}
		rd.Close()
	}
	for _, prod := range []struct {
		name string
		n    int64
	}{{"producer", 100}, {"other-pr", 60}} {
		for off := range prod.n {
			for rank := range 2 {
				if o := fmt.Sprintf("%s@%d.%d", prod.name, off, rank); seen[o] != 1 {
					t.Errorf("%s: %d copies", o, seen[o])
				}
			}
		}
	}
	if len(seen) != 320 {
		t.Errorf("%d distinct records, want 320", len(seen))
	}
}

// A record sink writes records as they are: its own copies of their
// bytes, a null key or value kept null, partitioned by key.
func TestRecordSinkCopiesRecords(t *testing.T) {
	ctx := context.Background()
	l := memlog.New()
	if err := l.CreateTopic(ctx, "late", log.TopicConfig{Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	s := NewRecordSink(l, "late", 2, &Pipeline{Stats: NewStats(clock.Real{})})
	key, value := []byte("k1"), []byte(`{"a":1}`)
	in := []log.Record{{Key: key, Value: value, Timestamp: 5, Headers: []log.Header{{Key: "h", Value: []byte("x")}}}, {Value: []byte("v")}, {Key: []byte("k2")}}
	for _, rec := range in {
		if err := s.WriteRecord(rec); err != nil {
			t.Fatal(err)
		}
	}
	copy(key, "zz")
	copy(value, "{}")
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := l.DescribeTopic(ctx, "late")
	if err != nil {
		t.Fatal(err)
	}
	var got []log.Record
	for _, part := range info.Partitions {
		r, err := l.OpenReader(ctx, "late", part.Partition, 0)
		if err != nil {
			t.Fatal(err)
		}
		for r.Position() < part.EndOffset {
			recs, err := r.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				if want := log.PartitionForKey(rec.Key, 2); rec.Key != nil && want != part.Partition {
					t.Errorf("key %s in partition %d, want %d", rec.Key, part.Partition, want)
				}
			}
			got = append(got, recs...)
		}
		r.Close()
	}
	if len(got) != 3 {
		t.Fatalf("%d records, want 3", len(got))
	}
	for _, rec := range got {
		switch string(rec.Key) {
		case "k1":
			if string(rec.Value) != `{"a":1}` || rec.Timestamp != 5 || len(rec.Headers) != 1 || string(rec.Headers[0].Value) != "x" {
				t.Errorf("record %+v, want the first as written", rec)
			}
		case "":
			if rec.Key != nil || string(rec.Value) != "v" {
				t.Errorf("record %+v, want a null key and value v", rec)
			}
		case "k2":
			if rec.Value != nil {
				t.Errorf("record %+v, want a null value", rec)
			}
		}
	}
}
