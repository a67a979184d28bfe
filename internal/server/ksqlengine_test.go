package server

import (
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log/memlog"
)

// TestKsqlRealEngine runs the endpoints against the engine: rows sent to
// /inserts-stream come back from a /query with LIMIT, and a SELECT sent
// to /ksql is refused as ksqlDB refuses it. It is skipped while the engine
// does not yet execute statements.
func TestKsqlRealEngine(t *testing.T) {
	eng, err := engine.Open(t.Context(), engine.Config{Log: memlog.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s, err := New(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, s: s, log: eng.Log(), reg: eng.Metrics()}

	w := ts.post("/ksql", "application/json", `{"ksql":"CREATE STREAM S (ID STRING KEY, N INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);"}`)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"@type":"currentStatus"`) {
		t.Fatalf("CREATE STREAM: %d %s", w.Code, w.Body)
	}

	w = ts.post("/inserts-stream", "application/json", "{\"target\":\"S\"}\n{\"ID\":\"a\",\"N\":1}\n{\"ID\":\"b\",\"N\":2}\n{\"ID\":\"c\",\"N\":\"x\"}\n")
	lines := strings.Split(strings.TrimSuffix(w.Body.String(), "\n"), "\n")
	if w.Code != 200 || len(lines) != 3 || lines[0] != `{"status":"ok","seq":0}` || lines[1] != `{"status":"ok","seq":1}` ||
		!strings.HasPrefix(lines[2], `{"status":"error","seq":2,"error_code":`) {
		t.Fatalf("inserts-stream: %d %s", w.Code, w.Body)
	}

	w = ts.post("/query", "application/json", `{"ksql":"SELECT * FROM S EMIT CHANGES LIMIT 2;","streamsProperties":{"auto.offset.reset":"earliest"}}`)
	expect(t, w, 200, "[{\"header\":{\"queryId\":\""+queryIDOf(t, w.Body.String())+"\",\"schema\":\"`ID` STRING KEY, `N` INTEGER\"}},\n"+
		`{"row":{"columns":["a",1]}},`+"\n"+`{"row":{"columns":["b",2]}},`+"\n"+`{"finalMessage":"Limit Reached"}]`)

	e := expectKsqlError(t, ts.post("/ksql", "application/json", `{"ksql":"SELECT * FROM S EMIT CHANGES;"}`), 400, "statement_error", engine.CodeQueryEndpoint, "/query")
	if e["statementText"] != "SELECT * FROM S EMIT CHANGES;" {
		t.Fatalf("statementText %v", e["statementText"])
	}
}

// queryIDOf is the query ID in the header of a /query answer.
func queryIDOf(t *testing.T, body string) string {
	t.Helper()
	const key = `"queryId":"`
	i := strings.Index(body, key)
	if i < 0 {
		t.Fatalf("no query ID in %s", body)
	}
	id, _, _ := strings.Cut(body[i+len(key):], `"`)
	return id
}
