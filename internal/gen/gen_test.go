package gen

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"
)

func mustNew(t testing.TB, name string, cfg Config) Generator {
	t.Helper()
	g, err := New(name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// digest hashes n events (key, value, time) of a generator.
func digest(g Generator, n int) [32]byte {
	h := sha256.New()
	var e Event
	for i := 0; i < n; i++ {
		g.Next(&e)
		fmt.Fprintf(h, "%q %q %d\n", e.Key, e.Value, e.Time)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func TestSameSeedSameBytes(t *testing.T) {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, w := range Workloads() {
		t.Run(w.Name, func(t *testing.T) {
			cfg := Config{Seed: 42, Start: start, EventsPerSecond: 5000}
			a := digest(mustNew(t, w.Name, cfg), 30_000)
			b := digest(mustNew(t, w.Name, cfg), 30_000)
			if a != b {
				t.Fatal("two generators with the same config differ")
			}
			cfg.Seed = 43
			if c := digest(mustNew(t, w.Name, cfg), 30_000); c == a {
				t.Fatal("seeds 42 and 43 give the same events")
			}
		})
	}
}

func TestStartAndSpacing(t *testing.T) {
	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	// s1 and s5 stamp event n exactly Start + n/EventsPerSecond.
	for _, name := range []string{"s1", "s5", "nexmark"} {
		g := mustNew(t, name, Config{Seed: 1, Start: start, EventsPerSecond: 250})
		var e Event
		for i := 0; i < 1000; i++ {
			g.Next(&e)
			if want := start.UnixMilli() + int64(i)*4; e.Time != want {
				t.Fatalf("%s: event %d at %d, want %d", name, i, e.Time, want)
			}
		}
	}
	g := mustNew(t, "s1", Config{})
	var e Event
	g.Next(&e)
	if e.Time != DefaultStart().UnixMilli() {
		t.Fatalf("zero Start: first event at %d, want %d", e.Time, DefaultStart().UnixMilli())
	}
}

func TestUnknownWorkload(t *testing.T) {
	_, err := New("s9", Config{})
	if err == nil || !strings.Contains(err.Error(), "s1, s2, s5, nexmark") {
		t.Fatalf("error %v does not list the workloads", err)
	}
	if _, err := New("s2", Config{EventsPerSecond: -1}); err == nil {
		t.Fatal("negative rate accepted")
	}
}

// decode parses every event of a workload and checks the JSON is valid,
// that Key is the key field and that Time is the event's time field.
func decode(t *testing.T, name string, n int, check func(i int, e *Event, m map[string]any)) {
	t.Helper()
	w, _ := LookupWorkload(name)
	g := mustNew(t, name, Config{Seed: 7})
	var e Event
	for i := 0; i < n; i++ {
		g.Next(&e)
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(e.Value))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatalf("%s event %d is not JSON: %v\n%s", name, i, err, e.Value)
		}
		if w.KeyField != "" {
			if k, _ := m[w.KeyField].(string); k != string(e.Key) {
				t.Fatalf("%s event %d: Key %q, field %s %q", name, i, e.Key, w.KeyField, k)
			}
		} else if e.Key != nil {
			t.Fatalf("%s event %d has a key", name, i)
		}
		check(i, &e, m)
	}
}

func num(t *testing.T, v any) float64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	f, err := n.Float64()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestS1Requests(t *testing.T) {
	type req struct {
		events      int
		first, last int64
		impressions int
	}
	reqs := map[string]*req{}
	firsts := 0
	const n = 200_000
	decode(t, "s1", n, func(i int, e *Event, m map[string]any) {
		id := m["id"].(string)
		if len(id) != 12 || strings.Trim(id, "0123456789abcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("id %q is not 12 base-36 characters", id)
		}
		r := reqs[id]
		if _, full := m["useragent"]; full {
			if r != nil {
				t.Fatalf("request %s has two first events", id)
			}
			firsts++
			r = &req{first: e.Time}
			reqs[id] = r
			for _, f := range []string{"source", "ipaddress", "domain", "clicks", "impressions", "price"} {
				if m[f] == nil {
					t.Fatalf("first event lacks %s: %s", f, e.Value)
				}
			}
			if _, err := netip.ParseAddr(m["ipaddress"].(string)); err != nil {
				t.Fatal(err)
			}
		} else if r == nil {
			t.Fatalf("update before the first event of %s: %s", id, e.Value)
		} else if len(m) < 2 || m["source"] != nil || m["domain"] != nil {
			t.Fatalf("update is not partial: %s", e.Value)
		}
		for _, f := range []string{"clicks", "impressions"} {
			if v, ok := m[f]; ok {
				s := v.(string)
				if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
					t.Fatalf("%s is %q, want +N or -N", f, s)
				}
				if f == "impressions" {
					var d int
					fmt.Sscan(s, &d)
					r.impressions += d
					if r.impressions < 0 {
						t.Fatalf("request %s has negative impressions", id)
					}
				}
			}
		}
		r.events++
		r.last = e.Time
	})
	t.Logf("first events: %.1f%%", float64(firsts)/n*100)
	if f := float64(firsts) / n; f < 0.14 || f > 0.25 {
		t.Errorf("first events are %.1f%% of all, want about 18%%", f*100)
	}
	var spans []float64
	for id, r := range reqs {
		if r.events > 8 {
			t.Fatalf("request %s has %d events, at most 8 expected", id, r.events)
		}
		if r.events >= 3 {
			spans = append(spans, float64(r.last-r.first))
		}
	}
	if len(spans) < len(reqs)/3 {
		t.Errorf("only %d of %d requests got 3 events or more", len(spans), len(reqs))
	}
}

func TestS1RequestsLastMinutes(t *testing.T) {
	// At 1000 events/s, a request's events spread over minutes.
	g := mustNew(t, "s1", Config{Seed: 3, EventsPerSecond: 1000})
	first := map[string]int64{}
	var spans []int64
	var e Event
	for i := 0; i < 1_000_000; i++ {
		g.Next(&e)
		if bytes.Contains(e.Value, []byte(`"useragent"`)) {
			first[string(e.Key)] = e.Time
		} else if t0, ok := first[string(e.Key)]; ok && i > 500_000 {
			spans = append(spans, e.Time-t0)
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i] < spans[j] })
	median := time.Duration(spans[len(spans)/2]) * time.Millisecond
	t.Logf("median time from a request's first event to a later one: %v", median)
	if median < 30*time.Second || median > 5*time.Minute {
		t.Errorf("median time from a request's first event to a later one is %v, want minutes", median)
	}
}

func TestS2Shape(t *testing.T) {
	const n = 300_000
	types := map[string]int{}
	var lags []int64
	var size, outOfOrder int
	var prev int64
	ids := map[string]bool{}
	start := DefaultStart().UnixMilli()
	decode(t, "s2", n, func(i int, e *Event, m map[string]any) {
		size += len(e.Value)
		typ := m["type"].(string)
		types[typ]++
		if et := int64(num(t, m["event_time"])); et != e.Time {
			t.Fatalf("event_time %d, Time %d", et, e.Time)
		}
		if e.Time < prev {
			outOfOrder++
		}
		prev = e.Time
		arrival := start + int64(i)/100 // 100k events/s
		lags = append(lags, arrival-e.Time)
		_, hasPrice := m["price"]
		if hasPrice != (typ == "impression" || typ == "click") {
			t.Fatalf("price on a %s event: %v", typ, hasPrice)
		}
		for _, f := range []string{"ad_id", "website_id", "user_id", "session_id", "ip", "ua", "url"} {
			if m[f] == nil {
				t.Fatalf("no %s in %s", f, e.Value)
			}
		}
		if i < 100_000 {
			id := m["event_id"].(string)
			if ids[id] {
				t.Fatalf("event_id %s twice", id)
			}
			ids[id] = true
		}
	})
	avg := float64(size) / n
	t.Logf("average size %.0f bytes", avg)
	if avg < 260*0.85 || avg > 260*1.15 {
		t.Errorf("average event is %.0f bytes, want 260 ± 15%%", avg)
	}
	share := func(typ string) float64 { return float64(types[typ]) / n }
	for typ := range types {
		if typ != "impression" && types[typ] >= types["impression"] {
			t.Errorf("%s (%d) is as frequent as impression (%d)", typ, types[typ], types["impression"])
		}
	}
	if c := share("click"); c < 0.01 || c > 0.02 {
		t.Errorf("clicks are %.2f%% of events, want 1-2%%", c*100)
	}
	if len(types) != 9 {
		t.Errorf("types %v, want 9", types)
	}
	if f := share("start") / share("complete"); f < 2 || f > 3 {
		t.Errorf("starts/completes = %.2f, want about 2.5", f)
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	q := func(p float64) int64 { return lags[int(p*float64(len(lags)-1))] }
	frac := func(min int64) float64 {
		k := sort.Search(len(lags), func(i int) bool { return lags[i] >= min })
		return float64(len(lags)-k) / float64(len(lags))
	}
	t.Logf("lateness p50 %d ms, p90 %d ms, p99 %d ms, p99.9 %d ms, max %d ms", q(0.5), q(0.9), q(0.99), q(0.999), q(1))
	if q(0) < 0 {
		t.Errorf("an event arrived before it happened: lag %d ms", q(0))
	}
	if p := q(0.5); p < 10 || p > 1000 {
		t.Errorf("median lateness %d ms, want milliseconds to a second", p)
	}
	if f := frac(msPerMinute); f < 0.008 || f > 0.014 {
		t.Errorf("%.3f%% of events are a minute late or more, want about 1.1%%", f*100)
	}
	if f := frac(msPerHour); f < 0.0006 || f > 0.0015 {
		t.Errorf("%.3f%% of events are an hour late or more, want about 0.1%%", f*100)
	}
	if m := q(1); m > 6*msPerHour {
		t.Errorf("an event is %v late, more than 6 h", time.Duration(m)*time.Millisecond)
	}
	if outOfOrder < n/4 {
		t.Errorf("only %d events out of order", outOfOrder)
	}
}

func inRanges(ip netip.Addr, ranges []ipRange) bool {
	for _, g := range ranges {
		a := g.base
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)}), int(g.prefix))
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func TestS5BotsAreBursty(t *testing.T) {
	const n = 600_000
	type user struct {
		bot   bool
		times []int64
	}
	users := map[string]*user{}
	botEvents, withQuery := 0, 0
	decode(t, "s5", n, func(i int, e *Event, m map[string]any) {
		ip, err := netip.ParseAddr(m["ip"].(string))
		if err != nil {
			t.Fatal(err)
		}
		bot := inRanges(ip, cloudRanges)
		if !bot && !inRanges(ip, homeRanges) {
			t.Fatalf("address %v is in no range", ip)
		}
		if bot {
			botEvents++
		}
		if m["query"].(string) != "" {
			withQuery++
		}
		if !strings.HasPrefix(m["url"].(string), "https://") {
			t.Fatalf("url %v", m["url"])
		}
		u := users[string(e.Key)]
		if u == nil {
			u = &user{bot: bot}
			users[string(e.Key)] = u
		} else if u.bot != bot {
			t.Fatalf("user %s is both a bot and a person", e.Key)
		}
		u.times = append(u.times, e.Time)
	})
	if s := float64(botEvents) / n; s < 0.28 || s > 0.32 {
		t.Errorf("bots make %.1f%% of events, want 30%%", s*100)
	}
	if s := float64(withQuery) / n; s < 0.1 || s > 0.4 {
		t.Errorf("%.1f%% of visits carry a search query", s*100)
	}
	// The busiest second of each user: bots fire bursts, people do not.
	busiest := func(ts []int64) int {
		best := 0
		for i, j := 0, 0; j < len(ts); j++ {
			for ts[j]-ts[i] >= 1000 {
				i++
			}
			best = max(best, j-i+1)
		}
		return best
	}
	var botPeaks []int
	humanPeak, humans, bots := 0, 0, 0
	for _, u := range users {
		if u.bot {
			bots++
			botPeaks = append(botPeaks, busiest(u.times))
		} else {
			humans++
			humanPeak = max(humanPeak, busiest(u.times))
		}
	}
	sort.Ints(botPeaks)
	t.Logf("%d people, %d bots; bots' median busiest second %d events, people's max %d", humans, bots, botPeaks[len(botPeaks)/2], humanPeak)
	if botPeaks[len(botPeaks)/2] < 4*humanPeak {
		t.Errorf("bots' median busiest second (%d events) is not far above any person's (%d)", botPeaks[len(botPeaks)/2], humanPeak)
	}
	if f := float64(bots) / float64(bots+humans); f > 0.1 {
		t.Errorf("bots are %.1f%% of the users seen, want a small minority", f*100)
	}
}

func TestS5BotsAreOneUserIn20(t *testing.T) {
	g := newS5(Config{Seed: 9})
	// Every human index maps to a user that is not a bot, and the human
	// and bot users together are all users.
	seen := make([]bool, s5Users)
	for h := uint64(0); h < s5Humans; h++ {
		u := h + h/(s5BotEvery-1)
		if u%s5BotEvery == s5BotEvery-1 || seen[u] {
			t.Fatalf("human %d maps to user %d, a bot or taken", h, u)
		}
		seen[u] = true
	}
	bots := 0
	for u, s := range seen {
		if !s {
			bots++
			if u%s5BotEvery != s5BotEvery-1 {
				t.Fatalf("user %d is neither", u)
			}
		}
	}
	if bots != s5Users/20 {
		t.Fatalf("%d bots of %d users", bots, s5Users)
	}
	_ = g
}

func TestNexmark(t *testing.T) {
	const groups = 400
	var kinds []int
	var bidSize, bids int
	decode(t, "nexmark", groups*nexTotalShare, func(i int, e *Event, m map[string]any) {
		k := int(num(t, m["event_type"]))
		kinds = append(kinds, k)
		names := []string{"person", "auction", "bid"}
		for j, name := range names {
			if (m[name] == nil) != (j != k) {
				t.Fatalf("event_type %d with %s = %v", k, name, m[name])
			}
		}
		obj := m[names[k]].(map[string]any)
		if int64(num(t, obj["dateTime"])) != e.Time {
			t.Fatalf("dateTime %v, Time %d", obj["dateTime"], e.Time)
		}
		lastP := int64(i/nexTotalShare) + nexFirstPersonID
		switch k {
		case 0:
			for _, f := range []string{"id", "name", "emailAddress", "creditCard", "city", "state", "extra"} {
				if obj[f] == nil {
					t.Fatalf("person without %s", f)
				}
			}
			if id := int64(num(t, obj["id"])); id != lastP {
				t.Fatalf("person %d at event %d, want %d", id, i, lastP)
			}
		case 1:
			if num(t, obj["reserve"]) < num(t, obj["initialBid"]) {
				t.Fatal("reserve below the initial bid")
			}
			if num(t, obj["expires"]) <= num(t, obj["dateTime"]) {
				t.Fatal("auction expires before it starts")
			}
			if c := num(t, obj["category"]); c < 10 || c >= 15 {
				t.Fatalf("category %v", c)
			}
			if s := int64(num(t, obj["seller"])); s < nexFirstPersonID || s > lastP+nexPersonIDLead {
				t.Fatalf("seller %d, last person %d", s, lastP)
			}
		case 2:
			bids++
			bidSize += len(e.Value)
			lastA := lastAuction(uint64(i)) + nexFirstAuctionID
			if a := int64(num(t, obj["auction"])); a < nexFirstAuctionID || a > lastA+nexAuctionIDLead {
				t.Fatalf("bid on auction %d, last auction %d", a, lastA)
			}
			if p := num(t, obj["price"]); p < 100 || p > 100_000_000 {
				t.Fatalf("price %v", p)
			}
			if obj["channel"].(string) == "" || !strings.HasPrefix(obj["url"].(string), "https://") {
				t.Fatalf("channel %v url %v", obj["channel"], obj["url"])
			}
		}
	})
	for g := 0; g < groups; g++ {
		var c [3]int
		for _, k := range kinds[g*50 : g*50+50] {
			c[k]++
		}
		if c != [3]int{1, 3, 46} {
			t.Fatalf("events %d-%d hold %v persons/auctions/bids, want 1/3/46", g*50, g*50+49, c)
		}
	}
	t.Logf("average bid %d bytes", bidSize/bids)
}

func TestNexmarkTypedMatchesJSON(t *testing.T) {
	a, b := NewNexmark(Config{Seed: 5}), NewNexmark(Config{Seed: 5})
	var ev NexmarkEvent
	var e Event
	for i := 0; i < 500; i++ {
		a.NextEvent(&ev)
		b.Next(&e)
		if got := ev.AppendJSON(nil); !bytes.Equal(got, e.Value) {
			t.Fatalf("event %d: typed %s, JSON %s", i, got, e.Value)
		}
	}
}

func TestZipfMatchesItsDistribution(t *testing.T) {
	for _, c := range []struct {
		n, q int
		s    float64
	}{{10, 0, 1.0}, {10, 0, 0.7}, {8, 5, 1.2}, {1000, 0, 1.1}} {
		z := newZipf(c.n, c.s, c.q)
		r := newRNG(1, 1)
		counts := make([]int, c.n)
		const draws = 1_000_000
		for i := 0; i < draws; i++ {
			counts[z.index(&r)]++
		}
		var norm float64
		for k := 1; k <= c.n; k++ {
			norm += math.Pow(float64(k+c.q), -c.s)
		}
		for k := 1; k <= min(c.n, 10); k++ {
			want := math.Pow(float64(k+c.q), -c.s) / norm
			got := float64(counts[k-1]) / draws
			if math.Abs(got-want) > 0.003 {
				t.Errorf("zipf(n=%d, s=%g, q=%d): P(%d) = %.4f, want %.4f", c.n, c.s, c.q, k, got, want)
			}
		}
	}
}

func TestMixBitsIsABijection(t *testing.T) {
	for _, bits := range []uint{12, 16, 20} {
		seen := make([]bool, 1<<bits)
		for x := uint64(0); x < 1<<bits; x++ {
			y := mixBits(x, bits)
			if y >= 1<<bits || seen[y] {
				t.Fatalf("mixBits(%d, %d) = %d repeats or escapes", x, bits, y)
			}
			seen[y] = true
		}
	}
}

func TestAppendDecimal(t *testing.T) {
	for _, c := range []struct {
		units int64
		scale int
		want  string
	}{{245, 2, "2.45"}, {5, 2, "0.05"}, {20, 4, "0.0020"}, {-7, 1, "-0.7"}, {12, 0, "12"}} {
		if got := string(appendDecimal(nil, c.units, c.scale)); got != c.want {
			t.Errorf("appendDecimal(%d, %d) = %s, want %s", c.units, c.scale, got, c.want)
		}
	}
}

func TestNoAllocationsPerEvent(t *testing.T) {
	for _, w := range Workloads() {
		g := mustNew(t, w.Name, Config{Seed: 1, EventsPerSecond: 1000})
		var e Event
		for i := 0; i < 200_000; i++ { // grow buffers and s1's timing wheel
			g.Next(&e)
		}
		allocs := testing.AllocsPerRun(10_000, func() { g.Next(&e) })
		if allocs > 0.01 {
			t.Errorf("%s: %.3f allocations per event", w.Name, allocs)
		}
	}
}

func BenchmarkGenerators(b *testing.B) {
	for _, w := range Workloads() {
		b.Run(w.Name, func(b *testing.B) {
			g := mustNew(b, w.Name, Config{Seed: 1})
			var e Event
			g.Next(&e)
			b.SetBytes(int64(len(e.Value)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				g.Next(&e)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

func TestAliasMatchesItsWeights(t *testing.T) {
	for _, w := range [][]float64{{1, 2, 3, 4}, {5}, {0.001, 1, 0, 7}, zipfWeights(50, 1.1)} {
		a := newAlias(w)
		r := newRNG(2, 2)
		var sum float64
		for _, x := range w {
			sum += x
		}
		counts := make([]int, len(w))
		const draws = 1_000_000
		for i := 0; i < draws; i++ {
			counts[a.index(&r)]++
		}
		for i, x := range w {
			if got, want := float64(counts[i])/draws, x/sum; math.Abs(got-want) > 0.003 {
				t.Errorf("weights %v: P(%d) = %.4f, want %.4f", w[:min(len(w), 5)], i, got, want)
			}
		}
	}
}
