package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/client"
)

// sqlFake stands in for the server's ksqlDB-compatible API: /ksql answers
// the entity registered for the statement's start (or a statement_error),
// /query-stream streams the registered lines, holding push queries open
// until they are closed.
type sqlFake struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	entities map[string]string   // statement prefix -> entity JSON
	streams  map[string][]string // statement prefix -> stream lines
	requests []sqlFakeRequest
	closed   []string
	closedCh chan string
	slow     chan struct{} // a SLOW statement arrived
}

// sqlFakeRequest is one request as received.
type sqlFakeRequest struct {
	path, sql string
	props     map[string]any
	vars      map[string]any
}

func newSQLFake(t *testing.T) *sqlFake {
	f := &sqlFake{t: t, entities: map[string]string{}, streams: map[string][]string{}, closedCh: make(chan string, 4), slow: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ksql", f.ksql)
	mux.HandleFunc("POST /query-stream", f.queryStream)
	mux.HandleFunc("POST /close-query", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			QueryID string `json:"queryId"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.closed = append(f.closed, body.QueryID)
		f.mu.Unlock()
		f.closedCh <- body.QueryID
	})
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"KsqlServerInfo":{"version":"0.1.0","serverStatus":"RUNNING"}}`)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *sqlFake) record(r *http.Request, sqlKey, propsKey string) sqlFakeRequest {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("%s: %v", r.URL.Path, err)
	}
	req := sqlFakeRequest{path: r.URL.Path}
	req.sql, _ = body[sqlKey].(string)
	req.props, _ = body[propsKey].(map[string]any)
	req.vars, _ = body["sessionVariables"].(map[string]any)
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	return req
}

// lookup finds what was registered for the longest prefix of sql.
func sqlLookup[V any](m map[string]V, sql string) (V, bool) {
	var best string
	var v V
	found := false
	for k, val := range m {
		if strings.HasPrefix(sql, k) && len(k) >= len(best) {
			best, v, found = k, val, true
		}
	}
	return v, found
}

func (f *sqlFake) ksql(w http.ResponseWriter, r *http.Request) {
	req := f.record(r, "ksql", "streamsProperties")
	if strings.HasPrefix(req.sql, "SLOW") {
		f.slow <- struct{}{}
		<-r.Context().Done() // answers only when the caller gives up
		return
	}
	f.mu.Lock()
	ent, ok := sqlLookup(f.entities, req.sql)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{
			"@type": "statement_error", "error_code": 40001, "statementText": req.sql, "entities": []any{},
			"message": fmt.Sprintf("line 1:1: mismatched input at %q", strings.Fields(req.sql)[0]),
		})
		return
	}
	fmt.Fprintf(w, "[%s]", ent)
}

func (f *sqlFake) queryStream(w http.ResponseWriter, r *http.Request) {
	req := f.record(r, "sql", "properties")
	f.mu.Lock()
	lines, ok := sqlLookup(f.streams, req.sql)
	f.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"@type":"statement_error","error_code":40001,"message":"S does not exist."}`)
		return
	}
	for _, l := range lines {
		io.WriteString(w, l+"\n")
	}
	w.(http.Flusher).Flush()
	if strings.Contains(req.sql, "EMIT CHANGES") {
		<-r.Context().Done() // a push query runs until it is stopped
	}
}

func (f *sqlFake) sent() []sqlFakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sqlFakeRequest(nil), f.requests...)
}

func (f *sqlFake) client(t *testing.T) *client.Client {
	c, err := client.New(client.Options{URL: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sqlOut is a writer that tests can wait on.
type sqlOut struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newSQLOut() *sqlOut { return &sqlOut{changed: make(chan struct{})} }

func (o *sqlOut) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.changed)
	o.changed = make(chan struct{})
	return o.b.Write(p)
}

func (o *sqlOut) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// waitFor waits until the output holds s.
func (o *sqlOut) waitFor(t *testing.T, s string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		o.mu.Lock()
		done, ch := strings.Contains(o.b.String(), s), o.changed
		o.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("output never showed %q; it is:\n%s", s, o.String())
		}
	}
}

func runSQLMain(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = Main(context.Background(), append([]string{"sql"}, args...), IO{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errw,
		Getenv: func(string) string { return "" },
	})
	return code, out.String(), errw.String()
}

func TestSplitSQL(t *testing.T) {
	cases := []struct {
		in      string
		want    []string
		lines   []int
		rest    string
		pending bool
	}{
		{in: "SHOW STREAMS; SHOW TABLES;", want: []string{"SHOW STREAMS;", "SHOW TABLES;"}, lines: []int{1, 1}},
		{in: "CREATE STREAM S (A INT)\n  WITH (kafka_topic='s;x');\n", want: []string{"CREATE STREAM S (A INT)\n  WITH (kafka_topic='s;x');"}, lines: []int{1}, rest: "\n"},
		{in: "SELECT 'it''s; here' FROM S;", want: []string{"SELECT 'it''s; here' FROM S;"}, lines: []int{1}},
		{in: "SELECT \"a;b\", `c;d` FROM S;", want: []string{"SELECT \"a;b\", `c;d` FROM S;"}, lines: []int{1}},
		{in: "-- a comment; not a statement\nSHOW TOPICS; -- trailing;\n", want: []string{"SHOW TOPICS;"}, lines: []int{2}, rest: " -- trailing;\n"},
		{in: "/* one;\ntwo; */ LIST STREAMS;\n\nSHOW\nQUERIES;", want: []string{"LIST STREAMS;", "SHOW\nQUERIES;"}, lines: []int{2, 4}},
		{in: "SHOW STREAMS;\nSELECT * FROM S\n", want: []string{"SHOW STREAMS;"}, lines: []int{1}, rest: "\nSELECT * FROM S\n", pending: true},
		{in: "INSERT INTO S VALUES ('a;\n", rest: "INSERT INTO S VALUES ('a;\n", pending: true},
		{in: "/* open ; comment\n", rest: "/* open ; comment\n", pending: true},
		{in: ";;  ;", rest: ""},
	}
	for _, c := range cases {
		stmts, rest, pending := splitSQL(c.in)
		var got []string
		var lines []int
		for _, s := range stmts {
			got = append(got, s.text)
			lines = append(lines, s.line)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) || fmt.Sprint(lines) != fmt.Sprint(c.lines) || rest != c.rest || pending != c.pending {
			t.Errorf("splitSQL(%q) = %q lines %v rest %q pending %v; want %q lines %v rest %q pending %v",
				c.in, got, lines, rest, pending, c.want, c.lines, c.rest, c.pending)
		}
	}
}

func TestSQLTokens(t *testing.T) {
	toks := sqlTokens("SET /* c */ 'ksql.x' = 'it''s';  -- done")
	var got []string
	for _, tk := range toks {
		q := tk.quote
		if q == 0 {
			q = '_'
		}
		got = append(got, fmt.Sprintf("%c%s", q, tk.text))
	}
	if want := "[_SET 'ksql.x _= 'it's _;]"; fmt.Sprint(got) != want {
		t.Errorf("tokens = %v, want %s", got, want)
	}
}

func TestTableRendering(t *testing.T) {
	var b strings.Builder
	tb := &sqlTable{header: []string{"ID", "Name"}}
	tb.add("1", "ünïcode")
	tb.add("22", "a\nb")
	tb.render(&b)
	want := `+----+---------+
| ID | Name    |
+----+---------+
| 1  | ünïcode |
| 22 | a\nb    |
+----+---------+
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

// renderCases are entities as the server answers them, each with lines
// its rendering must hold.
var renderCases = []struct {
	name, entity string
	want         []string
}{
	{"currentStatus", `{"@type":"currentStatus","statementText":"CREATE STREAM S ...;","commandId":"stream/S/create","commandStatus":{"status":"SUCCESS","message":"Stream created"},"commandSequenceNumber":2,"warnings":[]}`,
		[]string{"+----------------+\n| Message        |\n+----------------+\n| Stream created |\n+----------------+\n"}},
	{"streams", `{"@type":"streams","statementText":"SHOW STREAMS;","streams":[{"type":"STREAM","name":"PAGEVIEWS","topic":"pageviews","keyFormat":"KAFKA","valueFormat":"JSON","isWindowed":false}],"warnings":[]}`,
		[]string{"| Stream Name | Kafka Topic | Key Format | Value Format | Windowed |", "| PAGEVIEWS   | pageviews   | KAFKA      | JSON         | false    |"}},
	{"tables", `{"@type":"tables","statementText":"SHOW TABLES;","tables":[{"type":"TABLE","name":"COUNTS","topic":"COUNTS","keyFormat":"KAFKA","valueFormat":"JSON","isWindowed":true}]}`,
		[]string{"| Table Name | Kafka Topic |", "| COUNTS     | COUNTS      | KAFKA      | JSON         | true     |"}},
	{"queries", `{"@type":"queries","statementText":"SHOW QUERIES;","queries":[{"queryString":"CREATE TABLE COUNTS AS\n  SELECT ...;","sinks":["COUNTS"],"sinkKafkaTopics":["COUNTS"],"id":"CTAS_COUNTS_3","statusCount":{"RUNNING":1},"queryType":"PERSISTENT","state":"RUNNING"}]}`,
		[]string{"| Query ID      | Query Type | Status    | Sink Name | Sink Kafka Topic | Query String                       |", "| CTAS_COUNTS_3 | PERSISTENT | RUNNING:1 | COUNTS    | COUNTS           | CREATE TABLE COUNTS AS SELECT ...; |", "EXPLAIN <Query ID>"}},
	{"properties", `{"@type":"properties","statementText":"SHOW PROPERTIES;","properties":[{"name":"auto.offset.reset","scope":"KSQL","value":"earliest"},{"name":"ksql.service.id","scope":"KSQL","value":"sluice"}],"overwrittenProperties":["ksql.service.id"],"defaultProperties":[]}`,
		[]string{"| Property          | Scope | Default override | Effective Value |", "| auto.offset.reset | KSQL  | SESSION          | earliest        |", "| ksql.service.id   | KSQL  | SERVER           | sluice          |"}},
	{"variables", `{"@type":"variables","statementText":"SHOW VARIABLES;","variables":[{"name":"topic","value":"clicks"}]}`,
		[]string{"| Variable Name | Value  |", "| topic         | clicks |"}},
	{"kafka_topics", `{"@type":"kafka_topics","statementText":"SHOW TOPICS;","topics":[{"name":"clicks","replicaInfo":[1,1,1]}]}`,
		[]string{"| Kafka Topic | Partitions | Partition Replicas |", "| clicks      | 3          | 1                  |"}},
	{"function_names", `{"@type":"function_names","statementText":"SHOW FUNCTIONS;","functions":[{"name":"UCASE","type":"SCALAR","category":"STRING"},{"name":"ABS","type":"SCALAR","category":"MATHEMATICAL"}]}`,
		[]string{"| Function Name | Category     |\n+---------------+--------------+\n| ABS           | MATHEMATICAL |\n| UCASE         | STRING       |", "DESCRIBE FUNCTION <Function Name>;"}},
	{"describe_function", `{"@type":"describe_function","statementText":"DESCRIBE FUNCTION SUBSTRING;","name":"SUBSTRING","description":"Returns part of a string.","author":"","version":"","path":"internal","functions":[{"arguments":[{"name":"str","type":"VARCHAR","description":"The source string.","isVariadic":false},{"name":"pos","type":"INT","description":"","isVariadic":false}],"returnType":"VARCHAR","description":"From pos to the end."}],"type":"SCALAR"}`,
		[]string{"Name                 : SUBSTRING\n", "Overview             : Returns part of a string.\n", "Type                 : SCALAR\n", "\tVariation   : SUBSTRING(str VARCHAR, pos INT)\n\tReturns     : VARCHAR\n\tDescription : From pos to the end.\n\tstr         : The source string.\n"}},
	{"sourceDescription", `{"@type":"sourceDescription","statementText":"DESCRIBE S;","sourceDescription":{"name":"S","readQueries":[],"writeQueries":[],"fields":[{"name":"ID","schema":{"type":"STRING"},"type":"KEY"},{"name":"TAGS","schema":{"type":"ARRAY","memberSchema":{"type":"STRING"}}},{"name":"PRICE","schema":{"type":"DECIMAL","parameters":{"precision":4,"scale":2}}},{"name":"ADDR","schema":{"type":"STRUCT","fields":[{"name":"CITY","schema":{"type":"STRING"}},{"name":"N","schema":{"type":"INTEGER"}}]}},{"name":"M","schema":{"type":"MAP","memberSchema":{"type":"BIGINT"}}}],"type":"STREAM","timestamp":"","statistics":"","errorStats":"","extended":false,"keyFormat":"KAFKA","valueFormat":"JSON","topic":"s","partitions":1,"replication":1,"statement":"CREATE STREAM S ...;","sourceConstraints":[]}}`,
		[]string{"Name                 : S\n+-------+", "| ID    | VARCHAR(STRING)  (key)", "| TAGS  | ARRAY<VARCHAR(STRING)>", "| PRICE | DECIMAL(4, 2)", "| ADDR  | STRUCT<CITY VARCHAR(STRING), N INTEGER>", "| M     | MAP<STRING, BIGINT>", "DESCRIBE <Stream,Table> EXTENDED;"}},
	{"sourceDescription extended", `{"@type":"sourceDescription","statementText":"DESCRIBE S EXTENDED;","sourceDescription":{"name":"S","readQueries":[],"writeQueries":[{"queryString":"CREATE STREAM S AS SELECT * FROM A;","sinks":["S"],"sinkKafkaTopics":["s"],"id":"CSAS_S_1","statusCount":{"RUNNING":1},"queryType":"PERSISTENT","state":"RUNNING"}],"fields":[{"name":"N","schema":{"type":"INTEGER"}}],"type":"STREAM","timestamp":"TS","statistics":"messages-per-sec: 2.00 total-messages: 10","errorStats":"","extended":true,"keyFormat":"KAFKA","valueFormat":"JSON","topic":"s","partitions":3,"replication":1,"statement":"CREATE STREAM S AS SELECT * FROM A;","sourceConstraints":[],"queryStats":{"CSAS_S_1":{"messagesPerSec":2,"totalMessages":10,"failed":1,"lastMessageTime":"2024-01-01T00:00:00Z"}}}}`,
		[]string{"Type                 : STREAM\n", "Timestamp field      : TS\n", "Kafka topic          : s (partitions: 3, replication: 1)\n", "Queries that write from this STREAM\n-----------------------------------\nCSAS_S_1 (RUNNING:1) : CREATE STREAM S AS SELECT * FROM A;\n",
			"| Query ID | Messages/sec | Total messages | Failed | Last message         |", "| CSAS_S_1 | 2.00         | 10             | 1      | 2024-01-01T00:00:00Z |", "Local runtime statistics\n------------------------\nmessages-per-sec: 2.00 total-messages: 10\n"}},
	{"queryDescription", `{"@type":"queryDescription","statementText":"EXPLAIN CSAS_S_1;","queryDescription":{"id":"CSAS_S_1","statementText":"CREATE STREAM S AS SELECT * FROM A;","fields":[{"name":"N","schema":{"type":"INTEGER"}}],"sources":["A"],"sinks":["S"],"topology":" > [ SINK ] | Schema: N INT\n\t\t > [ SOURCE ] | Schema: N INT\n","executionPlan":" > [ SINK ] | Schema: N INT\n\t\t > [ SOURCE ] | Schema: N INT\n","overriddenProperties":{"auto.offset.reset":"earliest"},"queryType":"PERSISTENT","state":"RUNNING"}}`,
		[]string{"ID                   : CSAS_S_1\n", "SQL                  : CREATE STREAM S AS SELECT * FROM A;\n", "Execution plan\n--------------\n > [ SINK ] | Schema: N INT\n\t\t > [ SOURCE ] | Schema: N INT\n", "| auto.offset.reset | earliest |"}},
	{"type_list", `{"@type":"type_list","statementText":"SHOW TYPES;","types":{"ADDRESS":{"type":"STRUCT","fields":[{"name":"CITY","schema":{"type":"STRING"}}]}}}`,
		[]string{"| Type Name | Schema                       |", "| ADDRESS   | STRUCT<CITY VARCHAR(STRING)> |"}},
	{"warning_entity", `{"@type":"warning_entity","statementText":"DROP STREAM IF EXISTS X;","message":"Source X does not exist.","warnings":[{"message":"nothing dropped"}]}`,
		[]string{"Source X does not exist.\nWARNING: nothing dropped\n"}},
	{"unknown", `{"@type":"connector_list","statementText":"SHOW CONNECTORS;","connectors":[]}`,
		[]string{"{\n  \"@type\": \"connector_list\",\n  \"statementText\": \"SHOW CONNECTORS;\",\n  \"connectors\": []\n}\n"}},
}

func TestRenderEntities(t *testing.T) {
	for _, c := range renderCases {
		t.Run(c.name, func(t *testing.T) {
			var out bytes.Buffer
			sh := newSQLShell(nil, &out, io.Discard)
			sh.props["auto.offset.reset"] = "earliest"
			sh.renderEntity(json.RawMessage(c.entity))
			for _, w := range c.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestSQLSourceDescriptionsRendersEach covers DESCRIBE STREAMS's list.
func TestSQLSourceDescriptionsRendersEach(t *testing.T) {
	var out bytes.Buffer
	sh := newSQLShell(nil, &out, io.Discard)
	sh.renderEntity(json.RawMessage(`{"@type":"source_descriptions","sourceDescriptions":[{"name":"A","fields":[]},{"name":"B","fields":[]}]}`))
	if !strings.Contains(out.String(), "Name                 : A\n") || !strings.Contains(out.String(), "Name                 : B\n") {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestSQLFileStopsAtFirstError(t *testing.T) {
	f := newSQLFake(t)
	f.entities["CREATE STREAM"] = `{"@type":"currentStatus","commandStatus":{"status":"SUCCESS","message":"Stream created"}}`
	f.entities["SHOW STREAMS"] = `{"@type":"streams","streams":[]}`
	script := filepath.Join(t.TempDir(), "setup.sql")
	os.WriteFile(script, []byte("-- set up\nCREATE STREAM S (A INT)\n  WITH (kafka_topic='s', value_format='json');\n\nCREAT STREAM T;\nSHOW STREAMS;\n"), 0o600)
	code, stdout, stderr := runSQLMain(t, "", "--server", f.srv.URL, "-f", script)
	if code != 1 {
		t.Fatalf("exit code %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "Stream created") {
		t.Errorf("stdout lacks the first statement's result:\n%s", stdout)
	}
	if want := fmt.Sprintf("sluice sql: %s:5: line 1:1: mismatched input at \"CREAT\"", script); !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q, want it to hold %q", stderr, want)
	}
	sent := f.sent()
	if len(sent) != 2 || sent[1].sql != "CREAT STREAM T;" {
		t.Errorf("sent %+v; want the statements up to the failing one", sent)
	}
	if !strings.HasPrefix(sent[0].sql, "CREATE STREAM S") {
		t.Errorf("first statement sent as %q", sent[0].sql)
	}
}

func TestSQLFileWithoutFinalSemicolon(t *testing.T) {
	f := newSQLFake(t)
	script := filepath.Join(t.TempDir(), "x.sql")
	os.WriteFile(script, []byte("SHOW STREAMS"), 0o600)
	code, _, stderr := runSQLMain(t, "", "--server", f.srv.URL, "--file", script)
	if code != 1 || !strings.Contains(stderr, "no ending ';'") || len(f.sent()) != 0 {
		t.Errorf("code %d stderr %q sent %v", code, stderr, f.sent())
	}
}

func TestSQLSetAndDefineTravelWithRequests(t *testing.T) {
	f := newSQLFake(t)
	f.entities["SHOW"] = `{"@type":"streams","streams":[]}`
	code, stdout, stderr := runSQLMain(t, "", "--server", f.srv.URL, "--define", "env=prod", "-e",
		"SET 'auto.offset.reset' = 'earliest'; DEFINE topic = 'clicks'; SHOW STREAMS;\n"+
			"UNSET 'auto.offset.reset'; UNDEFINE topic; SHOW TABLES;")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "Successfully changed local property 'auto.offset.reset' to 'earliest'.") ||
		!strings.Contains(stdout, "Successfully unset local property 'auto.offset.reset' (value was 'earliest').") {
		t.Errorf("stdout:\n%s", stdout)
	}
	sent := f.sent()
	if len(sent) != 2 {
		t.Fatalf("sent %+v: SET and DEFINE are the shell's, not the server's", sent)
	}
	if sent[0].props["auto.offset.reset"] != "earliest" || sent[0].vars["topic"] != "clicks" || sent[0].vars["env"] != "prod" {
		t.Errorf("first request carried props %v vars %v", sent[0].props, sent[0].vars)
	}
	if len(sent[1].props) != 0 || sent[1].vars["topic"] != nil || sent[1].vars["env"] != "prod" {
		t.Errorf("after UNSET and UNDEFINE: props %v vars %v", sent[1].props, sent[1].vars)
	}
}

func TestSQLRunScript(t *testing.T) {
	f := newSQLFake(t)
	f.entities["CREATE"] = `{"@type":"currentStatus","commandStatus":{"status":"SUCCESS","message":"Created"}}`
	f.entities["SHOW"] = `{"@type":"streams","streams":[]}`
	dir := t.TempDir()
	inner := filepath.Join(dir, "inner.sql")
	os.WriteFile(inner, []byte("SET 'p' = 'v';\nCREATE STREAM A (X INT) WITH (kafka_topic='a');\nCREATE STREAM B (X INT) WITH (kafka_topic='b');\n"), 0o600)
	code, _, stderr := runSQLMain(t, fmt.Sprintf("RUN SCRIPT '%s';\nSHOW STREAMS;\n", inner), "--server", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got []string
	for _, r := range f.sent() {
		got = append(got, fmt.Sprintf("%s %v", r.sql[:min(15, len(r.sql))], r.props["p"]))
	}
	if want := "[CREATE STREAM A v CREATE STREAM B v SHOW STREAMS; v]"; fmt.Sprint(got) != want {
		t.Errorf("sent %v, want %s", got, want)
	}

	// A script that runs itself stops with an error instead of recursing.
	self := filepath.Join(dir, "self.sql")
	os.WriteFile(self, []byte(fmt.Sprintf("RUN SCRIPT '%s';\n", self)), 0o600)
	code, _, stderr = runSQLMain(t, "", "--server", f.srv.URL, "-f", self)
	if code != 1 || !strings.Contains(stderr, "nest more than") {
		t.Errorf("self-running script: code %d stderr %q", code, stderr)
	}
}

func TestSQLPipedInputStopsAtError(t *testing.T) {
	f := newSQLFake(t)
	f.entities["SHOW"] = `{"@type":"streams","streams":[]}`
	code, _, stderr := runSQLMain(t, "SHOW STREAMS;\n\nBOGUS\n  THING;\nSHOW TABLES;\n", "--server", f.srv.URL)
	if code != 1 || !strings.Contains(stderr, "line 3: line 1:1: mismatched input") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
	if n := len(f.sent()); n != 2 {
		t.Errorf("%d requests; want 2", n)
	}
}

func TestSQLPullQueryAndPrint(t *testing.T) {
	f := newSQLFake(t)
	f.streams["SELECT"] = []string{`{"queryId":"pq1","columnNames":["ID","NAME"],"columnTypes":["INTEGER","STRING"]}`, `[1,"alpha"]`, `[22,null]`}
	f.streams["PRINT"] = []string{"Key format: KAFKA_STRING", "Value format: JSON", "rowtime: 2024/01/01 00:00:00.000 Z, key: a, value: {}, partition: 0"}
	code, stdout, stderr := runSQLMain(t, "SELECT * FROM T WHERE ID < 30;\nPRINT 'clicks' FROM BEGINNING LIMIT 1;\n", "--server", f.srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	table := "+----+-------+\n| ID | NAME  |\n+----+-------+\n| 1  | alpha |\n| 22 | null  |\n+----+-------+\nQuery terminated\n"
	if !strings.Contains(stdout, table) {
		t.Errorf("pull query output:\n%s\nwant:\n%s", stdout, table)
	}
	if !strings.Contains(stdout, "Key format: KAFKA_STRING\nValue format: JSON\nrowtime: 2024/01/01") {
		t.Errorf("PRINT output:\n%s", stdout)
	}
	if len(f.closed) != 0 {
		t.Errorf("closed %v: queries the server ended need no close", f.closed)
	}
}

func TestSQLQueryError(t *testing.T) {
	f := newSQLFake(t)
	code, _, stderr := runSQLMain(t, "SELECT * FROM MISSING;\n", "--server", f.srv.URL)
	if code != 1 || !strings.Contains(stderr, "S does not exist.") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
}

// TestSQLInteractivePushQuery types at the prompt: a statement over two
// lines, a push query stopped with Ctrl-C, a statement after it, a
// half-typed statement dropped with Ctrl-C, an error, and EXIT.
func TestSQLInteractivePushQuery(t *testing.T) {
	f := newSQLFake(t)
	f.entities["SHOW STREAMS"] = `{"@type":"streams","streams":[{"name":"S","topic":"s","keyFormat":"KAFKA","valueFormat":"JSON"}]}`
	f.streams["SELECT"] = []string{`{"queryId":"transient_S_42","columnNames":["ID","N"],"columnTypes":["STRING","INTEGER"]}`, `["a",1]`, `["b",2]`}
	out, errw := newSQLOut(), newSQLOut()
	sh := newSQLShell(f.client(t), out, errw)
	interrupts := make(chan os.Signal)
	sh.interactive, sh.interrupts = true, interrupts
	sh.history = filepath.Join(t.TempDir(), "history")
	inR, inW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- sh.repl(context.Background(), inR) }()
	typeLine := func(s string) { io.WriteString(inW, s+"\n") }

	out.waitFor(t, sqlPrompt)
	typeLine("SELECT ID, N FROM S")
	out.waitFor(t, sqlContinuePrompt)
	typeLine("  EMIT CHANGES;")
	out.waitFor(t, "| b                    | 2          |")
	interrupts <- os.Interrupt
	if id := <-f.closedCh; id != "transient_S_42" {
		t.Errorf("closed %q", id)
	}
	out.waitFor(t, "Query terminated\n"+sqlPrompt)
	typeLine("SHOW STREAMS;")
	out.waitFor(t, "| S           | s           |")
	typeLine("SHOW")
	out.waitFor(t, "| false    |\n+-------------+-------------+------------+--------------+----------+\n"+sqlPrompt+sqlContinuePrompt)
	interrupts <- os.Interrupt
	typeLine("NONSENSE;")
	errw.waitFor(t, `mismatched input at "NONSENSE;"`)
	typeLine("exit")
	if err := <-done; err != nil {
		t.Fatalf("repl: %v", err)
	}
	inW.Close()

	want := "+----------------------+------------+\n| ID                   | N          |\n+----------------------+------------+\n| a                    | 1          |\n| b                    | 2          |\n+----------------------+------------+\nQuery terminated\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("push query output:\n%s\nwant:\n%s", out.String(), want)
	}
	var sqls []string
	for _, r := range f.sent() {
		sqls = append(sqls, r.sql)
	}
	if want := "[SELECT ID, N FROM S\n  EMIT CHANGES; SHOW STREAMS; NONSENSE;]"; fmt.Sprint(sqls) != want {
		t.Errorf("sent %q, want %s (the interrupted SHOW never sent)", sqls, want)
	}
	hist, err := os.ReadFile(sh.history)
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT ID, N FROM S\n  EMIT CHANGES;\nSHOW STREAMS;\nNONSENSE;\n"; string(hist) != want {
		t.Errorf("history %q, want %q", hist, want)
	}
	var hl bytes.Buffer
	sh.out = &hl
	if err := sh.printHistory(); err != nil {
		t.Fatal(err)
	}
	if want := "    1  SELECT ID, N FROM S\n         EMIT CHANGES;\n    2  SHOW STREAMS;\n    3  NONSENSE;\n"; hl.String() != want {
		t.Errorf("HISTORY printed %q, want %q", hl.String(), want)
	}
}

func TestSQLUsage(t *testing.T) {
	code, _, stderr := runSQLMain(t, "", "extra")
	if code != 2 || !strings.Contains(stderr, "takes no arguments") {
		t.Errorf("code %d stderr %q", code, stderr)
	}
	code, stdout, _ := runSQLMain(t, "", "--help")
	if code != 0 || !strings.Contains(stdout, "RUN SCRIPT") || !strings.Contains(stdout, "SLUICE_SERVER") {
		t.Errorf("help: code %d\n%s", code, stdout)
	}
}

// TestSQLInteractiveBannerAndCancelledRequest checks the greeting names
// the server, and that Ctrl-C abandons a slow statement but not the shell.
func TestSQLInteractiveBannerAndCancelledRequest(t *testing.T) {
	f := newSQLFake(t)
	out := newSQLOut()
	sh := newSQLShell(f.client(t), out, io.Discard)
	interrupts := make(chan os.Signal)
	sh.interactive, sh.interrupts = true, interrupts
	sh.banner(context.Background())
	if !strings.Contains(out.String(), "server v0.1.0 at "+f.srv.URL+" (RUNNING)") {
		t.Errorf("banner: %q", out.String())
	}
	inR, inW := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- sh.repl(context.Background(), inR) }()
	io.WriteString(inW, "SLOW DOWN;\n")
	<-f.slow
	interrupts <- os.Interrupt
	out.waitFor(t, "Request cancelled\n"+sqlPrompt)
	io.WriteString(inW, "quit;\n")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
