package glossary

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// maxFileSize caps one glossary file.
const maxFileSize = 256 << 10

// Layer is one directory tree of glossary files: entries/*.yaml and
// readings/*.yaml. Name (a directory or "embedded") prefixes file names
// in problems.
type Layer struct {
	Name string
	FS   fs.FS
}

// Load reads and validates every layer, reporting all problems at once.
// An entry or curriculum in a later layer replaces the one with the same id
// in an earlier layer, so a directory can extend or override the default.
func Load(layers ...Layer) (*Glossary, error) {
	g, probs, _ := Check(layers...)
	if len(probs) > 0 {
		return nil, probs
	}
	return g, nil
}

// Check is Load for a linter: it returns the glossary (nil when there are
// problems), every problem, and the warnings (see Glossary.Warnings) even
// when problems stop the load, so that one run shows everything to fix
// or look at. Both lists are sorted by file and line.
func Check(layers ...Layer) (g *Glossary, probs, warns Problems) {
	entries := map[string]*item[Entry]{}
	curricula := map[string]*item[Curriculum]{}
	for li, l := range layers {
		es, cs, ps := readLayer(l, li)
		probs = append(probs, ps...)
		for _, e := range es {
			if prev, ok := entries[e.v.ID]; ok && prev.layer == li {
				probs = append(probs, e.problem("id", fmt.Sprintf("id %q is also used by %s", e.v.ID, prev.file)))
				continue
			}
			entries[e.v.ID] = e
		}
		for _, c := range cs {
			if prev, ok := curricula[c.v.ID]; ok && prev.layer == li {
				probs = append(probs, c.problem("id", fmt.Sprintf("id %q is also used by %s", c.v.ID, prev.file)))
				continue
			}
			curricula[c.v.ID] = c
		}
	}
	es := sortedItems(entries)
	cs := sortedItems(curricula)
	ps, warns := validate(es, cs)
	probs = append(probs, ps...)
	sortProblems(probs)
	sortProblems(warns)
	if len(probs) > 0 {
		return nil, probs, warns
	}
	return build(es, cs, warns), nil, warns
}

// New builds a glossary from entries and curricula held in memory, with the
// same validation as Load.
func New(entries []Entry, curricula []Curriculum) (*Glossary, error) {
	var probs Problems
	es := inMemory(entries, func(e *Entry) string { return e.ID }, &probs)
	cs := inMemory(curricula, func(c *Curriculum) string { return c.ID }, &probs)
	ps, warns := validate(es, cs)
	probs = append(probs, ps...)
	if len(probs) > 0 {
		sortProblems(probs)
		return nil, probs
	}
	sortProblems(warns)
	return build(es, cs, warns), nil
}

// inMemory makes items of values built in memory, each named by its id,
// reporting and dropping a second value with the same id.
func inMemory[T any](vs []T, id func(*T) string, probs *Problems) []*item[T] {
	out := make([]*item[T], 0, len(vs))
	seen := make(map[string]bool, len(vs))
	for _, v := range vs {
		it := &item[T]{v: v, file: id(&v)}
		if seen[it.file] {
			*probs = append(*probs, it.problem("id", fmt.Sprintf("id %q is used twice", it.file)))
			continue
		}
		seen[it.file] = true
		out = append(out, it)
	}
	return out
}

// item is a decoded file with what is needed to point at its lines.
type item[T any] struct {
	v     T
	file  string
	layer int            // index of the layer it came from
	lines map[string]int // field path -> line
	stem  string         // file name without extension; "" in memory
	// broken are the field paths whose values did not decode: they are
	// reported already, and not checked again (see Broken).
	broken map[string]bool
}

func (it *item[T]) problem(field, msg string) Problem {
	return Problem{File: it.file, Line: it.line(field), Field: field, Message: msg}
}

// line finds the line of field, or of its nearest parent that has one.
func (it *item[T]) line(field string) int {
	for f := field; f != ""; {
		if n, ok := it.lines[f]; ok {
			return n
		}
		i := strings.LastIndexAny(f, ".[")
		if i < 0 {
			break
		}
		f = f[:i]
	}
	if it.lines != nil {
		return 1 // a field that is missing altogether: point at the file's top
	}
	return 0
}

func sortedItems[T any](m map[string]*item[T]) []*item[T] {
	out := make([]*item[T], 0, len(m))
	for _, it := range m {
		out = append(out, it)
	}
	// Earlier layers first, so a name clash between the default glossary
	// and a user's directory is reported on the user's file.
	sort.Slice(out, func(i, j int) bool {
		if out[i].layer != out[j].layer {
			return out[i].layer < out[j].layer
		}
		return out[i].file < out[j].file
	})
	return out
}

func readLayer(l Layer, li int) ([]*item[Entry], []*item[Curriculum], Problems) {
	var probs Problems
	name := func(p string) string {
		if l.Name == "" {
			return p
		}
		return l.Name + "/" + p
	}
	entryFiles, err1 := yamlFiles(l.FS, "entries")
	readingFiles, err2 := yamlFiles(l.FS, "readings")
	if err1 != nil && err2 != nil {
		if errors.Is(err1, fs.ErrNotExist) && errors.Is(err2, fs.ErrNotExist) {
			return nil, nil, Problems{{File: name("."), Message: "no entries/ or readings/ directory: put one YAML file per entry in entries/"}}
		}
	}
	// A file whose fields did not all decode is still checked, so that
	// one run reports every problem; the glossary is not built from it,
	// as Load fails on its problems. Without a usable id it cannot be
	// told apart from other files, and is left out.
	var es []*item[Entry]
	for _, p := range entryFiles {
		it := &item[Entry]{file: name(p), layer: li, stem: strings.TrimSuffix(path.Base(p), path.Ext(p))}
		if ps := decodeFile(l.FS, p, it); len(ps) > 0 {
			probs = append(probs, ps...)
			if it.lines == nil || it.broken["id"] {
				continue
			}
		}
		es = append(es, it)
	}
	var cs []*item[Curriculum]
	for _, p := range readingFiles {
		it := &item[Curriculum]{file: name(p), layer: li, stem: strings.TrimSuffix(path.Base(p), path.Ext(p))}
		if ps := decodeFile(l.FS, p, it); len(ps) > 0 {
			probs = append(probs, ps...)
			if it.lines == nil || it.broken["id"] {
				continue
			}
		}
		cs = append(cs, it)
	}
	for _, err := range []error{err1, err2} {
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			probs = append(probs, Problem{File: name("."), Message: err.Error()})
		}
	}
	return es, cs, probs
}

func yamlFiles(fsys fs.FS, dir string) ([]string, error) {
	des, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var out []string
	for _, de := range des {
		if de.IsDir() || strings.HasPrefix(de.Name(), ".") {
			continue
		}
		if ext := path.Ext(de.Name()); ext == ".yaml" || ext == ".yml" {
			out = append(out, path.Join(dir, de.Name()))
		}
	}
	return out, nil
}

// decodeFile parses one YAML file strictly into it.v and records the line
// of every field so later checks can point at them.
func decodeFile[T any](fsys fs.FS, p string, it *item[T]) (probs Problems) {
	data, err := readRegular(fsys, p, maxFileSize)
	if err != nil {
		return Problems{fileProblem(it.file, err)}
	}
	if !utf8.Valid(data) {
		return Problems{{File: it.file, Message: "file is not valid UTF-8"}}
	}
	// The YAML library is not ours; a panic on a hostile file must become a
	// problem report, never a crash of the bot that is reloading.
	defer func() {
		if r := recover(); r != nil {
			probs = Problems{{File: it.file, Message: fmt.Sprintf("cannot parse YAML: %v", r)}}
		}
	}()
	// Keys given twice are reported by DecodeYAML with the file's other
	// problems, not as a parse error that hides them.
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return Problems{yamlProblem(it.file, err)}
	}
	if len(f.Docs) != 1 || f.Docs[0].Body == nil {
		return Problems{{File: it.file, Line: 1, Message: "want exactly one YAML document (a mapping of fields)"}}
	}
	body := f.Docs[0].Body
	if _, ok := body.(*ast.MappingNode); !ok {
		if _, ok := body.(*ast.MappingValueNode); !ok {
			return Problems{{File: it.file, Line: body.GetToken().Position.Line, Message: "want a mapping of fields (key: value), got " + body.Type().String()}}
		}
	}
	// Every unknown field and wrong value of the file, not the first: the
	// fields that decoded are still checked (readLayer), the broken ones
	// are not checked again.
	probs = DecodeYAML(body, "", "check the spelling; see docs/glossary.md for the entry format", &it.v)
	for i := range probs {
		probs[i].File = it.file
	}
	it.broken = BrokenFields(probs)
	it.lines = map[string]int{}
	recordLines(body, "", it.lines)
	return probs
}

func yamlProblem(file string, err error) Problem {
	var ye yaml.Error
	if errors.As(err, &ye) {
		p := Problem{File: file, Message: ye.GetMessage()}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			p.Line = tk.Position.Line
		}
		var uf *yaml.UnknownFieldError
		if errors.As(err, &uf) && uf.Token != nil {
			p.Field = uf.Token.Value
			p.Message = "unknown field (check the spelling; see docs/glossary.md for the entry format)"
		}
		return p
	}
	return Problem{File: file, Message: err.Error()}
}

// YAMLLines maps the field paths under n ("slack.enabled",
// "reading.schedules[0].cron", with prefix "reading") to their lines, for
// messages about values checked after decoding.
func YAMLLines(n ast.Node, prefix string) map[string]int {
	lines := map[string]int{}
	recordLines(n, prefix, lines)
	return lines
}

// recordLines walks the YAML tree and maps field paths like
// "sources[1].url" to their line numbers.
func recordLines(n ast.Node, prefix string, lines map[string]int) {
	switch n := n.(type) {
	case *ast.MappingNode:
		for _, mv := range n.Values {
			recordLines(mv, prefix, lines)
		}
	case *ast.MappingValueNode:
		key := n.Key.GetToken().Value
		p := key
		if prefix != "" {
			p = prefix + "." + key
		}
		lines[p] = n.Key.GetToken().Position.Line
		recordLines(n.Value, p, lines)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			p := fmt.Sprintf("%s[%d]", prefix, i)
			if tok := v.GetToken(); tok != nil && tok.Position != nil {
				lines[p] = tok.Position.Line
			}
			recordLines(v, p, lines)
		}
	case *ast.TagNode:
		recordLines(n.Value, prefix, lines)
	case *ast.AnchorNode:
		recordLines(n.Value, prefix, lines)
	}
}
