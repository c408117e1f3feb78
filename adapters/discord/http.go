package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"
)

// MaxBody caps an interaction request body. Real interactions are a few
// KiB; the cap is applied before anything else reads the body.
const MaxBody = 64 << 10

// MaxSkew is how far a request's signed timestamp may be from now, either
// way, before it is refused as a replay.
const MaxSkew = 5 * time.Minute

// Path is where Discord sends interactions in HTTP mode.
const Path = "/discord/interactions"

// ServeHTTP is the HTTP interactions endpoint. It caps the body, verifies
// the Ed25519 signature and timestamp before parsing anything, answers
// PING with PONG and everything else with the same response the gateway
// would send. Forged requests get 401 — Discord probes for that and
// removes an endpoint that accepts them.
func (a *Adapter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		// Not verified yet: counted and logged sparingly, as forged
		// requests are (anyone can send these).
		if errors.As(err, &tooBig) {
			a.rejections.Reject(ctx, "body over 64 KiB", r.RemoteAddr)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		a.rejections.Reject(ctx, "reading body: "+err.Error(), r.RemoteAddr)
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if reason := a.verify(r.Header, body, time.Now()); reason != "" {
		a.rejections.Reject(ctx, reason, r.RemoteAddr)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		// Signed by Discord yet unreadable: answer with something the
		// user can see rather than an error Discord shows as a failure,
		// in the kind of response its type expects (autocomplete takes
		// only choices).
		a.log.ErrorContext(ctx, "discord interaction: decoding", "err", err)
		var head struct {
			ID   string                    `json:"id"`
			Type discordgo.InteractionType `json:"type"`
		}
		_ = json.Unmarshal(body, &head) // zero on failure: a message
		i = discordgo.Interaction{ID: head.ID, Type: head.Type}
		if i.Type == discordgo.InteractionPing {
			i.Type = 0 // an unreadable PING is not answered PONG
		}
	}
	resp, data := a.answerEncoded(ctx, &i)
	if data == nil {
		writeJSON(w, responseBody(resp))
		return
	}
	// The same bytes as json.Marshal(resp): a card's data was encoded
	// once (message), the envelope is written here.
	var head [32]byte
	envelope := strconv.AppendInt(append(head[:0], `{"type":`...), int64(resp.Type), 10)
	envelope = append(envelope, `,"data":`...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(envelope)+len(data)+1))
	w.Write(envelope)
	w.Write(data)
	w.Write(closeBrace)
}

var closeBrace = []byte{'}'}

// verify returns why a request is not from Discord, or "".
func (a *Adapter) verify(h http.Header, body []byte, now time.Time) string {
	if len(a.cfg.PublicKey) != ed25519.PublicKeySize {
		return "no public key configured (discord.public_key)"
	}
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "missing or malformed X-Signature-Ed25519"
	}
	ts := h.Get("X-Signature-Timestamp")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "missing or malformed X-Signature-Timestamp"
	}
	if d := now.Sub(time.Unix(secs, 0)); d > MaxSkew || d < -MaxSkew {
		return "timestamp more than 5 minutes away"
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(a.cfg.PublicKey, msg, sig) {
		return "bad signature"
	}
	return ""
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}
