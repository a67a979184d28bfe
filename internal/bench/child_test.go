package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/server"
)

// TestMain lets this test binary stand in for `sluice server` when a
// workload starts it as its child (see startChildServer).
func TestMain(m *testing.M) {
	if os.Getenv(ChildServerEnv) != "" && len(os.Args) > 1 && os.Args[1] == "server" {
		if err := serveChild(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveChild serves the engine over --data-dir on --listen, as `sluice
// server` does, until the process is killed.
func serveChild(args []string) error {
	var dir, listen string
	for i := 0; i+1 < len(args); i++ {
		switch args[i] {
		case "--data-dir":
			dir = args[i+1]
		case "--listen":
			listen = args[i+1]
		}
	}
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Config{DataDir: dir})
	if err != nil {
		return err
	}
	srv, err := server.New(eng, server.Config{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	return srv.Serve(ctx, ln)
}
