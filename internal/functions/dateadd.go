package functions

import (
	"fmt"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// unitMillis returns the milliseconds of one of ksqlDB's interval units.
func unitMillis(unit string) (int64, error) {
	switch strings.ToUpper(unit) {
	case "MILLISECOND", "MILLISECONDS":
		return 1, nil
	case "SECOND", "SECONDS":
		return 1000, nil
	case "MINUTE", "MINUTES":
		return 60 * 1000, nil
	case "HOUR", "HOURS":
		return 60 * 60 * 1000, nil
	case "DAY", "DAYS":
		return types.MillisPerDay, nil
	}
	return 0, fmt.Errorf("functions: unknown interval unit %q: use MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS", unit)
}

// unitParam is the interval unit of DATEADD and its kin. ksqlDB's grammar
// takes it as a keyword (DAYS, HOURS, ...); the expression compiler passes
// that keyword as a STRING.
func unitParam() param { return param{name: "unit", typ: str, display: "INTERVALUNIT"} }

// shiftMillis returns ms moved by interval units, negated when sub.
func shiftMillis(a []types.Value, ms int64, sub bool) (int64, error) {
	u, err := unitMillis(a[0].Str())
	if err != nil {
		return 0, err
	}
	var n int64
	if a[1].Kind() == types.KindInt {
		n = int64(a[1].Int())
	} else {
		n = a[1].BigInt()
	}
	if sub {
		n = -n
	}
	return ms + n*u, nil
}

func registerDateAdd(r *Registry) {
	for _, sub := range []bool{false, true} {
		suffix, verb := "ADD", "Adds"
		if sub {
			suffix, verb = "SUB", "Subtracts"
		}
		r.add("DATE"+suffix, "DATE / TIME", verb+" an interval to a DATE, e.g. DATE"+suffix+"(DAYS, 3, d).",
			fixed(types.DateType, func(a []types.Value) (types.Value, error) {
				ms, err := shiftMillis(a, int64(a[2].Date())*types.MillisPerDay, sub)
				if err != nil {
					return types.Null(), err
				}
				return types.Date(types.TimestampDate(ms)), nil
			}, unitParam(), p("interval", integ), p("date", types.DateType)))
		r.add("TIME"+suffix, "DATE / TIME", verb+" an interval to a TIME, wrapping around midnight, e.g. TIME"+suffix+"(HOURS, 3, t).",
			fixed(types.TimeType, func(a []types.Value) (types.Value, error) {
				ms, err := shiftMillis(a, int64(a[2].Time()), sub)
				if err != nil {
					return types.Null(), err
				}
				return types.Time(types.TimestampTime(ms)), nil
			}, unitParam(), p("interval", integ), p("time", types.TimeType)))
		r.add("TIMESTAMP"+suffix, "DATE / TIME", verb+" an interval to a TIMESTAMP, e.g. TIMESTAMP"+suffix+"(SECONDS, 30, ts).",
			fixed(types.TimestampType, func(a []types.Value) (types.Value, error) {
				ms, err := shiftMillis(a, a[2].Timestamp(), sub)
				if err != nil {
					return types.Null(), err
				}
				return types.Timestamp(ms), nil
			}, unitParam(), p("interval", bigint), p("timestamp", types.TimestampType)))
	}
}
