package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing/fstest"

	"github.com/goccy/go-yaml"

	"refbot/bot"
	"refbot/glossary"
	"refbot/glossary/data"
	"refbot/glossary/importer"
)

func runGlossary(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: refbot glossary lint [--alone] [DIR] | import [-o DIR] FILE... | site -o DIR | history [--config FILE] ID | export [--config FILE] DIR")
		return exitError{code: 2}
	}
	switch args[0] {
	case "lint":
		return runLint(args[1:], stdout, stderr)
	case "import":
		return runImport(args[1:], stdout, stderr)
	case "site":
		return runSite(ctx, args[1:], getenv, stdout, stderr)
	case "history":
		return runHistory(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], getenv, stdout, stderr)
	}
	return exitError{code: 2, msg: fmt.Sprintf("unknown glossary command %q: want lint, import, site, history or export", args[0])}
}

func runLint(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("glossary lint", stderr)
	alone := fs.Bool("alone", false, "check DIR as a complete glossary instead of an extension of the embedded one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fmt.Fprintln(stderr, "usage: refbot glossary lint [--alone] [DIR] (one directory at a time)")
		return exitError{code: 2}
	}
	var (
		layers []glossary.Layer
		err    error
	)
	switch dir := fs.Arg(0); {
	case dir == "":
		layers = []glossary.Layer{{Name: "glossary/data", FS: data.FS()}}
	case *alone:
		layers, err = glossaryLayers(dir, "replace")
	default:
		layers, err = glossaryLayers(dir, "extend")
	}
	if err != nil {
		return err
	}
	// Warnings are shown beside problems too, so that one run lists
	// everything to look at.
	g, probs, warns := glossary.Check(layers...)
	for _, p := range probs {
		fmt.Fprintln(stdout, p.String())
	}
	for _, w := range warns {
		fmt.Fprintln(stdout, "warning: "+w.String())
	}
	var warned string
	if len(warns) > 0 {
		warned = " (" + bot.Plural(len(warns), "warning", "warnings") + ")"
	}
	if len(probs) > 0 {
		return exitError{code: 1, msg: bot.Plural(len(probs), "problem", "problems") + warned}
	}
	fmt.Fprintf(stdout, "ok: %s, %s%s\n", bot.Plural(g.Len(), "entry", "entries"), bot.Plural(len(g.Curricula()), "curriculum", "curricula"), warned)
	return nil
}

func runImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("glossary import", stderr)
	out := fs.String("o", "refbot-glossary", "glossary directory to write entries/ID.yaml into")
	force := fs.Bool("force", false, "overwrite entry files that already exist")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: refbot glossary import [-o DIR] [--force] FILE...")
		return exitError{code: 2}
	}
	base, err := loadGlossary(existingDir(*out), "extend")
	if err != nil {
		return fmt.Errorf("the glossary in %s must be valid before importing into it: %w", *out, err)
	}
	failed := 0
	for _, file := range fs.Args() {
		path, page, err := importPage(base, file, *out, *force)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", file, err)
			failed++
			continue
		}
		fmt.Fprintf(stdout, "wrote %s (a draft: rewrite its summary and key points in your own words)\n", path)
		if !page.OwnSource {
			fmt.Fprintf(stdout, "  no link on the page is titled like it; its source is the first link, %q (%s): check it\n", page.SourceTitle, page.SourceURL)
		}
	}
	if failed > 0 {
		return exitError{code: 1, msg: fmt.Sprintf("%d of %s not imported", failed, bot.Plural(fs.NArg(), "page", "pages"))}
	}
	return nil
}

func existingDir(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, "entries")); err == nil {
		return dir
	}
	return ""
}

// importPage writes one page as dir/entries/ID.yaml, or nothing at all.
func importPage(base *glossary.Glossary, file, dir string, force bool) (string, importer.Page, error) {
	raw, err := glossary.ReadFile(file, importer.MaxPage)
	if err != nil {
		return "", importer.Page{}, err
	}
	page, err := importer.ParsePage(raw)
	if err != nil {
		return "", page, err
	}
	path, err := writeDraft(base, page, file, dir, force)
	return path, page, err
}

// writeDraft writes the page's draft entry, checked beside the glossary
// it joins.
func writeDraft(base *glossary.Glossary, page importer.Page, file, dir string, force bool) (string, error) {
	e := page.Draft()
	if e.ID == "" {
		return "", errors.New("the title has no letters or digits to make an id from")
	}
	// Cited-by pages that name an existing entry become see_also; two
	// pages may name the same entry (a title and an alias).
	for _, name := range page.CitedBy {
		r := base.Lookup(name)
		if r.Match == nil || r.Match.ID == e.ID || slices.Contains(e.SeeAlso, r.Match.ID) {
			continue
		}
		if len(e.SeeAlso) == glossary.MaxSeeAlso {
			break
		}
		e.SeeAlso = append(e.SeeAlso, r.Match.ID)
	}
	body, err := yaml.MarshalWithOptions(e, yaml.UseLiteralStyleIfMultiline(true))
	if err != nil {
		return "", fmt.Errorf("encode entry: %w", err)
	}
	body = append([]byte(fmt.Sprintf("# Imported from %s by refbot glossary import.\n# A draft: rewrite the summary and key points in your own words before publishing.\n", filepath.Base(file))), body...)
	// Validate the file exactly as it will be read, beside the glossary it
	// joins, before anything touches the disk.
	rel := "entries/" + e.ID + ".yaml"
	layers := []glossary.Layer{{Name: "embedded", FS: data.FS()}}
	if d := existingDir(dir); d != "" {
		layers = append(layers, glossary.Layer{Name: d, FS: glossary.DirFS(d)})
	}
	layers = append(layers, glossary.Layer{Name: dir, FS: fstest.MapFS{rel: {Data: body}}})
	if _, err := glossary.Load(layers...); err != nil {
		return "", fmt.Errorf("the imported entry would not be valid: %w", err)
	}
	path := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(path); err == nil && !force {
		return "", fmt.Errorf("%s already exists; use --force to overwrite it", path)
	}
	if err := writeFileAtomic(path, body); err != nil {
		return "", err
	}
	return path, nil
}

// writeFileAtomic writes data to a temporary file beside path, syncs it
// and renames it over path, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".import-*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // fails harmlessly after the rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
