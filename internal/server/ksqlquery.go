package server

import (
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
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

// rowsFormat is how a transient query's answer is written.
type rowsFormat int

const (
	// rowsQueryJSON is POST /query: one JSON array of StreamedRow objects,
	// each followed by ",\n" as it is written (so that a client reading
	// lines gets each row at once), the last one without.
	rowsQueryJSON rowsFormat = iota
	// rowsQueryDelimited is POST /query asked for the delimited type: the
	// same objects, one per line.
	rowsQueryDelimited
	// rowsStreamDelimited is POST /query-stream's default: a header
	// object, then one JSON array per row, one per line.
	rowsStreamDelimited
	// rowsStreamJSON is POST /query-stream asked for JSON: the same items
	// as one JSON array.
	rowsStreamJSON
	// rowsPrint is PRINT: each formatted record on its own line.
	rowsPrint
)

// How a query's answer ends.
type rowsEnd int

const (
	endClosed   rowsEnd = iota // the client, /close-query or shutdown stopped it
	endLimit                   // its LIMIT was reached
	endComplete                // it has no more rows (a pull query)
	endFailed                  // it failed
)

// rowsWriter writes one query's answer in its format.
type rowsWriter struct {
	format rowsFormat
	st     *queryStream
}

// start is the opening of the answer.
func (rw rowsWriter) start(dst []byte) []byte {
	st := rw.st
	switch rw.format {
	case rowsQueryJSON, rowsQueryDelimited:
		if rw.format == rowsQueryJSON {
			dst = append(dst, '[')
		}
		dst = append(dst, `{"header":{`...)
		if st.id != "" {
			dst = append(dst, `"queryId":`...)
			dst = serde.AppendQuoted(dst, st.id)
			dst = append(dst, ',')
		}
		dst = append(dst, `"schema":`...)
		dst = serde.AppendQuoted(dst, engine.SchemaString(st.columns))
		dst = append(dst, "}}"...)
		return rw.sep(dst)
	case rowsStreamDelimited, rowsStreamJSON:
		if rw.format == rowsStreamJSON {
			dst = append(dst, '[')
		}
		dst = append(dst, '{')
		if st.id != "" {
			dst = append(dst, `"queryId":`...)
			dst = serde.AppendQuoted(dst, st.id)
			dst = append(dst, ',')
		}
		dst = append(dst, `"columnNames":[`...)
		for i, c := range st.columns {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = serde.AppendQuoted(dst, c.Name)
		}
		dst = append(dst, `],"columnTypes":[`...)
		for i, c := range st.columns {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = serde.AppendQuoted(dst, c.Type.String())
		}
		dst = append(dst, "]}"...)
		if rw.format == rowsStreamDelimited {
			dst = append(dst, '\n')
		}
		return dst
	}
	return dst // PRINT has no header
}

// sep ends an item of /query that more items follow.
func (rw rowsWriter) sep(dst []byte) []byte {
	if rw.format == rowsQueryJSON {
		return append(dst, ",\n"...)
	}
	return append(dst, '\n')
}

// row appends one row.
func (rw rowsWriter) row(dst []byte, row engine.Row) []byte {
	switch rw.format {
	case rowsQueryJSON, rowsQueryDelimited:
		dst = append(dst, `{"row":{"columns":`...)
		dst = appendKsqlRow(dst, rw.st.columns, row)
		if row.Tombstone {
			dst = append(dst, `,"tombstone":true`...)
		}
		dst = append(dst, "}}"...)
		return rw.sep(dst)
	case rowsStreamDelimited:
		dst = appendKsqlRow(dst, rw.st.columns, row)
		return append(dst, '\n')
	case rowsStreamJSON:
		dst = append(dst, ',')
		return appendKsqlRow(dst, rw.st.columns, row)
	}
	// PRINT: one STRING column holding the formatted record.
	if len(row.Values) > 0 && row.Values[0].Kind() == types.KindString {
		dst = append(dst, strings.TrimRight(row.Values[0].Str(), "\n")...)
	}
	return append(dst, '\n')
}

// finish appends the end of the answer: a final message or the error of a
// failed query, and the closing bracket of the JSON formats.
func (rw rowsWriter) finish(dst []byte, end rowsEnd, err error) []byte {
	var errBody []byte
	if end == endFailed {
		_, body := ksqlErrorOf(err)
		errBody = marshalLine(body)
	}
	switch rw.format {
	case rowsQueryJSON, rowsQueryDelimited:
		switch end {
		case endLimit:
			dst = append(dst, `{"finalMessage":"Limit Reached"}`...)
		case endComplete:
			dst = append(dst, `{"finalMessage":"Query Completed"}`...)
		case endFailed:
			dst = append(dst, `{"errorMessage":`...)
			dst = append(dst, errBody...)
			dst = append(dst, '}')
		}
		if rw.format == rowsQueryJSON {
			return append(dst, ']')
		}
		if end != endClosed {
			dst = append(dst, '\n')
		}
		return dst
	case rowsStreamJSON:
		if end == endFailed {
			dst = append(dst, ',')
			dst = append(dst, errBody...)
		}
		return append(dst, ']')
	}
	if end == endFailed {
		dst = append(append(dst, errBody...), '\n')
	}
	return dst
}

// marshalLine is v as compact JSON.
func marshalLine(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"@type":"generic_error","error_code":50000,"message":"cannot encode the error"}`)
	}
	return b
}

// queryStreamRequest is the body of POST /query-stream.
type queryStreamRequest struct {
	SQL               *string        `json:"sql"`
	Properties        map[string]any `json:"properties"`
	RequestProperties map[string]any `json:"requestProperties"`
	SessionVariables  map[string]any `json:"sessionVariables"`
}

func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	mt := negotiate(r.Header.Get("Accept"), mediaKsqlV1, mediaJSON, mediaDelimited)
	if mt == "" {
		notAcceptable(w, r, mediaKsqlV1, mediaJSON, mediaDelimited)
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
			msg: `the body has no "ksql" field: send {"ksql":"SELECT * FROM s EMIT CHANGES;"}`})
		return
	}
	format := rowsQueryJSON
	if mt == mediaDelimited {
		format = rowsQueryDelimited
	}
	sess := sessionOf(req.SessionVariables, req.StreamsProperties, req.RequestProperties)
	s.runQuery(w, r, api, sess, *req.Ksql, mt, format)
}

func (s *Server) handleQueryStream(w http.ResponseWriter, r *http.Request) {
	mt := negotiate(r.Header.Get("Accept"), mediaDelimited, mediaJSON, mediaKsqlV1)
	if mt == "" {
		notAcceptable(w, r, mediaDelimited, mediaJSON)
		return
	}
	api := s.ksqlEngineOr(w)
	if api == nil {
		return
	}
	var req queryStreamRequest
	if err := s.readKsqlBody(w, r, &req); err != nil {
		s.writeKsqlFailure(w, r, err)
		return
	}
	if req.SQL == nil {
		s.writeKsqlFailure(w, r, &apiError{status: http.StatusBadRequest, code: ksqlCodeBadRequest,
			msg: `the body has no "sql" field: send {"sql":"SELECT * FROM s EMIT CHANGES;"}`})
		return
	}
	format := rowsStreamDelimited
	if mt != mediaDelimited {
		format = rowsStreamJSON
	}
	sess := sessionOf(req.SessionVariables, req.Properties, req.RequestProperties)
	s.runQuery(w, r, api, sess, *req.SQL, mt, format)
}

// runQuery starts the query and streams its answer until the query ends,
// the client goes away, /close-query names it or the server stops.
func (s *Server) runQuery(w http.ResponseWriter, r *http.Request, api *ksqlAPI, sess *engine.Session, sql, mediaType string, format rowsFormat) {
	// Query returns once the query is started (or, for a pull query,
	// answered): only a streaming answer needs a context of its own.
	st, err := api.eng.Query(r.Context(), sess, sql)
	if err != nil {
		s.writeKsqlFailure(w, r, err)
		return
	}
	defer st.close()
	if st.id == "" && !st.print {
		// A pull query's rows are all there when Query returns: the answer
		// is written at once, in one write with its length.
		w.Header().Set("Content-Type", mediaType)
		s.writeComplete(w, r.Context(), rowsWriter{format: format, st: st})
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stopOnShutdown := context.AfterFunc(s.stopping, cancel)
	defer stopOnShutdown()
	if st.print {
		// PRINT writes text lines; of /query-stream's types only the
		// delimited one is lines.
		if format == rowsStreamJSON {
			notAcceptable(w, r, mediaDelimited)
			return
		}
		format, mediaType = rowsPrint, "text/plain; charset=utf-8"
		if r.URL.Path == "/query-stream" {
			mediaType = mediaDelimited
		}
	}
	if st.id != "" {
		api.mu.Lock()
		api.running[st.id] = cancel
		api.mu.Unlock()
		defer func() {
			api.mu.Lock()
			delete(api.running, st.id)
			api.mu.Unlock()
		}()
	}

	rw := rowsWriter{format: format, st: st}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", mediaType)
	w.WriteHeader(http.StatusOK)
	buf := rw.start(make([]byte, 0, 4096))
	if _, err := w.Write(buf); err != nil {
		return
	}
	rc.Flush() // the client learns the columns before the first row
	for {
		row, err := st.next(ctx)
		if err != nil {
			end := endFailed
			switch {
			case ctx.Err() != nil:
				end = endClosed
			case errors.Is(err, engine.ErrLimitReached):
				end = endLimit
			case errors.Is(err, io.EOF):
				end = endComplete
			default:
				s.logger.Warn("server: transient query failed", "query", st.id, "err", err)
			}
			w.Write(rw.finish(buf[:0], end, err))
			rc.Flush()
			return
		}
		buf = rw.row(buf[:0], row)
		if _, err := w.Write(buf); err != nil {
			return // the client went away
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// answerBuffers holds the buffers pull query answers are written in:
// the response writer copies what it is given, so a buffer is free again
// once written. Buffers grown beyond maxPooledAnswer are let go.
var answerBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledAnswer = 64 << 10

// writeComplete writes the whole answer of a query whose rows are all
// known (a pull query) in one write.
func (s *Server) writeComplete(w http.ResponseWriter, ctx context.Context, rw rowsWriter) {
	bp := answerBuffers.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledAnswer {
			answerBuffers.Put(bp)
		}
	}()
	buf := rw.start((*bp)[:0])
	defer func() { *bp = buf[:0] }()
	var end = endComplete
	var failure error
	for {
		row, err := rw.st.next(ctx)
		if err != nil {
			switch {
			case errors.Is(err, engine.ErrLimitReached):
				end = endLimit
			case errors.Is(err, io.EOF):
			default:
				end, failure = endFailed, err
				s.logger.Warn("server: pull query failed", "err", err)
			}
			break
		}
		buf = rw.row(buf, row)
	}
	buf = rw.finish(buf, end, failure)
	w.Header().Set("Content-Length", strconv.Itoa(len(buf)))
	w.WriteHeader(http.StatusOK)
	w.Write(buf)
}

func (s *Server) handleCloseQuery(w http.ResponseWriter, r *http.Request) {
	api := s.ksqlEngineOr(w)
	if api == nil {
		return
	}
	var req struct {
		QueryID *string `json:"queryId"`
	}
	if err := s.readKsqlBody(w, r, &req); err != nil {
		s.writeKsqlFailure(w, r, err)
		return
	}
	if req.QueryID == nil || *req.QueryID == "" {
		s.writeKsqlFailure(w, r, &apiError{status: http.StatusBadRequest, code: ksqlCodeBadRequest,
			msg: `the body has no "queryId": send {"queryId":"..."} with the ID from the query's header`})
		return
	}
	id := *req.QueryID
	api.mu.Lock()
	cancel, ok := api.running[id]
	api.mu.Unlock()
	if ok {
		// Ending the query's context ends its response and closes it.
		cancel()
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := api.eng.CloseQuery(id); err != nil {
		var se *engine.StatementError
		if errors.As(err, &se) {
			s.writeKsqlFailure(w, r, err)
			return
		}
		writeKsqlError(w, http.StatusBadRequest, "generic_error", ksqlCodeBadRequest, fmt.Sprintf("No query with id %s", id))
		return
	}
	w.WriteHeader(http.StatusOK)
}
