package slack

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// ServeHTTP is POST /slack/events: slash commands, interactivity and
// Events API callbacks on one URL. Every request is verified before
// anything in it is parsed: the body (at most 64 KiB) is read raw, its
// signature and timestamp (±5 minutes) checked, and only then parsed. A
// request that fails gets 401 and a log line, never a reply.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		reason := "unreadable body"
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			reason = "body over 64 KiB"
		}
		a.reject(w, r, reason, err)
		return
	}
	sv, err := slack.NewSecretsVerifier(r.Header, a.cfg.SigningSecret)
	if err != nil {
		a.reject(w, r, "bad signature headers", err)
		return
	}
	if _, err := sv.Write(raw); err != nil {
		a.reject(w, r, "signature", err)
		return
	}
	if err := sv.Ensure(); err != nil {
		a.reject(w, r, "signature mismatch", err)
		return
	}

	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "application/json" {
		a.serveEvent(w, r, raw)
		return
	}
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		a.log.WarnContext(ctx, "slack: signed request with a malformed form", "err", err)
		http.Error(w, "malformed form", http.StatusBadRequest)
		return
	}
	// slack-go's parsers read r.PostForm, which is already filled.
	r.PostForm, r.Form = form, form
	switch {
	case form.Has("payload"):
		// The lookup menu's search (block_suggestion) comes with every
		// keystroke and needs five fields: decoding just those costs a
		// fraction of slack-go's whole InteractionCallback, which the
		// other interactions still get.
		var head blockSuggestion
		if err := json.Unmarshal([]byte(form.Get("payload")), &head); err != nil {
			a.log.WarnContext(ctx, "slack: signed interaction with a malformed payload", "err", err)
			http.Error(w, "malformed payload", http.StatusBadRequest)
			return
		}
		if head.Type == slack.InteractionTypeBlockSuggestion {
			a.writeJSON(w, a.suggest(ctx, head.Team.ID, head.Channel.ID, head.User.ID, head.ActionID, head.Value))
			return
		}
		ic, err := slack.InteractionCallbackParse(r)
		if err != nil {
			a.log.WarnContext(ctx, "slack: signed interaction with a malformed payload", "err", err)
			http.Error(w, "malformed payload", http.StatusBadRequest)
			return
		}
		a.writeJSON(w, a.interaction(ctx, ic))
	case form.Has("command"):
		sc, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, "malformed command", http.StatusBadRequest)
			return
		}
		msg, send := a.command(ctx, sc)
		if !send {
			w.WriteHeader(http.StatusOK)
			return
		}
		a.writeJSON(w, msg)
	case form.Has("ssl_check"):
		// Slack checking the certificate; signed, so answered with 200.
		w.WriteHeader(http.StatusOK)
	default:
		a.log.WarnContext(ctx, "slack: signed form request of an unknown kind")
		http.Error(w, "unknown request", http.StatusBadRequest)
	}
}

// blockSuggestion is what refbot reads of a block_suggestion
// interaction (the same fields slack-go's InteractionCallback has).
type blockSuggestion struct {
	Type     slack.InteractionType `json:"type"`
	ActionID string                `json:"action_id"`
	Value    string                `json:"value"`
	Team     struct {
		ID string `json:"id"`
	} `json:"team"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
}

// serveEvent answers an Events API callback. Unknown event types get 200,
// or Slack would retry them.
func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request, raw []byte) {
	ctx := r.Context()
	ev, err := slackevents.ParseEvent(raw, slackevents.OptionNoVerifyToken())
	if err != nil {
		a.log.DebugContext(ctx, "slack: ignoring an event refbot does not know", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	switch ev.Type {
	case slackevents.URLVerification:
		if uv, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent); ok {
			a.writeJSON(w, map[string]string{"challenge": uv.Challenge})
			return
		}
	case slackevents.AppRateLimited:
		a.log.WarnContext(ctx, "slack: Slack is rate-limiting event deliveries to refbot")
	case slackevents.CallbackEvent:
		if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
			a.log.DebugContext(ctx, "slack: event redelivered", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
		}
		if !a.event(ctx, ev) {
			http.Error(w, "busy, retry later", http.StatusServiceUnavailable)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// reject answers a request that failed verification: 401, nothing else,
// counted and logged sparingly (anyone can send these). The log names the
// reason, never the signature.
func (a *Adapter) reject(w http.ResponseWriter, r *http.Request, reason string, err error) {
	if err != nil {
		reason += ": " + err.Error()
	}
	a.rejections.Reject(r.Context(), reason, r.RemoteAddr)
	http.Error(w, "unauthorized", http.StatusUnauthorized)
}

var newline = []byte{'\n'}

func (a *Adapter) writeJSON(w http.ResponseWriter, v any) {
	if v == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	var encoded []byte
	switch m := v.(type) {
	case message:
		encoded = m.encoded
	case optionsResponse:
		encoded = m.encoded
	}
	if encoded != nil {
		// A card or menu options encoded once (render, options): the
		// same bytes as the encoder's below, newline included, with
		// their length (not chunked).
		w.Header().Set("Content-Length", strconv.Itoa(len(encoded)+1))
		w.Write(encoded)
		w.Write(newline)
		return
	}
	if err := json.NewEncoder(w).Encode(v); err != nil {
		a.log.Warn("slack: writing a response", "err", err)
	}
}
