package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fencedAfter returns the body of the first fenced code block after the
// line marker in doc.
func fencedAfter(t *testing.T, doc, marker string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, marker+"\n")
	if !ok {
		t.Fatalf("docs/glossary.md has no %q line", marker)
	}
	_, rest, ok = strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("no code block after %q", marker)
	}
	_, rest, _ = strings.Cut(rest, "\n") // the fence's language tag
	body, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("the code block after %q is not closed", marker)
	}
	return body
}

// The example page in docs/glossary.md imports, against the glossary of
// today, into exactly the draft the page shows: the manual cannot drift
// from the importer (or collide with a new entry) unnoticed.
func TestDocsImportExample(t *testing.T) {
	raw, err := os.ReadFile("../../docs/glossary.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	page := fencedAfter(t, doc, "<!-- example-page: cmd/refbot/docs_test.go imports this page and compares the draft below -->")
	draft := fencedAfter(t, doc, "<!-- example-draft -->")

	dir := t.TempDir()
	pagePath := filepath.Join(dir, "inverse-scaling.txt")
	writeFile(t, pagePath, page)
	out := filepath.Join(dir, "my-glossary")
	r := runArgs(t, "", nil, "glossary", "import", "-o", out, pagePath)
	wantCode(t, r, 0)
	got, err := os.ReadFile(filepath.Join(out, "entries", "inverse-scaling.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != draft {
		t.Errorf("docs/glossary.md's example draft differs from what the import writes; update the page\n--- import wrote:\n%s\n--- the page shows:\n%s", got, draft)
	}
	wantCode(t, runArgs(t, "", nil, "glossary", "lint", out), 0)
}

// Every key the program knows has its row in the configuration
// reference, as config.example.yaml has its line: the core's in
// docs/operating.md, a platform's there or on its own page, docs/NAME.md.
func TestOperatingDocumentsEveryKey(t *testing.T) {
	read := func(name string) string {
		raw, err := os.ReadFile(filepath.Join("../../docs", name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(raw)
	}
	operating := read("operating.md")
	for name, keys := range configKeys() {
		page := read(name + ".md")
		for _, key := range keys {
			row := "| `" + name + "." + key + "` |"
			if !strings.Contains(operating, row) && !strings.Contains(page, row) {
				t.Errorf("neither docs/operating.md nor docs/%s.md has a table row for `%s.%s`", name, name, key)
			}
		}
	}
}

// The define --json example in docs/glossary.md is what refbot prints,
// exit status included (issue 12.13: the documented output had drifted).
func TestDocsDefineJSONExample(t *testing.T) {
	raw, err := os.ReadFile("../../docs/glossary.md")
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "$ refbot define --json corrigable\n"
	_, rest, ok := strings.Cut(string(raw), cmd)
	if !ok {
		t.Fatalf("docs/glossary.md has no %q example", strings.TrimSpace(cmd))
	}
	want, _, _ := strings.Cut(rest, "```")
	r := runArgs(t, "", nil, "define", "--json", "corrigable")
	wantCode(t, r, 0)
	if r.stdout != want {
		t.Errorf("refbot define --json corrigable prints\n%s\ndocs/glossary.md shows\n%s", r.stdout, want)
	}
}
