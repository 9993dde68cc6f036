// Package phone parses the telephony input of outside callers: phone
// numbers, country prefixes, language tags, time zones and voicemail audio.
// It wraps the libraries made for each job (libphonenumber's Go port,
// x/text's BCP 47 parser, the Go time zone database) so that the domain
// package stays free of dependencies.
package phone

import (
	"errors"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones validate the same on hosts without a zoneinfo database

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"
)

// maxNumberInput bounds what is handed to the number parser: a formatted
// E.164 number with spaces and punctuation fits comfortably.
const maxNumberInput = 40

// Errors, worded as field messages.
var (
	ErrNumber        = errors.New("must be a valid phone number in E.164 form, e.g. +14155550100")
	ErrCountryPrefix = errors.New("must be a country calling code such as +1 or +44")
	ErrLanguage      = errors.New("must be a language tag such as en, en-GB or fr")
	ErrTimeZone      = errors.New("must be an IANA time zone name such as Europe/Paris or UTC")
)

// ParseNumber returns s as a valid E.164 number. Numbers written with a
// leading + may contain spaces, dots, dashes and brackets; without one they
// are read as national numbers of countryPrefix (e.g. "+44"), and refused
// when there is none. Anything else is ErrNumber.
func ParseNumber(s, countryPrefix string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxNumberInput {
		return "", ErrNumber
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune("+ .-()", r) {
			return "", ErrNumber
		}
	}
	region := ""
	if !strings.HasPrefix(s, "+") {
		var err error
		if region, err = regionOf(countryPrefix); err != nil {
			return "", ErrNumber
		}
	} else if strings.Count(s, "+") != 1 {
		return "", ErrNumber
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return "", ErrNumber
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	// E.164 allows at most 15 digits; the library's metadata lets a few
	// longer national numbers through (found by FuzzParseNumber).
	if len(e164) > 16 {
		return "", ErrNumber
	}
	return e164, nil
}

// ParseCountryPrefix returns a country calling code in the form "+44", or
// ErrCountryPrefix.
func ParseCountryPrefix(s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	if s == "" || len(s) > 3 {
		return "", ErrCountryPrefix
	}
	if _, err := regionOf("+" + s); err != nil {
		return "", ErrCountryPrefix
	}
	n, _ := strconv.Atoi(s)
	return "+" + strconv.Itoa(n), nil
}

// regionOf returns the main region of a country calling code like "+44".
func regionOf(prefix string) (string, error) {
	digits := strings.TrimPrefix(prefix, "+")
	if digits == "" || len(digits) > 3 || digits[0] == '0' {
		return "", ErrCountryPrefix
	}
	code, err := strconv.Atoi(digits)
	if err != nil || code <= 0 {
		return "", ErrCountryPrefix
	}
	region := phonenumbers.GetRegionCodeForCountryCode(code)
	if region == "" || region == "ZZ" {
		return "", ErrCountryPrefix
	}
	return region, nil
}

// ParseLanguage returns the canonical form of a BCP 47 language tag, or
// ErrLanguage.
func ParseLanguage(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 35 {
		return "", ErrLanguage
	}
	tag, err := language.Parse(s)
	if err != nil || tag == language.Und {
		return "", ErrLanguage
	}
	if base, conf := tag.Base(); conf == language.No || base.String() == "und" {
		return "", ErrLanguage
	}
	return tag.String(), nil
}

// ParseTimeZone returns s if it names an IANA time zone, or ErrTimeZone.
// "Local" is refused: it means the server's zone, not the user's.
func ParseTimeZone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "Local" || len(s) > 64 || strings.HasPrefix(s, "/") || strings.Contains(s, "..") {
		return "", ErrTimeZone
	}
	if _, err := time.LoadLocation(s); err != nil {
		return "", ErrTimeZone
	}
	return s, nil
}
