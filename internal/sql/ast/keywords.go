package ast

import "strings"

// reserved words can never be unquoted identifiers: the grammar needs them
// to tell clauses and operators apart. The list follows ksqlDB's reserved
// words where the dialect depends on them.
var reserved = map[string]bool{
	"ALL": true, "AND": true, "AS": true, "BETWEEN": true, "BY": true,
	"CASE": true, "CAST": true, "CREATE": true, "DISTINCT": true, "DROP": true,
	"ELSE": true, "END": true, "EXISTS": true, "FALSE": true, "FROM": true,
	"FULL": true, "GROUP": true, "HAVING": true, "IN": true, "INNER": true,
	"INSERT": true, "INTO": true, "IS": true, "JOIN": true, "LEFT": true,
	"LIKE": true, "LIMIT": true, "NOT": true, "NULL": true, "ON": true,
	"OR": true, "OUTER": true, "RIGHT": true, "SELECT": true, "STREAM": true,
	"TABLE": true, "THEN": true, "TRUE": true, "VALUES": true, "WHEN": true,
	"WHERE": true, "WINDOW": true, "WITH": true, "WITHIN": true,
}

// keywords have a syntactic role somewhere but are accepted as identifiers
// where the grammar allows. The printer still quotes them, so printed SQL
// never depends on context to read a name as a name. KEY, ID and TYPE are
// deliberately absent: they read as names everywhere they can stand for one,
// and ksqlDB prints them bare.
var keywords = map[string]bool{
	"ADD": true, "ADVANCE": true, "ALTER": true, "ARRAY": true, "ASSERT": true,
	"BEGINNING": true, "CHANGES": true, "COLUMN": true, "CONNECTOR": true,
	"CONNECTORS": true, "DEFINE": true, "DELETE": true, "DESCRIBE": true,
	"EMIT": true, "ESCAPE": true, "EXPLAIN": true, "EXTENDED": true,
	"FINAL": true, "FUNCTION": true, "FUNCTIONS": true, "GRACE": true,
	"HEADER": true, "HEADERS": true, "HOPPING": true, "IF": true,
	"INTERVAL": true, "LIST": true, "MAP": true, "PARTITION": true,
	"PAUSE": true, "PERIOD": true, "PLUGINS": true, "PRIMARY": true,
	"PRINT": true, "PROPERTIES": true, "QUERIES": true, "REPLACE": true,
	"RESUME": true, "RETENTION": true, "RUN": true, "SAMPLE": true,
	"SCHEMA": true, "SCRIPT": true, "SESSION": true, "SET": true, "SHOW": true,
	"SINK": true, "SIZE": true, "SOURCE": true, "STREAMS": true, "STRUCT": true,
	"SUBJECT": true, "SYSTEM": true, "TABLES": true, "TERMINATE": true,
	"TIMEOUT": true, "TOPIC": true, "TOPICS": true, "TUMBLING": true,
	"TYPES": true, "UNDEFINE": true, "UNSET": true, "VARIABLES": true,
	"DAY": true, "DAYS": true, "HOUR": true, "HOURS": true, "MINUTE": true,
	"MINUTES": true, "SECOND": true, "SECONDS": true, "MILLISECOND": true,
	"MILLISECONDS": true,
}

// IsReserved reports whether word (upper-case) is a reserved word, which
// only a quoted identifier can spell.
func IsReserved(word string) bool { return reserved[word] }

// IsIdentStart and IsIdentPart are the characters of unquoted identifiers.
func IsIdentStart(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_'
}

func IsIdentPart(c byte) bool {
	return IsIdentStart(c) || c >= '0' && c <= '9' || c == '@'
}

// bare reports whether name reads back as itself when written unquoted,
// keywords aside: an identifier start, identifier characters, no lower case.
func bare(name string) bool {
	if name == "" || !IsIdentStart(name[0]) {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || !IsIdentPart(c) {
			return false
		}
	}
	return true
}

// NeedsQuotes reports whether name must be quoted to read back as itself:
// it is not a valid unquoted identifier in upper case, or it is a word
// with a syntactic role.
func NeedsQuotes(name string) bool {
	return !bare(name) || reserved[name] || keywords[name]
}

// QuoteIdent prints name as an identifier, in backticks when it needs them.
func QuoteIdent(name string) string {
	if !NeedsQuotes(name) {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// quoteFunc prints a function name. A word followed by '(' is always a call,
// except for the constructors, so only reserved words and those need quotes.
func quoteFunc(name string) string {
	if bare(name) && !reserved[name] && name != "MAP" && name != "STRUCT" && name != "ARRAY" {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// QuoteString prints s as a string literal: single quotes, with embedded
// quotes doubled.
func QuoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
