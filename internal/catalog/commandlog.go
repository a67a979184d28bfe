// Package catalog owns the streams, tables, types, queries and connectors
// that statements create, and keeps them as a command log: every accepted
// statement is appended to one internal topic, durably, before it takes
// effect, and replayed in order at start. A restart therefore rebuilds the
// same catalog and restarts the same queries, in both log modes, as ksqlDB
// does with its command topic.
//
//	cl, err := catalog.OpenCommandLog(ctx, l, catalog.CommandTopic)
//	seq, err := cl.Append(ctx, catalog.Command{Statement: "CREATE STREAM s ...;"})
//	err = cl.Replay(ctx, func(c catalog.Command) error { return apply(c) })
package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

// CommandTopic is the internal topic that holds the command log.
const CommandTopic = "_sluice_commands"

// commandFormat is the version of a command record's JSON; replay refuses
// versions it does not know rather than misreading them.
const commandFormat = 1

// Command is one accepted statement, with the session properties that were
// in force when it was accepted (they change how it executes).
type Command struct {
	Statement  string            `json:"statement"`
	Properties map[string]string `json:"properties,omitempty"`
	// Set on Replay: the command's position in the log and when it was accepted.
	Seq        int64     `json:"-"`
	AcceptedAt time.Time `json:"-"`
}

type commandRecord struct {
	Format int `json:"format"`
	Command
}

// CommandLog appends and replays commands. Appends are serialised so that
// the log order is the order in which statements were accepted.
type CommandLog struct {
	log   log.Log
	topic string
	now   func() time.Time
	mu    sync.Mutex
}

// OpenCommandLog opens the command log in topic, creating the topic (one
// partition, kept forever, fsynced on every append) when it is missing.
func OpenCommandLog(ctx context.Context, l log.Log, topic string) (*CommandLog, error) {
	err := l.CreateTopic(ctx, topic, log.TopicConfig{
		Partitions: 1,
		Configs: map[string]string{
			log.ConfigRetentionMs:   "-1",
			log.ConfigFlushMessages: "1",
		},
	})
	if err != nil && !errors.Is(err, log.ErrTopicExists) {
		return nil, fmt.Errorf("catalog: cannot create command log topic %q: %w", topic, err)
	}
	info, err := l.DescribeTopic(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("catalog: cannot open command log: %w", err)
	}
	if len(info.Partitions) != 1 {
		return nil, fmt.Errorf("catalog: command log topic %q has %d partitions, want 1 (it orders every statement, so it cannot be split)", topic, len(info.Partitions))
	}
	return &CommandLog{log: l, topic: topic, now: time.Now}, nil
}

// Append makes cmd durable and returns its sequence number. A statement
// counts as accepted only once Append has returned without error.
func (c *CommandLog) Append(ctx context.Context, cmd Command) (int64, error) {
	value, err := json.Marshal(commandRecord{Format: commandFormat, Command: cmd})
	if err != nil {
		return 0, fmt.Errorf("catalog: cannot encode command: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	seq, err := c.log.Append(ctx, c.topic, 0, []log.Record{{Value: value, Timestamp: c.now().UnixMilli()}})
	if err != nil {
		return 0, fmt.Errorf("catalog: cannot append command: %w", err)
	}
	return seq, nil
}

// Replay calls fn with every command in order, from the first to the last
// appended before Replay started. An error from fn stops the replay and is
// returned with the command's sequence number.
func (c *CommandLog) Replay(ctx context.Context, fn func(Command) error) error {
	info, err := c.log.DescribeTopic(ctx, c.topic)
	if err != nil {
		return fmt.Errorf("catalog: cannot replay command log: %w", err)
	}
	start, end := info.Partitions[0].StartOffset, info.Partitions[0].EndOffset
	if start > 0 {
		return fmt.Errorf("catalog: command log %q starts at %d, not 0: earlier commands were deleted (check the topic's retention.ms, which must be -1)", c.topic, start)
	}
	if end == 0 {
		return nil
	}
	r, err := c.log.OpenReader(ctx, c.topic, 0, 0)
	if err != nil {
		return fmt.Errorf("catalog: cannot replay command log: %w", err)
	}
	defer r.Close()
	for r.Position() < end {
		recs, err := r.Next(ctx)
		if err != nil {
			return fmt.Errorf("catalog: cannot replay command log at %d: %w", r.Position(), err)
		}
		for _, rec := range recs {
			if rec.Offset >= end {
				return nil
			}
			var cr commandRecord
			if err := json.Unmarshal(rec.Value, &cr); err != nil {
				return fmt.Errorf("catalog: command %d is not valid: %w", rec.Offset, err)
			}
			if cr.Format != commandFormat {
				return fmt.Errorf("catalog: command %d has format %d, this binary reads %d: run the newer version of sluice that wrote it", rec.Offset, cr.Format, commandFormat)
			}
			cmd := cr.Command
			cmd.Seq = rec.Offset
			cmd.AcceptedAt = time.UnixMilli(rec.Timestamp).UTC()
			if err := fn(cmd); err != nil {
				return fmt.Errorf("catalog: replaying command %d (%q): %w", rec.Offset, cmd.Statement, err)
			}
		}
	}
	return nil
}
