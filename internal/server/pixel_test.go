package server

import (
	"bytes"
	"image/gif"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestPixel(t *testing.T) {
	ts := newTestServer(t, Config{Ingest: Credentials{Tokens: []string{"px-secret"}}})
	ts.createTopic("hits", 1)
	ts.clock.Advance(2*time.Second + 5*time.Millisecond)
	w := ts.do("GET", "/px/hits?page=%2Fhome&ref=a&ref=b&token=px-secret&ip=6.6.6.6&q=%22quoted%22%0A&empty=", "",
		"User-Agent", `Mozilla/5.0 "test"`)
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	h := w.Header()
	if h.Get("Content-Type") != "image/gif" || h.Get("Cache-Control") != "no-store" || h.Get("Content-Length") != "43" {
		t.Fatalf("headers %v", h)
	}
	if w.Body.Len() != 43 {
		t.Fatalf("pixel is %d bytes, want 43", w.Body.Len())
	}
	img, err := gif.Decode(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatalf("not a GIF: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1 || b.Dy() != 1 {
		t.Fatalf("pixel is %v", b)
	}
	if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
		t.Fatalf("pixel is not transparent: alpha %d", a)
	}
	recs := ts.records("hits", 0)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	want := `{"empty":"","page":"/home","q":"\"quoted\"\n","ref":"b","received_at":"2024-05-01T12:00:02.128Z","ip":"192.0.2.1","user_agent":"Mozilla/5.0 \"test\""}`
	if got := string(recs[0].Value); got != want {
		t.Fatalf("pixel record\n got %s\nwant %s", got, want)
	}
	if recs[0].Key != nil || recs[0].Timestamp != start.Add(2005*time.Millisecond).UnixMilli() {
		t.Fatalf("pixel record key %q timestamp %d", recs[0].Key, recs[0].Timestamp)
	}
}

func TestClientIP(t *testing.T) {
	s := &Server{cfg: Config{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("fd00::/8"),
	}}}
	cases := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"untrusted peer, no header", "203.0.113.9:5555", nil, "203.0.113.9"},
		{"untrusted peer cannot forge", "203.0.113.9:5555", []string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted peer, one hop", "10.0.0.1:80", []string{"198.51.100.7"}, "198.51.100.7"},
		{"trusted chain", "10.0.0.1:80", []string{"1.1.1.1, 198.51.100.7, 10.2.3.4"}, "198.51.100.7"},
		{"several headers", "10.0.0.1:80", []string{"1.1.1.1", "198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"all trusted", "10.0.0.1:80", []string{"10.0.0.7, 10.0.0.8"}, "10.0.0.7"},
		{"garbage stops the walk", "10.0.0.1:80", []string{"1.1.1.1, not-an-ip, 10.0.0.5"}, "10.0.0.5"},
		{"hop with a port", "10.0.0.1:80", []string{"198.51.100.7:4711"}, "198.51.100.7"},
		{"trusted peer, no header", "10.0.0.1:80", nil, "10.0.0.1"},
		{"IPv6 peer", "[2001:db8::1]:443", nil, "2001:db8::1"},
		{"IPv6 trusted proxy", "[fd00::1]:443", []string{"2001:db8::2"}, "2001:db8::2"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.1]:80", []string{"198.51.100.7"}, "198.51.100.7"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest("GET", "/px/t", nil)
		r.RemoteAddr = tc.remote
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("%s: clientIP = %s, want %s", tc.name, got, tc.want)
		}
	}
}
