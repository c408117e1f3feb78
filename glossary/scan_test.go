package glossary_test

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"refbot/glossary"
)

// scanCases are messages as an adapter hands them to the core (plain
// text, markup blanked) and the entries they should link, in order.
// Traps: URLs, everyday words, acronyms in lower case, substrings of
// longer words. Each platform's markup has its own table in its adapter.
var scanCases = []struct {
	msg  string
	want string // entry ids, space-separated
}{
	{"isn't this just deceptive alignment?", "deceptive-alignment"},
	{"I think mesa-optimisation is the crux here", "mesa-optimization"},
	{"Mesa optimizers are scary", "mesa-optimization"},
	{"inner alignment vs outer alignment, which is harder?", "inner-alignment outer-alignment"},
	{"this is basically Goodhart's law again", "goodharts-law"},
	{"goodharts law strikes", "goodharts-law"},
	{"Goodhart’s Law with a curly apostrophe", "goodharts-law"},
	{"she said ’deceptive alignment’ twice", "deceptive-alignment"}, // a curly quote opening a word once hung Scan
	{"’’ ’ ‘’ ’\x00’\x80 Goodhart’s’ law", "goodharts-law"},
	{"reward hacking and reward tampering are different", "reward-hacking reward-tampering"},
	{"RLHF models are sycophantic", "rlhf"},
	{"sycophancy shows up in RLHF models", "sycophancy rlhf"},
	{"the ELK report is long", "eliciting-latent-knowledge"},
	{"we saw an elk on the hike", ""},
	{"Elk are large animals", ""},
	{"SAEs find features; saes is a typo", "sparse-autoencoders"},
	{"see you irl", ""},
	{"the outer layer of the onion", ""},
	{"mesa-optimizationish is not a word", ""},
	{"interalignment is not a word either", ""},
	{"misalignment happens", ""},
	{"inner misalignment happens", "inner-alignment"},
	{"read https://example.org/deceptive-alignment please", ""},
	{"www.example.org/inner-alignment and HTTPS://EXAMPLE.ORG/reward-hacking", ""},
	{"see <https://example.org/reward-hacking> first", ""},
	{"the paper (https://example.org/x) on reward hacking.", "reward-hacking"},
	{"they talk about scheming", ""},   // Scheming is in no_autolink (everyday word)
	{"deceptive\nalignment", ""},       // a line break ends a phrase
	{"deceptive <    > alignment", ""}, // where an adapter blanked markup
	{"<     > deceptive alignment <   >", "deceptive-alignment"},
	{"deceptive alignment, deceptive alignment, deceptive alignment", "deceptive-alignment deceptive-alignment deceptive-alignment"},
	{"instrumental convergence and the orthogonality thesis", "instrumental-convergence orthogonality-thesis"},
	{"power-seeking is instrumental", "power-seeking"},
	{"power seeking AIs", "power-seeking"},
	{"corrigibility vs corrigible agents", "corrigibility corrigibility"},
	{"the off-switch problem", "off-switch-problem"},
	{"AI safety via debate is an oversight proposal", "ai-safety-via-debate"},
	{"we had a debate about lunch", ""},
	{"circuits in the kitchen tripped", ""},
	{"the superposition of two waves", ""},
	{"a singleton pattern in Java", ""},
	{"ask the oracle", ""},
	{"boxing match tonight", ""},
	{"myopic planning", ""},
	{"side effects of ibuprofen", ""},
	{"our red team found a bug", ""},
	{"red teaming language models", "red-teaming"},
	{"negative side effects of a reward", "negative-side-effects"},
	{"my phone jailbreak", ""},
	{"jailbreaking LLMs is easy", ""}, // no_autolink: phones are jailbroken too
	{"sparse autoencoders and dictionary learning", "sparse-autoencoders sparse-autoencoders"},
	{"induction heads form early", "induction-heads"},
	{"an induction head", "induction-heads"},
	{"polysemantic neurons everywhere", "polysemanticity"},
	{"CoT faithfulness matters", "chain-of-thought-faithfulness"},
	{"chain-of-thought faithfulness matters", "chain-of-thought-faithfulness"},
	{"weak-to-strong generalisation results", "weak-to-strong-generalization"},
	{"recursive reward modelling", "recursive-reward-modeling"},
	{"iterated amplification (IDA)", "iterated-amplification iterated-amplification"},
	{"ida is my aunt", ""},
	{"constitutional AI and RLAIF", "constitutional-ai"}, // RLAIF is broader (issue 20)
	{"the sharp left turn argument", "sharp-left-turn"},
	{"turn left at the sharp corner", ""},
	{"a treacherous turn", "treacherous-turn"},
	{"paperclip maximiser thought experiment", "paperclip-maximizer"},
	{"x-risk and s-risks", "existential-risk s-risk"},
	{"existential risk from AI", "existential-risk"},
	{"fast takeoff or slow takeoff?", "ai-takeoff ai-takeoff"},
	{"takeoff speeds", "ai-takeoff"},
	{"the plane's takeoff was delayed", ""},
	{"superintelligence by Bostrom", "superintelligence"},
	{"ASI soon?", "superintelligence"},
	{"OOD inputs", "distributional-shift"},
	{"good food", ""},
	{"distribution shift in the wild", "distributional-shift"},
	{"adversarial examples fool classifiers", "adversarial-examples"},
	{"scaling laws predict loss", "scaling-laws"},
	{"grokking is weird", ""}, // the entry lists Grokking in no_autolink
	{"I grok it", ""},
	{"shard theory says values are contextual", "shard-theory"},
	{"natural abstractions hypothesis", "natural-abstractions"},
	{"AI alignment is hard", "ai-alignment"},
	{"the alignment problem", "ai-alignment"},
	{"alignment tax is low", "alignment-tax"},
	{"value learning vs inverse reinforcement learning", "value-learning inverse-reinforcement-learning"},
	{"CIRL or cooperative IRL or assistance games", "cooperative-irl cooperative-irl cooperative-irl"},
	{"CEV is old", "coherent-extrapolated-volition"},
	{"embedded agency sequence", "embedded-agency"},
	{"quantilizers are mild optimizers", "quantilizers"},
	{"impact measures like AUP", "impact-measures"}, // AUP is one proposal (issue 20)
	{"situational awareness in LLMs", ""},
	{"alignment faking paper", "alignment-faking"},
	{"sleeper agents paper", "sleeper-agents"},
	{"sandbagging on evals", ""},
	{"gradient hacking", "gradient-hacking"},
	{"goal misgeneralization in CoinRun", "goal-misgeneralization"},
	{"reward model overoptimization", "reward-model-overoptimization"},
	{"mech interp is fun", "mechanistic-interpretability"},
	{"mechanistic interpretability", "mechanistic-interpretability"},
	{"process supervision beats outcome supervision", "process-supervision"}, // the opposite method (issue 20)
	{"steganography in chain of thought", "steganography"},
	{"AI control evaluations", ""}, // AI Control is no_autolink; control evaluations are the method (issue 20)
	{"scalable oversight", "scalable-oversight"},
	{"responsible scaling policy", "responsible-scaling-policy"},
	{"RSPs and dangerous capability evals", "responsible-scaling-policy dangerous-capability-evaluations"},
	{"representation engineering and steering vectors", "representation-engineering representation-engineering"},
	{"the intelligence explosion, FOOM", "intelligence-explosion intelligence-explosion"},
	{"foom", ""},
	{"multipolar scenario", "multipolar-scenario"},
	{"tool AI vs oracle AI", "tool-ai"},
	{"AI boxing", "ai-boxing"},
	{"mesa objective and base optimizer", "mesa-objective base-optimizer"},
	{"pseudo-alignment", "pseudo-alignment"},
	{"[[mesa optimisation]] please", "mesa-optimization"},
	{"[[elk]] explicitly", "eliciting-latent-knowledge"},
	{"[[banana bread]] is not a term", ""},
	{"inner. Alignment", ""},
	{"", ""},
	{"🙂🙂🙂", ""},
	{"wireheading", "reward-tampering"},
	{"specification gaming", "reward-hacking"},
	{"mesa", ""},
	{"INNER ALIGNMENT!!!", "inner-alignment"},
	// gloss-fix (issue 20): aliases removed on the expert fact-check link nothing.
	{"neural circuits in the hippocampus", ""},
	{"myopic training is cheap", ""},
	{"instrumental goals like money", ""},
	{"proxy alignment is one subtype", ""},
	{"the base objective is the loss", ""},
	{"mild optimization sounds nice", ""},
	{"interpretability is a big field", ""},
	// gloss-b batch: new names linked in their AI-safety sense, and
	// everyday-word aliases (no_autolink) in their ordinary sense, linked zero times.
	{"evaluation awareness makes evals harder", "evaluation-awareness"},
	{"the test awareness of our students improved", ""},
	{"capability elicitation with password-locked models", "capability-elicitation capability-elicitation"},
	{"OpenAI's superalignment team", "superalignment"},
	{"goal-directed behaviour in RL agents", "goal-directedness"},
	{"agentic AI and LLM agents", "agentic-ai agentic-ai"},
	{"our support desk uses AI agents now", ""},
	{"agentic systems for customer service", ""},
	{"emergent misalignment from insecure code", "emergent-misalignment"},
	{"an alignment audit found the hidden objective", "alignment-auditing"},
	{"adversarial training against jailbreaks", "adversarial-training"}, // jailbreaks is no_autolink
	{"AGI by 2030? agi is lowercase here", "artificial-general-intelligence"},
	{"a general AI question for the channel", ""},
	{"transformative AI (TAI) and AI timelines", "transformative-ai transformative-ai ai-timelines"},
	{"I met Tai at the gym", ""},
	{"the project timelines slipped again", ""},
	{"Cotra's biological anchors report", "biological-anchors"},
	{"Sutton's bitter lesson says search and learning win", "bitter-lesson"},
	{"losing the final was a bitter lesson for the team", ""},
	{"that was the bitter lesson of the whole project", ""},
	{"the scaling hypothesis and compute governance", "scaling-hypothesis compute-governance"},
	{"a hardware overhang could speed up takeoff", "compute-overhang"},
	{"AI takeover vs gradual disempowerment", "ai-takeover gradual-disempowerment"},
	{"the driver suffered a loss of control on ice", ""},
	{"value lock-in is a longtermist worry", "value-lock-in"},
	{"we want to avoid vendor lock-in with our cloud", ""},
	{"is a pivotal act ever justified?", "pivotal-act"},
	// Issue 20, batch gloss-c: everyday-word and other-meaning names are never linked.
	{"CAIS put out a statement on AI risk", ""},
	{"comprehensive AI services is Drexler's alternative to agents", "comprehensive-ai-services"},
	{"is agent foundations research still funded?", "agent-foundations"},
	{"FDT and UDT both one-box", "functional-decision-theory updateless-decision-theory"},
	{"one-boxing on Newcomb's problem", "newcombs-problem newcombs-problem"},
	{"acausal trade sounds like science fiction", "acausal-trade"},
	{"the trade deal fell through", ""},
	{"she works in customer services", ""},
	{"logical induction assigns probabilities to sentences", "logical-induction"},
	{"an ontological crisis for the robot", "ontological-crisis"},
	{"utility indifference has known holes", "utility-indifference"},
	{"safely interruptible agents do not learn from the button", "safe-interruptibility"},
	{"the interruptibility of kernel threads", ""},
	{"the burglar hit a tripwire", ""},
	{"Tripwires were set along the path", ""},
	{"AI tripwires need interpretability", "tripwires"},
	{"AI governance is a young field", "ai-governance"},
	{"HR sent round the company AI policy", ""},
	{"the FSF sponsors free software projects", ""},
	{"DeepMind updated its Frontier Safety Framework", "frontier-safety-frameworks"},
	{"the WHO pandemic preparedness framework", ""},
	{"she teaches ASL to toddlers", ""},
	{"Claude Opus 4 launched under ASL-3", "ai-safety-levels"},
	{"AI safety levels are modelled on biosafety levels", "ai-safety-levels"},
	{"bias in AI race classification systems", ""},
	{"an AI arms race between great powers", "ai-race-dynamics"},
	{"Moloch wins again: every lab cuts its eval time", "moloch"},
	{"the XML DTD failed to validate", ""},
	{"differential progress in maths across the class", ""},
	{"differential technological development says build defences first", "differential-technological-development"},
	{"he was blackballed from the club", ""},
	{"pot the black ball to win the frame", ""},
	{"Bostrom's vulnerable world hypothesis", "vulnerable-world-hypothesis"},
	{"strong longtermism and its critics", "longtermism"},
	// gloss-a: glossary-terms-2.tsv rows 1–5; everyday senses of no_autolink names link nothing.
	{"activation patching shows the MLP layers matter", "activation-patching"},
	{"causal tracing in the ROME paper", "activation-patching"},
	{"linear probes on the residual stream", "linear-probes"},
	{"the logit lens and the tuned lens", "logit-lens logit-lens"},
	{"monosemantic features from SAEs", "monosemanticity sparse-autoencoders"},
	{"feature visualisation of GoogLeNet", "feature-visualization"},
	{"the dentist kept probing my gums", ""},
	{"NASA probes reached Jupiter", ""},
	{"linear probing resolves hash collisions", ""},
	{"we want interpretable features in the new dashboard", ""},
	// gloss-a: rows 6–10.
	{"model organisms of misalignment are a research agenda", "model-organisms-of-misalignment"},
	{"janus on simulator theory", "simulator-theory"},
	{"the Waluigi Effect explains DAN", "waluigi-effect"},
	{"indirect prompt injection via email", "prompt-injection"},
	{"data poisoning of LAION", "data-poisoning"},
	{"fruit flies are model organisms", ""},
	{"I love flight simulators", ""},
	{"Simulacra and Simulation by Baudrillard", ""},
	{"Waluigi is my main in Mario Kart", ""},
	{"the Salisbury poisoning attack", ""},
	// gloss-a: rows 11–15.
	{"the reward model was trained on comparisons", "reward-model"},
	{"recursive reward modelling is not plain reward modelling", "recursive-reward-modeling reward-model"},
	{"DPO skips the reward model", "direct-preference-optimization reward-model"},
	{"our dpo is on holiday", ""},
	{"a KL penalty keeps the policy close", "kl-regularization"},
	{"emergent abilities might be a mirage", "emergent-abilities"},
	{"in-context learning and few-shot prompting", "in-context-learning in-context-learning"},
	{"ICL lecture halls are cold", ""},
	// gloss-a: rows 16–18 and 20; "chain of thought" is also everyday English, so only the title and CoT link.
	{"CoT prompting helps on GSM8K", "chain-of-thought-prompting"},
	{"chain-of-thought prompting and zero-shot CoT", "chain-of-thought-prompting chain-of-thought-prompting"},
	{"CoT faithfulness is not CoT monitoring", "chain-of-thought-faithfulness chain-of-thought-monitoring"},
	{"I lost my chain of thought halfway through", ""},
	{"she fell asleep in her cot", ""},
	{"trusted monitoring with GPT-3.5", "trusted-monitoring"},
	{"weight exfiltration and model weight security", "model-weight-security model-weight-security"},
	{"machine unlearning with RMU on WMDP", "machine-unlearning"},
	{"unlearning old habits takes time", ""},
}

func TestScanQuality(t *testing.T) {
	g := defaultGlossary(t)
	if len(scanCases) < 80 {
		t.Errorf("only %d cases", len(scanCases))
	}
	wrong := 0
	for _, c := range scanCases {
		var got []string
		for _, m := range g.Scan(c.msg) {
			got = append(got, m.Entry.ID)
			if c.msg[m.Start:m.End] != m.Text {
				t.Errorf("Scan(%q): offsets [%d,%d] do not hold %q", c.msg, m.Start, m.End, m.Text)
			}
		}
		if strings.Join(got, " ") != c.want {
			wrong++
			t.Errorf("Scan(%q) = %q, want %q", c.msg, strings.Join(got, " "), c.want)
		}
	}
	t.Logf("%d messages, %d wrong", len(scanCases), wrong)
}

func TestScanOffsetsAndOverlap(t *testing.T) {
	g := defaultGlossary(t)
	msg := "Über-café: mesa optimizers, then reward model overoptimization."
	ms := g.Scan(msg)
	if len(ms) != 2 {
		t.Fatalf("Scan = %+v", ms)
	}
	if ms[1].Text != "reward model overoptimization" {
		t.Errorf("longest match lost: %q", ms[1].Text)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Start < ms[i-1].End {
			t.Errorf("overlap: %+v", ms)
		}
	}
}

func TestScanNoAllocWithoutMention(t *testing.T) {
	g := defaultGlossary(t)
	msg := "Had a great time at the meetup yesterday, the pizza was realised beautifully and everyone organised well."
	if ms := g.Scan(msg); len(ms) != 0 {
		t.Fatalf("Scan = %v", ms)
	}
	if raceEnabled {
		t.Log("allocation count not checked under -race (sync.Pool drops items)")
		return
	}
	if n := testing.AllocsPerRun(100, func() { g.Scan(msg) }); n != 0 {
		t.Errorf("Scan allocates %v times for a message with no mention", n)
	}
}

// chat is chat-like text: everyday messages with an occasional term. It
// keeps inline code and a quote as typed, a little more work for Scan
// than the blanked text adapters hand over.
func chat(n int) string {
	lines := []string{
		"hey all, reading group is moved to thursday this week",
		"did anyone finish the paper? I got stuck on section 3",
		"I think the argument only works if you assume a lot about training dynamics",
		"lol yes, same. the appendix is worth reading though",
		"isn't this just deceptive alignment with extra steps?",
		"can someone share the slides from last time @maya.ruskin",
		"here you go https://example.org/slides/week-4.pdf",
		"thanks! also the `train.py` script crashes on my machine",
		"> the model learns a proxy objective\nright, that's the goal misgeneralization example",
		"I'm not convinced by the counting argument tbh",
		"what did people think of the RLHF section?",
		"coffee first, then we can talk about interpretability stuff",
		"the sharp left turn post is long but readable",
		"ok see you all at 6pm, bring snacks 🍕",
	}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(lines[i%len(lines)])
		b.WriteByte('\n')
	}
	return b.String()[:n]
}

func BenchmarkScan(b *testing.B) {
	big, _ := bigGlossary(b)
	for _, gl := range []struct {
		name string
		g    *glossary.Glossary
	}{{"default", defaultGlossary(b)}, {"10k", big}} {
		for _, size := range []int{400, 4000} {
			msg := chat(size)
			b.Run(fmt.Sprintf("%s/%dB", gl.name, size), func(b *testing.B) {
				b.SetBytes(int64(len(msg)))
				b.ReportAllocs()
				for b.Loop() {
					gl.g.Scan(msg)
				}
			})
		}
	}
	msg := "Had a great time at the meetup yesterday, the pizza was great and everyone was well organised."
	b.Run("default/no-mention", func(b *testing.B) {
		g := defaultGlossary(b)
		b.SetBytes(int64(len(msg)))
		b.ReportAllocs()
		for b.Loop() {
			g.Scan(msg)
		}
	})
}

// BenchmarkScanRegexpBaseline is the obvious alternative: one
// case-insensitive alternation of every name, longest first.
func BenchmarkScanRegexpBaseline(b *testing.B) {
	big, _ := bigGlossary(b)
	for _, gl := range []struct {
		name string
		g    *glossary.Glossary
	}{{"default", defaultGlossary(b)}, {"10k", big}} {
		var names []string
		for _, e := range gl.g.Entries() {
			for _, n := range e.Names() {
				names = append(names, regexp.QuoteMeta(n))
			}
		}
		sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
		re := regexp.MustCompile(`(?i)\b(?:` + strings.Join(names, "|") + `)\b`)
		msg := chat(400)
		b.Run(gl.name+"/400B", func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				re.FindAllStringIndex(msg, -1)
			}
		})
	}
}
