package qtt

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
)

// Case is one runnable combination of a test with one entry of its format
// array and one of its config array.
type Case struct {
	// File is the file's base name without ".json", as in Name.
	File string
	// Name is "<file> - <test>[ - <format>][ - <property>=<config>]",
	// unique across the suite.
	Name string
	Test *Test
	// Kind is the kind of the file the case comes from.
	Kind Kind
	// Format and Config are this case's entries of the test's arrays, ""
	// when the test has none.
	Format string
	Config string
	// Statements are the test's entries with every {FORMAT} replaced by
	// Format, one statement each (trailing ';' as written). A test without
	// a format array keeps {FORMAT} as written, so a statement using it
	// fails, as in ksqlDB. The slice may be the test's own: do not modify it.
	Statements []string
	// Properties are the test's properties, with the {CONFIG} one set to
	// Config. The map is the case's own; nested values are shared.
	Properties map[string]Value
}

// Cases expands the file's enabled tests, in file order: for each format
// entry (or none), for each config entry (or none), one case.
func (f *File) Cases() []Case {
	var out []Case
	for i := range f.Tests {
		t := &f.Tests[i]
		if !t.Enabled {
			continue
		}
		formats, configs := t.Format, t.Config
		if len(formats) == 0 {
			formats = []string{""}
		}
		var key string
		if len(configs) == 0 {
			configs = []string{""}
		} else {
			key, _ = configKey(t.Properties) // validated when loaded
		}
		for _, format := range formats {
			stmts := t.Statements
			if format != "" {
				stmts = make([]string, len(t.Statements))
				for j, s := range t.Statements {
					stmts[j] = strings.ReplaceAll(s, "{FORMAT}", format)
				}
			}
			for _, config := range configs {
				name := f.Name + " - " + t.Name
				if format != "" {
					name += " - " + format
				}
				props := t.Properties
				if len(t.Config) > 0 {
					name += " - " + key + "=" + config
					props = maps.Clone(t.Properties)
					props[key] = config
				}
				out = append(out, Case{
					File:       f.Name,
					Name:       name,
					Test:       t,
					Kind:       f.Kind,
					Format:     format,
					Config:     config,
					Statements: stmts,
					Properties: props,
				})
			}
		}
	}
	return out
}

// ErrDuplicateName is wrapped by CheckUniqueNames' error.
var ErrDuplicateName = errors.New("duplicate case name")

// CheckUniqueNames returns an error listing every case name that more than
// one case of the files has; case names identify results, so they must be
// unique across the suite.
func CheckUniqueNames(files []*File) error {
	seen := map[string]string{} // case name -> path of the first file with it
	var dups []string
	for _, f := range files {
		for _, c := range f.Cases() {
			if first, ok := seen[c.Name]; ok {
				dups = append(dups, fmt.Sprintf("%q (in %s and %s)", c.Name, first, f.Path))
				continue
			}
			seen[c.Name] = f.Path
		}
	}
	if len(dups) == 0 {
		return nil
	}
	return fmt.Errorf("qtt: %w: %s: rename the tests so every case name is unique", ErrDuplicateName, strings.Join(dups, ", "))
}

// Serialization formats that need a Schema Registry.
var registryFormats = map[string]bool{"AVRO": true, "PROTOBUF": true, "JSON_SR": true}

// NeedsSchemaRegistry reports whether the case uses AVRO, PROTOBUF or
// JSON_SR anywhere (see Formats). PROTOBUF_NOSR does not count: it needs
// protobuf support but no registry.
func (c Case) NeedsSchemaRegistry() bool {
	for _, f := range c.Formats() {
		if registryFormats[f] {
			return true
		}
	}
	return false
}

// Formats returns the serialization formats the case names, upper-cased,
// sorted and without repeats: FORMAT, KEY_FORMAT and VALUE_FORMAT properties
// of its statements, the ksql.persistence.default.format.key and .value
// properties, the formats of its topics (a topic schema without a format is
// AVRO, as in ksqlDB) and of its post-conditions.
func (c Case) Formats() []string {
	set := map[string]bool{}
	add := func(f string) {
		if f != "" {
			set[strings.ToUpper(strings.TrimSpace(f))] = true
		}
	}
	for _, s := range c.Statements {
		statementFormats(s, add)
	}
	for _, k := range []string{"ksql.persistence.default.format.key", "ksql.persistence.default.format.value"} {
		if s, ok := c.Properties[k].(string); ok {
			add(s)
		}
	}
	if t := c.Test; t != nil {
		for _, tp := range t.Topics {
			add(tp.KeyFormat)
			add(tp.ValueFormat)
			add(tp.Format)
			if tp.KeySchema != nil && tp.KeyFormat == "" {
				add("AVRO")
			}
			if (tp.ValueSchema != nil || tp.Schema != nil) && tp.ValueFormat == "" && tp.Format == "" {
				add("AVRO")
			}
			for _, r := range tp.KeySchemaReferences {
				add(r.Format)
			}
			for _, r := range tp.ValueSchemaReferences {
				add(r.Format)
			}
		}
		if p := t.Post; p != nil {
			for _, s := range p.Sources {
				add(s.ValueFormat)
				if s.KeyFormat != nil {
					add(s.KeyFormat.Format)
				}
			}
			if p.Topics != nil {
				for _, tp := range p.Topics.Topics {
					add(tp.KeyFormat.Format)
					add(tp.ValueFormat.Format)
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for f := range set {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}
