package state

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// Options configure a Store. Zero values take the defaults.
type Options struct {
	// CacheBytes sizes Pebble's block cache, which keeps committed state
	// hot in memory. Default 8 MiB.
	CacheBytes int64
	// WriteBufferBytes bounds the uncommitted changes held in a map for
	// the fastest reads and so that repeated writes of one key cost one
	// entry. Past it they spill into the pending batch, which reads still
	// see and which reaches the database only at Checkpoint. Default 4 MiB.
	// The pending batch itself is bounded only by how much a task changes
	// between checkpoints: nothing may reach the database before one.
	WriteBufferBytes int64
}

const (
	defaultCacheBytes       = 8 << 20
	defaultWriteBufferBytes = 4 << 20
	// entryOverhead approximates a map entry's cost beyond its bytes.
	entryOverhead = 64
)

// ErrIteratorsOpen is returned by Checkpoint and Rollback while an
// iterator is open: both replace the batch that iterators read.
var ErrIteratorsOpen = errors.New("state: iterators still open")

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("state: store closed")

// Store is the state of one task: one Pebble database holding any number
// of named sub-stores. Changes are visible to reads at once but durable
// only when Checkpoint commits them. A Store is used by one goroutine.
type Store struct {
	db    *pebble.DB
	limit int64

	dirty      map[string]dirtyEntry
	dirtyBytes int64
	pending    *pebble.Batch // indexed, so reads see it; committed only by Checkpoint
	iters      int

	last    Checkpoint
	hasLast bool
	err     error // sticky: a failed commit leaves the store unusable
}

type dirtyEntry struct {
	value   []byte
	deleted bool
}

// Open opens (creating if needed) the store in dir. State is as of the
// last checkpoint; changes made after it were never written.
func Open(dir string, opts Options) (*Store, error) {
	if opts.CacheBytes <= 0 {
		opts.CacheBytes = defaultCacheBytes
	}
	if opts.WriteBufferBytes <= 0 {
		opts.WriteBufferBytes = defaultWriteBufferBytes
	}
	cache := pebble.NewCache(opts.CacheBytes)
	defer cache.Unref() // the database holds its own reference
	db, err := pebble.Open(dir, &pebble.Options{Cache: cache, Logger: quietLogger{}})
	if err != nil {
		return nil, fmt.Errorf("state: opening %s: %w", dir, err)
	}
	s := &Store{
		db:      db,
		limit:   opts.WriteBufferBytes,
		dirty:   make(map[string]dirtyEntry),
		pending: db.NewIndexedBatch(),
	}
	v, closer, err := db.Get(checkpointKey)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		db.Close()
		return nil, fmt.Errorf("state: reading the checkpoint in %s: %w", dir, err)
	default:
		s.last, err = decodeCheckpoint(v)
		closer.Close()
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("state: %s: %w", dir, err)
		}
		s.hasLast = true
	}
	return s, nil
}

// Close discards uncommitted changes and closes the database.
func (s *Store) Close() error {
	if s.db == nil {
		return ErrClosed
	}
	s.pending.Close()
	err := s.db.Close()
	s.db, s.pending, s.dirty = nil, nil, nil
	return err
}

// KeyValue returns the key-value sub-store called name.
func (s *Store) KeyValue(name string) *KV {
	return &KV{s: s, prefix: storePrefix(kindKV, name)}
}

// Windowed returns the windowed sub-store called name.
func (s *Store) Windowed(name string) *WindowStore {
	return &WindowStore{s: s, prefix: storePrefix(kindWindow, name), index: storePrefix(kindWindowIndex, name)}
}

// Checkpoint commits every change since the last checkpoint together with
// meta, in one synced batch: after a crash either all of it is there or
// none of it.
func (s *Store) Checkpoint(meta Checkpoint) error {
	if err := s.usable(); err != nil {
		return err
	}
	if s.iters > 0 {
		return ErrIteratorsOpen
	}
	enc, err := encodeCheckpoint(meta)
	if err != nil {
		return err
	}
	if err := s.spill(); err != nil {
		return s.fail(err)
	}
	if err := s.pending.Set(checkpointKey, enc, nil); err != nil {
		return s.fail(err)
	}
	if err := s.pending.Commit(pebble.Sync); err != nil {
		return s.fail(fmt.Errorf("state: committing checkpoint: %w", err))
	}
	s.pending.Close()
	s.pending = s.db.NewIndexedBatch()
	s.last, s.hasLast = meta.clone(), true
	return nil
}

// LastCheckpoint returns the meta of the last committed checkpoint, and
// false if there has been none.
func (s *Store) LastCheckpoint() (Checkpoint, bool, error) {
	if s.db == nil {
		return Checkpoint{}, false, ErrClosed
	}
	return s.last.clone(), s.hasLast, nil
}

// Rollback discards every change since the last checkpoint.
func (s *Store) Rollback() error {
	if err := s.usable(); err != nil {
		return err
	}
	if s.iters > 0 {
		return ErrIteratorsOpen
	}
	clear(s.dirty)
	s.dirtyBytes = 0
	s.pending.Close()
	s.pending = s.db.NewIndexedBatch()
	return nil
}

func (s *Store) usable() error {
	if s.db == nil {
		return ErrClosed
	}
	return s.err
}

func (s *Store) fail(err error) error {
	s.err = err
	return err
}

// put records a change (deleted: a deletion) of the full key k.
func (s *Store) put(k, v []byte, deleted bool) error {
	if err := s.usable(); err != nil {
		return err
	}
	if old, ok := s.dirty[string(k)]; ok {
		s.dirtyBytes -= int64(len(k) + len(old.value) + entryOverhead)
	}
	e := dirtyEntry{deleted: deleted}
	if !deleted {
		e.value = append(make([]byte, 0, len(v)), v...)
	}
	s.dirty[string(k)] = e
	s.dirtyBytes += int64(len(k) + len(e.value) + entryOverhead)
	if s.dirtyBytes > s.limit {
		if err := s.spill(); err != nil {
			return s.fail(err)
		}
	}
	return nil
}

// spill moves the map's changes into the pending batch.
func (s *Store) spill() error {
	for k, e := range s.dirty {
		var err error
		if e.deleted {
			err = s.pending.Delete([]byte(k), nil)
		} else {
			err = s.pending.Set([]byte(k), e.value, nil)
		}
		if err != nil {
			return err
		}
	}
	clear(s.dirty)
	s.dirtyBytes = 0
	return nil
}

// get reads the full key k: the map, then the pending batch over the
// database.
func (s *Store) get(k []byte) ([]byte, bool, error) {
	if err := s.usable(); err != nil {
		return nil, false, err
	}
	if e, ok := s.dirty[string(k)]; ok {
		if e.deleted {
			return nil, false, nil
		}
		return append([]byte{}, e.value...), true, nil
	}
	v, closer, err := s.pending.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer closer.Close()
	return append([]byte{}, v...), true, nil
}

// newIter iterates the full keys in [lo, hi) as they stand now. The map
// is spilled first, so that the pending batch alone (over the database)
// holds every change; spilling empties the map, so each change is spilled
// at most once however often iterators are opened.
func (s *Store) newIter(lo, hi []byte) (*pebble.Iterator, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if err := s.spill(); err != nil {
		return nil, s.fail(err)
	}
	it, err := s.pending.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return nil, err
	}
	s.iters++
	return it, nil
}

func (s *Store) iterClosed() { s.iters-- }

// quietLogger drops Pebble's informational messages; fatal ones still end
// the process, as Pebble expects.
type quietLogger struct{}

func (quietLogger) Infof(string, ...interface{}) {}

func (quietLogger) Fatalf(format string, args ...interface{}) {
	pebble.DefaultLogger.Fatalf(format, args...)
}
