package plan

import (
	"github.com/sluicedata/sluice/internal/expr"
	"github.com/sluicedata/sluice/internal/sql/ast"
	"github.com/sluicedata/sluice/internal/types"
)

func exprResolve(t ast.Type) (types.Type, error) { return expr.ResolveType(t) }
