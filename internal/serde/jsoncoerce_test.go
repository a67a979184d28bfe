package serde

import (
	"math"
	"testing"
)

func TestAppendJavaNumber(t *testing.T) {
	// BigDecimal.toString of new BigDecimal(literal), and the integers of
	// Jackson's int, long and BigInteger nodes.
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "12": "12", "-12": "-12", "123456789012345678901234567890": "123456789012345678901234567890",
		"1.0": "1.0", "-1.50": "-1.50", "0.001": "0.001", "0.000001": "0.000001",
		"0.0000001": "1E-7", "-0.00000012": "-1.2E-7", "0.0": "0.0", "-0.0": "0.0", "0.00000000": "0E-8",
		"1e3": "1E+3", "1.5E10": "1.5E+10", "12e-1": "1.2", "123e-2": "1.23", "1e0": "1", "10e0": "10",
		"1E+0": "1", "0e5": "0E+5", "100e-2": "1.00", "1e1000000000": "1E+1000000000",
	} {
		if got := string(appendJavaNumber(nil, []byte(in))); got != want {
			t.Errorf("appendJavaNumber(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestJavaLong(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "-7": -7, "9223372036854775807": math.MaxInt64, "9223372036854775808": math.MinInt64,
		"-9223372036854775809": math.MaxInt64, "18446744073709551616": 0, "1.99": 1, "-1.99": -1,
		"1e2": 100, "1e-2": 0, "12.5e1": 125, "1e64": 0, "2e63": 0, "1e1000000000": 0, "0.5e1": 5,
	} {
		if got := javaLong([]byte(in)); got != want {
			t.Errorf("javaLong(%s) = %d, want %d", in, got, want)
		}
	}
}
