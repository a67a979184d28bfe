package state

import (
	"fmt"
	"slices"
	"testing"
)

func TestKVBasics(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	defer s.Close()
	kv := s.KeyValue("counts")
	mustGet(t, func() ([]byte, bool, error) { return kv.Get([]byte("x")) }, "", false)
	if err := kv.Put([]byte("x"), []byte("1")); err != nil {
		t.Fatal(err)
	}
	mustGet(t, func() ([]byte, bool, error) { return kv.Get([]byte("x")) }, "1", true)
	// The store copies: changing the caller's slices changes nothing.
	k, v := []byte("y"), []byte("2")
	if err := kv.Put(k, v); err != nil {
		t.Fatal(err)
	}
	k[0], v[0] = 'z', '9'
	mustGet(t, func() ([]byte, bool, error) { return kv.Get([]byte("y")) }, "2", true)
	if err := kv.Delete([]byte("x")); err != nil {
		t.Fatal(err)
	}
	mustGet(t, func() ([]byte, bool, error) { return kv.Get([]byte("x")) }, "", false)
	// Same key, other store.
	mustGet(t, func() ([]byte, bool, error) { return s.KeyValue("count").Get([]byte("y")) }, "", false)
	mustGet(t, func() ([]byte, bool, error) { return s.KeyValue("countsy").Get(nil) }, "", false)
}

// Range merges the committed values with the pending changes, rewritten
// several times, newest winning, deletions hiding.
func TestKVRangeAcrossLayers(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	kv := s.KeyValue("t")
	other := s.KeyValue("t2")
	want := map[string]string{}
	put := func(k, v string) {
		t.Helper()
		if err := kv.Put([]byte(k), []byte(v)); err != nil {
			t.Fatal(err)
		}
		want[k] = v
	}
	del := func(k string) {
		t.Helper()
		if err := kv.Delete([]byte(k)); err != nil {
			t.Fatal(err)
		}
		delete(want, k)
	}
	for i := range 30 {
		put(fmt.Sprintf("k%02d", i), "committed")
		if err := other.Put([]byte(fmt.Sprintf("k%02d", i)), []byte("other")); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Checkpoint(Checkpoint{}, nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 30; i += 3 {
		put(fmt.Sprintf("k%02d", i), "rewritten")
	}
	del("k01")
	put("k30", "rewritten")
	for i := 0; i < 30; i += 5 {
		put(fmt.Sprintf("k%02d", i), "again")
	}
	del("k03") // written twice, then deleted
	del("k04") // committed, then deleted
	put("k01", "back")
	put("a", "first")

	check := func(from, to string) {
		t.Helper()
		var f, tt []byte
		if from != "" {
			f = []byte(from)
		}
		if to != "" {
			tt = []byte(to)
		}
		var exp []kvPair
		for k, v := range want {
			if (f == nil || k >= from) && (tt == nil || k < to) {
				exp = append(exp, kvPair{k, v})
			}
		}
		slices.SortFunc(exp, func(a, b kvPair) int { return cmpStr(a.k, b.k) })
		got := rangeAll(t, kv, f, tt)
		if !slices.Equal(got, exp) {
			t.Fatalf("Range(%q, %q) = %v, want %v", from, to, got, exp)
		}
	}
	check("", "")
	check("k05", "k20")
	check("k10", "")
	check("", "k03")
	check("k99", "")

	// Checkpointed, everything reads back the same after reopening.
	if err := s.Checkpoint(Checkpoint{}, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openStore(t, dir, Options{})
	defer s.Close()
	kv = s.KeyValue("t")
	check("", "")
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// An iterator sees the store as it was when opened.
func TestKVIteratorSnapshot(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	defer s.Close()
	kv := s.KeyValue("t")
	for _, k := range []string{"a", "b", "c"} {
		if err := kv.Put([]byte(k), []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	it, err := kv.Range(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for it.Next() {
		got = append(got, string(it.Key()))
		if err := kv.Delete([]byte("c")); err != nil {
			t.Fatal(err)
		}
		if err := kv.Put([]byte("bb"), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Checkpoint(Checkpoint{}, nil); err != ErrIteratorsOpen {
		t.Fatalf("Checkpoint with an open iterator: %v, want ErrIteratorsOpen", err)
	}
	it.Close()
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("iterated %v", got)
	}
	if got := rangeAll(t, kv, nil, nil); len(got) != 3 || got[2].k != "bb" {
		t.Fatalf("after the changes: %v", got)
	}
}

// Prefix reads the keys starting with a prefix, up to one of 0xff bytes,
// and never another sub-store's.
func TestKVPrefix(t *testing.T) {
	s := openStore(t, "", Options{InMemory: true})
	defer s.Close()
	kv, next := s.KeyValue("p"), s.KeyValue("q")
	for _, k := range []string{"a", "ab", "abc", "b", "\xff", "\xff\xff", "\xff\xffz"} {
		if err := kv.Put([]byte(k), []byte("v")); err != nil {
			t.Fatal(err)
		}
	}
	if err := next.Put([]byte("\xff\xff"), []byte("other")); err != nil {
		t.Fatal(err)
	}
	for prefix, want := range map[string][]string{
		"a":        {"a", "ab", "abc"},
		"ab":       {"ab", "abc"},
		"c":        nil,
		"\xff\xff": {"\xff\xff", "\xff\xffz"},
	} {
		it, err := kv.Prefix([]byte(prefix))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for it.Next() {
			got = append(got, string(it.Key()))
		}
		it.Close()
		if !slices.Equal(got, want) {
			t.Errorf("Prefix(%q) = %q, want %q", prefix, got, want)
		}
	}
}
