package serde

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/sluicedata/sluice/internal/types"
)

// Format encodes and decodes one side (key or value) of the records of a
// stream or table whose columns are given.
//
// Decoded STRING values, and BYTES of the KAFKA format, may point into the
// input bytes: a caller that reuses its input buffer must copy what it keeps
// (or keep the buffer alive and unchanged while the values are in use).
type Format interface {
	// Name returns the format's name as ksqlDB spells it: JSON, KAFKA, ...
	Name() string
	// Decode parses data into one value per column, appended to dst. A null
	// record (nil data) decodes to NULLs; on the value side the caller
	// treats it as a tombstone before asking.
	Decode(dst []types.Value, data []byte) ([]types.Value, error)
	// Encode appends the serialized columns to dst. Formats with nothing to
	// write (NONE, a null KAFKA value) return dst unchanged, which is nil
	// when dst is.
	Encode(dst []byte, vals []types.Value) ([]byte, error)
}

// Options are a format's properties from the WITH clause.
type Options struct {
	// Delimiter separates DELIMITED fields; zero means ','. See ParseDelimiter.
	Delimiter byte
	// WrapSingle is WRAP_SINGLE_VALUE: whether a single column is written as
	// an object holding it (true) or as its bare value (false). nil takes the
	// format's default: wrapped for values, unwrapped for a key, which
	// Sluice recognises by its columns being in types.NamespaceKey.
	WrapSingle *bool
}

var (
	// ErrUnsupportedFormat: a format name Sluice does not serve.
	ErrUnsupportedFormat = errors.New("serde: unsupported format")
	// ErrInvalidFormat: a format that cannot carry the given columns or
	// options, such as KAFKA with two columns.
	ErrInvalidFormat = errors.New("serde: invalid format")
	// ErrDecode: bytes that do not decode to the columns' values.
	ErrDecode = errors.New("serde: cannot deserialize record")
	// ErrEncode: values that the format cannot write.
	ErrEncode = errors.New("serde: cannot serialize record")
)

// NewFormat returns the format called name (JSON, KAFKA, DELIMITED or NONE,
// in any case) for the given columns. The schema-registry formats (AVRO,
// PROTOBUF, PROTOBUF_NOSR, JSON_SR) give an error wrapping
// ErrUnsupportedFormat.
//
// Key columns (types.NamespaceKey) may not hold a MAP at any depth, whatever
// the format, as in ksqlDB: the bytes of a map are not stable enough to
// partition or join on.
func NewFormat(name string, cols []types.Column, opts Options) (Format, error) {
	cols = append([]types.Column(nil), cols...)
	n := strings.ToUpper(name)
	switch n {
	case "JSON", "KAFKA", "DELIMITED", "NONE":
		if err := checkKeyColumns(cols); err != nil {
			return nil, err
		}
	}
	switch n {
	case "JSON":
		return newJSONFormat(cols, opts)
	case "KAFKA":
		if opts.WrapSingle != nil && *opts.WrapSingle {
			return nil, fmt.Errorf("%w: %s", ErrInvalidFormat, wrapUnsupported("KAFKA", true))
		}
		return newKafkaFormat(cols)
	case "DELIMITED":
		return newDelimitedFormat(cols, opts)
	case "NONE":
		if len(cols) != 0 {
			return nil, fmt.Errorf("%w: The 'NONE' format can only be used when no columns are defined. Got: %s", ErrInvalidFormat, columnList(cols))
		}
		return noneFormat{}, nil
	case "AVRO", "PROTOBUF", "PROTOBUF_NOSR", "JSON_SR":
		return nil, fmt.Errorf("%w: %s needs a schema registry and is not supported yet; use JSON, DELIMITED or KAFKA", ErrUnsupportedFormat, n)
	default:
		return nil, fmt.Errorf("%w: Unknown format: %s (use JSON, DELIMITED, KAFKA or NONE)", ErrUnsupportedFormat, name)
	}
}

// ParseDelimiter parses the DELIMITED format's VALUE_DELIMITER (or
// KEY_DELIMITER) property as ksqlDB does: one character, or TAB or SPACE
// (in upper case). Text that is empty once trimmed, a lone space or tab
// included, is refused with ksqlDB's hint to spell those out. The error's
// text is ksqlDB's message alone, for the caller to show as it is; it
// wraps ErrInvalidFormat.
func ParseDelimiter(s string) (byte, error) {
	const example = "\nExample valid value: ';'"
	switch {
	case strings.TrimSpace(s) == "":
		return 0, delimiterError("Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'" + example)
	case s == "TAB":
		return '\t', nil
	case s == "SPACE":
		return ' ', nil
	case len(s) != 1:
		if utf8.RuneCountInString(s) == 1 {
			return 0, delimiterError("Invalid delimiter value: '" + s + "'. Sluice's delimiter must be an ASCII character or TAB,SPACE" + example)
		}
		return 0, delimiterError("Invalid delimiter value: '" + s + "'. Delimiter must be a single character or TAB,SPACE" + example)
	}
	switch s[0] {
	case '"', '\n', '\r':
		// Commons CSV refuses these too, when the format is built.
		return 0, delimiterError("Invalid delimiter value: '" + s + "'. The quote and line breaks cannot separate fields" + example)
	}
	return s[0], nil
}

// delimiterError is a ParseDelimiter error: its text is the message alone.
type delimiterError string

func (e delimiterError) Error() string        { return string(e) }
func (e delimiterError) Is(target error) bool { return target == ErrInvalidFormat }

// wrapUnsupported is ksqlDB's error for a WRAP_SINGLE_VALUE setting a format
// cannot honour.
func wrapUnsupported(format string, wrap bool) string {
	return fmt.Sprintf("Format '%s' does not support 'WRAP_SINGLE_VALUE' set to '%t'.", format, wrap)
}

// checkKeyColumns refuses key columns whose type holds a MAP, with
// ksqlDB's message.
func checkKeyColumns(cols []types.Column) error {
	for _, c := range cols {
		if c.Namespace == types.NamespaceKey && containsMap(c.Type) {
			return fmt.Errorf("%w: Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: %s. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.",
				ErrInvalidFormat, types.QuoteIdentifier(c.Name), c.Type)
		}
	}
	return nil
}

// containsMap reports whether t is a MAP or holds one in its elements or
// fields.
func containsMap(t types.Type) bool {
	switch t.Kind() {
	case types.KindMap:
		return true
	case types.KindArray:
		return containsMap(t.Elem())
	case types.KindStruct:
		for _, f := range t.Fields() {
			if containsMap(f.Type) {
				return true
			}
		}
	}
	return false
}

// columnList formats columns as ksqlDB lists them in format errors:
// [`K` STRING KEY, `V` INTEGER].
func columnList(cols []types.Column) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	b.WriteByte(']')
	return b.String()
}

// bytesString returns b's bytes as a string without copying: the string is
// valid only while b is not modified.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// appendNulls appends n NULLs.
func appendNulls(dst []types.Value, n int) []types.Value {
	for range n {
		dst = append(dst, types.Value{})
	}
	return dst
}

// snippet quotes at most 64 bytes of data for an error message.
func snippet(b []byte) string {
	if len(b) > 64 {
		return fmt.Sprintf("%q...", b[:64])
	}
	return fmt.Sprintf("%q", b)
}

type noneFormat struct{}

func (noneFormat) Name() string { return "NONE" }

// Decode ignores data: a NONE side has no columns.
func (noneFormat) Decode(dst []types.Value, _ []byte) ([]types.Value, error) { return dst, nil }

func (noneFormat) Encode(dst []byte, vals []types.Value) ([]byte, error) {
	if len(vals) != 0 {
		return dst, fmt.Errorf("%w: the NONE format has no columns, got %d values", ErrEncode, len(vals))
	}
	return dst, nil
}

// IsNullRecord reports whether f writes vals as a null record: no bytes at
// all, which a log keeps apart from empty bytes and which is a tombstone
// on the value side. Encode cannot say so itself, since it appends to a
// buffer. A NONE side, a KAFKA column holding NULL and an unwrapped JSON
// column holding NULL write null records, as ksqlDB's serializers return
// null for them; JSON objects and DELIMITED lines are never null (a lone
// NULL DELIMITED field is written "").
func IsNullRecord(f Format, vals []types.Value) bool {
	n, ok := f.(interface{ isNullRecord([]types.Value) bool })
	return ok && n.isNullRecord(vals)
}

func (noneFormat) isNullRecord([]types.Value) bool { return true }

func (f *kafkaFormat) isNullRecord(vals []types.Value) bool {
	return f.none || len(vals) == 1 && vals[0].IsNull()
}

func (f *jsonFormat) isNullRecord(vals []types.Value) bool {
	return !f.wrap && len(vals) == 1 && vals[0].IsNull()
}

// SupportsWrapSingle reports whether the format called name (in any case)
// accepts WRAP_SINGLE_VALUE set to wrap, as ksqlDB's formats declare it:
// JSON, AVRO, JSON_SR and PROTOBUF_NOSR both ways, PROTOBUF only wrapped,
// KAFKA and DELIMITED only unwrapped, NONE neither. ksqlDB applies
// ksql.persistence.wrap.single.values only where it is supported, and
// refuses an explicit WRAP_SINGLE_VALUE where it is not.
func SupportsWrapSingle(name string, wrap bool) bool {
	switch strings.ToUpper(name) {
	case "JSON", "AVRO", "JSON_SR", "PROTOBUF_NOSR":
		return true
	case "PROTOBUF":
		return wrap
	case "KAFKA", "DELIMITED":
		return !wrap
	}
	return false
}
