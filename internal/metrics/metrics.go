// Package metrics keeps counters, gauges and histograms and writes them in
// the Prometheus text exposition format. It is small on purpose: hot paths
// resolve a labelled child once and then add with one atomic operation.
//
//	reg := metrics.NewRegistry()
//	appended := reg.Counter("sluice_log_records_appended_total", "Records appended.", "topic")
//	appended.With("events").Add(1000)
//	reg.WriteText(w)
package metrics

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Registry holds metric families in registration order.
type Registry struct {
	mu       sync.Mutex
	families []family
	names    map[string]bool
}

type family interface {
	write(w io.Writer) error
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]bool{}} }

func (r *Registry) register(name string, f family) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		panic("metrics: duplicate metric " + name)
	}
	r.names[name] = true
	r.families = append(r.families, f)
}

// WriteText writes every metric in the Prometheus text format (version 0.0.4).
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	fams := append([]family(nil), r.families...)
	r.mu.Unlock()
	for _, f := range fams {
		if err := f.write(w); err != nil {
			return err
		}
	}
	return nil
}

// ContentType is the media type of WriteText's output.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// vec is the labelled-children machinery shared by every metric kind.
type vec[T any] struct {
	name, help, kind string
	labels           []string
	mu               sync.RWMutex
	children         map[string]*child[T]
	newT             func() *T
}

type child[T any] struct {
	values []string
	m      *T
}

func (v *vec[T]) with(values []string) *T {
	if len(values) != len(v.labels) {
		panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", v.name, len(v.labels), len(values)))
	}
	key := strings.Join(values, "\xff")
	v.mu.RLock()
	c := v.children[key]
	v.mu.RUnlock()
	if c != nil {
		return c.m
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if c = v.children[key]; c == nil {
		c = &child[T]{values: append([]string(nil), values...), m: v.newT()}
		v.children[key] = c
	}
	return c.m
}

// sorted returns the children in label order, for stable output.
func (v *vec[T]) sorted() []*child[T] {
	v.mu.RLock()
	out := make([]*child[T], 0, len(v.children))
	for _, c := range v.children {
		out = append(out, c)
	}
	v.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		return strings.Join(out[i].values, "\xff") < strings.Join(out[j].values, "\xff")
	})
	return out
}

func (v *vec[T]) header(w io.Writer) error {
	_, err := fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", v.name, escapeHelp(v.help), v.name, v.kind)
	return err
}

// Counter is a monotonically increasing count.
type Counter struct{ n atomic.Uint64 }

// Add adds n.
func (c *Counter) Add(n uint64) { c.n.Add(n) }

// Inc adds one.
func (c *Counter) Inc() { c.n.Add(1) }

// Value returns the current count.
func (c *Counter) Value() uint64 { return c.n.Load() }

// CounterVec is a counter family with labels.
type CounterVec struct{ v *vec[Counter] }

// Counter registers a counter family.
func (r *Registry) Counter(name, help string, labels ...string) *CounterVec {
	cv := &CounterVec{&vec[Counter]{name: name, help: help, kind: "counter", labels: labels, children: map[string]*child[Counter]{}, newT: func() *Counter { return new(Counter) }}}
	r.register(name, cv)
	return cv
}

// With returns the counter for the label values; keep it for hot paths.
func (cv *CounterVec) With(values ...string) *Counter { return cv.v.with(values) }

func (cv *CounterVec) write(w io.Writer) error {
	if err := cv.v.header(w); err != nil {
		return err
	}
	for _, c := range cv.v.sorted() {
		if _, err := fmt.Fprintf(w, "%s%s %d\n", cv.v.name, labelText(cv.v.labels, c.values, "", ""), c.m.Value()); err != nil {
			return err
		}
	}
	return nil
}

// Gauge is a value that goes up and down.
type Gauge struct{ bits atomic.Uint64 }

// Set sets the value.
func (g *Gauge) Set(x float64) { g.bits.Store(math.Float64bits(x)) }

// Add adds x (which may be negative).
func (g *Gauge) Add(x float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+x)) {
			return
		}
	}
}

// Value returns the current value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

// GaugeVec is a gauge family with labels.
type GaugeVec struct{ v *vec[Gauge] }

// Gauge registers a gauge family.
func (r *Registry) Gauge(name, help string, labels ...string) *GaugeVec {
	gv := &GaugeVec{&vec[Gauge]{name: name, help: help, kind: "gauge", labels: labels, children: map[string]*child[Gauge]{}, newT: func() *Gauge { return new(Gauge) }}}
	r.register(name, gv)
	return gv
}

// With returns the gauge for the label values.
func (gv *GaugeVec) With(values ...string) *Gauge { return gv.v.with(values) }

func (gv *GaugeVec) write(w io.Writer) error {
	if err := gv.v.header(w); err != nil {
		return err
	}
	for _, c := range gv.v.sorted() {
		if _, err := fmt.Fprintf(w, "%s%s %s\n", gv.v.name, labelText(gv.v.labels, c.values, "", ""), formatFloat(c.m.Value())); err != nil {
			return err
		}
	}
	return nil
}

// GaugeFunc registers a gauge family whose values are computed at scrape
// time: collect calls emit once per series. Use it for values another
// component already knows, such as the size of the log.
func (r *Registry) GaugeFunc(name, help string, labels []string, collect func(emit func(value float64, labelValues ...string))) {
	r.register(name, gaugeFunc{name, help, labels, collect})
}

type gaugeFunc struct {
	name, help string
	labels     []string
	collect    func(emit func(float64, ...string))
}

func (g gaugeFunc) write(w io.Writer) error {
	type series struct {
		labels string
		value  float64
	}
	var all []series
	g.collect(func(v float64, values ...string) {
		if len(values) != len(g.labels) {
			panic(fmt.Sprintf("metrics: %s takes %d label values, got %d", g.name, len(g.labels), len(values)))
		}
		all = append(all, series{labelText(g.labels, values, "", ""), v})
	})
	sort.Slice(all, func(i, j int) bool { return all[i].labels < all[j].labels })
	if _, err := fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", g.name, escapeHelp(g.help), g.name); err != nil {
		return err
	}
	for _, s := range all {
		if _, err := fmt.Fprintf(w, "%s%s %s\n", g.name, s.labels, formatFloat(s.value)); err != nil {
			return err
		}
	}
	return nil
}

// Histogram counts observations into cumulative buckets.
type Histogram struct {
	upper  []float64
	counts []atomic.Uint64 // one per bucket, plus +Inf
	sum    Gauge
}

// Observe records one value.
func (h *Histogram) Observe(x float64) {
	i := sort.SearchFloat64s(h.upper, x) // first bucket with upper >= x
	h.counts[i].Add(1)
	h.sum.Add(x)
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 {
	var n uint64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// HistogramVec is a histogram family with labels.
type HistogramVec struct{ v *vec[Histogram] }

// ExponentialBuckets returns n upper bounds start, start*factor, ...
func ExponentialBuckets(start, factor float64, n int) []float64 {
	b := make([]float64, n)
	for i := range b {
		b[i] = start * math.Pow(factor, float64(i))
	}
	return b
}

// Histogram registers a histogram family with the given bucket upper
// bounds (sorted ascending).
func (r *Registry) Histogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	if !sort.Float64sAreSorted(buckets) {
		panic("metrics: buckets of " + name + " are not sorted")
	}
	upper := append([]float64(nil), buckets...)
	hv := &HistogramVec{&vec[Histogram]{name: name, help: help, kind: "histogram", labels: labels, children: map[string]*child[Histogram]{},
		newT: func() *Histogram { return &Histogram{upper: upper, counts: make([]atomic.Uint64, len(upper)+1)} }}}
	r.register(name, hv)
	return hv
}

// With returns the histogram for the label values.
func (hv *HistogramVec) With(values ...string) *Histogram { return hv.v.with(values) }

func (hv *HistogramVec) write(w io.Writer) error {
	if err := hv.v.header(w); err != nil {
		return err
	}
	name := hv.v.name
	for _, c := range hv.v.sorted() {
		var cum uint64
		for i := range c.m.counts {
			cum += c.m.counts[i].Load()
			le := "+Inf"
			if i < len(c.m.upper) {
				le = formatFloat(c.m.upper[i])
			}
			if _, err := fmt.Fprintf(w, "%s_bucket%s %d\n", name, labelText(hv.v.labels, c.values, "le", le), cum); err != nil {
				return err
			}
		}
		lt := labelText(hv.v.labels, c.values, "", "")
		if _, err := fmt.Fprintf(w, "%s_sum%s %s\n%s_count%s %d\n", name, lt, formatFloat(c.m.sum.Value()), name, lt, cum); err != nil {
			return err
		}
	}
	return nil
}

// labelText renders {a="x",b="y"}, with an extra label appended when
// extraName is set (the histogram's le).
func labelText(names, values []string, extraName, extraValue string) string {
	if len(names) == 0 && extraName == "" {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(escapeLabel(values[i]))
		b.WriteByte('"')
	}
	if extraName != "" {
		if len(names) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(extraName)
		b.WriteString(`="`)
		b.WriteString(extraValue)
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }

func formatFloat(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "+Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	case math.IsNaN(x):
		return "NaN"
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}
