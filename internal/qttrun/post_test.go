package qttrun

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/types"
)

func postMetastore() *catalog.Metastore {
	ms := catalog.NewMetastore()
	unwrap := false
	ms.PutSource(&catalog.Source{
		Name: "OUTPUT", Kind: catalog.Table, Topic: "OUTPUT",
		Schema: types.MustSchema(
			types.Column{Name: "ID", Type: types.BigIntType, Namespace: types.NamespaceKey},
			types.Column{Name: "KSQL_COL_0", Type: types.BigIntType},
			types.Column{Name: "d", Type: types.MustDecimalType(4, 2)},
		),
		Key:    catalog.FormatInfo{Name: "KAFKA"},
		Value:  catalog.FormatInfo{Name: "JSON", WrapSingle: &unwrap},
		Window: catalog.Window{Type: "TUMBLING", Size: 30 * time.Second},
	})
	ms.PutSource(&catalog.Source{
		Name: "INPUT", Kind: catalog.Stream, Topic: "input", IsSource: true,
		Schema: types.MustSchema(types.Column{Name: "V", Type: types.StringType}),
		Key:    catalog.FormatInfo{Name: "KAFKA"},
		Value:  catalog.FormatInfo{Name: "DELIMITED"},
	})
	return ms
}

func TestCheckPostSources(t *testing.T) {
	size := int64(30000)
	wrongSize := int64(1000)
	yes, no := true, false
	good := qtt.PostSource{
		Name: "OUTPUT", Type: "table", Schema: "`ID` BIGINT KEY, KSQL_COL_0 BIGINT, `d` DECIMAL(4, 2)",
		KeyFormat:     &qtt.PostKeyFormat{Format: "KAFKA", WindowType: "TUMBLING", WindowSize: &size},
		ValueFormat:   "JSON",
		ValueFeatures: []string{"UNWRAP_SINGLES"},
		IsSource:      &no,
	}
	st := postState{ms: postMetastore()}
	if d := checkPost(&qtt.Post{Sources: []qtt.PostSource{good, {Name: "INPUT", Type: "stream", IsSource: &yes}}}, st); d != "" {
		t.Fatalf("matching post-conditions: %s", d)
	}
	tests := []struct {
		name   string
		mutate func(p *qtt.PostSource)
		want   string
	}{
		{"missing source", func(p *qtt.PostSource) { p.Name = "NOPE" }, "source NOPE: not found"},
		{"kind", func(p *qtt.PostSource) { p.Type = "stream" }, "expected a stream, got a table"},
		{"column type", func(p *qtt.PostSource) { p.Schema = "`ID` INT KEY, KSQL_COL_0 BIGINT, `d` DECIMAL(4, 2)" }, "schema: expected `ID` INTEGER KEY"},
		{"key namespace", func(p *qtt.PostSource) { p.Schema = "`ID` BIGINT, KSQL_COL_0 BIGINT, `d` DECIMAL(4, 2)" }, "schema"},
		{"unquoted names are upper-cased", func(p *qtt.PostSource) { p.Schema = "`ID` BIGINT KEY, KSQL_COL_0 BIGINT, d DECIMAL(4, 2)" }, "schema"},
		{"bad schema", func(p *qtt.PostSource) { p.Schema = "ID BIGINT KEY," }, "expected schema"},
		{"key format", func(p *qtt.PostSource) {
			p.KeyFormat = &qtt.PostKeyFormat{Format: "JSON", WindowType: "TUMBLING", WindowSize: &size}
		}, "key format: expected JSON, got KAFKA"},
		{"window absent means unwindowed", func(p *qtt.PostSource) { p.KeyFormat = &qtt.PostKeyFormat{Format: "KAFKA"} }, "key window type: expected none, got TUMBLING"},
		{"window size", func(p *qtt.PostSource) {
			p.KeyFormat = &qtt.PostKeyFormat{Format: "KAFKA", WindowType: "TUMBLING", WindowSize: &wrongSize}
		}, "key window size: expected 1000, got 30000"},
		{"value format", func(p *qtt.PostSource) { p.ValueFormat = "DELIMITED" }, "value format"},
		{"value features", func(p *qtt.PostSource) { p.ValueFeatures = []string{"WRAP_SINGLES"} }, "value features"},
		{"key features", func(p *qtt.PostSource) { p.KeyFeatures = []string{"UNWRAP_SINGLES"} }, "key features"},
		{"is source", func(p *qtt.PostSource) { p.IsSource = &yes }, "isSource: expected true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			tt.mutate(&p)
			d := checkPost(&qtt.Post{Sources: []qtt.PostSource{p}}, st)
			if !strings.Contains(d, tt.want) {
				t.Fatalf("difference %q, want one containing %q", d, tt.want)
			}
		})
	}
}

func TestCheckPostTopics(t *testing.T) {
	st := postState{
		ms:         postMetastore(),
		topics:     []string{"input", "OUTPUT", "_confluent-ksql-some.ksql.service.idquery_CSAS_OUTPUT_0-repartition"},
		partitions: map[string]int{"input": 1, "OUTPUT": 4},
	}
	four := int64(4)
	tests := []struct {
		name string
		post qtt.PostTopics
		want string
	}{
		{"blacklist hit", qtt.PostTopics{Blacklist: ".*-repartition"}, "matches the blacklist"},
		{"blacklist miss", qtt.PostTopics{Blacklist: ".*-changelog"}, ""},
		{"topic formats", qtt.PostTopics{Topics: []qtt.PostTopic{{Name: "input",
			KeyFormat: qtt.PostTopicFormat{Format: "KAFKA"}, ValueFormat: qtt.PostTopicFormat{Format: "DELIMITED"}}}}, ""},
		{"topic value format", qtt.PostTopics{Topics: []qtt.PostTopic{{Name: "input",
			KeyFormat: qtt.PostTopicFormat{Format: "KAFKA"}, ValueFormat: qtt.PostTopicFormat{Format: "JSON"}}}}, "value format: expected JSON, got DELIMITED"},
		{"topic partitions", qtt.PostTopics{Topics: []qtt.PostTopic{{Name: "input", Partitions: &four}}}, "partitions: expected 4, got 1"},
		{"unknown topic", qtt.PostTopics{Topics: []qtt.PostTopic{{Name: "nope"}}}, "topic nope: not found"},
		{"windowed topic", qtt.PostTopics{Topics: []qtt.PostTopic{{Name: "OUTPUT",
			KeyFormat: qtt.PostTopicFormat{Format: "KAFKA", WindowInfo: map[string]any{"type": "TUMBLING", "size": jsonNumber("30")}}}}}, ""},
		{"windowed topic size", qtt.PostTopics{Topics: []qtt.PostTopic{{Name: "OUTPUT",
			KeyFormat: qtt.PostTopicFormat{Format: "KAFKA", WindowInfo: map[string]any{"type": "TUMBLING", "size": jsonNumber("5")}}}}}, "key window size"},
		{"window expected absent", qtt.PostTopics{Topics: []qtt.PostTopic{{Name: "OUTPUT",
			KeyFormat: qtt.PostTopicFormat{Format: "KAFKA"}}}}, "key window: expected none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post := tt.post
			d := checkPost(&qtt.Post{Topics: &post}, st)
			if tt.want == "" && d != "" {
				t.Fatalf("unexpected difference: %s", d)
			}
			if !strings.Contains(d, tt.want) {
				t.Fatalf("difference %q, want one containing %q", d, tt.want)
			}
		})
	}
}

func TestParseSchemaCustomTypes(t *testing.T) {
	ms := catalog.NewMetastore()
	person := types.MustStructType(types.Field{Name: "NAME", Type: types.StringType})
	if err := ms.PutType("PERSON", person); err != nil {
		t.Fatal(err)
	}
	s, err := parseSchema("K STRING KEY, P PERSON, PS ARRAY<PERSON>, H BYTES HEADER('h')", ms)
	if err != nil {
		t.Fatal(err)
	}
	want := types.MustSchema(
		types.Column{Name: "K", Type: types.StringType, Namespace: types.NamespaceKey},
		types.Column{Name: "P", Type: person},
		types.Column{Name: "PS", Type: types.ArrayType(person)},
		types.Column{Name: "H", Type: types.BytesType, Namespace: types.NamespaceHeader, HeaderKey: "h"},
	)
	if !s.Equal(want) {
		t.Fatalf("parseSchema = %s, want %s", s, want)
	}
}

func jsonNumber(s string) any { return json.Number(s) }
