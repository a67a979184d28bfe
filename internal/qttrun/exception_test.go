package qttrun

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/qtt"
)

func TestMatchException(t *testing.T) {
	parseErr := &engine.StatementError{Kind: "parse", Message: "line 1:8: Syntax Error", Statement: "SELECT ;"}
	stmtErr := &engine.StatementError{Kind: "statement", Message: "Invalid Predicate Type: INTEGER",
		Statement: "CREATE STREAM X AS SELECT * FROM S WHERE 1;", Err: errors.New("inner: bad predicate")}
	runtimeErr := &runtimeError{errors.New("Error in query: overflow")}
	const (
		parseFailed = "io.confluent.ksql.parser.exception.ParseFailedException"
		statement   = "io.confluent.ksql.util.KsqlStatementException"
		ksql        = "io.confluent.ksql.util.KsqlException"
		streams     = "org.apache.kafka.streams.errors.StreamsException"
	)
	tests := []struct {
		name string
		exp  qtt.Exception
		err  error
		want string // "" for a match, else a substring of the reason
	}{
		{"parse by type and message", qtt.Exception{Type: parseFailed, Message: "Syntax Error"}, parseErr, ""},
		{"parse is not a statement exception", qtt.Exception{Type: statement}, parseErr, "got a parse error"},
		{"parse is a KsqlException", qtt.Exception{Type: ksql, Message: "Syntax"}, parseErr, ""},
		{"statement message substring", qtt.Exception{Type: statement, Message: "Invalid Predicate"}, stmtErr, ""},
		{"statement message with the statement text", qtt.Exception{Type: statement, Message: "INTEGER\nStatement: CREATE STREAM X"}, stmtErr, ""},
		{"statement message missing", qtt.Exception{Type: statement, Message: "Type mismatch"}, stmtErr, `containing "Type mismatch"`},
		{"statement is not parse", qtt.Exception{Type: parseFailed}, stmtErr, "got a statement error"},
		{"runtime is a StreamsException", qtt.Exception{Type: streams, Message: "overflow"}, runtimeErr, ""},
		{"runtime is not a KsqlException", qtt.Exception{Type: ksql}, runtimeErr, "got a runtime error"},
		{"unknown class accepts any kind", qtt.Exception{Type: "java.lang.ArithmeticException", Message: "overflow"}, runtimeErr, ""},
		{"cause message", qtt.Exception{Type: statement, CauseMessage: "bad predicate"}, stmtErr, ""},
		{"cause message missing", qtt.Exception{Type: statement, CauseMessage: "other"}, stmtErr, "cause containing"},
		{"plain error is a statement error", qtt.Exception{Type: ksql, Message: "boom"}, fmt.Errorf("boom"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := matchException(&tt.exp, tt.err)
			if tt.want == "" && got != "" {
				t.Fatalf("no match: %s", got)
			}
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Fatalf("reason %q, want one containing %q", got, tt.want)
			}
		})
	}
}
