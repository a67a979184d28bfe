package qtt

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestCasesExpandFormatAndConfig(t *testing.T) {
	f := mustParse(t, "dir/expand.json", `{"tests": [{
	  "name": "grid",
	  "format": ["JSON", "AVRO"],
	  "config": ["a", "b", "c"],
	  "properties": {"ksql.some.flag": "{Config}", "other": 1.0},
	  "statements": ["CREATE STREAM S (ID INT KEY) WITH (kafka_topic='in', value_format='{FORMAT}');", "SELECT '{FORMAT}' FROM S;"],
	  "topics": [{"name": "in", "valueFormat": "{FORMAT}"}],
	  "inputs": [{"topic": "in", "value": {"V": "{FORMAT}"}}]
	}, {
	  "name": "plain",
	  "statements": ["CREATE STREAM X WITH (value_format='{FORMAT}');"],
	  "inputs": [{"topic": "in", "value": 1}]
	}]}`)
	cases := f.Cases()
	var names []string
	for _, c := range cases {
		names = append(names, c.Name)
	}
	want := []string{
		"expand - grid - JSON - ksql.some.flag=a",
		"expand - grid - JSON - ksql.some.flag=b",
		"expand - grid - JSON - ksql.some.flag=c",
		"expand - grid - AVRO - ksql.some.flag=a",
		"expand - grid - AVRO - ksql.some.flag=b",
		"expand - grid - AVRO - ksql.some.flag=c",
		"expand - plain",
	}
	if !slices.Equal(names, want) {
		t.Fatalf("case names:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
	c := cases[4]
	if c.File != "expand" || c.Format != "AVRO" || c.Config != "b" || c.Test != &f.Tests[0] {
		t.Errorf("case = %+v", c)
	}
	wantStmts := []string{"CREATE STREAM S (ID INT KEY) WITH (kafka_topic='in', value_format='AVRO');", "SELECT 'AVRO' FROM S;"}
	if !slices.Equal(c.Statements, wantStmts) {
		t.Errorf("statements = %q, want %q", c.Statements, wantStmts)
	}
	if want := map[string]any{"ksql.some.flag": "b", "other": json.Number("1.0")}; !reflect.DeepEqual(c.Properties, want) {
		t.Errorf("properties = %#v, want %#v", c.Properties, want)
	}
	// Only statements are substituted, and each case has its own properties.
	if f.Tests[0].Statements[0] != "CREATE STREAM S (ID INT KEY) WITH (kafka_topic='in', value_format='{FORMAT}');" ||
		f.Tests[0].Topics[0].ValueFormat != "{FORMAT}" ||
		f.Tests[0].Inputs[0].Value.(map[string]any)["V"] != "{FORMAT}" ||
		f.Tests[0].Properties["ksql.some.flag"] != "{Config}" {
		t.Error("expansion changed the test itself")
	}
	if cases[0].Properties["ksql.some.flag"] != "a" || cases[1].Properties["ksql.some.flag"] != "b" {
		t.Error("cases share a properties map")
	}
	// Without a format array {FORMAT} stays, so the statement fails as in ksqlDB.
	if last := cases[6]; last.Format != "" || last.Statements[0] != "CREATE STREAM X WITH (value_format='{FORMAT}');" {
		t.Errorf("plain case = %+v", last)
	}
}

func TestCheckUniqueNames(t *testing.T) {
	test := func(name string) string {
		return `{"name": "` + name + `", "statements": ["X"], "inputs": [{"topic": "t", "value": 1}]}`
	}
	a := mustParse(t, "x/a.json", `{"tests": [`+test("one")+`, `+test("two")+`]}`)
	b := mustParse(t, "y/b.json", `{"tests": [`+test("one")+`]}`)
	if err := CheckUniqueNames([]*File{a, b}); err != nil {
		t.Errorf("distinct names reported: %v", err)
	}
	// Another file with the same base name repeats a's case names.
	a2 := mustParse(t, "z/a.json", `{"tests": [`+test("two")+`]}`)
	err := CheckUniqueNames([]*File{a, b, a2})
	if !errors.Is(err, ErrDuplicateName) || !strings.Contains(err.Error(), `"a - two" (in x/a.json and z/a.json)`) {
		t.Errorf("got %v, want a duplicate of \"a - two\"", err)
	}
	// Duplicates inside one file, including ones made by expansion.
	dup := mustParse(t, "d.json", `{"tests": [`+test("same")+`, `+test("same")+`, {"name": "f", "format": ["JSON", "JSON"], "statements": ["X"], "inputs": [{"topic": "t", "value": 1}]}]}`)
	err = CheckUniqueNames([]*File{dup})
	if !errors.Is(err, ErrDuplicateName) || !strings.Contains(err.Error(), `"d - same"`) || !strings.Contains(err.Error(), `"d - f - JSON"`) {
		t.Errorf("got %v, want duplicates \"d - same\" and \"d - f - JSON\"", err)
	}
	// Disabled tests yield no cases, so they cannot collide.
	off := mustParse(t, "d.json", `{"tests": [`+test("same")+`, {"name": "same", "enabled": false, "statements": ["X"], "inputs": [{"topic": "t", "value": 1}]}]}`)
	if err := CheckUniqueNames([]*File{off}); err != nil {
		t.Errorf("a disabled test collided: %v", err)
	}
}

func TestFormatsAndSchemaRegistry(t *testing.T) {
	for _, tc := range []struct {
		name     string
		test     string // fields besides name and inputs
		formats  []string
		registry bool
	}{
		{"json", `"statements": ["CREATE STREAM S (ID INT KEY) WITH (kafka_topic='t', format='json');"]`, []string{"JSON"}, false},
		{"key and value", `"statements": ["CREATE STREAM S (ID INT KEY) WITH (KEY_FORMAT = 'kafka', Value_Format='Avro');"]`, []string{"AVRO", "KAFKA"}, true},
		{"placeholder", `"format": ["PROTOBUF"], "statements": ["CREATE STREAM S WITH (value_format='{FORMAT}');"]`, []string{"PROTOBUF"}, true},
		{"nosr needs no registry", `"statements": ["CREATE STREAM S WITH (format='PROTOBUF_NOSR');"]`, []string{"PROTOBUF_NOSR"}, false},
		{"json_sr", `"statements": ["CREATE TABLE T WITH (\"VALUE_FORMAT\"='JSON_SR');"]`, []string{"JSON_SR"}, true},
		{"in a string literal", `"statements": ["SELECT 'format=''AVRO''' AS X FROM S;"]`, []string{}, false},
		{"in a comment", `"statements": ["CREATE STREAM S WITH (format='JSON') -- value_format='AVRO'\n;"]`, []string{"JSON"}, false},
		{"default format property", `"statements": ["X"], "properties": {"ksql.persistence.default.format.value": "avro"}`, []string{"AVRO"}, true},
		{"topic format", `"statements": ["X"], "topics": [{"name": "t", "keyFormat": "JSON_SR"}]`, []string{"JSON_SR"}, true},
		{"topic schema without format", `"statements": ["X"], "topics": [{"name": "t", "valueSchema": {"type": "record"}}]`, []string{"AVRO"}, true},
		{"post topic", `"statements": ["X"], "post": {"topics": {"topics": [{"name": "o", "keyFormat": {"format": "KAFKA"}, "valueFormat": {"format": "PROTOBUF"}}]}}`, []string{"KAFKA", "PROTOBUF"}, true},
		{"quoted quote", `"statements": ["CREATE STREAM S WITH (value_format='it''s');"]`, []string{"IT'S"}, false},
		{"none", `"statements": ["X"]`, []string{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustParse(t, "f.json", `{"tests": [{"name": "n", "inputs": [{"topic": "t", "value": 1}], `+tc.test+`}]}`)
			c := f.Cases()[0]
			if got := c.Formats(); !slices.Equal(got, tc.formats) {
				t.Errorf("Formats() = %q, want %q", got, tc.formats)
			}
			if got := c.NeedsSchemaRegistry(); got != tc.registry {
				t.Errorf("NeedsSchemaRegistry() = %v, want %v", got, tc.registry)
			}
		})
	}
}
