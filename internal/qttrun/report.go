package qttrun

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// TextOptions control the text report.
type TextOptions struct {
	// MaxFailures is how many failures to list under each file; the rest
	// are counted. 0 lists none, a negative number lists all.
	MaxFailures int
	// MaxReason truncates each failure's reason to this many bytes; 0
	// keeps it whole.
	MaxReason int
}

// WriteText writes one line per file, "PASS  file.json  passed/total
// (skipped S)" (FAIL when a case failed, SKIP when every case was
// skipped), the failures of each file below it, and the totals.
func (r Report) WriteText(w io.Writer, opts TextOptions) error {
	var b strings.Builder
	for _, f := range r.Files {
		verdict := "PASS"
		switch {
		case f.Failed > 0:
			verdict = "FAIL"
		case f.Run() == 0:
			verdict = "SKIP"
		}
		fmt.Fprintf(&b, "%s  %s  %d/%d (skipped %d)\n", verdict, f.File, f.Passed, f.Total, f.Skipped)
		listed := 0
		for _, c := range f.Cases {
			if c.Status != Failed {
				continue
			}
			if opts.MaxFailures >= 0 && listed >= opts.MaxFailures {
				break
			}
			listed++
			fmt.Fprintf(&b, "  FAIL %s: %s\n", shortName(f.File, c.Name), truncate(c.Reason, opts.MaxReason))
		}
		if more := f.Failed - listed; more > 0 && opts.MaxFailures != 0 {
			fmt.Fprintf(&b, "  ... and %d more failures (--verbose lists them all)\n", more)
		}
	}
	fmt.Fprintf(&b, "total: %s\n", summary(r.Counts))
	fmt.Fprintf(&b, "stateless: %s\n", summary(r.Stateless))
	_, err := io.WriteString(w, b.String())
	return err
}

// summary is "N passed, N failed, N skipped of N; pass rate P% of the N run".
func summary(c Counts) string {
	s := fmt.Sprintf("%d passed, %d failed, %d skipped of %d", c.Passed, c.Failed, c.Skipped, c.Total)
	if run := c.Run(); run > 0 {
		s += fmt.Sprintf("; pass rate %.1f%% of the %d run", 100*float64(c.Passed)/float64(run), run)
	}
	return s
}

// shortName drops the file part of a case name, which the file line
// above already shows.
func shortName(file, name string) string {
	return strings.TrimPrefix(name, strings.TrimSuffix(file, ".json")+" - ")
}

func truncate(s string, n int) string {
	if n <= 0 || len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "..."
}

// jsonReport is the shape of the --json output.
type jsonReport struct {
	Counts
	Stateless Counts     `json:"stateless"`
	Files     []jsonFile `json:"files"`
}

type jsonFile struct {
	File string `json:"file"`
	Counts
	Stateless Counts        `json:"stateless"`
	Failures  []jsonFailure `json:"failures,omitempty"`
}

type jsonFailure struct {
	Case   string `json:"case"`
	Reason string `json:"reason"`
}

// WriteJSON writes {"total":N,"passed":N,"failed":N,"skipped":N,
// "stateless":{...},"files":[{"file":...,"total":N,"passed":N,...}]};
// with failures set, each file also lists its failed cases and reasons.
func (r Report) WriteJSON(w io.Writer, failures bool) error {
	out := jsonReport{Counts: r.Counts, Stateless: r.Stateless, Files: []jsonFile{}}
	for _, f := range r.Files {
		jf := jsonFile{File: f.File, Counts: f.Counts, Stateless: f.Stateless}
		if failures {
			for _, c := range f.Cases {
				if c.Status == Failed {
					jf.Failures = append(jf.Failures, jsonFailure{Case: c.Name, Reason: c.Reason})
				}
			}
		}
		out.Files = append(out.Files, jf)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// WriteMarkdown writes the compatibility table of docs/compatibility.md:
// one row per file with its counts and pass rates (of all the cases run,
// and of the stateless ones), then a row of totals.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("| file | cases | skipped | run | passed | pass rate | stateless run | stateless passed | stateless rate |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	row := func(name string, c, s Counts) {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %s | %d | %d | %s |\n",
			name, c.Total, c.Skipped, c.Run(), c.Passed, rate(c), s.Run(), s.Passed, rate(s))
	}
	for _, f := range r.Files {
		row("`"+f.File+"`", f.Counts, f.Stateless)
	}
	row("**total**", r.Counts, r.Stateless)
	_, err := io.WriteString(w, b.String())
	return err
}

// rate is the pass rate of the cases run, "-" when none ran.
func rate(c Counts) string {
	if c.Run() == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(c.Passed)/float64(c.Run()))
}
