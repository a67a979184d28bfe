package embedded

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/sluicedata/sluice/internal/log"
)

// group is the committed offsets of one consumer group.
type group struct {
	mu      sync.Mutex // serialises commits, which rewrite the group's file
	offsets map[log.TopicPartition]int64
}

// groupFile is a group's file (docs/format/log.md, "Consumer-group offsets").
type groupFile struct {
	Format  int           `json:"format"`
	Group   string        `json:"group"`
	Offsets []groupOffset `json:"offsets"`
}

type groupOffset struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// groupFileName escapes a group name into a file name.
func groupFileName(name string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	esc := b.String()
	if len(esc) > 200 {
		sum := sha256.Sum256([]byte(name))
		esc = esc[:150] + "~" + hex.EncodeToString(sum[:8])
	}
	return "g-" + esc + ".json"
}

func (l *Log) loadGroups() error {
	dir := filepath.Join(l.opts.Dir, groupsDir)
	dirents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("embedded: cannot list consumer groups: %w", err)
	}
	l.groups = map[string]*group{}
	for _, e := range dirents {
		path := filepath.Join(dir, e.Name())
		if strings.HasPrefix(e.Name(), ".") {
			os.Remove(path) // a commit cut short by a crash
			continue
		}
		if !strings.HasPrefix(e.Name(), "g-") || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("embedded: cannot read consumer group offsets: %w", err)
		}
		var gf groupFile
		if err := json.Unmarshal(b, &gf); err != nil {
			return fmt.Errorf("embedded: %s is damaged (%v): restore it from a backup or remove it (the group then starts from its reset policy)", path, err)
		}
		if gf.Format != formatVersion {
			return fmt.Errorf("embedded: %s has format %d; this build reads format %d (was it written by a newer sluice?)", path, gf.Format, formatVersion)
		}
		g := &group{offsets: map[log.TopicPartition]int64{}}
		for _, o := range gf.Offsets {
			g.offsets[log.TopicPartition{Topic: o.Topic, Partition: o.Partition}] = o.Offset
		}
		l.groups[gf.Group] = g
	}
	return nil
}

func (l *Log) group(name string) *group {
	l.groupsMu.Lock()
	defer l.groupsMu.Unlock()
	g := l.groups[name]
	if g == nil {
		g = &group{offsets: map[log.TopicPartition]int64{}}
		l.groups[name] = g
	}
	return g
}

// CommitOffsets stores a group's positions durably: it returns once the
// group's file has been replaced and fsynced.
func (l *Log) CommitOffsets(ctx context.Context, groupName string, offsets map[log.TopicPartition]int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l.closed.Load() {
		return fmt.Errorf("embedded: %w", log.ErrClosed)
	}
	g := l.group(groupName)
	g.mu.Lock()
	defer g.mu.Unlock()
	next := maps.Clone(g.offsets)
	maps.Copy(next, offsets)
	gf := groupFile{Format: formatVersion, Group: groupName, Offsets: make([]groupOffset, 0, len(next))}
	for tp, off := range next {
		gf.Offsets = append(gf.Offsets, groupOffset{Topic: tp.Topic, Partition: tp.Partition, Offset: off})
	}
	slices.SortFunc(gf.Offsets, func(a, b groupOffset) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	b, err := json.Marshal(gf)
	if err != nil {
		return fmt.Errorf("embedded: cannot commit offsets of group %q: %w", groupName, err)
	}
	if err := writeFileAtomic(filepath.Join(l.opts.Dir, groupsDir), groupFileName(groupName), b); err != nil {
		return fmt.Errorf("embedded: cannot commit offsets of group %q: %w", groupName, err)
	}
	g.offsets = next
	return nil
}

// CommittedOffsets returns the group's stored positions in topic.
func (l *Log) CommittedOffsets(ctx context.Context, groupName, topic string) (map[int32]int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.closed.Load() {
		return nil, fmt.Errorf("embedded: %w", log.ErrClosed)
	}
	out := map[int32]int64{}
	l.groupsMu.Lock()
	g := l.groups[groupName]
	l.groupsMu.Unlock()
	if g == nil {
		return out, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for tp, off := range g.offsets {
		if tp.Topic == topic {
			out[tp.Partition] = off
		}
	}
	return out, nil
}
