// Package serde owns Sluice's record formats. Today it holds the JSON
// primitives that ingest needs on its hot path, written by hand so that
// they neither reflect nor allocate: a validator (RFC 8259, UTF-8
// included), a scanner that finds one top-level member of an object, and
// the quoting and unquoting of JSON strings.
//
//	if err := serde.ValidJSON(line); err != nil {
//		return fmt.Errorf("line %d: %w", n, err) // "line 3: offset 17: ..."
//	}
//	if raw, ok := serde.TopLevelField(line, "user_id"); ok {
//		key = raw // `"u-42"` or `42`, as it appears in the line
//	}
package serde
