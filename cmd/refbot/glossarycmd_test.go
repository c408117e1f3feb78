package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"refbot/glossary"
	"refbot/glossary/data"
)

func TestLintEmbedded(t *testing.T) {
	r := runArgs(t, "", nil, "glossary", "lint")
	wantCode(t, r, 0)
	g, err := glossary.Load(glossary.Layer{FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("ok: %d entries, %d curricula\n", g.Len(), len(g.Curricula())); r.stdout != want {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
}

// entry returns a valid entry file for id with extra lines appended.
func entry(id, title string, extra ...string) string {
	return strings.Join(append([]string{
		"id: " + id,
		"title: " + title,
		"summary: A made-up entry for refbot's tests.",
		"sources:",
		`  - {title: "A Test Source", url: "https://example.org/` + id + `"}`,
	}, extra...), "\n") + "\n"
}

func TestLintBrokenDirectory(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"bad-yaml.yaml":      "id: bad-yaml\ntitle: [unclosed\nsummary: x\n",
		"unknown-field.yaml": entry("unknown-field", "Unknown Field", "colour: blue"),
		"no-summary.yaml":    "id: no-summary\ntitle: No Summary\nsources:\n  - {title: T, url: \"https://example.org/x\"}\n",
		"dangling.yaml":      entry("dangling", "Dangling See Also", "see_also: [inner-alignment, no-such-entry]"),
		"dup-name.yaml":      entry("dup-name", "Duplicate Name", "aliases: [Mesa Optimisation]"),
		"bad-url.yaml":       "id: bad-url\ntitle: Bad URL\nsummary: x\nsources:\n  - title: T\n    url: \"ftp://example.org/x\"\n",
		"long-title.yaml":    entry("long-title", strings.Repeat("Long ", 21)),
		"good.yaml":          entry("good", "A Good Entry"),
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, "entries", name), content)
	}
	e := func(name string) string { return dir + "/entries/" + name }
	// Each want is a prefix of one line, or, for the duplicate name,
	// words the line must contain.
	want := []string{
		e("bad-yaml.yaml") + ":3: ", // where the parser finds the flow sequence unclosed
		e("unknown-field.yaml") + ":6: colour: unknown field",
		// A missing field has no line of its own; the loader points at the top.
		e("no-summary.yaml") + ":1: summary: is missing",
		e("dangling.yaml") + `:6: see_also[1]: no entry has id "no-such-entry"`,
		e("bad-url.yaml") + ":6: sources[0].url: must start with https:// or http://",
		e("long-title.yaml") + ":2: title: is 104 characters; the limit is 100",
	}
	r := runArgs(t, "", nil, "glossary", "lint", dir)
	wantCode(t, r, 1)
	if r.err.Error() != fmt.Sprintf("%d problems", len(want)+1) {
		t.Errorf("err = %q, want %d problems", r.err, len(want)+1)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(want)+1 {
		t.Errorf("got %d problems, want %d:\n%s", len(lines), len(want)+1, r.stdout)
	}
	// The duplicate name is reported on the user's file (the later
	// layer), with a line number, naming the embedded entry it clashes with.
	if !slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, e("dup-name.yaml")+":") && strings.Contains(l, "mesa-optimization") &&
			strings.Contains(l, "is also a name of")
	}) {
		t.Errorf("the duplicate name is not reported:\n%s", r.stdout)
	}
	for _, w := range want {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, w) }) {
			t.Errorf("no problem starts with %q in:\n%s", w, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "good.yaml") {
		t.Errorf("a good entry was reported:\n%s", r.stdout)
	}
}

// --alone checks a directory as a whole glossary: references to the
// embedded entries no longer resolve, and names no longer collide.
func TestLintAlone(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "widget-alignment.yaml"), widgetEntry)
	writeFile(t, filepath.Join(dir, "entries", "mesa-again.yaml"), entry("mesa-again", "Mesa Optimisation"))

	r := runArgs(t, "", nil, "glossary", "lint", dir)
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "mesa-again") || !strings.Contains(r.stdout, "is also a name of") {
		t.Errorf("extending the embedded glossary, the duplicate name is not reported:\n%s", r.stdout)
	}

	for _, args := range [][]string{{"--alone", dir}, {dir, "--alone"}} {
		r = runArgs(t, "", nil, append([]string{"glossary", "lint"}, args...)...)
		wantCode(t, r, 1)
		if !strings.Contains(r.stdout, `widget-alignment.yaml:12: see_also[0]: no entry has id "inner-alignment"`) {
			t.Errorf("%v: the dangling reference is not reported:\n%s", args, r.stdout)
		}
		if strings.Contains(r.stdout, "mesa-again") {
			t.Errorf("%v: alone, there is no duplicate name:\n%s", args, r.stdout)
		}
	}

	writeFile(t, filepath.Join(dir, "entries", "widget-alignment.yaml"), strings.Replace(widgetEntry, "see_also: [inner-alignment]", "see_also: [mesa-again]", 1))
	r = runArgs(t, "", nil, "glossary", "lint", "--alone", dir)
	wantCode(t, r, 0)
	if r.stdout != "ok: 2 entries, 0 curricula\n" {
		t.Errorf("stdout = %q", r.stdout)
	}
}

// Every problem of every file in one run: unknown fields, type errors
// naming their field and what it takes, and the checks of the fields that
// did decode (issue 12.10: one file showed 1 problem, then 6 more).
func TestLintEveryProblemInAFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "many.yaml"), `id: many
title: Many
summry: a typo for summary
sources:
  - {title: A, url: "https://example.org/a", year: soon}
  - {title: "", url: "example.org/b"}
see_also: [no-such-entry]
key_points: just one point
`)
	writeFile(t, filepath.Join(dir, "entries", "other.yaml"), entry("other", "Other", "colour: blue", "tags: {a: b}"))
	r := runArgs(t, "", nil, "glossary", "lint", "--alone", dir)
	wantCode(t, r, 1)
	e := func(name string) string { return dir + "/entries/" + name }
	want := []string{
		e("many.yaml") + `:1: summary: is missing or empty`,
		e("many.yaml") + `:3: summry: unknown field (did you mean "summary"?)`,
		e("many.yaml") + `:5: sources[0].year: got "soon"; want a whole number`,
		e("many.yaml") + `:6: sources[1].title: is missing or empty`,
		e("many.yaml") + `:6: sources[1].url: must start with https:// or http://`,
		e("many.yaml") + `:7: see_also[0]: no entry has id "no-such-entry"`,
		e("many.yaml") + `:8: key_points: got "just one point"; want a list`,
		e("other.yaml") + `:6: colour: unknown field`,
		e("other.yaml") + `:7: tags: got a mapping; want a list`,
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	for i, w := range want {
		if i >= len(lines) || !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: want %q", i+1, w)
		}
	}
	if len(lines) != len(want) || r.err.Error() != fmt.Sprintf("%d problems", len(want)) {
		t.Errorf("%d lines (%v), want %d:\n%s", len(lines), r.err, len(want), r.stdout)
	}
}

// A source URL too long for Discord's link buttons (512) is allowed but
// warned about, with its file, line and field (issue 12.4).
func TestLintWarnsLongURL(t *testing.T) {
	dir := t.TempDir()
	long := "https://example.org/" + strings.Repeat("p", 701)
	writeFile(t, filepath.Join(dir, "entries", "long-url.yaml"), entry("long-url", "Long URL", `  - {title: "Long", url: "`+long+`"}`))
	r := runArgs(t, "", nil, "glossary", "lint", "--alone", dir)
	wantCode(t, r, 0)
	want := "warning: " + dir + "/entries/long-url.yaml:6: sources[1].url: is 721 characters: Discord shows no link button for a URL over 512"
	if !strings.HasPrefix(r.stdout, want) || !strings.HasSuffix(r.stdout, "ok: 1 entry, 0 curricula (1 warning)\n") {
		t.Errorf("stdout = %q, want a warning line %q and ok", r.stdout, want)
	}
}

// Warnings are shown beside problems too: fixing the problems must not
// reveal more to look at on the next run.
func TestLintWarnsBesideProblems(t *testing.T) {
	dir := t.TempDir()
	long := "https://example.org/" + strings.Repeat("p", 701)
	writeFile(t, filepath.Join(dir, "entries", "long-url.yaml"), entry("long-url", "Long URL", `  - {title: "Long", url: "`+long+`"}`))
	writeFile(t, filepath.Join(dir, "entries", "broken.yaml"), entry("broken", "Broken", "sumary: typo"))
	r := runArgs(t, "", nil, "glossary", "lint", "--alone", dir)
	wantCode(t, r, 1)
	want := []string{
		dir + "/entries/broken.yaml:6: sumary: unknown field (did you mean \"summary\"?)",
		"warning: " + dir + "/entries/long-url.yaml:6: sources[1].url: is 721 characters",
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(want) {
		t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(want), r.stdout)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want it to start %q", i+1, lines[i], w)
		}
	}
	if r.err == nil || r.err.Error() != "1 problem (1 warning)" {
		t.Errorf("err = %v, want \"1 problem (1 warning)\"", r.err)
	}
}

// Counts read as English: "1 entry", "1 curriculum", "1 step", "1
// problem", "1 of 1 page" (issue 12.13: "1 curricula", "1 steps",
// "problem(s)").
func TestCountsInEnglish(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "entries", "widget.yaml"), entry("widget", "Widget"))
	writeFile(t, filepath.Join(dir, "readings", "course.yaml"), "id: course\ntitle: Course\nsteps:\n  - {title: Week 1, entries: [widget], questions: [Why?]}\n")
	r := runArgs(t, "", nil, "glossary", "lint", "--alone", dir)
	wantCode(t, r, 0)
	if r.stdout != "ok: 1 entry, 1 curriculum\n" {
		t.Errorf("lint: %q", r.stdout)
	}
	r = runArgs(t, "", nil, "reading", "preview", "--glossary", dir, "course")
	wantCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "Course (course) — 1 step\n") {
		t.Errorf("preview: %.80q", r.stdout)
	}
	writeFile(t, filepath.Join(dir, "entries", "bad.yaml"), "id: bad\n")
	r = runArgs(t, "", nil, "glossary", "lint", "--alone", dir)
	if r.err == nil || !strings.HasSuffix(r.err.Error(), "problems") && r.err.Error() != "1 problem" {
		t.Errorf("lint: %v", r.err)
	}
	page := filepath.Join(t.TempDir(), "empty.txt")
	writeFile(t, page, "\n")
	r = runArgs(t, "", nil, "glossary", "import", "-o", t.TempDir(), page)
	if r.err == nil || r.err.Error() != "1 of 1 page not imported" {
		t.Errorf("import: %v", r.err)
	}
	if _, err := glossary.New([]glossary.Entry{{ID: "x"}}, nil); err == nil || !strings.HasPrefix(err.Error(), "glossary has ") || strings.Contains(err.Error(), "(s)") {
		t.Errorf("problems: %v", err)
	}
}

// A second directory would be silently ignored; it is a usage error.
func TestLintOneDirectory(t *testing.T) {
	r := runArgs(t, "", nil, "glossary", "lint", t.TempDir(), t.TempDir())
	wantCode(t, r, 2)
	if !strings.Contains(r.stderr, "one directory") {
		t.Errorf("stderr = %q", r.stderr)
	}
}

func TestLintNotAGlossary(t *testing.T) {
	r := runArgs(t, "", nil, "glossary", "lint", filepath.Join(t.TempDir(), "missing"))
	if r.code() != 1 || !strings.Contains(r.err.Error(), "missing") {
		t.Errorf("missing directory: %v", r.err)
	}
	r = runArgs(t, "", nil, "glossary", "lint", t.TempDir())
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "no entries/ or readings/ directory") {
		t.Errorf("an empty directory: %q", r.stdout)
	}
}

// page is a saved reference page in the format glossary import reads.
func page(title, summary string, points, citedBy []string, links string) string {
	var b strings.Builder
	b.WriteString(title + "\n")
	b.WriteString("blogCredibility Rating\nFair. A community wiki.\nMetadata\n")
	if summary != "" {
		b.WriteString("Summary\n" + summary + "\n")
	}
	if len(points) > 0 {
		b.WriteString("Key Points\n")
		for _, p := range points {
			b.WriteString("- •" + p + "\n")
		}
	}
	if len(citedBy) > 0 {
		fmt.Fprintf(&b, "Cited by %d pages\n| Page | Type | Quality |\n|---|---|---|\n", len(citedBy))
		for _, c := range citedBy {
			b.WriteString("| " + c + " | Concept | 50.0 |\n")
		}
	}
	b.WriteString("Cached Content Preview\nSubscribe\n" + links + "\n... (truncated, 3 KB total)")
	return b.String()
}

var rewardShaping = page(
	"Reward Shaping (Example Wiki)",
	"Reward shaping adds extra reward terms to guide a learner toward useful behaviour sooner. "+
		"Done carelessly, the extra terms can change which behaviour is optimal.",
	[]string{
		"Shaping terms are hints added on top of the task's own reward.",
		"Potential-based shaping keeps the optimal policy unchanged.",
		"Badly chosen shaping invites the agent to farm the hint instead of doing the task.",
	},
	[]string{"Reward Hacking", "Goodhart's Law", "Reward Shaping", "Kubernetes Operations"},
	"[Discussion](https://example.org/wiki/reward-shaping/discussion)\n"+
		"[Reward Shaping](https://example.org/wiki/reward-shaping#top)\n"+
		"Edited by [someone](https://example.org/users/someone).",
)

var tripwires = page(
	"Tripwires",
	"A tripwire is a monitor that halts a system when it sees a sign of dangerous behaviour.",
	[]string{"Cheap to add.", "Only as good as what it watches."},
	nil,
	"See [the tripwires page](https://example.org/wiki/tripwires).",
)

// snapshot lists every file under dir with its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && p == dir {
			return fs.SkipAll
		}
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestImport(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "glossary")
	pageFile := filepath.Join(tmp, "reward-shaping.txt")
	writeFile(t, pageFile, rewardShaping)
	tripFile := filepath.Join(tmp, "tripwires.txt")
	writeFile(t, tripFile, tripwires)

	r := runArgs(t, "", nil, "glossary", "import", "-o", out, pageFile, tripFile)
	wantCode(t, r, 0)
	path := filepath.Join(out, "entries", "reward-shaping.yaml")
	if !strings.Contains(r.stdout, "wrote "+path) || !strings.Contains(r.stdout, filepath.Join(out, "entries", "tripwires.yaml")) {
		t.Errorf("stdout = %q", r.stdout)
	}

	// The files load, beside the embedded glossary they extend.
	if r := runArgs(t, "", nil, "glossary", "lint", out); r.err != nil {
		t.Fatalf("lint of the imported glossary: %v\n%s", r.err, r.stdout)
	}
	g, err := loadGlossary(out, "extend")
	if err != nil {
		t.Fatal(err)
	}
	e, ok := g.Entry("reward-shaping")
	if !ok {
		t.Fatalf("no reward-shaping entry in %s", out)
	}
	if e.Title != "Reward Shaping" {
		t.Errorf("title = %q", e.Title)
	}
	if !strings.HasPrefix(e.Summary, "Reward shaping adds extra reward terms") {
		t.Errorf("summary = %q", e.Summary)
	}
	if len(e.KeyPoints) != 3 || e.KeyPoints[1] != "Potential-based shaping keeps the optimal policy unchanged." {
		t.Errorf("key points = %q", e.KeyPoints)
	}
	if len(e.Sources) != 1 || e.Sources[0].URL != "https://example.org/wiki/reward-shaping" || e.Sources[0].Title != "Reward Shaping (Example Wiki)" {
		t.Errorf("sources = %+v, want the page's own link without its fragment", e.Sources)
	}
	// Cited-by rows that name existing entries become see_also; the page
	// itself and unknown pages do not.
	if want := []string{"reward-hacking", "goodharts-law"}; !slices.Equal(e.SeeAlso, want) {
		t.Errorf("see_also = %q, want %q", e.SeeAlso, want)
	}
	if e, ok := g.Entry("tripwires"); !ok || e.Sources[0].URL != "https://example.org/wiki/tripwires" {
		t.Errorf("tripwires = %+v", e)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(raw), "# Imported from reward-shaping.txt") {
		t.Errorf("the file does not say where it came from:\n%s", raw)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("file mode = %v, %v; want 0644", info.Mode(), err)
	}

	// A second import refuses to overwrite; --force does.
	edited := string(raw) + "# edited by a reviewer\n"
	writeFile(t, path, edited)
	before := snapshot(t, out)
	r = runArgs(t, "", nil, "glossary", "import", "-o", out, pageFile)
	wantCode(t, r, 1)
	if !strings.Contains(r.stderr, "already exists; use --force") {
		t.Errorf("stderr = %q", r.stderr)
	}
	if after := snapshot(t, out); !mapsEqual(before, after) {
		t.Errorf("a refused import changed the directory")
	}
	r = runArgs(t, "", nil, "glossary", "import", pageFile, "--force", "-o", out)
	wantCode(t, r, 0)
	if got, _ := os.ReadFile(path); string(got) != string(raw) {
		t.Errorf("--force did not overwrite the edited file")
	}
	assertNoTempFiles(t, out)
}

// A page without a link titled like itself gets its first link as the
// source under that link's own title, and the import says so (issue
// 12.11: "Reward Shaping (arXiv)" pointed at another paper).
func TestImportSourceKeepsItsOwnTitle(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "glossary")
	pageFile := filepath.Join(tmp, "shaping.txt")
	writeFile(t, pageFile, page("Reward Shaping (arXiv)", "Reward shaping adds extra reward terms.", nil, nil,
		"[\\[1\\]](https://arxiv.org/abs/9#fn)\n[Policy Invariance Under Reward Transformations](https://example.org/ng99.pdf)"))
	r := runArgs(t, "", nil, "glossary", "import", "-o", out, pageFile)
	wantCode(t, r, 0)
	if want := `no link on the page is titled like it; its source is the first link, "Policy Invariance Under Reward Transformations" (https://example.org/ng99.pdf): check it`; !strings.Contains(r.stdout, want) {
		t.Errorf("stdout = %q, want %q", r.stdout, want)
	}
	g, err := loadGlossary(out, "extend")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := g.Entry("reward-shaping")
	if e == nil || len(e.Sources) != 1 || e.Sources[0].Title != "Policy Invariance Under Reward Transformations" || e.Sources[0].URL != "https://example.org/ng99.pdf" {
		t.Errorf("entry %+v", e)
	}
}

func TestImportBadPages(t *testing.T) {
	tmp := t.TempDir()
	links := "[Reward Shaping](https://example.org/wiki/reward-shaping)"
	tests := []struct {
		name, content, want string
	}{
		{"no-summary.txt", page("Reward Shaping", "", []string{"A point."}, nil, links), `"Summary"`},
		{"empty.txt", "\n\n  \n", "title"},
		{"no-title-letters.txt", page("— ! —", "A summary.", nil, nil, "[x](https://example.org/x)"), "title"},
		{"no-links.txt", page("Reward Shaping", "A summary.", nil, nil, "No links at all."), "link"},
		{"only-bad-links.txt", page("Reward Shaping", "A summary.", nil, nil, "[x](javascript:alert(1))"), "link"},
	}
	for _, existing := range []bool{false, true} {
		out := filepath.Join(tmp, fmt.Sprintf("out-%v", existing))
		if existing {
			writeFile(t, filepath.Join(out, "entries", "widget-alignment.yaml"), widgetEntry)
		}
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/existing=%v", tt.name, existing), func(t *testing.T) {
				file := filepath.Join(tmp, tt.name)
				writeFile(t, file, tt.content)
				before := snapshot(t, out)
				r := runArgs(t, "", nil, "glossary", "import", "-o", out, file)
				wantCode(t, r, 1)
				if !strings.HasPrefix(r.stderr, file+": ") || !strings.Contains(r.stderr, tt.want) {
					t.Errorf("stderr = %q, want the file name and %q", r.stderr, tt.want)
				}
				if r.stdout != "" {
					t.Errorf("stdout = %q", r.stdout)
				}
				if after := snapshot(t, out); !mapsEqual(before, after) {
					t.Errorf("the output directory changed: %v -> %v", keys(before), keys(after))
				}
				if _, err := os.Stat(out); !existing && !os.IsNotExist(err) {
					t.Errorf("the output directory was created for a failed import")
				}
			})
		}
	}
}

// One bad page among good ones: the good ones are written, the bad one
// named, and the status says not everything was imported.
func TestImportSomeBad(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "g")
	good := filepath.Join(tmp, "tripwires.txt")
	bad := filepath.Join(tmp, "bad.txt")
	writeFile(t, good, tripwires)
	writeFile(t, bad, "Just a title\n")
	r := runArgs(t, "", nil, "glossary", "import", "-o", out, bad, good, filepath.Join(tmp, "missing.txt"))
	wantCode(t, r, 1)
	if r.err.Error() != "2 of 3 pages not imported" {
		t.Errorf("err = %q", r.err)
	}
	for _, want := range []string{bad + ": missing", "missing.txt: "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q lacks %q", r.stderr, want)
		}
	}
	if got := keys(snapshot(t, out)); !slices.Equal(got, []string{filepath.Join(out, "entries", "tripwires.yaml")}) {
		t.Errorf("files = %v", got)
	}
}

func TestImportUsage(t *testing.T) {
	wantCode(t, runArgs(t, "", nil, "glossary", "import"), 2)
	wantCode(t, runArgs(t, "", nil, "glossary", "import", "-o", t.TempDir()), 2)
}

// Importing into a directory whose glossary is broken is refused before
// anything is written.
func TestImportIntoBrokenGlossary(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "g")
	writeFile(t, filepath.Join(out, "entries", "broken.yaml"), "id: [\n")
	file := filepath.Join(tmp, "tripwires.txt")
	writeFile(t, file, tripwires)
	before := snapshot(t, out)
	r := runArgs(t, "", nil, "glossary", "import", "-o", out, file)
	if r.err == nil || !strings.Contains(r.err.Error(), "must be valid before importing") {
		t.Errorf("err = %v", r.err)
	}
	if !mapsEqual(before, snapshot(t, out)) {
		t.Errorf("the directory changed")
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	for p := range snapshot(t, dir) {
		if strings.HasPrefix(filepath.Base(p), ".") || strings.HasSuffix(p, ".tmp") {
			t.Errorf("temporary file left behind: %s", p)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Two cited-by pages that name one entry give one see_also id, not a
// duplicate that would make the import fail validation.
func TestImportCitedBySameEntryTwice(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "g")
	file := filepath.Join(tmp, "proxy-gaming.txt")
	writeFile(t, file, page("Proxy Gaming",
		"Proxy gaming is a made-up test term for optimising a stand-in measure instead of the goal.",
		[]string{"A test point."},
		[]string{"Reward Hacking", "Specification Gaming", "Goodhart's Law", "Goodharting"},
		"[Proxy Gaming](https://example.org/wiki/proxy-gaming)"))
	r := runArgs(t, "", nil, "glossary", "import", "-o", out, file)
	wantCode(t, r, 0)
	g, err := loadGlossary(out, "extend")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := g.Entry("proxy-gaming")
	if want := []string{"reward-hacking", "goodharts-law"}; e == nil || !slices.Equal(e.SeeAlso, want) {
		t.Errorf("see_also = %v, want %v", e, want)
	}
}
