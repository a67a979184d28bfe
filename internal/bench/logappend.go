package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

const (
	logFsyncInterval = 100 * time.Millisecond
	rawWriteSize     = 256 << 10
)

func logAppend() Workload {
	return Workload{
		Name:        "log-append",
		Description: "append 16 B key + 200 B value records, 1000 per batch, to the embedded log (fsync every 100 ms); reference: raw 256 KiB file writes of the same bytes",
		Run:         runLogAppend,
	}
}

func runLogAppend(ctx context.Context, env Env) (Result, error) {
	total := env.records(5_000_000)
	l, err := openBenchLog(ctx, env)
	if err != nil {
		return Result{}, err
	}
	defer l.Close()
	syncAll()
	rw, err := newRawWriter(env.Dir)
	if err != nil {
		return Result{}, err
	}
	defer rw.close()

	env.Progress.Phase("throughput", total)
	maxTime := env.roundTime(measureRounds)
	ms, err := interleave(ctx, measureRounds,
		func(ctx context.Context, r int) (Measurement, error) {
			return appendAll(ctx, l, env, share(total, measureRounds, r), maxTime)
		},
		func(ctx context.Context, r int) (Measurement, error) {
			return rw.write(ctx, share(total, measureRounds, r)*recSize, maxTime)
		})
	if err != nil {
		return Result{}, err
	}
	thr, ref := ms[0], ms[1]
	thr.Detail = fmt.Sprintf("%d partition(s), %d records per append", env.partitions(), recBatch)
	if err := rw.close(); err != nil {
		return Result{}, err
	}

	syncAll()
	rate, d := env.rate(), env.latencyDuration()
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, elapsed, err := appendPaced(ctx, l, env, rate, d, time.Now(), false)
	if err != nil {
		return Result{}, err
	}
	return Result{
		Throughput:     thr,
		Reference:      ref,
		Latency:        h,
		LatencyRate:    rate,
		LatencyElapsed: elapsed,
		Notes: []string{
			fmt.Sprintf("throughput and reference measured in %d interleaved rounds", measureRounds),
			"latency: from each record's scheduled time to the return of its Append, batches every 1 ms",
		},
	}, nil
}

// openBenchLog opens the embedded log in env.Dir with the interval fsync
// policy and creates the bench topic with env's partitions.
func openBenchLog(ctx context.Context, env Env) (log.Log, error) {
	l, err := openEmbedded(filepath.Join(env.Dir, "log"))
	if err != nil {
		return nil, err
	}
	if err := l.CreateTopic(ctx, benchTopic, log.TopicConfig{Partitions: int32(env.partitions())}); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// rawWriter is the floor under appending to the log: bytes written to a
// plain file with 256 KiB writes while a background goroutine fdatasyncs
// it every 100 ms, as the log's interval policy does.
type rawWriter struct {
	f       *os.File
	buf     []byte
	stop    chan struct{}
	wg      sync.WaitGroup
	syncErr atomic.Pointer[error]
	once    sync.Once
	err     error
}

func newRawWriter(dir string) (*rawWriter, error) {
	f, err := os.OpenFile(filepath.Join(dir, "raw-write.ref"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	w := &rawWriter{f: f, buf: make([]byte, rawWriteSize), stop: make(chan struct{})}
	fillLetters(w.buf, 7)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(logFsyncInterval)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				return
			case <-t.C:
				if err := datasync(f); err != nil {
					w.syncErr.Store(&err)
					return
				}
			}
		}
	}()
	return w, nil
}

// write appends size bytes (or fewer when maxTime, if positive, runs out).
func (w *rawWriter) write(ctx context.Context, size int64, maxTime time.Duration) (Measurement, error) {
	b := newBudget(size, maxTime)
	start := time.Now()
	var written int64
	for b.more(written) {
		if err := ctx.Err(); err != nil {
			return Measurement{}, err
		}
		n, err := w.f.Write(w.buf[:min(int64(len(w.buf)), size-written)])
		written += int64(n)
		if err != nil {
			return Measurement{}, fmt.Errorf("reference: %w", err)
		}
	}
	elapsed := time.Since(start)
	if e := w.syncErr.Load(); e != nil {
		return Measurement{}, fmt.Errorf("reference: %w", *e)
	}
	return Measurement{
		Name:    "raw-write",
		Events:  written / recSize,
		Bytes:   written,
		Elapsed: elapsed,
		Detail:  "the same bytes to a plain file, 256 KiB writes, fdatasync every 100 ms",
	}, nil
}

// close stops the syncing, closes the file and removes it.
func (w *rawWriter) close() error {
	w.once.Do(func() {
		close(w.stop)
		w.wg.Wait()
		w.err = w.f.Close()
		if err := os.Remove(w.f.Name()); w.err == nil {
			w.err = err
		}
	})
	return w.err
}
