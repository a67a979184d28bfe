package state

import (
	"bytes"
	"testing"
)

func openStore(t *testing.T, dir string, opts Options) *Store {
	t.Helper()
	s, err := Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type kvPair struct{ k, v string }

// rangeAll collects a KV range.
func rangeAll(t *testing.T, kv *KV, from, to []byte) []kvPair {
	t.Helper()
	it, err := kv.Range(from, to)
	if err != nil {
		t.Fatal(err)
	}
	var out []kvPair
	for it.Next() {
		out = append(out, kvPair{string(it.Key()), string(it.Value())})
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustGet(t *testing.T, get func() ([]byte, bool, error), want string, wantOK bool) {
	t.Helper()
	v, ok, err := get()
	if err != nil {
		t.Fatal(err)
	}
	if ok != wantOK || (ok && !bytes.Equal(v, []byte(want))) {
		t.Fatalf("got %q, %v; want %q, %v", v, ok, want, wantOK)
	}
}
