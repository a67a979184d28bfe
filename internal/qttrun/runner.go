package qttrun

import (
	"context"
	"path/filepath"
	"regexp"
	"time"

	"github.com/sluicedata/sluice/internal/qtt"
)

// DefaultCaseTimeout bounds one case, so that a query that never finishes
// draining fails its case instead of hanging the run.
const DefaultCaseTimeout = 30 * time.Second

// Options control a run.
type Options struct {
	// Filter, when set, keeps only the cases whose full name holds a
	// match of it (ksqlDB's ksql.functional.test.regex, unanchored).
	Filter *regexp.Regexp
	// CaseTimeout bounds each case; 0 means DefaultCaseTimeout.
	CaseTimeout time.Duration
	// Progress, when set, is called after each case with the number of
	// cases done and to do, and the case just run.
	Progress func(done, total int, last CaseResult)
}

// Counts are the outcomes of a set of cases. Total counts every case,
// skipped ones included.
type Counts struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

func (c *Counts) add(r CaseResult) {
	c.Total++
	switch r.Status {
	case Passed:
		c.Passed++
	case Failed:
		c.Failed++
	default:
		c.Skipped++
	}
}

// Run is the number of cases that ran: the total less the skipped.
func (c Counts) Run() int { return c.Total - c.Skipped }

// FileReport is the outcome of one file's cases.
type FileReport struct {
	// File is the file's base name, e.g. "filter.json".
	File string
	Path string
	Counts
	// Stateless counts the stateless cases alone.
	Stateless Counts
	Cases     []CaseResult
}

// Report is the outcome of a run.
type Report struct {
	Counts
	Stateless Counts
	Files     []FileReport
}

// Run runs the cases of files, file by file in the given order, and
// reports each case. Files without a case to report (all excluded by the
// filter, or all disabled) are left out of the report.
func Run(ctx context.Context, files []*qtt.File, opts Options) Report {
	timeout := opts.CaseTimeout
	if timeout <= 0 {
		timeout = DefaultCaseTimeout
	}
	type fileCases struct {
		f     *qtt.File
		cases []qtt.Case
	}
	var work []fileCases
	total := 0
	for _, f := range files {
		var cases []qtt.Case
		for _, c := range f.Cases() {
			if opts.Filter == nil || opts.Filter.MatchString(c.Name) {
				cases = append(cases, c)
			}
		}
		if len(cases) > 0 {
			work = append(work, fileCases{f, cases})
			total += len(cases)
		}
	}
	var rep Report
	done := 0
	for _, w := range work {
		fr := FileReport{File: filepath.Base(w.f.Path), Path: w.f.Path}
		for _, c := range w.cases {
			if ctx.Err() != nil {
				break
			}
			r := RunCase(ctx, c, timeout)
			fr.Cases = append(fr.Cases, r)
			fr.Counts.add(r)
			rep.Counts.add(r)
			if r.Stateless {
				fr.Stateless.add(r)
				rep.Stateless.add(r)
			}
			done++
			if opts.Progress != nil {
				opts.Progress(done, total, r)
			}
		}
		rep.Files = append(rep.Files, fr)
	}
	return rep
}
