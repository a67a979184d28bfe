package exec

import (
	"container/heap"
	"math"
	"sort"

	"github.com/sluicedata/sluice/internal/sql/ast"
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
type windowJoin struct {
	kind                 ast.JoinType
	before, after, grace int64
	eager                bool
	streamTime           int64
	sides                [2]windowSide
	outer                outerQueue // records waiting for their outer result
	seq                  uint64
}

// windowSide is one side's buffer: its records by key, in time order,
// and all of them by time for expiry.
type windowSide struct {
	observed int64
	byKey    map[string][]*windowRecord
	byTime   recordHeap
}

type windowRecord struct {
	key   string
	ts    int64
	seq   uint64
	row   types.Row
	outer *outerRecord // while its outer result waits
}

type outerRecord struct {
	side int
	rec  *windowRecord
	done bool // matched, or emitted
}

func newWindowJoin(kind ast.JoinType, before, after, grace int64, hasGrace bool) *windowJoin {
	w := &windowJoin{kind: kind, before: before, after: after, grace: grace, eager: !hasGrace, streamTime: math.MinInt64}
	for i := range w.sides {
		w.sides[i] = windowSide{observed: math.MinInt64, byKey: map[string][]*windowRecord{}}
	}
	return w
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

// add processes a record of side (0 left, 1 right) with join key key at
// time ts; the join keeps row. It calls emit for every result, the absent
// side nil, and returns emit's first error.
func (w *windowJoin) add(side int, key string, ts int64, row types.Row, emit func(left, right types.Row, ts int64) error) error {
	w.streamTime = max(w.streamTime, ts)
	if ts == w.streamTime {
		if err := w.emitClosed(emit); err != nil {
			return err
		}
	}
	other := 1 - side
	from, to := ts-w.before, ts+w.after
	if side == 1 {
		from, to = ts-w.after, ts+w.before
	}
	matched := false
	for _, o := range w.sides[other].byKey[key] {
		if o.ts < from {
			continue
		}
		if o.ts > to {
			break
		}
		matched = true
		if o.outer != nil {
			o.outer.done, o.outer = true, nil
		}
		l, r := row, o.row
		if side == 1 {
			l, r = o.row, row
		}
		if err := emit(l, r, max(ts, o.ts)); err != nil {
			return err
		}
	}
	rec := w.put(side, key, ts, row)
	if matched || !w.outerSide(side) {
		return nil
	}
	// The end of the window in which a record of the other side could
	// still match this one.
	closes := ts + w.after
	if side == 1 {
		closes = ts + w.before
	}
	if w.eager || closes < w.streamTime || rec == nil {
		return w.emitOuter(side, row, ts, emit)
	}
	o := &outerRecord{side: side, rec: rec}
	rec.outer = o
	heap.Push(&w.outer, o)
	return nil
}

// put buffers a record unless it is already older than the side keeps;
// it drops the records that have become so.
func (w *windowJoin) put(side int, key string, ts int64, row types.Row) *windowRecord {
	s := &w.sides[side]
	s.observed = max(s.observed, ts)
	cutoff := s.observed - w.retention()
	for len(s.byTime) > 0 && s.byTime[0].ts < cutoff {
		old := heap.Pop(&s.byTime).(*windowRecord)
		recs := s.byKey[old.key]
		i := sort.Search(len(recs), func(i int) bool {
			return recs[i].ts > old.ts || recs[i].ts == old.ts && recs[i].seq >= old.seq
		})
		if i < len(recs) && recs[i] == old {
			recs = append(recs[:i], recs[i+1:]...)
		}
		if len(recs) == 0 {
			delete(s.byKey, old.key)
		} else {
			s.byKey[old.key] = recs
		}
	}
	if ts < cutoff {
		return nil
	}
	w.seq++
	rec := &windowRecord{key: key, ts: ts, seq: w.seq, row: row}
	recs := s.byKey[key]
	// In time order, after those of the same time.
	i := sort.Search(len(recs), func(i int) bool { return recs[i].ts > ts })
	recs = append(recs, nil)
	copy(recs[i+1:], recs[i:])
	recs[i] = rec
	s.byKey[key] = recs
	heap.Push(&s.byTime, rec)
	return rec
}

// emitClosed emits the outer results of the unmatched records whose
// window and grace period stream time has passed, in time order.
func (w *windowJoin) emitClosed(emit func(left, right types.Row, ts int64) error) error {
	for len(w.outer) > 0 {
		o := w.outer[0]
		if o.done {
			heap.Pop(&w.outer)
			continue
		}
		lookBack := w.after
		if o.side == 1 {
			lookBack = w.before
		}
		if o.rec.ts+lookBack+w.grace >= w.streamTime {
			return nil
		}
		heap.Pop(&w.outer)
		o.done, o.rec.outer = true, nil
		if err := w.emitOuter(o.side, o.rec.row, o.rec.ts, emit); err != nil {
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

// size is the number of buffered records.
func (w *windowJoin) size() int { return len(w.sides[0].byTime) + len(w.sides[1].byTime) }

// recordHeap orders records by time, then arrival.
type recordHeap []*windowRecord

func (h recordHeap) Len() int { return len(h) }
func (h recordHeap) Less(i, j int) bool {
	return h[i].ts < h[j].ts || h[i].ts == h[j].ts && h[i].seq < h[j].seq
}
func (h recordHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *recordHeap) Push(x any)   { *h = append(*h, x.(*windowRecord)) }
func (h *recordHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// outerQueue orders waiting outer records by time, then arrival.
type outerQueue []*outerRecord

func (q outerQueue) Len() int { return len(q) }
func (q outerQueue) Less(i, j int) bool {
	a, b := q[i].rec, q[j].rec
	return a.ts < b.ts || a.ts == b.ts && a.seq < b.seq
}
func (q outerQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *outerQueue) Push(x any)   { *q = append(*q, x.(*outerRecord)) }
func (q *outerQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}
