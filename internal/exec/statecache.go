package exec

import (
	"runtime"
	"sync/atomic"

	"github.com/sluicedata/sluice/internal/types"
)

// With a state store, an aggregation keeps in memory only a cache of its
// groups (and of its group keys' sessions), bounded in bytes; the rest is
// in the store, read back when a record needs it. The least recently used
// entries leave the cache first, a changed one written to the store as it
// goes (the store commits it with the next checkpoint).

// DefaultStateCacheBytes bounds the cached groups of all the aggregation
// tasks of an engine when its configuration leaves the bound unset.
const DefaultStateCacheBytes = 256 << 20

// StateCache is a memory budget for cached groups, shared by the
// aggregation tasks that use it: each task holds at most an equal share
// (the budget divided by the tasks alive), so a task that starts takes
// its share from the others as they next process a record.
type StateCache struct {
	bytes int64
	tasks atomic.Int64
}

// NewStateCache returns a budget of bytes (DefaultStateCacheBytes when
// not positive).
func NewStateCache(bytes int64) *StateCache {
	if bytes <= 0 {
		bytes = DefaultStateCacheBytes
	}
	return &StateCache{bytes: bytes}
}

// Bytes is the budget.
func (c *StateCache) Bytes() int64 { return c.bytes }

func (c *StateCache) share() int64 { return c.bytes / max(1, c.tasks.Load()) }

// SetStateCache makes the task, once it uses a store (see UseStore), keep
// its aggregation's groups or its join's rows in memory within its share
// of c. Without it, a task with a store has a budget of
// DefaultStateCacheBytes alone.
func (t *Task) SetStateCache(c *StateCache) {
	t.budget = c
	if ag := t.st.agg; ag != nil {
		ag.budget = c
	}
}

// lruNode links a cache entry (a group, or a group key's sessions) into
// its cache's recency list.
type lruNode struct {
	newer, older *lruNode
	size         int64
	g            *group
	ss           *sessionSet
}

// sessionSet is a group key's open sessions: cached together, as a
// session's record needs all the sessions of its key.
type sessionSet struct {
	node lruNode
	gk   string
	list []*group
}

// groupCache is an aggregator's recency list and the bytes it holds.
type groupCache struct {
	head   lruNode // head.older is the most recently used entry, head.newer the least
	bytes  int64
	budget *StateCache
	// varying says a group's states may change size, so that its size
	// is estimated again at each change, not only when it is cached.
	varying bool
}

// newGroupCache returns the cache of owner, an aggregator, which takes a
// share of budget when join (a task that caches nothing leaves it to the
// others).
func newGroupCache(budget *StateCache, owner *aggregator, join bool) *groupCache {
	c := &groupCache{budget: budget}
	c.head.newer, c.head.older = &c.head, &c.head
	if join {
		budget.tasks.Add(1)
		// A task's share returns to the others once it is gone.
		runtime.AddCleanup(owner, func(b *StateCache) { b.tasks.Add(-1) }, budget)
	}
	return c
}

func (c *groupCache) add(n *lruNode, size int64) {
	n.size = size
	c.bytes += size
	n.older, n.newer = c.head.older, &c.head
	c.head.older.newer = n
	c.head.older = n
}

func (c *groupCache) remove(n *lruNode) {
	if n.older == nil {
		return
	}
	n.older.newer, n.newer.older = n.newer, n.older
	n.older, n.newer = nil, nil
	c.bytes -= n.size
}

// use marks n as the most recently used.
func (c *groupCache) use(n *lruNode) {
	if c.head.older == n || n.older == nil {
		return
	}
	n.older.newer, n.newer.older = n.newer, n.older
	n.older, n.newer = c.head.older, &c.head
	c.head.older.newer = n
	c.head.older = n
}

func (c *groupCache) resize(n *lruNode, size int64) {
	if n.older != nil {
		c.bytes += size - n.size
	}
	n.size = size
}

func (c *groupCache) over() bool { return c.bytes > c.budget.share() }

// oldest is the least recently used entry, nil when the cache is empty.
func (c *groupCache) oldest() *lruNode {
	if c.head.newer == &c.head {
		return nil
	}
	return c.head.newer
}

// The size of a cached group is estimated as what Go allocates for it:
// groupOverhead for the group itself, its entry in the cache's map and
// the slices' headers, plus valueSize for each key and state, plus the
// bytes of its id. Sessions add sessionSetOverhead per group key. The
// estimate leaves out the garbage collector's headroom (GOGC), so the
// heap of a full cache is up to about twice the bound.
const (
	groupOverhead      = 256
	sessionSetOverhead = 128
)

func groupSize(g *group) int64 {
	n := int64(groupOverhead + len(g.id) + len(g.gk))
	for _, v := range g.keys {
		n += valueSize(v)
	}
	for _, v := range g.states {
		n += valueSize(v)
	}
	return n
}

func sessionSetSize(ss *sessionSet) int64 {
	n := int64(sessionSetOverhead + len(ss.gk))
	for _, g := range ss.list {
		n += groupSize(g)
	}
	return n
}

// valueSize estimates the bytes a value holds: its 24-byte header and
// what it points at.
func valueSize(v types.Value) int64 {
	const header = 24
	switch v.Kind() {
	case types.KindString:
		return header + int64(len(v.Str()))
	case types.KindBytes:
		return header + int64(len(v.Bytes()))
	case types.KindArray:
		n := int64(header)
		for _, e := range v.Elems() {
			n += valueSize(e)
		}
		return n
	case types.KindMap:
		n := int64(header)
		for _, e := range v.Pairs() {
			n += valueSize(e)
		}
		return n
	case types.KindStruct:
		n := int64(header + 48)
		for _, e := range v.Fields() {
			n += valueSize(e) + 16
		}
		return n
	case types.KindDecimal:
		return header + 32
	}
	return header
}
