// Package types owns Sluice's SQL types and values, the base of the SQL
// engine: the ksqlDB dialect's types (BOOLEAN, INTEGER, BIGINT, DOUBLE,
// DECIMAL(p, s), STRING, BYTES, TIMESTAMP, DATE, TIME, ARRAY, MAP,
// STRUCT), the implicit numeric widening between them, exact decimals with
// ksqlDB's precision and scale rules, values as a compact tagged union,
// and the schemas and rows built from them.
//
// Value is 24 bytes and holds fixed-width data inline, so the hot paths of
// the engine make, read, compare and hash numbers, booleans and times
// without allocating. Strings, bytes, arrays and maps point at existing
// memory. Types and values print the way ksqlDB prints them, since its
// users, its error messages and its tests read those strings.
//
// Typing and evaluating a decimal addition, as the expression compiler
// does:
//
//	a := types.MustDecimalType(4, 2)
//	t, _ := types.ArithmeticType(types.OpAdd, a, types.IntegerType)
//	fmt.Println(t) // DECIMAL(13, 2)
//	x := types.MustParseDecimal("10.01")
//	y, _ := types.Widen(types.Int(5), t)
//	sum, err := types.DecimalArith(types.OpAdd, x, y.Dec(), t)
//	fmt.Println(types.Dec(sum), err) // 15.01 <nil>
//
// A schema prints as in ksqlDB's post-conditions:
//
//	s := types.MustSchema(
//		types.Column{Name: "ID", Type: types.BigIntType, Namespace: types.NamespaceKey},
//		types.Column{Name: "NAME", Type: types.StringType},
//	)
//	fmt.Println(s) // `ID` BIGINT KEY, `NAME` STRING
package types
