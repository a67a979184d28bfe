package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/types"
)

// The rollup-memory workload measures the memory of an aggregation with
// many live groups: an unwindowed count and sum per id, so that no group
// ever expires. Of --records events, the first two thirds each make a
// new group (2,000,000 groups by default), the rest update groups drawn
// at random. The engine keeps its groups in its state stores behind the
// default state cache; the reference keeps them all in a Go map.
const (
	memPartitions = 4
	memInTopic    = "mem_events"
	memOutTopic   = "mem_totals"
	memSink       = "MEM_TOTALS"
	memCheckMax   = 10_000_000 // groups beyond which the table is not checked group by group
	memSpread     = 2654435761 // a prime: i*memSpread mod n visits every id once, scattered
)

const memCreateSQL = `CREATE STREAM mem_events (id BIGINT KEY, v INT)
  WITH (KAFKA_TOPIC='` + memInTopic + `', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON', PARTITIONS=4);`

const memQuerySQL = `CREATE TABLE mem_totals WITH (KAFKA_TOPIC='` + memOutTopic + `', KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON') AS
  SELECT id, COUNT(*) AS events, SUM(v) AS total FROM mem_events GROUP BY id EMIT CHANGES;`

func rollupMemoryWorkload() Workload {
	return Workload{
		Name:        "rollup-memory",
		Description: "CTAS counting and summing per id over 2/3 of --records live groups (default 3,000,000 events, 2,000,000 groups: each id once, scattered, then ids at random), state in the state stores behind the default state cache; reference: the same events aggregated into one Go map, with its peak RSS",
		Run:         runRollupMemory,
	}
}

// memEvent is event i of a run over n groups: its id and value.
func memEvent(i, n int64) (id int64, v int32) {
	if i < n {
		id = int64(uint64(i) * memSpread % uint64(n))
	} else {
		id = int64(splitmix(uint64(i)) % uint64(n))
	}
	return id, int32(i % 100)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

type memSums struct{ events, total int64 }

func runRollupMemory(ctx context.Context, env Env) (Result, error) {
	total := env.records(3_000_000)
	groups := max(1, total*2/3)
	eng, err := engine.Open(ctx, engine.Config{DataDir: filepath.Join(env.Dir, "engine"), StateCacheBytes: env.StateCacheBytes})
	if err != nil {
		return Result{}, err
	}
	defer eng.Close()
	if _, err := eng.Execute(ctx, engine.NewSession(), memCreateSQL); err != nil {
		return Result{}, err
	}
	env.Progress.Phase("load", total)
	inBytes, err := loadMemEvents(ctx, eng.Log(), groups, total, env.Progress)
	if err != nil {
		return Result{}, err
	}
	syncAll()

	// The reference first, alone in memory; its map is gone, but for a
	// digest, before the query starts.
	env.Progress.Phase("reference", total)
	ResetPeakRSS()
	ref, digest, err := memReference(ctx, eng, total, env.Progress)
	if err != nil {
		return Result{}, err
	}
	refRSS, _ := PeakRSS()
	ref.Bytes = inBytes

	env.Progress.Phase("throughput", total)
	ResetPeakRSS()
	thr, err := runMemQuery(ctx, eng, total, env.Duration, env.Progress)
	if err != nil {
		return Result{}, err
	}
	queryRSS, _ := PeakRSS()
	thr.Bytes = inBytes * thr.Events / max(total, 1)
	notes := []string{
		fmt.Sprintf("%d events appended before the query starts, not timed: each of %s ids once in a scattered order, then %d events of ids drawn at random", total, groupDigits(groups), total-groups),
		fmt.Sprintf("peak RSS of the query: %.1f MiB; of the Go-map reference: %.1f MiB (each measured alone, after returning the heap to the system; the peak RSS line below also covers the check of the table)", mib(queryRSS), mib(refRSS)),
		stateCacheNote(env, memPartitions),
	}
	// The first groups events each make a group.
	thr.Detail = fmt.Sprintf("%s live groups, peak RSS %.1f MiB", groupDigits(min(thr.Events, groups)), mib(queryRSS))
	if thr.Events < total {
		notes = append(notes, fmt.Sprintf("the throughput phase ended after --duration, with %d of the %d events done; the latency phase then waits behind the rest", thr.Events, total))
	}
	ref.Detail = fmt.Sprintf("the same events read from the log, decoded and aggregated into one Go map of every group, peak RSS %.1f MiB", mib(refRSS))
	if thr.Events == total {
		got, err := memTable(ctx, eng, groups <= memCheckMax)
		if err != nil {
			return Result{}, err
		}
		if groups > memCheckMax {
			// Only the groups and events are counted, not each group.
			digest = memDigest{groups: digest.groups, events: digest.events}
		}
		if got != digest {
			return Result{}, fmt.Errorf("the query's table differs from the reference: %+v, want %+v", got, digest)
		}
		if groups > memCheckMax {
			notes = append(notes, fmt.Sprintf("checked: the table has %s groups and one update per event, as the reference", groupDigits(digest.groups)))
		} else {
			notes = append(notes, fmt.Sprintf("checked: the table's %s groups, their counts and sums, equal the reference's", groupDigits(digest.groups)))
		}
	}
	rate, d := env.rate(), env.latencyDuration()
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, elapsed, err := memLatency(ctx, eng.Log(), groups, rate, d, env.Progress)
	if err != nil {
		return Result{}, err
	}
	notes = append(notes, "latency: events of ids drawn at random among the groups (most of them on disk), timed at their scheduled send time, which the output row's record keeps; until a reader of the output topic gets the updated row")
	return Result{Throughput: thr, Reference: ref, Latency: h, LatencyRate: rate, LatencyElapsed: elapsed, Notes: notes}, nil
}

// memLatency appends events of existing groups at rate events per second
// for d while the query runs, and returns the delay of each until its
// updated row is in the output topic.
func memLatency(ctx context.Context, l log.Log, groups int64, rate int, d time.Duration, progress *Progress) (*Histogram, time.Duration, error) {
	perPart, each := pacedShare(rate, memPartitions, d)
	out, err := followOutput(ctx, l, memOutTopic, each*memPartitions)
	if err != nil {
		return nil, 0, err
	}
	defer out.stop()
	start := time.Now()
	err = feedPaced(ctx, l, memInTopic, memPartitions, perPart, each, start, progress, func(p int) func(first, n int64, at func(int64) int64) []log.Record {
		draw := uint64(p) << 40
		return func(first, n int64, at func(int64) int64) []log.Record {
			recs := make([]log.Record, 0, n)
			for i := range n {
				// An id of this partition, drawn at random.
				var key []byte
				for {
					draw++
					key = binary.BigEndian.AppendUint64(key[:0], splitmix(draw)%uint64(groups))
					if int(log.PartitionForKey(key, memPartitions)) == p {
						break
					}
				}
				recs = append(recs, log.Record{Key: key, Value: []byte(`{"V":1}`), Timestamp: at(first + i)})
			}
			return recs
		}
	})
	if err != nil {
		return nil, 0, err
	}
	h, err := out.wait(ctx, filterStall, "updated rows")
	return h, time.Since(start), err
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// loadMemEvents appends the events, each to its id's partition, and
// returns their bytes.
func loadMemEvents(ctx context.Context, l log.Log, groups, total int64, progress *Progress) (int64, error) {
	now := time.Now().UnixMilli()
	var parts [memPartitions][]log.Record
	var bytes int64
	flush := func(p int) error {
		if len(parts[p]) == 0 {
			return nil
		}
		if _, err := l.Append(ctx, memInTopic, int32(p), parts[p]); err != nil {
			return fmt.Errorf("loading %s: %w", memInTopic, err)
		}
		progress.Add(int64(len(parts[p])))
		parts[p] = parts[p][:0]
		return nil
	}
	for i := range total {
		id, v := memEvent(i, groups)
		key := binary.BigEndian.AppendUint64(make([]byte, 0, 8), uint64(id))
		value := fmt.Appendf(nil, `{"V":%d}`, v)
		bytes += int64(len(key) + len(value))
		p := int(log.PartitionForKey(key, memPartitions))
		parts[p] = append(parts[p], log.Record{Key: key, Value: value, Timestamp: now})
		if len(parts[p]) == filterBatch {
			if err := flush(p); err != nil {
				return 0, err
			}
		}
	}
	for p := range memPartitions {
		if err := flush(p); err != nil {
			return 0, err
		}
	}
	return bytes, nil
}

// memDigest sums up a table of groups so that two can be compared
// without keeping either.
type memDigest struct {
	groups, events, total int64
	mix                   uint64 // sum of a hash of each group's id, count and sum
}

func (d *memDigest) add(id int64, s memSums) {
	d.groups++
	d.events += s.events
	d.total += s.total
	d.mix += splitmix(uint64(id) ^ splitmix(uint64(s.events)^splitmix(uint64(s.total))))
}

// memReference reads every event from the log, decodes it and folds it
// into a Go map of all the groups, and returns the map's digest.
func memReference(ctx context.Context, eng *engine.Engine, total int64, progress *Progress) (Measurement, memDigest, error) {
	src, ok := eng.Metastore().Source("MEM_EVENTS")
	if !ok {
		return Measurement{}, memDigest{}, errors.New("the input stream MEM_EVENTS is missing")
	}
	keyFormat, valueFormat, err := src.Formats()
	if err != nil {
		return Measurement{}, memDigest{}, err
	}
	start := time.Now()
	m := map[int64]*memSums{}
	var events int64
	var kv, vv []types.Value
	for p := range int32(memPartitions) {
		info, err := eng.Log().DescribeTopic(ctx, memInTopic)
		if err != nil {
			return Measurement{}, memDigest{}, err
		}
		end := info.Partitions[p].EndOffset
		rd, err := eng.Log().OpenReader(ctx, memInTopic, p, 0)
		if err != nil {
			return Measurement{}, memDigest{}, err
		}
		for rd.Position() < end {
			recs, err := rd.Next(ctx)
			if err != nil {
				rd.Close()
				return Measurement{}, memDigest{}, err
			}
			for i := range recs {
				if kv, err = keyFormat.Decode(kv[:0], recs[i].Key); err != nil {
					rd.Close()
					return Measurement{}, memDigest{}, err
				}
				if vv, err = valueFormat.Decode(vv[:0], recs[i].Value); err != nil {
					rd.Close()
					return Measurement{}, memDigest{}, err
				}
				id := kv[0].BigInt()
				s := m[id]
				if s == nil {
					s = &memSums{}
					m[id] = s
				}
				s.events++
				s.total += int64(vv[0].Int())
			}
			events += int64(len(recs))
			progress.Add(int64(len(recs)))
		}
		rd.Close()
	}
	elapsed := time.Since(start)
	var d memDigest
	for id, s := range m {
		d.add(id, *s)
	}
	runtime.KeepAlive(m)
	return Measurement{Name: "go-map totals", Events: events, Elapsed: elapsed}, d, nil
}

// runMemQuery creates the query, reading from the earliest offsets, and
// waits until its committed positions reach the end of its input.
func runMemQuery(ctx context.Context, eng *engine.Engine, total int64, maxTime time.Duration, progress *Progress) (Measurement, error) {
	sess := engine.NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	start := time.Now()
	if _, err := eng.Execute(ctx, sess, memQuerySQL); err != nil {
		return Measurement{}, err
	}
	var q engine.QueryInfo
	for _, info := range eng.Queries() {
		if strings.EqualFold(info.Sink, memSink) {
			q = info
		}
	}
	if q.ID == "" {
		return Measurement{}, errors.New("the query writing MEM_TOTALS is not running")
	}
	b := newBudget(total, maxTime)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var done int64
	lastMove := time.Now()
	for b.more(done) {
		select {
		case <-ctx.Done():
			return Measurement{}, ctx.Err()
		case <-tick.C:
		}
		n, err := groupCommitted(ctx, eng, q.ID, memInTopic)
		if err != nil {
			return Measurement{}, err
		}
		if n > done {
			progress.Add(n - done)
			done, lastMove = n, time.Now()
		} else if time.Since(lastMove) > filterStall {
			return Measurement{}, fmt.Errorf("query %s stalled at %d of %d events", q.ID, done, total)
		}
	}
	return Measurement{Name: "rollup-memory", Events: done, Elapsed: time.Since(start)}, nil
}

// memTable reads the output topic and digests each group's last row.
// Without full, it checks only the totals, summing each update's change,
// which needs no map of the groups.
func memTable(ctx context.Context, eng *engine.Engine, full bool) (memDigest, error) {
	sink, ok := eng.Metastore().Source(memSink)
	if !ok {
		return memDigest{}, errors.New("the table MEM_TOTALS is missing")
	}
	keyFormat, valueFormat, err := sink.Formats()
	if err != nil {
		return memDigest{}, err
	}
	info, err := eng.Log().DescribeTopic(ctx, memOutTopic)
	if err != nil {
		return memDigest{}, err
	}
	last := map[int64]memSums{}
	var d memDigest
	var kv, vv []types.Value
	for _, p := range info.Partitions {
		rd, err := eng.Log().OpenReader(ctx, memOutTopic, p.Partition, p.StartOffset)
		if err != nil {
			return memDigest{}, err
		}
		for rd.Position() < p.EndOffset {
			recs, err := rd.Next(ctx)
			if err != nil {
				rd.Close()
				return memDigest{}, err
			}
			for i := range recs {
				if kv, err = keyFormat.Decode(kv[:0], recs[i].Key); err != nil {
					rd.Close()
					return memDigest{}, err
				}
				if vv, err = valueFormat.Decode(vv[:0], recs[i].Value); err != nil {
					rd.Close()
					return memDigest{}, err
				}
				s, err := memRow(sink.ValueColumns(), vv)
				if err != nil {
					rd.Close()
					return memDigest{}, err
				}
				if full {
					last[kv[0].BigInt()] = s
				} else if s.events == 1 {
					// A group's first row: count it; its later rows each add
					// one event.
					d.groups++
				}
				if !full {
					d.events++
				}
			}
		}
		rd.Close()
	}
	if !full {
		return memDigest{groups: d.groups, events: d.events}, nil
	}
	for id, s := range last {
		d.add(id, s)
	}
	return d, nil
}

func memRow(cols []types.Column, vv []types.Value) (memSums, error) {
	var s memSums
	var err error
	for i, c := range cols {
		switch c.Name {
		case "EVENTS":
			s.events, err = wholeNumber(vv[i])
		case "TOTAL":
			s.total, err = wholeNumber(vv[i])
		}
		if err != nil {
			return s, err
		}
	}
	if s.events == 0 {
		return s, errors.New("an output row without EVENTS")
	}
	return s, nil
}

// stateCacheNote says which state cache the engine ran with.
func stateCacheNote(env Env, tasks int) string {
	if env.StateCacheBytes > 0 {
		return fmt.Sprintf("state cache: %d MiB for the engine (--state-cache-bytes), shared by the query's %d tasks", env.StateCacheBytes>>20, tasks)
	}
	return fmt.Sprintf("state cache: %d MiB for the engine (the default), shared by the query's %d tasks", exec.DefaultStateCacheBytes>>20, tasks)
}
