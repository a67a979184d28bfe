package engine

// The results of statements, shaped as ksqlDB's REST API returns them from
// /ksql: each marshals to a JSON object whose "@type" names its kind, so
// the server writes them as they are and ksqlDB clients read them.

// Entity is the result of one executed statement.
type Entity interface {
	// EntityType is the entity's "@type", e.g. "currentStatus".
	EntityType() string
}

// CommandStatus is the status of an accepted command.
type CommandStatus struct {
	Status  string `json:"status"` // SUCCESS, ERROR, TERMINATED
	Message string `json:"message"`
	QueryID string `json:"queryId,omitempty"`
}

// CurrentStatus answers a statement that changed the catalog (CREATE, DROP,
// INSERT, TERMINATE, ...).
type CurrentStatus struct {
	Type                  string        `json:"@type"`
	StatementText         string        `json:"statementText"`
	CommandID             string        `json:"commandId"`
	CommandStatus         CommandStatus `json:"commandStatus"`
	CommandSequenceNumber int64         `json:"commandSequenceNumber"`
	Warnings              []Warning     `json:"warnings"`
}

// Warning is a non-fatal remark attached to an entity.
type Warning struct {
	Message string `json:"message"`
}

// SourceInfo is one row of SHOW STREAMS or SHOW TABLES.
type SourceInfo struct {
	Type        string `json:"type"` // STREAM or TABLE
	Name        string `json:"name"`
	Topic       string `json:"topic"`
	KeyFormat   string `json:"keyFormat"`
	ValueFormat string `json:"valueFormat"`
	IsWindowed  bool   `json:"isWindowed"`
}

// StreamsList answers SHOW STREAMS.
type StreamsList struct {
	Type          string       `json:"@type"` // "streams"
	StatementText string       `json:"statementText"`
	Streams       []SourceInfo `json:"streams"`
	Warnings      []Warning    `json:"warnings"`
}

// TablesList answers SHOW TABLES.
type TablesList struct {
	Type          string       `json:"@type"` // "tables"
	StatementText string       `json:"statementText"`
	Tables        []SourceInfo `json:"tables"`
	Warnings      []Warning    `json:"warnings"`
}

// RunningQuery is one row of SHOW QUERIES.
type RunningQuery struct {
	QueryString     string         `json:"queryString"`
	Sinks           []string       `json:"sinks"`
	SinkKafkaTopics []string       `json:"sinkKafkaTopics"`
	ID              string         `json:"id"`
	StatusCount     map[string]int `json:"statusCount"`
	QueryType       string         `json:"queryType"` // PERSISTENT or PUSH
	State           string         `json:"state"`     // RUNNING, PAUSED, ERROR
}

// QueriesList answers SHOW QUERIES.
type QueriesList struct {
	Type          string         `json:"@type"` // "queries"
	StatementText string         `json:"statementText"`
	Queries       []RunningQuery `json:"queries"`
	Warnings      []Warning      `json:"warnings"`
}

// Property is one row of SHOW PROPERTIES.
type Property struct {
	Name  string `json:"name"`
	Scope string `json:"scope"` // KSQL or SESSION
	Value string `json:"value"`
}

// PropertiesList answers SHOW PROPERTIES.
type PropertiesList struct {
	Type                  string     `json:"@type"` // "properties"
	StatementText         string     `json:"statementText"`
	Properties            []Property `json:"properties"`
	OverwrittenProperties []string   `json:"overwrittenProperties"`
	DefaultProperties     []string   `json:"defaultProperties"`
	Warnings              []Warning  `json:"warnings"`
}

// Variable is one row of SHOW VARIABLES.
type Variable struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// VariablesList answers SHOW VARIABLES.
type VariablesList struct {
	Type          string     `json:"@type"` // "variables"
	StatementText string     `json:"statementText"`
	Variables     []Variable `json:"variables"`
	Warnings      []Warning  `json:"warnings"`
}

// TopicInfo is one row of SHOW TOPICS.
type TopicInfo struct {
	Name        string `json:"name"`
	ReplicaInfo []int  `json:"replicaInfo"` // one entry per partition
}

// TopicsList answers SHOW TOPICS.
type TopicsList struct {
	Type          string      `json:"@type"` // "kafka_topics"
	StatementText string      `json:"statementText"`
	Topics        []TopicInfo `json:"topics"`
	Warnings      []Warning   `json:"warnings"`
}

// SchemaInfo describes a column's type as ksqlDB's REST API does.
type SchemaInfo struct {
	Type         string         `json:"type"` // INTEGER, BIGINT, ..., ARRAY, MAP, STRUCT, DECIMAL
	Fields       []FieldInfo    `json:"fields,omitempty"`
	MemberSchema *SchemaInfo    `json:"memberSchema,omitempty"`
	Parameters   map[string]any `json:"parameters,omitempty"`
}

// FieldInfo is one column of a source or field of a struct.
type FieldInfo struct {
	Name   string     `json:"name"`
	Schema SchemaInfo `json:"schema"`
	// Type is KEY or HEADER for such columns; empty for value columns.
	Type string `json:"type,omitempty"`
}

// QueryStats are a persistent query's runtime statistics.
type QueryStats struct {
	MessagesPerSec float64 `json:"messagesPerSec"`
	TotalMessages  int64   `json:"totalMessages"`
	Failed         int64   `json:"failed"`
	// LateRecords came after their window's grace period; they are in
	// LateTopic.
	LateRecords     int64  `json:"lateRecords,omitempty"`
	LateTopic       string `json:"lateTopic,omitempty"`
	LastMessageTime string `json:"lastMessageTime,omitempty"` // RFC 3339
	// Repartitioned is set when the query redistributes records by a new
	// key through one of its internal topics.
	Repartitioned bool `json:"repartitioned,omitempty"`
}

// SourceDescription is the body of DESCRIBE name.
type SourceDescription struct {
	Name              string         `json:"name"`
	WindowType        string         `json:"windowType,omitempty"`
	ReadQueries       []RunningQuery `json:"readQueries"`
	WriteQueries      []RunningQuery `json:"writeQueries"`
	Fields            []FieldInfo    `json:"fields"`
	Type              string         `json:"type"` // STREAM or TABLE
	Timestamp         string         `json:"timestamp"`
	Statistics        string         `json:"statistics"`
	ErrorStats        string         `json:"errorStats"`
	Extended          bool           `json:"extended"`
	KeyFormat         string         `json:"keyFormat"`
	ValueFormat       string         `json:"valueFormat"`
	Topic             string         `json:"topic"`
	Partitions        int            `json:"partitions"`
	Replication       int            `json:"replication"`
	Statement         string         `json:"statement"`
	SourceConstraints []string       `json:"sourceConstraints"`
	// QueryStats holds, with EXTENDED, the statistics of the queries that
	// write the source, by query ID.
	QueryStats map[string]QueryStats `json:"queryStats,omitempty"`
}

// SourceDescriptionEntity answers DESCRIBE name [EXTENDED].
type SourceDescriptionEntity struct {
	Type              string            `json:"@type"` // "sourceDescription"
	StatementText     string            `json:"statementText"`
	SourceDescription SourceDescription `json:"sourceDescription"`
	Warnings          []Warning         `json:"warnings"`
}

// SourceDescriptionList answers DESCRIBE STREAMS|TABLES [EXTENDED].
type SourceDescriptionList struct {
	Type               string              `json:"@type"` // "source_descriptions"
	StatementText      string              `json:"statementText"`
	SourceDescriptions []SourceDescription `json:"sourceDescriptions"`
	Warnings           []Warning           `json:"warnings"`
}

// QueryDescription describes one query: EXPLAIN's answer.
type QueryDescription struct {
	ID            string      `json:"id"`
	StatementText string      `json:"statementText"`
	WindowType    string      `json:"windowType,omitempty"`
	Fields        []FieldInfo `json:"fields"`
	Sources       []string    `json:"sources"`
	Sinks         []string    `json:"sinks"`
	// Topology and ExecutionPlan both hold the logical plan as text.
	Topology             string            `json:"topology"`
	ExecutionPlan        string            `json:"executionPlan"`
	OverriddenProperties map[string]string `json:"overriddenProperties"`
	QueryType            string            `json:"queryType"`
	State                string            `json:"state,omitempty"`
	Stats                *QueryStats       `json:"stats,omitempty"`
}

// QueryDescriptionEntity answers EXPLAIN.
type QueryDescriptionEntity struct {
	Type             string           `json:"@type"` // "queryDescription"
	StatementText    string           `json:"statementText"`
	QueryDescription QueryDescription `json:"queryDescription"`
	Warnings         []Warning        `json:"warnings"`
}

// FunctionName is one row of SHOW FUNCTIONS.
type FunctionName struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // SCALAR, AGGREGATE, TABLE
	Category string `json:"category"`
}

// FunctionNameList answers SHOW FUNCTIONS.
type FunctionNameList struct {
	Type          string         `json:"@type"` // "function_names"
	StatementText string         `json:"statementText"`
	Functions     []FunctionName `json:"functions"`
	Warnings      []Warning      `json:"warnings"`
}

// FunctionArgument is one parameter of a function signature.
type FunctionArgument struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description"`
	IsVariadic  bool   `json:"isVariadic"`
}

// FunctionSignature is one overload of a function.
type FunctionSignature struct {
	Arguments   []FunctionArgument `json:"arguments"`
	ReturnType  string             `json:"returnType"`
	Description string             `json:"description"`
}

// FunctionDescription answers DESCRIBE FUNCTION.
type FunctionDescription struct {
	Type          string              `json:"@type"` // "describe_function"
	StatementText string              `json:"statementText"`
	Name          string              `json:"name"`
	Description   string              `json:"description"`
	Author        string              `json:"author"`
	Version       string              `json:"version"`
	Path          string              `json:"path"`
	Functions     []FunctionSignature `json:"functions"`
	FunctionType  string              `json:"type"` // SCALAR, TABLE
	Warnings      []Warning           `json:"warnings"`
}

// TypeList answers SHOW TYPES.
type TypeList struct {
	Type          string                `json:"@type"` // "type_list"
	StatementText string                `json:"statementText"`
	Types         map[string]SchemaInfo `json:"types"`
	Warnings      []Warning             `json:"warnings"`
}

// WarningEntity answers a statement that did nothing worth a status, such
// as DROP IF EXISTS of a missing source.
type WarningEntity struct {
	Type          string    `json:"@type"` // "warning_entity"
	StatementText string    `json:"statementText"`
	Message       string    `json:"message"`
	Warnings      []Warning `json:"warnings"`
}

func (*CurrentStatus) EntityType() string           { return "currentStatus" }
func (*StreamsList) EntityType() string             { return "streams" }
func (*TablesList) EntityType() string              { return "tables" }
func (*QueriesList) EntityType() string             { return "queries" }
func (*PropertiesList) EntityType() string          { return "properties" }
func (*VariablesList) EntityType() string           { return "variables" }
func (*TopicsList) EntityType() string              { return "kafka_topics" }
func (*SourceDescriptionEntity) EntityType() string { return "sourceDescription" }
func (*SourceDescriptionList) EntityType() string   { return "source_descriptions" }
func (*QueryDescriptionEntity) EntityType() string  { return "queryDescription" }
func (*FunctionNameList) EntityType() string        { return "function_names" }
func (*FunctionDescription) EntityType() string     { return "describe_function" }
func (*TypeList) EntityType() string                { return "type_list" }
func (*WarningEntity) EntityType() string           { return "warning_entity" }
