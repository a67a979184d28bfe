// Package embedded is the default log of Sluice: a log.Log kept in segment
// files under one directory, for one process. It owns the on-disk format
// (documented byte by byte in docs/format/log.md), the fsync policies,
// recovery after a crash, retention and consumer-group offsets.
//
// Each partition is a directory of segments; each Append is one CRC-framed
// batch written with one system call, so that it survives a crash whole or
// not at all. A full segment is sealed in the background (fsynced, its
// index marked complete), so appends never wait for it. On open, every
// segment is verified from its last trusted index entry: in one that may
// hold bytes that never reached the disk, a torn tail is cut and corrupt
// bytes are moved to a quarantine file and reported through
// Options.Logger. Readers read with large positional reads, never taking
// the append lock, and verify the checksum of every frame they return
// records from.
//
//	l, err := embedded.Open(embedded.Options{Dir: "data/log", Fsync: embedded.FsyncInterval})
//	if err != nil {
//		return err
//	}
//	defer l.Close()
//	err = l.CreateTopic(ctx, "events", log.TopicConfig{Partitions: 4})
//	first, err := l.Append(ctx, "events", 0, []log.Record{{Key: []byte("k"), Value: []byte("v"), Timestamp: 1700000000000}})
//	r, err := l.OpenReader(ctx, "events", 0, first)
//	recs, err := r.Next(ctx) // valid until the next call of Next
package embedded
