package glossary

// everydayWords are common English words that appear inside glossary
// names. On its own such a word is weak evidence ("theory", "fast",
// "control"): Lookup suggests the entries that contain it but does not
// answer with one unless the match is exact or strong (see Lookup's
// confidence rule). Canonical forms (singular, American).
var everydayWords = setOf(
	"ability", "abstraction", "agent", "ai", "attack", "audit", "awareness", "bitter", "box",
	"causal", "chain", "context", "control", "data", "distribution", "effect", "embedded",
	"emergent", "engineering", "evaluation", "example", "explosion", "fast", "feedback",
	"framework", "frontier", "game", "general", "generalization", "goal", "hacking", "hard",
	"head", "human", "impact", "inner", "intelligence", "knowledge", "law", "learning", "left",
	"lesson", "measure", "misaligned", "model", "natural", "negative", "network", "neural",
	"objective", "outer", "policy", "power", "problem", "process", "red", "representation",
	"risk", "safety", "scenario", "security", "sharp", "shift", "side", "slow", "soft", "speed",
	"steering", "strong", "supervision", "system", "tax", "team", "theory", "thought", "tool",
	"tracing", "training", "trusted", "turn", "value", "vector", "weak", "weight", "world",
)

// fieldPhrases are phrases of the field that name no single entry though
// they begin or sit inside entries' names ("language model" is in
// "language model agents"). Like an everyday word, such a query is
// suggested, never answered, unless it is exactly a name. Canonical forms.
var fieldPhrases = setOf(
	"ai model", "ai safety", "ai system", "artificial intelligence", "deep learning", "fine tuning", "gradient descent",
	"human value", "language model", "large language model", "loss function", "machine learning",
	"model evaluation", "neural network", "reinforcement learning", "supervised learning",
	"training data", "world model",
)

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
