package embedded

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

// frameLayout writes frames of the given records to partition 0 of topic
// "t" in a closed log and returns its directory, the active segment's path
// and the start of every frame in it.
func frameLayout(t *testing.T, frames [][]log.Record) (dir, seg string, starts []int64) {
	t.Helper()
	l := openLog(t, Options{Fsync: FsyncNever})
	createTopic(t, l, "t", 1, nil)
	p, _ := l.partition("t", 0)
	for _, recs := range frames {
		starts = append(starts, p.active.size.Load())
		mustAppend(t, l, "t", 0, recs)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return l.opts.Dir, filepath.Join(partitionDirOf(l, "t", 0), segmentFileName(0, ".log")), starts
}

func countRecords(frames [][]log.Record) (n int64) {
	for _, f := range frames {
		n += int64(len(f))
	}
	return n
}

func quarantineFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.quarantine-*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestTornTailEveryLength cuts the last frame of a segment at every one of
// its lengths, as a crash in the middle of its write would, and checks that
// recovery keeps every earlier record, drops the torn one and continues
// at the right offset. It does so with and without an index entry pointing
// at the torn frame.
func TestTornTailEveryLength(t *testing.T) {
	last := testRecords(100, 3)
	last[1].Headers = []log.Header{{Key: "torn", Value: []byte("tail")}}
	layouts := map[string][][]log.Record{
		"small":   {testRecords(0, 3), testRecords(3, 4), last},
		"indexed": {testRecords(0, 3), {{Key: []byte("big"), Value: bytes.Repeat([]byte("b"), 5000)}}, last},
	}
	for name, frames := range layouts {
		t.Run(name, func(t *testing.T) {
			src, seg, starts := frameLayout(t, frames)
			whole, err := os.ReadFile(seg)
			if err != nil {
				t.Fatal(err)
			}
			torn := starts[len(starts)-1]
			x, _ := readIndex(strings.TrimSuffix(seg, ".log")+".idx", 0, int64(len(whole)))
			if idx := x.entries; (name == "indexed") != (len(idx) > 0 && int64(idx[len(idx)-1].pos) == torn) {
				t.Fatalf("layout %s: index %v, torn frame at %d", name, idx, torn)
			}
			kept := countRecords(frames[:len(frames)-1])
			idxPath := strings.TrimSuffix(seg, ".log") + ".idx"
			idx, err := os.ReadFile(idxPath)
			if err != nil {
				t.Fatal(err)
			}
			for cut := torn; cut < int64(len(whole)); cut++ {
				// The same directory serves every cut: the segment and its
				// index are put back as the crash would have left them.
				if err := os.WriteFile(seg, whole[:cut], 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(idxPath, idx, 0o644); err != nil {
					t.Fatal(err)
				}
				var out logBuffer
				l, err := Open(Options{Dir: src, Fsync: FsyncNever, Logger: out.logger()})
				if err != nil {
					t.Fatalf("cut at %d: Open: %v", cut, err)
				}
				if info := partitionInfo(t, l, "t", 0); info.EndOffset != kept {
					t.Fatalf("cut at %d of the frame at %d: end offset %d, want %d", cut, torn, info.EndOffset, kept)
				}
				got := readAll(t, l, "t", 0, 0)
				if int64(len(got)) != kept {
					t.Fatalf("cut at %d: read %d records, want %d", cut, len(got), kept)
				}
				i := 0
				for _, f := range frames[:len(frames)-1] {
					for _, want := range f {
						if !sameRecord(got[i], want) {
							t.Fatalf("cut at %d: record %d = %+v, want %+v", cut, i, got[i], want)
						}
						i++
					}
				}
				if q := quarantineFiles(t, filepath.Dir(seg)); len(q) != 0 {
					t.Fatalf("cut at %d: a torn tail was quarantined: %v", cut, q)
				}
				if cut > torn && !strings.Contains(out.String(), "torn tail") {
					t.Errorf("cut at %d: the torn tail was not reported: %s", cut, out.String())
				}
				if base := mustAppend(t, l, "t", 0, testRecords(kept, 2)); base != kept {
					t.Fatalf("cut at %d: Append after recovery = %d, want %d", cut, base, kept)
				}
				if (cut-torn)%4 == 0 {
					l = reopen(t, l)
				}
				if got := readAll(t, l, "t", 0, kept); len(got) != 2 || !sameRecord(got[1], testRecord(kept+1)) {
					t.Fatalf("cut at %d: records appended after recovery read back as %+v", cut, got)
				}
				l.Close()
			}
		})
	}
}

// corruptAndReopen writes frames, lets damage change the active segment's
// bytes, reopens and returns the log, its report and the original bytes.
func corruptAndReopen(t *testing.T, frames [][]log.Record, damage func(seg []byte, starts []int64) []byte) (*Log, *logBuffer, []byte, []int64) {
	t.Helper()
	dir, seg, starts := frameLayout(t, frames)
	orig, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seg, damage(bytes.Clone(orig), starts), 0o644); err != nil {
		t.Fatal(err)
	}
	out := &logBuffer{}
	l := openLog(t, Options{Dir: dir, Fsync: FsyncNever, Logger: out.logger()})
	return l, out, orig, starts
}

func TestCorruptFrameQuarantined(t *testing.T) {
	frames := [][]log.Record{testRecords(0, 3), testRecords(3, 4), testRecords(7, 2), testRecords(9, 5)}
	cases := map[string]struct {
		frame  int // the first frame lost
		damage func(seg []byte, starts []int64) []byte
	}{
		"flipped byte in a middle frame": {1, func(seg []byte, starts []int64) []byte {
			seg[starts[1]+frameHeaderSize+5] ^= 0x40
			return seg
		}},
		"flipped byte in the last frame": {3, func(seg []byte, starts []int64) []byte {
			seg[len(seg)-1] ^= 1
			return seg
		}},
		"wrong base offset": {2, func(seg []byte, starts []int64) []byte {
			// A frame that checks out but does not continue the offsets.
			f := seg[starts[2]:starts[3]]
			f[10]++
			copy(f[4:8], appendUint32(nil, crc(f[8:])))
			return seg
		}},
		"garbage after the frames": {4, func(seg []byte, starts []int64) []byte {
			return append(seg, bytes.Repeat([]byte{0xab}, 100)...)
		}},
		"garbage running past the end": {2, func(seg []byte, starts []int64) []byte {
			// Bytes whose length field runs past the end of the file, as a
			// torn write's would, but whose header is not that of the next
			// frame: not a torn write.
			g := seg[starts[2]:]
			for i := range g {
				g[i] = 0xab
			}
			copy(g, appendUint32(nil, 4096))
			return seg
		}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			l, out, orig, starts := corruptAndReopen(t, frames, c.damage)
			kept := countRecords(frames[:c.frame])
			lost := int64(len(orig))
			if c.frame < len(starts) {
				lost = starts[c.frame]
			}
			pdir := partitionDirOf(l, "t", 0)
			q := quarantineFiles(t, pdir)
			if len(q) != 1 || !strings.HasSuffix(q[0], ".log.quarantine-"+itoa(lost)) {
				t.Fatalf("quarantine files %v, want one for position %d", q, lost)
			}
			data, err := os.ReadFile(q[0])
			if err != nil {
				t.Fatal(err)
			}
			damaged := c.damage(bytes.Clone(orig), starts)
			if !bytes.Equal(data, damaged[lost:]) {
				t.Errorf("quarantine holds %d bytes, want the %d bytes from position %d", len(data), len(damaged)-int(lost), lost)
			}
			if !strings.Contains(out.String(), "level=WARN") || !strings.Contains(out.String(), "quarantined") {
				t.Errorf("no warning about the quarantine: %s", out.String())
			}
			if info := partitionInfo(t, l, "t", 0); info.EndOffset != kept {
				t.Fatalf("end offset %d, want %d", info.EndOffset, kept)
			}
			checkTestRecords(t, readAll(t, l, "t", 0, 0), 0, 0)
			if base := mustAppend(t, l, "t", 0, testRecords(kept, 3)); base != kept {
				t.Fatalf("Append after quarantine = %d, want %d", base, kept)
			}
			l = reopen(t, l)
			checkTestRecords(t, readAll(t, l, "t", 0, 0), 0, 0)
			if len(quarantineFiles(t, pdir)) != 1 {
				t.Errorf("a second open changed the quarantine files: %v", quarantineFiles(t, pdir))
			}
		})
	}
}

func appendUint32(b []byte, v uint32) []byte {
	return append(b, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestZeroTailIsTorn(t *testing.T) {
	frames := [][]log.Record{testRecords(0, 3), testRecords(3, 4)}
	l, _, _, _ := corruptAndReopen(t, frames, func(seg []byte, _ []int64) []byte {
		return append(seg, make([]byte, 8192)...) // extended, never written
	})
	if q := quarantineFiles(t, partitionDirOf(l, "t", 0)); len(q) != 0 {
		t.Errorf("a zero tail was quarantined: %v", q)
	}
	if got := readAll(t, l, "t", 0, 0); len(got) != 7 {
		t.Fatalf("read %d records, want 7", len(got))
	}
	if base := mustAppend(t, l, "t", 0, testRecords(7, 1)); base != 7 {
		t.Errorf("Append = %d, want 7", base)
	}
}

// TestCorruptionFoundByReader damages a frame that recovery trusts (it
// lies before the last index entry): the reader must report it, never
// return its records, and keep returning the error.
func TestCorruptionFoundByReader(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 3000)
	frames := [][]log.Record{testRecords(0, 2), {{Value: big}}, {{Value: big}}, testRecords(4, 2)}
	l, _, _, starts := corruptAndReopen(t, frames, func(seg []byte, starts []int64) []byte {
		seg[starts[1]+frameHeaderSize+100] ^= 0xff
		return seg
	})
	if q := quarantineFiles(t, partitionDirOf(l, "t", 0)); len(q) != 0 {
		t.Fatalf("recovery scanned a trusted frame: %v", q)
	}
	ctx := context.Background()
	r, err := l.OpenReader(ctx, "t", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []log.Record
	for range 3 {
		recs, err := r.Next(ctx)
		got = append(got, recs...)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "checksum") {
				t.Fatalf("Next: %v, want ErrCorrupt about the checksum", err)
			}
			continue
		}
	}
	if len(got) > 2 {
		t.Fatalf("the reader returned %d records, past the corrupt frame at position %d", len(got), starts[1])
	}
	if r.Position() != 2 {
		t.Errorf("Position after the error = %d, want 2", r.Position())
	}
	// Reading past it from the index works.
	checkTestRecords(t, readAll(t, l, "t", 0, 4), 4, 0)
}

func TestTornSegmentCreation(t *testing.T) {
	l := openLog(t, Options{Fsync: FsyncNever})
	createTopic(t, l, "t", 1, map[string]string{log.ConfigSegmentBytes: "1024"})
	for i := int64(0); i < 100; i += 5 {
		mustAppend(t, l, "t", 0, testRecords(i, 5))
	}
	dir := partitionDirOf(l, "t", 0)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash while the next segment was being created left its file with
	// part of a header.
	if err := os.WriteFile(filepath.Join(dir, segmentFileName(100, ".log")), segMagic[:5], 0o644); err != nil {
		t.Fatal(err)
	}
	l = openLog(t, l.opts)
	checkTestRecords(t, readAll(t, l, "t", 0, 0), 0, 0)
	if base := mustAppend(t, l, "t", 0, testRecords(100, 1)); base != 100 {
		t.Errorf("Append = %d, want 100", base)
	}
	checkTestRecords(t, readAll(t, l, "t", 0, 90), 90, 0)
}

func TestBadActiveHeaderQuarantined(t *testing.T) {
	frames := [][]log.Record{testRecords(0, 3)}
	l, out, orig, _ := corruptAndReopen(t, frames, func(seg []byte, _ []int64) []byte {
		seg[3] = 'X'
		return seg
	})
	q := quarantineFiles(t, partitionDirOf(l, "t", 0))
	if len(q) != 1 || !strings.HasSuffix(q[0], ".quarantine-0") {
		t.Fatalf("quarantine files %v", q)
	}
	if data, _ := os.ReadFile(q[0]); len(data) != len(orig) {
		t.Errorf("quarantined %d bytes, want the whole %d-byte segment", len(data), len(orig))
	}
	if !strings.Contains(out.String(), "quarantined") {
		t.Errorf("not reported: %s", out.String())
	}
	if base := mustAppend(t, l, "t", 0, testRecords(0, 1)); base != 0 {
		t.Errorf("Append = %d, want 0", base)
	}
}

func TestBadClosedHeaderRefusesOpen(t *testing.T) {
	l := openLog(t, Options{Fsync: FsyncNever})
	createTopic(t, l, "t", 1, map[string]string{log.ConfigSegmentBytes: "1024"})
	for i := int64(0); i < 100; i += 5 {
		mustAppend(t, l, "t", 0, testRecords(i, 5))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(partitionDirOf(l, "t", 0), segmentFileName(0, ".log"))
	data, _ := os.ReadFile(path)
	data[0] = 'x'
	os.WriteFile(path, data, 0o644)
	_, err := Open(l.opts)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("Open with a damaged closed segment: %v, want an error naming %s", err, path)
	}
}

// twoSegments writes records 0..99 to partition 0 of topic "t" in 1 KiB
// segments, closes the log and returns it with the path of the first
// segment and the start of that segment's last frame.
func twoSegments(t *testing.T) (*Log, string, int64) {
	t.Helper()
	l := openLog(t, Options{Fsync: FsyncNever})
	createTopic(t, l, "t", 1, map[string]string{log.ConfigSegmentBytes: "1024"})
	p, _ := l.partition("t", 0)
	var lastStart int64
	for i := int64(0); i < 100; i += 5 {
		pos := p.active.size.Load()
		mustAppend(t, l, "t", 0, testRecords(i, 5))
		if len(p.segments()) == 1 {
			lastStart = pos
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return l, filepath.Join(partitionDirOf(l, "t", 0), segmentFileName(0, ".log")), lastStart
}

// TestUnsealedSegmentCut is a machine crash after a roll, before the rolled
// segment was sealed: its tail never reached the disk, while later
// segments did. The log keeps the longest good prefix: the rolled segment
// is cut, later segments are quarantined, appends continue from the cut.
func TestUnsealedSegmentCut(t *testing.T) {
	l, seg, lastStart := twoSegments(t)
	dir := filepath.Dir(seg)
	x, err := readIndex(strings.TrimSuffix(seg, ".log")+".idx", 0, 1<<20)
	if err != nil || !x.sealed {
		t.Fatalf("the first segment's index is not sealed after a clean close: %+v, %v", x, err)
	}
	if err := writeIndex(strings.TrimSuffix(seg, ".log")+".idx", 0, x.entries, false); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(seg, lastStart+10); err != nil {
		t.Fatal(err)
	}
	later := segmentFiles(t, dir)[1:]
	var out logBuffer
	l = openLog(t, Options{Dir: l.opts.Dir, Fsync: FsyncNever, Logger: out.logger()})
	info := partitionInfo(t, l, "t", 0)
	if len(later) == 0 || info.EndOffset >= later[0] || info.EndOffset == 0 {
		t.Fatalf("after the cut: %+v; later segments started at %v", info, later)
	}
	if got := segmentFiles(t, dir); len(got) != 1 || got[0] != 0 {
		t.Errorf("segments after the cut: %v, want only the first", got)
	}
	for _, b := range later {
		if _, err := os.Stat(filepath.Join(dir, segmentFileName(b, ".log.quarantine-0"))); err != nil {
			t.Errorf("later segment %d not quarantined: %v", b, err)
		}
	}
	if !strings.Contains(out.String(), "segment quarantined") {
		t.Errorf("the quarantine was not reported: %s", out.String())
	}
	end := info.EndOffset
	checkTestRecords(t, readAll(t, l, "t", 0, 0), 0, 0)
	for i := end; i < end+30; i += 5 {
		if base := mustAppend(t, l, "t", 0, testRecords(i, 5)); base != i {
			t.Fatalf("Append after the cut = %d, want %d", base, i)
		}
	}
	l = reopen(t, l)
	checkTestRecords(t, readAll(t, l, "t", 0, 0), 0, 0)
	if info := partitionInfo(t, l, "t", 0); info.EndOffset != end+30 {
		t.Errorf("after reopen: %+v, want end %d", info, end+30)
	}
}

// TestSealedSegmentDamageKept damages a sealed segment: its bytes were on
// disk, so recovery reports the damage and cuts nothing; readers stop at
// it with an error, and the records after it stay readable.
func TestSealedSegmentDamageKept(t *testing.T) {
	l, seg, lastStart := twoSegments(t)
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	data[lastStart+frameHeaderSize+2] ^= 0x10
	if err := os.WriteFile(seg, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out logBuffer
	l = openLog(t, Options{Dir: l.opts.Dir, Fsync: FsyncNever, Logger: out.logger()})
	if !strings.Contains(out.String(), "sealed segment is damaged") {
		t.Errorf("the damage was not reported: %s", out.String())
	}
	if q := quarantineFiles(t, filepath.Dir(seg)); len(q) != 0 {
		t.Errorf("damage in a sealed segment was quarantined: %v", q)
	}
	if info := partitionInfo(t, l, "t", 0); info.EndOffset != 100 {
		t.Fatalf("end offset %d, want 100", info.EndOffset)
	}
	if _, err := tryReadAll(l, "t", 0, 0); !errors.Is(err, ErrCorrupt) {
		t.Errorf("reading across the damage: %v, want ErrCorrupt", err)
	}
	next := segmentFiles(t, filepath.Dir(seg))[1]
	checkTestRecords(t, readAll(t, l, "t", 0, next), next, 0)
}
