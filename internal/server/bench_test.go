package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/log/memlog"
)

// eventBatch is n JSON lines of about 260 bytes, like page-view events.
func eventBatch(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		fmt.Fprintf(&b, `{"event_id":"8f14e45f-ceea-467f-a0e6-%012d","ts":%d,"user_id":"u_%07d",`+
			`"session_id":"s_%08x","type":"page_view","url":"https://shop.example.com/products/%d?ref=home",`+
			`"country":"DE","device":"mobile","price":19.99,"qty":2,"tags":["new","sale"],"consent":true}`+"\n",
			i, 1700000000000+int64(i), i%50000, i*7919, i%5000)
	}
	return b.Bytes()
}

// discardLog keeps nothing, to measure the server without the cost of
// an in-memory log that holds every record.
type discardLog struct{ log.Log }

func (discardLog) Append(_ context.Context, _ string, _ int32, recs []log.Record) (int64, error) {
	return 0, nil
}

// BenchmarkIngestNDJSON posts batches of 1000 events of about 260 bytes
// over loopback HTTP from several connections, as a collector would.
func BenchmarkIngestNDJSON(b *testing.B) {
	for _, bc := range []struct {
		name       string
		partitions int32
		query      string
		log        string
	}{
		{"memlog", 1, "", "memlog"},
		{"memlog/keyed-4-partitions", 4, "?key=user_id", "memlog"},
		{"discard", 1, "", "discard"},
		{"embedded/fsync-interval", 1, "", "embedded"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cfg := engine.Config{Log: memlog.New()}
			switch bc.log {
			case "discard":
				cfg.Log = discardLog{cfg.Log}
			case "embedded":
				cfg = engine.Config{DataDir: b.TempDir(), Fsync: "interval"}
			}
			eng, err := engine.Open(context.Background(), cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Close()
			if err := eng.Log().CreateTopic(context.Background(), "events", log.TopicConfig{Partitions: bc.partitions}); err != nil {
				b.Fatal(err)
			}
			s, err := New(eng, Config{})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			defer client.CloseIdleConnections()
			body := eventBatch(1000)
			url := srv.URL + "/topics/events" + bc.query
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.SetParallelism(2)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
					req.Header.Set("Content-Type", ndjson)
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkParseNDJSON is the server's per-request work without HTTP and
// without the log: validation, key extraction and building records.
func BenchmarkParseNDJSON(b *testing.B) {
	body := eventBatch(1000)
	bt := &batch{}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		bt.body = body
		if err := bt.parseNDJSON("user_id", 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "events/s")
}
