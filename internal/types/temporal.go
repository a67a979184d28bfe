package types

// MillisPerDay is the length of a day in a TIMESTAMP's milliseconds; SQL
// times carry no time zone, so every day has exactly this many.
const MillisPerDay = 24 * 60 * 60 * 1000

// TimestampDate is the DATE (days since the epoch) on which a TIMESTAMP
// (milliseconds since the epoch) falls, rounding towards the past for
// instants before 1970.
func TimestampDate(ms int64) int32 { return int32(floorDiv(ms, MillisPerDay)) }

// TimestampTime is the TIME (milliseconds since midnight) of a TIMESTAMP.
func TimestampTime(ms int64) int32 { return int32(ms - floorDiv(ms, MillisPerDay)*MillisPerDay) }

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
