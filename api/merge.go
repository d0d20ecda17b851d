package api

import (
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// merge checks, before the validator, what its OverlappingFieldsCanBeMerged
// rule checks, in time linear in the document: the fields that share a
// response name in a selection set (fragments and inline fragments merged
// in, sub-selections merged with each other) are one field with one set of
// arguments. The rule compares every pair of such fields and reports every
// pair that differs, so a few thousand fields named alike made tens of
// thousands of errors and seconds of work; here the first conflict is the
// one answer. The rule still runs on what passes, so merge also counts the
// pairs it will compare and refuses a document with more than
// maxMergedPairs: fields repeated under one name are what make it
// quadratic. The rule compares the fields of an inline fragment once more
// on their own, so a pair inside n inline fragments counts n+1 times.
//
// The schema has no interfaces or unions, so the fields of one selection set
// always have one parent type and the spec's exception for fields of
// different object types never applies (TestSchemaHasNoAbstractTypes).
//
// merge also refuses fragments no operation spreads, as the validator
// would, so that every fragment is checked where it is spread.
func merge(doc *ast.QueryDocument) *gqlerror.Error {
	m := merger{
		frags:  make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		spread: map[string]bool{},
		open:   map[string]bool{},
	}
	for _, f := range doc.Fragments {
		m.frags[f.Name] = f
	}
	for _, op := range doc.Operations {
		if err := m.set(op.SelectionSet, mergedSet{}, 1); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if !m.spread[f.Name] {
			err := gqlerror.ErrorPosf(f.Position, `Fragment "%s" is never used.`, f.Name)
			errcode.Set(err, errcode.ValidationFailed)
			return err
		}
	}
	return nil
}

// mergedSet is a selection set with its fragments merged in: its fields by
// response name.
type mergedSet map[string]*mergedField

// mergedField is every field of a selection set under one response name.
type mergedField struct {
	first *ast.Field // the one the others are compared with
	n     int        // how many
	sub   mergedSet  // their selection sets, merged
}

type merger struct {
	frags  map[string]*ast.FragmentDefinition
	spread map[string]bool // fragments spread so far
	open   map[string]bool // fragments being merged: a cycle, which the validator refuses, stops here
	pairs  int             // comparisons of fields under one response name
}

// set merges a selection set into another; weight is how many times the
// rule compares each pair of its fields.
func (m *merger) set(set ast.SelectionSet, into mergedSet, weight int) *gqlerror.Error {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if err := m.field(sel, into, weight); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := m.set(sel.SelectionSet, into, weight+1); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			f := m.frags[sel.Name]
			if f == nil || m.open[sel.Name] {
				continue // unknown, or a cycle: the validator says so
			}
			m.spread[sel.Name] = true
			m.open[sel.Name] = true
			err := m.set(f.SelectionSet, into, weight)
			delete(m.open, sel.Name)
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *merger) field(f *ast.Field, into mergedSet, weight int) *gqlerror.Error {
	name := f.Alias
	if name == "" {
		name = f.Name
	}
	mf := into[name]
	if mf == nil {
		mf = &mergedField{first: f}
		into[name] = mf
	} else if err := conflict(name, mf.first, f); err != nil {
		return err
	}
	m.pairs += mf.n * weight // the rule compares f with each field already here
	mf.n++
	if m.pairs > maxMergedPairs {
		return tooComplex("the document asks for fields under one name too many times over (more than %d pairs to compare)", maxMergedPairs)
	}
	if len(f.SelectionSet) > 0 {
		if mf.sub == nil {
			mf.sub = mergedSet{}
		}
		return m.set(f.SelectionSet, mf.sub, weight)
	}
	return nil
}

// conflict says why a and b, both answered under name, cannot be merged,
// naming only what the client wrote.
func conflict(name string, a, b *ast.Field) *gqlerror.Error {
	var err *gqlerror.Error
	switch {
	case a == b:
		return nil // one fragment spread twice
	case a.Name != b.Name:
		err = gqlerror.ErrorPosf(b.Position, `Fields "%s" conflict because "%s" and "%s" are different fields. Use different aliases on the fields to fetch both.`, name, a.Name, b.Name)
	case !sameArguments(a.Arguments, b.Arguments):
		err = gqlerror.ErrorPosf(b.Position, `Fields "%s" conflict because they have differing arguments. Use different aliases on the fields to fetch both.`, name)
	default:
		return nil
	}
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

// sameArguments reports whether two fields' arguments are the same, in any
// order, as the validator compares them.
func sameArguments(a, b ast.ArgumentList) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		y := b.ForName(x.Name)
		if y == nil || !sameValue(x.Value, y.Value) {
			return false
		}
	}
	return true
}

// sameValue compares two values as written: variables by name, lists in
// order, input objects in any order of their fields.
func sameValue(a, b *ast.Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Kind != b.Kind || a.Raw != b.Raw || len(a.Children) != len(b.Children) {
		return false
	}
	ac, bc := a.Children, b.Children
	if a.Kind == ast.ObjectValue {
		byName := func(x, y *ast.ChildValue) int { return strings.Compare(x.Name, y.Name) }
		ac, bc = slices.Clone(ac), slices.Clone(bc)
		slices.SortStableFunc(ac, byName)
		slices.SortStableFunc(bc, byName)
	}
	for i := range ac {
		if ac[i].Name != bc[i].Name || !sameValue(ac[i].Value, bc[i].Value) {
			return false
		}
	}
	return true
}
