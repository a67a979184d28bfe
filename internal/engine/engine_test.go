package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/log"
)

// A restart of the engine on the same data directory replays every
// accepted statement, in order.
func TestCommandsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	stmts := []string{
		"CREATE STREAM a (id INT) WITH (kafka_topic='a', value_format='JSON');",
		"CREATE STREAM b AS SELECT * FROM a;",
		"TERMINATE CSAS_B_1;",
	}
	for i, s := range stmts {
		eng, err := Open(ctx, Config{DataDir: dir, Fsync: "always"})
		if err != nil {
			t.Fatal(err)
		}
		var replayed []string
		if err := eng.Commands().Replay(ctx, func(c catalog.Command) error {
			replayed = append(replayed, c.Statement)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Join(replayed, "\n") != strings.Join(stmts[:i], "\n") {
			t.Fatalf("start %d replayed %q, want %q", i, replayed, stmts[:i])
		}
		if _, err := eng.Commands().Append(ctx, catalog.Command{Statement: s}); err != nil {
			t.Fatal(err)
		}
		if err := eng.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMetricsCountLogTraffic(t *testing.T) {
	ctx := context.Background()
	eng, err := Open(ctx, Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	l := eng.Log()
	if err := l.CreateTopic(ctx, "events", log.TopicConfig{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, "events", 0, []log.Record{{Key: []byte("k"), Value: []byte("12345")}, {Value: []byte("678")}}); err != nil {
		t.Fatal(err)
	}
	r, err := l.OpenReader(ctx, "events", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for r.Position() < 2 {
		if _, err := r.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	var b strings.Builder
	if err := eng.Metrics().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`sluice_log_appended_records_total{topic="events"} 2`,
		`sluice_log_appended_bytes_total{topic="events"} 9`,
		`sluice_log_read_records_total{topic="events"} 2`,
		`sluice_log_read_bytes_total{topic="events"} 9`,
		`sluice_log_size_bytes{topic="events",partition="0"} `,
		`sluice_log_fsync_seconds_count `,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
}

func TestOpenErrorsSayWhatToDo(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "--data-dir"},
		{Config{DataDir: t.TempDir(), LogMode: "zookeeper"}, `unknown log mode "zookeeper"`},
		{Config{LogMode: ModeKafka}, "--brokers"},
		{Config{DataDir: t.TempDir(), Fsync: "sometimes"}, "always"},
	} {
		_, err := Open(ctx, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%+v) = %v, want an error mentioning %q", c.cfg, err, c.want)
		}
	}
	// A second engine on the same directory is refused while the first runs.
	dir := t.TempDir()
	eng, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, err := Open(ctx, Config{DataDir: dir}); err == nil {
		t.Fatal("second Open of one data directory succeeded")
	}
}
