package expr

import (
	"testing"

	"github.com/sluicedata/sluice/internal/sql/parser"
	"github.com/sluicedata/sluice/internal/types"
)

func benchCompile(b *testing.B, src string, schema *types.Schema) *Compiled {
	b.Helper()
	e, err := parser.ParseExpr(src)
	if err != nil {
		b.Fatal(err)
	}
	c, err := Compile(e, Env{Schema: schema})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkFilterS2 is the filter of a typical streaming query: a string
// equality and a numeric comparison against a decimal literal.
func BenchmarkFilterS2(b *testing.B) {
	for _, tc := range []struct {
		name  string
		price types.Type
		val   types.Value
	}{
		{"double", types.DoubleType, types.Double(2.25)},
		{"decimal", types.MustDecimalType(10, 2), types.Dec(types.NewDecimal(225, 2))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			schema := types.MustSchema(
				types.Column{Name: "TYPE", Type: types.StringType},
				types.Column{Name: "PRICE", Type: tc.price},
			)
			c := benchCompile(b, "TYPE = 'click' AND PRICE > 1.5", schema)
			rows := []types.Row{
				{types.Str("click"), tc.val},
				{types.Str("view"), tc.val},
				{types.Str("click"), types.Null()},
			}
			b.ReportAllocs()
			b.ResetTimer()
			n := 0
			for i := 0; i < b.N; i++ {
				v, err := c.Eval(rows[i%len(rows)])
				if err != nil {
					b.Fatal(err)
				}
				if v.Bool() {
					n++
				}
			}
			if n == 0 {
				b.Fatal("no row passed the filter")
			}
		})
	}
}

func BenchmarkArithBigInt(b *testing.B) {
	schema := types.MustSchema(
		types.Column{Name: "A", Type: types.BigIntType},
		types.Column{Name: "B", Type: types.BigIntType},
	)
	c := benchCompile(b, "A * 3 + B - 7", schema)
	row := types.Row{types.BigInt(11), types.BigInt(5)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.Eval(row); err != nil {
			b.Fatal(err)
		}
	}
}
