package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/exec"
	"github.com/sluicedata/sluice/internal/server"
)

func serverCommand() command {
	return command{
		name:    "server",
		summary: "run the server: HTTP ingest, topic administration and metrics over the log",
		run:     runServer,
	}
}

// serverOptions says how to start a server: the flags of `sluice server`
// fill it, other commands (demo) build one in code.
type serverOptions struct {
	dataDir       string
	listen        string
	logMode       string
	brokers       []string
	fsync         string
	fsyncInterval time.Duration
	stateCache    int64 // bytes of aggregation state kept in memory
	logLevel      slog.Level
	server        server.Config
	logger        *slog.Logger // nil: slog text on io.Stderr at logLevel
}

func defaultServerOptions() serverOptions {
	return serverOptions{
		dataDir:       "./sluice-data",
		listen:        "127.0.0.1:8080",
		logMode:       engine.ModeEmbedded,
		fsync:         "interval",
		fsyncInterval: 100 * time.Millisecond,
		stateCache:    exec.DefaultStateCacheBytes,
		logLevel:      slog.LevelInfo,
		server: server.Config{
			MaxRequestBytes:      server.DefaultMaxRequestBytes,
			MaxInflightBytes:     server.DefaultMaxInflightBytes,
			AutoCreatePartitions: 1,
		},
	}
}

const serverDescription = `
Runs Sluice: the log (embedded in --data-dir, or a Kafka cluster with
--log kafka --brokers), the HTTP API for ingest (REST Proxy v2, NDJSON,
tracking pixel), topic administration, record streaming, /metrics and
/healthcheck. Runs until interrupted, then finishes the requests in flight.

Credentials: --ingest-* may write records, --admin-* may do everything. A
role without credentials needs none. Pass secrets in the environment
(SLUICE_ADMIN_TOKENS, SLUICE_INGEST_TOKENS, ...) to keep them out of ps.`

func runServer(ctx context.Context, io IO, args []string) error {
	opts, err := parseServerFlags(io, args)
	if err != nil {
		return err
	}
	rs, err := startServer(ctx, io, opts)
	if err != nil {
		return err
	}
	return rs.wait()
}

func parseServerFlags(io IO, args []string) (serverOptions, error) {
	o := defaultServerOptions()
	fs := newFlagSet(io, "server", "server [flags]", serverDescription)
	fs.StringVar(&o.dataDir, "data-dir", o.dataDir, "directory of the embedded log and local state")
	fs.StringVar(&o.listen, "listen", o.listen, "address to serve HTTP on, host:port (port 0 picks a free one)")
	fs.StringVar(&o.logMode, "log", o.logMode, "where topics live: embedded or kafka")
	brokers := fs.String("brokers", "", "Kafka bootstrap brokers, host:port,... (with --log kafka)")
	fs.StringVar(&o.fsync, "fsync", o.fsync, "when the embedded log syncs to disk before answering: always, interval or never")
	fs.DurationVar(&o.fsyncInterval, "fsync-interval", o.fsyncInterval, "sync period of --fsync interval")
	stateCache := byteSize(o.stateCache)
	fs.Var(&stateCache, "state-cache-bytes", "memory for the groups of aggregations, shared by their tasks; the rest of their state stays on disk (bytes, or with KiB, MiB, GiB)")
	fs.StringVar(&o.server.TLSCertFile, "tls-cert", "", "PEM certificate file: serve HTTPS (with --tls-key)")
	fs.StringVar(&o.server.TLSKeyFile, "tls-key", "", "PEM private key file of --tls-cert")
	ingestTokens := fs.String("ingest-tokens", "", "bearer tokens that may ingest, comma-separated")
	ingestUsers := fs.String("ingest-users", "", "basic-auth users that may ingest, user:password,...")
	adminTokens := fs.String("admin-tokens", "", "bearer tokens that may do everything, comma-separated")
	adminUsers := fs.String("admin-users", "", "basic-auth users that may do everything, user:password,...")
	proxies := fs.String("trusted-proxies", "", "proxies whose X-Forwarded-For is believed: CIDRs or IPs, comma-separated")
	maxRequest := byteSize(o.server.MaxRequestBytes)
	fs.Var(&maxRequest, "max-request-bytes", "largest request body (413 beyond), e.g. 32MiB")
	maxInflight := byteSize(o.server.MaxInflightBytes)
	fs.Var(&maxInflight, "max-inflight-bytes", "request bodies processed at once (429 beyond), e.g. 256MiB")
	fs.BoolVar(&o.server.AutoCreateTopics, "auto-create-topics", false, "create unknown topics on first ingest")
	partitions := fs.Int("auto-create-partitions", 1, "partitions of auto-created topics")
	fs.BoolVar(&o.server.PublicPixel, "public-pixel", false, "serve the tracking pixel without credentials")
	fs.BoolVar(&o.server.PublicMetrics, "public-metrics", false, "serve /metrics without admin credentials")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := parseFlags(fs, io, args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, usageError("takes no arguments, got %q", fs.Args())
	}
	if o.stateCache = int64(stateCache); o.stateCache <= 0 {
		return o, usageError("--state-cache-bytes must be positive, got %d", o.stateCache)
	}

	switch o.logMode {
	case engine.ModeEmbedded, engine.ModeKafka:
	default:
		return o, usageError("--log %q: use embedded or kafka", o.logMode)
	}
	o.brokers = splitList(*brokers)
	if o.logMode == engine.ModeKafka && len(o.brokers) == 0 {
		return o, usageError("--log kafka needs --brokers host:port,...")
	}
	if o.logMode == engine.ModeEmbedded && len(o.brokers) > 0 {
		return o, usageError("--brokers is set but --log is embedded: add --log kafka")
	}
	switch o.fsync {
	case "always", "interval", "never":
	default:
		return o, usageError("--fsync %q: use always, interval or never", o.fsync)
	}
	if o.fsyncInterval <= 0 {
		return o, usageError("--fsync-interval must be positive, got %v", o.fsyncInterval)
	}
	if err := o.logLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return o, usageError("--log-level %q: use debug, info, warn or error", *logLevel)
	}
	if (o.server.TLSCertFile == "") != (o.server.TLSKeyFile == "") {
		return o, usageError("--tls-cert and --tls-key go together")
	}
	var err error
	if o.server.Ingest, err = credentials("ingest", *ingestTokens, *ingestUsers); err != nil {
		return o, err
	}
	if o.server.Admin, err = credentials("admin", *adminTokens, *adminUsers); err != nil {
		return o, err
	}
	for _, p := range splitList(*proxies) {
		prefix, err := parsePrefix(p)
		if err != nil {
			return o, usageError("--trusted-proxies: %q is neither a CIDR nor an IP address", p)
		}
		o.server.TrustedProxies = append(o.server.TrustedProxies, prefix)
	}
	if maxRequest <= 0 || maxInflight <= 0 {
		return o, usageError("--max-request-bytes and --max-inflight-bytes must be positive")
	}
	o.server.MaxRequestBytes, o.server.MaxInflightBytes = int64(maxRequest), int64(maxInflight)
	if *partitions < 1 || *partitions > 1<<20 {
		return o, usageError("--auto-create-partitions must be at least 1, got %d", *partitions)
	}
	o.server.AutoCreatePartitions = int32(*partitions)
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func credentials(role, tokens, users string) (server.Credentials, error) {
	c := server.Credentials{Tokens: splitList(tokens)}
	for _, u := range splitList(users) {
		name, password, ok := strings.Cut(u, ":")
		if !ok || name == "" || password == "" {
			return c, usageError("--%s-users: write each user as user:password (got an entry without a password)", role)
		}
		if c.Users == nil {
			c.Users = map[string]string{}
		}
		c.Users[name] = password
	}
	return c, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// byteSize is a flag of bytes that also reads KiB, MiB, GiB (and KB,
// MB, GB) suffixes.
type byteSize int64

var byteUnits = []struct {
	suffix string
	n      int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

func (b *byteSize) String() string {
	for _, u := range byteUnits[:3] {
		if n := int64(*b); n >= u.n && n%u.n == 0 && (u.n == 1<<30 || n < u.n<<10) {
			return strconv.FormatInt(n/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*b), 10)
}

func (b *byteSize) Set(s string) error {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range byteUnits {
		if len(s) > len(u.suffix) && strings.EqualFold(s[len(s)-len(u.suffix):], u.suffix) {
			s, mult = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.n
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return errors.New("use a number of bytes, optionally with KiB, MiB or GiB")
	}
	*b = byteSize(n * mult)
	return nil
}

var _ flag.Value = (*byteSize)(nil)

// runningServer is a server started by startServer.
type runningServer struct {
	addr   string // host:port it listens on
	url    string // http(s)://addr
	eng    *engine.Engine
	logger *slog.Logger
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// wait blocks until the server has stopped (its context ended) and the
// engine is closed.
func (rs *runningServer) wait() error {
	<-rs.done
	return rs.err
}

// stop shuts the server down gracefully and waits for it.
func (rs *runningServer) stop() error {
	rs.cancel()
	return rs.wait()
}

// startServer opens the engine, listens and serves in the background
// until ctx ends or stop is called.
func startServer(ctx context.Context, io IO, opts serverOptions) (*runningServer, error) {
	logger := opts.logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Stderr, &slog.HandlerOptions{Level: opts.logLevel}))
	}
	eng, err := engine.Open(ctx, engine.Config{
		DataDir:         opts.dataDir,
		LogMode:         opts.logMode,
		Brokers:         opts.brokers,
		Fsync:           opts.fsync,
		FsyncInterval:   opts.fsyncInterval,
		StateCacheBytes: opts.stateCache,
		Logger:          logger,
	})
	if err != nil {
		return nil, err
	}
	srv, err := server.New(eng, opts.server)
	if err != nil {
		eng.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", opts.listen)
	if err != nil {
		eng.Close()
		return nil, fmt.Errorf("cannot listen on %s: %w (choose another address with --listen)", opts.listen, err)
	}
	addr := ln.Addr().String()
	scheme := "http"
	if opts.server.TLSCertFile != "" {
		scheme = "https"
	}
	if open := openRoles(opts.server); len(open) > 0 && !isLoopback(ln.Addr()) {
		writeOpenWarning(io.Stderr, addr, open)
	}
	attrs := []any{"addr", addr, "url", scheme + "://" + addr, "mode", opts.logMode}
	if opts.logMode == engine.ModeKafka {
		attrs = append(attrs, "brokers", strings.Join(opts.brokers, ","))
	} else {
		attrs = append(attrs, "data_dir", opts.dataDir, "fsync", opts.fsync)
	}
	logger.Info("sluice server listening", attrs...)

	sctx, cancel := context.WithCancel(ctx)
	rs := &runningServer{addr: addr, url: scheme + "://" + addr, eng: eng, logger: logger, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(rs.done)
		serveErr := srv.Serve(sctx, ln)
		closeErr := eng.Close()
		if closeErr != nil {
			closeErr = fmt.Errorf("closing the log: %w", closeErr)
		}
		rs.err = errors.Join(serveErr, closeErr)
		logger.Info("sluice server stopped", "addr", addr)
	}()
	return rs, nil
}

// openRoles names the roles that need no credentials.
func openRoles(cfg server.Config) []string {
	var open []string
	if len(cfg.Ingest.Tokens) == 0 && len(cfg.Ingest.Users) == 0 {
		open = append(open, "ingest")
	}
	if len(cfg.Admin.Tokens) == 0 && len(cfg.Admin.Users) == 0 {
		open = append(open, "admin")
	}
	return open
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func writeOpenWarning(w io.Writer, addr string, open []string) {
	what := map[string]string{
		"ingest": "write records into any topic",
		"admin":  "read every record, create and delete topics",
	}
	lines := []string{
		strings.Repeat("=", 72),
		fmt.Sprintf("sluice listens on %s, which other machines can reach,", addr),
		fmt.Sprintf("and these roles need NO credentials: %s.", strings.Join(open, ", ")),
		"Anyone who can reach this address can:",
	}
	for _, r := range open {
		lines = append(lines, "  - "+what[r]+" ("+r+")")
	}
	lines = append(lines,
		"Set --ingest-tokens/--ingest-users and --admin-tokens/--admin-users",
		"(or SLUICE_INGEST_TOKENS, SLUICE_ADMIN_TOKENS, ...), or listen on 127.0.0.1.",
		strings.Repeat("=", 72),
	)
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("WARNING " + l + "\n")
	}
	io.WriteString(w, b.String())
}
