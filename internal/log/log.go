package log

import (
	"context"
	"errors"
	"time"
)

// Errors shared by every implementation. Implementations wrap them with
// context (topic, partition, offset); callers test with errors.Is.
var (
	ErrUnknownTopic     = errors.New("log: unknown topic")
	ErrTopicExists      = errors.New("log: topic already exists")
	ErrUnknownPartition = errors.New("log: unknown partition")
	ErrOffsetOutOfRange = errors.New("log: offset out of range")
	ErrInvalidTopicName = errors.New("log: invalid topic name")
	ErrInvalidConfig    = errors.New("log: invalid topic config")
	ErrRecordTooLarge   = errors.New("log: record too large")
	ErrClosed           = errors.New("log: closed")
	ErrUnavailable      = errors.New("log: temporarily unavailable") // retryable: overload, broker down
)

// Header is one record header. A nil Value is a null header value.
type Header struct {
	Key   string
	Value []byte
}

// Record is one entry of a partition. A nil Key or Value is null (a nil
// Value is a tombstone for tables); a non-nil empty slice is an empty value.
// Partition and Offset are set by the log on read and ignored on append.
type Record struct {
	Key       []byte
	Value     []byte
	Timestamp int64 // milliseconds since the Unix epoch
	Headers   []Header
	Partition int32
	Offset    int64
}

// Topic configuration keys, named as Kafka names them so that the same
// settings mean the same thing in both modes.
const (
	ConfigRetentionMs    = "retention.ms"    // -1: keep forever (default 7 days)
	ConfigRetentionBytes = "retention.bytes" // per partition; -1: no limit (default)
	ConfigSegmentBytes   = "segment.bytes"   // roll the active segment past this size
	ConfigFlushMessages  = "flush.messages"  // "1": fsync every append, whatever the log's policy
)

// TopicConfig describes a topic to create.
type TopicConfig struct {
	Partitions        int32
	ReplicationFactor int16             // kafka mode only; 0 means the broker default
	Configs           map[string]string // keys above; others are kept and reported
}

// PartitionInfo is the state of one partition.
type PartitionInfo struct {
	Partition   int32
	StartOffset int64 // first offset still held (after retention)
	EndOffset   int64 // offset the next appended record will get
	SizeBytes   int64 // bytes held on disk; 0 where the log cannot tell
}

// TopicInfo describes an existing topic.
type TopicInfo struct {
	Name       string
	Partitions []PartitionInfo
	Configs    map[string]string
}

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// Log is a set of named, partitioned, ordered topics of records: the one
// storage interface of Sluice. Implementations: log/embedded (segment files)
// and log/kafka (a Kafka cluster). All methods are safe for concurrent use.
type Log interface {
	CreateTopic(ctx context.Context, name string, cfg TopicConfig) error
	DeleteTopic(ctx context.Context, name string) error
	DescribeTopic(ctx context.Context, name string) (TopicInfo, error)
	// ListTopics returns every topic, sorted by name, internal ones included.
	ListTopics(ctx context.Context) ([]TopicInfo, error)

	// Append writes recs to one partition, in order, as one unit: either all
	// are appended or none. It returns the offset of the first one. When it
	// returns, the records are durable as the log's fsync policy promises
	// (embedded) or acknowledged by all in-sync replicas (kafka).
	Append(ctx context.Context, topic string, partition int32, recs []Record) (int64, error)

	// OpenReader reads one partition from offset on. Offsets before the
	// start or past the end give ErrOffsetOutOfRange.
	OpenReader(ctx context.Context, topic string, partition int32, offset int64) (Reader, error)

	// OffsetForTime returns the first offset whose record has a timestamp at
	// or after ts (milliseconds), or the end offset when there is none.
	OffsetForTime(ctx context.Context, topic string, partition int32, ts int64) (int64, error)

	// CommitOffsets stores a consumer group's positions (the next offset to
	// read, as Kafka does) for the given partitions.
	CommitOffsets(ctx context.Context, group string, offsets map[TopicPartition]int64) error
	// CommittedOffsets returns the group's stored positions for a topic;
	// partitions without one are absent.
	CommittedOffsets(ctx context.Context, group, topic string) (map[int32]int64, error)

	Close() error
}

// Reader reads one partition sequentially.
type Reader interface {
	// Next blocks until at least one record at or after the reader's
	// position exists, then returns the records available (at least one,
	// in offset order). The slice and the bytes it refers to stay valid only
	// until the next call of Next or Close; copy what must outlive it.
	// It returns ctx.Err() when ctx ends first.
	Next(ctx context.Context) ([]Record, error)
	// Position is the offset of the next record Next will return.
	Position() int64
	Close() error
}

// DefaultRetention is the retention.ms of a topic that sets none.
const DefaultRetention = 7 * 24 * time.Hour
