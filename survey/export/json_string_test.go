package export

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestAppendJSONString: the export's JSON strings are byte for byte what
// json.Marshal writes (escapes, HTML characters, invalid UTF-8, line and
// paragraph separators), over a corpus and random strings, and writing one
// allocates nothing.
func TestAppendJSONString(t *testing.T) {
	corpus := []string{"", "plain", "Cán bộ \"rất\" chu đáo;\nxin cảm ơn.", `a\b`, "<script>&amp;</script>", "\x00\x01\x1f\x7f",
		"\b\f\n\r\t", "\u2028\u2029", "\xff\xfeok", "tail\xe1\xbb", "😀 emoji", "=HYPERLINK(\"http://evil.example/\")"}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "ệ", "\"", "\\", "<", ">", "&", "\n", "\x00", "\x1f", "\x7f", "\xff", "\xe1\xbb", "\u2028", "\u2029", "😀", " "}
	for range 2000 {
		s := ""
		for range rng.IntN(12) {
			s += alphabet[rng.IntN(len(alphabet))]
		}
		corpus = append(corpus, s)
	}
	for _, s := range corpus {
		want, _ := json.Marshal(s)
		if got := appendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("%q: got %s, want %s", s, got[1:], want)
		}
	}
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = appendJSONString(buf[:0], corpus[2]) }); n != 0 {
		t.Errorf("%v allocations per string", n)
	}
}
