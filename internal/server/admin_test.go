package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
)

func TestTopicAdmin(t *testing.T) {
	ts := newTestServer(t, Config{})
	w := ts.do("PUT", "/topics/orders", `{"partitions":2,"configs":{"retention.ms":"86400000"}}`)
	const described = `{"name":"orders","configs":{"retention.ms":"86400000"},"partitions":[` +
		`{"partition":0,"leader":0,"replicas":[{"broker":0,"leader":true,"in_sync":true}],"start_offset":0,"end_offset":%s,"size_bytes":0},` +
		`{"partition":1,"leader":0,"replicas":[{"broker":0,"leader":true,"in_sync":true}],"start_offset":0,"end_offset":0,"size_bytes":0}]}`
	expect(t, w, 201, strings.Replace(described, "%s", "0", 1))
	if w := ts.post("/topics/orders", jsonV2, `{"records":[{"value":1,"partition":0},{"value":2,"partition":0}]}`); w.Code != 200 {
		t.Fatal(w.Body)
	}
	expect(t, ts.do("GET", "/topics/orders", ""), 200, strings.Replace(described, "%s", "2", 1))

	expect(t, ts.do("PUT", "/topics/b", ""), 201, `{"name":"b","configs":{},"partitions":[{"partition":0,"leader":0,"replicas":[{"broker":0,"leader":true,"in_sync":true}],"start_offset":0,"end_offset":0,"size_bytes":0}]}`)
	if w := ts.do("PUT", "/topics/Z", `{"partitions":1,"replication_factor":3}`); w.Code != 201 {
		t.Fatal(w.Body)
	}
	expect(t, ts.do("GET", "/topics", ""), 200, `["Z","b","orders"]`)
	expect(t, ts.do("GET", "/topics?internal=true", ""), 200, `["Z","_sluice_commands","_sluice_processing_log","b","orders"]`)

	expectError(t, ts.do("PUT", "/topics/orders", `{}`), 409, 40901, "already exists")
	expectError(t, ts.do("PUT", "/topics/bad$", `{}`), 400, 40002, "invalid topic name")
	expectError(t, ts.do("PUT", "/topics/zero", `{"partitions":0}`), 422, 42201, "partitions must be at least 1")
	expectError(t, ts.do("PUT", "/topics/typo", `{"partition":3}`), 400, 40002, `unknown field "partition"`)
	expectError(t, ts.do("PUT", "/topics/typo", `{"partitions":"3"}`), 400, 40002, "cannot read the topic settings")
	expectError(t, ts.do("GET", "/topics/missing", ""), 404, 40401, `unknown topic: "missing"`)

	w = ts.do("DELETE", "/topics/orders", "")
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Fatalf("delete: %d %q", w.Code, w.Body)
	}
	expectError(t, ts.do("DELETE", "/topics/orders", ""), 404, 40401, "orders")
	// The ingest cache must not outlive the topic.
	expectError(t, ts.post("/topics/orders", ndjson, "1\n"), 404, 40401, "orders")
}

func TestRouting(t *testing.T) {
	ts := newTestServer(t, Config{})
	expectError(t, ts.do("GET", "/nowhere", ""), 404, 40400, "no endpoint GET /nowhere")
	expectError(t, ts.do("GET", "/topics/t/other", ""), 404, 40400, "no endpoint")
	expectError(t, ts.do("GET", "/px/a/b", ""), 404, 40400, "no endpoint")
	w := ts.do("PATCH", "/topics/t", "")
	expectError(t, w, 405, 40501, "GET, POST, PUT, DELETE")
	if w.Header().Get("Allow") != "GET, POST, PUT, DELETE" {
		t.Fatalf("Allow = %q", w.Header().Get("Allow"))
	}
	expectError(t, ts.do("POST", "/topics", ""), 405, 40501, "GET")
	expectError(t, ts.do("POST", "/healthcheck", ""), 405, 40501, "GET")
}

// downLog is a log whose broker can be taken away.
type downLog struct {
	log.Log
	down atomic.Bool
}

func (l *downLog) ListTopics(ctx context.Context) ([]log.TopicInfo, error) {
	if l.down.Load() {
		return nil, fmt.Errorf("%w: no broker answers", log.ErrUnavailable)
	}
	return l.Log.ListTopics(ctx)
}

func (l *downLog) Append(ctx context.Context, topic string, p int32, recs []log.Record) (int64, error) {
	if l.down.Load() {
		return 0, fmt.Errorf("%w: no broker answers", log.ErrUnavailable)
	}
	return l.Log.Append(ctx, topic, p, recs)
}

func TestHealthcheck(t *testing.T) {
	l := &downLog{Log: memlog.New()}
	ts := newTestServerOver(t, l, Config{Admin: Credentials{Tokens: []string{"a"}}})
	expect(t, ts.do("GET", "/healthcheck", ""), 200, `{"isHealthy":true,"details":{"metastore":{"isHealthy":true},"kafka":{"isHealthy":true},"commandRunner":{"isHealthy":true}},"serverState":"READY"}`)
	l.down.Store(true)
	expect(t, ts.do("GET", "/healthcheck", ""), 503, `{"isHealthy":false,"details":{"metastore":{"isHealthy":true},"kafka":{"isHealthy":false,"error":"log: temporarily unavailable: no broker answers"},"commandRunner":{"isHealthy":true}},"serverState":"READY"}`)
	w := ts.do("GET", "/topics", "", "Authorization", "Bearer a")
	expectError(t, w, 503, 50301, "no broker answers: retry shortly")
	if w.Header().Get("Retry-After") != "1" {
		t.Fatalf("503 without Retry-After: %v", w.Header())
	}
}

func TestIngestLogUnavailable(t *testing.T) {
	l := &downLog{Log: memlog.New()}
	ts := newTestServerOver(t, l, Config{})
	ts.createTopic("t", 1)
	l.down.Store(true)
	for _, w := range []*httptest.ResponseRecorder{
		ts.post("/topics/t", ndjson, "1\n"),
		ts.post("/topics/t", jsonV2, `{"records":[{"value":1}]}`),
		ts.do("GET", "/px/t", ""),
	} {
		expectError(t, w, 503, 50301, "retry shortly")
		if w.Header().Get("Retry-After") != "1" {
			t.Fatalf("503 without Retry-After: %v", w.Header())
		}
	}
	l.down.Store(false)
	expect(t, ts.post("/topics/t", ndjson, "1\n"), 200, `{"count":1,"offsets":[{"partition":0,"offset":0,"count":1}]}`)
}

func TestGroupOffsets(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("t", 3)
	err := ts.log.CommitOffsets(context.Background(), "g", map[log.TopicPartition]int64{{Topic: "t", Partition: 0}: 123, {Topic: "t", Partition: 2}: 55, {Topic: "other", Partition: 0}: 9})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, ts.do("GET", "/groups/g/offsets?topic=t", ""), 200, `{"topic":"t","offsets":{"0":123,"2":55}}`)
	expect(t, ts.do("GET", "/groups/none/offsets?topic=t", ""), 200, `{"topic":"t","offsets":{}}`)
	expectError(t, ts.do("GET", "/groups/g/offsets", ""), 400, 40002, "?topic=NAME")
	expectError(t, ts.do("GET", "/groups/g/offsets?topic=missing", ""), 404, 40401, "missing")
}

func TestMetricsEndpoint(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("t", 1)
	ts.post("/topics/t", ndjson, "{\"a\":1}\n{\"b\":22}\n")
	ts.post("/topics/t", ndjson, "{bad\n")
	ts.do("GET", "/px/t?x=1", "")
	w := ts.do("GET", "/metrics", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("%d %q", w.Code, w.Header().Get("Content-Type"))
	}
	body := w.Body.String()
	for _, want := range []string{
		`sluice_http_requests_total{endpoint="ingest",code="200"} 1`,
		`sluice_http_requests_total{endpoint="ingest",code="400"} 1`,
		`sluice_http_requests_total{endpoint="pixel",code="200"} 1`,
		`sluice_ingest_records_total{topic="t"} 3`,
		fmt.Sprintf(`sluice_ingest_bytes_total{topic="t"} %d`, 15+len(ts.records("t", 0)[2].Value)),
		`sluice_ingest_rejected_total{reason="malformed"} 1`,
		`sluice_ingest_rejected_total{reason="too_large"} 0`,
		`sluice_ingest_rejected_total{reason="overloaded"} 0`,
		`sluice_ingest_rejected_total{reason="unauthorized"} 0`,
		`sluice_ingest_rejected_total{reason="unknown_topic"} 0`,
		`sluice_http_request_seconds_count{endpoint="ingest"} 2`,
		`sluice_http_request_seconds_bucket{endpoint="ingest",le="+Inf"} 2`,
		"# TYPE sluice_ingest_inflight_bytes gauge\nsluice_ingest_inflight_bytes 0\n",
		`sluice_log_appended_records_total{topic="t"} 3`, // the engine's own
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}
