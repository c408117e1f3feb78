package discord

import (
	"testing"
	"unicode/utf16"
)

func TestTextLen(t *testing.T) {
	for _, s := range append(hostile, "", "a", "é", "€", "😀", "👩‍👩‍👧‍👦", "\xff", "a\xc3") {
		want := len(utf16.Encode([]rune(s)))
		if got := textLen(s); got != want {
			t.Errorf("textLen(%.40q) = %d, want %d", s, got, want)
		}
	}
}
