package glossary

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// DecodeYAML decodes the YAML node n (parsed with
// parser.AllowDuplicateMapKey, so that a key given twice is one problem
// among the others) into v, a pointer to a struct whose
// fields have yaml tags, and reports every problem rather than the first:
// each key v's type has no field for, each key given twice, and each value
// that is not what its field takes. A Problem names the field's path
// (prefix, then .key and [i]: "slack.enabled", "sources[1].year"), its
// line, and what the field expects; unknownHint ends the message of an
// unknown key ("check its spelling against config.example.yaml"). File is
// left to the caller.
//
// Values with a problem keep what they held; the others are decoded, so
// a caller can go on to check them (see BrokenFields). The YAML library decodes
// into a struct up to its first error only, which is why the node is
// walked here against the type first.
func DecodeYAML(n ast.Node, prefix, unknownHint string, v any) Problems {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("glossary.DecodeYAML: v must be a non-nil pointer")
	}
	n = unwrap(n)
	if isNull(n) {
		return nil
	}
	var probs Problems
	w := walker{hint: unknownHint, probs: &probs}
	w.check(n, rv.Elem().Type(), prefix)
	if len(probs) == 0 {
		// The common case: decode the whole node at once, as the library
		// resolves anchors and aliases across it.
		if err := yaml.NodeToValue(n, v); err != nil {
			probs = append(probs, Problem{Line: line(n), Field: prefix, Message: libraryMessage(err)})
		}
		return probs
	}
	// Decode every value that had no problem, so that they can be checked.
	fill(n, rv.Elem())
	return probs
}

// BrokenFields are the paths problems from DecodeYAML (with an empty
// prefix) point at: those values were not decoded, so checks of them
// would only repeat the problem. See Broken.
func BrokenFields(probs Problems) map[string]bool {
	out := map[string]bool{}
	for _, p := range probs {
		out[p.Field] = true
	}
	return out
}

// Broken reports whether field is one of the broken paths or inside one.
func Broken(broken map[string]bool, field string) bool {
	for f := field; ; {
		if broken[f] {
			return true
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			return false
		}
		f = f[:i]
	}
}

// fill decodes n into v value by value, leaving alone what does not
// decode: what check reported. Aliases are left unresolved (zero).
func fill(n ast.Node, v reflect.Value) {
	n = unwrap(n)
	if isNull(n) || n.Type() == ast.AliasType {
		return
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(n, v.Elem())
		return
	}
	t := v.Type()
	switch {
	case leaf(t):
	case t.Kind() == reflect.Struct:
		if !isMapping(n) {
			return
		}
		fields := structFields(t)
		for _, kv := range mappingValues(n) {
			if idx, ok := fields[keyName(kv)]; ok {
				fill(kv.Value, v.FieldByIndex(idx))
			}
		}
		return
	case t.Kind() == reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			return
		}
		s := reflect.MakeSlice(t, len(seq.Values), len(seq.Values))
		for i, e := range seq.Values {
			fill(e, s.Index(i))
		}
		v.Set(s)
		return
	case t.Kind() == reflect.Map:
		if !isMapping(n) || t.Key().Kind() != reflect.String {
			return
		}
		if v.IsNil() {
			v.Set(reflect.MakeMap(t))
		}
		for _, kv := range mappingValues(n) {
			e := reflect.New(t.Elem()).Elem()
			fill(kv.Value, e)
			v.SetMapIndex(reflect.ValueOf(keyName(kv)).Convert(t.Key()), e)
		}
		return
	case t.Kind() == reflect.Array:
		return
	}
	if isMapping(n) || n.Type() == ast.SequenceType {
		if t.Kind() != reflect.Interface {
			return
		}
	}
	p := reflect.New(t)
	if yaml.NodeToValue(n, p.Interface()) == nil {
		v.Set(p.Elem())
	}
}

type walker struct {
	hint  string
	probs *Problems
}

func (w walker) add(n ast.Node, path, format string, args ...any) {
	*w.probs = append(*w.probs, Problem{Line: line(n), Field: path, Message: fmt.Sprintf(format, args...)})
}

// check walks n against t, recording problems.
func (w walker) check(n ast.Node, t reflect.Type, path string) {
	n = unwrap(n)
	if isNull(n) || n.Type() == ast.AliasType {
		return // zero, or resolved by the library at decode time
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if leaf(t) {
		w.scalar(n, t, path)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if !isMapping(n) {
			w.add(n, path, "got %s; want %s", describe(n), expect(t))
			return
		}
		fields := structFields(t)
		seen := map[string]bool{}
		for _, kv := range mappingValues(n) {
			key := keyName(kv)
			if key == "<<" {
				continue // a merge key: the library merges it
			}
			p := join(path, key)
			if seen[key] {
				w.add(kv.Key, p, "appears twice; keep one")
				continue
			}
			seen[key] = true
			idx, ok := fields[key]
			if !ok {
				msg := "unknown field"
				if near := closest(key, fields); near != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", near)
				}
				if w.hint != "" {
					msg += "; " + w.hint
				}
				w.add(kv.Key, p, "%s", msg)
				continue
			}
			w.check(kv.Value, t.FieldByIndex(idx).Type, p)
		}
	case reflect.Slice, reflect.Array:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			w.add(n, path, "got %s; want %s", describe(n), expect(t))
			return
		}
		for i, v := range seq.Values {
			w.check(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if !isMapping(n) {
			w.add(n, path, "got %s; want %s", describe(n), expect(t))
			return
		}
		seen := map[string]bool{}
		for _, kv := range mappingValues(n) {
			key := keyName(kv)
			if seen[key] {
				w.add(kv.Key, join(path, key), "appears twice; keep one")
				continue
			}
			seen[key] = true
			w.check(kv.Value, t.Elem(), join(path, key))
		}
	case reflect.Interface:
		// anything goes
	default:
		w.scalar(n, t, path)
	}
}

// scalar checks a value the library decodes on its own: a string, a
// number, a bool, a duration, a type that unmarshals itself.
func (w walker) scalar(n ast.Node, t reflect.Type, path string) {
	if isMapping(n) || n.Type() == ast.SequenceType {
		w.add(n, path, "got %s; want %s", describe(n), expect(t))
		return
	}
	if err := yaml.NodeToValue(n, reflect.New(t).Interface()); err != nil {
		w.add(n, path, "got %s; want %s", describe(n), expect(t))
	}
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	textType     = reflect.TypeFor[encoding.TextUnmarshaler]()
	bytesType    = reflect.TypeFor[yaml.BytesUnmarshaler]()
	ifaceType    = reflect.TypeFor[yaml.InterfaceUnmarshaler]()
)

// leaf reports whether values of t are decoded whole: by the type itself
// or as a duration.
func leaf(t reflect.Type) bool {
	if t == durationType {
		return true
	}
	p := reflect.PointerTo(t)
	return p.Implements(textType) || p.Implements(bytesType) || p.Implements(ifaceType)
}

// expect says what a value of type t looks like in YAML.
func expect(t reflect.Type) string {
	if t == durationType {
		return "a duration such as 30s, 5m or 2h"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "text (quote it if it contains a colon or starts with a symbol)"
	case reflect.Slice, reflect.Array:
		el := t.Elem()
		for el.Kind() == reflect.Pointer {
			el = el.Elem()
		}
		if el.Kind() == reflect.Struct && !leaf(el) {
			return "a list of mappings, one \"- key: value\" item each"
		}
		return "a list, such as [a, b] or one \"- item\" a line"
	case reflect.Struct, reflect.Map:
		return "a mapping of keys (key: value, one a line)"
	}
	return "a " + t.String()
}

// describe says what a node is, for "got …".
func describe(n ast.Node) string {
	switch n.Type() {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.NullType:
		return "nothing"
	}
	s := n.String()
	if tk := n.GetToken(); tk != nil {
		s = tk.Value
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strconv.Quote(s)
}

// structFields maps t's yaml keys to field indexes, inline structs
// included.
func structFields(t reflect.Type) map[string][]int {
	out := map[string][]int{}
	var add func(t reflect.Type, index []int)
	add = func(t reflect.Type, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("yaml")
			name, opts, _ := strings.Cut(tag, ",")
			if name == "-" {
				continue
			}
			idx := append(append([]int(nil), index...), i)
			if strings.Contains(","+opts+",", ",inline,") {
				ft := f.Type
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					add(ft, idx)
					continue
				}
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			out[name] = idx
		}
	}
	add(t, nil)
	return out
}

// closest is the known key one or two edits from key, if there is one.
func closest(key string, fields map[string][]int) string {
	best, bestD := "", 3
	for k := range fields {
		if d := editDistance(key, k); d < bestD || d == bestD && k < best {
			best, bestD = k, d
		}
	}
	if bestD > 2 || bestD >= len(key) {
		return ""
	}
	return best
}

func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			n = v.Value
		case *ast.AnchorNode:
			n = v.Value
		case *ast.DocumentNode:
			n = v.Body
		default:
			return n
		}
	}
}

func isNull(n ast.Node) bool { return n == nil || n.Type() == ast.NullType }

func isMapping(n ast.Node) bool {
	t := n.Type()
	return t == ast.MappingType || t == ast.MappingValueType
}

func mappingValues(n ast.Node) []*ast.MappingValueNode {
	switch v := n.(type) {
	case *ast.MappingNode:
		return v.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{v}
	}
	return nil
}

func keyName(kv *ast.MappingValueNode) string {
	if tk := kv.Key.GetToken(); tk != nil {
		return tk.Value
	}
	return kv.Key.String()
}

func line(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// libraryMessage is the YAML library's message without its source excerpt.
func libraryMessage(err error) string {
	if ye, ok := err.(yaml.Error); ok {
		return ye.GetMessage()
	}
	return err.Error()
}
