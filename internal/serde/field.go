package serde

import (
	"encoding/binary"
	"math/bits"
)

// TopLevelField returns the raw JSON of the member called name of the
// object obj, without surrounding whitespace: `"abc"` (quotes included),
// `42`, `{"a":1}`. Member names are compared after unescaping. When a name
// occurs more than once, the first occurrence is returned. obj should be
// valid JSON (see ValidJSON); on other input the result is unspecified but
// TopLevelField neither panics nor reads outside obj.
func TopLevelField(obj []byte, name string) (raw []byte, ok bool) {
	i := SkipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = SkipSpace(obj, i)
		if i >= len(obj) || obj[i] != '"' {
			return nil, false
		}
		kstart := i
		kend, escaped := skipString(obj, i)
		if kend < 0 {
			return nil, false
		}
		i = SkipSpace(obj, kend)
		if i >= len(obj) || obj[i] != ':' {
			return nil, false
		}
		vstart := SkipSpace(obj, i+1)
		vend := skipValue(obj, vstart)
		if vend < 0 {
			return nil, false
		}
		if nameEquals(obj[kstart:kend], escaped, name) {
			return obj[vstart:vend], true
		}
		i = SkipSpace(obj, vend)
		if i >= len(obj) || obj[i] != ',' {
			return nil, false
		}
		i++
	}
}

// nameEquals compares a quoted member name with name.
func nameEquals(quoted []byte, escaped bool, name string) bool {
	if !escaped {
		return string(quoted[1:len(quoted)-1]) == name
	}
	var buf [128]byte
	got, err := AppendUnquoted(buf[:0], quoted)
	return err == nil && string(got) == name
}

// quoteOrBackslash marks the '"' and '\\' bytes of w (exact for the lowest).
func quoteOrBackslash(w uint64) uint64 {
	q := w ^ (lsb * '"')
	s := w ^ (lsb * '\\')
	return (((q - lsb) &^ q) | ((s - lsb) &^ s)) & msb
}

// skipString returns the offset past the string at b[i] (its opening
// quote) and whether it holds escapes, without validating it; -1 when it
// is not terminated.
func skipString(b []byte, i int) (int, bool) {
	escaped := false
	i++
	for {
		for i+8 <= len(b) {
			if m := quoteOrBackslash(binary.LittleEndian.Uint64(b[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return -1, escaped
		}
		switch b[i] {
		case '"':
			return i + 1, escaped
		case '\\':
			escaped = true
			i += 2
		default:
			i++
		}
	}
}

// skipValue returns the offset past the value at b[i], which is assumed
// valid; -1 when the input ends first.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		end, _ := skipString(b, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			case '"':
				end, _ := skipString(b, i)
				if end < 0 {
					return -1
				}
				i = end
				continue
			}
			i++
		}
		return -1
	default:
		// A number or literal runs to the next delimiter.
		j := i
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return j
			}
			j++
		}
		if j == i {
			return -1
		}
		return j
	}
}
