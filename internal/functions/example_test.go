package functions_test

import (
	"fmt"

	"github.com/sluicedata/sluice/internal/functions"
	"github.com/sluicedata/sluice/internal/types"
)

func Example() {
	reg := functions.NewRegistry()
	fn, err := reg.Resolve("SUBSTRING", []types.Type{types.StringType, types.IntegerType})
	if err != nil {
		fmt.Println(err)
		return
	}
	v, _ := fn.Eval([]types.Value{types.Str("sluice"), types.Int(-3)})
	fmt.Println(v, fn.Return)

	_, err = reg.Resolve("SUBSTRING", []types.Type{types.StringType, types.StringType})
	fmt.Println(err)
	// Output:
	// ice STRING
	// functions: no matching overload: Function 'substring' does not accept parameters (STRING, STRING).
	// Valid alternatives are:
	// SUBSTRING(str STRING, pos INTEGER) => STRING
	// SUBSTRING(str STRING, pos INTEGER, len INTEGER) => STRING
	// SUBSTRING(bytes BYTES, pos INTEGER) => BYTES
	// SUBSTRING(bytes BYTES, pos INTEGER, len INTEGER) => BYTES
}
