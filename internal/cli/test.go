package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/qttrun"
)

const testDescription = `
Runs ksqlDB query-validation test (QTT) files through Sluice's engine and
prints a pass rate per file and in total. Each case runs in an engine of
its own over an in-memory log: its topics are created, its statements
executed, its input records appended and its queries drained, then the
records written to the expected topics, the expected exception and the
post-conditions are compared with the test's.

FILE_OR_DIR is a test file, a directory of them, or a corpus directory
holding query-validation-tests/. Without one, the corpus is looked up in
$SLUICE_QTT_DIR, else in ../shared/ksql-qtt beside the module.

Each file gets a line "PASS|FAIL  file.json  passed/total (skipped S)"
(SKIP when all its cases were skipped), with its first failures below it,
each with the first difference found; then the totals, and the totals of
the stateless cases (no table, aggregation, window or join). Cases that
need a format Sluice does not serve yet (AVRO, PROTOBUF, PROTOBUF_NOSR,
JSON_SR) are skipped and counted as such.

--json prints {"total":N,"passed":N,"failed":N,"skipped":N,
"stateless":{...},"files":[{"file":...,"total":N,"passed":N,...}]};
with --verbose each file also lists its failures. --markdown prints the
per-file table of docs/compatibility.md.

The exit code is 1 when a case failed. On a terminal, a progress line is
drawn on standard error.

Examples:
  sluice test ../shared/ksql-qtt/query-validation-tests/filter.json
  sluice test --filter 'decimal' ../shared/ksql-qtt
  sluice test --json > qtt.json
  sluice test --markdown`

func testCommand() command {
	return command{name: "test", summary: "run ksqlDB query-validation test files through the engine", run: runTest}
}

func runTest(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet(io, "test", "test [flags] [FILE_OR_DIR...]", testDescription)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	asMarkdown := fs.Bool("markdown", false, "print the per-file table of docs/compatibility.md (Markdown)")
	filter := fs.String("filter", "", "run only the cases whose full name (\"file - test[ - format]\") contains a match of this regular expression")
	verbose := fs.Bool("verbose", false, "list every failure, in full")
	timeout := fs.Duration("case-timeout", qttrun.DefaultCaseTimeout, "time limit of one case; a case still running then fails")
	pos, err := parseInterspersed(fs, io, args)
	if err != nil {
		return err
	}
	opts := qttrun.Options{CaseTimeout: *timeout}
	if *filter != "" {
		re, err := regexp.Compile(*filter)
		if err != nil {
			return usageError("--filter: %v", err)
		}
		opts.Filter = re
	}
	files, err := loadTestFiles(io, pos)
	if err != nil {
		return err
	}
	if isTerminal(io.Stderr) {
		p := &testProgress{w: io.Stderr}
		opts.Progress = p.update
		defer p.finish()
	}
	rep := qttrun.Run(ctx, files, opts)
	switch {
	case *asJSON:
		err = rep.WriteJSON(io.Stdout, *verbose)
	case *asMarkdown:
		err = rep.WriteMarkdown(io.Stdout)
	default:
		to := qttrun.TextOptions{MaxFailures: 5, MaxReason: 400}
		if *verbose {
			to = qttrun.TextOptions{MaxFailures: -1}
		}
		err = rep.WriteText(io.Stdout, to)
	}
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d of %d cases failed", rep.Failed, rep.Run())
	}
	return nil
}

// loadTestFiles loads the files the arguments name: files, directories of
// files, or corpus directories (holding query-validation-tests/). Without
// arguments it loads the corpus's query-validation tests.
func loadTestFiles(io IO, args []string) ([]*qtt.File, error) {
	if len(args) == 0 {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		root, err := qtt.FindCorpus(io.Getenv, wd)
		if err != nil {
			return nil, usageError("no FILE_OR_DIR given and %v", err)
		}
		args = []string{filepath.Join(root, qtt.QTTDir)}
	}
	var files []*qtt.File
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			f, err := qtt.LoadFile(a)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
			continue
		}
		dir := a
		if sub := filepath.Join(a, qtt.QTTDir); isDir(sub) {
			dir = sub
		}
		loaded, err := qtt.LoadDir(dir)
		if err != nil {
			return nil, err
		}
		if len(loaded) == 0 {
			return nil, fmt.Errorf("%s: no test files (*.json)", a)
		}
		files = append(files, loaded...)
	}
	return files, nil
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// testProgress redraws one line on a terminal, at most 10 times a second:
// cases done of all, failures so far, and the file being run.
type testProgress struct {
	w      io.Writer
	last   time.Time
	failed int
	drawn  bool
}

func (p *testProgress) update(done, total int, r qttrun.CaseResult) {
	if r.Status == qttrun.Failed {
		p.failed++
	}
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last = now
	file, _, _ := strings.Cut(r.Name, " - ")
	fmt.Fprintf(p.w, "\r  %d/%d cases  %d failed  %s\x1b[K", done, total, p.failed, file)
	p.drawn = true
}

func (p *testProgress) finish() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
