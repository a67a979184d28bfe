package exec

import (
	"bytes"
	"context"
	"strings"

	"github.com/sluicedata/sluice/internal/types"
)

// ChanSink sends the rows of a transient query to a channel, copied so
// that they outlive the input records. Rows of a null input value (stream
// tombstones) carry nothing to show and are skipped.
type ChanSink struct {
	ctx context.Context
	out chan<- types.Row
}

// NewChanSink returns a sink sending to out until ctx ends.
func NewChanSink(ctx context.Context, out chan<- types.Row) *ChanSink {
	return &ChanSink{ctx: ctx, out: out}
}

// Write sends a copy of the row; it blocks while the reader is behind.
func (s *ChanSink) Write(o *Out) error {
	if o.NullValue {
		return nil
	}
	row := make(types.Row, len(o.Row))
	for i, v := range o.Row {
		row[i] = CloneValue(v)
	}
	select {
	case s.out <- row:
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
