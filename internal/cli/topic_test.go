package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/client"
)

// fakeServer is an in-memory stand-in for the server's topic API, enough
// of the contract for the commands that use it.
type fakeServer struct {
	t     *testing.T
	srv   *httptest.Server
	token string // when set, every request needs it

	mu     sync.Mutex
	topics map[string]*fakeTopic
	groups map[string]map[int32]int64 // "group/topic" -> positions
	posts  []fakePost
	rr     int
}

type fakeTopic struct {
	configs map[string]string
	parts   [][]client.Record
}

// fakePost is one produce request as received.
type fakePost struct {
	contentType, key string
	records          int
}

// fakeTime is the timestamp the fake gives record (p, o).
func fakeTime(o int64) int64 { return 1_700_000_000_000 + o*1000 }

func newFakeServer(t *testing.T) *fakeServer {
	f := &fakeServer{t: t, topics: map[string]*fakeTopic{}, groups: map[string]map[int32]int64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /topics", f.list)
	mux.HandleFunc("GET /topics/{topic}", f.describe)
	mux.HandleFunc("PUT /topics/{topic}", f.create)
	mux.HandleFunc("DELETE /topics/{topic}", f.delete)
	mux.HandleFunc("POST /topics/{topic}", f.produce)
	mux.HandleFunc("GET /topics/{topic}/records", f.records)
	mux.HandleFunc("GET /groups/{group}/offsets", f.groupOffsets)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
			w.Header().Set("WWW-Authenticate", "Bearer")
			fakeError(w, 401, 40101, "missing or wrong credentials: pass --token")
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func fakeError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error_code": code, "message": msg})
}

func fakeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *fakeServer) topic(w http.ResponseWriter, r *http.Request) *fakeTopic {
	name := r.PathValue("topic")
	top := f.topics[name]
	if top == nil {
		fakeError(w, 404, 40401, fmt.Sprintf("topic %q not found: create it first", name))
	}
	return top
}

// add appends records to the topic as the fake received them.
func (f *fakeServer) add(name string, p int32, recs ...client.Record) []int64 {
	top := f.topics[name]
	var offs []int64
	for _, r := range recs {
		r.Partition, r.Offset = p, int64(len(top.parts[p]))
		r.Timestamp = fakeTime(r.Offset)
		top.parts[p] = append(top.parts[p], r)
		offs = append(offs, r.Offset)
	}
	return offs
}

func (f *fakeServer) partitionFor(top *fakeTopic, key []byte, explicit *int32, unkeyed int32) int32 {
	switch {
	case explicit != nil:
		return *explicit
	case key != nil:
		h := fnv.New32a()
		h.Write(key)
		return int32(h.Sum32() % uint32(len(top.parts)))
	}
	return unkeyed
}

func (f *fakeServer) list(w http.ResponseWriter, r *http.Request) {
	names := []string{}
	for n := range f.topics {
		names = append(names, n)
	}
	sort.Strings(names)
	fakeJSON(w, 200, names)
}

func (f *fakeServer) describeBody(name string) client.Topic {
	top := f.topics[name]
	out := client.Topic{Name: name, Configs: top.configs}
	for p, recs := range top.parts {
		var size int64
		for _, r := range recs {
			size += int64(len(r.Key) + len(r.Value))
		}
		out.Partitions = append(out.Partitions, client.Partition{Partition: int32(p), Replicas: []client.Replica{{Leader: true, InSync: true}},
			EndOffset: int64(len(recs)), SizeBytes: size})
	}
	return out
}

func (f *fakeServer) describe(w http.ResponseWriter, r *http.Request) {
	if f.topic(w, r) != nil {
		fakeJSON(w, 200, f.describeBody(r.PathValue("topic")))
	}
}

func (f *fakeServer) create(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("topic")
	var spec client.TopicSpec
	if err := json.NewDecoder(r.Body).Decode(&spec); err != nil {
		fakeError(w, 400, 40002, err.Error())
		return
	}
	if f.topics[name] != nil {
		fakeError(w, 409, 40901, fmt.Sprintf("topic %q already exists", name))
		return
	}
	if spec.Partitions == 0 {
		spec.Partitions = 1
	}
	if spec.Configs == nil {
		spec.Configs = map[string]string{}
	}
	f.topics[name] = &fakeTopic{configs: spec.Configs, parts: make([][]client.Record, spec.Partitions)}
	fakeJSON(w, 201, f.describeBody(name))
}

func (f *fakeServer) delete(w http.ResponseWriter, r *http.Request) {
	if f.topic(w, r) != nil {
		delete(f.topics, r.PathValue("topic"))
		w.WriteHeader(204)
	}
}

func (f *fakeServer) produce(w http.ResponseWriter, r *http.Request) {
	top := f.topic(w, r)
	if top == nil {
		return
	}
	name := r.PathValue("topic")
	f.rr++
	unkeyed := int32(f.rr % len(top.parts))
	var buf bytes.Buffer
	buf.ReadFrom(r.Body)
	ct := r.Header.Get("Content-Type")
	switch ct {
	case client.ContentNDJSON:
		keyField := r.URL.Query().Get("key")
		type batch struct {
			p    int32
			recs []client.Record
		}
		var recs []client.Record
		for i, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			if !json.Valid(line) {
				fakeError(w, 400, 40001, fmt.Sprintf("line %d: malformed JSON", i+1))
				return
			}
			rec := client.Record{Value: append([]byte(nil), line...)}
			if keyField != "" {
				var m map[string]json.RawMessage
				json.Unmarshal(line, &m)
				if raw, ok := m[keyField]; ok {
					var s string
					if json.Unmarshal(raw, &s) == nil {
						rec.Key = []byte(s)
					} else {
						rec.Key = append([]byte(nil), raw...)
					}
				}
			}
			recs = append(recs, rec)
		}
		counts := map[int32]int64{}
		firsts := map[int32]int64{}
		for _, rec := range recs {
			p := f.partitionFor(top, rec.Key, nil, unkeyed)
			off := f.add(name, p, rec)[0]
			if _, ok := firsts[p]; !ok {
				firsts[p] = off
			}
			counts[p]++
		}
		res := client.NDJSONResult{Count: int64(len(recs))}
		for p, n := range counts {
			res.Offsets = append(res.Offsets, client.PartitionRange{Partition: p, Offset: firsts[p], Count: n})
		}
		f.posts = append(f.posts, fakePost{ct, keyField, len(recs)})
		fakeJSON(w, 200, res)
	case client.ContentBinary:
		var body struct {
			Records []struct {
				Key, Value *string
				Partition  *int32
			}
		}
		if err := json.Unmarshal(buf.Bytes(), &body); err != nil {
			fakeError(w, 400, 40001, err.Error())
			return
		}
		dec := func(s *string) []byte {
			if s == nil {
				return nil
			}
			b, err := base64.StdEncoding.DecodeString(*s)
			if err != nil {
				f.t.Errorf("bad base64 %q", *s)
			}
			return b
		}
		var res client.ProduceResult
		for _, br := range body.Records {
			rec := client.Record{Key: dec(br.Key), Value: dec(br.Value)}
			p := f.partitionFor(top, rec.Key, br.Partition, unkeyed)
			if int(p) >= len(top.parts) {
				fakeError(w, 404, 40403, fmt.Sprintf("partition %d not found", p))
				return
			}
			off := f.add(name, p, rec)[0]
			res.Offsets = append(res.Offsets, client.RecordOffset{Partition: p, Offset: off})
		}
		f.posts = append(f.posts, fakePost{ct, "", len(body.Records)})
		fakeJSON(w, 200, res)
	default:
		fakeError(w, 415, 41501, "unsupported content type "+ct)
	}
}

func (f *fakeServer) records(w http.ResponseWriter, r *http.Request) {
	top := f.topic(w, r)
	if top == nil {
		return
	}
	q := r.URL.Query()
	parts := []int32{}
	if p := q.Get("partition"); p != "" {
		n, _ := strconv.Atoi(p)
		parts = append(parts, int32(n))
	} else {
		for p := range top.parts {
			parts = append(parts, int32(p))
		}
	}
	gkey := q.Get("group") + "/" + r.PathValue("topic")
	limit, _ := strconv.ParseInt(q.Get("limit"), 10, 64)
	w.Header().Set("Content-Type", "application/x-ndjson")
	enc := json.NewEncoder(w)
	sent := int64(0)
	for _, p := range parts {
		recs := top.parts[p]
		start := int64(0)
		switch off, from := q.Get("offset"), q.Get("from"); {
		case off == "end":
			start = int64(len(recs))
		case off != "" && off != "beginning":
			start, _ = strconv.ParseInt(off, 10, 64)
		case from != "":
			ms, err := strconv.ParseInt(from, 10, 64)
			if err != nil {
				ts, _ := time.Parse(time.RFC3339Nano, from)
				ms = ts.UnixMilli()
			}
			start = int64(len(recs))
			for i, rec := range recs {
				if rec.Timestamp >= ms {
					start = int64(i)
					break
				}
			}
		case q.Get("group") != "":
			if pos, ok := f.groups[gkey][p]; ok {
				start = pos
			} else if q.Get("reset") == "latest" {
				start = int64(len(recs))
			}
		}
		for o := start; o < int64(len(recs)) && (limit == 0 || sent < limit); o++ {
			enc.Encode(recs[o])
			sent++
			if q.Get("group") != "" {
				if f.groups[gkey] == nil {
					f.groups[gkey] = map[int32]int64{}
				}
				f.groups[gkey][p] = o + 1
			}
		}
	}
}

func (f *fakeServer) groupOffsets(w http.ResponseWriter, r *http.Request) {
	offs := map[string]int64{}
	for p, o := range f.groups[r.PathValue("group")+"/"+r.URL.Query().Get("topic")] {
		offs[strconv.Itoa(int(p))] = o
	}
	fakeJSON(w, 200, map[string]any{"topic": r.URL.Query().Get("topic"), "offsets": offs})
}

// run calls cli.Main with stdin and the fake's URL in the environment.
func (f *fakeServer) run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runMain(t, stdin, map[string]string{"SLUICE_SERVER": f.srv.URL}, args...)
}

func runMain(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	io := IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return env[k] }}
	code := Main(context.Background(), args, io)
	return code, out.String(), errOut.String()
}

func TestTopicAdministration(t *testing.T) {
	f := newFakeServer(t)
	code, out, errOut := f.run(t, "", "topic", "create", "clicks", "--partitions", "3", "--config", "retention.ms=1000", "--config", "segment.bytes=4096")
	if code != 0 || out != "Created topic \"clicks\" with 3 partitions.\n" {
		t.Fatalf("create: %d %q %q", code, out, errOut)
	}
	if c := f.topics["clicks"].configs; c["retention.ms"] != "1000" || c["segment.bytes"] != "4096" {
		t.Fatalf("configs sent: %v", c)
	}
	code, _, errOut = f.run(t, "", "topic", "create", "clicks")
	if code != 1 || errOut != "sluice topic: create: topic \"clicks\" already exists (409)\n" {
		t.Fatalf("create twice: %d %q", code, errOut)
	}
	f.run(t, "", "topic", "create", "a.b")
	f.add("clicks", 1, client.Record{Value: []byte("12345")}, client.Record{Value: []byte("678")})
	f.add("clicks", 2, client.Record{Value: []byte("9")})

	code, out, _ = f.run(t, "", "topic", "list")
	want := "NAME    PARTITIONS  RECORDS  SIZE\n" +
		"a.b     1           0        0 B\n" +
		"clicks  3           3        9 B\n"
	if code != 0 || out != want {
		t.Fatalf("list: %d\n%s\nwant\n%s", code, out, want)
	}

	code, out, _ = f.run(t, "", "topic", "describe", "clicks")
	want = "Topic:       clicks\nPartitions:  3\nRecords:     3\nSize:        9 B\n" +
		"Configs:     retention.ms=1000\n             segment.bytes=4096\n\n" +
		"PARTITION  START  END  RECORDS  SIZE\n" +
		"0          0      0    0        0 B\n" +
		"1          0      2    2        8 B\n" +
		"2          0      1    1        1 B\n"
	if code != 0 || out != want {
		t.Fatalf("describe: %d\n%s\nwant\n%s", code, out, want)
	}

	code, out, _ = f.run(t, "", "topic", "delete", "clicks")
	if code != 0 || out != "Deleted topic \"clicks\".\n" || f.topics["clicks"] != nil {
		t.Fatalf("delete: %d %q", code, out)
	}
	code, _, errOut = f.run(t, "", "topic", "describe", "clicks")
	if code != 1 || !strings.Contains(errOut, `topic "clicks" not found: create it first (404)`) {
		t.Fatalf("describe deleted: %d %q", code, errOut)
	}
}

func TestTopicProduceWithKeys(t *testing.T) {
	f := newFakeServer(t)
	f.run(t, "", "topic", "create", "--partitions", "4", "kv")
	stdin := "k1:v1\nk2:{\"a\":\"b:c\"}\nno delimiter here\n\n:empty key\nlast:no newline"
	code, _, errOut := f.run(t, stdin, "topic", "produce", "-K", ":", "--batch", "2", "kv")
	if code != 0 {
		t.Fatalf("produce: %d %q", code, errOut)
	}
	if !strings.HasPrefix(errOut, `Produced 5 records to "kv" (partitions: `) {
		t.Fatalf("summary %q", errOut)
	}
	got := map[string]string{}
	var nullKeys []string
	for _, part := range f.topics["kv"].parts {
		for _, r := range part {
			if r.Key == nil {
				nullKeys = append(nullKeys, string(r.Value))
			} else {
				got[string(r.Key)] = string(r.Value)
			}
		}
	}
	want := map[string]string{"k1": "v1", "k2": `{"a":"b:c"}`, "": "empty key", "last": "no newline"}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(nullKeys) != 1 || nullKeys[0] != "no delimiter here" {
		t.Fatalf("records %v, null-key values %q", got, nullKeys)
	}
	if len(f.posts) != 3 || f.posts[0].records != 2 || f.posts[2].records != 1 || f.posts[0].contentType != client.ContentBinary {
		t.Fatalf("posts %+v, want binary batches of 2, 2, 1", f.posts)
	}
}

func TestTopicProduceToOnePartition(t *testing.T) {
	f := newFakeServer(t)
	f.run(t, "", "topic", "create", "--partitions", "3", "raw")
	code, _, errOut := f.run(t, "a\x00b\nplain text\n", "topic", "produce", "raw", "--partition", "2")
	if code != 0 || errOut != "Produced 2 records to \"raw\" (partitions: 2).\n" {
		t.Fatalf("produce: %d %q", code, errOut)
	}
	p := f.topics["raw"].parts[2]
	if len(p) != 2 || string(p[0].Value) != "a\x00b" || p[0].Key != nil || string(p[1].Value) != "plain text" {
		t.Fatalf("partition 2 holds %+v", p)
	}
	code, _, errOut = f.run(t, "x\n", "topic", "produce", "--partition", "7", "raw")
	if code != 1 || !strings.Contains(errOut, "partition 7 not found (404)") {
		t.Fatalf("bad partition: %d %q", code, errOut)
	}
}

func TestTopicConsume(t *testing.T) {
	f := newFakeServer(t)
	f.run(t, "", "topic", "create", "--partitions", "2", "ev")
	f.add("ev", 0, client.Record{Key: []byte("a"), Value: []byte(`{"n":1}`), Headers: []client.Header{{Key: "h1", Value: []byte("x")}, {Key: "h2", Value: []byte("y")}}},
		client.Record{Value: []byte(`{"n":2}`)})
	f.add("ev", 1, client.Record{Key: []byte("bb"), Value: []byte("plain")})

	code, out, errOut := f.run(t, "", "topic", "consume", "ev")
	if code != 0 || out != "{\"n\":1}\n{\"n\":2}\nplain\n" {
		t.Fatalf("consume: %d %q %q", code, out, errOut)
	}
	code, out, _ = f.run(t, "", "topic", "consume", "--format", `%p:%o\t%k=%v %t %T [%h] %K/%S %%\n`, "ev")
	want := "0:0\ta={\"n\":1} 1700000000000 2023-11-14T22:13:20.000Z [h1=x,h2=y] 1/7 %\n" +
		"0:1\t={\"n\":2} 1700000001000 2023-11-14T22:13:21.000Z [] 0/7 %\n" +
		"1:0\tbb=plain 1700000000000 2023-11-14T22:13:20.000Z [] 2/5 %\n"
	if code != 0 || out != want {
		t.Fatalf("--format:\n%q\nwant\n%q", out, want)
	}
	code, out, _ = f.run(t, "", "topic", "consume", "ev", "--partition", "0", "--from", "1", "--format", `%o `)
	if code != 0 || out != "1 " {
		t.Fatalf("--from 1: %d %q", code, out)
	}
	code, out, _ = f.run(t, "", "topic", "consume", "ev", "--from", "2023-11-14T22:13:21Z", "--format", `%p/%o `)
	if code != 0 || out != "0/1 " {
		t.Fatalf("--from time: %d %q", code, out)
	}
	code, out, _ = f.run(t, "", "topic", "consume", "ev", "--from", "1700000001000", "--limit", "5", "--format", `%p/%o `)
	if code != 0 || out != "0/1 " {
		t.Fatalf("--from ms: %d %q", code, out)
	}
	code, out, _ = f.run(t, "", "topic", "consume", "ev", "--limit", "1")
	if code != 0 || out != "{\"n\":1}\n" {
		t.Fatalf("--limit 1: %d %q", code, out)
	}
	for _, bad := range [][]string{{"--format", "%x"}, {"--format", `\q`}, {"--from", "yesterday"}, {"--reset", "middle"}} {
		code, _, errOut = f.run(t, "", append([]string{"topic", "consume", "ev"}, bad...)...)
		if code != 2 || !strings.Contains(errOut, "sluice topic consume --help") {
			t.Errorf("%v: %d %q", bad, code, errOut)
		}
	}
}

func TestTopicConsumeGroup(t *testing.T) {
	f := newFakeServer(t)
	f.run(t, "", "topic", "create", "g")
	for i := 0; i < 5; i++ {
		f.add("g", 0, client.Record{Value: []byte(strconv.Itoa(i))})
	}
	_, out, _ := f.run(t, "", "topic", "consume", "--group", "readers", "--limit", "2", "g")
	if out != "0\n1\n" {
		t.Fatalf("first read %q", out)
	}
	_, out, _ = f.run(t, "", "topic", "describe", "--group", "readers", "g")
	if !strings.Contains(out, "PARTITION  START  END  RECORDS  SIZE  COMMITTED  LAG\n0          0      5    5        5 B   2          3\n") {
		t.Fatalf("describe --group:\n%s", out)
	}
	_, out, _ = f.run(t, "", "topic", "consume", "--group", "readers", "g")
	if out != "2\n3\n4\n" {
		t.Fatalf("second read %q: the group did not resume", out)
	}
	_, out, _ = f.run(t, "", "topic", "consume", "--group", "late", "--reset", "latest", "g")
	if out != "" {
		t.Fatalf("--reset latest read %q", out)
	}
}

func TestTopicUsage(t *testing.T) {
	f := newFakeServer(t)
	code, out, _ := f.run(t, "", "topic", "--help")
	for _, sub := range []string{"create", "list", "describe", "delete", "produce", "consume"} {
		if code != 0 || !strings.Contains(out, "  "+sub+" ") {
			t.Errorf("topic --help does not list %s: %d\n%s", sub, code, out)
		}
	}
	code, out, _ = f.run(t, "", "topic", "create", "--help")
	if code != 0 || !strings.Contains(out, "Usage: sluice topic create [flags] NAME") || !strings.Contains(out, "--partitions") || !strings.Contains(out, "--server") {
		t.Fatalf("create --help: %d\n%s", code, out)
	}
	code, out, _ = f.run(t, "", "topic", "consume", "--help")
	if code != 0 || !strings.Contains(out, "%T") {
		t.Fatalf("consume --help: %d\n%s", code, out)
	}
	for _, args := range [][]string{{"topic"}, {"topic", "frob"}, {"topic", "create"}, {"topic", "list", "extra"}, {"topic", "create", "--partitions", "0", "x"}, {"topic", "create", "--config", "novalue", "x"}} {
		code, _, errOut := f.run(t, "", args...)
		if code != 2 || !strings.Contains(errOut, "sluice topic") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
	_, _, errOut := f.run(t, "", "topic", "create")
	if !strings.Contains(errOut, "create: name one topic (see 'sluice topic create --help')") {
		t.Errorf("create without a name: %q", errOut)
	}
}

func TestTopicCredentials(t *testing.T) {
	f := newFakeServer(t)
	f.token = "tok"
	code, _, errOut := f.run(t, "", "topic", "list")
	if code != 1 || !strings.Contains(errOut, "missing or wrong credentials: pass --token (401)") {
		t.Fatalf("no token: %d %q", code, errOut)
	}
	if code, _, errOut := f.run(t, "", "topic", "list", "--token", "tok"); code != 0 {
		t.Fatalf("--token: %d %q", code, errOut)
	}
	env := map[string]string{"SLUICE_SERVER": f.srv.URL, "SLUICE_TOKEN": "tok"}
	if code, _, errOut := runMain(t, "", env, "topic", "list"); code != 0 {
		t.Fatalf("SLUICE_TOKEN: %d %q", code, errOut)
	}
}

func TestTopicServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, errOut := runMain(t, "", nil, "topic", "list", "--server", "http://"+addr)
	if code != 1 || !strings.Contains(errOut, addr) || !strings.Contains(errOut, "sluice server") {
		t.Fatalf("server down: %d %q", code, errOut)
	}
}
