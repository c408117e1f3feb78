package slack

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Tokens at rest: each workspace's credentials are sealed with AES-256-GCM
// (the standard library's) under a key derived from REFBOT_SECRET_KEY
// before they reach the state store. A sealed value reads
//
//	v1.KEYID.BASE64URL(nonce ‖ ciphertext ‖ tag)
//
// KEYID names the key that sealed it (8 hexadecimal digits derived from
// the key, not the key), so that after a key change refbot still opens
// values sealed under the keys listed in REFBOT_SECRET_KEY_OLD and seals
// them again under the new one. The additional data binds a value to its
// workspace: a sealed token copied onto another row does not open.

// Environment variables holding the keys.
const (
	EnvSecretKey    = "REFBOT_SECRET_KEY"
	EnvSecretKeyOld = "REFBOT_SECRET_KEY_OLD"
)

// keySize is the size of REFBOT_SECRET_KEY: 32 random bytes.
const keySize = 32

// sealVersion starts every sealed value.
const sealVersion = "v1"

// newKeyHint says how to make a key, in every message about a bad one.
const newKeyHint = "make one with `refbot slack secret-key` (or `openssl rand -base64 32`) and keep it as safe as the tokens it protects"

// secretKey is one REFBOT_SECRET_KEY: the ciphers derived from it.
type secretKey struct {
	id    string      // KEYID
	aead  cipher.AEAD // seals credentials
	state []byte      // signs OAuth state parameters (HMAC-SHA256)
}

// keyring is the current key and the old ones still accepted for
// opening.
type keyring struct {
	current secretKey
	old     []secretKey
}

// parseKeys reads REFBOT_SECRET_KEY (current) and REFBOT_SECRET_KEY_OLD
// (old: keys separated by commas or spaces).
func parseKeys(current, old string) (*keyring, error) {
	if strings.TrimSpace(current) == "" {
		return nil, fmt.Errorf("%s is not set: refbot keeps each workspace's token encrypted under it; %s", EnvSecretKey, newKeyHint)
	}
	cur, err := deriveKey(current)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvSecretKey, err)
	}
	k := &keyring{current: cur}
	for i, s := range strings.FieldsFunc(old, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' }) {
		o, err := deriveKey(s)
		if err != nil {
			return nil, fmt.Errorf("%s: key %d: %w", EnvSecretKeyOld, i+1, err)
		}
		if o.id != cur.id {
			k.old = append(k.old, o)
		}
	}
	return k, nil
}

// deriveKey decodes a base64 key of 32 bytes and derives its ciphers with
// HKDF, one subkey per use.
func deriveKey(s string) (secretKey, error) {
	s = strings.TrimSpace(s)
	var raw []byte
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			raw = b
			break
		}
	}
	if raw == nil {
		return secretKey{}, fmt.Errorf("not base64; %s", newKeyHint)
	}
	if len(raw) != keySize {
		return secretKey{}, fmt.Errorf("decodes to %d bytes, want %d; %s", len(raw), keySize, newKeyHint)
	}
	sub := func(info string, n int) []byte {
		b, err := hkdf.Key(sha256.New, raw, nil, "refbot "+info, n)
		if err != nil {
			panic(err) // only for lengths HKDF cannot give; ours are fixed and small
		}
		return b
	}
	block, err := aes.NewCipher(sub("credentials v1", 32))
	if err != nil {
		return secretKey{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return secretKey{}, err
	}
	return secretKey{id: hex.EncodeToString(sub("key id v1", 4)), aead: aead, state: sub("slack oauth state v1", 32)}, nil
}

// newSecretKey returns a fresh random key, encoded as REFBOT_SECRET_KEY
// wants it.
func newSecretKey() string {
	b := make([]byte, keySize)
	rand.Read(b) // never fails (crypto/rand)
	return base64.StdEncoding.EncodeToString(b)
}

// seal encrypts plain under the current key, bound to aad.
func (k *keyring) seal(plain, aad []byte) string {
	nonce := make([]byte, k.current.aead.NonceSize())
	rand.Read(nonce)
	out := k.current.aead.Seal(nonce, nonce, plain, aad)
	return sealVersion + "." + k.current.id + "." + base64.RawURLEncoding.EncodeToString(out)
}

// errUnknownKey: the value was sealed under a key refbot was not given.
var errUnknownKey = errors.New("sealed under a key that is neither REFBOT_SECRET_KEY nor in REFBOT_SECRET_KEY_OLD")

// open decrypts a sealed value bound to aad. stale is true when an old
// key opened it, so the caller should seal it again.
func (k *keyring) open(sealed string, aad []byte) (plain []byte, stale bool, err error) {
	version, rest, ok1 := strings.Cut(sealed, ".")
	id, body, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || version != sealVersion {
		return nil, false, errors.New("not a sealed value")
	}
	key, ok := k.find(id)
	if !ok {
		return nil, false, fmt.Errorf("key %s: %w", id, errUnknownKey)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	n := key.aead.NonceSize()
	if err != nil || len(raw) < n+key.aead.Overhead() {
		return nil, false, errors.New("sealed value is damaged")
	}
	plain, err = key.aead.Open(nil, raw[:n], raw[n:], aad)
	if err != nil {
		return nil, false, fmt.Errorf("sealed value does not open under key %s (damaged, or moved from another workspace)", id)
	}
	return plain, key.id != k.current.id, nil
}

func (k *keyring) find(id string) (secretKey, bool) {
	if id == k.current.id {
		return k.current, true
	}
	for _, o := range k.old {
		if o.id == id {
			return o, true
		}
	}
	return secretKey{}, false
}

// all is the current key, then the old ones.
func (k *keyring) all() []secretKey {
	return append([]secretKey{k.current}, k.old...)
}
