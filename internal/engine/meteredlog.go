package engine

import (
	"context"
	"strconv"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/metrics"
)

// meteredLog counts the records and bytes that go through the log, per
// topic, whatever the log's mode.
type meteredLog struct {
	log.Log
	appendedRecords, appendedBytes *metrics.CounterVec
	readRecords, readBytes         *metrics.CounterVec
}

func newMeteredLog(l log.Log, reg *metrics.Registry) *meteredLog {
	m := &meteredLog{
		Log:             l,
		appendedRecords: reg.Counter("sluice_log_appended_records_total", "Records appended to the log.", "topic"),
		appendedBytes:   reg.Counter("sluice_log_appended_bytes_total", "Bytes of keys, values and headers appended to the log.", "topic"),
		readRecords:     reg.Counter("sluice_log_read_records_total", "Records read from the log.", "topic"),
		readBytes:       reg.Counter("sluice_log_read_bytes_total", "Bytes of keys, values and headers read from the log.", "topic"),
	}
	// Sizes are the log's to know; ask it at scrape time.
	reg.GaugeFunc("sluice_log_size_bytes", "Bytes the log holds on disk, per topic and partition.", []string{"topic", "partition"}, func(emit func(float64, ...string)) {
		topics, err := l.ListTopics(context.Background())
		if err != nil {
			return
		}
		for _, t := range topics {
			for _, p := range t.Partitions {
				emit(float64(p.SizeBytes), t.Name, strconv.Itoa(int(p.Partition)))
			}
		}
	})
	return m
}

func recordBytes(recs []log.Record) uint64 {
	var n int
	for i := range recs {
		n += len(recs[i].Key) + len(recs[i].Value)
		for _, h := range recs[i].Headers {
			n += len(h.Key) + len(h.Value)
		}
	}
	return uint64(n)
}

func (m *meteredLog) Append(ctx context.Context, topic string, partition int32, recs []log.Record) (int64, error) {
	off, err := m.Log.Append(ctx, topic, partition, recs)
	if err == nil {
		m.appendedRecords.With(topic).Add(uint64(len(recs)))
		m.appendedBytes.With(topic).Add(recordBytes(recs))
	}
	return off, err
}

func (m *meteredLog) OpenReader(ctx context.Context, topic string, partition int32, offset int64) (log.Reader, error) {
	r, err := m.Log.OpenReader(ctx, topic, partition, offset)
	if err != nil {
		return nil, err
	}
	return &meteredReader{Reader: r, records: m.readRecords.With(topic), bytes: m.readBytes.With(topic)}, nil
}

type meteredReader struct {
	log.Reader
	records, bytes *metrics.Counter
}

func (r *meteredReader) Next(ctx context.Context) ([]log.Record, error) {
	recs, err := r.Reader.Next(ctx)
	r.records.Add(uint64(len(recs)))
	r.bytes.Add(recordBytes(recs))
	return recs, err
}
