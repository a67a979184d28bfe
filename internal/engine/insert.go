package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

var emptySchema = types.MustSchema()

// insertValues runs INSERT INTO ... VALUES: it writes one record at once.
// It is not kept in the command log: replaying it would write it again.
func (e *Engine) insertValues(ctx context.Context, sess *Session, text string, s *ast.InsertValues) (Entity, error) {
	src, ok := e.meta.Source(s.Target.Name)
	if !ok {
		return nil, e.unknownTarget(s.Target)
	}
	if src.IsSource {
		return nil, stmtErrorf(s.Target.Pos, "Cannot insert values into read-only %s: %s", lower(src.Kind), src.Name)
	}
	var names []string
	if len(s.Columns) == 0 {
		var headers []string
		for _, c := range src.Schema.Columns() {
			if c.Namespace == types.NamespaceHeader || c.Namespace == types.NamespaceHeaders {
				headers = append(headers, c.Name)
				continue
			}
			names = append(names, c.Name)
		}
		if len(headers) > 0 {
			return nil, stmtErrorf(s.Pos, "Cannot insert into HEADER columns: %s", strings.Join(headers, ", "))
		}
	} else {
		for _, c := range s.Columns {
			names = append(names, c.Name)
		}
	}
	if len(names) != len(s.Values) {
		return nil, stmtErrorf(s.Pos, "Expected a value for each column. Expected Columns: %s. Got %s", quoteList(names), quoteList(exprStrings(s.Values)))
	}
	row := make([]types.Value, src.Schema.Len())
	ts := e.clock.Now().UnixMilli()
	env := expr.Env{Schema: emptySchema, Functions: e.functions, CustomTypes: e.meta.Type}
	for i, name := range names {
		c, err := expr.Compile(s.Values[i], env)
		if err != nil {
			return nil, asStmtError(err)
		}
		v, err := c.Eval(nil)
		if err != nil {
			return nil, stmtErrorf(s.Values[i].Position(), "Failed to insert values into '%s'. %v", src.Name, err)
		}
		if name == plan.RowTime {
			if v.IsNull() {
				continue
			}
			if v, err = types.Widen(v, types.BigIntType); err != nil {
				return nil, stmtErrorf(s.Values[i].Position(), "Failed to insert values into '%s'. ROWTIME must be a BIGINT: %v", src.Name, err)
			}
			ts = v.BigInt()
			continue
		}
		idx, ok := src.Schema.Find(name)
		if !ok {
			return nil, stmtErrorf(s.Pos, "Column name %s does not exist.", types.QuoteIdentifier(name))
		}
		col := src.Schema.Column(idx)
		if col.Namespace == types.NamespaceHeader || col.Namespace == types.NamespaceHeaders {
			return nil, stmtErrorf(s.Pos, "Cannot insert into HEADER columns: %s", name)
		}
		if row[idx], err = coerce(v, c.Type, col); err != nil {
			return nil, stmtErrorf(s.Values[i].Position(), "Failed to insert values into '%s'. %v", src.Name, err)
		}
	}
	if err := e.writeRow(ctx, src, row, ts); err != nil {
		return nil, err
	}
	return e.status(text, "stream/"+types.QuoteIdentifier(src.Name)+"/insert", "Inserted 1 row into "+src.Name, "", 0), nil
}

// unknownTarget words a missing INSERT target as ksqlDB does, with a hint
// when only the case differs.
func (e *Engine) unknownTarget(id ast.Ident) error {
	msg := "Cannot insert values into an unknown stream/table: " + types.QuoteIdentifier(id.Name)
	for _, src := range e.meta.Sources() {
		if strings.EqualFold(src.Name, id.Name) {
			if strings.ToUpper(src.Name) == src.Name {
				msg += "\nDid you mean " + src.Name + "? Hint: try removing double quotes from the source name."
			} else {
				msg += "\nDid you mean \"" + src.Name + "\"? Hint: wrap the source name in double quotes to make it case-sensitive."
			}
			break
		}
	}
	return stmtErrorf(id.Pos, "%s", msg)
}

func exprStrings(es []ast.Expr) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.String()
	}
	return out
}

// coerce converts an inserted value to its column's type, as ksqlDB's
// value coercer does: numbers widen, strings parse as the time types.
func coerce(v types.Value, from types.Type, col types.Column) (types.Value, error) {
	if v.IsNull() || from.Equal(col.Type) {
		return v, nil
	}
	if w, err := types.Widen(v, col.Type); err == nil {
		return w, nil
	}
	if v.Kind() == types.KindString {
		c, err := expr.Compile(&ast.Cast{X: &ast.StringLit{Value: v.Str()}, Type: &ast.NamedType{Name: ast.Ident{Name: col.Type.String()}}}, expr.Env{Schema: emptySchema})
		if err == nil && (col.Type.Kind() == types.KindTimestamp || col.Type.Kind() == types.KindDate || col.Type.Kind() == types.KindTime) {
			if out, err := c.Eval(nil); err == nil {
				return out, nil
			}
		}
	}
	return types.Value{}, fmt.Errorf("Expected type %s for field %s but got %s(%s)", col.Type, col.Name, from, v)
}

// writeRow encodes a row of src's schema and appends it to src's topic,
// in the partition of its key.
func (e *Engine) writeRow(ctx context.Context, src *catalog.Source, row []types.Value, ts int64) error {
	key, value, err := src.Formats()
	if err != nil {
		return asStmtError(err)
	}
	kb, err := key.Encode(nil, row[:src.Schema.KeyLen()])
	if err != nil {
		return stmtErrorf(ast.Pos{}, "Failed to insert values into '%s'. Could not serialize key: %v", src.Name, trimSerde(err))
	}
	vb, err := value.Encode(nil, row[src.Schema.ValueStart():])
	if err != nil {
		return stmtErrorf(ast.Pos{}, "Failed to insert values into '%s'. Could not serialize value: %v", src.Name, trimSerde(err))
	}
	if allNullValues(row[:src.Schema.KeyLen()]) {
		kb = nil
	}
	info, err := e.log.DescribeTopic(ctx, src.Topic)
	if err != nil {
		return AsStatementError(err)
	}
	p := int32(0)
	if kb != nil && len(info.Partitions) > 1 {
		p = log.PartitionForKey(kb, int32(len(info.Partitions)))
	}
	if _, err := e.log.Append(ctx, src.Topic, p, []log.Record{{Key: kb, Value: vb, Timestamp: ts}}); err != nil {
		return AsStatementError(err)
	}
	return nil
}

func allNullValues(vals []types.Value) bool {
	for _, v := range vals {
		if !v.IsNull() {
			return false
		}
	}
	return true
}

func trimSerde(err error) string {
	s := err.Error()
	for _, p := range []string{"serde: cannot serialize record: ", "serde: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// InsertJSON inserts one row, given as a JSON object of column names to
// values, into the stream called target, as INSERT INTO ... VALUES does.
func (e *Engine) InsertJSON(ctx context.Context, target string, obj []byte) error {
	src, ok := e.meta.Source(target)
	if !ok {
		if s, found := e.meta.Source(strings.ToUpper(target)); found {
			src, ok = s, true
		}
	}
	if !ok {
		return &StatementError{Code: CodeNotFound, Kind: "statement", Message: "Cannot insert into " + target + ": no such stream or table"}
	}
	if src.IsSource {
		return stmtErrorf(ast.Pos{}, "Cannot insert values into read-only %s: %s", lower(src.Kind), src.Name)
	}
	cols := make([]types.Column, 0, src.Schema.Len()+1)
	for _, c := range src.Schema.Columns() {
		if c.Namespace == types.NamespaceHeader || c.Namespace == types.NamespaceHeaders {
			continue
		}
		cols = append(cols, types.Column{Name: c.Name, Type: c.Type})
	}
	cols = append(cols, types.Column{Name: plan.RowTime, Type: types.BigIntType})
	wrap := true
	f, err := serde.NewFormat("JSON", cols, serde.Options{WrapSingle: &wrap})
	if err != nil {
		return asStmtError(err)
	}
	vals, err := f.Decode(nil, obj)
	if err != nil {
		return stmtErrorf(ast.Pos{}, "Failed to insert values into '%s'. %v", src.Name, trimSerde(err))
	}
	row := make([]types.Value, src.Schema.Len())
	j := 0
	for i, c := range src.Schema.Columns() {
		if c.Namespace == types.NamespaceHeader || c.Namespace == types.NamespaceHeaders {
			continue
		}
		row[i] = vals[j]
		j++
	}
	ts := e.clock.Now().UnixMilli()
	if v := vals[len(vals)-1]; !v.IsNull() {
		ts = v.BigInt()
	}
	return e.writeRow(ctx, src, row, ts)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func formatRate(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
