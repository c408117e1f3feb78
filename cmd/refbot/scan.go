package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"refbot/adapters/shell"
)

// maxScanInput caps what refbot scan reads: a chat message is at most
// 40,000 characters (Slack), so 1 MiB is generous.
const maxScanInput = 1 << 20

// scanJSON is the shape of refbot scan --json; scripts rely on it.
type scanJSON struct {
	Mentions []mentionJSON `json:"mentions"`
}

type mentionJSON struct {
	ID    string `json:"id"`
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// runScan reads one message from stdin and prints the glossary names
// Scan finds in it: every mention, including repeats, with byte offsets.
func runScan(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("scan", stderr)
	asJSON := fs.Bool("json", false, `print {"mentions": [{"id", "text", "start", "end"}]} with byte offsets`)
	dir := fs.String("glossary", "", "a glossary directory to extend the embedded one with")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return exitError{code: 2, msg: fmt.Sprintf("unexpected argument %q; refbot scan reads the message from standard input: echo 'deceptive alignment?' | refbot scan", fs.Arg(0))}
	}
	msg, err := io.ReadAll(io.LimitReader(stdin, maxScanInput+1))
	if err != nil {
		return fmt.Errorf("read the message from standard input: %w", err)
	}
	if len(msg) > maxScanInput {
		return exitError{code: 2, msg: fmt.Sprintf("the message is longer than %d bytes; refbot scan takes one chat message", maxScanInput)}
	}
	g, err := loadGlossary(*dir, "extend")
	if err != nil {
		return err
	}
	// The message is read as the console reads a line: its code and quotes
	// are not mentions.
	ms := g.Scan(shell.BlankMarkup(string(msg)))
	if *asJSON {
		out := scanJSON{Mentions: make([]mentionJSON, 0, len(ms))}
		for _, m := range ms {
			out.Mentions = append(out.Mentions, mentionJSON{ID: m.Entry.ID, Text: m.Text, Start: m.Start, End: m.End})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(ms) == 0 {
		_, err := fmt.Fprintln(stdout, "no glossary terms mentioned")
		return err
	}
	for _, m := range ms {
		how := ""
		if m.Explicit {
			how = " [[explicit]]"
		}
		// %q: the text comes from the message and may hold invisible
		// characters; quoted, it cannot disturb the terminal.
		if _, err := fmt.Fprintf(stdout, "%d-%d\t%q\t%s (%s)%s\n", m.Start, m.End, m.Text, m.Entry.ID, m.Entry.Title, how); err != nil {
			return err
		}
	}
	return nil
}
