package cli

// Line editing for `sluice sql` at a terminal, as the ksql CLI gets it from
// JLine: the arrow keys move through the line and recall past statements,
// and the usual Emacs control keys edit. The editor works on any
// reader/writer pair holding a terminal in raw mode; termLineReader puts
// the terminal in raw mode only while a line is read, so that Ctrl-C during
// a query still arrives as a signal.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/term"
)

// errLineInterrupted is ReadLine's answer to Ctrl-C: the line typed so far
// is dropped.
var errLineInterrupted = errors.New("line interrupted")

// historyKept bounds the statements recalled with the arrow keys, so that a
// long-lived history file does not grow the shell without end.
const historyKept = 1000

// lineHistory is the past entries the up and down keys recall, oldest
// first. The zero value (and nil) is an empty history without a bound.
type lineHistory struct {
	entries []string
	max     int // the most entries kept; 0 for no bound
}

// Add appends an entry; blank entries and repeats of the last one are not
// kept, as readline does, so recall does not step through duplicates.
func (h *lineHistory) Add(entry string) {
	if strings.TrimSpace(entry) == "" {
		return
	}
	if n := len(h.entries); n > 0 && h.entries[n-1] == entry {
		return
	}
	h.entries = append(h.entries, entry)
	if h.max > 0 && len(h.entries) > h.max {
		h.entries = slices.Delete(h.entries, 0, len(h.entries)-h.max)
	}
}

// Len is the number of entries; a nil history has none.
func (h *lineHistory) Len() int {
	if h == nil {
		return 0
	}
	return len(h.entries)
}

// loadSQLHistory reads the statements of a history file (as the shell
// appends them) into a history; a missing or unreadable file gives an empty
// one, since recall is a convenience and HISTORY reports read errors.
func loadSQLHistory(path string) *lineHistory {
	h := &lineHistory{max: historyKept}
	if path == "" {
		return h
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return h
	}
	stmts, _, _ := splitSQL(strings.ReplaceAll(string(data), "\r\n", "\n"))
	for _, st := range stmts {
		h.Add(st.text)
	}
	return h
}

// Control keys the editor acts on.
const (
	keyCtrlA     = 0x01
	keyCtrlB     = 0x02
	keyCtrlC     = 0x03
	keyCtrlD     = 0x04
	keyCtrlE     = 0x05
	keyCtrlF     = 0x06
	keyCtrlH     = 0x08
	keyCtrlK     = 0x0b
	keyCtrlL     = 0x0c
	keyCtrlN     = 0x0e
	keyCtrlP     = 0x10
	keyCtrlU     = 0x15
	keyCtrlW     = 0x17
	keyEscape    = 0x1b
	keyBackspace = 0x7f
)

// lineEditor reads lines from a terminal in raw mode: it echoes what is
// typed, redraws the line after each edit, and recalls History's entries.
// An entry may hold newlines (a statement typed over several lines); its
// later lines are drawn after Continue, as they were typed.
type lineEditor struct {
	in       *bufio.Reader
	out      io.Writer
	History  *lineHistory
	Width    int    // the terminal's columns; 0 when unknown, and lines never wrap
	Continue string // drawn at the start of an entry's later lines

	// The line being read.
	prompt string
	buf    []rune
	pos    int    // the cursor, an index into buf
	row    int    // the screen row of the cursor, counted from the prompt's
	hist   int    // the History entry shown; History.Len() for the new line
	saved  []rune // the new line, kept while History is browsed
}

func newLineEditor(in io.Reader, out io.Writer, h *lineHistory) *lineEditor {
	return &lineEditor{in: bufio.NewReader(in), out: out, History: h}
}

// ReadLine draws prompt and returns the line typed at Enter, without its
// newline. Ctrl-C gives errLineInterrupted, Ctrl-D on an empty line io.EOF;
// a read error is returned with what was typed before it.
func (e *lineEditor) ReadLine(prompt string) (string, error) {
	e.prompt, e.buf, e.pos, e.row, e.saved = prompt, nil, 0, 0, nil
	e.hist = e.History.Len()
	io.WriteString(e.out, prompt)
	if _, col := e.walk(0, nil); col == 0 && prompt != "" {
		io.WriteString(e.out, "\r\n") // a prompt as wide as the screen
	}
	e.row, _ = e.walk(0, nil)
	for {
		r, size, err := e.in.ReadRune()
		if err != nil {
			return string(e.buf), err
		}
		switch r {
		case '\r', '\n':
			if r == '\r' && e.in.Buffered() > 0 {
				if b, _ := e.in.Peek(1); b[0] == '\n' {
					e.in.ReadByte() // CR LF is one Enter
				}
			}
			e.moveTo(len(e.buf))
			io.WriteString(e.out, "\r\n")
			return string(e.buf), nil
		case keyCtrlC:
			e.moveTo(len(e.buf))
			io.WriteString(e.out, "^C\r\n")
			return "", errLineInterrupted
		case keyCtrlD:
			if len(e.buf) == 0 {
				return "", io.EOF
			}
			e.deleteRange(e.pos, e.pos+1)
		case keyCtrlA:
			e.moveTo(0)
		case keyCtrlE:
			e.moveTo(len(e.buf))
		case keyCtrlB:
			e.moveTo(e.pos - 1)
		case keyCtrlF:
			e.moveTo(e.pos + 1)
		case keyCtrlP:
			e.recall(-1)
		case keyCtrlN:
			e.recall(+1)
		case keyCtrlK:
			e.deleteRange(e.pos, len(e.buf))
		case keyCtrlU:
			e.deleteRange(0, e.pos)
		case keyCtrlW:
			e.deleteRange(e.wordLeft(), e.pos)
		case keyCtrlL:
			io.WriteString(e.out, "\x1b[H\x1b[2J")
			e.row = 0
			e.refresh()
		case keyBackspace, keyCtrlH:
			e.deleteRange(e.pos-1, e.pos)
		case keyEscape:
			if err := e.escape(); err != nil {
				return string(e.buf), err
			}
		case '\t':
			// A tab's width depends on the column; a space keeps the
			// cursor arithmetic exact and means the same to SQL.
			e.insert(' ')
		default:
			if r < 0x20 || (r == utf8.RuneError && size == 1) {
				continue // other control keys and broken UTF-8 do nothing
			}
			e.insert(r)
		}
	}
}

// escape reads the rest of an escape sequence (ESC [ ..., ESC O x, or ESC
// and a key, as Alt sends it) and acts on the keys it knows.
func (e *lineEditor) escape() error {
	b, err := e.in.ReadByte()
	if err != nil {
		return err
	}
	switch b {
	case '[':
		// A control sequence: parameter bytes, intermediate bytes, then
		// one final byte.
		var params []byte
		for {
			c, err := e.in.ReadByte()
			if err != nil {
				return err
			}
			if c >= 0x40 && c <= 0x7e {
				e.csi(string(params), c)
				return nil
			}
			params = append(params, c)
		}
	case 'O':
		c, err := e.in.ReadByte()
		if err != nil {
			return err
		}
		e.csi("", c)
	case 'b', 'B':
		e.moveTo(e.wordLeft())
	case 'f', 'F':
		e.moveTo(e.wordRight())
	case keyBackspace, keyCtrlH:
		e.deleteRange(e.wordLeft(), e.pos)
	}
	return nil
}

// csi acts on a cursor key: arrows (with Ctrl or Alt: by words), Home,
// End and Delete, in the forms xterm, VT220 and rxvt send.
func (e *lineEditor) csi(params string, final byte) {
	modified := strings.Contains(params, ";") // e.g. 1;5C, Ctrl-Right
	switch final {
	case 'A':
		e.recall(-1)
	case 'B':
		e.recall(+1)
	case 'C':
		if modified {
			e.moveTo(e.wordRight())
		} else {
			e.moveTo(e.pos + 1)
		}
	case 'D':
		if modified {
			e.moveTo(e.wordLeft())
		} else {
			e.moveTo(e.pos - 1)
		}
	case 'H':
		e.moveTo(0)
	case 'F':
		e.moveTo(len(e.buf))
	case '~':
		switch params {
		case "1", "7":
			e.moveTo(0)
		case "4", "8":
			e.moveTo(len(e.buf))
		case "3":
			e.deleteRange(e.pos, e.pos+1)
		}
	}
}

// insert puts r at the cursor. Typing at the end of the line, the common
// case, only echoes the key; anything else redraws.
func (e *lineEditor) insert(r rune) {
	atEnd := e.pos == len(e.buf)
	e.buf = slices.Insert(e.buf, e.pos, r)
	e.pos++
	if atEnd {
		if row, col := e.walk(e.pos, nil); row == e.row && col > 0 {
			io.WriteString(e.out, string(r))
			return
		}
	}
	e.refresh()
}

// deleteRange removes buf[from:to], clipped to the line, and redraws.
func (e *lineEditor) deleteRange(from, to int) {
	from, to = max(from, 0), min(to, len(e.buf))
	if from >= to {
		return
	}
	e.buf = slices.Delete(e.buf, from, to)
	e.pos = from
	e.refresh()
}

// recall shows the History entry delta steps older (-1) or newer (+1),
// keeping the new line for when the user comes back down to it.
func (e *lineEditor) recall(delta int) {
	n := e.History.Len()
	i := e.hist + delta
	if i < 0 || i > n {
		return
	}
	if e.hist == n {
		e.saved = slices.Clone(e.buf)
	}
	e.hist = i
	if i == n {
		e.buf = slices.Clone(e.saved)
	} else {
		e.buf = []rune(e.History.entries[i])
	}
	e.pos = len(e.buf)
	e.refresh()
}

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// wordLeft is where the word before the cursor starts.
func (e *lineEditor) wordLeft() int {
	i := e.pos
	for i > 0 && !isWordRune(e.buf[i-1]) {
		i--
	}
	for i > 0 && isWordRune(e.buf[i-1]) {
		i--
	}
	return i
}

// wordRight is where the word at or after the cursor ends.
func (e *lineEditor) wordRight() int {
	i := e.pos
	for i < len(e.buf) && !isWordRune(e.buf[i]) {
		i++
	}
	for i < len(e.buf) && isWordRune(e.buf[i]) {
		i++
	}
	return i
}

// walk lays out the prompt and the first n runes of the line from the
// prompt's first column, writing them to b when b is not nil, and returns
// the row and column that follow. A full screen row is ended with an
// explicit CR LF, so the cursor never rests in the terminal's pending-wrap
// state and every position has one row and column.
func (e *lineEditor) walk(n int, b *strings.Builder) (row, col int) {
	put := func(r rune) {
		if r == '\n' {
			if b != nil {
				b.WriteString("\r\n")
			}
			row, col = row+1, 0
			return
		}
		if b != nil {
			b.WriteRune(r)
		}
		col++
		if e.Width > 0 && col == e.Width {
			if b != nil {
				b.WriteString("\r\n")
			}
			row, col = row+1, 0
		}
	}
	for _, r := range e.prompt {
		put(r)
	}
	for _, r := range e.buf[:n] {
		put(r)
		if r == '\n' {
			for _, c := range e.Continue {
				put(c)
			}
		}
	}
	return row, col
}

// refresh redraws the prompt and line from the prompt's first row and puts
// the cursor back at pos.
func (e *lineEditor) refresh() {
	var b strings.Builder
	if e.row > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", e.row)
	}
	b.WriteString("\r\x1b[J")
	endRow, endCol := e.walk(len(e.buf), &b)
	row, col := e.walk(e.pos, nil)
	if endRow > row {
		fmt.Fprintf(&b, "\x1b[%dA", endRow-row)
	}
	if col != endCol || endRow != row {
		b.WriteByte('\r')
		if col > 0 {
			fmt.Fprintf(&b, "\x1b[%dC", col)
		}
	}
	e.row = row
	io.WriteString(e.out, b.String())
}

// moveTo moves the cursor to pos, clipped to the line, without redrawing.
func (e *lineEditor) moveTo(pos int) {
	pos = max(0, min(pos, len(e.buf)))
	if pos == e.pos {
		return
	}
	oldRow, oldCol := e.walk(e.pos, nil)
	row, col := e.walk(pos, nil)
	var b strings.Builder
	switch {
	case row < oldRow:
		fmt.Fprintf(&b, "\x1b[%dA", oldRow-row)
	case row > oldRow:
		fmt.Fprintf(&b, "\x1b[%dB", row-oldRow)
	}
	switch {
	case col < oldCol:
		fmt.Fprintf(&b, "\x1b[%dD", oldCol-col)
	case col > oldCol:
		fmt.Fprintf(&b, "\x1b[%dC", col-oldCol)
	}
	e.pos, e.row = pos, row
	io.WriteString(e.out, b.String())
}

// termLineReader reads lines with a lineEditor from a terminal, holding it
// in raw mode only while a line is read: between lines the terminal is
// itself again, so Ctrl-C during a query is the interrupt the shell
// handles, and a shell that ends mid-line leaves a usable terminal after
// Close.
type termLineReader struct {
	fd int
	ed *lineEditor

	mu     sync.Mutex
	closed bool
	cooked *term.State // the state to go back to while a line is read
}

func newTermLineReader(tty *os.File, out io.Writer, h *lineHistory) *termLineReader {
	ed := newLineEditor(tty, out, h)
	ed.Continue = sqlContinuePrompt
	return &termLineReader{fd: int(tty.Fd()), ed: ed}
}

func (t *termLineReader) ReadLine(prompt string) (string, error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return "", io.EOF
	}
	st, err := term.MakeRaw(t.fd)
	if err != nil {
		t.mu.Unlock()
		return "", fmt.Errorf("setting up the terminal: %w", err)
	}
	t.cooked = st
	t.mu.Unlock()
	defer t.restore()
	// The width is read per line, so a resized window is drawn right from
	// the next prompt on.
	if w, _, err := term.GetSize(t.fd); err == nil {
		t.ed.Width = w
	} else {
		t.ed.Width = 0
	}
	return t.ed.ReadLine(prompt)
}

func (t *termLineReader) restore() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cooked != nil {
		term.Restore(t.fd, t.cooked)
		t.cooked = nil
	}
}

// Close gives the terminal back as it was, even while a read is under way,
// and ends later reads.
func (t *termLineReader) Close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.restore()
}
