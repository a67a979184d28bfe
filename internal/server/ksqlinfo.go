package server

import (
	"net/http"
	"strings"

	"github.com/sluicedata/sluice/internal/engine"
)

// Identity of this server in ksqlDB's terms: ksqlDB's default service ID
// (the prefix of its internal topics) and a cluster ID naming the log.
const (
	ksqlServiceID = "default_"
	ksqlClusterID = "sluice"
)

// handleInfo answers GET /info as ksqlDB does.
func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	type serverInfo struct {
		Version        string `json:"version"`
		KafkaClusterID string `json:"kafkaClusterId"`
		KsqlServiceID  string `json:"ksqlServiceId"`
		ServerStatus   string `json:"serverStatus"`
	}
	status := "RUNNING"
	if s.stopping.Err() != nil {
		status = "TERMINATING"
	}
	writeJSON(w, http.StatusOK, struct {
		Info serverInfo `json:"KsqlServerInfo"`
	}{serverInfo{ksqlCompatVersion, ksqlClusterID, ksqlServiceID, status}})
}

// handleStatus answers GET /status with the status of every command run
// through this server, and GET /status/{type}/{entity}/{action} with one.
// Statements are applied before /ksql answers, so a known command is
// never still queued.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request, commandID string) {
	api := s.ksqlEngineOr(w)
	if api == nil {
		return
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if commandID == "" {
		all := make(map[string]string, len(api.statuses))
		for id, st := range api.statuses {
			all[id] = st.Status
		}
		writeJSON(w, http.StatusOK, struct {
			CommandStatuses map[string]string `json:"commandStatuses"`
		}{all})
		return
	}
	st, ok := api.statuses[commandID]
	if !ok {
		// Clients may leave out the backticks that quote the entity.
		if kind, rest, cut := strings.Cut(commandID, "/"); cut {
			if entity, action, cut := strings.Cut(rest, "/"); cut && !strings.HasPrefix(entity, "`") {
				st, ok = api.statuses[kind+"/`"+entity+"`/"+action]
			}
		}
	}
	if !ok {
		writeKsqlError(w, http.StatusNotFound, "generic_error", engine.CodeNotFound, "Command not found")
		return
	}
	writeJSON(w, http.StatusOK, engine.CommandStatus{Status: st.Status, Message: st.Message})
}

// handleValidProperty answers GET /is_valid_property/{name}: ksqlDB
// refuses only the properties of its deny list, which is empty unless
// configured, so every named property may be set.
func (s *Server) handleValidProperty(w http.ResponseWriter, r *http.Request, name string) {
	if name == "" || strings.Contains(name, "/") {
		writeKsqlError(w, http.StatusBadRequest, "generic_error", ksqlCodeBadRequest, "name the property: GET /is_valid_property/{name}")
		return
	}
	writeJSON(w, http.StatusOK, true)
}
