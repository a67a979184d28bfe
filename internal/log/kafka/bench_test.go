package kafka_test

import (
	"testing"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/kafka"
)

// The in-process cluster answers in microseconds, so these measure the
// package and the client rather than a network.

func BenchmarkAppend100(b *testing.B) {
	c, err := startCluster()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	l, err := kafka.Open(b.Context(), kafka.Options{Brokers: c.ListenAddrs()})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	if err := l.CreateTopic(b.Context(), "bench", log.TopicConfig{Partitions: 1}); err != nil {
		b.Fatal(err)
	}
	recs := makeRecords(100, 100)
	b.ReportAllocs()
	b.SetBytes(100 * 100)
	for b.Loop() {
		if _, err := l.Append(b.Context(), "bench", 0, recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/record")
}

func BenchmarkReaderNext(b *testing.B) {
	c, err := startCluster()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	l, err := kafka.Open(b.Context(), kafka.Options{Brokers: c.ListenAddrs()})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := b.Context()
	if err := l.CreateTopic(ctx, "bench", log.TopicConfig{Partitions: 1}); err != nil {
		b.Fatal(err)
	}
	const total = 20000
	for range total / 1000 {
		if _, err := l.Append(ctx, "bench", 0, makeRecords(1000, 100)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	read := 0
	for b.Loop() {
		r, err := l.OpenReader(ctx, "bench", 0, 0)
		if err != nil {
			b.Fatal(err)
		}
		for n := 0; n < total; {
			recs, err := r.Next(ctx)
			if err != nil {
				b.Fatal(err)
			}
			n += len(recs)
		}
		read += total
		r.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(read), "ns/record")
}
