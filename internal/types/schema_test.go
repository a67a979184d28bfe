package types

import (
	"errors"
	"strings"
	"testing"
)

func col(name string, t Type, ns Namespace) Column { return Column{Name: name, Type: t, Namespace: ns} }

func TestSchemaString(t *testing.T) {
	headers := ArrayType(MustStructType(Field{"KEY", StringType}, Field{"VALUE", BytesType}))
	cases := []struct {
		cols []Column
		want string
	}{
		{[]Column{col("ID", BigIntType, NamespaceKey), col("NAME", StringType, NamespaceValue)},
			"`ID` BIGINT KEY, `NAME` STRING"},
		{[]Column{col("ROWKEY", MustDecimalType(4, 2), NamespaceKey), col("FOO", IntegerType, NamespaceValue)},
			"`ROWKEY` DECIMAL(4, 2) KEY, `FOO` INTEGER"},
		{[]Column{col("KSQL_COL_0", MustStructType(Field{"A", IntegerType}, Field{"B", IntegerType}), NamespaceKey), col("A", IntegerType, NamespaceValue)},
			"`KSQL_COL_0` STRUCT<`A` INTEGER, `B` INTEGER> KEY, `A` INTEGER"},
		// Declared as (K KEY, TEXT, HEADER HEADER('abc')): keys, then headers, then values.
		{[]Column{col("K", IntegerType, NamespaceKey), col("TEXT", StringType, NamespaceValue),
			{Name: "HEADER", Type: BytesType, Namespace: NamespaceHeader, HeaderKey: "abc"}},
			"`K` INTEGER KEY, `HEADER` BYTES HEADER('abc'), `TEXT` STRING"},
		{[]Column{col("K", StringType, NamespaceKey), col("H", headers, NamespaceHeaders), col("V", BigIntType, NamespaceValue)},
			"`K` STRING KEY, `H` ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>> HEADERS, `V` BIGINT"},
		{[]Column{col("V", IntegerType, NamespaceValue), col("K", IntegerType, NamespaceKey), col("c1", BigIntType, NamespaceValue)},
			"`K` INTEGER KEY, `V` INTEGER, `c1` BIGINT"},
		{[]Column{{Name: "H", Type: BytesType, Namespace: NamespaceHeader, HeaderKey: "it's"}}, "`H` BYTES HEADER('it''s')"},
		{nil, ""},
	}
	for _, c := range cases {
		s, err := NewSchema(c.cols...)
		if err != nil {
			t.Errorf("NewSchema(%v): %v", c.cols, err)
			continue
		}
		if got := s.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestSchemaLayoutAndFind(t *testing.T) {
	s := MustSchema(
		col("V1", IntegerType, NamespaceValue),
		col("K1", StringType, NamespaceKey),
		Column{Name: "H", Type: BytesType, Namespace: NamespaceHeader, HeaderKey: "h"},
		col("K2", IntegerType, NamespaceKey),
		col("V2", DoubleType, NamespaceValue),
		col("K1", StringType, NamespaceValue), // a value copy of a key, as in intermediate schemas
	)
	if s.Len() != 6 || s.KeyLen() != 2 || s.HeaderLen() != 1 || s.ValueStart() != 3 {
		t.Fatalf("layout: len %d keys %d headers %d", s.Len(), s.KeyLen(), s.HeaderLen())
	}
	order := []string{"K1", "K2", "H", "V1", "V2", "K1"}
	for i, name := range order {
		if s.Column(i).Name != name {
			t.Errorf("column %d = %s, want %s", i, s.Column(i).Name, name)
		}
	}
	if i, ok := s.Find("K1"); !ok || i != 0 {
		t.Errorf("Find(K1) = %d, %v", i, ok)
	}
	if i, ok := s.FindValue("K1"); !ok || i != 5 {
		t.Errorf("FindValue(K1) = %d, %v", i, ok)
	}
	if i, ok := s.Find("V2"); !ok || i != 4 {
		t.Errorf("Find(V2) = %d, %v", i, ok)
	}
	if _, ok := s.Find("v2"); ok {
		t.Error("Find is case-sensitive")
	}
	cols := s.Columns()
	cols[0].Name = "CHANGED"
	if s.Column(0).Name != "K1" {
		t.Error("Columns must return a copy")
	}

	// Wide schemas use an index; it must agree with a scan.
	var wide []Column
	for i := 0; i < 40; i++ {
		ns := NamespaceValue
		if i%10 == 0 {
			ns = NamespaceKey
		}
		wide = append(wide, col("C"+itoa(int64(i)), IntegerType, ns))
	}
	wide = append(wide, col("C0", IntegerType, NamespaceValue))
	w := MustSchema(wide...)
	for i := 0; i < w.Len(); i++ {
		name := w.Column(i).Name
		j, ok := w.Find(name)
		if !ok || w.Column(j).Name != name || (name == "C0" && j != 0) {
			t.Errorf("Find(%s) = %d, %v", name, j, ok)
		}
	}
	if _, ok := w.Find("nope"); ok {
		t.Error("Find(nope)")
	}
}

func TestSchemaDuplicates(t *testing.T) {
	_, err := NewSchema(col("K", IntegerType, NamespaceKey), col("COUNT", BigIntType, NamespaceValue), col("COUNT", BigIntType, NamespaceValue))
	if !errors.Is(err, ErrDuplicateColumn) || !strings.Contains(err.Error(), "Duplicate value columns found in schema: `COUNT` BIGINT") {
		t.Errorf("value duplicate: %v", err)
	}
	_, err = NewSchema(col("K", IntegerType, NamespaceKey), col("K", StringType, NamespaceKey))
	if !errors.Is(err, ErrDuplicateColumn) || !strings.Contains(err.Error(), "Duplicate key columns found in schema: `K` STRING KEY") {
		t.Errorf("key duplicate: %v", err)
	}
	_, err = NewSchema(col("H", BytesType, NamespaceValue), Column{Name: "H", Type: BytesType, Namespace: NamespaceHeader, HeaderKey: "x"})
	if !errors.Is(err, ErrDuplicateColumn) {
		t.Errorf("header and value duplicate: %v", err)
	}
	if _, err := NewSchema(col("X", IntegerType, Namespace(9))); !errors.Is(err, ErrInvalidType) {
		t.Errorf("bad namespace: %v", err)
	}
}

func TestSchemaEqual(t *testing.T) {
	a := MustSchema(col("ID", BigIntType, NamespaceKey), col("NAME", StringType, NamespaceValue))
	b := MustSchema(col("NAME", StringType, NamespaceValue), col("ID", BigIntType, NamespaceKey))
	if !a.Equal(b) {
		t.Error("same columns after grouping")
	}
	for _, c := range [][]Column{
		{col("ID", BigIntType, NamespaceKey), col("NAME", StringType, NamespaceKey)},
		{col("ID", BigIntType, NamespaceKey), col("NAME", BytesType, NamespaceValue)},
		{col("ID", BigIntType, NamespaceKey), col("name", StringType, NamespaceValue)},
		{col("ID", BigIntType, NamespaceKey)},
		{col("ID", BigIntType, NamespaceKey), {Name: "NAME", Type: StringType, Namespace: NamespaceHeader, HeaderKey: "k"}},
	} {
		if a.Equal(MustSchema(c...)) {
			t.Errorf("%v equals %v", a, MustSchema(c...))
		}
	}
}

func TestRow(t *testing.T) {
	r := Row{BigInt(1), Str("a"), Null()}
	if !r.Equal(Row{Int(1), Str("a"), Null()}) || r.Equal(Row{BigInt(1), Str("a")}) || r.Equal(Row{BigInt(2), Str("a"), Null()}) {
		t.Error("Row.Equal")
	}
	if r.Hash() != (Row{Int(1), Str("a"), Null()}).Hash() {
		t.Error("equal rows hash alike")
	}
	if got := r.String(); got != "[1, a, null]" {
		t.Errorf("Row.String() = %q", got)
	}
}
