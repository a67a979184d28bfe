package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

func (e *Engine) binder() *plan.Binder {
	return &plan.Binder{Meta: e.meta, Functions: e.functions}
}

func (e *Engine) persistentOptions(sess *Session, sink string) plan.Options {
	return plan.Options{Persistent: true, Sink: sink, Config: sess.Properties,
		NewPlanner: strings.EqualFold(e.property(sess, "ksql.new.query.planner.enabled", "false"), "true")}
}

func (e *Engine) createAsSelect(ctx context.Context, sess *Session, text string, s *ast.CreateAsSelect, replay bool) (Entity, error) {
	kind := kindOf(s.Kind)
	name := s.Name.Name
	if ent, err := e.checkNewName(name, kind, s.OrReplace, s.IfNotExists, false, text); ent != nil || err != nil {
		return ent, err
	}
	q, err := e.binder().Bind(s.Query, e.persistentOptions(sess, name))
	if err != nil {
		return nil, asStmtError(err)
	}
	produced := q.Source.Kind
	if q.Aggregate != nil {
		produced = catalog.Table
	}
	if produced != kind {
		return nil, stmtErrorf(s.Pos, "Invalid result type. Your SELECT query produces a %s. Please use CREATE %s AS SELECT statement instead.", produced, produced)
	}
	w, err := newWithProps(s.With)
	if err != nil {
		return nil, err
	}
	topic, ok := w.str("KAFKA_TOPIC")
	if !ok {
		topic = e.property(sess, "ksql.output.topic.name.prefix", "") + name
	}
	sink := &catalog.Source{Name: name, Kind: kind, Topic: topic, Schema: q.Output, Statement: text, Window: q.Source.Window}
	if a := q.Aggregate; a != nil && a.Window != nil {
		sink.Window = catalog.Window{Type: a.Window.Kind.String()}
		if a.Window.Kind != ast.Session {
			sink.Window.Size = time.Duration(a.Window.Size) * time.Millisecond // a session has none
		}
	}
	// An aggregate's state must fit the sink's value format, which ksqlDB
	// checks before the result's columns.
	if _, value, err := w.formats(catalog.FormatInfo{}, q.Source.Value); err == nil && q.Aggregate != nil && (value.Name == "DELIMITED" || value.Name == "KAFKA") {
		for _, c := range q.Aggregate.Calls {
			if k := c.Fn.State.Kind(); k == types.KindStruct || k == types.KindArray || k == types.KindMap {
				return nil, stmtErrorf(s.Pos, "One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.")
			}
		}
	}
	if err := e.sourceFormats(sess, w, sink, q.Source.Key, q.Source.Value, true); err != nil {
		return nil, err
	}
	if err := e.sourceTimestamp(w, sink, q.Output); err != nil {
		return nil, err
	}
	defParts := q.Source.Partitions
	if p := e.property(sess, "ksql.sink.partitions", ""); p != "" {
		fmt.Sscan(p, &defParts)
	}
	if defParts <= 0 {
		defParts = 1
	}
	// Replacing a query keeps its ID, so it resumes from its offsets.
	var old *persistentQuery
	if s.OrReplace {
		old = e.queryWriting(name)
	}
	if sink.Partitions, err = e.ensureTopic(ctx, w, topic, defParts, replay); err != nil {
		return nil, err
	}
	seq, err := e.record(ctx, sess, text, replay)
	if err != nil {
		return nil, err
	}
	prefix := "CSAS_"
	if kind == catalog.Table {
		prefix = "CTAS_"
	}
	id := fmt.Sprintf("%s%s_%d", prefix, strings.ToUpper(name), seq)
	if old != nil {
		id = old.id
		e.removeQuery(old)
	}
	e.meta.PutSource(sink)
	pq, err := e.newQuery(ctx, sess, id, text, q, sink)
	if err != nil {
		e.meta.DeleteSource(name)
		return nil, err
	}
	e.addQuery(pq)
	return e.status(text, fmt.Sprintf("%s/%s/create", lower(kind), types.QuoteIdentifier(name)), "Created query with ID "+id, id, seq), nil
}

func (e *Engine) insertInto(ctx context.Context, sess *Session, text string, s *ast.InsertInto, replay bool) (Entity, error) {
	name := s.Target.Name
	target, ok := e.meta.Source(name)
	if !ok {
		return nil, stmtErrorf(s.Target.Pos, "Line: %d, Col: %d: Source %s does not exist.", s.Target.Pos.Line, s.Target.Pos.Col, types.QuoteIdentifier(name))
	}
	if target.Kind == catalog.Table {
		return nil, stmtErrorf(s.Target.Pos, "INSERT INTO can only be used to insert into a stream. %s is a table.", name)
	}
	if target.IsSource {
		return nil, stmtErrorf(s.Target.Pos, "Cannot insert into read-only %s: %s", lower(target.Kind), name)
	}
	if target.Schema.HeaderLen() > 0 {
		return nil, stmtErrorf(s.Target.Pos, "Cannot insert into %s because it has header columns", name)
	}
	q, err := e.binder().Bind(s.Query, e.persistentOptions(sess, name))
	if err != nil {
		return nil, asStmtError(err)
	}
	if !sameColumns(q.Output, target.Schema) {
		return nil, stmtErrorf(s.Pos, "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s", q.Output, target.Schema)
	}
	w, err := newWithProps(s.With)
	if err != nil {
		return nil, err
	}
	seq, err := e.record(ctx, sess, text, replay)
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("INSERTQUERY_%d", seq)
	if qid, ok := w.str("QUERY_ID"); ok {
		id = strings.ToUpper(qid)
		if e.queryByID(id) != nil {
			return nil, stmtErrorf(s.Pos, "Query ID '%s' already exists.", id)
		}
	}
	pq, err := e.newQuery(ctx, sess, id, text, q, target)
	if err != nil {
		return nil, err
	}
	e.addQuery(pq)
	return e.status(text, fmt.Sprintf("stream/%s/create", types.QuoteIdentifier(name)), "Created query with ID "+id, id, seq), nil
}

// sameColumns compares schemas by column names, types and key-ness.
func sameColumns(a, b *types.Schema) bool {
	if a.Len() != b.Len() || a.KeyLen() != b.KeyLen() {
		return false
	}
	for i := 0; i < a.Len(); i++ {
		ca, cb := a.Column(i), b.Column(i)
		if ca.Name != cb.Name || !ca.Type.Equal(cb.Type) {
			return false
		}
	}
	return true
}
