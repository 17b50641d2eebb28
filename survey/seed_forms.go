package survey

import "time"

// SeedForms are the questionnaires a new installation starts with, published.
func SeedForms() []Form {
	return []Form{SIPAS2017()}
}

func c(code, vi, en string) Criterion { return Criterion{Code: code, Text: Text{vi, en}} }

// FiveLevels is the SIPAS answer scale, from most to least satisfied.
var FiveLevels = []Level5{
	{5, Text{"Rất hài lòng", "Very satisfied"}},
	{4, Text{"Hài lòng", "Satisfied"}},
	{3, Text{"Bình thường", "Neutral"}},
	{2, Text{"Không hài lòng", "Dissatisfied"}},
	{1, Text{"Rất không hài lòng", "Very dissatisfied"}},
}

// StandardDemographics are the optional questions about the respondent.
var StandardDemographics = []Demographic{
	{Code: "ageBand", Label: Text{"Độ tuổi", "Age"}, Options: []Option{
		{"under25", Text{"Dưới 25", "Under 25"}},
		{"25to34", Text{"25–34", "25–34"}},
		{"35to49", Text{"35–49", "35–49"}},
		{"50to64", Text{"50–64", "50–64"}},
		{"65plus", Text{"65 trở lên", "65 and over"}},
	}},
	{Code: "gender", Label: Text{"Giới tính", "Gender"}, Options: []Option{
		{"male", Text{"Nam", "Male"}},
		{"female", Text{"Nữ", "Female"}},
		{"other", Text{"Khác", "Other"}},
	}},
	{Code: "occupation", Label: Text{"Nghề nghiệp", "Occupation"}, Options: []Option{
		{"farmer", Text{"Nông dân", "Farmer"}},
		{"worker", Text{"Công nhân", "Worker"}},
		{"civil_servant", Text{"Cán bộ, công chức, viên chức", "Public employee"}},
		{"business", Text{"Kinh doanh, dịch vụ", "Business or services"}},
		{"student", Text{"Học sinh, sinh viên", "Student"}},
		{"retired", Text{"Nghỉ hưu", "Retired"}},
		{"other", Text{"Khác", "Other"}},
	}},
	{Code: "education", Label: Text{"Trình độ học vấn", "Education"}, Options: []Option{
		{"primary", Text{"Tiểu học", "Primary"}},
		{"secondary", Text{"Trung học cơ sở", "Lower secondary"}},
		{"high_school", Text{"Trung học phổ thông", "Upper secondary"}},
		{"vocational", Text{"Trung cấp, cao đẳng", "Vocational or college"}},
		{"university", Text{"Đại học", "University"}},
		{"postgraduate", Text{"Sau đại học", "Postgraduate"}},
	}},
}

// SIPAS2017 is the 2017 SIPAS model: 5 factors, 22 criteria (wording is a
// working reconstruction, see shared/domain/SIPAS.md), with extra items for
// land, environment and construction.
func SIPAS2017() Form {
	return Form{
		Key:     FormKey(DefaultFormID, 1),
		ID:      DefaultFormID,
		Version: 1,
		Title:   Text{"Khảo sát sự hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước", "Survey of citizen satisfaction with public administrative services"},
		Intro: Text{
			"Xin ông/bà cho biết mức độ hài lòng với dịch vụ vừa nhận. Khảo sát ẩn danh, mất khoảng 3 phút.",
			"Please tell us how satisfied you are with the service you just received. The survey is anonymous and takes about 3 minutes.",
		},
		Scale:   FiveLevels,
		NALabel: Text{"Không áp dụng / không có ý kiến", "Not applicable / no opinion"},
		Factors: []Factor{
			{Code: "YT1", Name: Text{"Tiếp cận dịch vụ hành chính công", "Access to public administrative services"}, Criteria: []Criterion{
				c("1.1", "Nơi ngồi chờ có đủ chỗ ngồi", "The waiting area has enough seats"),
				c("1.2", "Trang thiết bị phục vụ đầy đủ", "Service equipment is adequate"),
				c("1.3", "Trang thiết bị hiện đại", "Equipment is modern"),
				c("1.4", "Trang thiết bị dễ sử dụng", "Equipment is easy to use"),
			}},
			{Code: "YT2", Name: Text{"Thủ tục hành chính", "Administrative procedures"}, Criteria: []Criterion{
				c("2.1", "Thủ tục hành chính được niêm yết công khai đầy đủ", "The procedure is fully published"),
				c("2.2", "Thủ tục hành chính được niêm yết chính xác", "The published procedure is accurate"),
				c("2.3", "Thành phần hồ sơ phải nộp đúng quy định", "The documents required are as regulated"),
				c("2.4", "Phí, lệ phí phải nộp đúng quy định", "Fees and charges are as regulated"),
				c("2.5", "Thời hạn giải quyết đúng quy định", "The handling time is as regulated"),
			}},
			{Code: "YT3", Name: Text{"Công chức trực tiếp giải quyết công việc", "Civil servants handling the case"}, Criteria: []Criterion{
				c("3.1", "Công chức có thái độ giao tiếp lịch sự", "Staff communicate politely"),
				c("3.2", "Công chức chú ý lắng nghe ý kiến của người dân, tổ chức", "Staff listen attentively"),
				c("3.3", "Công chức trả lời, giải thích đầy đủ các ý kiến", "Staff answer and explain fully"),
				c("3.4", "Công chức hướng dẫn kê khai hồ sơ tận tình, chu đáo", "Staff guide form filling kindly and thoroughly"),
				c("3.5", "Công chức hướng dẫn kê khai hồ sơ dễ hiểu", "Staff guidance is easy to understand"),
				c("3.6", "Công chức tuân thủ đúng quy định trong giải quyết công việc", "Staff follow the rules in handling the case"),
			}},
			{Code: "YT4", Name: Text{"Kết quả cung ứng dịch vụ hành chính công", "Results of the service"}, Criteria: []Criterion{
				c("4.1", "Kết quả đúng quy định", "The result is as regulated"),
				c("4.2", "Kết quả có thông tin đầy đủ", "The result contains complete information"),
				c("4.3", "Kết quả có thông tin chính xác", "The result contains accurate information"),
			}},
			{Code: "YT5", Name: Text{"Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", "Handling of feedback and complaints"}, Criteria: []Criterion{
				c("5.1", "Cơ quan có bố trí hình thức tiếp nhận góp ý, phản ánh, kiến nghị", "The agency provides ways to give feedback"),
				c("5.2", "Người dân, tổ chức dễ dàng thực hiện góp ý, phản ánh, kiến nghị", "Giving feedback is easy"),
				c("5.3", "Cơ quan tiếp nhận và xử lý tích cực các góp ý, phản ánh, kiến nghị", "Feedback is received and handled actively"),
				c("5.4", "Cơ quan thông báo kịp thời kết quả xử lý góp ý, phản ánh, kiến nghị", "The outcome of feedback is reported promptly"),
			}},
		},
		AreaItems: []AreaSet{
			{Area: "dat-dai", Items: []Criterion{
				c("DD1", "Việc đo đạc, xác định ranh giới thửa đất được thực hiện đúng hẹn", "Surveying and boundary marking of the plot were on time"),
				c("DD2", "Nghĩa vụ tài chính về đất đai được thông báo rõ ràng", "Land-related financial obligations were explained clearly"),
				c("DD3", "Giấy chứng nhận quyền sử dụng đất được trả đúng hẹn", "The land-use certificate was returned on time"),
			}},
			{Area: "moi-truong", Items: []Criterion{
				c("MT1", "Yêu cầu về hồ sơ môi trường được hướng dẫn rõ ràng", "Environmental dossier requirements were explained clearly"),
				c("MT2", "Việc thẩm định, kiểm tra thực địa được thực hiện đúng quy định", "Appraisal and site inspection followed the rules"),
			}},
			{Area: "xay-dung", Items: []Criterion{
				c("XD1", "Thông tin quy hoạch được cung cấp đầy đủ, dễ tiếp cận", "Planning information was complete and easy to obtain"),
				c("XD2", "Giấy phép xây dựng được cấp đúng thời hạn", "The construction permit was issued on time"),
				c("XD3", "Không phải bổ sung hồ sơ nhiều lần", "Documents did not have to be supplemented repeatedly"),
			}},
		},
		CommentMax:   2000,
		Demographics: StandardDemographics,
		Published:    true,
		PublishedAt:  time.Date(2017, 10, 10, 0, 0, 0, 0, time.UTC),
	}
}
