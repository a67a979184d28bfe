package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/kafka"
)

func ExampleOpen() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := kafka.Open(ctx, kafka.Options{
		Brokers: []string{"localhost:9092"},
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if errors.Is(err, log.ErrUnavailable) {
		fmt.Println("no broker answered:", err)
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()

	if err := l.CreateTopic(ctx, "pageviews", log.TopicConfig{Partitions: 6}); err != nil && !errors.Is(err, log.ErrTopicExists) {
		fmt.Println(err)
		return
	}
	first, err := l.Append(ctx, "pageviews", log.PartitionForKey([]byte("user-1"), 6), []log.Record{
		{Key: []byte("user-1"), Value: []byte(`{"page":"/"}`), Timestamp: time.Now().UnixMilli()},
	})
	fmt.Println(first, err)
}
