package glossary

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An id names an entry or a curriculum and its file (entries/<id>.yaml,
// readings/<id>.yaml): a slug of at most maxID bytes.
const maxID = 64

var slug = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// id checks the id of an entry or a curriculum: present, a slug, and the
// name of its file. Both kinds of file share it, so they say the same.
func (c checker[T]) id(id string) {
	switch {
	case id == "":
		c.add("id", "is missing")
	case !slug.MatchString(id) || len(id) > maxID:
		c.add("id", "%q must be a slug: lower-case letters, digits and single hyphens, at most %d characters", id, maxID)
	case c.it.stem != "" && c.it.stem != id:
		c.add("id", "%q does not match the file name; rename the file to %s.yaml", id, id)
	}
}

// Slug makes an id from a title: "Goodhart's Law" is "goodharts-law".
func Slug(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range fold(title) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= maxID {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}
