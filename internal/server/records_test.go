package server

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// line is the stream's line for a record without headers.
func line(p int32, off int64, ts int64, key, value string) string {
	k := "null"
	if key != "" {
		k = `"` + b64(key) + `"`
	}
	return fmt.Sprintf(`{"partition":%d,"offset":%d,"timestamp":%d,"key":%s,"value":"%s","headers":[]}`, p, off, ts, k, b64(value))
}

func streamLines(t *testing.T, w *httptest.ResponseRecorder) []string {
	t.Helper()
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("stream answered %d %q: %s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	body := w.Body.String()
	if body == "" {
		return nil
	}
	if !strings.HasSuffix(body, "\n") {
		t.Fatalf("stream does not end with a newline: %q", body)
	}
	return strings.Split(strings.TrimSuffix(body, "\n"), "\n")
}

func expectLines(t *testing.T, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("stream\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// twoPartitions holds a, b, c in partition 0 and d, e in partition 1.
func twoPartitions(t *testing.T) (*testServer, int64) {
	ts := newTestServer(t, Config{})
	ts.createTopic("t", 2)
	w := ts.post("/topics/t", binaryV2, fmt.Sprintf(`{"records":[{"key":"%s","value":"%s","partition":0},{"value":"%s","partition":0},{"value":"%s","partition":0},{"value":"%s","partition":1},{"value":"%s","partition":1}]}`,
		b64("k1"), b64("a"), b64("b"), b64("c"), b64("d"), b64("e")))
	if w.Code != 200 {
		t.Fatal(w.Body)
	}
	return ts, start.UnixMilli()
}

func TestRecordsStream(t *testing.T) {
	ts, ms := twoPartitions(t)
	a, b, c := line(0, 0, ms, "k1", "a"), line(0, 1, ms, "", "b"), line(0, 2, ms, "", "c")
	d, e := line(1, 0, ms, "", "d"), line(1, 1, ms, "", "e")

	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?partition=0", "")), a, b, c)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?partition=1&offset=beginning", "")), d, e)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?partition=0&offset=1", "")), b, c)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?partition=0&offset=end", "")))
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?partition=0&limit=2", "")), a, b)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?limit=0", "")))

	// All partitions, merged: every record once, each partition in order.
	all := streamLines(t, ts.do("GET", "/topics/t/records", ""))
	var p0, p1 []string
	for _, l := range all {
		if strings.HasPrefix(l, `{"partition":0,`) {
			p0 = append(p0, l)
		} else {
			p1 = append(p1, l)
		}
	}
	expectLines(t, p0, a, b, c)
	expectLines(t, p1, d, e)
	if got := streamLines(t, ts.do("GET", "/topics/t/records?limit=4", "")); len(got) != 4 {
		t.Fatalf("limit=4 over two partitions gave %d lines", len(got))
	}

	// Headers and null values, appended straight to the log.
	_, err := ts.log.Append(t.Context(), "t", 1, []log.Record{{Value: nil, Timestamp: 7, Headers: []log.Header{{Key: "h\"1", Value: []byte("v")}, {Key: "h2"}}}})
	if err != nil {
		t.Fatal(err)
	}
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?partition=1&offset=2", "")),
		`{"partition":1,"offset":2,"timestamp":7,"key":null,"value":null,"headers":[{"key":"h\"1","value":"dg=="},{"key":"h2","value":null}]}`)
}

func TestRecordsStreamRejects(t *testing.T) {
	ts, _ := twoPartitions(t)
	cases := []struct {
		query        string
		status, code int
		msg          string
	}{
		{"partition=2", 404, 40403, `topic "t" has 2 partitions, not 2`},
		{"partition=x", 400, 40002, "partition="},
		{"offset=99&partition=0", 400, 40002, "offset 99 of t/0 is not in [0, 3]"},
		{"offset=soon", 400, 40002, "use a number, beginning or end"},
		{"from=yesterday", 400, 40002, "RFC 3339"},
		{"offset=1&from=5", 400, 40002, "not both"},
		{"limit=-1", 400, 40002, "limit="},
		{"follow=maybe", 400, 40002, "follow="},
		{"group=g&reset=never", 400, 40002, "earliest or latest"},
	}
	for _, tc := range cases {
		expectError(t, ts.do("GET", "/topics/t/records?"+tc.query, ""), tc.status, tc.code, tc.msg)
	}
	expectError(t, ts.do("GET", "/topics/none/records", ""), 404, 40401, "none")
}

func TestRecordsFromTime(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("t", 1)
	ts.post("/topics/t", ndjson, "1\n2\n")
	ts.clock.Advance(time.Minute)
	ts.post("/topics/t", ndjson, "3\n")
	later := start.Add(time.Minute).UnixMilli()
	want := line(0, 2, later, "", "3")
	expectLines(t, streamLines(t, ts.do("GET", fmt.Sprintf("/topics/t/records?from=%d", start.UnixMilli()+1), "")), want)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?from=2024-05-01T12:00:30Z", "")), want)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?from=2024-05-01T14:00:30%2B02:00", "")), want)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?from=2024-05-01T14:00:30+02:00", "")), want) // '+' read as a space
	if got := streamLines(t, ts.do("GET", "/topics/t/records?from=0", "")); len(got) != 3 {
		t.Fatalf("from=0 gave %d records", len(got))
	}
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?from=2030-01-01T00:00:00Z", "")))
}

func TestRecordsGroup(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("t", 1)
	ts.post("/topics/t", ndjson, "1\n2\n3\n4\n5\n")
	ms := start.UnixMilli()
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?group=g&limit=2", "")), line(0, 0, ms, "", "1"), line(0, 1, ms, "", "2"))
	expect(t, ts.do("GET", "/groups/g/offsets?topic=t", ""), 200, `{"topic":"t","offsets":{"0":2}}`)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?group=g", "")), line(0, 2, ms, "", "3"), line(0, 3, ms, "", "4"), line(0, 4, ms, "", "5"))
	expect(t, ts.do("GET", "/groups/g/offsets?topic=t", ""), 200, `{"topic":"t","offsets":{"0":5}}`)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?group=g", "")))

	// A new group starts at reset; an explicit offset overrides the
	// committed one and the group follows on from there.
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?group=new&reset=latest", "")))
	expect(t, ts.do("GET", "/groups/new/offsets?topic=t", ""), 200, `{"topic":"t","offsets":{}}`)
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records?group=g&offset=3&limit=1", "")), line(0, 3, ms, "", "4"))
	expect(t, ts.do("GET", "/groups/g/offsets?topic=t", ""), 200, `{"topic":"t","offsets":{"0":4}}`)
}

// growingLog appends more records as soon as a reader opens, to show
// that a stream without follow ends at the end offsets taken at start.
type growingLog struct {
	log.Log
}

func (l growingLog) OpenReader(ctx context.Context, topic string, p int32, off int64) (log.Reader, error) {
	rd, err := l.Log.OpenReader(ctx, topic, p, off)
	if err == nil && topic == "t" {
		_, err = l.Log.Append(ctx, topic, p, []log.Record{{Value: []byte("late")}, {Value: []byte("later")}})
	}
	return rd, err
}

func TestRecordsStopAtEndTakenAtStart(t *testing.T) {
	ts := newTestServerOver(t, growingLog{memlog.New()}, Config{})
	ts.createTopic("t", 1)
	ts.post("/topics/t", ndjson, "1\n2\n")
	ms := start.UnixMilli()
	expectLines(t, streamLines(t, ts.do("GET", "/topics/t/records", "")), line(0, 0, ms, "", "1"), line(0, 1, ms, "", "2"))
	if got := ts.endOffsets("t"); got[0] != 4 {
		t.Fatalf("the log did not grow during the stream: end %d", got[0])
	}
}

func TestRecordsFollow(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("t", 2)
	ts.post("/topics/t", jsonV2, `{"records":[{"value":1,"partition":0}]}`)
	srv := httptest.NewServer(ts.s.Handler())
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/topics/t/records?follow=true&group=f", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := bufio.NewScanner(resp.Body)
	next := func() string {
		t.Helper()
		if !lines.Scan() {
			t.Fatalf("stream ended: %v", lines.Err())
		}
		return lines.Text()
	}
	ms := start.UnixMilli()
	if got, want := next(), line(0, 0, ms, "", "1"); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// Records appended later, to any partition, arrive on the open stream.
	ts.post("/topics/t", jsonV2, `{"records":[{"value":2,"partition":1}]}`)
	if got, want := next(), line(1, 0, ms, "", "2"); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	ts.post("/topics/t", jsonV2, `{"records":[{"value":3,"partition":0}]}`)
	if got, want := next(), line(0, 1, ms, "", "3"); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	// Close returns once the handler has ended, which the cancel causes;
	// a batch's commit completes even when its client has just gone.
	cancel()
	srv.Close()
	expect(t, ts.do("GET", "/groups/f/offsets?topic=t", ""), 200, `{"topic":"t","offsets":{"0":2,"1":1}}`)
}
