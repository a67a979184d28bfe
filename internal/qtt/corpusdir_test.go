package qtt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindCorpus(t *testing.T) {
	base := t.TempDir()
	module := filepath.Join(base, "main")
	deep := filepath.Join(module, "internal", "x")
	corpus := filepath.Join(base, "shared", "ksql-qtt")
	for _, d := range []string{deep, filepath.Join(corpus, QTTDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	noEnv := func(string) string { return "" }

	// Without go.mod there is no module root.
	if _, err := FindCorpus(noEnv, deep); err == nil || !strings.Contains(err.Error(), "no go.mod at or above "+deep) {
		t.Errorf("got %v, want an error naming %s", err, deep)
	}
	if err := os.WriteFile(filepath.Join(module, "go.mod"), []byte("module m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := FindCorpus(noEnv, deep); err != nil || got != corpus {
		t.Errorf("FindCorpus = %q, %v; want %q", got, err, corpus)
	}

	// The variable wins over the module root, and must point at a corpus.
	other := filepath.Join(base, "other")
	env := func(k string) string {
		if k == CorpusEnv {
			return other
		}
		return ""
	}
	if _, err := FindCorpus(env, deep); err == nil || !strings.Contains(err.Error(), CorpusEnv+"="+other) {
		t.Errorf("got %v, want an error naming %s", err, other)
	}
	if err := os.MkdirAll(filepath.Join(other, QTTDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := FindCorpus(env, deep); err != nil || got != other {
		t.Errorf("FindCorpus = %q, %v; want %q", got, err, other)
	}

	// A module without a corpus beside it: the error says where it looked.
	if err := os.RemoveAll(filepath.Join(base, "shared")); err != nil {
		t.Fatal(err)
	}
	_, err := FindCorpus(noEnv, deep)
	if err == nil || !strings.Contains(err.Error(), corpus) || !strings.Contains(err.Error(), CorpusEnv) {
		t.Errorf("got %v, want an error naming %s and %s", err, corpus, CorpusEnv)
	}
}
