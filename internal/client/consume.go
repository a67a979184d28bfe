package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// ConsumeParams choose what Consume reads. The start is Offset, else
// From, else the Group's committed positions, else the beginning.
type ConsumeParams struct {
	// Partition reads one partition; nil reads all of them.
	Partition *int32
	// Offset is a number, "beginning" or "end" ("" for none).
	Offset string
	// From starts at the first record at or after a time: RFC 3339 or
	// unix milliseconds ("" for none).
	From string
	// Group starts at the group's committed positions (partitions without
	// one start at Reset: "earliest", the default, or "latest"); the
	// server commits the position as records are delivered.
	Group string
	Reset string
	// Limit stops after this many records; 0 means no limit.
	Limit int64
	// Follow keeps reading new records until ctx ends; otherwise the
	// stream stops at the end offsets taken when it began.
	Follow bool
}

// Record is one record read from a topic. A nil Key or Value is null.
type Record struct {
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	Timestamp int64    `json:"timestamp"` // unix ms
	Key       []byte   `json:"key"`       // base64 on the wire
	Value     []byte   `json:"value"`
	Headers   []Header `json:"headers"`
}

// Header is one record header; a nil Value is null.
type Header struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// maxLine bounds one streamed record line (a record of up to ~96 MiB,
// base64-encoded).
const maxLine = 128 << 20

// Consume streams a topic's records to fn, in offset order per partition,
// until the stream ends, Limit is reached, fn returns an error (returned
// as is) or ctx ends (ctx.Err() is returned).
func (c *Client) Consume(ctx context.Context, topic string, p ConsumeParams, fn func(Record) error) error {
	q := url.Values{}
	if p.Partition != nil {
		q.Set("partition", strconv.Itoa(int(*p.Partition)))
	}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("offset", p.Offset)
	set("from", p.From)
	set("group", p.Group)
	set("reset", p.Reset)
	if p.Limit > 0 {
		q.Set("limit", strconv.FormatInt(p.Limit, 10))
	}
	if p.Follow {
		q.Set("follow", "true")
	}
	path := "/topics/" + url.PathEscape(topic) + "/records"
	resp, err := c.send(ctx, http.MethodGet, path, q, "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var n int64
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			return fmt.Errorf("client: %s: record %d is not a record line %.200q: %w", path, n, line, err)
		}
		if err := fn(r); err != nil {
			return err
		}
		n++
		if p.Limit > 0 && n >= p.Limit {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("client: %s: a record line is longer than %d bytes", path, maxLine)
		}
		return c.transportError(ctx, http.MethodGet, path, err)
	}
	return ctx.Err()
}
