package server

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/types"
)

func TestAppendKsqlValue(t *testing.T) {
	st := types.Struct([]string{"A", "b c"}, []types.Value{types.Int(1), types.Null()})
	for _, c := range []struct {
		v    types.Value
		want string
	}{
		{types.Null(), `null`},
		{types.Bool(true), `true`},
		{types.Int(-7), `-7`},
		{types.BigInt(math.MaxInt64), `9223372036854775807`},
		{types.Double(1.5), `1.5`},
		{types.Double(100), `100.0`},
		{types.Double(1e7), `1.0E7`},
		{types.Double(math.NaN()), `"NaN"`},
		{types.Double(math.Inf(-1)), `"-Infinity"`},
		{types.Dec(types.MustParseDecimal("12.50")), `12.50`},
		{types.Dec(types.MustParseDecimal("-0.05")), `-0.05`},
		{types.Str("a\"b\n\u2028"), `"a\"b\n\u2028"`},
		{types.Bytes([]byte{0, 1, 255}), `"AAH/"`},
		{types.Timestamp(1609459200123), `"2021-01-01T00:00:00.123"`},
		{types.Timestamp(0), `"1970-01-01T00:00:00.000"`},
		{types.Date(18628), `"2021-01-01"`},
		{types.Time(12 * 3600 * 1000), `"12:00:00"`},
		{types.Array([]types.Value{types.Int(1), types.Null(), types.Str("x")}), `[1,null,"x"]`},
		{types.Map([]types.Value{types.Str("k"), types.Str("j")}, []types.Value{types.BigInt(1), types.Array(nil)}), `{"k":1,"j":[]}`},
		{types.Map([]types.Value{types.Int(3)}, []types.Value{types.Bool(false)}), `{"3":false}`},
		{st, `{"A":1,"b c":null}`},
		{types.Array([]types.Value{st}), `[{"A":1,"b c":null}]`},
	} {
		if got := string(appendKsqlValue(nil, c.v)); got != c.want {
			t.Errorf("%v: got %s, want %s", c.v, got, c.want)
		}
	}
}

var testColumns = []engine.Column{
	{Name: "ID", Type: types.StringType, Key: true},
	{Name: "N", Type: types.IntegerType},
	{Name: "TS", Type: types.TimestampType},
}

func testRow(id string, n int32) engine.Row {
	return engine.Row{Values: []types.Value{types.Str(id), types.Int(n), types.Timestamp(1000)}}
}

// queryFake answers every query with the stream qs.
func queryFake(qs *queryStream) *fakeEngine {
	return &fakeEngine{query: func(ctx context.Context, sess *engine.Session, sql string) (*queryStream, error) { return qs, nil }}
}

func TestKsqlQuery(t *testing.T) {
	fs, qs := newFakeStream("transient_S_1", testColumns, engine.ErrLimitReached,
		testRow("a", 1), engine.Row{Values: []types.Value{types.Str("b")}, Tombstone: true}, testRow("c", 3))
	fs.finished()
	fake := queryFake(qs)
	ts := newKsqlTestServer(t, fake, Config{})
	w := ts.post("/query", "application/json", `{"ksql":"SELECT * FROM T EMIT CHANGES LIMIT 3;","streamsProperties":{"auto.offset.reset":"earliest"}}`)
	expect(t, w, 200, "[{\"header\":{\"queryId\":\"transient_S_1\",\"schema\":\"`ID` STRING KEY, `N` INTEGER, `TS` TIMESTAMP\"}},\n"+
		`{"row":{"columns":["a",1,"1970-01-01T00:00:01.000"]}},`+"\n"+
		`{"row":{"columns":["b",null,null],"tombstone":true}},`+"\n"+
		`{"row":{"columns":["c",3,"1970-01-01T00:00:01.000"]}},`+"\n"+
		`{"finalMessage":"Limit Reached"}]`)
	if ct := w.Header().Get("Content-Type"); ct != mediaKsqlV1 {
		t.Fatalf("Content-Type = %q", ct)
	}
	if fake.sqls[0] != "SELECT * FROM T EMIT CHANGES LIMIT 3;" || fake.sessions[0].Properties["auto.offset.reset"] != "earliest" {
		t.Fatalf("query %q with %v", fake.sqls[0], fake.sessions[0].Properties)
	}
	select {
	case <-fs.closed:
	default:
		t.Fatal("the query was not closed after its answer")
	}
}

func TestKsqlQueryEnds(t *testing.T) {
	for _, c := range []struct {
		name, accept string
		end          error
		want         string
	}{
		{"pull query complete", "", io.EOF,
			"[{\"header\":{\"schema\":\"`ID` STRING KEY, `N` INTEGER, `TS` TIMESTAMP\"}},\n" +
				`{"row":{"columns":["a",1,"1970-01-01T00:00:01.000"]}},` + "\n" + `{"finalMessage":"Query Completed"}]`},
		{"failure", "", errors.New("boom"),
			"[{\"header\":{\"schema\":\"`ID` STRING KEY, `N` INTEGER, `TS` TIMESTAMP\"}},\n" +
				`{"row":{"columns":["a",1,"1970-01-01T00:00:01.000"]}},` + "\n" +
				`{"errorMessage":{"@type":"generic_error","error_code":50000,"message":"internal error: boom (see the server log)"}}]`},
		{"delimited", mediaDelimited, engine.ErrLimitReached,
			"{\"header\":{\"schema\":\"`ID` STRING KEY, `N` INTEGER, `TS` TIMESTAMP\"}}\n" +
				`{"row":{"columns":["a",1,"1970-01-01T00:00:01.000"]}}` + "\n" + `{"finalMessage":"Limit Reached"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs, qs := newFakeStream("", testColumns, c.end, testRow("a", 1))
			fs.finished()
			ts := newKsqlTestServer(t, queryFake(qs), Config{})
			expect(t, ts.post("/query", "application/json", `{"ksql":"SELECT * FROM T WHERE ID='a';"}`, "Accept", c.accept), 200, c.want)
		})
	}
}

func TestKsqlQueryRefused(t *testing.T) {
	fake := &fakeEngine{query: func(ctx context.Context, sess *engine.Session, sql string) (*queryStream, error) {
		return nil, &engine.StatementError{Code: engine.CodeBadStatement, Message: "SELECT * FROM UNKNOWN does not exist.", Statement: sql, Kind: "statement"}
	}}
	ts := newKsqlTestServer(t, fake, Config{})
	expectKsqlError(t, ts.post("/query", "application/json", `{"ksql":"SELECT * FROM UNKNOWN;"}`), 400, "statement_error", 40001, "does not exist")
	expectKsqlError(t, ts.post("/query-stream", "application/json", `{"sql":"SELECT * FROM UNKNOWN;"}`), 400, "statement_error", 40001, "does not exist")
	expectKsqlError(t, ts.post("/query-stream", "application/json", `{"ksql":"SELECT * FROM UNKNOWN;"}`), 400, "generic_error", 40000, `no "sql" field`)
	expectKsqlError(t, ts.post("/query-stream", "application/json", `{"sql":"SELECT 1;"}`, "Accept", mediaKsqlProtobufForTest), 406, "generic_error", 40600, "accept one of")
}

// mediaKsqlProtobufForTest is ksqlDB's protobuf row type, not served here.
const mediaKsqlProtobufForTest = "application/vnd.ksql.v1+protobuf"

func TestKsqlQueryStream(t *testing.T) {
	for _, c := range []struct {
		name, accept, want string
	}{
		{"delimited by default", "", `{"queryId":"q1","columnNames":["ID","N","TS"],"columnTypes":["STRING","INTEGER","TIMESTAMP"]}` + "\n" +
			`["a",1,"1970-01-01T00:00:01.000"]` + "\n" + `["b",2,"1970-01-01T00:00:01.000"]`},
		{"json", "application/json", `[{"queryId":"q1","columnNames":["ID","N","TS"],"columnTypes":["STRING","INTEGER","TIMESTAMP"]},` +
			`["a",1,"1970-01-01T00:00:01.000"],["b",2,"1970-01-01T00:00:01.000"]]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs, qs := newFakeStream("q1", testColumns, engine.ErrLimitReached, testRow("a", 1), testRow("b", 2))
			fs.finished()
			ts := newKsqlTestServer(t, queryFake(qs), Config{})
			w := ts.post("/query-stream", "application/json", `{"sql":"SELECT * FROM T EMIT CHANGES LIMIT 2;","properties":{"auto.offset.reset":"earliest"}}`, "Accept", c.accept)
			expect(t, w, 200, c.want)
		})
	}
}

func TestKsqlPrint(t *testing.T) {
	printRow := func(s string) engine.Row { return engine.Row{Values: []types.Value{types.Str(s)}} }
	newPrint := func() *queryStream {
		fs, qs := newFakeStream("", []engine.Column{{Name: "RECORD", Type: types.StringType}}, engine.ErrLimitReached,
			printRow("rowtime: 1970/01/01 00:00:00.001 Z, key: a, value: {\"N\":1}, partition: 0"),
			printRow("rowtime: 1970/01/01 00:00:00.002 Z, key: b, value: {\"N\":2}, partition: 0\n"))
		fs.finished()
		qs.print = true
		return qs
	}
	var next *queryStream
	fake := &fakeEngine{query: func(ctx context.Context, sess *engine.Session, sql string) (*queryStream, error) { return next, nil }}
	ts := newKsqlTestServer(t, fake, Config{})
	next = newPrint()
	w := ts.post("/query-stream", "application/json", `{"sql":"PRINT 't' FROM BEGINNING LIMIT 2;"}`)
	expect(t, w, 200, "rowtime: 1970/01/01 00:00:00.001 Z, key: a, value: {\"N\":1}, partition: 0\n"+
		"rowtime: 1970/01/01 00:00:00.002 Z, key: b, value: {\"N\":2}, partition: 0")
	if ct := w.Header().Get("Content-Type"); ct != mediaDelimited {
		t.Fatalf("Content-Type = %q", ct)
	}
	next = newPrint()
	expectKsqlError(t, ts.post("/query-stream", "application/json", `{"sql":"PRINT 't';"}`, "Accept", "application/json"), 406, "generic_error", 40600, mediaDelimited)
	next = newPrint()
	w = ts.post("/query", "application/json", `{"ksql":"PRINT 't' FROM BEGINNING LIMIT 2;"}`)
	if w.Code != 200 || !strings.HasPrefix(w.Body.String(), "rowtime: 1970/01/01 00:00:00.001 Z") || strings.Count(w.Body.String(), "\n") != 2 {
		t.Fatalf("PRINT on /query: %d %q", w.Code, w.Body)
	}
}

// startStream posts a query to a live server and returns the response
// once its first line (the header) has arrived.
func startStream(t *testing.T, ctx context.Context, base, body string) (*http.Response, *bufio.Reader, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/query-stream", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	header, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	return resp, br, header
}

func TestKsqlPushQueryFlushesAndStops(t *testing.T) {
	fs, qs := newFakeStream("transient_T_7", testColumns, nil)
	ts := newKsqlTestServer(t, queryFake(qs), Config{})
	srv := httptest.NewServer(ts.s)
	defer srv.Close()

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	resp, br, header := startStream(t, ctx, srv.URL, `{"sql":"SELECT * FROM T EMIT CHANGES;"}`)
	defer resp.Body.Close()
	if !strings.HasPrefix(header, `{"queryId":"transient_T_7",`) {
		t.Fatalf("header %q", header)
	}
	// Each row reaches the client as soon as the query yields it.
	for i, id := range []string{"x", "y"} {
		fs.rows <- testRow(id, int32(i))
		line, err := br.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, `["`+id+`",`) {
			t.Fatalf("row %d: %q %v", i, line, err)
		}
	}
	// The client goes away: the query is closed.
	cancel()
	<-fs.closed
}

func TestKsqlCloseQuery(t *testing.T) {
	fs, qs := newFakeStream("transient_T_9", testColumns, nil)
	fake := queryFake(qs)
	ts := newKsqlTestServer(t, fake, Config{})
	srv := httptest.NewServer(ts.s)
	defer srv.Close()

	resp, br, _ := startStream(t, t.Context(), srv.URL, `{"sql":"SELECT * FROM T EMIT CHANGES;"}`)
	defer resp.Body.Close()
	cr, err := http.Post(srv.URL+"/close-query", "application/json", strings.NewReader(`{"queryId":"transient_T_9"}`))
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, cr.Body); cr.StatusCode != 200 || body != "" {
		t.Fatalf("close-query: %d %q", cr.StatusCode, body)
	}
	// The response of the query ends, and the query is closed.
	if rest := readAll(t, br); rest != "" {
		t.Fatalf("after close: %q", rest)
	}
	<-fs.closed

	// A query that is not running here is the engine's to know.
	expectKsqlError(t, ts.post("/close-query", "application/json", `{"queryId":"transient_T_9"}`), 400, "generic_error", 40000, "No query with id transient_T_9")
	if len(fake.closed) != 1 || fake.closed[0] != "transient_T_9" {
		t.Fatalf("engine asked to close %v", fake.closed)
	}
	expectKsqlError(t, ts.post("/close-query", "application/json", `{}`), 400, "generic_error", 40000, "queryId")
}

func TestKsqlQueryStopsOnShutdown(t *testing.T) {
	fs, qs := newFakeStream("q", testColumns, nil)
	ts := newKsqlTestServer(t, queryFake(qs), Config{})
	srv := httptest.NewServer(ts.s)
	defer srv.Close()
	resp, br, _ := startStream(t, t.Context(), srv.URL, `{"sql":"SELECT * FROM T EMIT CHANGES;"}`)
	defer resp.Body.Close()
	ts.s.stop()
	if rest := readAll(t, br); rest != "" {
		t.Fatalf("after shutdown: %q", rest)
	}
	<-fs.closed
}
