package roster

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Password length bounds (NIST SP 800-63B: at least 8, allow at least 64).
const (
	PasswordMin = 8
	PasswordMax = 128
)

// ValidatePassword applies NIST SP 800-63B: length 8..128 characters, no
// composition rules, and refusal of passwords that are commonly used or
// derived from the account's own email address.
func ValidatePassword(pw, email string) error {
	n := utf8.RuneCountInString(pw)
	if n < PasswordMin {
		return errors.New("must be at least 8 characters")
	}
	if n > PasswordMax {
		return errors.New("must be at most 128 characters")
	}
	lower := strings.ToLower(pw)
	if commonPasswords[lower] || repetitive(lower) {
		return errors.New("is too common; choose a longer phrase that others would not guess")
	}
	if email != "" {
		local, _, _ := strings.Cut(strings.ToLower(email), "@")
		if lower == strings.ToLower(email) || (len(local) >= 4 && strings.Contains(lower, local) && n-len(local) < 4) {
			return errors.New("must not be based on your email address")
		}
	}
	return nil
}

// repetitive catches one character repeated ("aaaaaaaa") and runs of one
// step ("12345678", "abcdefgh", "98765432"), which no list can enumerate.
func repetitive(s string) bool {
	if len(s) < 2 {
		return false
	}
	step := int(s[1]) - int(s[0])
	if step < -1 || step > 1 {
		return false
	}
	for i := 2; i < len(s); i++ {
		if int(s[i])-int(s[i-1]) != step {
			return false
		}
	}
	return true
}
