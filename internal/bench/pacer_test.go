package bench

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPacerSchedulesAtTheRate(t *testing.T) {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	p := NewPacer(t0, 1000) // one event per millisecond
	if got := p.Due(t0.Add(-time.Millisecond)); got != 0 {
		t.Errorf("Due before start = %d, want 0", got)
	}
	if got := p.Due(t0); got != 1 {
		t.Errorf("Due at start = %d, want 1 (event 0 is due at start)", got)
	}
	if got := p.Due(t0.Add(10*time.Millisecond + time.Microsecond)); got != 11 {
		t.Errorf("Due after 10 ms = %d, want 11", got)
	}
	if first := p.Take(4); first != 0 {
		t.Errorf("first Take = %d, want 0", first)
	}
	if first := p.Take(3); first != 4 {
		t.Errorf("second Take = %d, want 4", first)
	}
	if got := p.Due(t0.Add(10*time.Millisecond + time.Microsecond)); got != 4 {
		t.Errorf("Due after taking 7 of 11 = %d, want 4", got)
	}
	if got, want := p.At(5), t0.Add(5*time.Millisecond); !got.Equal(want) {
		t.Errorf("At(5) = %s, want %s", got, want)
	}
	if p.Issued() != 7 {
		t.Errorf("Issued = %d, want 7", p.Issued())
	}
}

func TestPacerNextTakesWhatIsDueUpToABatch(t *testing.T) {
	// Started a second ago at 10000/s: 10001 events are due at once.
	p := NewPacer(time.Now().Add(-time.Second), 10_000)
	first, n, err := p.Next(context.Background(), time.Millisecond, 1000)
	if err != nil || first != 0 || n != 1000 {
		t.Fatalf("Next = %d, %d, %v; want 0, 1000 (a full batch), nil", first, n, err)
	}
	first, n, err = p.Next(context.Background(), time.Hour, 1000)
	if err != nil || first != 1000 || n != 1000 {
		t.Fatalf("Next = %d, %d, %v; want 1000, 1000: a full batch due goes at once, whatever the tick", first, n, err)
	}
}

func TestPacerNextStopsWithTheContext(t *testing.T) {
	p := NewPacer(time.Now().Add(time.Hour), 1000) // nothing due for an hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := p.Next(ctx, time.Millisecond, 10); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with a cancelled context = %v, want context.Canceled", err)
	}
}
