package exec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/state"
	"github.com/sluicedata/sluice/internal/types"
)

// joinInput is a record fed to a windowJoin: "L0 A@0" is side left, key
// 0, value A, time 0.
func runWindowJoin(t *testing.T, w *windowJoin, inputs ...string) string {
	t.Helper()
	var out []string
	name := func(r types.Row) string {
		if r == nil {
			return "-"
		}
		return r[0].Str()
	}
	for _, in := range inputs {
		var side byte
		var key, val string
		var ts int64
		if _, err := fmt.Sscanf(strings.NewReplacer("@", " ").Replace(in), "%c%s %s %d", &side, &key, &val, &ts); err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		s := 0
		if side == 'R' {
			s = 1
		}
		err := w.add(s, []byte(key), ts, []byte(val), types.Row{types.Str(val)}, func(l, r types.Row, ts int64) error {
			out = append(out, fmt.Sprintf("%s,%s@%d", name(l), name(r), ts))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return strings.Join(out, " ")
}

// The cases are ksqlDB's own (joins.json), reduced to their records.
func TestWindowJoin(t *testing.T) {
	const sec, minute = 1000, 60_000
	eager := []string{"L0 zero@0", "R0 blah@10000", "L10 100@11000", "L0 foo@13000", "R0 a@15000", "R100 newblah@16000", "L90 ninety@17000", "L0 bar@30000"}
	outOfOrder := []string{"L0 A@0", "R0 a@60000", "L1 B@330000", "L2 C@90000", "R2 c@90000", "L3 D@60000", "R3 d@60000"}
	for _, c := range []struct {
		name                 string
		kind                 ast.JoinType
		before, after, grace int64
		graceSet             bool
		inputs               []string
		want                 string
	}{
		{"left, no grace: outer results at once", ast.LeftJoin, 11 * sec, 11 * sec, 0, false, eager,
			"zero,-@0 zero,blah@10000 100,-@11000 foo,blah@13000 foo,a@15000 ninety,-@17000 bar,-@30000"},
		{"inner", ast.InnerJoin, 11 * sec, 11 * sec, 0, false, eager,
			"zero,blah@10000 foo,blah@13000 foo,a@15000"},
		{"right, no grace", ast.RightJoin, 11 * sec, 11 * sec, 0, false, eager,
			"zero,blah@10000 foo,blah@13000 foo,a@15000 -,newblah@16000"},
		{"before and after differ", ast.InnerJoin, 11 * sec, 10 * sec, 0, false,
			[]string{"L0 zero@0", "R0 blah@10000", "R0 late@11000", "L0 foo@22000"},
			"zero,blah@10000 foo,late@22000"},
		{"inner, late record joins what is kept", ast.InnerJoin, 10 * sec, 10 * sec, 0, false,
			[]string{"L0 zero@0", "R0 blah@9999", "L0 foo@13000", "R0 a@15000", "L0 bar@30000", "L0 late@6000"},
			"zero,blah@9999 foo,blah@13000 foo,a@15000 late,blah@9999 late,a@15000"},
		{"inner with grace: records past their window are dropped", ast.InnerJoin, minute, minute, minute, true, outOfOrder,
			"A,a@60000"},
		{"left with grace: outer results once the window closed", ast.LeftJoin, minute, minute, minute, true, outOfOrder,
			"A,a@60000 C,-@90000 D,-@60000"},
		{"right with grace", ast.RightJoin, minute, minute, minute, true,
			[]string{"L0 A@0", "R0 a@60000", "L1 B@330000", "L2 C@90000", "R2 c@90000", "R3 d@60000", "L3 D@90000"},
			"A,a@60000 -,c@90000 -,d@60000 D,d@90000"},
		{"full with grace", ast.FullJoin, minute, minute, minute, true,
			[]string{"L0 A@0", "R0 a@60000", "R1 b@330000", "R2 c@90000", "L2 C@90000", "R3 d@60000", "L3 D@60000"},
			"A,a@60000 -,c@90000 C,-@90000 -,d@60000 D,-@60000"},
		{"left with grace: a waiting record is emitted when stream time passes its window", ast.LeftJoin, sec, sec, sec, true,
			[]string{"L0 A@0", "L1 B@1000", "R9 x@2001", "R9 y@3000", "R9 z@3001"},
			"A,-@0 B,-@1000"}, // A once 2001 > 0+1000+1000, B once 3001 > 1000+1000+1000
	} {
		t.Run(c.name, func(t *testing.T) {
			grace := c.grace
			if !c.graceSet {
				grace = 24 * 3600 * sec
			}
			got := runWindowJoin(t, testWindowJoin(t, c.kind, c.before, c.after, grace, c.graceSet), c.inputs...)
			if got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// testWindowJoin is a windowJoin over an in-memory store whose records
// are strings.
func testWindowJoin(t *testing.T, kind ast.JoinType, before, after, grace int64, hasGrace bool) *windowJoin {
	t.Helper()
	store, err := state.Open("", state.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	w, err := newWindowJoin(kind, before, after, grace, hasGrace, store, func(_ int, data []byte) (types.Row, error) {
		return types.Row{types.Str(string(data))}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The buffers hold what a join may still need, not the whole stream:
// expiry runs when a cutoff has moved by an eighth of the retention.
func TestWindowJoinBuffersAreBounded(t *testing.T) {
	const before, after, grace = 1000, 1000, 500
	w := testWindowJoin(t, ast.LeftJoin, before, after, grace, true)
	limit := int64(2 * (before + after + grace + (before+after+grace)/8 + 2))
	for i := 0; i < 50_000; i++ {
		side := i % 2
		v := fmt.Sprint(i)
		if err := w.add(side, []byte(fmt.Sprint(i%100)), int64(i), []byte(v), types.Row{types.Str(v)}, func(l, r types.Row, ts int64) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if n := w.m.Records; n > limit {
			t.Fatalf("after %d records, %d buffered", i+1, n)
		}
	}
	if w.m.Waiting > before+grace+2 {
		t.Fatalf("%d outer results waiting", w.m.Waiting)
	}
}

// The buffers survive a checkpoint and a restart of the store: the join
// goes on as if it had not stopped.
func TestWindowJoinResumesFromCheckpoint(t *testing.T) {
	inputs := []string{"L0 A@0", "R0 a@60000", "L1 B@330000", "L2 C@90000", "R2 c@90000", "L3 D@60000", "R3 d@60000"}
	want := runWindowJoin(t, testWindowJoin(t, ast.LeftJoin, 60_000, 60_000, 60_000, true), inputs...)
	dir := t.TempDir()
	decode := func(_ int, data []byte) (types.Row, error) { return types.Row{types.Str(string(data))}, nil }
	var got []string
	for i, in := range inputs {
		store, err := state.Open(dir, state.Options{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := newWindowJoin(ast.LeftJoin, 60_000, 60_000, 60_000, true, store, decode)
		if err != nil {
			t.Fatal(err)
		}
		if out := runWindowJoin(t, w, in); out != "" {
			got = append(got, out)
		}
		if err := w.save(); err != nil {
			t.Fatal(err)
		}
		if err := store.Checkpoint(state.Checkpoint{StreamTime: int64(i)}, nil); err != nil {
			t.Fatal(err)
		}
		store.Close()
	}
	if strings.Join(got, " ") != want {
		t.Fatalf("across restarts: %s\nwithout:         %s", strings.Join(got, " "), want)
	}
}
