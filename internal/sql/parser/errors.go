package parser

import (
	"fmt"

	"github.com/sluicedata/sluice/internal/sql/ast"
)

// Code identifies a kind of parse error. Codes are stable: tests, the REST
// layer and clients may rely on them.
type Code string

const (
	// CodeSyntax: the tokens do not form a statement of the dialect.
	CodeSyntax Code = "syntax"
	// CodeUnknownStatement: the first word begins no statement.
	CodeUnknownStatement Code = "unknown-statement"
	// CodeUnterminatedString: a string literal has no closing quote.
	CodeUnterminatedString Code = "unterminated-string"
	// CodeUnterminatedIdentifier: a quoted identifier has no closing quote.
	CodeUnterminatedIdentifier Code = "unterminated-identifier"
	// CodeUnterminatedComment: a /* comment has no closing */.
	CodeUnterminatedComment Code = "unterminated-comment"
	// CodeInvalidCharacter: a character that begins no token.
	CodeInvalidCharacter Code = "invalid-character"
	// CodeInvalidNumber: a number outside its type's range (an integer beyond
	// BIGINT, a double beyond DOUBLE) or a malformed DECIMAL '...'.
	CodeInvalidNumber Code = "invalid-number"
	// CodeUnknownType: a typed literal, TYPE '...', of a type other than
	// DECIMAL.
	CodeUnknownType Code = "unknown-type"
	// CodeKeyConstraint: KEY on a table column or PRIMARY KEY on a stream
	// column.
	CodeKeyConstraint Code = "key-constraint"
	// CodeTooDeep: expressions or types nested beyond MaxDepth.
	CodeTooDeep Code = "too-deep"
	// CodeStatementCount: ParseStatement was given no statement, or several.
	CodeStatementCount Code = "statement-count"
	// CodeNotExecutable: a statement only a client can execute (RUN SCRIPT),
	// reported by CheckExecutable.
	CodeNotExecutable Code = "not-executable"
)

// Error is a parse error at a position of the source.
type Error struct {
	Pos  ast.Pos
	Code Code
	// Msg is the message without the position. Syntax errors read
	// "Syntax Error\n" and what was expected or found, which may be nothing:
	// ksqlDB's exact layout, which its tests pin.
	Msg string
	// Near is the source text of the offending token ("<EOF>" at the end),
	// for syntax errors.
	Near string
	// compat is how ksqlDB phrases the same error elsewhere; see Compat.
	compat string
}

// Error returns "line L:C: message".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d:%d: %s", e.Pos.Line, e.Pos.Col, e.Msg)
}

// Compat returns the other phrasing ksqlDB gives the same error, for
// matching ksqlDB's expected messages, which may pin either phrasing:
// "Syntax error at or near 'X' at line L:C" for syntax errors,
// "Line: L, Col: C: message" for column constraint errors, and
// "line L:C: message" with ksqlDB's column (one past the literal) for
// number range errors. It is Error() when ksqlDB has no other phrasing.
func (e *Error) Compat() string {
	if e.compat != "" {
		return e.compat
	}
	return e.Error()
}

func syntaxMsg(detail string) string { return "Syntax Error\n" + detail }
