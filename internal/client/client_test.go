package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
)

// serve starts a fake server answering with h and a client of it.
func serve(t *testing.T, h http.HandlerFunc, o Options) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o.URL = srv.URL
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"error_code": code, "message": msg})
}

const describeBody = `{"name":"clicks","configs":{"retention.ms":"3600000"},"partitions":[
 {"partition":0,"leader":0,"replicas":[{"broker":0,"leader":true,"in_sync":true}],"start_offset":2,"end_offset":10,"size_bytes":800},
 {"partition":1,"leader":0,"replicas":[{"broker":0,"leader":true,"in_sync":true}],"start_offset":0,"end_offset":5,"size_bytes":500}]}`

func TestTopicAdministration(t *testing.T) {
	var created map[string]any
	deleted := false
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method + " " + r.URL.Path {
		case "GET /topics":
			writeJSON(w, 200, []string{"a", "clicks"})
		case "GET /topics/clicks":
			w.Write([]byte(describeBody))
		case "PUT /topics/clicks":
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("create sent Content-Type %q", ct)
			}
			json.NewDecoder(r.Body).Decode(&created)
			w.WriteHeader(201)
			w.Write([]byte(describeBody))
		case "DELETE /topics/clicks":
			deleted = true
			w.WriteHeader(204)
		default:
			apiError(w, 404, 40401, "no route "+r.URL.Path)
		}
	}, Options{})
	ctx := context.Background()
	names, err := c.ListTopics(ctx)
	if err != nil || !reflect.DeepEqual(names, []string{"a", "clicks"}) {
		t.Fatalf("ListTopics = %v, %v", names, err)
	}
	top, err := c.DescribeTopic(ctx, "clicks")
	if err != nil {
		t.Fatal(err)
	}
	if top.Name != "clicks" || len(top.Partitions) != 2 || top.Partitions[0].StartOffset != 2 ||
		!top.Partitions[1].Replicas[0].InSync || top.Configs["retention.ms"] != "3600000" {
		t.Fatalf("DescribeTopic = %+v", top)
	}
	if top.Records() != 13 || top.SizeBytes() != 1300 {
		t.Fatalf("Records %d SizeBytes %d, want 13 and 1300", top.Records(), top.SizeBytes())
	}
	if _, err := c.CreateTopic(ctx, "clicks", TopicSpec{Partitions: 2, Configs: map[string]string{"retention.ms": "3600000"}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"partitions": 2.0, "configs": map[string]any{"retention.ms": "3600000"}}
	if !reflect.DeepEqual(created, want) {
		t.Fatalf("create sent %v, want %v", created, want)
	}
	if err := c.DeleteTopic(ctx, "clicks"); err != nil || !deleted {
		t.Fatalf("DeleteTopic: %v (deleted %v)", err, deleted)
	}
}

func TestServerErrorsAreTyped(t *testing.T) {
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/topics/x":
			apiError(w, 409, 40901, `topic "x" already exists`)
		case "/topics/busy":
			w.Header().Set("Retry-After", "3")
			apiError(w, 429, 42901, "overloaded: retry later")
		default:
			w.WriteHeader(502)
			io.WriteString(w, "<html>bad gateway</html>")
		}
	}, Options{})
	ctx := context.Background()
	_, err := c.CreateTopic(ctx, "x", TopicSpec{})
	var ce *Error
	if !errors.As(err, &ce) || ce.Status != 409 || ce.Code != 40901 || ce.Message != `topic "x" already exists` {
		t.Fatalf("err = %#v", err)
	}
	if got := err.Error(); got != `topic "x" already exists (409)` {
		t.Fatalf("Error() = %q", got)
	}
	_, err = c.ProduceNDJSON(ctx, "busy", []byte("{}\n"), "")
	if !errors.As(err, &ce) || ce.Code != 42901 || ce.RetryAfter != 3*time.Second {
		t.Fatalf("err = %#v", err)
	}
	_, err = c.DescribeTopic(ctx, "other")
	if !errors.As(err, &ce) || ce.Status != 502 || ce.Code != 50200 || !strings.Contains(ce.Message, "Bad Gateway: <html>bad gateway</html>") {
		t.Fatalf("err = %#v", err)
	}
}

func TestUnreachableServerSaysHowToStartOne(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(Options{URL: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListTopics(context.Background())
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	for _, s := range []string{addr, "sluice server"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%q does not mention %q", err, s)
		}
	}
}

func TestBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://"} {
		if _, err := New(Options{URL: u}); err == nil {
			t.Errorf("URL %q accepted", u)
		}
	}
	c, err := New(Options{URL: "127.0.0.1:9/"})
	if err != nil || c.URL() != "http://127.0.0.1:9" {
		t.Fatalf("bare host:port gives %v, %v", c, err)
	}
}

func TestCredentials(t *testing.T) {
	var got string
	h := func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		writeJSON(w, 200, []string{})
	}
	ctx := context.Background()
	if _, err := serve(t, h, Options{Token: "s3cret"}).ListTopics(ctx); err != nil || got != "Bearer s3cret" {
		t.Fatalf("token: Authorization %q, %v", got, err)
	}
	if _, err := serve(t, h, Options{User: "ann", Password: "pw"}).ListTopics(ctx); err != nil ||
		got != "Basic "+base64.StdEncoding.EncodeToString([]byte("ann:pw")) {
		t.Fatalf("basic: Authorization %q, %v", got, err)
	}
	if _, err := serve(t, h, Options{}).ListTopics(ctx); err != nil || got != "" {
		t.Fatalf("none: Authorization %q, %v", got, err)
	}
}

func TestTLSSelfSigned(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, []string{"t"})
	}))
	defer srv.Close()
	c, _ := New(Options{URL: srv.URL})
	if _, err := c.ListTopics(context.Background()); err == nil || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("untrusted certificate: err = %v, want a hint about --insecure", err)
	}
	c, _ = New(Options{URL: srv.URL, InsecureSkipVerify: true})
	if names, err := c.ListTopics(context.Background()); err != nil || len(names) != 1 {
		t.Fatalf("insecure: %v, %v", names, err)
	}
}

func TestProduceNDJSON(t *testing.T) {
	body := []byte("{\"id\":\"a\"}\n{\"id\":\"b\"}\n")
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || r.URL.Path != "/topics/req" || r.URL.Query().Get("key") != "id" ||
			r.Header.Get("Content-Type") != "application/x-ndjson" || string(got) != string(body) {
			t.Errorf("request %s %s %s %q", r.Method, r.URL, r.Header.Get("Content-Type"), got)
		}
		io.WriteString(w, `{"count":2,"offsets":[{"partition":0,"offset":7,"count":1},{"partition":1,"offset":3,"count":1}]}`)
	}, Options{})
	res, err := c.ProduceNDJSON(context.Background(), "req", body, "id")
	if err != nil {
		t.Fatal(err)
	}
	want := NDJSONResult{Count: 2, Offsets: []PartitionRange{{0, 7, 1}, {1, 3, 1}}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("result %+v, want %+v", res, want)
	}
}

func TestProduceBinary(t *testing.T) {
	type rec struct {
		Key       *string `json:"key"`
		Value     *string `json:"value"`
		Partition *int32  `json:"partition"`
	}
	var sent struct{ Records []rec }
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != ContentBinary {
			t.Errorf("Content-Type %q", ct)
		}
		if err := json.NewDecoder(r.Body).Decode(&sent); err != nil {
			t.Error(err)
		}
		io.WriteString(w, `{"key_schema_id":null,"value_schema_id":null,"offsets":[{"partition":2,"offset":40,"error_code":null,"error":null},{"partition":2,"offset":41,"error_code":null,"error":null},{"partition":2,"offset":42,"error_code":null,"error":null}]}`)
	}, Options{})
	two := int32(2)
	recs := []BinaryRecord{
		{Key: []byte("k1"), Value: []byte("not json \x00\xff"), Partition: &two},
		{Key: nil, Value: []byte{}},
		{Key: []byte("k3"), Value: nil},
	}
	res, err := c.ProduceBinary(context.Background(), "raw", recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Offsets) != 3 || res.Offsets[2].Offset != 42 || res.Offsets[0].Partition != 2 || res.Offsets[0].ErrorCode != nil {
		t.Fatalf("result %+v", res)
	}
	dec := func(s *string) []byte {
		if s == nil {
			return nil
		}
		b, err := base64.StdEncoding.DecodeString(*s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if len(sent.Records) != 3 {
		t.Fatalf("sent %d records", len(sent.Records))
	}
	for i, r := range sent.Records {
		k, v := dec(r.Key), dec(r.Value)
		if string(k) != string(recs[i].Key) || (k == nil) != (recs[i].Key == nil) ||
			string(v) != string(recs[i].Value) || (r.Value == nil) != (recs[i].Value == nil) {
			t.Errorf("record %d sent as key %q value %q", i, k, v)
		}
		if (r.Partition == nil) != (recs[i].Partition == nil) || (r.Partition != nil && *r.Partition != 2) {
			t.Errorf("record %d partition %v", i, r.Partition)
		}
	}
}

func TestProduceRetriesAfterOverload(t *testing.T) {
	clk := clock.NewFake(time.Unix(0, 0))
	calls := 0
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("Retry-After", "2")
			apiError(w, 429, 42901, "overloaded")
			return
		}
		io.WriteString(w, `{"count":1,"offsets":[{"partition":0,"offset":0,"count":1}]}`)
	}, Options{Retries: 3, Clock: clk})
	done := make(chan error)
	go func() {
		_, err := c.ProduceNDJSON(context.Background(), "t", []byte("{}"), "")
		done <- err
	}()
	for {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			if calls != 2 {
				t.Fatalf("%d calls, want 2", calls)
			}
			if waited := clk.Now().Sub(time.Unix(0, 0)); waited < 2*time.Second {
				t.Fatalf("retried after %v, before the server's Retry-After of 2s", waited)
			}
			return
		default:
			clk.Advance(100 * time.Millisecond)
			runtime.Gosched()
		}
	}
}

func TestConsume(t *testing.T) {
	var query string
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		if r.URL.Path != "/topics/clicks/records" {
			apiError(w, 404, 40401, "unknown topic")
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		for i := 0; i < 3; i++ {
			key := `"` + base64.StdEncoding.EncodeToString([]byte(fmt.Sprint("k", i))) + `"`
			if i == 1 {
				key = "null"
			}
			fmt.Fprintf(w, `{"partition":1,"offset":%d,"timestamp":170000000000%d,"key":%s,"value":"%s","headers":[{"key":"h","value":"%s"}]}`+"\n",
				10+i, i, key, base64.StdEncoding.EncodeToString([]byte(fmt.Sprint("v", i))), base64.StdEncoding.EncodeToString([]byte("x")))
		}
	}, Options{})
	one := int32(1)
	var got []Record
	err := c.Consume(context.Background(), "clicks", ConsumeParams{Partition: &one, Offset: "beginning", Group: "g", Reset: "latest", Limit: 10}, func(r Record) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if query != "group=g&limit=10&offset=beginning&partition=1&reset=latest" {
		t.Errorf("query %q", query)
	}
	if len(got) != 3 || got[0].Offset != 10 || string(got[0].Key) != "k0" || got[1].Key != nil ||
		string(got[2].Value) != "v2" || got[2].Timestamp != 1700000000002 || string(got[0].Headers[0].Value) != "x" {
		t.Fatalf("records %+v", got)
	}

	n := 0
	err = c.Consume(context.Background(), "clicks", ConsumeParams{Limit: 2, From: "2024-01-01T00:00:00Z", Follow: true}, func(Record) error { n++; return nil })
	if err != nil || n != 2 {
		t.Fatalf("limit 2: %d records, %v", n, err)
	}
	if query != "follow=true&from=2024-01-01T00%3A00%3A00Z&limit=2" {
		t.Errorf("query %q", query)
	}
	stop := errors.New("stop")
	if err := c.Consume(context.Background(), "clicks", ConsumeParams{}, func(Record) error { return stop }); err != stop {
		t.Fatalf("fn's error: got %v", err)
	}
	var ce *Error
	if err := c.Consume(context.Background(), "nope", ConsumeParams{}, func(Record) error { return nil }); !errors.As(err, &ce) || ce.Code != 40401 {
		t.Fatalf("unknown topic: %v", err)
	}
}

func TestConsumeFollowStopsWithContext(t *testing.T) {
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"partition":0,"offset":0,"timestamp":1,"key":null,"value":"YQ==","headers":[]}`+"\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done() // a followed stream never ends by itself
	}, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	err := c.Consume(ctx, "t", ConsumeParams{Follow: true}, func(r Record) error {
		if string(r.Value) != "a" {
			t.Errorf("value %q", r.Value)
		}
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestGroupOffsets(t *testing.T) {
	c := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/groups/g1/offsets" || r.URL.Query().Get("topic") != "clicks" {
			t.Errorf("request %s", r.URL)
		}
		io.WriteString(w, `{"topic":"clicks","offsets":{"0":123,"2":55}}`)
	}, Options{})
	got, err := c.GroupOffsets(context.Background(), "g1", "clicks")
	if err != nil || !reflect.DeepEqual(got, map[int32]int64{0: 123, 2: 55}) {
		t.Fatalf("GroupOffsets = %v, %v", got, err)
	}
}
