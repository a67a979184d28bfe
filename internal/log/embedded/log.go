package embedded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/log"
)

// FsyncPolicy says when appended records are fsynced.
type FsyncPolicy int

const (
	// FsyncInterval fsyncs, in the background, every partition written
	// since the last pass, every Options.FsyncInterval. A crash of the
	// process loses nothing; a crash of the machine, at most one interval.
	FsyncInterval FsyncPolicy = iota
	// FsyncAlways returns from Append only once its records are on disk.
	// Concurrent appends to one partition share fsyncs.
	FsyncAlways
	// FsyncNever leaves flushing to the operating system (Close still
	// fsyncs).
	FsyncNever
)

var policyNames = []string{FsyncInterval: "interval", FsyncAlways: "always", FsyncNever: "never"}

func (p FsyncPolicy) String() string {
	if p >= 0 && int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("FsyncPolicy(%d)", int(p))
}

// ParseFsyncPolicy parses "always", "interval" or "never".
func ParseFsyncPolicy(s string) (FsyncPolicy, error) {
	for p, name := range policyNames {
		if strings.EqualFold(s, name) {
			return FsyncPolicy(p), nil
		}
	}
	return 0, fmt.Errorf("embedded: unknown fsync policy %q: use \"always\", \"interval\" or \"never\"", s)
}

// ErrLocked reports a directory that another process has open.
var ErrLocked = errors.New("embedded: directory is locked")

// Options configure Open. Only Dir is required.
type Options struct {
	Dir           string
	Fsync         FsyncPolicy
	FsyncInterval time.Duration // default 100ms
	Clock         clock.Clock   // default clock.Real{}; drives the background fsync and retention
	Logger        *slog.Logger  // default: discard; warnings about recovery and quarantine go here
	// OnFsync, when set, observes the latency of every fsync of a segment.
	OnFsync func(time.Duration)
	// DefaultSegmentBytes is segment.bytes for topics that set none;
	// default 128 MiB.
	DefaultSegmentBytes int64
	// RetentionInterval is how often retention runs in the background;
	// default one minute.
	RetentionInterval time.Duration
}

// Directory layout (docs/format/log.md).
const (
	topicsDir = "topics"
	groupsDir = "groups"
	tmpDir    = "tmp"
)

// Log is the embedded log: a log.Log on segment files under a directory.
type Log struct {
	opts Options
	lock *os.File

	// topics is replaced whole, under adminMu, so that appends and reads
	// look topics up without a lock.
	topics  atomic.Pointer[map[string]*topic]
	adminMu sync.Mutex
	closed  atomic.Bool
	tmpSeq  atomic.Int64

	groupsMu sync.Mutex
	groups   map[string]*group

	retentionMu sync.Mutex
	stop        chan struct{}
	background  sync.WaitGroup
	sealing     sync.WaitGroup // rolled segments being sealed
}

var _ log.Log = (*Log)(nil)

// Open opens the log in opts.Dir, creating the directory if needed, and
// recovers every partition from what a crash may have left.
func Open(opts Options) (*Log, error) {
	if opts.Dir == "" {
		return nil, errors.New("embedded: no directory given")
	}
	if opts.Fsync < FsyncInterval || opts.Fsync > FsyncNever {
		return nil, fmt.Errorf("embedded: unknown fsync policy %d", opts.Fsync)
	}
	if opts.FsyncInterval <= 0 {
		opts.FsyncInterval = 100 * time.Millisecond
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.DefaultSegmentBytes == 0 {
		opts.DefaultSegmentBytes = defaultSegmentBytes
	}
	if opts.DefaultSegmentBytes < minSegmentBytes || opts.DefaultSegmentBytes > maxSegmentBytes {
		return nil, fmt.Errorf("embedded: default segment size %d is not between %d and %d", opts.DefaultSegmentBytes, minSegmentBytes, maxSegmentBytes)
	}
	if opts.RetentionInterval <= 0 {
		opts.RetentionInterval = time.Minute
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded: cannot create %s: %w", opts.Dir, err)
	}
	lock, err := lockDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	l := &Log{opts: opts, lock: lock, stop: make(chan struct{})}
	if err := l.load(); err != nil {
		l.shutAll()
		lock.Close()
		return nil, err
	}
	if opts.Fsync == FsyncInterval {
		l.background.Add(1)
		go l.every(opts.FsyncInterval, l.syncDirty)
	}
	l.background.Add(1)
	go l.every(opts.RetentionInterval, func() {
		if err := l.EnforceRetention(context.Background()); err != nil && !errors.Is(err, log.ErrClosed) {
			l.opts.Logger.Error("embedded: retention failed", "err", err)
		}
	})
	return l, nil
}

// load reads the directory: staging leftovers go, topics and groups open.
func (l *Log) load() error {
	dir := l.opts.Dir
	leftovers, _ := os.ReadDir(filepath.Join(dir, tmpDir))
	for _, e := range leftovers {
		if err := os.RemoveAll(filepath.Join(dir, tmpDir, e.Name())); err != nil {
			return fmt.Errorf("embedded: cannot clear %s: %w", filepath.Join(dir, tmpDir), err)
		}
	}
	for _, d := range []string{topicsDir, groupsDir, tmpDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return fmt.Errorf("embedded: cannot create %s: %w", filepath.Join(dir, d), err)
		}
	}
	topics := map[string]*topic{}
	l.topics.Store(&topics)
	dirents, err := os.ReadDir(filepath.Join(dir, topicsDir))
	if err != nil {
		return fmt.Errorf("embedded: cannot list topics: %w", err)
	}
	for _, e := range dirents {
		if !e.IsDir() || log.ValidateTopicName(e.Name()) != nil {
			l.opts.Logger.Warn("embedded: ignoring a file that is not a topic", "path", filepath.Join(dir, topicsDir, e.Name()))
			continue
		}
		t, err := l.openTopic(filepath.Join(dir, topicsDir, e.Name()))
		if err != nil {
			return err
		}
		topics[t.name] = t
	}
	return l.loadGroups()
}

// every runs f on each tick of the injected clock until the log closes.
func (l *Log) every(d time.Duration, f func()) {
	defer l.background.Done()
	t := l.opts.Clock.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C():
			f()
		}
	}
}

func (l *Log) syncDirty() {
	for _, t := range *l.topics.Load() {
		for _, p := range t.parts {
			p.syncDirty()
		}
	}
}

func (l *Log) stagingDir(what string) string {
	return filepath.Join(l.opts.Dir, tmpDir, fmt.Sprintf("%s-%d-%d", what, os.Getpid(), l.tmpSeq.Add(1)))
}

func (l *Log) topic(name string) (*topic, error) {
	if l.closed.Load() {
		return nil, fmt.Errorf("embedded: %w", log.ErrClosed)
	}
	t, ok := (*l.topics.Load())[name]
	if !ok {
		return nil, fmt.Errorf("embedded: %w: %q", log.ErrUnknownTopic, name)
	}
	return t, nil
}

func (l *Log) partition(name string, id int32) (*partition, error) {
	t, err := l.topic(name)
	if err != nil {
		return nil, err
	}
	if id < 0 || int(id) >= len(t.parts) {
		return nil, fmt.Errorf("embedded: %w: %q has %d partitions, not %d", log.ErrUnknownPartition, name, len(t.parts), id)
	}
	return t.parts[id], nil
}

// CreateTopic creates a topic. Configs are validated: retention.ms and
// retention.bytes (-1 or more), segment.bytes (64 to 2^31-1), segment.ms
// (-1, or 1 or more) and flush.messages (1 or more) must be integers; other
// keys are kept as they are and reported by DescribeTopic.
func (l *Log) CreateTopic(ctx context.Context, name string, cfg log.TopicConfig) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := log.ValidateTopicName(name); err != nil {
		return fmt.Errorf("embedded: %w", err)
	}
	if cfg.Partitions < 1 {
		return fmt.Errorf("embedded: %w: topic %q: partitions must be at least 1, got %d", log.ErrInvalidConfig, name, cfg.Partitions)
	}
	configs := maps.Clone(cfg.Configs)
	if configs == nil {
		configs = map[string]string{}
	}
	if _, err := parseSettings(configs, l.opts.DefaultSegmentBytes); err != nil {
		return fmt.Errorf("embedded: topic %q: %w", name, err)
	}
	l.adminMu.Lock()
	defer l.adminMu.Unlock()
	if l.closed.Load() {
		return fmt.Errorf("embedded: %w", log.ErrClosed)
	}
	if _, ok := (*l.topics.Load())[name]; ok {
		return fmt.Errorf("embedded: %w: %q", log.ErrTopicExists, name)
	}
	if err := l.createTopicFiles(name, cfg.Partitions, configs); err != nil {
		return err
	}
	t, err := l.openTopic(filepath.Join(l.opts.Dir, topicsDir, name))
	if err != nil {
		return err
	}
	topics := maps.Clone(*l.topics.Load())
	topics[name] = t
	l.topics.Store(&topics)
	return nil
}

// DeleteTopic deletes a topic and its files. Readers of it wake and get
// log.ErrUnknownTopic.
func (l *Log) DeleteTopic(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	l.adminMu.Lock()
	defer l.adminMu.Unlock()
	t, err := l.topic(name)
	if err != nil {
		return err
	}
	// The rename is the deletion: a crash before it keeps the whole topic,
	// after it none of it (tmp/ is emptied on open).
	trash := l.stagingDir("delete")
	if err := os.Rename(t.dir, trash); err != nil {
		return fmt.Errorf("embedded: cannot delete topic %q: %w", name, err)
	}
	if err := syncDir(filepath.Join(l.opts.Dir, topicsDir)); err != nil {
		return fmt.Errorf("embedded: cannot delete topic %q: %w", name, err)
	}
	topics := maps.Clone(*l.topics.Load())
	delete(topics, name)
	l.topics.Store(&topics)
	for _, p := range t.parts {
		p.shut(deleted)
	}
	if err := os.RemoveAll(trash); err != nil {
		l.opts.Logger.Warn("embedded: cannot remove the files of a deleted topic; they go on the next open", "topic", name, "path", trash, "err", err)
	}
	return nil
}

func (t *topic) info() log.TopicInfo {
	info := log.TopicInfo{Name: t.name, Configs: maps.Clone(t.configs), Partitions: make([]log.PartitionInfo, len(t.parts))}
	for i, p := range t.parts {
		info.Partitions[i] = p.info()
	}
	return info
}

// DescribeTopic reports a topic's partitions (start and end offsets, bytes
// of segments) and configs.
func (l *Log) DescribeTopic(ctx context.Context, name string) (log.TopicInfo, error) {
	if err := ctx.Err(); err != nil {
		return log.TopicInfo{}, err
	}
	t, err := l.topic(name)
	if err != nil {
		return log.TopicInfo{}, err
	}
	return t.info(), nil
}

// ListTopics describes every topic, sorted by name.
func (l *Log) ListTopics(ctx context.Context) ([]log.TopicInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.closed.Load() {
		return nil, fmt.Errorf("embedded: %w", log.ErrClosed)
	}
	topics := *l.topics.Load()
	out := make([]log.TopicInfo, 0, len(topics))
	for _, name := range slices.Sorted(maps.Keys(topics)) {
		out = append(out, topics[name].info())
	}
	return out, nil
}

// Append writes recs to one partition as one frame: all of them survive a
// crash or none does. Their Partition and Offset fields are ignored.
func (l *Log) Append(ctx context.Context, topic string, partition int32, recs []log.Record) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	p, err := l.partition(topic, partition)
	if err != nil {
		return 0, err
	}
	return p.append(recs)
}

// OpenReader opens a reader of one partition at offset.
func (l *Log) OpenReader(ctx context.Context, topic string, partition int32, offset int64) (log.Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := l.partition(topic, partition)
	if err != nil {
		return nil, err
	}
	return p.openReader(offset)
}

// OffsetForTime returns the first offset whose record has a timestamp at
// or after ts, or the end offset.
func (l *Log) OffsetForTime(ctx context.Context, topic string, partition int32, ts int64) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	p, err := l.partition(topic, partition)
	if err != nil {
		return 0, err
	}
	return p.offsetForTime(ts)
}

// Close fsyncs and closes everything. Blocked readers wake with
// log.ErrClosed; so do later calls.
func (l *Log) Close() error {
	l.adminMu.Lock()
	defer l.adminMu.Unlock()
	if !l.closed.CompareAndSwap(false, true) {
		return fmt.Errorf("embedded: %w", log.ErrClosed)
	}
	close(l.stop)
	l.background.Wait()
	err := l.shutAll()
	l.sealing.Wait() // after the partitions shut, no roll starts another
	if cerr := l.lock.Close(); err == nil {
		err = cerr
	}
	return err
}

// shutAll closes every partition, keeping the first error.
func (l *Log) shutAll() error {
	var errs []error
	if topics := l.topics.Load(); topics != nil {
		for _, t := range *topics {
			for _, p := range t.parts {
				if err := p.shut(closed); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}
