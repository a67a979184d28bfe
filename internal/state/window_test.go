package state

import (
	"math"
	"slices"
	"testing"
)

func TestWindowOrderAndFetch(t *testing.T) {
	s := openStore(t, t.TempDir(), Options{})
	defer s.Close()
	w := s.Windowed("agg")
	// Keys chosen to trip a naive layout: one a prefix of others, zero
	// bytes, and starts that are negative or need all 64 bits.
	entries := []winEntry{
		{"a\x00", Window{0, 10}, "3"},
		{"ab", Window{-20, -10}, "4"},
		{"a", Window{100, 110}, "2"},
		{"a", Window{-5, 5}, "0"},
		{"", Window{7, 8}, "e"},
		{"a", Window{100, 105}, "1"},
		{"ab", Window{math.MaxInt64 - 1, math.MaxInt64}, "5"},
	}
	for _, e := range entries {
		if err := w.Put([]byte(e.key), e.win, []byte(e.val)); err != nil {
			t.Fatal(err)
		}
	}
	// Other stores' windows never show.
	if err := s.Windowed("agg2").Put([]byte("a"), Window{1, 2}, []byte("x")); err != nil {
		t.Fatal(err)
	}
	want := []winEntry{entries[4], entries[3], entries[5], entries[2], entries[0], entries[1], entries[6]}
	if got := fetchAll(t, w); !slices.Equal(got, want) {
		t.Fatalf("FetchAll:\n got %v\nwant %v", got, want)
	}
	fetch := func(key string, from, to int64, want ...winEntry) {
		t.Helper()
		it, err := w.Fetch([]byte(key), from, to)
		if got := collectWindows(t, it, err); !slices.Equal(got, want) {
			t.Fatalf("Fetch(%q, %d, %d):\n got %v\nwant %v", key, from, to, got, want)
		}
	}
	fetch("a", math.MinInt64, math.MaxInt64, entries[3], entries[5], entries[2])
	fetch("a", -5, 99, entries[3])
	fetch("a", -4, 100, entries[5], entries[2]) // both ends inclusive
	fetch("a", 101, 200)
	fetch("ab", 0, math.MaxInt64, entries[6])
	fetch("a\x00", 0, 0, entries[0])
	fetch("b", math.MinInt64, math.MaxInt64)

	mustGet(t, func() ([]byte, bool, error) { return w.Get([]byte("a"), Window{100, 105}) }, "1", true)
	mustGet(t, func() ([]byte, bool, error) { return w.Get([]byte("a"), Window{100, 106}) }, "", false)
	if err := w.Delete([]byte("a"), Window{100, 105}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, func() ([]byte, bool, error) { return w.Get([]byte("a"), Window{100, 105}) }, "", false)
	fetch("a", 100, 100, entries[2])
}

func TestWindowPurge(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Options{})
	w := s.Windowed("agg")
	keys := []string{"k1", "k2", "k3\x00"}
	live := map[winEntry]bool{}
	put := func(k string, start int64) {
		t.Helper()
		e := winEntry{k, Window{start, start + 10}, "v"}
		if err := w.Put([]byte(k), e.win, []byte(e.val)); err != nil {
			t.Fatal(err)
		}
		live[e] = true
	}
	for start := int64(-50); start < 200; start += 10 {
		for _, k := range keys {
			put(k, start)
		}
		if start == 50 {
			if err := s.Checkpoint(Checkpoint{StreamTime: start}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A window deleted before the purge is not counted again.
	if err := w.Delete([]byte("k1"), Window{-50, -40}); err != nil {
		t.Fatal(err)
	}
	delete(live, winEntry{"k1", Window{-50, -40}, "v"})

	purge := func(before int64) {
		t.Helper()
		want := 0
		for e := range live {
			if e.win.Start < before {
				want++
				delete(live, e)
			}
		}
		n, err := w.PurgeBefore(before)
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Fatalf("PurgeBefore(%d) deleted %d windows, want %d", before, n, want)
		}
		got := fetchAll(t, w)
		if len(got) != len(live) {
			t.Fatalf("after PurgeBefore(%d): %d windows, want %d", before, len(got), len(live))
		}
		for _, e := range got {
			if !live[e] {
				t.Fatalf("after PurgeBefore(%d): unexpected window %v", before, e)
			}
		}
	}
	purge(0)
	purge(0)
	purge(75)
	// Windows written after a purge, even in its range, are kept until
	// the next one.
	put("k2", 20)
	purge(60)
	if got := fetchAll(t, w); len(got) != len(live) {
		t.Fatalf("%d windows, want %d", len(got), len(live))
	}
	purge(30)
	if err := s.Checkpoint(Checkpoint{StreamTime: 200}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openStore(t, dir, Options{})
	defer s.Close()
	w = s.Windowed("agg")
	purge(100)
	purge(math.MaxInt64)
	if len(live) != 0 {
		t.Fatalf("%d windows left after purging everything", len(live))
	}
}
