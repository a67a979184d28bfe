package qtt_test

import (
	"fmt"
	"path/filepath"

	"github.com/sluicedata/sluice/internal/qtt"
)

func ExampleFile_Cases() {
	files, err := qtt.LoadCorpus(filepath.Join("testdata", "corpus"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range files {
		for _, c := range f.Cases() {
			fmt.Printf("%s | registry: %v | %s\n", c.Name, c.NeedsSchemaRegistry(), c.Statements[0])
		}
	}
	// Output:
	// alpha - keeps comments out | registry: false | CREATE STREAM S (ID INT KEY, URL STRING) WITH (kafka_topic='in', format='JSON');
	// beta - formats - JSON | registry: false | CREATE STREAM S (ID INT KEY, V DOUBLE) WITH (kafka_topic='in', value_format='JSON');
	// beta - formats - AVRO | registry: true | CREATE STREAM S (ID INT KEY, V DOUBLE) WITH (kafka_topic='in', value_format='AVRO');
	// gamma - pull query | registry: false | CREATE TABLE T (ID INT PRIMARY KEY, N BIGINT) WITH (kafka_topic='t', format='JSON');
}
