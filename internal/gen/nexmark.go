package gen

import (
	"math"
	"strconv"
)

// Nexmark generates the events of the Nexmark benchmark (an online
// auction: people, auctions, bids) after the model of its reference
// generator: of every 50 events, 1 is a new person, 3 are new auctions and
// 46 are bids; ids follow from the event number; auctions are sold by
// recent people and bids go to auctions still open, with hot auctions,
// hot bidders and hot sellers taking most of the traffic.
//
// Event n draws its random numbers from a generator seeded by (seed, n)
// alone, so any event can be made without the ones before it.
type Nexmark struct {
	tl      timeline
	seedMix uint64
	n       uint64
	hotURLs [][]byte
	scratch NexmarkEvent
}

// NexmarkKind is the event_type of a Nexmark event.
type NexmarkKind int8

const (
	NexmarkPerson  NexmarkKind = 0
	NexmarkAuction NexmarkKind = 1
	NexmarkBid     NexmarkKind = 2
)

// NexmarkEvent holds one event; only the member named by Kind is
// meaningful. Byte fields are reused by the next call that fills the
// event.
type NexmarkEvent struct {
	Kind    NexmarkKind
	Person  Person
	Auction Auction
	Bid     Bid
}

// Person is a new user of the auction site.
type Person struct {
	ID                                          int64
	Name, EmailAddress, CreditCard, City, State []byte
	DateTime                                    int64 // unix ms
	Extra                                       []byte
}

// Auction is a new item for sale. Prices are in cents.
type Auction struct {
	ID                    int64
	ItemName, Description []byte
	InitialBid, Reserve   int64
	DateTime, Expires     int64 // unix ms
	Seller, Category      int64
	Extra                 []byte
}

// Bid is an offer on an auction. Price is in cents.
type Bid struct {
	Auction, Bidder, Price int64
	Channel, URL           []byte
	DateTime               int64 // unix ms
	Extra                  []byte
}

// The constants of Nexmark's generator model.
const (
	nexPersonShare  = 1
	nexAuctionShare = 3
	nexTotalShare   = 50 // 1 + 3 + 46 bids

	nexFirstPersonID   = 1000
	nexFirstAuctionID  = 1000
	nexFirstCategoryID = 10
	nexCategories      = 5

	nexActivePeople   = 1000
	nexPersonIDLead   = 10
	nexAuctionsOpen   = 100
	nexAuctionIDLead  = 10
	nexHotAuctionStep = 100 // hot auctions, bidders and sellers are multiples of 100
	nexHotBidderStep  = 100
	nexHotSellerStep  = 100
	nexChannels       = 10_000

	nexPersonBytes  = 200 // average sizes the extra field pads events to
	nexAuctionBytes = 500
	nexBidBytes     = 100
)

// NewNexmark returns a Nexmark generator; New("nexmark", cfg) returns the
// same as a Generator.
func NewNexmark(cfg Config) *Nexmark {
	g := &Nexmark{tl: newTimeline(cfg), seedMix: mix64(uint64(cfg.Seed) ^ 0x4e58)}
	for i := range nexmarkChannels {
		g.hotURLs = append(g.hotURLs, g.channelURL(nil, uint64(nexChannels+i)))
	}
	return g
}

// Next writes the next event as Flink nexmark's JSON:
// {"event_type":2,"person":null,"auction":null,"bid":{...}}.
func (g *Nexmark) Next(e *Event) {
	g.NextEvent(&g.scratch)
	e.Key = nil
	e.Value = g.scratch.AppendJSON(e.Value[:0])
	e.Time = g.scratch.time()
}

// NextEvent fills ev with the next event.
func (g *Nexmark) NextEvent(ev *NexmarkEvent) {
	n := g.n
	g.n++
	r := rng{s: g.seedMix ^ mix64(n+0x9e37)}
	ts := g.tl.at(n)
	switch rem := n % nexTotalShare; {
	case rem < nexPersonShare:
		ev.Kind = NexmarkPerson
		g.person(&ev.Person, &r, n, ts)
	case rem < nexPersonShare+nexAuctionShare:
		ev.Kind = NexmarkAuction
		g.auction(&ev.Auction, &r, n, ts)
	default:
		ev.Kind = NexmarkBid
		g.bid(&ev.Bid, &r, n, ts)
	}
}

func (ev *NexmarkEvent) time() int64 {
	switch ev.Kind {
	case NexmarkPerson:
		return ev.Person.DateTime
	case NexmarkAuction:
		return ev.Auction.DateTime
	}
	return ev.Bid.DateTime
}

// lastPerson is the base-0 id of the last person created by event n.
func lastPerson(n uint64) int64 {
	return int64(n / nexTotalShare) // one person per 50 events, first in its group
}

// lastAuction is the base-0 id of the last auction created by event n
// (-1 before the first one).
func lastAuction(n uint64) int64 {
	epoch, off := int64(n/nexTotalShare), int64(n%nexTotalShare)
	switch {
	case off < nexPersonShare:
		epoch--
		off = nexAuctionShare - 1
	case off >= nexPersonShare+nexAuctionShare:
		off = nexAuctionShare - 1
	default:
		off -= nexPersonShare
	}
	return epoch*nexAuctionShare + off
}

// somePerson picks one of the recently created people, or one about to be.
func somePerson(r *rng, n uint64) int64 {
	people := lastPerson(n) + 1
	active := min(people, nexActivePeople)
	return people - active + int64(r.intn(int(active+nexPersonIDLead)))
}

// someAuction picks one of the auctions still open, or about to be.
func someAuction(r *rng, n uint64) int64 {
	last := lastAuction(n)
	first := max(last-nexAuctionsOpen, 0)
	return first + int64(r.intn(int(last-first+1+nexAuctionIDLead)))
}

// price is in cents, log-uniform from $1 to $1,000,000.
func price(r *rng) int64 {
	return int64(math.Round(math.Exp(r.float()*6*math.Ln10) * 100))
}

// appendString writes 3 to max-1 random letters and spaces.
func appendString(b []byte, r *rng, max int) []byte {
	return appendLetters(b, r, 3+r.intn(max-3), true)
}

// appendExtra pads an event whose fields take size bytes towards an
// average of avg bytes, give or take 20%.
func appendExtra(b []byte, r *rng, size, avg int) []byte {
	if size > avg {
		return b
	}
	want := avg - size
	delta := int(math.Round(float64(want) * 0.2))
	n := want - delta
	if delta > 0 {
		n += r.intn(2 * delta)
	}
	return appendLetters(b, r, n, true)
}

func (g *Nexmark) person(p *Person, r *rng, n uint64, ts int64) {
	p.ID = lastPerson(n) + nexFirstPersonID
	p.Name = append(append(append(p.Name[:0], nexmarkFirstNames[r.intn(len(nexmarkFirstNames))]...), ' '), nexmarkLastNames[r.intn(len(nexmarkLastNames))]...)
	p.EmailAddress = appendLetters(p.EmailAddress[:0], r, 7, false)
	p.EmailAddress = append(p.EmailAddress, '@')
	p.EmailAddress = appendLetters(p.EmailAddress, r, 5, false)
	p.EmailAddress = append(p.EmailAddress, ".com"...)
	p.CreditCard = p.CreditCard[:0]
	for i := 0; i < 4; i++ {
		if i > 0 {
			p.CreditCard = append(p.CreditCard, ' ')
		}
		v := r.intn(10000)
		p.CreditCard = append(p.CreditCard, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	p.City = append(p.City[:0], nexmarkCities[r.intn(len(nexmarkCities))]...)
	p.State = append(p.State[:0], nexmarkStates[r.intn(len(nexmarkStates))]...)
	p.DateTime = ts
	size := 8 + len(p.Name) + len(p.EmailAddress) + len(p.CreditCard) + len(p.City) + len(p.State) + 8
	p.Extra = appendExtra(p.Extra[:0], r, size, nexPersonBytes)
}

func (g *Nexmark) auction(a *Auction, r *rng, n uint64, ts int64) {
	a.ID = lastAuction(n) + nexFirstAuctionID
	if r.intn(4) > 0 {
		a.Seller = lastPerson(n) / nexHotSellerStep * nexHotSellerStep
	} else {
		a.Seller = somePerson(r, n)
	}
	a.Seller += nexFirstPersonID
	a.Category = nexFirstCategoryID + int64(r.intn(nexCategories))
	a.InitialBid = price(r)
	a.Reserve = a.InitialBid + price(r)
	a.ItemName = appendString(a.ItemName[:0], r, 20)
	a.Description = appendString(a.Description[:0], r, 100)
	a.DateTime = ts
	// An auction stays open about as long as it takes for the next
	// nexAuctionsOpen auctions to be created, so about that many are open.
	horizon := g.tl.at(n+nexAuctionsOpen*nexTotalShare/nexAuctionShare) - ts
	a.Expires = ts + 1 + int64(r.intn(int(max(horizon*2, 1))))
	size := 8 + len(a.ItemName) + len(a.Description) + 8*6
	a.Extra = appendExtra(a.Extra[:0], r, size, nexAuctionBytes)
}

func (g *Nexmark) bid(b *Bid, r *rng, n uint64, ts int64) {
	if r.intn(2) > 0 {
		b.Auction = lastAuction(n) / nexHotAuctionStep * nexHotAuctionStep
	} else {
		b.Auction = someAuction(r, n)
	}
	b.Auction += nexFirstAuctionID
	if r.intn(4) > 0 {
		b.Bidder = lastPerson(n)/nexHotBidderStep*nexHotBidderStep + 1
	} else {
		b.Bidder = somePerson(r, n)
	}
	b.Bidder += nexFirstPersonID
	b.Price = price(r)
	if r.intn(2) > 0 {
		i := r.intn(len(nexmarkChannels))
		b.Channel = append(b.Channel[:0], nexmarkChannels[i]...)
		b.URL = append(b.URL[:0], g.hotURLs[i]...)
	} else {
		c := uint64(r.intn(nexChannels))
		b.Channel = strconv.AppendUint(append(b.Channel[:0], "channel-"...), c, 10)
		b.URL = g.channelURL(b.URL[:0], c)
	}
	b.DateTime = ts
	b.Extra = appendExtra(b.Extra[:0], r, 8*4, nexBidBytes)
}

// channelURL is the fixed URL of channel c, derived from the seed.
func (g *Nexmark) channelURL(b []byte, c uint64) []byte {
	r := rng{s: g.seedMix ^ mix64(c+0xc4a77e1)}
	b = append(b, "https://www.nexmark.com/"...)
	b = appendLetters(b, &r, 5, false)
	b = append(b, '/')
	b = appendLetters(b, &r, 5, false)
	b = append(b, '/')
	b = appendLetters(b, &r, 5, false)
	b = append(b, "/item.htm?query=1"...)
	if r.intn(10) == 0 {
		b = strconv.AppendUint(append(b, "&channel_id="...), c, 10)
	}
	return b
}

// AppendJSON appends ev as Flink nexmark's JSON: the event_type and one
// object member, the two others null.
func (ev *NexmarkEvent) AppendJSON(b []byte) []byte {
	b = append(b, `{"event_type":`...)
	b = strconv.AppendInt(b, int64(ev.Kind), 10)
	switch ev.Kind {
	case NexmarkPerson:
		p := &ev.Person
		b = append(b, `,"person":{"id":`...)
		b = strconv.AppendInt(b, p.ID, 10)
		b = appendStrField(b, `,"name":"`, p.Name)
		b = appendStrField(b, `,"emailAddress":"`, p.EmailAddress)
		b = appendStrField(b, `,"creditCard":"`, p.CreditCard)
		b = appendStrField(b, `,"city":"`, p.City)
		b = appendStrField(b, `,"state":"`, p.State)
		b = append(b, `,"dateTime":`...)
		b = strconv.AppendInt(b, p.DateTime, 10)
		b = appendStrField(b, `,"extra":"`, p.Extra)
		b = append(b, `},"auction":null,"bid":null}`...)
	case NexmarkAuction:
		a := &ev.Auction
		b = append(b, `,"person":null,"auction":{"id":`...)
		b = strconv.AppendInt(b, a.ID, 10)
		b = appendStrField(b, `,"itemName":"`, a.ItemName)
		b = appendStrField(b, `,"description":"`, a.Description)
		b = append(b, `,"initialBid":`...)
		b = strconv.AppendInt(b, a.InitialBid, 10)
		b = append(b, `,"reserve":`...)
		b = strconv.AppendInt(b, a.Reserve, 10)
		b = append(b, `,"dateTime":`...)
		b = strconv.AppendInt(b, a.DateTime, 10)
		b = append(b, `,"expires":`...)
		b = strconv.AppendInt(b, a.Expires, 10)
		b = append(b, `,"seller":`...)
		b = strconv.AppendInt(b, a.Seller, 10)
		b = append(b, `,"category":`...)
		b = strconv.AppendInt(b, a.Category, 10)
		b = appendStrField(b, `,"extra":"`, a.Extra)
		b = append(b, `},"bid":null}`...)
	default:
		d := &ev.Bid
		b = append(b, `,"person":null,"auction":null,"bid":{"auction":`...)
		b = strconv.AppendInt(b, d.Auction, 10)
		b = append(b, `,"bidder":`...)
		b = strconv.AppendInt(b, d.Bidder, 10)
		b = append(b, `,"price":`...)
		b = strconv.AppendInt(b, d.Price, 10)
		b = appendStrField(b, `,"channel":"`, d.Channel)
		b = appendStrField(b, `,"url":"`, d.URL)
		b = append(b, `,"dateTime":`...)
		b = strconv.AppendInt(b, d.DateTime, 10)
		b = appendStrField(b, `,"extra":"`, d.Extra)
		b = append(b, `}}`...)
	}
	return b
}

// appendStrField writes prefix (ending in an opening quote), v and the
// closing quote; v holds only letters, digits, spaces and URL characters.
func appendStrField(b []byte, prefix string, v []byte) []byte {
	b = append(b, prefix...)
	b = append(b, v...)
	return append(b, '"')
}
