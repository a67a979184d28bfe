package server

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestAuth(t *testing.T) {
	ts := newTestServer(t, Config{
		Ingest: Credentials{Tokens: []string{"ingest-token"}, Users: map[string]string{"collector": "pw1"}},
		Admin:  Credentials{Tokens: []string{"admin-token"}, Users: map[string]string{"root": "pw2"}},
	})
	ts.createTopic("t", 1)
	const (
		ok           = 0
		unauthorized = 401
		forbidden    = 403
	)
	cases := []struct {
		name, method, target, auth string
		want                       int
	}{
		{"ingest without credentials", "POST", "/topics/t", "", unauthorized},
		{"ingest with a wrong token", "POST", "/topics/t", "Bearer nope", unauthorized},
		{"ingest with a token prefix", "POST", "/topics/t", "Bearer ingest-toke", unauthorized},
		{"ingest with an empty bearer", "POST", "/topics/t", "Bearer ", unauthorized},
		{"ingest with the ingest token", "POST", "/topics/t", "Bearer ingest-token", ok},
		{"ingest with a lower-case scheme", "POST", "/topics/t", "bearer ingest-token", ok},
		{"ingest with the admin token", "POST", "/topics/t", "Bearer admin-token", ok},
		{"ingest with an ingest user", "POST", "/topics/t", basic("collector", "pw1"), ok},
		{"ingest with an admin user", "POST", "/topics/t", basic("root", "pw2"), ok},
		{"ingest with a wrong password", "POST", "/topics/t", basic("collector", "pw2"), unauthorized},
		{"ingest with a password as token", "POST", "/topics/t", "Bearer pw1", unauthorized},
		{"ingest with a token as password", "POST", "/topics/t", basic("collector", "ingest-token"), unauthorized},
		{"garbage authorization", "POST", "/topics/t", "Digest abc", unauthorized},
		{"admin without credentials", "GET", "/topics", "", unauthorized},
		{"admin with the ingest token", "GET", "/topics", "Bearer ingest-token", forbidden},
		{"admin with an ingest user", "GET", "/topics/t", basic("collector", "pw1"), forbidden},
		{"admin with a wrong token", "DELETE", "/topics/t", "Bearer nope", unauthorized},
		{"admin with the admin token", "GET", "/topics", "Bearer admin-token", ok},
		{"admin with an admin user", "GET", "/topics/t", basic("root", "pw2"), ok},
		{"records with the ingest token", "GET", "/topics/t/records", "Bearer ingest-token", forbidden},
		{"group offsets without credentials", "GET", "/groups/g/offsets?topic=t", "", unauthorized},
		{"metrics without credentials", "GET", "/metrics", "", unauthorized},
		{"metrics with the ingest token", "GET", "/metrics", "Bearer ingest-token", forbidden},
		{"metrics with the admin token", "GET", "/metrics", "Bearer admin-token", ok},
		{"healthcheck without credentials", "GET", "/healthcheck", "", ok},
		{"pixel without credentials", "GET", "/px/t?a=1", "", unauthorized},
		{"pixel with a token parameter", "GET", "/px/t?a=1&token=ingest-token", "", ok},
		{"pixel with the admin token parameter", "GET", "/px/t?token=admin-token", "", ok},
		{"pixel with a wrong token parameter", "GET", "/px/t?token=nope", "", unauthorized},
		{"pixel with a header", "GET", "/px/t", "Bearer ingest-token", ok},
		{"token parameter elsewhere", "POST", "/topics/t?token=ingest-token", "", unauthorized},
	}
	for _, tc := range cases {
		var headers []string
		if tc.auth != "" {
			headers = []string{"Authorization", tc.auth}
		}
		var w *httptest.ResponseRecorder
		if tc.method == "POST" {
			w = ts.post(tc.target, ndjson, "1\n", headers...)
		} else {
			w = ts.do(tc.method, tc.target, "", headers...)
		}
		switch tc.want {
		case ok:
			if w.Code >= 400 {
				t.Errorf("%s: got %d %s, want success", tc.name, w.Code, w.Body)
			}
		case unauthorized:
			if w.Code != 401 || !strings.HasPrefix(w.Body.String(), `{"error_code":40101,`) {
				t.Errorf("%s: got %d %s, want 401 40101", tc.name, w.Code, w.Body)
			}
			if got := strings.Join(w.Header().Values("WWW-Authenticate"), "; "); !strings.Contains(got, "Bearer realm=") || !strings.Contains(got, "Basic realm=") {
				t.Errorf("%s: WWW-Authenticate %q, want Bearer and Basic challenges", tc.name, got)
			}
		case forbidden:
			if w.Code != 403 || !strings.HasPrefix(w.Body.String(), `{"error_code":40301,`) {
				t.Errorf("%s: got %d %s, want 403 40301", tc.name, w.Code, w.Body)
			}
		}
	}
	if !strings.Contains(ts.metricsText(), `sluice_ingest_rejected_total{reason="unauthorized"} 11`) {
		t.Errorf("unauthorized ingest not counted:\n%s", ts.metricsText())
	}
}

func TestAuthPublicSettings(t *testing.T) {
	ts := newTestServer(t, Config{
		Ingest:        Credentials{Tokens: []string{"i"}},
		Admin:         Credentials{Tokens: []string{"a"}},
		PublicPixel:   true,
		PublicMetrics: true,
	})
	ts.createTopic("t", 1)
	if w := ts.do("GET", "/px/t?x=1", ""); w.Code != 200 {
		t.Errorf("public pixel: %d %s", w.Code, w.Body)
	}
	if w := ts.do("GET", "/metrics", ""); w.Code != 200 {
		t.Errorf("public metrics: %d %s", w.Code, w.Body)
	}
	if w := ts.post("/topics/t", ndjson, "1\n"); w.Code != 401 {
		t.Errorf("ingest still needs credentials: got %d", w.Code)
	}
}

func TestAuthOpenRoles(t *testing.T) {
	// Only admin is protected: ingest is open to anyone.
	ts := newTestServer(t, Config{Admin: Credentials{Tokens: []string{"a"}}})
	ts.createTopic("t", 1)
	if w := ts.post("/topics/t", ndjson, "1\n"); w.Code != 200 {
		t.Errorf("open ingest: %d %s", w.Code, w.Body)
	}
	if w := ts.do("GET", "/topics", ""); w.Code != 401 {
		t.Errorf("protected admin: got %d", w.Code)
	}
	// Nothing configured: everything is open.
	ts = newTestServer(t, Config{})
	if w := ts.do("GET", "/topics", ""); w.Code != 200 {
		t.Errorf("open admin: %d %s", w.Code, w.Body)
	}
}
