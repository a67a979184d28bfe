package types

import (
	"math"
	"testing"
)

func TestValueString(t *testing.T) {
	ab := []string{"F0", "f1"}
	cases := []struct {
		v    Value
		want string
	}{
		{Null(), "null"},
		{Bool(true), "true"},
		{Bool(false), "false"},
		{Int(-1), "-1"},
		{BigInt(2147483648), "2147483648"},
		{Double(0), "0.0"},
		{Double(10.3), "10.3"},
		{Double(1e7), "1.0E7"},
		{Dec(MustParseDecimal("0.00")), "0.00"},
		{Dec(MustParseDecimal("10.01")), "10.01"},
		{Dec(MustParseDecimal("123.4560000000")), "123.4560000000"},
		{Dec(MustParseDecimal("1E+3")), "1000"},
		{Str("bob"), "bob"},
		{Bytes([]byte("hello")), "aGVsbG8="},
		{Timestamp(0), "1970-01-01T00:00:00.000"},
		{Timestamp(1651182287943), "2022-04-28T21:44:47.943"},
		{Timestamp(-1), "1969-12-31T23:59:59.999"},
		{Date(10), "1970-01-11"},
		{Date(-1), "1969-12-31"},
		{Date(19115), "2022-05-03"},
		{Time(5000), "00:00:05"}, // time.json "casting - time to string"
		{Time(4000), "00:00:04"},
		{Time(0), "00:00:00"},
		{Time(86399999), "23:59:59.999"},
		{Time(3723004), "01:02:03.004"},
		{Array([]Value{Int(1), Int(3)}), "[1, 3]"}, // cast.json "array to string"
		{Array([]Value{Str("a"), Null(), Double(1)}), "[a, null, 1.0]"},
		{Array([]Value{Dec(MustParseDecimal("0.00000000"))}), "[0E-8]"},
		{Array(nil), "[]"},
		{Map([]Value{Str("this")}, []Value{Int(1)}), "{this=1}"}, // cast.json "map to string"
		{Map([]Value{Str("a"), Str("b")}, []Value{Int(1), Null()}), "{a=1, b=null}"},
		{Struct(ab, []Value{Int(1), Int(3)}), "Struct{F0=1,f1=3}"}, // cast.json "struct to string"
		{Struct([]string{"A"}, []Value{Str("bar")}), "Struct{A=bar}"},
		{Struct(ab, []Value{Null(), Int(3)}), "Struct{f1=3}"},
		{Struct(nil, nil), "Struct{}"},
		{Array([]Value{Struct([]string{"A"}, []Value{Array([]Value{Int(1)})})}), "[Struct{A=[1]}]"},
	}
	for _, c := range cases {
		if got := c.v.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

func TestFormatDouble(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-1.5, "-1.5"},
		{100, "100.0"},
		{0.1, "0.1"},
		{0.001, "0.001"},
		{0.0001, "1.0E-4"},
		{0.00012345, "1.2345E-4"},
		{123.456, "123.456"},
		{9999999, "9999999.0"},
		{1e7, "1.0E7"},
		{12345678, "1.2345678E7"},
		{-1e21, "-1.0E21"},
		{1e-5, "1.0E-5"},
		{3.1, "3.1"},
		{1099511627776, "1.099511627776E12"},
		{0.5, "0.5"},
		{1.0 / 3, "0.3333333333333333"},
		{2.0 / 3, "0.6666666666666666"},
		{10.123451234512345, "10.123451234512345"},
		// literals.json "DOUBLE literals".
		{4.9e-324, "4.9E-324"},
		{-4.9e-324, "-4.9E-324"},
		{2.2250738585072014e-308, "2.2250738585072014E-308"},
		{1.7976931348623157e308, "1.7976931348623157E308"},
		{-1.7976931348623157e308, "-1.7976931348623157E308"},
		{1e23, "1.0E23"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
	}
	for _, c := range cases {
		if got := FormatDouble(c.f); got != c.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}
