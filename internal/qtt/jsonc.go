package qtt

import (
	"bytes"
	"errors"
	"fmt"
)

// StripComments returns data with every // line comment and /* */ block
// comment outside JSON strings blanked out. Comment bytes become spaces and
// newlines are kept, so offsets, lines and columns of the result are those
// of the input and JSON syntax errors point at the right place.
func StripComments(data []byte) ([]byte, error) {
	if !bytes.Contains(data, []byte("/")) {
		return data, nil
	}
	out := bytes.Clone(data)
	inString := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for i < len(out) && out[i] != '\n' {
				out[i] = ' '
				i++
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			end := bytes.Index(out[i+2:], []byte("*/"))
			if end < 0 {
				line, col := position(data, i)
				return nil, fmt.Errorf("line %d, column %d: %w", line, col, errUnterminatedComment)
			}
			stop := i + 2 + end + 2
			for ; i < stop; i++ {
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
			i--
		}
	}
	return out, nil
}

var errUnterminatedComment = errors.New("unterminated /* comment")

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int) (line, col int) {
	if offset > len(data) {
		offset = len(data)
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = offset - bytes.LastIndexByte(before, '\n')
	return line, col
}
