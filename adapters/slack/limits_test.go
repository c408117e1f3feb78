package slack

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checkMessage returns every way a rendered message breaks a Block Kit
// limit (Slack's Block Kit reference) or could ping someone. It works on
// the JSON Slack would receive.
func checkMessage(v any) []string {
	raw, err := json.Marshal(v)
	if err != nil {
		return []string{"marshal: " + err.Error()}
	}
	if !utf8.Valid(raw) {
		return []string{"not valid UTF-8"}
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return []string{"unmarshal: " + err.Error()}
	}
	c := &checker{}
	if t, ok := m["text"].(string); ok {
		c.max("text", t, maxMessageText)
		c.markup("text", t)
	}
	if opts, ok := m["options"].([]any); ok {
		c.options("options", opts)
	}
	blocks, _ := m["blocks"].([]any)
	if len(blocks) > maxBlocks {
		c.fail("%d blocks, limit %d", len(blocks), maxBlocks)
	}
	for i, b := range blocks {
		c.block(fmt.Sprintf("blocks[%d]", i), b.(map[string]any))
	}
	return c.problems
}

type checker struct{ problems []string }

func (c *checker) fail(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *checker) max(where, s string, n int) {
	if got := utf8.RuneCountInString(s); got > n {
		c.fail("%s: %d characters, limit %d", where, got, n)
	}
	for _, r := range s {
		if r != '\n' && (unicode.IsControl(r) || isBidiControl(r)) {
			c.fail("%s: control or bidi character %U", where, r)
		}
	}
}

// entity matches what may follow "&" in escaped text.
var entity = regexp.MustCompile(`^&(amp|lt|gt);`)

// link matches refbot's own links, the only markup allowed in mrkdwn.
var link = regexp.MustCompile(`^<https?://[^<>| ]+\|[^<>]*>`)

// markup checks mrkdwn or message text: every "&" starts a whole entity
// (nothing was cut inside one), every "<" starts one of refbot's links,
// and no plain broadcast word is left.
func (c *checker) markup(where, s string) {
	var visible strings.Builder // s without link targets, which cannot ping
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			visible.WriteByte(s[i])
		}
		switch s[i] {
		case '&':
			if !entity.MatchString(s[i:]) {
				c.fail("%s: bare or cut entity at %d: %q", where, i, snippet(s, i))
			}
		case '<':
			m := link.FindString(s[i:])
			if m == "" {
				c.fail("%s: markup that is not a refbot link at %d: %q", where, i, snippet(s, i))
				visible.WriteByte('<')
				continue
			}
			_, label, _ := strings.Cut(m, "|")
			visible.WriteString(strings.TrimSuffix(label, ">"))
			i += len(m) - 1
		}
	}
	c.broadcast(where, visible.String())
}

func (c *checker) broadcast(where, s string) {
	low := strings.ToLower(s)
	for _, w := range []string{"@here", "@channel", "@everyone", "<!", "<@", "<#"} {
		if strings.Contains(low, w) {
			c.fail("%s: contains %q", where, w)
		}
	}
}

func snippet(s string, i int) string {
	end := min(len(s), i+20)
	return s[i:end]
}

func (c *checker) textObject(where string, v any, n int) {
	t, ok := v.(map[string]any)
	if !ok {
		c.fail("%s: missing text object", where)
		return
	}
	s, _ := t["text"].(string)
	if s == "" {
		c.fail("%s: empty text", where)
	}
	c.max(where, s, n)
	switch t["type"] {
	case "mrkdwn":
		if t["verbatim"] != true {
			c.fail("%s: mrkdwn without verbatim", where)
		}
		c.markup(where, s)
	case "plain_text":
		c.broadcast(where, s)
	default:
		c.fail("%s: text type %v", where, t["type"])
	}
}

func (c *checker) block(where string, b map[string]any) {
	switch b["type"] {
	case "header":
		t := b["text"].(map[string]any)
		if t["type"] != "plain_text" {
			c.fail("%s: header must be plain_text", where)
		}
		c.textObject(where+".text", t, maxHeaderText)
	case "section":
		if t, ok := b["text"]; ok {
			c.textObject(where+".text", t, maxSectionText)
		}
		if fs, ok := b["fields"].([]any); ok {
			if len(fs) > 10 {
				c.fail("%s: %d fields", where, len(fs))
			}
			for i, f := range fs {
				c.textObject(fmt.Sprintf("%s.fields[%d]", where, i), f, 2000)
			}
		}
		if acc, ok := b["accessory"].(map[string]any); ok {
			c.element(where+".accessory", acc)
		}
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > maxContextElements {
			c.fail("%s: %d context elements", where, len(els))
		}
		for i, e := range els {
			c.textObject(fmt.Sprintf("%s.elements[%d]", where, i), e, maxSectionText)
		}
	case "actions":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > maxActionElements {
			c.fail("%s: %d action elements", where, len(els))
		}
		ids := map[string]bool{}
		for i, e := range els {
			em := e.(map[string]any)
			id, _ := em["action_id"].(string)
			if ids[id] {
				c.fail("%s: action_id %q twice", where, id)
			}
			ids[id] = true
			c.element(fmt.Sprintf("%s.elements[%d]", where, i), em)
		}
	case "divider":
	default:
		c.fail("%s: unexpected block type %v", where, b["type"])
	}
}

func (c *checker) element(where string, e map[string]any) {
	id, _ := e["action_id"].(string)
	if id == "" || len(id) > maxActionID {
		c.fail("%s: action_id %q", where, id)
	}
	switch e["type"] {
	case "button":
		c.textObject(where+".text", e["text"], maxButtonText)
		v, _ := e["value"].(string)
		if v == "" || utf8.RuneCountInString(v) > maxButtonValue {
			c.fail("%s: button value of %d characters", where, utf8.RuneCountInString(v))
		}
		if u, ok := e["url"].(string); ok && utf8.RuneCountInString(u) > maxURL {
			c.fail("%s: url too long", where)
		}
	case "external_select":
		c.textObject(where+".placeholder", e["placeholder"], maxHeaderText)
	default:
		c.fail("%s: unexpected element %v", where, e["type"])
	}
}

func (c *checker) options(where string, opts []any) {
	if len(opts) > maxOptions {
		c.fail("%s: %d options", where, len(opts))
	}
	for i, o := range opts {
		om := o.(map[string]any)
		c.textObject(fmt.Sprintf("%s[%d].text", where, i), om["text"], maxOptionText)
		v, _ := om["value"].(string)
		if v == "" || utf8.RuneCountInString(v) > maxOptionValue {
			c.fail("%s[%d]: value of %d characters", where, i, utf8.RuneCountInString(v))
		}
	}
}

// checkView returns every way a modal view breaks Slack's limits for
// views (title, buttons, metadata, input blocks) or could ping someone.
func checkView(v any) []string {
	raw, err := json.Marshal(v)
	if err != nil {
		return []string{"marshal: " + err.Error()}
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return []string{"unmarshal: " + err.Error()}
	}
	c := &checker{}
	if m["type"] != "modal" {
		c.fail("view type %v", m["type"])
	}
	c.textObject("title", m["title"], maxModalTitle)
	for _, k := range []string{"submit", "close"} {
		if t, ok := m[k]; ok {
			c.textObject(k, t, maxModalButton)
		}
	}
	if pm, _ := m["private_metadata"].(string); utf8.RuneCountInString(pm) > maxMetadata {
		c.fail("private_metadata of %d characters", utf8.RuneCountInString(pm))
	}
	if id, _ := m["callback_id"].(string); len(id) > maxCallbackID {
		c.fail("callback_id of %d bytes", len(id))
	}
	blocks, _ := m["blocks"].([]any)
	if len(blocks) == 0 || len(blocks) > maxModalBlocks {
		c.fail("%d blocks in a modal", len(blocks))
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		bm := b.(map[string]any)
		where := fmt.Sprintf("blocks[%d]", i)
		if bm["type"] != "input" {
			c.block(where, bm)
			continue
		}
		id, _ := bm["block_id"].(string)
		if id == "" || ids[id] {
			c.fail("%s: block_id %q missing or repeated", where, id)
		}
		ids[id] = true
		c.textObject(where+".label", bm["label"], maxInputLabel)
		el, _ := bm["element"].(map[string]any)
		if el["type"] != "plain_text_input" || el["action_id"] != id {
			c.fail("%s: element %v", where, el)
		}
		if p, ok := el["placeholder"]; ok {
			c.textObject(where+".placeholder", p, maxPlaceholder)
		}
		max, _ := el["max_length"].(float64)
		if max < 1 || max > maxInputLength {
			c.fail("%s: max_length %v", where, max)
		}
		iv, _ := el["initial_value"].(string)
		c.max(where+".initial_value", iv, int(max))
	}
	return c.problems
}
