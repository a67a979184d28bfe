package bench

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// Nexmark q7, "highest bid": for each tumbling window of 10 s, the bid(s)
// with the highest price. Flink writes it as the bids joined with the
// per-window MAX(price) of a TUMBLE window, and emits each window's bids
// once, when the watermark closes it.
//
// Without subqueries or joins it is one statement: a TUMBLING window over
// all bids (grouped by event_type, which the WHERE clause makes the
// constant 2: the dialect needs a GROUP BY, and ksqlDB users group by a
// constant column for a global aggregate) keeping MAX(price) and, with
// TOPK(price, auction, bidder, dateTime, extra, 1), the bid reaching it.
//
// What differs from Flink's query: the row holds the maximum and one bid
// at it, as a STRUCT in an array; when several bids tie at the maximum,
// Flink reports them all and this one of them (the check counts such
// windows; a larger k would report up to k, at the cost of every output
// row carrying k bids). Rows are emitted on every bid (EMIT CHANGES), not
// once per closed window. Flink's exact form needs a join of the bids
// with the per-window maximum.
var nexmarkQ7Query = windowQuery{
	name:         "nexmark-q7",
	what:         "highest bid: tumbling 10 s windows, the bid with the highest price",
	flinkPerCore: 22_900,
	statements: []string{
		`CREATE TABLE nexmark_q7 WITH (KEY_FORMAT='JSON', VALUE_FORMAT='JSON') AS
  SELECT event_type, MAX(bid->price) AS maxprice,
    TOPK(bid->price, bid->auction, bid->bidder, bid->dateTime, bid->extra, 1) AS highest
  FROM nexmark WINDOW TUMBLING (SIZE 10 SECONDS)
  WHERE event_type = 2 GROUP BY event_type EMIT CHANGES;`,
	},
	sinks:         []string{"NEXMARK_Q7"},
	outputsPerBid: 1,
	topK:          1,
	newFold:       func() windowFold { return q7Fold{} },
	topOf:         q7Top,
}

const nexQ7Size = 10_000 // ms

func nexmarkQ7() Workload { return windowWorkload(nexmarkQ7Query) }

// q7Fold keeps, per window start, the highest price and the bids at it.
type q7Fold map[int64]*q7Window

type q7Window struct {
	max  int64
	bids []nexBid
}

func (f q7Fold) add(ts int64, b *nexBid) {
	s := ts - ts%nexQ7Size
	w := f[s]
	if w == nil {
		w = &q7Window{max: b.price}
		f[s] = w
	}
	if b.price < w.max {
		return
	}
	if b.price > w.max {
		w.max, w.bids = b.price, w.bids[:0]
	}
	// The decoded extra may point into the reader's buffer.
	kept := *b
	kept.extra = strings.Clone(b.extra)
	w.bids = append(w.bids, kept)
}

func (f q7Fold) tops() windowTops {
	out := windowTops{}
	for s, w := range f {
		t := windowTop{max: w.max}
		for _, b := range w.bids {
			t.items = append(t.items, q7Item(b.auction, b.bidder, b.dateTime, b.extra))
		}
		slices.Sort(t.items)
		out[s] = t
	}
	return out
}

// q7Item names a bid by its columns of Flink's q7 output but the price.
func q7Item(auction, bidder, dateTime int64, extra string) string {
	return fmt.Sprintf("auction %d bidder %d dateTime %d extra %q", auction, bidder, dateTime, extra)
}

// q7Top reads a row of NEXMARK_Q7: keyed by EVENT_TYPE and the window,
// with MAXPRICE and HIGHEST.
func q7Top(key, value []types.Value, vidx map[string]int) (int64, windowTop, error) {
	if len(key) != 3 || key[1].IsNull() {
		return 0, windowTop{}, fmt.Errorf("NEXMARK_Q7 key %v: want event_type and the window's start and end", key)
	}
	maxPrice, err := wholeNumber(value[vidx["MAXPRICE"]])
	if err != nil {
		return 0, windowTop{}, err
	}
	var bad error
	items, err := topItems(value[vidx["HIGHEST"]], maxPrice, func(f []types.Value) string {
		if len(f) != 4 || f[0].IsNull() || f[1].IsNull() || f[2].IsNull() || f[3].IsNull() {
			bad = fmt.Errorf("NEXMARK_Q7 bid %v: want auction, bidder, dateTime and extra", f)
			return ""
		}
		return q7Item(f[0].BigInt(), f[1].BigInt(), f[2].BigInt(), f[3].Str())
	})
	if err == nil {
		err = bad
	}
	return key[1].BigInt(), windowTop{max: maxPrice, items: items}, err
}
