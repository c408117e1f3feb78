package platform_test

import (
	"errors"
	"fmt"
	"testing"

	"refbot/adapters/platform"
)

func TestEnv(t *testing.T) {
	getenv := func(k string) string { return map[string]string{"SET": " value\n", "BLANK": "  "}[k] }
	for _, tc := range []struct{ name, want string }{{"SET", "value"}, {"BLANK", "file"}, {"UNSET", "file"}} {
		v := "file"
		platform.Env(getenv, tc.name, &v)
		if v != tc.want {
			t.Errorf("Env(%s) = %q, want %q", tc.name, v, tc.want)
		}
	}
}

func TestUsage(t *testing.T) {
	err := fmt.Errorf("manifest: %w", platform.Usage("pass --url"))
	if msg, ok := platform.IsUsage(err); !ok || msg != "pass --url" || err.Error() != "manifest: pass --url" {
		t.Errorf("IsUsage(%v) = %q, %v", err, msg, ok)
	}
	if _, ok := platform.IsUsage(errors.New("disk full")); ok {
		t.Error("an ordinary error is a usage error")
	}
}
