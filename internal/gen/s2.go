package gen

import (
	"math"
	"strconv"
)

// s2 makes video-ad tracking events as browsers and players send them.
// Events are emitted in arrival order; each one's event_time lags its
// arrival (Start + n/EventsPerSecond) by milliseconds to seconds, and now
// and then by minutes or hours (a browser that was offline), so event
// time is out of order. Most events come from in-app and connected-TV
// players, whose user agents are short, the rest from browsers; an event
// is about 280 bytes.
type s2 struct {
	tl      timeline
	r       rng
	n       uint64
	key     uint64 // seed-derived, makes ids differ between seeds
	ads     *alias
	sites   *alias
	lags    [lagSteps + 1]float64
	users   *zipf
	types   *picker
	uas     texts
	ips     ipPool
	domains []string
}

const (
	s2Ads   = 4000
	s2Sites = 400
	s2Users = 2_000_000
)

// s2Types are the tracking event types with their share of traffic:
// every player reports impression and start, fewer viewers reach each
// quartile, and clicks are rare.
var s2Types = []weighted{
	{"impression", 30}, {"start", 20}, {"firstQuartile", 14}, {"midpoint", 12},
	{"thirdQuartile", 10}, {"complete", 8}, {"pause", 3}, {"click", 1.5}, {"custom", 1.5},
}

// Indexes of s2Types that carry a price.
const (
	s2Impression = 0
	s2Click      = 7
)

func newS2(cfg Config) *s2 {
	g := &s2{
		tl:    newTimeline(cfg),
		r:     newRNG(cfg.Seed, 2),
		key:   mix64(uint64(cfg.Seed) ^ 0x5d2),
		ads:   newAlias(zipfWeights(s2Ads, 1.1)),
		sites: newAlias(zipfWeights(s2Sites, 1.0)),
		users: newZipf(s2Users, 1.0, s2Users/200),
		uas:   newTexts(scaled(playerUAs, 90), scaled(browserUAs, 10)),
		ips:   newIPPool(homeRanges),
	}
	w := make([]float64, len(s2Types))
	for i, t := range s2Types {
		w[i] = t.weight
	}
	g.types = newPicker(w)
	for i := 0; i < s2Sites; i++ {
		g.domains = append(g.domains, siteDomain(i))
	}
	for i := range g.lags {
		g.lags[i] = math.Exp(float64(i) / lagSteps * math.Log(10_000))
	}
	return g
}

const (
	msPerMinute = 60_000
	msPerHour   = 60 * msPerMinute
	sessionMs   = 30 * msPerMinute
)

// lag is how late an event arrives, in milliseconds: log-uniform from
// 1 ms to 10 s for 98.9% of events, 1 to 60 minutes for 1%, 1 to 6 hours
// for 0.1%.
func (g *s2) lag() int64 {
	p := g.r.float()
	switch {
	case p < 0.001:
		return msPerHour + int64(g.r.float()*5*msPerHour)
	case p < 0.011:
		return msPerMinute + int64(g.r.float()*59*msPerMinute)
	default:
		// Interpolated between 256 points of the curve: each step
		// spans under 4%, and no exponential is computed per event.
		x := g.r.float() * lagSteps
		i := int(x)
		return int64(g.lags[i] + (x-float64(i))*(g.lags[i+1]-g.lags[i]))
	}
}

// lagSteps is the number of pieces of the ms-to-seconds lag curve.
const lagSteps = 256

func (g *s2) Next(e *Event) {
	n := g.n
	g.n++
	arrival := g.tl.at(n)
	t := arrival - g.lag()
	typ := g.types.pick(&g.r)
	// Ranks are spread over the id space so that popular ads do not all
	// have small ids (7919 and 211 are coprime with the counts).
	ad := 10000 + g.ads.index(&g.r)*7919%s2Ads
	site := g.sites.index(&g.r) * 211 % s2Sites
	user := mixBits(uint64(g.users.index(&g.r))+g.key, 40)
	session := mix64(user ^ uint64(t/sessionMs))

	b := e.Value[:0]
	b = append(b, `{"event_id":"`...)
	b = appendHex(b, mixBits(n+g.key, 48), 12)
	b = append(b, `","type":"`...)
	b = append(b, s2Types[typ].text...)
	b = append(b, `","ad_id":`...)
	b = strconv.AppendInt(b, int64(ad), 10)
	b = append(b, `,"website_id":`...)
	b = strconv.AppendInt(b, int64(100+site), 10)
	b = append(b, `,"user_id":"`...)
	b = appendHex(b, user, 10)
	b = append(b, `","session_id":"`...)
	b = appendHex(b, session, 8)
	b = append(b, `","event_time":`...)
	b = strconv.AppendInt(b, t, 10)
	b = append(b, `,"ip":"`...)
	b = appendIPv4(b, g.ips.at(mix64(user+1)))
	b = append(b, `","ua":"`...)
	b = append(b, g.uas.at(mix64(user+2))...)
	b = append(b, `","url":"https://`...)
	b = append(b, g.domains[site]...)
	b = append(b, "/v/"...)
	b = strconv.AppendInt(b, int64(g.r.between(1000, 99999)), 10)
	b = append(b, '"')
	switch typ {
	case s2Impression: // CPM of $2 to $25, per impression
		b = append(b, `,"price":`...)
		b = appendDecimal(b, int64(g.r.between(20, 250)), 4)
	case s2Click:
		b = append(b, `,"price":`...)
		b = appendDecimal(b, int64(g.r.between(500, 25000)), 4)
	}
	b = append(b, '}')
	e.Value = b
	e.Key = nil
	e.Time = t
}
