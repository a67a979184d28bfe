package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/log"
	"github.com/sluicedata/sluice/internal/metrics"
)

// healthTimeout bounds the health check's question to the log.
const healthTimeout = 5 * time.Second

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	// ksqlDB's shape, which its clients read: the catalog ("metastore"),
	// the log ("kafka") and the statement runner ("commandRunner"). The
	// catalog and the runner live in this process, so only the log can
	// fail; its error is added for operators.
	type check struct {
		IsHealthy bool   `json:"isHealthy"`
		Error     string `json:"error,omitempty"`
	}
	type details struct {
		Metastore     check `json:"metastore"`
		Kafka         check `json:"kafka"`
		CommandRunner check `json:"commandRunner"`
	}
	type health struct {
		IsHealthy   bool    `json:"isHealthy"`
		Details     details `json:"details"`
		ServerState string  `json:"serverState"`
	}
	state := "READY"
	if s.stopping.Err() != nil {
		state = "TERMINATING"
	}
	ok := check{IsHealthy: true}
	if _, err := s.log.ListTopics(ctx); err != nil {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, health{false, details{ok, check{false, err.Error()}, ok}, state})
		return
	}
	writeJSON(w, http.StatusOK, health{true, details{ok, ok, ok}, state})
}

func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := s.m.registry.WriteText(&buf); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", metrics.ContentType)
	w.Write(buf.Bytes())
}

func (s *Server) handleListTopics(w http.ResponseWriter, r *http.Request) {
	topics, err := s.log.ListTopics(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Sluice's own topics (the command log, the processing log) are
	// listed only on request, as ksqlDB hides its internal topics.
	internal := r.URL.Query().Get("internal") == "true"
	names := make([]string, 0, len(topics))
	for _, t := range topics {
		if internal || !strings.HasPrefix(t.Name, "_sluice") {
			names = append(names, t.Name)
		}
	}
	sort.Strings(names)
	writeJSON(w, http.StatusOK, names)
}

type replicaJSON struct {
	Broker int32 `json:"broker"`
	Leader bool  `json:"leader"`
	InSync bool  `json:"in_sync"`
}

type partitionJSON struct {
	Partition   int32         `json:"partition"`
	Leader      int32         `json:"leader"`
	Replicas    []replicaJSON `json:"replicas"`
	StartOffset int64         `json:"start_offset"`
	EndOffset   int64         `json:"end_offset"`
	SizeBytes   int64         `json:"size_bytes"`
}

type topicJSON struct {
	Name       string            `json:"name"`
	Configs    map[string]string `json:"configs"`
	Partitions []partitionJSON   `json:"partitions"`
}

// describeJSON is a topic as GET /topics/{topic} shows it. The log does not
// expose brokers, so the replica list is the single local replica that an
// embedded log has.
func describeJSON(info log.TopicInfo) topicJSON {
	t := topicJSON{Name: info.Name, Configs: info.Configs, Partitions: []partitionJSON{}}
	if t.Configs == nil {
		t.Configs = map[string]string{}
	}
	for _, p := range info.Partitions {
		t.Partitions = append(t.Partitions, partitionJSON{
			Partition:   p.Partition,
			Replicas:    []replicaJSON{{Broker: 0, Leader: true, InSync: true}},
			StartOffset: p.StartOffset,
			EndOffset:   p.EndOffset,
			SizeBytes:   p.SizeBytes,
		})
	}
	return t
}

func (s *Server) handleDescribeTopic(w http.ResponseWriter, r *http.Request, topic string) {
	info, err := s.log.DescribeTopic(r.Context(), topic)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, describeJSON(info))
}

// maxAdminBody bounds the body of administrative requests.
const maxAdminBody = 1 << 20

func (s *Server) handleCreateTopic(w http.ResponseWriter, r *http.Request, topic string) {
	var req struct {
		Partitions        *int32            `json:"partitions"`
		ReplicationFactor int16             `json:"replication_factor"`
		Configs           map[string]string `json:"configs"`
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		s.writeError(w, r, bodyError(err))
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			s.writeError(w, r, badRequest(`cannot read the topic settings: %v (send {"partitions":N,"replication_factor":R,"configs":{"retention.ms":"..."}})`, err))
			return
		}
	}
	cfg := log.TopicConfig{Partitions: 1, ReplicationFactor: req.ReplicationFactor, Configs: req.Configs}
	if req.Partitions != nil {
		cfg.Partitions = *req.Partitions
	}
	ctx := r.Context()
	if err := s.log.CreateTopic(ctx, topic, cfg); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.parts.forget(topic)
	info, err := s.log.DescribeTopic(ctx, topic)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, describeJSON(info))
}

func (s *Server) handleDeleteTopic(w http.ResponseWriter, r *http.Request, topic string) {
	err := s.log.DeleteTopic(r.Context(), topic)
	s.parts.forget(topic)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleGroupOffsets(w http.ResponseWriter, r *http.Request, group string) {
	topic := r.URL.Query().Get("topic")
	if topic == "" {
		s.writeError(w, r, badRequest("name the topic: GET /groups/%s/offsets?topic=NAME", group))
		return
	}
	ctx := r.Context()
	if _, err := s.log.DescribeTopic(ctx, topic); err != nil {
		s.writeError(w, r, err)
		return
	}
	committed, err := s.log.CommittedOffsets(ctx, group, topic)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	offsets := make(map[string]int64, len(committed))
	for p, off := range committed {
		offsets[strconv.Itoa(int(p))] = off
	}
	writeJSON(w, http.StatusOK, struct {
		Topic   string           `json:"topic"`
		Offsets map[string]int64 `json:"offsets"`
	}{topic, offsets})
}
