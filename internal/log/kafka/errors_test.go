package kafka

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicedata/sluice/internal/log"
)

func TestErrorKinds(t *testing.T) {
	for _, c := range []struct {
		err  error
		want error
	}{
		{kerr.UnknownTopicOrPartition, log.ErrUnknownTopic},
		{kerr.UnknownTopicID, log.ErrUnknownTopic},
		{kerr.TopicAlreadyExists, log.ErrTopicExists},
		{kerr.InvalidTopicException, log.ErrInvalidTopicName},
		{kerr.InvalidPartitions, log.ErrInvalidConfig},
		{kerr.InvalidReplicationFactor, log.ErrInvalidConfig},
		{kerr.InvalidConfig, log.ErrInvalidConfig},
		{kerr.PolicyViolation, log.ErrInvalidConfig},
		{kerr.MessageTooLarge, log.ErrRecordTooLarge},
		{kerr.RecordListTooLarge, log.ErrRecordTooLarge},
		{kerr.OffsetOutOfRange, log.ErrOffsetOutOfRange},
		{kerr.NotLeaderForPartition, log.ErrUnavailable},
		{kerr.LeaderNotAvailable, log.ErrUnavailable},
		{kerr.NotEnoughReplicas, log.ErrUnavailable},
		{kerr.RequestTimedOut, log.ErrUnavailable},
		{kerr.CoordinatorNotAvailable, log.ErrUnavailable},
		{kerr.ThrottlingQuotaExceeded, log.ErrUnavailable},
		{kgo.ErrRecordTimeout, log.ErrUnavailable},
		{&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, log.ErrUnavailable},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), log.ErrUnavailable},
		{kgo.ErrClientClosed, log.ErrClosed},
		{context.Canceled, nil},
		{context.DeadlineExceeded, nil},
		{kerr.TopicAuthorizationFailed, nil},
		{errors.New("something else"), nil},
	} {
		if got := kind(c.err); got != c.want {
			t.Errorf("kind(%v) = %v, want %v", c.err, got, c.want)
		}
		w := wrap("op", c.err)
		if !errors.Is(w, c.err) {
			t.Errorf("wrap(%v) = %v, lost the cause", c.err, w)
		}
		if c.want != nil && !errors.Is(w, c.want) {
			t.Errorf("wrap(%v) = %v, not errors.Is %v", c.err, w, c.want)
		}
	}
}

func TestRecordSize(t *testing.T) {
	// One record with key "k", value "v", no headers: length 1, attributes
	// 1, timestamp delta 1, offset delta 1, key 1+1, value 1+1, header
	// count 1 = 8 bytes of body plus its length.
	r := log.Record{Key: []byte("k"), Value: []byte("v")}
	if got := recordSize(&r); got != 9 {
		t.Errorf("recordSize = %d, want 9", got)
	}
	r = log.Record{Value: make([]byte, 300), Headers: []log.Header{{Key: "h", Value: nil}}}
	// value length 300 takes a 2-byte varint; body = 3 + 1 + 2+300 + 1 + (1+1+1+0) = 310.
	if got := recordSize(&r); got != 2+310 {
		t.Errorf("recordSize = %d, want %d", got, 2+310)
	}
}
