package engine

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
)

// Execute runs a script of statements (each ending in ';') in order and
// returns one entity per statement. On failure it returns a
// *StatementError holding the entities of the statements that succeeded.
// SELECT and PRINT are refused with CodeQueryEndpoint: use Query.
func (e *Engine) Execute(ctx context.Context, sess *Session, sql string) ([]Entity, error) {
	if sess == nil {
		sess = NewSession()
	}
	if strings.Contains(sql, "${") {
		return e.executeWithVariables(ctx, sess, sql)
	}
	stmts, err := parseScript(sql)
	if err != nil {
		return nil, err
	}
	var entities []Entity
	for _, ps := range stmts {
		ent, err := e.executeText(ctx, sess, ps.Text, ps.Stmt)
		if err != nil {
			se := AsStatementError(err)
			if se.Statement == "" {
				se.Statement = ps.Text + ";"
			}
			se.Entities = entities
			return entities, se
		}
		entities = append(entities, ent)
	}
	return entities, nil
}

// executeWithVariables runs a script that refers to variables: each
// statement is substituted, with the variables its predecessors defined,
// before it is parsed, since a variable may stand for any part of it.
func (e *Engine) executeWithVariables(ctx context.Context, sess *Session, sql string) ([]Entity, error) {
	var entities []Entity
	for _, text := range parser.Split(sql) {
		ent, err := e.executeText(ctx, sess, text, nil)
		if err != nil {
			se := AsStatementError(err)
			if se.Statement == "" {
				se.Statement = text + ";"
			}
			se.Entities = entities
			return entities, se
		}
		entities = append(entities, ent)
	}
	return entities, nil
}

func parseScript(sql string) ([]parser.Parsed, error) {
	stmts, err := parser.ParseScript(sql)
	if err != nil {
		return nil, parseError(err, sql)
	}
	return stmts, nil
}

func parseError(err error, sql string) error {
	var pe *parser.Error
	if errors.As(err, &pe) {
		se := &StatementError{Code: CodeBadStatement, Kind: "parse", Pos: pe.Pos, Message: pe.Error(), Statement: sql, Err: err}
		if c := pe.Compat(); c != se.Message {
			se.AltMessage = c
		}
		if pe.Code == parser.CodeInvalidNumber {
			// ksqlDB reports a literal out of range while preparing.
			se.AltMessage = "Failed to prepare statement: " + pe.Compat()
		}
		return se
	}
	return &StatementError{Code: CodeBadStatement, Kind: "parse", Message: err.Error(), Statement: sql, Err: err}
}

var variableRef = regexp.MustCompile(`\$\{([^}]*)\}`)

// substitute replaces ${name} by the session's variables, as ksqlDB does
// before it plans a statement; an undefined variable is an error.
func substitute(text string, vars map[string]string) (string, error) {
	if !strings.Contains(text, "${") {
		return text, nil
	}
	var missing string
	out := variableRef.ReplaceAllStringFunc(text, func(m string) string {
		name := strings.TrimSpace(m[2 : len(m)-1])
		for k, v := range vars {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		if missing == "" {
			missing = name
		}
		return m
	})
	if missing != "" {
		return "", stmtErrorf(ast.Pos{}, "Can't find variable '%s'. Define it with DEFINE %s='value';", missing, missing)
	}
	return out, nil
}

// executeText runs one statement given as text (the parse of it, when the
// caller has one, is reused unless variables change the text).
func (e *Engine) executeText(ctx context.Context, sess *Session, text string, stmt ast.Statement) (Entity, error) {
	if stmt == nil {
		var err error
		if stmt, err = parser.ParseStatement(text); err != nil && !strings.Contains(text, "${") {
			return nil, parseError(err, text)
		}
	}
	if _, isDefine := stmt.(*ast.DefineVariable); !isDefine {
		sub, err := substitute(text, sess.Variables)
		if err != nil {
			return nil, err
		}
		if sub != text {
			if stmt, err = parser.ParseStatement(sub); err != nil {
				return nil, parseError(err, sub)
			}
			text = sub
		}
	}
	if stmt == nil {
		_, err := parser.ParseStatement(text)
		return nil, parseError(err, text)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.execute(ctx, sess, text+";", stmt, false)
}

// execute runs one statement. replay is set while the command log is
// replayed at start: nothing is appended to it then, and effects on the
// log (topics created or deleted) may already have happened.
func (e *Engine) execute(ctx context.Context, sess *Session, text string, stmt ast.Statement, replay bool) (Entity, error) {
	switch s := stmt.(type) {
	case *ast.CreateSource:
		return e.createSource(ctx, sess, text, s, replay)
	case *ast.CreateAsSelect:
		return e.createAsSelect(ctx, sess, text, s, replay)
	case *ast.InsertInto:
		return e.insertInto(ctx, sess, text, s, replay)
	case *ast.InsertValues:
		return e.insertValues(ctx, sess, text, s)
	case *ast.DropSource:
		return e.dropSource(ctx, sess, text, s, replay)
	case *ast.AlterSource:
		return e.alterSource(ctx, sess, text, s, replay)
	case *ast.CreateType:
		return e.createType(ctx, sess, text, s, replay)
	case *ast.DropType:
		return e.dropType(ctx, sess, text, s, replay)
	case *ast.Show:
		return e.show(ctx, sess, text, s)
	case *ast.DescribeSource:
		return e.describeSource(text, s)
	case *ast.DescribeSources:
		return e.describeSources(text, s)
	case *ast.DescribeFunction:
		return e.describeFunction(text, s)
	case *ast.Explain:
		return e.explain(sess, text, s)
	case *ast.Terminate:
		return e.terminate(ctx, sess, text, s.All, s.QueryID, replay)
	case *ast.Pause:
		return e.pause(ctx, sess, text, s.All, s.QueryID, true, replay)
	case *ast.Resume:
		return e.pause(ctx, sess, text, s.All, s.QueryID, false, replay)
	case *ast.SetProperty:
		sess.Properties[s.Name] = s.Value
		return e.status(text, "property/"+s.Name+"/set", "Property "+s.Name+" set to "+s.Value, "", 0), nil
	case *ast.UnsetProperty:
		delete(sess.Properties, s.Name)
		return e.status(text, "property/"+s.Name+"/unset", "Property "+s.Name+" unset", "", 0), nil
	case *ast.DefineVariable:
		sess.Variables[s.Name.Name] = s.Value
		return e.status(text, "variable/"+s.Name.Name+"/define", "Variable "+s.Name.Name+" defined", "", 0), nil
	case *ast.UndefineVariable:
		if _, ok := sess.Variables[s.Name.Name]; !ok {
			return &WarningEntity{Type: "warning_entity", StatementText: text, Message: "Cannot undefine variable '" + s.Name.Name + "' which was never defined", Warnings: []Warning{}}, nil
		}
		delete(sess.Variables, s.Name.Name)
		return e.status(text, "variable/"+s.Name.Name+"/undefine", "Variable "+s.Name.Name+" undefined", "", 0), nil
	case *ast.Query, *ast.Print:
		return nil, &StatementError{Code: CodeQueryEndpoint, Kind: "statement", Statement: text,
			Message: "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT"}
	}
	return nil, notExecutable(stmt)
}

// notExecutable names a statement that parses but that Sluice does not run.
func notExecutable(stmt ast.Statement) error {
	name := strings.TrimPrefix(fmt.Sprintf("%T", stmt), "*ast.")
	switch stmt.(type) {
	case *ast.CreateConnector, *ast.DropConnector, *ast.DescribeConnector:
		name = "connector statements"
	case *ast.AssertTopic, *ast.AssertSchema:
		name = "ASSERT"
	case *ast.AlterSystem:
		name = "ALTER SYSTEM"
	case *ast.RunScript:
		// A client command: ksqlDB's server does not parse it either.
		if err := parser.CheckExecutable(stmt); err != nil {
			return parseError(err, stmt.String())
		}
	}
	return &StatementError{Code: CodeBadStatement, Kind: "statement", Pos: stmt.Position(),
		Message: fmt.Sprintf("%s is not supported by this version of Sluice", name)}
}

func stmtErrorf(pos ast.Pos, format string, args ...any) *StatementError {
	return &StatementError{Code: CodeBadStatement, Kind: "statement", Pos: pos, Message: fmt.Sprintf(format, args...)}
}

// asStmtError turns binder and compiler errors into statement errors.
func asStmtError(err error) error {
	var se *StatementError
	if errors.As(err, &se) {
		return se
	}
	var pe *plan.Error
	if errors.As(err, &pe) {
		return &StatementError{Code: CodeBadStatement, Kind: "statement", Pos: pe.Pos, Message: pe.Msg, Err: err}
	}
	var ee *expr.Error
	if errors.As(err, &ee) {
		return &StatementError{Code: CodeBadStatement, Kind: "statement", Pos: ee.Pos, Message: ee.Msg, Err: err}
	}
	return &StatementError{Code: CodeBadStatement, Kind: "statement", Message: strings.TrimPrefix(err.Error(), "serde: "), Err: err}
}

func (e *Engine) status(text, commandID, msg, queryID string, seq int64) *CurrentStatus {
	return &CurrentStatus{Type: "currentStatus", StatementText: text, CommandID: commandID,
		CommandStatus:         CommandStatus{Status: "SUCCESS", Message: msg, QueryID: queryID},
		CommandSequenceNumber: seq, Warnings: []Warning{}}
}

// record appends an accepted statement to the command log, unless it is
// being replayed from there, and returns its sequence number.
func (e *Engine) record(ctx context.Context, sess *Session, text string, replay bool) (int64, error) {
	if replay {
		return e.replaySeq, nil
	}
	props := map[string]string{}
	for k, v := range sess.Properties {
		props[k] = v
	}
	n, err := e.commands.Append(ctx, catalog.Command{Statement: text, Properties: props})
	if err != nil {
		return 0, &StatementError{Code: CodeServerError, Kind: "statement", Message: "Could not write the statement to the command log: " + err.Error(), Err: err}
	}
	return n, nil
}
