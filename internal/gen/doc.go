// Package gen makes the events of the scenario pipelines (S1 request
// merge, S2 video-ad tracking, S5 audience segmentation) and of the Nexmark
// benchmark, as JSON, deterministically: the same workload, seed, start and
// event rate always give byte-identical events, on any run.
//
// Event time is synthetic: event n is stamped Start + n/EventsPerSecond
// (minus the workload's own lateness for S2), never the wall clock, so the
// generators run as fast as the caller reads them. Generators reuse the
// caller's buffers and allocate nothing per event once those have grown.
//
//	g, err := gen.New("s2", gen.Config{Seed: 7})
//	if err != nil {
//		return err
//	}
//	var e gen.Event
//	for i := 0; i < 1000; i++ {
//		g.Next(&e)
//		w.Write(e.Value) // one JSON object, no trailing newline
//	}
package gen
