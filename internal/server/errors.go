package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/sluicedata/sluice/internal/log"
)

// apiError is an answer in the Confluent REST Proxy error shape: code is
// the HTTP status times 100 plus a detail digit.
type apiError struct {
	status     int
	code       int
	msg        string
	retryAfter int // seconds; 0 sends no Retry-After
}

func (e *apiError) Error() string { return e.msg }

// Error codes of the API contract.
const (
	codeMalformed         = 40001
	codeBadRequest        = 40002
	codeUnauthenticated   = 40101
	codeForbidden         = 40301
	codeTopicNotFound     = 40401
	codePartitionNotFound = 40403
	codeTopicExists       = 40901
	codeTooLarge          = 41301
	codeUnsupportedType   = 41501
	codeInvalidConfig     = 42201
	codeOverloaded        = 42901
	codeClientGone        = 49901
	codeInternal          = 50001
	codeUnavailable       = 50301
	codeShuttingDown      = 50302
	codeTimeout           = 50303
)

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeBadRequest, msg: fmt.Sprintf(format, args...)}
}

func malformed(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: codeMalformed, msg: fmt.Sprintf(format, args...)}
}

// errorFor is the one mapping from errors to HTTP answers.
func errorFor(err error) *apiError {
	var ae *apiError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &tooBig):
		return &apiError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge,
			msg: fmt.Sprintf("request body larger than %d bytes: send smaller batches (the limit is the server's --max-request-bytes)", tooBig.Limit)}
	case errors.Is(err, log.ErrUnknownTopic):
		return &apiError{status: http.StatusNotFound, code: codeTopicNotFound,
			msg: err.Error() + ": create it first (PUT /topics/{topic}, or sluice topic create), or run the server with --auto-create-topics"}
	case errors.Is(err, log.ErrUnknownPartition):
		return &apiError{status: http.StatusNotFound, code: codePartitionNotFound, msg: err.Error() + ": partitions are numbered from 0 (GET /topics/{topic} lists them)"}
	case errors.Is(err, log.ErrTopicExists):
		return &apiError{status: http.StatusConflict, code: codeTopicExists, msg: err.Error() + ": delete it first or choose another name"}
	case errors.Is(err, log.ErrInvalidTopicName):
		return &apiError{status: http.StatusBadRequest, code: codeBadRequest, msg: err.Error()}
	case errors.Is(err, log.ErrInvalidConfig):
		return &apiError{status: http.StatusUnprocessableEntity, code: codeInvalidConfig, msg: err.Error()}
	case errors.Is(err, log.ErrRecordTooLarge):
		return &apiError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge, msg: err.Error() + ": make the record smaller or raise the topic's limit"}
	case errors.Is(err, log.ErrOffsetOutOfRange):
		return &apiError{status: http.StatusBadRequest, code: codeBadRequest, msg: err.Error() + ": use offset=beginning or offset=end, or an offset between the partition's start and end offsets"}
	case errors.Is(err, log.ErrUnavailable):
		return &apiError{status: http.StatusServiceUnavailable, code: codeUnavailable, retryAfter: 1, msg: err.Error() + ": retry shortly"}
	case errors.Is(err, log.ErrClosed):
		return &apiError{status: http.StatusServiceUnavailable, code: codeShuttingDown, retryAfter: 1, msg: "the server is shutting down: retry against a running instance"}
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{status: http.StatusServiceUnavailable, code: codeTimeout, retryAfter: 1, msg: "the log did not answer in time: retry shortly"}
	case errors.Is(err, context.Canceled):
		// Only the client that went away would read this.
		return &apiError{status: 499, code: codeClientGone, msg: "request canceled"}
	default:
		return &apiError{status: http.StatusInternalServerError, code: codeInternal, msg: "internal error: " + err.Error() + " (see the server log)"}
	}
}

// writeError answers err; internal errors are also logged, since their
// cause is the server's to fix.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	ae := errorFor(err)
	if ae.status >= 500 && ae.code != codeUnavailable && ae.code != codeShuttingDown {
		s.logger.Error("server: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeAPIError(w, ae)
}

func writeAPIError(w http.ResponseWriter, ae *apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if ae.retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ae.retryAfter))
	}
	body, _ := json.Marshal(struct {
		Code    int    `json:"error_code"`
		Message string `json:"message"`
	}{ae.code, ae.msg})
	w.WriteHeader(ae.status)
	w.Write(append(body, '\n'))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeAPIError(w, errorFor(fmt.Errorf("server: cannot encode the answer: %w", err)))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}
