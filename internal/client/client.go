package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/clock"
)

// Options configure a Client.
type Options struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:8080.
	URL string
	// Token is sent as a bearer token; when empty and User is set, User
	// and Password are sent as HTTP basic credentials.
	Token          string
	User, Password string
	// InsecureSkipVerify accepts any TLS certificate (a self-signed
	// server's, say). Ignored when HTTPClient is set.
	InsecureSkipVerify bool
	// HTTPClient sends the requests; nil means one made for these options.
	HTTPClient *http.Client
	// Retries is how many times a produce call is repeated after the
	// server answers 429 or 503, waiting the Retry-After it gives. Writes
	// are all or nothing, so a retry never duplicates records.
	Retries int
	// Clock times the waits between retries; nil means the wall clock.
	Clock clock.Clock
}

// Client calls one server. It is safe for concurrent use.
type Client struct {
	base  *url.URL
	opts  Options
	hc    *http.Client
	clock clock.Clock
}

// ErrUnreachable matches (errors.Is) the error of a call that could not
// connect to the server at all.
var ErrUnreachable = errors.New("client: cannot reach the server")

// Error is the server's answer to a failed call.
type Error struct {
	Status     int    // HTTP status
	Code       int    // the server's error_code: Status*100 plus a detail digit
	Message    string // the server's message, which says what to do
	RetryAfter time.Duration
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%d)", e.Message, e.Status) }

// New checks the options and returns a client.
func New(o Options) (*Client, error) {
	if o.URL == "" {
		return nil, errors.New("client: no server URL (for example http://127.0.0.1:8080)")
	}
	raw := o.URL
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("client: server URL %q: %w", o.URL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: server URL %q: want http://HOST:PORT or https://HOST:PORT", o.URL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	c := &Client{base: u, opts: o, hc: o.HTTPClient, clock: o.Clock}
	if c.hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if o.InsecureSkipVerify {
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		}
		c.hc = &http.Client{Transport: t}
	}
	if c.clock == nil {
		c.clock = clock.Real{}
	}
	return c, nil
}

// URL is the server's base URL.
func (c *Client) URL() string { return c.base.String() }

// Topic is a topic as the server describes it.
type Topic struct {
	Name       string            `json:"name"`
	Configs    map[string]string `json:"configs"`
	Partitions []Partition       `json:"partitions"`
}

// Partition is one partition of a topic.
type Partition struct {
	Partition   int32     `json:"partition"`
	Leader      int32     `json:"leader"`
	Replicas    []Replica `json:"replicas"`
	StartOffset int64     `json:"start_offset"`
	EndOffset   int64     `json:"end_offset"`
	SizeBytes   int64     `json:"size_bytes"`
}

// Replica is one copy of a partition.
type Replica struct {
	Broker int32 `json:"broker"`
	Leader bool  `json:"leader"`
	InSync bool  `json:"in_sync"`
}

// Records is how many records the topic holds (end minus start offsets).
func (t Topic) Records() int64 {
	var n int64
	for _, p := range t.Partitions {
		n += p.EndOffset - p.StartOffset
	}
	return n
}

// SizeBytes is the bytes the topic's partitions hold.
func (t Topic) SizeBytes() int64 {
	var n int64
	for _, p := range t.Partitions {
		n += p.SizeBytes
	}
	return n
}

// TopicSpec describes a topic to create. Zero values leave the server's
// defaults (1 partition).
type TopicSpec struct {
	Partitions        int32             `json:"partitions,omitempty"`
	ReplicationFactor int16             `json:"replication_factor,omitempty"`
	Configs           map[string]string `json:"configs,omitempty"`
}

// ListTopics returns the topic names, sorted.
func (c *Client) ListTopics(ctx context.Context) ([]string, error) {
	var names []string
	err := c.call(ctx, http.MethodGet, "/topics", nil, "", nil, &names)
	return names, err
}

// DescribeTopic returns a topic's partitions and configs.
func (c *Client) DescribeTopic(ctx context.Context, name string) (Topic, error) {
	var t Topic
	err := c.call(ctx, http.MethodGet, "/topics/"+url.PathEscape(name), nil, "", nil, &t)
	return t, err
}

// CreateTopic creates a topic and returns it as created.
func (c *Client) CreateTopic(ctx context.Context, name string, spec TopicSpec) (Topic, error) {
	body, err := json.Marshal(spec)
	if err != nil {
		return Topic{}, fmt.Errorf("client: %w", err)
	}
	var t Topic
	err = c.call(ctx, http.MethodPut, "/topics/"+url.PathEscape(name), nil, "application/json", body, &t)
	return t, err
}

// DeleteTopic deletes a topic and its records.
func (c *Client) DeleteTopic(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodDelete, "/topics/"+url.PathEscape(name), nil, "", nil, nil)
}

// GroupOffsets returns a consumer group's committed positions (the next
// offset to read) per partition of topic; partitions without one are
// absent.
func (c *Client) GroupOffsets(ctx context.Context, group, topic string) (map[int32]int64, error) {
	var res struct {
		Offsets map[string]int64 `json:"offsets"`
	}
	q := url.Values{"topic": {topic}}
	if err := c.call(ctx, http.MethodGet, "/groups/"+url.PathEscape(group)+"/offsets", q, "", nil, &res); err != nil {
		return nil, err
	}
	out := make(map[int32]int64, len(res.Offsets))
	for p, off := range res.Offsets {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("client: group offsets name partition %q: %w", p, err)
		}
		out[int32(n)] = off
	}
	return out, nil
}

// call sends one request and decodes a JSON answer into out (unless nil).
func (c *Client) call(ctx context.Context, method, path string, q url.Values, contentType string, body []byte, out any) error {
	resp, err := c.send(ctx, method, path, q, contentType, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return c.transportError(ctx, method, path, err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("client: %s %s: unexpected answer %.200q: %w", method, path, data, err)
	}
	return nil
}

// send performs a request and returns the response of a 2xx answer; any
// other answer becomes a *Error.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, contentType string, body []byte) (*http.Response, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json, application/x-ndjson")
	switch {
	case c.opts.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	case c.opts.User != "":
		req.SetBasicAuth(c.opts.User, c.opts.Password)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, decodeError(resp)
}

// decodeError reads a failed answer: the server's {"error_code","message"}
// when it sent one, else the status and the start of the body (a proxy's
// page, say).
func decodeError(resp *http.Response) *Error {
	e := &Error{Status: resp.StatusCode, Code: resp.StatusCode * 100}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	var body struct {
		Code    int    `json:"error_code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &body) == nil && body.Message != "" {
		e.Message = body.Message
		if body.Code != 0 {
			e.Code = body.Code
		}
		return e
	}
	e.Message = http.StatusText(resp.StatusCode)
	if text := strings.TrimSpace(string(data)); text != "" {
		if len(text) > 200 {
			text = text[:200] + "..."
		}
		e.Message += ": " + text
	}
	if resp.StatusCode == http.StatusUnauthorized {
		e.Message += " (pass credentials: a token or user:password)"
	}
	return e
}

// transportError explains a call that got no answer.
func (c *Client) transportError(ctx context.Context, method, path string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var opErr *net.OpError
	var unknownCA x509.UnknownAuthorityError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Errorf("%w at %s (%v): start it with `sluice server`, or point --server at a running one", ErrUnreachable, c.base, opErr.Err)
	case errors.As(err, &unknownCA), errors.As(err, &certErr):
		return fmt.Errorf("client: the certificate of %s is not trusted (%w): pass --insecure for a self-signed server", c.base, err)
	}
	return fmt.Errorf("client: %s %s%s: %w", method, c.base, path, err)
}

// retry runs a write, repeating it after 429 and 503 answers as Options
// allow.
func (c *Client) retry(ctx context.Context, do func() error) error {
	for attempt := 0; ; attempt++ {
		err := do()
		var ce *Error
		if err == nil || attempt >= c.opts.Retries || !errors.As(err, &ce) ||
			(ce.Status != http.StatusTooManyRequests && ce.Status != http.StatusServiceUnavailable) {
			return err
		}
		wait := min(max(ce.RetryAfter, 100*time.Millisecond), 30*time.Second)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.clock.After(wait):
		}
	}
}
