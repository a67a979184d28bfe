package engine

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/sluicedata/sluice/internal/catalog"
	"github.com/sluicedata/sluice/internal/plan"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

// Metastore is the catalog's sources and types.
func (e *Engine) Metastore() *catalog.Metastore { return e.meta }

func (e *Engine) show(ctx context.Context, sess *Session, text string, s *ast.Show) (Entity, error) {
	switch s.What {
	case ast.ShowStreams, ast.ShowTables:
		kind := catalog.Stream
		if s.What == ast.ShowTables {
			kind = catalog.Table
		}
		if s.Extended {
			return e.describeSources(text, &ast.DescribeSources{Kind: ast.SourceKind(kind), Extended: true})
		}
		var list []SourceInfo
		for _, src := range e.meta.Sources() {
			if src.Kind == kind {
				list = append(list, sourceInfo(src))
			}
		}
		if list == nil {
			list = []SourceInfo{}
		}
		if kind == catalog.Table {
			return &TablesList{Type: "tables", StatementText: text, Tables: list, Warnings: []Warning{}}, nil
		}
		return &StreamsList{Type: "streams", StatementText: text, Streams: list, Warnings: []Warning{}}, nil
	case ast.ShowTopics:
		topics, err := e.log.ListTopics(ctx)
		if err != nil {
			return nil, AsStatementError(err)
		}
		out := &TopicsList{Type: "kafka_topics", StatementText: text, Topics: []TopicInfo{}, Warnings: []Warning{}}
		for _, t := range topics {
			if !s.All && isInternalTopic(t.Name) {
				continue
			}
			ri := make([]int, len(t.Partitions))
			for i := range ri {
				ri[i] = 1
			}
			out.Topics = append(out.Topics, TopicInfo{Name: t.Name, ReplicaInfo: ri})
		}
		return out, nil
	case ast.ShowQueries:
		out := &QueriesList{Type: "queries", StatementText: text, Queries: []RunningQuery{}, Warnings: []Warning{}}
		for _, q := range e.queries {
			out.Queries = append(out.Queries, runningQuery(q))
		}
		return out, nil
	case ast.ShowProperties:
		out := &PropertiesList{Type: "properties", StatementText: text, Properties: []Property{},
			OverwrittenProperties: []string{}, DefaultProperties: []string{}, Warnings: []Warning{}}
		names := make([]string, 0, len(sess.Properties))
		for k := range sess.Properties {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			out.Properties = append(out.Properties, Property{Name: k, Scope: "SESSION", Value: sess.Properties[k]})
			out.OverwrittenProperties = append(out.OverwrittenProperties, k)
		}
		for _, d := range defaultProperties {
			if _, set := sess.Properties[d.Name]; !set {
				out.Properties = append(out.Properties, d)
				out.DefaultProperties = append(out.DefaultProperties, d.Name)
			}
		}
		return out, nil
	case ast.ShowVariables:
		out := &VariablesList{Type: "variables", StatementText: text, Variables: []Variable{}, Warnings: []Warning{}}
		names := make([]string, 0, len(sess.Variables))
		for k := range sess.Variables {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			out.Variables = append(out.Variables, Variable{Name: k, Value: sess.Variables[k]})
		}
		return out, nil
	case ast.ShowTypes:
		out := &TypeList{Type: "type_list", StatementText: text, Types: map[string]SchemaInfo{}, Warnings: []Warning{}}
		for name, t := range e.meta.Types() {
			out.Types[name] = schemaInfo(t)
		}
		return out, nil
	case ast.ShowFunctions:
		out := &FunctionNameList{Type: "function_names", StatementText: text, Warnings: []Warning{}}
		for _, n := range e.functions.Names() {
			d, _ := e.functions.Describe(n)
			out.Functions = append(out.Functions, FunctionName{Name: d.Name, Type: d.Kind, Category: d.Category})
		}
		return out, nil
	}
	return nil, notExecutable(s)
}

// defaultProperties are the engine-wide settings SHOW PROPERTIES lists.
var defaultProperties = []Property{
	{Name: "auto.offset.reset", Scope: "KSQL", Value: "latest"},
	{Name: "ksql.persistence.default.format.key", Scope: "KSQL", Value: "KAFKA"},
	{Name: "ksql.persistence.wrap.single.values", Scope: "KSQL", Value: ""},
	{Name: "ksql.output.topic.name.prefix", Scope: "KSQL", Value: ""},
}

// isInternalTopic tells Sluice's own topics from users'.
func isInternalTopic(name string) bool {
	return strings.HasPrefix(name, "_sluice") || strings.HasPrefix(name, "_confluent")
}

func sourceInfo(s *catalog.Source) SourceInfo {
	return SourceInfo{Type: s.Kind.String(), Name: s.Name, Topic: s.Topic, KeyFormat: s.Key.Name,
		ValueFormat: s.Value.Name, IsWindowed: s.Window.Type != ""}
}

func runningQuery(q *persistentQuery) RunningQuery {
	st := q.state()
	return RunningQuery{QueryString: q.statement, Sinks: []string{q.sink.Name}, SinkKafkaTopics: []string{q.sink.Topic},
		ID: q.id, StatusCount: map[string]int{st: 1}, QueryType: "PERSISTENT", State: st}
}

// schemaInfo describes a type as the REST API does.
func schemaInfo(t types.Type) SchemaInfo {
	switch t.Kind() {
	case types.KindArray:
		m := schemaInfo(t.Elem())
		return SchemaInfo{Type: "ARRAY", MemberSchema: &m}
	case types.KindMap:
		m := schemaInfo(t.Elem())
		return SchemaInfo{Type: "MAP", MemberSchema: &m}
	case types.KindStruct:
		fs := []FieldInfo{}
		for _, f := range t.Fields() {
			fs = append(fs, FieldInfo{Name: f.Name, Schema: schemaInfo(f.Type)})
		}
		return SchemaInfo{Type: "STRUCT", Fields: fs}
	case types.KindDecimal:
		return SchemaInfo{Type: "DECIMAL", Parameters: map[string]any{"precision": t.Precision(), "scale": t.Scale()}}
	}
	return SchemaInfo{Type: t.String()}
}

func fieldInfos(s *types.Schema) []FieldInfo {
	out := []FieldInfo{}
	for _, c := range s.Columns() {
		f := FieldInfo{Name: c.Name, Schema: schemaInfo(c.Type)}
		switch c.Namespace {
		case types.NamespaceKey:
			f.Type = "KEY"
		case types.NamespaceHeaders, types.NamespaceHeader:
			f.Type = "HEADER"
		}
		out = append(out, f)
	}
	return out
}

func (e *Engine) sourceDescription(src *catalog.Source, extended bool) SourceDescription {
	d := SourceDescription{Name: src.Name, WindowType: src.Window.Type, ReadQueries: []RunningQuery{}, WriteQueries: []RunningQuery{},
		Fields: fieldInfos(src.Schema), Type: src.Kind.String(), Timestamp: src.Timestamp, Extended: extended,
		KeyFormat: src.Key.Name, ValueFormat: src.Value.Name, Topic: src.Topic, Partitions: int(src.Partitions),
		Replication: 1, Statement: src.Statement, SourceConstraints: []string{}}
	var total, failed int64
	for _, q := range e.queries {
		if slices.Contains(sourceNames(q.plan), src.Name) {
			d.ReadQueries = append(d.ReadQueries, runningQuery(q))
		}
		if q.sink.Name == src.Name {
			d.WriteQueries = append(d.WriteQueries, runningQuery(q))
			if extended {
				if d.QueryStats == nil {
					d.QueryStats = map[string]QueryStats{}
				}
				st := q.statistics()
				d.QueryStats[q.id] = st
				total += st.TotalMessages
				failed += st.Failed
			}
		}
	}
	if extended {
		d.Statistics = statsLine(d.QueryStats)
		if failed > 0 {
			d.ErrorStats = "failed-messages: " + itoa(failed)
		}
	}
	return d
}

func statsLine(stats map[string]QueryStats) string {
	var parts []string
	ids := make([]string, 0, len(stats))
	for id := range stats {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		st := stats[id]
		s := id + ": messages-per-sec: " + formatRate(st.MessagesPerSec) + " total-messages: " + itoa(st.TotalMessages)
		if st.LateTopic != "" {
			s += " late-records: " + itoa(st.LateRecords) + " (in " + st.LateTopic + ")"
		}
		if st.LastMessageTime != "" {
			s += " last-message: " + st.LastMessageTime
		}
		if st.Repartitioned {
			s += " repartitioned: yes"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "\n")
}

func (e *Engine) describeSource(text string, s *ast.DescribeSource) (Entity, error) {
	src, ok := e.meta.Source(s.Name.Name)
	if !ok {
		return nil, stmtErrorf(s.Name.Pos, "Could not find STREAM/TABLE '%s' in the Metastore", s.Name.Name)
	}
	return &SourceDescriptionEntity{Type: "sourceDescription", StatementText: text,
		SourceDescription: e.sourceDescription(src, s.Extended), Warnings: []Warning{}}, nil
}

func (e *Engine) describeSources(text string, s *ast.DescribeSources) (Entity, error) {
	out := &SourceDescriptionList{Type: "source_descriptions", StatementText: text, SourceDescriptions: []SourceDescription{}, Warnings: []Warning{}}
	for _, src := range e.meta.Sources() {
		if src.Kind == kindOf(s.Kind) {
			out.SourceDescriptions = append(out.SourceDescriptions, e.sourceDescription(src, s.Extended))
		}
	}
	return out, nil
}

func (e *Engine) describeFunction(text string, s *ast.DescribeFunction) (Entity, error) {
	d, ok := e.functions.Describe(s.Name.Name)
	if !ok {
		return nil, stmtErrorf(s.Name.Pos, "Can't find any functions with the name '%s'", s.Name.Name)
	}
	out := &FunctionDescription{Type: "describe_function", StatementText: text, Name: d.Name, Description: d.Description,
		Author: "Sluice", Version: "", Path: "internal", FunctionType: d.Kind, Warnings: []Warning{}}
	for _, sig := range d.Signatures {
		out.Functions = append(out.Functions, parseSignature(sig, d.Description))
	}
	return out, nil
}

// parseSignature splits "NAME(a T, b U) => R" into the REST shape.
func parseSignature(sig, desc string) FunctionSignature {
	fs := FunctionSignature{Arguments: []FunctionArgument{}, Description: desc}
	open, arrow := strings.Index(sig, "("), strings.LastIndex(sig, "=>")
	if open < 0 || arrow < 0 {
		return fs
	}
	fs.ReturnType = strings.TrimSpace(sig[arrow+2:])
	inner := strings.TrimSpace(sig[open+1 : strings.LastIndex(sig[:arrow], ")")])
	if inner == "" {
		return fs
	}
	for _, a := range splitTopLevel(inner) {
		a = strings.TrimSpace(a)
		name, typ, _ := strings.Cut(a, " ")
		arg := FunctionArgument{Name: name, Type: strings.TrimSpace(typ)}
		if strings.HasSuffix(arg.Type, "...") {
			arg.IsVariadic, arg.Type = true, strings.TrimSuffix(arg.Type, "...")
		}
		fs.Arguments = append(fs.Arguments, arg)
	}
	return fs
}

// splitTopLevel splits on commas outside <> and ().
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '(':
			depth++
		case '>', ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func (e *Engine) explain(sess *Session, text string, s *ast.Explain) (Entity, error) {
	if s.QueryID != nil {
		q := e.queryByID(s.QueryID.Name)
		if q == nil {
			return nil, stmtErrorf(s.QueryID.Pos, "Query with id:%s does not exist, use SHOW QUERIES to view the full set of running queries.", s.QueryID.Name)
		}
		st := q.statistics()
		return e.queryDescription(text, q.id, q.statement, q.plan, q.sink, q.state(), &st), nil
	}
	var q *ast.Query
	var sink *catalog.Source
	opts := plan.Options{}
	switch st := s.Statement.(type) {
	case *ast.Query:
		q = st
	case *ast.CreateAsSelect:
		q, opts = st.Query, plan.Options{Persistent: true, Sink: st.Name.Name}
	case *ast.InsertInto:
		q, opts = st.Query, plan.Options{Persistent: true, Sink: st.Target.Name}
	default:
		return nil, stmtErrorf(s.Pos, "EXPLAIN only accepts queries, CREATE ... AS SELECT, INSERT INTO ... SELECT or a query ID")
	}
	p, err := e.binder().Bind(q, opts)
	if err != nil {
		return nil, asStmtError(err)
	}
	if opts.Persistent {
		sink = &catalog.Source{Name: opts.Sink, Topic: opts.Sink}
	}
	return e.queryDescription(text, "", s.Statement.String(), p, sink, "", nil), nil
}

func (e *Engine) queryDescription(text, id, stmt string, p *plan.Query, sink *catalog.Source, state string, stats *QueryStats) *QueryDescriptionEntity {
	qd := QueryDescription{ID: id, StatementText: stmt, Fields: fieldInfos(p.Output), Sources: sourceNames(p),
		Sinks: []string{}, Topology: p.Explain(), ExecutionPlan: p.Explain(), OverriddenProperties: map[string]string{},
		QueryType: "PUSH", State: state, Stats: stats}
	if sink != nil {
		qd.Sinks = []string{sink.Name}
		qd.QueryType = "PERSISTENT"
	}
	return &QueryDescriptionEntity{Type: "queryDescription", StatementText: text, QueryDescription: qd, Warnings: []Warning{}}
}
