// Package glossary holds the reference entries refbot serves: the model
// (Entry, Curriculum), loading the YAML files and validating them
// (Load, New, Problems), and the indexes built once per load for matching
// (Lookup, Complete, Search) and for finding names in text (Scan).
//
// It knows nothing about chat: Scan reads plain text, and each chat
// adapter blanks its platform's markup before a message reaches the core.
package glossary
