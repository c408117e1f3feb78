package web

import (
	"testing"
)

func BenchmarkRender(b *testing.B) {
	g := defaultGlossary(b)
	for b.Loop() {
		if _, err := render(g, style{}, testTime); err != nil {
			b.Fatal(err)
		}
	}
}
