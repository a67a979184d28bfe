package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

func logRead() Workload {
	return Workload{
		Name:        "log-read",
		Description: "read back records written to the embedded log (16 B key + 200 B value) through Reader.Next; reference: sequential read + CRC-32C of the same segment files",
		Run:         runLogRead,
	}
}

func runLogRead(ctx context.Context, env Env) (Result, error) {
	total := env.records(5_000_000)
	l, err := openBenchLog(ctx, env)
	if err != nil {
		return Result{}, err
	}
	defer l.Close()

	env.Progress.Phase("write", total)
	if _, err := appendAll(ctx, l, env, total, 0); err != nil {
		return Result{}, err
	}
	ends, err := endOffsets(ctx, l)
	if err != nil {
		return Result{}, err
	}
	segs, err := listSegments(filepath.Join(env.Dir, "log"), len(ends))
	if err != nil {
		return Result{}, err
	}
	syncAll()

	env.Progress.Phase("throughput", total)
	maxTime := env.roundTime(measureRounds)
	buf := make([]byte, 1<<20*len(ends))
	ms, err := interleave(ctx, measureRounds,
		func(ctx context.Context, r int) (Measurement, error) {
			from, to := make([]int64, len(ends)), make([]int64, len(ends))
			for p, end := range ends {
				from[p], to[p] = end*int64(r)/measureRounds, end*int64(r+1)/measureRounds
			}
			return readRange(ctx, l, env, from, to, maxTime)
		},
		func(ctx context.Context, r int) (Measurement, error) {
			m, err := segs.crc(ctx, r, measureRounds, buf)
			m.Events = share(total, measureRounds, r)
			return m, err
		})
	if err != nil {
		return Result{}, err
	}
	thr, ref := ms[0], ms[1]
	thr.Detail = fmt.Sprintf("%d partition(s), one reader each, from the page cache", env.partitions())

	syncAll()
	rate, d := env.rate(), env.latencyDuration()
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, elapsed, err := tailPaced(ctx, l, env, ends, rate, d)
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
			fmt.Sprintf("throughput and reference measured in %d interleaved rounds, each over a quarter of the data", measureRounds),
			"latency: from the call of the Append that wrote a record to its return by a tailing reader's Next",
		},
	}, nil
}

// endOffsets returns the end offset of each partition of the bench topic.
func endOffsets(ctx context.Context, l log.Log) ([]int64, error) {
	info, err := l.DescribeTopic(ctx, benchTopic)
	if err != nil {
		return nil, err
	}
	ends := make([]int64, len(info.Partitions))
	for _, p := range info.Partitions {
		ends[p.Partition] = p.EndOffset
	}
	return ends, nil
}

// readRange reads each partition p from from[p] up to to[p], one reader
// per partition, as fast as the log returns records (or until maxTime, if
// positive, runs out).
func readRange(ctx context.Context, l log.Log, env Env, from, to []int64, maxTime time.Duration) (Measurement, error) {
	b := newBudget(1, maxTime)
	counts := make([]int64, len(from))
	bytes := make([]int64, len(from))
	errs := make([]error, len(from))
	start := time.Now()
	var wg sync.WaitGroup
	for p := range from {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := l.OpenReader(ctx, benchTopic, int32(p), from[p])
			if err != nil {
				errs[p] = err
				return
			}
			defer r.Close()
			var n, nb int64
			for r.Position() < to[p] && b.timeLeft() {
				recs, err := r.Next(ctx)
				if err != nil {
					errs[p] = fmt.Errorf("read partition %d at %d: %w", p, r.Position(), err)
					return
				}
				if over := r.Position() - to[p]; over > 0 {
					recs = recs[:len(recs)-int(over)]
				}
				for i := range recs {
					nb += int64(len(recs[i].Key) + len(recs[i].Value))
				}
				n += int64(len(recs))
				env.Progress.Add(int64(len(recs)))
			}
			counts[p], bytes[p] = n, nb
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	m := Measurement{Name: "read", Elapsed: elapsed}
	for p := range from {
		if errs[p] != nil {
			return Measurement{}, errs[p]
		}
		m.Events += counts[p]
		m.Bytes += bytes[p]
	}
	return m, nil
}

// segmentName is the shape of a segment file's name (docs/format/log.md).
var segmentName = regexp.MustCompile(`^[0-9]{20}\.log$`)

// segments are the segment files of each partition of the bench topic, in
// offset order, with their sizes.
type segments struct {
	names [][]string
	sizes [][]int64
}

func listSegments(logDir string, parts int) (segments, error) {
	s := segments{names: make([][]string, parts), sizes: make([][]int64, parts)}
	for p := range parts {
		dir := filepath.Join(logDir, "topics", benchTopic, fmt.Sprint(p))
		entries, err := os.ReadDir(dir)
		if err != nil {
			return segments{}, fmt.Errorf("reference: %w", err)
		}
		for _, e := range entries { // ReadDir sorts by name, and names sort as offsets
			if !segmentName.MatchString(e.Name()) {
				continue
			}
			info, err := e.Info()
			if err != nil {
				return segments{}, fmt.Errorf("reference: %w", err)
			}
			s.names[p] = append(s.names[p], filepath.Join(dir, e.Name()))
			s.sizes[p] = append(s.sizes[p], info.Size())
		}
		if len(s.names[p]) == 0 {
			return segments{}, fmt.Errorf("reference: no segment files in %s: the log's layout is not the one docs/format/log.md describes", dir)
		}
	}
	return s, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// crc is the floor under reading the log: part r of rounds of each
// partition's segment bytes, read sequentially from the page cache in
// 1 MiB reads and checksummed with CRC-32C, as a reader that verifies
// every frame must at least do; one goroutine per partition. buf holds
// 1 MiB per partition. The caller sets Events.
func (s segments) crc(ctx context.Context, r, rounds int, buf []byte) (Measurement, error) {
	parts := len(s.names)
	read := make([]int64, parts)
	errs := make([]error, parts)
	start := time.Now()
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var total int64
			for _, sz := range s.sizes[p] {
				total += sz
			}
			from, to := total*int64(r)/int64(rounds), total*int64(r+1)/int64(rounds)
			read[p], errs[p] = crcRange(ctx, s.names[p], s.sizes[p], from, to, buf[p<<20:(p+1)<<20])
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	m := Measurement{
		Name:    "read+crc32c",
		Elapsed: elapsed,
		Detail:  "the same segment files read sequentially in 1 MiB reads and checksummed with CRC-32C",
	}
	for p := range parts {
		if errs[p] != nil {
			return Measurement{}, fmt.Errorf("reference: %w", errs[p])
		}
		m.Bytes += read[p]
	}
	return m, nil
}

// crcRange checksums bytes [from, to) of the files taken end to end.
func crcRange(ctx context.Context, names []string, sizes []int64, from, to int64, buf []byte) (int64, error) {
	var base, done int64
	var sum uint32
	for i, name := range names {
		lo, hi := max(from-base, 0), min(to-base, sizes[i])
		base += sizes[i]
		if lo >= hi {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return 0, err
		}
		_, err = f.Seek(lo, io.SeekStart)
		for pos := lo; err == nil && pos < hi && ctx.Err() == nil; {
			var n int
			n, err = f.Read(buf[:min(int64(len(buf)), hi-pos)])
			sum = crc32.Update(sum, castagnoli, buf[:n])
			pos += int64(n)
			done += int64(n)
		}
		f.Close()
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
	return done, nil
}

// tailPaced appends at rate for d from the partitions' ends on, while one
// reader per partition tails it; each record's latency is the time its
// reader got it minus the time just before its Append was called (carried
// in the first 8 bytes of its value).
func tailPaced(ctx context.Context, l log.Log, env Env, from []int64, rate int, d time.Duration) (*Histogram, time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	base := time.Now()
	_, perPart := pacedShare(rate, len(from), d)
	hists := make([]*Histogram, len(from))
	errs := make([]error, len(from))
	var wg sync.WaitGroup
	for p := range from {
		hists[p] = NewHistogram()
		r, err := l.OpenReader(ctx, benchTopic, int32(p), from[p])
		if err != nil {
			return nil, 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.Close()
			h := hists[p]
			for r.Position() < from[p]+perPart {
				recs, err := r.Next(ctx)
				if err != nil {
					errs[p] = fmt.Errorf("tail partition %d at %d: %w", p, r.Position(), err)
					return
				}
				now := int64(time.Since(base))
				for i := range recs {
					if len(recs[i].Value) < 8 {
						errs[p] = fmt.Errorf("tail partition %d: record %d has no send time", p, recs[i].Offset)
						return
					}
					sent := int64(binary.LittleEndian.Uint64(recs[i].Value))
					h.Record(time.Duration(now - sent))
				}
			}
		}()
	}
	_, elapsed, err := appendPaced(ctx, l, env, rate, d, base, true)
	if err != nil {
		cancel()
	}
	wg.Wait()
	if err != nil {
		return nil, 0, err
	}
	for _, e := range errs {
		if e != nil {
			return nil, 0, e
		}
	}
	for _, h := range hists[1:] {
		hists[0].Merge(h)
	}
	return hists[0], elapsed, nil
}
