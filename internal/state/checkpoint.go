package state

import (
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
)

// Checkpoint is what a task records with its state: where to resume
// reading and how far its output had got. It is committed atomically with
// the state changes made up to it.
type Checkpoint struct {
	// Inputs maps "topic/partition" (see PartitionKey) to the next offset
	// to read.
	Inputs map[string]int64 `json:"inputs,omitempty"`
	// Outputs maps "topic/partition" to the partition's end offset after
	// the task's writes, so that a restart can tell its own output apart.
	Outputs map[string]int64 `json:"outputs,omitempty"`
	// StreamTime is the task's stream time in milliseconds: retention of
	// windows is measured from it.
	StreamTime int64 `json:"streamTime"`
}

// PartitionKey names a topic partition in Checkpoint maps.
func PartitionKey(topic string, partition int32) string {
	return topic + "/" + strconv.FormatInt(int64(partition), 10)
}

func (c Checkpoint) clone() Checkpoint {
	c.Inputs = maps.Clone(c.Inputs)
	c.Outputs = maps.Clone(c.Outputs)
	return c
}

func encodeCheckpoint(c Checkpoint) ([]byte, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("state: encoding checkpoint: %w", err)
	}
	return b, nil
}

func decodeCheckpoint(b []byte) (Checkpoint, error) {
	var c Checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return Checkpoint{}, fmt.Errorf("state: decoding checkpoint: %w", err)
	}
	return c, nil
}
