package discord

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"hash/fnv"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// BenchmarkGatewayBurst: 200 /define interactions arrive over the gateway
// within one second (one every 5 ms) and every interaction callback takes
// 300 ms to answer. Each answer is timed from the gateway sending the
// interaction to the fake Discord finishing the callback; Discord wants
// the callback within 3 s. It reports the answers later than that
// (late/op), the median and the slowest. The baseline sends the
// callbacks through 16 queues picked by interaction id, as refbot did
// when answers went through 16 shared discordgo rate-limit buckets. Run it
// alone: go test ./adapters/discord -run XXX -bench GatewayBurst -benchtime 1x -count 3
func BenchmarkGatewayBurst(b *testing.B) {
	b.Run("refbot", func(b *testing.B) { benchBurst(b, 0) })
	b.Run("buckets16-baseline", func(b *testing.B) { benchBurst(b, 16) })
}

func benchBurst(b *testing.B, buckets int) {
	const (
		burst   = 200
		spacing = 5 * time.Millisecond
		limit   = 3 * time.Second
	)
	var late, median, slowest time.Duration
	for b.Loop() {
		e := newGatewayEnv(b, func(c *Config) {
			if buckets > 0 {
				c.Client.Transport = &bucketTransport{buckets: make([]sync.Mutex, buckets), next: c.Client.Transport}
			}
		})
		e.api.callbackDelay = 300 * time.Millisecond
		cancel, _ := runGateway(b, e.a)
		e.up(b, 1)
		sent := make(map[string]time.Time, burst)
		for n := range burst {
			id := interactionID(n)
			sent[id] = time.Now()
			e.api.events <- define(id)
			time.Sleep(spacing)
		}
		e.api.waitCallbacks(b, burst, time.Minute)
		for {
			e.api.mu.Lock()
			n := len(e.api.answeredAt)
			e.api.mu.Unlock()
			if n == burst {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		var took []time.Duration
		e.api.mu.Lock()
		for id, at := range e.api.answeredAt {
			took = append(took, at.Sub(sent[id]))
		}
		e.api.mu.Unlock()
		cancel()
		slices.Sort(took)
		for _, d := range took {
			if d > limit {
				late++
			}
		}
		median += took[len(took)/2]
		slowest += took[len(took)-1]
	}
	n := float64(b.N)
	b.ReportMetric(float64(late)/n, "late/op")
	b.ReportMetric(float64(median.Milliseconds())/n, "median-ms")
	b.ReportMetric(float64(slowest.Milliseconds())/n, "slowest-ms")
	b.ReportMetric(0, "ns/op") // the wall time of a burst says nothing here
}

// bucketTransport sends each interaction callback through one of
// len(buckets) queues, picked by a hash of the interaction id, one request
// at a time in each: what discordgo's rate-limit buckets did to refbot's
// callbacks when it shared 16 of them.
type bucketTransport struct {
	buckets []sync.Mutex
	next    http.RoundTripper
}

func (bt *bucketTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if parts := strings.Split(r.URL.Path, "/"); len(parts) == 7 && parts[3] == "interactions" {
		h := fnv.New32a()
		h.Write([]byte(parts[4]))
		mu := &bt.buckets[h.Sum32()%uint32(len(bt.buckets))]
		mu.Lock()
		defer mu.Unlock()
	}
	return bt.next.RoundTrip(r)
}
