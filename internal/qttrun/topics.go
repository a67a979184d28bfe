package qttrun

import (
	"strings"

	"github.com/sluicedata/sluice/internal/qtt"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
)

// topicSpec is a topic the runner creates before the statements run.
type topicSpec struct {
	name       string
	partitions int32
}

// Partition counts of ksqlDB's runner: a topics entry without one has 1;
// a topic derived from a CREATE statement without PARTITIONS, or named only
// by a record, has 4.
const (
	defaultEntryPartitions   = 1
	defaultDerivedPartitions = 4
)

// caseTopics returns the topics to create for a case, as ksqlDB's runner
// builds them: the test's topics entries, then the KAFKA_TOPIC of every
// CREATE STREAM/TABLE statement that declares columns (PARTITIONS or 4),
// then every topic a record names (4 partitions). Statements that do not
// parse are passed over here; executing them reports the error.
func caseTopics(c qtt.Case) []topicSpec {
	var out []topicSpec
	index := map[string]int{}
	// fixed marks the topics whose partition count was given: by their
	// topics entry or by the first CREATE statement naming them.
	fixed := map[string]bool{}
	add := func(name string, partitions int32) bool {
		if _, ok := index[name]; ok || name == "" {
			return false
		}
		index[name] = len(out)
		out = append(out, topicSpec{name: name, partitions: partitions})
		return true
	}
	for _, t := range c.Test.Topics {
		p := int32(t.Partitions)
		if p <= 0 {
			p = defaultEntryPartitions
		}
		add(t.Name, p)
		fixed[t.Name] = fixed[t.Name] || t.Partitions > 0
	}
	for _, s := range c.Statements {
		stmt, err := parser.ParseStatement(s)
		if err != nil {
			continue
		}
		cs, ok := stmt.(*ast.CreateSource)
		if !ok || len(cs.Elements) == 0 {
			continue
		}
		topic, partitions := "", int32(defaultDerivedPartitions)
		for _, p := range cs.With {
			switch strings.ToUpper(p.Name) {
			case "KAFKA_TOPIC":
				if lit, ok := p.Value.(*ast.StringLit); ok {
					topic = lit.Value
				}
			case "PARTITIONS":
				if lit, ok := p.Value.(*ast.IntegerLit); ok && lit.Value > 0 && lit.Value <= 1<<20 {
					partitions = int32(lit.Value)
				}
			}
		}
		if !add(topic, partitions) && topic != "" && !fixed[topic] {
			out[index[topic]].partitions = partitions
		}
		fixed[topic] = true
	}
	for _, recs := range [][]qtt.Record{c.Test.Inputs, c.Test.Outputs} {
		for _, r := range recs {
			add(r.Topic, defaultDerivedPartitions)
		}
	}
	return out
}

// isStateless reports whether a case needs no state store: none of its
// statements creates a table or runs a query with GROUP BY, WINDOW or JOIN,
// and none of its records has a windowed key. Stateless cases are the
// first compatibility target. Statements that do not parse count as
// stateless: they are negative tests of the parser.
func isStateless(c qtt.Case) bool {
	for _, recs := range [][]qtt.Record{c.Test.Inputs, c.Test.Outputs} {
		for _, r := range recs {
			if r.Window != nil {
				return false
			}
		}
	}
	for _, s := range c.Statements {
		stmt, err := parser.ParseStatement(s)
		if err != nil {
			continue
		}
		var q *ast.Query
		switch st := stmt.(type) {
		case *ast.CreateSource:
			if st.Kind == ast.Table {
				return false
			}
		case *ast.CreateAsSelect:
			if st.Kind == ast.Table {
				return false
			}
			q = st.Query
		case *ast.InsertInto:
			q = st.Query
		}
		if q != nil && (q.GroupBy != nil || q.Window != nil || len(q.Joins) > 0) {
			return false
		}
	}
	return true
}
