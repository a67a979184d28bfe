package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/types"
)

// The click-join workload: impressions joined with their clicks WITHIN 1
// HOUR, fed at a steady rate (200k events/s unless --rate says
// otherwise), to show that a stream-stream join's buffers are bounded by
// the window, on disk, not by memory.
//
// An hour of a 200k/s stream is 720M records; a run cannot wait hours of
// real time for its window to fill and expire, so event time runs faster
// than the clock: every clickJoinPerHour events are an hour of event
// time. The buffers then reach their steady state (the window, the grace
// period and an eighth of their sum for expiry's slack) within the run,
// and keep expiring while it goes on.
const (
	clickJoinPartitions = 4
	clickJoinOutTopic   = "clicked"
	clickJoinPerHour    = 2_000_000 // events per hour of event time
	clickJoinRate       = 200_000   // events/s, unless --rate says otherwise
	clickJoinEvery      = 10        // one event in ten is a click
	clickJoinT0         = int64(1_700_000_000_000)
	clickJoinMaxDelay   = 90 * 60_000 // a click comes up to 90 minutes after its impression
)

const (
	clickJoinCreateSQL = `CREATE STREAM impressions (impression_id BIGINT KEY, ad_id BIGINT, user_id BIGINT, website_id INT, price DOUBLE, ua STRING)
  WITH (KAFKA_TOPIC='impressions', VALUE_FORMAT='JSON', PARTITIONS=4);
CREATE STREAM clicks (impression_id BIGINT KEY, ad_id BIGINT, user_id BIGINT, sent_at BIGINT)
  WITH (KAFKA_TOPIC='clicks', VALUE_FORMAT='JSON', PARTITIONS=4);`
	clickJoinQuerySQL = `CREATE STREAM clicked WITH (KAFKA_TOPIC='` + clickJoinOutTopic + `', VALUE_FORMAT='JSON', TIMESTAMP='SENT_AT') AS
  SELECT i.impression_id, i.ad_id, i.user_id, i.website_id, i.price, c.ROWTIME - i.ROWTIME AS delay_ms, c.sent_at AS sent_at
  FROM impressions i JOIN clicks c WITHIN 1 HOUR GRACE PERIOD 10 MINUTES ON i.impression_id = c.impression_id;`
)

func clickJoinWorkload() Workload {
	return Workload{
		Name:        "click-join",
		Description: "impressions JOIN clicks WITHIN 1 HOUR (grace 10 min) fed at 200k events/s (--rate), event time 360x the clock so that the window fills and expires; reports peak RSS; reference: the impressions' JSON decoded only",
		Run:         runClickJoin,
	}
}

// Impression n is at clickJoinImpressionTime(n); click j, of a stream a
// ninth as fast, at clickJoinClickTime(j), for an impression up to
// clickJoinMaxDelay earlier (or for none, before the first). Both are
// keyed by the impression's id and placed in that key's partition, as a
// producer with the default partitioner places them.
func clickJoinImpressionTime(n int64) int64 {
	return clickJoinT0 + n*3_600_000*clickJoinEvery/(clickJoinPerHour*(clickJoinEvery-1))
}

func clickJoinClickTime(j int64) int64 {
	return clickJoinT0 + j*3_600_000*clickJoinEvery/clickJoinPerHour
}

// clickJoinClick is click j: its time and its impression's id, negative
// for none.
func clickJoinClick(j int64) (ts, impression int64) {
	ts = clickJoinClickTime(j)
	h := uint64(j)*0x9E3779B97F4A7C15 + 7
	target := ts - int64(h>>16%clickJoinMaxDelay)
	if target < clickJoinT0 {
		return ts, -1 - j
	}
	// The latest impression at or before target.
	n := (target - clickJoinT0) * clickJoinPerHour * (clickJoinEvery - 1) / (3_600_000 * clickJoinEvery)
	for clickJoinImpressionTime(n) > target {
		n--
	}
	for clickJoinImpressionTime(n+1) <= target {
		n++
	}
	return ts, n
}

func clickJoinPartition(id int64) int32 {
	return log.PartitionForKey(bigintKey(id), clickJoinPartitions)
}

func clickJoinImpressionValue(n int64) []byte {
	return fmt.Appendf(nil, `{"AD_ID":%d,"USER_ID":%d,"WEBSITE_ID":%d,"PRICE":%d.%02d,"UA":"Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36"}`,
		n%5000, n*7919%1_000_000, n%300, n%7, n%100)
}

// clickJoinClickValue is the value of a click on impression n sent at
// sentAt (milliseconds), which its joined row keeps as its time, for the
// latency measured from it.
func clickJoinClickValue(n, sentAt int64) []byte {
	return fmt.Appendf(nil, `{"AD_ID":%d,"USER_ID":%d,"SENT_AT":%d}`, n%5000, n*7919%1_000_000, sentAt)
}

func runClickJoin(ctx context.Context, env Env) (Result, error) {
	total := env.records(12_000_000)
	rate := clickJoinRate
	if env.Rate > 0 {
		rate = env.Rate
	}
	dir := filepath.Join(env.Dir, "engine")
	eng, err := engine.Open(ctx, engine.Config{DataDir: dir, StateCacheBytes: env.StateCacheBytes})
	if err != nil {
		return Result{}, err
	}
	defer eng.Close()
	if _, err := eng.Execute(ctx, engine.NewSession(), clickJoinCreateSQL+clickJoinQuerySQL); err != nil {
		return Result{}, err
	}
	q, err := clickJoinQuery(eng)
	if err != nil {
		return Result{}, err
	}
	l := eng.Log()

	impressions := total - total/clickJoinEvery
	clicks := total / clickJoinEvery
	var want int64
	for j := range clicks {
		ts, n := clickJoinClick(j)
		if n >= 0 && n < impressions && ts-clickJoinImpressionTime(n) <= 3_600_000 {
			want++
		}
	}
	sample := make([][]byte, 0, filterRing)
	for n := range int64(filterRing) {
		sample = append(sample, clickJoinImpressionValue(n))
	}

	env.Progress.Phase("throughput", total)
	cols := []types.Column{{Name: "AD_ID", Type: types.BigIntType}, {Name: "USER_ID", Type: types.BigIntType}, {Name: "WEBSITE_ID", Type: types.IntegerType},
		{Name: "PRICE", Type: types.DoubleType}, {Name: "UA", Type: types.StringType}}
	format, err := catalog.FormatInfo{Name: "JSON"}.New(cols)
	if err != nil {
		return Result{}, err
	}
	ref1, err := decodeOnly(ctx, format, sample, total/2, filterWorkers, env.roundTime(2))
	if err != nil {
		return Result{}, err
	}
	out, err := followOutput(ctx, l, clickJoinOutTopic, want)
	if err != nil {
		return Result{}, err
	}
	defer out.stop()
	start := time.Now()
	// Each stream at its share of the rate, so that both keep to the
	// same event time; each partition sends its share of the stream's
	// events, in order.
	errs := make(chan error, 2*clickJoinPartitions)
	for p := range int32(clickJoinPartitions) {
		go func() {
			id := func(n int64) int64 { return n }
			errs <- clickJoinFeed(ctx, l, "impressions", p, impressions, rate*(clickJoinEvery-1)/clickJoinEvery, start, env.Progress, id, func(n, _ int64) log.Record {
				return log.Record{Key: bigintKey(n), Value: clickJoinImpressionValue(n), Timestamp: clickJoinImpressionTime(n)}
			})
		}()
		go func() {
			impression := func(j int64) int64 {
				_, n := clickJoinClick(j)
				return n
			}
			errs <- clickJoinFeed(ctx, l, "clicks", p, clicks, rate/clickJoinEvery, start, env.Progress, impression, func(j, sentAt int64) log.Record {
				ts, n := clickJoinClick(j)
				return log.Record{Key: bigintKey(n), Value: clickJoinClickValue(n, sentAt), Timestamp: ts}
			})
		}()
	}
	for range 2 * clickJoinPartitions {
		if err := <-errs; err != nil {
			return Result{}, err
		}
	}
	if err := waitQuery(ctx, eng, q.ID, []string{"impressions", "clicks", q.InternalTopics[0]}, nil); err != nil {
		return Result{}, err
	}
	elapsed := time.Since(start)
	h, err := out.wait(ctx, filterStall, "joined clicks")
	if err != nil {
		return Result{}, err
	}
	got, err := topicRecords(ctx, l, clickJoinOutTopic)
	if err != nil {
		return Result{}, err
	}
	if got != want {
		return Result{}, fmt.Errorf("the join wrote %d rows, the clicks within an hour of their impression are %d", got, want)
	}
	ref2, err := decodeOnly(ctx, format, sample, total-total/2, filterWorkers, env.roundTime(2))
	if err != nil {
		return Result{}, err
	}
	stateBytes, err := dirBytes(filepath.Join(dir, "state"))
	if err != nil {
		return Result{}, err
	}
	hours := float64(total) / clickJoinPerHour
	thr := Measurement{Name: "click-join", Events: total, Bytes: meanBytes(sample, total), Elapsed: elapsed,
		Detail: fmt.Sprintf("%d partitions; fed at %d events/s; %.1f hours of event time; %d joined clicks", clickJoinPartitions, rate, hours, want)}
	notes := []string{
		fmt.Sprintf("fed: %d impressions and %d clicks at %d events/s in all, each stream at its share, every %d events an hour of event time (%.0fx the clock)",
			impressions, clicks, rate, clickJoinPerHour, 3600*float64(rate)/clickJoinPerHour),
		"throughput: events fed over the time from the first send until the query's committed positions reach the ends of both streams and of its join topic; at or near the feed rate, the query kept up",
		fmt.Sprintf("checked: the output holds %d rows, one per click within an hour of its impression", want),
		fmt.Sprintf("state on disk at the end: %.0f MiB (the buffers of about 2h22m of event time: the window both ways, the grace period, expiry's slack)", float64(stateBytes)/(1<<20)),
		"latency: each joined row from its click's scheduled send time (which the row keeps as its time) to its arrival in the output topic; the whole run is fed at the rate",
		"peak RSS: the whole run, buffers included; reference: the impressions' JSON decoded only, on 2 goroutines, in two halves before and after",
	}
	return Result{Throughput: thr, Reference: addMeasurements(ref1, ref2), Latency: h, LatencyRate: rate, LatencyElapsed: elapsed, Notes: notes}, nil
}

// clickJoinFeed sends the records of events [0, n) of a stream whose
// key (key(i) of event i) falls in partition p, rec(i) making event i's,
// at rate/partitions records per second from start.
func clickJoinFeed(ctx context.Context, l log.Log, topic string, p int32, n int64, rate int, start time.Time, progress *Progress, key func(i int64) int64, rec func(i, sentAt int64) log.Record) error {
	pacer := NewPacer(start, float64(max(1, rate/clickJoinPartitions)))
	batch := make([]log.Record, 0, filterBatch)
	next := int64(0)
	for next < n {
		first, due, err := pacer.Next(ctx, time.Millisecond, filterBatch)
		if err != nil {
			return err
		}
		batch = batch[:0]
		for ; next < n && int64(len(batch)) < due; next++ {
			if clickJoinPartition(key(next)) == p {
				batch = append(batch, rec(next, pacer.At(first+int64(len(batch))).UnixMilli()))
			}
		}
		if len(batch) == 0 {
			continue
		}
		if _, err := l.Append(ctx, topic, p, batch); err != nil {
			return fmt.Errorf("append to %s partition %d: %w", topic, p, err)
		}
		progress.Add(int64(len(batch)))
	}
	return nil
}

func clickJoinQuery(eng *engine.Engine) (engine.QueryInfo, error) {
	for _, q := range eng.Queries() {
		if strings.EqualFold(q.Sink, "CLICKED") {
			return q, nil
		}
	}
	return engine.QueryInfo{}, errors.New("the query writing CLICKED is not running")
}
