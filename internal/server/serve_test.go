package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "sluice test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	ts := newTestServer(t, Config{TLSCertFile: certFile, TLSKeyFile: keyFile, Ingest: Credentials{Tokens: []string{"tok"}}})
	ts.createTopic("t", 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- ts.s.Serve(ctx, ln) }()

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	base := "https://" + ln.Addr().String()
	resp, err := client.Get(base + "/healthcheck")
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp.Body); resp.StatusCode != 200 || resp.TLS == nil || !strings.Contains(body, `"isHealthy":true`) {
		t.Fatalf("healthcheck over TLS: %d %s", resp.StatusCode, body)
	}
	resp.Body.Close()
	req, _ := http.NewRequest("POST", base+"/topics/t", strings.NewReader("{\"a\":1}\n"))
	req.Header.Set("Content-Type", ndjson)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp.Body); resp.StatusCode != 200 {
		t.Fatalf("ingest over TLS: %d %s", resp.StatusCode, body)
	}
	resp.Body.Close()

	// Plain HTTP to the TLS port is not served.
	if resp, err := http.Get("http://" + ln.Addr().String() + "/healthcheck"); err == nil {
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered on the TLS listener")
		}
		resp.Body.Close()
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestNewRejectsBadTLS(t *testing.T) {
	l := newTestServer(t, Config{})
	if _, err := newServer(l.log, nil, nil, nil, Config{TLSCertFile: "x.pem"}); err == nil || !strings.Contains(err.Error(), "both a certificate and a key") {
		t.Fatalf("cert without key: %v", err)
	}
	_, err := newServer(l.log, nil, nil, nil, Config{TLSCertFile: "/nonexistent/c.pem", TLSKeyFile: "/nonexistent/k.pem"})
	if err == nil || !strings.Contains(err.Error(), "cannot load the TLS certificate") {
		t.Fatalf("missing files: %v", err)
	}
}

// notifyListener says when it is closed, which Shutdown does first.
type notifyListener struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func (l *notifyListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

func TestServeGracefulShutdown(t *testing.T) {
	ts := newTestServer(t, Config{})
	ts.createTopic("t", 1)
	acquired := make(chan int64, 1)
	ts.s.afterAcquire = func(n int64) { acquired <- n }
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &notifyListener{Listener: inner, closed: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- ts.s.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	// A following stream, which would never end by itself.
	stream, err := http.Get(base + "/topics/t/records?follow=true")
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("stream: %v", err)
	}
	// An ingest request whose body is still on its way.
	body := "{\"n\":1}\n{\"n\":2}\n"
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", base+"/topics/t", pr)
	req.ContentLength = int64(len(body))
	req.Header.Set("Content-Type", ndjson)
	ingested := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
		}
		ingested <- resp
	}()
	<-acquired

	cancel()
	<-ln.closed // shutdown has begun: no new connections
	if rest := readAll(t, stream.Body); rest != "" {
		t.Fatalf("stream sent %q", rest)
	}
	stream.Body.Close()
	io.WriteString(pw, body)
	pw.Close()
	resp := <-ingested
	if got := readAll(t, resp.Body); resp.StatusCode != 200 || !strings.HasPrefix(got, `{"count":2,`) {
		t.Fatalf("in-flight ingest during shutdown: %d %s", resp.StatusCode, got)
	}
	resp.Body.Close()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if got := ts.endOffsets("t"); got[0] != 2 {
		t.Fatalf("end offset %d, want 2", got[0])
	}
	if _, err := http.Get(base + "/healthcheck"); err == nil {
		t.Fatal("the server still answers after Serve returned")
	}
}
