// Package parser owns the lexer and the recursive-descent parser of the
// ksqlDB dialect: statements, queries, expressions and types, as ksqlDB's
// grammar accepts them, into the trees of package ast.
//
// Unquoted identifiers are upper-cased; backticked and double-quoted ones
// keep their case. Strings escape a quote by doubling it. Numbers are
// integers (BIGINT range), decimals (exact, 1.50) or doubles (1.5E0); a
// minus sign before a number belongs to it. Comments are -- to the end of
// the line and /* ... */. ${name} stands for a variable.
//
// Every error is an *Error with a position, a stable Code and a message in
// ksqlDB's words where ksqlDB's own tests pin them:
//
//	_, err := parser.Parse("CREATE STREAM s (k INT (KEY)) WITH (kafka_topic='t');")
//	var pe *parser.Error
//	if errors.As(err, &pe) {
//		fmt.Println(pe.Code) // syntax
//		fmt.Println(pe)      // line 1:25: Syntax Error
//		                     // Expecting {'STRING', INTEGER_VALUE}
//	}
//
// Parse reads a script of statements separated by semicolons;
// ParseScript also returns each statement's text, as a command log keeps
// it. RUN SCRIPT parses, for clients; CheckExecutable tells a server to
// refuse it.
package parser
