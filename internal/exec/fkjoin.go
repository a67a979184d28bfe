package exec

import (
	"slices"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// A foreign-key join (see plan.Join.ForeignKey) keys its result by the
// left table's key. Its first stage routes each left row to the
// partition of its foreign key and, when the row moves to another foreign
// key or is deleted, tells the partition of the previous one. Its second
// stage keeps the right table by key and the left rows by foreign key,
// and emits as Kafka Streams does: a left change emits its row's join (an
// inner join emits nothing for a new row without a match, a tombstone
// for a changed one), a right change emits the join of every left row
// that refers to it, and a deleted left row a tombstone.

// fkJoinInput is the first stage for the left table of a foreign-key
// join; fk is the row's foreign key.
func (pl *Pipeline) fkJoinInput(st *rowState, in types.Row, fk types.Value, rec *log.Record, ts int64, deleted bool, emit func(*Out) error) error {
	if st.fk == nil {
		st.fk = map[string]string{}
	}
	var lk []byte
	for _, v := range in[:pl.keys] {
		lk = types.AppendBinary(lk, v)
	}
	old, existed := st.fk[string(lk)]
	if deleted {
		if !existed {
			return nil
		}
		delete(st.fk, string(lk))
		prev, _, _ := types.ReadBinary([]byte(old), pl.joinSide.Key.Type)
		return pl.joinOut(st, opDelete, prev, in, ts, emit)
	}
	enc := string(types.AppendBinary(nil, fk))
	if existed && old != enc {
		prev, _, _ := types.ReadBinary([]byte(old), pl.joinSide.Key.Type)
		if err := pl.joinOut(st, opRetract, prev, in, ts, emit); err != nil {
			return err
		}
	}
	st.fk[string(lk)] = enc
	op := opUpsert
	if existed {
		op = opUpdate
	}
	return pl.joinOut(st, op, fk, in, ts, emit)
}

// fkJoinRecord is the second stage of a foreign-key join: in is a row of
// side (0 left, 1 right) whose join key is in st.join.key.
func (pl *Pipeline) fkJoinRecord(st *rowState, side, op int, in types.Row, rec *log.Record, ts int64, emit func(*Out) error) error {
	js := st.join
	fk := string(js.key)
	nk := pl.Plan.Join.Sides[0].Source.Schema.KeyLen()
	inner := pl.Plan.Join.Steps[0].Type == ast.InnerJoin
	emitRow := func(l types.Row, r *sideRow, ts int64) error {
		js.sides[0], js.sides[1] = sideRow{row: l}, sideRow{}
		if r != nil {
			js.sides[1] = *r
		}
		tombstone := r == nil && inner
		return pl.rowOut(st, pl.joinedRow(st, l[:nk], js.sides, rec, ts), rec, ts, tombstone, emit)
	}
	if side == 1 {
		t := js.tables[1]
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
			var right *sideRow
			if ok {
				right = &r
			}
			if err := emitRow(lefts[lk].row, right, ts); err != nil {
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
		delete(lefts, string(lk))
		clear(js.sides)
		return pl.rowOut(st, pl.joinedRow(st, in[:nk], js.sides, rec, ts), rec, ts, true, emit)
	}
	if lefts == nil {
		if js.fkLeft == nil {
			js.fkLeft = map[string]map[string]sideRow{}
		}
		lefts = map[string]sideRow{}
		js.fkLeft[fk] = lefts
	}
	lefts[string(lk)] = sideRow{row: append(types.Row(nil), in...), ts: ts}
	if r, ok := js.tables[1][fk]; ok {
		return emitRow(in, &r, ts)
	}
	if !inner || op == opUpdate {
		return emitRow(in, nil, ts)
	}
	return nil
}
