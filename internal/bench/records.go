package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

// The log workloads' records: a 16-byte key and a 200-byte value, appended
// 1000 to a batch.
const (
	recKeyLen   = 16
	recValueLen = 200
	recSize     = recKeyLen + recValueLen
	recBatch    = 1000
	benchTopic  = "bench"
)

// newRecordBatch returns n records whose keys and values share one buffer:
// keys "k000000000000042", values of pseudo-random letters.
func newRecordBatch(n int, seed uint64) []log.Record {
	buf := make([]byte, n*recSize)
	fillLetters(buf, seed)
	recs := make([]log.Record, n)
	for i := range recs {
		b := buf[i*recSize : (i+1)*recSize : (i+1)*recSize]
		key := b[:recKeyLen:recKeyLen]
		k := strconv.AppendUint(nil, seed*uint64(n)+uint64(i), 10)
		key[0] = 'k'
		for j := 1; j < recKeyLen; j++ {
			key[j] = '0'
		}
		copy(key[recKeyLen-len(k):], k)
		recs[i] = log.Record{Key: key, Value: b[recKeyLen:]}
	}
	return recs
}

// fillLetters fills buf with pseudo-random lowercase letters.
func fillLetters(buf []byte, seed uint64) {
	x := seed*0x9E3779B97F4A7C15 | 1
	for i := range buf {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		buf[i] = 'a' + byte(x%26)
	}
}

func stampBatch(recs []log.Record, ms int64) {
	for i := range recs {
		recs[i].Timestamp = ms
	}
}

// appendAll appends total records (or fewer when maxTime, if positive,
// runs out first) to the topic's partitions, from one goroutine per
// partition, as fast as the log takes them, and counts them on progress.
func appendAll(ctx context.Context, l log.Log, env Env, total int64, maxTime time.Duration) (Measurement, error) {
	parts := env.partitions()
	start := time.Now()
	b := newBudget(total, maxTime)
	var claimed, appended atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, parts)
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := newRecordBatch(recBatch, uint64(p+1))
			for {
				from := claimed.Add(recBatch) - recBatch
				if !b.more(from) {
					return
				}
				recs := batch[:min(recBatch, total-from)]
				stampBatch(recs, time.Now().UnixMilli())
				if _, err := l.Append(ctx, benchTopic, int32(p), recs); err != nil {
					errs[p] = fmt.Errorf("append to partition %d: %w", p, err)
					return
				}
				appended.Add(int64(len(recs)))
				env.Progress.Add(int64(len(recs)))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return Measurement{}, err
		}
	}
	events := appended.Load()
	return Measurement{Name: "append", Events: events, Bytes: events * recSize, Elapsed: elapsed}, nil
}

// appendPaced appends records at rate events per second, spread over the
// partitions, for d, in batches of what is due every millisecond. Each
// record's latency is the time its Append returned minus the time the
// record was scheduled. When stampValue is set, the first 8 bytes of each
// value carry the time (nanoseconds since base) just before its batch was
// appended, for a reader to measure the rest of the way.
func appendPaced(ctx context.Context, l log.Log, env Env, rate int, d time.Duration, base time.Time, stampValue bool) (*Histogram, time.Duration, error) {
	parts := env.partitions()
	start := time.Now()
	perPart, want := pacedShare(rate, parts, d)
	hists := make([]*Histogram, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		hists[p] = NewHistogram()
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := hists[p]
			batch := newRecordBatch(recBatch, uint64(1000+p))
			pacer := NewPacer(start, float64(perPart))
			for pacer.Issued() < want {
				first, n, err := pacer.Next(ctx, time.Millisecond, min(recBatch, want-pacer.Issued()))
				if err != nil {
					errs[p] = err
					return
				}
				recs := batch[:n]
				now := time.Now()
				stampBatch(recs, now.UnixMilli())
				if stampValue {
					ns := uint64(now.Sub(base))
					for i := range recs {
						binary.LittleEndian.PutUint64(recs[i].Value, ns)
					}
				}
				if _, err := l.Append(ctx, benchTopic, int32(p), recs); err != nil {
					errs[p] = fmt.Errorf("append to partition %d: %w", p, err)
					return
				}
				done := time.Now()
				for i := range n {
					h.Record(done.Sub(pacer.At(first + i)))
				}
				env.Progress.Add(n)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return nil, 0, err
		}
	}
	for _, h := range hists[1:] {
		hists[0].Merge(h)
	}
	return hists[0], elapsed, nil
}

// pacedShare is the rate and the number of events of each of parts paced
// senders that together send rate events per second for d.
func pacedShare(rate, parts int, d time.Duration) (perRate int, events int64) {
	perRate = max(1, rate/parts)
	return perRate, max(1, int64(d.Seconds()*float64(perRate)))
}
