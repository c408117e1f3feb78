package web

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"refbot/glossary"
)

// marker names the file that says a directory holds an export, so a
// second export may replace it; any other non-empty directory is left
// alone.
const marker = ".refbot-site"

// Export writes the static site for g into dir: every page as an .html
// file with relative links (so it works from file:// and on any static
// host, GitHub Pages included), the assets, a search index for the
// search page's script, and the API's documents as .json files. baseURL,
// when set, is where the site will be published; it makes canonical and
// OpenGraph URLs absolute. The site is written beside dir and renamed
// into place, so dir never holds half a site. It returns the files
// written.
func Export(dir string, g *glossary.Glossary, baseURL string, now time.Time) ([]string, error) {
	if err := checkTarget(dir); err != nil {
		return nil, err
	}
	st, err := render(g, style{static: true, base: withSlash(baseURL)}, now)
	if err != nil {
		return nil, err
	}
	parent, base := filepath.Split(filepath.Clean(dir))
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".new-")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	keys := make([]string, 0, len(st.files))
	for k := range st.files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := filepath.Join(tmp, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		if err := os.WriteFile(p, st.files[k].body, 0o644); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	note := "Written by refbot glossary site; the next export replaces this directory.\n"
	if err := os.WriteFile(filepath.Join(tmp, marker), []byte(note), 0o644); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it 0700
		return nil, fmt.Errorf("export: %w", err)
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir) // put the previous site back
		}
		return nil, fmt.Errorf("export: %w", err)
	}
	if old != "" {
		if err := os.RemoveAll(old); err != nil {
			return nil, fmt.Errorf("export: the new site is in place, but the previous one could not be removed: %w", err)
		}
	}
	return keys, nil
}

// checkTarget refuses a directory that holds anything but an earlier
// export: "refbot glossary site -o ." must not wipe a project.
func checkTarget(dir string) error {
	if strings.TrimSpace(dir) == "" {
		return errors.New("export: no output directory given")
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
		return nil
	}
	return fmt.Errorf("export: %s is not empty and holds no earlier export (no %s file); choose a new or empty directory", dir, marker)
}
