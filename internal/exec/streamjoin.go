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
// stream needs disk, not memory: each side's records of a key in one
// entry, in time order, as the join topic holds them (decoded only when
// they match); an index by time to expire them; and the records waiting
// for their outer result, by time. Expiry runs once a side's cutoff has
// moved by an eighth of the retention, so that it reads the index in
// runs; a record past the cutoff is ignored until then.
type windowJoin struct {
	kind                 ast.JoinType
	before, after, grace int64
	eager                bool
	// decode reads a buffered record of a side.
	decode func(side int, data []byte) (types.Row, error)
	// buf holds each side's records by key, byTime indexes them by side
	// and time, outer the records waiting for their outer result by time.
	buf, byTime, outer, meta *state.KV
	m                        windowMeta
	k                        []byte // scratch keys
	v                        []byte // scratch value
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

// windowRecord is a buffered record; data is its join topic row.
type windowRecord struct {
	ts      int64
	seq     uint64
	waiting bool // for its outer result
	data    []byte
}

var windowMetaKey = []byte("window")

// newWindowJoin returns the join of kind over the buffers in store,
// restored as of its last checkpoint.
func newWindowJoin(kind ast.JoinType, before, after, grace int64, hasGrace bool, store *state.Store, decode func(int, []byte) (types.Row, error)) (*windowJoin, error) {
	w := &windowJoin{kind: kind, before: before, after: after, grace: grace, eager: !hasGrace, decode: decode,
		buf: store.KeyValue("join-window"), byTime: store.KeyValue("join-window-time"),
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
	recs, err := w.records(other, key)
	if err != nil {
		return err
	}
	matched, changed := false, false
	cutoff := w.cutoff(other)
	for i := range recs {
		o := &recs[i]
		if o.ts < cutoff || o.ts < from {
			continue
		}
		if o.ts > to {
			break
		}
		matched = true
		if o.waiting {
			o.waiting, changed = false, true
			if err := w.unwait(o); err != nil {
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
	if changed {
		if err := w.setRecords(other, key, recs); err != nil {
			return err
		}
	}
	w.m.Observed[side] = max(w.m.Observed[side], ts)
	kept := ts >= w.cutoff(side)
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
	if outer && !waits {
		if err := w.emitOuter(side, row, ts, emit); err != nil {
			return err
		}
	}
	return w.expire(side)
}

// put buffers a record.
func (w *windowJoin) put(side int, key []byte, ts int64, data []byte, waits bool) error {
	recs, err := w.records(side, key)
	if err != nil {
		return err
	}
	w.m.Seq++
	rec := windowRecord{ts: ts, seq: w.m.Seq, waiting: waits, data: data}
	// In time order, after those of the same time.
	i := len(recs)
	for i > 0 && recs[i-1].ts > ts {
		i--
	}
	recs = append(recs, windowRecord{})
	copy(recs[i+1:], recs[i:])
	recs[i] = rec
	if err := w.setRecords(side, key, recs); err != nil {
		return err
	}
	w.m.Records++
	if err := w.byTime.Put(w.timeKey(side, ts, rec.seq), key); err != nil {
		return err
	}
	if !waits {
		return nil
	}
	w.m.Waiting++
	w.m.OuterFrom = min(w.m.OuterFrom, ts)
	return w.outer.Put(w.timeKey(-1, ts, rec.seq), append(append(w.v[:0], byte(side)), key...))
}

// unwait forgets that a record waits for its outer result.
func (w *windowJoin) unwait(r *windowRecord) error {
	w.m.Waiting--
	return w.outer.Delete(w.timeKey(-1, r.ts, r.seq))
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

func (w *windowJoin) bufKey(side int, key []byte) []byte {
	w.k = append(append(w.k[:0], byte(side)), key...)
	return w.k
}

// records reads a side's records of key, in time order.
func (w *windowJoin) records(side int, key []byte) ([]windowRecord, error) {
	b, ok, err := w.buf.Get(w.bufKey(side, key))
	if err != nil || !ok {
		return nil, err
	}
	var recs []windowRecord
	for len(b) > 0 {
		var r windowRecord
		if len(b) < 9 {
			return nil, fmt.Errorf("reading the join's buffers: a record cut short")
		}
		r.ts = readOrdered(b)
		b = b[8:]
		seq, n := binary.Uvarint(b)
		if n <= 0 || n >= len(b) {
			return nil, fmt.Errorf("reading the join's buffers: a record cut short")
		}
		r.seq, r.waiting, b = seq, b[n] == 1, b[n+1:]
		size, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < size {
			return nil, fmt.Errorf("reading the join's buffers: a record cut short")
		}
		r.data, b = b[n:n+int(size)], b[n+int(size):]
		recs = append(recs, r)
	}
	return recs, nil
}

// setRecords writes a side's records of key.
func (w *windowJoin) setRecords(side int, key []byte, recs []windowRecord) error {
	if len(recs) == 0 {
		return w.buf.Delete(w.bufKey(side, key))
	}
	v := w.v[:0]
	for _, r := range recs {
		v = appendOrdered(v, r.ts)
		v = binary.AppendUvarint(v, r.seq)
		flag := byte(0)
		if r.waiting {
			flag = 1
		}
		v = append(v, flag)
		v = binary.AppendUvarint(v, uint64(len(r.data)))
		v = append(v, r.data...)
	}
	w.v = v
	return w.buf.Put(w.bufKey(side, key), v)
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
	var old [][]byte // index keys
	keys := map[string]bool{}
	for it.Next() {
		old = append(old, append([]byte(nil), it.Key()...))
		keys[string(it.Value())] = true
	}
	err = it.Err()
	it.Close()
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := w.byTime.Delete(k); err != nil {
			return err
		}
	}
	for key := range keys {
		recs, err := w.records(side, []byte(key))
		if err != nil {
			return err
		}
		kept := recs[:0]
		for _, r := range recs {
			if r.ts >= cutoff || r.waiting {
				kept = append(kept, r)
			}
		}
		w.m.Records -= int64(len(recs) - len(kept))
		if err := w.setRecords(side, []byte(key), kept); err != nil {
			return err
		}
	}
	w.m.Expired[side] = cutoff
	return nil
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
		recs, err := w.records(d.side, d.key)
		if err != nil {
			return err
		}
		cutoff := w.cutoff(d.side)
		for i := range recs {
			r := &recs[i]
			if r.ts != d.ts || r.seq != d.seq {
				continue
			}
			if err := w.unwait(r); err != nil {
				return err
			}
			r.waiting = false
			row, err := w.decode(d.side, r.data)
			if err != nil {
				return err
			}
			if r.ts < cutoff {
				// Kept only for this.
				recs = append(recs[:i], recs[i+1:]...)
				w.m.Records--
			}
			if err := w.setRecords(d.side, d.key, recs); err != nil {
				return err
			}
			if err := w.emitOuter(d.side, row, d.ts, emit); err != nil {
				return err
			}
			break
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
