package embedded

import (
	"context"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

// benchRecords is the benchmark workload's batch: n records of a 16-byte
// key and a 200-byte value, no headers.
func benchRecords(n int) []log.Record {
	recs := make([]log.Record, n)
	for i := range recs {
		key := make([]byte, 16)
		value := make([]byte, 200)
		for j := range value {
			value[j] = byte('a' + (i+j)%26)
		}
		copy(key, "key-0000000000000")
		key[15] = byte('0' + i%10)
		recs[i] = log.Record{Key: key, Value: value, Timestamp: 1_700_000_000_000 + int64(i)}
	}
	return recs
}

func benchLog(b *testing.B, opts Options) *Log {
	b.Helper()
	opts.Dir = b.TempDir()
	l, err := Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	if err := l.CreateTopic(context.Background(), "bench", log.TopicConfig{Partitions: 1}); err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkAppend200B appends batches of 1000 records from one goroutine
// with the interval fsync policy; one iteration is one record.
func BenchmarkAppend200B(b *testing.B) {
	const batch = 1000
	ctx := context.Background()
	l := benchLog(b, Options{Fsync: FsyncInterval})
	recs := benchRecords(batch)
	b.SetBytes(16 + 200)
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n += batch {
		if _, err := l.Append(ctx, "bench", 0, recs[:min(batch, b.N-n)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkRead200B reads records already written through Reader.Next;
// one iteration is one record.
func BenchmarkRead200B(b *testing.B) {
	const batch = 1000
	ctx := context.Background()
	l := benchLog(b, Options{Fsync: FsyncNever})
	recs := benchRecords(batch)
	for n := 0; n < b.N; n += batch {
		if _, err := l.Append(ctx, "bench", 0, recs); err != nil {
			b.Fatal(err)
		}
	}
	r, err := l.OpenReader(ctx, "bench", 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.SetBytes(16 + 200)
	b.ReportAllocs()
	b.ResetTimer()
	var sum int
	for n := 0; n < b.N; {
		got, err := r.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for i := range got {
			sum += len(got[i].Value)
		}
		n += len(got)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	if sum < b.N*200 {
		b.Fatalf("read %d value bytes, want at least %d", sum, b.N*200)
	}
}
