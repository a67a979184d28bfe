package qttrun

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
	"github.com/sluicedata/sluice/internal/types"
)

// postState is what the post-conditions are checked against.
type postState struct {
	ms *catalog.Metastore
	// topics are the known topic names: the log's, and the internal topics
	// the queries report.
	topics []string
	// partitions of the log's topics.
	partitions map[string]int
}

// checkPost checks the post-conditions (FORMAT.md 2.10) and returns the
// first one that does not hold, or "".
func checkPost(p *qtt.Post, st postState) string {
	if p == nil {
		return ""
	}
	for _, want := range p.Sources {
		if d := checkPostSource(want, st.ms); d != "" {
			return "post: source " + want.Name + ": " + d
		}
	}
	if p.Topics == nil {
		return ""
	}
	if p.Topics.Blacklist != "" {
		re, err := regexp.Compile(p.Topics.Blacklist)
		if err != nil {
			return fmt.Sprintf("post: topic blacklist %q: %v", p.Topics.Blacklist, err)
		}
		for _, t := range st.topics {
			if re.MatchString(t) {
				return fmt.Sprintf("post: topic %s matches the blacklist %q", t, p.Topics.Blacklist)
			}
		}
	}
	for _, want := range p.Topics.Topics {
		if d := checkPostTopic(want, st); d != "" {
			return "post: topic " + want.Name + ": " + d
		}
	}
	return ""
}

func checkPostSource(want qtt.PostSource, ms *catalog.Metastore) string {
	if ms == nil {
		return "the engine has no metastore"
	}
	s, ok := ms.Source(want.Name)
	if !ok {
		s, ok = ms.Source(strings.ToUpper(want.Name))
	}
	if !ok {
		return "not found"
	}
	if want.Type != "" && !strings.EqualFold(want.Type, s.Kind.String()) {
		return fmt.Sprintf("expected a %s, got a %s", strings.ToLower(want.Type), strings.ToLower(s.Kind.String()))
	}
	if want.Schema != "" {
		exp, err := parseSchema(want.Schema, ms)
		if err != nil {
			return fmt.Sprintf("expected schema %q: %v", want.Schema, err)
		}
		if s.Schema == nil || !exp.Equal(s.Schema) {
			return fmt.Sprintf("schema: expected %s, got %s", exp, s.Schema)
		}
	}
	if kf := want.KeyFormat; kf != nil {
		if kf.Format != "" && !strings.EqualFold(kf.Format, s.Key.Name) {
			return fmt.Sprintf("key format: expected %s, got %s", kf.Format, s.Key.Name)
		}
		if !strings.EqualFold(kf.WindowType, s.Window.Type) {
			return fmt.Sprintf("key window type: expected %s, got %s", orNone(kf.WindowType), orNone(s.Window.Type))
		}
		var got *int64
		if s.Window.Size != 0 {
			ms := s.Window.Size.Milliseconds()
			got = &ms
		}
		if (kf.WindowSize == nil) != (got == nil) || (got != nil && *got != *kf.WindowSize) {
			return fmt.Sprintf("key window size: expected %s, got %s", optInt(kf.WindowSize), optInt(got))
		}
		if kf.Features != nil && !sameSet(kf.Features, s.Key.Features()) {
			return fmt.Sprintf("key features: expected %v, got %v", kf.Features, s.Key.Features())
		}
	}
	if want.ValueFormat != "" && !strings.EqualFold(want.ValueFormat, s.Value.Name) {
		return fmt.Sprintf("value format: expected %s, got %s", want.ValueFormat, s.Value.Name)
	}
	if want.KeyFeatures != nil && !sameSet(want.KeyFeatures, s.Key.Features()) {
		return fmt.Sprintf("key features: expected %v, got %v", want.KeyFeatures, s.Key.Features())
	}
	if want.ValueFeatures != nil && !sameSet(want.ValueFeatures, s.Value.Features()) {
		return fmt.Sprintf("value features: expected %v, got %v", want.ValueFeatures, s.Value.Features())
	}
	if want.IsSource != nil && *want.IsSource != s.IsSource {
		return fmt.Sprintf("isSource: expected %t, got %t", *want.IsSource, s.IsSource)
	}
	return ""
}

func checkPostTopic(want qtt.PostTopic, st postState) string {
	known := false
	for _, t := range st.topics {
		known = known || t == want.Name
	}
	if !known {
		return "not found"
	}
	if want.Partitions != nil {
		if got, ok := st.partitions[want.Name]; !ok || int64(got) != *want.Partitions {
			return fmt.Sprintf("partitions: expected %d, got %d", *want.Partitions, got)
		}
	}
	if want.KeySchema != nil || want.ValueSchema != nil || want.KeySchemaID != nil || want.ValueSchemaID != nil {
		return "schema checks need a schema registry, which the test runner does not have"
	}
	var src *catalog.Source
	if st.ms != nil {
		if srcs := st.ms.SourcesOnTopic(want.Name); len(srcs) > 0 {
			src = srcs[0]
		}
	}
	if want.KeyFormat.Format == "" && want.ValueFormat.Format == "" {
		return ""
	}
	if src == nil {
		return "no source reads it, so its formats are unknown"
	}
	if d := checkTopicFormat("key", want.KeyFormat, src.Key); d != "" {
		return d
	}
	if d := checkTopicFormat("value", want.ValueFormat, src.Value); d != "" {
		return d
	}
	if wi, ok := want.KeyFormat.WindowInfo.(map[string]any); ok {
		if t, _ := wi["type"].(string); !strings.EqualFold(t, src.Window.Type) {
			return fmt.Sprintf("key window type: expected %s, got %s", orNone(t), orNone(src.Window.Type))
		}
		// The topic's window size is in seconds, as ksqlDB writes a
		// Duration in its WindowInfo.
		if n, ok := wi["size"].(json.Number); ok {
			secs, err := strconv.ParseFloat(string(n), 64)
			if err != nil || secs != src.Window.Size.Seconds() {
				return fmt.Sprintf("key window size: expected %s s, got %v", n, src.Window.Size)
			}
		}
	} else if want.KeyFormat.Format != "" && src.Window.Type != "" {
		return fmt.Sprintf("key window: expected none, got %s", src.Window.Type)
	}
	return ""
}

func checkTopicFormat(which string, want qtt.PostTopicFormat, got catalog.FormatInfo) string {
	if want.Format != "" && !strings.EqualFold(want.Format, got.Name) {
		return fmt.Sprintf("%s format: expected %s, got %s", which, want.Format, got.Name)
	}
	if want.Features != nil && !sameSet(want.Features, got.Features()) {
		return fmt.Sprintf("%s features: expected %v, got %v", which, want.Features, got.Features())
	}
	return ""
}

// parseSchema parses a post-condition's column list, such as
// "`ID` BIGINT KEY, NAME STRING", into a schema; custom types resolve
// against the metastore.
func parseSchema(s string, ms *catalog.Metastore) (*types.Schema, error) {
	els, err := parser.ParseTableElements(s)
	if err != nil {
		return nil, err
	}
	cols := make([]types.Column, len(els))
	for i, el := range els {
		t, err := resolveType(el.Type, ms)
		if err != nil {
			return nil, err
		}
		col := types.Column{Name: el.Name.Name, Type: t}
		switch el.Constraint {
		case ast.Key, ast.PrimaryKey:
			col.Namespace = types.NamespaceKey
		case ast.Headers:
			col.Namespace = types.NamespaceHeaders
		case ast.Header:
			col.Namespace, col.HeaderKey = types.NamespaceHeader, el.Header
		}
		cols[i] = col
	}
	return types.NewSchema(cols...)
}

// resolveType is expr.ResolveType with the custom types of the metastore.
func resolveType(t ast.Type, ms *catalog.Metastore) (types.Type, error) {
	if ms == nil {
		return expr.ResolveType(t)
	}
	return expr.ResolveTypeIn(t, ms.Type)
}

func sameSet(a, b []string) bool {
	norm := func(xs []string) []string {
		set := map[string]bool{}
		for _, x := range xs {
			set[strings.ToUpper(x)] = true
		}
		out := make([]string, 0, len(set))
		for x := range set {
			out = append(out, x)
		}
		sort.Strings(out)
		return out
	}
	x, y := norm(a), norm(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func optInt(p *int64) string {
	if p == nil {
		return "none"
	}
	return strconv.FormatInt(*p, 10)
}
