package exec

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/state"
	"github.com/sluicedata/sluice/internal/types"
)

// An aggregation task may keep its groups in a state store. The store
// holds every group; memory holds a bounded cache of them (see
// statecache.go), whose changed entries are written to the store when
// they leave the cache and at each commit, which checkpoints them with
// the task's input position in one atomic step. A restarted task reads
// only the checkpoint: groups come back into the cache as records need
// them.
//
// Sub-stores and their keys (gk is a group key's JSON encoding, which
// never holds a 0x00 byte, so gk ++ 0x00 is an exact prefix):
const (
	storeGroups   = "groups"   // gk ++ 0x00 ++ start -> group (windowed or not)
	storeSessions = "sessions" // gk ++ 0x00 ++ start ++ end -> session
	// storeEnds orders the windows and sessions by end, for retention:
	// end ++ kind ++ (group id | session key) -> nothing.
	storeEnds = "ends"
	// storePending is the EMIT FINAL buffer, in the order results are
	// emitted: close time ++ seq -> kind ++ (group id | session key).
	storePending = "pending"
	storePrev    = "prev" // a table source's key -> its last row
	storeMeta    = "meta" // metaChanges -> the last seq given
)

// Kinds of entries in storeEnds and storePending.
const (
	refGroup   byte = 'g'
	refSession byte = 's'
)

var (
	metaChanges  = []byte("changes")
	metaMaxStart = []byte("max-start")
)

// scanChunk is how many entries a purge or a flush reads before it
// changes the store: iterators see the store as it was when opened.
const scanChunk = 512

// persistence keeps an aggregator's state in a store.
type persistence struct {
	store *state.Store
	input string // the checkpoint's name of the task's input partition
	// keyTypes and stateTypes read a stored group's values back; rowTypes
	// a table source's stored row.
	keyTypes, stateTypes, rowTypes []types.Type
	// dirty holds the cached groups changed since they were last written.
	dirty    map[*group]struct{}
	windowed bool // windows or sessions, which the index by end holds
	// partial says the store may hold groups that are not cached: it
	// had some at the start, or the cache has evicted some. Until then a
	// group missing from the cache is new, and the store is not read.
	partial bool
	// maxStart is at least the start of every window in the store and
	// not in the cache: a newer window is new, and the store is not read.
	// maxPut is the latest start of a window written to the store, which
	// a restarted task takes as its maxStart.
	maxStart, maxPut int64
	// minClose is at most the earliest close time in storePending, so
	// that most records need not look at the store to flush nothing. A
	// window enters storePending only while open, after every window
	// emitted: flushedTo is past those.
	minClose  int64
	flushedTo []byte

	groups, sessions, ends, pending, prev, meta *state.KV
	buf                                         []byte
}

func newPersistence(pl *Pipeline, store *state.Store, input string) *persistence {
	a := pl.Plan.Aggregate
	p := &persistence{store: store, input: input, windowed: a.Window != nil, dirty: map[*group]struct{}{}, minClose: math.MaxInt64, maxStart: math.MinInt64, maxPut: math.MinInt64,
		groups: store.KeyValue(storeGroups), sessions: store.KeyValue(storeSessions), ends: store.KeyValue(storeEnds),
		pending: store.KeyValue(storePending), prev: store.KeyValue(storePrev), meta: store.KeyValue(storeMeta)}
	for _, g := range a.GroupBy {
		p.keyTypes = append(p.keyTypes, g.Expr.Type)
	}
	for _, c := range a.Calls {
		p.stateTypes = append(p.stateTypes, c.Fn.State)
	}
	for _, c := range pl.Plan.Input.Columns() {
		p.rowTypes = append(p.rowTypes, c.Type)
	}
	return p
}

// appendGroupID appends to a group key's encoding the rest of a group's
// id: a separator and the window start.
func appendGroupID(gk []byte, start int64) []byte {
	return binary.BigEndian.AppendUint64(append(gk, 0), uint64(start))
}

func sessionKey(g *group) []byte {
	b := make([]byte, 0, len(g.gk)+17)
	b = append(append(b, g.gk...), 0)
	b = binary.BigEndian.AppendUint64(b, uint64(g.start))
	return binary.BigEndian.AppendUint64(b, uint64(g.end))
}

// appendOrdered encodes ms so that byte order is numeric order.
func appendOrdered(b []byte, ms int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(ms)^(1<<63))
}

func readOrdered(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)) }

// ref names a group in storeEnds and storePending.
func ref(b []byte, g *group) []byte {
	if g.id != "" {
		return append(append(b, refGroup), g.id...)
	}
	return append(append(b, refSession), sessionKey(g)...)
}

func endKey(g *group) []byte { return ref(appendOrdered(nil, g.end), g) }

// pendingKey orders the EMIT FINAL buffer as results are emitted: by
// close time, then by key.
func (p *persistence) pendingKey(ag *aggregator, g *group) []byte {
	return ref(appendOrdered(nil, ag.closeOf(g)), g)
}

// closeOf is when stream time closes a window: its end plus the grace; a
// session, once stream time is past its end by the gap and the grace (the
// end is in the session, and a record within the gap would extend it).
func (ag *aggregator) closeOf(g *group) int64 {
	w := ag.pl.Plan.Aggregate.Window
	if g.id == "" {
		return g.end + w.Size + w.Grace + 1
	}
	return g.end + w.Grace
}

// Stored groups and rows are in the binary encoding of types, after a
// byte naming it: a store written in another encoding is refused with a
// clear error rather than misread.
const storedFormat = 1

func (p *persistence) encode(g *group) []byte {
	b := append(p.buf[:0], storedFormat)
	b = appendValues(b, g.keys)
	b = appendValues(b, g.states)
	b = binary.AppendVarint(b, g.start)
	b = binary.AppendVarint(b, g.end)
	pending := byte(0)
	if g.pending {
		pending = 1
	}
	b = append(b, pending)
	b = binary.AppendVarint(b, g.seq)
	b = binary.AppendVarint(b, g.ord)
	b = binary.AppendVarint(b, g.ts)
	p.buf = b
	return b
}

func appendValues(b []byte, vals []types.Value) []byte {
	for _, v := range vals {
		b = types.AppendBinary(b, v)
	}
	return b
}

// readValues decodes a value of each of ts from the front of b into
// dst, which has room for them.
func readValues(dst []types.Value, b []byte, ts []types.Type) ([]byte, error) {
	for i, t := range ts {
		var err error
		if dst[i], b, err = types.ReadBinary(b, t); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func (p *persistence) decode(b []byte) (*group, error) {
	if len(b) == 0 || b[0] != storedFormat {
		return nil, errStoredFormat
	}
	// One allocation for the keys and the states.
	nk := len(p.keyTypes)
	vals := make([]types.Value, nk+len(p.stateTypes))
	keys, states := vals[:nk:nk], vals[nk:]
	b, err := readValues(keys, b[1:], p.keyTypes)
	if err == nil {
		b, err = readValues(states, b, p.stateTypes)
	}
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	g := &group{keys: keys, states: states, stored: true}
	var ok bool
	if g.start, b, ok = readVarint(b); !ok {
		return nil, errMalformedGroup
	}
	if g.end, b, ok = readVarint(b); !ok || len(b) == 0 || b[0] > 1 {
		return nil, errMalformedGroup
	}
	g.pending, b = b[0] == 1, b[1:]
	if g.seq, b, ok = readVarint(b); !ok {
		return nil, errMalformedGroup
	}
	if g.ord, b, ok = readVarint(b); !ok {
		return nil, errMalformedGroup
	}
	if g.ts, b, ok = readVarint(b); !ok || len(b) != 0 {
		return nil, errMalformedGroup
	}
	return g, nil
}

func readVarint(b []byte) (int64, []byte, bool) {
	n, w := binary.Varint(b)
	if w <= 0 {
		return 0, nil, false
	}
	return n, b[w:], true
}

var errMalformedGroup = errors.New("state: malformed group")

var errStoredFormat = errors.New("state: written by another version of Sluice; remove the query's state directory to rebuild it from its input")

// put writes a group to the store with set: KV.Put (visible at once,
// durable at the next checkpoint) or a checkpoint's KV.PutLast.
func (p *persistence) put(g *group, set func(kv *state.KV, k, v []byte) error) error {
	if !g.stored && p.windowed {
		if err := set(p.ends, endKey(g), nil); err != nil {
			return err
		}
	}
	g.stored = true
	b := p.encode(g)
	if g.id != "" {
		p.maxPut = max(p.maxPut, g.start)
		return set(p.groups, []byte(g.id), b)
	}
	return set(p.sessions, sessionKey(g), b)
}

// mayHold tells whether the store may hold a group of window start that
// the cache does not.
func (p *persistence) mayHold(start int64) bool { return p.partial && start <= p.maxStart }

// load reads the group id from the store; cache puts it in the cache.
func (p *persistence) load(ag *aggregator, id []byte, cache bool) (*group, bool, error) {
	b, ok, err := p.groups.Get(id)
	if err != nil || !ok {
		return nil, false, err
	}
	g, err := p.decode(b)
	if err != nil {
		return nil, false, err
	}
	g.id = string(id)
	if cache {
		ag.groups[g.id] = g
		g.node.g = g
		ag.cache.add(&g.node, groupSize(g))
	}
	return g, true, nil
}

// sessionsOf returns the sessions of the group key gk: cached, read from
// the store, or a new empty set.
func (ag *aggregator) sessionsOf(gk []byte) (*sessionSet, error) {
	if ss, ok := ag.sessions[string(gk)]; ok {
		if ag.cache != nil {
			ag.cache.use(&ss.node)
		}
		return ss, nil
	}
	ss := &sessionSet{gk: string(gk)}
	ss.node.ss = ss
	if p := ag.persist; p != nil && !p.partial {
		ag.cache.add(&ss.node, sessionSetSize(ss))
	} else if p != nil {
		from := append(append([]byte(nil), gk...), 0)
		to := append(append([]byte(nil), gk...), 1)
		it, err := p.sessions.Range(from, to)
		if err != nil {
			return nil, err
		}
		for it.Next() {
			g, err := p.decode(it.Value())
			if err != nil {
				it.Close()
				return nil, err
			}
			g.gk = ss.gk
			ss.list = append(ss.list, g)
		}
		if err := it.Close(); err != nil {
			return nil, err
		}
		slices.SortFunc(ss.list, func(a, b *group) int { return cmp.Compare(a.ord, b.ord) })
		ag.cache.add(&ss.node, sessionSetSize(ss))
	}
	ag.sessions[ss.gk] = ss
	return ss, nil
}

// created notes a new group: a windowed group enters the cache. It is
// written to the store, and to the index by end, at the next checkpoint
// or when it leaves the cache.
func (p *persistence) created(ag *aggregator, g *group) {
	if g.id != "" {
		g.node.g = g
		ag.cache.add(&g.node, groupSize(g))
	}
}

// forget removes a group from the store and the cache.
func (p *persistence) forget(ag *aggregator, g *group) error {
	delete(p.dirty, g)
	if g.pending {
		if err := p.pending.Delete(p.pendingKey(ag, g)); err != nil {
			return err
		}
		g.pending = false
	}
	if g.id != "" {
		if c, ok := ag.groups[g.id]; ok && c == g {
			delete(ag.groups, g.id)
			ag.cache.remove(&g.node)
		}
	}
	if !g.stored {
		return nil
	}
	g.stored = false
	if ag.pl.Plan.Aggregate.Window != nil {
		if err := p.ends.Delete(endKey(g)); err != nil {
			return err
		}
	}
	if g.id == "" {
		return p.sessions.Delete(sessionKey(g))
	}
	return p.groups.Delete([]byte(g.id))
}

// trim evicts the least recently used entries until the cache is within
// its share, writing the changed ones to the store.
func (p *persistence) trim(ag *aggregator) error {
	c := ag.cache
	for c.over() {
		n := c.oldest()
		if n == nil {
			return nil
		}
		c.remove(n)
		p.partial = true
		if g := n.g; g != nil {
			p.maxStart = max(p.maxStart, g.start)
			if err := p.writeBack(g); err != nil {
				return err
			}
			delete(ag.groups, g.id)
			continue
		}
		for _, g := range n.ss.list {
			if err := p.writeBack(g); err != nil {
				return err
			}
		}
		delete(ag.sessions, n.ss.gk)
	}
	return nil
}

// writeBack writes g to the store if it changed since it was last.
func (p *persistence) writeBack(g *group) error {
	if _, ok := p.dirty[g]; !ok {
		return nil
	}
	delete(p.dirty, g)
	return p.put(g, (*state.KV).Put)
}

// hold puts a changed window in the EMIT FINAL buffer, after taking out
// its earlier place there; a deleted one (tombstone) only leaves it.
func (p *persistence) hold(ag *aggregator, g *group, tombstone bool) error {
	if g.pending && g.id != "" && !tombstone {
		// A window's place depends only on its id and close time, which
		// do not change: it keeps it.
		ag.changes++
		g.seq = ag.changes
		ag.touch(g)
		return nil
	}
	if g.pending {
		if err := p.pending.Delete(p.pendingKey(ag, g)); err != nil {
			return err
		}
		g.pending = false
	}
	if !tombstone {
		ag.changes++
		g.seq, g.pending = ag.changes, true
		if err := p.pending.Put(p.pendingKey(ag, g), ref(nil, g)); err != nil {
			return err
		}
		p.minClose = min(p.minClose, ag.closeOf(g))
	}
	ag.touch(g)
	return nil
}

// resolve finds the group a ref names, cached or in the store (not
// caching it); nil when it is gone.
func (p *persistence) resolve(ag *aggregator, r []byte) (*group, error) {
	if len(r) == 0 {
		return nil, nil
	}
	kind, key := r[0], r[1:]
	if kind == refGroup {
		if g, ok := ag.groups[string(key)]; ok || !p.partial {
			return g, nil
		}
		g, _, err := p.load(ag, key, false)
		return g, err
	}
	if len(key) < 17 {
		return nil, fmt.Errorf("state: malformed session key %q", key)
	}
	gk := key[:len(key)-17]
	start := int64(binary.BigEndian.Uint64(key[len(key)-16:]))
	end := int64(binary.BigEndian.Uint64(key[len(key)-8:]))
	if ss, ok := ag.sessions[string(gk)]; ok {
		for _, g := range ss.list {
			if g.start == start && g.end == end {
				return g, nil
			}
		}
		return nil, nil
	}
	if !p.partial {
		return nil, nil
	}
	b, ok, err := p.sessions.Get(key)
	if err != nil || !ok {
		return nil, err
	}
	g, err := p.decode(b)
	if err != nil {
		return nil, err
	}
	g.gk = string(gk)
	return g, nil
}

// cached tells whether a session is in the cache.
func (ag *aggregator) cachedSession(g *group) bool {
	ss, ok := ag.sessions[g.gk]
	if !ok {
		return false
	}
	for _, s := range ss.list {
		if s == g {
			return true
		}
	}
	return false
}

// flush emits, in the order of storePending (close time, then seq), the
// results of the windows that stream time has closed, and forgets the
// windows (a session stays until retention purges it).
func (p *persistence) flush(ag *aggregator, emit func(*Out) error) error {
	if ag.streamTime < p.minClose {
		return nil
	}
	ag.flushing = true
	defer func() { ag.flushing = false }()
	hi := appendOrdered(nil, ag.streamTime)
	for {
		var keys, refs [][]byte
		next := int64(math.MaxInt64)
		// The entries before flushedTo were emitted and deleted: their
		// deletions would cost every scan from the start to step over.
		it, err := p.pending.Range(p.flushedTo, nil)
		if err != nil {
			return err
		}
		for it.Next() {
			k := it.Key()
			if string(k[:8]) > string(hi) {
				next = readOrdered(k)
				break
			}
			if len(keys) == scanChunk {
				next = math.MinInt64 // more to read
				break
			}
			keys = append(keys, append([]byte(nil), k...))
			refs = append(refs, append([]byte(nil), it.Value()...))
		}
		if err := it.Close(); err != nil {
			return err
		}
		for i, k := range keys {
			if err := p.pending.Delete(k); err != nil {
				return err
			}
			g, err := p.resolve(ag, refs[i])
			if err != nil {
				return err
			}
			if g == nil {
				continue
			}
			g.pending = false
			switch {
			case g.id != "":
				if err := p.forget(ag, g); err != nil {
					return err
				}
			case ag.cachedSession(g):
				ag.touch(g)
			default:
				if err := p.put(g, (*state.KV).Put); err != nil {
					return err
				}
			}
			if err := ag.emitFinal(g, emit); err != nil {
				return err
			}
		}
		if len(keys) > 0 {
			p.flushedTo = append(keys[len(keys)-1], 0)
		}
		if next != math.MinInt64 {
			p.minClose = next
			return nil
		}
	}
}

// purge forgets the windows and sessions that ended at or before cutoff,
// except those still waiting to be emitted: a range scan of storeEnds.
func (p *persistence) purge(ag *aggregator, cutoff int64) error {
	if cutoff == math.MaxInt64 {
		return nil
	}
	// The index by end must hold every window: those not yet written
	// go in first.
	for g := range p.dirty {
		if !g.stored {
			if err := p.put(g, (*state.KV).Put); err != nil {
				return err
			}
			delete(p.dirty, g)
		}
	}
	hi := appendOrdered(nil, cutoff+1)
	var from []byte
	for {
		var keys [][]byte
		it, err := p.ends.Range(from, hi)
		if err != nil {
			return err
		}
		for len(keys) < scanChunk && it.Next() {
			keys = append(keys, append([]byte(nil), it.Key()...))
		}
		if err := it.Close(); err != nil {
			return err
		}
		for _, k := range keys {
			g, err := p.resolve(ag, k[8:])
			if err != nil {
				return err
			}
			if g == nil {
				if err := p.ends.Delete(k); err != nil {
					return err
				}
				continue
			}
			if g.pending {
				continue
			}
			if g.id == "" {
				ag.uncacheSession(g)
			}
			if err := p.forget(ag, g); err != nil {
				return err
			}
		}
		if len(keys) < scanChunk {
			return nil
		}
		from = append(keys[len(keys)-1], 0)
	}
}

// uncacheSession takes a session out of its cached set, if cached.
func (ag *aggregator) uncacheSession(g *group) {
	ss, ok := ag.sessions[g.gk]
	if !ok {
		return
	}
	kept := ss.list[:0]
	for _, s := range ss.list {
		if s != g {
			kept = append(kept, s)
		}
	}
	clear(ss.list[len(kept):])
	ss.list = kept
	if len(kept) == 0 {
		delete(ag.sessions, ss.gk)
		ag.cache.remove(&ss.node)
		return
	}
	ag.cache.resize(&ss.node, sessionSetSize(ss))
}

// scan calls add with every group whose key encodes as prefix (all when
// nil): the changed cached groups are written first, so that the store
// alone holds them all.
func (p *persistence) scan(ag *aggregator, prefix []byte, add func(*group)) error {
	for g := range p.dirty {
		if err := p.put(g, (*state.KV).Put); err != nil {
			return err
		}
	}
	clear(p.dirty)
	for _, kv := range []*state.KV{p.groups, p.sessions} {
		var from, to []byte
		if prefix != nil {
			from, to = append(append([]byte(nil), prefix...), 0), append(append([]byte(nil), prefix...), 1)
		}
		it, err := kv.Range(from, to)
		if err != nil {
			return err
		}
		for it.Next() {
			g, err := p.decode(it.Value())
			if err != nil {
				it.Close()
				return err
			}
			add(g)
		}
		if err := it.Close(); err != nil {
			return err
		}
	}
	return nil
}

// change is aggregator.change for a table source whose previous rows
// are in the store.
func (p *persistence) change(ag *aggregator, in types.Row, rec *log.Record, present bool, apply func(r types.Row, op string) error) error {
	b, ok, err := p.prev.Get(rec.Key)
	if err != nil {
		return err
	}
	if ok {
		if len(b) == 0 || b[0] != storedFormat {
			return errStoredFormat
		}
		old := make(types.Row, len(p.rowTypes))
		_, err := readValues(old, b[1:], p.rowTypes)
		if err != nil {
			return fmt.Errorf("state %s: %w", storePrev, err)
		}
		op := opUndo
		if present && ag.sameGroup(old, in) {
			op = opUndoQuiet
		}
		if !present {
			if err := p.prev.Delete(rec.Key); err != nil {
				return err
			}
		}
		if err := apply(old, op); err != nil {
			return err
		}
	}
	if !present {
		return nil
	}
	p.buf = appendValues(append(p.buf[:0], storedFormat), in)
	if err := p.prev.Put(rec.Key, p.buf); err != nil {
		return err
	}
	return apply(in, "")
}

// checkpoint writes the changed groups with cp (the task's input and
// output positions) in one atomic step.
func (p *persistence) checkpoint(ag *aggregator, cp state.Checkpoint) error {
	// Pull queries read the store too.
	ag.mu.Lock()
	defer ag.mu.Unlock()
	cp.StreamTime = ag.streamTime
	err := p.store.Checkpoint(cp, func(b *state.Batch) error {
		last := func(kv *state.KV, k, v []byte) error { return kv.PutLast(b, k, v) }
		for g := range p.dirty {
			if err := p.put(g, last); err != nil {
				return err
			}
		}
		if err := p.meta.PutLast(b, metaChanges, binary.BigEndian.AppendUint64(nil, uint64(ag.changes))); err != nil {
			return err
		}
		return p.meta.PutLast(b, metaMaxStart, binary.BigEndian.AppendUint64(nil, uint64(p.maxPut)))
	})
	if err != nil {
		return err
	}
	clear(p.dirty)
	return nil
}

// restore puts the aggregator's groups in the store, behind a cache, and
// returns the store's last checkpoint; ok is false when it has none. It
// reads only the checkpoint's metadata: groups are read as records need
// them.
func (p *persistence) restore(ag *aggregator) (cp state.Checkpoint, ok bool, err error) {
	if ag.budget == nil {
		ag.budget = NewStateCache(0)
	}
	ag.cache = newGroupCache(ag.budget, ag, ag.pl.stage != StageRepartition)
	for _, c := range ag.pl.Plan.Aggregate.Calls {
		switch c.Fn.State.Kind() {
		case types.KindBoolean, types.KindInt, types.KindBigInt, types.KindTimestamp, types.KindDate, types.KindTime,
			types.KindDouble, types.KindDecimal:
		default:
			// A state that may grow is measured again at each change.
			ag.cache.varying = true
		}
	}
	cp, ok, err = p.store.LastCheckpoint()
	if err != nil || !ok {
		return cp, false, err
	}
	p.partial = true
	ag.streamTime = cp.StreamTime
	if b, found, err := p.meta.Get(metaChanges); err != nil {
		return cp, false, err
	} else if found && len(b) == 8 {
		ag.changes = int64(binary.BigEndian.Uint64(b))
	}
	p.maxStart = math.MaxInt64
	if b, found, err := p.meta.Get(metaMaxStart); err != nil {
		return cp, false, err
	} else if found && len(b) == 8 {
		p.maxStart = int64(binary.BigEndian.Uint64(b))
		p.maxPut = p.maxStart
	}
	// The earliest close time waiting, read at the first flush.
	p.minClose = math.MinInt64
	return cp, true, nil
}
