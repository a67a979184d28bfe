package server

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sluicedata/sluice/internal/log"
)

const ndjson = "application/x-ndjson"

func TestIngestNDJSON(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("events", 1)
	body := "{\"a\":1}\n\n  [1, 2]\r\n\"text\"\n   \n{\"b\":{\"c\":null}}"
	w := ts.post("/topics/events", ndjson, body)
	expect(t, w, 200, `{"count":4,"offsets":[{"partition":0,"offset":0,"count":4}]}`)
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	recs := ts.records("events", 0)
	want := []string{`{"a":1}`, `[1, 2]`, `"text"`, `{"b":{"c":null}}`}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, r := range recs {
		if string(r.Value) != want[i] || r.Key != nil || r.Timestamp != start.UnixMilli() {
			t.Errorf("record %d = key %q value %q ts %d; want no key, %q, %d", i, r.Key, r.Value, r.Timestamp, want[i], start.UnixMilli())
		}
	}
	w = ts.post("/topics/events", "application/x-ndjson; charset=utf-8", `{"z":true}`+"\n")
	expect(t, w, 200, `{"count":1,"offsets":[{"partition":0,"offset":4,"count":1}]}`)
}

func TestIngestNDJSONKeyField(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("keyed", 4)
	lines := []struct {
		line string
		key  []byte // nil: no key
	}{
		{`{"user":"alice","n":1}`, []byte("alice")},
		{`{"n":2,"user":42}`, []byte("42")},
		{`{"user":"b\u00f6b"}`, []byte("böb")},
		{`{"other":"x"}`, nil},
		{`{"user":null}`, nil},
		{`{"user":"alice","n":3}`, []byte("alice")},
		{`{"user":{"id":7}}`, []byte(`{"id":7}`)},
		{`[1,2]`, nil},
		{`{"user":""}`, []byte{}},
	}
	var body strings.Builder
	for _, l := range lines {
		body.WriteString(l.line + "\n")
	}
	w := ts.post("/topics/keyed?key=user", ndjson, body.String())
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// Expected placement: keyed lines by the partitioner, unkeyed ones in
	// one partition; each partition keeps the order of the body.
	got := map[int32][]log.Record{}
	for p := int32(0); p < 4; p++ {
		got[p] = ts.records("keyed", p)
	}
	unkeyed := int32(-1)
	want := map[int32][]string{}
	for _, l := range lines {
		var p int32
		if l.key != nil {
			p = log.PartitionForKey(l.key, 4)
		} else {
			for q, recs := range got {
				for _, r := range recs {
					if string(r.Value) == l.line {
						p = q
					}
				}
			}
			if unkeyed >= 0 && p != unkeyed {
				t.Fatalf("unkeyed records of one request in partitions %d and %d", unkeyed, p)
			}
			unkeyed = p
		}
		want[p] = append(want[p], l.line)
	}
	var offsets []string
	for p := int32(0); p < 4; p++ {
		if len(got[p]) != len(want[p]) {
			t.Fatalf("partition %d has %d records, want %d", p, len(got[p]), len(want[p]))
		}
		for i, r := range got[p] {
			if string(r.Value) != want[p][i] {
				t.Errorf("partition %d record %d = %s, want %s", p, i, r.Value, want[p][i])
			}
		}
		if len(want[p]) > 0 {
			offsets = append(offsets, fmt.Sprintf(`{"partition":%d,"offset":0,"count":%d}`, p, len(want[p])))
		}
	}
	expect(t, w, 200, `{"count":9,"offsets":[`+strings.Join(offsets, ",")+`]}`)
	for _, l := range lines {
		if l.key == nil {
			continue
		}
		found := false
		for _, r := range got[log.PartitionForKey(l.key, 4)] {
			if string(r.Value) == l.line {
				found = true
				if string(r.Key) != string(l.key) || r.Key == nil {
					t.Errorf("line %s has key %q, want %q", l.line, r.Key, l.key)
				}
			}
		}
		if !found {
			t.Errorf("line %s is not in partition %d", l.line, log.PartitionForKey(l.key, 4))
		}
	}
}

func TestIngestUnkeyedRoundRobinPerRequest(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("rr", 2)
	for range 4 {
		if w := ts.post("/topics/rr", ndjson, "1\n2\n3\n"); w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	// Each request lands whole in one partition, and they alternate.
	if got := ts.endOffsets("rr"); got[0] != 6 || got[1] != 6 {
		t.Fatalf("end offsets %v, want [6 6]", got)
	}
}

func TestIngestNDJSONMalformedWritesNothing(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("events", 2)
	cases := []struct{ body, msg string }{
		{"{\"ok\":1}\n{\"ok\":2}\n{\"bad\":tru}\n{\"ok\":4}\n", `line 3: column 11: unexpected character '}' in literal true`},
		{"{\"ok\":1}\n\n   {\"a\" 1}\n", `line 3: column 9: unexpected character '1', expecting ':' after object member name`},
		{"{\"ok\":1}\n{\"a\":1}{\"b\":2}\n", `line 2: column 8: unexpected character '{' after the JSON value`},
		{"\"unterminated\n", `line 1: column 1: string not terminated`},
		{"1\n2\n\xff\n", `line 3: column 1: invalid byte 0xff (not UTF-8), expecting a value`},
	}
	for _, tc := range cases {
		w := ts.post("/topics/events?key=ok", ndjson, tc.body)
		expectError(t, w, 400, 40001, tc.msg)
	}
	if got := ts.endOffsets("events"); got[0] != 0 || got[1] != 0 {
		t.Fatalf("end offsets after malformed batches = %v, want [0 0]", got)
	}
	if !strings.Contains(ts.metricsText(), `sluice_ingest_rejected_total{reason="malformed"} 5`) {
		t.Fatalf("malformed rejections not counted:\n%s", ts.metricsText())
	}
}

const (
	jsonV2   = "application/vnd.kafka.json.v2+json"
	binaryV2 = "application/vnd.kafka.binary.v2+json"
)

func TestIngestJSONv2(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("v2", 3)
	body := `{"records":[
		{"key":"abc","value":{"n":1}},
		{"value":[1, 2]},
		{"key":17,"value":"s","partition":2},
		{"key":null,"value":null,"partition":0},
		{"key":{"k":1},"value":true,"extra":"ignored"}
	], "key_schema": "ignored"}`
	w := ts.post("/topics/v2", jsonV2, body)
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	type placed struct {
		key, value []byte
		partition  int32
	}
	rr := int32(-1) // the unkeyed record's partition, read back below
	for p := int32(0); p < 3; p++ {
		for _, r := range ts.records("v2", p) {
			if string(r.Value) == "[1, 2]" {
				rr = p
			}
		}
	}
	want := []placed{
		{[]byte(`"abc"`), []byte(`{"n":1}`), log.PartitionForKey([]byte(`"abc"`), 3)},
		{nil, []byte(`[1, 2]`), rr},
		{[]byte(`17`), []byte(`"s"`), 2},
		{nil, nil, 0},
		{[]byte(`{"k":1}`), []byte(`true`), log.PartitionForKey([]byte(`{"k":1}`), 3)},
	}
	next := map[int32]int64{}
	var offsets []string
	for _, p := range want {
		offsets = append(offsets, fmt.Sprintf(`{"partition":%d,"offset":%d,"error_code":null,"error":null}`, p.partition, next[p.partition]))
		recs := ts.records("v2", p.partition)
		r := recs[next[p.partition]]
		if string(r.Key) != string(p.key) || (r.Key == nil) != (p.key == nil) || string(r.Value) != string(p.value) || (r.Value == nil) != (p.value == nil) {
			t.Errorf("partition %d offset %d = %q/%q, want %q/%q", p.partition, next[p.partition], r.Key, r.Value, p.key, p.value)
		}
		next[p.partition]++
	}
	expect(t, w, 200, `{"key_schema_id":null,"value_schema_id":null,"offsets":[`+strings.Join(offsets, ",")+`]}`)

	w = ts.post("/topics/v2", "application/json", `{"records":[{"value":1,"partition":1}]}`)
	expect(t, w, 200, fmt.Sprintf(`{"key_schema_id":null,"value_schema_id":null,"offsets":[{"partition":1,"offset":%d,"error_code":null,"error":null}]}`, next[1]))
}

func TestIngestBinaryv2(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("bin", 1)
	b64 := base64.StdEncoding.EncodeToString
	key := []byte{0, 1, 2, 0xff}
	value := []byte("binary \x00 value with / and ? ~~~>")
	escaped := strings.ReplaceAll(b64(value), "/", `\/`)
	body := fmt.Sprintf(`{"records":[{"key":%q,"value":%q},{"value":null},{"key":"","value":"%s"}]}`, b64(key), b64(value), escaped)
	w := ts.post("/topics/bin", binaryV2, body)
	expect(t, w, 200, `{"key_schema_id":null,"value_schema_id":null,"offsets":[`+
		`{"partition":0,"offset":0,"error_code":null,"error":null},`+
		`{"partition":0,"offset":1,"error_code":null,"error":null},`+
		`{"partition":0,"offset":2,"error_code":null,"error":null}]}`)
	recs := ts.records("bin", 0)
	if string(recs[0].Key) != string(key) || string(recs[0].Value) != string(value) {
		t.Errorf("record 0 = %q/%q", recs[0].Key, recs[0].Value)
	}
	if recs[1].Key != nil || recs[1].Value != nil {
		t.Errorf("record 1 = %q/%q, want null/null", recs[1].Key, recs[1].Value)
	}
	if recs[2].Key == nil || len(recs[2].Key) != 0 || string(recs[2].Value) != string(value) {
		t.Errorf("record 2 = %q/%q, want empty key and the value", recs[2].Key, recs[2].Value)
	}

	// A bad record anywhere rejects the whole request.
	w = ts.post("/topics/bin", binaryV2, fmt.Sprintf(`{"records":[{"value":%q},{"value":"not base64!"}]}`, b64(value)))
	expectError(t, w, 400, 40002, "records[1]: value is not valid base64")
	w = ts.post("/topics/bin", binaryV2, `{"records":[{"value":"AA=="},{"key":12,"value":"AA=="}]}`)
	expectError(t, w, 400, 40002, "records[1]: key must be a base64 string or null")
	if got := ts.endOffsets("bin"); got[0] != 3 {
		t.Fatalf("end offset %d after rejected batches, want 3", got[0])
	}
}

func TestIngestV2Rejects(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("v2", 2)
	cases := []struct {
		body         string
		status, code int
		msg          string
	}{
		{`{"records":[{"value":1},{"value":tru}]}`, 400, 40001, "records[1]: offset 36: unexpected character '}' in literal true"},
		{`{"records":[{"value":1},{"value":1}`, 400, 40001, "offset 35: unexpected end of input"},
		{`{"records":[{"value":1}] "x":1}`, 400, 40001, "offset 25: unexpected character"},
		{`{"records":[{"value":1}]} x`, 400, 40001, "offset 26: unexpected character 'x' after the JSON value"},
		{`[{"value":1}]`, 400, 40002, `the body must be an object`},
		{`{"values":[]}`, 400, 40002, `no "records" member`},
		{`{"records":{"value":1}}`, 400, 40002, `"records" must be an array`},
		{`{"records":[{"value":1},2]}`, 400, 40002, `records[1] must be an object`},
		{`{"records":[{"value":1,"partition":-1}]}`, 400, 40002, `records[0]: partition must be an integer from 0, got -1`},
		{`{"records":[{"value":1,"partition":1.5}]}`, 400, 40002, `partition must be an integer`},
		{`{"records":[{"value":1},{"value":2,"partition":2}]}`, 404, 40403, `records[1] asks for partition 2 of topic "v2", which has 2`},
		{``, 400, 40001, "offset 0: unexpected end of input"},
	}
	for _, tc := range cases {
		w := ts.post("/topics/v2", jsonV2, tc.body)
		expectError(t, w, tc.status, tc.code, tc.msg)
	}
	if got := ts.endOffsets("v2"); got[0] != 0 || got[1] != 0 {
		t.Fatalf("end offsets %v after rejected batches, want [0 0]", got)
	}
	w := ts.post("/topics/v2", jsonV2, `{"records":[]}`)
	expect(t, w, 200, `{"key_schema_id":null,"value_schema_id":null,"offsets":[]}`)
}

func TestIngestUnsupportedContentType(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("t", 1)
	expectError(t, ts.post("/topics/t", "text/plain", "x"), 415, 41501, "application/x-ndjson")
	expectError(t, ts.do("POST", "/topics/t", "{}"), 415, 41501, "unsupported Content-Type")
}

func TestIngestUnknownTopic(t *testing.T) {
	ts := newTestServer(t, Config{})
	expectError(t, ts.post("/topics/nope", ndjson, "1\n"), 404, 40401, `unknown topic: "nope"`)
	expectError(t, ts.do("GET", "/px/nope", ""), 404, 40401, "--auto-create-topics")
	expectError(t, ts.post("/topics/bad$name", ndjson, "1\n"), 400, 40002, "invalid topic name")
	if !strings.Contains(ts.metricsText(), `sluice_ingest_rejected_total{reason="unknown_topic"} 2`) {
		t.Fatalf("unknown topics not counted:\n%s", ts.metricsText())
	}
}

func TestIngestAutoCreate(t *testing.T) {
	ts := newTestServer(t, Config{AutoCreateTopics: true, AutoCreatePartitions: 3})
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() {
			codes[i] = ts.post("/topics/fresh?key=k", ndjson, fmt.Sprintf(`{"k":%d}`, i)).Code
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("request %d answered %d", i, c)
		}
	}
	ends := ts.endOffsets("fresh")
	if len(ends) != 3 || ends[0]+ends[1]+ends[2] != 8 {
		t.Fatalf("auto-created topic has end offsets %v, want 3 partitions holding 8 records", ends)
	}
	if w := ts.do("GET", "/px/fresh2?a=1", ""); w.Code != 200 {
		t.Fatalf("pixel on a new topic: %d %s", w.Code, w.Body)
	}
	if len(ts.endOffsets("fresh2")) != 3 {
		t.Fatal("pixel did not auto-create its topic")
	}
	expectError(t, ts.post("/topics/bad$name", ndjson, "1\n"), 400, 40002, "invalid topic name")
}

func TestIngestStalePartitionCount(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("t", 1)
	if w := ts.post("/topics/t", ndjson, "1\n"); w.Code != 200 {
		t.Fatal(w.Body)
	}
	// Recreated behind the server's back with more partitions: the cached
	// count is stale, the log says so, the server asks again.
	if err := ts.log.DeleteTopic(t.Context(), "t"); err != nil {
		t.Fatal(err)
	}
	ts.createTopic("t", 4)
	w := ts.post("/topics/t", jsonV2, `{"records":[{"value":1,"partition":3}]}`)
	expect(t, w, 200, `{"key_schema_id":null,"value_schema_id":null,"offsets":[{"partition":3,"offset":0,"error_code":null,"error":null}]}`)
}

func TestIngestTooLarge(t *testing.T) {
	ts := newTestServer(t, Config{MaxRequestBytes: 64})
	ts.createTopic("t", 1)
	big := strings.Repeat(`{"a":"0123456789"}`+"\n", 10)
	expectError(t, ts.post("/topics/t", ndjson, big), 413, 41301, "larger than 64 bytes")

	// Without a Content-Length the limit applies while reading.
	r := httptest.NewRequest("POST", "/topics/t", io.MultiReader(strings.NewReader(big)))
	r.ContentLength = -1
	r.Header.Set("Content-Type", ndjson)
	w := httptest.NewRecorder()
	ts.s.ServeHTTP(w, r)
	expectError(t, w, 413, 41301, "--max-request-bytes")

	r = httptest.NewRequest("POST", "/topics/t", io.MultiReader(strings.NewReader("1\n2\n")))
	r.ContentLength = -1
	r.Header.Set("Content-Type", ndjson)
	w = httptest.NewRecorder()
	ts.s.ServeHTTP(w, r)
	expect(t, w, 200, `{"count":2,"offsets":[{"partition":0,"offset":0,"count":2}]}`)
	if !strings.Contains(ts.metricsText(), `sluice_ingest_rejected_total{reason="too_large"} 2`) {
		t.Fatalf("too large not counted:\n%s", ts.metricsText())
	}
}

// TestIngestOverloaded fills the in-flight budget with a request whose
// body the test holds back, and checks that the next one is refused at
// once with 429, then accepted once the first has finished.
func TestIngestOverloaded(t *testing.T) {
	ts := newTestServer(t, Config{MaxInflightBytes: 100, MaxRequestBytes: 100})
	ts.createTopic("t", 1)
	acquired := make(chan int64, 4)
	ts.s.afterAcquire = func(n int64) { acquired <- n }
	srv := httptest.NewServer(ts.s.Handler())
	defer srv.Close()

	body := strings.Repeat("1\n", 40) // 80 bytes
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", srv.URL+"/topics/t", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", ndjson)
	first := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		first <- resp
	}()
	if n := <-acquired; n != 80 {
		t.Fatalf("first request holds %d bytes, want 80", n)
	}

	resp, err := http.Post(srv.URL+"/topics/t", ndjson, strings.NewReader("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" || !strings.HasPrefix(got, `{"error_code":42901,`) {
		t.Fatalf("second request: %d Retry-After=%q %s; want 429 with Retry-After 1", resp.StatusCode, resp.Header.Get("Retry-After"), got)
	}
	if !strings.Contains(ts.metricsText(), "sluice_ingest_inflight_bytes 80\n") {
		t.Fatalf("inflight gauge:\n%s", ts.metricsText())
	}

	io.WriteString(pw, body)
	pw.Close()
	resp = <-first
	if got := readAll(t, resp.Body); resp.StatusCode != 200 || !strings.HasPrefix(got, `{"count":40,`) {
		t.Fatalf("first request: %d %s", resp.StatusCode, got)
	}
	resp.Body.Close()
	resp, err = http.Post(srv.URL+"/topics/t", ndjson, strings.NewReader("1\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	<-acquired
	if resp.StatusCode != 200 {
		t.Fatalf("after the budget was released: %d", resp.StatusCode)
	}
	m := ts.metricsText()
	for _, want := range []string{`sluice_ingest_rejected_total{reason="overloaded"} 1`, "sluice_ingest_inflight_bytes 0\n"} {
		if !strings.Contains(m, want) {
			t.Fatalf("metrics lack %q:\n%s", want, m)
		}
	}
}
