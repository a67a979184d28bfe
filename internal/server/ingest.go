package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
)

// Body formats of POST /topics/{topic}.
type bodyFormat int

const (
	formatNDJSON bodyFormat = iota
	formatJSONv2
	formatBinaryv2
)

func formatOf(contentType string) (bodyFormat, bool) {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	switch {
	case strings.EqualFold(mt, "application/x-ndjson"), strings.EqualFold(mt, "application/ndjson"):
		return formatNDJSON, true
	case strings.EqualFold(mt, "application/vnd.kafka.json.v2+json"), strings.EqualFold(mt, "application/json"):
		return formatJSONv2, true
	case strings.EqualFold(mt, "application/vnd.kafka.binary.v2+json"):
		return formatBinaryv2, true
	}
	return 0, false
}

// bodyReadTimeout bounds how long a client may take to send its body
// while it holds a share of the in-flight budget.
const bodyReadTimeout = time.Minute

// Pooled buffers larger than this are dropped rather than kept.
const (
	maxPooledBytes   = 16 << 20
	maxPooledRecords = 1 << 16
)

// batch is one ingest request's working memory. It is pooled: records
// point into body (and arena), and the log copies what it keeps, so a
// request allocates nothing per record once the pool is warm.
type batch struct {
	body     []byte
	arena    []byte // decoded keys and values; never grows past its capacity
	scratch  []byte
	recs     []log.Record
	explicit []int32 // v2: partition asked for per record, -1 for none
	assigned []int32 // partition of each record
	slot     []int32 // index of each record within its partition's append
	counts   []int32 // per partition
	bases    []int64 // per partition: offset of its first record
	sorted   []log.Record
	bytes    int // of keys and values
	out      []byte
}

var batchPool = sync.Pool{New: func() any { return new(batch) }}

func getBatch() *batch { return batchPool.Get().(*batch) }

func putBatch(b *batch) {
	clear(b.recs)
	clear(b.sorted)
	b.recs, b.sorted = b.recs[:0], b.sorted[:0]
	b.explicit = b.explicit[:0]
	b.arena = b.arena[:0]
	b.bytes = 0
	if cap(b.body) > maxPooledBytes || cap(b.arena) > maxPooledBytes || cap(b.recs) > maxPooledRecords {
		return
	}
	batchPool.Put(b)
}

// reserveArena gives the arena room for every decoded key and value of
// the body (none is longer than its JSON text), so that appending never
// moves what earlier records point to.
func (b *batch) reserveArena() {
	if cap(b.arena) < len(b.body) {
		b.arena = make([]byte, 0, len(b.body))
	}
}

func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request, topic string) {
	format, ok := formatOf(r.Header.Get("Content-Type"))
	if !ok {
		writeAPIError(w, &apiError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedType,
			msg: fmt.Sprintf("unsupported Content-Type %q: use application/x-ndjson, application/vnd.kafka.json.v2+json or application/vnd.kafka.binary.v2+json", r.Header.Get("Content-Type"))})
		return
	}
	var keyField string
	if format == formatNDJSON && r.URL.RawQuery != "" {
		keyField = r.URL.Query().Get("key")
	}
	cl := r.ContentLength
	if cl > s.cfg.MaxRequestBytes {
		s.m.rejected[rejectTooLarge].Inc()
		s.writeError(w, r, &http.MaxBytesError{Limit: s.cfg.MaxRequestBytes})
		return
	}
	need := cl
	if need < 0 {
		need = s.cfg.MaxRequestBytes
	}
	held, ok := s.budget.tryAcquire(need)
	if !ok {
		s.m.rejected[rejectOverloaded].Inc()
		writeAPIError(w, &apiError{status: http.StatusTooManyRequests, code: codeOverloaded, retryAfter: 1,
			msg: "the server is busy with other requests: retry after a second (or raise --max-inflight-bytes)"})
		return
	}
	defer s.budget.release(held)
	if s.afterAcquire != nil {
		s.afterAcquire(held)
	}

	ctx := r.Context()
	if _, err := s.partitions(ctx, topic); err != nil {
		s.rejectIngest(w, r, err)
		return
	}
	b := getBatch()
	defer putBatch(b)
	if err := s.readBody(w, r, b, cl); err != nil {
		s.rejectIngest(w, r, err)
		return
	}
	ts := s.clock.Now().UnixMilli()
	var err error
	switch format {
	case formatNDJSON:
		err = b.parseNDJSON(keyField, ts)
	default:
		err = b.parseV2(format == formatBinaryv2, ts)
	}
	if err != nil {
		s.rejectIngest(w, r, err)
		return
	}
	var n int32
	err = s.withPartitions(ctx, topic, func(parts int32) (bool, error) {
		n = parts
		return s.appendBatch(ctx, topic, parts, b)
	})
	if err != nil {
		s.rejectIngest(w, r, err)
		return
	}
	s.m.ingestRecords.With(topic).Add(uint64(len(b.recs)))
	s.m.ingestBytes.With(topic).Add(uint64(b.bytes))

	out := b.out[:0]
	if format == formatNDJSON {
		out = append(out, `{"count":`...)
		out = strconv.AppendInt(out, int64(len(b.recs)), 10)
		out = append(out, `,"offsets":[`...)
		first := true
		for p := int32(0); p < n; p++ {
			if b.counts[p] == 0 {
				continue
			}
			if !first {
				out = append(out, ',')
			}
			first = false
			out = append(out, `{"partition":`...)
			out = strconv.AppendInt(out, int64(p), 10)
			out = append(out, `,"offset":`...)
			out = strconv.AppendInt(out, b.bases[p], 10)
			out = append(out, `,"count":`...)
			out = strconv.AppendInt(out, int64(b.counts[p]), 10)
			out = append(out, '}')
		}
		out = append(out, "]}\n"...)
	} else {
		out = append(out, `{"key_schema_id":null,"value_schema_id":null,"offsets":[`...)
		for i := range b.recs {
			if i > 0 {
				out = append(out, ',')
			}
			p := b.assigned[i]
			out = append(out, `{"partition":`...)
			out = strconv.AppendInt(out, int64(p), 10)
			out = append(out, `,"offset":`...)
			out = strconv.AppendInt(out, b.bases[p]+int64(b.slot[i]), 10)
			out = append(out, `,"error_code":null,"error":null}`...)
		}
		out = append(out, "]}\n"...)
	}
	b.out = out
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	w.Write(out)
}

// rejectIngest answers an ingest error and counts the rejection.
func (s *Server) rejectIngest(w http.ResponseWriter, r *http.Request, err error) {
	ae := errorFor(err)
	switch {
	case ae.status == http.StatusRequestEntityTooLarge:
		s.m.rejected[rejectTooLarge].Inc()
	case ae.code == codeTopicNotFound:
		s.m.rejected[rejectUnknownTopic].Inc()
	case ae.code == codeMalformed || ae.code == codeBadRequest || ae.code == codePartitionNotFound:
		s.m.rejected[rejectMalformed].Inc()
	}
	s.writeError(w, r, err)
}

// withPartitions runs write with the topic's partition count. When the
// count came from the cache and the log disagrees (the topic was deleted
// or recreated meanwhile), and nothing was written yet, it asks the log
// again and retries once.
func (s *Server) withPartitions(ctx context.Context, topic string, write func(n int32) (written bool, err error)) error {
	for attempt := 0; ; attempt++ {
		n, err := s.partitions(ctx, topic)
		if err != nil {
			return err
		}
		written, err := write(n)
		if err == nil || written || attempt > 0 ||
			!errors.Is(err, log.ErrUnknownTopic) && !errors.Is(err, log.ErrUnknownPartition) {
			return err
		}
		s.parts.forget(topic)
	}
}

// readBody reads the request body into b.body, reusing its buffer.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, b *batch, cl int64) error {
	// A network deadline, hence wall time rather than the injected clock.
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(bodyReadTimeout)) == nil {
		defer rc.SetReadDeadline(time.Time{})
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxRequestBytes)
	if cl >= 0 {
		if int64(cap(b.body)) < cl {
			b.body = make([]byte, cl)
		}
		b.body = b.body[:cl]
		if _, err := io.ReadFull(body, b.body); err != nil {
			return bodyError(err)
		}
		return nil
	}
	buf := b.body[:0]
	if cap(buf) < 64<<10 {
		buf = make([]byte, 0, 64<<10)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			b.body = buf[:0]
			return bodyError(err)
		}
	}
	b.body = buf
	return nil
}

func bodyError(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return badRequest("the request body ended before its Content-Length: send the whole body")
	}
	return badRequest("cannot read the request body: %v", err)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// parseNDJSON validates every line and makes a record of each non-empty
// one; keyField names the member whose value becomes the key.
func (b *batch) parseNDJSON(keyField string, ts int64) error {
	body := b.body
	recs := b.recs[:0]
	size := 0
	line := 0
	for pos := 0; pos < len(body); {
		line++
		var l []byte
		if end := bytes.IndexByte(body[pos:], '\n'); end >= 0 {
			l = body[pos : pos+end]
			pos += end + 1
		} else {
			l = body[pos:]
			pos = len(body)
		}
		lead := 0
		for lead < len(l) && isSpace(l[lead]) {
			lead++
		}
		l = l[lead:]
		for len(l) > 0 && isSpace(l[len(l)-1]) {
			l = l[:len(l)-1]
		}
		if len(l) == 0 {
			continue
		}
		if err := serde.ValidJSON(l); err != nil {
			b.recs = recs
			var se *serde.SyntaxError
			if errors.As(err, &se) {
				return malformed("line %d: column %d: %s", line, lead+se.Offset+1, se.Msg)
			}
			return malformed("line %d: %v", line, err)
		}
		var key []byte
		if keyField != "" {
			key = b.keyOf(l, keyField)
		}
		recs = append(recs, log.Record{Key: key, Value: l, Timestamp: ts})
		size += len(key) + len(l)
	}
	b.recs = recs
	b.explicit = b.explicit[:0]
	b.bytes = size
	return nil
}

// keyOf returns the record key taken from the member field of the JSON
// value l: a string's characters, any other value's JSON text, and no key
// for null, a missing member or a value that is not an object.
func (b *batch) keyOf(l []byte, field string) []byte {
	raw, ok := serde.TopLevelField(l, field)
	if !ok || string(raw) == "null" {
		return nil
	}
	if raw[0] != '"' {
		return raw
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	b.reserveArena()
	start := len(b.arena)
	b.arena, _ = serde.AppendUnquoted(b.arena, raw) // raw was validated
	return b.arena[start:len(b.arena):len(b.arena)]
}

// parseV2 reads a REST Proxy v2 body {"records":[{"key":..,"value":..,
// "partition":..}, ...]}: in the JSON format keys and values are kept as
// their JSON text, in the binary format they are base64 strings.
func (b *batch) parseV2(binary bool, ts int64) error {
	body := b.body
	b.recs = b.recs[:0]
	b.explicit = b.explicit[:0]
	b.bytes = 0
	shape := func() error {
		if err := serde.ValidJSON(body); err != nil {
			return malformed("%v", err)
		}
		return badRequest(`the body must be an object {"records":[{"key":...,"value":...}, ...]}`)
	}
	i := serde.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return shape()
	}
	found := false
	i = serde.SkipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		i++
	} else {
		for {
			if i >= len(body) || body[i] != '"' {
				return shape()
			}
			end, err := serde.ScanValue(body, i)
			if err != nil {
				return malformed("%v", err)
			}
			name := body[i:end]
			i = serde.SkipSpace(body, end)
			if i >= len(body) || body[i] != ':' {
				return shape()
			}
			i = serde.SkipSpace(body, i+1)
			if string(name) == `"records"` && !found {
				found = true
				i, err = b.parseRecords(body, i, binary, ts)
			} else {
				i, err = serde.ScanValue(body, i)
				if err != nil {
					err = malformed("%v", err)
				}
			}
			if err != nil {
				return err
			}
			i = serde.SkipSpace(body, i)
			if i < len(body) && body[i] == ',' {
				i = serde.SkipSpace(body, i+1)
				continue
			}
			if i < len(body) && body[i] == '}' {
				i++
				break
			}
			return shape()
		}
	}
	if serde.SkipSpace(body, i) != len(body) {
		return shape()
	}
	if !found {
		return badRequest(`the body has no "records" member: send {"records":[{"value":...}]}`)
	}
	return nil
}

func (b *batch) parseRecords(body []byte, i int, binary bool, ts int64) (int, error) {
	if i >= len(body) || body[i] != '[' {
		end, err := serde.ScanValue(body, i)
		if err != nil {
			return end, malformed("%v", err)
		}
		return end, badRequest(`"records" must be an array of objects`)
	}
	i = serde.SkipSpace(body, i+1)
	if i < len(body) && body[i] == ']' {
		return i + 1, nil
	}
	for idx := 0; ; idx++ {
		end, err := serde.ScanValue(body, i)
		if err != nil {
			return end, malformed("records[%d]: %v", idx, err)
		}
		if err := b.addV2Record(idx, body[i:end], binary, ts); err != nil {
			return end, err
		}
		i = serde.SkipSpace(body, end)
		if i < len(body) && body[i] == ',' {
			i = serde.SkipSpace(body, i+1)
			continue
		}
		if i < len(body) && body[i] == ']' {
			return i + 1, nil
		}
		if err := serde.ValidJSON(body); err != nil {
			return i, malformed("after records[%d]: %v", idx, err)
		}
		return i, malformed("after records[%d]: offset %d: expecting ',' or ']'", idx, i)
	}
}

func (b *batch) addV2Record(idx int, obj []byte, binary bool, ts int64) error {
	if obj[0] != '{' {
		return badRequest(`records[%d] must be an object {"key":...,"value":...,"partition":...}`, idx)
	}
	p := int32(-1)
	if raw, ok := serde.TopLevelField(obj, "partition"); ok && string(raw) != "null" {
		v, ok := parsePartition(raw)
		if !ok {
			return badRequest("records[%d]: partition must be an integer from 0, got %s", idx, raw)
		}
		p = v
	}
	key, err := b.v2Field(obj, "key", binary)
	if err != nil {
		return badRequest("records[%d]: %v", idx, err)
	}
	value, err := b.v2Field(obj, "value", binary)
	if err != nil {
		return badRequest("records[%d]: %v", idx, err)
	}
	b.recs = append(b.recs, log.Record{Key: key, Value: value, Timestamp: ts})
	b.explicit = append(b.explicit, p)
	b.bytes += len(key) + len(value)
	return nil
}

// v2Field returns a record's key or value: nil when absent or null, the
// JSON text in the JSON format, the decoded bytes in the binary format.
func (b *batch) v2Field(obj []byte, name string, binary bool) ([]byte, error) {
	raw, ok := serde.TopLevelField(obj, name)
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	if !binary {
		return raw, nil
	}
	if raw[0] != '"' {
		return nil, fmt.Errorf("%s must be a base64 string or null in the binary format, got %.40s", name, raw)
	}
	enc := raw[1 : len(raw)-1]
	if bytes.IndexByte(enc, '\\') >= 0 { // e.g. "\/" from encoders that escape slashes
		b.scratch, _ = serde.AppendUnquoted(b.scratch[:0], raw)
		enc = b.scratch
	}
	b.reserveArena()
	start, size := len(b.arena), base64.StdEncoding.DecodedLen(len(enc))
	var dst []byte
	if start+size <= cap(b.arena) {
		dst = b.arena[start : start+size]
	} else {
		dst = make([]byte, size)
	}
	n, err := base64.StdEncoding.Decode(dst, enc)
	if err != nil {
		return nil, fmt.Errorf("%s is not valid base64 (standard alphabet, padded): %v", name, err)
	}
	if start+size <= cap(b.arena) {
		b.arena = b.arena[:start+n]
	}
	return dst[:n:n], nil
}

func parsePartition(raw []byte) (int32, bool) {
	if len(raw) == 0 || len(raw) > 10 {
		return 0, false
	}
	var v int64
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if v > 1<<31-1 {
		return 0, false
	}
	return int32(v), true
}

// appendBatch spreads the records over the n partitions (explicit
// partition, else the key's hash, else one partition chosen round-robin
// for the whole request) and appends each partition's records as one
// unit. written says whether any append succeeded: the log has no
// transaction across partitions, so when a later partition's append fails
// the earlier ones stay written and a client that retries the request
// writes them twice (at-least-once, as a Kafka producer's retry does).
func (s *Server) appendBatch(ctx context.Context, topic string, n int32, b *batch) (written bool, err error) {
	recs := b.recs
	if len(recs) == 0 {
		b.counts = resize(b.counts, int(n))
		clear(b.counts)
		return false, nil
	}
	rr := int32(s.rr.Add(1) % uint32(n))
	b.assigned = resize(b.assigned, len(recs))
	b.slot = resize(b.slot, len(recs))
	b.counts = resize(b.counts, int(n))
	clear(b.counts)
	if cap(b.bases) < int(n) {
		b.bases = make([]int64, n)
	}
	b.bases = b.bases[:n]
	for i := range recs {
		p := rr
		switch {
		case len(b.explicit) > 0 && b.explicit[i] >= 0:
			p = b.explicit[i]
			if p >= n {
				return false, fmt.Errorf("%w: records[%d] asks for partition %d of topic %q, which has %d", log.ErrUnknownPartition, i, p, topic, n)
			}
		case recs[i].Key != nil:
			p = log.PartitionForKey(recs[i].Key, n)
		}
		b.assigned[i] = p
		b.slot[i] = b.counts[p]
		b.counts[p]++
	}
	if b.counts[b.assigned[0]] == int32(len(recs)) {
		p := b.assigned[0]
		off, err := s.log.Append(ctx, topic, p, recs)
		if err != nil {
			return false, err
		}
		b.bases[p] = off
		return true, nil
	}
	// Group by partition, keeping each partition's records in order.
	if cap(b.sorted) < len(recs) {
		b.sorted = make([]log.Record, len(recs))
	}
	sorted := b.sorted[:len(recs)]
	b.sorted = sorted
	starts := b.bases // borrowed as start indexes until the appends
	var next int64
	for p := range n {
		starts[p] = next
		next += int64(b.counts[p])
	}
	for i := range recs {
		p := b.assigned[i]
		sorted[starts[p]+int64(b.slot[i])] = recs[i]
	}
	for p := range n {
		c := int64(b.counts[p])
		if c == 0 {
			continue
		}
		start := starts[p]
		off, err := s.log.Append(ctx, topic, p, sorted[start:start+c])
		if err != nil {
			return written, err
		}
		b.bases[p] = off
		written = true
	}
	return true, nil
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
