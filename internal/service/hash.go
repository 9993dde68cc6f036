package service

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ArgonParams sets the cost of argon2id password hashing.
type ArgonParams struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	// Concurrency caps how many hashes run at once, so that a burst of
	// sign-ins cannot take all memory (each hash holds MemoryKiB).
	Concurrency int
}

// DefaultArgon follows the OWASP recommendation for argon2id
// (19 MiB, 2 iterations, 1 lane).
var DefaultArgon = ArgonParams{MemoryKiB: 19 * 1024, Time: 2, Threads: 1, Concurrency: 4}

type hasher struct {
	p    ArgonParams
	rand io.Reader
	sem  chan struct{}
	// dummy is verified against when there is no user, so that an unknown
	// email takes as long as a wrong password.
	dummy string
}

func newHasher(p ArgonParams, rand io.Reader) *hasher {
	if p.MemoryKiB == 0 {
		p = DefaultArgon
	}
	if p.Concurrency <= 0 {
		p.Concurrency = 4
	}
	h := &hasher{p: p, rand: rand, sem: make(chan struct{}, p.Concurrency)}
	h.dummy, _ = h.hash("roster-timing-equaliser")
	return h
}

// hash returns the PHC-format argon2id hash of pw.
func (h *hasher) hash(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return "", err
	}
	h.sem <- struct{}{}
	key := argon2.IDKey([]byte(pw), salt, h.p.Time, h.p.MemoryKiB, h.p.Threads, 32)
	<-h.sem
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.MemoryKiB, h.p.Time, h.p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errBadHash = errors.New("unrecognised password hash")

// verify reports whether pw matches encoded, using the parameters stored
// in encoded so that older hashes keep working after the cost changes.
func (h *hasher) verify(pw, encoded string) (bool, error) {
	if encoded == "" {
		_, _ = h.verify(pw, h.dummy)
		return false, nil
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errBadHash
	}
	h.sem <- struct{}{}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	<-h.sem
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
