package engine

import (
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/sql/ast"
)

// withProps is a WITH clause by upper-case property name.
type withProps map[string]ast.Property

var createProps = map[string]bool{
	"KAFKA_TOPIC": true, "PARTITIONS": true, "REPLICAS": true, "RETENTION_MS": true, "CLEANUP_POLICY": true,
	"TIMESTAMP": true, "TIMESTAMP_FORMAT": true, "FORMAT": true, "KEY_FORMAT": true, "VALUE_FORMAT": true,
	"WRAP_SINGLE_VALUE": true, "KEY_DELIMITER": true, "VALUE_DELIMITER": true, "WINDOW_TYPE": true,
	"WINDOW_SIZE": true, "KEY_SCHEMA_ID": true, "VALUE_SCHEMA_ID": true, "KEY_SCHEMA_FULL_NAME": true,
	"VALUE_SCHEMA_FULL_NAME": true, "VALUE_AVRO_SCHEMA_FULL_NAME": true, "SOURCE_CONNECTOR": true,
	"SOURCED_BY_CONNECTOR": true, "QUERY_ID": true,
	"KEY_PROTOBUF_NULLABLE_REPRESENTATION": true, "VALUE_PROTOBUF_NULLABLE_REPRESENTATION": true,
}

func newWithProps(props []ast.Property) (withProps, error) {
	w := withProps{}
	for _, p := range props {
		name := strings.ToUpper(p.Name)
		if !createProps[name] {
			return nil, stmtErrorf(p.Pos, "Invalid config variable(s) in the WITH clause: %s", name)
		}
		w[name] = p
	}
	return w, nil
}

func (w withProps) has(name string) bool { _, ok := w[name]; return ok }

// str returns a property's value as text, whatever literal it was.
func (w withProps) str(name string) (string, bool) {
	p, ok := w[name]
	if !ok {
		return "", false
	}
	switch v := p.Value.(type) {
	case *ast.StringLit:
		return v.Value, true
	case *ast.IntegerLit:
		return v.Text, true
	case *ast.BoolLit:
		return strconv.FormatBool(v.Value), true
	}
	return p.Value.String(), true
}

func (w withProps) integer(name string) (int64, bool, error) {
	s, ok := w.str(name)
	if !ok {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, true, stmtErrorf(w[name].Pos, "Invalid value for %s: %s is not a number", name, s)
	}
	return n, true, nil
}

func (w withProps) boolean(name string) (*bool, error) {
	s, ok := w.str(name)
	if !ok {
		return nil, nil
	}
	b, err := strconv.ParseBool(strings.ToLower(s))
	if err != nil {
		return nil, stmtErrorf(w[name].Pos, "Invalid value for %s: %s is not a boolean", name, s)
	}
	return &b, nil
}

// formats reads FORMAT, KEY_FORMAT and VALUE_FORMAT, falling back to the
// given defaults (which may be empty).
func (w withProps) formats(defKey, defValue catalog.FormatInfo) (key, value catalog.FormatInfo, err error) {
	key, value = defKey, defValue
	if f, ok := w.str("FORMAT"); ok {
		for _, other := range []string{"KEY_FORMAT", "VALUE_FORMAT"} {
			if w.has(other) {
				return key, value, stmtErrorf(w["FORMAT"].Pos, "Cannot supply both '%s' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.", other)
			}
		}
		key = catalog.FormatInfo{Name: strings.ToUpper(f)}
		value = catalog.FormatInfo{Name: strings.ToUpper(f)}
	}
	if f, ok := w.str("KEY_FORMAT"); ok {
		key = catalog.FormatInfo{Name: strings.ToUpper(f)}
	}
	if f, ok := w.str("VALUE_FORMAT"); ok {
		value = catalog.FormatInfo{Name: strings.ToUpper(f)}
	}
	for _, f := range []*catalog.FormatInfo{&key, &value} {
		if f.Name != "" && !knownFormat(f.Name) {
			return key, value, stmtErrorf(ast.Pos{}, "Unknown format: %s", f.Name)
		}
	}
	if d, ok := w.str("KEY_DELIMITER"); ok {
		if key.Delimiter, err = delimiter("KEY_DELIMITER", d, key.Name); err != nil {
			return key, value, err
		}
	}
	if d, ok := w.str("VALUE_DELIMITER"); ok {
		if value.Delimiter, err = delimiter("VALUE_DELIMITER", d, value.Name); err != nil {
			return key, value, err
		}
	}
	for prop, f := range map[string]string{"KEY_SCHEMA_FULL_NAME": key.Name, "VALUE_SCHEMA_FULL_NAME": value.Name, "VALUE_AVRO_SCHEMA_FULL_NAME": value.Name} {
		if w.has(prop) && f != "AVRO" && f != "PROTOBUF" {
			return key, value, stmtErrorf(w[prop].Pos, "%s does not support the following configs: [fullSchemaName]", f)
		}
	}
	wrap, err := w.boolean("WRAP_SINGLE_VALUE")
	if err != nil {
		return key, value, err
	}
	if wrap != nil {
		value.WrapSingle = wrap
	}
	return key, value, nil
}

func knownFormat(name string) bool {
	switch name {
	case "JSON", "KAFKA", "DELIMITED", "NONE", "AVRO", "PROTOBUF", "PROTOBUF_NOSR", "JSON_SR":
		return true
	}
	return false
}

func delimiter(prop, d, format string) (byte, error) {
	if format != "DELIMITED" {
		return 0, stmtErrorf(ast.Pos{}, "%s does not support the following configs: [delimiter]", format)
	}
	b, err := serde.ParseDelimiter(d)
	if err != nil {
		return 0, stmtErrorf(ast.Pos{}, "Failed to prepare statement: Configuration %s is invalid: %v", prop, err)
	}
	return b, nil
}

func quoteList(names []string) string {
	return "[" + strings.Join(names, ", ") + "]"
}
