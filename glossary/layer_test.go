package glossary_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/goccy/go-yaml"

	"refbot/glossary"
)

func layerBase(t *testing.T) *glossary.Glossary {
	t.Helper()
	src := []glossary.Source{{Title: "A paper", URL: "https://example.org/a"}}
	g, err := glossary.Load(glossary.Layer{Name: "base", FS: fstest.MapFS{
		"entries/widget.yaml":   {Data: mustYAML(t, glossary.Entry{ID: "widget", Title: "Widget", Aliases: []string{"gadget"}, Summary: "A small thing.", Sources: src})},
		"entries/sprocket.yaml": {Data: mustYAML(t, glossary.Entry{ID: "sprocket", Title: "Sprocket", Summary: "A toothed wheel.", Sources: src, SeeAlso: []string{"widget"}})},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustYAML(t *testing.T, v any) []byte {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A suggestion is checked by the code that checks entry files: for each
// broken entry, Check says what loading it from a file says, field for
// field and word for word.
func TestCheckSaysWhatFilesSay(t *testing.T) {
	g := layerBase(t)
	ok := glossary.Entry{ID: "cog", Title: "Cog", Summary: "A tooth on a wheel.", Sources: []glossary.Source{{Title: "Cogs", URL: "https://example.org/cog"}}}
	for _, c := range []struct {
		name string
		edit func(e *glossary.Entry)
		want string // one of the problems, as Check reports it
	}{
		{"no title", func(e *glossary.Entry) { e.Title = "" }, "title: is missing or empty"},
		{"long summary", func(e *glossary.Entry) { e.Summary = strings.Repeat("a", glossary.MaxSummary+1) }, "summary: is 701 characters; the limit is 700"},
		{"javascript url", func(e *glossary.Entry) { e.Sources[0].URL = "javascript:alert(1)" }, "sources[0].url: must start with https:// or http://"},
		{"no sources", func(e *glossary.Entry) { e.Sources = nil }, "sources: is missing: every entry needs at least one source with a title and URL"},
		{"name clash", func(e *glossary.Entry) { e.Aliases = []string{"Gadgets"} }, `aliases[0]: "Gadgets" is also a name of "widget" (base/entries/widget.yaml); a name must lead to one entry`},
		{"unknown related", func(e *glossary.Entry) { e.SeeAlso = []string{"flux"} }, `see_also[0]: no entry has id "flux"`},
		{"control character", func(e *glossary.Entry) { e.KeyPoints = []string{"bell\x07"} }, "key_points[0]: contains a control character (U+0007); remove it"},
		{"too many points", func(e *glossary.Entry) {
			e.KeyPoints = make([]string, 9)
			for i := range e.KeyPoints {
				e.KeyPoints[i] = "p"
			}
		}, "key_points: has 9 points; the limit is 8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := ok
			e.Sources = append([]glossary.Source(nil), ok.Sources...)
			c.edit(&e)
			got := g.Check(e)
			var gotLines []string
			for _, p := range got {
				if p.File != "" || p.Line != 0 {
					t.Errorf("a suggestion's problem names a file: %+v", p)
				}
				gotLines = append(gotLines, p.String())
			}
			if !strings.Contains(strings.Join(gotLines, "\n"), c.want) {
				t.Errorf("Check = %q, want it to include %q", gotLines, c.want)
			}
			// The same entry as a file beside the base glossary.
			_, err := glossary.Load(glossary.Layer{Name: "base", FS: fstest.MapFS{
				"entries/widget.yaml":   {Data: mustYAML(t, mustEntry(g, "widget"))},
				"entries/sprocket.yaml": {Data: mustYAML(t, mustEntry(g, "sprocket"))},
			}}, glossary.Layer{Name: "mine", FS: fstest.MapFS{"entries/cog.yaml": {Data: mustYAML(t, e)}}})
			probs, _ := err.(glossary.Problems)
			var fileLines []string
			for _, p := range probs {
				p.File, p.Line = "", 0
				fileLines = append(fileLines, p.String())
			}
			if strings.Join(fileLines, "\n") != strings.Join(gotLines, "\n") {
				t.Errorf("the file's problems differ from the suggestion's:\nfile:       %q\nsuggestion: %q", fileLines, gotLines)
			}
		})
	}
	if probs := g.Check(ok); len(probs) != 0 {
		t.Errorf("a good entry: %v", probs)
	}
	// An edit of an entry keeps its own names.
	w := mustEntry(g, "widget")
	w.Summary = "A small thing, edited."
	if probs := g.Check(w); len(probs) != 0 {
		t.Errorf("an edit of widget: %v", probs)
	}
}

func mustEntry(g *glossary.Glossary, id string) glossary.Entry {
	e, ok := g.Entry(id)
	if !ok {
		panic(id)
	}
	return *e
}

// Over lays entries over a glossary: a new one joins, one with an
// existing id replaces it, and one that no longer fits is held back
// without taking the others with it.
func TestOver(t *testing.T) {
	g := layerBase(t)
	src := []glossary.Source{{Title: "Cogs", URL: "https://example.org/cog"}}
	cog := glossary.Entry{ID: "cog", Title: "Cog", Summary: "A tooth on a wheel.", Sources: src, SeeAlso: []string{"widget"}}
	widget := mustEntry(g, "widget")
	widget.Summary = "A small thing, as the group now puts it."
	widget.Aliases = nil // gives up "gadget"
	gadget := glossary.Entry{ID: "gadget", Title: "Gadget", Summary: "Now its own entry.", Sources: src}
	clash := glossary.Entry{ID: "wheel", Title: "Wheel", Aliases: []string{"sprocket"}, Summary: "Round.", Sources: src}
	leansOnClash := glossary.Entry{ID: "axle", Title: "Axle", Summary: "Holds a wheel.", Sources: src, SeeAlso: []string{"wheel"}}

	out, held := g.Over("curated", []glossary.Entry{cog, widget, gadget, clash, leansOnClash})
	if out.Len() != 4 { // widget, sprocket, cog, gadget, and not wheel or axle
		t.Errorf("Len = %d, want 4", out.Len())
	}
	if e, _ := out.Entry("widget"); e.Summary != widget.Summary {
		t.Errorf("widget was not replaced: %q", e.Summary)
	}
	if r := out.Lookup("gadget"); r.Match == nil || r.Match.ID != "gadget" {
		t.Errorf("gadget leads to %+v, want the new entry", r.Match)
	}
	if got := out.File("cog"); got != "curated/cog" {
		t.Errorf("File(cog) = %q", got)
	}
	var files []string
	for _, p := range held {
		files = append(files, p.String())
	}
	want := []string{
		`curated/axle: see_also[0]: no entry has id "wheel"`,
		`curated/wheel: aliases[0]: "sprocket" is also a name of "sprocket" (base/entries/sprocket.yaml); a name must lead to one entry`,
	}
	if strings.Join(files, "\n") != strings.Join(want, "\n") {
		t.Errorf("held back:\n%s\nwant:\n%s", strings.Join(files, "\n"), strings.Join(want, "\n"))
	}
	if g.Len() != 2 {
		t.Errorf("Over changed the glossary under it: %d entries", g.Len())
	}

	// An edit that fails over the base keeps the base's entry of its id.
	bad := widget
	bad.Aliases = []string{"Sprocket"}
	out, held = g.Over("curated", []glossary.Entry{bad})
	if e, _ := out.Entry("widget"); e.Summary != "A small thing." || len(held) != 1 {
		t.Errorf("held-back edit: widget %q, held %v", e.Summary, held)
	}
	// A repeated id is held back, not served twice.
	out, held = g.Over("curated", []glossary.Entry{cog, cog})
	if out.Len() != 3 || len(held) != 1 {
		t.Errorf("repeated id: Len %d, held %v", out.Len(), held)
	}
}

// The glossary Over returns warns as a loaded one does: the base's
// warnings, less those of an entry the layer replaced, and the layer's.
func TestOverWarnings(t *testing.T) {
	long := "https://example.org/" + strings.Repeat("a", glossary.MaxButtonURL)
	src := []glossary.Source{{Title: "A paper", URL: long}}
	g, err := glossary.Load(glossary.Layer{Name: "base", FS: fstest.MapFS{
		"entries/widget.yaml":   {Data: mustYAML(t, glossary.Entry{ID: "widget", Title: "Widget", Summary: "A small thing.", Sources: src})},
		"entries/sprocket.yaml": {Data: mustYAML(t, glossary.Entry{ID: "sprocket", Title: "Sprocket", Summary: "A toothed wheel.", Sources: src})},
	}})
	if err != nil {
		t.Fatal(err)
	}
	short := []glossary.Source{{Title: "Cogs", URL: "https://example.org/cog"}}
	widget := glossary.Entry{ID: "widget", Title: "Widget", Summary: "A small thing, now linked.", Sources: short}
	cog := glossary.Entry{ID: "cog", Title: "Cog", Summary: "A tooth on a wheel.", Sources: src}
	out, held := g.Over("curated", []glossary.Entry{widget, cog})
	if len(held) != 0 {
		t.Fatalf("held back: %v", held)
	}
	var got []string
	for _, w := range out.Warnings() {
		got = append(got, w.File+" "+w.Field)
	}
	want := []string{"base/entries/sprocket.yaml sources[0].url", "curated/cog sources[0].url"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(g.Warnings()) != 2 {
		t.Errorf("Over changed the warnings under it: %v", g.Warnings())
	}
}
