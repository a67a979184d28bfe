package types

import "testing"

func TestTimestampDateAndTime(t *testing.T) {
	for _, c := range []struct {
		ms   int64
		date int32
		time int32
	}{
		{0, 0, 0},
		{MillisPerDay - 1, 0, MillisPerDay - 1},
		{MillisPerDay, 1, 0},
		{-1, -1, MillisPerDay - 1},
		{-MillisPerDay, -1, 0},
		{-MillisPerDay - 1, -2, MillisPerDay - 1},
		{1_700_000_000_123, 19675, 80_000_123},
	} {
		if d, tm := TimestampDate(c.ms), TimestampTime(c.ms); d != c.date || tm != c.time {
			t.Errorf("%d ms: date %d time %d, want %d and %d", c.ms, d, tm, c.date, c.time)
		}
	}
}
