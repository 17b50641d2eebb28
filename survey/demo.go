package survey

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"
)

// demoQuality is the share of satisfied answers some demo agencies start
// from. It echoes only the order of Tuyên Quang's published 2018
// administrative reform (CCHC) index — Sở Tư pháp first with 94,3 %, Sở Công
// Thương last with 66,34 %, Lâm Bình first and Chiêm Hóa last among
// districts — which is a composite of appraised points of which the
// satisfaction survey is only one part, not a SIPAS result (see
// shared/domain/SIPAS.md). The demo's satisfaction figures are invented.
// Other agencies get a value derived from their code.
var demoQuality = map[string]float64{
	"so-tu-phap": 0.93, "so-cong-thuong": 0.66, "lam-binh": 0.86, "chiem-hoa": 0.73,
}

// demoCriterionOffset makes some criteria weaker than others: equipment and
// feedback handling are where surveys usually find the gaps.
var demoCriterionOffset = map[string]float64{
	"1.3": -0.12, "1.4": -0.06, "2.5": -0.08, "5.2": -0.10, "5.3": -0.09, "5.4": -0.14, "3.1": 0.03, "4.1": 0.04,
}

var demoComments = [2][]string{
	{
		"Thời gian chờ đợi quá lâu, cần bố trí thêm người tiếp nhận.",
		"Phải đi lại nhiều lần để bổ sung hồ sơ.",
		"Máy bốc số thứ tự thường xuyên hỏng.",
		"Chưa được thông báo kết quả xử lý phản ánh.",
	},
	{
		"Cán bộ hướng dẫn nhiệt tình, dễ hiểu.",
		"Nhận kết quả đúng hẹn, rất hài lòng.",
		"Nơi chờ sạch sẽ, có đủ ghế ngồi.",
		"Thủ tục nhanh gọn hơn trước nhiều.",
	},
}

var demoChannels = []struct {
	c Channel
	w float64
}{{ChannelWeb, 0.55}, {ChannelKiosk, 0.2}, {ChannelCounter, 0.1}, {ChannelPaper, 0.1}, {ChannelPhone, 0.05}}

// DemoResponses generates n realistic responses over the 24 months before
// now, each for an agency that served at the response's time (so a demo
// crosses a reorganisation: merged and dissolved agencies have responses up
// to their end, their successors from their start): agencies and criteria
// differ, and most agencies improve slowly, so rankings and trends mean
// something. Each response is checked by the same rules as a real one before
// emit gets it.
func DemoResponses(cat *Catalog, now time.Time, n int, seed uint64, emit func(Response) error) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var agencies []Agency
	for _, a := range cat.Agencies {
		if len(a.Areas) > 0 && (a.Active || !a.Until.IsZero()) {
			agencies = append(agencies, a)
		}
	}
	start := now.AddDate(-2, 0, 0)
	span := now.Sub(start)
	serving := make([]Agency, 0, len(agencies))
	for i := 0; i < n; i++ {
		// Later months have more responses (the service is adopted over
		// time); an instant at which no agency served is drawn again.
		var at time.Time
		serving = serving[:0]
		for try := 0; len(serving) == 0 && try < 100; try++ {
			at = start.Add(time.Duration(float64(span) * (1 - rng.Float64()*rng.Float64())))
			for _, a := range agencies {
				if a.ActiveAt(at) {
					serving = append(serving, a)
				}
			}
		}
		if len(serving) == 0 {
			return ErrNotFound
		}
		// Departments and districts see more people than communes.
		ag := serving[rng.IntN(len(serving))]
		if ag.Level == LevelCommune && rng.Float64() < 0.5 {
			ag = serving[rng.IntN(len(serving))]
		}
		areas := demoAreas(cat, ag, at)
		area := areas[rng.IntN(len(areas))]
		f, err := cat.FormFor(area, at)
		if err != nil {
			return err
		}
		progress := at.Sub(start).Hours() / span.Hours()
		q := quality(ag.Code) + 0.05*progress
		answers := map[string]int{}
		for _, qu := range f.Questions(area) {
			answers[qu.Code] = demoAnswer(rng, q+demoCriterionOffset[qu.Code])
		}
		sub := Submission{
			Key: "demo" + NewKey(), Agency: ag.Code, Area: area, Channel: pickChannel(rng),
			Lang: Vi, Answers: answers, Respondent: demoRespondent(rng, f),
		}
		if rng.Float64() < 0.15 {
			good := 0
			if q > 0.8 {
				good = 1
			}
			list := demoComments[good]
			sub.Comment = list[rng.IntN(len(list))]
		}
		r, err := Check(sub, f, at)
		if err != nil {
			return err
		}
		if err := emit(r); err != nil {
			return err
		}
	}
	return nil
}

// DemoBatches generates n demo responses as DemoResponses does and hands
// them to emit in batches of size (the last may be smaller; none is empty).
// The batch is reused after emit returns: emit must not keep it.
func DemoBatches(cat *Catalog, now time.Time, n int, seed uint64, size int, emit func([]Response) error) error {
	batch := make([]Response, 0, size)
	err := DemoResponses(cat, now, n, seed, func(r Response) error {
		if batch = append(batch, r); len(batch) < size {
			return nil
		}
		err := emit(batch)
		batch = batch[:0]
		return err
	})
	if err != nil || len(batch) == 0 {
		return err
	}
	return emit(batch)
}

// demoAreas are the areas the demo rates at the agency at a time: those it
// serves, but for the ones a predecessor still serving then serves (a
// survivor takes over its predecessors' areas only when they merge).
func demoAreas(cat *Catalog, ag Agency, at time.Time) []string {
	if len(ag.Predecessors) == 0 {
		return ag.Areas
	}
	out := make([]string, 0, len(ag.Areas))
	for _, ar := range ag.Areas {
		taken := slices.ContainsFunc(ag.Predecessors, func(code string) bool {
			p, err := cat.Agency(code)
			return err == nil && p.ActiveAt(at) && p.Serves(ar)
		})
		if !taken {
			out = append(out, ar)
		}
	}
	if len(out) == 0 {
		return ag.Areas
	}
	return out
}

func quality(code string) float64 {
	if q, ok := demoQuality[code]; ok {
		return q
	}
	h := fnv.New32a()
	h.Write([]byte(code))
	return 0.70 + 0.22*float64(h.Sum32()%1000)/1000
}

// demoAnswer draws one answer: satisfied (4–5) with probability p, "not
// applicable" now and then.
func demoAnswer(rng *rand.Rand, p float64) int {
	switch r := rng.Float64(); {
	case r < 0.05:
		return NotApplicable
	case rng.Float64() < min(max(p, 0.02), 0.99):
		if rng.Float64() < 0.45 {
			return 5
		}
		return 4
	default:
		switch x := rng.Float64(); {
		case x < 0.55:
			return 3
		case x < 0.85:
			return 2
		}
		return 1
	}
}

func pickChannel(rng *rand.Rand) Channel {
	x := rng.Float64()
	for _, c := range demoChannels {
		if x < c.w {
			return c.c
		}
		x -= c.w
	}
	return ChannelWeb
}

func demoRespondent(rng *rand.Rand, f Form) Respondent {
	var r Respondent
	pick := func(code string) string {
		d, ok := f.Demographic(code)
		if !ok || len(d.Options) == 0 || rng.Float64() < 0.4 {
			return ""
		}
		return d.Options[rng.IntN(len(d.Options))].Code
	}
	r.AgeBand, r.Gender, r.Occupation, r.Education = pick("ageBand"), pick("gender"), pick("occupation"), pick("education")
	return r
}
