package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/metrics"
)

// Credentials is one role's set of accepted credentials. An empty set
// means that the role needs no authentication.
type Credentials struct {
	Users  map[string]string // HTTP basic: user -> password
	Tokens []string          // Authorization: Bearer <token>
}

func (c Credentials) empty() bool { return len(c.Users) == 0 && len(c.Tokens) == 0 }

// Defaults of Config.
const (
	DefaultMaxRequestBytes  = 32 << 20
	DefaultMaxInflightBytes = 256 << 20
)

// Config is the server's behaviour; the zero value serves everything
// without authentication, without TLS, with the default limits.
type Config struct {
	// Ingest and Admin are the two roles' credentials; admin credentials
	// are accepted wherever ingest ones are.
	Ingest, Admin Credentials
	// TLSCertFile and TLSKeyFile (PEM) switch Serve to HTTPS.
	TLSCertFile, TLSKeyFile string
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// MaxRequestBytes bounds one request body (413 beyond).
	MaxRequestBytes int64
	// MaxInflightBytes bounds the request bodies being processed at once;
	// a request that does not fit is answered 429 with Retry-After.
	MaxInflightBytes int64
	// AutoCreateTopics creates unknown topics on first ingest, with
	// AutoCreatePartitions partitions (default 1).
	AutoCreateTopics     bool
	AutoCreatePartitions int32
	// PublicPixel serves the tracking pixel without authentication;
	// PublicMetrics serves /metrics without admin credentials.
	PublicPixel, PublicMetrics bool
}

// Server serves the HTTP API over one log.
type Server struct {
	log    log.Log
	clock  clock.Clock
	logger *slog.Logger
	cfg    Config
	auth   authenticator
	tls    *tls.Config
	budget budget
	m      *serverMetrics
	parts  partitionCache
	rr     atomic.Uint32 // round-robin partition choice for unkeyed requests
	ksql   *ksqlAPI      // the ksqlDB REST API; nil without an engine

	// stopping ends when Serve begins to shut down: long-lived record
	// streams end then, so that shutdown does not wait for their clients.
	stopping     context.Context
	stop         context.CancelFunc
	serveOnce    sync.Once
	shutdownWait time.Duration

	// afterAcquire, when set (tests), is called once a request holds its
	// share of the in-flight byte budget.
	afterAcquire func(n int64)
}

// New builds the server of an engine and registers its metrics in the
// engine's registry (once per engine). It fails when the TLS files cannot
// be loaded.
func New(eng *engine.Engine, cfg Config) (*Server, error) {
	s, err := newServer(eng.Log(), eng.Metrics(), eng.Clock(), eng.Logger(), cfg)
	if err != nil {
		return nil, err
	}
	s.ksql = newKsqlAPI(engineAdapter{eng})
	return s, nil
}

// newServer builds a server from the pieces an engine provides.
func newServer(l log.Log, reg *metrics.Registry, clk clock.Clock, logger *slog.Logger, cfg Config) (*Server, error) {
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if cfg.MaxInflightBytes <= 0 {
		cfg.MaxInflightBytes = DefaultMaxInflightBytes
	}
	if cfg.AutoCreatePartitions <= 0 {
		cfg.AutoCreatePartitions = 1
	}
	if clk == nil {
		clk = clock.Real{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		log:          l,
		clock:        clk,
		logger:       logger,
		cfg:          cfg,
		auth:         newAuthenticator(cfg.Ingest, cfg.Admin),
		budget:       budget{max: cfg.MaxInflightBytes},
		parts:        partitionCache{m: map[string]topicMeta{}},
		shutdownWait: 30 * time.Second,
	}
	s.stopping, s.stop = context.WithCancel(context.Background())
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, errors.New("server: TLS needs both a certificate and a key file (--tls-cert and --tls-key)")
	}
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("server: cannot load the TLS certificate and key: %w", err)
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s.m = newServerMetrics(reg, &s.budget)
	return s, nil
}

// Handler is the API as an http.Handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s }

// Serve answers requests on ln (over TLS when the configuration names a
// certificate) until ctx ends, then stops accepting connections, ends
// record streams, lets the requests in flight finish and returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	first := false
	s.serveOnce.Do(func() { first = true })
	if !first {
		return errors.New("server: Serve called twice: create one Server per listener")
	}
	// ksqlDB clients speak HTTP/2 to /query-stream, over TLS or in clear
	// text (h2c), besides HTTP/1.1.
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	protocols.SetUnencryptedHTTP2(true)
	srv := &http.Server{
		Handler:           s,
		Protocols:         &protocols,
		TLSConfig:         s.tls,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// Handshake failures and malformed requests from scanners are noise.
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() {
		if s.tls != nil {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		s.stop()
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.stop()
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdownWait)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-errc // http.ErrServerClosed once Shutdown began
	if err != nil {
		srv.Close()
		return fmt.Errorf("server: requests still running after %v of shutdown were cut: %w", s.shutdownWait, err)
	}
	return nil
}

// Endpoints, as named in the metrics.
type endpoint int

const (
	epUnknown endpoint = iota
	epIngest
	epPixel
	epTopicsList
	epTopicDescribe
	epTopicCreate
	epTopicDelete
	epRecords
	epGroupOffsets
	epMetrics
	epHealthcheck
	epKsql
	epQuery
	epQueryStream
	epInsertsStream
	epCloseQuery
	epInfo
	epStatus
	epValidProperty
	numEndpoints
)

var endpointNames = [numEndpoints]string{"unknown", "ingest", "pixel", "topics_list", "topic_describe", "topic_create", "topic_delete", "records", "group_offsets", "metrics", "healthcheck",
	"ksql", "query", "query_stream", "inserts_stream", "close_query", "info", "status", "is_valid_property"}

// ServeHTTP routes a request and measures it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.clock.Now()
	sw := &statusWriter{ResponseWriter: w}
	ep := epUnknown
	defer func() {
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		s.m.observe(ep, code, s.clock.Now().Sub(start))
	}()
	ep = s.route(sw, r)
}

// route dispatches to the handler of the path and returns its endpoint.
func (s *Server) route(w *statusWriter, r *http.Request) endpoint {
	if ep, ok := s.routeKsql(w, r); ok {
		return ep
	}
	path := r.URL.Path
	switch {
	case path == "/healthcheck":
		if methodIs(w, r, http.MethodGet) {
			s.handleHealth(w, r)
		}
		return epHealthcheck
	case path == "/metrics":
		if methodIs(w, r, http.MethodGet) && s.authorize(w, r, roleAdmin, s.cfg.PublicMetrics, "", epMetrics) {
			s.handleMetrics(w, r)
		}
		return epMetrics
	case path == "/topics":
		if methodIs(w, r, http.MethodGet) && s.authorize(w, r, roleAdmin, false, "", epTopicsList) {
			s.handleListTopics(w, r)
		}
		return epTopicsList
	case strings.HasPrefix(path, "/topics/"):
		topic, sub, hasSub := strings.Cut(path[len("/topics/"):], "/")
		if hasSub {
			if sub != "records" {
				break
			}
			if methodIs(w, r, http.MethodGet) && s.authorize(w, r, roleAdmin, false, "", epRecords) {
				s.handleRecords(w, r, topic)
			}
			return epRecords
		}
		var ep endpoint
		switch r.Method {
		case http.MethodPost:
			ep = epIngest
			if s.authorize(w, r, roleIngest, false, "", ep) {
				s.handleIngest(w, r, topic)
			}
		case http.MethodGet:
			ep = epTopicDescribe
			if s.authorize(w, r, roleAdmin, false, "", ep) {
				s.handleDescribeTopic(w, r, topic)
			}
		case http.MethodPut:
			ep = epTopicCreate
			if s.authorize(w, r, roleAdmin, false, "", ep) {
				s.handleCreateTopic(w, r, topic)
			}
		case http.MethodDelete:
			ep = epTopicDelete
			if s.authorize(w, r, roleAdmin, false, "", ep) {
				s.handleDeleteTopic(w, r, topic)
			}
		default:
			methodNotAllowed(w, "GET, POST, PUT, DELETE")
		}
		return ep
	case strings.HasPrefix(path, "/px/"):
		topic := path[len("/px/"):]
		if strings.Contains(topic, "/") {
			break
		}
		if methodIs(w, r, http.MethodGet) && s.authorize(w, r, roleIngest, s.cfg.PublicPixel, r.URL.Query().Get("token"), epPixel) {
			s.handlePixel(w, r, topic)
		}
		return epPixel
	case strings.HasPrefix(path, "/groups/"):
		group, sub, _ := strings.Cut(path[len("/groups/"):], "/")
		if sub != "offsets" || group == "" {
			break
		}
		if methodIs(w, r, http.MethodGet) && s.authorize(w, r, roleAdmin, false, "", epGroupOffsets) {
			s.handleGroupOffsets(w, r, group)
		}
		return epGroupOffsets
	}
	writeAPIError(w, &apiError{status: http.StatusNotFound, code: 40400,
		msg: fmt.Sprintf("no endpoint %s %s: see the API reference (POST /topics/{topic}, GET /topics, GET /px/{topic}, /metrics, /healthcheck)", r.Method, path)})
	return epUnknown
}

func methodIs(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	methodNotAllowed(w, method)
	return false
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeAPIError(w, &apiError{status: http.StatusMethodNotAllowed, code: 40501, msg: "method not allowed here: use " + allow})
}

// statusWriter remembers the status for the metrics and passes flushes
// through, which the record stream needs.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// topicMeta is what ingest needs to know of a topic, cached briefly so
// that each request does not ask the log (a broker round trip in kafka
// mode).
type topicMeta struct {
	partitions int32
	checked    time.Time
}

// partitionCacheTTL bounds how long a partition count changed behind the
// server's back (another instance, a Kafka admin tool) goes unnoticed.
const partitionCacheTTL = 2 * time.Second

type partitionCache struct {
	mu sync.RWMutex
	m  map[string]topicMeta
}

func (c *partitionCache) get(topic string, now time.Time) (int32, bool) {
	c.mu.RLock()
	tm, ok := c.m[topic]
	c.mu.RUnlock()
	if !ok || now.Sub(tm.checked) > partitionCacheTTL || now.Before(tm.checked) {
		return 0, false
	}
	return tm.partitions, true
}

func (c *partitionCache) put(topic string, n int32, now time.Time) {
	c.mu.Lock()
	c.m[topic] = topicMeta{partitions: n, checked: now}
	c.mu.Unlock()
}

func (c *partitionCache) forget(topic string) {
	c.mu.Lock()
	delete(c.m, topic)
	c.mu.Unlock()
}

// partitions returns the topic's partition count, creating the topic
// first when it is unknown and the server auto-creates topics.
func (s *Server) partitions(ctx context.Context, topic string) (int32, error) {
	now := s.clock.Now()
	if n, ok := s.parts.get(topic, now); ok {
		return n, nil
	}
	if err := log.ValidateTopicName(topic); err != nil {
		return 0, err
	}
	info, err := s.log.DescribeTopic(ctx, topic)
	if errors.Is(err, log.ErrUnknownTopic) && s.cfg.AutoCreateTopics {
		err = s.log.CreateTopic(ctx, topic, log.TopicConfig{Partitions: s.cfg.AutoCreatePartitions})
		switch {
		case err == nil:
			s.logger.Info("server: created topic on first ingest", "topic", topic, "partitions", s.cfg.AutoCreatePartitions)
		case errors.Is(err, log.ErrTopicExists):
			// Another request created it first.
		default:
			return 0, err
		}
		info, err = s.log.DescribeTopic(ctx, topic)
	}
	if err != nil {
		return 0, err
	}
	n := int32(len(info.Partitions))
	if n == 0 {
		return 0, fmt.Errorf("server: topic %q has no partitions: %w", topic, log.ErrUnavailable)
	}
	s.parts.put(topic, n, now)
	return n, nil
}
