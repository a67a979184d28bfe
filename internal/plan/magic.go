package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/sluicedata/sluice/internal/sql/ast"
)

// rewriteTimeLiterals turns string literals compared with ROWTIME,
// WINDOWSTART or WINDOWEND (BIGINTs of milliseconds) into those
// milliseconds, as ksqlDB lets a user
// write WHERE ROWTIME >= '2019-01-01T00:00:00'. Partial timestamps fill
// in the smallest value of what is left out: '2018' is 2018-01-01T00:00.
func rewriteTimeLiterals(e ast.Expr) error {
	var err error
	ast.Walk(e, func(x ast.Expr) bool {
		switch x := x.(type) {
		case *ast.Binary:
			if x.Op < ast.Eq || x.Op > ast.Ge {
				return true
			}
			if isRowTime(x.L) {
				x.R, err = timeLiteral(x.R, err)
			} else if isRowTime(x.R) {
				x.L, err = timeLiteral(x.L, err)
			}
		case *ast.Between:
			if isRowTime(x.X) {
				x.Low, err = timeLiteral(x.Low, err)
				x.High, err = timeLiteral(x.High, err)
			}
		}
		return err == nil
	})
	return err
}

func isRowTime(e ast.Expr) bool {
	ref, ok := e.(*ast.ColumnRef)
	return ok && (ref.Name.Name == RowTime || ref.Name.Name == WindowStart || ref.Name.Name == WindowEnd)
}

func timeLiteral(e ast.Expr, prev error) (ast.Expr, error) {
	s, ok := e.(*ast.StringLit)
	if !ok || prev != nil {
		return e, prev
	}
	ms, err := ParsePartialTimestamp(s.Value)
	if err != nil {
		return e, errorf(s.Pos, "%v", err)
	}
	return &ast.IntegerLit{Pos: s.Pos, Value: ms, Text: fmt.Sprint(ms)}, nil
}

// ParsePartialTimestamp parses yyyy[-MM[-dd[THH[:mm[:ss[.SSS]]]]]] with an
// optional zone (Z, +HHMM, +HH:MM; UTC when absent) into Unix
// milliseconds.
func ParsePartialTimestamp(s string) (int64, error) {
	text, zone := splitZone(strings.TrimSpace(s))
	const full = "0000-01-01T00:00:00.000"
	if len(text) < 4 || len(text) > len(full) {
		return 0, fmt.Errorf("Failed to parse timestamp '%s': use the form yyyy-MM-ddTHH:mm:ss.SSS, of which a prefix is enough", s)
	}
	// Fill the missing suffix from the template, keeping what was given.
	filled := text + templateRest(text)
	t, err := time.Parse("2006-01-02T15:04:05.000", filled)
	if err != nil {
		return 0, fmt.Errorf("Failed to parse timestamp '%s': %v", s, err)
	}
	loc := time.UTC
	if zone != "" && zone != "Z" {
		z := strings.ReplaceAll(zone, ":", "")
		zt, err := time.Parse("-0700", z)
		if err != nil {
			return 0, fmt.Errorf("Failed to parse timestamp '%s': bad zone %s", s, zone)
		}
		loc = zt.Location()
	}
	t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	return t.UnixMilli(), nil
}

// templateRest returns what completes a prefix of yyyy-MM-ddTHH:mm:ss.SSS.
func templateRest(text string) string {
	const full = "0000-01-01T00:00:00.000"
	if len(text) >= len(full) {
		return ""
	}
	rest := full[len(text):]
	// A prefix ending inside a two-digit field of "01" must not repeat
	// the template's digit: "2018-1" is not a valid prefix anyway.
	return rest
}

func splitZone(s string) (text, zone string) {
	if strings.HasSuffix(s, "Z") {
		return s[:len(s)-1], "Z"
	}
	if i := strings.IndexAny(s, "T"); i >= 0 {
		if j := strings.LastIndexAny(s[i:], "+-"); j >= 0 {
			return s[:i+j], s[i+j:]
		}
	}
	return s, ""
}
