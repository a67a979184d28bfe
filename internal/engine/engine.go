// Package engine is the facade over Sluice's layers: it opens the log in
// the configured mode and the catalog's command log, replays the accepted
// statements, executes new ones (DDL, persistent queries, INSERT, SHOW,
// DESCRIBE, EXPLAIN, ...), runs push and pull queries, and keeps the
// metrics that the server exposes. Everything above (server, cli) goes
// through it.
//
//	eng, err := engine.Open(ctx, engine.Config{DataDir: "data"})
//	defer eng.Close()
//	ents, err := eng.Execute(ctx, engine.NewSession(), "CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', partitions=1, value_format='JSON');")
//	st, err := eng.Query(ctx, nil, "SELECT * FROM s EMIT CHANGES;")
//	row, err := st.Next(ctx)
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/embedded"
	"github.com/sluicedata/sluice/internal/log/kafka"
	"github.com/sluicedata/sluice/internal/metrics"
	"github.com/sluicedata/sluice/internal/state"
)

// Log modes.
const (
	ModeEmbedded = "embedded"
	ModeKafka    = "kafka"
)

// Config says where and how Sluice keeps its data.
type Config struct {
	DataDir string // embedded log and local state; required in embedded mode
	LogMode string // ModeEmbedded (default) or ModeKafka
	Brokers []string
	// Fsync is the embedded log's policy: "always", "interval" (default) or "never".
	Fsync         string
	FsyncInterval time.Duration // default 100 ms
	Clock         clock.Clock   // default clock.Real
	Logger        *slog.Logger  // default: discard
	// Log, when set, is used instead of opening one (tests); the engine closes it.
	Log log.Log
	// Manual runs persistent queries only when Drain is called, one record
	// at a time and without goroutines, as ksqlDB's test driver does.
	Manual bool
	// StateCacheBytes bounds the memory of the aggregations' state
	// stores: a quarter for the blocks read from their files (shared by
	// all), the rest for their groups (shared equally by their tasks); the
	// rest of their state is on disk. Default
	// exec.DefaultStateCacheBytes (256 MiB).
	StateCacheBytes int64
}

// Engine is an open Sluice instance.
type Engine struct {
	log      *meteredLog
	commands *catalog.CommandLog
	metrics  *metrics.Registry
	clock    clock.Clock
	logger   *slog.Logger

	meta      *catalog.Metastore
	functions *functions.Registry
	proclog   *exec.ProcessingLog
	manual    bool
	// stateDir holds the state stores of aggregations; empty keeps their
	// state in memory only (rebuilt by replay after a restart).
	stateDir string
	// stateCache is the memory budget of the state stores' cached
	// groups, blockCache the stores' blocks read from disk.
	stateCache *exec.StateCache
	blockCache *state.BlockCache
	// ctx bounds the goroutines of persistent queries; stop ends it.
	ctx  context.Context
	stop context.CancelFunc

	// mu serialises statements, so that the command log's order is the
	// order in which they took effect.
	mu        sync.Mutex
	queries   []*persistentQuery // creation order
	transient sync.Map           // query ID -> *transientQuery
	pullPlans pullCache          // the plans of key lookups, by shape
	nextPush  atomic.Int64
	// replaySeq is the sequence number of the command being replayed.
	replaySeq int64
}

// Open opens the log and the command log. It fails with an error that says
// what to change when the configuration is wrong or the data directory is
// held by another process.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	reg := metrics.NewRegistry()
	fsyncSeconds := reg.Histogram("sluice_log_fsync_seconds", "Latency of the embedded log's fsyncs.", metrics.ExponentialBuckets(0.0001, 2, 16)).With()

	raw := cfg.Log
	if raw == nil {
		var err error
		raw, err = openLog(ctx, cfg, func(d time.Duration) { fsyncSeconds.Observe(d.Seconds()) })
		if err != nil {
			return nil, err
		}
	}
	budget := cfg.StateCacheBytes
	if budget <= 0 {
		budget = exec.DefaultStateCacheBytes
	}
	e := &Engine{log: newMeteredLog(raw, reg), metrics: reg, clock: cfg.Clock, logger: cfg.Logger,
		stateCache: exec.NewStateCache(budget - budget/4), blockCache: state.NewBlockCache(budget / 4)}
	cl, err := catalog.OpenCommandLog(ctx, e.log, catalog.CommandTopic)
	if err != nil {
		e.blockCache.Close()
		raw.Close()
		return nil, fmt.Errorf("engine: %w", err)
	}
	e.commands = cl
	if err := e.start(ctx, cfg); err != nil {
		e.blockCache.Close()
		raw.Close()
		return nil, err
	}
	return e, nil
}

func openLog(ctx context.Context, cfg Config, onFsync func(time.Duration)) (log.Log, error) {
	switch strings.ToLower(cfg.LogMode) {
	case "", ModeEmbedded:
		if cfg.Brokers != nil {
			return nil, errors.New("engine: brokers are set but the log mode is embedded: set the log mode to kafka to use them")
		}
		if cfg.DataDir == "" {
			return nil, errors.New("engine: no data directory: set one (sluice server --data-dir DIR)")
		}
		policy, err := embedded.ParseFsyncPolicy(cfgOr(cfg.Fsync, "interval"))
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("engine: cannot create data directory: %w", err)
		}
		l, err := embedded.Open(embedded.Options{
			Dir:           filepath.Join(cfg.DataDir, "log"),
			Fsync:         policy,
			FsyncInterval: cfg.FsyncInterval,
			Clock:         cfg.Clock,
			Logger:        cfg.Logger,
			OnFsync:       onFsync,
		})
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		return l, nil
	case ModeKafka:
		if len(cfg.Brokers) == 0 {
			return nil, errors.New("engine: log mode kafka needs brokers (sluice server --log kafka --brokers host:9092)")
		}
		l, err := kafka.Open(ctx, kafka.Options{Brokers: cfg.Brokers, ClientID: "sluice", Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("engine: %w", err)
		}
		return l, nil
	default:
		return nil, fmt.Errorf("engine: unknown log mode %q: use %q or %q", cfg.LogMode, ModeEmbedded, ModeKafka)
	}
}

func cfgOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Log is the log, counted in the engine's metrics.
func (e *Engine) Log() log.Log { return e.log }

// Commands is the catalog's command log.
func (e *Engine) Commands() *catalog.CommandLog { return e.commands }

// Metrics is the registry the server exposes on /metrics.
func (e *Engine) Metrics() *metrics.Registry { return e.metrics }

// Clock is the engine's source of processing time.
func (e *Engine) Clock() clock.Clock { return e.clock }

// Logger is the engine's logger.
func (e *Engine) Logger() *slog.Logger { return e.logger }

// Close stops the queries and closes the log; the engine cannot be used
// afterwards.
func (e *Engine) Close() error {
	e.stopQueries()
	e.blockCache.Close()
	return e.log.Close()
}
