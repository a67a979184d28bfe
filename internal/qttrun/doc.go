// Package qttrun runs ksqlDB's query-validation tests (the cases that
// package qtt loads) through Sluice's engine and says which pass: for each
// case it opens an engine in manual mode over an in-memory log, creates
// the topics, executes the statements, serializes and appends the input
// records, drains the queries, and compares what the queries appended with
// the expected records, the expected exception and the post-conditions, as
// ksqlDB's own runner does (see ../shared/ksql-qtt/FORMAT.md, section 2).
//
// Values are compared as ksqlDB's ExpectedRecordComparator compares them:
// actual records are decoded into the Java-like values ksqlDB's test
// deserializers return (int, long, double, exact decimals, strings, lists,
// ordered objects), and compared with the expected JSON, whose numbers keep
// their literal text and so their scale.
//
//	files, _ := qtt.LoadCorpus(root)
//	rep := qttrun.Run(ctx, files, qttrun.Options{})
//	fmt.Println(rep.Passed, "of", rep.Total)
package qttrun
