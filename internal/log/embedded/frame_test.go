package embedded

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

func TestFrameRoundTrip(t *testing.T) {
	recs := append(testRecords(0, 20), log.Record{}, log.Record{Key: []byte{}, Value: []byte{}, Headers: []log.Header{{}}})
	f, maxTs := appendFrame([]byte("prefix"), 1000, recs)
	f = f[len("prefix"):]
	h := parseFrameHeader(f)
	if err := h.check(f); err != nil {
		t.Fatal(err)
	}
	if h.size() != int64(len(f)) || h.base != 1000 || h.count != int32(len(recs)) || h.maxTs != maxTs || h.firstTs != recs[0].Timestamp {
		t.Fatalf("header %+v for a %d-byte frame of %d records", h, len(f), len(recs))
	}
	var d decoder
	if err := d.decode(f, &h, 3, 1005); err != nil {
		t.Fatal(err)
	}
	if len(d.recs) != len(recs)-5 {
		t.Fatalf("decoded %d records from offset 1005, want %d", len(d.recs), len(recs)-5)
	}
	for i, r := range d.recs {
		if !sameRecord(r, recs[i+5]) || r.Offset != int64(1005+i) || r.Partition != 3 {
			t.Errorf("record %d = %+v, want %+v", i, r, recs[i+5])
		}
	}
}

// FuzzDecode feeds arbitrary record bytes to the decoder, which must
// report ErrCorrupt or decode, never panic or read out of bounds.
func FuzzDecode(f *testing.F) {
	frame, _ := appendFrame(nil, 0, testRecords(0, 6))
	f.Add(frame[frameHeaderSize:], uint8(6))
	f.Add([]byte{0, 1, 1, 0}, uint8(1))
	f.Add([]byte{0, 0x7f, 0xff, 0xff, 0xff, 0x0f}, uint8(1))
	f.Fuzz(func(t *testing.T, body []byte, count uint8) {
		fr := make([]byte, frameHeaderSize, frameHeaderSize+len(body))
		fr = append(fr, body...)
		binary.LittleEndian.PutUint32(fr, uint32(len(fr)-4))
		h := frameHeader{length: uint32(len(fr) - 4), count: int32(count)}
		var d decoder
		if err := d.decode(fr, &h, 0, 0); err != nil && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("decode error %v is not ErrCorrupt", err)
		}
	})
}
