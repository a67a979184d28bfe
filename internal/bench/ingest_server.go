package bench

import (
	"context"
	"fmt"
	"net"
	"path/filepath"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/server"
)

// startIngestServer runs the server, as `sluice server` does by default
// (embedded log, fsync every 100 ms, no authentication), in this process
// on a loopback port with its data in dir, and creates topic. It returns
// the topic's ingest URL, a function that counts the records stored in the
// topic and the function that stops it all.
func startIngestServer(ctx context.Context, dir, topic string, partitions int) (url string, stored func(context.Context) (int64, error), stop func(), err error) {
	eng, err := engine.Open(ctx, engine.Config{DataDir: filepath.Join(dir, "data"), Fsync: "interval", FsyncInterval: logFsyncInterval})
	if err != nil {
		return "", nil, nil, err
	}
	if err := eng.Log().CreateTopic(ctx, topic, log.TopicConfig{Partitions: int32(partitions)}); err != nil {
		eng.Close()
		return "", nil, nil, err
	}
	srv, err := server.New(eng, server.Config{})
	if err != nil {
		eng.Close()
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		eng.Close()
		return "", nil, nil, fmt.Errorf("cannot listen on loopback: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	stop = func() {
		cancel()
		<-served
		eng.Close()
	}
	stored = func(ctx context.Context) (int64, error) {
		info, err := eng.Log().DescribeTopic(ctx, topic)
		if err != nil {
			return 0, err
		}
		var n int64
		for _, p := range info.Partitions {
			n += p.EndOffset - p.StartOffset
		}
		return n, nil
	}
	return "http://" + ln.Addr().String() + "/topics/" + topic, stored, stop, nil
}
