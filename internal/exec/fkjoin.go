package exec

import (
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
// stage's left input, or its right table), data its join topic encoding,
// whose join key is in st.join.key.
func (pl *Pipeline) fkJoinRecord(st *rowState, side, op int, in types.Row, data []byte, rec *log.Record, ts int64, emit func(*Out) error) error {
	js := st.join
	stage := pl.joinStage()
	left, right := stage.First, stage.First+1
	fk := js.key
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
		var err error
		if op == opDelete {
			err = js.db.deleteRow(right, fk)
		} else {
			err = js.db.setRow(right, fk, ts, data)
		}
		if err != nil {
			return err
		}
		r, ok, err := js.db.row(right, fk, false)
		if err != nil {
			return err
		}
		var rr *sideRow
		if ok {
			rr = &r
		}
		return js.db.leftsOf(left, fk, func(l sideRow) error { return emitRow(l.row, rr, ts) })
	}
	var lk []byte
	for _, v := range in[:nk] {
		lk = types.AppendBinary(lk, v)
	}
	switch op {
	case opRetract:
		return js.db.deleteLeft(fk, lk)
	case opDelete:
		// The tombstone carries the deleted row, whose key the next stage
		// may read.
		l, _, err := js.db.left(left, fk, lk)
		if err != nil {
			return err
		}
		if err := js.db.deleteLeft(fk, lk); err != nil {
			return err
		}
		clear(js.sides)
		js.sides[left] = l
		return pl.joinResult(st, pl.joinedRow(st, in[:nk], js.sides, rec, ts), rec, ts, true, emit)
	}
	if err := js.db.setLeft(fk, lk, ts, data); err != nil {
		return err
	}
	r, ok, err := js.db.row(right, fk, false)
	if err != nil {
		return err
	}
	if ok {
		return emitRow(in, &r, ts)
	}
	if !inner || op == opUpdate {
		return emitRow(in, nil, ts)
	}
	return nil
}
