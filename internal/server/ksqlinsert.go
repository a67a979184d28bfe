package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/serde"
)

// insertsArgs is the first line of POST /inserts-stream.
type insertsArgs struct {
	Target *string `json:"target"`
	// Properties are accepted for ksqlDB's clients; inserting needs none.
	Properties map[string]any `json:"properties"`
}

// errLineTooLong is a body line longer than the request limit.
var errLineTooLong = errors.New("line too long")

// readLine returns the next line of br without its end, at most max bytes
// long; the last line needs no newline. It returns io.EOF at the end.
func readLine(br *bufio.Reader, max int64, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		part, err := br.ReadSlice('\n')
		if int64(len(buf)+len(part)) > max+1 {
			// Skip the rest of the line so that a caller could go on.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			return nil, errLineTooLong
		}
		buf = append(buf, part...)
		switch {
		case err == nil:
			return bytes.TrimRight(buf, "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return bytes.TrimRight(buf, "\r"), nil
		default:
			return nil, err
		}
	}
}

// handleInsertsStream inserts the rows of the body, one JSON object a
// line after the arguments line, and acknowledges each as it is inserted.
// Like ksqlDB, it answers the first bad row with an error and ends there:
// rows after it are not inserted.
func (s *Server) handleInsertsStream(w http.ResponseWriter, r *http.Request) {
	mt := negotiate(r.Header.Get("Accept"), mediaDelimited, mediaJSON, mediaKsqlV1)
	if mt == "" {
		notAcceptable(w, r, mediaDelimited, mediaJSON)
		return
	}
	api := s.ksqlEngineOr(w)
	if api == nil {
		return
	}
	max := s.cfg.MaxRequestBytes
	br := bufio.NewReaderSize(r.Body, 64<<10)
	line, err := readLine(br, max, nil)
	if err != nil {
		msg := "the body has no arguments line: send {\"target\":\"STREAM\"} and a newline first"
		if errors.Is(err, errLineTooLong) {
			msg = fmt.Sprintf("the arguments line is longer than %d bytes", max)
		}
		writeKsqlError(w, http.StatusBadRequest, "generic_error", ksqlCodeBadRequest, msg)
		return
	}
	var args insertsArgs
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&args); err != nil || args.Target == nil || *args.Target == "" {
		writeKsqlError(w, http.StatusBadRequest, "generic_error", ksqlCodeBadRequest,
			`the first line must name the stream to insert into: {"target":"STREAM"}`)
		return
	}
	target := *args.Target

	rc := http.NewResponseController(w)
	// Acks go out while the client still sends rows; HTTP/1.1 needs
	// this to read the body after the answer has begun (HTTP/2 always
	// can, and says so with an error here).
	_ = rc.EnableFullDuplex()
	w.Header().Set("Content-Type", mt)
	w.WriteHeader(http.StatusOK)
	jsonArray := mt != mediaDelimited
	out := make([]byte, 0, 4096)
	if jsonArray {
		out = append(out, '[')
	}
	first := true
	ack := func(seq int64, errCode int, msg string) {
		if jsonArray && !first {
			out = append(out, ',')
		}
		first = false
		if errCode == 0 {
			out = append(out, `{"status":"ok","seq":`...)
			out = strconv.AppendInt(out, seq, 10)
			out = append(out, '}')
		} else {
			out = append(out, `{"status":"error","seq":`...)
			out = strconv.AppendInt(out, seq, 10)
			out = append(out, `,"error_code":`...)
			out = strconv.AppendInt(out, int64(errCode), 10)
			out = append(out, `,"message":`...)
			out = serde.AppendQuoted(out, msg)
			out = append(out, '}')
		}
		if !jsonArray {
			out = append(out, '\n')
		}
	}
	flush := func() bool {
		if len(out) > 0 {
			if _, err := w.Write(out); err != nil {
				return false
			}
			out = out[:0]
		}
		return rc.Flush() == nil
	}
	if !flush() {
		return
	}
	ctx := r.Context()
	var seq int64
	for {
		// A fresh line each time: the engine may keep what it is given.
		line, err := readLine(br, max, nil)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if errors.Is(err, errLineTooLong) {
				ack(seq, ksqlCodeBadRequest, fmt.Sprintf("row %d is longer than %d bytes", seq, max))
			}
			break // otherwise the client went away or sent a broken body
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if serde.ValidJSON(line) != nil || bytes.TrimSpace(line)[0] != '{' {
			ack(seq, ksqlCodeBadRequest, "Invalid JSON in inserts stream")
			break
		}
		if err := api.eng.InsertJSON(ctx, target, line); err != nil {
			se := engine.AsStatementError(err)
			if ctx.Err() == nil && se.Code >= 500 {
				s.logger.Error("server: insert failed", "target", target, "err", err)
			}
			ack(seq, se.Code, se.Message)
			break
		}
		ack(seq, 0, "")
		seq++
		// Acks of rows that arrived together go out together; none waits
		// for rows that have not arrived.
		if br.Buffered() == 0 && !flush() {
			return
		}
	}
	if jsonArray {
		out = append(out, ']')
	}
	flush()
}
