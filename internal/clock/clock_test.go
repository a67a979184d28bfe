package clock

import (
	"testing"
	"time"
)

func TestFakeTickerAndAfter(t *testing.T) {
	c := NewFake(time.Unix(100, 0))
	tk := c.NewTicker(100 * time.Millisecond)
	after := c.After(250 * time.Millisecond)

	c.Advance(99 * time.Millisecond)
	select {
	case <-tk.C():
		t.Fatal("ticker fired early")
	default:
	}
	c.Advance(time.Millisecond)
	if got := <-tk.C(); !got.Equal(time.Unix(100, 0).Add(100 * time.Millisecond)) {
		t.Fatalf("tick at %v", got)
	}
	c.Advance(200 * time.Millisecond) // ticks at 200 and 300; one is dropped
	<-tk.C()
	select {
	case <-after:
	default:
		t.Fatal("After(250ms) did not fire by 300ms")
	}
	tk.Stop()
	c.Advance(time.Second)
	select {
	case <-tk.C():
		t.Fatal("stopped ticker fired")
	default:
	}
	if !c.Now().Equal(time.Unix(101, 300_000_000)) {
		t.Fatalf("Now() = %v", c.Now())
	}
}
