// Package kafka is the log.Log of Sluice's Kafka mode: topics, records,
// readers and consumer-group offsets kept in a Kafka (or Redpanda) cluster,
// through the franz-go client.
//
//	l, err := kafka.Open(ctx, kafka.Options{
//		Brokers: []string{"kafka-1:9092", "kafka-2:9092"},
//		Logger:  logger,
//	})
//	if err != nil {
//		return err // names the brokers; errors.Is(err, log.ErrUnavailable)
//	}
//	defer l.Close()
//	err = l.CreateTopic(ctx, "pageviews", log.TopicConfig{Partitions: 6, ReplicationFactor: 3})
//	first, err := l.Append(ctx, "pageviews", 0, []log.Record{{Key: k, Value: v, Timestamp: ms}})
//
// How the log's contract maps onto Kafka:
//
//   - Append produces with acks=all and an idempotent producer to the
//     partition given. Its records normally leave as one record batch,
//     which Kafka writes whole or not at all; Appends larger than
//     Options.MaxBatchBytes, and rarely smaller ones, are split, and a
//     split Append can be left partly written if a later batch fails for
//     good (see Log.Append). Appends to one partition are serialized so
//     that each gets consecutive offsets.
//   - Readers consume one assigned partition (no consumer group) with
//     read_committed isolation. OpenReader checks the offset against the
//     partition's start and end offsets first, since Kafka would otherwise
//     move it; a reader overtaken by retention fails with
//     ErrOffsetOutOfRange rather than skipping.
//   - Partitions may start past offset 0 (retention, DeleteRecords):
//     PartitionInfo.StartOffset says where.
//   - OffsetForTime is Kafka's ListOffsets by timestamp.
//   - CommitOffsets and CommittedOffsets use the group coordinator as a
//     consumer outside any group generation does; Kafka accepts that for
//     groups without running members.
//   - Topic configs are Kafka's: the broker refuses keys it does not know
//     (ErrInvalidConfig), and DescribeTopic reports the configs set on the
//     topic, not broker defaults.
//   - ListTopics leaves out names starting with "__" (__consumer_offsets,
//     __transaction_state): they belong to the brokers.
//   - Broker errors map to the log's: unknown topic to ErrUnknownTopic,
//     message too large to ErrRecordTooLarge, retriable and network errors
//     to ErrUnavailable. The Kafka error stays in the chain for errors.Is.
package kafka
