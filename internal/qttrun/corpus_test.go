package qttrun

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/qtt"
)

// runnerFaults are the reasons that blame the runner rather than the
// engine: the corpus must never produce them, whatever the engine can do.
var runnerFaults = []string{
	"creating topic ",
	"opening the engine: ",
	"serializing input ",
	"appending input ",
	"is not supported by the test runner",
}

// TestCorpusReachesAVerdictForEveryCase runs ksqlDB's whole QTT suite and
// checks the runner itself: every case is counted once, exactly the cases
// needing an unsupported format are skipped, and no case fails because the
// runner could not set it up or feed it.
func TestCorpusReachesAVerdictForEveryCase(t *testing.T) {
	root := qtt.RequireCorpus(t)
	files, err := qtt.LoadDir(filepath.Join(root, qtt.QTTDir))
	if err != nil {
		t.Fatal(err)
	}
	want, wantSkipped := 0, 0
	for _, f := range files {
		for _, c := range f.Cases() {
			want++
			if skipReason(c) != "" {
				wantSkipped++
			}
		}
	}
	rep := Run(context.Background(), files, Options{})
	if rep.Total != want || rep.Skipped != wantSkipped || rep.Passed+rep.Failed+rep.Skipped != rep.Total {
		t.Fatalf("counts %+v, want %d cases of which %d skipped", rep.Counts, want, wantSkipped)
	}
	for _, f := range rep.Files {
		for _, c := range f.Cases {
			for _, fault := range runnerFaults {
				if c.Status == Failed && strings.Contains(c.Reason, fault) {
					t.Errorf("%s: %s", c.Name, c.Reason)
				}
			}
		}
	}
	t.Logf("%d passed, %d failed, %d skipped; stateless %d passed of %d run",
		rep.Passed, rep.Failed, rep.Skipped, rep.Stateless.Passed, rep.Stateless.Run())
	// The compatibility Sluice promises for stateless queries (see
	// docs/compatibility.md): a regression below it fails the build.
	if run := rep.Stateless.Run(); run == 0 || rep.Stateless.Passed*100 < minStatelessPercent*run {
		t.Errorf("stateless cases: %d passed of %d run, below %d%%", rep.Stateless.Passed, run, minStatelessPercent)
	}
	// And the compatibility of joins, over ksqlDB's join files.
	var joins Counts
	for _, f := range rep.Files {
		if joinFiles[f.File] {
			joins.Passed += f.Passed
			joins.Total += f.Total
			joins.Skipped += f.Skipped
		}
	}
	if run := joins.Run(); run == 0 || joins.Passed*100 < minJoinPercent*run {
		t.Errorf("join cases: %d passed of %d run, below %d%%", joins.Passed, run, minJoinPercent)
	}
}

const (
	minStatelessPercent = 95
	minJoinPercent      = 90
)

// joinFiles are ksqlDB's test files of joins.
var joinFiles = map[string]bool{"joins.json": true, "table-table-join.json": true, "fk-join.json": true, "fk-n-way-join.json": true}
