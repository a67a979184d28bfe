package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
	"github.com/sluicedata/sluice/internal/sql/parser"
)

// docBlock is one fenced code block of a Markdown file.
type docBlock struct {
	info string // the fence's info string: sql, sql-not-run, sql-fails
	line int    // line of the opening fence
	text string
}

func codeBlocks(t *testing.T, path string) []docBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []docBlock
	var cur *docBlock
	var body strings.Builder
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &docBlock{info: strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), line: n}
			body.Reset()
		case cur != nil && trimmed == "```":
			cur.text = body.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: code block never closed", path, cur.line)
	}
	return blocks
}

// Every SQL example of docs/sql.md runs, in the order of the page, in one
// engine and one session, as if typed into 'sluice sql': ```sql blocks
// must succeed, ```sql-fails blocks must be refused, and ```sql-not-run
// blocks (push queries and PRINT, which run until stopped) must parse.
// Then every persistent query the page created must process its input.
func TestSQLDocExamplesRun(t *testing.T) {
	const path = "../../docs/sql.md"
	ctx := context.Background()
	e, err := engine.Open(ctx, engine.Config{Log: memlog.New(), Manual: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	sess := engine.NewSession()
	ran := 0
	for _, b := range codeBlocks(t, path) {
		switch b.info {
		case "sql":
			if _, err := e.Execute(ctx, sess, b.text); err != nil {
				t.Errorf("%s:%d: %v\n%s", path, b.line, err, b.text)
				continue
			}
			if err := e.Drain(ctx); err != nil {
				t.Errorf("%s:%d: the queries failed after this block: %v", path, b.line, err)
			}
			ran++
		case "sql-fails":
			if _, err := e.Execute(ctx, sess, b.text); err == nil {
				t.Errorf("%s:%d: the example of an error succeeded:\n%s", path, b.line, b.text)
			}
		case "sql-not-run":
			if _, err := parser.ParseScript(b.text); err != nil {
				t.Errorf("%s:%d: does not parse: %v\n%s", path, b.line, err, b.text)
			}
		case "sql-output", "":
			// Results as the shell prints them, and plain text.
		default:
			if strings.HasPrefix(b.info, "sql") {
				t.Errorf("%s:%d: unknown block kind %q: use sql, sql-fails, sql-not-run or sql-output", path, b.line, b.info)
			}
		}
	}
	if ran < 15 {
		t.Fatalf("%s: only %d sql blocks ran; the page lost its examples?", filepath.Base(path), ran)
	}
	for _, q := range e.Queries() {
		if q.State == "ERROR" {
			t.Errorf("query %s is in ERROR: %s", q.ID, q.Statement)
		}
	}
	checkSQLDocResults(t, e.Log())
}

// checkSQLDocResults checks what the page says its examples write.
func checkSQLDocResults(t *testing.T, l log.Log) {
	t.Helper()
	// The pageviews inserted: u1 /video/42 31 s, u2 /home 4 s, u3 /video/7
	// 12.5 s; LONG_VIEWS keeps the long video views, keyed by user.
	if got := keysOf(readTopic(t, l, "LONG_VIEWS")); !slices.Equal(got, []string{"u1", "u3"}) {
		t.Errorf("LONG_VIEWS keys = %q, want u1 and u3", got)
	}
	// PARTITION BY page: each record keyed by its page, in the partition
	// the key hashes to among the sink's 4 (the source's count).
	byPage := readTopic(t, l, "VIEWS_BY_PAGE")
	if len(byPage) != 3 {
		t.Errorf("VIEWS_BY_PAGE has %d records, want 3", len(byPage))
	}
	for _, r := range byPage {
		var v map[string]any
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatal(err)
		}
		if _, hasPage := v["PAGE"]; hasPage || v["USER_ID"] == nil {
			t.Errorf("VIEWS_BY_PAGE value %s: want USER_ID and DURATION_MS, the page being the key", r.Value)
		}
		if want := log.PartitionForKey(r.Key, 4); r.Partition != want {
			t.Errorf("VIEWS_BY_PAGE record keyed %q is in partition %d, want %d", r.Key, r.Partition, want)
		}
	}
	if n := len(readTopic(t, l, "ORDER_LINES")); n != 2 {
		t.Errorf("ORDER_LINES has %d records, want 2 (one per item)", n)
	}
	if n := len(readTopic(t, l, "ORDER_CUBE")); n != 4 {
		t.Errorf("ORDER_CUBE has %d records, want 4 (the combinations of 2 dimensions)", n)
	}
	info, err := l.DescribeTopic(context.Background(), "derived_VIDEO_VIEWS")
	if err != nil || len(info.Partitions) != 2 {
		t.Errorf("topic derived_VIDEO_VIEWS: %v, %d partitions; want 2", err, len(info.Partitions))
	}
	if n := len(readTopic(t, l, "derived_VIDEO_VIEWS")); n != 2 {
		t.Errorf("derived_VIDEO_VIEWS has %d records, want the 2 video views", n)
	}
	if _, err := l.DescribeTopic(context.Background(), "long_views_csv"); err == nil {
		t.Errorf("topic long_views_csv survived DROP STREAM ... DELETE TOPIC")
	}
}

func readTopic(t *testing.T, l log.Log, topic string) []log.Record {
	t.Helper()
	ctx := context.Background()
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		t.Fatalf("topic %s: %v", topic, err)
	}
	var out []log.Record
	for _, p := range info.Partitions {
		r, err := l.OpenReader(ctx, topic, p.Partition, p.StartOffset)
		if err != nil {
			t.Fatal(err)
		}
		for r.Position() < p.EndOffset {
			recs, err := r.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, rec := range recs {
				rec.Key = bytes.Clone(rec.Key)
				rec.Value = bytes.Clone(rec.Value)
				rec.Partition = p.Partition
				out = append(out, rec)
			}
		}
		r.Close()
	}
	return out
}

func keysOf(recs []log.Record) []string {
	var keys []string
	for _, r := range recs {
		keys = append(keys, string(r.Key))
	}
	slices.Sort(keys)
	return keys
}
