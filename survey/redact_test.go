package survey

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// redactedCorpus is comments as citizens write them, with the personal
// details that must go: phone numbers in every usual grouping, CCCD, CMND,
// tax codes, dossier codes and e-mail addresses.
var redactedCorpus = []struct {
	name, in, want string
	n              int
}{
	{"mobile, spaces", "Cán bộ hẹn gọi lại số 0912 345 678 nhưng không thấy gọi.",
		"Cán bộ hẹn gọi lại số [***] nhưng không thấy gọi.", 1},
	{"mobile, dots", "Liên hệ tôi qua Zalo 0912.345.678 để bổ sung giấy tờ.",
		"Liên hệ tôi qua Zalo [***] để bổ sung giấy tờ.", 1},
	{"mobile, dashes", "SĐT: 0987-654-321.", "SĐT: [***].", 1},
	{"mobile, together", "Tôi là Lan, sđt 0356789012, nộp hồ sơ hôm thứ hai.",
		"Tôi là Lan, sđt [***], nộp hồ sơ hôm thứ hai.", 1},
	{"mobile, pairs", "Gọi 09 12 34 56 78 giúp tôi.", "Gọi [***] giúp tôi.", 1},
	{"mobile, 4 and 6", "Số của tôi 0912 345678.", "Số của tôi [***].", 1},
	{"mobile 03x/05x/07x/08x", "Các số 0386 123 456, 0587 123 456, 0763 123 456 và 0833 123 456 đều của nhà tôi.",
		"Các số [***], [***], [***] và [***] đều của nhà tôi.", 4},
	{"+84 with spaces", "Gọi +84 912 345 678 (Việt kiều, đang ở nước ngoài).",
		"Gọi [***] (Việt kiều, đang ở nước ngoài).", 1},
	{"+84 together", "whatsapp +84912345678", "whatsapp [***]", 1},
	{"84 without plus", "Số 84 912 345 678 là của tôi.", "Số [***] là của tôi.", 1},
	{"(+84)", "ĐT (+84) 912 345 678.", "ĐT [***].", 1},
	{"landline in parentheses", "Gọi (024) 3825 1234 mãi không ai nghe máy.",
		"Gọi [***] mãi không ai nghe máy.", 1},
	{"landline, dots", "Máy bàn nhà tôi 0207.3822.123.", "Máy bàn nhà tôi [***].", 1},
	{"landline, spaces", "số bàn 028 3829 1234", "số bàn [***]", 1},
	{"CCCD", "CCCD của tôi là 001234567890, ghi sai ngày sinh.",
		"CCCD của tôi là [***], ghi sai ngày sinh.", 1},
	{"CCCD grouped", "Căn cước 001 234 567 890 bị trả lại.", "Căn cước [***] bị trả lại.", 1},
	{"CCCD glued to a word", "CCCD001234567890", "CCCD[***]", 1},
	{"CMND", "Chứng minh nhân dân số 123456789 cấp năm 2010.",
		"Chứng minh nhân dân số [***] cấp năm 2010.", 1},
	{"tax code", "Công ty tôi (MST 0101234567) chờ 3 tuần.", "Công ty tôi (MST [***]) chờ 3 tuần.", 1},
	{"tax code of a branch", "Chi nhánh MST 0101234567-001 nộp hồ sơ từ 15/01/2024.",
		"Chi nhánh MST [***] nộp hồ sơ từ 15/01/2024.", 1},
	{"dossier code", "Hồ sơ 000.00.17.H61-240115-0001 quá hạn 5 ngày.",
		"Hồ sơ [***] quá hạn 5 ngày.", 1},
	{"dossier code, one-stop system", "Mã hồ sơ H61.22-240101-0003, chưa có kết quả.",
		"Mã hồ sơ [***], chưa có kết quả.", 1},
	{"dossier code of the README", "Biên nhận 000.00.25.H58-250612-0042.", "Biên nhận [***].", 1},
	{"e-mail", "Xin phản hồi qua nguyen.van.a@gmail.com giúp tôi.",
		"Xin phản hồi qua [***] giúp tôi.", 1},
	{"e-mail of a gov domain", "Đã gửi thư tới ho-tro+dat_dai@stnmt.tuyenquang.gov.vn.",
		"Đã gửi thư tới [***].", 1},
	{"e-mail and phone together", "Email: tranthib@yahoo.com.vn / 0912345678",
		"Email: [***] / [***]", 2},
	{"phone right after an e-mail", "a.b@c.vn0912345678", "[***]", 1},
	{"phone after a year", "Năm 2024 tôi gọi 0912345678 ba lần.", "Năm 2024 tôi gọi [***] ba lần.", 1},
	{"phone after a counter number", "Quầy số 3 0912345678", "Quầy số 3 [***]", 1},
	{"list of phones", "0912345678,0987654321", "[***]", 1},
	{"several lines", "Tôi tên Hùng.\nSĐT 0912 345 678\nCCCD 001234567890",
		"Tôi tên Hùng.\nSĐT [***]\nCCCD [***]", 2},
	{"amount without separators", "Phí 150000000 đồng là quá cao.", "Phí [***] đồng là quá cao.", 1},
	{"unclosed parenthesis", "(0912345678 gọi giờ hành chính", "([***] gọi giờ hành chính", 1},
	{"bank account", "Tài khoản 19031234567012 Techcombank", "Tài khoản [***] Techcombank", 1},
	{"non-breaking spaces", "SĐT 0912\u00a0345\u00a0678", "SĐT [***]", 1},
	{"full-width digits", "ĐT ０９１２３４５６７８", "ĐT [***]", 1},
}

// keptCorpus is ordinary numbers that must stay as written.
var keptCorpus = []string{
	"Tôi nộp hồ sơ năm 2024, đến năm 2025 mới có kết quả.",
	"Lệ phí 1.500.000 đồng là hợp lý.",
	"Phí trước bạ 1.500.000.000 đồng cho căn nhà.",
	"Thu 1,500,000,000 VND, cao quá.",
	"Chỉ mất 2 triệu đồng và 500.000đ phí đo đạc.",
	"Giá từ 500.000-1.000.000 đồng tùy loại.",
	"Số tiền 1.500.000,50 đồng bị làm tròn.",
	"Tôi ngồi chờ ở quầy số 3 hơn 45 phút.",
	"Đến lúc 8:30, gọi số lúc 10:15, xong lúc 11h30.",
	"Hẹn trả ngày 15/01/2024 nhưng đến 20/01/2024 mới trả.",
	"Ngày 15-01-2024 và ngày 2024-01-20.",
	"Ngày 15.01.2024 tôi đến lần 2.",
	"Quầy đã xử lý 1.234 hồ sơ trong tháng, 98% đúng hạn.",
	"Mã thủ tục 1.012753.H19 và 2.002134 được niêm yết rõ.",
	"Mã cơ quan 000.00.17.H61 in trên biên nhận.",
	"Gọi tổng đài 1900 1234 hoặc 1800.1234 đều bận.",
	"Hồ sơ số HS-0002 nộp lần 2.",
	"Quyết định số 1234/QĐ-UBND ngày 15/01/2024, Nghị định 61/2018/NĐ-CP.",
	"Phòng 201, tầng 2, chờ 2-3 ngày.",
	"Các năm 2019 2020 2021 đều đến đây.",
	"Điểm 4,5 trên 10.",
	"Tôi 65 tuổi, đi 12 km.",
	"Đường dây nóng 113, 114, 115.",
	"Biển số 29A-123.45 đậu trước cửa.",
	"Thời gian giải quyết 7 ngày làm việc (theo quy định 10 ngày).",
	"",
}

func TestRedactCorpus(t *testing.T) {
	for _, tc := range redactedCorpus {
		t.Run(tc.name, func(t *testing.T) {
			got, n := Redact(tc.in)
			if got != tc.want || n != tc.n {
				t.Errorf("Redact(%q) = %q, %d; want %q, %d", tc.in, got, n, tc.want, tc.n)
			}
			if again, m := Redact(got); again != got || m != 0 {
				t.Errorf("Redact of the result = %q, %d; want it unchanged", again, m)
			}
		})
	}
}

func TestRedactKeepsOrdinaryNumbers(t *testing.T) {
	for _, in := range keptCorpus {
		if got, n := Redact(in); got != in || n != 0 {
			t.Errorf("Redact(%q) = %q, %d; want it unchanged", in, got, n)
		}
	}
}

// TestCheckRedactsComment: Check, which every way of submitting goes
// through, stores the comment redacted and counts what it removed; the
// length limit applies to the comment as typed.
func TestCheckRedactsComment(t *testing.T) {
	f := SIPAS2017()
	s := allAnswered(f, "tu-phap", 4)
	s.Comment = "  Gọi tôi: 0912 345 678, email lan@example.vn  "
	r, err := Check(s, f, checkNow)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if want := "Gọi tôi: [***], email [***]"; r.Comment != want || r.Redactions != 2 {
		t.Errorf("comment %q, %d redactions; want %q, 2", r.Comment, r.Redactions, want)
	}

	s.Comment = "Rất hài lòng, lệ phí 1.500.000 đồng."
	if r, err := Check(s, f, checkNow); err != nil || r.Comment != s.Comment || r.Redactions != 0 {
		t.Errorf("ordinary comment: %q, %d, %v; want it kept, 0", r.Comment, r.Redactions, err)
	}

	// At the limit as typed: accepted, and shorter once redacted.
	s.Comment = strings.Repeat("0912345678 ", f.CommentMax/11) + strings.Repeat("x", f.CommentMax%11)
	r, err = Check(s, f, checkNow)
	if err != nil {
		t.Fatalf("comment of %d characters: %v", utf8.RuneCountInString(s.Comment), err)
	}
	if r.Redactions != f.CommentMax/11 || utf8.RuneCountInString(r.Comment) > f.CommentMax {
		t.Errorf("%d redactions, %d characters; want %d, ≤ %d", r.Redactions, utf8.RuneCountInString(r.Comment), f.CommentMax/11, f.CommentMax)
	}
	s.Comment += "x"
	var fe FieldErrors
	if _, err := Check(s, f, checkNow); !errors.As(err, &fe) || fe[FieldComment] != ProblemTooLong {
		t.Errorf("one character over the limit: %v, want %s too long", err, FieldComment)
	}
}

// FuzzRedact checks the invariants of Redact on any text: it is
// idempotent, no run of 9 digits or more survives, valid UTF-8 stays valid,
// the result is never longer, and a text it leaves alone counts nothing.
func FuzzRedact(f *testing.F) {
	for _, tc := range redactedCorpus {
		f.Add(tc.in)
	}
	for _, s := range keptCorpus {
		f.Add(s)
	}
	f.Add("+(+84)(0)-912.345 678")
	f.Add("1.500.000.000.000.000.000,123456789")
	f.Add("a@b.cd@e.fg 1-240115-0001-240115-0001")
	f.Add("\xff0912345678\xfe")
	f.Fuzz(func(t *testing.T, s string) {
		got, n := Redact(s)
		if again, m := Redact(got); again != got || m != 0 {
			t.Fatalf("not idempotent: %q → %q → %q (%d)", s, got, again, m)
		}
		if run := longestDigitRun(got); run >= minRedactedDigits {
			t.Errorf("%q → %q keeps a run of %d digits", s, got, run)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Errorf("%q → %q is not valid UTF-8", s, got)
		}
		if len(got) > len(s) || utf8.RuneCountInString(got) > utf8.RuneCountInString(s) {
			t.Errorf("%q → %q is longer", s, got)
		}
		if (n == 0) != (got == s) {
			t.Errorf("%q → %q with %d redactions", s, got, n)
		}
		if strings.Count(got, RedactionMark) < n {
			t.Errorf("%q → %q: fewer marks than the %d redactions", s, got, n)
		}
	})
}

// longestDigitRun is the length of the longest run of decimal digits in s.
func longestDigitRun(s string) int {
	best, run := 0, 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			run++
			best = max(best, run)
		} else {
			run = 0
		}
	}
	return best
}
