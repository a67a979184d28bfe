package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
	"github.com/sluicedata/sluice/internal/metrics"
)

// start is the fake clock's reading when a test server starts.
var start = time.Date(2024, 5, 1, 12, 0, 0, 123e6, time.UTC)

type testServer struct {
	t     *testing.T
	s     *Server
	log   log.Log
	reg   *metrics.Registry
	clock *clock.Fake
}

func newTestServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	return newTestServerOver(t, memlog.New(), cfg)
}

// newTestServerOver serves the log l through an engine.
func newTestServerOver(t *testing.T, l log.Log, cfg Config) *testServer {
	t.Helper()
	clk := clock.NewFake(start)
	eng, err := engine.Open(t.Context(), engine.Config{Log: l, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	s, err := New(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{t: t, s: s, log: eng.Log(), reg: eng.Metrics(), clock: clk}
}

func (ts *testServer) createTopic(name string, partitions int32) {
	ts.t.Helper()
	if err := ts.log.CreateTopic(context.Background(), name, log.TopicConfig{Partitions: partitions}); err != nil {
		ts.t.Fatal(err)
	}
}

// do sends a request through the handler; headers are name, value pairs.
func (ts *testServer) do(method, target, body string, headers ...string) *httptest.ResponseRecorder {
	ts.t.Helper()
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	ts.s.ServeHTTP(w, r)
	return w
}

func (ts *testServer) post(target, contentType, body string, headers ...string) *httptest.ResponseRecorder {
	ts.t.Helper()
	return ts.do(http.MethodPost, target, body, append([]string{"Content-Type", contentType}, headers...)...)
}

// records reads everything in a partition.
func (ts *testServer) records(topic string, partition int32) []log.Record {
	ts.t.Helper()
	ctx := context.Background()
	info, err := ts.log.DescribeTopic(ctx, topic)
	if err != nil {
		ts.t.Fatal(err)
	}
	end := info.Partitions[partition].EndOffset
	rd, err := ts.log.OpenReader(ctx, topic, partition, 0)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer rd.Close()
	var out []log.Record
	for int64(len(out)) < end {
		recs, err := rd.Next(ctx)
		if err != nil {
			ts.t.Fatal(err)
		}
		for _, r := range recs {
			r.Key, r.Value = clone(r.Key), clone(r.Value)
			out = append(out, r)
		}
	}
	return out
}

func (ts *testServer) endOffsets(topic string) []int64 {
	ts.t.Helper()
	info, err := ts.log.DescribeTopic(context.Background(), topic)
	if err != nil {
		ts.t.Fatal(err)
	}
	var out []int64
	for _, p := range info.Partitions {
		out = append(out, p.EndOffset)
	}
	return out
}

func (ts *testServer) metricsText() string {
	ts.t.Helper()
	var b strings.Builder
	if err := ts.reg.WriteText(&b); err != nil {
		ts.t.Fatal(err)
	}
	return b.String()
}

// expect checks a response's status and exact body (without the final newline).
func expect(t *testing.T, w *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	got := strings.TrimSuffix(w.Body.String(), "\n")
	if w.Code != status || got != body {
		t.Fatalf("got %d %s\nwant %d %s", w.Code, got, status, body)
	}
}

// expectError checks a response's status, that its body is exactly the
// Confluent error shape with the given code, and that the message
// contains want.
func expectError(t *testing.T, w *httptest.ResponseRecorder, status, code int, want string) {
	t.Helper()
	var e struct {
		Code    int    `json:"error_code"`
		Message string `json:"message"`
	}
	dec := json.NewDecoder(strings.NewReader(w.Body.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("got %d %s: not an error body: %v", w.Code, w.Body, err)
	}
	if w.Code != status || e.Code != code || !strings.Contains(e.Message, want) {
		t.Fatalf("got %d %s\nwant %d with error_code %d and a message containing %q", w.Code, w.Body, status, code, want)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type = %q", ct)
	}
}

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// clone copies b, keeping nil and empty apart.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}
