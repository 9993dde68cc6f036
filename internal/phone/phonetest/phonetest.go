// Package phonetest makes the audio files that tests of greeting uploads
// need: real, minimal WAV and MP3 content that Roster's checks accept.
package phonetest

import (
	"bytes"
	"encoding/binary"
)

// WAV returns a valid 8 kHz mono 16-bit PCM WAV file of silence with the
// given number of samples.
func WAV(samples int) []byte {
	var b bytes.Buffer
	data := make([]byte, samples*2)
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// MP3 returns frames of MPEG-1 layer III at 128 kbit/s, 44.1 kHz
// (417-byte frames), optionally behind an ID3v2 tag.
func MP3(frames int, id3 bool) []byte {
	var b bytes.Buffer
	if id3 {
		b.Write([]byte{'I', 'D', '3', 4, 0, 0, 0, 0, 0, 20})
		b.Write(make([]byte, 20))
	}
	for range frames {
		f := make([]byte, 417)
		copy(f, []byte{0xFF, 0xFB, 0x90, 0x00})
		b.Write(f)
	}
	return b.Bytes()
}
