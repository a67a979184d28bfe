package qtt

import (
	"slices"
	"strings"
	"testing"
)

// Lower bounds measured on the corpus at hand; they catch a loader that
// silently drops files, tests or cases.
const (
	minQTTFiles  = 140
	minRESTFiles = 15
	minTests     = 2190
	minCases     = 2440
)

func loadCorpus(t *testing.T) []*File {
	t.Helper()
	files, err := LoadCorpus(RequireCorpus(t))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestCorpusLoads(t *testing.T) {
	files := loadCorpus(t)
	var qttFiles, restFiles, tests, disabled, cases int
	for _, f := range files {
		if f.Kind == KindREST {
			restFiles++
		} else {
			qttFiles++
		}
		tests += len(f.Tests)
		for _, tc := range f.Tests {
			if !tc.Enabled {
				disabled++
			}
		}
		cases += len(f.Cases())
	}
	t.Logf("files: %d qtt + %d rest; tests: %d (%d disabled); cases: %d", qttFiles, restFiles, tests, disabled, cases)
	if qttFiles < minQTTFiles || restFiles < minRESTFiles {
		t.Errorf("loaded %d qtt and %d rest files, want at least %d and %d", qttFiles, restFiles, minQTTFiles, minRESTFiles)
	}
	if tests < minTests {
		t.Errorf("loaded %d tests, want at least %d", tests, minTests)
	}
	if cases < minCases {
		t.Errorf("expanded %d cases, want at least %d", cases, minCases)
	}
}

func TestCorpusCaseNamesUnique(t *testing.T) {
	if err := CheckUniqueNames(loadCorpus(t)); err != nil {
		t.Fatal(err)
	}
}

func TestCorpusSchemaRegistryReport(t *testing.T) {
	type counts struct{ total, registry, nosr, negative int }
	var byKind [2]counts
	for _, f := range loadCorpus(t) {
		for _, c := range f.Cases() {
			n := &byKind[c.Kind]
			n.total++
			switch {
			case c.NeedsSchemaRegistry():
				n.registry++
			case slices.Contains(c.Formats(), "PROTOBUF_NOSR"):
				n.nosr++
			case c.Test.ExpectedException != nil || c.Test.ExpectedError != nil:
				n.negative++
			}
		}
	}
	var total, registry int
	for k, n := range byKind {
		t.Logf("%s: %d cases: %d need a schema registry, %d more need PROTOBUF_NOSR, %d others expect an error, %d others expect success",
			Kind(k), n.total, n.registry, n.nosr, n.negative, n.total-n.registry-n.nosr-n.negative)
		total += n.total
		registry += n.registry
	}
	t.Logf("%d of %d cases need a schema registry", registry, total)
	if registry == 0 || registry == total {
		t.Errorf("%d of %d cases need a schema registry: format detection is broken", registry, total)
	}
}

func TestCorpusStatementEntries(t *testing.T) {
	// Every entry holds exactly one statement, so a runner may take the
	// entries as they are; three of them hold a ';' inside quotes.
	var entries, placeholders int
	for _, f := range loadCorpus(t) {
		for _, c := range f.Cases() {
			for _, s := range c.Statements {
				entries++
				if n := len(SplitStatements(s)); n != 1 {
					t.Errorf("%s: entry holds %d statements, want 1: %q", c.Name, n, s)
				}
				if strings.Contains(s, "{FORMAT}") {
					placeholders++
				}
			}
		}
	}
	t.Logf("%d statement entries; %d keep {FORMAT} (no format array)", entries, placeholders)
}
