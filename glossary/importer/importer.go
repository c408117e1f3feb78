// Package importer turns saved reference pages into draft glossary
// entries: a title line (optionally "Title (Venue)"), a "Summary"
// section, "Key Points" bullets, a "Cited by" table and cached content
// with Markdown links. A draft's prose is the page's own, so a person
// rewrites it before it is published.
package importer

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"refbot/glossary"
)

// Page is what ParsePage reads from a saved reference page.
type Page struct {
	Title     string
	Venue     string // from "Title (Venue)"
	Summary   string
	KeyPoints []string
	CitedBy   []string // names of pages that cite this one
	// SourceURL and SourceTitle are the draft's source: the page's own
	// link (titled like the page) when it has one (OwnSource), else its
	// first link with words in its text, under that text.
	SourceURL   string
	SourceTitle string
	OwnSource   bool
}

// MaxPage bounds what ParsePage reads.
const MaxPage = 4 << 20

var (
	mdLink   = regexp.MustCompile(`\[([^\]\n]{0,300})\]\((https?://[^)\s]+)\)`)
	venue    = regexp.MustCompile(`^(.*\S)\s+\(([^()]+)\)$`)
	citedBy  = regexp.MustCompile(`^Cited by\b`)
	headings = []string{"Summary", "Key Points", "Metadata", "Cached Content Preview", "Related"}
)

// ParsePage reads one page. Its error says what is missing.
func ParsePage(page []byte) (Page, error) {
	var p Page
	if len(page) > MaxPage {
		return p, fmt.Errorf("page is %d bytes; the limit is %d", len(page), MaxPage)
	}
	if !utf8.Valid(page) {
		page = bytes.ToValidUTF8(page, []byte("\uFFFD"))
	}
	sc := bufio.NewScanner(bytes.NewReader(page))
	sc.Buffer(make([]byte, 0, 64<<10), MaxPage)
	var (
		section string
		summary []string
		content strings.Builder
	)
	for sc.Scan() {
		line := strings.TrimSpace(strings.ReplaceAll(sc.Text(), "\r", ""))
		if p.Title == "" {
			if line == "" {
				continue
			}
			p.Title = line
			if m := venue.FindStringSubmatch(line); m != nil {
				p.Title, p.Venue = m[1], m[2]
			}
			continue
		}
		if isHeading(line) || citedBy.MatchString(line) {
			section = line
			if citedBy.MatchString(line) {
				section = "Cited by"
			}
			continue
		}
		switch section {
		case "Summary":
			if line != "" {
				summary = append(summary, line)
			}
		case "Key Points":
			if pt := strings.TrimSpace(strings.TrimLeft(line, "-*•· \t")); pt != "" {
				p.KeyPoints = append(p.KeyPoints, pt)
			}
		case "Cited by":
			if cell, ok := firstCell(line); ok {
				p.CitedBy = append(p.CitedBy, cell)
			}
		case "Cached Content Preview":
			content.WriteString(line)
			content.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return p, fmt.Errorf("read page: %w", err)
	}
	p.Summary = strings.Join(summary, " ")
	p.SourceURL, p.SourceTitle, p.OwnSource = source(p.Title, content.String())

	var missing []string
	if p.Title == "" {
		return p, errors.New("the page is empty: want a title on the first line")
	}
	if p.Summary == "" {
		missing = append(missing, `a "Summary" section`)
	}
	if p.SourceURL == "" {
		missing = append(missing, "a link to the page itself in its cached content")
	}
	if glossary.Normalize(p.Title) == "" {
		missing = append(missing, "a title with letters or digits")
	}
	if len(missing) > 0 {
		return p, fmt.Errorf("missing %s", strings.Join(missing, " and "))
	}
	return p, nil
}

func isHeading(line string) bool {
	for _, h := range headings {
		if line == h {
			return true
		}
	}
	return false
}

// firstCell returns the first cell of a Markdown table row, skipping the
// header and separator rows.
func firstCell(line string) (string, bool) {
	if !strings.HasPrefix(line, "|") {
		return "", false
	}
	cells := strings.Split(strings.Trim(line, "|"), "|")
	c := strings.TrimSpace(cells[0])
	if c == "" || c == "Page" || strings.Trim(c, "-: ") == "" {
		return "", false
	}
	return c, true
}

// source picks the page's own address: the first link whose text is the
// title, without its fragment (own). Failing that, the first link whose
// text has words, with that text as its title: a link to another document
// keeps that document's title rather than taking the page's.
func source(title, content string) (url, linkTitle string, own bool) {
	links := mdLink.FindAllStringSubmatch(content, -1)
	want := glossary.Normalize(title)
	for _, l := range links {
		if glossary.Normalize(l[1]) == want {
			if u := withoutFragment(l[2]); u != "" {
				return u, "", true
			}
		}
	}
	for _, l := range links {
		text := strings.TrimSpace(strings.NewReplacer(`\[`, "[", `\]`, "]", "**", "", "_", " ").Replace(l[1]))
		if !strings.ContainsFunc(text, unicode.IsLetter) {
			continue // a footnote mark, a number
		}
		if u := withoutFragment(l[2]); u != "" {
			return u, text, false
		}
	}
	return "", "", false
}

func withoutFragment(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// Draft turns the page into an entry draft. see_also is filled by the
// caller, which knows the glossary. The draft's prose is the page's own:
// it must be rewritten before it is published.
func (p Page) Draft() glossary.Entry {
	title := cut(p.Title, glossary.MaxTitle)
	srcTitle := p.SourceTitle
	if p.OwnSource || srcTitle == "" {
		srcTitle = p.Title
		if p.Venue != "" {
			srcTitle += " (" + p.Venue + ")"
		}
	}
	e := glossary.Entry{
		ID:      glossary.Slug(title),
		Title:   title,
		Summary: cutSentences(p.Summary, glossary.MaxSummary),
		Sources: []glossary.Source{{Title: cut(srcTitle, 300), URL: p.SourceURL}},
	}
	for _, k := range p.KeyPoints {
		if len(e.KeyPoints) == glossary.MaxKeyPoints {
			break
		}
		e.KeyPoints = append(e.KeyPoints, cut(k, glossary.MaxPoint))
	}
	return e
}

// cut shortens s to at most n characters at a word boundary, adding "…".
func cut(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(rs), ' '); i > n/2 {
		return strings.TrimRight(string(rs)[:i], " ,;:") + "…"
	}
	return string(rs) + "…"
}

// cutSentences shortens s to whole sentences within n characters, or cuts
// it when even the first sentence is longer.
func cutSentences(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return cut(s, n)
	}
	best := -1
	for i := 0; i < len(s) && utf8.RuneCountInString(s[:i]) < n; i++ {
		if (s[i] == '.' || s[i] == '?' || s[i] == '!') && (i+1 == len(s) || s[i+1] == ' ') {
			best = i + 1
		}
	}
	if best > 0 {
		return cut(s[:best], n)
	}
	return cut(s, n)
}
