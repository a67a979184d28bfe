package serde

import (
	"errors"
	"fmt"
	"strings"
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
func NewFormat(name string, cols []types.Column, opts Options) (Format, error) {
	cols = append([]types.Column(nil), cols...)
	switch n := strings.ToUpper(name); n {
	case "JSON":
		return newJSONFormat(cols, opts)
	case "KAFKA":
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
// KEY_DELIMITER) property: one character, or TAB or SPACE.
func ParseDelimiter(s string) (byte, error) {
	switch strings.ToUpper(s) {
	case "TAB":
		return '\t', nil
	case "SPACE":
		return ' ', nil
	case "":
		return 0, fmt.Errorf("%w: Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'", ErrInvalidFormat)
	}
	if len(s) != 1 || s[0] >= 0x80 {
		return 0, fmt.Errorf("%w: Invalid delimiter value: '%s'. Delimiter must be a single ASCII character or TAB or SPACE", ErrInvalidFormat, s)
	}
	switch s[0] {
	case '"', '\n', '\r':
		return 0, fmt.Errorf("%w: Invalid delimiter value: '%s'. The quote and line breaks cannot separate fields", ErrInvalidFormat, s)
	}
	return s[0], nil
}

// columnList formats columns as ksqlDB lists them in format errors.
func columnList(cols []types.Column) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(types.QuoteIdentifier(c.Name))
		b.WriteByte(' ')
		b.WriteString(c.Type.String())
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
