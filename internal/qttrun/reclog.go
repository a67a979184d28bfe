package qttrun

import (
	"context"
	"sync"

	"github.com/sluicedata/sluice/internal/log"
)

// recordingLog is a log.Log that remembers every record appended to each
// topic in the order of the appends, whatever the partition. ksqlDB's
// runner reads a test's outputs in the order its single-partition test
// driver produced them; the append order is that order here, even when the
// engine spreads a sink over several partitions.
type recordingLog struct {
	log.Log
	mu       sync.Mutex
	appended map[string][]log.Record
}

func newRecordingLog(l log.Log) *recordingLog {
	return &recordingLog{Log: l, appended: map[string][]log.Record{}}
}

// Append appends to the underlying log and, when that succeeds, keeps a
// copy of the records with their partition and offset.
func (r *recordingLog) Append(ctx context.Context, topic string, partition int32, recs []log.Record) (int64, error) {
	off, err := r.Log.Append(ctx, topic, partition, recs)
	if err != nil {
		return off, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, rec := range recs {
		r.appended[topic] = append(r.appended[topic], log.Record{
			Key:       cloneBytes(rec.Key),
			Value:     cloneBytes(rec.Value),
			Timestamp: rec.Timestamp,
			Headers:   cloneHeaders(rec.Headers),
			Partition: partition,
			Offset:    off + int64(i),
		})
	}
	return off, nil
}

// Appended returns the records appended to topic so far, in append order.
func (r *recordingLog) Appended(topic string) []log.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]log.Record(nil), r.appended[topic]...)
}

// cloneBytes copies b, keeping nil (null) apart from empty.
func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

func cloneHeaders(hs []log.Header) []log.Header {
	if hs == nil {
		return nil
	}
	out := make([]log.Header, len(hs))
	for i, h := range hs {
		out[i] = log.Header{Key: h.Key, Value: cloneBytes(h.Value)}
	}
	return out
}
