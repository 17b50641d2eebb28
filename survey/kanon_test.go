package survey

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestDemographicKey(t *testing.T) {
	k, ok := DemographicKey(Respondent{AgeBand: "25to34", Gender: "female", Education: "university"})
	if !ok || k != "female|25to34|university|" {
		t.Errorf("key = %q, %v; want female|25to34|university|", k, ok)
	}
	if k, ok := DemographicKey(Respondent{}); !ok || k != "|||" {
		t.Errorf("empty respondent: %q, %v; want |||", k, ok)
	}
	for _, bad := range []string{"a|b", "a.b", "$x", "=1", strings.Repeat("a", 33)} {
		if _, ok := DemographicKey(Respondent{Gender: bad}); ok {
			t.Errorf("gender %q accepted", bad)
		}
	}
}

func TestDisclosure(t *testing.T) {
	cases := []struct {
		name   string
		counts map[string]int64
		want   map[string]int
	}{
		{"five share everything", map[string]int64{"male|25to34|university|farmer": 5},
			map[string]int{"male|25to34|university|farmer": 4}},
		{"four alone show nothing", map[string]int64{"male|25to34|university|farmer": 4},
			map[string]int{"male|25to34|university|farmer": 0}},
		{"rare occupations share their education", map[string]int64{
			"female|35to49|primary|farmer": 6, "female|35to49|secondary|farmer": 3, "female|35to49|secondary|worker": 2},
			map[string]int{"female|35to49|primary|farmer": 4, "female|35to49|secondary|farmer": 3, "female|35to49|secondary|worker": 3}},
		{"only what is left counts at a level", map[string]int64{
			"male|50to64|primary|farmer": 6, "male|50to64|primary|worker": 4},
			map[string]int{"male|50to64|primary|farmer": 4, "male|50to64|primary|worker": 0}},
		{"down to gender", map[string]int64{
			"male|under25|primary|farmer": 2, "male|65plus|university|retired": 2, "male|35to49||": 1, "female|||": 9},
			map[string]int{"male|under25|primary|farmer": 1, "male|65plus|university|retired": 1, "male|35to49||": 1, "female|||": 4}},
		{"unknown keys never show", map[string]int64{"?": 50, "a|b": 9}, map[string]int{"?": 0, "a|b": 0, "x|y|z|w": 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDisclosure(c.counts, KAnonymity, nil)
			for key, want := range c.want {
				if got := d.Keep(key); got != want {
					t.Errorf("Keep(%q) = %d, want %d", key, got, want)
				}
			}
		})
	}
}

func TestDisclosureShow(t *testing.T) {
	r := Respondent{AgeBand: "35to49", Gender: "female", Education: "secondary", Occupation: "worker"}
	key, _ := DemographicKey(r)
	d := NewDisclosure(map[string]int64{key: 2, "female|35to49|secondary|farmer": 3}, KAnonymity, nil)
	got := d.Show(r)
	want := Respondent{AgeBand: "35to49", Gender: "female", Education: "secondary"}
	if got != want {
		t.Errorf("Show = %+v, want %+v", got, want)
	}
	if got := d.Show(Respondent{Gender: "male"}); got != (Respondent{}) {
		t.Errorf("a combination never counted shows %+v, want nothing", got)
	}
}

// Every pattern released (the first j answers, j ≥ 1) is released for at
// least k respondents, and no combination shows fewer answers than the
// plain rule "all four when k share them" would.
func TestDisclosureProperty(t *testing.T) {
	opts := [][]string{{"", "male", "female", "other"}, {"", "a1", "a2", "a3", "a4", "a5"},
		{"", "e1", "e2", "e3"}, {"", "o1", "o2", "o3", "o4"}}
	shared := NewDemographicCodes()
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 1))
		counts := map[string]int64{}
		for range 1 + rng.IntN(60) {
			parts := make([]string, 4)
			for i := range parts {
				parts[i] = opts[i][rng.IntN(len(opts[i]))]
			}
			counts[strings.Join(parts, "|")] += 1 + int64(rng.IntN(4))
		}
		d := NewDisclosure(counts, KAnonymity, shared)
		released := map[string]int64{}
		for key, n := range counts {
			keep := d.Keep(key)
			if n >= KAnonymity && keep != 4 {
				t.Fatalf("seed %d: %q counted %d keeps %d, want 4", seed, key, n, keep)
			}
			if keep > 0 {
				parts := strings.Split(key, "|")
				released[strings.Join(parts[:keep], "|")+"#"+string(rune('0'+keep))] += n
			}
		}
		for p, n := range released {
			if n < KAnonymity {
				t.Fatalf("seed %d: pattern %s released for %d respondents (< %d); counts %v", seed, p, n, KAnonymity, counts)
			}
		}
	}
}

// More than 15 answers to one question cannot be numbered: those beyond
// show nothing and do not count towards the others' k.
func TestDisclosureTooManyAnswers(t *testing.T) {
	counts := map[string]int64{}
	for i := range 20 {
		counts[fmt.Sprintf("male|occ%02d||", i)] = 1
	}
	counts["male|||"] = 5
	d := NewDisclosure(counts, KAnonymity, nil)
	shown := int64(0)
	for key, n := range counts {
		if k := d.Keep(key); k == 1 {
			shown += n
		} else if k != 0 && key != "male|||" {
			t.Errorf("%s keeps %d", key, k)
		}
	}
	if d.Keep("male|||") != 4 || shown < KAnonymity && shown != 0 {
		t.Errorf("male||| keeps %d; %d rows show only the gender", d.Keep("male|||"), shown)
	}
}
