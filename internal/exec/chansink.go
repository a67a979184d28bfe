package exec

import (
	"bytes"
	"context"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// Result is one row of a transient query. Tombstone marks the deletion of
// a table's row; its values are NULL but for the key.
type Result struct {
	Row       types.Row
	Tombstone bool
}

// ChanSink sends the rows of a transient query to a channel, copied so
// that they outlive the input records. A null value deletes a row of a
// table, and is sent as a tombstone; in a stream it carries nothing to
// show and is skipped.
type ChanSink struct {
	ctx   context.Context
	out   chan<- Result
	table bool
}

// NewChanSink returns a sink sending to out until ctx ends; table says
// whether the query's result is a table (its deletions are sent).
func NewChanSink(ctx context.Context, out chan<- Result, table bool) *ChanSink {
	return &ChanSink{ctx: ctx, out: out, table: table}
}

// Write sends a copy of the row; it blocks while the reader is behind.
func (s *ChanSink) Write(o *Out) error {
	if o.NullValue && !s.table {
		return nil
	}
	row := make(types.Row, len(o.Row))
	for i, v := range o.Row {
		row[i] = CloneValue(v)
	}
	select {
	case s.out <- Result{Row: row, Tombstone: o.NullValue}:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// Flush has nothing to do: rows leave as they are written.
func (s *ChanSink) Flush(context.Context) error { return nil }

// CloneValue deep-copies the memory a value refers to.
func CloneValue(v types.Value) types.Value {
	if v.IsNull() {
		return v
	}
	switch v.Kind() {
	case types.KindString:
		return types.Str(strings.Clone(v.Str()))
	case types.KindBytes:
		return types.Bytes(bytes.Clone(v.Bytes()))
	case types.KindArray:
		src := v.Elems()
		elems := make([]types.Value, len(src))
		for i, e := range src {
			elems[i] = CloneValue(e)
		}
		return types.Array(elems)
	case types.KindMap:
		src := v.Pairs()
		pairs := make([]types.Value, len(src))
		for i, e := range src {
			pairs[i] = CloneValue(e)
		}
		return types.MapPairs(pairs)
	case types.KindStruct:
		src := v.Fields()
		fields := make([]types.Value, len(src))
		for i, e := range src {
			fields[i] = CloneValue(e)
		}
		names := append([]string(nil), v.FieldNames()...)
		for i, n := range names {
			names[i] = strings.Clone(n)
		}
		return types.Struct(names, fields)
	}
	return v
}
