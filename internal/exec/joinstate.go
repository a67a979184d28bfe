package exec

import (
	"encoding/binary"
	"runtime"

	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/state"
	"github.com/sluicedata/sluice/internal/types"
)

// A join task keeps its state in a state store: on disk under the data
// directory for a persistent query, checkpointed with the task's position
// at each commit so that a restart resumes from there instead of reading
// its join topic again; in memory otherwise (a push query's, or with no
// data directory), rebuilt by reading the topic again. Rows are stored as
// the join topic holds them (see JoinTopicSchema) and decoded when read.

// joinState is a join task's state and scratch space.
type joinState struct {
	store *state.Store
	owned bool // an in-memory store the task opened itself
	// table tells the inputs of the stage that are tables.
	table  []bool
	db     *joinDB
	window *windowJoin
	key    []byte
	sides  []sideRow // scratch: the rows of one result, by side
	before []sideRow // and of the result before a table changed
	row    types.Row
	// unsaved counts the changes to an owned store since it was last
	// committed: nothing else commits them.
	unsaved int
}

// sideRow is an input's row with its time; a nil row is an absent input.
// A later stage's left input's row is the previous stage's joined row.
type sideRow struct {
	row types.Row
	ts  int64
}

// ownedFlushChanges is how many changes an in-memory join store takes
// before it commits them, so that its uncommitted batch stays small.
const ownedFlushChanges = 50_000

// newJoinState returns the state of a task of the pipeline's join stage
// in store (nil: a store of its own, in memory), its cached rows within
// a share of budget (nil: DefaultStateCacheBytes).
func (pl *Pipeline) newJoinState(store *state.Store, budget *StateCache) (*joinState, error) {
	j, st := pl.Plan.Join, pl.joinStage()
	n := len(j.Sides)
	js := &joinState{store: store, table: make([]bool, n), sides: make([]sideRow, n), before: make([]sideRow, n)}
	if store == nil {
		var err error
		if js.store, err = state.Open("", state.Options{InMemory: true}); err != nil {
			return nil, err
		}
		js.owned = true
	}
	js.table[st.First] = j.LeftTable(pl.joinAt)
	for i := st.First + 1; i <= st.Last+1; i++ {
		js.table[i] = j.Sides[i].Table()
	}
	if budget == nil {
		budget = NewStateCache(0)
	}
	js.db = newJoinDB(js.store, n, pl.decodeSide, budget)
	if w := j.Steps[st.First].Within; w != nil {
		left := st.First
		decode := func(side int, data []byte) (types.Row, error) {
			vals, err := pl.decodeSide(left+side, data, nil)
			if err != nil {
				return nil, err
			}
			return vals[2:], nil
		}
		var err error
		js.window, err = newWindowJoin(j.Steps[st.First].Type, w.Before, w.After, w.Grace, w.GraceSet, js.store, decode)
		if err != nil {
			js.close()
			return nil, err
		}
	}
	return js, nil
}

// sideFormat is the format of side's rows in the stage's join topic.
func (pl *Pipeline) sideFormat(side int) serde.Format {
	if side == pl.joinStage().First && pl.joinLeft != nil {
		return pl.joinLeft
	}
	if side < len(pl.joinFormats) {
		return pl.joinFormats[side]
	}
	return nil
}

// decodeSide reads a stored value of side (its join topic value, past
// the side byte: the operation, the join key, then the row), appending
// to dst.
func (pl *Pipeline) decodeSide(side int, data []byte, dst []types.Value) ([]types.Value, error) {
	return pl.sideFormat(side).Decode(dst, data)
}

// save prepares a checkpoint: what the join keeps besides its rows.
func (js *joinState) save() error {
	if js.window != nil {
		return js.window.save()
	}
	return nil
}

// changed commits an owned store's changes once there are many.
func (js *joinState) changed() error {
	if !js.owned {
		return nil
	}
	if js.unsaved++; js.unsaved < ownedFlushChanges {
		return nil
	}
	js.unsaved = 0
	if err := js.save(); err != nil {
		return err
	}
	return js.store.Checkpoint(state.Checkpoint{}, nil)
}

func (js *joinState) close() {
	if js.owned {
		js.store.Close()
	}
}

// joinDB holds a join stage's tables: each table input's rows by key and
// a foreign-key join's left rows by foreign key. The rows read most are
// cached as stored, within the task's share of the engine's state cache:
// encoded, a row takes a fraction of the memory it takes decoded. Every
// change is written through to the store.
type joinDB struct {
	rows, lefts *state.KV
	decode      func(side int, data []byte, dst []types.Value) ([]types.Value, error)
	scratch     [][]types.Value // by side, see row
	cache       map[string][]byte
	cached      int64 // the estimated bytes of the cache
	budget      *StateCache
	k, v        []byte // scratch
}

// cachedRowOverhead estimates what a cached row costs besides its key
// and value bytes: its map entry and their headers.
const cachedRowOverhead = 64

func newJoinDB(store *state.Store, sides int, decode func(int, []byte, []types.Value) ([]types.Value, error), budget *StateCache) *joinDB {
	db := &joinDB{rows: store.KeyValue("join-rows"), lefts: store.KeyValue("join-lefts"), decode: decode,
		scratch: make([][]types.Value, sides), cache: map[string][]byte{}, budget: budget}
	budget.tasks.Add(1)
	// A task's share returns to the others once it is gone.
	runtime.AddCleanup(db, func(b *StateCache) { b.tasks.Add(-1) }, budget)
	return db
}

func (db *joinDB) rowKey(side int, key []byte) []byte {
	db.k = append(append(db.k[:0], byte(side)), key...)
	return db.k
}

// row returns the row of key of a table input; with reuse, its values
// are in space that the next such call of the side reuses.
func (db *joinDB) row(side int, key []byte, reuse bool) (sideRow, bool, error) {
	k := db.rowKey(side, key)
	v, ok := db.cache[string(k)]
	if !ok {
		var err error
		if v, ok, err = db.rows.Get(k); err != nil || !ok {
			return sideRow{}, false, err
		}
		db.remember(string(k), v)
	}
	r, err := db.read(side, v, reuse)
	if err != nil {
		return sideRow{}, false, err
	}
	return r, true, nil
}

// setRow sets the row of key of a table input to data, its join topic
// encoding, of time ts.
func (db *joinDB) setRow(side int, key []byte, ts int64, data []byte) error {
	k := db.rowKey(side, key)
	v := db.value(ts, data)
	if err := db.rows.Put(k, v); err != nil {
		return err
	}
	db.forget(string(k))
	db.remember(string(k), append([]byte(nil), v...))
	return nil
}

// deleteRow removes the row of key of a table input.
func (db *joinDB) deleteRow(side int, key []byte) error {
	k := db.rowKey(side, key)
	db.forget(string(k))
	return db.rows.Delete(k)
}

func (db *joinDB) value(ts int64, data []byte) []byte {
	db.v = append(appendOrdered(db.v[:0], ts), data...)
	return db.v
}

// read decodes a stored row (its time, then its join topic encoding).
func (db *joinDB) read(side int, v []byte, reuse bool) (sideRow, error) {
	var dst []types.Value
	if reuse {
		dst = db.scratch[side]
	}
	vals, err := db.decode(side, v[8:], dst)
	if err != nil {
		return sideRow{}, err
	}
	if reuse {
		db.scratch[side] = vals[:0]
	}
	// The encoding's operation and join key come before the row.
	return sideRow{row: vals[2:], ts: readOrdered(v)}, nil
}

func (db *joinDB) remember(k string, v []byte) {
	db.cache[k] = v
	db.cached += int64(cachedRowOverhead + len(k) + len(v))
	if share := db.budget.share(); db.cached > share {
		// Any entries go: the store has them all.
		for k, v := range db.cache {
			delete(db.cache, k)
			db.cached -= int64(cachedRowOverhead + len(k) + len(v))
			if db.cached <= share*3/4 {
				break
			}
		}
	}
}

func (db *joinDB) forget(k string) {
	if v, ok := db.cache[k]; ok {
		delete(db.cache, k)
		db.cached -= int64(cachedRowOverhead + len(k) + len(v))
	}
}

// leftKey is a foreign-key join's left row's key in the store: its
// foreign key, length first, then its own key.
func (db *joinDB) leftKey(fk, lk []byte) []byte {
	k := binary.AppendUvarint(db.k[:0], uint64(len(fk)))
	db.k = append(append(k, fk...), lk...)
	return db.k
}

// left returns the left row of key lk and foreign key fk.
func (db *joinDB) left(side int, fk, lk []byte) (sideRow, bool, error) {
	v, ok, err := db.lefts.Get(db.leftKey(fk, lk))
	if err != nil || !ok {
		return sideRow{}, false, err
	}
	r, err := db.read(side, v, false)
	return r, err == nil, err
}

// setLeft sets the left row of key lk and foreign key fk to data.
func (db *joinDB) setLeft(fk, lk []byte, ts int64, data []byte) error {
	return db.lefts.Put(db.leftKey(fk, lk), db.value(ts, data))
}

// deleteLeft removes the left row of key lk from foreign key fk.
func (db *joinDB) deleteLeft(fk, lk []byte) error {
	return db.lefts.Delete(db.leftKey(fk, lk))
}

// leftsOf calls fn with each left row of foreign key fk, in the order of
// their keys, so that a restart emits the same records.
func (db *joinDB) leftsOf(side int, fk []byte, fn func(r sideRow) error) error {
	prefix := append(binary.AppendUvarint(nil, uint64(len(fk))), fk...)
	it, err := db.lefts.Prefix(prefix)
	if err != nil {
		return err
	}
	// Read first, then emit: the iterator must be closed before the
	// task's next checkpoint, whatever emitting does.
	var rows []sideRow
	for it.Next() {
		r, err := db.read(side, append([]byte(nil), it.Value()...), false)
		if err != nil {
			it.Close()
			return err
		}
		rows = append(rows, r)
	}
	err = it.Err()
	it.Close()
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
