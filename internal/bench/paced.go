package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

// feedPaced appends each event of a latency phase at its scheduled time:
// one goroutine per partition of topic sends each events, perPart per
// second from start, in batches of at most filterBatch. batcher(p) makes
// partition p's batches: the records of its events [first, first+n), each
// stamped with at(i), the scheduled time of event i in milliseconds.
func feedPaced(ctx context.Context, l log.Log, topic string, partitions, perPart int, each int64, start time.Time, progress *Progress,
	batcher func(p int) func(first, n int64, at func(int64) int64) []log.Record) error {
	errs := make([]error, partitions)
	var senders sync.WaitGroup
	for p := range partitions {
		senders.Add(1)
		go func() {
			defer senders.Done()
			batch := batcher(p)
			pacer := NewPacer(start, float64(perPart))
			at := func(i int64) int64 { return pacer.At(i).UnixMilli() }
			for pacer.Issued() < each {
				first, n, err := pacer.Next(ctx, time.Millisecond, min(filterBatch, each-pacer.Issued()))
				if err != nil {
					errs[p] = err
					return
				}
				if _, err := l.Append(ctx, topic, int32(p), batch(first, n, at)); err != nil {
					errs[p] = fmt.Errorf("append to partition %d: %w", p, err)
					return
				}
				progress.Add(n)
			}
		}()
	}
	senders.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
