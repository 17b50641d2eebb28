package export

import (
	"slices"
	"testing"

	"hailong/survey"
)

func TestWithheldAreas(t *testing.T) {
	for _, c := range []struct {
		sizes map[string]int64
		want  []string
	}{
		{map[string]int64{"a": 10, "b": 6}, nil},
		{map[string]int64{"a": 10, "b": 0}, nil},
		{map[string]int64{"a": 10, "b": 2, "c": 4}, []string{"b", "c"}},     // 6 withheld: enough
		{map[string]int64{"a": 10, "b": 2, "c": 7}, []string{"b", "c"}},     // 2 alone would be worked out
		{map[string]int64{"a": 6, "b": 2, "c": 6}, []string{"a", "b"}},      // equals: by name
		{map[string]int64{"a": 3}, []string{"a"}},                           // the row of all areas is under k too
		{map[string]int64{"a": 1, "b": 1, "c": 9}, []string{"a", "b", "c"}}, // all of them
	} {
		got := WithheldAreas(c.sizes, survey.KAnonymity)
		var areas []string
		for a, w := range got {
			if w {
				areas = append(areas, a)
			}
		}
		slices.Sort(areas)
		if !slices.Equal(areas, c.want) {
			t.Errorf("%v: withheld %v, want %v", c.sizes, areas, c.want)
		}
	}
}
