package serde

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/types"
)

func TestWindowedTimeLayout(t *testing.T) {
	inner := mustFormat(t, "KAFKA", []types.Column{keyCol("K", types.StringType)}, Options{})
	f, err := Windowed(inner, TimeWindows, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if f.Name() != "KAFKA" {
		t.Errorf("Name = %q", f.Name())
	}
	// "ab" then start 1000 as 8 bytes big-endian; the end is not written.
	want := "ab\x00\x00\x00\x00\x00\x00\x03\xe8"
	b, err := f.Encode(nil, []types.Value{types.Str("ab"), types.BigInt(1000), types.BigInt(31000)})
	if err != nil || string(b) != want {
		t.Fatalf("Encode = %q, %v; want %q", b, err, want)
	}
	got, err := f.Decode(nil, b)
	if err != nil || !sameRow(got, []types.Value{types.Str("ab"), types.BigInt(1000), types.BigInt(31000)}) {
		t.Errorf("Decode(%q) = %v, %v; want [ab 1000 31000]", b, got, err)
	}
	// The end saturates, as Kafka Streams' TimeWindow does.
	late := AppendWindow([]byte("k"), TimeWindows, math.MaxInt64-5, 0)
	if got, err := f.Decode(nil, late); err != nil || got[2].BigInt() != math.MaxInt64 {
		t.Errorf("Decode(late window) = %v, %v; want WINDOWEND at the largest BIGINT", got, err)
	}
}

func TestWindowedSessionLayout(t *testing.T) {
	inner := mustFormat(t, "KAFKA", []types.Column{keyCol("K", types.IntegerType)}, Options{})
	f, err := Windowed(inner, SessionWindows, 0)
	if err != nil {
		t.Fatal(err)
	}
	// INTEGER 7, then end 2000, then start 1000.
	want := "\x00\x00\x00\x07" + "\x00\x00\x00\x00\x00\x00\x07\xd0" + "\x00\x00\x00\x00\x00\x00\x03\xe8"
	b, err := f.Encode([]byte{}, []types.Value{types.Int(7), types.BigInt(1000), types.BigInt(2000)})
	if err != nil || string(b) != want {
		t.Fatalf("Encode = %q, %v; want %q", b, err, want)
	}
	dst := []types.Value{types.Str("kept")}
	got, err := f.Decode(dst, b)
	if err != nil || !sameRow(got, []types.Value{types.Str("kept"), types.Int(7), types.BigInt(1000), types.BigInt(2000)}) {
		t.Errorf("Decode = %v, %v", got, err)
	}
	key, start, end, err := SplitWindow(b, SessionWindows, 0)
	if err != nil || string(key) != "\x00\x00\x00\x07" || start != 1000 || end != 2000 {
		t.Errorf("SplitWindow = %q, %d, %d, %v", key, start, end, err)
	}
}

func TestWindowedJSONKeyAndNulls(t *testing.T) {
	inner := mustFormat(t, "JSON", []types.Column{keyCol("A", types.IntegerType), keyCol("B", types.StringType)}, Options{})
	f, err := Windowed(inner, TimeWindows, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	row := []types.Value{types.Int(1), types.Str("x"), types.BigInt(60000), types.BigInt(120000)}
	b, err := f.Encode(nil, row)
	if err != nil || !strings.HasPrefix(string(b), `{"A":1,"B":"x"}`) || len(b) != len(`{"A":1,"B":"x"}`)+8 {
		t.Fatalf("Encode = %q, %v", b, err)
	}
	if got, err := f.Decode(nil, b); err != nil || !sameRow(got, row) {
		t.Errorf("Decode = %v, %v; want %v", got, err, row)
	}
	if got, err := f.Decode(nil, nil); err != nil || !sameRow(got, make([]types.Value, 4)) {
		t.Errorf("Decode(nil) = %v, %v; want four NULLs", got, err)
	}
}

func TestWindowedErrors(t *testing.T) {
	inner := mustFormat(t, "KAFKA", []types.Column{keyCol("K", types.IntegerType)}, Options{})
	if _, err := Windowed(inner, TimeWindows, 0); !errors.Is(err, ErrInvalidFormat) {
		t.Errorf("Windowed(time, size 0) = %v", err)
	}
	if _, err := Windowed(inner, WindowType(9), time.Second); !errors.Is(err, ErrInvalidFormat) {
		t.Errorf("Windowed(type 9) = %v", err)
	}
	sess, _ := Windowed(inner, SessionWindows, 0)
	dst := []types.Value{types.Int(0)}
	for _, in := range []string{"short", "\x00\x00\x00" + strings.Repeat("\x00", 16)} {
		got, err := sess.Decode(dst, []byte(in))
		if !errors.Is(err, ErrDecode) || len(got) != 1 {
			t.Errorf("Decode(%q) = %v, %v; want ErrDecode and dst unchanged", in, got, err)
		}
	}
	if _, err := sess.Encode(nil, []types.Value{types.Int(1)}); !errors.Is(err, ErrEncode) {
		t.Errorf("Encode without window bounds = %v", err)
	}
	if _, err := sess.Encode(nil, []types.Value{types.Int(1), types.Null(), types.BigInt(1)}); !errors.Is(err, ErrEncode) {
		t.Errorf("Encode with a NULL WINDOWSTART = %v", err)
	}
	for s, want := range map[string]WindowType{"tumbling": TimeWindows, "HOPPING": TimeWindows, "Session": SessionWindows} {
		if got, err := ParseWindowType(s); err != nil || got != want {
			t.Errorf("ParseWindowType(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseWindowType("SLIDING"); !errors.Is(err, ErrInvalidFormat) {
		t.Errorf("ParseWindowType(SLIDING) = %v", err)
	}
}
