package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/log"
)

// Options configure Open. Only Brokers is required.
type Options struct {
	// Brokers are the seed brokers, host:port each.
	Brokers []string
	// ClientID names Sluice's connections in the brokers' logs and
	// quotas; default "sluice".
	ClientID string
	// Logger receives the client's messages; nil discards them.
	Logger *slog.Logger
	// Producers bounds how many Appends are in flight at once. Each Append
	// has a producer client to itself while it runs, so that its records
	// leave as one batch; default 4.
	Producers int
	// MaxBatchBytes is the largest record batch sent, before compression;
	// default 1,000,012, under Kafka's default max.message.bytes. A record
	// that cannot fit in a batch gives ErrRecordTooLarge, and an Append
	// larger than this goes out as several batches (see Log.Append).
	MaxBatchBytes int32
	// DialTimeout bounds each connection attempt; default 10s.
	DialTimeout time.Duration
	// Clock paces the waits for created and deleted topics to show in
	// the cluster's metadata; default the wall clock.
	Clock clock.Clock
	// ClientOptions are added to every client's options after this
	// package's own: SASL, TLS, a dialer, ...
	ClientOptions []kgo.Opt
}

const (
	defaultClientID      = "sluice"
	defaultProducers     = 4
	defaultMaxBatchBytes = 1_000_012
	defaultDialTimeout   = 10 * time.Second

	// metadataWait bounds how long CreateTopic and DeleteTopic wait for the
	// brokers' metadata to agree with the controller.
	metadataWait = 30 * time.Second
)

// Log is a log.Log over a Kafka cluster. It is safe for concurrent use.
type Log struct {
	opts  Options
	log   *slog.Logger
	admin *kgo.Client
	adm   *kadm.Client

	free chan *producer // idle producers; see acquire

	mu        sync.Mutex
	closed    bool
	producers []*producer // all created, at most opts.Producers
	parts     map[string]int32
	partLocks map[log.TopicPartition]chan struct{}
	readers   map[*reader]struct{}
}

var _ log.Log = (*Log)(nil)

// Open connects to the cluster and checks that a broker answers. It fails
// with ErrUnavailable, naming the brokers, when none does.
func Open(ctx context.Context, opts Options) (*Log, error) {
	if len(opts.Brokers) == 0 {
		return nil, errors.New("kafka: no brokers given (name at least one, as host:port)")
	}
	if opts.ClientID == "" {
		opts.ClientID = defaultClientID
	}
	if opts.Producers <= 0 {
		opts.Producers = defaultProducers
	}
	if opts.MaxBatchBytes <= 0 {
		opts.MaxBatchBytes = defaultMaxBatchBytes
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = defaultDialTimeout
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	l := &Log{
		opts:      opts,
		log:       opts.Logger,
		free:      make(chan *producer, opts.Producers),
		parts:     map[string]int32{},
		partLocks: map[log.TopicPartition]chan struct{}{},
		readers:   map[*reader]struct{}{},
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	admin, err := kgo.NewClient(l.clientOpts()...)
	if err != nil {
		return nil, fmt.Errorf("kafka: invalid client options: %w", err)
	}
	if err := admin.Ping(ctx); err != nil {
		admin.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("kafka: cannot reach brokers %s: %w", strings.Join(opts.Brokers, ", "), err)
		}
		return nil, fmt.Errorf("kafka: cannot reach brokers %s (check the addresses and that the cluster is running): %w: %w",
			strings.Join(opts.Brokers, ", "), log.ErrUnavailable, err)
	}
	l.admin, l.adm = admin, kadm.NewClient(admin)
	return l, nil
}

// clientOpts are the options every client of the log shares.
func (l *Log) clientOpts(extra ...kgo.Opt) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(l.opts.Brokers...),
		kgo.ClientID(l.opts.ClientID),
		kgo.WithLogger(kgoLogger{l.log}),
		kgo.DialTimeout(l.opts.DialTimeout),
	}
	opts = append(opts, extra...)
	return append(opts, l.opts.ClientOptions...)
}

func (l *Log) checkOpen() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("kafka: %w", log.ErrClosed)
	}
	return nil
}

// Close closes every client of the log: readers return ErrClosed, and
// Appends in flight fail with ErrClosed (their records may or may not have
// been written).
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	readers := make([]*reader, 0, len(l.readers))
	for r := range l.readers {
		readers = append(readers, r)
	}
	producers := l.producers
	l.mu.Unlock()

	for _, r := range readers {
		r.cl.Close()
	}
	for _, p := range producers {
		p.cl.Close()
	}
	l.admin.Close()
	return nil
}

// CreateTopic creates the topic and waits until the cluster's metadata
// shows it. A ReplicationFactor of 0 or less takes the broker default.
// Configs are Kafka topic configs: the broker rejects keys it does not
// know with ErrInvalidConfig.
func (l *Log) CreateTopic(ctx context.Context, name string, cfg log.TopicConfig) error {
	if err := log.ValidateTopicName(name); err != nil {
		return fmt.Errorf("kafka: %w", err)
	}
	if cfg.Partitions < 1 {
		return fmt.Errorf("kafka: topic %q: %w: partitions must be at least 1, got %d", name, log.ErrInvalidConfig, cfg.Partitions)
	}
	if err := l.checkOpen(); err != nil {
		return err
	}
	rf := cfg.ReplicationFactor
	if rf <= 0 {
		rf = -1
	}
	var configs map[string]*string
	if len(cfg.Configs) > 0 {
		configs = make(map[string]*string, len(cfg.Configs))
		for k, v := range cfg.Configs {
			configs[k] = kadm.StringPtr(v)
		}
	}
	resp, err := l.adm.CreateTopic(ctx, cfg.Partitions, rf, configs, name)
	if err != nil {
		return wrap(fmt.Sprintf("create topic %q", name), withMessage(err, resp.ErrMessage))
	}
	l.mu.Lock()
	l.parts[name] = cfg.Partitions
	l.mu.Unlock()
	return l.awaitMetadata(ctx, name, true)
}

// withMessage adds the broker's explanation, when it gave one.
func withMessage(err error, msg string) error {
	if msg == "" {
		return err
	}
	return fmt.Errorf("%w (%s)", err, msg)
}

// awaitMetadata waits until the brokers' metadata lists the topic (or no
// longer does): the controller answers CreateTopics and DeleteTopics before
// every broker knows, and callers expect to use the topic at once.
func (l *Log) awaitMetadata(ctx context.Context, name string, exists bool) error {
	delay := 10 * time.Millisecond
	deadline := l.opts.Clock.Now().Add(metadataWait)
	for {
		td, err := l.lookupTopic(ctx, name)
		if err == nil {
			found := td.Err == nil && len(td.Partitions) > 0
			if found == exists {
				return nil
			}
		} else if ctx.Err() != nil {
			return wrap(fmt.Sprintf("topic %q", name), err)
		}
		if l.opts.Clock.Now().After(deadline) {
			state := "created but not yet visible"
			if !exists {
				state = "deleted but still listed"
			}
			return fmt.Errorf("kafka: topic %q %s after %v: %w", name, state, metadataWait, log.ErrUnavailable)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka: waiting for topic %q in metadata: %w", name, ctx.Err())
		case <-l.opts.Clock.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

// lookupTopic asks the cluster for the topic's metadata. The client
// would answer from its cache for a few seconds (MetadataMinAge), which
// must not hide a topic just created or keep one just deleted.
func (l *Log) lookupTopic(ctx context.Context, name string) (kadm.TopicDetail, error) {
	l.admin.PurgeTopicsFromClient(name)
	tds, err := l.adm.ListTopics(ctx, name)
	if err != nil {
		return kadm.TopicDetail{}, err
	}
	td, ok := tds[name]
	if !ok {
		td = kadm.TopicDetail{Topic: name, Err: kerr.UnknownTopicOrPartition}
	}
	return td, nil
}

// DeleteTopic deletes the topic and waits until the cluster's metadata no
// longer lists it.
func (l *Log) DeleteTopic(ctx context.Context, name string) error {
	if err := l.checkOpen(); err != nil {
		return err
	}
	resp, err := l.adm.DeleteTopic(ctx, name)
	if err != nil {
		return wrap(fmt.Sprintf("delete topic %q", name), withMessage(err, resp.ErrMessage))
	}
	l.forget(name)
	return l.awaitMetadata(ctx, name, false)
}

// forget drops what the log and its producers cached about a topic that
// is gone, so that a topic of the same name starts afresh.
func (l *Log) forget(name string) {
	l.mu.Lock()
	delete(l.parts, name)
	for tp := range l.partLocks {
		if tp.Topic == name {
			delete(l.partLocks, tp)
		}
	}
	producers := l.producers
	l.mu.Unlock()
	for _, p := range producers {
		p.cl.PurgeTopicsFromProducing(name)
	}
}

// DescribeTopic reports the topic's partitions with their offsets and
// sizes, and the configs set on the topic itself (not broker defaults).
func (l *Log) DescribeTopic(ctx context.Context, name string) (log.TopicInfo, error) {
	if err := l.checkOpen(); err != nil {
		return log.TopicInfo{}, err
	}
	td, err := l.lookupTopic(ctx, name)
	if err != nil {
		return log.TopicInfo{}, wrap(fmt.Sprintf("describe topic %q", name), err)
	}
	if td.Err != nil {
		return log.TopicInfo{}, wrap(fmt.Sprintf("describe topic %q", name), td.Err)
	}
	infos, err := l.describe(ctx, kadm.TopicDetails{name: td})
	if err != nil {
		return log.TopicInfo{}, err
	}
	if len(infos) == 0 { // deleted while we looked
		return log.TopicInfo{}, fmt.Errorf("kafka: describe topic %q: %w", name, log.ErrUnknownTopic)
	}
	return infos[0], nil
}

// ListTopics lists the cluster's topics, sorted by name. Kafka's own
// internal topics (__consumer_offsets, __transaction_state and any other
// name starting with "__") are left out: they are the broker's, not
// Sluice's. Topics Sluice creates for itself are listed.
func (l *Log) ListTopics(ctx context.Context) ([]log.TopicInfo, error) {
	if err := l.checkOpen(); err != nil {
		return nil, err
	}
	tds, err := l.adm.ListTopics(ctx)
	if err != nil {
		return nil, wrap("list topics", err)
	}
	for name, td := range tds {
		if td.IsInternal || strings.HasPrefix(name, "__") || td.Err != nil {
			delete(tds, name)
		}
	}
	if len(tds) == 0 {
		return []log.TopicInfo{}, nil
	}
	return l.describe(ctx, tds)
}

// describe completes the metadata of topics with their configs, offsets and
// sizes, in as few requests as the cluster allows. Topics deleted meanwhile
// are left out.
func (l *Log) describe(ctx context.Context, tds kadm.TopicDetails) ([]log.TopicInfo, error) {
	names := tds.Names()
	rcs, err := l.adm.DescribeTopicConfigs(ctx, names...)
	if err != nil {
		return nil, wrap("describe topic configs", err)
	}
	configs := make(map[string]map[string]string, len(rcs))
	for _, rc := range rcs {
		if rc.Err != nil {
			if errors.Is(rc.Err, kerr.UnknownTopicOrPartition) {
				continue
			}
			return nil, wrap(fmt.Sprintf("describe configs of topic %q", rc.Name), withMessage(rc.Err, rc.ErrMessage))
		}
		m := map[string]string{}
		for _, c := range rc.Configs {
			if c.Source == kmsg.ConfigSourceDynamicTopicConfig && c.Value != nil {
				m[c.Key] = *c.Value
			}
		}
		configs[rc.Name] = m
	}
	starts, err := l.adm.ListStartOffsets(ctx, names...)
	if err != nil {
		return nil, wrap("list start offsets", err)
	}
	ends, err := l.adm.ListEndOffsets(ctx, names...)
	if err != nil {
		return nil, wrap("list end offsets", err)
	}
	sizes := l.sizes(ctx, tds)

	out := make([]log.TopicInfo, 0, len(names))
	for _, name := range names {
		cfg, ok := configs[name]
		if !ok {
			continue
		}
		info := log.TopicInfo{Name: name, Configs: cfg}
		gone := false
		for _, pd := range tds[name].Partitions.Sorted() {
			s, okS := starts.Lookup(name, pd.Partition)
			e, okE := ends.Lookup(name, pd.Partition)
			err := cmp.Or(s.Err, e.Err)
			if !okS || !okE || errors.Is(err, kerr.UnknownTopicOrPartition) {
				gone = true
				break
			}
			if err != nil {
				return nil, wrap(fmt.Sprintf("offsets of %s/%d", name, pd.Partition), err)
			}
			info.Partitions = append(info.Partitions, log.PartitionInfo{
				Partition:   pd.Partition,
				StartOffset: s.Offset,
				EndOffset:   e.Offset,
				SizeBytes:   sizes[log.TopicPartition{Topic: name, Partition: pd.Partition}],
			})
		}
		if !gone {
			out = append(out, info)
		}
	}
	slices.SortFunc(out, func(a, b log.TopicInfo) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// sizes reads partition sizes from the brokers' log directories: the
// largest replica's, since replicas hold the same records. A cluster that
// refuses DescribeLogDirs (it needs DESCRIBE on the cluster) gives no
// sizes, and PartitionInfo.SizeBytes stays 0 as log.go allows.
func (l *Log) sizes(ctx context.Context, tds kadm.TopicDetails) map[log.TopicPartition]int64 {
	set := make(kadm.TopicsSet, len(tds))
	for name, td := range tds {
		ps := make(map[int32]struct{}, len(td.Partitions))
		for p := range td.Partitions {
			ps[p] = struct{}{}
		}
		set[name] = ps
	}
	dirs, err := l.adm.DescribeAllLogDirs(ctx, set)
	if err != nil {
		l.log.Debug("kafka: cannot read partition sizes; reporting 0", "err", err)
	}
	out := map[log.TopicPartition]int64{}
	for _, broker := range dirs {
		for _, dir := range broker {
			for name, ps := range dir.Topics {
				for p, dp := range ps {
					tp := log.TopicPartition{Topic: name, Partition: p}
					out[tp] = max(out[tp], dp.Size)
				}
			}
		}
	}
	return out
}

// partitions returns the topic's partition count, from the cache when it
// has the partition, else from the cluster.
func (l *Log) partitions(ctx context.Context, topic string, p int32) (int32, error) {
	l.mu.Lock()
	n, ok := l.parts[topic]
	l.mu.Unlock()
	if ok && p >= 0 && p < n {
		return n, nil
	}
	td, err := l.lookupTopic(ctx, topic)
	if err != nil {
		return 0, wrap(fmt.Sprintf("topic %q", topic), err)
	}
	if td.Err != nil || len(td.Partitions) == 0 {
		l.mu.Lock()
		delete(l.parts, topic)
		l.mu.Unlock()
		if td.Err != nil && !errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
			return 0, wrap(fmt.Sprintf("topic %q", topic), td.Err)
		}
		return 0, fmt.Errorf("kafka: topic %q: %w", topic, log.ErrUnknownTopic)
	}
	n = int32(len(td.Partitions))
	l.mu.Lock()
	l.parts[topic] = n
	l.mu.Unlock()
	return n, nil
}

// checkPartition returns ErrUnknownTopic or ErrUnknownPartition when the
// partition does not exist.
func (l *Log) checkPartition(ctx context.Context, topic string, p int32) error {
	n, err := l.partitions(ctx, topic, p)
	if err != nil {
		return err
	}
	if p < 0 || p >= n {
		return fmt.Errorf("kafka: topic %q has %d partitions, not %d: %w", topic, n, p, log.ErrUnknownPartition)
	}
	return nil
}
