package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"refbot/bot"
	"refbot/bot/bottest"
)

// benchInteraction sends one signed interaction through the real HTTP
// handler per iteration.
func benchInteraction(b *testing.B, body []byte) {
	benchHandler(b, newAdapter(b, nil, nil), body)
}

// benchHandler sends body, signed, through h once per iteration.
func benchHandler(b *testing.B, h http.Handler, body []byte) {
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	sig := ed25519.Sign(testKey, append([]byte(stamp), body...))
	r := signed(body, time.Now())
	r.Header.Set("X-Signature-Timestamp", stamp)
	r.Header.Set("X-Signature-Ed25519", hexSig(sig))
	w := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	defer bottest.ReportCPU(b)()
	for b.Loop() {
		r.Body = readCloser(body)
		w.Body.Reset()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

func BenchmarkCommandDefine(b *testing.B) {
	benchInteraction(b, interaction(2, commandData("define", stringOpt("term", "mesa optimisation", false))))
}

func BenchmarkAutocomplete(b *testing.B) {
	benchInteraction(b, interaction(4, commandData("define", stringOpt("term", "rew", true))))
}

// BenchmarkButton is a click on a related term's button: its card.
func BenchmarkButton(b *testing.B) {
	benchInteraction(b, interaction(3, buttonData("define:goodharts-law")))
}

// BenchmarkVerifyBaseline is the bare ed25519.Verify every request pays,
// so the handler's own cost can be told apart from it.
func BenchmarkVerifyBaseline(b *testing.B) {
	body := interaction(2, commandData("define", stringOpt("term", "mesa optimisation", false)))
	msg := append([]byte("1700000000"), body...)
	sig := ed25519.Sign(testKey, msg)
	pub := testKey.Public().(ed25519.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("verify failed")
		}
	}
}

// BenchmarkCoreDefine is the core's part of a /define: lookup and card.
func BenchmarkCoreDefine(b *testing.B) {
	bt := newBot(b)
	req := bot.Request{Platform: Name, Kind: bot.Command, Command: "define", Text: "mesa optimisation"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bt.Handle(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCoreComplete is the core's part of an autocomplete.
func BenchmarkCoreComplete(b *testing.B) {
	bt := newBot(b)
	req := bot.Request{Platform: Name, Kind: bot.Complete, Command: "define", Text: "rew"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bt.Handle(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

func hexSig(sig []byte) string {
	const digits = "0123456789abcdef"
	var buf bytes.Buffer
	for _, c := range sig {
		buf.WriteByte(digits[c>>4])
		buf.WriteByte(digits[c&15])
	}
	return buf.String()
}
