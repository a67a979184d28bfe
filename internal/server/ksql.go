package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/sluicedata/sluice/internal/engine"
)

// The ksqlDB-compatible REST API: POST /ksql runs statements, /query and
// /query-stream stream the rows of transient queries, /inserts-stream
// inserts rows, /close-query stops a query, and GET /info, /status and
// /is_valid_property answer as ksqlDB does. Bodies and errors have
// ksqlDB's shapes so that its clients work unchanged.

// ksqlEngine is what the REST API needs of the engine; *engine.Engine
// provides it through engineAdapter, and tests through a fake.
type ksqlEngine interface {
	Execute(ctx context.Context, sess *engine.Session, sql string) ([]engine.Entity, error)
	Query(ctx context.Context, sess *engine.Session, sql string) (*queryStream, error)
	CloseQuery(id string) error
	InsertJSON(ctx context.Context, target string, obj []byte) error
}

// queryStream is a running transient query as the handlers use it.
type queryStream struct {
	id      string
	columns []engine.Column
	print   bool
	next    func(ctx context.Context) (engine.Row, error)
	close   func()
}

// engineAdapter serves the REST API from the real engine.
type engineAdapter struct{ e *engine.Engine }

func (a engineAdapter) Execute(ctx context.Context, sess *engine.Session, sql string) ([]engine.Entity, error) {
	return a.e.Execute(ctx, sess, sql)
}

func (a engineAdapter) Query(ctx context.Context, sess *engine.Session, sql string) (*queryStream, error) {
	st, err := a.e.Query(ctx, sess, sql)
	if err != nil {
		return nil, err
	}
	return &queryStream{id: st.QueryID, columns: st.Columns, print: st.Print, next: st.Next, close: st.Close}, nil
}

func (a engineAdapter) CloseQuery(id string) error { return a.e.CloseQuery(id) }

func (a engineAdapter) InsertJSON(ctx context.Context, target string, obj []byte) error {
	return a.e.InsertJSON(ctx, target, obj)
}

// ksqlAPI is the REST API's state: the engine, the transient queries
// streaming now (so that /close-query can end their responses), and the
// status of the commands run through this server (for /status).
type ksqlAPI struct {
	eng ksqlEngine

	mu       sync.Mutex
	running  map[string]context.CancelFunc
	statuses map[string]engine.CommandStatus
}

func newKsqlAPI(eng ksqlEngine) *ksqlAPI {
	return &ksqlAPI{eng: eng, running: map[string]context.CancelFunc{}, statuses: map[string]engine.CommandStatus{}}
}

// Media types of the ksqlDB API.
const (
	mediaKsqlV1    = "application/vnd.ksql.v1+json"
	mediaJSON      = "application/json"
	mediaDelimited = "application/vnd.ksqlapi.delimited.v1"
)

// ksqlCodeBadRequest is ksqlDB's error code of a malformed request.
const ksqlCodeBadRequest = engine.CodeBadRequest

// ksqlCompatVersion is the ksqlDB release whose REST API this mirrors;
// clients compare it with their own version.
const ksqlCompatVersion = "0.29.0"

// routeKsql serves the ksqlDB paths; ok is false for other paths.
func (s *Server) routeKsql(w *statusWriter, r *http.Request) (ep endpoint, ok bool) {
	path := r.URL.Path
	switch {
	case path == "/ksql":
		if methodIs(w, r, http.MethodPost) && s.authorize(w, r, roleAdmin, false, "", epKsql) {
			s.handleKsql(w, r)
		}
		return epKsql, true
	case path == "/query":
		if methodIs(w, r, http.MethodPost) && s.authorize(w, r, roleAdmin, false, "", epQuery) {
			s.handleQuery(w, r)
		}
		return epQuery, true
	case path == "/query-stream":
		if methodIs(w, r, http.MethodPost) && s.authorize(w, r, roleAdmin, false, "", epQueryStream) {
			s.handleQueryStream(w, r)
		}
		return epQueryStream, true
	case path == "/inserts-stream":
		if methodIs(w, r, http.MethodPost) && s.authorize(w, r, roleIngest, false, "", epInsertsStream) {
			s.handleInsertsStream(w, r)
		}
		return epInsertsStream, true
	case path == "/close-query":
		if methodIs(w, r, http.MethodPost) && s.authorize(w, r, roleAdmin, false, "", epCloseQuery) {
			s.handleCloseQuery(w, r)
		}
		return epCloseQuery, true
	case path == "/info":
		if methodIs(w, r, http.MethodGet) {
			s.handleInfo(w, r)
		}
		return epInfo, true
	case path == "/":
		// ksqlDB sends its root to the server information.
		if methodIs(w, r, http.MethodGet) {
			http.Redirect(w, r, "/info", http.StatusFound)
		}
		return epInfo, true
	case path == "/status" || strings.HasPrefix(path, "/status/"):
		if methodIs(w, r, http.MethodGet) && s.authorize(w, r, roleAdmin, false, "", epStatus) {
			s.handleStatus(w, r, strings.TrimPrefix(strings.TrimPrefix(path, "/status"), "/"))
		}
		return epStatus, true
	case strings.HasPrefix(path, "/is_valid_property/"):
		if methodIs(w, r, http.MethodGet) && s.authorize(w, r, roleAdmin, false, "", epValidProperty) {
			s.handleValidProperty(w, r, path[len("/is_valid_property/"):])
		}
		return epValidProperty, true
	}
	return epUnknown, false
}

// ksqlEngineOr answers 503 and returns nil when the server has no engine
// to run statements (a server built over a bare log).
func (s *Server) ksqlEngineOr(w http.ResponseWriter) *ksqlAPI {
	if s.ksql == nil {
		writeKsqlError(w, http.StatusServiceUnavailable, "generic_error", 50302, "this server runs no SQL engine")
	}
	return s.ksql
}

// negotiate picks the media type of the answer from the Accept header:
// the first of offers that the client accepts with the highest quality,
// offers[0] when it sends none. It returns "" when nothing is acceptable.
func negotiate(accept string, offers ...string) string {
	if strings.TrimSpace(accept) == "" {
		return offers[0]
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if strings.TrimSpace(strings.ToLower(k)) == "q" {
				if _, err := fmt.Sscanf(strings.TrimSpace(v), "%g", &q); err != nil {
					q = 0
				}
			}
		}
		if q <= bestQ {
			continue
		}
		for _, o := range offers {
			if mt == o || mt == "*/*" || strings.HasSuffix(mt, "/*") && strings.HasPrefix(o, mt[:len(mt)-1]) {
				best, bestQ = o, q
				break
			}
		}
	}
	return best
}

// notAcceptable answers 406 naming what the endpoint can produce.
func notAcceptable(w http.ResponseWriter, r *http.Request, offers ...string) {
	writeKsqlError(w, http.StatusNotAcceptable, "generic_error", 40600,
		fmt.Sprintf("cannot answer with %q: accept one of %s", r.Header.Get("Accept"), strings.Join(offers, ", ")))
}

// readKsqlBody decodes a request body into v; numbers stay exact.
func (s *Server) readKsqlBody(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes))
	if err != nil {
		return bodyError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &apiError{status: http.StatusBadRequest, code: ksqlCodeBadRequest, msg: "the request has no body: send a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &apiError{status: http.StatusBadRequest, code: ksqlCodeBadRequest, msg: "cannot read the request body as JSON: " + err.Error()}
	}
	return nil
}

// sessionOf builds the session of one request from its variables and
// properties (later maps win). ksqlDB takes values of any JSON type; the
// engine keeps them as text.
func sessionOf(vars map[string]any, props ...map[string]any) *engine.Session {
	sess := engine.NewSession()
	for _, m := range props {
		for k, v := range m {
			if t, ok := jsonText(v); ok {
				sess.Properties[k] = t
			}
		}
	}
	for k, v := range vars {
		if t, ok := jsonText(v); ok {
			sess.Variables[k] = t
		}
	}
	return sess
}

// jsonText is a decoded JSON value as text: strings as they are, other
// values as their JSON; null has none.
func jsonText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}

// ksqlErrorBody is ksqlDB's error answer; the statement fields are set
// for statement errors only.
type ksqlErrorBody struct {
	Type          string           `json:"@type"`
	Code          int              `json:"error_code"`
	Message       string           `json:"message"`
	StatementText *string          `json:"statementText,omitempty"`
	Entities      *[]engine.Entity `json:"entities,omitempty"`
}

func writeKsqlError(w http.ResponseWriter, status int, typ string, code int, msg string) {
	writeJSON(w, status, ksqlErrorBody{Type: typ, Code: code, Message: msg})
}

// ksqlErrorOf is the answer to a failure of the engine or of the request.
func ksqlErrorOf(err error) (int, ksqlErrorBody) {
	var se *engine.StatementError
	if errors.As(err, &se) {
		status := se.Code / 100
		if status < 400 || status > 599 {
			status = http.StatusInternalServerError
		}
		text := se.Statement
		entities := se.Entities
		if entities == nil {
			entities = []engine.Entity{}
		}
		b := ksqlErrorBody{Type: "statement_error", Code: se.Code, Message: se.Message, StatementText: &text, Entities: &entities}
		return status, b
	}
	ae := errorFor(err)
	code := ae.code
	if ae.code == codeInternal {
		code = engine.CodeServerError
	}
	return ae.status, ksqlErrorBody{Type: "generic_error", Code: code, Message: ae.msg}
}

// writeKsqlFailure answers err; failures of the server are also logged.
func (s *Server) writeKsqlFailure(w http.ResponseWriter, r *http.Request, err error) {
	status, body := ksqlErrorOf(err)
	if status >= 500 && status != http.StatusServiceUnavailable {
		s.logger.Error("server: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if body.Type == "generic_error" {
		if ae := errorFor(err); ae.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(ae.retryAfter))
		}
	}
	writeJSON(w, status, body)
}

// ksqlRequest is the body of POST /ksql and POST /query.
type ksqlRequest struct {
	Ksql              *string        `json:"ksql"`
	StreamsProperties map[string]any `json:"streamsProperties"`
	RequestProperties map[string]any `json:"requestProperties"`
	SessionVariables  map[string]any `json:"sessionVariables"`
	// CommandSequenceNumber asks ksqlDB to wait for earlier commands;
	// statements here apply before their answer, so it is always met.
	CommandSequenceNumber *int64 `json:"commandSequenceNumber"`
}

func (s *Server) handleKsql(w http.ResponseWriter, r *http.Request) {
	mt := negotiate(r.Header.Get("Accept"), mediaKsqlV1, mediaJSON)
	if mt == "" {
		notAcceptable(w, r, mediaKsqlV1, mediaJSON)
		return
	}
	api := s.ksqlEngineOr(w)
	if api == nil {
		return
	}
	var req ksqlRequest
	if err := s.readKsqlBody(w, r, &req); err != nil {
		s.writeKsqlFailure(w, r, err)
		return
	}
	if req.Ksql == nil {
		s.writeKsqlFailure(w, r, &apiError{status: http.StatusBadRequest, code: ksqlCodeBadRequest,
			msg: `the body has no "ksql" field: send {"ksql":"SHOW STREAMS;"}`})
		return
	}
	sess := sessionOf(req.SessionVariables, req.StreamsProperties, req.RequestProperties)
	entities, err := api.eng.Execute(r.Context(), sess, *req.Ksql)
	if err != nil {
		s.writeKsqlFailure(w, r, err)
		return
	}
	api.remember(entities)
	if entities == nil {
		entities = []engine.Entity{}
	}
	body, err := json.Marshal(entities)
	if err != nil {
		s.writeKsqlFailure(w, r, fmt.Errorf("server: cannot encode the statements' results: %w", err))
		return
	}
	w.Header().Set("Content-Type", mt)
	w.WriteHeader(http.StatusOK)
	w.Write(append(body, '\n'))
}

// remember keeps the status of the commands that entities report, for
// GET /status.
func (a *ksqlAPI) remember(entities []engine.Entity) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range entities {
		if cs, ok := e.(*engine.CurrentStatus); ok && cs.CommandID != "" {
			a.statuses[cs.CommandID] = cs.CommandStatus
		}
	}
}
