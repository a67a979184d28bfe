// Package qtt loads ksqlDB's query-validation test files, the oracle that
// measures how closely Sluice follows ksqlDB, and expands them into runnable
// cases. It owns the file format only: JSON with // and /* */ comments,
// numbers kept as their exact literal text (1.00 stays "1.00", because the
// expected-output comparison is scale-sensitive), validation of each test, and
// the expansion of the format and config arrays into one case per
// combination. Running a case belongs to the test runner above it.
//
// The corpus is never part of this repository: it lives beside the clone, in
// ../shared/ksql-qtt (see CorpusDir), with the plain tests in
// query-validation-tests/ and the REST tests in rest-query-validation-tests/.
//
// Example:
//
//	root, err := qtt.CorpusDir()
//	if err != nil {
//		return err // names where it looked
//	}
//	files, err := qtt.LoadCorpus(root)
//	if err != nil {
//		return err // names the file and the test
//	}
//	if err := qtt.CheckUniqueNames(files); err != nil {
//		return err
//	}
//	for _, f := range files {
//		for _, c := range f.Cases() {
//			if c.NeedsSchemaRegistry() {
//				continue // reported as skipped until a registry exists
//			}
//			fmt.Println(c.Name, len(c.Statements))
//		}
//	}
package qtt
