package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"

	"hailong/survey"
)

// exportDecoder decodes the documents of an export cursor into an
// exportDoc, walking the raw BSON instead of the driver's reflection: a
// large export decodes a million documents, and the driver allocates some
// hundred objects for each (a string per field and per answer code, its
// readers, the values behind interfaces), which kept the garbage collector
// busy under the export's memory limit.
//
// The short texts that repeat from row to row (agency, area, form, channel,
// answer codes, demographic options) are interned: each distinct one is
// allocated once per export. What a row allocates is its answers' slice
// (handed out with the response, which a caller may keep) and its comment.
type exportDecoder struct {
	strs map[string]string
}

// internMax bounds the interned texts: stored responses are checked against
// the catalog, so real exports meet a few hundred; past the bound texts are
// allocated as the driver would.
const internMax = 4096

// intern returns b as a string, the same one each time for the same bytes.
func (x *exportDecoder) intern(b []byte) string {
	if s, ok := x.strs[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	if x.strs == nil {
		x.strs = make(map[string]string, 256)
	}
	if len(x.strs) < internMax {
		x.strs[s] = s
	}
	return s
}

// decode fills d (which it resets) from the raw document, as bson.Unmarshal
// would: fields it does not know are skipped, null leaves a zero value.
func (x *exportDecoder) decode(raw bson.Raw, d *exportDoc) error {
	*d = exportDoc{}
	return eachElement(raw, func(key []byte, v bsoncore.Value) error {
		var err error
		switch string(key) {
		case "agency":
			d.Agency, err = x.text(v, true)
		case "area":
			d.Area, err = x.text(v, true)
		case "formId":
			d.FormID, err = x.text(v, true)
		case "formVersion":
			d.FormVersion, err = integer(v)
		case "channel":
			var s string
			s, err = x.text(v, true)
			d.Channel = survey.Channel(s)
		case "verified":
			d.Verified, err = boolean(v)
		case "comment":
			d.Comment, err = x.text(v, false)
		case "submittedAt":
			d.SubmittedAt, err = dateTime(v)
		case "answers":
			d.Answers, err = x.answers(v)
		case "respondent":
			err = x.respondent(v, &d.Respondent)
		default:
			return nil
		}
		if err != nil {
			return fmt.Errorf("field %s: %w", key, err)
		}
		return nil
	})
}

// answers decodes the list of answers into a slice of its own.
func (x *exportDecoder) answers(v bsoncore.Value) ([]survey.Answer, error) {
	if isNull(v) {
		return nil, nil
	}
	arr, ok := v.ArrayOK()
	if !ok {
		return nil, typeError(v)
	}
	n := 0
	if err := eachElement(bson.Raw(arr), func([]byte, bsoncore.Value) error { n++; return nil }); err != nil {
		return nil, err
	}
	out := make([]survey.Answer, 0, n)
	err := eachElement(bson.Raw(arr), func(_ []byte, item bsoncore.Value) error {
		doc, ok := item.DocumentOK()
		if !ok {
			return typeError(item)
		}
		var a survey.Answer
		err := eachElement(bson.Raw(doc), func(key []byte, f bsoncore.Value) error {
			var err error
			switch string(key) {
			case "c":
				a.Code, err = x.text(f, true)
			case "v":
				a.Value, err = integer(f)
			}
			return err
		})
		out = append(out, a)
		return err
	})
	return out, err
}

// respondent decodes the demographics.
func (x *exportDecoder) respondent(v bsoncore.Value, r *survey.Respondent) error {
	if isNull(v) {
		return nil
	}
	doc, ok := v.DocumentOK()
	if !ok {
		return typeError(v)
	}
	return eachElement(bson.Raw(doc), func(key []byte, f bsoncore.Value) error {
		var err error
		switch string(key) {
		case "age":
			r.AgeBand, err = x.text(f, true)
		case "gender":
			r.Gender, err = x.text(f, true)
		case "occupation":
			r.Occupation, err = x.text(f, true)
		case "education":
			r.Education, err = x.text(f, true)
		}
		return err
	})
}

// eachElement calls fn with the key and value of each element of a
// document (or array), in order, without allocating.
func eachElement(doc bson.Raw, fn func(key []byte, v bsoncore.Value) error) error {
	length, _, ok := bsoncore.ReadLength(doc)
	if !ok || length < 5 || int(length) > len(doc) {
		return errCorrupt
	}
	rest := []byte(doc[4 : length-1])
	for len(rest) > 0 {
		elem, more, ok := bsoncore.ReadElement(rest)
		if !ok {
			return errCorrupt
		}
		key, err := elem.KeyBytesErr()
		if err != nil {
			return errCorrupt
		}
		v, err := elem.ValueErr()
		if err != nil {
			return errCorrupt
		}
		if err := fn(key, v); err != nil {
			return err
		}
		rest = more
	}
	return nil
}

// errCorrupt is a document whose bytes are not BSON.
var errCorrupt = errors.New("corrupt BSON document")

// text reads a string; interned when it repeats across rows.
func (x *exportDecoder) text(v bsoncore.Value, intern bool) (string, error) {
	if isNull(v) {
		return "", nil
	}
	if v.Type != bsoncore.TypeString && v.Type != bsoncore.TypeSymbol {
		return "", typeError(v)
	}
	if len(v.Data) < 5 {
		return "", errCorrupt
	}
	n := int(binary.LittleEndian.Uint32(v.Data))
	if n < 1 || 4+n > len(v.Data) {
		return "", errCorrupt
	}
	b := v.Data[4 : 4+n-1]
	if intern {
		return x.intern(b), nil
	}
	return string(b), nil
}

// integer reads an int32, an int64 or a whole double.
func integer(v bsoncore.Value) (int, error) {
	switch v.Type {
	case bsoncore.TypeInt32:
		i, ok := v.Int32OK()
		if ok {
			return int(i), nil
		}
	case bsoncore.TypeInt64:
		i, ok := v.Int64OK()
		if ok && i >= math.MinInt && i <= math.MaxInt {
			return int(i), nil
		}
	case bsoncore.TypeDouble:
		f, ok := v.DoubleOK()
		if ok && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return int(f), nil
		}
	case bsoncore.TypeNull, bsoncore.TypeUndefined:
		return 0, nil
	}
	return 0, typeError(v)
}

func boolean(v bsoncore.Value) (bool, error) {
	if isNull(v) {
		return false, nil
	}
	b, ok := v.BooleanOK()
	if !ok {
		return false, typeError(v)
	}
	return b, nil
}

// dateTime reads a BSON date as the driver does: in UTC.
func dateTime(v bsoncore.Value) (time.Time, error) {
	if isNull(v) {
		return time.Time{}, nil
	}
	ms, ok := v.DateTimeOK()
	if !ok {
		return time.Time{}, typeError(v)
	}
	return time.UnixMilli(ms).UTC(), nil
}

func isNull(v bsoncore.Value) bool {
	return v.Type == bsoncore.TypeNull || v.Type == bsoncore.TypeUndefined
}

func typeError(v bsoncore.Value) error {
	return fmt.Errorf("unexpected BSON type %s", v.Type)
}
