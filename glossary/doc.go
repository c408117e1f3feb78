// Package glossary holds the reference entries refbot serves: the model
// (Entry, Curriculum), loading the YAML files and validating them
// (Load, New, Problems), and the indexes built once per load for matching
// (Lookup, Complete, Search) and for finding names in text (Scan).
// It knows nothing about chat.
package glossary
