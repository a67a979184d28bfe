package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/types"
)

const (
	enrichPartitions = 4
	enrichCustomers  = 1_000_000
	enrichOutTopic   = "unhappy_platinum"
)

// The enrich workload's statements: scenario S4's customers table and
// ratings stream, and the alerts of unhappy platinum customers.
const (
	enrichCreateSQL = `CREATE TABLE customers (id BIGINT PRIMARY KEY, first_name STRING, last_name STRING, email STRING, region STRING, club_status STRING)
  WITH (KAFKA_TOPIC='customers', VALUE_FORMAT='JSON', PARTITIONS=4);
CREATE STREAM ratings (rating_id BIGINT KEY, user_id BIGINT, stars INT, route_id INT, rating_time BIGINT, channel STRING, message STRING)
  WITH (KAFKA_TOPIC='ratings', VALUE_FORMAT='JSON', PARTITIONS=4);`
	enrichQuerySQL = `CREATE STREAM unhappy_platinum WITH (KAFKA_TOPIC='` + enrichOutTopic + `', VALUE_FORMAT='JSON') AS
  SELECT r.user_id, r.rating_id, r.stars, c.first_name, c.region, r.message
  FROM ratings r LEFT JOIN customers c ON r.user_id = c.id
  WHERE r.stars < 3 AND c.club_status = 'platinum';`
)

func enrichWorkload() Workload {
	return Workload{
		Name:        "enrich",
		Description: "S4: ratings LEFT JOIN a table of 1M customers on user_id (the stream repartitioned by it), filtered into alerts; reference: the same ratings decoded, looked up in a Go map and filtered, on 2 goroutines",
		Run:         runEnrich,
	}
}

// enrichPlatinum says whether customer id is of the platinum club: one
// in ten is.
func enrichPlatinum(id int64) bool { return id%10 == 3 }

var enrichRegions = []string{"north", "south", "east", "west", "center", "coast", "hills", "islands"}

func enrichCustomerValue(id int64) []byte {
	status := []string{"gold", "silver", "bronze"}[id%3]
	if enrichPlatinum(id) {
		status = "platinum"
	}
	return fmt.Appendf(nil, `{"FIRST_NAME":"First%d","LAST_NAME":"Last%d","EMAIL":"c%d@example.com","REGION":"%s","CLUB_STATUS":"%s"}`,
		id, id, id, enrichRegions[id%int64(len(enrichRegions))], status)
}

// enrichRating is rating i: its user (one in fifty beyond the customers)
// and
// stars, spread by a multiplicative hash so that consecutive ratings
// differ.
func enrichRating(i, customers int64) (user int64, stars int) {
	h := uint64(i)*0x9E3779B97F4A7C15 + 1
	user = int64(h>>20) % (customers + customers/50)
	stars = int(h>>8%5) + 1
	return user, stars
}

func enrichRatingValue(i, customers int64) []byte {
	user, stars := enrichRating(i, customers)
	return fmt.Appendf(nil, `{"USER_ID":%d,"STARS":%d,"ROUTE_ID":%d,"RATING_TIME":%d,"CHANNEL":"%s","MESSAGE":"rating %d of the route"}`,
		user, stars, i%1000, 1_700_000_000_000+i, []string{"ios", "android", "web"}[i%3], i)
}

func enrichAlert(i, customers int64) bool {
	user, stars := enrichRating(i, customers)
	return stars < 3 && user < customers && enrichPlatinum(user)
}

func bigintKey(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }

func runEnrich(ctx context.Context, env Env) (Result, error) {
	total := env.records(2_000_000)
	customers := int64(enrichCustomers)
	if total < 200_000 {
		customers = max(1000, total/2) // small runs, as tests make
	}
	eng, err := engine.Open(ctx, engine.Config{DataDir: filepath.Join(env.Dir, "engine"), StateCacheBytes: env.StateCacheBytes})
	if err != nil {
		return Result{}, err
	}
	defer eng.Close()
	if _, err := eng.Execute(ctx, engine.NewSession(), enrichCreateSQL); err != nil {
		return Result{}, err
	}
	l := eng.Log()

	env.Progress.Phase("load", customers+total)
	if err := loadKeyed(ctx, l, "customers", customers, env.Progress, func(i int64) ([]byte, []byte) { return bigintKey(i), enrichCustomerValue(i) }); err != nil {
		return Result{}, err
	}
	// The query joins the whole table first: the ratings come once it has.
	sess := engine.NewSession()
	sess.Properties["auto.offset.reset"] = "earliest"
	if _, err := eng.Execute(ctx, sess, enrichQuerySQL); err != nil {
		return Result{}, err
	}
	q, err := enrichQuery(eng)
	if err != nil {
		return Result{}, err
	}
	joinTopic := q.InternalTopics[0]
	if err := waitQuery(ctx, eng, q.ID, []string{"customers", joinTopic}, nil); err != nil {
		return Result{}, err
	}
	if _, err := eng.Execute(ctx, nil, "PAUSE "+q.ID+";"); err != nil {
		return Result{}, err
	}
	var sample [][]byte
	if err := loadKeyed(ctx, l, "ratings", total, env.Progress, func(i int64) ([]byte, []byte) {
		v := enrichRatingValue(i, customers)
		if len(sample) < filterRing {
			sample = append(sample, v)
		}
		return bigintKey(i), v
	}); err != nil {
		return Result{}, err
	}
	syncAll()

	env.Progress.Phase("throughput", total)
	ref1, err := enrichReference(ctx, sample, total/2, customers, env.Duration)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	if _, err := eng.Execute(ctx, nil, "RESUME "+q.ID+";"); err != nil {
		return Result{}, err
	}
	var done int64
	err = waitQuery(ctx, eng, q.ID, []string{"ratings", joinTopic}, func(n int64) {
		// The join topic holds the customers before the ratings.
		if n -= customers; n > done {
			env.Progress.Add(n - done)
			done = n
		}
	})
	if err != nil {
		return Result{}, err
	}
	elapsed := time.Since(start)
	ref2, err := enrichReference(ctx, sample, total-total/2, customers, env.Duration)
	if err != nil {
		return Result{}, err
	}
	var want int64
	for i := range total {
		if enrichAlert(i, customers) {
			want++
		}
	}
	got, err := topicRecords(ctx, l, enrichOutTopic)
	if err != nil {
		return Result{}, err
	}
	if got != want {
		return Result{}, fmt.Errorf("the query wrote %d alerts, the ratings make %d", got, want)
	}
	thr := Measurement{Name: "enrich", Events: total, Bytes: meanBytes(sample, total), Elapsed: elapsed,
		Detail: fmt.Sprintf("%d partitions; %d customers joined first; ratings keyed by rating_id, repartitioned by user_id through the join topic; %d alerts", enrichPartitions, customers, want)}
	notes := []string{
		fmt.Sprintf("%d customers, then the query created and fed the whole table; then %d ratings appended with the query paused, not timed", customers, total),
		"throughput: from RESUME to the query's committed positions at the ends of the ratings topic and of its join topic (the join stage commits after its output is appended)",
		fmt.Sprintf("checked: the output holds %d alerts, as many as the ratings of platinum customers with fewer than 3 stars", want),
		"reference: the same ratings' JSON decoded with the source's format, the customer looked up in a Go map, the filter applied, on 2 goroutines; measured in two halves, before and after the query",
	}

	rate, d := env.rate(), env.latencyDuration()
	env.Progress.Phase("latency", int64(d.Seconds()*float64(rate)))
	h, lat, err := enrichLatency(ctx, l, customers, total, rate, d, env.Progress)
	if err != nil {
		return Result{}, err
	}
	notes = append(notes, "latency: new ratings that make alerts, at --rate, stamped with their scheduled send time, which the alert keeps; until a reader of the output topic gets the alert")
	return Result{Throughput: thr, Reference: addMeasurements(ref1, ref2), Latency: h, LatencyRate: rate, LatencyElapsed: lat, Notes: notes}, nil
}

func enrichQuery(eng *engine.Engine) (engine.QueryInfo, error) {
	for _, q := range eng.Queries() {
		if strings.EqualFold(q.Sink, "UNHAPPY_PLATINUM") {
			return q, nil
		}
	}
	return engine.QueryInfo{}, errors.New("the query writing UNHAPPY_PLATINUM is not running")
}

// loadKeyed appends n records to topic, each in the partition of its
// key, in batches.
func loadKeyed(ctx context.Context, l log.Log, topic string, n int64, progress *Progress, rec func(i int64) (key, value []byte)) error {
	batches := make([][]log.Record, enrichPartitions)
	flush := func(p int) error {
		if len(batches[p]) == 0 {
			return nil
		}
		if _, err := l.Append(ctx, topic, int32(p), batches[p]); err != nil {
			return err
		}
		progress.Add(int64(len(batches[p])))
		batches[p] = batches[p][:0]
		return nil
	}
	now := time.Now().UnixMilli()
	for i := range n {
		k, v := rec(i)
		p := log.PartitionForKey(k, enrichPartitions)
		batches[p] = append(batches[p], log.Record{Key: k, Value: v, Timestamp: now})
		if len(batches[p]) == filterBatch {
			if err := flush(int(p)); err != nil {
				return err
			}
		}
	}
	for p := range batches {
		if err := flush(p); err != nil {
			return err
		}
	}
	return nil
}

// waitQuery waits until the query's committed positions reach the
// ends of topics, calling each (if not nil) with the least of the
// topics' committed totals as they move.
func waitQuery(ctx context.Context, eng *engine.Engine, id string, topics []string, each func(int64)) error {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	lastMove, last := time.Now(), int64(-1)
	for {
		least, sum, done := int64(-1), int64(0), true
		for _, t := range topics {
			info, err := eng.Log().DescribeTopic(ctx, t)
			if err != nil {
				return err
			}
			var end int64
			for _, p := range info.Partitions {
				end += p.EndOffset
			}
			c, err := groupCommitted(ctx, eng, id, t)
			if err != nil {
				return err
			}
			done = done && c >= end
			sum += c
			if least < 0 || c < least {
				least = c
			}
		}
		if each != nil {
			each(least)
		}
		if done {
			return nil
		}
		if sum != last {
			last, lastMove = sum, time.Now()
		} else if time.Since(lastMove) > filterStall {
			return fmt.Errorf("query %s stalled at %d records of %s", id, sum, strings.Join(topics, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// topicRecords counts a topic's records.
func topicRecords(ctx context.Context, l log.Log, topic string) (int64, error) {
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, p := range info.Partitions {
		n += p.EndOffset - p.StartOffset
	}
	return n, nil
}

// enrichReference is the hand-written enrichment: n ratings (from the
// sample, in turn) decoded with the ratings' JSON format, their customer
// looked up in a map, the alert filter applied, on filterWorkers
// goroutines.
func enrichReference(ctx context.Context, sample [][]byte, n, customers int64, maxTime time.Duration) (Measurement, error) {
	type customer struct {
		first, region string
		platinum      bool
	}
	table := make(map[int64]customer, customers)
	for id := range customers {
		table[id] = customer{first: "First" + strconv.FormatInt(id, 10), region: enrichRegions[id%int64(len(enrichRegions))], platinum: enrichPlatinum(id)}
	}
	cols := []types.Column{
		{Name: "USER_ID", Type: types.BigIntType}, {Name: "STARS", Type: types.IntegerType}, {Name: "ROUTE_ID", Type: types.IntegerType},
		{Name: "RATING_TIME", Type: types.BigIntType}, {Name: "CHANNEL", Type: types.StringType}, {Name: "MESSAGE", Type: types.StringType},
	}
	format, err := catalog.FormatInfo{Name: "JSON"}.New(cols)
	if err != nil {
		return Measurement{}, err
	}
	d, err := decodeEach(ctx, format, sample, n, filterWorkers, maxTime, func(row []types.Value) bool {
		c, ok := table[row[0].BigInt()]
		return ok && row[1].Int() < 3 && c.platinum
	})
	if err != nil {
		return Measurement{}, err
	}
	return Measurement{Name: "go-map enrich", Events: d.events, Bytes: d.bytes, Elapsed: d.elapsed,
		Detail: fmt.Sprintf("the ratings' JSON decoded, a Go map of %d customers, the filter (%d alerts); %d goroutines, no log", customers, d.matched, filterWorkers)}, nil
}

// enrichLatency feeds new ratings that make alerts (as the filter
// workload feeds clicks) at rate for d and measures each alert from its
// rating's scheduled send time to its arrival.
func enrichLatency(ctx context.Context, l log.Log, customers, from int64, rate int, d time.Duration, progress *Progress) (*Histogram, time.Duration, error) {
	perPart, each := pacedShare(rate, enrichPartitions, d)
	want := each * enrichPartitions
	ids := make([]int64, 0, want)
	for i := from; int64(len(ids)) < want; i++ {
		if enrichAlert(i, customers) {
			ids = append(ids, i)
		}
	}
	id := func(p int, k int64) int64 { return ids[int64(p)*each+k] }
	out, err := followOutput(ctx, l, enrichOutTopic, want)
	if err != nil {
		return nil, 0, err
	}
	defer out.stop()
	start := time.Now()
	err = feedPaced(ctx, l, "ratings", enrichPartitions, perPart, each, start, progress, func(p int) func(first, n int64, at func(int64) int64) []log.Record {
		recs := make([]log.Record, filterBatch)
		return func(first, n int64, at func(int64) int64) []log.Record {
			batch := recs[:n]
			for i := range batch {
				k := id(p, first+int64(i))
				batch[i] = log.Record{Key: bigintKey(k), Value: enrichRatingValue(k, customers), Timestamp: at(first + int64(i))}
			}
			return batch
		}
	})
	if err != nil {
		return nil, 0, err
	}
	h, err := out.wait(ctx, filterStall, "alerts")
	return h, time.Since(start), err
}
