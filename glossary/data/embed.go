// Package data holds refbot's default glossary: one YAML file per entry in
// entries/ and study-group curricula in readings/. See docs/glossary.md
// for the format.
package data

import (
	"embed"
	"io/fs"
)

//go:embed entries/*.yaml readings/*.yaml
var files embed.FS

// FS returns the default glossary files, laid out as glossary.Load
// expects.
func FS() fs.FS { return files }
