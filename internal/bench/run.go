package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// Options say how Run runs a workload.
type Options struct {
	// Parent is where the workload's temporary data directory is made;
	// empty means os.TempDir().
	Parent string
	// Env is passed to the workload, with Dir and Progress filled in.
	Env Env
	// ProgressTo, when set, receives a progress line rewritten in place
	// (a terminal's stderr).
	ProgressTo io.Writer
	// ProgressEvery is how often the progress line is rewritten; 0 is
	// every 250 ms.
	ProgressEvery time.Duration
}

// Run runs one workload in a fresh temporary directory, which it removes
// afterwards, and measures the process's peak RSS during it.
func Run(ctx context.Context, w Workload, opts Options) (Report, error) {
	parent := opts.Parent
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "sluice-bench-"+w.Name+"-")
	if err != nil {
		return Report{}, fmt.Errorf("bench: cannot create a data directory for %s (choose another parent with --dir): %w", w.Name, err)
	}
	defer os.RemoveAll(dir)

	env := opts.Env
	env.Dir = dir
	env.Progress = &Progress{}
	stop := showProgress(opts.ProgressTo, opts.ProgressEvery, w.Name, env.Progress)

	resetErr := ResetPeakRSS()
	res, err := w.Run(ctx, env)
	peak, rssErr := PeakRSS()
	stop()
	if err != nil {
		return Report{}, fmt.Errorf("bench: %s: %w", w.Name, err)
	}
	rep := newReport(w.Name, res)
	rep.PeakRSSBytes = peak
	switch {
	case rssErr != nil:
		rep.Notes = append(rep.Notes, "peak RSS unknown: "+rssErr.Error())
	case resetErr != nil:
		rep.RSSSinceStart = true
		rep.Notes = append(rep.Notes, "peak RSS is the process's since it started, not this workload's: "+resetErr.Error())
	}
	return rep, nil
}

// showProgress rewrites a progress line on w until the returned function
// is called, which erases it.
func showProgress(w io.Writer, every time.Duration, name string, p *Progress) (stop func()) {
	if w == nil {
		return func() {}
	}
	if every <= 0 {
		every = 250 * time.Millisecond
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				phase, n, total := p.Snapshot()
				if phase == "" {
					continue
				}
				line := fmt.Sprintf("%s: %s %s", name, phase, humanCount(float64(n)))
				if total > 0 {
					line += fmt.Sprintf(" / %s (%d%%)", humanCount(float64(total)), 100*n/total)
				}
				fmt.Fprint(w, "\r\033[K"+line)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
