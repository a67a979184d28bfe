package serde_test

import (
	"fmt"

	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

func ExampleNewFormat() {
	cols := []types.Column{{Name: "ID", Type: types.BigIntType}, {Name: "NAME", Type: types.StringType}}
	f, err := serde.NewFormat("JSON", cols, serde.Options{})
	if err != nil {
		panic(err)
	}
	row, err := f.Decode(nil, []byte(`{"id": 7, "name": "ada", "extra": true}`))
	fmt.Println(types.Row(row), err)
	out, err := f.Encode(nil, row)
	fmt.Println(string(out), err)

	csv, _ := serde.NewFormat("delimited", cols, serde.Options{Delimiter: '|'})
	out, _ = csv.Encode(nil, row)
	fmt.Println(string(out))
	// Output:
	// [7, ada] <nil>
	// {"ID":7,"NAME":"ada"} <nil>
	// 7|ada
}
