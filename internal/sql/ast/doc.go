// Package ast owns the syntax tree of the ksqlDB dialect: statements,
// queries, expressions and types exactly as written, each node carrying the
// position it starts at. Names are resolved later, by the binder; the tree only
// records what the text says, with unquoted identifiers upper-cased as ksqlDB
// does.
//
// Every node prints back to SQL with String(). The printed text parses to an
// equal tree (Equal ignores positions), so a statement can be stored, shown
// or rewritten as text. Expressions print the way ksqlDB prints them in its
// messages: operators fully parenthesised, literals in their source form:
//
//	stmt, _ := parser.ParseStatement("select id, sum(amount) total from orders group by id emit changes;")
//	fmt.Println(stmt)
//	// SELECT
//	//   ID,
//	//   SUM(AMOUNT) TOTAL
//	// FROM ORDERS
//	// GROUP BY ID
//	// EMIT CHANGES
//
// Dump renders a tree with its positions, for golden tests and debugging.
package ast
