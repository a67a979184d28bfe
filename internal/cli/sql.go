package cli

// `sluice sql`: a SQL shell in the manner of the ksql CLI, over the
// server's ksqlDB-compatible REST API. Statements end with ';' and may span
// lines; SELECT and PRINT stream from /query-stream, everything else goes
// to /ksql and its answer is drawn as tables. SET, UNSET, DEFINE,
// UNDEFINE, RUN SCRIPT, HISTORY, HELP and EXIT are the shell's own: the
// properties and variables live in the shell and travel with every
// request, as the ksql CLI sends them.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/sluicedata/sluice/internal/client"
	"github.com/sluicedata/sluice/internal/clock"
)

const sqlDescription = `
Runs SQL statements (ksqlDB's dialect) against a sluice server. Without
--file or --execute it reads statements from standard input: at a terminal
it is an interactive shell with the prompt 'sluice> '; piped, it runs them
and stops at the first error.

Statements end with ';' and may span lines. SELECT ... EMIT CHANGES
streams rows until Ctrl-C, which stops the query and returns to the prompt.
The shell's own statements:
  SET 'property' = 'value';   UNSET 'property';   (sent as streamsProperties)
  DEFINE name = 'value';      UNDEFINE name;      (sent as sessionVariables)
  RUN SCRIPT 'file.sql';      HISTORY;   HELP;    EXIT; (or QUIT;)

Statements typed at the prompt are appended to --history. At a terminal
the line can be edited: Up and Down recall past statements, Left, Right,
Home, End (or Ctrl-A, Ctrl-E) move, Backspace and Delete erase, Ctrl-C drops
the line and Ctrl-D on an empty line leaves.

Examples:
  sluice sql --server http://127.0.0.1:8080
  sluice sql -f setup.sql
  sluice sql -e "SHOW STREAMS;"`

func sqlCommand() command {
	return command{
		name:    "sql",
		summary: "a SQL shell (ksqlDB's dialect) on a running server; runs scripts with -f",
		run: func(ctx context.Context, io IO, args []string) error {
			return runSQL(ctx, io, args)
		},
	}
}

func runSQL(ctx context.Context, io IO, args []string) error {
	fs := newFlagSet(io, "sql", "sql [flags]", sqlDescription)
	cf := addClientFlags(fs)
	file := fs.String("file", "", "run the statements of this file, stop at the first error, and exit")
	fs.StringVar(file, "f", "", "same as --file")
	execute := fs.String("execute", "", "run these statements, stop at the first error, and exit")
	fs.StringVar(execute, "e", "", "same as --execute")
	history := fs.String("history", "~/.sluice_history", "file the statements typed at the prompt are appended to (empty: none)")
	defines := configFlag{}
	fs.Var(defines, "define", "a session variable NAME=VALUE, as DEFINE sets; repeat for several")
	if err := parseFlags(fs, io, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("takes no arguments, got %q (a script is given with -f FILE)", fs.Args())
	}
	if *file != "" && *execute != "" {
		return usageError("give --file or --execute, not both")
	}
	c, err := cf.client(clock.Real{}, 0)
	if err != nil {
		return err
	}
	sh := newSQLShell(c, io.Stdout, io.Stderr)
	for k, v := range defines {
		sh.vars[k] = v
	}
	switch {
	case *file != "":
		return sh.runScript(ctx, *file)
	case *execute != "":
		return sh.runText(ctx, "--execute", *execute)
	}
	f, ok := io.Stdin.(*os.File)
	if !ok || !isTerminal(f) {
		return sh.repl(ctx, io.Stdin)
	}
	// At a terminal Ctrl-C stops the running query, not the shell: the
	// command's context ends on the first interrupt, so the shell runs on
	// one that only SIGTERM ends and takes interrupts itself.
	base, stop := signal.NotifyContext(context.WithoutCancel(ctx), syscall.SIGTERM)
	defer stop()
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt)
	defer signal.Stop(sigc)
	sh.interactive, sh.interrupts = true, sigc
	sh.history = expandHome(*history, io.Getenv("HOME"))
	sh.recall = loadSQLHistory(sh.history)
	tty := newTermLineReader(f, io.Stdout, sh.recall)
	defer tty.Close()
	sh.editor = tty
	sh.banner(base)
	return sh.repl(base, io.Stdin)
}

// expandHome resolves a leading ~/ against home; without a home such a
// path keeps no history.
func expandHome(path, home string) string {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home == "" {
			return ""
		}
		return filepath.Join(home, rest)
	}
	return path
}

// sqlShell is one session: its properties and variables, and where it
// writes.
type sqlShell struct {
	c         *client.Client
	out, errw io.Writer
	props     map[string]string // SET: sent as streamsProperties
	vars      map[string]string // DEFINE: sent as sessionVariables
	// interactive shells prompt, print errors and carry on; others stop at
	// the first error.
	interactive bool
	// interrupts delivers Ctrl-C; nil when the process's own handling
	// applies.
	interrupts <-chan os.Signal
	history    string // file statements are appended to; "" for none
	depth      int    // RUN SCRIPT nesting
	// editor, when set, reads the lines (a terminal's, with editing) in
	// place of the plain reader, drawing the prompts itself; recall is the
	// history its arrow keys step through.
	editor lineReader
	recall *lineHistory
}

// lineReader reads one line after drawing prompt; errLineInterrupted says
// Ctrl-C dropped it.
type lineReader interface {
	ReadLine(prompt string) (string, error)
}

func newSQLShell(c *client.Client, out, errw io.Writer) *sqlShell {
	return &sqlShell{c: c, out: out, errw: errw, props: map[string]string{}, vars: map[string]string{}}
}

const (
	sqlPrompt         = "sluice> "
	sqlContinuePrompt = "      > "
	// maxScriptDepth bounds RUN SCRIPT inside RUN SCRIPT, so a script
	// that runs itself fails instead of recursing forever.
	maxScriptDepth = 16
	// closeQueryTimeout bounds telling the server to stop a query.
	closeQueryTimeout = 5 * time.Second
)

func (s *sqlShell) banner(ctx context.Context) {
	info, err := s.c.Info(ctx)
	if err != nil {
		fmt.Fprintf(s.errw, "WARNING: %v\n", err)
	} else {
		fmt.Fprintf(s.out, "Sluice SQL shell on server v%s at %s (%s).\n", info.Version, s.c.URL(), info.ServerStatus)
	}
	fmt.Fprintln(s.out, "Statements end with ';'. Type HELP; for the shell's commands, EXIT; to leave.")
	fmt.Fprintln(s.out)
}

// sqlLine is one line of input, or the error that ended it.
type sqlLine struct {
	text string
	err  error
}

// repl reads statements from in until EXIT, the end of input or ctx ends.
func (s *sqlShell) repl(ctx context.Context, in io.Reader) error {
	lines := make(chan sqlLine)
	done := make(chan struct{})
	defer close(done)
	// With an editor, a line is read only when asked for with its prompt:
	// the terminal is not read (nor in raw mode) while a statement runs.
	var prompts chan string
	if s.editor != nil {
		prompts = make(chan string)
		go s.editLines(prompts, lines, done)
	} else {
		go readSQLLines(in, lines, done)
	}
	asked := false // a prompt went to the editor and its line is not in
	var buf string
	bufLine := 1 // the input line buf starts on
	for {
		prompt := sqlPrompt
		if buf != "" {
			prompt = sqlContinuePrompt
		}
		switch {
		case prompts != nil && !asked:
			select {
			case <-ctx.Done():
				return ctx.Err()
			case prompts <- prompt:
				asked = true
			}
		case prompts == nil && s.interactive:
			fmt.Fprint(s.out, prompt)
		}
		var l sqlLine
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.interrupts:
			// Ctrl-C at the prompt drops what was typed, as a terminal
			// drops the line.
			bufLine += strings.Count(buf, "\n")
			buf = ""
			fmt.Fprintln(s.out)
			continue
		case l = <-lines:
			asked = false
		}
		if errors.Is(l.err, errLineInterrupted) {
			// The editor took Ctrl-C: the statement typed so far goes.
			bufLine += strings.Count(buf, "\n")
			buf = ""
			continue
		}
		if buf == "" && isBareExit(l.text) {
			return nil
		}
		buf += l.text
		if l.err != nil && buf != "" && !strings.HasSuffix(buf, "\n") {
			buf += "\n" // a last line without its newline ends all the same
		}
		stmts, rest, pending := splitSQL(buf)
		startLine := bufLine
		if pending {
			bufLine += strings.Count(buf[:len(buf)-len(rest)], "\n")
			buf = rest
		} else {
			bufLine += strings.Count(buf, "\n")
			buf = ""
		}
		for _, st := range stmts {
			s.remember(st.text)
			exit, err := s.run(ctx, st)
			if err != nil {
				if !s.interactive {
					return fmt.Errorf("line %d: %w", startLine+st.line-1, err)
				}
				s.printError(err)
			}
			if exit {
				return nil
			}
		}
		if l.err != nil {
			if s.interactive {
				fmt.Fprintln(s.out)
			}
			if pending && !s.interactive {
				return fmt.Errorf("the input ends inside a statement (missing ';'?): %.80q", strings.TrimSpace(buf))
			}
			if errors.Is(l.err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading statements: %w", l.err)
		}
	}
}

// readSQLLines sends in's lines to lines until an error or done.
func readSQLLines(in io.Reader, lines chan<- sqlLine, done <-chan struct{}) {
	r := bufio.NewReaderSize(in, 64<<10)
	for {
		text, err := r.ReadString('\n')
		select {
		case lines <- sqlLine{text, err}:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

// editLines reads a line with the editor for each prompt asked for and
// sends it on with its newline, until an error other than Ctrl-C or done.
func (s *sqlShell) editLines(prompts <-chan string, lines chan<- sqlLine, done <-chan struct{}) {
	for {
		var prompt string
		select {
		case prompt = <-prompts:
		case <-done:
			return
		}
		text, err := s.editor.ReadLine(prompt)
		if err == nil {
			text += "\n"
		}
		select {
		case lines <- sqlLine{text, err}:
		case <-done:
			return
		}
		if err != nil && !errors.Is(err, errLineInterrupted) {
			return
		}
	}
}

// isBareExit accepts exit and quit typed without a semicolon, as the ksql
// CLI does.
func isBareExit(line string) bool {
	w := strings.ToUpper(strings.TrimSpace(line))
	return w == "EXIT" || w == "QUIT"
}

func (s *sqlShell) printError(err error) {
	var se *client.SQLError
	if errors.As(err, &se) {
		fmt.Fprintln(s.errw, se.Message)
		return
	}
	fmt.Fprintln(s.errw, err)
}

// remember adds a typed statement to the history the arrow keys recall and
// appends it to the history file; a file that cannot be written is
// reported once and then left alone.
func (s *sqlShell) remember(stmt string) {
	if !s.interactive {
		return
	}
	if s.recall != nil {
		s.recall.Add(stmt)
	}
	if s.history == "" {
		return
	}
	f, err := os.OpenFile(s.history, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err == nil {
		_, err = io.WriteString(f, stmt+"\n")
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(s.errw, "WARNING: history not kept: %v\n", err)
		s.history = ""
	}
}

// runScript runs a file's statements in order and stops at the first
// error, which names the file and line.
func (s *sqlShell) runScript(ctx context.Context, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return s.runText(ctx, path, string(data))
}

// runText runs statements given whole (a script, --execute), named name
// in errors.
func (s *sqlShell) runText(ctx context.Context, name, text string) error {
	if s.depth >= maxScriptDepth {
		return fmt.Errorf("%s: scripts nest more than %d deep (does a script run itself?)", name, maxScriptDepth)
	}
	s.depth++
	defer func() { s.depth-- }()
	stmts, rest, pending := splitSQL(text)
	if pending {
		return fmt.Errorf("%s: the last statement has no ending ';': %.80q", name, strings.TrimSpace(rest))
	}
	for _, st := range stmts {
		exit, err := s.run(ctx, st)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", name, st.line, err)
		}
		if exit {
			return nil
		}
	}
	return nil
}

// run executes one statement; exit is set by EXIT and QUIT.
func (s *sqlShell) run(ctx context.Context, st sqlStatement) (exit bool, err error) {
	toks := sqlTokens(st.text)
	if n := len(toks); n > 0 && toks[n-1].is(";") {
		toks = toks[:n-1]
	}
	if len(toks) == 0 {
		return false, nil
	}
	switch strings.ToUpper(toks[0].text) {
	case "EXIT", "QUIT":
		if len(toks) == 1 && toks[0].quote == 0 {
			return true, nil
		}
	case "SET":
		return false, s.set(toks[1:])
	case "UNSET":
		return false, s.unset(toks[1:])
	case "DEFINE":
		return false, s.define(toks[1:])
	case "UNDEFINE":
		return false, s.undefine(toks[1:])
	case "RUN":
		if len(toks) == 3 && strings.EqualFold(toks[1].text, "SCRIPT") && toks[2].quote == '\'' {
			return false, s.runScript(ctx, toks[2].text)
		}
		return false, errors.New("usage: RUN SCRIPT 'file.sql';")
	case "HISTORY":
		if len(toks) == 1 {
			return false, s.printHistory()
		}
	case "HELP":
		if len(toks) == 1 {
			s.printHelp()
			return false, nil
		}
	case "SELECT", "PRINT":
		return false, s.query(ctx, st.text, toks)
	}
	return false, s.execute(ctx, st.text)
}

// propsAny is the session's properties as the client sends them.
func (s *sqlShell) propsAny() map[string]any {
	m := make(map[string]any, len(s.props))
	for k, v := range s.props {
		m[k] = v
	}
	return m
}

// interruptible runs fn and, at Ctrl-C, cancels it and waits for it to
// return; interrupted reports that it was stopped so.
func (s *sqlShell) interruptible(ctx context.Context, fn func(context.Context) error) (interrupted bool, err error) {
	if s.interrupts == nil {
		return false, fn(ctx)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(cctx) }()
	select {
	case err := <-done:
		return false, err
	case <-s.interrupts:
		cancel()
		<-done
		return true, nil
	}
}

// execute sends a statement to /ksql and prints the entities it answers.
func (s *sqlShell) execute(ctx context.Context, sql string) error {
	var entities []json.RawMessage
	interrupted, err := s.interruptible(ctx, func(ctx context.Context) error {
		var err error
		entities, err = s.c.Execute(ctx, sql, s.propsAny(), s.vars)
		return err
	})
	if interrupted {
		fmt.Fprintln(s.out, "Request cancelled")
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entities {
		s.renderEntity(e)
	}
	return nil
}

// query streams a SELECT or PRINT; Ctrl-C stops it and returns to the
// prompt.
func (s *sqlShell) query(ctx context.Context, sql string, toks []sqlToken) error {
	push := false
	for _, t := range toks {
		if t.quote == 0 && strings.EqualFold(t.text, "EMIT") {
			push = true
		}
	}
	interrupted, err := s.interruptible(ctx, func(ctx context.Context) error {
		return s.stream(ctx, sql, push)
	})
	if interrupted {
		fmt.Fprintln(s.out, "Query terminated")
		return nil
	}
	return err
}

func (s *sqlShell) stream(ctx context.Context, sql string, push bool) error {
	q, err := s.c.QueryStream(ctx, sql, s.propsAny(), s.vars)
	if err != nil {
		return err
	}
	defer func() {
		// The stream's own context may be cancelled: stopping the query
		// on the server needs one that is not.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeQueryTimeout)
		defer cancel()
		q.Close(cctx)
	}()
	if q.Print {
		for q.Next() {
			fmt.Fprintln(s.out, q.Line())
		}
		return q.Err()
	}
	cols := q.Header.ColumnNames
	if !push {
		t := &sqlTable{header: cols}
		for q.Next() {
			t.rows = append(t.rows, rowCells(q.Row(), len(cols)))
		}
		if err := q.Err(); err != nil {
			return err
		}
		t.render(s.out)
		fmt.Fprintln(s.out, "Query terminated")
		return nil
	}
	// A push query's rows are printed as they come, so the widths are
	// fixed from the header: a wider value widens its own line only.
	widths := make([]int, len(cols))
	for i, c := range cols {
		widths[i] = max(utf8.RuneCountInString(c), 10)
		if i < len(q.Header.ColumnTypes) && !isNarrowType(q.Header.ColumnTypes[i]) {
			widths[i] = max(widths[i], 20)
		}
	}
	border := tableBorder(widths)
	fmt.Fprintln(s.out, border)
	fmt.Fprintln(s.out, tableLine(widths, cols))
	fmt.Fprintln(s.out, border)
	for q.Next() {
		fmt.Fprintln(s.out, tableLine(widths, rowCells(q.Row(), len(cols))))
	}
	fmt.Fprintln(s.out, border)
	if err := q.Err(); err != nil {
		return err
	}
	fmt.Fprintln(s.out, "Query terminated")
	return nil
}

// isNarrowType tells the column types whose values are short.
func isNarrowType(t string) bool {
	switch strings.ToUpper(t) {
	case "INTEGER", "INT", "BIGINT", "BOOLEAN", "DOUBLE", "DATE", "TIME":
		return true
	}
	return false
}

// rowCells formats a row's JSON values: strings as they are, everything
// else as its JSON.
func rowCells(row []json.RawMessage, n int) []string {
	cells := make([]string, max(n, len(row)))
	for i, v := range row {
		cells[i] = jsonCell(v)
	}
	return cells
}

func jsonCell(v json.RawMessage) string {
	var s string
	if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
		return s
	}
	return string(v)
}

// SET, UNSET, DEFINE and UNDEFINE change the session, which every later
// request carries.

func (s *sqlShell) set(args []sqlToken) error {
	if len(args) != 3 || !args[1].is("=") || args[0].text == "" {
		return errors.New("usage: SET 'property' = 'value';")
	}
	name, value := args[0].text, args[2].text
	old, had := s.props[name]
	s.props[name] = value
	if had {
		fmt.Fprintf(s.out, "Successfully changed local property '%s' from '%s' to '%s'.\n", name, old, value)
	} else {
		fmt.Fprintf(s.out, "Successfully changed local property '%s' to '%s'. Use the UNSET command to revert your change.\n", name, value)
	}
	return nil
}

func (s *sqlShell) unset(args []sqlToken) error {
	if len(args) != 1 || args[0].text == "" {
		return errors.New("usage: UNSET 'property';")
	}
	name := args[0].text
	old, had := s.props[name]
	if !had {
		return fmt.Errorf("property '%s' is not set in this session", name)
	}
	delete(s.props, name)
	fmt.Fprintf(s.out, "Successfully unset local property '%s' (value was '%s').\n", name, old)
	return nil
}

func (s *sqlShell) define(args []sqlToken) error {
	if len(args) != 3 || !args[1].is("=") || args[0].quote != 0 || args[0].text == "" {
		return errors.New("usage: DEFINE name = 'value';")
	}
	s.vars[args[0].text] = args[2].text
	return nil
}

func (s *sqlShell) undefine(args []sqlToken) error {
	if len(args) != 1 || args[0].quote != 0 || args[0].text == "" {
		return errors.New("usage: UNDEFINE name;")
	}
	if _, ok := s.vars[args[0].text]; !ok {
		fmt.Fprintf(s.errw, "WARNING: Cannot undefine variable '%s' which has not been defined.\n", args[0].text)
		return nil
	}
	delete(s.vars, args[0].text)
	return nil
}

// historyShown is how many past statements HISTORY lists.
const historyShown = 50

func (s *sqlShell) printHistory() error {
	if s.history == "" {
		fmt.Fprintln(s.out, "No history is kept (see --history).")
		return nil
	}
	data, err := os.ReadFile(s.history)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	stmts, _, _ := splitSQL(string(data))
	first := max(0, len(stmts)-historyShown)
	for i := first; i < len(stmts); i++ {
		fmt.Fprintf(s.out, "%5d  %s\n", i+1, strings.ReplaceAll(stmts[i].text, "\n", "\n       "))
	}
	return nil
}

func (s *sqlShell) printHelp() {
	fmt.Fprint(s.out, `Statements end with ';' and may span lines. The server runs ksqlDB's SQL;
SELECT ... EMIT CHANGES streams rows until Ctrl-C. The shell's own commands:
  SET 'property' = 'value';   set a property for this session's statements
  UNSET 'property';           drop it again
  DEFINE name = 'value';      define a variable, used as ${name} in statements
  UNDEFINE name;              drop it again
  RUN SCRIPT 'file.sql';      run a file's statements in order
  HISTORY;                    list the statements typed so far
  EXIT; or QUIT;              leave (so does Ctrl-D)
`)
}

// sqlStatement is one statement of the input, with its ';', and the line
// it starts on.
type sqlStatement struct {
	text string
	line int
}

// splitSQL cuts text into statements at the semicolons that are outside
// quotes ('string', "identifier", `identifier`, each doubling its quote to
// escape it) and comments (-- to the end of the line, /* ... */). Comments
// before a statement are left out of it. rest is what follows the last
// statement; pending says it holds the start of another (or an open quote
// or comment), not just space and comments.
func splitSQL(text string) (stmts []sqlStatement, rest string, pending bool) {
	start, line := 0, 1
	stmtStart, stmtLine := -1, 0
	begin := func(i int) {
		if stmtStart < 0 {
			stmtStart, stmtLine = i, line
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			end := strings.IndexByte(text[i:], '\n')
			if end < 0 {
				i = len(text)
			} else {
				i += end
			}
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return stmts, text[start:], true
			}
			line += strings.Count(text[i:i+2+end], "\n")
			i += 2 + end + 2
		case c == '\'' || c == '"' || c == '`':
			begin(i)
			j := i + 1
			for {
				k := strings.IndexByte(text[j:], c)
				if k < 0 {
					return stmts, text[start:], true
				}
				j += k + 1
				if j < len(text) && text[j] == c {
					j++ // a doubled quote stands for itself
					continue
				}
				break
			}
			line += strings.Count(text[i:j], "\n")
			i = j
		case c == ';':
			if stmtStart >= 0 {
				stmts = append(stmts, sqlStatement{text: text[stmtStart : i+1], line: stmtLine})
			}
			i++
			start, stmtStart = i, -1
		case c == ' ' || c == '\t' || c == '\r':
			i++
		default:
			begin(i)
			i++
		}
	}
	return stmts, text[start:], stmtStart >= 0
}

// sqlToken is a word, a quoted text (quote says which quote, and text is
// unescaped) or one of = ; ( ) , of a statement.
type sqlToken struct {
	text  string
	quote byte
}

func (t sqlToken) is(punct string) bool { return t.quote == 0 && t.text == punct }

// sqlTokens splits a statement into tokens, skipping comments: enough to
// read the shell's own statements and tell a push query.
func sqlTokens(s string) []sqlToken {
	var toks []sqlToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case strings.HasPrefix(s[i:], "--"):
			if end := strings.IndexByte(s[i:], '\n'); end >= 0 {
				i += end
			} else {
				i = len(s)
			}
		case strings.HasPrefix(s[i:], "/*"):
			if end := strings.Index(s[i+2:], "*/"); end >= 0 {
				i += end + 4
			} else {
				i = len(s)
			}
		case c == '\'' || c == '"' || c == '`':
			var b strings.Builder
			j := i + 1
			for j < len(s) {
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						b.WriteByte(c)
						j += 2
						continue
					}
					j++
					break
				}
				b.WriteByte(s[j])
				j++
			}
			toks = append(toks, sqlToken{text: b.String(), quote: c})
			i = j
		case strings.IndexByte("=;(),", c) >= 0:
			toks = append(toks, sqlToken{text: string(c)})
			i++
		default:
			j := i
			for j < len(s) && strings.IndexByte(" \t\r\n'\"`=;(),", s[j]) < 0 {
				j++
			}
			toks = append(toks, sqlToken{text: s[i:j]})
			i = j
		}
	}
	return toks
}

// sqlTable is a table drawn as the ksql CLI draws its results: +---+
// borders, every column as wide as its widest cell.
type sqlTable struct {
	header []string
	rows   [][]string
}

func (t *sqlTable) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *sqlTable) render(w io.Writer) {
	widths := make([]int, len(t.header))
	measure := func(cells []string) {
		for i, c := range cells {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	measure(t.header)
	for _, r := range t.rows {
		measure(r)
	}
	border := tableBorder(widths)
	fmt.Fprintln(w, border)
	fmt.Fprintln(w, tableLine(widths, t.header))
	fmt.Fprintln(w, border)
	for _, r := range t.rows {
		fmt.Fprintln(w, tableLine(widths, r))
	}
	if len(t.rows) > 0 {
		fmt.Fprintln(w, border)
	}
}

func tableBorder(widths []int) string {
	var b strings.Builder
	b.WriteByte('+')
	for _, n := range widths {
		b.WriteString(strings.Repeat("-", n+2))
		b.WriteByte('+')
	}
	return b.String()
}

// tableLine is one row; line breaks and tabs in a cell are shown escaped
// so that a row stays one line.
func tableLine(widths []int, cells []string) string {
	var b strings.Builder
	b.WriteByte('|')
	for i, n := range widths {
		c := ""
		if i < len(cells) {
			c = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(cells[i])
		}
		b.WriteByte(' ')
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", max(0, n-utf8.RuneCountInString(c))))
		b.WriteString(" |")
	}
	return b.String()
}

// The entities of /ksql as the server writes them (ksqlDB's REST API
// shapes); only what the shell shows is decoded.

type sqlWarning struct {
	Message string `json:"message"`
}

type sqlSourceInfo struct {
	Name        string `json:"name"`
	Topic       string `json:"topic"`
	KeyFormat   string `json:"keyFormat"`
	ValueFormat string `json:"valueFormat"`
	IsWindowed  bool   `json:"isWindowed"`
}

type sqlRunningQuery struct {
	QueryString     string         `json:"queryString"`
	Sinks           []string       `json:"sinks"`
	SinkKafkaTopics []string       `json:"sinkKafkaTopics"`
	ID              string         `json:"id"`
	StatusCount     map[string]int `json:"statusCount"`
	QueryType       string         `json:"queryType"`
	State           string         `json:"state"`
}

type sqlSchema struct {
	Type         string         `json:"type"`
	Fields       []sqlField     `json:"fields"`
	MemberSchema *sqlSchema     `json:"memberSchema"`
	Parameters   map[string]any `json:"parameters"`
}

type sqlField struct {
	Name   string    `json:"name"`
	Schema sqlSchema `json:"schema"`
	Type   string    `json:"type"` // KEY, HEADER or empty
}

type sqlQueryStats struct {
	MessagesPerSec  float64 `json:"messagesPerSec"`
	TotalMessages   int64   `json:"totalMessages"`
	Failed          int64   `json:"failed"`
	LastMessageTime string  `json:"lastMessageTime"`
}

type sqlSourceDescription struct {
	Name              string                   `json:"name"`
	WindowType        string                   `json:"windowType"`
	ReadQueries       []sqlRunningQuery        `json:"readQueries"`
	WriteQueries      []sqlRunningQuery        `json:"writeQueries"`
	Fields            []sqlField               `json:"fields"`
	Type              string                   `json:"type"`
	Timestamp         string                   `json:"timestamp"`
	Statistics        string                   `json:"statistics"`
	ErrorStats        string                   `json:"errorStats"`
	Extended          bool                     `json:"extended"`
	KeyFormat         string                   `json:"keyFormat"`
	ValueFormat       string                   `json:"valueFormat"`
	Topic             string                   `json:"topic"`
	Partitions        int                      `json:"partitions"`
	Replication       int                      `json:"replication"`
	Statement         string                   `json:"statement"`
	SourceConstraints []string                 `json:"sourceConstraints"`
	QueryStats        map[string]sqlQueryStats `json:"queryStats"`
}

type sqlQueryDescription struct {
	ID                   string         `json:"id"`
	StatementText        string         `json:"statementText"`
	WindowType           string         `json:"windowType"`
	Fields               []sqlField     `json:"fields"`
	Sources              []string       `json:"sources"`
	Sinks                []string       `json:"sinks"`
	Topology             string         `json:"topology"`
	ExecutionPlan        string         `json:"executionPlan"`
	OverriddenProperties map[string]any `json:"overriddenProperties"`
	QueryType            string         `json:"queryType"`
	State                string         `json:"state"`
	Stats                *sqlQueryStats `json:"stats"`
}

type sqlFunctionSignature struct {
	Arguments []struct {
		Name        string `json:"name"`
		Type        string `json:"type"`
		Description string `json:"description"`
		IsVariadic  bool   `json:"isVariadic"`
	} `json:"arguments"`
	ReturnType  string `json:"returnType"`
	Description string `json:"description"`
}

// sqlEntity holds the fields of every entity the shell draws; each
// renderer reads those of its "@type".
type sqlEntity struct {
	Type          string       `json:"@type"`
	StatementText string       `json:"statementText"`
	Warnings      []sqlWarning `json:"warnings"`

	// currentStatus
	CommandStatus struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	} `json:"commandStatus"`
	// streams, tables
	Streams []sqlSourceInfo `json:"streams"`
	Tables  []sqlSourceInfo `json:"tables"`
	// queries
	Queries []sqlRunningQuery `json:"queries"`
	// properties
	Properties []struct {
		Name  string `json:"name"`
		Scope string `json:"scope"`
		Value string `json:"value"`
	} `json:"properties"`
	OverwrittenProperties []string `json:"overwrittenProperties"`
	// variables
	Variables []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"variables"`
	// kafka_topics; function_names reuses Functions below
	Topics []struct {
		Name        string `json:"name"`
		ReplicaInfo []int  `json:"replicaInfo"`
	} `json:"topics"`
	// sourceDescription, source_descriptions
	SourceDescription  sqlSourceDescription   `json:"sourceDescription"`
	SourceDescriptions []sqlSourceDescription `json:"sourceDescriptions"`
	// queryDescription
	QueryDescription sqlQueryDescription `json:"queryDescription"`
	// function_names (name, type, category) and describe_function
	// (signatures) share "functions": kept raw and decoded by type.
	Functions    json.RawMessage `json:"functions"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	Author       string          `json:"author"`
	Version      string          `json:"version"`
	Path         string          `json:"path"`
	FunctionType string          `json:"type"`
	// type_list
	Types map[string]sqlSchema `json:"types"`
	// warning_entity
	Message string `json:"message"`
}

// renderEntity draws one entity; an unknown kind (or one that does not
// decode) is printed as indented JSON.
func (s *sqlShell) renderEntity(raw json.RawMessage) {
	var e sqlEntity
	if err := json.Unmarshal(raw, &e); err != nil || !s.renderKnown(&e) {
		var b bytes.Buffer
		if json.Indent(&b, raw, "", "  ") != nil {
			fmt.Fprintln(s.out, string(raw))
		} else {
			fmt.Fprintln(s.out, b.String())
		}
	}
	for _, w := range e.Warnings {
		fmt.Fprintf(s.out, "WARNING: %s\n", w.Message)
	}
}

func (s *sqlShell) renderKnown(e *sqlEntity) bool {
	w := s.out
	switch e.Type {
	case "currentStatus":
		t := &sqlTable{header: []string{"Message"}}
		t.add(e.CommandStatus.Message)
		t.render(w)
	case "streams":
		renderSources(w, "Stream Name", e.Streams)
	case "tables":
		renderSources(w, "Table Name", e.Tables)
	case "queries":
		t := &sqlTable{header: []string{"Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"}}
		for _, q := range e.Queries {
			t.add(q.ID, q.QueryType, queryStatus(q), strings.Join(q.Sinks, ","), strings.Join(q.SinkKafkaTopics, ","), oneLine(q.QueryString))
		}
		t.render(w)
		fmt.Fprintln(w, "For detailed information on a Query run: EXPLAIN <Query ID>;")
	case "properties":
		over := map[string]bool{}
		for _, p := range e.OverwrittenProperties {
			over[p] = true
		}
		t := &sqlTable{header: []string{"Property", "Scope", "Default override", "Effective Value"}}
		for _, p := range e.Properties {
			override := ""
			if _, ok := s.props[p.Name]; ok {
				override = "SESSION"
			} else if over[p.Name] {
				override = "SERVER"
			}
			t.add(p.Name, p.Scope, override, p.Value)
		}
		t.render(w)
	case "variables":
		t := &sqlTable{header: []string{"Variable Name", "Value"}}
		for _, v := range e.Variables {
			t.add(v.Name, v.Value)
		}
		t.render(w)
	case "kafka_topics":
		t := &sqlTable{header: []string{"Kafka Topic", "Partitions", "Partition Replicas"}}
		for _, tp := range e.Topics {
			replicas := ""
			if len(tp.ReplicaInfo) > 0 {
				replicas = fmt.Sprint(tp.ReplicaInfo[0])
			}
			t.add(tp.Name, fmt.Sprint(len(tp.ReplicaInfo)), replicas)
		}
		t.render(w)
	case "function_names":
		var fns []struct {
			Name     string `json:"name"`
			Category string `json:"category"`
		}
		if json.Unmarshal(e.Functions, &fns) != nil {
			return false
		}
		sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
		t := &sqlTable{header: []string{"Function Name", "Category"}}
		for _, f := range fns {
			t.add(f.Name, f.Category)
		}
		t.render(w)
		fmt.Fprintln(w, "For detailed information on a function run: DESCRIBE FUNCTION <Function Name>;")
	case "describe_function":
		var sigs []sqlFunctionSignature
		if len(e.Functions) > 0 && json.Unmarshal(e.Functions, &sigs) != nil {
			return false
		}
		renderFunction(w, e, sigs)
	case "sourceDescription":
		renderSource(w, &e.SourceDescription)
	case "source_descriptions":
		for i := range e.SourceDescriptions {
			if i > 0 {
				fmt.Fprintln(w)
			}
			renderSource(w, &e.SourceDescriptions[i])
		}
	case "queryDescription":
		renderQuery(w, &e.QueryDescription)
	case "type_list":
		names := make([]string, 0, len(e.Types))
		for n := range e.Types {
			names = append(names, n)
		}
		sort.Strings(names)
		t := &sqlTable{header: []string{"Type Name", "Schema"}}
		for _, n := range names {
			t.add(n, e.Types[n].String())
		}
		t.render(w)
	case "warning_entity":
		fmt.Fprintln(w, e.Message)
	default:
		return false
	}
	return true
}

func renderSources(w io.Writer, nameHeader string, sources []sqlSourceInfo) {
	t := &sqlTable{header: []string{nameHeader, "Kafka Topic", "Key Format", "Value Format", "Windowed"}}
	for _, s := range sources {
		t.add(s.Name, s.Topic, s.KeyFormat, s.ValueFormat, fmt.Sprint(s.IsWindowed))
	}
	t.render(w)
}

// queryStatus is a query's state with its count per host, as ksqlDB
// shows it ("RUNNING:1").
func queryStatus(q sqlRunningQuery) string {
	if len(q.StatusCount) == 0 {
		return q.State
	}
	var parts []string
	for st, n := range q.StatusCount {
		parts = append(parts, fmt.Sprintf("%s:%d", st, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// String writes a column type as ksqlDB's DESCRIBE does.
func (s sqlSchema) String() string {
	member := func() string {
		if s.MemberSchema == nil {
			return "?"
		}
		return s.MemberSchema.String()
	}
	switch s.Type {
	case "STRING":
		return "VARCHAR(STRING)"
	case "ARRAY":
		return "ARRAY<" + member() + ">"
	case "MAP":
		return "MAP<STRING, " + member() + ">"
	case "STRUCT":
		parts := make([]string, len(s.Fields))
		for i, f := range s.Fields {
			parts[i] = f.Name + " " + f.Schema.String()
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	case "DECIMAL":
		p, okP := s.Parameters["precision"]
		sc, okS := s.Parameters["scale"]
		if okP && okS {
			return fmt.Sprintf("DECIMAL(%v, %v)", p, sc)
		}
	}
	return s.Type
}

// fieldsTable lists a source's or query's columns, marking key and header
// columns.
func fieldsTable(fields []sqlField) *sqlTable {
	t := &sqlTable{header: []string{"Field", "Type"}}
	for _, f := range fields {
		typ := f.Schema.String()
		switch strings.ToUpper(f.Type) {
		case "KEY":
			typ += "  (key)"
		case "HEADER", "HEADERS":
			typ += "  (header)"
		}
		t.add(f.Name, typ)
	}
	return t
}

// labelled prints "Label : value" lines aligned as ksqlDB's DESCRIBE.
func labelled(w io.Writer, label, value string) {
	fmt.Fprintf(w, "%-20s : %s\n", label, value)
}

func underlined(w io.Writer, title string) {
	fmt.Fprintln(w, title)
	fmt.Fprintln(w, strings.Repeat("-", utf8.RuneCountInString(title)))
}

func renderSource(w io.Writer, d *sqlSourceDescription) {
	labelled(w, "Name", d.Name)
	if !d.Extended {
		fieldsTable(d.Fields).render(w)
		fmt.Fprintln(w, "For runtime statistics and query details run: DESCRIBE <Stream,Table> EXTENDED;")
		return
	}
	labelled(w, "Type", d.Type)
	ts := d.Timestamp
	if ts == "" {
		ts = "Not set - using <ROWTIME>"
	}
	labelled(w, "Timestamp field", ts)
	labelled(w, "Key format", d.KeyFormat)
	labelled(w, "Value format", d.ValueFormat)
	labelled(w, "Kafka topic", fmt.Sprintf("%s (partitions: %d, replication: %d)", d.Topic, d.Partitions, d.Replication))
	if d.WindowType != "" {
		labelled(w, "Window type", d.WindowType)
	}
	labelled(w, "Statement", d.Statement)
	fmt.Fprintln(w)
	fieldsTable(d.Fields).render(w)
	if len(d.SourceConstraints) > 0 {
		fmt.Fprintln(w)
		underlined(w, "Sources that have a DROP constraint on this source")
		for _, c := range d.SourceConstraints {
			fmt.Fprintln(w, c)
		}
	}
	for _, qs := range []struct {
		title   string
		queries []sqlRunningQuery
	}{{"Queries that read from this " + d.Type, d.ReadQueries}, {"Queries that write from this " + d.Type, d.WriteQueries}} {
		fmt.Fprintln(w)
		underlined(w, qs.title)
		for _, q := range qs.queries {
			fmt.Fprintf(w, "%s (%s) : %s\n", q.ID, queryStatus(q), oneLine(q.QueryString))
		}
	}
	fmt.Fprintln(w, "\nFor query topology and execution plan please run: EXPLAIN <QueryId>")
	if len(d.QueryStats) > 0 {
		ids := make([]string, 0, len(d.QueryStats))
		for id := range d.QueryStats {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		fmt.Fprintln(w)
		underlined(w, "Runtime statistics by query")
		t := &sqlTable{header: []string{"Query ID", "Messages/sec", "Total messages", "Failed", "Last message"}}
		for _, id := range ids {
			st := d.QueryStats[id]
			t.add(id, fmt.Sprintf("%.2f", st.MessagesPerSec), fmt.Sprint(st.TotalMessages), fmt.Sprint(st.Failed), st.LastMessageTime)
		}
		t.render(w)
	}
	if d.Statistics != "" || d.ErrorStats != "" {
		fmt.Fprintln(w)
		underlined(w, "Local runtime statistics")
		for _, s := range []string{d.Statistics, d.ErrorStats} {
			if s != "" {
				fmt.Fprintln(w, s)
			}
		}
	}
}

func renderQuery(w io.Writer, q *sqlQueryDescription) {
	labelled(w, "ID", q.ID)
	labelled(w, "Query Type", q.QueryType)
	labelled(w, "SQL", q.StatementText)
	if q.State != "" {
		labelled(w, "Status", q.State)
	}
	if q.WindowType != "" {
		labelled(w, "Window type", q.WindowType)
	}
	fmt.Fprintln(w)
	fieldsTable(q.Fields).render(w)
	fmt.Fprintln(w)
	underlined(w, "Sources that this query reads from:")
	fmt.Fprintln(w, strings.Join(q.Sources, "\n"))
	fmt.Fprintln(w)
	underlined(w, "Sinks that this query writes to:")
	fmt.Fprintln(w, strings.Join(q.Sinks, "\n"))
	fmt.Fprintln(w)
	underlined(w, "Execution plan")
	fmt.Fprintln(w, strings.TrimRight(q.ExecutionPlan, "\n"))
	if q.Topology != "" && q.Topology != q.ExecutionPlan {
		fmt.Fprintln(w)
		underlined(w, "Processing topology")
		fmt.Fprintln(w, strings.TrimRight(q.Topology, "\n"))
	}
	if len(q.OverriddenProperties) > 0 {
		names := make([]string, 0, len(q.OverriddenProperties))
		for n := range q.OverriddenProperties {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintln(w)
		underlined(w, "Overridden Properties")
		t := &sqlTable{header: []string{"Property", "Value"}}
		for _, n := range names {
			t.add(n, fmt.Sprint(q.OverriddenProperties[n]))
		}
		t.render(w)
	}
	if st := q.Stats; st != nil {
		fmt.Fprintln(w)
		underlined(w, "Runtime statistics")
		fmt.Fprintf(w, "messages-per-sec: %.2f  total-messages: %d  failed: %d  last-message: %s\n", st.MessagesPerSec, st.TotalMessages, st.Failed, st.LastMessageTime)
	}
}

func renderFunction(w io.Writer, e *sqlEntity, sigs []sqlFunctionSignature) {
	labelled(w, "Name", e.Name)
	if e.Author != "" {
		labelled(w, "Author", e.Author)
	}
	if e.Version != "" {
		labelled(w, "Version", e.Version)
	}
	labelled(w, "Overview", e.Description)
	labelled(w, "Type", e.FunctionType)
	if e.Path != "" {
		labelled(w, "Jar", e.Path)
	}
	labelled(w, "Variations", "")
	for _, sig := range sigs {
		args := make([]string, len(sig.Arguments))
		for i, a := range sig.Arguments {
			typ := a.Type
			if a.IsVariadic {
				typ += "..."
			}
			args[i] = strings.TrimSpace(a.Name + " " + typ)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "\t%-12s: %s(%s)\n", "Variation", e.Name, strings.Join(args, ", "))
		fmt.Fprintf(w, "\t%-12s: %s\n", "Returns", sig.ReturnType)
		if sig.Description != "" {
			fmt.Fprintf(w, "\t%-12s: %s\n", "Description", sig.Description)
		}
		for _, a := range sig.Arguments {
			if a.Description != "" {
				fmt.Fprintf(w, "\t%-12s: %s\n", a.Name, a.Description)
			}
		}
	}
}
