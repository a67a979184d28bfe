package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Report is one workload's figures as `sluice bench` prints them; its JSON
// form is the one line per workload of `sluice bench --json`. Rates are per
// second; MB are 10^6 bytes.
type Report struct {
	Workload     string  `json:"workload"`
	Events       int64   `json:"events"`
	DurationSec  float64 `json:"duration_sec"`
	EventsPerSec float64 `json:"events_per_sec"`
	MBPerSec     float64 `json:"mb_per_sec"`
	// ThroughputDetail says how the throughput phase ran.
	ThroughputDetail string `json:"throughput_detail,omitempty"`

	P50Ms              float64  `json:"p50_ms"`
	P99Ms              float64  `json:"p99_ms"`
	P999Ms             float64  `json:"p999_ms"`
	MaxMs              float64  `json:"max_ms"`
	LatencyRate        int      `json:"latency_rate"`
	LatencyEvents      int64    `json:"latency_events"`
	LatencyDurationSec float64  `json:"latency_duration_sec"`
	PeakRSSBytes       int64    `json:"peak_rss_bytes"`
	RSSSinceStart      bool     `json:"peak_rss_since_process_start,omitempty"`
	ReferenceName      string   `json:"reference_name"`
	ReferencePerSec    float64  `json:"reference_per_sec"`
	ReferenceMBPerSec  float64  `json:"reference_mb_per_sec"`
	ReferenceDetail    string   `json:"reference_detail,omitempty"`
	Ratio              float64  `json:"ratio"`
	OtherReferences    []Other  `json:"other_references,omitempty"`
	Notes              []string `json:"notes,omitempty"`
}

// Other is a further in-run reference and the workload's ratio to it.
type Other struct {
	Name     string  `json:"name"`
	PerSec   float64 `json:"per_sec"`
	MBPerSec float64 `json:"mb_per_sec"`
	Ratio    float64 `json:"ratio"`
	Detail   string  `json:"detail,omitempty"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 } // µs precision

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return math.Round(a/b*1000) / 1000
}

func newReport(name string, r Result) Report {
	t := r.Throughput
	rep := Report{
		Workload:           name,
		Events:             t.Events,
		DurationSec:        t.Elapsed.Seconds(),
		EventsPerSec:       math.Round(t.PerSec()),
		MBPerSec:           math.Round(t.MBPerSec()*10) / 10,
		ThroughputDetail:   t.Detail,
		LatencyRate:        r.LatencyRate,
		LatencyDurationSec: r.LatencyElapsed.Seconds(),
		ReferenceName:      r.Reference.Name,
		ReferencePerSec:    math.Round(r.Reference.PerSec()),
		ReferenceMBPerSec:  math.Round(r.Reference.MBPerSec()*10) / 10,
		ReferenceDetail:    r.Reference.Detail,
		Ratio:              ratio(t.PerSec(), r.Reference.PerSec()),
		Notes:              r.Notes,
	}
	if h := r.Latency; h != nil {
		rep.P50Ms = ms(h.Quantile(0.50))
		rep.P99Ms = ms(h.Quantile(0.99))
		rep.P999Ms = ms(h.Quantile(0.999))
		rep.MaxMs = ms(h.Max())
		rep.LatencyEvents = h.Count()
	}
	for _, o := range r.Others {
		rep.OtherReferences = append(rep.OtherReferences, Other{
			Name:     o.Name,
			PerSec:   math.Round(o.PerSec()),
			MBPerSec: math.Round(o.MBPerSec()*10) / 10,
			Ratio:    ratio(t.PerSec(), o.PerSec()),
			Detail:   o.Detail,
		})
	}
	return rep
}

// WriteJSON writes the report as one line of JSON.
func (r Report) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// WriteText writes the report for a person to read: one aligned line per
// figure, the in-run references under the throughput they bound.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", r.Workload)
	row := func(label, rate, mb, rest string) {
		fmt.Fprintf(&b, "  %-12s %14s %12s   %s\n", label, rate, mb, rest)
	}
	mbs := func(v float64) string {
		if v <= 0 {
			return ""
		}
		return fmt.Sprintf("%.1f MB/s", v)
	}
	row("throughput", humanCount(r.EventsPerSec)+" ev/s", mbs(r.MBPerSec),
		fmt.Sprintf("%s events in %.2f s%s", groupDigits(r.Events), r.DurationSec, paren(r.ThroughputDetail)))
	row("reference", humanCount(r.ReferencePerSec)+" ev/s", mbs(r.ReferenceMBPerSec),
		fmt.Sprintf("ratio %.3f  %s%s", r.Ratio, r.ReferenceName, paren(r.ReferenceDetail)))
	for _, o := range r.OtherReferences {
		row("", humanCount(o.PerSec)+" ev/s", mbs(o.MBPerSec),
			fmt.Sprintf("ratio %.3f  %s%s", o.Ratio, o.Name, paren(o.Detail)))
	}
	if r.LatencyEvents > 0 {
		fmt.Fprintf(&b, "  %-12s p50 %s  p99 %s  p99.9 %s  max %s   (%s events at %s ev/s for %.1f s)\n", "latency",
			fmtMs(r.P50Ms), fmtMs(r.P99Ms), fmtMs(r.P999Ms), fmtMs(r.MaxMs),
			groupDigits(r.LatencyEvents), groupDigits(int64(r.LatencyRate)), r.LatencyDurationSec)
	}
	rss := fmt.Sprintf("%.1f MiB", float64(r.PeakRSSBytes)/(1<<20))
	if r.RSSSinceStart {
		rss += " (since process start)"
	}
	fmt.Fprintf(&b, "  %-12s %s\n", "peak RSS", rss)
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  %-12s %s\n", "note", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

func fmtMs(v float64) string {
	switch {
	case v < 1:
		return fmt.Sprintf("%.3f ms", v)
	case v < 100:
		return fmt.Sprintf("%.2f ms", v)
	default:
		return fmt.Sprintf("%.0f ms", v)
	}
}

// humanCount prints a count with a k/M/G suffix and three significant digits.
func humanCount(v float64) string {
	unit, div := "", 1.0
	switch {
	case v >= 999.5e6:
		unit, div = "G", 1e9
	case v >= 999.5e3:
		unit, div = "M", 1e6
	case v >= 999.5:
		unit, div = "k", 1e3
	}
	x := v / div
	switch {
	case div == 1 || x >= 99.95:
		return fmt.Sprintf("%.0f%s", x, unit)
	case x >= 9.995:
		return fmt.Sprintf("%.1f%s", x, unit)
	default:
		return fmt.Sprintf("%.2f%s", x, unit)
	}
}

// groupDigits prints n with thousands separators: 5,000,000.
func groupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
