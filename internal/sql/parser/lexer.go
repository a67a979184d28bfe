package parser

import (
	"strings"
	"unicode/utf8"

	"github.com/sluicedata/sluice/internal/sql/ast"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tError
	tWord     // unquoted identifier or keyword; val is upper-cased
	tQuoted   // `identifier` or "identifier"; val is unescaped
	tString   // 'string'; val is unescaped
	tInteger  // 123
	tDecimal  // 1.5, .5, 5.
	tDouble   // 1.5E3
	tVariable // ${name}; val is the name
	tLParen
	tRParen
	tLBracket
	tRBracket
	tComma
	tDot
	tSemi
	tStar
	tSlash
	tPercent
	tPlus
	tMinus
	tEq
	tNe
	tLt
	tLe
	tGt
	tGe
	tArrow    // ->
	tFatArrow // =>
	tAssign   // :=
	tConcat   // ||
)

// kindNames are the token kinds as ksqlDB names them in "Expecting ..."
// messages.
var kindNames = [...]string{
	tEOF: "<EOF>", tWord: "IDENTIFIER", tQuoted: "IDENTIFIER", tString: "STRING",
	tInteger: "INTEGER_VALUE", tDecimal: "DECIMAL_VALUE", tDouble: "FLOATING_POINT_VALUE",
	tVariable: "VARIABLE", tLParen: "'('", tRParen: "')'", tLBracket: "'['",
	tRBracket: "']'", tComma: "','", tDot: "'.'", tSemi: "';'", tStar: "'*'",
	tSlash: "'/'", tPercent: "'%'", tPlus: "'+'", tMinus: "'-'", tEq: "'='",
	tNe: "'<>'", tLt: "'<'", tLe: "'<='", tGt: "'>'", tGe: "'>='", tArrow: "'->'",
	tFatArrow: "'=>'", tAssign: "':='", tConcat: "'||'",
}

type token struct {
	kind tokKind
	val  string
	pos  ast.Pos
	end  int // byte offset just past the token
	// digit marks a word that starts with a digit (12ab): an identifier,
	// never a keyword.
	digit bool
	err   *Error // for tError
}

// lexer turns the source into tokens. It stops at the first error, which
// becomes a tError token, so that an earlier syntax error is still
// reported first.
type lexer struct {
	src       string
	off       int
	line      int
	lineStart int
	// colOff and col cache the column of a recent offset on the current
	// line, so columns cost O(1) amortised on long lines.
	colOff, col int
}

func lex(src string) []token {
	l := &lexer{src: src, line: 1, col: 1}
	toks := make([]token, 0, len(src)/4+1)
	for {
		t := l.next()
		toks = append(toks, t)
		if t.kind == tEOF || t.kind == tError {
			return toks
		}
	}
}

// pos returns the position of byte offset off, which must not be before
// the last offset asked for.
func (l *lexer) pos(off int) ast.Pos {
	if l.colOff < l.lineStart {
		l.colOff, l.col = l.lineStart, 1
	}
	l.col += utf8.RuneCountInString(l.src[l.colOff:off])
	l.colOff = off
	return ast.Pos{Line: l.line, Col: l.col, Offset: off}
}

// skip moves past src[l.off:to], counting its newlines.
func (l *lexer) skip(to int) {
	for i := l.off; i < to; i++ {
		if l.src[i] == '\n' {
			l.line++
			l.lineStart = i + 1
		}
	}
	l.off = to
}

func (l *lexer) errorf(off int, code Code, msg string) token {
	p := l.pos(off)
	end := off + 1
	if end > len(l.src) {
		end = len(l.src)
	}
	return token{kind: tError, pos: p, end: end, err: &Error{Pos: p, Code: code, Msg: msg, Near: l.src[off:end]}}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) next() token {
	src := l.src
	// Whitespace and comments.
	for l.off < len(src) {
		c := src[l.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			l.skip(l.off + 1)
			continue
		case c == '-' && l.off+1 < len(src) && src[l.off+1] == '-':
			end := strings.IndexByte(src[l.off:], '\n')
			if end < 0 {
				l.skip(len(src))
			} else {
				l.skip(l.off + end + 1)
			}
			continue
		case c == '/' && l.off+1 < len(src) && src[l.off+1] == '*':
			end := strings.Index(src[l.off+2:], "*/")
			if end < 0 {
				return l.errorf(l.off, CodeUnterminatedComment, syntaxMsg("unterminated comment: /* without */"))
			}
			l.skip(l.off + 2 + end + 2)
			continue
		}
		break
	}
	start := l.off
	if start >= len(src) {
		return token{kind: tEOF, pos: l.pos(start), end: start}
	}
	c := src[start]
	tok := func(k tokKind, n int) token {
		t := token{kind: k, pos: l.pos(start), end: start + n}
		l.skip(start + n)
		return t
	}
	switch {
	case ast.IsIdentStart(c):
		end := start + 1
		for end < len(src) && ast.IsIdentPart(src[end]) {
			end++
		}
		t := tok(tWord, end-start)
		t.val = upper(src[start:end])
		return t
	case isDigit(c) || c == '.' && start+1 < len(src) && isDigit(src[start+1]):
		return l.number(start)
	case c == '\'':
		val, end, ok := l.quoted(start, '\'')
		if !ok {
			return l.errorf(start, CodeUnterminatedString, syntaxMsg("unterminated string literal"))
		}
		t := tok(tString, end-start)
		t.val = val
		return t
	case c == '`' || c == '"':
		val, end, ok := l.quoted(start, c)
		if !ok {
			return l.errorf(start, CodeUnterminatedIdentifier, syntaxMsg("unterminated quoted identifier"))
		}
		t := tok(tQuoted, end-start)
		t.val = val
		return t
	case c == '$' && start+2 < len(src) && src[start+1] == '{' && ast.IsIdentStart(src[start+2]):
		end := start + 3
		for end < len(src) && ast.IsIdentPart(src[end]) {
			end++
		}
		if end < len(src) && src[end] == '}' {
			t := tok(tVariable, end+1-start)
			t.val = src[start+2 : end]
			return t
		}
	}
	two := ""
	if start+1 < len(src) {
		two = src[start : start+2]
	}
	switch two {
	case "<>":
		return tok(tNe, 2)
	case "!=":
		return tok(tNe, 2)
	case "<=":
		return tok(tLe, 2)
	case ">=":
		return tok(tGe, 2)
	case "->":
		return tok(tArrow, 2)
	case "=>":
		return tok(tFatArrow, 2)
	case ":=":
		return tok(tAssign, 2)
	case "||":
		return tok(tConcat, 2)
	}
	switch c {
	case '(':
		return tok(tLParen, 1)
	case ')':
		return tok(tRParen, 1)
	case '[':
		return tok(tLBracket, 1)
	case ']':
		return tok(tRBracket, 1)
	case ',':
		return tok(tComma, 1)
	case '.':
		return tok(tDot, 1)
	case ';':
		return tok(tSemi, 1)
	case '*':
		return tok(tStar, 1)
	case '/':
		return tok(tSlash, 1)
	case '%':
		return tok(tPercent, 1)
	case '+':
		return tok(tPlus, 1)
	case '-':
		return tok(tMinus, 1)
	case '=':
		return tok(tEq, 1)
	case '<':
		return tok(tLt, 1)
	case '>':
		return tok(tGt, 1)
	}
	_, size := utf8.DecodeRuneInString(src[start:])
	t := l.errorf(start, CodeInvalidCharacter, syntaxMsg("token recognition error at: '"+src[start:start+size]+"'"))
	t.err.Near = src[start : start+size]
	return t
}

// number lexes INTEGER_VALUE, DECIMAL_VALUE and FLOATING_POINT_VALUE, or a
// word that starts with digits when the identifier reading is longer (12ab).
func (l *lexer) number(start int) token {
	src := l.src
	end := start
	for end < len(src) && isDigit(src[end]) {
		end++
	}
	kind := tInteger
	if end < len(src) && src[end] == '.' {
		kind = tDecimal
		end++
		for end < len(src) && isDigit(src[end]) {
			end++
		}
	}
	if end < len(src) && (src[end] == 'e' || src[end] == 'E') {
		k := end + 1
		if k < len(src) && (src[k] == '+' || src[k] == '-') {
			k++
		}
		if k < len(src) && isDigit(src[k]) {
			for k < len(src) && isDigit(src[k]) {
				k++
			}
			kind, end = tDouble, k
		}
	}
	if isDigit(src[start]) {
		word := start
		for word < len(src) && ast.IsIdentPart(src[word]) {
			word++
		}
		if word > end {
			t := token{kind: tWord, pos: l.pos(start), end: word, val: upper(src[start:word]), digit: true}
			l.skip(word)
			return t
		}
	}
	t := token{kind: kind, pos: l.pos(start), end: end, val: src[start:end]}
	l.skip(end)
	return t
}

// quoted reads a literal or identifier quoted with q, in which a doubled q
// stands for one. It returns the content and the offset past the closing
// quote.
func (l *lexer) quoted(start int, q byte) (string, int, bool) {
	src := l.src
	var b strings.Builder
	from := start + 1
	for i := start + 1; i < len(src); i++ {
		if src[i] != q {
			continue
		}
		if i+1 < len(src) && src[i+1] == q {
			b.WriteString(src[from : i+1])
			i++
			from = i + 1
			continue
		}
		if b.Len() == 0 {
			return src[from:i], i + 1, true
		}
		b.WriteString(src[from:i])
		return b.String(), i + 1, true
	}
	return "", 0, false
}

// upper upper-cases ASCII letters, the only letters of unquoted words.
func upper(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			return strings.ToUpper(s)
		}
	}
	return s
}
