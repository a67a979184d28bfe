package parser

import "strings"

// Split cuts a script into the texts of its statements at the semicolons
// outside strings, quoted identifiers and comments, without parsing them,
// so that a caller can substitute ${variables} in each statement before
// parsing it (a variable may stand for part of a name). A lexical error,
// such as an unterminated string, ends the last statement there.
func Split(script string) []string {
	var out []string
	start, content := 0, false
	for _, t := range lex(script) {
		switch t.kind {
		case tSemi:
			if content {
				out = append(out, strings.TrimSpace(script[start:t.pos.Offset]))
			}
			start, content = t.end, false
		case tEOF, tError:
			if content || t.kind == tError {
				out = append(out, strings.TrimSpace(script[start:]))
			}
			return out
		default:
			content = true
		}
	}
	return out
}
