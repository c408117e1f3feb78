package slack

import (
	"bytes"
	"html/template"
	"net/http"
)

// The install flow's pages: one small template, escaped by html/template,
// with headers that keep them to themselves — no scripts, no framing, no
// referrer (the redirect's address carries the install code), no caching.

type page struct {
	Title, Heading string
	Lines          []string
	// AddToSlack is the Add to Slack button's link; empty: no button.
	AddToSlack string
	Scopes     []scopeLine
	Link       *pageLink
}

type scopeLine struct{ Name, Why string }

type pageLink struct{ URL, Text string }

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}} · refbot</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1d1c1d; }
h1 { font-size: 1.5rem; }
a.button { display: inline-block; padding: .6rem 1.2rem; border-radius: .4rem; background: #4a154b; color: #fff; font-weight: 600; text-decoration: none; }
code { background: #f4f4f4; padding: 0 .2rem; }
li { margin: .3rem 0; }
</style>
</head>
<body>
<main>
<h1>{{.Heading}}</h1>
{{range .Lines}}<p>{{.}}</p>
{{end}}{{with .AddToSlack}}<p><a class="button" href="{{.}}">Add to Slack</a></p>
{{end}}{{with .Scopes}}<p>refbot asks Slack for:</p>
<ul>
{{range .}}<li><code>{{.Name}}</code>{{with .Why}}: {{.}}{{end}}</li>
{{end}}</ul>
{{end}}{{with .Link}}<p><a href="{{.URL}}">{{.Text}}</a></p>
{{end}}</main>
</body>
</html>
`))

// writePage renders p with status.
func writePage(w http.ResponseWriter, status int, p page) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		http.Error(w, "page error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
