package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedata/sluice/internal/log"
)

// kind returns the log error that err from the client or the broker
// stands for, or nil when none fits (the error is then reported as is).
func kind(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil // the caller's own context: not the log's state
	case errors.Is(err, kgo.ErrClientClosed):
		return log.ErrClosed
	case errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.UnknownTopicID):
		return log.ErrUnknownTopic
	case errors.Is(err, kerr.TopicAlreadyExists):
		return log.ErrTopicExists
	case errors.Is(err, kerr.InvalidTopicException):
		return log.ErrInvalidTopicName
	case errors.Is(err, kerr.InvalidPartitions), errors.Is(err, kerr.InvalidReplicationFactor),
		errors.Is(err, kerr.InvalidReplicaAssignment), errors.Is(err, kerr.InvalidConfig),
		errors.Is(err, kerr.PolicyViolation):
		return log.ErrInvalidConfig
	case errors.Is(err, kerr.MessageTooLarge), errors.Is(err, kerr.RecordListTooLarge):
		return log.ErrRecordTooLarge
	case errors.Is(err, kerr.OffsetOutOfRange):
		return log.ErrOffsetOutOfRange
	case kerr.IsRetriable(err), errors.Is(err, kerr.ThrottlingQuotaExceeded),
		errors.Is(err, kgo.ErrRecordTimeout), errors.Is(err, kgo.ErrRecordRetries):
		return log.ErrUnavailable
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return log.ErrUnavailable
	}
	if _, ok := errors.AsType[*kgo.ErrFirstReadEOF](err); ok {
		return log.ErrUnavailable
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return log.ErrUnavailable
	}
	return nil
}

// wrap prefixes err with the package and the operation, and adds the log
// error it stands for, so callers can test it with errors.Is.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if k := kind(err); k != nil && !errors.Is(err, k) {
		return fmt.Errorf("kafka: %s: %w: %w", op, k, err)
	}
	return fmt.Errorf("kafka: %s: %w", op, err)
}
