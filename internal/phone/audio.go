package phone

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// Content types of the voicemail greetings Roster accepts.
const (
	AudioWAV = "audio/wav"
	AudioMP3 = "audio/mpeg"
)

// ErrAudio is returned for content that is neither a WAV nor an MP3 file.
var ErrAudio = errors.New("must be a WAV or MP3 audio file")

// SniffAudio returns the content type of a WAV or MP3 file judged by its
// bytes alone (never its name): a RIFF/WAVE header with a fmt chunk, or an
// MPEG audio layer III stream, optionally after an ID3v2 tag. Anything
// else is ErrAudio.
func SniffAudio(b []byte) (string, error) {
	switch {
	case isWAV(b):
		return AudioWAV, nil
	case isMP3(b):
		return AudioMP3, nil
	}
	return "", ErrAudio
}

// isWAV checks the RIFF header and looks for the fmt chunk, whose audio
// format and channel count must be plausible.
func isWAV(b []byte) bool {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return false
	}
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int64(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := off + 8
		if id == "fmt " {
			if size < 16 || int64(body)+16 > int64(len(b)) {
				return false
			}
			channels := binary.LittleEndian.Uint16(b[body+2:])
			rate := binary.LittleEndian.Uint32(b[body+4:])
			return channels >= 1 && channels <= 8 && rate >= 1000 && rate <= 384000
		}
		next := int64(body) + size + size%2 // chunks are padded to even sizes
		if next > int64(len(b)) {
			return false
		}
		off = int(next)
	}
	return false
}

// mp3Bitrates are the layer III bit rates (kbit/s) by version and index.
var mp3Bitrates = map[bool][16]int{
	true:  {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0}, // MPEG-1
	false: {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0},     // MPEG-2 / 2.5
}

// mp3Rates are the sample rates by version bits (00 = 2.5, 10 = 2, 11 = 1).
var mp3Rates = map[byte][3]int{0: {11025, 12000, 8000}, 2: {22050, 24000, 16000}, 3: {44100, 48000, 32000}}

// isMP3 skips an ID3v2 tag and then wants two consecutive valid layer III
// frame headers (or one whole frame that ends the data), so that a
// stray 0xFFE in other data is not taken for audio.
func isMP3(b []byte) bool {
	off := 0
	if len(b) >= 10 && bytes.Equal(b[:3], []byte("ID3")) {
		for _, c := range b[6:10] {
			if c&0x80 != 0 {
				return false
			}
		}
		size := int(b[6])<<21 | int(b[7])<<14 | int(b[8])<<7 | int(b[9])
		off = 10 + size
		if b[5]&0x10 != 0 { // footer present
			off += 10
		}
	}
	n, ok := mp3Frame(b, off)
	if !ok || off+n > len(b) {
		return false
	}
	if off+n == len(b) {
		return true
	}
	_, ok = mp3Frame(b, off+n)
	return ok
}

// mp3Frame parses the layer III frame header at off and returns the
// frame's length.
func mp3Frame(b []byte, off int) (int, bool) {
	if off < 0 || off+4 > len(b) {
		return 0, false
	}
	h := b[off : off+4]
	if h[0] != 0xFF || h[1]&0xE0 != 0xE0 {
		return 0, false
	}
	version := (h[1] >> 3) & 3
	layer := (h[1] >> 1) & 3
	brIdx := h[2] >> 4
	srIdx := (h[2] >> 2) & 3
	if version == 1 || layer != 1 || brIdx == 0 || brIdx == 15 || srIdx == 3 {
		return 0, false
	}
	mpeg1 := version == 3
	bitrate := mp3Bitrates[mpeg1][brIdx] * 1000
	rate := mp3Rates[version][srIdx]
	padding := int((h[2] >> 1) & 1)
	samples := 1152
	if !mpeg1 {
		samples = 576
	}
	n := samples/8*bitrate/rate + padding
	return n, n > 4
}
