package embedded

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/sluicedata/sluice/internal/log"
)

// topic is one topic: its metadata and partitions.
type topic struct {
	name     string
	dir      string
	configs  map[string]string // as given at creation, reported unchanged
	settings settings
	parts    []*partition
}

// ConfigSegmentMs is the topic config that rolls the active segment once
// more than this many milliseconds have passed since its first record was
// appended (-1: never; default 7 days). Without it, time retention, which
// deletes only closed segments, would never reach a quiet partition whose
// active segment does not fill. Kafka gives the setting the same name.
const ConfigSegmentMs = "segment.ms"

// defaultSegmentAge is the segment.ms of a topic that sets none.
const defaultSegmentAge = 7 * 24 * time.Hour

// settings are the known configs of a topic, parsed.
type settings struct {
	retentionMs    int64 // -1: forever
	retentionBytes int64 // -1: no limit
	segmentBytes   int64
	segmentMs      int64 // -1: never roll by age
	flushMessages  int64 // 0: the log's policy alone decides
}

// parseSettings validates the known keys of configs; other keys are kept
// as they are, so that configs meant for Kafka pass through.
func parseSettings(configs map[string]string, defaultSegmentBytes int64) (settings, error) {
	s := settings{
		retentionMs:    log.DefaultRetention.Milliseconds(),
		retentionBytes: -1,
		segmentBytes:   defaultSegmentBytes,
		segmentMs:      defaultSegmentAge.Milliseconds(),
	}
	for _, k := range slices.Sorted(maps.Keys(configs)) {
		v := configs[k]
		var err error
		switch k {
		case log.ConfigRetentionMs:
			s.retentionMs, err = parseConfig(k, v, -1, math.MaxInt64)
		case log.ConfigRetentionBytes:
			s.retentionBytes, err = parseConfig(k, v, -1, math.MaxInt64)
		case log.ConfigSegmentBytes:
			s.segmentBytes, err = parseConfig(k, v, minSegmentBytes, maxSegmentBytes)
		case ConfigSegmentMs:
			s.segmentMs, err = parseConfig(k, v, -1, math.MaxInt64)
			if err == nil && s.segmentMs == 0 {
				err = fmt.Errorf("embedded: %w: %s = %q: want -1 (never roll by age) or an integer from 1 to %d", log.ErrInvalidConfig, k, v, int64(math.MaxInt64))
			}
		case log.ConfigFlushMessages:
			s.flushMessages, err = parseConfig(k, v, 1, math.MaxInt64)
		}
		if err != nil {
			return settings{}, err
		}
	}
	return s, nil
}

func parseConfig(key, value string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("embedded: %w: %s = %q: want an integer from %d to %d", log.ErrInvalidConfig, key, value, lo, hi)
	}
	return n, nil
}

// topicMeta is topic.json (docs/format/log.md, "Topic metadata").
type topicMeta struct {
	Format     int               `json:"format"`
	Name       string            `json:"name"`
	Partitions int32             `json:"partitions"`
	Configs    map[string]string `json:"configs"`
}

const topicFile = "topic.json"

// readTopicMeta reads and checks the topic.json of the topic in dir.
func readTopicMeta(dir string) (topicMeta, error) {
	path := filepath.Join(dir, topicFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return topicMeta{}, fmt.Errorf("embedded: cannot read topic metadata: %w", err)
	}
	var m topicMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return topicMeta{}, fmt.Errorf("embedded: %s is damaged (%v): restore it from a backup or move the topic directory aside", path, err)
	}
	switch {
	case m.Format != formatVersion:
		return topicMeta{}, fmt.Errorf("embedded: %s has format %d; this build reads format %d (was it written by a newer sluice?)", path, m.Format, formatVersion)
	case m.Name != filepath.Base(dir):
		return topicMeta{}, fmt.Errorf("embedded: %s names topic %q but lies in directory %q: move it back or rename the directory", path, m.Name, filepath.Base(dir))
	case m.Partitions < 1:
		return topicMeta{}, fmt.Errorf("embedded: %s has %d partitions: the file is damaged", path, m.Partitions)
	}
	if m.Configs == nil {
		m.Configs = map[string]string{}
	}
	return m, nil
}

// openTopic opens the topic in dir and all its partitions.
func (l *Log) openTopic(dir string) (*topic, error) {
	m, err := readTopicMeta(dir)
	if err != nil {
		return nil, err
	}
	st, err := parseSettings(m.Configs, l.opts.DefaultSegmentBytes)
	if err != nil {
		return nil, fmt.Errorf("embedded: topic %q: %w", m.Name, err)
	}
	t := &topic{name: m.Name, dir: dir, configs: m.Configs, settings: st}
	for i := range m.Partitions {
		p, err := l.openPartition(t, i)
		if err != nil {
			for _, p := range t.parts {
				p.shut(closed)
			}
			return nil, err
		}
		t.parts = append(t.parts, p)
	}
	return t, nil
}

// createTopicFiles builds a new topic complete in a staging directory,
// durably, and renames it into place, so that a crash leaves either no
// topic or a whole one.
func (l *Log) createTopicFiles(name string, partitions int32, configs map[string]string) error {
	stage := l.stagingDir("create")
	if err := os.Mkdir(stage, 0o755); err != nil {
		return fmt.Errorf("embedded: cannot create topic %q: %w", name, err)
	}
	err := func() error {
		m := topicMeta{Format: formatVersion, Name: name, Partitions: partitions, Configs: configs}
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if err := writeFileSynced(filepath.Join(stage, topicFile), b); err != nil {
			return err
		}
		for i := range partitions {
			dir := partitionDir(stage, i)
			if err := os.Mkdir(dir, 0o755); err != nil {
				return err
			}
			s, err := createSegment(dir, 0)
			if err != nil {
				return err
			}
			s.idxFile.Close()
			s.release()
		}
		if err := syncDir(stage); err != nil {
			return err
		}
		if err := os.Rename(stage, filepath.Join(l.opts.Dir, topicsDir, name)); err != nil {
			return err
		}
		return syncDir(filepath.Join(l.opts.Dir, topicsDir))
	}()
	if err != nil {
		os.RemoveAll(stage)
		return fmt.Errorf("embedded: cannot create topic %q: %w", name, err)
	}
	return nil
}
