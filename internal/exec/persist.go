package exec

import (
	"encoding/binary"
	"fmt"

	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/state"
	"github.com/sluicedata/sluice/internal/types"
)

// An aggregation task may keep its groups in a state store: each commit
// writes the groups changed since the last one, with the task's input
// position, as one checkpoint; a restarted task loads them and goes on
// from that position instead of reading its input again.

const (
	storeGroups   = "groups"   // windowed or not: id -> group
	storeSessions = "sessions" // group key ++ start ++ end -> session
	storePrev     = "prev"     // a table source's key -> its last row
)

// persistence encodes what an aggregator keeps.
type persistence struct {
	store  *state.Store
	input  string // the checkpoint's name of the task's input partition
	group  serde.Format
	row    serde.Format
	dirty  map[*group]struct{}
	gone   map[string]string // removed entries: key -> sub-store
	prevUp map[string]struct{}
}

func newPersistence(pl *Pipeline, store *state.Store, input string) (*persistence, error) {
	a := pl.Plan.Aggregate
	var cols []types.Column
	for _, g := range a.GroupBy {
		cols = append(cols, types.Column{Name: g.Name, Type: g.Expr.Type})
	}
	for i, c := range a.Calls {
		cols = append(cols, types.Column{Name: fmt.Sprintf("S%d", i), Type: c.Fn.State})
	}
	cols = append(cols, types.Column{Name: "START", Type: types.BigIntType}, types.Column{Name: "END", Type: types.BigIntType},
		types.Column{Name: "PENDING", Type: types.BooleanType})
	wrap := true
	gf, err := serde.NewFormat("JSON", cols, serde.Options{WrapSingle: &wrap})
	if err != nil {
		return nil, err
	}
	var rcols []types.Column
	for _, c := range pl.Plan.Input.Columns() {
		rcols = append(rcols, types.Column{Name: c.Name, Type: c.Type})
	}
	rf, err := serde.NewFormat("JSON", rcols, serde.Options{WrapSingle: &wrap})
	if err != nil {
		return nil, err
	}
	return &persistence{store: store, input: input, group: gf, row: rf,
		dirty: map[*group]struct{}{}, gone: map[string]string{}, prevUp: map[string]struct{}{}}, nil
}

func (p *persistence) encodeGroup(ag *aggregator, g *group) ([]byte, error) {
	vals := make([]types.Value, 0, len(g.keys)+len(g.states)+3)
	vals = append(vals, g.keys...)
	vals = append(vals, g.states...)
	_, pending := ag.pending[g]
	vals = append(vals, types.BigInt(g.start), types.BigInt(g.end), types.Bool(pending))
	return p.group.Encode(nil, vals)
}

func sessionID(gk string, g *group) string {
	b := append([]byte(gk), make([]byte, 16)...)
	binary.BigEndian.PutUint64(b[len(gk):], uint64(g.start))
	binary.BigEndian.PutUint64(b[len(gk)+8:], uint64(g.end))
	return string(b)
}

// checkpoint writes the changed groups with cp (the task's input and
// output positions) in one atomic step.
func (p *persistence) checkpoint(ag *aggregator, cp state.Checkpoint) error {
	groups, sessions, prev := p.store.KeyValue(storeGroups), p.store.KeyValue(storeSessions), p.store.KeyValue(storePrev)
	for id, sub := range p.gone {
		if err := p.store.KeyValue(sub).Delete([]byte(id)); err != nil {
			return err
		}
	}
	for g := range p.dirty {
		b, err := p.encodeGroup(ag, g)
		if err != nil {
			return err
		}
		if g.id != "" {
			err = groups.Put([]byte(g.id), b)
		} else {
			err = sessions.Put([]byte(sessionID(g.gk, g)), b)
		}
		if err != nil {
			return err
		}
	}
	for id := range p.prevUp {
		row, ok := ag.prev[id]
		if !ok {
			if err := prev.Delete([]byte(id)); err != nil {
				return err
			}
			continue
		}
		b, err := p.row.Encode(nil, row)
		if err != nil {
			return err
		}
		if err := prev.Put([]byte(id), b); err != nil {
			return err
		}
	}
	if err := p.store.Checkpoint(cp); err != nil {
		return err
	}
	clear(p.dirty)
	clear(p.gone)
	clear(p.prevUp)
	return nil
}

// restore loads the groups of the last checkpoint and returns it; ok is
// false when the store has none.
func (p *persistence) restore(ag *aggregator) (cp state.Checkpoint, ok bool, err error) {
	cp, ok, err = p.store.LastCheckpoint()
	if err != nil || !ok {
		return cp, false, err
	}
	ag.streamTime = cp.StreamTime
	load := func(sub string, put func(key []byte, g *group)) error {
		it, err := p.store.KeyValue(sub).Range(nil, nil)
		if err != nil {
			return err
		}
		defer it.Close()
		nk, nc := len(ag.pl.Plan.Aggregate.GroupBy), len(ag.pl.Plan.Aggregate.Calls)
		for it.Next() {
			vals, err := p.group.Decode(nil, it.Value())
			if err != nil {
				return fmt.Errorf("state %s: %w", sub, err)
			}
			vals = cloneRow(vals)
			g := &group{keys: vals[:nk:nk], states: vals[nk : nk+nc : nk+nc], start: vals[nk+nc].BigInt(), end: vals[nk+nc+1].BigInt()}
			if vals[nk+nc+2].Bool() {
				ag.pending[g] = struct{}{}
			}
			put(append([]byte(nil), it.Key()...), g)
		}
		return it.Err()
	}
	if err := load(storeGroups, func(key []byte, g *group) {
		g.id = string(key)
		ag.groups[g.id] = g
	}); err != nil {
		return cp, false, err
	}
	if err := load(storeSessions, func(key []byte, g *group) {
		g.gk = string(key[:len(key)-16])
		ag.sessions[g.gk] = append(ag.sessions[g.gk], g)
	}); err != nil {
		return cp, false, err
	}
	it, err := p.store.KeyValue(storePrev).Range(nil, nil)
	if err != nil {
		return cp, false, err
	}
	defer it.Close()
	for it.Next() {
		row, err := p.row.Decode(nil, it.Value())
		if err != nil {
			return cp, false, fmt.Errorf("state %s: %w", storePrev, err)
		}
		ag.prev[string(it.Key())] = cloneRow(row)
	}
	if err := it.Err(); err != nil {
		return cp, false, err
	}
	return cp, true, nil
}
