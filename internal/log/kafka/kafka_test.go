package kafka_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/kafka"
	"github.com/sluicedata/sluice/internal/log/logtest"
)

// newCluster starts a cluster that stops when the test ends.
func newCluster(t *testing.T) *kfake.Cluster {
	t.Helper()
	c, err := startCluster()
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// startCluster starts an in-process Kafka cluster of three brokers, so that
// partition leaders differ and requests are routed as on a real cluster.
func startCluster() (*kfake.Cluster, error) { return kfake.NewCluster(kfake.NumBrokers(3)) }

func open(t *testing.T, c *kfake.Cluster) *kafka.Log {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	l, err := kafka.Open(ctx, kafka.Options{Brokers: c.ListenAddrs(), ClientID: "sluice-test"})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return l
}

func TestConformance(t *testing.T) {
	c := newCluster(t)
	logtest.Run(t, logtest.Factory{
		New: func(t *testing.T) log.Log { return open(t, c) },
		Reopen: func(t *testing.T, l log.Log) log.Log {
			if err := l.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return open(t, c)
		},
	})
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	// Port 1 on the loopback refuses connections at once.
	_, err := kafka.Open(ctx, kafka.Options{Brokers: []string{"127.0.0.1:1"}, DialTimeout: 5 * time.Second})
	if !errors.Is(err, log.ErrUnavailable) {
		t.Fatalf("Open of an unreachable broker = %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %q does not name the broker", err)
	}
}

func TestOpenNoBrokers(t *testing.T) {
	if _, err := kafka.Open(t.Context(), kafka.Options{}); err == nil {
		t.Fatal("Open without brokers succeeded")
	}
}

func openWith(t *testing.T, c *kfake.Cluster, opts kafka.Options) *kafka.Log {
	t.Helper()
	opts.Brokers = c.ListenAddrs()
	l, err := kafka.Open(t.Context(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// batchCounter records how many records each produced batch holds, per
// partition, as the brokers receive them.
type batchCounter struct {
	mu      sync.Mutex
	batches map[int32][]int
}

func countBatches(c *kfake.Cluster) *batchCounter {
	bc := &batchCounter{batches: map[int32][]int{}}
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		bc.mu.Lock()
		defer bc.mu.Unlock()
		for _, t := range req.(*kmsg.ProduceRequest).Topics {
			for _, p := range t.Partitions {
				var b kmsg.RecordBatch
				if err := b.ReadFrom(p.Records); err == nil {
					bc.batches[p.Partition] = append(bc.batches[p.Partition], int(b.NumRecords))
				}
			}
		}
		return nil, nil, false
	})
	return bc
}

func (bc *batchCounter) get() map[int32][]int {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	return maps.Clone(bc.batches)
}

func makeRecords(n, size int) []log.Record {
	recs := make([]log.Record, n)
	for i := range recs {
		recs[i] = log.Record{Key: fmt.Appendf(nil, "k%d", i), Value: bytes.Repeat([]byte{'v'}, size), Timestamp: time.Now().UnixMilli()}
	}
	return recs
}

// TestAppendBatches checks how concurrent Appends to different
// partitions reach the broker: each batch holds records of one Append only,
// and each Append's records arrive in order, contiguous. Most Appends are
// a single batch; the client can, rarely, cut one (see Log.Append), so
// that is logged rather than asserted.
func TestAppendBatches(t *testing.T) {
	c := newCluster(t)
	bc := countBatches(c)
	l := openWith(t, c, kafka.Options{})
	ctx := t.Context()
	if err := l.CreateTopic(ctx, "batches", log.TopicConfig{Partitions: 4}); err != nil {
		t.Fatal(err)
	}
	const appends, perAppend = 20, 2000
	bases := make([][]int64, 4)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for p := range int32(4) {
		wg.Go(func() {
			for range appends {
				base, err := l.Append(ctx, "batches", p, makeRecords(perAppend, 50))
				if err != nil {
					errs <- err
					return
				}
				bases[p] = append(bases[p], base)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	split := 0
	for p, sizes := range bc.get() {
		for i, base := range bases[p] {
			if base != int64(i*perAppend) {
				t.Errorf("partition %d: Append %d at offset %d, want %d", p, i, base, i*perAppend)
			}
		}
		// Batch boundaries must fall on Append boundaries.
		sum, appendsSeen := 0, 0
		for _, n := range sizes {
			sum += n
			if sum%perAppend == 0 {
				appendsSeen++
			} else if sum/perAppend != (sum-n)/perAppend {
				t.Fatalf("partition %d: a batch of %d records spans two Appends (batches %v)", p, n, sizes)
			}
		}
		if sum != appends*perAppend || appendsSeen != appends {
			t.Errorf("partition %d: batches %v hold %d records in %d Appends, want %d in %d", p, sizes, sum, appendsSeen, appends*perAppend, appends)
		}
		split += len(sizes) - appends
	}
	t.Logf("%d of %d Appends left in more than one batch", split, 4*appends)
}

// TestAppendSplitsAboveMaxBatchBytes documents the limit of the promise:
// an Append larger than MaxBatchBytes goes out as several batches, still
// complete and contiguous when nothing fails.
func TestAppendSplitsAboveMaxBatchBytes(t *testing.T) {
	c := newCluster(t)
	bc := countBatches(c)
	l := openWith(t, c, kafka.Options{MaxBatchBytes: 64 << 10})
	ctx := t.Context()
	if err := l.CreateTopic(ctx, "split", log.TopicConfig{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	recs := makeRecords(200, 1024)
	base, err := l.Append(ctx, "split", 0, recs)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(bc.get()[0]); n < 3 {
		t.Errorf("200 KiB went out in %d batches under a 64 KiB limit, want at least 3", n)
	}
	r, err := l.OpenReader(ctx, "split", 0, base)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	next := base
	for next < base+200 {
		got, err := r.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range got {
			if rec.Offset != next || string(rec.Key) != fmt.Sprintf("k%d", next-base) {
				t.Fatalf("offset %d holds key %q, want offset %d key k%d", rec.Offset, rec.Key, next, next-base)
			}
			next++
		}
	}
}

func TestRecordTooLarge(t *testing.T) {
	c := newCluster(t)
	l := openWith(t, c, kafka.Options{MaxBatchBytes: 64 << 10})
	ctx := t.Context()
	if err := l.CreateTopic(ctx, "large", log.TopicConfig{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	// Over the client's batch limit: refused before anything is sent.
	recs := makeRecords(3, 10)
	recs[1].Value = make([]byte, 100<<10)
	if _, err := l.Append(ctx, "large", 0, recs); !errors.Is(err, log.ErrRecordTooLarge) {
		t.Errorf("Append of a 100 KiB record under a 64 KiB limit = %v, want ErrRecordTooLarge", err)
	}
	// Under the client's limit but over the topic's: the broker refuses.
	if err := l.CreateTopic(ctx, "small-topic", log.TopicConfig{Partitions: 1, Configs: map[string]string{"max.message.bytes": "2048"}}); err != nil {
		t.Fatal(err)
	}
	// Random bytes, which compression cannot bring under the limit.
	big := makeRecords(1, 0)
	big[0].Value = make([]byte, 4096)
	rand.Read(big[0].Value)
	if _, err := l.Append(ctx, "small-topic", 0, big); !errors.Is(err, log.ErrRecordTooLarge) {
		t.Errorf("Append of 4 KiB to a topic with max.message.bytes 2048 = %v, want ErrRecordTooLarge", err)
	}
	for _, topic := range []string{"large", "small-topic"} {
		info, err := l.DescribeTopic(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		if p := info.Partitions[0]; p.EndOffset != p.StartOffset {
			t.Errorf("%s holds [%d, %d) after refused appends, want nothing", topic, p.StartOffset, p.EndOffset)
		}
	}
}

// TestAppendCanceledStillLands: an Append whose context ends while the
// broker holds its request returns the context's error, but the records
// are written, whole, before the next Append to the partition.
func TestAppendCanceledStillLands(t *testing.T) {
	c := newCluster(t)
	l := openWith(t, c, kafka.Options{})
	ctx := t.Context()
	if err := l.CreateTopic(ctx, "canceled", log.TopicConfig{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.DropControl() // hold the first produce request only
		close(held)
		c.SleepControl(func() { <-release })
		return nil, nil, false
	})
	actx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := l.Append(actx, "canceled", 0, makeRecords(5, 10))
		done <- err
	}()
	<-held
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled Append = %v, want context.Canceled", err)
	}
	close(release)
	base, err := l.Append(ctx, "canceled", 0, makeRecords(1, 10))
	if err != nil {
		t.Fatal(err)
	}
	if base != 5 {
		t.Errorf("Append after the canceled one = %d, want 5 (the canceled Append's 5 records first)", base)
	}
}

// TestKafkaInternalTopicsHidden: names starting with "__" are Kafka's
// (__consumer_offsets, __transaction_state) and are not listed.
func TestKafkaInternalTopicsHidden(t *testing.T) {
	c := newCluster(t)
	l := openWith(t, c, kafka.Options{})
	ctx := t.Context()
	for _, name := range []string{"__broker_internal", "visible"} {
		if err := l.CreateTopic(ctx, name, log.TopicConfig{Partitions: 1}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := l.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, info := range list {
		names = append(names, info.Name)
	}
	if !slices.Equal(names, []string{"visible"}) {
		t.Errorf("ListTopics = %q, want only [visible]", names)
	}
}

func TestSizeBytes(t *testing.T) {
	c := newCluster(t)
	l := openWith(t, c, kafka.Options{})
	ctx := t.Context()
	if err := l.CreateTopic(ctx, "sized", log.TopicConfig{Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	recs := makeRecords(10, 1000)
	for _, r := range recs {
		rand.Read(r.Value) // incompressible: the size on disk is the size sent
	}
	if _, err := l.Append(ctx, "sized", 1, recs); err != nil {
		t.Fatal(err)
	}
	info, err := l.DescribeTopic(ctx, "sized")
	if err != nil {
		t.Fatal(err)
	}
	if s := info.Partitions[1].SizeBytes; s < 10*1000 {
		t.Errorf("partition 1 SizeBytes = %d after 10 KB of records, want at least 10000", s)
	}
	if s := info.Partitions[0].SizeBytes; s != 0 {
		t.Errorf("empty partition 0 SizeBytes = %d, want 0", s)
	}
}
