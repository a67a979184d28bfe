package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// sqlFake answers the SQL endpoints with ksqlDB-shaped JSON and records
// what it was sent.
type sqlFake struct {
	mu      sync.Mutex
	bodies  []map[string]any
	accepts []string
	closed  []string
	// stream is what /query-stream writes, line by line; hold, when set,
	// keeps the stream open until the request ends.
	stream []string
	hold   bool
}

func newSQLFake(t *testing.T) (*sqlFake, *Client) {
	f := &sqlFake{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ksql", func(w http.ResponseWriter, r *http.Request) {
		body := f.record(t, r)
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(body["ksql"].(string), "BOGUS") {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"@type":"statement_error","error_code":40001,"message":"line 1:1: Syntax error at or near 'BOGUS'","statementText":"BOGUS;","entities":[{"@type":"warning_entity","message":"x"}]}`)
			return
		}
		fmt.Fprintf(w, `[{"@type":"currentStatus","statementText":%q,"commandStatus":{"status":"SUCCESS","message":"Stream created"}}]`, body["ksql"])
	})
	mux.HandleFunc("POST /query-stream", func(w http.ResponseWriter, r *http.Request) {
		f.record(t, r)
		f.mu.Lock()
		lines, hold := f.stream, f.hold
		f.mu.Unlock()
		for _, l := range lines {
			io.WriteString(w, l+"\n")
		}
		w.(http.Flusher).Flush()
		if hold {
			<-r.Context().Done()
		}
	})
	mux.HandleFunc("POST /close-query", func(w http.ResponseWriter, r *http.Request) {
		body := f.record(t, r)
		f.mu.Lock()
		f.closed = append(f.closed, body["queryId"].(string))
		f.mu.Unlock()
	})
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"KsqlServerInfo":{"version":"0.29.0","kafkaClusterId":"c1","ksqlServiceId":"default_","serverStatus":"RUNNING"}}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := New(Options{URL: srv.URL, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *sqlFake) record(t *testing.T, r *http.Request) map[string]any {
	if r.Header.Get("Authorization") != "Bearer tok" {
		t.Errorf("%s: Authorization %q", r.URL.Path, r.Header.Get("Authorization"))
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		t.Errorf("%s: body: %v", r.URL.Path, err)
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.accepts = append(f.accepts, r.Header.Get("Accept"))
	f.mu.Unlock()
	return body
}

func TestExecuteSendsSessionAndReturnsEntities(t *testing.T) {
	f, c := newSQLFake(t)
	props := map[string]any{"auto.offset.reset": "earliest"}
	vars := map[string]string{"topic": "clicks"}
	ents, err := c.Execute(context.Background(), "CREATE STREAM S (A INT) WITH (kafka_topic='${topic}');", props, vars)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || !strings.Contains(string(ents[0]), `"@type":"currentStatus"`) {
		t.Fatalf("entities = %s", ents)
	}
	b := f.bodies[0]
	if b["streamsProperties"].(map[string]any)["auto.offset.reset"] != "earliest" {
		t.Errorf("streamsProperties = %v", b["streamsProperties"])
	}
	if b["sessionVariables"].(map[string]any)["topic"] != "clicks" {
		t.Errorf("sessionVariables = %v", b["sessionVariables"])
	}
	if f.accepts[0] != ksqlContentType {
		t.Errorf("Accept = %q", f.accepts[0])
	}
	// Without properties the object is still sent, as ksqlDB servers expect.
	if _, err := c.Execute(context.Background(), "SHOW STREAMS;", nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := f.bodies[1]["streamsProperties"].(map[string]any); !ok {
		t.Errorf("streamsProperties missing: %v", f.bodies[1])
	}
}

func TestExecuteStatementError(t *testing.T) {
	_, c := newSQLFake(t)
	_, err := c.Execute(context.Background(), "BOGUS;", nil, nil)
	var se *SQLError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want *SQLError", err, err)
	}
	if se.Status != 400 || se.Code != 40001 || se.StatementText != "BOGUS;" || len(se.Entities) != 1 {
		t.Errorf("error = %+v", se)
	}
	if se.Error() != "line 1:1: Syntax error at or near 'BOGUS'" {
		t.Errorf("message = %q", se.Error())
	}
}

func TestSQLErrorFromNonKsqlBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such route", http.StatusNotFound)
	}))
	defer srv.Close()
	c, _ := New(Options{URL: srv.URL})
	_, err := c.Execute(context.Background(), "SHOW STREAMS;", nil, nil)
	var se *SQLError
	if !errors.As(err, &se) || se.Status != 404 || se.Code != 40400 || !strings.Contains(se.Message, "no such route") {
		t.Fatalf("err = %#v", err)
	}
}

func TestQueryStreamRowsAndEnd(t *testing.T) {
	f, c := newSQLFake(t)
	f.stream = []string{
		`{"queryId":"q1","columnNames":["ID","NAME"],"columnTypes":["INTEGER","STRING"]}`,
		`[1,"a"]`,
		``,
		`[2,null]`,
	}
	q, err := c.QueryStream(context.Background(), "SELECT * FROM T;", map[string]any{"p": "v"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if q.Print || q.Header.QueryID != "q1" || strings.Join(q.Header.ColumnNames, ",") != "ID,NAME" || q.Header.ColumnTypes[1] != "STRING" {
		t.Fatalf("header = %+v print=%v", q.Header, q.Print)
	}
	var rows []string
	for q.Next() {
		var vals []string
		for _, v := range q.Row() {
			vals = append(vals, string(v))
		}
		rows = append(rows, strings.Join(vals, "|"))
	}
	if q.Err() != nil || !q.Ended() {
		t.Fatalf("err = %v ended = %v", q.Err(), q.Ended())
	}
	if strings.Join(rows, ";") != `1|"a";2|null` {
		t.Errorf("rows = %q", rows)
	}
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.closed) != 0 {
		t.Errorf("closed %v after the server ended the stream", f.closed)
	}
	if f.bodies[0]["sql"] != "SELECT * FROM T;" || f.bodies[0]["properties"].(map[string]any)["p"] != "v" {
		t.Errorf("request = %v", f.bodies[0])
	}
	if f.accepts[0] != delimitedContentType {
		t.Errorf("Accept = %q", f.accepts[0])
	}
}

func TestQueryStreamCancelClosesQuery(t *testing.T) {
	f, c := newSQLFake(t)
	f.stream = []string{`{"queryId":"push-7","columnNames":["N"],"columnTypes":["INTEGER"]}`, `[1]`}
	f.hold = true
	ctx, cancel := context.WithCancel(context.Background())
	q, err := c.QueryStream(ctx, "SELECT N FROM S EMIT CHANGES;", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Next() || string(q.Row()[0]) != "1" {
		t.Fatalf("first row: %v %v", q.Row(), q.Err())
	}
	cancel()
	if q.Next() {
		t.Fatal("Next after cancel")
	}
	if !errors.Is(q.Err(), context.Canceled) || q.Ended() {
		t.Fatalf("err = %v ended = %v", q.Err(), q.Ended())
	}
	if err := q.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.closed, ",") != "push-7" {
		t.Errorf("closed = %v", f.closed)
	}
	q.Close(context.Background())
	if len(f.closed) != 1 {
		t.Errorf("second Close sent again: %v", f.closed)
	}
}

func TestQueryStreamPrintLines(t *testing.T) {
	f, c := newSQLFake(t)
	f.stream = []string{"Key format: KAFKA_STRING", "Value format: JSON", `rowtime: 2024/01/01 00:00:00.000 Z, key: a, value: {"n":1}, partition: 0`}
	q, err := c.QueryStream(context.Background(), "PRINT 'clicks' FROM BEGINNING;", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Print {
		t.Fatal("not a PRINT stream")
	}
	var lines []string
	for q.Next() {
		lines = append(lines, q.Line())
	}
	if q.Err() != nil || len(lines) != 3 || lines[0] != "Key format: KAFKA_STRING" || !strings.HasPrefix(lines[2], "rowtime:") {
		t.Errorf("lines = %q err = %v", lines, q.Err())
	}
}

func TestQueryStreamErrors(t *testing.T) {
	f, c := newSQLFake(t)
	f.stream = []string{`{"queryId":"q","columnNames":["N"],"columnTypes":["INTEGER"]}`, `[1]`, `{"@type":"generic_error","error_code":50000,"message":"deserialization failed"}`}
	q, err := c.QueryStream(context.Background(), "SELECT * FROM S;", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for q.Next() {
		n++
	}
	var se *SQLError
	if n != 1 || !errors.As(q.Err(), &se) || se.Code != 50000 || se.Message != "deserialization failed" {
		t.Fatalf("rows %d err %v", n, q.Err())
	}
	// An error in place of the header fails the call itself.
	f.stream = []string{`{"@type":"statement_error","error_code":40001,"message":"S does not exist","statementText":"SELECT * FROM S;"}`}
	_, err = c.QueryStream(context.Background(), "SELECT * FROM S;", nil, nil)
	if !errors.As(err, &se) || se.Message != "S does not exist" || se.StatementText != "SELECT * FROM S;" {
		t.Fatalf("err = %v", err)
	}
}

func TestInfo(t *testing.T) {
	_, c := newSQLFake(t)
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Version != "0.29.0" || info.ServerStatus != "RUNNING" {
		t.Errorf("info = %+v", info)
	}
}
