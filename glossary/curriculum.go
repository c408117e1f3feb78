package glossary

// Curriculum is an ordered reading list for a study group, loaded from
// readings/<id>.yaml.
type Curriculum struct {
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	Steps       []Step `yaml:"steps" json:"steps"`
}

// Step is one session of a curriculum, usually a week.
type Step struct {
	Title     string   `yaml:"title" json:"title"`
	Entries   []string `yaml:"entries" json:"entries"`
	Readings  []Source `yaml:"readings,omitempty" json:"readings,omitempty"`
	Questions []string `yaml:"questions" json:"questions"`
}
