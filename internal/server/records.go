package server

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/serde"
)

// streamChunk is how much encoded output the record stream gathers
// before writing it out.
const streamChunk = 64 << 10

// commitTimeout bounds a group commit, which runs even when the client
// has just gone: the batch it covers was already written and flushed.
const commitTimeout = 10 * time.Second

// streamPart is one partition being streamed.
type streamPart struct {
	partition int32
	start     int64
	end       int64 // stop here unless following
	rd        log.Reader
}

// streamRequest is the parsed query of GET /topics/{topic}/records.
type streamRequest struct {
	partition int32 // -1: all
	offset    string
	from      string
	group     string
	reset     string
	limit     int64 // -1: none
	follow    bool
}

func parseStreamRequest(r *http.Request) (streamRequest, error) {
	q := r.URL.Query()
	sr := streamRequest{partition: -1, limit: -1, offset: q.Get("offset"), from: q.Get("from"), group: q.Get("group"), reset: q.Get("reset")}
	if v := q.Get("partition"); v != "" {
		p, err := strconv.ParseInt(v, 10, 32)
		if err != nil || p < 0 {
			return sr, badRequest("partition=%q: use a partition number from 0, or leave it out for all partitions", v)
		}
		sr.partition = int32(p)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return sr, badRequest("limit=%q: use a number of records (0 or more)", v)
		}
		sr.limit = n
	}
	if v := q.Get("follow"); v != "" {
		f, err := strconv.ParseBool(v)
		if err != nil {
			return sr, badRequest("follow=%q: use true or false", v)
		}
		sr.follow = f
	}
	switch sr.reset {
	case "":
		sr.reset = "earliest"
	case "earliest", "latest":
	default:
		return sr, badRequest("reset=%q: use earliest or latest", sr.reset)
	}
	if sr.offset != "" && sr.from != "" {
		return sr, badRequest("give offset or from, not both")
	}
	return sr, nil
}

// parseTime reads unix milliseconds or an RFC 3339 time.
func parseTime(v string) (int64, error) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return ms, nil
	}
	// An unescaped '+' of a zone offset arrives as a space.
	t, err := time.Parse(time.RFC3339Nano, strings.ReplaceAll(v, " ", "+"))
	if err != nil {
		return 0, badRequest("from=%q: use an RFC 3339 time (2024-05-01T12:00:00Z) or unix milliseconds", v)
	}
	return t.UnixMilli(), nil
}

// startOffset says where partition p begins streaming.
func (s *Server) startOffset(ctx context.Context, topic string, sr streamRequest, p log.PartitionInfo, committed map[int32]int64) (int64, error) {
	reset := p.StartOffset
	if sr.reset == "latest" {
		reset = p.EndOffset
	}
	switch {
	case sr.offset == "beginning":
		return p.StartOffset, nil
	case sr.offset == "end":
		return p.EndOffset, nil
	case sr.offset != "":
		o, err := strconv.ParseInt(sr.offset, 10, 64)
		if err != nil {
			return 0, badRequest("offset=%q: use a number, beginning or end", sr.offset)
		}
		if o < p.StartOffset || o > p.EndOffset {
			return 0, fmt.Errorf("%w: offset %d of %s/%d is not in [%d, %d]", log.ErrOffsetOutOfRange, o, topic, p.Partition, p.StartOffset, p.EndOffset)
		}
		return o, nil
	case sr.from != "":
		ts, err := parseTime(sr.from)
		if err != nil {
			return 0, err
		}
		return s.log.OffsetForTime(ctx, topic, p.Partition, ts)
	case committed != nil:
		// A position outside the partition (retention moved past it) is
		// treated as no position, as Kafka's auto.offset.reset does.
		if o, ok := committed[p.Partition]; ok && o >= p.StartOffset && o <= p.EndOffset {
			return o, nil
		}
		return reset, nil
	}
	return p.StartOffset, nil
}

func (s *Server) handleRecords(w http.ResponseWriter, r *http.Request, topic string) {
	sr, err := parseStreamRequest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	info, err := s.log.DescribeTopic(ctx, topic)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	selected := info.Partitions
	if sr.partition >= 0 {
		selected = nil
		for _, p := range info.Partitions {
			if p.Partition == sr.partition {
				selected = []log.PartitionInfo{p}
			}
		}
		if selected == nil {
			s.writeError(w, r, fmt.Errorf("%w: topic %q has %d partitions, not %d", log.ErrUnknownPartition, topic, len(info.Partitions), sr.partition))
			return
		}
	}
	var committed map[int32]int64
	if sr.group != "" && sr.offset == "" && sr.from == "" {
		if committed, err = s.log.CommittedOffsets(ctx, sr.group, topic); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	var parts []streamPart
	defer func() {
		for _, p := range parts {
			p.rd.Close()
		}
	}()
	for _, p := range selected {
		start, err := s.startOffset(ctx, topic, sr, p, committed)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !sr.follow && start >= p.EndOffset {
			continue // nothing to read before the end taken now
		}
		rd, err := s.log.OpenReader(ctx, topic, p.Partition, start)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		parts = append(parts, streamPart{partition: p.Partition, start: start, end: p.EndOffset, rd: rd})
	}

	h := w.Header()
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.Flush() // the client sees the answer even before the first record
	if len(parts) == 0 || sr.limit == 0 {
		return
	}
	s.stream(ctx, w, rc, topic, sr, parts)
}

type streamBatch struct {
	part int
	recs []log.Record
	err  error
}

// stream writes the partitions' records as they arrive, one reader
// goroutine per partition, each waiting until its batch is written
// before reading on (a batch is valid only until the next read).
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, rc *http.ResponseController, topic string, sr streamRequest, parts []streamPart) {
	ctx, cancel := context.WithCancel(ctx)
	stopOnShutdown := context.AfterFunc(s.stopping, cancel)
	batches := make(chan streamBatch)
	acks := make([]chan bool, len(parts))
	var wg sync.WaitGroup
	defer func() {
		stopOnShutdown()
		cancel()
		wg.Wait()
	}()
	for i := range parts {
		acks[i] = make(chan bool, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				recs, err := parts[i].rd.Next(ctx)
				select {
				case batches <- streamBatch{i, recs, err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
				select {
				case more := <-acks[i]:
					if !more {
						return
					}
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	buf := make([]byte, 0, streamChunk+4096)
	remaining := len(parts)
	var written int64
	for remaining > 0 {
		var b streamBatch
		select {
		case b = <-batches:
		case <-ctx.Done():
			return
		}
		if b.err != nil {
			if ctx.Err() != nil {
				return // the client went away or the server is stopping
			}
			s.logger.Warn("server: record stream ended by a read error", "topic", topic, "partition", parts[b.part].partition, "err", b.err)
			panic(http.ErrAbortHandler) // cut the response so the client sees it is incomplete
		}
		p := &parts[b.part]
		recs := b.recs
		done := false
		if !sr.follow {
			for i := range recs {
				if recs[i].Offset >= p.end {
					recs, done = recs[:i], true
					break
				}
			}
			if len(recs) > 0 && recs[len(recs)-1].Offset+1 >= p.end {
				done = true
			}
		}
		limitReached := false
		if sr.limit >= 0 && written+int64(len(recs)) >= sr.limit {
			recs, limitReached = recs[:sr.limit-written], true
		}
		for i := range recs {
			buf = appendRecordJSON(buf, &recs[i])
			if len(buf) >= streamChunk {
				if _, err := w.Write(buf); err != nil {
					return
				}
				buf = buf[:0]
			}
		}
		if len(recs) > 0 {
			if _, err := w.Write(buf); err != nil {
				return
			}
			buf = buf[:0]
			if err := rc.Flush(); err != nil {
				return
			}
			written += int64(len(recs))
			if sr.group != "" {
				if err := s.commit(ctx, sr.group, topic, p.partition, recs[len(recs)-1].Offset+1); err != nil {
					s.logger.Warn("server: record stream ended: cannot commit the group's position", "group", sr.group, "topic", topic, "err", err)
					panic(http.ErrAbortHandler)
				}
			}
		}
		if limitReached {
			return
		}
		if done {
			remaining--
			acks[b.part] <- false
			continue
		}
		acks[b.part] <- true
	}
}

func (s *Server) commit(ctx context.Context, group, topic string, partition int32, next int64) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	return s.log.CommitOffsets(ctx, group, map[log.TopicPartition]int64{{Topic: topic, Partition: partition}: next})
}

// appendRecordJSON appends one line of the record stream.
func appendRecordJSON(b []byte, r *log.Record) []byte {
	b = append(b, `{"partition":`...)
	b = strconv.AppendInt(b, int64(r.Partition), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, r.Offset, 10)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, r.Timestamp, 10)
	b = append(b, `,"key":`...)
	b = appendBase64OrNull(b, r.Key)
	b = append(b, `,"value":`...)
	b = appendBase64OrNull(b, r.Value)
	b = append(b, `,"headers":[`...)
	for i, h := range r.Headers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = serde.AppendQuoted(b, h.Key)
		b = append(b, `,"value":`...)
		b = appendBase64OrNull(b, h.Value)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

func appendBase64OrNull(b, v []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}
