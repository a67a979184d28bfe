package expr

import "github.com/sluicedata/sluice/internal/functions"

func testRegistry() *functions.Registry { return functions.NewRegistry() }
