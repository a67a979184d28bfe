package state

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
	"github.com/cockroachdb/pebble/bloom"
	"github.com/cockroachdb/pebble/vfs"
)

// Options configure a Store. Zero values take the defaults.
type Options struct {
	// BlockCache keeps the store's recently read blocks in memory; it may
	// serve other stores too. Without one, the store has its own of
	// CacheBytes (default 8 MiB).
	BlockCache *BlockCache
	CacheBytes int64
	// InMemory keeps the store in memory only (dir is then ignored): for
	// state that a task rebuilds after a restart anyway.
	InMemory bool
}

const defaultCacheBytes = 8 << 20

// BlockCache keeps recently read blocks of state stores in memory, their
// filters and indexes first among them: a lookup whose blocks are cached
// does not read the disk. One cache can serve every store of a process.
type BlockCache struct{ c *pebble.Cache }

// NewBlockCache returns a cache of bytes; Close releases it once the
// stores using it are closed.
func NewBlockCache(bytes int64) *BlockCache { return &BlockCache{c: pebble.NewCache(bytes)} }

// Close releases the cache (each store holds its own reference).
func (c *BlockCache) Close() { c.c.Unref() }

// ErrIteratorsOpen is returned by Checkpoint and Rollback while an
// iterator is open: both replace the batch that iterators read.
var ErrIteratorsOpen = errors.New("state: iterators still open")

// ErrClosed is returned by a Store used after Close.
var ErrClosed = errors.New("state: store closed")

// Store is the state of one task: one Pebble database holding any number
// of named sub-stores. Changes are visible to reads at once but durable
// only when Checkpoint commits them. A Store is used by one goroutine.
type Store struct {
	db *pebble.DB
	// pending holds the changes since the last checkpoint: indexed, so
	// that reads see them; committed only by Checkpoint. Callers keep what
	// is hot in memory themselves, and write a key about once between
	// checkpoints, so the batch is not deduplicated in front.
	pending *pebble.Batch
	iters   int
	// lastSize is the size of the last checkpoint's batch, which the next
	// one is allocated at, rather than grown to by copies.
	lastSize int
	key      []byte // the full key of a write, reused

	last    Checkpoint
	hasLast bool
	err     error // sticky: a failed commit leaves the store unusable
}

// Open opens (creating if needed) the store in dir. State is as of the
// last checkpoint; changes made after it were never written.
func Open(dir string, opts Options) (*Store, error) {
	cache := opts.BlockCache
	if cache == nil {
		if opts.CacheBytes <= 0 {
			opts.CacheBytes = defaultCacheBytes
		}
		cache = NewBlockCache(opts.CacheBytes)
		defer cache.Close() // the database holds its own reference
	}
	// Bloom filters make the lookup of an absent key (a group not seen
	// before, most of them) nearly free instead of a block read per level.
	popts := &pebble.Options{Cache: cache.c, Logger: quietLogger{}, Levels: make([]pebble.LevelOptions, 7)}
	for i := range popts.Levels {
		popts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		popts.Levels[i].EnsureDefaults()
	}
	if opts.InMemory {
		popts.FS, dir = vfs.NewMem(), ""
	}
	db, err := pebble.Open(dir, popts)
	if err != nil {
		return nil, fmt.Errorf("state: opening %s: %w", dir, err)
	}
	s := &Store{db: db, pending: db.NewIndexedBatch()}
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
	s.db, s.pending = nil, nil
	return err
}

// KeyValue returns the key-value sub-store called name.
func (s *Store) KeyValue(name string) *KV {
	return &KV{s: s, prefix: storePrefix(kindKV, name)}
}

// Batch holds the last changes of a checkpoint, which nothing reads
// before it commits: they skip the index that makes pending changes
// readable, which costs more than the writes themselves.
type Batch struct{ b *pebble.Batch }

// Checkpoint commits every change since the last checkpoint, then the
// changes last adds to a Batch (last may be nil), together with meta, in
// one synced batch: after a crash either all of it is there or none of
// it.
func (s *Store) Checkpoint(meta Checkpoint, last func(*Batch) error) error {
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
	commit := s.pending
	if last != nil {
		// The pending changes go first, so that the last ones win.
		commit = s.db.NewBatchWithSize(s.lastSize)
		defer commit.Close()
		if err := commit.Apply(s.pending, nil); err != nil {
			return s.fail(err)
		}
		if err := last(&Batch{commit}); err != nil {
			return s.fail(err)
		}
	}
	if err := commit.Set(checkpointKey, enc, nil); err != nil {
		return s.fail(err)
	}
	s.lastSize = len(commit.Repr())
	if err := commit.Commit(pebble.Sync); err != nil {
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

// put records a change (deleted: a deletion) of key in the sub-store of
// prefix.
func (s *Store) put(prefix, key, v []byte, deleted bool) error {
	if err := s.usable(); err != nil {
		return err
	}
	k := s.fullKey(prefix, key)
	var err error
	if deleted {
		err = s.pending.Delete(k, nil)
	} else {
		err = s.pending.Set(k, v, nil)
	}
	if err != nil {
		return s.fail(err)
	}
	return nil
}

// fullKey is key in the sub-store of prefix, in a buffer the next write
// reuses: batches copy the keys they are given.
func (s *Store) fullKey(prefix, key []byte) []byte {
	s.key = append(append(s.key[:0], prefix...), key...)
	return s.key
}

// get reads the full key k from the pending batch over the database.
func (s *Store) get(k []byte) ([]byte, bool, error) {
	if err := s.usable(); err != nil {
		return nil, false, err
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

// newIter iterates the full keys in [lo, hi) as they stand now.
func (s *Store) newIter(lo, hi []byte) (*pebble.Iterator, error) {
	if err := s.usable(); err != nil {
		return nil, err
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
