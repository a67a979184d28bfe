package state

import "github.com/cockroachdb/pebble"

// KV is a named key-value sub-store. Keys are ordered bytewise.
type KV struct {
	s      *Store
	prefix []byte
}

func (kv *KV) full(key []byte) []byte {
	return append(append(make([]byte, 0, len(kv.prefix)+len(key)), kv.prefix...), key...)
}

// Get returns the value of key, including uncommitted changes.
func (kv *KV) Get(key []byte) ([]byte, bool, error) { return kv.s.get(kv.full(key)) }

// Put sets key to value. The store keeps its own copies of both.
func (kv *KV) Put(key, value []byte) error { return kv.s.put(kv.prefix, key, value, false) }

// Delete removes key.
func (kv *KV) Delete(key []byte) error { return kv.s.put(kv.prefix, key, nil, true) }

// PutLast sets key to value in a checkpoint's last changes.
func (kv *KV) PutLast(b *Batch, key, value []byte) error {
	return b.b.Set(kv.s.fullKey(kv.prefix, key), value, nil)
}

// Range iterates the keys in [from, to) in order; a nil from or to leaves
// that end open. The iterator sees the store as it was when Range was
// called and must be closed before the next Checkpoint or Rollback.
func (kv *KV) Range(from, to []byte) (*Iter, error) {
	hi := prefixEnd(kv.prefix)
	if to != nil {
		hi = kv.full(to)
	}
	it, err := kv.s.newIter(kv.full(from), hi)
	if err != nil {
		return nil, err
	}
	return &Iter{s: kv.s, it: it, strip: len(kv.prefix)}, nil
}

// Prefix iterates the keys starting with p in order, as Range does.
func (kv *KV) Prefix(p []byte) (*Iter, error) {
	lo := kv.full(p)
	hi := prefixEnd(lo)
	if hi == nil {
		hi = prefixEnd(kv.prefix)
	}
	it, err := kv.s.newIter(lo, hi)
	if err != nil {
		return nil, err
	}
	return &Iter{s: kv.s, it: it, strip: len(kv.prefix)}, nil
}

// Iter walks a KV range. Key and Value are valid until the next call to
// Next.
type Iter struct {
	s       *Store
	it      *pebble.Iterator
	strip   int
	started bool
	closed  bool
	err     error // kept at Close: Pebble reuses closed iterators
}

// Next moves to the next entry and reports whether there is one.
func (i *Iter) Next() bool {
	if i.closed {
		return false
	}
	if !i.started {
		i.started = true
		return i.it.First()
	}
	return i.it.Next()
}

// Key is the current entry's key.
func (i *Iter) Key() []byte { return i.it.Key()[i.strip:] }

// Value is the current entry's value.
func (i *Iter) Value() []byte { return i.it.Value() }

// Err is the error that ended the iteration, if any.
func (i *Iter) Err() error {
	if i.closed {
		return i.err
	}
	return i.it.Error()
}

// Close releases the iterator.
func (i *Iter) Close() error {
	if i.closed {
		return nil
	}
	i.closed = true
	i.s.iterClosed()
	i.err = i.it.Error()
	err := i.it.Close()
	i.it = nil
	return err
}
