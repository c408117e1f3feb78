package glossary

import "strings"

// Entry is one glossary term, loaded from entries/<id>.yaml.
type Entry struct {
	ID      string   `yaml:"id" json:"id"`
	Title   string   `yaml:"title" json:"title"`
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	Summary string   `yaml:"summary" json:"summary"`
	// Describes are short phrasings of how people describe the idea
	// without its name ("a model pretends to be aligned while trained");
	// search reads them, cards do not show them.
	Describes  []string `yaml:"describes,omitempty" json:"describes,omitempty"`
	KeyPoints  []string `yaml:"key_points,omitempty" json:"key_points,omitempty"`
	Sources    []Source `yaml:"sources" json:"sources"`
	SeeAlso    []string `yaml:"see_also,omitempty" json:"see_also,omitempty"`
	Tags       []string `yaml:"tags,omitempty" json:"tags,omitempty"`
	Questions  []string `yaml:"questions,omitempty" json:"questions,omitempty"`
	NoAutolink []string `yaml:"no_autolink,omitempty" json:"no_autolink,omitempty"`
}

// Source is a document an entry or a reading step points to.
type Source struct {
	Title   string `yaml:"title" json:"title"`
	URL     string `yaml:"url" json:"url"`
	Authors string `yaml:"authors,omitempty" json:"authors,omitempty"`
	Year    int    `yaml:"year,omitempty" json:"year,omitempty"`
}

// Names returns the title followed by the aliases.
func (e *Entry) Names() []string {
	names := make([]string, 0, 1+len(e.Aliases))
	names = append(names, e.Title)
	return append(names, e.Aliases...)
}

// URL is the address of the entry's first source, or "" when it has none.
func (e *Entry) URL() string {
	if len(e.Sources) == 0 {
		return ""
	}
	return e.Sources[0].URL
}

// FirstSentence returns the first sentence of s (a summary), for
// one-line lists: up to the first '.', '?' or '!' followed by a space,
// past the first 20 bytes; all of s when there is none.
func FirstSentence(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i+1 < len(s); i++ {
		if (s[i] == '.' || s[i] == '?' || s[i] == '!') && s[i+1] == ' ' && i > 20 {
			return s[:i+1]
		}
	}
	return s
}
