// Package log is Sluice's storage interface: named topics of ordered
// partitions of records (key, value, timestamp, headers) addressed by
// offset, plus the committed positions of consumer groups. SQL and the
// server never know which implementation runs: log/embedded keeps segment
// files on local disk, log/kafka talks to a Kafka cluster.
//
//	off, err := l.Append(ctx, "events", 0, []log.Record{{Value: []byte(`{"id":1}`)}})
//	r, err := l.OpenReader(ctx, "events", 0, off)
//	recs, err := r.Next(ctx) // blocks until there is something to read
package log
