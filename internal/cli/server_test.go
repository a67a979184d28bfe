package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// serverRun is `sluice server` running through Main.
type serverRun struct {
	addr   string
	cancel context.CancelFunc
	code   chan int
	mu     sync.Mutex
	stderr strings.Builder
	eof    chan struct{}
}

var listeningAddr = regexp.MustCompile(`msg="sluice server listening" addr=(\S+)`)

// startServerCLI runs `sluice server args...` with the environment env and
// returns once it has said where it listens.
func startServerCLI(t *testing.T, env map[string]string, args ...string) *serverRun {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	r := &serverRun{cancel: cancel, code: make(chan int, 1), eof: make(chan struct{})}
	cio := IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: pw, Getenv: func(k string) string { return env[k] }}
	go func() {
		r.code <- Main(ctx, append([]string{"server"}, args...), cio)
		pw.Close()
	}()
	found := make(chan string, 1)
	go func() {
		defer close(r.eof)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.mu.Lock()
			r.stderr.WriteString(sc.Text() + "\n")
			r.mu.Unlock()
			if m := listeningAddr.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case r.addr = <-found:
	case <-r.eof:
		cancel()
		t.Fatalf("sluice server exited with %d before listening:\n%s", <-r.code, r.output())
	}
	t.Cleanup(func() { cancel() })
	return r
}

func (r *serverRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stderr.String()
}

// stop interrupts the server and returns its exit code and stderr.
func (r *serverRun) stop() (int, string) {
	r.cancel()
	code := <-r.code
	<-r.eof
	return code, r.output()
}

func httpDo(t *testing.T, method, url, token, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestServerCommand(t *testing.T) {
	dir := t.TempDir()
	r := startServerCLI(t, map[string]string{"SLUICE_ADMIN_TOKENS": "adm1n", "SLUICE_DATA_DIR": dir},
		"--listen", "127.0.0.1:0", "--fsync", "always")
	base := "http://" + r.addr
	if code, body := httpDo(t, "GET", base+"/healthcheck", "", "", ""); code != 200 || !strings.Contains(body, `"isHealthy":true`) {
		t.Fatalf("healthcheck: %d %s", code, body)
	}
	if code, _ := httpDo(t, "PUT", base+"/topics/events", "", "", `{"partitions":2}`); code != 401 {
		t.Fatalf("admin without the token from SLUICE_ADMIN_TOKENS: %d", code)
	}
	if code, body := httpDo(t, "PUT", base+"/topics/events", "adm1n", "", `{"partitions":2}`); code != 201 {
		t.Fatalf("create topic: %d %s", code, body)
	}
	if code, body := httpDo(t, "POST", base+"/topics/events", "", "application/x-ndjson", "{\"a\":1}\n{\"a\":2}\n"); code != 200 || !strings.Contains(body, `"count":2`) {
		t.Fatalf("ingest: %d %s", code, body)
	}
	code, out := r.stop()
	if code != 0 {
		t.Fatalf("exit %d after interrupt:\n%s", code, out)
	}
	for _, want := range []string{"mode=embedded", "data_dir=" + dir, "fsync=always", `msg="sluice server stopped"`} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "WARNING") {
		t.Errorf("warning on a loopback address:\n%s", out)
	}

	// The records are in the data directory: a new server reads them.
	r = startServerCLI(t, nil, "--listen", "127.0.0.1:0", "--data-dir", dir)
	if code, body := httpDo(t, "GET", "http://"+r.addr+"/topics/events", "", "", ""); code != 200 || !strings.Contains(body, `"end_offset":2`) {
		t.Fatalf("after restart: %d %s", code, body)
	}
	if code, out := r.stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestServerCommandWarnsWhenReachableWithoutCredentials(t *testing.T) {
	r := startServerCLI(t, nil, "--listen", "0.0.0.0:0", "--data-dir", t.TempDir(), "--ingest-tokens", "i")
	port := r.addr[strings.LastIndexByte(r.addr, ':'):]
	if code, _ := httpDo(t, "GET", "http://127.0.0.1"+port+"/healthcheck", "", "", ""); code != 200 {
		t.Fatalf("healthcheck: %d", code)
	}
	_, out := r.stop()
	if !strings.HasPrefix(out, "WARNING ") || !strings.Contains(out, "need NO credentials: admin.") ||
		!strings.Contains(out, "read every record, create and delete topics (admin)") {
		t.Fatalf("no warning banner for an open admin role on 0.0.0.0:\n%s", out)
	}
	banner := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "WARNING ") {
			banner++
		}
	}
	if banner < 5 {
		t.Fatalf("the warning is %d lines, want a banner:\n%s", banner, out)
	}

	r = startServerCLI(t, map[string]string{"SLUICE_INGEST_TOKENS": "i", "SLUICE_ADMIN_USERS": "root:pw"}, "--listen", "0.0.0.0:0", "--data-dir", t.TempDir())
	if _, out := r.stop(); strings.Contains(out, "WARNING") {
		t.Fatalf("warning although both roles have credentials:\n%s", out)
	}
}

func TestServerCommandUsageErrors(t *testing.T) {
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--nope"}, "flag provided but not defined: -nope"},
		{nil, []string{"--log", "bogus"}, `--log "bogus": use embedded or kafka`},
		{map[string]string{"SLUICE_LOG": "kafka"}, nil, "--log kafka needs --brokers"},
		{nil, []string{"--brokers", "k:9092"}, "add --log kafka"},
		{nil, []string{"--fsync", "sometimes"}, "always, interval or never"},
		{nil, []string{"--ingest-users", "alice"}, "--ingest-users: write each user as user:password"},
		{nil, []string{"--trusted-proxies", "10.0.0.0/8,proxy.local"}, `"proxy.local" is neither a CIDR nor an IP`},
		{nil, []string{"--max-request-bytes", "lots"}, "KiB, MiB or GiB"},
		{map[string]string{"SLUICE_MAX_INFLIGHT_BYTES": "-1"}, nil, "SLUICE_MAX_INFLIGHT_BYTES"},
		{nil, []string{"--tls-cert", "c.pem"}, "--tls-cert and --tls-key go together"},
		{nil, []string{"--auto-create-partitions", "0"}, "at least 1"},
		{nil, []string{"--log-level", "loud"}, "debug, info, warn or error"},
		{nil, []string{"extra"}, "takes no arguments"},
	}
	for _, tc := range cases {
		var errb strings.Builder
		cio := IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &errb, Getenv: func(k string) string { return tc.env[k] }}
		if code := Main(context.Background(), append([]string{"server"}, tc.args...), cio); code != 2 {
			t.Errorf("server %v (env %v): exit %d, want 2\n%s", tc.args, tc.env, code, errb.String())
			continue
		}
		if !strings.Contains(errb.String(), tc.want) {
			t.Errorf("server %v (env %v): stderr lacks %q:\n%s", tc.args, tc.env, tc.want, errb.String())
		}
	}
}

func TestServerFlagsFill(t *testing.T) {
	cio := IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
		return map[string]string{"SLUICE_ADMIN_TOKENS": "a1, a2", "SLUICE_LISTEN": "0.0.0.0:9000"}[k]
	}}
	o, err := parseServerFlags(cio, []string{
		"--listen", "127.0.0.1:9999", "--ingest-users", "col:pw:with:colons,other:x", "--trusted-proxies", "10.0.0.0/8, 192.168.1.7,::1",
		"--max-request-bytes", "4MiB", "--max-inflight-bytes", "1GiB", "--auto-create-topics", "--auto-create-partitions", "6",
		"--public-pixel", "--log", "kafka", "--brokers", "a:9092, b:9092",
	})
	if err != nil {
		t.Fatal(err)
	}
	c := o.server
	if o.listen != "127.0.0.1:9999" || len(c.Admin.Tokens) != 2 || c.Admin.Tokens[1] != "a2" || c.Ingest.Users["col"] != "pw:with:colons" || c.Ingest.Users["other"] != "x" {
		t.Errorf("listen/credentials: %q %+v %+v", o.listen, c.Admin, c.Ingest)
	}
	if len(c.TrustedProxies) != 3 || c.TrustedProxies[1].String() != "192.168.1.7/32" || c.TrustedProxies[2].String() != "::1/128" {
		t.Errorf("trusted proxies %v", c.TrustedProxies)
	}
	if c.MaxRequestBytes != 4<<20 || c.MaxInflightBytes != 1<<30 || !c.AutoCreateTopics || c.AutoCreatePartitions != 6 || !c.PublicPixel || c.PublicMetrics {
		t.Errorf("limits and switches: %+v", c)
	}
	if o.logMode != "kafka" || len(o.brokers) != 2 || o.brokers[1] != "b:9092" {
		t.Errorf("log %q brokers %q", o.logMode, o.brokers)
	}
	d := defaultServerOptions()
	if d.dataDir != "./sluice-data" || d.listen != "127.0.0.1:8080" || d.fsync != "interval" || d.server.MaxRequestBytes != 32<<20 || d.server.MaxInflightBytes != 256<<20 {
		t.Errorf("defaults %+v", d)
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "32MiB": 32 << 20, "1gib": 1 << 30, "5 KB": 5000, "7B": 7, "2MB": 2e6} {
		var b byteSize
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, b, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "1.5MiB", "-3", "9999999999GiB"} {
		var b byteSize
		if err := b.Set(bad); err == nil {
			t.Errorf("Set(%q) = %d, want an error", bad, b)
		}
	}
	for n, want := range map[int64]string{32 << 20: "32MiB", 256 << 20: "256MiB", 1 << 30: "1GiB", 1536: "1536", 4096: "4KiB", 3 << 30: "3GiB"} {
		b := byteSize(n)
		if got := b.String(); got != want {
			t.Errorf("String(%d) = %q, want %q", n, got, want)
		}
	}
}
