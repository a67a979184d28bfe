package ast

import (
	"fmt"
	"reflect"
	"strings"
)

var posType = reflect.TypeFor[Pos]()

// Equal reports whether two trees are the same but for positions. A nil
// slice equals an empty one.
func Equal(a, b Node) bool {
	return equalValues(reflect.ValueOf(a), reflect.ValueOf(b))
}

func equalValues(a, b reflect.Value) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValues(a.Elem(), b.Elem())
	case reflect.Struct:
		if a.Type() == posType {
			return true
		}
		for i := 0; i < a.NumField(); i++ {
			if !equalValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equalValues(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint8:
		return a.Uint() == b.Uint()
	case reflect.Float64:
		return a.Float() == b.Float()
	}
	panic("ast: Equal meets an unexpected " + a.Type().String())
}

// Dump renders a tree one node per line, indented, with each node's
// line:col. Fields at their zero value are left out; identifiers print
// inline as written by String, followed by their position.
func Dump(n Node) string {
	var b strings.Builder
	dumpValue(&b, reflect.ValueOf(n), 0)
	return b.String()
}

var (
	identType    = reflect.TypeFor[Ident]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
)

// leaf renders the nodes that Dump shows on one line: literals, column
// references, named types and durations.
func leaf(x any) (Pos, string, bool) {
	switch n := x.(type) {
	case *NullLit, *BoolLit, *StringLit, *IntegerLit, *DecimalLit, *DoubleLit,
		*Variable, *TimeUnitArg, *ColumnRef, *NamedType:
		node := n.(Node)
		return node.Position(), node.String(), true
	case Duration:
		return n.Pos, n.String(), true
	}
	return Pos{}, "", false
}

func dumpValue(b *strings.Builder, v reflect.Value, indent int) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			b.WriteString("nil\n")
			return
		}
		if p, s, ok := leaf(v.Interface()); ok {
			fmt.Fprintf(b, "%s @%d:%d %s\n", reflect.Indirect(v.Elem()).Type().Name(), p.Line, p.Col, s)
			return
		}
		v = v.Elem()
	}
	if v.CanInterface() {
		if p, s, ok := leaf(v.Interface()); ok {
			fmt.Fprintf(b, "%s @%d:%d %s\n", v.Type().Name(), p.Line, p.Col, s)
			return
		}
	}
	t := v.Type()
	if t == identType {
		id := v.Interface().(Ident)
		fmt.Fprintf(b, "%s @%d:%d\n", id.String(), id.Line, id.Col)
		return
	}
	if t.Kind() != reflect.Struct {
		b.WriteString(scalar(v))
		b.WriteString("\n")
		return
	}
	name := t.Name()
	if p, ok := v.Field(0).Interface().(Pos); ok && t.Field(0).Anonymous {
		fmt.Fprintf(b, "%s @%d:%d\n", name, p.Line, p.Col)
	} else {
		b.WriteString(name)
		b.WriteString("\n")
	}
	pad := strings.Repeat("  ", indent+1)
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if f.Type == posType || omit(fv) {
			continue
		}
		if fv.Kind() == reflect.Slice {
			if fv.Len() == 0 {
				continue
			}
			fmt.Fprintf(b, "%s%s:\n", pad, f.Name)
			for j := 0; j < fv.Len(); j++ {
				fmt.Fprintf(b, "%s- ", pad)
				el := fv.Index(j)
				if el.Kind() == reflect.String {
					fmt.Fprintf(b, "%q\n", el.String())
					continue
				}
				dumpValue(b, el, indent+2)
			}
			continue
		}
		fmt.Fprintf(b, "%s%s: ", pad, f.Name)
		dumpValue(b, fv, indent+1)
	}
}

// omit tells the fields Dump leaves out: absent, false or empty. Enums and
// numbers always show, even at zero, except an enum that prints as nothing.
func omit(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Bool, reflect.Pointer, reflect.Interface, reflect.Slice, reflect.String, reflect.Struct:
		return v.IsZero()
	}
	return v.Type().Implements(stringerType) && scalar(v) == ""
}

func scalar(v reflect.Value) string {
	if v.Type().Implements(stringerType) {
		return v.Interface().(fmt.Stringer).String()
	}
	switch v.Kind() {
	case reflect.String:
		return fmt.Sprintf("%q", v.String())
	case reflect.Float64:
		return fmt.Sprintf("%g", v.Float())
	}
	return fmt.Sprint(v.Interface())
}
