package parser_test

import (
	"errors"
	"fmt"

	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/sql/parser"
)

func ExampleParse() {
	stmts, err := parser.Parse(`
		CREATE STREAM clicks (user_id BIGINT KEY, url STRING) WITH (kafka_topic='clicks', value_format='JSON');
		SELECT user_id, COUNT(*) AS n FROM clicks WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY user_id EMIT CHANGES;`)
	if err != nil {
		panic(err)
	}
	for _, s := range stmts {
		fmt.Printf("%T at line %d\n", s, s.Position().Line)
	}
	fmt.Println(stmts[1])
	// Output:
	// *ast.CreateSource at line 2
	// *ast.Query at line 3
	// SELECT
	//   USER_ID,
	//   COUNT(*) N
	// FROM CLICKS
	// WINDOW TUMBLING (SIZE 1 MINUTE)
	// GROUP BY USER_ID
	// EMIT CHANGES
}

func ExampleError() {
	_, err := parser.Parse("CREATE STREAM s (k INT (KEY)) WITH (kafka_topic='t');")
	var pe *parser.Error
	if errors.As(err, &pe) {
		fmt.Println(pe.Code)
		fmt.Println(pe)
		fmt.Println(pe.Compat())
	}
	// Output:
	// syntax
	// line 1:25: Syntax Error
	// Expecting {'STRING', INTEGER_VALUE}
	// Syntax error at or near 'KEY' at line 1:25
}

func ExampleParseExpr() {
	e, _ := parser.ParseExpr("a + b * 2 > 10 AND NOT c")
	fmt.Println(e)
	// Output: (((A + (B * 2)) > 10) AND (NOT C))
}

func ExampleParseStatement() {
	s, _ := parser.ParseStatement("drop stream if exists `Clicks` delete topic")
	d := s.(*ast.DropSource)
	fmt.Println(d.Name.Name, d.IfExists, d.DeleteTopic)
	fmt.Println(s)
	// Output:
	// Clicks true true
	// DROP STREAM IF EXISTS `Clicks` DELETE TOPIC
}
