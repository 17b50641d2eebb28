package survey

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func formsTestCatalog() *Catalog {
	return &Catalog{Areas: SeedAreas(), Agencies: LegacySeedAgencies(), Forms: SeedForms()}
}

func TestNewDraftCopiesDeeply(t *testing.T) {
	src := SIPAS2017()
	d := NewDraft(src, 7)
	if d.Version != 7 || d.Key != "sipas-2017@7" || d.Published || !d.PublishedAt.IsZero() || d.ID != src.ID {
		t.Fatalf("draft identity = %q v%d published=%v at=%v", d.Key, d.Version, d.Published, d.PublishedAt)
	}
	if !reflect.DeepEqual(d.Factors, src.Factors) || !reflect.DeepEqual(d.AreaItems, src.AreaItems) ||
		!reflect.DeepEqual(d.Scale, src.Scale) || !reflect.DeepEqual(d.Demographics, src.Demographics) {
		t.Fatal("draft content differs from its source")
	}
	d.Factors[0].Criteria[0].Text.Vi = "changed"
	d.AreaItems[0].Items[0].Code = "X"
	d.Demographics[0].Options[0].Code = "x"
	d.Scale[0].Value = 9
	if src.Factors[0].Criteria[0].Text.Vi == "changed" || src.AreaItems[0].Items[0].Code == "X" ||
		src.Demographics[0].Options[0].Code == "x" || src.Scale[0].Value == 9 {
		t.Fatal("draft shares memory with its source")
	}
}

func TestNextVersion(t *testing.T) {
	fs := []Form{{ID: "a", Version: 1}, {ID: "a", Version: 3}, {ID: "b", Version: 9}}
	for _, tc := range []struct {
		id   string
		want int
	}{{"a", 4}, {"b", 10}, {"c", 1}} {
		if got := NextVersion(fs, tc.id); got != tc.want {
			t.Errorf("NextVersion(%q) = %d, want %d", tc.id, got, tc.want)
		}
	}
}

func TestCheckForm(t *testing.T) {
	cat := formsTestCatalog()
	draft := NewDraft(SIPAS2017(), 2)
	long := strings.Repeat("ạ", MaxItemLen+1)
	tests := []struct {
		name string
		edit func(f *Form)
		want FieldErrors
	}{
		{"seed form is valid", func(*Form) {}, nil},
		{"title vi missing", func(f *Form) { f.Title.Vi = "  " }, FieldErrors{"title.vi": ProblemRequired}},
		{"title en missing", func(f *Form) { f.Title.En = "" }, FieldErrors{"title.en": ProblemRequired}},
		{"intro may be empty", func(f *Form) { f.Intro = Text{} }, nil},
		{"intro too long", func(f *Form) { f.Intro.En = strings.Repeat("a", MaxIntroLen+1) }, FieldErrors{"intro.en": ProblemTooLong}},
		{"factor name missing", func(f *Form) { f.Factors[1].Name.En = "" }, FieldErrors{"factors.1.name.en": ProblemRequired}},
		{"criterion text missing", func(f *Form) { f.Factors[0].Criteria[2].Text.Vi = "" }, FieldErrors{"factors.0.criteria.2.text.vi": ProblemRequired}},
		{"criterion text too long (runes)", func(f *Form) { f.Factors[0].Criteria[0].Text.Vi = long }, FieldErrors{"factors.0.criteria.0.text.vi": ProblemTooLong}},
		{"criterion text at the limit", func(f *Form) { f.Factors[0].Criteria[0].Text.Vi = long[len("ạ"):] }, nil},
		{"invalid utf-8", func(f *Form) { f.Factors[0].Criteria[0].Text.En = "a\xffb" }, FieldErrors{"factors.0.criteria.0.text.en": ProblemInvalid}},
		{"duplicate code across factors", func(f *Form) { f.Factors[3].Criteria[0].Code = "1.1" }, FieldErrors{"factors.3.criteria.0.code": ProblemDuplicate}},
		{"duplicate code with an extra", func(f *Form) { f.AreaItems[1].Items[0].Code = "2.1" }, FieldErrors{"areaItems.1.items.0.code": ProblemDuplicate}},
		{"duplicate code between areas", func(f *Form) { f.AreaItems[2].Items[0].Code = "DD1" }, FieldErrors{"areaItems.2.items.0.code": ProblemDuplicate}},
		{"code starting with $", func(f *Form) { f.Factors[0].Criteria[0].Code = "$gt" }, FieldErrors{"factors.0.criteria.0.code": ProblemInvalid}},
		{"code with a space", func(f *Form) { f.Factors[0].Criteria[0].Code = "1 1" }, FieldErrors{"factors.0.criteria.0.code": ProblemInvalid}},
		{"code too long", func(f *Form) { f.Factors[0].Criteria[0].Code = strings.Repeat("a", 17) }, FieldErrors{"factors.0.criteria.0.code": ProblemInvalid}},
		{"code of 16 is fine", func(f *Form) { f.Factors[0].Criteria[0].Code = "A" + strings.Repeat("b", 15) }, nil},
		{"code empty", func(f *Form) { f.Factors[0].Criteria[0].Code = "" }, FieldErrors{"factors.0.criteria.0.code": ProblemInvalid}},
		{"code starting with a dot", func(f *Form) { f.Factors[0].Criteria[0].Code = ".1" }, FieldErrors{"factors.0.criteria.0.code": ProblemInvalid}},
		{"no factors", func(f *Form) { f.Factors = nil }, FieldErrors{"factors": ProblemRequired}},
		{"factor without criteria", func(f *Form) { f.Factors[4].Criteria = nil }, FieldErrors{"factors.4.criteria": ProblemRequired}},
		{"duplicate factor code", func(f *Form) { f.Factors[1].Code = "YT1" }, FieldErrors{"factors.1.code": ProblemDuplicate}},
		{"invalid factor code", func(f *Form) { f.Factors[1].Code = "$x" }, FieldErrors{"factors.1.code": ProblemInvalid}},
		{"unknown area", func(f *Form) { f.AreaItems[0].Area = "khong-co" }, FieldErrors{"areaItems.0.area": ProblemUnknown}},
		{"malformed area", func(f *Form) { f.AreaItems[0].Area = "$where" }, FieldErrors{"areaItems.0.area": ProblemUnknown}},
		{"area missing", func(f *Form) { f.AreaItems[0].Area = "" }, FieldErrors{"areaItems.0.area": ProblemRequired}},
		{"area twice", func(f *Form) { f.AreaItems[1].Area = "dat-dai" }, FieldErrors{"areaItems.1.area": ProblemDuplicate}},
		{"area set empty", func(f *Form) { f.AreaItems[2].Items = nil }, FieldErrors{"areaItems.2.items": ProblemRequired}},
		{"extra item text missing", func(f *Form) { f.AreaItems[2].Items[1].Text.En = "" }, FieldErrors{"areaItems.2.items.1.text.en": ProblemRequired}},
		{"too many questions", func(f *Form) {
			for i := range MaxQuestions {
				f.Factors[0].Criteria = append(f.Factors[0].Criteria, Criterion{Code: "N" + strconv.Itoa(i), Text: Text{"x", "x"}})
			}
		}, FieldErrors{"factors": ProblemTooMany, "areaItems.0.items": ProblemTooMany, "areaItems.1.items": ProblemTooMany, "areaItems.2.items": ProblemTooMany}},
		{"several problems at once", func(f *Form) {
			f.Title = Text{}
			f.Factors[0].Criteria[1].Code = "1.1"
		}, FieldErrors{"title.vi": ProblemRequired, "title.en": ProblemRequired, "factors.0.criteria.1.code": ProblemDuplicate}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewDraft(draft, 2)
			tc.edit(&f)
			got := CheckForm(f, cat)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("CheckForm = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckFormWithoutCatalogChecksAreaShapeOnly(t *testing.T) {
	f := NewDraft(SIPAS2017(), 2)
	f.AreaItems[0].Area = "khong-co"
	if fe := CheckForm(f, nil); fe != nil {
		t.Errorf("CheckForm(nil catalog) = %v", fe)
	}
}

func TestApplyEdit(t *testing.T) {
	d := NewDraft(SIPAS2017(), 2)
	e := EditOf(d)
	e.Title.Vi = "  Phiếu mới  "
	e.Factors[0].Criteria[0].Code = " 1.1 "
	e.Factors[0].Criteria[0].Text.En = " Enough seats \n"
	e.AreaItems[0].Area = " dat-dai "
	got, err := ApplyEdit(d, e)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title.Vi != "Phiếu mới" || got.Factors[0].Criteria[0].Code != "1.1" ||
		got.Factors[0].Criteria[0].Text.En != "Enough seats" || got.AreaItems[0].Area != "dat-dai" {
		t.Errorf("not trimmed: %+v %+v", got.Title, got.Factors[0].Criteria[0])
	}
	if got.Scale == nil || got.Demographics == nil || got.CommentMax != d.CommentMax || got.Key != d.Key {
		t.Error("non-editable parts lost")
	}
	if e.Title.Vi != "  Phiếu mới  " || d.Factors[0].Criteria[0].Text.En == "Enough seats" {
		t.Error("ApplyEdit modified its inputs")
	}
	if _, err := ApplyEdit(SIPAS2017(), e); !errors.Is(err, ErrPublished) {
		t.Errorf("edit of a published version: err = %v, want ErrPublished", err)
	}
}

func TestPublish(t *testing.T) {
	cat := formsTestCatalog()
	now := time.Date(2025, 7, 1, 8, 0, 0, 0, time.UTC)
	d := NewDraft(SIPAS2017(), 2)
	p, err := Publish(d, cat, now)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Published || !p.PublishedAt.Equal(now) || d.Published {
		t.Errorf("published=%v at=%v; draft published=%v", p.Published, p.PublishedAt, d.Published)
	}
	if _, err := Publish(p, cat, now); !errors.Is(err, ErrPublished) {
		t.Errorf("publish twice: err = %v, want ErrPublished", err)
	}
	bad := NewDraft(SIPAS2017(), 3)
	bad.Title.En = ""
	_, err = Publish(bad, cat, now)
	var fe FieldErrors
	if !errors.As(err, &fe) || fe["title.en"] != ProblemRequired {
		t.Errorf("publish invalid: err = %v", err)
	}
}

func TestFieldNames(t *testing.T) {
	for got, want := range map[string]string{
		CriterionField(1, 2, "text.vi"): "factors.1.criteria.2.text.vi",
		FactorField(0, "name.en"):       "factors.0.name.en",
		ExtraItemField(3, 0, "code"):    "areaItems.3.items.0.code",
		ExtrasField(2, "area"):          "areaItems.2.area",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
