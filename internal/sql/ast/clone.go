package ast

import "reflect"

// Clone returns a deep copy of e, so that a caller may rewrite the copy
// (qualify or strip column references, substitute nodes) and leave the
// statement it came from untouched.
func Clone(e Expr) Expr {
	if e == nil {
		return nil
	}
	return deepCopy(reflect.ValueOf(e)).Interface().(Expr)
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Elem().Type())
		c.Elem().Set(deepCopy(v.Elem()))
		return c
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		c := reflect.New(v.Type()).Elem()
		c.Set(deepCopy(v.Elem()))
		return c
	case reflect.Struct:
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		for i := 0; i < v.NumField(); i++ {
			if c.Field(i).CanSet() {
				c.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return c
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			c.Index(i).Set(deepCopy(v.Index(i)))
		}
		return c
	}
	return v
}

var exprType = reflect.TypeOf((*Expr)(nil)).Elem()

// Rewrite replaces, bottom up, every sub-expression x of e (e included) by
// fn(x), and returns the result. It rewrites e in place: Clone it first to
// keep the original.
func Rewrite(e Expr, fn func(Expr) Expr) Expr {
	if e == nil {
		return nil
	}
	rewriteFields(reflect.ValueOf(e), fn)
	return fn(e)
}

func rewriteFields(v reflect.Value, fn func(Expr) Expr) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			rewriteFields(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if !f.CanSet() {
				continue
			}
			if f.Type() == exprType {
				if !f.IsNil() {
					f.Set(reflect.ValueOf(Rewrite(f.Interface().(Expr), fn)))
				}
				continue
			}
			rewriteFields(f, fn)
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			el := v.Index(i)
			if el.Type() == exprType {
				if !el.IsNil() {
					el.Set(reflect.ValueOf(Rewrite(el.Interface().(Expr), fn)))
				}
				continue
			}
			rewriteFields(el, fn)
		}
	}
}

// RewriteTopDown replaces, top down, each sub-expression x of e (e
// included) for which fn returns (replacement, true), without visiting
// inside the replaced one; other nodes are kept and visited. It rewrites
// e in place: Clone it first to keep the original.
func RewriteTopDown(e Expr, fn func(Expr) (Expr, bool)) Expr {
	if e == nil {
		return nil
	}
	if r, ok := fn(e); ok {
		return r
	}
	rewriteFieldsTopDown(reflect.ValueOf(e), fn)
	return e
}

func rewriteFieldsTopDown(v reflect.Value, fn func(Expr) (Expr, bool)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			rewriteFieldsTopDown(v.Elem(), fn)
		}
	case reflect.Struct, reflect.Slice:
		n := v.Len
		field := v.Index
		if v.Kind() == reflect.Struct {
			n, field = v.NumField, v.Field
		}
		for i := 0; i < n(); i++ {
			f := field(i)
			if !f.CanSet() {
				continue
			}
			if f.Type() == exprType {
				if !f.IsNil() {
					f.Set(reflect.ValueOf(RewriteTopDown(f.Interface().(Expr), fn)))
				}
				continue
			}
			rewriteFieldsTopDown(f, fn)
		}
	}
}
