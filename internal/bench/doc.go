// Package bench owns the workloads of `sluice bench` and what they share:
// the registry of workloads, a log-bucketed latency histogram, a pacer that
// feeds a latency phase at a fixed rate, the peak-RSS probe and the report
// printed per workload.
//
// Each workload runs twice in the same process: unthrottled, for its
// throughput, then paced at Env.Rate, for its end-to-end latency, measured
// from each event's scheduled time so that a stall is charged to every
// event that waited behind it. Beside the throughput it measures, in the
// same run, a reference that bounds it on this machine (raw file writes of
// the same bytes, a checksummed read of the same files, JSON validation of
// the same request bodies), so that the ratio of the two can be trusted on
// a noisy machine where the absolute figures cannot.
//
//	w, _ := bench.Lookup("log-append")
//	rep, err := bench.Run(ctx, w, bench.Options{Env: bench.Env{Records: 1_000_000}})
//	rep.WriteText(os.Stdout) // events/s, p50/p99/p99.9, peak RSS, reference and ratio
//
// A new workload is a function returning a Workload, added to Workloads.
package bench
