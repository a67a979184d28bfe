package gen

import (
	"math"
	"strconv"
)

// s1 makes the partial updates of lead-management requests. A request's
// first event carries everything known about it; each later one only what
// changed: counters as "+N" (now and then a "-N" correction), an uptick,
// a new price. A request receives 3 to 8 events, spaced by random gaps of
// mean 20 s of event time, or 2^20 events when that is fewer (so that
// under a million requests are open at once): a request lives for about a
// minute, often several. A young stream uses shorter gaps, so that even a
// short run shows requests with several events.
//
// Pending follow-ups wait in a timing wheel: bucket i holds the requests
// due during events [i*span, (i+1)*span), and a follow-up comes due in a
// later bucket than the current one. Each event either serves the next
// due request or, when none is due, opens a new one, so the share of
// first events settles by itself at about one in five.
type s1 struct {
	tl      timeline
	r       rng
	n       uint64
	key     uint64
	nextReq uint64
	meanGap float64 // events between a request's events, in the long run
	shift   uint    // log2 of the events per bucket
	wheel   [][]uint64
	due     []uint64 // requests due now, served from cursor on
	cursor  int
	bucket  uint64 // the bucket due now
	domains *zipf
	names   []string
	uas     texts
	home    ipPool
	cloud   ipPool
}

// A pending request is packed in a uint64: its sequence number above bit
// 8, bit 7 set once it had its "-N" correction, and its remaining events
// in the low 7 bits.
const (
	s1Corrected = 1 << 7
	s1LeftMask  = 1<<7 - 1
	s1Buckets   = 1 << 16
	s1Domains   = 200
)

func newS1(cfg Config) *s1 {
	tl := newTimeline(cfg)
	g := &s1{
		tl:      tl,
		r:       newRNG(cfg.Seed, 1),
		key:     mix64(uint64(cfg.Seed) ^ 0x5d1),
		nextReq: 1,
		meanGap: math.Min(float64(tl.eventsIn(20e9)), 1<<20),
		wheel:   make([][]uint64, s1Buckets),
		domains: newZipf(s1Domains, 0.9, 0),
		uas:     newTexts(scaled(browserUAs, 95), scaled(botUAs, 5)),
		home:    newIPPool(homeRanges),
		cloud:   newIPPool(cloudRanges),
	}
	// Gaps are capped at 8 means; the wheel must reach that far.
	for (uint64(1)<<g.shift)*(s1Buckets-2) < uint64(8*g.meanGap)+1 {
		g.shift++
	}
	for i := 0; i < s1Domains; i++ {
		g.names = append(g.names, siteDomain(i*2+1))
	}
	return g
}

func (g *s1) Next(e *Event) {
	n := g.n
	g.n++
	for cur := n >> g.shift; g.bucket < cur; {
		g.bucket++
		slot := g.bucket % s1Buckets
		g.due = append(g.due[:0], g.due[g.cursor:]...)
		g.cursor = 0
		g.due = append(g.due, g.wheel[slot]...)
		g.wheel[slot] = g.wheel[slot][:0]
	}
	t := g.tl.at(n)
	e.Time = t
	if g.cursor < len(g.due) {
		p := g.due[g.cursor]
		g.cursor++
		p = g.update(e, p)
		if p&s1LeftMask > 0 {
			g.schedule(n, p)
		}
		return
	}
	req := g.nextReq
	g.nextReq++
	g.first(e, req)
	g.schedule(n, req<<8|uint64(g.r.between(2, 7)))
}

// schedule files pending request p to come due after a random gap, whose
// mean grows with the stream's age up to meanGap.
func (g *s1) schedule(n uint64, p uint64) {
	mean := math.Min(g.meanGap, 64+float64(n)/16)
	gap := -math.Log(1-g.r.float()) * mean
	if gap > 8*mean {
		gap = 8 * mean
	}
	b := max((n+1+uint64(gap))>>g.shift, g.bucket+1)
	slot := b % s1Buckets
	g.wheel[slot] = append(g.wheel[slot], p)
}

// appendID writes request req's id: 12 base-36 characters, distinct for
// every request of a seed (36^12 > 2^61).
func (g *s1) appendID(b []byte, req uint64) []byte {
	return appendBase36(b, mixBits(req+g.key, 61), 12)
}

func (g *s1) first(e *Event, req uint64) {
	h := mix64(req ^ g.key)
	e.Key = g.appendID(e.Key[:0], req)
	b := e.Value[:0]
	b = append(b, `{"id":"`...)
	b = append(b, e.Key...)
	b = append(b, `","source":`...)
	b = strconv.AppendInt(b, int64(1+h%9), 10)
	// Browsers come first in uas; crawlers and scripts come from data
	// centres.
	ua := g.uas.p.at(mix64(h + 1))
	ip := g.home.at(mix64(h + 2))
	if ua >= len(browserUAs) {
		ip = g.cloud.at(mix64(h + 2))
	}
	b = append(b, `,"ipaddress":"`...)
	b = appendIPv4(b, ip)
	b = append(b, `","useragent":"`...)
	b = append(b, g.uas.list[ua]...)
	b = append(b, `","domain":"`...)
	b = append(b, g.names[g.domains.index(&g.r)]...)
	b = append(b, `","clicks":"+`...)
	b = strconv.AppendInt(b, int64(g.r.intn(3)), 10)
	b = append(b, `","impressions":"+`...)
	b = strconv.AppendInt(b, int64(g.r.between(1, 10)), 10)
	b = append(b, `","price":`...)
	b = appendDecimal(b, int64(g.r.between(50, 999)), 2)
	e.Value = append(b, '}')
}

// update writes a follow-up of pending request p and returns p with one
// event fewer to come.
func (g *s1) update(e *Event, p uint64) uint64 {
	e.Key = g.appendID(e.Key[:0], p>>8)
	b := e.Value[:0]
	b = append(b, `{"id":"`...)
	b = append(b, e.Key...)
	b = append(b, '"')
	switch x := g.r.float(); {
	case x < 0.40:
		b = append(b, `,"clicks":"+`...)
		b = strconv.AppendInt(b, int64(g.r.between(1, 3)), 10)
		b = append(b, `","impressions":"+`...)
		b = strconv.AppendInt(b, int64(g.r.between(1, 6)), 10)
		b = append(b, '"')
	case x < 0.65:
		b = append(b, `,"impressions":"+`...)
		b = strconv.AppendInt(b, int64(g.r.between(1, 8)), 10)
		b = append(b, '"')
	case x < 0.75:
		b = append(b, `,"clicks":"+`...)
		b = strconv.AppendInt(b, int64(g.r.between(1, 2)), 10)
		b = append(b, '"')
	case x < 0.85:
		b = append(b, `,"impressions":"+`...)
		b = strconv.AppendInt(b, int64(g.r.between(1, 4)), 10)
		b = append(b, `","uptick":`...)
		b = appendDecimal(b, int64(g.r.between(50, 999)), 2)
	case x < 0.93:
		b = append(b, `,"price":`...)
		b = appendDecimal(b, int64(g.r.between(50, 999)), 2)
	case p&s1Corrected == 0:
		// One correction per request, of a single impression: the
		// first event counted at least one, so the total stays >= 0.
		p |= s1Corrected
		b = append(b, `,"impressions":"-1"`...)
	default:
		b = append(b, `,"impressions":"+1"`...)
	}
	e.Value = append(b, '}')
	return p - 1
}
