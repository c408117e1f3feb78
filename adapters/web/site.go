package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"refbot/glossary"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// assetNames are the files under assets/ served and exported as they
// are; search.js is only used by the static export.
var assetNames = []string{"style.css", "favicon.svg", "search.js"}

const notFoundFile = "404.html"

// maxQuery caps a search query, in bytes; longer ones are cut.
const maxQuery = 200

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).ParseFS(templateFS, "templates/*.html"))

// style is how a rendered site links its pages.
type style struct {
	// static: files end in .html and the index is index.html, so the
	// site works from file:// and any static host; otherwise pages have
	// clean paths (terms/ID) as the server routes them.
	static bool
	// base is the absolute URL of the site's root, "" when unknown; it is
	// only used for canonical and OpenGraph URLs, never for links.
	base string
}

// file is the key of page p ("" for the index, "terms/ID", …).
func (s style) file(p string) string {
	if !s.static {
		return p
	}
	if p == "" {
		return "index.html"
	}
	return p + ".html"
}

// apiFile is the key of an API document ("api/v1/entries", …).
func (s style) apiFile(p string) string {
	if s.static {
		return p + ".json"
	}
	return p
}

// rel is the link from a page at key from to the file key to: every link
// is relative, so the site works under any web.path and from disk.
func rel(from, to string) string {
	depth := strings.Count(from, "/")
	if to == "" {
		if depth == 0 {
			return "./"
		}
		return strings.Repeat("../", depth)
	}
	return strings.Repeat("../", depth) + to
}

// absolute is the page's canonical URL, "" without a base.
func (s style) absolute(key string) string {
	if s.base == "" {
		return ""
	}
	if !s.static && key == "" {
		return s.base
	}
	return s.base + key
}

// site is one glossary version, rendered.
type site struct {
	g     *glossary.Glossary
	files map[string]file
	mod   time.Time
	// modified is mod as a Last-Modified header.
	modified string
	r        *renderer
	err      error // set when g could not be rendered (and nothing before it was)
}

type file struct {
	body  []byte
	etag  string
	ctype string
}

// renderer holds what every page of one glossary version shares.
type renderer struct {
	g       *glossary.Glossary
	st      style
	classes map[string]string
	legend  []legendItem
	inSteps map[string][]stepRef // entry id -> the curriculum steps that include it
}

// stepRef is a curriculum step, as linked from an entry page.
type stepRef struct {
	Curriculum, Step string
	key              string
	Href             string
}

// render renders every page, asset and API document of g.
func render(g *glossary.Glossary, st style, mod time.Time) (*site, error) {
	r := &renderer{g: g, st: st, inSteps: map[string][]stepRef{}}
	r.classes, r.legend = tagClasses(g)
	for _, c := range g.Curricula() {
		for i, s := range c.Steps {
			for _, id := range s.Entries {
				r.inSteps[id] = append(r.inSteps[id], stepRef{Curriculum: c.Title, Step: s.Title, key: r.st.file(stepPath(c.ID, i))})
			}
		}
	}
	mod = mod.UTC().Truncate(time.Second)
	out := &site{g: g, files: map[string]file{}, mod: mod, modified: mod.Format(http.TimeFormat), r: r}
	add := func(key string, body []byte) {
		ctype := mime.TypeByExtension(path.Ext(key))
		switch {
		case strings.HasPrefix(key, "api/"):
			ctype = "application/json; charset=utf-8"
		case ctype == "":
			ctype = "text/html; charset=utf-8"
		}
		out.files[key] = file{body: body, etag: etag(body), ctype: ctype}
	}
	pages := []func() (string, *pageData){r.index}
	if st.static {
		pages = append(pages, r.staticSearch, r.notFound)
	}
	for _, e := range g.Entries() {
		pages = append(pages, func() (string, *pageData) { return r.term(e) })
	}
	for _, c := range g.Curricula() {
		pages = append(pages, func() (string, *pageData) { return r.curriculum(c) })
		for i := range c.Steps {
			pages = append(pages, func() (string, *pageData) { return r.step(c, i) })
		}
	}
	var buf bytes.Buffer
	for _, p := range pages {
		key, data := p()
		buf.Reset()
		if err := r.execute(&buf, key, data); err != nil {
			return nil, err
		}
		add(key, bytes.Clone(buf.Bytes()))
	}
	for _, a := range assetNames {
		if a == "search.js" && !st.static {
			continue
		}
		b, err := fs.ReadFile(assetFS, "assets/"+a)
		if err != nil {
			return nil, err
		}
		add(a, b)
	}
	docs, err := r.apiDocs()
	if err != nil {
		return nil, err
	}
	for k, b := range docs {
		add(k, b)
	}
	if st.static {
		b, err := r.searchIndex()
		if err != nil {
			return nil, err
		}
		add("search-index.js", b)
	}
	return out, nil
}

func (r *renderer) execute(buf *bytes.Buffer, key string, data *pageData) error {
	data.fill(r, key)
	if err := templates.ExecuteTemplate(buf, "layout", data); err != nil {
		return fmt.Errorf("render %s: %w", key, err)
	}
	return nil
}

// pageData is what the layout template gets: the common parts, and one
// of the page kinds.
type pageData struct {
	Title       string // the page's own title; the layout adds the site's name
	Description string // one line, for search engines and link previews
	OGType      string
	Lang        string

	// Filled in by fill.
	Canonical    string
	Home         string
	Style        string
	Icon         string
	SearchAction string
	Query        string
	Static       bool
	Scripts      []string
	Index        *indexView
	Term         *termView
	Curriculum   *curriculumView
	Step         *stepView
	Search       *searchView
	NotFound     bool
}

func (d *pageData) fill(r *renderer, key string) {
	d.Lang = "en"
	if d.OGType == "" {
		d.OGType = "website"
	}
	d.Canonical = r.st.absolute(key)
	d.Home = rel(key, r.st.file(""))
	d.Style = rel(key, "style.css")
	d.Icon = rel(key, "favicon.svg")
	d.Static = r.st.static
	if r.st.static {
		d.SearchAction = rel(key, "search.html")
	} else {
		d.SearchAction = rel(key, "search")
	}
	if d.Search != nil {
		d.Query = d.Search.Query
	}
}

// entryLink is an entry in a list: its title, linked, and one line.
type entryLink struct {
	Href, Title, Line string
	Also              string // another name that matched, or the aliases
}

func (r *renderer) entryLinks(from string, es []*glossary.Entry) []entryLink {
	out := make([]entryLink, len(es))
	for i, e := range es {
		out[i] = r.entryLink(from, e)
	}
	return out
}

func (r *renderer) entryLink(from string, e *glossary.Entry) entryLink {
	return entryLink{Href: rel(from, r.st.file(termPath(e.ID))), Title: e.Title, Line: glossary.FirstSentence(e.Summary)}
}

func termPath(id string) string         { return "terms/" + id }
func curriculumPath(id string) string   { return "curricula/" + id }
func stepPath(id string, i int) string  { return "curricula/" + id + "/" + strconv.Itoa(i+1) }
func tagAnchor(tag string) string       { return "tag-" + tag }
func letterAnchor(letter string) string { return "letter-" + strings.ToLower(letter) }
func (r *renderer) tagHref(from, tag string) string {
	return rel(from, r.st.file("")) + "#" + tagAnchor(tag)
}

// indexView is the home page: the concept map, terms by topic and A–Z,
// and the curricula.
type indexView struct {
	Count     int
	Mapped    int // entries on the map: all, or the maxMapNodes most linked
	Map       conceptMap
	Letters   []letterGroup
	Tags      []tagGroup
	Curricula []curriculumLink
	API       string
}

type letterGroup struct {
	Letter, Anchor string
	Entries        []entryLink
}

type tagGroup struct {
	Tag, Label, Anchor, Class string
	Entries                   []entryLink
}

type curriculumLink struct {
	Href, Title, Description string
	Steps                    int
}

func (r *renderer) index() (string, *pageData) {
	key := r.st.file("")
	es := r.g.Entries()
	v := &indexView{Count: len(es), API: rel(key, r.st.apiFile("api/v1/entries"))}
	mapped := mostLinked(r.g, es, maxMapNodes)
	v.Mapped = len(mapped)
	// The picture grows taller with the number of terms, so labels keep room.
	height := min(max(len(mapped)*9, 600), 1600)
	v.Map = drawMap(mapped, "", mapOptions{Width: 1100, Height: height, Radius: 6, Font: 12, Updates: 500}, func(id string) string {
		return rel(key, r.st.file(termPath(id)))
	}, r.classes)
	v.Map.Legend = r.legend
	byTitle := slices.Clone(es)
	sort.Slice(byTitle, func(i, j int) bool { return strings.ToLower(byTitle[i].Title) < strings.ToLower(byTitle[j].Title) })
	for _, e := range byTitle {
		l := initial(e.Title)
		if n := len(v.Letters); n == 0 || v.Letters[n-1].Letter != l {
			v.Letters = append(v.Letters, letterGroup{Letter: l, Anchor: letterAnchor(l)})
		}
		link := r.entryLink(key, e)
		if len(e.Aliases) > 0 {
			link.Also = strings.Join(e.Aliases, ", ")
		}
		v.Letters[len(v.Letters)-1].Entries = append(v.Letters[len(v.Letters)-1].Entries, link)
	}
	tags := map[string][]*glossary.Entry{}
	for _, e := range byTitle {
		for _, t := range e.Tags {
			tags[t] = append(tags[t], e)
		}
	}
	names := make([]string, 0, len(tags))
	for t := range tags {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		class := r.classes[t]
		if class == "" {
			class = "t" + strconv.Itoa(palette-1)
		}
		v.Tags = append(v.Tags, tagGroup{Tag: t, Label: tagLabel(t), Anchor: tagAnchor(t), Class: class, Entries: r.entryLinks(key, tags[t])})
	}
	for _, c := range r.g.Curricula() {
		v.Curricula = append(v.Curricula, curriculumLink{
			Href: rel(key, r.st.file(curriculumPath(c.ID))), Title: c.Title, Description: c.Description, Steps: len(c.Steps),
		})
	}
	return key, &pageData{
		Title:       "",
		Description: fmt.Sprintf("%d AI-safety terms explained in plain language, with sources, related terms and reading-group curricula.", len(es)),
		Index:       v,
	}
}

// initial is the letter an entry is listed under in the A–Z: its
// title's first letter, upper-cased; "#" for a digit or a symbol.
func initial(title string) string {
	r, _ := utf8.DecodeRuneInString(title)
	if unicode.IsLetter(r) {
		return string(unicode.ToUpper(r))
	}
	return "#"
}

// tagLabel turns a tag slug into words: "inner-alignment" → "Inner alignment".
func tagLabel(t string) string {
	s := strings.ReplaceAll(t, "-", " ")
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// termView is an entry's page.
type termView struct {
	ID        string
	Title     string
	Summary   string
	KeyPoints []string
	Sources   []sourceView
	Aliases   []string
	Tags      []tagLink
	SeeAlso   []entryLink // the entry's own see_also
	LinkedBy  []entryLink // entries whose see_also names this one
	Steps     []stepRef
	Questions []string
	Map       conceptMap
	API       string
}

type sourceView struct {
	Title, URL, Authors string
	Year                int
}

type tagLink struct {
	Label, Href, Class string
}

func sources(ss []glossary.Source) []sourceView {
	out := make([]sourceView, len(ss))
	for i, s := range ss {
		out[i] = sourceView{Title: s.Title, URL: s.URL, Authors: s.Authors, Year: s.Year}
	}
	return out
}

func (r *renderer) term(e *glossary.Entry) (string, *pageData) {
	key := r.st.file(termPath(e.ID))
	v := &termView{
		ID: e.ID, Title: e.Title, Summary: e.Summary, KeyPoints: e.KeyPoints, Sources: sources(e.Sources),
		Aliases: e.Aliases, Questions: e.Questions, API: rel(key, r.st.apiFile("api/v1/entries/"+e.ID)),
	}
	for _, t := range e.Tags {
		v.Tags = append(v.Tags, tagLink{Label: tagLabel(t), Href: r.tagHref(key, t), Class: r.classes[t]})
	}
	related := r.g.Related(e.ID)
	own := map[string]bool{}
	for _, id := range e.SeeAlso {
		own[id] = true
	}
	for _, x := range related {
		if own[x.ID] {
			v.SeeAlso = append(v.SeeAlso, r.entryLink(key, x))
		} else {
			v.LinkedBy = append(v.LinkedBy, r.entryLink(key, x))
		}
	}
	for _, s := range r.inSteps[e.ID] {
		s.Href = rel(key, s.key)
		v.Steps = append(v.Steps, s)
	}
	hood := append([]*glossary.Entry{e}, mostLinked(r.g, related, maxHoodNodes)...)
	if len(related) > 0 {
		height := min(max(len(hood)*34, 300), 760)
		v.Map = drawMap(hood, e.ID, mapOptions{Width: 640, Height: height, Radius: 7, Font: 14, Updates: 60}, func(id string) string {
			return rel(key, r.st.file(termPath(id)))
		}, r.classes)
	}
	return key, &pageData{Title: e.Title, Description: glossary.FirstSentence(e.Summary), OGType: "article", Term: v}
}

// curriculumView is a curriculum's page: every step with its terms.
type curriculumView struct {
	Title, Description string
	Steps              []stepSummary
	Home               string
}

type stepSummary struct {
	N           int
	Href, Title string
	Terms       []entryLink
	Readings    int
}

func (r *renderer) entriesByID(ids []string) []*glossary.Entry {
	var out []*glossary.Entry
	for _, id := range ids {
		if e, ok := r.g.Entry(id); ok {
			out = append(out, e)
		}
	}
	return out
}

func (r *renderer) curriculum(c *glossary.Curriculum) (string, *pageData) {
	key := r.st.file(curriculumPath(c.ID))
	v := &curriculumView{Title: c.Title, Description: c.Description}
	for i, s := range c.Steps {
		v.Steps = append(v.Steps, stepSummary{
			N: i + 1, Href: rel(key, r.st.file(stepPath(c.ID, i))), Title: s.Title,
			Terms: r.entryLinks(key, r.entriesByID(s.Entries)), Readings: len(r.readings(s)),
		})
	}
	desc := c.Description
	if desc == "" {
		desc = fmt.Sprintf("A reading-group curriculum in %d steps.", len(c.Steps))
	}
	return key, &pageData{Title: c.Title, Description: glossary.FirstSentence(desc), Curriculum: v}
}

// readings are a step's own readings, or else its entries' first sources.
func (r *renderer) readings(s glossary.Step) []glossary.Source {
	if len(s.Readings) > 0 {
		return s.Readings
	}
	var out []glossary.Source
	for _, e := range r.entriesByID(s.Entries) {
		if len(e.Sources) > 0 && !slices.ContainsFunc(out, func(x glossary.Source) bool { return x.URL == e.Sources[0].URL }) {
			out = append(out, e.Sources[0])
		}
	}
	return out
}

// stepView is one step of a curriculum: what to read and discuss.
type stepView struct {
	Curriculum, CurriculumHref string
	N, Of                      int
	Title                      string
	Terms                      []entryLink
	Readings                   []sourceView
	Questions                  []string
	Prev, Next                 string
	PrevTitle, NextTitle       string
}

func (r *renderer) step(c *glossary.Curriculum, i int) (string, *pageData) {
	key := r.st.file(stepPath(c.ID, i))
	s := c.Steps[i]
	v := &stepView{
		Curriculum: c.Title, CurriculumHref: rel(key, r.st.file(curriculumPath(c.ID))),
		N: i + 1, Of: len(c.Steps), Title: s.Title,
		Terms: r.entryLinks(key, r.entriesByID(s.Entries)), Readings: sources(r.readings(s)), Questions: s.Questions,
	}
	if i > 0 {
		v.Prev, v.PrevTitle = rel(key, r.st.file(stepPath(c.ID, i-1))), c.Steps[i-1].Title
	}
	if i+1 < len(c.Steps) {
		v.Next, v.NextTitle = rel(key, r.st.file(stepPath(c.ID, i+1))), c.Steps[i+1].Title
	}
	return key, &pageData{Title: s.Title + " · " + c.Title, Description: fmt.Sprintf("Step %d of %d of %s: readings and discussion questions.", i+1, len(c.Steps), c.Title), Step: v}
}

// searchView is the search page: "did you mean" and results, or (in the
// static export) an empty page that search.js fills in.
type searchView struct {
	Query      string
	DidYouMean []entryLink
	Results    []entryLink
	TooLong    bool
	Empty      bool // the query had no words
	Index      string
}

// confident reports the entry a search query names with confidence, as
// /define would answer it.
func (s *site) confident(q string) (string, bool) {
	if q == "" || len(q) > maxQuery {
		return "", false
	}
	r := s.g.Lookup(q)
	if r.Match == nil {
		return "", false
	}
	return r.Match.ID, true
}

// searchPage renders the answer to a query without a confident match.
func (s *site) searchPage(buf *bytes.Buffer, q string) error {
	r := s.r
	const key = "search"
	v := &searchView{Query: q, Index: rel(key, r.st.file(""))}
	switch {
	case strings.TrimSpace(q) == "":
		v.Empty = true
	case len(q) > maxQuery:
		v.TooLong = true
	default:
		res := s.g.Lookup(q)
		seen := map[string]bool{}
		for _, c := range res.Suggestions {
			l := r.entryLink(key, c.Entry)
			if c.Name != c.Entry.Title {
				l.Also = c.Name
			}
			v.DidYouMean = append(v.DidYouMean, l)
			seen[c.Entry.ID] = true
		}
		for _, e := range s.g.Search(q, 20) {
			if !seen[e.ID] {
				v.Results = append(v.Results, r.entryLink(key, e))
			}
		}
	}
	title := "Search"
	if q != "" {
		title = "Search: " + q
	}
	return r.execute(buf, key, &pageData{Title: title, Description: "Search the glossary.", Search: v})
}

// staticSearch is the export's search page, which search.js fills in.
func (r *renderer) staticSearch() (string, *pageData) {
	const key = "search.html"
	return key, &pageData{
		Title: "Search", Description: "Search the glossary.",
		Search:  &searchView{Index: rel(key, r.st.file(""))},
		Scripts: []string{"search-index.js", "search.js"},
	}
}

func (r *renderer) notFound() (string, *pageData) { return notFoundFile, r.notFoundPage() }

func (r *renderer) notFoundPage() *pageData {
	return &pageData{Title: "Page not found", Description: "There is no page at this address.", NotFound: true}
}

// marshal is JSON for the API and the export: indented, and with <, >
// and & escaped (encoding/json's default), so no document can be read
// as markup.
func marshal(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// indexEntry is one entry in the static export's search index.
type indexEntry struct {
	Href  string   `json:"h"`
	Title string   `json:"t"`
	Line  string   `json:"l"`
	Names []string `json:"n"` // title and aliases, normalised as Lookup does
	Text  string   `json:"x"` // summary, key points and tags, normalised
}

// searchIndex is search-index.js: the data search.js searches, as a
// script (a page opened from file:// may not fetch JSON).
func (r *renderer) searchIndex() ([]byte, error) {
	const from = "search.html"
	var es []indexEntry
	for _, e := range r.g.Entries() {
		x := indexEntry{Href: rel(from, r.st.file(termPath(e.ID))), Title: e.Title, Line: glossary.FirstSentence(e.Summary)}
		for _, n := range e.Names() {
			x.Names = append(x.Names, glossary.Normalize(n))
		}
		x.Text = glossary.Normalize(e.Summary + " " + strings.Join(e.KeyPoints, " ") + " " + strings.Join(e.Tags, " "))
		es = append(es, x)
	}
	b, err := json.Marshal(es)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString("// The glossary's search index, written by refbot glossary site; search.js reads it.\n")
	buf.WriteString("window.refbotIndex = ")
	buf.Write(b)
	buf.WriteString(";\n")
	return buf.Bytes(), nil
}
