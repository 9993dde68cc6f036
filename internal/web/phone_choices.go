package web

import (
	"html/template"
	"strconv"
	"strings"
)

// languageChoices are the languages the phone settings offer; any other
// BCP 47 tag set through the API is shown too (withCurrent).
var languageChoices = []option{
	{"en", "English"}, {"en-US", "English (United States)"}, {"en-GB", "English (United Kingdom)"},
	{"en-AU", "English (Australia)"}, {"es", "Español"}, {"es-MX", "Español (México)"}, {"fr", "Français"},
	{"fr-CA", "Français (Canada)"}, {"de", "Deutsch"}, {"it", "Italiano"}, {"pt", "Português"},
	{"pt-BR", "Português (Brasil)"}, {"nl", "Nederlands"}, {"sv", "Svenska"}, {"da", "Dansk"}, {"nb", "Norsk bokmål"},
	{"fi", "Suomi"}, {"pl", "Polski"}, {"cs", "Čeština"}, {"tr", "Türkçe"}, {"el", "Ελληνικά"}, {"ru", "Русский"},
	{"uk", "Українська"}, {"ar", "العربية"}, {"he", "עברית"}, {"hi", "हिन्दी"}, {"th", "ไทย"}, {"vi", "Tiếng Việt"},
	{"id", "Bahasa Indonesia"}, {"ja", "日本語"}, {"ko", "한국어"}, {"zh-CN", "中文（简体）"}, {"zh-TW", "中文（繁體）"},
}

// timeZoneNames are the IANA zones the phone settings offer, west to east;
// any other zone set through the API is shown too (withCurrent).
var timeZoneNames = []string{
	"UTC", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Vancouver", "America/Phoenix",
	"America/Denver", "America/Chicago", "America/Mexico_City", "America/New_York", "America/Toronto",
	"America/Bogota", "America/Lima", "America/Halifax", "America/Santiago", "America/Sao_Paulo",
	"America/Argentina/Buenos_Aires", "Atlantic/Azores", "Europe/London", "Europe/Dublin", "Europe/Lisbon",
	"Africa/Lagos", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam",
	"Europe/Brussels", "Europe/Zurich", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Warsaw",
	"Europe/Prague", "Africa/Johannesburg", "Africa/Cairo", "Europe/Helsinki", "Europe/Athens", "Europe/Kyiv",
	"Europe/Istanbul", "Europe/Moscow", "Africa/Nairobi", "Asia/Riyadh", "Asia/Dubai", "Asia/Karachi",
	"Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore", "Asia/Manila",
	"Asia/Hong_Kong", "Asia/Shanghai", "Australia/Perth", "Asia/Tokyo", "Asia/Seoul", "Australia/Adelaide",
	"Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland",
}

// timeZoneChoices labels each zone as people read it ("America/New York").
func timeZoneChoices() []option {
	out := make([]option, len(timeZoneNames))
	for i, z := range timeZoneNames {
		out[i] = option{z, strings.ReplaceAll(z, "_", " ")}
	}
	return out
}

// phoneFieldCtx is one phone number input of the settings form.
type phoneFieldCtx struct{ Name, Label, Value, Err string }

// perrCtx is a field's error message; ID is the field's element ID, so the
// field can name its error in aria-describedby.
type perrCtx struct{ ID, Msg string }

// phoneFuncs are the template functions of the phone pages.
func phoneFuncs() template.FuncMap {
	return template.FuncMap{
		"phoneField": func(name, label, value string, errs map[string]string) phoneFieldCtx {
			return phoneFieldCtx{name, label, value, errs[name]}
		},
		"perr":    func(id, msg string) perrCtx { return perrCtx{id, msg} },
		"inc":     func(i int) int { return i + 1 },
		"destKey": func(i int) string { return "forwarding.destinations[" + strconv.Itoa(i) + "]" },
	}
}
