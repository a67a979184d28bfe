package qttrun

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/types"
)

// side is the format of one side (key or value) of a topic's records, as
// the source registered on the topic declares it. The zero side means no
// source: records are read as JSON when they parse and as text otherwise.
type side struct {
	format string // upper case: JSON, KAFKA, DELIMITED, NONE, AVRO, ...
	cols   []types.Column
}

// topicFormats returns the key and value formats of the first source (by
// name) that reads topic; ksqlDB's runner likewise takes any source
// registered on the topic.
func topicFormats(ms *catalog.Metastore, topic string) (key, value side, source *catalog.Source) {
	if ms == nil {
		return side{}, side{}, nil
	}
	srcs := ms.SourcesOnTopic(topic)
	if len(srcs) == 0 {
		return side{}, side{}, nil
	}
	s := srcs[0]
	return side{format: strings.ToUpper(s.Key.Name), cols: s.KeyColumns()},
		side{format: strings.ToUpper(s.Value.Name), cols: s.ValueColumns()}, s
}

// encodeSpec turns a record's spec value (key or value, as the test file
// wrote it) into the bytes ksqlDB's test serializers write for the
// format: JSON text for JSON (a string becomes a quoted string, numbers
// keep their literal), the raw string for DELIMITED, the single column's
// binary layout for KAFKA, nothing for NONE. A null spec is a null record.
func encodeSpec(s side, spec any) ([]byte, error) {
	if spec == nil {
		return nil, nil
	}
	switch s.format {
	case "":
		// No source reads the topic: strings are written as they are,
		// anything else as JSON.
		if str, ok := spec.(string); ok {
			return []byte(str), nil
		}
		return jsonText(spec)
	case "JSON":
		return jsonText(spec)
	case "DELIMITED":
		if str, ok := spec.(string); ok {
			return []byte(str), nil
		}
		return jsonText(spec)
	case "KAFKA":
		return encodeKafka(s.cols, spec)
	case "NONE":
		return nil, nil
	}
	return nil, fmt.Errorf("format %s is not supported by the test runner", s.format)
}

// jsonText writes spec as JSON, number literals as written and without
// escaping <, > and &, so the bytes are those a Java writer produces.
func jsonText(spec any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(spec); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// encodeKafka writes the KAFKA format of a single column: INTEGER as 4
// bytes and BIGINT as 8 bytes big-endian, DOUBLE as 8 IEEE-754 bytes,
// STRING and BYTES as the UTF-8 of the spec string (a BYTES spec is not
// base64 here, as in ksqlDB). Without columns the spec is written as text.
func encodeKafka(cols []types.Column, spec any) ([]byte, error) {
	if len(cols) == 0 {
		return specText(spec), nil
	}
	if len(cols) > 1 {
		return nil, fmt.Errorf("KAFKA format with %d columns", len(cols))
	}
	col := cols[0]
	switch col.Type.Kind() {
	case types.KindInt, types.KindBigInt:
		n, ok := spec.(json.Number)
		if !ok {
			return nil, fmt.Errorf("KAFKA %s column %s: spec %s is not a number", col.Type, col.Name, formatExpected(spec))
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("KAFKA %s column %s: %v", col.Type, col.Name, err)
		}
		if col.Type.Kind() == types.KindInt {
			if int64(int32(i)) != i {
				return nil, fmt.Errorf("KAFKA INTEGER column %s: %d out of range", col.Name, i)
			}
			return binary.BigEndian.AppendUint32(nil, uint32(int32(i))), nil
		}
		return binary.BigEndian.AppendUint64(nil, uint64(i)), nil
	case types.KindDouble:
		var f float64
		switch v := spec.(type) {
		case json.Number:
			var err error
			if f, err = strconv.ParseFloat(string(v), 64); err != nil {
				return nil, fmt.Errorf("KAFKA DOUBLE column %s: %v", col.Name, err)
			}
		case string:
			// Java's Double.valueOf accepts NaN and Infinity, which JSON
			// cannot write as numbers.
			var err error
			if f, err = parseJavaDouble(v); err != nil {
				return nil, fmt.Errorf("KAFKA DOUBLE column %s: %v", col.Name, err)
			}
		default:
			return nil, fmt.Errorf("KAFKA DOUBLE column %s: spec %s is not a number", col.Name, formatExpected(spec))
		}
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)), nil
	case types.KindString, types.KindBytes:
		return specText(spec), nil
	}
	return nil, fmt.Errorf("KAFKA format cannot hold column %s of type %s", col.Name, col.Type)
}

// specText is a spec as text: a string as it is, anything else as JSON.
func specText(spec any) []byte {
	if s, ok := spec.(string); ok {
		return []byte(s)
	}
	b, _ := jsonText(spec)
	return b
}

func parseJavaDouble(s string) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	}
	return strconv.ParseFloat(s, 64)
}

// decodeSide turns a record side's bytes into the value ksqlDB's test
// deserializers give the comparator: parsed JSON for JSON, the raw string
// for DELIMITED, the column's value for KAFKA (a BIGINT that fits an int
// as an int, a DOUBLE as the decimal BigDecimal.valueOf gives, BYTES as
// their UTF-8 text), null for NONE. Null bytes are null.
func decodeSide(s side, data []byte, exact bool) (any, error) {
	if data == nil {
		return nil, nil
	}
	switch s.format {
	case "":
		if v, err := decodeJSON(data, exact); err == nil {
			return v, nil
		}
		return string(data), nil
	case "JSON":
		return decodeJSON(data, exact)
	case "DELIMITED":
		return string(data), nil
	case "KAFKA":
		return decodeKafka(s.cols, data)
	case "NONE":
		return nil, nil
	}
	return nil, fmt.Errorf("format %s is not supported by the test runner", s.format)
}

func decodeKafka(cols []types.Column, data []byte) (any, error) {
	if len(cols) == 0 {
		return string(data), nil
	}
	col := cols[0]
	need := func(n int) error {
		if len(data) != n {
			return fmt.Errorf("KAFKA %s column %s needs %d bytes, got %d", col.Type, col.Name, n, len(data))
		}
		return nil
	}
	switch col.Type.Kind() {
	case types.KindInt:
		if err := need(4); err != nil {
			return nil, err
		}
		return javaInt(int32(binary.BigEndian.Uint32(data))), nil
	case types.KindBigInt:
		if err := need(8); err != nil {
			return nil, err
		}
		i := int64(binary.BigEndian.Uint64(data))
		if int64(int32(i)) == i {
			return javaInt(i), nil
		}
		return javaLong(i), nil
	case types.KindDouble:
		if err := need(8); err != nil {
			return nil, err
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(data))
		d, err := types.DecimalFromFloat64(f)
		if err != nil {
			return javaDouble(f), nil // NaN and infinities have no decimal
		}
		return d, nil
	case types.KindString, types.KindBytes:
		return string(data), nil
	}
	return nil, fmt.Errorf("KAFKA format cannot hold column %s of type %s", col.Name, col.Type)
}
