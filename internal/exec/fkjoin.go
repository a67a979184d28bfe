package exec

import (
	"slices"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// A foreign-key join stage (see plan.JoinStage) keys its result by its
// left input's key. What writes its left input (the left table's first
// step, or the stage before) routes each left row to the partition of its
// foreign key and, when the row moves to another foreign key or is
// deleted, tells the partition of the previous one. The stage keeps the
// right table by key and the left rows by foreign key,
// and emits as Kafka Streams does: a left change emits its row's join (an
// inner join emits nothing for a new row without a match, a tombstone
// for a changed one), a right change emits the join of every left row
// that refers to it, and a deleted left row a tombstone.

// fkJoinInput is the first stage for the left table of a foreign-key
// join; fk is the row's foreign key.
func (pl *Pipeline) fkJoinInput(st *rowState, in types.Row, fk types.Value, rec *log.Record, ts int64, deleted bool, emit func(*Out) error) error {
	return pl.fkRoute(st, in, in[:pl.keys], fk, pl.joinSide.Key.Type, ts, deleted, emit)
}

// fkForward routes a stage's result to the next stage, a foreign-key join
// whose left input it is, keyed by the result's key.
func (pl *Pipeline) fkForward(st *rowState, row types.Row, fk types.Value, ts int64, deleted bool, emit func(*Out) error) error {
	next := &pl.Plan.Join.Stages[pl.joinAt+1]
	return pl.fkRoute(st, row, row[:pl.Plan.Source.Schema.KeyLen()], fk, next.Key.Type, ts, deleted, emit)
}

// fkRoute writes a left row of key lk and foreign key fk (of type t) to
// its foreign key's partition, after telling the partition of its
// previous foreign key that it left.
func (pl *Pipeline) fkRoute(st *rowState, in, lk types.Row, fk types.Value, t types.Type, ts int64, deleted bool, emit func(*Out) error) error {
	if st.fk == nil {
		st.fk = map[string]string{}
	}
	var lkb []byte
	for _, v := range lk {
		lkb = types.AppendBinary(lkb, v)
	}
	old, existed := st.fk[string(lkb)]
	if deleted {
		if !existed {
			return nil
		}
		delete(st.fk, string(lkb))
		prev, _, _ := types.ReadBinary([]byte(old), t)
		return pl.joinOut(st, opDelete, prev, in, ts, emit)
	}
	enc := string(types.AppendBinary(nil, fk))
	if existed && old != enc {
		prev, _, _ := types.ReadBinary([]byte(old), t)
		if err := pl.joinOut(st, opRetract, prev, in, ts, emit); err != nil {
			return err
		}
	}
	st.fk[string(lkb)] = enc
	op := opUpsert
	if existed {
		op = opUpdate
	}
	return pl.joinOut(st, op, fk, in, ts, emit)
}

// fkJoinRecord runs a foreign-key join stage: in is a row of side (the
// stage's left input, or its right table) whose join key is in
// st.join.key.
func (pl *Pipeline) fkJoinRecord(st *rowState, side, op int, in types.Row, rec *log.Record, ts int64, emit func(*Out) error) error {
	js := st.join
	stage := pl.joinStage()
	left, right := stage.First, stage.First+1
	fk := string(js.key)
	// The left key: the left table's, or the previous stage's result's.
	nk := pl.Plan.Join.Sides[0].Source.Schema.KeyLen()
	if pl.joinAt > 0 {
		nk = pl.Plan.Source.Schema.KeyLen()
	}
	inner := pl.Plan.Join.Steps[stage.First].Type == ast.InnerJoin
	emitRow := func(l types.Row, r *sideRow, ts int64) error {
		clear(js.sides)
		js.sides[left] = sideRow{row: l}
		if r != nil {
			js.sides[right] = *r
		}
		tombstone := r == nil && inner
		return pl.joinResult(st, pl.joinedRow(st, l[:nk], js.sides, rec, ts), rec, ts, tombstone, emit)
	}
	if side == right {
		t := js.tables[right]
		if op == opDelete {
			delete(t, fk)
		} else {
			t[fk] = sideRow{row: append(types.Row(nil), in...), ts: ts}
		}
		r, ok := t[fk]
		lefts := js.fkLeft[fk]
		// In the left keys' order: a restart emits the same records.
		keys := make([]string, 0, len(lefts))
		for lk := range lefts {
			keys = append(keys, lk)
		}
		slices.Sort(keys)
		for _, lk := range keys {
			var rr *sideRow
			if ok {
				rr = &r
			}
			if err := emitRow(lefts[lk].row, rr, ts); err != nil {
				return err
			}
		}
		return nil
	}
	var lk []byte
	for _, v := range in[:nk] {
		lk = types.AppendBinary(lk, v)
	}
	lefts := js.fkLeft[fk]
	switch op {
	case opRetract:
		delete(lefts, string(lk))
		return nil
	case opDelete:
		// The tombstone carries the deleted row, whose key the next stage
		// may read.
		clear(js.sides)
		js.sides[left] = lefts[string(lk)]
		delete(lefts, string(lk))
		return pl.joinResult(st, pl.joinedRow(st, in[:nk], js.sides, rec, ts), rec, ts, true, emit)
	}
	if lefts == nil {
		if js.fkLeft == nil {
			js.fkLeft = map[string]map[string]sideRow{}
		}
		lefts = map[string]sideRow{}
		js.fkLeft[fk] = lefts
	}
	lefts[string(lk)] = sideRow{row: append(types.Row(nil), in...), ts: ts}
	if r, ok := js.tables[right][fk]; ok {
		return emitRow(in, &r, ts)
	}
	if !inner || op == opUpdate {
		return emitRow(in, nil, ts)
	}
	return nil
}
