package store

import (
	"reflect"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"hailong/survey"
)

// A bucket written as a whole document and read back is the same bucket, and
// no field name holds a dot or starts with "$".
func TestBucketRoundTrip(t *testing.T) {
	set := bucketSet{}
	for _, r := range GenResponses(8, 40) {
		c, err := newContribution(r, "att")
		if err != nil {
			t.Fatal(err)
		}
		set.add(c)
	}
	for id, b := range set {
		raw, err := bson.Marshal(b.fullDoc())
		if err != nil {
			t.Fatal(err)
		}
		checkNames(t, id, bson.Raw(raw))
		var d bucketDoc
		if err := bson.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		back, err := decodeBucket(d)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		back.kind, back.agency = b.kind, b.agency
		if !reflect.DeepEqual(back, b) {
			t.Errorf("%s: round trip differs", id)
		}
		for _, e := range b.incDoc() {
			if strings.Count(e.Key, ".") != 1 || strings.HasPrefix(e.Key, "$") {
				t.Errorf("%s: $inc path %q", id, e.Key)
			}
		}
	}
}

func checkNames(t *testing.T, id string, doc bson.Raw) {
	t.Helper()
	elems, _ := doc.Elements()
	for _, e := range elems {
		if k := e.Key(); strings.Contains(k, ".") || strings.HasPrefix(k, "$") {
			t.Errorf("%s: field name %q", id, k)
		}
		if sub, ok := e.Value().DocumentOK(); ok {
			checkNames(t, id, sub)
		}
	}
}

func TestContributionRefusesUnsafeNames(t *testing.T) {
	good := GenResponses(9, 1)[0]
	if _, err := newContribution(good, "a"); err != nil {
		t.Fatalf("good response: %v", err)
	}
	odd := good
	odd.Answers = []survey.Answer{{Code: "A_1.b-2", Value: 3}}
	c, err := newContribution(odd, "a")
	if err != nil {
		t.Fatalf("code with _ . and -: %v", err)
	}
	set := bucketSet{}
	set.add(c)
	var d bucketDoc
	raw, _ := bson.Marshal(set[agencyMonthID(c.agency, c.month)].fullDoc())
	_ = bson.Unmarshal(raw, &d)
	if back, err := decodeBucket(d); err != nil || back.tallies[fieldChannel][string(odd.Channel)].Items[survey.VersionedCode(c.form, "A_1.b-2")][3] != 1 {
		t.Errorf("code A_1.b-2 does not round trip: %v", err)
	}
	for name, edit := range map[string]func(r *survey.Response){
		"agency with $":     func(r *survey.Response) { r.Agency = "$where" },
		"area with a dot":   func(r *survey.Response) { r.Area = "dat.dai" },
		"upper-case area":   func(r *survey.Response) { r.Area = "Dat-dai" },
		"empty channel":     func(r *survey.Response) { r.Channel = "" },
		"code with $":       func(r *survey.Response) { r.Answers = []survey.Answer{{Code: "$1", Value: 4}} },
		"code with ~":       func(r *survey.Response) { r.Answers = []survey.Answer{{Code: "1~1", Value: 4}} },
		"code with a pipe":  func(r *survey.Response) { r.Answers = []survey.Answer{{Code: "1|1", Value: 4}} },
		"value above scale": func(r *survey.Response) { r.Answers = []survey.Answer{{Code: "1.1", Value: 6}} },
		"negative value":    func(r *survey.Response) { r.Answers = []survey.Answer{{Code: "1.1", Value: -1}} },
	} {
		r := good
		edit(&r)
		if _, err := newContribution(r, "a"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPackRoundTrip(t *testing.T) {
	for _, r := range GenResponses(10, 20) {
		c, _ := newContribution(r, "att-1")
		back, err := unpack(pendingDoc{ID: "att-1", Response: r.ID, Packed: pack(c)})
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("unpack(pack(%+v)) = %+v, %v", c, back, err)
		}
	}
	for _, bad := range []string{"", "a|b|c|v|2025-01", "a|b|c|v|2025-13|1.1=4", "a|b|c|v|2025-01|1.1"} {
		if _, err := unpack(pendingDoc{Packed: bad}); err == nil {
			t.Errorf("unpack(%q) succeeded", bad)
		}
	}
}
