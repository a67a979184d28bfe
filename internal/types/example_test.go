package types_test

import (
	"fmt"

	"github.com/sluicedata/sluice/internal/types"
)

func Example() {
	a := types.MustDecimalType(4, 2)
	t, _ := types.ArithmeticType(types.OpAdd, a, types.IntegerType)
	fmt.Println(t)
	x := types.MustParseDecimal("10.01")
	y, _ := types.Widen(types.Int(5), t)
	sum, err := types.DecimalArith(types.OpAdd, x, y.Dec(), t)
	fmt.Println(types.Dec(sum), err)

	s := types.MustSchema(
		types.Column{Name: "ID", Type: types.BigIntType, Namespace: types.NamespaceKey},
		types.Column{Name: "NAME", Type: types.StringType},
	)
	fmt.Println(s)
	// Output:
	// DECIMAL(13, 2)
	// 15.01 <nil>
	// `ID` BIGINT KEY, `NAME` STRING
}

func ExampleDecimal_Cast() {
	_, err := types.MustParseDecimal("1202.5").Cast(4, 1)
	fmt.Println(err)
	// Output:
	// types: Numeric field overflow: A field with precision 4 and scale 1 must round to an absolute value less than 10^3. Got 1202.5
}
