package qtt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Directory names of the two suites inside the corpus directory.
const (
	QTTDir  = "query-validation-tests"
	RESTDir = "rest-query-validation-tests"
)

// LoadError reports a file or a test that cannot be loaded.
type LoadError struct {
	Path string
	// Test is the test's name, or "" for a file-level problem or a test
	// without a usable name (then Index says which one).
	Test string
	// Index is the test's position in the file, -1 for a file-level problem.
	Index int
	Err   error
}

func (e *LoadError) Error() string {
	switch {
	case e.Index < 0:
		return fmt.Sprintf("qtt: %s: %v", e.Path, e.Err)
	case e.Test != "":
		return fmt.Sprintf("qtt: %s: test %q: %v", e.Path, e.Test, e.Err)
	default:
		return fmt.Sprintf("qtt: %s: test #%d: %v", e.Path, e.Index, e.Err)
	}
}

func (e *LoadError) Unwrap() error { return e.Err }

// LoadFile reads and validates one test file. Whether it is a REST test
// file is decided as in ParseFile.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("qtt: cannot read test file: %w", err)
	}
	return ParseFile(path, data)
}

// LoadDir loads every *.json file of dir, sorted by name.
func LoadDir(dir string) ([]*File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("qtt: cannot list %s: %w", dir, err)
	}
	if paths == nil {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("qtt: cannot list test files: %w", err)
		}
	}
	sort.Strings(paths)
	files := make([]*File, 0, len(paths))
	for _, p := range paths {
		f, err := LoadFile(p)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// LoadCorpus loads both suites of a corpus directory (as returned by
// CorpusDir): the files of query-validation-tests/ and then those of
// rest-query-validation-tests/, each sorted by name. The REST directory
// is optional.
func LoadCorpus(root string) ([]*File, error) {
	files, err := LoadDir(filepath.Join(root, QTTDir))
	if err != nil {
		return nil, err
	}
	restDir := filepath.Join(root, RESTDir)
	if _, err := os.Stat(restDir); errors.Is(err, os.ErrNotExist) {
		return files, nil
	}
	rest, err := LoadDir(restDir)
	if err != nil {
		return nil, err
	}
	return append(files, rest...), nil
}

// restOnlyFields mark a file as a REST test file when its directory does not.
var restOnlyFields = []string{"expectedError", "responses", "inputConditions", "outputConditions", "testPullWithProtoFormat"}

// ParseFile decodes and validates the contents of a test file; path names
// the file in errors and gives the file's Name. The file is a REST test file
// when its directory is named rest-query-validation-tests or, elsewhere, when
// one of its tests has a field only REST tests have (expectedError,
// responses, inputConditions, outputConditions, testPullWithProtoFormat).
func ParseFile(path string, data []byte) (*File, error) {
	fileErr := func(err error) error { return &LoadError{Path: path, Index: -1, Err: err} }
	clean, err := StripComments(data)
	if err != nil {
		return nil, fileErr(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(clean, &top); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			// Offset counts the bytes read, the offending one included.
			line, col := position(clean, max(int(syn.Offset)-1, 0))
			return nil, fileErr(fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err))
		}
		return nil, fileErr(fmt.Errorf("want a JSON object with a \"tests\" array: %w", err))
	}
	if top == nil {
		return nil, fileErr(errors.New("want a JSON object with a \"tests\" array, got null"))
	}
	rawTests, err := object{m: top}.array("tests")
	if err != nil {
		return nil, fileErr(err)
	}
	if len(rawTests) == 0 {
		return nil, fileErr(errors.New("\"tests\" is missing or empty"))
	}
	objs := make([]object, len(rawTests))
	for i, raw := range rawTests {
		o, ok, err := asObject(raw, "tests["+strconv.Itoa(i)+"]")
		if err == nil && !ok {
			err = errors.New("a test must be a JSON object, got null")
		}
		if err != nil {
			return nil, &LoadError{Path: path, Index: i, Err: err}
		}
		objs[i] = o
	}
	f := &File{
		Path:  path,
		Name:  strings.TrimSuffix(filepath.Base(path), ".json"),
		Kind:  guessKind(path, objs),
		Tests: make([]Test, len(objs)),
	}
	for i, o := range objs {
		o.path = ""
		name, _ := o.str("name")
		if err := decodeTest(o, f.Kind, &f.Tests[i]); err != nil {
			return nil, &LoadError{Path: path, Test: name, Index: i, Err: err}
		}
	}
	return f, nil
}

func guessKind(path string, tests []object) Kind {
	switch filepath.Base(filepath.Dir(path)) {
	case RESTDir:
		return KindREST
	case QTTDir:
		return KindQTT
	}
	for _, t := range tests {
		for _, name := range restOnlyFields {
			if _, ok := t.m[name]; ok {
				return KindREST
			}
		}
	}
	return KindQTT
}

func decodeTest(o object, kind Kind, t *Test) error {
	var err error
	if t.Name, err = o.str("name"); err != nil {
		return err
	}
	if t.Name == "" {
		return errors.New("\"name\" is missing or empty")
	}
	if t.Statements, err = o.strs("statements"); err != nil {
		return err
	}
	if len(t.Statements) == 0 {
		return errors.New("\"statements\" is missing or empty")
	}
	if t.Format, err = o.strs("format"); err != nil {
		return err
	}
	if t.Config, err = o.strs("config"); err != nil {
		return err
	}
	if t.Properties, err = o.valueMap("properties"); err != nil {
		return err
	}
	enabled, err := o.boolp("enabled")
	if err != nil {
		return err
	}
	t.Enabled = enabled == nil || *enabled
	if t.Inputs, err = o.records("inputs"); err != nil {
		return err
	}
	if t.Outputs, err = o.records("outputs"); err != nil {
		return err
	}
	if t.Topics, err = o.topics("topics"); err != nil {
		return err
	}
	if t.ExpectedException, err = o.exception("expectedException"); err != nil {
		return err
	}
	if t.Post, err = o.post("post"); err != nil {
		return err
	}
	if v, ok, err := o.object("versions"); err != nil {
		return err
	} else if ok {
		t.Versions = &Versions{}
		if t.Versions.Min, err = v.str("min"); err != nil {
			return err
		}
		if t.Versions.Max, err = v.str("max"); err != nil {
			return err
		}
	}
	if len(t.Config) > 0 {
		if _, err := configKey(t.Properties); err != nil {
			return err
		}
	}
	if kind == KindQTT {
		if t.ExpectedException == nil && len(t.Inputs) == 0 && len(t.Outputs) == 0 {
			return errors.New("a test without \"expectedException\" needs \"inputs\" or \"outputs\"")
		}
		return nil
	}
	return decodeREST(o, t)
}

func decodeREST(o object, t *Test) error {
	if e, ok, err := o.object("expectedError"); err != nil {
		return err
	} else if ok {
		t.ExpectedError = &RESTError{}
		if t.ExpectedError.Type, err = e.str("type"); err != nil {
			return err
		}
		if t.ExpectedError.Message, err = e.str("message"); err != nil {
			return err
		}
		status, err := e.int64p("status")
		if err != nil {
			return err
		}
		if status != nil {
			t.ExpectedError.Status = int(*status)
		}
		if t.ExpectedError.Type == "" && t.ExpectedError.Message == "" && status == nil {
			return errors.New("\"expectedError\" needs at least one of type, message and status")
		}
		if len(t.Inputs) > 0 {
			return errors.New("a test cannot have both \"inputs\" and \"expectedError\"")
		}
	}
	responses, err := o.array("responses")
	if err != nil {
		return err
	}
	for i, r := range responses {
		if _, ok, err := asObject(r, "responses["+strconv.Itoa(i)+"]"); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("responses[%d]: want an object, got null", i)
		}
		t.Responses = append(t.Responses, r)
	}
	if c, ok, err := o.object("inputConditions"); err != nil {
		return err
	} else if ok {
		t.InputConditions = &InputConditions{}
		if t.InputConditions.WaitForActivePushQuery, err = c.boolean("waitForActivePushQuery"); err != nil {
			return err
		}
	}
	if c, ok, err := o.object("outputConditions"); err != nil {
		return err
	} else if ok {
		t.OutputConditions = &OutputConditions{}
		if t.OutputConditions.VerifyOrder, err = c.boolean("verifyOrder"); err != nil {
			return err
		}
	}
	t.TestPullWithProtoFormat, err = o.boolean("testPullWithProtoFormat")
	return err
}

// configKey returns the property whose value is the string "{CONFIG}".
func configKey(props map[string]Value) (string, error) {
	var keys []string
	for k, v := range props {
		if s, ok := v.(string); ok && strings.EqualFold(s, "{CONFIG}") {
			keys = append(keys, k)
		}
	}
	if len(keys) != 1 {
		sort.Strings(keys)
		return "", fmt.Errorf("\"config\" needs exactly one property with the value \"{CONFIG}\", found %d %v", len(keys), keys)
	}
	return keys[0], nil
}

func (o object) records(name string) ([]Record, error) {
	raws, err := o.array(name)
	if err != nil || len(raws) == 0 {
		return nil, err
	}
	out := make([]Record, len(raws))
	for i, raw := range raws {
		r, ok, err := asObject(raw, o.sub(name)+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s[%d]: want a record object, got null", o.sub(name), i)
		}
		if err := r.record(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (o object) record(r *Record) error {
	var err error
	if r.Topic, err = o.str("topic"); err != nil {
		return err
	}
	if r.Topic == "" {
		return fmt.Errorf("%s: \"topic\" is missing or empty", o.path)
	}
	if _, ok := o.m["value"]; !ok {
		return fmt.Errorf("%s: \"value\" is missing (write null for a tombstone)", o.path)
	}
	if r.Value, err = o.value("value"); err != nil {
		return err
	}
	_, r.HasKey = o.m["key"]
	if r.Key, err = o.value("key"); err != nil {
		return err
	}
	if r.Timestamp, err = o.int64p("timestamp"); err != nil {
		return err
	}
	if w, ok, err := o.object("window"); err != nil {
		return err
	} else if ok {
		r.Window = &Window{}
		start, err := w.int64p("start")
		if err != nil {
			return err
		}
		end, err := w.int64p("end")
		if err != nil {
			return err
		}
		typ, err := w.str("type")
		if err != nil {
			return err
		}
		if start == nil || end == nil {
			return fmt.Errorf("%s: a window needs \"start\" and \"end\"", w.path)
		}
		r.Window.Start, r.Window.End = *start, *end
		switch {
		case strings.EqualFold(typ, WindowTime):
			r.Window.Type = WindowTime
		case strings.EqualFold(typ, WindowSession):
			r.Window.Type = WindowSession
		default:
			return fmt.Errorf("%s.type: want %q or %q, got %q", w.path, WindowTime, WindowSession, typ)
		}
	}
	if raw, ok := o.m["headers"]; ok && !isNull(raw) {
		r.HasHeaders = true
		hs, err := o.array("headers")
		if err != nil {
			return err
		}
		r.Headers = make([]Header, len(hs))
		for i, raw := range hs {
			h, ok, err := asObject(raw, o.sub("headers")+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%s[%d]: want a header object, got null", o.sub("headers"), i)
			}
			if r.Headers[i].Key, err = h.str("KEY"); err != nil {
				return err
			}
			v, err := h.value("VALUE")
			if err != nil {
				return err
			}
			switch v := v.(type) {
			case nil:
			case string:
				b, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					return fmt.Errorf("%s.VALUE: want base64: %w", h.path, err)
				}
				if b == nil {
					b = []byte{}
				}
				r.Headers[i].Value = b
			default:
				return fmt.Errorf("%s.VALUE: want a base64 string or null", h.path)
			}
		}
	}
	return nil
}

func (o object) topics(name string) ([]Topic, error) {
	raws, err := o.array(name)
	if err != nil || len(raws) == 0 {
		return nil, err
	}
	out := make([]Topic, len(raws))
	for i, raw := range raws {
		tp, ok, err := asObject(raw, o.sub(name)+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s[%d]: want a topic object, got null", o.sub(name), i)
		}
		if err := tp.topic(&out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (o object) topic(t *Topic) error {
	var err error
	if t.Name, err = o.str("name"); err != nil {
		return err
	}
	if t.Name == "" {
		return fmt.Errorf("%s: \"name\" is missing or empty", o.path)
	}
	for _, s := range []struct {
		name string
		dst  *string
	}{{"keyFormat", &t.KeyFormat}, {"valueFormat", &t.ValueFormat}, {"format", &t.Format}} {
		if *s.dst, err = o.str(s.name); err != nil {
			return err
		}
	}
	for _, s := range []struct {
		name string
		dst  *Value
	}{{"keySchema", &t.KeySchema}, {"valueSchema", &t.ValueSchema}, {"schema", &t.Schema}} {
		if *s.dst, err = o.value(s.name); err != nil {
			return err
		}
	}
	if t.KeySchemaID, err = o.int64p("keySchemaId"); err != nil {
		return err
	}
	if t.ValueSchemaID, err = o.int64p("valueSchemaId"); err != nil {
		return err
	}
	if t.KeySchemaReferences, err = o.references("keySchemaReferences"); err != nil {
		return err
	}
	if t.ValueSchemaReferences, err = o.references("valueSchemaReferences"); err != nil {
		return err
	}
	if t.Partitions, err = o.intv("partitions"); err != nil {
		return err
	}
	if t.Replicas, err = o.intv("replicas"); err != nil {
		return err
	}
	if t.KeySerdeFeatures, err = o.strs("keySerdeFeatures"); err != nil {
		return err
	}
	t.ValueSerdeFeatures, err = o.strs("valueSerdeFeatures")
	return err
}

func (o object) references(name string) ([]SchemaReference, error) {
	raws, err := o.array(name)
	if err != nil || len(raws) == 0 {
		return nil, err
	}
	out := make([]SchemaReference, len(raws))
	for i, raw := range raws {
		r, ok, err := asObject(raw, o.sub(name)+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s[%d]: want an object, got null", o.sub(name), i)
		}
		if out[i].Name, err = r.str("name"); err != nil {
			return nil, err
		}
		if out[i].Format, err = r.str("format"); err != nil {
			return nil, err
		}
		if out[i].Schema, err = r.value("schema"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (o object) exception(name string) (*Exception, error) {
	e, ok, err := o.object(name)
	if err != nil || !ok {
		return nil, err
	}
	x := &Exception{}
	for _, s := range []struct {
		name string
		dst  *string
	}{{"type", &x.Type}, {"message", &x.Message}, {"cause", &x.Cause}, {"causeMessage", &x.CauseMessage}} {
		if *s.dst, err = e.str(s.name); err != nil {
			return nil, err
		}
	}
	if x.Type == "" && x.Message == "" {
		return nil, fmt.Errorf("%s: needs at least one of \"type\" and \"message\"", e.path)
	}
	if x.CauseMessage != "" && x.Cause == "" {
		return nil, fmt.Errorf("%s: \"causeMessage\" needs \"cause\"", e.path)
	}
	return x, nil
}

func (o object) post(name string) (*Post, error) {
	p, ok, err := o.object(name)
	if err != nil || !ok {
		return nil, err
	}
	out := &Post{}
	srcs, err := p.array("sources")
	if err != nil {
		return nil, err
	}
	for i, raw := range srcs {
		s, ok, err := asObject(raw, p.sub("sources")+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s[%d]: want an object, got null", p.sub("sources"), i)
		}
		var src PostSource
		if err := s.postSource(&src); err != nil {
			return nil, err
		}
		out.Sources = append(out.Sources, src)
	}
	tops, ok, err := p.object("topics")
	if err != nil {
		return nil, err
	}
	if ok {
		out.Topics = &PostTopics{}
		if out.Topics.Blacklist, err = tops.str("blacklist"); err != nil {
			return nil, err
		}
		list, err := tops.array("topics")
		if err != nil {
			return nil, err
		}
		for i, raw := range list {
			t, ok, err := asObject(raw, tops.sub("topics")+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("%s[%d]: want an object, got null", tops.sub("topics"), i)
			}
			var pt PostTopic
			if err := t.postTopic(&pt); err != nil {
				return nil, err
			}
			out.Topics.Topics = append(out.Topics.Topics, pt)
		}
	}
	return out, nil
}

func (o object) postSource(s *PostSource) error {
	var err error
	for _, f := range []struct {
		name string
		dst  *string
	}{{"name", &s.Name}, {"type", &s.Type}, {"schema", &s.Schema}, {"valueFormat", &s.ValueFormat}} {
		if *f.dst, err = o.str(f.name); err != nil {
			return err
		}
	}
	if s.Name == "" {
		return fmt.Errorf("%s: \"name\" is missing or empty", o.path)
	}
	if s.KeyFeatures, err = o.strs("keyFeatures"); err != nil {
		return err
	}
	if s.ValueFeatures, err = o.strs("valueFeatures"); err != nil {
		return err
	}
	if s.IsSource, err = o.boolp("isSource"); err != nil {
		return err
	}
	k, ok, err := o.object("keyFormat")
	if err != nil || !ok {
		return err
	}
	s.KeyFormat = &PostKeyFormat{}
	if s.KeyFormat.Format, err = k.str("format"); err != nil {
		return err
	}
	if s.KeyFormat.WindowType, err = k.str("windowType"); err != nil {
		return err
	}
	if s.KeyFormat.WindowSize, err = k.int64p("windowSize"); err != nil {
		return err
	}
	if s.KeyFormat.Properties, err = k.valueMap("properties"); err != nil {
		return err
	}
	s.KeyFormat.Features, err = k.strs("features")
	return err
}

func (o object) postTopic(t *PostTopic) error {
	var err error
	if t.Name, err = o.str("name"); err != nil {
		return err
	}
	if t.Name == "" {
		return fmt.Errorf("%s: \"name\" is missing or empty", o.path)
	}
	for _, f := range []struct {
		name string
		dst  *PostTopicFormat
	}{{"keyFormat", &t.KeyFormat}, {"valueFormat", &t.ValueFormat}} {
		v, ok, err := o.object(f.name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if f.dst.Format, err = v.str("format"); err != nil {
			return err
		}
		if f.dst.Features, err = v.strs("features"); err != nil {
			return err
		}
		if f.dst.Properties, err = v.valueMap("properties"); err != nil {
			return err
		}
		if f.dst.WindowInfo, err = v.value("windowInfo"); err != nil {
			return err
		}
	}
	if t.Partitions, err = o.int64p("partitions"); err != nil {
		return err
	}
	if t.KeySchema, err = o.value("keySchema"); err != nil {
		return err
	}
	if t.ValueSchema, err = o.value("valueSchema"); err != nil {
		return err
	}
	if t.KeySchemaID, err = o.int64p("keySchemaId"); err != nil {
		return err
	}
	t.ValueSchemaID, err = o.int64p("valueSchemaId")
	return err
}

// object is a JSON object whose fields are decoded on demand, so that field
// names match exactly (encoding/json's struct matching ignores case), an
// absent field can be told from a null one, and errors name the field's path.
type object struct {
	m    map[string]json.RawMessage
	path string
}

func (o object) sub(name string) string {
	if o.path == "" {
		return name
	}
	return o.path + "." + name
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// asObject decodes raw as an object; ok is false for null.
func asObject(raw json.RawMessage, path string) (object, bool, error) {
	if isNull(raw) {
		return object{}, false, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return object{}, false, fmt.Errorf("%s: want an object, got %s", path, kindOf(raw))
	}
	return object{m: m, path: path}, true, nil
}

// kindOf names the JSON type of raw for error messages.
func kindOf(raw json.RawMessage) string {
	s := bytes.TrimSpace(raw)
	if len(s) == 0 {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "the number " + string(s)
	}
}

// object returns the named field as an object; ok is false when it is
// absent or null.
func (o object) object(name string) (object, bool, error) {
	raw, ok := o.m[name]
	if !ok {
		return object{}, false, nil
	}
	return asObject(raw, o.sub(name))
}

func (o object) str(name string) (string, error) {
	raw, ok := o.m[name]
	if !ok || isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("%s: want a string, got %s", o.sub(name), kindOf(raw))
	}
	return s, nil
}

func (o object) strs(name string) ([]string, error) {
	raws, err := o.array(name)
	if err != nil || len(raws) == 0 {
		return nil, err
	}
	out := make([]string, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil || isNull(raw) {
			return nil, fmt.Errorf("%s[%d]: want a string, got %s", o.sub(name), i, kindOf(raw))
		}
	}
	return out, nil
}

func (o object) array(name string) ([]json.RawMessage, error) {
	raw, ok := o.m[name]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: want an array, got %s", o.sub(name), kindOf(raw))
	}
	return out, nil
}

func (o object) int64p(name string) (*int64, error) {
	raw, ok := o.m[name]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil || bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) {
		return nil, fmt.Errorf("%s: want an integer, got %s", o.sub(name), kindOf(raw))
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: want an integer, got %s", o.sub(name), n)
	}
	return &v, nil
}

func (o object) intv(name string) (int, error) {
	p, err := o.int64p(name)
	if err != nil || p == nil {
		return 0, err
	}
	return int(*p), nil
}

func (o object) boolp(name string) (*bool, error) {
	raw, ok := o.m[name]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("%s: want true or false, got %s", o.sub(name), kindOf(raw))
	}
	return &b, nil
}

func (o object) boolean(name string) (bool, error) {
	p, err := o.boolp(name)
	return p != nil && *p, err
}

// value decodes the named field keeping numbers as json.Number; an absent
// field is nil.
func (o object) value(name string) (Value, error) {
	raw, ok := o.m[name]
	if !ok {
		return nil, nil
	}
	v, err := decodeValue(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.sub(name), err)
	}
	return v, nil
}

func (o object) valueMap(name string) (map[string]Value, error) {
	v, err := o.value(name)
	if err != nil || v == nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: want an object, got %s", o.sub(name), kindOf(o.m[name]))
	}
	return m, nil
}

// DecodeValue decodes one JSON value keeping every number as a json.Number,
// whose text is the literal as written (so 1.00 and 1.0 stay different).
func DecodeValue(raw []byte) (Value, error) {
	v, err := decodeValue(raw)
	if err != nil {
		return nil, fmt.Errorf("qtt: %w", err)
	}
	return v, nil
}

func decodeValue(raw []byte) (Value, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON value: %w", err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON value: data after the value")
	}
	return v, nil
}
