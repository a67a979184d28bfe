package types

import (
	"strings"
	"testing"
)

// Sinks keep the compiler from optimizing benchmarked work away.
var (
	sinkValue Value
	sinkInt   int64
	sinkFloat float64
	sinkBool  bool
	sinkHash  uint64
	sinkStr   string
	sinkDec   Decimal
)

// TestHotPathsDoNotAllocate pins the promise of the package: fixed-width
// values are made, read, compared and hashed without heap allocation, and
// strings are wrapped without copying.
func TestHotPathsDoNotAllocate(t *testing.T) {
	s := strings.Repeat("k", 40)
	s2 := s + "x"
	small := MustParseDecimal("1234.56")
	row := Row{BigInt(7), Str(s), Double(2.5)}
	buf := make([]byte, 0, 64)
	checks := map[string]func(){
		"make/read INTEGER":   func() { sinkInt = int64(Int(int32(sinkInt)).Int()) },
		"make/read BIGINT":    func() { sinkInt = BigInt(sinkInt + 1).BigInt() },
		"make/read DOUBLE":    func() { sinkFloat = Double(sinkFloat + 1).Double() },
		"make/read BOOLEAN":   func() { sinkBool = Bool(!sinkBool).Bool() },
		"make/read TIMESTAMP": func() { sinkInt = Timestamp(sinkInt).Timestamp() },
		"make/read DATE":      func() { sinkInt = int64(Date(int32(sinkInt)).Date()) },
		"make/read TIME":      func() { sinkInt = int64(Time(int32(sinkInt)).Time()) },
		"make/read DECIMAL":   func() { sinkDec = Dec(small).Dec() },
		"make/read STRING":    func() { sinkStr = Str(s).Str() },
		"compare BIGINT":      func() { sinkInt = int64(BigInt(sinkInt).Compare(BigInt(3))) },
		"compare INT/BIGINT":  func() { sinkBool = Int(3).Equal(BigInt(sinkInt)) },
		"compare DOUBLE":      func() { sinkInt = int64(Double(sinkFloat).Compare(Double(1.5))) },
		"compare INT/DOUBLE":  func() { sinkInt = int64(Int(2).Compare(Double(sinkFloat))) },
		"compare DECIMAL":     func() { sinkInt = int64(Dec(small).Compare(Dec(NewDecimal(123456, 3)))) },
		"compare STRING":      func() { sinkInt = int64(Str(s).Compare(Str(s2))) },
		"hash BIGINT":         func() { sinkHash = BigInt(sinkInt).Hash() },
		"hash DOUBLE":         func() { sinkHash = Double(sinkFloat + 0.5).Hash() },
		"hash DECIMAL":        func() { sinkHash = Dec(small).Hash() },
		"hash STRING":         func() { sinkHash = Str(s).Hash() },
		"hash row":            func() { sinkHash = row.Hash() },
		"widen INT to BIGINT": func() { sinkValue, _ = Widen(Int(3), BigIntType) },
		"decimal add":         func() { sinkDec = small.Add(small) },
		"format DOUBLE":       func() { buf = AppendDouble(buf[:0], 1) },
		"format tiny DOUBLE":  func() { buf = AppendDouble(buf[:0], 4.9e-324) },
		"format DECIMAL":      func() { buf = small.Append(buf[:0]) },
		"decimal mul":         func() { sinkDec = small.Mul(small) },
		"decimal cast":        func() { sinkDec, _ = small.Cast(10, 4) },
		"decimal div":         func() { sinkDec, _ = DecimalArith(OpDiv, small, NewDecimal(3, 0), MustDecimalType(18, 8)) },
	}
	for name, f := range checks {
		if n := testing.AllocsPerRun(200, f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, n)
		}
	}
}

func BenchmarkMakeReadBigInt(b *testing.B) {
	b.ReportAllocs()
	var acc int64
	for i := 0; i < b.N; i++ {
		acc += BigInt(int64(i)).BigInt()
	}
	sinkInt = acc
}

func BenchmarkMakeReadDouble(b *testing.B) {
	b.ReportAllocs()
	var acc float64
	for i := 0; i < b.N; i++ {
		acc += Double(float64(i)).Double()
	}
	sinkFloat = acc
}

func BenchmarkMakeReadFixedWidth(b *testing.B) {
	b.ReportAllocs()
	row := make(Row, 7)
	var acc int64
	for i := 0; i < b.N; i++ {
		row[0] = Bool(i&1 == 0)
		row[1] = Int(int32(i))
		row[2] = BigInt(int64(i))
		row[3] = Double(float64(i))
		row[4] = Timestamp(int64(i))
		row[5] = Date(int32(i))
		row[6] = Time(int32(i))
		if row[0].Bool() {
			acc++
		}
		acc += int64(row[1].Int()) + row[2].BigInt() + int64(row[3].Double()) +
			row[4].Timestamp() + int64(row[5].Date()) + int64(row[6].Time())
	}
	sinkInt = acc
}

func BenchmarkCompareBigInt(b *testing.B) {
	b.ReportAllocs()
	x := BigInt(42)
	acc := 0
	for i := 0; i < b.N; i++ {
		acc += BigInt(int64(i)).Compare(x)
	}
	sinkInt = int64(acc)
}

func BenchmarkCompareDouble(b *testing.B) {
	b.ReportAllocs()
	x := Double(42.5)
	acc := 0
	for i := 0; i < b.N; i++ {
		acc += Double(float64(i)).Compare(x)
	}
	sinkInt = int64(acc)
}

func BenchmarkCompareIntDouble(b *testing.B) {
	b.ReportAllocs()
	x := Double(42.5)
	acc := 0
	for i := 0; i < b.N; i++ {
		acc += Int(int32(i)).Compare(x)
	}
	sinkInt = int64(acc)
}

func BenchmarkEqualBigInt(b *testing.B) {
	b.ReportAllocs()
	x := BigInt(42)
	acc := 0
	for i := 0; i < b.N; i++ {
		if BigInt(int64(i & 63)).Equal(x) {
			acc++
		}
	}
	sinkInt = int64(acc)
}

func BenchmarkCompareString(b *testing.B) {
	b.ReportAllocs()
	x, y := Str("customer-000123"), Str("customer-000124")
	acc := 0
	for i := 0; i < b.N; i++ {
		acc += x.Compare(y)
	}
	sinkInt = int64(acc)
}

func BenchmarkHashBigInt(b *testing.B) {
	b.ReportAllocs()
	var acc uint64
	for i := 0; i < b.N; i++ {
		acc += BigInt(int64(i)).Hash()
	}
	sinkHash = acc
}

func BenchmarkHashString(b *testing.B) {
	b.ReportAllocs()
	v := Str("customer-000123")
	var acc uint64
	for i := 0; i < b.N; i++ {
		acc += v.Hash()
	}
	sinkHash = acc
}

func BenchmarkHashDecimal(b *testing.B) {
	b.ReportAllocs()
	var acc uint64
	for i := 0; i < b.N; i++ {
		acc += Dec(NewDecimal(int64(i), 2)).Hash()
	}
	sinkHash = acc
}

func BenchmarkDecimalAdd(b *testing.B) {
	b.ReportAllocs()
	x, y := MustParseDecimal("1234.56"), MustParseDecimal("0.001")
	for i := 0; i < b.N; i++ {
		x = x.Add(y)
	}
	sinkDec = x
}

func BenchmarkDecimalArithDiv(b *testing.B) {
	b.ReportAllocs()
	t, _ := ArithmeticType(OpDiv, MustDecimalType(6, 2), MustDecimalType(4, 1))
	x, y := MustParseDecimal("1234.56"), MustParseDecimal("3.7")
	var r Decimal
	for i := 0; i < b.N; i++ {
		r, _ = DecimalArith(OpDiv, x, y, t)
	}
	sinkDec = r
}

func BenchmarkDecimalAddBig(b *testing.B) {
	b.ReportAllocs()
	x, y := MustParseDecimal("12345678987654321.2345678987654321"), MustParseDecimal("0.0000000000000001")
	for i := 0; i < b.N; i++ {
		x = x.Add(y)
	}
	sinkDec = x
}

func BenchmarkParseDecimal(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		sinkDec, _ = ParseDecimal("-12345.6789")
	}
}

func BenchmarkFormatDecimal(b *testing.B) {
	b.ReportAllocs()
	d := MustParseDecimal("-12345.6789")
	buf := make([]byte, 0, 32)
	for i := 0; i < b.N; i++ {
		buf = d.Append(buf[:0])
	}
	sinkStr = string(buf)
}

func BenchmarkFormatDouble(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 32)
	for i := 0; i < b.N; i++ {
		buf = AppendDouble(buf[:0], 12345.678)
	}
	sinkStr = string(buf)
}
