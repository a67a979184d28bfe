package qtt

import "strings"

// SplitStatements splits a SQL script into statements on the ';' that are
// outside string literals ('...'), quoted identifiers (`...` and "...") and
// comments (-- to the end of the line, /* */); inside quotes a doubled quote
// stands for one. Each statement is returned trimmed and without its ';';
// comments inside or before it are kept as written. Pieces holding nothing
// but blanks and comments are dropped. An unterminated quote or comment runs
// to the end of the script.
func SplitStatements(script string) []string {
	var out []string
	start, content := 0, false
	scanSQL(script, func(kind tokenKind, from, to int) {
		switch {
		case kind == tokenSymbol && script[from] == ';':
			if content {
				out = append(out, strings.TrimSpace(script[start:from]))
			}
			start, content = to, false
		case kind != tokenComment:
			content = true
		}
	})
	if content {
		out = append(out, strings.TrimSpace(script[start:]))
	}
	return out
}

type tokenKind int

const (
	tokenWord    tokenKind = iota // identifier, keyword or number
	tokenString                   // '...'
	tokenQuoted                   // `...` or "..."
	tokenComment                  // -- ... or /* ... */
	tokenSymbol                   // any other single byte
)

// scanSQL reports the tokens of s with their byte ranges; blanks are skipped.
// It knows just enough of the lexical grammar to never mistake a ';' or a
// format name inside quotes or comments for SQL.
func scanSQL(s string, emit func(kind tokenKind, from, to int)) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && strings.HasPrefix(s[i:], "--"):
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s) - i
			}
			emit(tokenComment, i, i+end)
			i += end
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				emit(tokenComment, i, len(s))
				return
			}
			emit(tokenComment, i, i+2+end+2)
			i += 2 + end + 2
		case c == '\'' || c == '`' || c == '"':
			j := closingQuote(s, i)
			kind := tokenQuoted
			if c == '\'' {
				kind = tokenString
			}
			emit(kind, i, j)
			i = j
		case isWordByte(c):
			j := i + 1
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			emit(tokenWord, i, j)
			i = j
		default:
			emit(tokenSymbol, i, i+1)
			i++
		}
	}
}

// closingQuote returns the offset just past the quote closing the one at
// s[open], treating a doubled quote as an escaped one, or len(s).
func closingQuote(s string, open int) int {
	q := s[open]
	for j := open + 1; j < len(s); j++ {
		if s[j] != q {
			continue
		}
		if j+1 < len(s) && s[j+1] == q {
			j++
			continue
		}
		return j + 1
	}
	return len(s)
}

func isWordByte(c byte) bool {
	return c == '_' || c == '$' || c == '@' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// unquote returns the text of a quoted token without its quotes, with doubled
// quotes undoubled.
func unquote(tok string) string {
	if len(tok) < 2 || tok[len(tok)-1] != tok[0] {
		return tok[1:] // unterminated
	}
	q := tok[:1]
	return strings.ReplaceAll(tok[1:len(tok)-1], q+q, q)
}

// statementFormats calls add with each serialization format a statement
// names in a FORMAT, KEY_FORMAT or VALUE_FORMAT property.
func statementFormats(stmt string, add func(string)) {
	type tok struct {
		kind tokenKind
		text string
	}
	var prev [2]tok // the two previous tokens, comments left out
	scanSQL(stmt, func(kind tokenKind, from, to int) {
		if kind == tokenComment {
			return
		}
		cur := tok{kind, stmt[from:to]}
		if kind == tokenString && prev[1].text == "=" {
			name := prev[0].text
			if prev[0].kind == tokenQuoted {
				name = unquote(name)
			}
			switch strings.ToUpper(name) {
			case "FORMAT", "KEY_FORMAT", "VALUE_FORMAT":
				add(unquote(cur.text))
			}
		}
		prev[0], prev[1] = prev[1], cur
	})
}
