package qtt

import "encoding/json"

// Value is a JSON value as the test file wrote it: nil, bool, string,
// json.Number (the literal text, so "1.00" keeps its scale), []any or
// map[string]any.
type Value = any

// Kind tells the two test file formats apart: they share most fields but
// validate and run differently.
type Kind int

const (
	// KindQTT is a query-validation test, run against the engine directly.
	KindQTT Kind = iota
	// KindREST is a REST query-validation test, run against the HTTP API;
	// it may carry expectedError, responses and input/output conditions.
	KindREST
)

func (k Kind) String() string {
	if k == KindREST {
		return "rest"
	}
	return "qtt"
}

// File is one test file.
type File struct {
	// Path is the path the file was loaded from.
	Path string
	// Name is the base name without ".json", the first part of every case name.
	Name string
	Kind Kind
	// Tests are in file order, disabled ones included.
	Tests []Test
}

// Test is one entry of a file's "tests" array. Unknown fields are ignored,
// as are description, comment(s) and issue(s).
type Test struct {
	Name string
	// Statements are the entries as written, one SQL statement each
	// (a trailing ';' included when the file has one); {FORMAT} is not
	// substituted here but in Case.
	Statements []string
	// Format and Config are the expansion arrays; empty when absent.
	Format []string
	Config []string
	// Properties are the ksql config overrides; with Config, exactly one of
	// them has the string value "{CONFIG}".
	Properties        map[string]Value
	Inputs            []Record
	Outputs           []Record
	Topics            []Topic
	ExpectedException *Exception
	Post              *Post
	Versions          *Versions
	// Enabled is false only when the file says "enabled": false; such a
	// test yields no cases.
	Enabled bool

	// The fields below appear only in REST tests.

	ExpectedError *RESTError
	// Responses are the expected responses, one raw JSON object each:
	// {"admin": {...}}, {"query": [...]} or {"queryProto": [...]}.
	Responses               []json.RawMessage
	InputConditions         *InputConditions
	OutputConditions        *OutputConditions
	TestPullWithProtoFormat bool
}

// Record is an input record to produce or an output record to expect.
type Record struct {
	Topic string
	// Key is the record key; HasKey is false when the file has no "key"
	// field, which means a null key just like an explicit null.
	Key    Value
	HasKey bool
	// Value is the record value; null is a tombstone.
	Value Value
	// Timestamp is nil when absent: inputs then default to 0 and outputs
	// leave the timestamp unchecked.
	Timestamp *int64
	// Window is set for windowed keys.
	Window *Window
	// Headers are decoded from base64. HasHeaders is false when the file
	// has no "headers" field; an expected record then must have no headers.
	Headers    []Header
	HasHeaders bool
}

// Window types of Window.Type, as the files spell them.
const (
	WindowTime    = "time"
	WindowSession = "session"
)

// Window is the window of a windowed key, in epoch milliseconds.
type Window struct {
	Start int64
	End   int64
	// Type is WindowTime (tumbling and hopping) or WindowSession.
	Type string
}

// Header is one record header. Value is nil for a JSON null and non-nil
// (possibly empty) otherwise.
type Header struct {
	Key   string
	Value []byte
}

// Topic is extra topic metadata for a test.
type Topic struct {
	Name        string
	KeyFormat   string
	ValueFormat string
	// Format and Schema are the older spellings some files still use for
	// the value format and schema.
	Format string
	Schema Value
	// KeySchema and ValueSchema are a JSON object for AVRO and JSON_SR and a
	// string of .proto text for PROTOBUF. A schema with no format is AVRO.
	KeySchema             Value
	ValueSchema           Value
	KeySchemaID           *int64
	ValueSchemaID         *int64
	KeySchemaReferences   []SchemaReference
	ValueSchemaReferences []SchemaReference
	// Partitions and Replicas are 0 when absent (the runner's default applies).
	Partitions         int
	Replicas           int
	KeySerdeFeatures   []string
	ValueSerdeFeatures []string
}

// SchemaReference is a schema another topic schema refers to.
type SchemaReference struct {
	Name   string
	Format string
	Schema Value
}

// Exception is what a negative test expects to be thrown. Type and Cause are
// ksqlDB's Java class names; Message and CauseMessage are substrings.
type Exception struct {
	Type         string
	Message      string
	Cause        string
	CauseMessage string
}

// RESTError is what a REST test expects the server to answer with.
type RESTError struct {
	Type    string
	Message string
	// Status is the HTTP status, 0 when not checked.
	Status int
}

// InputConditions control when a REST test produces its inputs.
type InputConditions struct {
	WaitForActivePushQuery bool
}

// OutputConditions control how a REST test compares query rows.
type OutputConditions struct {
	VerifyOrder bool
}

// Versions are inclusive ksqlDB version bounds; empty when absent.
type Versions struct {
	Min string
	Max string
}

// Post holds the post-conditions checked after a test ran.
type Post struct {
	Sources []PostSource
	Topics  *PostTopics
}

// PostSource must match some source of the metastore.
type PostSource struct {
	Name string
	// Type is "stream" or "table".
	Type string
	// Schema is a ksql column list such as "`ID` BIGINT KEY, NAME STRING";
	// empty when not checked.
	Schema        string
	KeyFormat     *PostKeyFormat
	ValueFormat   string
	KeyFeatures   []string
	ValueFeatures []string
	IsSource      *bool
}

// PostKeyFormat is an expected key format. When it is given, WindowType and
// WindowSize are compared including their absence.
type PostKeyFormat struct {
	Format     string
	WindowType string
	WindowSize *int64
	Properties map[string]Value
	Features   []string
}

// PostTopics are checks on the topics a test left behind.
type PostTopics struct {
	// Blacklist is a regular expression no topic name may contain a match of.
	Blacklist string
	Topics    []PostTopic
}

// PostTopic must match a known topic.
type PostTopic struct {
	Name          string
	KeyFormat     PostTopicFormat
	ValueFormat   PostTopicFormat
	Partitions    *int64
	KeySchema     Value
	ValueSchema   Value
	KeySchemaID   *int64
	ValueSchemaID *int64
}

// PostTopicFormat is the expected key or value format of a topic.
type PostTopicFormat struct {
	Format     string
	Features   []string
	Properties map[string]Value
	// WindowInfo is the expected key window, e.g. {"type": "HOPPING", "size": 5}.
	WindowInfo Value
}
