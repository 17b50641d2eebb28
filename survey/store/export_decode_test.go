package store

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// decodeSamples are stored responses as the export cursor reads them, with
// the shapes the driver accepts: missing and null fields, integers stored
// as int64 or whole doubles, symbols, unknown fields, an empty answer list.
func decodeSamples(t testing.TB) []bson.Raw {
	t.Helper()
	at := time.Date(2025, 3, 10, 9, 30, 15, 123e6, survey.Zone())
	full := survey.Response{ID: "k", Agency: "so-tu-phap", Area: "tu-phap", FormID: survey.DefaultFormID, FormVersion: 3,
		Channel: survey.ChannelKiosk, Verified: true, Lang: survey.Vi, Comment: "Cán bộ \"rất\" nhiệt tình;\nxin cảm ơn. =1+1",
		Answers:     []survey.Answer{{Code: "1.1", Value: 5}, {Code: "1.2", Value: 0}, {Code: "2.1", Value: 3}},
		Respondent:  survey.Respondent{AgeBand: "25to34", Gender: "female", Occupation: "farmer", Education: "university"},
		SubmittedAt: at, ReceivedAt: at.Add(time.Minute)}
	var out []bson.Raw
	for _, v := range []any{
		full,
		survey.Response{Agency: "lam-binh", SubmittedAt: at},
		bson.D{{Key: "agency", Value: nil}, {Key: "area", Value: "dat-dai"}, {Key: "formVersion", Value: int64(2)},
			{Key: "answers", Value: bson.A{}}, {Key: "respondent", Value: nil}, {Key: "verified", Value: nil}, {Key: "submittedAt", Value: nil}},
		bson.D{{Key: "formVersion", Value: 4.0}, {Key: "channel", Value: bson.Symbol("paper")}, {Key: "extra", Value: bson.D{{Key: "x", Value: 1}}},
			{Key: "answers", Value: bson.A{bson.D{{Key: "c", Value: "9.9"}, {Key: "v", Value: int64(4)}, {Key: "z", Value: true}}}},
			{Key: "respondent", Value: bson.D{{Key: "gender", Value: "other"}, {Key: "unknown", Value: "x"}}}},
	} {
		b, err := bson.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// TestExportDecoder: the decoder reads what the driver's bson.Unmarshal
// reads, refuses what it refuses, and allocates at most the answers'
// slice and the comment per document.
func TestExportDecoder(t *testing.T) {
	var dec exportDecoder
	for i, raw := range decodeSamples(t) {
		var want, got exportDoc
		if err := bson.Unmarshal(raw, &want); err != nil {
			t.Fatalf("sample %d: the driver: %v", i, err)
		}
		if err := dec.decode(raw, &got); err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
		if len(want.Answers) == 0 && len(got.Answers) == 0 {
			want.Answers, got.Answers = nil, nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("sample %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	for _, bad := range []bson.D{
		{{Key: "agency", Value: 5}},
		{{Key: "formVersion", Value: "3"}},
		{{Key: "formVersion", Value: 2.5}},
		{{Key: "answers", Value: "1.1=5"}},
		{{Key: "answers", Value: bson.A{"1.1"}}},
		{{Key: "verified", Value: "yes"}},
		{{Key: "submittedAt", Value: "2025-03-10"}},
		{{Key: "respondent", Value: bson.A{}}},
	} {
		raw, _ := bson.Marshal(bad)
		var want, got exportDoc
		if bson.Unmarshal(raw, &want) == nil {
			t.Fatalf("%v: the driver takes it", bad)
		}
		if err := dec.decode(raw, &got); err == nil {
			t.Errorf("%v: decoded as %+v", bad, got)
		}
	}
	for _, corrupt := range [][]byte{nil, {1, 0, 0, 0}, {40, 0, 0, 0, 2, 'a', 0}, []byte(decodeSamples(t)[0][:30])} {
		var got exportDoc
		if err := dec.decode(corrupt, &got); err == nil {
			t.Errorf("corrupt %v: no error", corrupt)
		}
	}

	raw := decodeSamples(t)[0]
	var d exportDoc
	if n := testing.AllocsPerRun(100, func() { _ = dec.decode(raw, &d) }); n > 2 {
		t.Errorf("%v allocations per document, want at most 2 (answers, comment)", n)
	}
}

// TestExportDecoderInternBound: distinct texts past the bound are still
// read, and the table stops growing.
func TestExportDecoderInternBound(t *testing.T) {
	var dec exportDecoder
	for i := range internMax + 100 {
		raw, _ := bson.Marshal(bson.D{{Key: "agency", Value: fmt.Sprintf("a-%d", i)}})
		var d exportDoc
		if err := dec.decode(raw, &d); err != nil || d.Agency != fmt.Sprintf("a-%d", i) {
			t.Fatalf("%d: %q, %v", i, d.Agency, err)
		}
	}
	if len(dec.strs) != internMax {
		t.Errorf("%d texts interned, want %d", len(dec.strs), internMax)
	}
}

// BenchmarkExportDecode compares, on the same documents in the same run,
// the driver's reflection (what ExportResponses used before) with the
// export's decoder, per document:
//
//	go test ./survey/store -run '^$' -bench ExportDecode -benchmem
func BenchmarkExportDecode(b *testing.B) {
	at := time.Date(2025, 3, 10, 9, 30, 0, 0, survey.Zone())
	r := survey.Response{Agency: "so-tu-phap", Area: "tu-phap", FormID: survey.DefaultFormID, FormVersion: 1,
		Channel: survey.ChannelWeb, Comment: strings.Repeat("Thủ tục nhanh gọn. ", 3),
		Respondent: survey.Respondent{AgeBand: "25to34", Gender: "female", Occupation: "farmer", Education: "university"}, SubmittedAt: at}
	for i := range 24 { // a questionnaire's worth of answers
		r.Answers = append(r.Answers, survey.Answer{Code: fmt.Sprintf("%d.%d", i/4+1, i%4+1), Value: 1 + i%5})
	}
	raw, err := bson.Marshal(r)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("driver", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var d exportDoc
			if err := bson.Unmarshal(raw, &d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		var dec exportDecoder
		var d exportDoc
		for range b.N {
			if err := dec.decode(raw, &d); err != nil {
				b.Fatal(err)
			}
		}
	})
}
