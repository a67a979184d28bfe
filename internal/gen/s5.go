package gen

import (
	"strconv"
	"strings"
)

// s5 makes the page visits a tracking pixel reports. Each user has an
// interest (the topic most of their visits are about), a browser and an
// address. One user in 20 is a bot; bots produce 30% of the events, in
// bursts of 50 to 400 visits a few milliseconds apart, from data centres.
type s5 struct {
	tl        timeline
	r         rng
	n         uint64
	key       uint64
	humans    *zipf
	interests *picker
	topics    []s5Topic
	browsers  texts
	botUAs    texts
	engines   texts
	social    texts
	home      ipPool
	cloud     ipPool
	bursts    [8]s5Burst
}

type s5Topic struct {
	name    string
	queries []string // search queries that lead to the topic's pages
	slugs   []string // page names, one per query
	sites   []string
}

type s5Burst struct {
	user uint64
	left int
}

const (
	s5Users    = 1_000_000
	s5BotEvery = 20 // user u is a bot when u%20 == 19
	s5Humans   = s5Users - s5Users/s5BotEvery
	s5BotShare = 0.30
)

// s5Queries are search queries by site topic; the segmentation rules of
// the scenario look for some of them ("car service", "cat").
var s5Queries = map[string][]string{
	"cars":    {"car service near me", "car service cost", "oil change price", "used cars under 10000", "winter tires", "car insurance quote", "brake pads replacement", "toyota corolla 2012 parts"},
	"pets":    {"cat food", "best cat litter", "kitten vaccination", "cat toys", "cat scratching post", "dog grooming", "vet near me"},
	"fashion": {"women's summer dresses", "ankle boots women", "designer handbags sale", "maternity clothes", "men's running shoes", "lipstick shades"},
	"travel":  {"cheap flights to rome", "hotels in barcelona", "last minute holiday deals", "car rental airport"},
	"finance": {"mortgage calculator", "best savings account", "cashback credit card", "car loan rates"},
	"health":  {"flu symptoms", "yoga for beginners", "vitamin d dosage", "pregnancy test early"},
	"recipes": {"easy pasta recipes", "vegan brownies", "slow cooker chicken", "baby food recipes"},
	"homes":   {"apartments for rent", "garden furniture", "home insurance", "kitchen renovation cost"},
	"tech":    {"iphone 15 review", "best laptop 2024", "wifi router", "cheap smartphone"},
	"jobs":    {"remote jobs", "nurse jobs near me", "software engineer salary"},
	"kids":    {"baby stroller", "toys for 3 year olds", "school backpacks"},
	"beauty":  {"anti aging cream", "hair salon near me", "nail polish trends"},
}

var s5Generic = []string{"weather tomorrow", "news today", "football scores", "movie times", "lottery results"}

func newS5(cfg Config) *s5 {
	g := &s5{
		tl:       newTimeline(cfg),
		r:        newRNG(cfg.Seed, 5),
		key:      mix64(uint64(cfg.Seed) ^ 0x5d5),
		humans:   newZipf(s5Humans, 1.0, s5Humans/200),
		browsers: newTexts(browserUAs),
		// Half the bots say what they are; the others pretend.
		botUAs:  newTexts(scaled(botUAs, 50), scaled(browserUAs, 50)),
		engines: newTexts([]weighted{{"https://www.google.com/", 80}, {"https://www.bing.com/", 12}, {"https://yandex.ru/", 5}, {"https://duckduckgo.com/", 3}}),
		social:  newTexts([]weighted{{"https://www.facebook.com/", 50}, {"https://t.co/", 20}, {"https://www.reddit.com/", 15}, {"https://www.instagram.com/", 15}}),
		home:    newIPPool(homeRanges),
		cloud:   newIPPool(cloudRanges),
	}
	var weights []float64
	for ti, name := range siteTopics {
		t := s5Topic{name: name, queries: s5Queries[name]}
		w := 1.0
		if t.queries == nil {
			t.queries = s5Generic
		} else {
			w = 3 // topics people search about are more common interests
		}
		for _, q := range t.queries {
			t.slugs = append(t.slugs, strings.NewReplacer(" ", "-", "'", "").Replace(q))
		}
		for p := range sitePrefixes {
			t.sites = append(t.sites, siteDomain(ti*len(sitePrefixes)+p))
		}
		g.topics = append(g.topics, t)
		weights = append(weights, w)
	}
	g.interests = newPicker(weights)
	return g
}

func (g *s5) Next(e *Event) {
	n := g.n
	g.n++
	t := g.tl.at(n)
	e.Time = t
	if g.r.chance(s5BotShare) {
		g.botVisit(e, t)
	} else {
		g.humanVisit(e, t)
	}
}

func (g *s5) humanVisit(e *Event, t int64) {
	h := uint64(g.humans.index(&g.r))
	u := mix64((h + h/(s5BotEvery-1)) ^ g.key) // skips every 20th user, the bots
	topic := &g.topics[g.interests.at(mix64(u+3))]
	if g.r.chance(0.4) {
		topic = &g.topics[g.r.intn(len(g.topics))]
	}
	qi := g.r.intn(len(topic.queries))
	site := topic.sites[g.r.intn(len(topic.sites))]
	query, referrer := "", ""
	switch x := g.r.float(); {
	case x < 0.3:
		query = topic.queries[qi]
		referrer = g.engines.pick(&g.r)
	case x < 0.6:
		referrer = refSameSite
	case x < 0.75:
		referrer = g.social.pick(&g.r)
	}
	g.write(e, u, t, site, topic, qi, g.home.at(mix64(u+2)), g.browsers.at(mix64(u+1)), query, referrer)
}

func (g *s5) botVisit(e *Event, t int64) {
	b := &g.bursts[g.r.intn(len(g.bursts))]
	if b.left == 0 {
		bot := uint64(g.r.intn(s5Users/s5BotEvery))*s5BotEvery + s5BotEvery - 1
		b.user = mix64(bot ^ g.key)
		b.left = g.r.between(50, 400)
	}
	b.left--
	topic := &g.topics[g.r.intn(len(g.topics))]
	qi := g.r.intn(len(topic.queries))
	query := ""
	if g.r.chance(0.1) {
		query = topic.queries[qi]
	}
	site := topic.sites[g.r.intn(len(topic.sites))]
	g.write(e, b.user, t, site, topic, qi, g.cloud.at(mix64(b.user+2)), g.botUAs.at(mix64(b.user+1)), query, "")
}

// refSameSite as a referrer stands for the visited site's home page.
const refSameSite = "\x00"

func (g *s5) write(e *Event, user uint64, t int64, site string, topic *s5Topic, qi int, ip uint32, ua, query, referrer string) {
	e.Key = appendHex(e.Key[:0], user, 16)
	b := e.Value[:0]
	b = append(b, `{"user_id":"`...)
	b = append(b, e.Key...)
	b = append(b, `","event_time":`...)
	b = strconv.AppendInt(b, t, 10)
	b = append(b, `,"url":"https://`...)
	b = append(b, site...)
	b = append(b, '/')
	b = append(b, topic.name...)
	b = append(b, '/')
	b = append(b, topic.slugs[qi]...)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(g.r.between(100, 99999)), 10)
	b = append(b, `","ip":"`...)
	b = appendIPv4(b, ip)
	b = append(b, `","ua":"`...)
	b = append(b, ua...)
	b = append(b, `","query":"`...)
	b = append(b, query...)
	b = append(b, `","referrer":"`...)
	if referrer == refSameSite {
		b = append(b, "https://"...)
		b = append(b, site...)
		b = append(b, '/')
	} else {
		b = append(b, referrer...)
	}
	e.Value = append(b, `"}`...)
}
