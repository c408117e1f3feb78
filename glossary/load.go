package glossary

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Limits on entry fields. Cards must fit every platform; these keep one
// entry inside Slack's and Discord's limits with room for the frame.
const (
	MaxTitle     = 100
	MaxName      = 100
	MaxSummary   = 700
	MaxKeyPoints = 8
	MaxPoint     = 300
	MaxQuestions = 8
	MaxSources   = 10
	MaxSeeAlso   = 12
	MaxStepTerms = 8
	maxFileSize  = 256 << 10
)

// Problem is one thing wrong with a glossary file.
type Problem struct {
	File    string // path of the file, "" for entries built in memory
	Line    int    // 1-based; 0 when unknown
	Field   string // e.g. "sources[1].url"; "" for the whole file
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":" + strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found in one load. It is the error Load returns.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, 0, len(ps)+1)
	lines = append(lines, fmt.Sprintf("glossary has %d problem(s):", len(ps)))
	for _, p := range ps {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

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
	var (
		probs     Problems
		entries   = map[string]*item[Entry]{}
		curricula = map[string]*item[Curriculum]{}
	)
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
	probs = append(probs, validate(es, cs)...)
	if len(probs) > 0 {
		sortProblems(probs)
		return nil, probs
	}
	return build(es, cs), nil
}

// New builds a glossary from entries and curricula held in memory, with the
// same validation as Load.
func New(entries []Entry, curricula []Curriculum) (*Glossary, error) {
	var probs Problems
	es := make([]*item[Entry], 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		it := &item[Entry]{v: e, file: e.ID}
		if seen[e.ID] {
			probs = append(probs, it.problem("id", fmt.Sprintf("id %q is used twice", e.ID)))
			continue
		}
		seen[e.ID] = true
		es = append(es, it)
	}
	cs := make([]*item[Curriculum], 0, len(curricula))
	for _, c := range curricula {
		cs = append(cs, &item[Curriculum]{v: c, file: c.ID})
	}
	probs = append(probs, validate(es, cs)...)
	if len(probs) > 0 {
		sortProblems(probs)
		return nil, probs
	}
	return build(es, cs), nil
}

// item is a decoded file with what is needed to point at its lines.
type item[T any] struct {
	v     T
	file  string
	layer int            // index of the layer it came from
	lines map[string]int // field path -> line
	stem  string         // file name without extension; "" in memory
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

func sortProblems(ps Problems) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
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
	var es []*item[Entry]
	for _, p := range entryFiles {
		it := &item[Entry]{file: name(p), layer: li, stem: strings.TrimSuffix(path.Base(p), path.Ext(p))}
		if ps := decodeFile(l.FS, p, it); len(ps) > 0 {
			probs = append(probs, ps...)
			continue
		}
		es = append(es, it)
	}
	var cs []*item[Curriculum]
	for _, p := range readingFiles {
		it := &item[Curriculum]{file: name(p), layer: li, stem: strings.TrimSuffix(path.Base(p), path.Ext(p))}
		if ps := decodeFile(l.FS, p, it); len(ps) > 0 {
			probs = append(probs, ps...)
			continue
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
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Problems{{File: it.file, Message: fmt.Sprintf("cannot read: %v", err)}}
	}
	if len(data) > maxFileSize {
		return Problems{{File: it.file, Message: fmt.Sprintf("file is %d bytes; the limit is %d", len(data), maxFileSize)}}
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
	f, err := parser.ParseBytes(data, 0)
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
	dec := yaml.NewDecoder(bytes.NewReader(nil), yaml.DisallowUnknownField())
	if err := dec.DecodeFromNode(body, &it.v); err != nil {
		return Problems{yamlProblem(it.file, err)}
	}
	it.lines = map[string]int{}
	recordLines(body, "", it.lines)
	return nil
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

var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// checker collects problems about one file.
type checker[T any] struct {
	it    *item[T]
	probs *Problems
}

func (c checker[T]) add(field, format string, args ...any) {
	*c.probs = append(*c.probs, c.it.problem(field, fmt.Sprintf(format, args...)))
}

// text checks a free-text field: present when required, within max
// characters, no control characters, and on one line unless multiline.
func (c checker[T]) text(field, s string, required bool, max int, multiline bool) {
	if strings.TrimSpace(s) == "" {
		if required {
			c.add(field, "is missing or empty")
		}
		return
	}
	if n := utf8.RuneCountInString(s); n > max {
		c.add(field, "is %d characters; the limit is %d", n, max)
	}
	for _, r := range s {
		if r == '\n' && multiline {
			continue
		}
		if unicode.IsControl(r) {
			c.add(field, "contains a control character (%U); remove it", r)
			return
		}
	}
}

func (c checker[T]) source(field string, s Source) {
	c.text(field+".title", s.Title, true, 300, false)
	c.text(field+".authors", s.Authors, false, 200, false)
	if s.Year != 0 && (s.Year < 1000 || s.Year > 2100) {
		c.add(field+".year", "%d is not a plausible year", s.Year)
	}
	if s.URL == "" {
		c.add(field+".url", "is missing")
		return
	}
	u, err := url.Parse(s.URL)
	switch {
	case err != nil:
		c.add(field+".url", "is not a valid URL: %v", err)
	case u.Scheme != "http" && u.Scheme != "https":
		c.add(field+".url", "must start with https:// or http://")
	case u.Host == "":
		c.add(field+".url", "has no host")
	case len(s.URL) > 2000 || strings.ContainsAny(s.URL, " <>|\"\n"):
		c.add(field+".url", "must be at most 2000 characters with no spaces, quotes, <, > or |")
	}
}

func validate(es []*item[Entry], cs []*item[Curriculum]) Problems {
	var probs Problems
	ids := make(map[string]bool, len(es))
	for _, e := range es {
		ids[e.v.ID] = true
	}
	owner := map[string]*item[Entry]{} // normalised name -> entry
	for _, it := range es {
		e := &it.v
		c := checker[Entry]{it, &probs}
		switch {
		case e.ID == "":
			c.add("id", "is missing")
		case !slug.MatchString(e.ID) || len(e.ID) > 64:
			c.add("id", "%q must be a slug: lower-case letters, digits and single hyphens, at most 64 characters", e.ID)
		case it.stem != "" && it.stem != e.ID:
			c.add("id", "%q does not match the file name; rename the file to %s.yaml", e.ID, e.ID)
		}
		c.text("title", e.Title, true, MaxTitle, false)
		c.text("summary", e.Summary, true, MaxSummary, true)
		if len(e.KeyPoints) > MaxKeyPoints {
			c.add("key_points", "has %d points; the limit is %d", len(e.KeyPoints), MaxKeyPoints)
		}
		for i, p := range e.KeyPoints {
			c.text(fmt.Sprintf("key_points[%d]", i), p, true, MaxPoint, true)
		}
		if len(e.Questions) > MaxQuestions {
			c.add("questions", "has %d questions; the limit is %d", len(e.Questions), MaxQuestions)
		}
		for i, q := range e.Questions {
			c.text(fmt.Sprintf("questions[%d]", i), q, true, MaxPoint, true)
		}
		switch {
		case len(e.Sources) == 0:
			c.add("sources", "is missing: every entry needs at least one source with a title and URL")
		case len(e.Sources) > MaxSources:
			c.add("sources", "has %d sources; the limit is %d", len(e.Sources), MaxSources)
		}
		for i, s := range e.Sources {
			c.source(fmt.Sprintf("sources[%d]", i), s)
		}
		if len(e.SeeAlso) > MaxSeeAlso {
			c.add("see_also", "has %d ids; the limit is %d", len(e.SeeAlso), MaxSeeAlso)
		}
		for i, id := range e.SeeAlso {
			f := fmt.Sprintf("see_also[%d]", i)
			switch {
			case id == e.ID:
				c.add(f, "an entry cannot list itself")
			case !ids[id]:
				c.add(f, "no entry has id %q", id)
			case slices.Index(e.SeeAlso, id) < i:
				c.add(f, "%q is listed twice", id)
			}
		}
		for i, t := range e.Tags {
			if !slug.MatchString(t) {
				c.add(fmt.Sprintf("tags[%d]", i), "%q must be lower-case words joined by hyphens", t)
			}
		}
		names := map[string]bool{}
		for i, n := range e.Names() {
			f := "title"
			if i > 0 {
				f = fmt.Sprintf("aliases[%d]", i-1)
				c.text(f, n, true, MaxName, false)
			}
			key := Normalize(n)
			if key == "" {
				if strings.TrimSpace(n) != "" {
					c.add(f, "%q has no letters or digits to match on", n)
				}
				continue
			}
			if names[key] {
				continue // "SAE" and "SAEs" are one name once normalised; harmless
			}
			names[key] = true
			if other, ok := owner[key]; ok && other != it {
				c.add(f, "%q is also a name of %q (%s); a name must lead to one entry", n, other.v.ID, other.file)
				continue
			}
			owner[key] = it
		}
		for i, n := range e.NoAutolink {
			if !names[Normalize(n)] {
				c.add(fmt.Sprintf("no_autolink[%d]", i), "%q is not the title or an alias of this entry", n)
			}
		}
	}
	seen := map[string]bool{}
	for _, it := range cs {
		cu := &it.v
		c := checker[Curriculum]{it, &probs}
		switch {
		case cu.ID == "":
			c.add("id", "is missing")
		case !slug.MatchString(cu.ID) || len(cu.ID) > 64:
			c.add("id", "%q must be a slug: lower-case letters, digits and single hyphens", cu.ID)
		case it.stem != "" && it.stem != cu.ID:
			c.add("id", "%q does not match the file name; rename the file to %s.yaml", cu.ID, cu.ID)
		case seen[cu.ID]:
			c.add("id", "%q is used by another curriculum", cu.ID)
		}
		seen[cu.ID] = true
		c.text("title", cu.Title, true, MaxTitle, false)
		c.text("description", cu.Description, false, MaxSummary, true)
		if len(cu.Steps) == 0 {
			c.add("steps", "is missing: a curriculum needs at least one step")
		}
		for i, st := range cu.Steps {
			f := fmt.Sprintf("steps[%d]", i)
			c.text(f+".title", st.Title, true, MaxTitle, false)
			if len(st.Entries) == 0 || len(st.Entries) > MaxStepTerms {
				c.add(f+".entries", "needs 1 to %d entry ids, has %d", MaxStepTerms, len(st.Entries))
			}
			for j, id := range st.Entries {
				if !ids[id] {
					c.add(fmt.Sprintf("%s.entries[%d]", f, j), "no entry has id %q", id)
				}
			}
			if len(st.Readings) > MaxSources {
				c.add(f+".readings", "has %d readings; the limit is %d", len(st.Readings), MaxSources)
			}
			for j, s := range st.Readings {
				c.source(fmt.Sprintf("%s.readings[%d]", f, j), s)
			}
			if len(st.Questions) == 0 || len(st.Questions) > MaxQuestions {
				c.add(f+".questions", "needs 1 to %d questions, has %d", MaxQuestions, len(st.Questions))
			}
			for j, q := range st.Questions {
				c.text(fmt.Sprintf("%s.questions[%d]", f, j), q, true, MaxPoint, true)
			}
		}
	}
	return probs
}
