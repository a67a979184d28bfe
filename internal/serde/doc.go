// Package serde owns Sluice's record formats: how the key and the value of
// a record turn into SQL values (types.Value) and back, in ksqlDB's formats
// JSON, KAFKA, DELIMITED and NONE, and the JSON primitives that ingest needs
// on its hot path, written by hand so that they neither reflect nor
// allocate: a validator (RFC 8259, UTF-8 included), a scanner that finds
// one top-level member of an object, and the quoting and unquoting of JSON
// strings.
//
// A Format serves one side of a record for given columns. Each reads and
// writes the bytes ksqlDB does, coercions, quoting and error messages
// included. JSON matches a member to a column by its exact name, else by
// its upper-cased name, as ksqlDB does, and reads a single key column as a
// bare value:
//
//	cols := []types.Column{{Name: "ID", Type: types.BigIntType}, {Name: "NAME", Type: types.StringType}}
//	f, err := serde.NewFormat("JSON", cols, serde.Options{})
//	if err != nil {
//		return err
//	}
//	row, err := f.Decode(nil, []byte(`{"id": 7, "name": "ada", "extra": true}`)) // [7, ada]
//	out, err := f.Encode(nil, row)                                             // {"ID":7,"NAME":"ada"}
//
// Decoded strings may share the input's memory: copy what outlives it.
//
// Windowed wraps a key format for windowed sources: the key's bytes are
// followed by the window's bounds, as Kafka Streams lays them out, and
// WINDOWSTART and WINDOWEND come after the key columns. IsNullRecord tells
// a writer when a row is written as a null record rather than as bytes.
//
// The validator and scanner:
//
//	if err := serde.ValidJSON(line); err != nil {
//		return fmt.Errorf("line %d: %w", n, err) // "line 3: offset 17: ..."
//	}
//	if raw, ok := serde.TopLevelField(line, "user_id"); ok {
//		key = raw // `"u-42"` or `42`, as it appears in the line
//	}
package serde
