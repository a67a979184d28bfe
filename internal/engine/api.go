package engine

import (
	"context"
	"errors"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// Session is the state one client keeps across statements: properties set
// with SET (or sent with a request) and variables set with DEFINE. A nil
// Session is an empty one that nothing can change.
type Session struct {
	Properties map[string]string // e.g. auto.offset.reset=earliest
	Variables  map[string]string // DEFINE name = 'value'; ${name} substitutes
}

// NewSession returns an empty session.
func NewSession() *Session {
	return &Session{Properties: map[string]string{}, Variables: map[string]string{}}
}

// Error codes of ksqlDB's REST API: the HTTP status times 100 plus a
// detail.
const (
	CodeBadRequest    = 40000
	CodeBadStatement  = 40001
	CodeQueryEndpoint = 40002 // a SELECT sent to /ksql
	CodeNotFound      = 40400
	CodeServerError   = 50000
)

// StatementError is a statement that failed. The server turns it into
// ksqlDB's error body: "@type" statement_error, error_code, message,
// statementText, and the entities of the statements before it that
// succeeded.
type StatementError struct {
	Code      int    // e.g. CodeBadStatement
	Message   string // ksqlDB's wording where ksqlDB pins one
	Statement string // the failing statement's text
	Pos       ast.Pos
	// Kind classifies the error as ksqlDB's exception types do: "parse"
	// (a syntax error), "statement" (validation or execution) or
	// "runtime" (a query failed while processing).
	Kind string
	// AltMessage is ksqlDB's other phrasing of the same error, where it
	// has one (a syntax error reads "Syntax error at or near 'X' at line
	// L:C" there), for tools that match ksqlDB's messages.
	AltMessage string
	Entities   []Entity
	Err        error // the underlying error, when there is one
}

func (e *StatementError) Error() string { return e.Message }
func (e *StatementError) Unwrap() error { return e.Err }

// AsStatementError returns err as a *StatementError, wrapping other errors
// as server errors.
func AsStatementError(err error) *StatementError {
	var se *StatementError
	if errors.As(err, &se) {
		return se
	}
	return &StatementError{Code: CodeServerError, Message: err.Error(), Kind: "statement", Err: err}
}

// Column is one column of a query's result, as the REST API announces it.
type Column struct {
	Name string
	Type types.Type
	Key  bool // a key column of the result
}

// SchemaString is the columns as ksqlDB's header "schema" writes them:
// "`ID` STRING KEY, `COUNT` BIGINT".
func SchemaString(cols []Column) string {
	s := ""
	for i, c := range cols {
		if i > 0 {
			s += ", "
		}
		s += types.QuoteIdentifier(c.Name) + " " + c.Type.String()
		if c.Key {
			s += " KEY"
		}
	}
	return s
}

// Row is one result row of a transient query: the values in the order of
// Stream.Columns. Tombstone marks a deleted table row (values of the key
// only).
type Row struct {
	Values    []types.Value
	Tombstone bool
}

// ErrLimitReached ends a transient query's rows when its LIMIT is reached.
var ErrLimitReached = errors.New("Limit Reached")

// Stream is a running transient query (SELECT ... EMIT CHANGES) or PRINT.
type Stream struct {
	// QueryID identifies the query for /close-query; PRINT has none.
	QueryID string
	// Columns of the rows; PRINT has one STRING column holding each
	// formatted record, and Print set.
	Columns []Column
	Print   bool

	next  func(ctx context.Context) (Row, error)
	close func()
}

// Next blocks for the next row. A push query's rows end with
// ErrLimitReached after the last row of a query with LIMIT; a pull
// query's with io.EOF. It returns ctx.Err() or the query's failure
// otherwise.
func (s *Stream) Next(ctx context.Context) (Row, error) { return s.next(ctx) }

// Close stops the query; Next then returns an error.
func (s *Stream) Close() {
	if s.close != nil {
		s.close()
	}
}

// QueryInfo describes a persistent query to tests and tools.
type QueryInfo struct {
	ID             string
	Statement      string
	Sources        []string // source names read
	Sink           string   // source name written
	SinkTopic      string
	Repartitioned  bool // it went through an internal repartition topic
	InternalTopics []string
	State          string // RUNNING, PAUSED, ERROR
	Stats          QueryStats
}
