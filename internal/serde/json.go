package serde

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects ValidJSON accepts.
// It bounds the validator's work per byte and protects whatever decodes
// the value later from unbounded recursion.
const MaxDepth = 1000

// SyntaxError says where and why a JSON text is invalid.
type SyntaxError struct {
	Offset int // byte offset of the problem in the input
	Msg    string
}

func (e *SyntaxError) Error() string { return "offset " + strconv.Itoa(e.Offset) + ": " + e.Msg }

func syntaxErr(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// describe names the byte at b[i] for an error message, or the end of input.
func describe(b []byte, i int) string {
	if i >= len(b) {
		return "end of input"
	}
	c := b[i]
	switch {
	case c >= 0x20 && c < 0x7f:
		return fmt.Sprintf("character %q", rune(c))
	case c < 0x20:
		return fmt.Sprintf("control character U+%04X", c)
	default:
		if r, _ := utf8.DecodeRune(b[i:]); r != utf8.RuneError {
			return fmt.Sprintf("character %q", r)
		}
		return fmt.Sprintf("byte 0x%02x (not UTF-8)", c)
	}
}

// ValidJSON reports whether b is exactly one JSON value, optionally
// surrounded by whitespace, as RFC 8259 defines it: strings must be UTF-8,
// numbers follow the grammar, nesting is limited to MaxDepth. An invalid
// input gives a *SyntaxError.
func ValidJSON(b []byte) error {
	end, err := ScanValue(b, 0)
	if err != nil {
		return err
	}
	if end = SkipSpace(b, end); end != len(b) {
		return syntaxErr(end, "unexpected %s after the JSON value (one value per text)", describe(b, end))
	}
	return nil
}

// SkipSpace returns the offset of the first byte at or after i that is not
// JSON whitespace.
func SkipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\n', '\r', '\t':
			i++
		default:
			return i
		}
	}
	return i
}

// ScanValue validates the JSON value that starts at b[i], after optional
// whitespace, and returns the offset just past it. Errors are
// *SyntaxError with offsets into b.
func ScanValue(b []byte, i int) (int, error) { return scanValueDepth(b, i, MaxDepth) }

// scanValueDepth is ScanValue allowing maxDepth levels of nesting, at most
// MaxDepth: a member's value, inside its object, has one level less.
func scanValueDepth(b []byte, i, maxDepth int) (int, error) {
	// One bit per open container: set for an object, clear for an array.
	var stack [(MaxDepth + 7) / 8]byte
	depth := 0
	n := len(b)
	var err error
	for {
		// A value is expected at i.
		if i < n && b[i] <= ' ' {
			i = SkipSpace(b, i)
		}
		if i >= n {
			return i, syntaxErr(i, "unexpected end of input, expecting a value")
		}
		switch c := b[i]; c {
		case '"':
			if i, err = scanString(b, i); err != nil {
				return i, err
			}
		case '{':
			if depth == maxDepth {
				return i, syntaxErr(i, "nesting deeper than %d arrays and objects", MaxDepth)
			}
			stack[depth>>3] |= 1 << (depth & 7)
			depth++
			i++
			if i < n && b[i] <= ' ' {
				i = SkipSpace(b, i)
			}
			if i < n && b[i] == '}' {
				depth--
				i++
				break
			}
			if i, err = scanKey(b, i); err != nil {
				return i, err
			}
			continue
		case '[':
			if depth == maxDepth {
				return i, syntaxErr(i, "nesting deeper than %d arrays and objects", MaxDepth)
			}
			stack[depth>>3] &^= 1 << (depth & 7)
			depth++
			i++
			if i < n && b[i] <= ' ' {
				i = SkipSpace(b, i)
			}
			if i < n && b[i] == ']' {
				depth--
				i++
				break
			}
			continue
		case 't':
			if i+4 > n || string(b[i:i+4]) != "true" {
				return i, badLiteral(b, i, "true")
			}
			i += 4
		case 'f':
			if i+5 > n || string(b[i:i+5]) != "false" {
				return i, badLiteral(b, i, "false")
			}
			i += 5
		case 'n':
			if i+4 > n || string(b[i:i+4]) != "null" {
				return i, badLiteral(b, i, "null")
			}
			i += 4
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			if i, err = scanNumber(b, i); err != nil {
				return i, err
			}
		case ']', '}':
			return i, syntaxErr(i, "unexpected %s, expecting a value", describe(b, i))
		default:
			return i, syntaxErr(i, "invalid %s, expecting a value", describe(b, i))
		}

		// A value ended at i: close containers until one continues.
		for {
			if depth == 0 {
				return i, nil
			}
			if i < n && b[i] <= ' ' {
				i = SkipSpace(b, i)
			}
			top := depth - 1
			inObject := stack[top>>3]&(1<<(top&7)) != 0
			if i >= n {
				if inObject {
					return i, syntaxErr(i, "unexpected end of input, expecting ',' or '}' in an object")
				}
				return i, syntaxErr(i, "unexpected end of input, expecting ',' or ']' in an array")
			}
			c := b[i]
			if c == ',' {
				i++
				if inObject {
					if i < n && b[i] <= ' ' {
						i = SkipSpace(b, i)
					}
					if i, err = scanKey(b, i); err != nil {
						return i, err
					}
				}
				break
			}
			if inObject && c == '}' || !inObject && c == ']' {
				depth--
				i++
				continue
			}
			if inObject {
				return i, syntaxErr(i, "unexpected %s, expecting ',' or '}' after an object member", describe(b, i))
			}
			return i, syntaxErr(i, "unexpected %s, expecting ',' or ']' after an array element", describe(b, i))
		}
	}
}

// scanKey scans an object member's name and its colon; i is at the name.
func scanKey(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, syntaxErr(i, "unexpected %s, expecting a string as object member name", describe(b, i))
	}
	i, err := scanString(b, i)
	if err != nil {
		return i, err
	}
	if i < len(b) && b[i] <= ' ' {
		i = SkipSpace(b, i)
	}
	if i >= len(b) || b[i] != ':' {
		return i, syntaxErr(i, "unexpected %s, expecting ':' after object member name", describe(b, i))
	}
	return i + 1, nil
}

func badLiteral(b []byte, i int, want string) error {
	for j := 0; j < len(want); j++ {
		if i+j >= len(b) || b[i+j] != want[j] {
			return syntaxErr(i+j, "unexpected %s in literal %s", describe(b, i+j), want)
		}
	}
	return syntaxErr(i, "invalid literal") // not reached
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// stringStop has the high bit set in every byte of w that a string scan
// must look at: '"', '\\', a control character or a non-ASCII byte. Only
// the lowest set byte is exact (borrows may mark bytes above it).
func stringStop(w uint64) uint64 {
	q := w ^ (lsb * '"')
	s := w ^ (lsb * '\\')
	return ((q - lsb) &^ q) | ((s - lsb) &^ s) | ((w - lsb*0x20) &^ w) | w
}

// scanString validates the string at b[i] (the opening quote) and returns
// the offset past its closing quote.
func scanString(b []byte, i int) (int, error) {
	start := i
	i++
	for {
		for i+8 <= len(b) {
			m := stringStop(binary.LittleEndian.Uint64(b[i:])) & msb
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return i, syntaxErr(start, "string not terminated (missing '\"' before the end of input)")
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 >= len(b) {
				return i + 1, syntaxErr(i+1, "unexpected end of input in an escape sequence")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for j := i + 2; j < i+6; j++ {
					if j >= len(b) || !isHex(b[j]) {
						return j, syntaxErr(j, "unexpected %s in \\u escape (four hex digits)", describe(b, j))
					}
				}
				i += 6
			default:
				return i + 1, syntaxErr(i+1, "invalid escape \\%s in a string (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", printable(b, i+1))
			}
		case c < 0x20:
			return i, syntaxErr(i, "unescaped %s in a string (escape it, e.g. \\n or \\u00%02x)", describe(b, i), c)
		case c < 0x80:
			i++ // reached only after the word loop
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				return i, syntaxErr(i, "invalid UTF-8 byte 0x%02x in a string", c)
			}
			i += size
		}
	}
}

func printable(b []byte, i int) string {
	if r, _ := utf8.DecodeRune(b[i:]); r != utf8.RuneError && r >= 0x20 {
		return string(r)
	}
	return fmt.Sprintf("x%02x", b[i])
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumber validates the number at b[i] and returns the offset past it.
func scanNumber(b []byte, i int) (int, error) {
	n := len(b)
	if b[i] == '-' {
		i++
	}
	switch {
	case i < n && b[i] == '0':
		i++
	case i < n && b[i] >= '1' && b[i] <= '9':
		i++
		for i < n && isDigit(b[i]) {
			i++
		}
	default:
		return i, syntaxErr(i, "unexpected %s in a number, expecting a digit", describe(b, i))
	}
	if i < n && b[i] == '.' {
		i++
		if i >= n || !isDigit(b[i]) {
			return i, syntaxErr(i, "unexpected %s after a decimal point, expecting a digit", describe(b, i))
		}
		for i < n && isDigit(b[i]) {
			i++
		}
	}
	if i < n && b[i]|0x20 == 'e' {
		i++
		if i < n && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= n || !isDigit(b[i]) {
			return i, syntaxErr(i, "unexpected %s in an exponent, expecting a digit", describe(b, i))
		}
		for i < n && isDigit(b[i]) {
			i++
		}
	}
	return i, nil
}
