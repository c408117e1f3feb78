package postgres_test

import (
	"strings"
	"testing"

	"refbot/bot/postgres"
)

// CheckURL never panics, never accepts what is not a postgres URL, and
// never quotes a password in its error.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"postgres://refbot:pw@db:5432/refbot",
		"postgresql://refbot@/refbot?host=/tmp/sock",
		"postgres://refbot:pw@db:notaport/refbot",
		"postgres://refbot:pw@[::1/refbot",
		"postgres://refbot:pw@db/refbot?sslmode=sometimes",
		"host=db password=pw",
		"mysql://x",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := postgres.CheckURL(s)
		if err == nil && !strings.HasPrefix(s, "postgres://") && !strings.HasPrefix(s, "postgresql://") {
			t.Errorf("CheckURL(%q) accepted it", s)
		}
		const pw = "Zq9secretpw"
		if err := postgres.CheckURL(strings.Replace(s, "pw", pw, 1)); err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("CheckURL's error shows the password: %v", err)
		}
		_ = postgres.Redact(s)
	})
}
