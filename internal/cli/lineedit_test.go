package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Keys as a terminal sends them.
const (
	up        = "\x1b[A"
	down      = "\x1b[B"
	right     = "\x1b[C"
	left      = "\x1b[D"
	home      = "\x1b[H"
	end       = "\x1b[F"
	del       = "\x1b[3~"
	backspace = "\x7f"
	enter     = "\r"
	ctrlC     = "\x03"
	ctrlD     = "\x04"
)

// readAll reads lines from input until it runs out, returning each line
// (or the error that ended it, as "<err>") and all that was echoed.
func readAll(t *testing.T, e *lineEditor, prompt string) (lines []string, echo string) {
	t.Helper()
	out := &bytes.Buffer{}
	e.out = out
	for range 100 {
		line, err := e.ReadLine(prompt)
		switch {
		case errors.Is(err, io.EOF) && line == "":
			return lines, out.String()
		case err != nil:
			lines = append(lines, line+"<"+err.Error()+">")
		default:
			lines = append(lines, line)
		}
	}
	t.Fatal("the editor does not reach the end of its input")
	return nil, ""
}

func TestLineEditorKeys(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{
		{"typing", "SHOW STREAMS;" + enter, "SHOW STREAMS;"},
		{"left and insert", "acd" + left + left + "b" + enter, "abcd"},
		{"right", "ac" + home + right + "b" + enter, "abc"},
		{"ctrl-a ctrl-e", "bc\x01a\x05d" + enter, "abcd"},
		{"home end", "bc" + home + "a" + end + "d" + enter, "abcd"},
		{"vt220 home end", "bc\x1b[1~a\x1b[4~d" + enter, "abcd"},
		{"application mode keys", "ac\x1bOH\x1bOCb\x1bOFd" + enter, "abcd"},
		{"ctrl-b ctrl-f", "ac\x02\x02\x06b" + enter, "abc"},
		{"backspace", "abxc" + left + backspace + enter, "abc"},
		{"ctrl-h", "abx\x08c" + enter, "abc"},
		{"backspace at start", "abc" + home + backspace + enter, "abc"},
		{"delete", "abxc" + left + left + del + enter, "abc"},
		{"delete at end", "abc" + del + enter, "abc"},
		{"ctrl-d deletes in a line", "abxc" + left + left + ctrlD + enter, "abc"},
		{"ctrl-k", "abc; junk" + left + left + left + left + left + "\x0b" + enter, "abc;"},
		{"ctrl-u", "junk abc" + left + left + left + "\x15" + enter, "abc"},
		{"ctrl-w", "SELECT a, bogus" + "\x17" + "b" + enter, "SELECT a, b"},
		{"alt-b alt-f", "SELECT a FROM s" + "\x1bb\x1bb" + "*, " + "\x1bf" + "X" + enter, "SELECT a *, FROMX s"},
		{"ctrl-arrows", "one three" + "\x1b[1;5D" + "two " + "\x1b[1;5C" + "!" + enter, "one two three!"},
		{"tab is a space", "a\tb" + enter, "a b"},
		{"other control keys ignored", "a\x07\x1ab" + enter, "ab"},
		{"unknown sequences ignored", "a\x1b[15~b\x1b[200~c\x1b[201~" + enter, "abc"},
		{"utf-8", "'héllo ✓'" + left + left + "x" + enter, "'héllo x✓'"},
		{"lf ends a line", "abc\n", "abc"},
		{"cr lf is one enter", "abc\r\ndef\r", "abc|def"},
		{"empty line", enter, ""},
		{"ctrl-c drops the line", "abc" + ctrlC + "def" + enter, "<line interrupted>|def"},
		{"read error keeps the text", "abc", "abc<EOF>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLineEditor(strings.NewReader(tc.input), nil, nil)
			lines, _ := readAll(t, e, "> ")
			if got := strings.Join(lines, "|"); got != tc.want {
				t.Errorf("read %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLineEditorEcho(t *testing.T) {
	e := newLineEditor(strings.NewReader("ab"+left+"X"+enter+"q"+ctrlC+ctrlD), nil, nil)
	lines, echo := readAll(t, e, "> ")
	if want := []string{"aXb", "<line interrupted>"}; !slices.Equal(lines, want) {
		t.Errorf("lines %q, want %q", lines, want)
	}
	// Typing at the end echoes the key; an insert inside redraws the line
	// and puts the cursor back; Enter moves to the end first. Ctrl-D on an
	// empty line echoes nothing: the shell ends the line itself.
	want := "> ab" + "\x1b[1D" + "\r\x1b[J> aXb\r\x1b[4C" + "\x1b[1C" + "\r\n" +
		"> q^C\r\n" +
		"> "
	if echo != want {
		t.Errorf("echo\n%q\nwant\n%q", echo, want)
	}
}

func TestLineEditorHistory(t *testing.T) {
	h := &lineHistory{}
	for _, s := range []string{"SELECT 1;", "SHOW STREAMS;"} {
		h.Add(s)
	}
	for _, tc := range []struct {
		name, input, want string
	}{
		{"up recalls the last", up + enter, "SHOW STREAMS;"},
		{"up twice", up + up + enter, "SELECT 1;"},
		{"up stops at the oldest", up + up + up + up + enter, "SELECT 1;"},
		{"down goes back", up + up + down + enter, "SHOW STREAMS;"},
		{"down past the newest is the typed line", "SHOW T" + up + up + down + down + "ABLES;" + enter, "SHOW TABLES;"},
		{"down at the new line does nothing", "x" + down + enter, "x"},
		{"ctrl-p ctrl-n", "\x10\x10\x0e" + enter, "SHOW STREAMS;"},
		{"a recalled entry is edited", up + backspace + " EXTENDED;" + enter, "SHOW STREAMS EXTENDED;"},
		{"each line starts at the newest", up + up + enter + up + enter, "SELECT 1;|SHOW STREAMS;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newLineEditor(strings.NewReader(tc.input), nil, h)
			lines, _ := readAll(t, e, "> ")
			if got := strings.Join(lines, "|"); got != tc.want {
				t.Errorf("read %q, want %q", got, tc.want)
			}
		})
	}
	if h.Len() != 2 {
		t.Errorf("reading changed the history: %q", h.entries)
	}
}

func TestLineHistoryAdd(t *testing.T) {
	h := &lineHistory{max: 3}
	for _, s := range []string{"a;", "a;", "  ", "b;", "c;", "d;", "d;"} {
		h.Add(s)
	}
	if want := []string{"b;", "c;", "d;"}; !slices.Equal(h.entries, want) {
		t.Errorf("entries %q, want %q (no blanks, no repeats, the newest 3)", h.entries, want)
	}
	var none *lineHistory
	if none.Len() != 0 {
		t.Error("a nil history is not empty")
	}
}

func TestLoadSQLHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	if err := os.WriteFile(path, []byte("SELECT 1;\r\n-- a note\nSELECT *\n  FROM s;\nSHOW STREAMS;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := loadSQLHistory(path)
	if want := []string{"SELECT 1;", "SELECT *\n  FROM s;", "SHOW STREAMS;"}; !slices.Equal(h.entries, want) {
		t.Errorf("entries %q, want %q", h.entries, want)
	}
	if h := loadSQLHistory(filepath.Join(t.TempDir(), "missing")); h.Len() != 0 {
		t.Errorf("a missing file gave %q", h.entries)
	}
}

// screen is just enough of a terminal to check what the editor draws: it
// wraps at width with xterm's pending wrap, and knows CR, LF and the
// cursor, erase and clear sequences the editor writes.
type screen struct {
	t        *testing.T
	width    int
	rows     [][]rune
	row, col int
	pending  bool // the last column was written: the next rune wraps
}

func (s *screen) Write(p []byte) (int, error) {
	text := []rune(string(p))
	for i := 0; i < len(text); i++ {
		switch r := text[i]; r {
		case '\r':
			s.col, s.pending = 0, false
		case '\n':
			s.row, s.pending = s.row+1, false
		case 0x1b:
			j := i + 2
			for j < len(text) && (text[j] < 0x40 || text[j] > 0x7e) {
				j++
			}
			if i+1 >= len(text) || text[i+1] != '[' || j >= len(text) {
				s.t.Fatalf("unexpected escape in %q", p)
			}
			s.csi(string(text[i+2:j]), text[j])
			i = j
		default:
			if s.pending {
				s.row, s.col, s.pending = s.row+1, 0, false
			}
			s.set(r)
			if s.col == s.width-1 {
				s.pending = true
			} else {
				s.col++
			}
		}
	}
	return len(p), nil
}

func (s *screen) csi(params string, final rune) {
	n := 1
	if v, err := strconv.Atoi(params); err == nil {
		n = v
	}
	s.pending = false
	switch final {
	case 'A':
		s.row = max(0, s.row-n)
	case 'B':
		s.row += n
	case 'C':
		s.col = min(s.width-1, s.col+n)
	case 'D':
		s.col = max(0, s.col-n)
	case 'H':
		s.row, s.col = 0, 0
	case 'J':
		if params == "2" {
			s.rows = nil
			return
		}
		if s.row < len(s.rows) {
			line := s.rows[s.row]
			s.rows[s.row] = line[:min(len(line), s.col)]
			s.rows = s.rows[:s.row+1]
		}
	default:
		s.t.Fatalf("unexpected sequence ESC [ %s %c", params, final)
	}
}

func (s *screen) set(r rune) {
	for len(s.rows) <= s.row {
		s.rows = append(s.rows, nil)
	}
	for len(s.rows[s.row]) <= s.col {
		s.rows[s.row] = append(s.rows[s.row], ' ')
	}
	s.rows[s.row][s.col] = r
}

func (s *screen) String() string {
	lines := make([]string, len(s.rows))
	for i, r := range s.rows {
		lines[i] = strings.TrimRight(string(r), " ")
	}
	return strings.Join(lines, "\n")
}

// TestLineEditorDrawsWrappedLines types past the screen's width, edits on
// both rows and recalls entries of several lines, checking the screen and
// the cursor after each step.
func TestLineEditorDrawsWrappedLines(t *testing.T) {
	h := &lineHistory{}
	h.Add("SELECT *\n  FROM s\n  EMIT CHANGES;")
	h.Add("SHOW STREAMS;")
	in, keys := io.Pipe()
	scr := &screen{t: t, width: 10}
	e := newLineEditor(in, scr, h)
	e.Width, e.Continue = 10, "   > "
	done := make(chan string, 1)
	go func() {
		line, err := e.ReadLine("sql> ")
		if err != nil {
			t.Error(err)
		}
		done <- line
	}()
	steps := []struct {
		keys     string
		screen   string
		row, col int
	}{
		{"", "sql>", 0, 5},
		{"abcd", "sql> abcd", 0, 9},
		{"e", "sql> abcde", 1, 0},
		{"fghijkl", "sql> abcde\nfghijkl", 1, 7},
		{"\x01", "sql> abcde\nfghijkl", 0, 5},
		{"X", "sql> Xabcd\nefghijkl", 0, 6},
		{end, "sql> Xabcd\nefghijkl", 1, 8},
		{"mnop", "sql> Xabcd\nefghijklmn\nop", 2, 2},
		{left + left + left, "sql> Xabcd\nefghijklmn\nop", 1, 9},
		{backspace, "sql> Xabcd\nefghijklno\np", 1, 8},
		{"\x15", "sql> nop", 0, 5},
		{"\x05" + backspace, "sql> no", 0, 7},
		{up, "sql> SHOW\nSTREAMS;", 1, 8},
		{up, "sql> SELEC\nT *\n   >   FRO\nM s\n   >   EMI\nT CHANGES;", 6, 0},
		{home, "sql> SELEC\nT *\n   >   FRO\nM s\n   >   EMI\nT CHANGES;", 0, 5},
		{right + right + right + right + right, "sql> SELEC\nT *\n   >   FRO\nM s\n   >   EMI\nT CHANGES;", 1, 0},
		{down, "sql> SHOW\nSTREAMS;", 1, 8},
		{down, "sql> no", 0, 7},
		{"\x0c", "sql> no", 0, 7},
	}
	for _, st := range steps {
		io.WriteString(keys, st.keys)
		// A pipe's write returns once the editor's reader holds the keys;
		// an empty write then waits for its next read, which comes only
		// when all of them are handled and drawn.
		keys.Write(nil)
		if got := scr.String(); got != st.screen || scr.row != st.row || scr.col != st.col {
			t.Errorf("after %q: screen\n%s\ncursor %d,%d; want\n%s\ncursor %d,%d", st.keys, got, scr.row, scr.col, st.screen, st.row, st.col)
		}
	}
	io.WriteString(keys, enter)
	if line := <-done; line != "no" {
		t.Errorf("read %q", line)
	}
	if want := "sql> no"; scr.String() != want || scr.row != 1 || scr.col != 0 {
		t.Errorf("after enter: screen\n%s\ncursor %d,%d", scr.String(), scr.row, scr.col)
	}
}

// TestSQLEditedRepl runs the shell on the editor: a statement, the same
// statement recalled with Up, a half-typed statement dropped with Ctrl-C,
// and Ctrl-D to leave.
func TestSQLEditedRepl(t *testing.T) {
	f := newSQLFake(t)
	f.entities["SHOW\n  STREAMS"] = `{"@type":"streams","streams":[{"name":"S","topic":"s","keyFormat":"KAFKA","valueFormat":"JSON"}]}`
	out := newSQLOut()
	sh := newSQLShell(f.client(t), out, io.Discard)
	sh.interactive, sh.interrupts = true, make(chan os.Signal)
	sh.history = filepath.Join(t.TempDir(), "history")
	if err := os.WriteFile(sh.history, []byte("SHOW\n  STREAMS;\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sh.recall = loadSQLHistory(sh.history)
	inR, inW := io.Pipe()
	ed := newLineEditor(inR, out, sh.recall)
	ed.Continue = sqlContinuePrompt
	sh.editor = ed
	done := make(chan error, 1)
	go func() { done <- sh.repl(context.Background(), nil) }()

	out.waitFor(t, sqlPrompt)
	io.WriteString(inW, "SHOW TABLES"+enter)
	out.waitFor(t, sqlContinuePrompt)
	io.WriteString(inW, ctrlC)
	out.waitFor(t, "^C\r\n"+sqlPrompt)
	io.WriteString(inW, up+up+enter) // the file's one entry, over two lines
	out.waitFor(t, "| S           | s           |")
	out.waitFor(t, "+\n"+sqlPrompt)
	io.WriteString(inW, up+enter) // the same, kept once
	io.WriteString(inW, ctrlD)
	if err := <-done; err != nil {
		t.Fatalf("repl: %v", err)
	}
	var sqls []string
	for _, r := range f.sent() {
		sqls = append(sqls, r.sql)
	}
	if want := "[SHOW\n  STREAMS; SHOW\n  STREAMS;]"; fmt.Sprint(sqls) != want {
		t.Errorf("sent %q, want %q", sqls, want)
	}
	if got := strings.Count(out.String(), "| S           | s           |"); got != 2 {
		t.Errorf("the streams were listed %d times:\n%s", got, out.String())
	}
	hist, err := os.ReadFile(sh.history)
	if err != nil {
		t.Fatal(err)
	}
	if want := "SHOW\n  STREAMS;\nSHOW\n  STREAMS;\nSHOW\n  STREAMS;\n"; string(hist) != want {
		t.Errorf("history file %q, want %q", hist, want)
	}
	if want := []string{"SHOW\n  STREAMS;"}; !slices.Equal(sh.recall.entries, want) {
		t.Errorf("recall %q, want %q (a repeat is kept once)", sh.recall.entries, want)
	}
}
