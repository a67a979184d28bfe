package client

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
)

// Content types of the produce endpoint.
const (
	ContentNDJSON = "application/x-ndjson"
	ContentBinary = "application/vnd.kafka.binary.v2+json"
)

// NDJSONResult is the answer to an NDJSON produce: how many records were
// written and, per partition written, the offset of the first and the
// count.
type NDJSONResult struct {
	Count   int64            `json:"count"`
	Offsets []PartitionRange `json:"offsets"`
}

// PartitionRange is a run of records written to one partition.
type PartitionRange struct {
	Partition int32 `json:"partition"`
	Offset    int64 `json:"offset"`
	Count     int64 `json:"count"`
}

// ProduceNDJSON writes body, one JSON value per line, to topic. When
// keyField is not empty, each object's top-level field of that name
// becomes its record's key. The server writes all lines or none.
func (c *Client) ProduceNDJSON(ctx context.Context, topic string, body []byte, keyField string) (NDJSONResult, error) {
	var q url.Values
	if keyField != "" {
		q = url.Values{"key": {keyField}}
	}
	var res NDJSONResult
	err := c.retry(ctx, func() error {
		res = NDJSONResult{}
		return c.call(ctx, http.MethodPost, "/topics/"+url.PathEscape(topic), q, ContentNDJSON, body, &res)
	})
	return res, err
}

// BinaryRecord is one record to write with ProduceBinary. A nil Key or
// Value is sent as null; a nil Partition lets the server choose (by key,
// or one partition per request for unkeyed records).
type BinaryRecord struct {
	Key, Value []byte
	Partition  *int32
}

// ProduceResult is the answer to a v2 produce: one offset per record, in
// order.
type ProduceResult struct {
	Offsets []RecordOffset `json:"offsets"`
}

// RecordOffset is where one record was written.
type RecordOffset struct {
	Partition int32   `json:"partition"`
	Offset    int64   `json:"offset"`
	ErrorCode *int    `json:"error_code"`
	Error     *string `json:"error"`
}

// ProduceBinary writes recs to topic with the REST Proxy v2 binary
// format: keys and values are arbitrary bytes. The server writes all
// records or none.
func (c *Client) ProduceBinary(ctx context.Context, topic string, recs []BinaryRecord) (ProduceResult, error) {
	body := appendBinaryBody(nil, recs)
	var res ProduceResult
	err := c.retry(ctx, func() error {
		res = ProduceResult{}
		return c.call(ctx, http.MethodPost, "/topics/"+url.PathEscape(topic), nil, ContentBinary, body, &res)
	})
	return res, err
}

// appendBinaryBody appends the v2 binary request body for recs:
// {"records":[{"key":"<base64>"|null,"value":"<base64>"|null,"partition":N}]}.
func appendBinaryBody(b []byte, recs []BinaryRecord) []byte {
	b = append(b, `{"records":[`...)
	for i, r := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"key":`...)
		b = appendBase64(b, r.Key)
		b = append(b, `,"value":`...)
		b = appendBase64(b, r.Value)
		if r.Partition != nil {
			b = append(b, `,"partition":`...)
			b = strconv.AppendInt(b, int64(*r.Partition), 10)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

func appendBase64(b, v []byte) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, '"')
}
