//go:build invariants

package embedded

import "fmt"

// invariants turns on checks too costly for release builds (go test -tags
// invariants).
const invariants = true

// checkAppend verifies, before a frame is published, that it continues the
// partition's offsets and bytes exactly and reads back as written.
func (p *partition) checkAppend(seg *segment, base, pos, count int64) {
	if base != seg.end.Load() || pos != seg.size.Load() {
		panic(fmt.Sprintf("embedded: %s: frame at offset %d position %d does not continue the segment (end %d, size %d)", p.name, base, pos, seg.end.Load(), seg.size.Load()))
	}
	h := parseFrameHeader(p.buf)
	if err := h.check(p.buf); err != nil || h.base != base || int64(h.count) != count || h.size() != int64(len(p.buf)) {
		panic(fmt.Sprintf("embedded: %s: frame at offset %d does not read back (%v)", p.name, base, err))
	}
	if n := len(seg.idx); n > 0 {
		e := seg.idx[n-1]
		if n > 1 && !e.follows(seg.idx[n-2]) || int64(e.pos) > pos {
			panic(fmt.Sprintf("embedded: %s: index entries out of order", p.name))
		}
	}
}
