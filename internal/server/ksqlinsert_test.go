package server

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/engine"
)

// insertFake inserts every row except those containing "bad".
func insertFake() *fakeEngine {
	return &fakeEngine{insert: func(target string, obj []byte) error {
		if strings.Contains(string(obj), "bad") {
			return &engine.StatementError{Code: engine.CodeBadStatement, Message: "Failed to insert values into 'S'. Value for N: \"bad\" is not an INTEGER", Kind: "statement"}
		}
		return nil
	}}
}

func TestKsqlInsertsStream(t *testing.T) {
	fake := insertFake()
	ts := newKsqlTestServer(t, fake, Config{})
	body := "{\"target\":\"S\",\"properties\":{\"x\":1}}\n{\"ID\":\"a\",\"N\":1}\n\n{\"ID\":\"b\",\"N\":2}\r\n{\"ID\":\"c\",\"N\":3}"
	w := ts.post("/inserts-stream", "application/json", body)
	expect(t, w, 200, `{"status":"ok","seq":0}`+"\n"+`{"status":"ok","seq":1}`+"\n"+`{"status":"ok","seq":2}`)
	if ct := w.Header().Get("Content-Type"); ct != mediaDelimited {
		t.Fatalf("Content-Type = %q", ct)
	}
	want := []string{`S {"ID":"a","N":1}`, `S {"ID":"b","N":2}`, `S {"ID":"c","N":3}`}
	if got := fake.insertedRows(); !reflect.DeepEqual(got, want) {
		t.Fatalf("inserted %q, want %q", got, want)
	}
}

func TestKsqlInsertsStreamErrors(t *testing.T) {
	for _, c := range []struct {
		name, accept, body, want string
		inserted                 int
	}{
		{"engine refuses a row", "", "{\"target\":\"S\"}\n{\"N\":1}\n{\"N\":\"bad\"}\n{\"N\":3}\n",
			`{"status":"ok","seq":0}` + "\n" + `{"status":"error","seq":1,"error_code":40001,"message":"Failed to insert values into 'S'. Value for N: \"bad\" is not an INTEGER"}`, 1},
		{"invalid JSON", "", "{\"target\":\"S\"}\n{\"N\":1\n{\"N\":3}\n",
			`{"status":"error","seq":0,"error_code":40000,"message":"Invalid JSON in inserts stream"}`, 0},
		{"not an object", "", "{\"target\":\"S\"}\n[1]\n",
			`{"status":"error","seq":0,"error_code":40000,"message":"Invalid JSON in inserts stream"}`, 0},
		{"json acks", "application/json", "{\"target\":\"S\"}\n{\"N\":1}\n{\"N\":2}\n{\"N\":\"bad\"}\n",
			`[{"status":"ok","seq":0},{"status":"ok","seq":1},{"status":"error","seq":2,"error_code":40001,"message":"Failed to insert values into 'S'. Value for N: \"bad\" is not an INTEGER"}]`, 2},
		{"no rows", "application/json", "{\"target\":\"S\"}\n", `[]`, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake := insertFake()
			ts := newKsqlTestServer(t, fake, Config{})
			expect(t, ts.post("/inserts-stream", "application/json", c.body, "Accept", c.accept), 200, c.want)
			if n := len(fake.insertedRows()); n != c.inserted {
				t.Fatalf("%d rows inserted, want %d", n, c.inserted)
			}
		})
	}
	ts := newKsqlTestServer(t, insertFake(), Config{})
	expectKsqlError(t, ts.post("/inserts-stream", "application/json", "{\"into\":\"S\"}\n{}\n"), 400, "generic_error", 40000, `{"target":"STREAM"}`)
	expectKsqlError(t, ts.post("/inserts-stream", "application/json", ""), 400, "generic_error", 40000, "no arguments line")
	ts.s.cfg.MaxRequestBytes = 20
	expect(t, ts.post("/inserts-stream", "application/json", "{\"target\":\"S\"}\n{\"N\":\"0123456789012345678\"}\n{\"N\":1}\n"), 200,
		`{"status":"error","seq":0,"error_code":40000,"message":"row 0 is longer than 20 bytes"}`)
}

// TestKsqlInsertsStreamInterleaved sends rows one at a time over a live
// connection and reads each ack before sending the next row: acks are
// written while the request body is still open, over HTTP/1.1 and over
// cleartext HTTP/2.
func TestKsqlInsertsStreamInterleaved(t *testing.T) {
	for _, h2c := range []bool{false, true} {
		t.Run(map[bool]string{false: "http1", true: "h2c"}[h2c], func(t *testing.T) { testInsertsInterleaved(t, h2c) })
	}
}

func testInsertsInterleaved(t *testing.T, h2c bool) {
	fake := insertFake()
	ts := newKsqlTestServer(t, fake, Config{})
	srv := httptest.NewUnstartedServer(ts.s)
	client := &http.Client{}
	if h2c {
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		srv.Config.Protocols = &p
		client.Transport = &http.Transport{Protocols: &p}
	}
	srv.Start()
	defer srv.Close()

	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/inserts-stream", pr)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := client.Do(req)
		done <- result{resp, err}
	}()
	if _, err := io.WriteString(pw, "{\"target\":\"S\"}\n{\"N\":0}\n"); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	defer res.resp.Body.Close()
	if want := map[bool]int{false: 1, true: 2}[h2c]; res.resp.ProtoMajor != want {
		t.Fatalf("answered over %s", res.resp.Proto)
	}
	br := bufio.NewReader(res.resp.Body)
	for i := range 3 {
		line, err := br.ReadString('\n')
		if want := `{"status":"ok","seq":` + string(rune('0'+i)) + "}\n"; err != nil || line != want {
			t.Fatalf("ack %d: %q %v, want %q", i, line, err, want)
		}
		if i < 2 {
			if _, err := io.WriteString(pw, `{"N":`+string(rune('1'+i))+"}\n"); err != nil {
				t.Fatal(err)
			}
		}
	}
	pw.Close()
	if rest := readAll(t, br); rest != "" {
		t.Fatalf("after the last row: %q", rest)
	}
	if n := len(fake.insertedRows()); n != 3 {
		t.Fatalf("%d rows inserted, want 3", n)
	}
}
