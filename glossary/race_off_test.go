//go:build !race

package glossary_test

const raceEnabled = false
