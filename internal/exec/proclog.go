package exec

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/sluicedata/sluice/internal/clock"
	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
)

// ProcessingLogTopic holds the processing log; the engine registers the
// stream KSQL_PROCESSING_LOG over it, as ksqlDB names it.
const ProcessingLogTopic = "_sluice_processing_log"

// ProcessingLogColumns is the schema of the processing log's records, a
// subset of ksqlDB's with the same names, as CREATE STREAM elements.
const ProcessingLogColumns = "LOGGER STRING, LEVEL STRING, TIME BIGINT, MESSAGE STRUCT<" +
	"TYPE INT, " +
	"DESERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORDB64 STRING, TOPIC STRING>, " +
	"RECORDPROCESSINGERROR STRUCT<ERRORMESSAGE STRING, RECORD STRING>, " +
	"SERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORD STRING, TOPIC STRING>>"

// Message types, as ksqlDB numbers them.
const (
	typeDeserialization  = 0
	typeRecordProcessing = 1
	typeSerialization    = 3
)

// ProcessingLog writes the records that a query could not process, with
// the reason, to the processing-log topic. Writing is best effort: a
// failure to log is itself logged to the engine's logger and otherwise
// ignored, because the query must go on.
type ProcessingLog struct {
	log   log.Log
	clock clock.Clock
	warn  func(msg string, args ...any)
}

// NewProcessingLog returns a processing log over l.
func NewProcessingLog(l log.Log, clk clock.Clock, warn func(msg string, args ...any)) *ProcessingLog {
	return &ProcessingLog{log: l, clock: clk, warn: warn}
}

// Record logs one failed record. kind is "deserialization", "processing"
// or "serialization".
func (p *ProcessingLog) Record(queryID, kind, msg string, rec *log.Record) {
	b := []byte(`{"LOGGER":`)
	b = serde.AppendQuoted(b, "processing."+queryID)
	b = append(b, `,"LEVEL":"ERROR","TIME":`...)
	b = fmt.Appendf(b, "%d", p.clock.Now().UnixMilli())
	b = append(b, `,"MESSAGE":{"TYPE":`...)
	switch kind {
	case "deserialization":
		b = fmt.Appendf(b, `%d,"DESERIALIZATIONERROR":{"TARGET":"value","ERRORMESSAGE":`, typeDeserialization)
		b = serde.AppendQuoted(b, msg)
		b = append(b, `,"RECORDB64":`...)
		b = serde.AppendQuoted(b, base64.StdEncoding.EncodeToString(rec.Value))
		b = append(b, `}}}`...)
	case "serialization":
		b = fmt.Appendf(b, `%d,"SERIALIZATIONERROR":{"TARGET":"value","ERRORMESSAGE":`, typeSerialization)
		b = serde.AppendQuoted(b, msg)
		b = append(b, `}}}`...)
	default:
		b = fmt.Appendf(b, `%d,"RECORDPROCESSINGERROR":{"ERRORMESSAGE":`, typeRecordProcessing)
		b = serde.AppendQuoted(b, msg)
		b = append(b, `,"RECORD":`...)
		b = serde.AppendQuoted(b, fmt.Sprintf("partition=%d offset=%d key=%q value=%q", rec.Partition, rec.Offset, rec.Key, rec.Value))
		b = append(b, `}}}`...)
	}
	if _, err := p.log.Append(context.Background(), ProcessingLogTopic, 0, []log.Record{{Value: b, Timestamp: p.clock.Now().UnixMilli()}}); err != nil && p.warn != nil {
		p.warn("cannot write to the processing log", "query", queryID, "error", err, "reason", msg)
	}
}
