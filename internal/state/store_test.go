package state

import (
	"errors"
	"fmt"
	"maps"
	"testing"
)

// Changes are readable at once, and none of it is durable until a
// checkpoint.
func TestUncommittedChangesReadableNotDurable(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{CacheBytes: 1 << 16})
	kv := s.KeyValue("t")
	val := func(i, round int) []byte { return fmt.Appendf(nil, "value-%d-%d", i, round) }
	const n = 500
	for round := range 3 {
		for i := range n {
			if err := kv.Put(fmt.Appendf(nil, "key-%04d", i), val(i, round)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < n; i += 7 {
		if err := kv.Delete(fmt.Appendf(nil, "key-%04d", i)); err != nil {
			t.Fatal(err)
		}
	}
	check := func(s *Store) {
		t.Helper()
		kv := s.KeyValue("t")
		for i := range n {
			want, wantOK := string(val(i, 2)), i%7 != 0
			mustGet(t, func() ([]byte, bool, error) { return kv.Get(fmt.Appendf(nil, "key-%04d", i)) }, want, wantOK)
		}
		if got, want := len(rangeAll(t, kv, nil, nil)), n-(n+6)/7; got != want {
			t.Fatalf("Range sees %d keys, want %d", got, want)
		}
	}
	check(s)

	// Not checkpointed: nothing survives.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, dir, Options{})
	if got := rangeAll(t, s.KeyValue("t"), nil, nil); len(got) != 0 {
		t.Fatalf("%d uncommitted keys survived a reopen", len(got))
	}
	if _, ok, _ := s.LastCheckpoint(); ok {
		t.Fatal("a checkpoint where none was taken")
	}
	s.Close()
}

func TestCheckpointAndReopen(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	kv := s.KeyValue("t")
	for i := range 100 {
		if err := kv.Put(fmt.Appendf(nil, "%03d", i), []byte("a")); err != nil {
			t.Fatal(err)
		}
	}
	cp := Checkpoint{
		Inputs:     map[string]int64{PartitionKey("in", 0): 100, PartitionKey("in", 1): 7},
		Outputs:    map[string]int64{PartitionKey("out", 3): 42},
		StreamTime: -12345,
	}
	if err := s.Checkpoint(cp, nil); err != nil {
		t.Fatal(err)
	}
	cp.Inputs["in/0"] = 999 // the store keeps its own copy
	// Changes after the checkpoint are lost at reopen.
	for i := range 100 {
		if err := kv.Put(fmt.Appendf(nil, "%03d", i), []byte("b")); err != nil {
			t.Fatal(err)
		}
		if err := kv.Put(fmt.Appendf(nil, "x%03d", i), []byte("b")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LastCheckpoint(); !errors.Is(err, ErrClosed) {
		t.Fatalf("LastCheckpoint after Close: %v", err)
	}

	s = openStore(t, dir, Options{})
	defer s.Close()
	got, ok, err := s.LastCheckpoint()
	if err != nil || !ok {
		t.Fatalf("LastCheckpoint: %v, %v", ok, err)
	}
	if !maps.Equal(got.Inputs, map[string]int64{"in/0": 100, "in/1": 7}) || !maps.Equal(got.Outputs, map[string]int64{"out/3": 42}) || got.StreamTime != -12345 {
		t.Fatalf("LastCheckpoint = %+v", got)
	}
	all := rangeAll(t, s.KeyValue("t"), nil, nil)
	if len(all) != 100 {
		t.Fatalf("%d keys after reopen, want 100", len(all))
	}
	for _, p := range all {
		if p.v != "a" {
			t.Fatalf("key %s = %q after reopen, want the checkpointed \"a\"", p.k, p.v)
		}
	}
}

func TestRollback(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	defer s.Close()
	kv := s.KeyValue("t")
	if err := kv.Put([]byte("keep"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	if err := s.Checkpoint(Checkpoint{StreamTime: 1}, nil); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := kv.Put(fmt.Appendf(nil, "drop%d", i), []byte("2")); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Delete([]byte("keep")); err != nil {
		t.Fatal(err)
	}
	if err := s.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := rangeAll(t, kv, nil, nil); len(got) != 1 || got[0] != (kvPair{"keep", "1"}) {
		t.Fatalf("after Rollback: %v", got)
	}
	if cp, _, _ := s.LastCheckpoint(); cp.StreamTime != 1 {
		t.Fatalf("LastCheckpoint after Rollback: %+v", cp)
	}
}

// A checkpoint's last changes commit after the pending ones (the last
// write of a key wins), and a failing last function commits nothing.
func TestCheckpointLastChanges(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	kv := s.KeyValue("t")
	if err := kv.Put([]byte("a"), []byte("pending")); err != nil {
		t.Fatal(err)
	}
	if err := kv.Put([]byte("b"), []byte("pending")); err != nil {
		t.Fatal(err)
	}
	err := s.Checkpoint(Checkpoint{StreamTime: 1}, func(b *Batch) error {
		return kv.PutLast(b, []byte("a"), []byte("last"))
	})
	if err != nil {
		t.Fatal(err)
	}
	mustGet(t, func() ([]byte, bool, error) { return kv.Get([]byte("a")) }, "last", true)
	mustGet(t, func() ([]byte, bool, error) { return kv.Get([]byte("b")) }, "pending", true)

	if err := kv.Put([]byte("c"), []byte("pending")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err = s.Checkpoint(Checkpoint{StreamTime: 2}, func(b *Batch) error {
		if err := kv.PutLast(b, []byte("d"), []byte("last")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Checkpoint: %v, want the last function's error", err)
	}
	s.Close()
	s = openStore(t, dir, Options{})
	defer s.Close()
	kv = s.KeyValue("t")
	if got := rangeAll(t, kv, nil, nil); len(got) != 2 || got[0] != (kvPair{"a", "last"}) || got[1] != (kvPair{"b", "pending"}) {
		t.Fatalf("after a failed checkpoint and a reopen: %v", got)
	}
	if cp, _, _ := s.LastCheckpoint(); cp.StreamTime != 1 {
		t.Fatalf("LastCheckpoint: %+v, want the first", cp)
	}
}
