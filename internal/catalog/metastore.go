package catalog

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sluicedata/sluice/internal/serde"
	"github.com/sluicedata/sluice/internal/types"
)

// SourceKind says whether a source is a stream or a table.
type SourceKind uint8

const (
	Stream SourceKind = iota
	Table
)

func (k SourceKind) String() string {
	if k == Table {
		return "TABLE"
	}
	return "STREAM"
}

// FormatInfo is one side's (key or value) serialization format: its name
// as ksqlDB spells it and its options.
type FormatInfo struct {
	Name      string // JSON, KAFKA, DELIMITED, NONE
	Delimiter byte   // DELIMITED only; zero means ','
	// WrapSingle is WRAP_SINGLE_VALUE; nil takes the format's default.
	WrapSingle *bool
}

// Features lists the serde features in force, as ksqlDB reports them:
// WRAP_SINGLES or UNWRAP_SINGLES when WRAP_SINGLE_VALUE was given.
func (f FormatInfo) Features() []string {
	if f.WrapSingle == nil {
		return nil
	}
	if *f.WrapSingle {
		return []string{"WRAP_SINGLES"}
	}
	return []string{"UNWRAP_SINGLES"}
}

// New builds the format for the given columns.
func (f FormatInfo) New(cols []types.Column) (serde.Format, error) {
	return serde.NewFormat(f.Name, cols, serde.Options{Delimiter: f.Delimiter, WrapSingle: f.WrapSingle})
}

// Window is the windowing of a source's key; the zero Window is unwindowed.
type Window struct {
	Type string        // "", TUMBLING, HOPPING or SESSION
	Size time.Duration // TUMBLING and HOPPING
}

// Source is a stream or table of the catalog: a topic read with a schema
// and formats.
type Source struct {
	Name   string
	Kind   SourceKind
	Topic  string
	Schema *types.Schema // key, header and value columns; no pseudo-columns
	Key    FormatInfo
	Value  FormatInfo
	Window Window
	// Timestamp names the column that gives event time (TIMESTAMP); empty
	// means the record's timestamp. TimestampFormat parses a STRING one.
	Timestamp       string
	TimestampFormat string
	// IsSource marks a read-only CREATE SOURCE stream or table.
	IsSource bool
	// Statement is the SQL that created the source.
	Statement string
	// Partitions of the topic when the source was created.
	Partitions int32
}

// KeyColumns returns the key columns.
func (s *Source) KeyColumns() []types.Column { return s.Schema.Columns()[:s.Schema.KeyLen()] }

// ValueColumns returns the value columns.
func (s *Source) ValueColumns() []types.Column { return s.Schema.Columns()[s.Schema.ValueStart():] }

// HeaderColumns returns the HEADERS and HEADER('k') columns.
func (s *Source) HeaderColumns() []types.Column {
	return s.Schema.Columns()[s.Schema.KeyLen():s.Schema.ValueStart()]
}

// Formats builds the key and value formats over the source's columns.
// The key format of a windowed source reads and writes the window after
// the key columns: WINDOWSTART and WINDOWEND follow them.
func (s *Source) Formats() (key, value serde.Format, err error) {
	if key, err = s.Key.New(s.KeyColumns()); err != nil {
		return nil, nil, err
	}
	if s.Window.Type != "" {
		wt, err := serde.ParseWindowType(s.Window.Type)
		if err != nil {
			return nil, nil, err
		}
		if key, err = serde.Windowed(key, wt, s.Window.Size); err != nil {
			return nil, nil, err
		}
	}
	if value, err = s.Value.New(s.ValueColumns()); err != nil {
		return nil, nil, err
	}
	return key, value, nil
}

// Metastore holds the sources and custom types that the command log's
// statements have created. It is safe for concurrent use.
type Metastore struct {
	mu      sync.RWMutex
	sources map[string]*Source
	types   map[string]types.Type
}

// NewMetastore returns an empty metastore.
func NewMetastore() *Metastore {
	return &Metastore{sources: map[string]*Source{}, types: map[string]types.Type{}}
}

// Source returns the source called name.
func (m *Metastore) Source(name string) (*Source, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s, ok := m.sources[name]
	return s, ok
}

// Sources returns every source, sorted by name.
func (m *Metastore) Sources() []*Source {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]*Source, 0, len(m.sources))
	for _, s := range m.sources {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// SourcesOnTopic returns the sources that read topic, sorted by name.
func (m *Metastore) SourcesOnTopic(topic string) []*Source {
	var out []*Source
	for _, s := range m.Sources() {
		if s.Topic == topic {
			out = append(out, s)
		}
	}
	return out
}

// PutSource adds or replaces a source.
func (m *Metastore) PutSource(s *Source) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sources[s.Name] = s
}

// DeleteSource removes a source; it reports whether there was one.
func (m *Metastore) DeleteSource(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.sources[name]
	delete(m.sources, name)
	return ok
}

// Type returns the custom type called name (upper-cased).
func (m *Metastore) Type(name string) (types.Type, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	t, ok := m.types[strings.ToUpper(name)]
	return t, ok
}

// Types returns the custom types by name.
func (m *Metastore) Types() map[string]types.Type {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make(map[string]types.Type, len(m.types))
	for k, v := range m.types {
		out[k] = v
	}
	return out
}

// PutType registers a custom type; it fails when the name is taken.
func (m *Metastore) PutType(name string, t types.Type) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = strings.ToUpper(name)
	if _, ok := m.types[name]; ok {
		return fmt.Errorf("Cannot register custom type '%s' since it is already registered with type: %s", name, m.types[name])
	}
	m.types[name] = t
	return nil
}

// DeleteType removes a custom type; it reports whether there was one.
func (m *Metastore) DeleteType(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	name = strings.ToUpper(name)
	_, ok := m.types[name]
	delete(m.types, name)
	return ok
}
