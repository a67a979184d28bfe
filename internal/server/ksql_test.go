package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log/memlog"
	"github.com/sluicedata/sluice/internal/metrics"
)

// fakeEngine answers the REST API's calls as the test sets them up and
// records what it was asked.
type fakeEngine struct {
	mu       sync.Mutex
	execute  func(sess *engine.Session, sql string) ([]engine.Entity, error)
	query    func(ctx context.Context, sess *engine.Session, sql string) (*queryStream, error)
	insert   func(target string, obj []byte) error
	sessions []*engine.Session
	sqls     []string
	inserted []string // target + " " + row
	closed   []string // IDs given to CloseQuery
}

func (f *fakeEngine) Execute(ctx context.Context, sess *engine.Session, sql string) ([]engine.Entity, error) {
	f.mu.Lock()
	f.sessions, f.sqls = append(f.sessions, sess), append(f.sqls, sql)
	f.mu.Unlock()
	return f.execute(sess, sql)
}

func (f *fakeEngine) Query(ctx context.Context, sess *engine.Session, sql string) (*queryStream, error) {
	f.mu.Lock()
	f.sessions, f.sqls = append(f.sessions, sess), append(f.sqls, sql)
	f.mu.Unlock()
	return f.query(ctx, sess, sql)
}

func (f *fakeEngine) CloseQuery(id string) error {
	f.mu.Lock()
	f.closed = append(f.closed, id)
	f.mu.Unlock()
	return errors.New("unknown query")
}

func (f *fakeEngine) InsertJSON(ctx context.Context, target string, obj []byte) error {
	if err := f.insert(target, obj); err != nil {
		return err
	}
	f.mu.Lock()
	f.inserted = append(f.inserted, target+" "+string(obj))
	f.mu.Unlock()
	return nil
}

func (f *fakeEngine) insertedRows() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.inserted...)
}

// fakeStream is a query whose rows the test sends; after the last row
// Next returns end. Closed ends when the handler closes the query.
type fakeStream struct {
	rows   chan engine.Row
	end    error
	closed chan struct{}
	once   sync.Once
}

func newFakeStream(id string, cols []engine.Column, end error, rows ...engine.Row) (*fakeStream, *queryStream) {
	fs := &fakeStream{rows: make(chan engine.Row, len(rows)), end: end, closed: make(chan struct{})}
	for _, r := range rows {
		fs.rows <- r
	}
	qs := &queryStream{id: id, columns: cols,
		next: func(ctx context.Context) (engine.Row, error) {
			select {
			case r, ok := <-fs.rows:
				if !ok {
					return engine.Row{}, fs.end
				}
				return r, nil
			case <-ctx.Done():
				return engine.Row{}, ctx.Err()
			case <-fs.closed:
				return engine.Row{}, errors.New("query closed")
			}
		},
		close: func() { fs.once.Do(func() { close(fs.closed) }) },
	}
	return fs, qs
}

// finished makes Next return end once the queued rows are read.
func (fs *fakeStream) finished() *fakeStream {
	close(fs.rows)
	return fs
}

// newKsqlTestServer serves the REST API over fake.
func newKsqlTestServer(t *testing.T, fake *fakeEngine, cfg Config) *testServer {
	t.Helper()
	clk := clock.NewFake(start)
	reg := metrics.NewRegistry()
	l := memlog.New()
	t.Cleanup(func() { l.Close() })
	s, err := newServer(l, reg, clk, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.ksql = newKsqlAPI(fake)
	return &testServer{t: t, s: s, log: l, reg: reg, clock: clk}
}

func TestKsqlExecute(t *testing.T) {
	fake := &fakeEngine{execute: func(sess *engine.Session, sql string) ([]engine.Entity, error) {
		return []engine.Entity{&engine.CurrentStatus{
			Type: "currentStatus", StatementText: sql, CommandID: "stream/`S`/create",
			CommandStatus:         engine.CommandStatus{Status: "SUCCESS", Message: "Stream created"},
			CommandSequenceNumber: 2, Warnings: []engine.Warning{},
		}}, nil
	}}
	ts := newKsqlTestServer(t, fake, Config{})
	body := `{"ksql":"CREATE STREAM S (A INT) WITH (kafka_topic='s', value_format='JSON');",
		"streamsProperties":{"auto.offset.reset":"earliest","ksql.streams.num.stream.threads":4,"flag":true,"obj":{"a":[1,2]},"none":null},
		"sessionVariables":{"topic":"s","n":1.50}}`
	w := ts.post("/ksql", "application/json", body)
	expect(t, w, 200, `[{"@type":"currentStatus","statementText":"CREATE STREAM S (A INT) WITH (kafka_topic='s', value_format='JSON');","commandId":"stream/`+"`S`"+`/create","commandStatus":{"status":"SUCCESS","message":"Stream created"},"commandSequenceNumber":2,"warnings":[]}]`)
	if ct := w.Header().Get("Content-Type"); ct != mediaKsqlV1 {
		t.Fatalf("Content-Type = %q, want %q", ct, mediaKsqlV1)
	}
	sess := fake.sessions[0]
	wantProps := map[string]string{"auto.offset.reset": "earliest", "ksql.streams.num.stream.threads": "4", "flag": "true", "obj": `{"a":[1,2]}`}
	if !reflect.DeepEqual(sess.Properties, wantProps) {
		t.Fatalf("properties = %v, want %v", sess.Properties, wantProps)
	}
	if want := map[string]string{"topic": "s", "n": "1.50"}; !reflect.DeepEqual(sess.Variables, want) {
		t.Fatalf("variables = %v, want %v", sess.Variables, want)
	}

	// The answer takes the type the client asks for.
	w = ts.post("/ksql", "application/json", `{"ksql":"SHOW STREAMS;"}`, "Accept", "application/json")
	if w.Code != 200 || w.Header().Get("Content-Type") != mediaJSON {
		t.Fatalf("Accept application/json: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	w = ts.post("/ksql", "application/json", `{"ksql":"SHOW STREAMS;"}`, "Accept", "text/html")
	expectKsqlError(t, w, 406, "generic_error", 40600, "accept one of")

	// GET /status knows the command.
	expect(t, ts.do("GET", "/status", ""), 200, `{"commandStatuses":{"stream/`+"`S`"+`/create":"SUCCESS"}}`)
	expect(t, ts.do("GET", "/status/stream/`S`/create", ""), 200, `{"status":"SUCCESS","message":"Stream created"}`)
	expect(t, ts.do("GET", "/status/stream/S/create", ""), 200, `{"status":"SUCCESS","message":"Stream created"}`)
	expectKsqlError(t, ts.do("GET", "/status/stream/T/create", ""), 404, "generic_error", 40400, "Command not found")
}

// expectKsqlError checks an answer in ksqlDB's error shape.
func expectKsqlError(t *testing.T, w interface {
	Result() *http.Response
}, status int, typ string, code int, want string) map[string]any {
	t.Helper()
	resp := w.Result()
	var e map[string]any
	body := readAll(t, resp.Body)
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("got %d %s: not JSON: %v", resp.StatusCode, body, err)
	}
	if resp.StatusCode != status || e["@type"] != typ || e["error_code"] != float64(code) || !strings.Contains(e["message"].(string), want) {
		t.Fatalf("got %d %s\nwant %d %s %d with a message containing %q", resp.StatusCode, body, status, typ, code, want)
	}
	return e
}

func TestKsqlErrors(t *testing.T) {
	created := &engine.CurrentStatus{Type: "currentStatus", StatementText: "CREATE STREAM A (X INT) WITH (kafka_topic='a', value_format='JSON');",
		CommandID: "stream/`A`/create", CommandStatus: engine.CommandStatus{Status: "SUCCESS", Message: "Stream created"}, Warnings: []engine.Warning{}}
	var next error
	fake := &fakeEngine{execute: func(sess *engine.Session, sql string) ([]engine.Entity, error) { return nil, next }}
	ts := newKsqlTestServer(t, fake, Config{})

	next = &engine.StatementError{Code: engine.CodeBadStatement, Message: "Cannot add stream 'A': A stream with the same name already exists",
		Statement: "CREATE STREAM A (X INT) WITH (kafka_topic='a', value_format='JSON');", Kind: "statement", Entities: []engine.Entity{created}}
	e := expectKsqlError(t, ts.post("/ksql", "application/json", `{"ksql":"…"}`), 400, "statement_error", 40001, "already exists")
	if e["statementText"] != next.(*engine.StatementError).Statement {
		t.Fatalf("statementText = %v", e["statementText"])
	}
	ents, _ := e["entities"].([]any)
	if len(ents) != 1 || ents[0].(map[string]any)["commandId"] != "stream/`A`/create" {
		t.Fatalf("entities = %v", e["entities"])
	}

	// A SELECT sent to /ksql: ksqlDB's wording and code, entities empty
	// but present.
	next = &engine.StatementError{Code: engine.CodeQueryEndpoint, Statement: "SELECT * FROM A;", Kind: "statement",
		Message: "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT"}
	e = expectKsqlError(t, ts.post("/ksql", "application/json", `{"ksql":"SELECT * FROM A;"}`), 400, "statement_error", 40002, "endpoint '/query'")
	if ents, ok := e["entities"].([]any); !ok || len(ents) != 0 {
		t.Fatalf("entities = %#v, want []", e["entities"])
	}

	// A failure that is not a statement's is the server's.
	next = errors.New("disk on fire")
	expectKsqlError(t, ts.post("/ksql", "application/json", `{"ksql":"SHOW STREAMS;"}`), 500, "generic_error", 50000, "disk on fire")

	expectKsqlError(t, ts.post("/ksql", "application/json", `{"streamsProperties":{}}`), 400, "generic_error", 40000, `no "ksql" field`)
	expectKsqlError(t, ts.post("/ksql", "application/json", `{"ksql":`), 400, "generic_error", 40000, "cannot read the request body")
	expectKsqlError(t, ts.post("/ksql", "application/json", ``), 400, "generic_error", 40000, "no body")
	expectError(t, ts.do("GET", "/ksql", ""), 405, 40501, "POST")

	ts.s.cfg.MaxRequestBytes = 10
	expectKsqlError(t, ts.post("/ksql", "application/json", `{"ksql":"SHOW STREAMS;"}`), 413, "generic_error", 41301, "larger than 10 bytes")
}

func TestKsqlWithoutEngine(t *testing.T) {
	l := memlog.New()
	defer l.Close()
	s, err := newServer(l, metrics.NewRegistry(), clock.NewFake(start), nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, s: s}
	expectKsqlError(t, ts.post("/ksql", "application/json", `{"ksql":"SHOW STREAMS;"}`), 503, "generic_error", 50302, "no SQL engine")
}

func TestKsqlAuth(t *testing.T) {
	fake := &fakeEngine{
		execute: func(*engine.Session, string) ([]engine.Entity, error) { return []engine.Entity{}, nil },
		insert:  func(string, []byte) error { return nil },
	}
	ts := newKsqlTestServer(t, fake, Config{Ingest: Credentials{Tokens: []string{"in"}}, Admin: Credentials{Tokens: []string{"ad"}}})
	expectError(t, ts.post("/ksql", "application/json", `{"ksql":"SHOW STREAMS;"}`), 401, 40101, "credentials")
	expectError(t, ts.post("/ksql", "application/json", `{"ksql":"SHOW STREAMS;"}`, "Authorization", "Bearer in"), 403, 40301, "ingest")
	expect(t, ts.post("/ksql", "application/json", `{"ksql":"SHOW STREAMS;"}`, "Authorization", "Bearer ad"), 200, `[]`)
	expect(t, ts.post("/inserts-stream", "application/json", "{\"target\":\"S\"}\n{\"A\":1}\n", "Authorization", "Bearer in"), 200, `{"status":"ok","seq":0}`)
	expectError(t, ts.post("/query-stream", "application/json", `{"sql":"SELECT 1;"}`, "Authorization", "Bearer in"), 403, 40301, "ingest")
	// Server information and health are public, as in ksqlDB.
	if w := ts.do("GET", "/info", ""); w.Code != 200 {
		t.Fatalf("/info: %d %s", w.Code, w.Body)
	}
	if w := ts.do("GET", "/healthcheck", ""); w.Code != 200 {
		t.Fatalf("/healthcheck: %d %s", w.Code, w.Body)
	}
	if m := ts.metricsText(); !strings.Contains(m, `sluice_http_requests_total{endpoint="ksql",code="403"} 1`) {
		t.Fatalf("metrics do not count /ksql by code:\n%s", m)
	}
}

func TestKsqlInfo(t *testing.T) {
	ts := newKsqlTestServer(t, &fakeEngine{}, Config{})
	expect(t, ts.do("GET", "/info", ""), 200, `{"KsqlServerInfo":{"version":"`+ksqlCompatVersion+`","kafkaClusterId":"sluice","ksqlServiceId":"default_","serverStatus":"RUNNING"}}`)
	w := ts.do("GET", "/", "")
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/info" {
		t.Fatalf("GET /: %d Location %q", w.Code, w.Header().Get("Location"))
	}
	expect(t, ts.do("GET", "/is_valid_property/ksql.streams.auto.offset.reset", ""), 200, `true`)
	expect(t, ts.do("GET", "/status", ""), 200, `{"commandStatuses":{}}`)
	expect(t, ts.do("GET", "/healthcheck", ""), 200, `{"isHealthy":true,"details":{"metastore":{"isHealthy":true},"kafka":{"isHealthy":true},"commandRunner":{"isHealthy":true}},"serverState":"READY"}`)
}

func TestNegotiate(t *testing.T) {
	offers := []string{mediaDelimited, mediaJSON}
	for _, c := range []struct{ accept, want string }{
		{"", mediaDelimited},
		{"*/*", mediaDelimited},
		{"application/json", mediaJSON},
		{"application/json; charset=utf-8", mediaJSON},
		{"text/html, application/json;q=0.5", mediaJSON},
		{"application/vnd.ksqlapi.delimited.v1;q=0.2, application/json;q=0.9", mediaJSON},
		{"application/*", mediaDelimited},
		{"text/html", ""},
		{"application/json;q=0", ""},
	} {
		if got := negotiate(c.accept, offers...); got != c.want {
			t.Errorf("negotiate(%q) = %q, want %q", c.accept, got, c.want)
		}
	}
}
