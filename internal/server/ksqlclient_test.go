package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	ksqldb "github.com/thmeitz/ksqldb-go"
	ksqlnet "github.com/thmeitz/ksqldb-go/net"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log/memlog"
)

// These tests drive the server with a third-party ksqlDB client,
// github.com/thmeitz/ksqldb-go, to check that the answers have the shapes
// ksqlDB clients read.

// serveClient serves h and returns a ksqldb-go client of it, over HTTP/1.1
// or, with h2c, over cleartext HTTP/2 as ksqlDB clients usually speak it.
func serveClient(t *testing.T, h http.Handler, h2c bool) *ksqldb.KsqldbClient {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	if h2c {
		var p http.Protocols
		p.SetHTTP1(true)
		p.SetUnencryptedHTTP2(true)
		srv.Config.Protocols = &p
	}
	srv.Start()
	t.Cleanup(srv.Close)
	client, err := ksqldb.NewClientWithOptions(ksqlnet.Options{BaseUrl: srv.URL, AllowHTTP: h2c})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(client.Close)
	return &client
}

// pushed runs a push query with the client until ctx ends and passes on
// its header and rows.
type pushed struct {
	header chan ksqldb.Header
	rows   chan ksqldb.Row
	done   chan error
}

func push(ctx context.Context, client *ksqldb.KsqldbClient, sql string) *pushed {
	p := &pushed{header: make(chan ksqldb.Header, 1), rows: make(chan ksqldb.Row, 16), done: make(chan error, 1)}
	go func() { p.done <- client.Push(ctx, sql, p.rows, p.header) }()
	return p
}

// next waits for the next row, or fails when the push query ends first.
func (p *pushed) next(t *testing.T, ctx context.Context) ksqldb.Row {
	t.Helper()
	select {
	case r := <-p.rows:
		return r
	case err := <-p.done:
		t.Fatalf("push query ended before its row: %v", err)
	case <-ctx.Done():
		t.Fatalf("no row: %v", ctx.Err())
	}
	return nil
}

func (p *pushed) waitHeader(t *testing.T, ctx context.Context) ksqldb.Header {
	t.Helper()
	select {
	case h := <-p.header:
		return h
	case err := <-p.done:
		t.Fatalf("push query ended before its header: %v", err)
	case <-ctx.Done():
		t.Fatalf("no header: %v", ctx.Err())
	}
	return ksqldb.Header{}
}

func TestKsqlDBGoClientWire(t *testing.T) {
	for _, h2c := range []bool{false, true} {
		t.Run(map[bool]string{false: "http1", true: "h2c"}[h2c], func(t *testing.T) { testClientWire(t, h2c) })
	}
}

func testClientWire(t *testing.T, h2c bool) {
	var pushStream *fakeStream
	fake := &fakeEngine{
		execute: func(sess *engine.Session, sql string) ([]engine.Entity, error) {
			if strings.HasPrefix(sql, "DROP") {
				return nil, &engine.StatementError{Code: engine.CodeBadStatement, Message: "Source T does not exist.", Statement: sql, Kind: "statement"}
			}
			return []engine.Entity{&engine.CurrentStatus{Type: "currentStatus", StatementText: sql, CommandID: "stream/`S`/create",
				CommandStatus: engine.CommandStatus{Status: "SUCCESS", Message: "Stream created"}, CommandSequenceNumber: 1, Warnings: []engine.Warning{}}}, nil
		},
		query: func(ctx context.Context, sess *engine.Session, sql string) (*queryStream, error) {
			if strings.Contains(sql, "EMIT CHANGES") {
				fs, qs := newFakeStream("transient_S_1", testColumns, nil)
				pushStream = fs
				return qs, nil
			}
			fs, qs := newFakeStream("", testColumns, io.EOF, testRow("a", 1), testRow("b", 2))
			fs.finished()
			return qs, nil
		},
	}
	ts := newKsqlTestServer(t, fake, Config{})
	client := serveClient(t, ts.s, h2c)

	resp, err := client.Execute(ksqldb.ExecOptions{KSql: "CREATE STREAM S (ID STRING KEY, N INT, TS TIMESTAMP) WITH (kafka_topic='s', value_format='JSON', partitions=1);",
		StreamsProperties: ksqldb.PropertyMap{"ksql.streams.auto.offset.reset": "earliest"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(*resp) != 1 || (*resp)[0].Type != "currentStatus" || (*resp)[0].CommandStatus.Status != "SUCCESS" || (*resp)[0].CommandId != "stream/`S`/create" {
		t.Fatalf("Execute: %+v", *resp)
	}
	if fake.sessions[0].Properties["ksql.streams.auto.offset.reset"] != "earliest" {
		t.Fatalf("properties %v", fake.sessions[0].Properties)
	}
	// The client appends the command ID to "/status" as it is, so it
	// needs the leading slash.
	qs, err := client.GetQueryStatus("/stream/`S`/create")
	if err != nil || qs.Status != "SUCCESS" || qs.Message != "Stream created" {
		t.Fatalf("GetQueryStatus: %+v %v", qs, err)
	}
	_, err = client.Execute(ksqldb.ExecOptions{KSql: "DROP STREAM T;"})
	var re ksqldb.ResponseError
	if !errors.As(err, &re) || re.ErrCode != 40001 || re.ErrType != "statement_error" || re.Message != "Source T does not exist." {
		t.Fatalf("Execute of a bad statement: %#v", err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pushCtx, stopPush := context.WithCancel(ctx)
	defer stopPush()
	p := push(pushCtx, client, "SELECT * FROM S EMIT CHANGES;")
	if h := fmt.Sprintf("%+v", p.waitHeader(t, ctx)); h != "{queryId:transient_S_1 columns:[{Name:ID Type:STRING} {Name:N Type:INTEGER} {Name:TS Type:TIMESTAMP}]}" {
		t.Fatalf("header %s", h)
	}
	pushStream.rows <- testRow("x", 7)
	if r := fmt.Sprint(p.next(t, ctx)); r != "[x 7 1970-01-01T00:00:01.000]" {
		t.Fatalf("pushed row %s", r)
	}
	stopPush()
	<-pushStream.closed

	header, rows, err := client.Pull(ctx, ksqldb.QueryOptions{Sql: "SELECT * FROM S;"})
	if err != nil {
		t.Fatal(err)
	}
	if h := fmt.Sprintf("%+v", header); !strings.Contains(h, "{Name:ID Type:STRING}") {
		t.Fatalf("pull header %s", h)
	}
	if r := fmt.Sprint(rows); r != "[[a 1 1970-01-01T00:00:01.000] [b 2 1970-01-01T00:00:01.000]]" {
		t.Fatalf("pulled %s", r)
	}

	info, err := client.GetServerInfo()
	if err != nil || info.Version != ksqlCompatVersion || info.KsqlServiceID != "default_" || info.ServerStatus != "RUNNING" {
		t.Fatalf("GetServerInfo: %+v %v", info, err)
	}
	health, err := client.GetServerStatus()
	if err != nil || health.IsHealthy == nil || !*health.IsHealthy || health.Details.Kafka.IsHealthy == nil || !*health.Details.Kafka.IsHealthy ||
		health.Details.Metastore.IsHealthy == nil || !*health.Details.Metastore.IsHealthy {
		t.Fatalf("GetServerStatus: %+v %v", health, err)
	}
	valid, err := client.ValidateProperty("ksql.streams.auto.offset.reset")
	if err != nil || !*valid {
		t.Fatalf("ValidateProperty: %v %v", valid, err)
	}
}

// TestKsqlDBGoClientEngine runs the client against the real engine: a
// stream is created, a push query subscribes to it, a row inserted with
// INSERT ... VALUES reaches the push query, and a pull query and DESCRIBE
// see the stream. It is skipped while the engine does not yet execute
// statements.
func TestKsqlDBGoClientEngine(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	eng, err := engine.Open(ctx, engine.Config{Log: memlog.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s, err := New(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	client := serveClient(t, s, false)

	_, err = client.Execute(ksqldb.ExecOptions{KSql: "CREATE STREAM S (ID STRING KEY, N INT, TS TIMESTAMP) WITH (kafka_topic='s', value_format='JSON', partitions=1);"})
	if err != nil {
		t.Fatal(err)
	}

	// The client asks for new rows only (auto.offset.reset=latest): the
	// row is inserted once the query has announced its columns.
	pushCtx, stopPush := context.WithCancel(ctx)
	defer stopPush()
	p := push(pushCtx, client, "SELECT ID, N, TS FROM S EMIT CHANGES;")
	select {
	case <-p.header:
	case err := <-p.done:
		t.Fatalf("push query ended before its header: %v", err)
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	resp, err := client.Execute(ksqldb.ExecOptions{KSql: "INSERT INTO S (ID, N, TS) VALUES ('a', 1, '2021-01-01T00:00:00.000');"})
	if err != nil {
		t.Fatal(err)
	}
	if len(*resp) != 1 {
		t.Fatalf("INSERT answered %+v", *resp)
	}
	if r := fmt.Sprint(p.next(t, ctx)); r != "[a 1 2021-01-01T00:00:00.000]" {
		t.Fatalf("pushed row %s, want [a 1 2021-01-01T00:00:00.000]", r)
	}
	stopPush()

	// Pull queries come after push queries in the engine; until then it
	// refuses them with a statement error, which is what the client gets.
	_, rows, err := client.Pull(ctx, ksqldb.QueryOptions{Sql: "SELECT * FROM S WHERE ID = 'a';"})
	var re ksqldb.ResponseError
	switch {
	case errors.As(err, &re) && re.ErrCode == engine.CodeBadStatement && strings.Contains(re.Message, "not supported yet"):
		t.Logf("pull query refused: %v", err)
	case err != nil:
		t.Fatal(err)
	default:
		if r := fmt.Sprint(rows); r != "[[a 1 2021-01-01T00:00:00.000]]" {
			t.Fatalf("pulled %s", r)
		}
	}

	desc, err := client.Execute(ksqldb.ExecOptions{KSql: "DESCRIBE S;"})
	if err != nil {
		t.Fatal(err)
	}
	if len(*desc) != 1 || (*desc)[0].Type != "sourceDescription" {
		t.Fatalf("DESCRIBE answered %+v", *desc)
	}
}
