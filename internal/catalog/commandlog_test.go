package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
)

// replayAll returns the statements and properties a replay delivers.
func replayAll(t *testing.T, cl *CommandLog) []Command {
	t.Helper()
	var got []Command
	if err := cl.Replay(context.Background(), func(c Command) error {
		got = append(got, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// checkCommandLog exercises the command log over a log that reopen turns
// into a fresh view of the same storage, as a restart does.
func checkCommandLog(t *testing.T, l log.Log, reopen func(log.Log) log.Log) {
	ctx := context.Background()
	cl, err := OpenCommandLog(ctx, l, CommandTopic)
	if err != nil {
		t.Fatal(err)
	}
	if got := replayAll(t, cl); len(got) != 0 {
		t.Fatalf("new command log replays %d commands", len(got))
	}
	var want []Command
	for i := range 50 {
		c := Command{Statement: fmt.Sprintf("CREATE STREAM s%d (id INT) WITH (kafka_topic='t%d', value_format='JSON');", i, i)}
		if i%7 == 0 {
			c.Properties = map[string]string{"auto.offset.reset": "earliest"}
		}
		seq, err := cl.Append(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if seq != int64(i) {
			t.Fatalf("command %d got sequence %d", i, seq)
		}
		want = append(want, c)
	}

	l = reopen(l)
	cl, err = OpenCommandLog(ctx, l, CommandTopic)
	if err != nil {
		t.Fatal(err)
	}
	got := replayAll(t, cl)
	if len(got) != len(want) {
		t.Fatalf("replayed %d commands, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Statement != want[i].Statement || fmt.Sprint(got[i].Properties) != fmt.Sprint(want[i].Properties) || got[i].Seq != int64(i) || got[i].AcceptedAt.IsZero() {
			t.Fatalf("command %d: got %+v, want %+v", i, got[i], want[i])
		}
	}

	// An executor error stops the replay and names the command.
	boom := errors.New("boom")
	err = cl.Replay(ctx, func(c Command) error {
		if c.Seq == 3 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "command 3") {
		t.Fatalf("replay error = %v", err)
	}
}

func TestCommandLogMemlog(t *testing.T) {
	checkCommandLog(t, memlog.New(), func(l log.Log) log.Log { return l })
}

func TestCommandLogRejectsPartitionedTopic(t *testing.T) {
	ctx := context.Background()
	l := memlog.New()
	if err := l.CreateTopic(ctx, "cmds", log.TopicConfig{Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCommandLog(ctx, l, "cmds"); err == nil || !strings.Contains(err.Error(), "2 partitions") {
		t.Fatalf("OpenCommandLog over 2 partitions: %v", err)
	}
}

func TestCommandLogRejectsUnknownFormat(t *testing.T) {
	ctx := context.Background()
	l := memlog.New()
	cl, err := OpenCommandLog(ctx, l, CommandTopic)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, CommandTopic, 0, []log.Record{{Value: []byte(`{"format":99,"statement":"x"}`)}}); err != nil {
		t.Fatal(err)
	}
	err = cl.Replay(ctx, func(Command) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "format 99") {
		t.Fatalf("replay of format 99: %v", err)
	}
}
