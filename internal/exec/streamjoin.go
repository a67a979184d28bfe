package exec

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/state"
	"github.com/sluicedata/sluice/internal/types"
)

// windowJoin buffers both sides of a stream-stream join, as Kafka Streams'
// KStreamKStreamJoin does for ksqlDB. A left record at time t joins the
// right records of its key from t-before to t+after, a right record at t
// the left ones from t-after to t+before, each result stamped with the
// later of the two times. Each side keeps its records for before+after
// plus the grace period behind the latest time it was given, and drops a
// record already older than that. A record of an outer side that found
// no match is emitted with a null other side: at once without a grace
// period (ksqlDB's older, eager results), else once stream time (the
// latest time of both sides) has passed its window and the grace period,
// if no match came meanwhile.
//
// The buffers live in the task's state store, so that an hour of a busy
// stream needs disk, not memory: each record under its side, key, time
// and arrival, as the join topic holds it (decoded only when it
// matches), so that a record reads only the other side's records of its
// key within its window, however many the key has; each side's latest
// time of each key, which tells at the cost of a lookup (nearly free for
// an absent key) that a key has nothing in a window, most keys' case;
// an index by time to expire them; and the records waiting for their
// outer result, by time. Expiry runs once a side's cutoff has
// moved by an eighth of the retention, so that it reads the index in
// runs; a record past the cutoff is ignored until then.
type windowJoin struct {
	kind                 ast.JoinType
	before, after, grace int64
	eager                bool
	// decode reads a buffered record of a side.
	decode func(side int, data []byte) (types.Row, error)
	// buf holds each side's records by key, latest each side's latest
	// time of each key, byTime the records by side and time, outer the
	// records waiting for their outer result by time.
	buf, latest, byTime, outer, meta *state.KV
	m                                windowMeta
	k                                []byte // scratch keys
	v                                []byte // scratch value
}

// windowMeta is what a windowJoin keeps besides its records, saved with
// each checkpoint.
type windowMeta struct {
	StreamTime int64    `json:"streamTime"`
	Observed   [2]int64 `json:"observed"` // each side's latest time
	// Expired is each side's cutoff at its last expiry: what is older,
	// but for records waiting for their outer result, is gone.
	Expired [2]int64 `json:"expired"`
	Seq     uint64   `json:"seq"`
	Records int64    `json:"records"` // buffered
	Waiting int64    `json:"waiting"` // for their outer result
	// OuterFrom is at most the time of the earliest waiting record
	// (math.MaxInt64 when none waits).
	OuterFrom int64 `json:"outerFrom"`
}

var windowMetaKey = []byte("window")

// newWindowJoin returns the join of kind over the buffers in store,
// restored as of its last checkpoint.
func newWindowJoin(kind ast.JoinType, before, after, grace int64, hasGrace bool, store *state.Store, decode func(int, []byte) (types.Row, error)) (*windowJoin, error) {
	w := &windowJoin{kind: kind, before: before, after: after, grace: grace, eager: !hasGrace, decode: decode,
		buf: store.KeyValue("join-window"), latest: store.KeyValue("join-window-latest"), byTime: store.KeyValue("join-window-time"),
		outer: store.KeyValue("join-window-outer"), meta: store.KeyValue("join-meta"),
		m: windowMeta{StreamTime: math.MinInt64, Observed: [2]int64{math.MinInt64, math.MinInt64},
			Expired: [2]int64{math.MinInt64, math.MinInt64}, OuterFrom: math.MaxInt64}}
	v, ok, err := w.meta.Get(windowMetaKey)
	if err != nil {
		return nil, err
	}
	if ok {
		if err := json.Unmarshal(v, &w.m); err != nil {
			return nil, fmt.Errorf("reading the join's buffers: %w", err)
		}
	}
	return w, nil
}

// save writes what the join keeps besides its records, for a checkpoint.
func (w *windowJoin) save() error {
	b, err := json.Marshal(&w.m)
	if err != nil {
		return err
	}
	return w.meta.Put(windowMetaKey, b)
}

// outerSide reports whether a side's unmatched records are emitted.
func (w *windowJoin) outerSide(side int) bool {
	switch w.kind {
	case ast.LeftJoin:
		return side == 0
	case ast.RightJoin:
		return side == 1
	case ast.FullJoin:
		return true
	}
	return false
}

// retention is how long behind its latest time a side keeps a record.
func (w *windowJoin) retention() int64 { return w.before + w.after + w.grace }

// cutoff is the time before which a side's records are dropped.
func (w *windowJoin) cutoff(side int) int64 {
	if w.m.Observed[side] == math.MinInt64 {
		return math.MinInt64
	}
	return w.m.Observed[side] - w.retention()
}

// lookBack is how long after its time a side's record may still match.
func (w *windowJoin) lookBack(side int) int64 {
	if side == 0 {
		return w.after
	}
	return w.before
}

// add processes a record of side (0 left, 1 right) with join key key at
// time ts: row, whose join topic encoding is data. It calls emit for
// every result, the absent side nil, and returns emit's first error.
func (w *windowJoin) add(side int, key []byte, ts int64, data []byte, row types.Row, emit func(left, right types.Row, ts int64) error) error {
	w.m.StreamTime = max(w.m.StreamTime, ts)
	if ts == w.m.StreamTime {
		if err := w.emitClosed(emit); err != nil {
			return err
		}
	}
	other := 1 - side
	from, to := ts-w.before, ts+w.after
	if side == 1 {
		from, to = ts-w.after, ts+w.before
	}
	matches, err := w.window(other, key, max(from, w.cutoff(other)), to)
	if err != nil {
		return err
	}
	for _, o := range matches {
		if o.waiting {
			if err := w.unwait(other, key, o); err != nil {
				return err
			}
		}
		orow, err := w.decode(other, o.data)
		if err != nil {
			return err
		}
		l, r := row, orow
		if side == 1 {
			l, r = orow, row
		}
		if err := emit(l, r, max(ts, o.ts)); err != nil {
			return err
		}
	}
	matched := len(matches) > 0
	kept := ts >= max(w.m.Observed[side], ts)-w.retention()
	outer := !matched && w.outerSide(side)
	// The end of the window in which a record of the other side could
	// still match this one.
	closes := ts + w.lookBack(side)
	waits := outer && kept && !w.eager && closes >= w.m.StreamTime
	if kept {
		if err := w.put(side, key, ts, data, waits); err != nil {
			return err
		}
	}
	w.m.Observed[side] = max(w.m.Observed[side], ts)
	if outer && !waits {
		if err := w.emitOuter(side, row, ts, emit); err != nil {
			return err
		}
	}
	return w.expire(side)
}

// windowRecord is a buffered record: its time, arrival, whether it
// waits for its outer result and its join topic row.
type windowRecord struct {
	ts      int64
	seq     uint64
	waiting bool
	data    []byte
}

// recordKey is where a record is buffered: its side, its key (length
// first), its time and its arrival.
func (w *windowJoin) recordKey(side int, key []byte, ts int64, seq uint64) []byte {
	k := binary.AppendUvarint(append(w.k[:0], byte(side)), uint64(len(key)))
	k = binary.BigEndian.AppendUint64(appendOrdered(append(k, key...), ts), seq)
	w.k = k
	return k
}

// recordValue is a buffered record's value: whether it waits for its
// outer result, then its row.
func (w *windowJoin) recordValue(waiting bool, data []byte) []byte {
	flag := byte(0)
	if waiting {
		flag = 1
	}
	w.v = append(append(w.v[:0], flag), data...)
	return w.v
}

// latestKey is where the latest time of a side's key is kept.
func (w *windowJoin) latestKey(side int, key []byte) []byte {
	w.k = append(append(w.k[:0], byte(side)), key...)
	return w.k
}

// latestTime returns the latest time of a side's records of key.
func (w *windowJoin) latestTime(side int, key []byte) (int64, bool, error) {
	v, ok, err := w.latest.Get(w.latestKey(side, key))
	if err != nil || !ok {
		return 0, false, err
	}
	return readOrdered(v), true, nil
}

// window reads the records of side and key from time from to time to.
func (w *windowJoin) window(side int, key []byte, from, to int64) ([]windowRecord, error) {
	if from > to {
		return nil, nil
	}
	if last, ok, err := w.latestTime(side, key); err != nil || !ok || last < from {
		return nil, err
	}
	lo := append([]byte(nil), w.recordKey(side, key, from, 0)...)
	hi := w.recordKey(side, key, to, math.MaxUint64)
	hi = append(hi, 0) // to's records included
	it, err := w.buf.Range(lo, hi)
	if err != nil {
		return nil, err
	}
	var recs []windowRecord
	for it.Next() {
		k, v := it.Key(), it.Value()
		recs = append(recs, windowRecord{ts: readOrdered(k[len(k)-16:]), seq: binary.BigEndian.Uint64(k[len(k)-8:]),
			waiting: v[0] == 1, data: append([]byte(nil), v[1:]...)})
	}
	err = it.Err()
	it.Close()
	return recs, err
}

// put buffers a record.
func (w *windowJoin) put(side int, key []byte, ts int64, data []byte, waits bool) error {
	// A record in time order is its key's latest; one out of order needs
	// to look.
	later := true
	if ts < w.m.Observed[side] {
		last, ok, err := w.latestTime(side, key)
		if err != nil {
			return err
		}
		later = !ok || ts > last
	}
	if later {
		if err := w.latest.Put(w.latestKey(side, key), appendOrdered(w.v[:0], ts)); err != nil {
			return err
		}
	}
	w.m.Seq++
	seq := w.m.Seq
	if err := w.buf.Put(w.recordKey(side, key, ts, seq), w.recordValue(waits, data)); err != nil {
		return err
	}
	w.m.Records++
	if err := w.byTime.Put(w.timeKey(side, ts, seq), key); err != nil {
		return err
	}
	if !waits {
		return nil
	}
	w.m.Waiting++
	w.m.OuterFrom = min(w.m.OuterFrom, ts)
	return w.outer.Put(w.timeKey(-1, ts, seq), append(append(w.v[:0], byte(side)), key...))
}

// unwait records that a record of side and key no longer waits for its
// outer result (it matched, or its outer result is emitted).
func (w *windowJoin) unwait(side int, key []byte, r windowRecord) error {
	w.m.Waiting--
	if err := w.outer.Delete(w.timeKey(-1, r.ts, r.seq)); err != nil {
		return err
	}
	return w.buf.Put(w.recordKey(side, key, r.ts, r.seq), w.recordValue(false, r.data))
}

// timeKey orders records by time then arrival, after their side unless
// side is negative.
func (w *windowJoin) timeKey(side int, ts int64, seq uint64) []byte {
	k := w.k[:0]
	if side >= 0 {
		k = append(k, byte(side))
	}
	k = binary.BigEndian.AppendUint64(appendOrdered(k, ts), seq)
	w.k = k
	return k
}

// expire drops the records of side past its cutoff, once the cutoff has
// moved far enough since the last time. A record waiting for its outer
// result stays until it is emitted.
func (w *windowJoin) expire(side int) error {
	cutoff := w.cutoff(side)
	if w.m.Expired[side] == math.MinInt64 {
		// Nothing kept is older than the first cutoff.
		w.m.Expired[side] = cutoff
		return nil
	}
	if cutoff-w.m.Expired[side] < max(w.retention()/8, 1) {
		return nil
	}
	// From the last expiry's cutoff: what is before is gone, and reading
	// it would step over its deletions.
	from := append([]byte(nil), w.timeKey(side, w.m.Expired[side], 0)...)
	it, err := w.byTime.Range(from, w.timeKey(side, cutoff, 0))
	if err != nil {
		return err
	}
	type old struct {
		index, key []byte
	}
	var expired []old
	for it.Next() {
		expired = append(expired, old{append([]byte(nil), it.Key()...), append([]byte(nil), it.Value()...)})
	}
	err = it.Err()
	it.Close()
	if err != nil {
		return err
	}
	mayWait := w.outerSide(side) && !w.eager
	for _, o := range expired {
		if err := w.byTime.Delete(o.index); err != nil {
			return err
		}
		k := w.recordKey(side, o.key, readOrdered(o.index[1:]), binary.BigEndian.Uint64(o.index[9:]))
		if mayWait {
			v, ok, err := w.buf.Get(k)
			if err != nil {
				return err
			}
			if ok && v[0] == 1 {
				continue // emitClosed drops it
			}
		}
		if err := w.buf.Delete(k); err != nil {
			return err
		}
		w.m.Records--
		if err := w.forgetKey(side, o.key, cutoff); err != nil {
			return err
		}
	}
	w.m.Expired[side] = cutoff
	return nil
}

// forgetKey drops the latest time of a side's key once all its records
// are past cutoff.
func (w *windowJoin) forgetKey(side int, key []byte, cutoff int64) error {
	last, ok, err := w.latestTime(side, key)
	if err != nil || !ok || last >= cutoff {
		return err
	}
	return w.latest.Delete(w.latestKey(side, key))
}

// emitClosed emits the outer results of the unmatched records whose
// window and grace period stream time has passed, in time order.
func (w *windowJoin) emitClosed(emit func(left, right types.Row, ts int64) error) error {
	if w.m.OuterFrom == math.MaxInt64 || w.m.OuterFrom+min(w.before, w.after)+w.grace >= w.m.StreamTime {
		return nil
	}
	type due struct {
		ts   int64
		seq  uint64
		side int
		key  []byte
	}
	var closed []due
	// From the earliest waiting record: reading before would step over
	// the deletions of those emitted.
	it, err := w.outer.Range(w.timeKey(-1, w.m.OuterFrom, 0), nil)
	if err != nil {
		return err
	}
	w.m.OuterFrom = math.MaxInt64
	for it.Next() {
		k, v := it.Key(), it.Value()
		d := due{ts: readOrdered(k), seq: binary.BigEndian.Uint64(k[8:]), side: int(v[0])}
		if d.ts+w.lookBack(d.side)+w.grace >= w.m.StreamTime {
			w.m.OuterFrom = d.ts
			break
		}
		d.key = append([]byte(nil), v[1:]...)
		closed = append(closed, d)
	}
	err = it.Err()
	it.Close()
	if err != nil {
		return err
	}
	for _, d := range closed {
		v, ok, err := w.buf.Get(w.recordKey(d.side, d.key, d.ts, d.seq))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("the join's buffers: a record waiting for its outer result is missing")
		}
		r := windowRecord{ts: d.ts, seq: d.seq, data: v[1:]}
		row, err := w.decode(d.side, r.data)
		if err != nil {
			return err
		}
		if err := w.unwait(d.side, d.key, r); err != nil {
			return err
		}
		if d.ts < w.cutoff(d.side) {
			// Kept only for this.
			if err := w.buf.Delete(w.recordKey(d.side, d.key, d.ts, d.seq)); err != nil {
				return err
			}
			w.m.Records--
			if err := w.forgetKey(d.side, d.key, w.cutoff(d.side)); err != nil {
				return err
			}
		}
		if err := w.emitOuter(d.side, row, d.ts, emit); err != nil {
			return err
		}
	}
	return nil
}

func (w *windowJoin) emitOuter(side int, row types.Row, ts int64, emit func(left, right types.Row, ts int64) error) error {
	if side == 0 {
		return emit(row, nil, ts)
	}
	return emit(nil, row, ts)
}
