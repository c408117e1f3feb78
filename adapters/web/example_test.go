package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"refbot/adapters/web"
	"refbot/glossary"
)

// glossaryOf is a web.Source holding one glossary; refbot serve passes
// its *bot.Bot, whose glossary a reload swaps.
type glossaryOf struct{ g *glossary.Glossary }

func (s glossaryOf) Glossary() *glossary.Glossary { return s.g }

func Example() {
	g, err := glossary.New([]glossary.Entry{{
		ID:      "mesa-optimization",
		Title:   "Mesa-Optimization",
		Summary: "A learned model that is itself an optimizer.",
		Sources: []glossary.Source{{Title: "Risks from Learned Optimization", URL: "https://arxiv.org/abs/1906.01820"}},
		SeeAlso: []string{"mesa-objective"},
	}, {
		ID:      "mesa-objective",
		Title:   "Mesa-Objective",
		Summary: "The objective a mesa-optimizer pursues.",
		Sources: []glossary.Source{{Title: "Risks from Learned Optimization", URL: "https://arxiv.org/abs/1906.01820"}},
	}}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	site := web.New(glossaryOf{g}, web.Options{})
	// Mount it where web.path says; here, under /glossary/.
	mux := http.NewServeMux()
	for pattern, h := range site.Routes("/glossary/") {
		mux.Handle(pattern, h)
	}

	for _, target := range []string{
		"/glossary/",
		"/glossary/terms/mesa-objective",
		"/glossary/search?q=mesa+optimisation",
		"/glossary/api/v1/define?q=mesa+obejctive",
		"/glossary/terms/nothing-here",
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if loc := w.Header().Get("Location"); loc != "" {
			fmt.Println(w.Code, target, "→", loc)
			continue
		}
		fmt.Println(w.Code, target)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/glossary/", nil))
	fmt.Println(w.Code, "POST /glossary/")
	// Output:
	// 200 /glossary/
	// 200 /glossary/terms/mesa-objective
	// 303 /glossary/search?q=mesa+optimisation → terms/mesa-optimization
	// 200 /glossary/api/v1/define?q=mesa+obejctive
	// 404 /glossary/terms/nothing-here
	// 405 POST /glossary/
}
