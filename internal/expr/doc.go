// Package expr owns typed expressions: it binds the names of a parsed ksqlDB
// expression against an input schema, checks and infers types as ksqlDB
// does, and compiles the result into an evaluator over rows.
//
// Compilation happens once per query; evaluation once per row. The compiled
// form is a tree of closures specialised by type (BIGINT + BIGINT has its own
// node), with literals folded and widened at compile time, so evaluating
// fixed-width results does not allocate.
//
//	schema := types.MustSchema(
//		types.Column{Name: "TYPE", Type: types.StringType},
//		types.Column{Name: "PRICE", Type: types.DoubleType},
//	)
//	e, _ := parser.ParseExpr("type = 'click' AND price > 1.5")
//	c, _ := expr.Compile(e, expr.Env{Schema: schema})
//	v, _ := c.Eval(types.Row{types.Str("click"), types.Double(2)})
//	fmt.Println(c.Type, v) // BOOLEAN true
//
// Null rules are ksqlDB's: arithmetic, casts, LIKE and the accessors return
// NULL when an operand is NULL, but a comparison (=, <>, <, BETWEEN, IN)
// with a NULL operand is FALSE, not NULL, as in ksqlDB's generated code;
// AND, OR and NOT use three-valued logic; IS [NOT] NULL and IS [NOT]
// DISTINCT FROM never return NULL.
//
// Errors found at compile time are *Error values carrying the position in
// the statement. Errors found while evaluating a row (a bad cast, a decimal
// overflow, a division by zero) are returned by Eval; the caller logs them to
// the processing log and uses NULL, as ksqlDB does. Eval never panics.
//
// The operand and values of IN, and the elements of ARRAY and MAP
// constructors, are converted to their common type as ksqlDB's coercion of
// user lists does: numbers widen, string literals are read as the numbers or
// booleans they spell ('4.000' IN a list of INTEGERs makes it DECIMAL), other
// literals may become strings, and STRUCT constructors merge their fields.
//
// A function call nested in a larger expression that fails in a row is
// NULL and the rest of the expression goes on, as ksqlDB evaluates it
// (IFNULL(PARSE_DATE(x, f), d) gives d for a bad x); a call that is the
// whole expression returns its error. Inside a lambda, arithmetic on a NULL
// fails the whole call, as ksqlDB's boxed Java arithmetic throws.
//
// Integer arithmetic wraps on overflow, as Java's int and long arithmetic
// does in ksqlDB; integer division or remainder by zero is a row error (Java
// throws ArithmeticException, which ksqlDB turns into NULL); DOUBLE division
// by zero gives an infinity or NaN.
//
// + on two STRINGs concatenates them, as || does. TRANSFORM, FILTER and
// REDUCE take lambdas and are compiled here, the lambda parameters bound in
// the body's scope; every other call resolves through the function registry.
//
// A qualified column name (a.col) resolves to the column col; the qualifier
// is accepted and ignored, since a single input schema has one column of a
// name. Telling sources of a join apart by alias is the binder's job.
package expr
