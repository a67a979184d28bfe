package qttrun

import (
	"strings"

	"github.com/sluicedata/sluice/internal/qtt"
)

// Status is the outcome of one case.
type Status int

const (
	Passed Status = iota
	Failed
	// Skipped cases use a format Sluice does not serve yet (the schema
	// registry formats, PROTOBUF_NOSR) or come from a REST test file.
	Skipped
)

func (s Status) String() string {
	switch s {
	case Passed:
		return "PASS"
	case Failed:
		return "FAIL"
	}
	return "SKIP"
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Name   string
	Status Status
	// Reason is the first difference of a failed case, or why a case was
	// skipped.
	Reason string
	// Stateless is set for cases that need no state store (see
	// isStateless): the first compatibility target.
	Stateless bool
}

// skipReason says why a case cannot run yet, or "".
func skipReason(c qtt.Case) string {
	if c.Kind != qtt.KindQTT {
		return "REST test: runs against the HTTP API"
	}
	var missing []string
	for _, f := range c.Formats() {
		switch f {
		case "AVRO", "PROTOBUF", "JSON_SR", "PROTOBUF_NOSR":
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return "format not supported yet: " + strings.Join(missing, ", ")
	}
	return ""
}

// hasWindowedRecords reports whether a case writes or expects windowed
// keys, whose binary layout the runner does not produce or read yet.
func hasWindowedRecords(t *qtt.Test) bool {
	for _, recs := range [][]qtt.Record{t.Inputs, t.Outputs} {
		for _, r := range recs {
			if r.Window != nil {
				return true
			}
		}
	}
	return false
}
