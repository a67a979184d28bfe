package functions

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sluicedata/sluice/internal/types"
)

var (
	str    = types.StringType
	integ  = types.IntegerType
	bytesT = types.BytesType
)

func strFn(f func(string) string) func([]types.Value) (types.Value, error) {
	return func(a []types.Value) (types.Value, error) { return types.Str(f(a[0].Str())), nil }
}

func registerStrings(r *Registry) {
	concat := variadic(str, func(a []types.Value) (types.Value, error) {
		var b strings.Builder
		for _, v := range a {
			if !v.IsNull() {
				b.WriteString(v.Str())
			}
		}
		return types.Str(b.String()), nil
	}, p("inputs", str))
	concatBytes := variadic(bytesT, func(a []types.Value) (types.Value, error) {
		var b []byte
		for _, v := range a {
			if !v.IsNull() {
				b = append(b, v.Bytes()...)
			}
		}
		if b == nil {
			b = []byte{}
		}
		return types.Bytes(b), nil
	}, p("inputs", bytesT))
	r.add("CONCAT", "STRING", "Concatenates the arguments, skipping NULLs.", concat, concatBytes)

	concatWS := variadic(str, func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.Null(), nil
		}
		parts := make([]string, 0, len(a)-1)
		for _, v := range a[1:] {
			if !v.IsNull() {
				parts = append(parts, v.Str())
			}
		}
		return types.Str(strings.Join(parts, a[0].Str())), nil
	}, p("separator", str), p("inputs", str))
	concatWSBytes := variadic(bytesT, func(a []types.Value) (types.Value, error) {
		if a[0].IsNull() {
			return types.Null(), nil
		}
		var out []byte
		first := true
		for _, v := range a[1:] {
			if v.IsNull() {
				continue
			}
			if !first {
				out = append(out, a[0].Bytes()...)
			}
			first = false
			out = append(out, v.Bytes()...)
		}
		return types.Bytes(out), nil
	}, p("separator", bytesT), p("inputs", bytesT))
	r.add("CONCAT_WS", "STRING", "Concatenates the arguments with a separator, skipping NULLs; NULL if the separator is NULL.", concatWS, concatWSBytes)

	r.add("LCASE", "STRING", "Converts a string to lower case.", fixed(str, strFn(strings.ToLower), p("input", str)))
	r.add("UCASE", "STRING", "Converts a string to upper case.", fixed(str, strFn(strings.ToUpper), p("input", str)))
	r.add("TRIM", "STRING", "Removes leading and trailing whitespace and control characters.",
		fixed(str, strFn(func(s string) string { return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }) }), p("input", str)))
	r.add("LEN", "STRING", "Returns the length of a string in characters, or of bytes in bytes.",
		fixed(integ, func(a []types.Value) (types.Value, error) {
			return types.Int(int32(utf8.RuneCountInString(a[0].Str()))), nil
		}, p("input", str)),
		fixed(integ, func(a []types.Value) (types.Value, error) {
			return types.Int(int32(len(a[0].Bytes()))), nil
		}, p("input", bytesT)))

	r.add("SUBSTRING", "STRING", "Returns the part of a string from a 1-based position (negative counts from the end), optionally of a given length.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			rs := []rune(a[0].Str())
			s := substrStart(len(rs), int(a[1].Int()))
			return types.Str(string(rs[s:])), nil
		}, p("str", str), p("pos", integ)),
		fixed(str, func(a []types.Value) (types.Value, error) {
			rs := []rune(a[0].Str())
			s := substrStart(len(rs), int(a[1].Int()))
			e := max(min(s+int(a[2].Int()), len(rs)), s)
			return types.Str(string(rs[s:e])), nil
		}, p("str", str), p("pos", integ), p("len", integ)),
		fixed(bytesT, func(a []types.Value) (types.Value, error) {
			b := a[0].Bytes()
			s := substrStart(len(b), int(a[1].Int()))
			return types.Bytes(b[s:len(b):len(b)]), nil
		}, p("bytes", bytesT), p("pos", integ)),
		fixed(bytesT, func(a []types.Value) (types.Value, error) {
			b := a[0].Bytes()
			s := substrStart(len(b), int(a[1].Int()))
			e := max(min(s+int(a[2].Int()), len(b)), s)
			return types.Bytes(b[s:e:e]), nil
		}, p("bytes", bytesT), p("pos", integ), p("len", integ)))

	r.add("REPLACE", "STRING", "Replaces every occurrence of substring in str with replacement.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			return types.Str(strings.ReplaceAll(a[0].Str(), a[1].Str(), a[2].Str())), nil
		}, p("str", str), p("substring", str), p("replacement", str)))

	instr := func(a []types.Value) (types.Value, error) {
		pos, occ := 1, 1
		if len(a) > 2 {
			pos = int(a[2].Int())
		}
		if len(a) > 3 {
			occ = int(a[3].Int())
		}
		return types.Int(int32(instrIndex([]rune(a[0].Str()), []rune(a[1].Str()), pos, occ))), nil
	}
	r.add("INSTR", "STRING", "Returns the 1-based position of the occurrence-th substring in str, searching from position (backwards if negative); 0 if absent.",
		fixed(integ, instr, p("str", str), p("substring", str)),
		fixed(integ, instr, p("str", str), p("substring", str), p("position", integ)),
		fixed(integ, instr, p("str", str), p("substring", str), p("position", integ), p("occurrence", integ)))

	r.add("LPAD", "STRING", "Pads input on the left with padding to length characters, truncating it if longer; NULL for an empty padding or a negative length.",
		fixed(str, func(a []types.Value) (types.Value, error) { return pad(a, true) }, p("input", str), p("length", integ), p("padding", str)))
	r.add("RPAD", "STRING", "Pads input on the right with padding to length characters, truncating it if longer; NULL for an empty padding or a negative length.",
		fixed(str, func(a []types.Value) (types.Value, error) { return pad(a, false) }, p("input", str), p("length", integ), p("padding", str)))

	r.add("SPLIT", "STRING", "Splits a string at each delimiter into an array; an empty delimiter splits it into characters.",
		fixed(types.ArrayType(str), func(a []types.Value) (types.Value, error) {
			s, d := a[0].Str(), a[1].Str()
			var parts []string
			if d == "" {
				parts = strings.Split(s, "")
				if len(parts) == 0 {
					parts = []string{""}
				}
			} else {
				parts = strings.Split(s, d)
			}
			out := make([]types.Value, len(parts))
			for i, x := range parts {
				out[i] = types.Str(x)
			}
			return types.Array(out), nil
		}, p("string", str), p("delimiter", str)))

	r.add("INITCAP", "STRING", "Capitalizes the first letter of each word and lower-cases the rest.",
		fixed(str, strFn(initcap), p("input", str)))

	r.add("REGEXP_EXTRACT", "STRING", "Returns the first substring of input matching pattern, or its group; NULL if none.",
		fixed(str, func(a []types.Value) (types.Value, error) { return regexpExtract(a[0].Str(), a[1].Str(), 0) },
			p("pattern", str), p("input", str)),
		fixed(str, func(a []types.Value) (types.Value, error) {
			return regexpExtract(a[0].Str(), a[1].Str(), int(a[2].Int()))
		},
			p("pattern", str), p("input", str), p("group", integ)))
	r.add("REGEXP_REPLACE", "STRING", "Replaces every substring of input matching pattern with replacement.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			re, err := compileRegexp(a[1].Str())
			if err != nil {
				return types.Null(), err
			}
			return types.Str(re.ReplaceAllString(a[0].Str(), javaReplacement(a[2].Str()))), nil
		}, p("input", str), p("pattern", str), p("replacement", str)))

	r.add("CHR", "STRING", "Returns the character of a Unicode code point, given as a number or as '\\uXXXX'.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			c := a[0].Int()
			if c < 0 || c > unicode.MaxRune || (c >= 0xD800 && c <= 0xDFFF) {
				return types.Null(), nil
			}
			return types.Str(string(rune(c))), nil
		}, p("decimalCode", integ)),
		fixed(str, func(a []types.Value) (types.Value, error) {
			return chrEscapes(a[0].Str()), nil
		}, p("utf16Code", str)))

	r.add("ENCODE", "STRING", "Converts a string from one encoding to another: hex, utf8, ascii or base64.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			var b []byte
			var err error
			if strings.EqualFold(a[1].Str(), "hex") {
				b, err = decodeHexLiteral(a[0].Str())
			} else {
				b, err = decodeString(a[0].Str(), a[1].Str())
			}
			if err != nil {
				return types.Null(), err
			}
			s, err := encodeBytes(b, a[2].Str())
			if err != nil {
				return types.Null(), err
			}
			return types.Str(s), nil
		}, p("str", str), p("inputEncoding", str), p("outputEncoding", str)))
	r.add("TO_BYTES", "STRING", "Converts a string to bytes in an encoding: hex, utf8, ascii or base64.",
		fixed(bytesT, func(a []types.Value) (types.Value, error) {
			b, err := decodeString(a[0].Str(), a[1].Str())
			if err != nil {
				return types.Null(), err
			}
			return types.Bytes(b), nil
		}, p("str", str), p("encoding", str)))
	r.add("FROM_BYTES", "STRING", "Converts bytes to a string in an encoding: hex, utf8, ascii or base64.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			if strings.EqualFold(a[1].Str(), "hex") {
				// ksqlDB's FROM_BYTES writes hex digits in upper case,
				// unlike ENCODE.
				return types.Str(strings.ToUpper(hex.EncodeToString(a[0].Bytes()))), nil
			}
			s, err := encodeBytes(a[0].Bytes(), a[1].Str())
			if err != nil {
				return types.Null(), err
			}
			return types.Str(s), nil
		}, p("bytes", bytesT), p("encoding", str)))

	r.add("MD5", "STRING", "Returns the hex-encoded MD5 hash of a string's UTF-8 bytes.",
		fixed(str, func(a []types.Value) (types.Value, error) {
			sum := md5.Sum([]byte(a[0].Str()))
			return types.Str(hex.EncodeToString(sum[:])), nil
		}, p("input", str)))
	r.add("UUID", "STRING", "Returns a random (version 4) UUID.",
		fixed(str, func([]types.Value) (types.Value, error) {
			var u [16]byte
			if _, err := rand.Read(u[:]); err != nil {
				return types.Null(), fmt.Errorf("functions: UUID: %w", err)
			}
			u[6] = u[6]&0x0f | 0x40
			u[8] = u[8]&0x3f | 0x80
			h := hex.EncodeToString(u[:])
			return types.Str(h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]), nil
		}))
}

// substrStart is ksqlDB's start index of SUBSTRING: 1-based positions,
// negative ones counting from the end, clamped to the string.
func substrStart(n, pos int) int {
	if pos < 0 {
		return max(n+pos, 0)
	}
	return max(min(pos-1, n), 0)
}

// instrIndex returns the 1-based position of the occ-th sub in s, searching
// forward from pos, or backward from len(s)+pos when pos is negative.
func instrIndex(s, sub []rune, pos, occ int) int {
	if occ <= 0 || pos == 0 {
		return 0
	}
	idx := func(from int) int { // forward from index from
		for i := max(from, 0); i+len(sub) <= len(s); i++ {
			if slices.Equal(s[i:i+len(sub)], sub) {
				return i
			}
		}
		return -1
	}
	lastIdx := func(from int) int { // backward from index from
		for i := min(from, len(s)-len(sub)); i >= 0; i-- {
			if slices.Equal(s[i:i+len(sub)], sub) {
				return i
			}
		}
		return -1
	}
	var i int
	if pos > 0 {
		i = idx(pos - 1)
		for k := 1; k < occ && i >= 0; k++ {
			i = idx(i + 1)
		}
	} else {
		i = lastIdx(len(s) + pos)
		for k := 1; k < occ && i >= 0; k++ {
			i = lastIdx(i - 1)
		}
	}
	return i + 1
}

// maxPadLength bounds LPAD and RPAD, so that one bad row cannot ask for
// gigabytes of padding.
const maxPadLength = 1 << 24

func pad(a []types.Value, left bool) (types.Value, error) {
	in, n, padding := []rune(a[0].Str()), int(a[1].Int()), []rune(a[2].Str())
	if n < 0 || len(padding) == 0 {
		return types.Null(), nil
	}
	if n > maxPadLength {
		return types.Null(), fmt.Errorf("functions: pad length %d is more than the %d characters allowed", n, maxPadLength)
	}
	if len(in) >= n {
		return types.Str(string(in[:n])), nil
	}
	fill := make([]rune, 0, n-len(in))
	for len(fill) < n-len(in) {
		fill = append(fill, padding[:min(len(padding), n-len(in)-len(fill))]...)
	}
	if left {
		return types.Str(string(fill) + string(in)), nil
	}
	return types.Str(string(in) + string(fill)), nil
}

// initcap capitalizes each run of non-whitespace characters, keeping the
// whitespace between them as it is.
func initcap(s string) string {
	var b strings.Builder
	start := true
	for _, r := range s {
		if unicode.IsSpace(r) {
			start = true
			b.WriteRune(r)
			continue
		}
		if start {
			b.WriteRune(unicode.ToUpper(r))
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
		start = false
	}
	return b.String()
}

func compileRegexp(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("functions: invalid regular expression %q: %w", pattern, err)
	}
	return re, nil
}

func regexpExtract(pattern, input string, group int) (types.Value, error) {
	re, err := compileRegexp(pattern)
	if err != nil {
		return types.Null(), err
	}
	m := re.FindStringSubmatchIndex(input)
	if m == nil || group < 0 || 2*group+1 >= len(m) || m[2*group] < 0 {
		return types.Null(), nil
	}
	return types.Str(input[m[2*group]:m[2*group+1]]), nil
}

// javaReplacement turns a Java replacement string ($1, \$) into Go's
// (${1}, $$).
func javaReplacement(s string) string {
	if !strings.ContainsAny(s, `$\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			if s[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(s[i])
			}
		case c == '$':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b.WriteString("${" + s[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func decodeString(s, enc string) ([]byte, error) {
	switch strings.ToLower(enc) {
	case "hex":
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("functions: invalid hex string %q: %w", s, err)
		}
		return b, nil
	case "utf8":
		return []byte(s), nil
	case "ascii":
		// Java's String.getBytes(US_ASCII): one '?' per character that
		// is not ASCII.
		b := make([]byte, 0, len(s))
		for _, c := range s {
			if c > 127 {
				c = '?'
			}
			b = append(b, byte(c))
		}
		return b, nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("functions: invalid base64 string %q: %w", s, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("functions: unknown encoding %q: use hex, utf8, ascii or base64", enc)
}

func encodeBytes(b []byte, enc string) (string, error) {
	switch strings.ToLower(enc) {
	case "hex":
		return hex.EncodeToString(b), nil
	case "utf8":
		return string(b), nil
	case "ascii":
		// Java's new String(bytes, US_ASCII): a byte that is not ASCII
		// becomes U+FFFD.
		var out strings.Builder
		out.Grow(len(b))
		for _, c := range b {
			if c > 127 {
				out.WriteRune(utf8.RuneError)
				continue
			}
			out.WriteByte(c)
		}
		return out.String(), nil
	case "base64":
		return base64.StdEncoding.EncodeToString(b), nil
	}
	return "", fmt.Errorf("functions: unknown encoding %q: use hex, utf8, ascii or base64", enc)
}

// decodeHexLiteral reads hex as ENCODE does in ksqlDB: plain digits, an
// SQL literal X'...' (either case), or 0x-prefixed digits, whose odd
// count means a leading zero.
func decodeHexLiteral(s string) ([]byte, error) {
	digits := s
	switch {
	case len(s) >= 3 && (s[0] == 'X' || s[0] == 'x') && s[1] == '\'' && s[len(s)-1] == '\'':
		digits = s[2 : len(s)-1]
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		digits = s[2:]
		if len(digits)%2 == 1 {
			digits = "0" + digits
		}
	}
	b, err := hex.DecodeString(digits)
	if err != nil {
		return nil, fmt.Errorf("functions: invalid hex string %q: %w", s, err)
	}
	return b, nil
}

// chrEscapes is CHR of a string of Java escapes: one \uXXXX, or two
// that form a surrogate pair ('\ud820\udeb8'). Anything else is NULL.
func chrEscapes(s string) types.Value {
	if len(s) != 6 && len(s) != 12 {
		return types.Null()
	}
	units := make([]uint16, 0, 2)
	for i := 0; i < len(s); i += 6 {
		if s[i] != '\\' || s[i+1] != 'u' {
			return types.Null()
		}
		u, err := strconv.ParseUint(s[i+2:i+6], 16, 16)
		if err != nil {
			return types.Null()
		}
		units = append(units, uint16(u))
	}
	var r rune
	switch {
	case len(units) == 1 && !utf16.IsSurrogate(rune(units[0])):
		r = rune(units[0])
	case len(units) == 2:
		if r = utf16.DecodeRune(rune(units[0]), rune(units[1])); r == utf8.RuneError {
			return types.Null() // not a surrogate pair
		}
	default:
		return types.Null()
	}
	return types.Str(string(r))
}
