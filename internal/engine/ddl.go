package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

var headersType = types.ArrayType(types.MustStructType(
	types.Field{Name: "KEY", Type: types.StringType}, types.Field{Name: "VALUE", Type: types.BytesType}))

var reservedColumns = map[string]bool{plan.RowTime: true, plan.RowPartition: true, plan.RowOffset: true, plan.WindowStart: true, plan.WindowEnd: true}

func kindOf(k ast.SourceKind) catalog.SourceKind {
	if k == ast.Table {
		return catalog.Table
	}
	return catalog.Stream
}

func lower(k catalog.SourceKind) string { return strings.ToLower(k.String()) }

func title(k catalog.SourceKind) string {
	if k == catalog.Table {
		return "Table"
	}
	return "Stream"
}

// checkNewName applies CREATE's rules for an existing name; it returns
// done when IF NOT EXISTS makes the statement a no-op.
func (e *Engine) checkNewName(name string, kind catalog.SourceKind, orReplace, ifNotExists, isSource bool, text string) (Entity, error) {
	old, ok := e.meta.Source(name)
	if !ok {
		if orReplace && isSource {
			return nil, stmtErrorf(ast.Pos{}, "Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.", lower(kind), name, lower(kind))
		}
		return nil, nil
	}
	if ifNotExists {
		return &WarningEntity{Type: "warning_entity", StatementText: text, Warnings: []Warning{},
			Message: fmt.Sprintf("Cannot add %s %s: A %s with the same name already exists.", lower(kind), name, lower(old.Kind))}, nil
	}
	if orReplace {
		if old.IsSource || isSource {
			return nil, stmtErrorf(ast.Pos{}, "Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.", lower(kind), name, lower(kind))
		}
		if old.Kind != kind {
			return nil, stmtErrorf(ast.Pos{}, "Cannot add %s '%s': A %s with the same name already exists", lower(kind), name, lower(old.Kind))
		}
		return nil, nil
	}
	return nil, stmtErrorf(ast.Pos{}, "Cannot add %s '%s': A %s with the same name already exists", lower(kind), name, lower(old.Kind))
}

func (e *Engine) createSource(ctx context.Context, sess *Session, text string, s *ast.CreateSource, replay bool) (Entity, error) {
	kind := kindOf(s.Kind)
	name := s.Name.Name
	if ent, err := e.checkNewName(name, kind, s.OrReplace, s.IfNotExists, s.Source, text); ent != nil || err != nil {
		return ent, err
	}
	w, err := newWithProps(s.With)
	if err != nil {
		return nil, err
	}
	topic, ok := w.str("KAFKA_TOPIC")
	if !ok {
		return nil, stmtErrorf(s.Pos, "Missing required property \"KAFKA_TOPIC\" which has no default value.")
	}
	// The WITH clause is checked before the columns, as ksqlDB does.
	if _, _, err := w.formats(catalog.FormatInfo{Name: "KAFKA"}, catalog.FormatInfo{Name: "JSON"}); err != nil {
		return nil, err
	}
	var cols []types.Column
	for _, el := range s.Elements {
		c, err := e.column(kind, el)
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	if len(cols) == 0 {
		return nil, stmtErrorf(s.Pos, "The statement does not define any columns.")
	}
	schema, err := types.NewSchema(cols...)
	if err != nil {
		return nil, stmtErrorf(s.Pos, "%s", trimTypes(err))
	}
	if w.has("WINDOW_TYPE") && schema.KeyLen() == 0 {
		return nil, stmtErrorf(s.Pos, "Windowed sources require a key column.")
	}
	if kind == catalog.Table && schema.KeyLen() == 0 {
		return nil, stmtErrorf(s.Pos, "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.")
	}
	src := &catalog.Source{Name: name, Kind: kind, Topic: topic, Schema: schema, IsSource: s.Source, Statement: text}
	if err := e.sourceFormats(sess, w, src, catalog.FormatInfo{}, catalog.FormatInfo{}, false); err != nil {
		return nil, err
	}
	if err := e.sourceTimestamp(w, src, schema); err != nil {
		return nil, err
	}
	if src.Window, err = windowProps(w); err != nil {
		// ksqlDB checks the window properties while parsing.
		if se, ok := err.(*StatementError); ok {
			se.Kind = "parse"
		}
		return nil, err
	}
	parts, err := e.ensureTopic(ctx, w, topic, 0, replay)
	if err != nil {
		return nil, err
	}
	src.Partitions = parts
	seq, err := e.record(ctx, sess, text, replay)
	if err != nil {
		return nil, err
	}
	e.meta.PutSource(src)
	return e.status(text, fmt.Sprintf("%s/%s/create", lower(kind), types.QuoteIdentifier(name)), title(kind)+" created", "", seq), nil
}

func trimTypes(err error) string { return strings.TrimPrefix(err.Error(), "types: ") }

// column turns a column definition into a schema column.
func (e *Engine) column(kind catalog.SourceKind, el *ast.TableElement) (types.Column, error) {
	name := el.Name.Name
	if reservedColumns[name] {
		return types.Column{}, stmtErrorf(el.Pos, "'%s' is a reserved column name. You cannot use it as a name for a column.", name)
	}
	t, err := expr.ResolveTypeIn(el.Type, e.meta.Type)
	if err != nil {
		return types.Column{}, asStmtError(err)
	}
	c := types.Column{Name: name, Type: t}
	switch el.Constraint {
	case ast.Key:
		if kind == catalog.Table {
			return c, stmtErrorf(el.Pos, "Column %s is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", types.QuoteIdentifier(name))
		}
		c.Namespace = types.NamespaceKey
	case ast.PrimaryKey:
		if kind == catalog.Stream {
			return c, stmtErrorf(el.Pos, "Column %s is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", types.QuoteIdentifier(name))
		}
		c.Namespace = types.NamespaceKey
	case ast.Headers:
		if !t.Equal(headersType) {
			return c, stmtErrorf(el.Pos, "Invalid type for HEADERS column: expected %s, got %s", headersType, t)
		}
		c.Namespace = types.NamespaceHeaders
	case ast.Header:
		if t.Kind() != types.KindBytes {
			return c, stmtErrorf(el.Pos, "Invalid type for HEADER('%s') column: expected BYTES, got %s", el.Header, t)
		}
		c.Namespace, c.HeaderKey = types.NamespaceHeader, el.Header
	}
	return c, nil
}

// sourceFormats sets a source's key and value formats from WITH, the
// session's defaults, and (for CREATE ... AS SELECT) the formats of the
// query's source, and checks that they can carry its columns.
func (e *Engine) sourceFormats(sess *Session, w withProps, src *catalog.Source, inheritKey, inheritValue catalog.FormatInfo, derived bool) error {
	defKey := inheritKey
	if defKey.Name == "" || defKey.Name == "NONE" {
		defKey = catalog.FormatInfo{Name: strings.ToUpper(e.property(sess, "ksql.persistence.default.format.key", "KAFKA"))}
	}
	defValue := inheritValue
	if defValue.Name == "" {
		defValue = catalog.FormatInfo{Name: strings.ToUpper(e.property(sess, "ksql.persistence.default.format.value", ""))}
	}
	defValue.WrapSingle = nil
	key, value, err := w.formats(defKey, defValue)
	if err != nil {
		return err
	}
	if value.Name == "" {
		return stmtErrorf(ast.Pos{}, "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.")
	}
	keyCols, valueCols := src.KeyColumns(), src.ValueColumns()
	if len(keyCols) == 0 {
		explicit := w.has("KEY_FORMAT") || w.has("FORMAT")
		if derived && explicit && key.Name != "NONE" {
			return stmtErrorf(ast.Pos{}, "Key format specified for stream without key columns.")
		}
		// A source without key columns keeps a key format it was given
		// (a query re-keying it inherits it); otherwise its key is NONE.
		if !explicit || derived {
			key = catalog.FormatInfo{Name: "NONE"}
		}
	}
	if value.WrapSingle != nil && !serde.SupportsWrapSingle(value.Name, *value.WrapSingle) {
		return stmtErrorf(ast.Pos{}, "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to '%t'.", value.Name, *value.WrapSingle)
	}
	if value.WrapSingle != nil && len(valueCols) != 1 {
		return stmtErrorf(ast.Pos{}, "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas")
	}
	if value.WrapSingle == nil && len(valueCols) == 1 {
		if v := e.property(sess, "ksql.persistence.wrap.single.values", ""); v != "" {
			b := strings.EqualFold(v, "true")
			if serde.SupportsWrapSingle(value.Name, b) {
				value.WrapSingle = &b
			}
		}
	}
	src.Key, src.Value = key, value
	if _, err := key.New(keyCols); err != nil {
		return formatError("Key", key, keyCols, err)
	}
	if _, err := value.New(valueCols); err != nil {
		return formatError("Value", value, valueCols, err)
	}
	return nil
}

func formatError(side string, f catalog.FormatInfo, cols []types.Column, err error) error {
	msg := strings.TrimPrefix(err.Error(), "serde: unsupported format: ")
	msg = strings.TrimPrefix(msg, "serde: invalid format: ")
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.String()
	}
	return stmtErrorf(ast.Pos{}, "%s format does not support schema.\nformat: %s\nschema: Persistence{columns=%s, features=%s}\nreason: %s",
		side, f.Name, quoteList(names), quoteList(f.Features()), msg)
}

func (e *Engine) sourceTimestamp(w withProps, src *catalog.Source, schema *types.Schema) error {
	ts, ok := w.str("TIMESTAMP")
	if !ok {
		if w.has("TIMESTAMP_FORMAT") {
			return stmtErrorf(ast.Pos{}, "TIMESTAMP_FORMAT requires TIMESTAMP to be set")
		}
		return nil
	}
	name := strings.ToUpper(ts)
	if strings.HasPrefix(ts, "`") {
		name = strings.Trim(ts, "`")
	}
	i, found := schema.Find(name)
	if !found {
		return stmtErrorf(ast.Pos{}, "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", name)
	}
	format, hasFormat := w.str("TIMESTAMP_FORMAT")
	switch schema.Column(i).Type.Kind() {
	case types.KindBigInt, types.KindTimestamp:
	case types.KindString:
		if !hasFormat {
			return stmtErrorf(ast.Pos{}, "Timestamp column, %s, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.", types.QuoteIdentifier(name))
		}
	default:
		return stmtErrorf(ast.Pos{}, "Timestamp column, %s, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.", types.QuoteIdentifier(name))
	}
	src.Timestamp, src.TimestampFormat = name, format
	return nil
}

func windowProps(w withProps) (catalog.Window, error) {
	t, ok := w.str("WINDOW_TYPE")
	size, hasSize := w.str("WINDOW_SIZE")
	if !ok {
		if hasSize {
			return catalog.Window{}, stmtErrorf(ast.Pos{}, "'WINDOW_SIZE' should not be set for non-windowed sources.")
		}
		return catalog.Window{}, nil
	}
	win := catalog.Window{Type: strings.ToUpper(t)}
	switch win.Type {
	case "SESSION":
		if hasSize {
			return win, stmtErrorf(ast.Pos{}, "'WINDOW_SIZE' should not be set for SESSION windows.")
		}
		return win, nil
	case "TUMBLING", "HOPPING":
	default:
		return win, stmtErrorf(ast.Pos{}, "Configuration WINDOW_TYPE is invalid: %s; use SESSION, TUMBLING or HOPPING", t)
	}
	if !hasSize {
		return win, stmtErrorf(ast.Pos{}, "Tumbling and Hopping window types should set WINDOW_SIZE in the WITH clause.")
	}
	d, err := parseDuration(size)
	if err != nil {
		return win, stmtErrorf(ast.Pos{}, "Configuration WINDOW_SIZE is invalid: %v", err)
	}
	win.Size = d
	return win, nil
}

// parseDuration reads ksqlDB's "n UNIT" durations, such as '30 SECONDS'.
func parseDuration(s string) (time.Duration, error) {
	fields := strings.Fields(s)
	if len(fields) != 2 {
		return 0, fmt.Errorf("Invalid duration: '%s'. Use '<number> <unit>', e.g. '10 SECONDS'", s)
	}
	n, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("Invalid duration: '%s'. Not a number: '%s'", s, fields[0])
	}
	unit := strings.ToUpper(fields[1])
	units := map[string]time.Duration{"MILLISECOND": time.Millisecond, "SECOND": time.Second, "MINUTE": time.Minute,
		"HOUR": time.Hour, "DAY": 24 * time.Hour}
	d, ok := units[strings.TrimSuffix(unit, "S")]
	if !ok {
		return 0, fmt.Errorf("Invalid duration: '%s'. Unknown time unit: '%s'", s, unit)
	}
	return time.Duration(n) * d, nil
}

// ensureTopic returns the partition count of topic, creating it with
// PARTITIONS (or defaultParts when positive) when it is missing.
func (e *Engine) ensureTopic(ctx context.Context, w withProps, topic string, defaultParts int32, replay bool) (int32, error) {
	if err := log.ValidateTopicName(topic); err != nil {
		return 0, stmtErrorf(ast.Pos{}, "Invalid topic name '%s': %v", topic, err)
	}
	parts, hasParts, err := w.integer("PARTITIONS")
	if err != nil {
		return 0, err
	}
	if hasParts && parts < 1 {
		return 0, stmtErrorf(w["PARTITIONS"].Pos, "Invalid number of partitions: %d; use a positive number", parts)
	}
	info, err := e.log.DescribeTopic(ctx, topic)
	if err == nil {
		have := int32(len(info.Partitions))
		if hasParts && int32(parts) != have && !replay {
			return 0, stmtErrorf(ast.Pos{}, "A Kafka topic with the name '%s' already exists, with different partition/replica configuration than required. KSQL expects %d partitions (topic has %d).", topic, parts, have)
		}
		return have, nil
	}
	if !errors.Is(err, log.ErrUnknownTopic) {
		return 0, &StatementError{Code: CodeServerError, Kind: "statement", Message: err.Error(), Err: err}
	}
	if !hasParts {
		if defaultParts <= 0 {
			return 0, stmtErrorf(ast.Pos{}, "Topic '%s' does not exist. If you want to create a new topic for the stream/table please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). For example: CREATE STREAM FOO (ID INT KEY, NAME STRING) WITH (KAFKA_TOPIC='%s', PARTITIONS=2, VALUE_FORMAT='JSON');", topic, topic)
		}
		parts = int64(defaultParts)
	}
	cfg := log.TopicConfig{Partitions: int32(parts), Configs: map[string]string{}}
	if r, ok, err := w.integer("RETENTION_MS"); err != nil {
		return 0, err
	} else if ok {
		cfg.Configs[log.ConfigRetentionMs] = fmt.Sprint(r)
	}
	if err := e.log.CreateTopic(ctx, topic, cfg); err != nil && !errors.Is(err, log.ErrTopicExists) {
		return 0, &StatementError{Code: CodeServerError, Kind: "statement", Message: "Cannot create topic " + topic + ": " + err.Error(), Err: err}
	}
	return int32(parts), nil
}

// property returns a session property, then the engine default.
func (e *Engine) property(sess *Session, name, def string) string {
	if sess != nil {
		if v, ok := sess.Properties[name]; ok {
			return v
		}
	}
	return def
}

func (e *Engine) createType(ctx context.Context, sess *Session, text string, s *ast.CreateType, replay bool) (Entity, error) {
	name := strings.ToUpper(s.Name.Name)
	if old, ok := e.meta.Type(name); ok {
		if s.IfNotExists {
			return e.status(text, "type/"+name+"/create", "Type "+name+" already exists", "", 0), nil
		}
		return nil, stmtErrorf(s.Pos, "Cannot register custom type '%s' since it is already registered with type: %s", name, old)
	}
	t, err := expr.ResolveTypeIn(s.Type, e.meta.Type)
	if err != nil {
		return nil, asStmtError(err)
	}
	seq, err := e.record(ctx, sess, text, replay)
	if err != nil {
		return nil, err
	}
	if err := e.meta.PutType(name, t); err != nil {
		return nil, stmtErrorf(s.Pos, "%v", err)
	}
	return e.status(text, "type/"+name+"/create", "Created type '"+name+"'", "", seq), nil
}

func (e *Engine) dropType(ctx context.Context, sess *Session, text string, s *ast.DropType, replay bool) (Entity, error) {
	name := strings.ToUpper(s.Name.Name)
	if _, ok := e.meta.Type(name); !ok {
		if s.IfExists {
			return e.status(text, "type/"+name+"/drop", "Type "+name+" does not exist", "", 0), nil
		}
		return nil, stmtErrorf(s.Pos, "Type %s does not exist.", name)
	}
	seq, err := e.record(ctx, sess, text, replay)
	if err != nil {
		return nil, err
	}
	e.meta.DeleteType(name)
	return e.status(text, "type/"+name+"/drop", "Dropped type '"+name+"'", "", seq), nil
}

func (e *Engine) dropSource(ctx context.Context, sess *Session, text string, s *ast.DropSource, replay bool) (Entity, error) {
	name := s.Name.Name
	kind := kindOf(s.Kind)
	src, ok := e.meta.Source(name)
	if !ok {
		if s.IfExists {
			return e.status(text, fmt.Sprintf("%s/%s/drop", lower(kind), types.QuoteIdentifier(name)), "Source "+name+" does not exist.", "", 0), nil
		}
		return nil, stmtErrorf(s.Pos, "%s %s does not exist.", title(kind), name)
	}
	if src.Kind != kind {
		return nil, stmtErrorf(s.Pos, "Incompatible data source type is %s, but statement was DROP %s", src.Kind, kind)
	}
	if s.DeleteTopic && src.IsSource {
		return nil, stmtErrorf(s.Pos, "Cannot delete topic for read-only source: %s", name)
	}
	var readers, writers []string
	for _, q := range e.queries {
		if slices.Contains(sourceNames(q.plan), name) {
			readers = append(readers, q.id)
		}
		if q.sink.Name == name {
			writers = append(writers, q.id)
		}
	}
	if len(readers)+len(writers) > 0 {
		return nil, stmtErrorf(s.Pos, "Cannot drop %s.\nThe following queries read from this source: %s.\nThe following queries write into this source: %s.\nYou need to terminate them before dropping %s.",
			name, quoteList(readers), quoteList(writers), name)
	}
	seq, err := e.record(ctx, sess, text, replay)
	if err != nil {
		return nil, err
	}
	e.meta.DeleteSource(name)
	if s.DeleteTopic && len(e.meta.SourcesOnTopic(src.Topic)) == 0 {
		if err := e.log.DeleteTopic(ctx, src.Topic); err != nil && !errors.Is(err, log.ErrUnknownTopic) {
			return nil, &StatementError{Code: CodeServerError, Kind: "statement", Message: "Source dropped, but its topic could not be deleted: " + err.Error(), Err: err}
		}
	}
	return e.status(text, fmt.Sprintf("%s/%s/drop", lower(kind), types.QuoteIdentifier(name)),
		fmt.Sprintf("Source `%s` (topic: %s) was dropped.", name, src.Topic), "", seq), nil
}

// alterSource runs ALTER STREAM|TABLE name ADD COLUMN ...: new value
// columns, which records written before read as NULL.
func (e *Engine) alterSource(ctx context.Context, sess *Session, text string, s *ast.AlterSource, replay bool) (Entity, error) {
	kind := kindOf(s.Kind)
	src, ok := e.meta.Source(s.Name.Name)
	if !ok || src.Kind != kind {
		return nil, stmtErrorf(s.Name.Pos, "Source %s does not exist.", s.Name.Name)
	}
	if src.IsSource {
		return nil, stmtErrorf(s.Pos, "Cannot alter %s '%s': ALTER operations are not supported on source %ss.", lower(kind), src.Name, lower(kind))
	}
	for _, q := range e.queries {
		if q.sink.Name == src.Name {
			return nil, stmtErrorf(s.Pos, "ALTER command is not supported for CREATE ... AS statements.")
		}
	}
	cols := append([]types.Column(nil), src.Schema.Columns()...)
	for _, ac := range s.Columns {
		if _, exists := src.Schema.Find(ac.Name.Name); exists {
			return nil, stmtErrorf(ac.Pos, "Cannot add column %s to schema. A column with the same name already exists.", types.QuoteIdentifier(ac.Name.Name))
		}
		c, err := e.column(kind, &ast.TableElement{Pos: ac.Pos, Name: ac.Name, Type: ac.Type})
		if err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	schema, err := types.NewSchema(cols...)
	if err != nil {
		return nil, stmtErrorf(s.Pos, "%s", trimTypes(err))
	}
	altered := *src
	altered.Schema = schema
	if _, _, err := altered.Formats(); err != nil {
		return nil, formatError("Value", altered.Value, altered.ValueColumns(), err)
	}
	seq, err := e.record(ctx, sess, text, replay)
	if err != nil {
		return nil, err
	}
	e.meta.PutSource(&altered)
	return e.status(text, fmt.Sprintf("%s/%s/alter", lower(kind), types.QuoteIdentifier(src.Name)), title(kind)+" altered", "", seq), nil
}
