package serde

import (
	"errors"
	"math"
)

// The CSV dialect of ksqlDB's DELIMITED format is that of Apache Commons
// CSV 1.4 with CSVFormat.DEFAULT and the configured delimiter: quote '"',
// no escape character, line breaks CR, LF or CRLF, empty lines skipped,
// spaces kept. The lexer and the quoting rule below reproduce that
// library's behaviour, quirks included, because records written by ksqlDB
// must be byte-for-byte the records Sluice writes.

const (
	csvUndefined = -2 // no character read yet
	csvEOF       = -1
)

var (
	errCSVQuoteEOF   = errors.New("EOF reached before encapsulated token finished")
	errCSVAfterQuote = errors.New("invalid char between encapsulated token and delimiter")
)

type csvToken int

const (
	csvField     csvToken = iota // a field followed by a delimiter
	csvEndRecord                 // the last field of a record, before a line break
	csvEnd                       // the end of the input, after a field when ready
)

// csvLexer splits CSV input into fields as Commons CSV's Lexer does.
type csvLexer struct {
	data  []byte
	pos   int
	delim byte
	last  int // the last character read, csvUndefined at the start
}

func (l *csvLexer) read() int {
	if l.pos >= len(l.data) {
		l.pos = len(l.data) + 1 // so that pos-1 is the end of the data
		l.last = csvEOF
		return csvEOF
	}
	c := int(l.data[l.pos])
	l.pos++
	l.last = c
	return c
}

// readEOL reports whether c ends a line, consuming the LF of a CRLF.
func (l *csvLexer) readEOL(c int) bool {
	if c == '\r' && l.pos < len(l.data) && l.data[l.pos] == '\n' {
		l.read()
	}
	return c == '\n' || c == '\r'
}

func csvStartOfLine(c int) bool { return c == '\n' || c == '\r' || c == csvUndefined }

// csvSpace is Java's Character.isWhitespace over ASCII.
func csvSpace(c int) bool {
	return c == ' ' || c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f
}

// token returns the next field and what follows it. ready is false for a
// csvEnd that carries no field (the input ended after a line break).
func (l *csvLexer) token() (field []byte, t csvToken, ready bool, err error) {
	lastChar := l.last
	c := l.read()
	eol := l.readEOL(c)
	for eol && csvStartOfLine(lastChar) { // empty lines are skipped
		lastChar = c
		c = l.read()
		eol = l.readEOL(c)
		if c == csvEOF {
			return nil, csvEnd, false, nil
		}
	}
	if lastChar == csvEOF || lastChar != int(l.delim) && c == csvEOF {
		return nil, csvEnd, false, nil
	}
	switch {
	case c == int(l.delim):
		return l.data[:0], csvField, true, nil
	case eol:
		return l.data[:0], csvEndRecord, true, nil
	case c == '"':
		return l.quoted()
	case c == csvEOF:
		return l.data[:0], csvEnd, true, nil
	}
	// A simple field runs to the delimiter or the line's end; quotes in it
	// are ordinary characters.
	start := l.pos - 1
	for {
		end := l.pos - 1
		switch {
		case l.readEOL(c):
			return l.data[start:end], csvEndRecord, true, nil
		case c == csvEOF:
			return l.data[start:len(l.data)], csvEnd, true, nil
		case c == int(l.delim):
			return l.data[start:end], csvField, true, nil
		}
		c = l.read()
	}
}

// quoted reads a field after its opening quote: "" stands for one quote,
// and only spaces may separate the closing quote from what follows.
func (l *csvLexer) quoted() ([]byte, csvToken, bool, error) {
	start := l.pos
	var buf []byte // the field, when it had to be copied to drop quotes
	for {
		c := l.read()
		switch {
		case c == csvEOF:
			return nil, csvEnd, false, errCSVQuoteEOF
		case c != '"':
			continue
		case l.pos < len(l.data) && l.data[l.pos] == '"':
			buf = append(buf, l.data[start:l.pos]...) // through one quote
			l.read()
			start = l.pos
			continue
		}
		field := l.data[start : l.pos-1]
		if buf != nil {
			field = append(buf, field...)
		}
		for {
			c = l.read()
			switch {
			case c == int(l.delim):
				return field, csvField, true, nil
			case c == csvEOF:
				return field, csvEnd, true, nil
			case l.readEOL(c):
				return field, csvEndRecord, true, nil
			case !csvSpace(c):
				return nil, csvEnd, false, errCSVAfterQuote
			}
		}
	}
}

// rest lexes the input after the first record, which ksqlDB parses (and
// may fail on) but ignores.
func (l *csvLexer) rest() error {
	for {
		_, t, _, err := l.token()
		if err != nil {
			return err
		}
		if t == csvEnd {
			return nil
		}
	}
}

// csvNeedsQuotes is Commons CSV 1.4's minimal quoting: an empty first
// field (which alone would be an empty line); a first field that does not
// start with an ASCII letter or digit, so that negative numbers in the
// first column are quoted; any field starting with a character up to '#'
// (space, '!', '"' and '#', the comment mark, included) or ending with one
// up to a space; and any field holding a line break, a quote or the
// delimiter.
func csvNeedsQuotes(text []byte, delim byte, first bool) bool {
	if len(text) == 0 {
		return first
	}
	c := text[0]
	if first && !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
		return true
	}
	if c <= '#' {
		return true
	}
	for _, c := range text {
		if c == '\n' || c == '\r' || c == '"' || c == delim {
			return true
		}
	}
	return text[len(text)-1] <= ' '
}

// quoteCSV quotes the field dst[start:] in place, doubling its quotes.
func quoteCSV(dst []byte, start int) []byte {
	n := 2
	for _, c := range dst[start:] {
		if c == '"' {
			n++
		}
	}
	end := len(dst)
	for range n {
		dst = append(dst, 0)
	}
	// Copy backwards so that nothing is overwritten before it is read.
	w := len(dst) - 1
	dst[w] = '"'
	w--
	for r := end - 1; r >= start; r-- {
		dst[w] = dst[r]
		w--
		if dst[r] == '"' {
			dst[w] = '"'
			w--
		}
	}
	dst[w] = '"'
	return dst
}

// parseJavaDouble parses text as Java's Double.parseDouble: surrounding
// characters up to a space ignored, NaN and [+-]Infinity spelled exactly, an
// optional f, F, d or D suffix, hexadecimal with a binary exponent, and
// values beyond the range rounded to infinity or zero.
func parseJavaDouble(s []byte) (float64, bool) {
	for len(s) > 0 && s[0] <= ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	switch bytesString(s) {
	case "NaN", "+NaN", "-NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	if n := len(s); n > 1 {
		switch s[n-1] {
		case 'f', 'F', 'd', 'D':
			s = s[:n-1]
		}
	}
	body := s
	if len(body) > 0 && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	hex := len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
	for i, c := range body {
		switch {
		case c >= '0' && c <= '9', c == '.', c == '+', c == '-':
		case c == 'e' || c == 'E':
		case hex && (i == 1 || c == 'p' || c == 'P' || c|0x20 >= 'a' && c|0x20 <= 'f'):
		default:
			return 0, false // Go's inf, nan and underscores are not Java's
		}
	}
	f, err := parseFloat(bytesString(s))
	return f, err == nil
}
