package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// checkHTML is this package's HTML validity check: a strict reading of a
// page with golang.org/x/net/html's tokenizer plus the rules our pages
// must keep. There is no HTML conformance checker written in Go (the W3C
// one is a Java program, which neither CI nor a newcomer's machine has),
// and html.Parse alone cannot be the check: like a browser, it repairs
// whatever it is given. So this reads the tokens as written and refuses
// what a browser would have to repair, and what our own rules forbid:
//
//   - a doctype first; html with lang, head with meta charset first, a
//     non-empty title, one main and one h1, headings that skip no level;
//   - elements only from a known list, every one closed explicitly and in
//     order (void elements never closed, SVG shapes self-closed);
//   - content models a browser would repair: li only in ul or ol, nothing
//     block-level inside p, no link inside a link, no form inside a form;
//   - attributes not repeated, ids unique, #fragments, label for= and
//     aria-labelledby pointing at ids that exist;
//   - for the Content-Security-Policy and against injection: no inline
//     script or style, no style attribute, no on* handler, no
//     javascript: or data: URL.
func checkHTML(page []byte) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	z := html.NewTokenizer(bytes.NewReader(page))
	var stack []string
	ids := map[string]int{}
	var fragments, labelFors, labelledBy []string
	var headings []int
	count := map[string]int{}
	first := true
	inTitle, titleText := false, ""
	svgDepth := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); !errors.Is(err, io.EOF) {
				bad("tokenizer: %v", err)
			}
			break
		}
		tok := z.Token()
		if first {
			first = false
			if tt != html.DoctypeToken || !strings.EqualFold(tok.Data, "html") {
				bad("the page does not start with <!DOCTYPE html>")
			}
			continue
		}
		switch tt {
		case html.DoctypeToken:
			bad("a second doctype")
		case html.CommentToken:
		case html.TextToken:
			if inTitle {
				titleText += tok.Data
			}
			if len(stack) == 0 && strings.TrimSpace(tok.Data) != "" {
				bad("text outside <html>: %q", tok.Data)
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name := tok.Data
			count[name]++
			inSVG := svgDepth > 0 || name == "svg"
			known := htmlElements[name] || (inSVG && svgElements[name])
			if !known {
				bad("unknown element <%s>", name)
			}
			checkAttrs(tok, bad, ids, &fragments, &labelFors, &labelledBy)
			checkParent(name, stack, bad)
			switch {
			case voidElements[name]:
				if tt == html.SelfClosingTagToken {
					bad("<%s/>: write void elements without the slash", name)
				}
			case tt == html.SelfClosingTagToken:
				if !inSVG {
					bad("<%s/> self-closed: HTML elements need an end tag", name)
				}
			default:
				stack = append(stack, name)
				if name == "svg" {
					svgDepth++
				}
			}
			if len(name) == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6' {
				headings = append(headings, int(name[1]-'0'))
			}
			if name == "title" && svgDepth == 0 {
				inTitle = true
			}
			if name == "script" {
				if _, ok := attr(tok, "src"); !ok {
					bad("inline <script>")
				}
			}
			if name == "style" {
				bad("inline <style> element")
			}
			if name == "meta" && slices.ContainsFunc(tok.Attr, func(a html.Attribute) bool { return a.Key == "charset" }) && count["meta"] != 1 {
				bad("<meta charset> is not the first meta element")
			}
		case html.EndTagToken:
			name := tok.Data
			if voidElements[name] {
				bad("</%s>: void elements have no end tag", name)
				continue
			}
			if len(stack) == 0 || stack[len(stack)-1] != name {
				top := "nothing"
				if len(stack) > 0 {
					top = "<" + stack[len(stack)-1] + ">"
				}
				bad("</%s> closes %s", name, top)
				continue
			}
			stack = stack[:len(stack)-1]
			if name == "svg" {
				svgDepth--
			}
			if name == "title" && svgDepth == 0 && inTitle {
				inTitle = false
			}
		}
	}
	if len(stack) > 0 {
		bad("elements left open: %v", stack)
	}
	for _, req := range []string{"html", "head", "body", "title", "main", "h1"} {
		if count[req] == 0 {
			bad("no <%s>", req)
		}
	}
	if count["main"] > 1 || count["h1"] > 1 {
		bad("%d <main> and %d <h1>; want one of each", count["main"], count["h1"])
	}
	if strings.TrimSpace(titleText) == "" {
		bad("empty <title>")
	}
	for i := 1; i < len(headings); i++ {
		if headings[i] > headings[i-1]+1 {
			bad("heading h%d follows h%d: a level is skipped", headings[i], headings[i-1])
		}
	}
	for id, n := range ids {
		if n > 1 {
			bad("id %q is used %d times", id, n)
		}
	}
	for _, f := range fragments {
		if ids[f] == 0 {
			bad("link to #%s, which no element has as id", f)
		}
	}
	for _, f := range labelFors {
		if ids[f] == 0 {
			bad("<label for=%q> names no element", f)
		}
	}
	for _, f := range labelledBy {
		if ids[f] == 0 {
			bad("aria-labelledby=%q names no element", f)
		}
	}
	return errors.Join(errs...)
}

func attr(t html.Token, key string) (string, bool) {
	for _, a := range t.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func checkAttrs(t html.Token, bad func(string, ...any), ids map[string]int, fragments, labelFors, labelledBy *[]string) {
	seen := map[string]bool{}
	for _, a := range t.Attr {
		if seen[a.Key] {
			bad("<%s> repeats the attribute %s", t.Data, a.Key)
		}
		seen[a.Key] = true
		switch {
		case strings.HasPrefix(a.Key, "on"):
			bad("<%s> has an event handler attribute %s", t.Data, a.Key)
		case a.Key == "style":
			bad("<%s> has a style attribute", t.Data)
		case a.Key == "id":
			ids[a.Val]++
		case a.Key == "for" && t.Data == "label":
			*labelFors = append(*labelFors, a.Val)
		case a.Key == "aria-labelledby":
			*labelledBy = append(*labelledBy, strings.Fields(a.Val)...)
		case a.Key == "href" || a.Key == "src" || a.Key == "action":
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "data:") || strings.HasPrefix(v, "vbscript:") {
				bad("<%s %s=%q>: a script or data URL", t.Data, a.Key, a.Val)
			}
			if strings.HasPrefix(a.Val, "#") && len(a.Val) > 1 {
				*fragments = append(*fragments, a.Val[1:])
			}
			if a.Val == "" {
				bad("<%s> has an empty %s", t.Data, a.Key)
			}
		}
	}
	if t.Data == "html" && !seen["lang"] {
		bad("<html> without lang")
	}
	if t.Data == "img" && !seen["alt"] {
		bad("<img> without alt")
	}
}

// checkParent refuses nesting a browser would repair.
func checkParent(name string, stack []string, bad func(string, ...any)) {
	parent := ""
	if len(stack) > 0 {
		parent = stack[len(stack)-1]
	}
	switch {
	case name == "li" && parent != "ul" && parent != "ol":
		bad("<li> inside <%s>", parent)
	case (parent == "ul" || parent == "ol") && name != "li":
		bad("<%s> directly inside <%s>", name, parent)
	case parent == "p" && blockElements[name]:
		bad("<%s> inside <p>", name)
	case name == "a" && slices.Contains(stack, "a"):
		bad("a link inside a link")
	case name == "form" && slices.Contains(stack, "form"):
		bad("a form inside a form")
	}
}

var voidElements = set("area base br col embed hr img input link meta source track wbr")

var blockElements = set("address article aside blockquote div dl fieldset figure footer form h1 h2 h3 h4 h5 h6 header hr main nav ol p pre section table ul")

var htmlElements = set("html head body title meta link script noscript style main header footer nav section article aside " +
	"h1 h2 h3 h4 h5 h6 p ul ol li dl dt dd a span em strong small code pre blockquote figure figcaption div " +
	"form label input button img br hr svg time abbr")

var svgElements = set("svg g line circle text title a path rect desc")

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
