package client

// The SQL side of the server, shaped as ksqlDB's REST API: POST /ksql runs
// statements and answers one JSON entity per statement, POST /query-stream
// streams a query's rows (or PRINT's lines), POST /close-query stops one,
// GET /info names the server. Entities are returned as raw JSON: their
// shapes are the server's to define, and a caller picks what it shows by
// the "@type" of each.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Content types of the SQL endpoints: ksqlDB's versioned JSON for /ksql
// and its newline-delimited form for /query-stream (a header line, then
// one JSON array per row).
const (
	ksqlContentType      = "application/vnd.ksql.v1+json"
	delimitedContentType = "application/vnd.ksqlapi.delimited.v1"
)

// SQLError is the server's refusal of a SQL request: ksqlDB's
// generic_error or statement_error body.
type SQLError struct {
	Status int // HTTP status
	// Code is the error_code: Status*100 plus a detail digit, e.g. 40001
	// for a statement the server rejected.
	Code    int
	Message string // the server's message
	// StatementText is the statement that failed, when the server names it.
	StatementText string
	// Entities are the results of the statements of the same request that
	// ran before the failing one.
	Entities []json.RawMessage
}

func (e *SQLError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (%d)", http.StatusText(e.Status), e.Code)
	}
	return e.Message
}

// ServerInfo is the answer of GET /info.
type ServerInfo struct {
	Version        string `json:"version"`
	KafkaClusterID string `json:"kafkaClusterId"`
	KsqlServiceID  string `json:"ksqlServiceId"`
	ServerStatus   string `json:"serverStatus"`
}

// Info asks the server for its version and status.
func (c *Client) Info(ctx context.Context) (ServerInfo, error) {
	var res struct {
		Info ServerInfo `json:"KsqlServerInfo"`
	}
	err := c.call(ctx, http.MethodGet, "/info", nil, "", nil, &res)
	return res.Info, err
}

// Execute sends statements to POST /ksql with the session's properties
// (streamsProperties) and variables (sessionVariables) and returns the
// entities it answers, one per statement, each a JSON object with an
// "@type". A refused request returns a *SQLError.
func (c *Client) Execute(ctx context.Context, sql string, props map[string]any, vars map[string]string) ([]json.RawMessage, error) {
	if props == nil {
		props = map[string]any{} // ksqlDB servers expect the object
	}
	req := struct {
		KSQL              string            `json:"ksql"`
		StreamsProperties map[string]any    `json:"streamsProperties"`
		SessionVariables  map[string]string `json:"sessionVariables,omitempty"`
	}{sql, props, vars}
	resp, err := c.postSQL(ctx, "/ksql", ksqlContentType, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, c.transportError(ctx, http.MethodPost, "/ksql", err)
	}
	var entities []json.RawMessage
	if err := json.Unmarshal(data, &entities); err != nil {
		return nil, fmt.Errorf("client: POST /ksql: want a JSON array of entities, got %.200q: %w", data, err)
	}
	return entities, nil
}

// QueryHeader is the first line of a query's stream.
type QueryHeader struct {
	// QueryID names the query for CloseQuery; pull queries may have none.
	QueryID     string   `json:"queryId"`
	ColumnNames []string `json:"columnNames"`
	ColumnTypes []string `json:"columnTypes"`
}

// Query is the stream of one query's results: after QueryStream, call
// Next until it returns false, read each row with Row (or, for PRINT, each
// line with Line), check Err, and Close.
type Query struct {
	// Header describes the columns; zero for PRINT.
	Header QueryHeader
	// Print is set when the stream is PRINT's lines of text rather than
	// rows.
	Print bool

	c       *Client
	body    io.ReadCloser
	sc      *bufio.Scanner
	ctx     context.Context
	first   []byte // a PRINT stream's first line, read to tell it from a header
	row     []json.RawMessage
	line    string
	err     error
	ended   bool // the server ended the stream
	stopped bool // Next returned false
	closed  bool
}

// QueryStream starts a query (SELECT or PRINT) at POST /query-stream and
// returns once its header (or PRINT's first line) has arrived. Cancelling
// ctx stops reading; Close then tells the server to stop the query.
func (c *Client) QueryStream(ctx context.Context, sql string, props map[string]any, vars map[string]string) (*Query, error) {
	if props == nil {
		props = map[string]any{}
	}
	req := struct {
		SQL              string            `json:"sql"`
		Properties       map[string]any    `json:"properties"`
		SessionVariables map[string]string `json:"sessionVariables,omitempty"`
	}{sql, props, vars}
	resp, err := c.postSQL(ctx, "/query-stream", delimitedContentType, req)
	if err != nil {
		return nil, err
	}
	q := &Query{c: c, body: resp.Body, ctx: ctx}
	q.sc = bufio.NewScanner(resp.Body)
	q.sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	line, ok := q.scan()
	if !ok {
		if q.err != nil {
			resp.Body.Close()
			return nil, q.err
		}
		return q, nil // an empty answer: no header, no rows
	}
	if line[0] != '{' {
		// PRINT answers lines of text ("Key format: ...", "rowtime: ..."),
		// never a JSON header.
		q.Print, q.first = true, append([]byte(nil), line...)
		return q, nil
	}
	if err := objectError(resp.StatusCode, line); err != nil {
		resp.Body.Close()
		return nil, err
	}
	if err := json.Unmarshal(line, &q.Header); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("client: POST /query-stream: want a header line, got %.200q: %w", line, err)
	}
	return q, nil
}

// scan reads the next non-empty line; false at the end of the stream or on
// an error (left in q.err).
func (q *Query) scan() ([]byte, bool) {
	for q.sc.Scan() {
		if line := bytes.TrimSpace(q.sc.Bytes()); len(line) > 0 {
			return line, true
		}
	}
	switch err := q.sc.Err(); {
	case err == nil:
		q.ended = true
	case errors.Is(err, bufio.ErrTooLong):
		q.err = fmt.Errorf("client: /query-stream: a line is longer than %d bytes", maxLine)
	default:
		q.err = q.c.transportError(q.ctx, http.MethodPost, "/query-stream", err)
	}
	return nil, false
}

// Next advances to the next row (or PRINT line); false when the stream
// ended, failed (see Err) or its context was cancelled.
func (q *Query) Next() bool {
	if q.stopped {
		return false
	}
	if q.first != nil {
		q.line, q.first = string(q.first), nil
		return true
	}
	for {
		line, ok := q.scan()
		if !ok {
			q.stopped = true
			return false
		}
		if q.Print {
			q.line = string(line)
			return true
		}
		switch line[0] {
		case '[':
			var row []json.RawMessage
			if err := json.Unmarshal(line, &row); err != nil {
				q.err, q.stopped = fmt.Errorf("client: /query-stream: want a row, got %.200q: %w", line, err), true
				return false
			}
			q.row = row
			return true
		case '{':
			// An object amid rows is an error the server met while
			// streaming, or a message (a final one, a continuation token)
			// that carries no row.
			if err := objectError(http.StatusOK, line); err != nil {
				q.err, q.stopped = err, true
				return false
			}
		default:
			q.err, q.stopped = fmt.Errorf("client: /query-stream: want a row, got %.200q", line), true
			return false
		}
	}
}

// Row is the current row's values as JSON, one per column of the header.
func (q *Query) Row() []json.RawMessage { return q.row }

// Line is the current line of a PRINT stream.
func (q *Query) Line() string { return q.line }

// Err is the error that ended the stream early: a *SQLError the server
// sent, a broken connection, or the context's error when it was cancelled.
func (q *Query) Err() error { return q.err }

// Ended reports whether the server ended the stream itself (a pull query
// done, a LIMIT reached) rather than it being cut short.
func (q *Query) Ended() bool { return q.ended }

// Close releases the stream and, when the server had not ended it, asks
// the server to stop the query (with ctx: pass a live one, not the
// cancelled context of the stream). Calling it again does nothing.
func (q *Query) Close(ctx context.Context) error {
	if q.closed {
		return nil
	}
	q.closed = true
	q.body.Close()
	if q.ended || q.Header.QueryID == "" {
		return nil
	}
	return q.c.CloseQuery(ctx, q.Header.QueryID)
}

// CloseQuery stops a push query the server is streaming.
func (c *Client) CloseQuery(ctx context.Context, queryID string) error {
	resp, err := c.postSQL(ctx, "/close-query", "application/json", map[string]string{"queryId": queryID})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.Body.Close()
}

// postSQL sends a JSON request to a SQL endpoint and returns the response
// of a 2xx answer; any other answer becomes a *SQLError.
func (c *Client) postSQL(ctx context.Context, path, accept string, body any) (*http.Response, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	u := *c.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", accept)
	switch {
	case c.opts.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	case c.opts.User != "":
		req.SetBasicAuth(c.opts.User, c.opts.Password)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, http.MethodPost, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, decodeSQLError(resp)
}

// sqlErrorBody is ksqlDB's error answer.
type sqlErrorBody struct {
	Type          string            `json:"@type"`
	Code          int               `json:"error_code"`
	Message       string            `json:"message"`
	StatementText string            `json:"statementText"`
	Entities      []json.RawMessage `json:"entities"`
}

// decodeSQLError reads a failed answer: ksqlDB's error body when the
// server sent one, else what decodeError makes of it.
func decodeSQLError(resp *http.Response) *SQLError {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var b sqlErrorBody
	if json.Unmarshal(data, &b) == nil && b.Message != "" {
		e := &SQLError{Status: resp.StatusCode, Code: b.Code, Message: b.Message, StatementText: b.StatementText, Entities: b.Entities}
		if e.Code == 0 {
			e.Code = resp.StatusCode * 100
		}
		return e
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	ge := decodeError(resp)
	return &SQLError{Status: ge.Status, Code: ge.Code, Message: ge.Message}
}

// objectError is the *SQLError a JSON object in a stream carries, or nil
// when it is not an error.
func objectError(status int, line []byte) error {
	var b sqlErrorBody
	if json.Unmarshal(line, &b) != nil {
		return nil
	}
	if b.Code == 0 && !strings.HasSuffix(b.Type, "error") {
		return nil
	}
	if status/100 == 2 {
		status = b.Code / 100
	}
	msg := b.Message
	if msg == "" {
		msg = "the query failed without a message"
	}
	return &SQLError{Status: status, Code: b.Code, Message: msg, StatementText: b.StatementText, Entities: b.Entities}
}
