package functions

import (
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/types"
)

func TestNowFunctionsReadTheClock(t *testing.T) {
	at := time.Date(2022, 6, 14, 23, 59, 59, 0, time.UTC)
	r := NewRegistry(WithClock(func() time.Time { return at }))
	for _, c := range []struct {
		name string
		want types.Value
	}{
		{"UNIX_TIMESTAMP", types.BigInt(at.UnixMilli())},
		{"UNIX_DATE", types.Int(19157)},
	} {
		res, err := r.Resolve(c.name, nil)
		if err != nil {
			t.Fatalf("%s(): %v", c.name, err)
		}
		v, err := res.Eval(nil)
		if err != nil || !v.Equal(c.want) {
			t.Errorf("%s() = %v, %v; want %v", c.name, v, err, c.want)
		}
	}
	// The default clock is the real one.
	res, err := NewRegistry().Resolve("UNIX_TIMESTAMP", nil)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().UnixMilli()
	v, _ := res.Eval(nil)
	if v.BigInt() < before || v.BigInt() > time.Now().UnixMilli() {
		t.Errorf("UNIX_TIMESTAMP() = %v, not now", v)
	}
}
