package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"
	"text/tabwriter"

	"github.com/sluicedata/sluice/internal/bench"
)

func benchCommand() command {
	return command{
		name:    "bench",
		summary: "run benchmark workloads and print throughput, latency and peak RSS",
		run:     runBench,
	}
}

const benchDescription = `
Runs each named workload in this process, one after the other, each in its
own temporary data directory (removed afterwards), and prints:

  - throughput: events/s (and MB/s) of an unthrottled run of --records events;
  - an in-run reference measured in the same process during the same run
    (for example raw file writes of the same bytes), and the ratio of the
    throughput to it, which stays meaningful on a noisy machine;
  - latency: p50, p99 and p99.9 end-to-end latency of a second phase fed at
    --rate events/s for --latency-duration, measured from each event's
    scheduled time;
  - the peak resident set size of the process during the workload.

'all' runs every workload. 'sluice bench --list' names them.

Example:
  sluice bench --json log-append log-read`

func runBench(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet(io, "bench", "bench [flags] WORKLOAD...", benchDescription)
	asJSON := fs.Bool("json", false, "print one JSON object per workload, one per line")
	list := fs.Bool("list", false, "list the workloads and exit")
	rate := fs.Int("rate", bench.DefaultRate, "events per second fed during the latency phase")
	latencyDur := fs.Duration("latency-duration", bench.DefaultLatencyDuration, "how long the latency phase lasts")
	records := fs.Int64("records", 0, "events of the throughput phase (default: the workload's own, 5000000 for the log, 2000000 for HTTP ingest)")
	duration := fs.Duration("duration", 0, "when set, end the throughput phase after this long even if --records are not done")
	partitions := fs.Int("partitions", 1, "log partitions written in parallel, one goroutine each (log workloads)")
	connections := fs.Int("connections", 4, "concurrent HTTP clients (ingest workloads)")
	dir := fs.String("dir", "", "parent of the workloads' temporary data directories (default: the system's temp dir)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (read it with go tool pprof)")
	var stateCache byteSize
	fs.Var(&stateCache, "state-cache-bytes", "the engine's state cache, as sluice server's flag (rollup-memory); default: the server's default")
	if err := parseFlags(fs, io, args); err != nil {
		return err
	}
	// Let flags follow workload names too: `sluice bench log-append --json`.
	var names []string
	for fs.NArg() > 0 {
		names = append(names, fs.Arg(0))
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError("%v", err)
		}
	}

	if *list {
		return listWorkloads(io.Stdout)
	}
	if len(names) == 0 {
		return usageError("name at least one workload (%s), or 'all'", strings.Join(bench.Names(), ", "))
	}
	var workloads []bench.Workload
	for _, n := range names {
		if n == "all" {
			workloads = append(workloads, bench.Workloads()...)
			continue
		}
		w, ok := bench.Lookup(n)
		if !ok {
			return usageError("unknown workload %q: choose from %s, or 'all'", n, strings.Join(bench.Names(), ", "))
		}
		workloads = append(workloads, w)
	}
	switch {
	case *rate <= 0:
		return usageError("--rate must be positive, got %d", *rate)
	case *latencyDur <= 0:
		return usageError("--latency-duration must be positive, got %s", *latencyDur)
	case *records < 0:
		return usageError("--records must not be negative, got %d", *records)
	case *duration < 0:
		return usageError("--duration must not be negative, got %s", *duration)
	case *partitions < 1:
		return usageError("--partitions must be at least 1, got %d", *partitions)
	case *connections < 1:
		return usageError("--connections must be at least 1, got %d", *connections)
	}

	opts := bench.Options{
		Parent: *dir,
		Env: bench.Env{
			Records:         *records,
			Duration:        *duration,
			Rate:            *rate,
			LatencyDuration: *latencyDur,
			Partitions:      *partitions,
			Connections:     *connections,
			StateCacheBytes: int64(stateCache),
		},
	}
	if isTerminal(io.Stderr) {
		opts.ProgressTo = io.Stderr
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for i, w := range workloads {
		rep, err := bench.Run(ctx, w, opts)
		if err != nil {
			return err
		}
		if *asJSON {
			err = rep.WriteJSON(io.Stdout)
		} else {
			if i > 0 {
				fmt.Fprintln(io.Stdout)
			}
			err = rep.WriteText(io.Stdout)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func listWorkloads(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, wl := range bench.Workloads() {
		fmt.Fprintf(tw, "%s\t%s\n", wl.Name, wl.Description)
	}
	return tw.Flush()
}

// isTerminal says whether w is a terminal, where a progress line that
// rewrites itself is welcome.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
