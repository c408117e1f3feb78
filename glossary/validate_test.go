package glossary_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"refbot/glossary"
)

// TestIDChecksAgree: entries and curricula share one id check, so a bad id
// gets the same words in either kind of file.
func TestIDChecksAgree(t *testing.T) {
	course := func(id string) string {
		return "id: " + id + "\ntitle: Course\nsteps:\n  - {title: Week 1, entries: [widget], questions: [Why?]}\n"
	}
	entry := func(id string) string { return strings.Replace(goodEntry, "id: widget", "id: "+id, 1) }
	long := strings.Repeat("a", 65)
	for _, c := range []struct {
		id, file, want string
	}{
		{`""`, "blank", "id: is missing"},
		{"Not_A_Slug", "Not_A_Slug", `id: "Not_A_Slug" must be a slug: lower-case letters, digits and single hyphens, at most 64 characters`},
		{long, long, `id: "` + long + `" must be a slug: lower-case letters, digits and single hyphens, at most 64 characters`},
		{"elsewhere", "here", `id: "elsewhere" does not match the file name; rename the file to elsewhere.yaml`},
	} {
		fsys := fstest.MapFS{
			"entries/widget.yaml":          {Data: []byte(goodEntry)},
			"entries/" + c.file + ".yaml":  {Data: []byte(entry(c.id))},
			"readings/" + c.file + ".yaml": {Data: []byte(course(c.id))},
			"readings/fine-course.yaml":    {Data: []byte(course("fine-course"))},
		}
		_, err := glossary.Load(glossary.Layer{FS: fsys})
		if err == nil {
			t.Errorf("id %s loaded", c.id)
			continue
		}
		for _, file := range []string{"entries/" + c.file + ".yaml", "readings/" + c.file + ".yaml"} {
			if !strings.Contains(err.Error(), file+":1: "+c.want) {
				t.Errorf("id %s: problems lack %q\n%v", c.id, file+":1: "+c.want, err)
			}
		}
	}
}

func TestNewReportsRepeatedIDs(t *testing.T) {
	e := glossary.Entry{ID: "widget", Title: "Widget", Summary: "A small thing.", Sources: []glossary.Source{{Title: "W", URL: "https://example.org"}}}
	c := glossary.Curriculum{ID: "course", Title: "Course", Steps: []glossary.Step{{Title: "Week 1", Entries: []string{"widget"}, Questions: []string{"Why?"}}}}
	_, err := glossary.New([]glossary.Entry{e, e}, []glossary.Curriculum{c, c})
	if err == nil {
		t.Fatal("repeated ids built a glossary")
	}
	for _, want := range []string{`widget: id: id "widget" is used twice`, `course: id: id "course" is used twice`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
	if _, err := glossary.New([]glossary.Entry{e}, []glossary.Curriculum{c}); err != nil {
		t.Errorf("one of each: %v", err)
	}
}

// A source URL too long for a link button loads, with a warning that
// points at it; one of MaxButtonURL characters does not warn.
func TestLongURLWarns(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{
		{glossary.MaxButtonURL, ""},
		{glossary.MaxButtonURL + 1, "entries/widget.yaml:5: sources[0].url: is 513 characters"},
	} {
		u := "https://example.org/" + strings.Repeat("p", c.n-len("https://example.org/"))
		e := "id: widget\ntitle: Widget\nsummary: A widget.\nsources:\n  - {title: T, url: \"" + u + "\"}\n"
		g, err := glossary.Load(glossary.Layer{FS: fstest.MapFS{"entries/widget.yaml": {Data: []byte(e)}}})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if ws := g.Warnings(); len(ws) > 0 {
			got = ws[0].String()
		}
		if len(g.Warnings()) > 1 || !strings.HasPrefix(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("%d characters: warnings %v, want %q", c.n, g.Warnings(), c.want)
		}
	}
}

// Version follows the content, not the files: the same entries loaded from
// differently formatted files share a version; a changed summary does not.
func TestVersion(t *testing.T) {
	load := func(files map[string]string) string {
		t.Helper()
		fsys := fstest.MapFS{}
		for name, body := range files {
			fsys[name] = &fstest.MapFile{Data: []byte(body)}
		}
		g, err := glossary.Load(glossary.Layer{FS: fsys})
		if err != nil {
			t.Fatal(err)
		}
		return g.Version()
	}
	a := load(map[string]string{"entries/widget.yaml": goodEntry})
	b := load(map[string]string{"entries/widget.yaml": "# a comment\n" + strings.ReplaceAll(goodEntry, ": ", ":   ")})
	c := load(map[string]string{"entries/widget.yaml": strings.Replace(goodEntry, "small thing", "tiny thing", 1)})
	if len(a) != 12 || a != b || a == c {
		t.Errorf("versions: same content %q and %q, changed summary %q; want 12 digits, the first two equal, the third different", a, b, c)
	}
}

// Check returns the warnings even when problems stop the load, so a linter
// shows both at once; Load returns only the problems.
func TestCheckWarnsBesideProblems(t *testing.T) {
	u := "https://example.org/" + strings.Repeat("p", glossary.MaxButtonURL)
	fsys := fstest.MapFS{
		"entries/widget.yaml": {Data: []byte("id: widget\ntitle: Widget\nsummary: A widget.\nsources:\n  - {title: T, url: \"" + u + "\"}\n")},
		"entries/broken.yaml": {Data: []byte("id: broken\ntitle: Broken\nsources:\n  - {title: T, url: \"https://example.org/\"}\n")},
	}
	g, probs, warns := glossary.Check(glossary.Layer{FS: fsys})
	if g != nil || len(probs) != 1 || !strings.Contains(probs[0].String(), "entries/broken.yaml:1: summary: is missing") {
		t.Errorf("Check: glossary %v, problems %v; want none and broken.yaml's missing summary", g, probs)
	}
	if len(warns) != 1 || !strings.HasPrefix(warns[0].String(), "entries/widget.yaml:5: sources[0].url: is 532 characters") {
		t.Errorf("Check: warnings %v; want widget.yaml's long URL", warns)
	}
	if _, err := glossary.Load(glossary.Layer{FS: fsys}); err == nil || strings.Contains(err.Error(), "widget") {
		t.Errorf("Load = %v; want only the problem", err)
	}
}
