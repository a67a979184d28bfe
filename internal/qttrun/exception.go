package qttrun

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sluicedata/sluice/internal/engine"
	"github.com/sluicedata/sluice/internal/qtt"
)

// Error kinds of engine.StatementError, and of the runner's own failures
// while it feeds the inputs, which ksqlDB would raise while processing.
const (
	kindParse     = "parse"
	kindStatement = "statement"
	kindRuntime   = "runtime"
)

// exceptionKinds maps ksqlDB's exception class names to the error kinds
// that are instances of them: ParseFailedException and
// KsqlStatementException are both KsqlExceptions, StreamsException is
// thrown by a failing query. Other classes are accepted from any kind
// (nil), since Sluice has no finer classification to check them against.
func exceptionKinds(class string) []string {
	simple := class[strings.LastIndex(class, ".")+1:]
	switch simple {
	case "ParseFailedException":
		return []string{kindParse}
	case "KsqlStatementException":
		return []string{kindStatement}
	case "KsqlException":
		return []string{kindStatement, kindParse}
	case "StreamsException":
		return []string{kindRuntime}
	}
	return nil
}

// errorKindAndMessages returns the kind of err and the messages an expected
// message may be found in: the message, and the message with the
// statement, as ksqlDB's KsqlStatementException.getUnloggedMessage.
func errorKindAndMessages(err error) (kind string, msgs []string) {
	var se *engine.StatementError
	if errors.As(err, &se) {
		msgs = []string{se.Message}
		if se.Statement != "" {
			msgs = append(msgs, se.Message+"\nStatement: "+se.Statement)
		}
		if se.AltMessage != "" {
			msgs = append(msgs, se.AltMessage)
		}
		kind = se.Kind
		if kind == "" {
			kind = kindStatement
		}
		return kind, msgs
	}
	var re *runtimeError
	if errors.As(err, &re) {
		return kindRuntime, []string{re.Error()}
	}
	return kindStatement, []string{err.Error()}
}

// causeMessages returns the messages of the errors err wraps, the
// candidates for an expected cause message.
func causeMessages(err error) []string {
	var out []string
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		out = append(out, e.Error())
	}
	return out
}

// matchException says why err does not satisfy the expected exception,
// or "" when it does: its kind must be one the expected class allows and
// its message must contain the expected message; an expected cause
// message must be in the message of an error it wraps.
func matchException(exp *qtt.Exception, err error) string {
	kind, msgs := errorKindAndMessages(err)
	if exp.Type != "" {
		if kinds := exceptionKinds(exp.Type); kinds != nil && !contains(kinds, kind) {
			return fmt.Sprintf("expected %s, got a %s error: %s", exp.Type, kind, oneLine(msgs[0]))
		}
	}
	if exp.Message != "" && !anyContains(msgs, exp.Message) {
		return fmt.Sprintf("expected an error containing %q, got: %s", exp.Message, oneLine(msgs[0]))
	}
	if exp.CauseMessage != "" {
		causes := causeMessages(err)
		if !anyContains(causes, exp.CauseMessage) {
			return fmt.Sprintf("expected a cause containing %q, got: %s", exp.CauseMessage, oneLine(strings.Join(causes, "; ")))
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func anyContains(list []string, sub string) bool {
	for _, x := range list {
		if strings.Contains(x, sub) {
			return true
		}
	}
	return false
}

// runtimeError is a failure while the inputs were fed and the queries
// drained: ksqlDB reports those as StreamsExceptions.
type runtimeError struct{ err error }

func (e *runtimeError) Error() string { return e.err.Error() }
func (e *runtimeError) Unwrap() error { return e.err }

// describeExpected renders an expected exception for a failure message.
func describeExpected(exp *qtt.Exception) string {
	var parts []string
	if exp.Type != "" {
		parts = append(parts, exp.Type)
	}
	if exp.Message != "" {
		parts = append(parts, fmt.Sprintf("message %q", exp.Message))
	}
	if exp.CauseMessage != "" {
		parts = append(parts, fmt.Sprintf("cause %q", exp.CauseMessage))
	}
	return strings.Join(parts, " with ")
}
