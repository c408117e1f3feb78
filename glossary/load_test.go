package glossary_test

import (
	"testing"

	"refbot/glossary"
	"refbot/glossary/data"
)

func TestDefaultGlossaryLoads(t *testing.T) {
	g, err := glossary.Load(glossary.Layer{FS: data.FS()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d entries, %d curricula", g.Len(), len(g.Curricula()))
}
